// readCsv: one call from a CSV file to standardized train/test arrays plus the fitted Transform.
// Order of work: parse -> pick target and features -> type columns (whole file) -> drop rows
// (missing target; missing features with dropMissing) -> split -> fit on the training rows only
// -> encode both halves with the same Transform that apply() uses later.
import {
  boolean, finiteNumber, integer, knownOptions, oneOf, rangeError, typeError,
} from '../validate';
import { DataError, delimiterHint, suggestColumn } from './errors';
import { randomSplit, stratifiedSplit } from './split';
import { CsvSource, CsvTable, parseCsv } from './table';
import {
  ColumnSpec, EncodeReport, Encoded, Task, Transform, TransformJSON, UnseenLevels,
} from './transform';
import {
  DEFAULT_MISSING_VALUES, badNumberReason, cellKind, missingTest, parseNumber, sortLabels,
} from './values';

export interface ReadCsvOptions {
  /** Target column. Default: the last column. */
  target?: string;
  /**
   * Default 'auto': classification when the target is named `class` (any case) or holds text,
   * else regression. A mostly-numeric target with a few text cells is an error, not classes.
   */
  task?: Task | 'auto';
  /** Feature columns. Default: every column except the target and `exclude`. */
  features?: string[];
  /** Columns to leave out of the default feature list (ids, leaks). */
  exclude?: string[];
  /** Tokens read as missing besides the empty field. Default `['NA', '?']`. */
  missingValues?: string[];
  /** Drop rows with any missing feature instead of imputing. Default false. */
  dropMissing?: boolean;
  /** Regression: train on log(target); decoding applies exp. Default false. */
  logTarget?: boolean;
  /** Standardize features with training statistics. Default true. */
  standardize?: boolean;
  /** Regression: also standardize the (log) target with training statistics. Default false. */
  standardizeTarget?: boolean;
  /** Random split: fraction of rows for test, 0 <= f < 1. Default 0.2 if no other split. */
  testFraction?: number;
  /** Seed of the random split (ignored by the other splits). Default 0. */
  seed?: number;
  /** Keep class proportions in a random split. Default true for classification. */
  stratify?: boolean;
  /** Ordered split: the first N data rows of the file train, the rest test. */
  trainRows?: number;
  /** Separate test file (same columns by name; any order). */
  testFile?: CsvSource;
  /** Field separator. Default `,`. */
  delimiter?: string;
}

interface DatasetBase {
  /** rows x features, row-major. */
  x: Float64Array;
  rows: number;
  features: string[];
  /** For each row, its 0-based data row in the source file. */
  rowIndex: Int32Array;
}

export interface RegressionDataset extends DatasetBase {
  task: 'regression';
  y: Float64Array;
}

export interface ClassificationDataset extends DatasetBase {
  task: 'classification';
  /** Class indices into `classes`. */
  y: Int32Array;
  classes: string[];
}

export type Dataset = RegressionDataset | ClassificationDataset;

export type SplitKind = 'random' | 'stratified' | 'rows' | 'file' | 'none';

export interface DataReport {
  file: string;
  testFile?: string;
  task: Task;
  target: string;
  split: SplitKind;
  /** Data rows read, over both files when there is a test file. */
  rowsRead: number;
  rowsDropped: { missingTarget: number; missingFeatures: number };
  /**
   * Feature columns left out because they hold no value: none in the file, or none in the
   * training rows. Their cells are never read, so dropMissing does not drop rows for them.
   */
  emptyColumns: string[];
  /** Missing cells filled per column, train and test together. */
  imputed: Record<string, number>;
  /** Unseen text levels per column (only the test half can have them). */
  unseen: Record<string, UnseenLevels>;
  /** Per half. Rows dropped before a split within one file are counted in `rowsDropped`. */
  train: EncodeReport;
  test: EncodeReport;
}

export interface LoadedData {
  train: Dataset;
  test: Dataset;
  transform: Transform;
  report: DataReport;
}

const OPTION_NAMES: readonly (keyof ReadCsvOptions)[] = [
  'target', 'task', 'features', 'exclude', 'missingValues', 'dropMissing', 'logTarget',
  'standardize', 'standardizeTarget', 'testFraction', 'seed', 'stratify', 'trainRows',
  'testFile', 'delimiter',
];

function checkNames(o: ReadCsvOptions, k: 'features' | 'exclude' | 'missingValues'): void {
  const v: unknown = o[k];
  if (v === undefined) return;
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) {
    throw typeError(k, 'an array of strings', v);
  }
  const dup = v.find((s, i) => v.indexOf(s) !== i);
  if (dup !== undefined) throw rangeError(k, 'free of duplicates', `${JSON.stringify(dup)} twice`);
}

function checkOptions(o: ReadCsvOptions): void {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) {
    throw typeError('readCsv options', 'an options object', o);
  }
  knownOptions('readCsv options', o, OPTION_NAMES);
  if (o.target !== undefined && typeof o.target !== 'string') {
    throw typeError('target', 'a column name', o.target);
  }
  if (o.task !== undefined) oneOf('task', o.task, ['regression', 'classification', 'auto']);
  for (const k of ['dropMissing', 'logTarget', 'standardize', 'standardizeTarget', 'stratify']) {
    const v = o[k as keyof ReadCsvOptions];
    if (v !== undefined) boolean(k, v);
  }
  checkNames(o, 'features');
  checkNames(o, 'exclude');
  checkNames(o, 'missingValues');
  if (o.testFraction !== undefined) {
    const f = finiteNumber('testFraction', o.testFraction, { min: 0 });
    if (f >= 1) throw rangeError('testFraction', 'in [0, 1)', `${f}`);
  }
  if (o.trainRows !== undefined) integer('trainRows', o.trainRows, 1, Number.MAX_SAFE_INTEGER);
  if (o.seed !== undefined) integer('seed', o.seed, 0, Number.MAX_SAFE_INTEGER);
  const splits = [o.testFraction, o.trainRows, o.testFile].filter((v) => v !== undefined);
  if (splits.length > 1) {
    throw rangeError('the split', 'one of testFraction, trainRows and testFile',
      `${splits.length} of them`);
  }
}

function headerError(table: CsvTable, code: 'ERR_UNKNOWN_COLUMN', reason: string): DataError {
  return new DataError(code, reason, { file: table.name, line: table.lineOf(-1) });
}

function resolveColumns(
  table: CsvTable,
  o: ReadCsvOptions,
): { target: number; features: number[] } {
  const header = table.header;
  const index = new Map(header.map((h, j) => [h, j]));
  const find = (name: string, what: string): number => {
    if (name.trim() === '') {
      throw headerError(table, 'ERR_UNKNOWN_COLUMN', `the ${what} column name is empty`);
    }
    const j = index.get(name);
    if (j === undefined) {
      throw headerError(table, 'ERR_UNKNOWN_COLUMN',
        `${what} column ${JSON.stringify(name)} not found${suggestColumn(name, header)}` +
        delimiterHint(header));
    }
    return j;
  };
  const target = o.target === undefined ? header.length - 1 : find(o.target, 'target');
  const excluded = new Set((o.exclude ?? []).map((n) => find(n, 'excluded')));
  let features: number[];
  if (o.features !== undefined) {
    features = o.features.map((n) => find(n, 'feature'));
    if (features.includes(target)) throw new RangeError('the target cannot also be a feature');
  } else {
    features = header.map((_, j) => j).filter((j) => j !== target && !excluded.has(j));
  }
  if (features.length === 0) {
    throw new DataError('ERR_NO_FEATURES',
      'no feature columns are left besides the target' + delimiterHint(header),
      { file: table.name });
  }
  return { target, features };
}

/** Decides the task from the target's cells; throws on text cells in a regression target. */
function resolveTask(
  table: CsvTable, tcol: number, requested: Task | 'auto', isMissing: (v: string) => boolean,
): Task {
  const rows = table.rows;
  let numeric = 0;
  let text = 0;
  let firstText = -1;
  let firstBad = -1;
  for (let r = 0; r < rows.length; r++) {
    const v = rows[r][tcol];
    if (isMissing(v)) continue;
    const kind = cellKind(v);
    if (kind === 'text') {
      text++;
      if (firstText < 0) firstText = r;
    } else {
      // A number that is not finite (1e309, Infinity) is still meant as a number.
      numeric++;
      if (kind === 'bad-number' && firstBad < 0) firstBad = r;
    }
  }
  const name = table.header[tcol];
  if (requested === 'classification') return 'classification';
  if (requested === 'auto') {
    if (name.toLowerCase() === 'class') return 'classification';
    if (text > 0 && text >= numeric) return 'classification';
  }
  const where = (r: number) => ({
    file: table.name, line: table.lineOf(r), column: tcol + 1, columnName: name,
  });
  if (text === 0) {
    if (firstBad < 0) return 'regression';
    const v = rows[firstBad][tcol];
    throw new DataError('ERR_NON_NUMERIC_TARGET',
      `value ${JSON.stringify(v)} in regression target ${JSON.stringify(name)} is not a finite ` +
      `number: ${badNumberReason(v)}`, where(firstBad));
  }
  const v = rows[firstText][tcol];
  const hint = requested === 'auto'
    ? ` (${numeric} of ${numeric + text} target cells are numbers; pass task: 'classification'` +
      ' if the values are labels)'
    : '';
  throw new DataError('ERR_NON_NUMERIC_TARGET',
    `non-numeric value ${JSON.stringify(v)} in regression target ${JSON.stringify(name)}${hint}`,
    where(firstText));
}

/** How the cells of one feature column were typed (over every data row of the file). */
interface ColumnTyping {
  kind: 'numeric' | 'text' | 'empty';
  /** Non-missing cells, and those that are not finite numbers (text or bad numbers). */
  values: number;
  offenders: number;
  /** Data row of the first offender in a numeric column, else -1. */
  firstOffender: number;
}

/**
 * The typing rule. A column with no value is empty. A column is numeric when every value is a
 * number, when at most 5% of its values are text, or when a single value of three or more is;
 * in a numeric column every value that is not a finite decimal number is an error. Cells
 * written as numbers that are not finite ones (1e309, Infinity, NaN, 0x10) never count as text,
 * so they always make an error rather than a one-hot level. Any other column is text.
 */
function typeColumn(
  table: CsvTable, col: number, isMissing: (v: string) => boolean,
): ColumnTyping {
  const rows = table.rows;
  let values = 0;
  let text = 0;
  let bad = 0;
  for (let r = 0; r < rows.length; r++) {
    const v = rows[r][col];
    if (isMissing(v)) continue;
    values++;
    const kind = cellKind(v);
    if (kind === 'text') text++;
    else if (kind === 'bad-number') bad++;
  }
  if (values === 0) return { kind: 'empty', values, offenders: 0, firstOffender: -1 };
  const numeric = text === 0 || text <= 0.05 * values || (text === 1 && values >= 3);
  if (!numeric) return { kind: 'text', values, offenders: 0, firstOffender: -1 };
  let first = -1;
  if (text + bad > 0) {
    for (let r = 0; r < rows.length && first < 0; r++) {
      const v = rows[r][col];
      if (!isMissing(v) && Number.isNaN(parseNumber(v))) first = r;
    }
  }
  return { kind: 'numeric', values, offenders: text + bad, firstOffender: first };
}

/** The error for the first cell of a numeric column that is not a finite number. */
function offenderError(table: CsvTable, col: number, t: ColumnTyping): DataError {
  const v = table.rows[t.firstOffender][col];
  const name = table.header[col];
  const kind = cellKind(v);
  const why = kind === 'bad-number' ? `is not a finite number: ${badNumberReason(v)}`
    : `is not a number, but the column is numeric (${t.values - t.offenders} of its ` +
      `${t.values} values are numbers)`;
  const more = t.offenders > 1 ? `; ${t.offenders - 1} more cell${t.offenders > 2 ? 's' : ''} ` +
    'of the column are not numbers either' : '';
  return new DataError('ERR_NON_NUMERIC_VALUE',
    `value ${JSON.stringify(v)} in numeric column ${JSON.stringify(name)} ${why}${more}. ` +
    'Correct it, or leave the cell empty to mark it missing',
    { file: table.name, line: table.lineOf(t.firstOffender), column: col + 1, columnName: name });
}

/**
 * Fits imputation values and levels on the training rows; no scaling yet. A column without a
 * value in the training rows gets null.
 */
function fitColumns(
  table: CsvTable, cols: number[], numeric: boolean[], train: Int32Array,
  isMissing: (v: string) => boolean,
): (ColumnSpec | null)[] {
  const rows = table.rows;
  return cols.map((col, i): ColumnSpec | null => {
    const name = table.header[col];
    if (numeric[i]) {
      let sum = 0;
      let n = 0;
      for (let k = 0; k < train.length; k++) {
        const v = rows[train[k]][col];
        if (!isMissing(v)) {
          sum += parseNumber(v);
          n++;
        }
      }
      // No value in the training rows: nothing to learn from, so the column is left out.
      return n > 0 ? { name, kind: 'numeric', fill: sum / n } : null;
    }
    const levels = new Set<string>();
    let missing = false;
    for (let k = 0; k < train.length; k++) {
      const v = rows[train[k]][col];
      if (isMissing(v)) missing = true;
      else levels.add(v);
    }
    if (levels.size === 0) return null;
    return { name, kind: 'text', levels: sortLabels(levels), missingLevel: missing };
  });
}

/**
 * Population mean and standard deviation per column of a row-major matrix. A column that is
 * constant in training gets std 1, so it encodes as exactly 0 there instead of dividing by a
 * rounding residue.
 */
function columnStats(x: Float64Array, rows: number, f: number): { mean: number[]; std: number[] } {
  const mean = new Float64Array(f);
  const lo = new Float64Array(f).fill(Infinity);
  const hi = new Float64Array(f).fill(-Infinity);
  for (let r = 0; r < rows; r++) {
    const b = r * f;
    for (let j = 0; j < f; j++) {
      const v = x[b + j];
      mean[j] += v;
      if (v < lo[j]) lo[j] = v;
      if (v > hi[j]) hi[j] = v;
    }
  }
  for (let j = 0; j < f; j++) mean[j] = rows > 0 ? mean[j] / rows : 0;
  const ss = new Float64Array(f);
  for (let r = 0; r < rows; r++) {
    const b = r * f;
    for (let j = 0; j < f; j++) {
      const d = x[b + j] - mean[j];
      ss[j] += d * d;
    }
  }
  const std = new Array<number>(f);
  const m = new Array<number>(f);
  for (let j = 0; j < f; j++) {
    const constant = !(hi[j] > lo[j]);
    m[j] = constant ? (rows > 0 ? lo[j] : 0) : mean[j];
    std[j] = constant ? 1 : Math.sqrt(ss[j] / rows);
  }
  return { mean: m, std };
}

function vectorStats(y: Float64Array): { mean: number; std: number } {
  const s = columnStats(y, y.length, 1);
  return { mean: s.mean[0], std: s.std[0] };
}

/**
 * The error for a column whose statistics overflow float64 (values whose squares do): it
 * points at the training cell of largest magnitude. `values` defaults to column `j` of `x`.
 */
function tooLarge(
  table: CsvTable, raw: Encoded, f: number, j: number, col: number, what: string,
  values?: Float64Array,
): DataError {
  let at = 0;
  let big = -1;
  for (let r = 0; r < raw.rows; r++) {
    const v = Math.abs(values === undefined ? raw.x[r * f + j] : values[r]);
    if (v > big) {
      big = v;
      at = r;
    }
  }
  const row = raw.rowIndex[at];
  const name = table.header[col];
  const cell = table.rows[row][col];
  const remedy = what === 'regression target' ? 'rescale the target, or use logTarget'
    : 'rescale the column';
  return new DataError('ERR_VALUE_TOO_LARGE',
    `${what} ${JSON.stringify(name)} has values too large to standardize or train on: their ` +
    `squares overflow float64 (this cell: ${cell}); ${remedy}`,
    { file: table.name, line: table.lineOf(row), column: col + 1, columnName: name });
}

function toDataset(e: Encoded, task: Task): Dataset {
  const base = { x: e.x, rows: e.rows, features: e.features, rowIndex: e.rowIndex };
  if (task === 'classification') {
    return { ...base, task, y: e.y as Int32Array, classes: e.classes as string[] };
  }
  return { ...base, task, y: e.y as Float64Array };
}

function sumReports(a: EncodeReport, b: EncodeReport): Pick<DataReport, 'imputed' | 'unseen'> {
  const imputed: Record<string, number> = { ...a.imputed };
  for (const [k, v] of Object.entries(b.imputed)) imputed[k] = (imputed[k] ?? 0) + v;
  const unseen: Record<string, UnseenLevels> = {};
  for (const rep of [a, b]) {
    for (const [k, v] of Object.entries(rep.unseen)) {
      const u = unseen[k] ?? { count: 0, levels: [] };
      u.count += v.count;
      for (const l of v.levels) if (u.levels.length < 20 && !u.levels.includes(l)) u.levels.push(l);
      unseen[k] = u;
    }
  }
  return { imputed, unseen };
}

/**
 * Reads a CSV with a header row into standardized train and test arrays, fitting every
 * statistic (imputation means, levels, scaling) on the training rows only.
 *
 * - Missing: an empty field, a whitespace-only field, or one of `missingValues` (default `NA`
 *   and `?`). Rows without a target are dropped. A missing numeric feature gets the training
 *   mean; a missing text feature gets its own `col=(missing)` indicator when training had
 *   missing cells there, else all zeros. `dropMissing` drops such rows instead.
 * - Types (over every data row of the file): a feature column is numeric when all of its
 *   non-missing cells are numbers, when at most 5% of them are text, or when just one of three
 *   or more is; in a numeric column, a cell that is not a finite decimal number is a DataError
 *   (`ERR_NON_NUMERIC_VALUE`) naming it. Cells written as numbers that are not finite ones
 *   (`1e309`, `Infinity`, `NaN`, `0x10`) count as numbers for this rule, so they are errors too.
 *   Any other column is text and is one-hot encoded over the training levels (sorted); a level
 *   never seen in training encodes as all zeros and is counted in the report. A column without
 *   any value (in the file, or in the training rows) is left out and listed in
 *   `report.emptyColumns`.
 * - Range: a regression target, or a numeric feature that is standardized, whose statistics
 *   overflow float64 (values whose squares do: about 1.3e154 and up) is a DataError
 *   (`ERR_VALUE_TOO_LARGE`).
 * - Scaling: each output feature becomes (value - mean) / std with the training rows' mean and
 *   population std. A feature that is constant in training gets std 1, so it becomes 0.
 * - Labels: class names are sorted (by value when all are numbers) and y holds their indices.
 * - Errors in the file are DataError with `file:line:column`; bad options are TypeError or
 *   RangeError.
 */
export function readCsv(source: CsvSource, options: ReadCsvOptions = {}): LoadedData {
  checkOptions(options);
  const o = options;
  const table = parseCsv(source, { delimiter: o.delimiter });
  const missingValues = (o.missingValues ?? DEFAULT_MISSING_VALUES).filter((s) => s !== '');
  const isMissing = missingTest(missingValues);
  const { target: tcol, features: allFcols } = resolveColumns(table, o);
  const targetName = table.header[tcol];
  const task = resolveTask(table, tcol, o.task ?? 'auto', isMissing);
  if (task === 'classification') {
    for (const k of ['logTarget', 'standardizeTarget'] as const) {
      if (o[k]) {
        throw new RangeError(`${k} needs a regression target; ${JSON.stringify(targetName)} ` +
          'holds classes');
      }
    }
  } else if (o.stratify) {
    throw new RangeError('stratify needs a classification target');
  }
  // Types over the whole file, so that both halves of a split agree on them.
  const typing = allFcols.map((c) => typeColumn(table, c, isMissing));
  const emptyColumns = allFcols.filter((_, i) => typing[i].kind === 'empty')
    .map((c) => table.header[c]);
  const fcols = allFcols.filter((_, i) => typing[i].kind !== 'empty');
  const numeric = typing.filter((t) => t.kind !== 'empty').map((t) => t.kind === 'numeric');
  if (fcols.length === 0) {
    throw new DataError('ERR_NO_FEATURES',
      `every feature column is empty (${emptyColumns.map((c) => JSON.stringify(c)).join(', ')})`,
      { file: table.name });
  }
  // The first bad cell in file order, over every numeric column.
  let worst = -1;
  typing.forEach((t, i) => {
    if (t.kind !== 'numeric' || t.offenders === 0) return;
    if (worst < 0 || t.firstOffender < typing[worst].firstOffender) worst = i;
  });
  if (worst >= 0) throw offenderError(table, allFcols[worst], typing[worst]);

  // Rows that survive, as data-row indices in file order.
  const rows = table.rows;
  const kept: number[] = [];
  let dropT = 0;
  let dropF = 0;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    if (isMissing(row[tcol])) dropT++;
    else if (o.dropMissing && fcols.some((c) => isMissing(row[c]))) dropF++;
    else kept.push(r);
  }
  if (kept.length === 0) {
    throw new DataError('ERR_NO_ROWS_LEFT',
      `no rows left (${dropT} without a target, ${dropF} with missing features)`,
      { file: table.name });
  }

  let classes: string[] | null = null;
  let labels: Int32Array | null = null;
  if (task === 'classification') {
    classes = sortLabels(new Set(kept.map((r) => rows[r][tcol])));
    if (classes.length < 2) {
      throw new DataError('ERR_SINGLE_CLASS',
        `class column ${JSON.stringify(targetName)} has a single class ` +
        `${JSON.stringify(classes[0])}; classification needs at least 2`,
        { file: table.name, line: table.lineOf(-1), column: tcol + 1, columnName: targetName });
    }
    const ci = new Map(classes.map((c, j) => [c, j]));
    labels = Int32Array.from(kept, (r) => ci.get(rows[r][tcol]) as number);
  }

  // Split into positions of `kept`, then map to data rows.
  let splitKind: SplitKind;
  let trainIdx: Int32Array;
  let testIdx: Int32Array | null = null;
  const keptArr = Int32Array.from(kept);
  if (o.testFile !== undefined) {
    splitKind = 'file';
    trainIdx = keptArr;
  } else if (o.trainRows !== undefined) {
    const n = o.trainRows;
    if (n >= rows.length) {
      throw rangeError('trainRows', `below the file's ${rows.length} data rows`, `${n}`);
    }
    splitKind = 'rows';
    trainIdx = keptArr.filter((r) => r < n);
    testIdx = keptArr.filter((r) => r >= n);
  } else {
    const f = o.testFraction ?? 0.2;
    const seed = o.seed ?? 0;
    const strat = labels !== null && o.stratify !== false;
    const s = strat
      ? stratifiedSplit(labels as Int32Array, (classes as string[]).length, f, seed)
      : randomSplit(kept.length, f, seed);
    splitKind = f === 0 ? 'none' : strat ? 'stratified' : 'random';
    trainIdx = s.train.map((p) => kept[p]);
    testIdx = s.test.map((p) => kept[p]);
  }
  if (trainIdx.length === 0) {
    throw new DataError('ERR_NO_ROWS_LEFT', 'the split leaves no training rows', {
      file: table.name,
    });
  }

  // Fit: raw encoding of the training rows with identity scaling gives the statistics; the
  // final transform then encodes with them. Standardizing the raw matrix in place performs the
  // same floating-point operations as encoding anew, so apply() reproduces it bit for bit.
  const fitted = fitColumns(table, fcols, numeric, trainIdx, isMissing);
  fitted.forEach((c, i) => {
    if (c === null) emptyColumns.push(table.header[fcols[i]]);
  });
  const columns = fitted.filter((c): c is ColumnSpec => c !== null);
  // Source column of each output feature, for pointing at a cell.
  const featureSource: number[] = [];
  fitted.forEach((c, i) => {
    if (c === null) return;
    const w = c.kind === 'numeric' ? 1 : c.levels.length + (c.missingLevel ? 1 : 0);
    for (let k = 0; k < w; k++) featureSource.push(fcols[i]);
  });
  const width = featureSource.length;
  if (width === 0) {
    throw new DataError('ERR_NO_FEATURES', 'the feature columns have no value in the training ' +
      `rows (${emptyColumns.map((c) => JSON.stringify(c)).join(', ')})`, { file: table.name });
  }
  const spec: TransformJSON = {
    format: 'dnsgd-transform', version: 1, task, target: targetName,
    logTarget: o.logTarget ?? false, targetScale: null, classes, missingValues, columns,
    mean: new Array<number>(width).fill(0), std: new Array<number>(width).fill(1),
  };
  const raw = new Transform(spec).encode(table, trainIdx, 'require', false);
  const f = width;
  if (o.standardize !== false) {
    const st = columnStats(raw.x, raw.rows, f);
    for (let j = 0; j < f; j++) {
      if (!Number.isFinite(st.mean[j]) || !Number.isFinite(st.std[j])) {
        throw tooLarge(table, raw, f, j, featureSource[j], 'feature column');
      }
    }
    spec.mean = st.mean;
    spec.std = st.std;
    const x = raw.x;
    for (let r = 0; r < raw.rows; r++) {
      const b = r * f;
      for (let j = 0; j < f; j++) x[b + j] = (x[b + j] - st.mean[j]) / st.std[j];
    }
  }
  if (task === 'regression') {
    // A target whose square or spread overflows makes the MSE infinite, scaled or not.
    const y = raw.y as Float64Array;
    const ts = vectorStats(y);
    let big = 0;
    for (const v of y) big = Math.max(big, Math.abs(v));
    if (!Number.isFinite(ts.mean) || !Number.isFinite(ts.std) || !Number.isFinite(big * big)) {
      throw tooLarge(table, raw, 1, 0, tcol, 'regression target', y);
    }
    if (o.standardizeTarget) {
      spec.targetScale = ts;
      for (let k = 0; k < y.length; k++) y[k] = (y[k] - ts.mean) / ts.std;
    }
  }
  const transform = new Transform(spec);
  const dropMissing = o.dropMissing ?? false;

  let test: Encoded;
  let testName: string | undefined;
  let testRead = 0;
  let testTable = table;
  if (testIdx !== null) {
    test = transform.encode(table, testIdx, 'require', dropMissing);
  } else {
    testTable = parseCsv(o.testFile as CsvSource, { delimiter: o.delimiter });
    testName = testTable.name;
    testRead = testTable.rows.length;
    test = transform.encode(testTable, null, 'require', dropMissing);
  }
  if (task === 'regression') {
    // A test target beyond the range makes the test loss infinite: the same error as in training.
    const y = test.y as Float64Array;
    for (let k = 0; k < y.length; k++) {
      if (!Number.isFinite(y[k] * y[k])) {
        const one: Encoded = { ...test, rows: 1, rowIndex: test.rowIndex.subarray(k, k + 1) };
        throw tooLarge(testTable, one, 1, 0, testTable.header.indexOf(targetName),
          'regression target', y.subarray(k, k + 1));
      }
    }
  }
  const totals = sumReports(raw.report, test.report);
  const report: DataReport = {
    file: table.name,
    task,
    target: targetName,
    split: splitKind,
    rowsRead: rows.length + testRead,
    rowsDropped: {
      missingTarget: dropT + test.report.droppedMissingTarget,
      missingFeatures: dropF + test.report.droppedMissingFeatures,
    },
    emptyColumns,
    imputed: totals.imputed,
    unseen: totals.unseen,
    train: raw.report,
    test: test.report,
  };
  if (testName !== undefined) report.testFile = testName;
  return { train: toDataset(raw, task), test: toDataset(test, task), transform, report };
}
