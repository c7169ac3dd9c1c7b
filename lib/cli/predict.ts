// `dnsgd predict`: encodes a CSV with the model's own transform (columns matched by name),
// predicts every row, decodes to the target's units or class names, and scores the rows
// that carry the target.
import { DataError, Transform, parseCsv } from '../data';
import { Network } from '../network';
import { checkReadable } from './dataset';
import { csvField } from './format';
import { UsageError, parseDelimiter } from './options';
import { checkOutputFile, writeOutput } from './output';
import { rmseOriginal } from './run';

export interface PredictOptions {
  model: string;
  file: string;
  /** Write the CSV here instead of returning it for stdout. */
  out?: string;
  /** Field separator of the input CSV: one character, or `tab`. Default `,`. */
  delimiter?: string;
}

export interface PredictResult {
  command: 'predict';
  model: string;
  file: string;
  task: 'regression' | 'classification';
  target: string;
  rows: number;
  /** The predictions as CSV text (also written to `out` when given). */
  csv: string;
  out: string | null;
  /** When the input has the target column: scores over the rows that have a target. */
  score: null | {
    rows: number;
    loss: number;
    metric: 'rmse' | 'accuracy';
    value: number;
  };
  /** Why the target column could not be scored (an unknown class label), or null. */
  notScored: string | null;
  /**
   * Rows whose prediction is not a finite number (for example exp overflowing for a log target):
   * their prediction cells are written empty.
   */
  nonFinite: number;
  /** Missing cells filled and unseen text levels, per column. */
  imputed: Record<string, number>;
  unseen: Record<string, { count: number; levels: string[] }>;
}

export function loadModel(file: string): { net: Network; transform: Transform } {
  checkReadable(file, 'model file');
  const net = Network.load(file);
  if (net.transform === undefined) {
    throw new UsageError(`model file '${file}' holds no data transform (it was not written by ` +
      'dnsgd train), so the CSV columns cannot be encoded');
  }
  let transform: Transform;
  try {
    transform = Transform.fromJSON(net.transform);
  } catch (e) {
    throw new UsageError(`model file '${file}': its data transform is damaged ` +
      `(${(e as Error).message})`);
  }
  if (transform.features.length !== net.inputs) {
    throw new UsageError(`model file '${file}': its transform makes ${transform.features.length} ` +
      `features but the network takes ${net.inputs}`);
  }
  // The network's output must be what the transform decodes: class probabilities (softmax)
  // for classification, one linear value for regression.
  const want = transform.task === 'classification' ? 'softmax' : 'linear';
  if (net.output !== want) {
    throw new UsageError(`model file '${file}': its network has ${net.output} outputs but its ` +
      `transform is for ${transform.task} (which needs ${want} outputs); the file was not ` +
      'written by dnsgd train, or was edited');
  }
  if (net.outputs !== transform.nOutputs) {
    throw new UsageError(`model file '${file}': its network has ${net.outputs} outputs but its ` +
      `transform decodes ${transform.nOutputs}`);
  }
  return { net, transform };
}

const finiteText = (v: number): string => (Number.isFinite(v) ? `${v}` : '');

export function runPredict(o: PredictOptions): PredictResult {
  if (o.out !== undefined) checkOutputFile('--out', o.out, { inputs: [o.model, o.file] });
  const { net, transform } = loadModel(o.model);
  checkReadable(o.file);
  const table = parseCsv(o.file, {
    delimiter: o.delimiter === undefined ? undefined : parseDelimiter(o.delimiter),
  });

  // Every row gets a prediction: the target is not read here, so no row is dropped for it.
  const enc = transform.apply(table, { target: 'ignore' });
  const out = net.predict(enc.x);
  const K = net.outputs;
  const lines: string[] = [];
  let nonFinite = 0;
  if (transform.task === 'regression') {
    lines.push(['row', transform.target].map(csvField).join(','));
    const decoded = transform.decodeRegression(out);
    for (let i = 0; i < enc.rows; i++) {
      if (!Number.isFinite(decoded[i])) nonFinite++;
      lines.push(`${enc.rowIndex[i] + 1},${finiteText(decoded[i])}`);
    }
  } else {
    const classes = transform.classes as readonly string[];
    lines.push(['row', transform.target, ...classes.map((c) => `p_${c}`)].map(csvField).join(','));
    const labels = transform.decodeClasses(net.classify(enc.x));
    for (let i = 0; i < enc.rows; i++) {
      const row = out.subarray(i * K, (i + 1) * K);
      const ok = row.every((v) => Number.isFinite(v));
      if (!ok) nonFinite++;
      const p = Array.from(row, finiteText);
      lines.push([`${enc.rowIndex[i] + 1}`, ok ? csvField(labels[i]) : '', ...p].join(','));
    }
  }
  const csv = lines.join('\n') + '\n';
  if (o.out !== undefined) writeOutput('--out', o.out, csv);

  let score: PredictResult['score'] = null;
  let notScored: string | null = null;
  if (table.header.includes(transform.target)) {
    let withTarget: ReturnType<Transform['apply']> | null = null;
    try {
      withTarget = transform.apply(table, { target: 'require' });
    } catch (e) {
      // A label the model never saw cannot be scored, but every row still got a prediction.
      if (!(e instanceof DataError && e.code === 'ERR_UNKNOWN_CLASS')) throw e;
      notScored = e.message;
    }
    if (withTarget !== null && withTarget.rows > 0) {
      const y = withTarget.y as Float64Array | Int32Array;
      const loss = net.loss(withTarget.x, y);
      let value: number;
      if (transform.task === 'regression') {
        value = rmseOriginal(net.predict(withTarget.x), y as Float64Array, transform);
      } else {
        const labels = net.classify(withTarget.x);
        let right = 0;
        for (let i = 0; i < labels.length; i++) if (labels[i] === y[i]) right++;
        value = right / labels.length;
      }
      score = {
        rows: withTarget.rows, loss,
        metric: transform.task === 'regression' ? 'rmse' : 'accuracy', value,
      };
    }
  }
  return {
    command: 'predict',
    model: o.model,
    file: o.file,
    task: transform.task,
    target: transform.target,
    rows: enc.rows,
    csv,
    out: o.out ?? null,
    score,
    notScored,
    nonFinite,
    imputed: enc.report.imputed,
    unseen: enc.report.unseen,
  };
}
