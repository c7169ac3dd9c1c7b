// What the commands accept, their defaults (the paper's settings, chosen by task) and the
// checks that run before any data is read, so a bad flag fails at once and names the flag.
import { BUNDLED_NAMES, BundledName } from '../data';
import type { Activation, InitScheme } from '../network';
import type { OptimizerName } from '../optimizers';
import { closest } from '../validate';
import {
  ACTIVATIONS, INITS, NEWTON_OPTIMIZERS, OPTIMIZER_NAMES, SOLVERS, SolverName,
} from './names';

/** Where the data comes from and how readCsv encodes it. */
export interface DataOptions {
  /** A CSV file; without it, `dataset` names a bundled one. */
  file?: string;
  dataset?: string;
  /** Target column. Default: the last column (or the bundled preset's). */
  target?: string;
  task?: 'auto' | 'regression' | 'classification';
  /** Regression: train on log(target). */
  logTarget?: boolean;
  /** Regression: standardize the (log) target with training statistics. Default true. */
  standardizeTarget?: boolean;
  dropMissing?: boolean;
  /** One of the three splits; none given: the preset's, else a random 80/20 split. */
  testFraction?: number;
  trainRows?: number;
  testFile?: string;
  /** Seed of a random split. Default 0. */
  splitSeed?: number;
  /** Field separator of the CSV files: one character, or `tab`. Default `,`. */
  delimiter?: string;
}

/** Network and optimizer settings; anything left out takes the paper's value for the task. */
export interface TrainSettings {
  hidden?: number[];
  activation?: string;
  epochs?: number;
  batch?: number;
  lr?: number;
  alpha?: number;
  /** Seed of the initial weights and of the per-epoch shuffling. Default 1. */
  seed?: number;
  threads?: number;
  /** Test loss every this many steps; default: about 80 points per run. */
  evaluateEvery?: number;
  /** Damped Newton: retry a failed factorization with the smallest floor that works. */
  allowFloor?: boolean;
  /** Damped Newton: how the Newton system is solved. Default 'auto'. */
  solver?: string;
  /** Initialisation scheme of the network. Default 'glorot'. */
  init?: string;
}

export interface ResolvedSettings {
  hidden: number[];
  activation: Activation;
  epochs: number;
  batch: number;
  lr: number;
  alpha: number;
  seed: number;
  threads: number | undefined;
  evaluateEvery: number | undefined;
  allowFloor: boolean;
  solver: SolverName;
  init: InitScheme;
}

/**
 * The paper's experiments (docs/method.md): House Prices for regression (one sigmoid layer of 5,
 * batch 50); Cat. Feature Encoding and Santander for classification (4 units, batch 200).
 * Both: alpha 0, lr 0.01, 20 epochs.
 */
export const PAPER_SETTINGS = {
  regression: { hidden: [5], batch: 50, lr: 0.01, alpha: 0, epochs: 20 },
  classification: { hidden: [4], batch: 200, lr: 0.01, alpha: 0, epochs: 20 },
} as const;

/** What `dnsgd` with no arguments compares. */
export const DEFAULT_DATASETS: readonly BundledName[] = ['diamonds', 'letter'];
export const DEFAULT_OPTIMIZERS: readonly OptimizerName[] = ['sgd', 'dn-sgd', 'sgd-dn'];
export const DEFAULT_SEED = 1;
/** Points per test-loss curve when --evaluate-every is not given. */
export const CURVE_POINTS = 80;

/** A mistake in the command line; the message is what the user reads. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

function didYouMean(word: string, choices: readonly string[]): string {
  const near = closest(word, choices);
  return near === undefined ? '' : ` (did you mean '${near}'?)`;
}

/** Parses `sgd,dn-sgd` into optimizer names, refusing unknown and repeated ones. */
export function parseOptimizers(list: string | readonly string[]): OptimizerName[] {
  const names = (typeof list === 'string' ? list.split(',') : [...list]).map((s) => s.trim());
  if (names.length === 0 || names.some((s) => s === '')) {
    throw new UsageError(`--optimizers needs a comma-separated list such as sgd,dn-sgd,sgd-dn`);
  }
  const out: OptimizerName[] = [];
  for (const n of names) out.push(optimizerName(n, '--optimizers'));
  const dup = out.find((n, i) => out.indexOf(n) !== i);
  if (dup !== undefined) throw new UsageError(`--optimizers names '${dup}' twice`);
  return out;
}

export function optimizerName(name: string, flag = '--optimizer'): OptimizerName {
  const n = name.trim().toLowerCase();
  if ((OPTIMIZER_NAMES as readonly string[]).includes(n)) return n as OptimizerName;
  throw new UsageError(
    `${flag}: unknown optimizer '${name}'${didYouMean(n, OPTIMIZER_NAMES)}; ` +
      `known: ${OPTIMIZER_NAMES.join(', ')}`,
  );
}

export function bundledName(name: string): BundledName {
  if ((BUNDLED_NAMES as readonly string[]).includes(name)) return name as BundledName;
  throw new UsageError(
    `--dataset: unknown bundled dataset '${name}'${didYouMean(name, BUNDLED_NAMES)}; ` +
      `bundled: ${BUNDLED_NAMES.join(', ')}`,
  );
}

/** `5` or `16,8`: hidden layer sizes; `0` or an empty string means no hidden layer. */
export function parseHidden(text: string): number[] {
  const t = text.trim();
  if (t === '' || t === '0') return [];
  return t.split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n < 1 || n > 1 << 24) {
      throw new UsageError(
        `--hidden must be layer sizes such as 5 or 16,8 (positive integers); got '${text}'`,
      );
    }
    return n;
  });
}

function integerFlag(flag: string, v: number, min: number, max = 2 ** 31 - 1): number {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new UsageError(`${flag} must be an integer in [${min}, ${max}]; got ${v}`);
  }
  return v;
}

function numberFlag(flag: string, v: number, test: (x: number) => boolean, want: string): number {
  if (!Number.isFinite(v) || !test(v)) throw new UsageError(`${flag} must be ${want}; got ${v}`);
  return v;
}

/** Checks the data options that can be checked without reading the file. */
export function checkDataOptions(o: DataOptions): void {
  if (o.file !== undefined && o.dataset !== undefined) {
    throw new UsageError('give either a CSV file or --dataset, not both');
  }
  if (o.dataset !== undefined) bundledName(o.dataset);
  const splits = [
    o.testFraction !== undefined && '--test-fraction',
    o.trainRows !== undefined && '--train-rows',
    o.testFile !== undefined && '--test-file',
  ].filter((s): s is string => typeof s === 'string');
  if (splits.length > 1) throw new UsageError(`give one split, not ${splits.join(' and ')}`);
  if (o.testFraction !== undefined) {
    numberFlag('--test-fraction', o.testFraction, (x) => x >= 0 && x < 1, 'in [0, 1)');
  }
  if (o.trainRows !== undefined) integerFlag('--train-rows', o.trainRows, 1, 2 ** 53 - 1);
  if (o.splitSeed !== undefined) integerFlag('--split-seed', o.splitSeed, 0, 2 ** 53 - 1);
  if (o.task !== undefined && !['auto', 'regression', 'classification'].includes(o.task)) {
    throw new UsageError(`--task must be auto, regression or classification; got '${o.task}'`);
  }
  if (o.target !== undefined && o.target.trim() === '') {
    throw new UsageError('--target needs a column name; got an empty one');
  }
  if (o.delimiter !== undefined) {
    parseDelimiter(o.delimiter);
    if (o.file === undefined) {
      throw new UsageError('--delimiter applies to a CSV file argument; the bundled datasets ' +
        'are comma-separated');
    }
  }
}

/** `--delimiter`: one character other than a quote or a line end; `tab` or `\t` for a tab. */
export function parseDelimiter(text: string): string {
  if (text === 'tab' || text === '\\t') return '\t';
  if (text.length !== 1 || text === '"' || text === '\n' || text === '\r') {
    throw new UsageError(`--delimiter must be one character (or 'tab'), not a quote or a line ` +
      `end; got '${text}'`);
  }
  return text;
}

/**
 * DNSGD_THREADS, when set and not empty, must be a thread count like --threads takes: the
 * kernels would otherwise ignore a bad value without a word and use every core.
 */
export function checkThreadsEnv(env: NodeJS.ProcessEnv = process.env): void {
  const raw = env.DNSGD_THREADS;
  if (raw === undefined || raw.trim() === '') return;
  const t = raw.trim();
  const n = /^[0-9]+$/.test(t) ? Number(t) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    throw new UsageError(`the environment variable DNSGD_THREADS must be an integer in [1, 256] ` +
      `(or unset); got '${raw}'`);
  }
}

/** Fills in the paper's settings for the task and checks every value. */
export function resolveSettings(
  s: TrainSettings, task: 'regression' | 'classification',
): ResolvedSettings {
  const paper = PAPER_SETTINGS[task];
  const activation = s.activation ?? 'sigmoid';
  if (!(ACTIVATIONS as readonly string[]).includes(activation)) {
    throw new UsageError(
      `--activation must be one of ${ACTIVATIONS.join(', ')}; got '${activation}'` +
        didYouMean(activation, ACTIVATIONS),
    );
  }
  const hidden = s.hidden ?? [...paper.hidden];
  hidden.forEach((n) => integerFlag('--hidden', n, 1, 1 << 24));
  return {
    hidden,
    activation: activation as Activation,
    epochs: integerFlag('--epochs', s.epochs ?? paper.epochs, 1, 1e7),
    batch: integerFlag('--batch', s.batch ?? paper.batch, 1),
    lr: numberFlag('--lr', s.lr ?? paper.lr, (x) => x > 0, '> 0'),
    alpha: numberFlag('--alpha', s.alpha ?? paper.alpha, (x) => x >= 0, '>= 0'),
    seed: integerFlag('--seed', s.seed ?? DEFAULT_SEED, 0, 2 ** 53 - 1),
    threads: s.threads === undefined ? undefined : integerFlag('--threads', s.threads, 1, 256),
    evaluateEvery: s.evaluateEvery === undefined ? undefined
      : integerFlag('--evaluate-every', s.evaluateEvery, 1),
    allowFloor: s.allowFloor === true,
    solver: solverName(s.solver),
    init: initScheme(s.init),
  };
}

function solverName(s: string | undefined): SolverName {
  if (s === undefined) return 'auto';
  if ((SOLVERS as readonly string[]).includes(s)) return s as SolverName;
  throw new UsageError(`--solver must be one of ${SOLVERS.join(', ')}; got '${s}'` +
    didYouMean(s, SOLVERS));
}

/**
 * --alpha, --allow-floor and --solver set the damped Newton step: refuses them when none of
 * the optimizers takes one, since they would change nothing.
 */
export function checkNewtonFlags(s: TrainSettings, optimizers: readonly OptimizerName[]): void {
  if (optimizers.some((n) => NEWTON_OPTIMIZERS.includes(n))) return;
  const given = [
    s.alpha !== undefined && '--alpha',
    s.allowFloor === true && '--allow-floor',
    s.solver !== undefined && '--solver',
  ].filter((f): f is string => typeof f === 'string');
  if (given.length > 0) {
    throw new UsageError(`${given.join(' and ')} ${given.length > 1 ? 'apply' : 'applies'} to ` +
      `the damped Newton optimizers (dn-sgd, sgd-dn) only; got ${optimizers.join(', ')}`);
  }
}

/**
 * Checks the settings that do not depend on the task, before any data is read: a task-specific
 * default is always valid, so only the values the user gave can fail here.
 */
export function checkSettings(s: TrainSettings): void {
  resolveSettings(s, 'regression');
}

/**
 * The options of one optimizer: --lr for every method; --alpha, --allow-floor and --solver for
 * the damped Newton ones.
 */
export function optimizerOptions(
  name: OptimizerName, s: ResolvedSettings,
): Record<string, unknown> {
  if (!NEWTON_OPTIMIZERS.includes(name)) return { lr: s.lr };
  return { lr: s.lr, alpha: s.alpha, allowFloor: s.allowFloor, solver: s.solver };
}

function initScheme(name: string | undefined): InitScheme {
  const init = name ?? 'glorot';
  if (!(INITS as readonly string[]).includes(init)) {
    throw new UsageError(`--init must be one of ${INITS.join(', ')}; got '${init}'` +
      didYouMean(init, INITS));
  }
  return init as InitScheme;
}
