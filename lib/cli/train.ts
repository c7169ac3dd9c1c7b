// `dnsgd train`: one optimizer on one dataset; the trained network and the fitted transform go
// into a model file that `dnsgd predict` reads.
import type { OptimizerName } from '../optimizers';
import { DataSummary, dataSummary, loadData } from './dataset';
import {
  DataOptions, TrainSettings, ResolvedSettings, checkDataOptions, checkNewtonFlags,
  checkSettings, optimizerName, resolveSettings,
} from './options';
import { checkOutputFile, writeError } from './output';
import { RunHooks, RunResult, makeOptimizer, networkFor, trainRun } from './run';

export interface TrainOptions extends DataOptions, TrainSettings {
  /** Default 'dn-sgd'. */
  optimizer?: string;
  /** Model file to write. */
  save?: string;
}

export interface TrainResult {
  command: 'train';
  name: string;
  data: DataSummary;
  settings: ResolvedSettings & { optimizer: OptimizerName; layers: number[] };
  run: RunResult;
  /** The model file written, or null. */
  saved: string | null;
}

export async function runTrain(o: TrainOptions, hooks: RunHooks = {}): Promise<TrainResult> {
  checkDataOptions(o);
  checkSettings(o);
  const name = optimizerName(o.optimizer ?? 'dn-sgd');
  checkNewtonFlags(o, [name]);
  // A model file is written beside its target and renamed over it: checked before training.
  if (o.save !== undefined) {
    checkOutputFile('--save', o.save, { replaces: true, inputs: [o.file, o.testFile] });
  }
  const data = loadData(o);
  const s = resolveSettings(o, data.train.task);
  const optimizer = makeOptimizer(name, s);
  const net = networkFor(data.train, s);
  hooks.onBegin?.(data.name, 1, s.epochs);
  let run: RunResult;
  try {
    run = await trainRun(net, optimizer, data, s, hooks);
  } finally {
    hooks.onDone?.();
  }
  const result: TrainResult = {
    command: 'train',
    name: data.name,
    data: dataSummary(data),
    settings: { ...s, optimizer: name, layers: [...net.layers] },
    run,
    saved: null,
  };
  if (o.save !== undefined) {
    net.transform = data.transform.toJSON();
    net.meta = {
      trainedBy: 'dnsgd train',
      dataset: data.name,
      file: data.report.file,
      optimizer: name,
      optimizerConfig: run.config,
      settings: { ...s, threads: s.threads ?? null, evaluateEvery: s.evaluateEvery ?? null },
      summary: finite(run.summary),
      created: new Date().toISOString(),
    };
    try {
      net.save(o.save);
    } catch (e) {
      // The library names the stage that failed; the user needs the flag and the path.
      const cause = (e as { cause?: unknown }).cause;
      const errno = (cause as NodeJS.ErrnoException | undefined)?.code !== undefined ? cause : e;
      if ((errno as NodeJS.ErrnoException | undefined)?.code === undefined) throw e;
      throw writeError('--save', o.save, errno);
    }
    result.saved = o.save;
  }
  return result;
}

/** JSON has no NaN: a missing test loss is stored as null. */
function finite(o: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    out[k] = typeof v === 'number' && !Number.isFinite(v) ? null : v;
  }
  return out;
}
