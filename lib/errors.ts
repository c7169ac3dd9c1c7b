// The error class for failures that are not bad arguments: numerical breakdowns, aborted or
// refused training, corrupt model files. Bad arguments are TypeError or RangeError.

export type DnsgdErrorCode =
  | 'ERR_NONFINITE_LOSS'
  | 'ERR_NONFINITE_GRADIENT'
  | 'ERR_FACTOR_FAILED'
  | 'ERR_NONFINITE_NEWTON'
  | 'ERR_NEWTON_NOT_CONVERGED'
  | 'ERR_BUSY'
  | 'ERR_MODEL_FILE'
  | 'ERR_STEP';

export class DnsgdError extends Error {
  readonly code: DnsgdErrorCode;
  /** Where the failure happened (epoch, step, optimizer settings), when known. */
  readonly context: Record<string, unknown>;

  constructor(code: DnsgdErrorCode, message: string, context: Record<string, unknown> = {}) {
    super(message);
    this.name = 'DnsgdError';
    this.code = code;
    this.context = context;
  }
}
