// Reading the data a command trains on: a bundled dataset with its preset, or a user's CSV,
// with the target standardized for regression unless the user says otherwise.
import * as fs from 'fs';
import * as path from 'path';

import {
  BUNDLED, BundledName, LoadedData, ReadCsvOptions, Transform, loadBundled, readCsv,
} from '../data';
import {
  DataOptions, UsageError, bundledName, checkDataOptions, parseDelimiter,
} from './options';

/** How the feature columns were typed, for the summary line and the JSON. */
export interface ColumnTypes {
  numeric: string[];
  /** One-hot encoded columns with their number of training levels. */
  text: { name: string; levels: number }[];
  /** Columns left out because they hold no value (in the file or the training rows). */
  empty: string[];
}

/** What was dropped, filled or unseen while reading: the summary's note line. */
export interface DataNotes {
  rowsWithoutTarget: number;
  /** Rows dropped by --drop-missing. */
  rowsWithMissingFeatures: number;
  /** Missing feature cells filled (training mean, or the text column's missing level). */
  imputedCells: number;
  /** Test cells whose text level training never saw (encoded as zeros). */
  unseenCells: number;
}

export interface CommandData extends LoadedData {
  /** Short name for titles and file names: the bundled name or the file's base name. */
  name: string;
  /** How the model sees the target, e.g. "log(price), standardized". */
  targetEncoding: string;
  columns: ColumnTypes;
  notes: DataNotes;
}

/** Refuses a missing or unreadable input before the parser gives a vaguer message. */
export function checkReadable(file: string, what = 'file'): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : (code ?? (e as Error).message);
    throw new UsageError(`cannot read ${what} '${file}': ${why}`);
  }
  if (st.isDirectory()) throw new UsageError(`cannot read ${what} '${file}': it is a directory`);
}

function csvOptions(o: DataOptions): ReadCsvOptions {
  const r: ReadCsvOptions = {};
  if (o.target !== undefined) r.target = o.target;
  if (o.task !== undefined) r.task = o.task;
  if (o.logTarget !== undefined) r.logTarget = o.logTarget;
  if (o.dropMissing !== undefined) r.dropMissing = o.dropMissing;
  if (o.testFraction !== undefined) r.testFraction = o.testFraction;
  if (o.trainRows !== undefined) r.trainRows = o.trainRows;
  if (o.testFile !== undefined) r.testFile = o.testFile;
  if (o.splitSeed !== undefined) r.seed = o.splitSeed;
  if (o.delimiter !== undefined) r.delimiter = parseDelimiter(o.delimiter);
  return r;
}

/** Loads the data of one run. Without a file or --dataset there is nothing to load. */
export function loadData(o: DataOptions): CommandData {
  checkDataOptions(o);
  if (o.testFile !== undefined) checkReadable(o.testFile, 'test file');
  let data: LoadedData;
  let name: string;
  if (o.file !== undefined) {
    checkReadable(o.file);
    data = readCsv(o.file, csvOptions(o));
    name = path.basename(o.file).replace(/\.[^.]*$/, '') || 'data';
    // The task is known only now; a standardized target keeps SGD's step sizes meaningful
    // whatever the target's units.
    if (data.train.task === 'regression' && o.standardizeTarget !== false) {
      data = standardizeTarget(data);
    }
  } else if (o.dataset !== undefined) {
    const b: BundledName = bundledName(o.dataset);
    const over = csvOptions(o);
    if (o.standardizeTarget !== undefined && BUNDLED[b].task === 'regression') {
      over.standardizeTarget = o.standardizeTarget;
    }
    data = loadBundled(b, over);
    name = b;
  } else {
    throw new UsageError('give a CSV file, or --dataset with one of the bundled datasets');
  }
  if (data.test.rows === 0 && o.testFraction !== 0) {
    throw new UsageError(`the split of '${name}' leaves no test rows`);
  }
  return {
    ...data, name, targetEncoding: targetEncoding(data.transform), columns: columnTypes(data),
    notes: dataNotes(data),
  };
}

export function columnTypes(d: LoadedData): ColumnTypes {
  const out: ColumnTypes = { numeric: [], text: [], empty: [...d.report.emptyColumns] };
  for (const c of d.transform.columns) {
    if (c.kind === 'numeric') out.numeric.push(c.name);
    else out.text.push({ name: c.name, levels: c.levels.length });
  }
  return out;
}

function dataNotes(d: LoadedData): DataNotes {
  const sum = (o: Record<string, number>): number => Object.values(o).reduce((a, b) => a + b, 0);
  return {
    rowsWithoutTarget: d.report.rowsDropped.missingTarget,
    rowsWithMissingFeatures: d.report.rowsDropped.missingFeatures,
    imputedCells: sum(d.report.imputed),
    unseenCells: Object.values(d.report.unseen).reduce((a, u) => a + u.count, 0),
  };
}

/**
 * Standardizes a regression target after readCsv, with the same population statistics and
 * operations as readCsv's own standardizeTarget (which needs the task known in advance), so
 * the saved transform encodes new rows exactly as the training rows were encoded.
 */
function standardizeTarget(d: LoadedData): LoadedData {
  if (d.transform.targetScale !== null) return d;
  const y = d.train.y as Float64Array;
  let sum = 0, lo = Infinity, hi = -Infinity;
  for (const v of y) {
    sum += v;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const mean0 = sum / y.length;
  let ss = 0;
  for (const v of y) ss += (v - mean0) * (v - mean0);
  // A constant target keeps std 1 so that it encodes as 0, as readCsv does.
  const constant = !(hi > lo);
  const mean = constant ? lo : mean0;
  const std = constant ? 1 : Math.sqrt(ss / y.length);
  const scale = (a: Float64Array): Float64Array => a.map((v) => (v - mean) / std);
  const transform = new Transform({ ...d.transform.toJSON(), targetScale: { mean, std } });
  return {
    ...d,
    train: { ...d.train, task: 'regression', y: scale(y) },
    test: { ...d.test, task: 'regression', y: scale(d.test.y as Float64Array) },
    transform,
  };
}

export function targetEncoding(t: Transform): string {
  if (t.task === 'classification') return `${t.classes?.length ?? 0} classes`;
  let s = t.logTarget ? `log(${t.target})` : t.target;
  if (t.targetScale !== null) s += ', standardized';
  return s;
}

/** What a command reports about the data it trained on (in its table header and JSON). */
export interface DataSummary {
  file: string;
  testFile?: string;
  task: 'regression' | 'classification';
  target: string;
  /** What the losses are computed on, e.g. "log(price), standardized". */
  targetEncoding: string;
  split: string;
  trainRows: number;
  testRows: number;
  features: number;
  classes?: string[];
  columns: ColumnTypes;
  notes: DataNotes;
}

export function dataSummary(data: CommandData): DataSummary {
  return {
    file: data.report.file,
    ...(data.report.testFile === undefined ? {} : { testFile: data.report.testFile }),
    task: data.train.task,
    target: data.report.target,
    targetEncoding: data.targetEncoding,
    split: data.report.split,
    trainRows: data.train.rows,
    testRows: data.test.rows,
    features: data.train.features.length,
    ...(data.train.task === 'classification' ? { classes: data.train.classes } : {}),
    columns: data.columns,
    notes: data.notes,
  };
}
