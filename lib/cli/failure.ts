// How a failure leaves the command: bad input is exit 1 with one clear line (and a hint where
// one helps), an interruption 130, anything unexpected exit 2 with a request to report it.
import { DataError } from '../data';
import { DnsgdError } from '../errors';
import { AbortError } from '../trainer';
import { UsageError } from './options';

export const EXIT_OK = 0;
export const EXIT_BAD_INPUT = 1;
export const EXIT_INTERNAL = 2;
export const EXIT_INTERRUPTED = 130;

export interface Failure {
  exitCode: number;
  /** What to print on stderr, one line per entry. */
  lines: string[];
}

const NUMERICAL = new Set([
  'ERR_NONFINITE_LOSS', 'ERR_NONFINITE_GRADIENT', 'ERR_NONFINITE_NEWTON', 'ERR_FACTOR_FAILED',
]);
// Failures of the file system that come from what the user named, not from dnsgd.
const USER_FS_CODES = new Set([
  'ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'EEXIST', 'ENOSPC', 'EROFS', 'ENAMETOOLONG',
  'EMFILE', 'EDQUOT', 'ELOOP',
]);

export function describeFailure(err: unknown): Failure {
  if (err instanceof AbortError) {
    return { exitCode: EXIT_INTERRUPTED, lines: ['dnsgd: interrupted'] };
  }
  if (err instanceof UsageError || err instanceof DataError) {
    return bad(err.message);
  }
  if (err instanceof DnsgdError) {
    if (err.code === 'ERR_MODEL_FILE') return bad(err.message);
    if (NUMERICAL.has(err.code)) {
      return bad(err.message,
        'hint: training diverged or the Newton system broke down; try a lower --lr, ' +
        'or a higher --alpha for dn-sgd and sgd-dn');
    }
    return internal(err);
  }
  // The library's argument checks throw these with messages that name the value.
  if (err instanceof TypeError || err instanceof RangeError) return bad(err.message);
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (err instanceof Error && typeof code === 'string' && USER_FS_CODES.has(code)) {
    return bad(err.message);
  }
  return internal(err);
}

function bad(message: string, hint?: string): Failure {
  const lines = [`dnsgd: error: ${firstLine(message)}`];
  if (hint !== undefined) lines.push(hint);
  return { exitCode: EXIT_BAD_INPUT, lines };
}

function internal(err: unknown): Failure {
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  const lines = [`dnsgd: internal error: ${firstLine(message)}`,
    'This is a bug in dnsgd. Please report it with the command you ran and this output' +
      (process.env.DNSGD_DEBUG ? ':' : ' (set DNSGD_DEBUG=1 to include the stack trace).')];
  if (process.env.DNSGD_DEBUG && err instanceof Error && err.stack) lines.push(err.stack);
  return { exitCode: EXIT_INTERNAL, lines };
}

function firstLine(s: string): string {
  return s.split('\n').map((l) => l.trim()).filter((l) => l !== '').join(' ');
}
