// Trainer: whole training runs in C++ (shuffling, batches, steps, evaluation), either on a
// worker thread with fit() (the event loop stays free) or blocking with fitSync().
import { DnsgdError, DnsgdErrorCode } from './errors';
import { Network, Targets } from './network';
import { NativeStepper, Optimizer } from './optimizers';
import * as v from './validate';

export interface Dataset {
  x: Float64Array;
  y: Targets;
}

/** One epoch of a fit. Metrics: RMSE for 'linear' networks, accuracy for 'softmax'. */
export interface EpochRecord {
  /** 1-based. */
  epoch: number;
  steps: number;
  /** Mean of the epoch's batch losses (before each step), weighted by batch size. */
  trainLoss: number;
  /** Validation loss at the end of the epoch (NaN without validation data). */
  valLoss: number;
  /** 'rmse' (sqrt of the mean squared error per output) or 'accuracy'. */
  metric: 'rmse' | 'accuracy';
  trainMetric: number;
  valMetric: number;
  /** Training seconds of this epoch (the clock stops while validation data is evaluated). */
  seconds: number;
  /** Training seconds since the fit began. */
  elapsed: number;
  /** Seconds spent evaluating validation data during this epoch. */
  evalSeconds: number;
}

/** A validation evaluation during a fit (see FitOptions.evaluateEvery). */
export interface Evaluation {
  /** Steps completed when it was taken (0: before the first step). */
  step: number;
  /** Training seconds at that point. */
  seconds: number;
  loss: number;
  metric: number;
}

export interface StepRecord {
  epoch: number;
  /** 1-based, counted over the whole fit. */
  step: number;
  loss: number;
  seconds: number;
}

export interface EarlyStopping {
  /** Epochs without improvement before stopping, >= 0. */
  patience: number;
  /** Smallest decrease that counts as an improvement, >= 0. Default 0. */
  minDelta?: number;
  /** At the end, put back the weights of the best epoch. Default false. */
  restoreBest?: boolean;
  /** Loss to watch. Default 'valLoss' when validation data is given, else 'trainLoss'. */
  monitor?: 'valLoss' | 'trainLoss';
}

export interface FitOptions {
  /** Passes over the data, >= 1. Default 1. */
  epochs?: number;
  /** Rows per mini-batch, >= 1 (the last batch of an epoch may be smaller). Default 32. */
  batchSize?: number;
  /** Shuffle the rows every epoch with the seeded generator. Default true. */
  shuffle?: boolean;
  /** Seed of the shuffling, an integer in [0, 2^53 - 1]. Default 0. */
  seed?: number;
  validation?: Dataset;
  /**
   * Also evaluate the validation data before the first step and every this many steps,
   * recorded in history.evaluations (for loss curves finer than one point per epoch).
   * Default 0: only at the end of each epoch.
   */
  evaluateEvery?: number;
  earlyStopping?: EarlyStopping;
  onEpoch?: (e: EpochRecord) => void;
  /** Called after every step; costs one JavaScript call per step. */
  onStep?: (s: StepRecord) => void;
  /** Aborts between steps: fit() rejects with an AbortError, the weights are those of the
   *  last completed step. */
  signal?: AbortSignal;
}

const FIT_OPTIONS = [
  'epochs', 'batchSize', 'shuffle', 'seed', 'validation', 'evaluateEvery', 'earlyStopping',
  'onEpoch', 'onStep', 'signal',
] as const;
const ES_OPTIONS = ['patience', 'minDelta', 'restoreBest', 'monitor'] as const;

export interface History {
  epochs: EpochRecord[];
  /** Per-step batch loss and training seconds since the start, one per completed step. */
  steps: { loss: Float64Array; seconds: Float64Array };
  /** With evaluateEvery: validation loss and metric at step 0, every k steps and each epoch
   *  end. Empty otherwise. */
  evaluations: Evaluation[];
  /** 'completed', or 'early-stopped' when early stopping ended the fit. */
  status: 'completed' | 'early-stopped';
  /** Early stopping: the best epoch, and whether its weights were restored. */
  bestEpoch?: number;
  restored?: boolean;
}

/** The error fit() rejects with when its signal aborts. */
export class AbortError extends Error {
  readonly code = 'ABORT_ERR';
  /** Steps completed before the abort took effect (their updates are kept). */
  readonly stepsRun: number;
  readonly epoch: number;
  constructor(
    message: string,
    options: { cause?: unknown; stepsRun?: number; epoch?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AbortError';
    this.stepsRun = options.stepsRun ?? 0;
    this.epoch = options.epoch ?? 0;
  }
}

export interface TrainerOptions {
  /** Threads for the kernels of this trainer. Default: DNSGD_THREADS or the core count. */
  threads?: number;
}

interface NativeResult {
  status: 'completed' | 'early-stopped' | 'aborted' | 'failed' | 'detached';
  epoch: number;
  step: number;
  stepsRun: number;
  bestEpoch: number;
  restored: boolean;
  epochs: Array<Omit<EpochRecord, 'metric'>>;
  evaluations: Evaluation[];
  code?: string;
  message?: string;
}

interface Plan {
  args: unknown[];
  stepLoss: Float64Array;
  stepSeconds: Float64Array;
  metric: 'rmse' | 'accuracy';
  hasVal: boolean;
  options: FitOptions;
  callbackError: { thrown?: boolean; error?: unknown };
}

/**
 * Trains one network with one optimizer. A network takes part in one fit at a time: while
 * fit() runs, predict, loss, gradient, step and a second fit on it are refused with a
 * DnsgdError of code 'ERR_BUSY' (they would race the worker thread that writes params).
 *
 * Memory: fitSync() trains in place on the caller's arrays and, after every callback, checks
 * that none was transferred or detached (it stops with a TypeError if one was). fit() trains
 * on copies of the data and parameters that it owns, so nothing JavaScript does meanwhile
 * can pull memory from under the training thread; it writes the weights back into
 * net.params at every epoch end (an onEpoch callback sees that epoch's weights or a later
 * epoch's) and when it ends, aborted or failed included. The copies cost one extra copy of
 * the data for the length of the fit.
 *
 * Limitation: terminating a worker thread whose fit() is running waits for that fit to end
 * (Node runs an addon's cleanup only after its pending work), so abort it through its signal
 * first.
 */
export class Trainer {
  readonly net: Network;
  readonly optimizer: Optimizer;
  readonly threads: number | undefined;

  constructor(net: Network, optimizer: Optimizer, options: TrainerOptions = {}) {
    if (!(net instanceof Network)) throw v.typeError('net', 'a Network', net);
    if (!(optimizer instanceof Optimizer)) {
      throw v.typeError('optimizer', 'an Optimizer', optimizer);
    }
    v.knownOptions('Trainer options', options, ['threads']);
    this.net = net;
    this.optimizer = optimizer;
    this.threads =
      options.threads === undefined
        ? optimizer.threads
        : v.integer('threads', options.threads, 1, 256);
  }

  /** True while a fit() of this trainer's network is running. */
  get running(): boolean {
    return this.net.busy !== null;
  }

  /** Trains on a worker thread; resolves with the history. */
  async fit(data: Dataset, options: FitOptions = {}): Promise<History> {
    const plan = this.plan(data, options);
    const run = this.begin(options.signal, 'a running fit');
    try {
      return this.finish(await run.stepper.fit(...plan.args, true), plan);
    } finally {
      run.end();
    }
  }

  /** The same loop as fit(), blocking the calling thread; for scripts and benchmarks. */
  fitSync(data: Dataset, options: FitOptions = {}): History {
    const plan = this.plan(data, options);
    const run = this.begin(options.signal, 'a running fitSync');
    try {
      return this.finish(run.stepper.fit(...plan.args, false), plan);
    } finally {
      run.end();
    }
  }

  /**
   * Takes the network for a fit and wires the signal to the native abort flag, which the
   * loop polls between steps (a callback of this very fit may abort it too).
   */
  private begin(signal: AbortSignal | undefined, label: string) {
    if (signal?.aborted) {
      throw new AbortError('the fit was aborted before it started', { cause: signal.reason });
    }
    const stepper = this.stepper();
    this.net.busy = label;
    const onAbort = () => stepper.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    return {
      stepper,
      end: () => {
        signal?.removeEventListener('abort', onAbort);
        this.net.busy = null;
      },
    };
  }

  /** Loss and metric of the current weights on a dataset. */
  evaluate(data: Dataset): { loss: number; metric: 'rmse' | 'accuracy'; value: number } {
    const rows = this.net.checkBatch(data?.x, data?.y, 'data.x', 'data.y');
    const loss = this.net.loss(data.x, data.y);
    if (this.net.output === 'linear') {
      return { loss, metric: 'rmse', value: Math.sqrt(loss / this.net.outputs) };
    }
    const labels = this.net.classify(data.x);
    let right = 0;
    for (let i = 0; i < rows; i++) right += labels[i] === data.y[i] ? 1 : 0;
    return { loss, metric: 'accuracy', value: right / rows };
  }

  private stepper(): NativeStepper {
    this.net.checkIdle('fit');
    const s = this.optimizer.stepperFor(this.net);
    if (this.threads !== undefined && s.threads() !== this.threads) s.setThreads(this.threads);
    return s;
  }

  private plan(data: Dataset, options: FitOptions): Plan {
    // Datasets may carry more than x and y (loadBundled's do), so other keys are allowed here.
    if (data === null || typeof data !== 'object') {
      throw v.typeError('data', 'an object { x, y }', data);
    }
    v.knownOptions('fit options', options, FIT_OPTIONS);
    const net = this.net;
    const rows = net.checkBatch(data.x, data.y, 'data.x', 'data.y');
    const epochs = v.integer('epochs', options.epochs ?? 1, 1, 1e7);
    const batch = v.integer('batchSize', options.batchSize ?? 32, 1, 2 ** 31 - 1);
    const shuffle = v.boolean('shuffle', options.shuffle ?? true);
    const seed = v.integer('seed', options.seed ?? 0, 0, Number.MAX_SAFE_INTEGER);
    const evalEvery = v.integer('evaluateEvery', options.evaluateEvery ?? 0, 0, 2 ** 31 - 1);
    let valRows = 0;
    const val = options.validation;
    if (val !== undefined) {
      if (val === null || typeof val !== 'object') {
        throw v.typeError('validation', 'an object { x, y }', val);
      }
      valRows = net.checkBatch(val.x, val.y, 'validation.x', 'validation.y');
    }
    let patience = -1, minDelta = 0, restoreBest = false, monitorVal = valRows > 0;
    const es = options.earlyStopping;
    if (es !== undefined) {
      v.knownOptions('earlyStopping', es, ES_OPTIONS);
      patience = v.integer('earlyStopping.patience', es.patience, 0, 1e7);
      minDelta = v.finiteNumber('earlyStopping.minDelta', es.minDelta ?? 0, { min: 0 });
      restoreBest = v.boolean('earlyStopping.restoreBest', es.restoreBest ?? false);
      const monitor = v.oneOf(
        'earlyStopping.monitor',
        es.monitor ?? (valRows ? 'valLoss' : 'trainLoss'),
        ['valLoss', 'trainLoss'],
      );
      if (monitor === 'valLoss' && !valRows) {
        throw new RangeError("earlyStopping.monitor 'valLoss' needs validation data");
      }
      monitorVal = monitor === 'valLoss';
    }
    for (const k of ['onEpoch', 'onStep'] as const) {
      if (options[k] !== undefined && typeof options[k] !== 'function') {
        throw v.typeError(k, 'a function', options[k]);
      }
    }
    if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
      throw v.typeError('signal', 'an AbortSignal', options.signal);
    }
    const perEpoch = Math.ceil(rows / Math.min(batch, rows));
    const stepLoss = new Float64Array(perEpoch * epochs);
    const stepSeconds = new Float64Array(perEpoch * epochs);
    const metric = net.output === 'linear' ? 'rmse' : 'accuracy';
    const callbackError: { thrown?: boolean; error?: unknown } = {};
    const { onEpoch, onStep } = options;
    // User callbacks never throw into native code: the first exception stops the fit and is
    // rethrown once it has ended.
    const report = onEpoch || onStep
      ? (kind: number, a: number, b: number, c: number, d: number, e: number, f: number,
         g: number, h: number, i: number) => {
          if (callbackError.thrown) return;
          try {
            if (kind === 0) onStep?.({ epoch: a, step: b, loss: c, seconds: d });
            else onEpoch?.(epochRecord({ epoch: a, steps: b, trainLoss: c, trainMetric: d,
              valLoss: e, valMetric: f, seconds: g, elapsed: h, evalSeconds: i }, metric,
              valRows > 0));
          } catch (err) {
            callbackError.thrown = true;
            callbackError.error = err;
            this.optimizer.stepperFor(net).abort();
          }
        }
      : undefined;
    const args = [
      net.params, data.x, data.y, rows, valRows ? val!.x : null, valRows ? val!.y : null, valRows,
      { epochs, batch, shuffle, seed, patience, minDelta, restoreBest, monitorVal, evalEvery },
      stepLoss, stepSeconds, report, onStep !== undefined,
    ];
    return { args, stepLoss, stepSeconds, metric, hasVal: valRows > 0, options, callbackError };
  }

  private finish(r: NativeResult, plan: Plan): History {
    if (plan.callbackError.thrown) throw plan.callbackError.error;
    if (r.status === 'detached') {
      throw new TypeError(
        'an ArrayBuffer of this fit (the parameters, the data or a step history) was ' +
          'transferred or detached while it ran; training stopped, and the weights could ' +
          'not be written back where that memory was',
      );
    }
    if (r.status === 'aborted') {
      throw new AbortError(
        `the fit was aborted in epoch ${r.epoch} after ${r.stepsRun} steps; ` +
          'the network holds the weights of the last completed step',
        { cause: plan.options.signal?.reason, stepsRun: r.stepsRun, epoch: r.epoch },
      );
    }
    if (r.status === 'failed') {
      const err = this.optimizer.wrap(
        Object.assign(new Error(r.message), { code: r.code }),
        { epoch: r.epoch, step: r.step },
      );
      if (err instanceof DnsgdError) {
        err.context.stepsRun = r.stepsRun;
        throw new DnsgdError(
          err.code as DnsgdErrorCode,
          `${err.message}; training stopped and the network holds the weights of the last ` +
            `finite step (${r.stepsRun} steps completed)`,
          err.context,
        );
      }
      throw err;
    }
    const history: History = {
      epochs: r.epochs.map((e) => epochRecord(e, plan.metric, plan.hasVal)),
      steps: {
        loss: plan.stepLoss.subarray(0, r.stepsRun),
        seconds: plan.stepSeconds.subarray(0, r.stepsRun),
      },
      status: r.status,
      evaluations: r.evaluations,
    };
    if (plan.options.earlyStopping) {
      history.bestEpoch = r.bestEpoch;
      history.restored = r.restored;
    }
    return history;
  }
}

function epochRecord(
  e: Omit<EpochRecord, 'metric'>, metric: 'rmse' | 'accuracy', hasVal: boolean,
): EpochRecord {
  return {
    epoch: e.epoch,
    steps: e.steps,
    trainLoss: e.trainLoss,
    valLoss: hasVal ? e.valLoss : NaN,
    metric,
    trainMetric: e.trainMetric,
    valMetric: hasVal ? e.valMetric : NaN,
    seconds: e.seconds,
    elapsed: e.elapsed,
    evalSeconds: e.evalSeconds,
  };
}
