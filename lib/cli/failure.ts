// How a failure leaves the command: bad input is exit 1 with one clear line (and a hint where
// one helps), an interruption 130, anything unexpected exit 2 with a request to report it.
// Nothing here loads the native addon, so a failure to load it can be described too.
import { DataError } from '../data';
import { DnsgdError } from '../errors';
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

/** The native addon (or a module that needs it) could not be loaded. */
export class AddonError extends Error {
  constructor(readonly reason: unknown) {
    super(`the native addon could not be loaded: ${firstLineOnly(reason)}`);
    this.name = 'AddonError';
  }
}

/**
 * Requires a module of the library that loads the native addon, turning a failure into an
 * AddonError. Called only once the command line has been parsed, so --help and --version
 * work without the addon.
 */
export function loadLibrary<T>(load: () => T): T {
  try {
    return load();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException | undefined)?.code;
    const message = e instanceof Error ? e.message : String(e);
    const addon = process.env.DNSGD_ADDON || code === 'MODULE_NOT_FOUND' ||
      code === 'ERR_DLOPEN_FAILED' || /native build|\.node\b|dlopen/i.test(message);
    throw addon ? new AddonError(e) : e;
  }
}

// Numerical breakdowns of training, each with what the user can change about it.
const NUMERICAL_HINTS: Record<string, string> = {
  ERR_NONFINITE_LOSS: 'hint: training diverged; try a lower --lr, or a higher --alpha for ' +
    'dn-sgd and sgd-dn',
  ERR_NONFINITE_GRADIENT: 'hint: training diverged; try a lower --lr, or a higher --alpha for ' +
    'dn-sgd and sgd-dn',
  ERR_NONFINITE_NEWTON: 'hint: the Newton step broke down; try a higher --alpha, or a lower --lr',
  ERR_FACTOR_FAILED: 'hint: raise --alpha above 0, or pass --allow-floor to let the step add ' +
    'the smallest damping that works',
  ERR_NEWTON_NOT_CONVERGED: 'hint: raise --alpha, or pass --solver dense',
};
// Failures of the file system that come from what the user named, not from dnsgd.
const USER_FS_CODES = new Set([
  'ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'EEXIST', 'ENOSPC', 'EROFS', 'ENAMETOOLONG',
  'EMFILE', 'EDQUOT', 'ELOOP',
]);

/**
 * The library's messages name its API (`logTarget`, `trainRows`, `task: 'classification'`);
 * on the command line the same thing is a flag, so the message names the flag instead.
 */
const FLAG_WORDING: [RegExp, string][] = [
  [/\bpass task: 'classification'/g, 'pass --task classification'],
  [/\bpass delimiter: "\\t"/g, 'pass --delimiter tab'],
  [/\bpass delimiter: "(.)"/g, "pass --delimiter '$1'"],
  [/\blogTarget\b/g, '--log-target'],
  [/\btrainRows must be\b/g, '--train-rows must be'],
  [/\btestFraction must be\b/g, '--test-fraction must be'],
  [/\bstandardizeTarget needs\b/g, '--standardize-target needs'],
  [/\ballow a damping floor\b/g, 'pass --allow-floor'],
  [/\buse the dense solver\b/g, 'pass --solver dense'],
];

/** A library message in the command line's terms. */
export function flagWording(message: string): string {
  return FLAG_WORDING.reduce((m, [re, to]) => m.replace(re, to), message);
}

export function describeFailure(err: unknown): Failure {
  // By name, not instanceof: the trainer module that defines it loads the native addon.
  if (err instanceof Error && err.name === 'AbortError') {
    return { exitCode: EXIT_INTERRUPTED, lines: ['dnsgd: interrupted'] };
  }
  if (err instanceof AddonError) {
    const override = process.env.DNSGD_ADDON;
    return {
      exitCode: EXIT_INTERNAL,
      lines: [`dnsgd: error: ${err.message}`, override
        ? `DNSGD_ADDON is set to '${override}': point it at a built dnsgd.node, or unset it`
        : 'the addon is built when the package is installed: run "npm rebuild dnsgd" (or ' +
          '"npm run build:native" in a clone) and try again'],
    };
  }
  if (err instanceof UsageError || err instanceof DataError) {
    return bad(err.message);
  }
  if (err instanceof DnsgdError) {
    if (err.code === 'ERR_MODEL_FILE') return bad(err.message);
    const hint = NUMERICAL_HINTS[err.code];
    if (hint !== undefined) return bad(err.message, hint);
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
  const lines = [`dnsgd: error: ${flagWording(firstLine(message))}`];
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

/** The first line of an error's message only (a require error appends its require stack). */
function firstLineOnly(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? 'unknown error';
}
