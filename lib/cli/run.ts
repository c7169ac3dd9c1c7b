// One training run as the commands do it: a network from the settings, one optimizer, a fit
// with the test data as validation, then the numbers a table or a model file reports.
import { Dataset as DataSet, Transform } from '../data';
import { Network } from '../network';
import { DampedNewton, Optimizer, OptimizerName } from '../optimizers';
import { EpochRecord, Evaluation, History, Trainer } from '../trainer';
import { sig } from './format';
import { NEWTON_OPTIMIZERS } from './names';
import { CURVE_POINTS, ResolvedSettings, optimizerOptions } from './options';

/** Progress of a run, for a bar or a log line. */
export interface EpochEvent {
  dataset: string;
  optimizer: OptimizerName;
  epoch: EpochRecord;
  epochs: number;
}

export interface RunHooks {
  /** A dataset's runs are about to start: `runs` fits of `epochs` epochs. */
  onBegin?: (dataset: string, runs: number, epochs: number) => void;
  onEpoch?: (e: EpochEvent) => void;
  /** The runs begun by the last onBegin have ended. */
  onDone?: () => void;
  signal?: AbortSignal;
}

/** A point of a loss curve. */
export interface CurvePoint {
  step: number;
  seconds: number;
  loss: number;
}

export interface RunSummary {
  /** Loss of the final weights on all training rows (not the mean of batch losses). */
  trainLoss: number;
  testLoss: number;
  /** 'rmse' in the target's original units, or 'accuracy' (a fraction). */
  metric: 'rmse' | 'accuracy';
  trainMetric: number;
  testMetric: number;
  steps: number;
  /** Training seconds on the fit's own clock, evaluation excluded. */
  seconds: number;
}

export interface RunResult {
  optimizer: OptimizerName;
  config: Record<string, unknown>;
  summary: RunSummary;
  /** Set when the run ended far above where it started (see blowUpWarning). */
  warning: string | null;
  history: {
    epochs: EpochRecord[];
    /** Test loss at step 0, every evaluateEvery steps and at each epoch end. */
    evaluations: Evaluation[];
    /** Mean mini-batch loss over each window of evaluateEvery steps, at the window's end. */
    trainCurve: CurvePoint[];
    /** Every step's mini-batch loss (before the step) and training seconds at its end. */
    steps: { loss: number[]; seconds: number[] };
  };
}

export function networkFor(train: DataSet, s: ResolvedSettings): Network {
  const outputs = train.task === 'classification' ? train.classes.length : 1;
  return new Network({
    layers: [train.features.length, ...s.hidden, outputs],
    activation: s.activation,
    output: train.task === 'classification' ? 'softmax' : 'linear',
    seed: s.seed,
    init: s.init,
  });
}

/** Steps between test evaluations: as given, or about CURVE_POINTS per run. */
export function evaluationInterval(trainRows: number, s: ResolvedSettings): number {
  if (s.evaluateEvery !== undefined) return s.evaluateEvery;
  const total = Math.ceil(trainRows / Math.min(s.batch, trainRows)) * s.epochs;
  return Math.max(1, Math.round(total / CURVE_POINTS));
}

/** Builds the optimizer; throws on bad settings before anything is trained. */
export function makeOptimizer(name: OptimizerName, s: ResolvedSettings): Optimizer {
  return Optimizer.from(name, optimizerOptions(name, s));
}

/**
 * Trains `net` in place and summarizes the run. The metrics use `transform` to decode: RMSE
 * is computed on predictions and targets mapped back to the target's original units.
 */
export async function trainRun(
  net: Network, optimizer: Optimizer, data: { name: string; train: DataSet; test: DataSet;
    transform: Transform }, s: ResolvedSettings, hooks: RunHooks = {},
): Promise<RunResult> {
  const { train, test } = data;
  const every = evaluationInterval(train.rows, s);
  const trainer = new Trainer(net, optimizer,
    s.threads === undefined ? {} : { threads: s.threads });
  const hasTest = test.rows > 0;
  const history: History = await trainer.fit({ x: train.x, y: train.y }, {
    epochs: s.epochs,
    batchSize: s.batch,
    seed: s.seed,
    validation: hasTest ? { x: test.x, y: test.y } : undefined,
    evaluateEvery: hasTest ? every : 0,
    onEpoch: hooks.onEpoch === undefined ? undefined : (epoch) =>
      hooks.onEpoch?.({ dataset: data.name, optimizer: optimizer.name, epoch, epochs: s.epochs }),
    signal: hooks.signal,
  });
  const last = history.epochs[history.epochs.length - 1];
  const trainM = metrics(net, train, data.transform);
  const testM = hasTest ? metrics(net, test, data.transform) : { loss: NaN, value: NaN };
  const config = optimizer.describe();
  if (optimizer instanceof DampedNewton && optimizer.allowFloor) config.allowFloor = true;
  const initial = initialLoss(history);
  return {
    optimizer: optimizer.name,
    config,
    warning: blowUpWarning(optimizer.name, initial, trainM.loss, s),
    summary: {
      trainLoss: trainM.loss,
      testLoss: testM.loss,
      metric: net.output === 'linear' ? 'rmse' : 'accuracy',
      trainMetric: trainM.value,
      testMetric: testM.value,
      steps: history.steps.loss.length,
      seconds: last.elapsed,
    },
    history: {
      epochs: history.epochs,
      evaluations: history.evaluations,
      trainCurve: windowed(history, every),
      steps: { loss: Array.from(history.steps.loss), seconds: Array.from(history.steps.seconds) },
    },
  };
}

/** How far above its start a run may end before it is reported as blown up. */
export const BLOW_UP_FACTOR = 10;

/**
 * Where the run started: the smaller of the first mini-batch's loss (at the initial weights)
 * and the first epoch's mean mini-batch loss, so a run that blows up within its first epoch
 * is still measured from its start.
 */
function initialLoss(h: History): number {
  const cands = [h.steps.loss[0], h.epochs[0]?.trainLoss]
    .filter((v): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0);
  return cands.length === 0 ? NaN : Math.min(...cands);
}

/**
 * A warning when a run's final train loss is not finite or is more than BLOW_UP_FACTOR times
 * its initial loss: training made the model worse, which a table would otherwise report as an
 * ordinary result.
 */
export function blowUpWarning(
  optimizer: OptimizerName, initial: number, final: number, s: ResolvedSettings,
): string | null {
  const finite = Number.isFinite(final);
  if (finite && !(final > BLOW_UP_FACTOR * initial)) return null;
  const fix = NEWTON_OPTIMIZERS.includes(optimizer)
    ? `try a lower --lr (now ${s.lr}) or a higher --alpha (now ${s.alpha})`
    : `try a lower --lr (now ${s.lr})`;
  const ratio = final / initial;
  const times = ratio < 1e6 ? `${Math.round(ratio)}` : ratio.toExponential(1).replace('e+', 'e');
  const what = finite ? `${sig(final)}, ${times} times its initial loss ${sig(initial)}`
    : `${final}`;
  return `warning: ${optimizer} blew up: its final train loss is ${what}; ${fix}`;
}

/** Loss (in the model's encoding) and RMSE in original units or accuracy. */
export function metrics(
  net: Network, d: DataSet, transform: Transform,
): { loss: number; value: number } {
  const loss = net.loss(d.x, d.y);
  if (d.task === 'classification') {
    const labels = net.classify(d.x);
    let right = 0;
    for (let i = 0; i < d.rows; i++) if (labels[i] === d.y[i]) right++;
    return { loss, value: right / d.rows };
  }
  return { loss, value: rmseOriginal(net.predict(d.x), d.y, transform) };
}

/** RMSE after decoding both predictions and targets to the target's units. */
export function rmseOriginal(pred: Float64Array, y: Float64Array, t: Transform): number {
  const p = t.decodeRegression(pred);
  const truth = t.decodeRegression(y);
  let ss = 0;
  for (let i = 0; i < p.length; i++) ss += (p[i] - truth[i]) ** 2;
  return Math.sqrt(ss / p.length);
}

function windowed(h: History, every: number): CurvePoint[] {
  const { loss, seconds } = h.steps;
  const out: CurvePoint[] = [];
  for (let start = 0; start < loss.length; start += every) {
    const end = Math.min(loss.length, start + every);
    let sum = 0;
    for (let i = start; i < end; i++) sum += loss[i];
    out.push({ step: end, seconds: seconds[end - 1], loss: sum / (end - start) });
  }
  return out;
}

/** First evaluation at or below `target`, or null. */
export function firstReaching(evals: readonly Evaluation[], target: number): Evaluation | null {
  for (const e of evals) if (e.loss <= target) return e;
  return null;
}
