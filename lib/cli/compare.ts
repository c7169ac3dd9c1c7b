// `dnsgd compare`: the paper's experiment. The same initial network (one seed, cloned) is
// trained with each optimizer; the result holds the histories, a table and the plot's path.
import * as path from 'path';

import type { OptimizerName } from '../optimizers';
import { lossFigure } from '../plot/svg';
import { CommandData, DataSummary, dataSummary, loadData } from './dataset';
import {
  DEFAULT_DATASETS, DEFAULT_OPTIMIZERS, DataOptions, ResolvedSettings, TrainSettings,
  UsageError, checkDataOptions, checkNewtonFlags, checkSettings, parseOptimizers,
  resolveSettings,
} from './options';
import { checkOutputDir, makeOutputDir, writeOutput } from './output';
import {
  RunHooks, RunResult, evaluationInterval, firstReaching, makeOptimizer, networkFor, trainRun,
} from './run';

export interface CompareOptions extends DataOptions, TrainSettings {
  optimizers?: string | readonly string[];
  /** Folder of the SVG files. Default '.'. */
  outDir?: string;
  /** Write no SVG. */
  noPlot?: boolean;
}

export interface CompareHooks extends RunHooks {
  /** Each dataset's comparison as soon as it is complete. */
  onComparison?: (c: DatasetComparison) => void;
}

export interface TableRow {
  optimizer: OptimizerName;
  trainLoss: number;
  testLoss: number;
  /** RMSE in the target's original units, or accuracy. */
  testMetric: number;
  steps: number;
  seconds: number;
  /** First evaluation whose test loss is at or below the baseline's final test loss. */
  reachedStep: number | null;
  reachedSeconds: number | null;
}

export interface DatasetComparison {
  name: string;
  data: DataSummary;
  settings: ResolvedSettings & { optimizers: OptimizerName[]; evaluateEvery: number;
    layers: number[] };
  loss: 'mse' | 'cross-entropy';
  metric: 'rmse' | 'accuracy';
  /** The optimizer whose final test loss the others are timed against (sgd when present). */
  baseline: OptimizerName;
  baselineTestLoss: number;
  runs: RunResult[];
  table: TableRow[];
  /** The SVG written, or null with noPlot. */
  plot: string | null;
  /** One line per optimizer whose run blew up (its final train loss far above its start). */
  warnings: string[];
}

export interface CompareResult {
  command: 'compare';
  datasets: DatasetComparison[];
  /** Wall-clock seconds of the whole command, data loading and plotting included. */
  wallSeconds: number;
}

/** Runs the comparison on a CSV, a bundled dataset, or (neither given) the default pair. */
export async function runCompare(
  o: CompareOptions, hooks: CompareHooks = {},
): Promise<CompareResult> {
  const t0 = process.hrtime.bigint();
  checkDataOptions(o);
  checkSettings(o);
  const optimizers = o.optimizers === undefined ? [...DEFAULT_OPTIMIZERS]
    : parseOptimizers(o.optimizers);
  checkNewtonFlags(o, optimizers);
  if (!o.noPlot) checkOutputDir('--out-dir', o.outDir ?? '.');
  const sources: DataOptions[] = o.file !== undefined || o.dataset !== undefined ? [o]
    : DEFAULT_DATASETS.map((dataset) => ({ ...o, dataset }));
  const datasets: DatasetComparison[] = [];
  for (const src of sources) {
    const c = await compareOn(loadData(src), optimizers, o, hooks);
    datasets.push(c);
    hooks.onComparison?.(c);
  }
  return {
    command: 'compare',
    datasets,
    wallSeconds: Number(process.hrtime.bigint() - t0) / 1e9,
  };
}

async function compareOn(
  data: CommandData, optimizers: OptimizerName[], o: CompareOptions, hooks: RunHooks,
): Promise<DatasetComparison> {
  if (data.test.rows === 0) {
    throw new UsageError('compare needs test rows: give --test-fraction above 0, --train-rows ' +
      'or --test-file');
  }
  const task = data.train.task;
  const s = resolveSettings(o, task);
  // Every optimizer is built (and so checked) before the first one trains.
  const opts = optimizers.map((name) => makeOptimizer(name, s));
  const base = networkFor(data.train, s);
  const runs: RunResult[] = [];
  hooks.onBegin?.(data.name, opts.length, s.epochs);
  try {
    for (const opt of opts) runs.push(await trainRun(base.clone(), opt, data, s, hooks));
  } finally {
    hooks.onDone?.();
  }

  const baseline = optimizers.includes('sgd') ? 'sgd' : optimizers[0];
  const baseRun = runs[optimizers.indexOf(baseline)];
  // The curve's own last point, so the baseline reaches it exactly at its last evaluation.
  const evals = baseRun.history.evaluations;
  const target = evals.length ? evals[evals.length - 1].loss : baseRun.summary.testLoss;
  const table: TableRow[] = runs.map((r) => {
    const hit = firstReaching(r.history.evaluations, target);
    return {
      optimizer: r.optimizer,
      trainLoss: r.summary.trainLoss,
      testLoss: r.summary.testLoss,
      testMetric: r.summary.testMetric,
      steps: r.summary.steps,
      seconds: r.summary.seconds,
      reachedStep: hit === null ? null : hit.step,
      reachedSeconds: hit === null ? null : hit.seconds,
    };
  });
  const result: DatasetComparison = {
    name: data.name,
    data: dataSummary(data),
    settings: {
      ...s,
      layers: [...base.layers],
      optimizers,
      evaluateEvery: evaluationInterval(data.train.rows, s),
    },
    loss: task === 'regression' ? 'mse' : 'cross-entropy',
    metric: task === 'regression' ? 'rmse' : 'accuracy',
    baseline,
    baselineTestLoss: target,
    runs,
    table,
    plot: null,
    warnings: runs.map((r) => r.warning).filter((w): w is string => w !== null),
  };
  if (!o.noPlot) result.plot = writePlot(result, o.outDir ?? '.');
  return result;
}

function writePlot(c: DatasetComparison, outDir: string): string {
  makeOutputDir('--out-dir', outDir);
  const file = path.join(outDir, `dnsgd-${c.name}.svg`);
  writeOutput('--out-dir', file, comparisonFigure(c));
  return file;
}

/** The two-panel SVG (loss against steps, loss against seconds) of one comparison. */
export function comparisonFigure(c: DatasetComparison): string {
  const s = c.settings;
  const lossName = c.loss === 'mse' ? `MSE of ${c.data.targetEncoding}` : 'cross-entropy';
  return lossFigure({
    title: `${c.name}: ${c.data.task}, ${c.data.trainRows} train / ${c.data.testRows} test rows`,
    subtitle: `network ${s.layers.join('-')} (${s.activation}), batch ${s.batch}, lr ${s.lr}, ` +
      `alpha ${s.alpha}, ${s.epochs} epochs, seed ${s.seed}` +
      (s.init === 'glorot' ? '' : `, init ${s.init}`),
    yLabel: `loss (${lossName}, log scale)`,
    reference: { loss: c.baselineTestLoss, label: `${c.baseline} final test loss` },
    methods: c.runs.map((r) => ({
      name: r.optimizer,
      train: r.history.trainCurve,
      test: r.history.evaluations,
    })),
  });
}
