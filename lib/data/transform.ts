// The fitted encoding of a table: which columns are features and how each becomes numbers
// (imputation, one-hot levels, standardization), and how the target is encoded and decoded.
// It is plain data, so a saved model can carry it as JSON and encode new rows exactly as the
// training rows were encoded.
import { boolean, describe, knownOptions, oneOf, rangeError } from '../validate';
import { DataError, DataErrorCode, delimiterHint, suggestColumn } from './errors';
import { CsvSource, CsvTable, RecordValue, parseCsv, tableFromRecords } from './table';
import { badNumberReason, cellKind, missingTest, parseNumber } from './values';

export type Task = 'regression' | 'classification';

/** A numeric feature; missing cells get `fill` (the training mean). */
export interface NumericColumnSpec {
  name: string;
  kind: 'numeric';
  fill: number;
}

/**
 * A text feature, one-hot encoded over `levels` (sorted). With `missingLevel`, a missing cell
 * has its own indicator column after the levels; without it, a missing cell (like an unseen
 * level) encodes as all zeros before standardization.
 */
export interface TextColumnSpec {
  name: string;
  kind: 'text';
  levels: string[];
  missingLevel: boolean;
}

export type ColumnSpec = NumericColumnSpec | TextColumnSpec;

/** The JSON form of a Transform (what `toJSON()` returns and `fromJSON()` accepts). */
export interface TransformJSON {
  format: 'dnsgd-transform';
  version: 1;
  task: Task;
  target: string;
  /** Regression only: the model sees log(target); decoding applies exp. */
  logTarget: boolean;
  /** Regression only: the model sees (target - mean) / std (after the log, if any). */
  targetScale: { mean: number; std: number } | null;
  /** Classification only: class names in index order. */
  classes: string[] | null;
  /** Tokens read as missing besides the empty field. */
  missingValues: string[];
  columns: ColumnSpec[];
  /** Per output feature: encoded value = (raw - mean) / std. */
  mean: number[];
  std: number[];
}

export const MISSING_LEVEL_NAME = '(missing)';

export interface ApplyOptions {
  /**
   * 'auto' (default): encode the target if the input has that column, else leave y out.
   * 'require': the column must be present. 'ignore': never read it (no rows are dropped).
   */
  target?: 'auto' | 'require' | 'ignore';
  /** Drop rows with a missing feature instead of imputing. Default false. */
  dropMissing?: boolean;
  /** Field separator when the input is a file or text. Default `,`. */
  delimiter?: string;
}

export interface UnseenLevels {
  /** Cells whose level was not seen in training. */
  count: number;
  /** The first distinct unseen values (at most 20). */
  levels: string[];
}

/** What happened while encoding one table. Columns with nothing to report are left out. */
export interface EncodeReport {
  /** Data rows considered. */
  rowsIn: number;
  /** Rows encoded. */
  rows: number;
  droppedMissingTarget: number;
  droppedMissingFeatures: number;
  /** Missing cells filled, per source column. */
  imputed: Record<string, number>;
  /** Unseen text levels, per source column. */
  unseen: Record<string, UnseenLevels>;
}

export interface Encoded {
  /** rows x features, row-major. */
  x: Float64Array;
  rows: number;
  features: string[];
  /** For each encoded row, its 0-based data row in the input. */
  rowIndex: Int32Array;
  /** Present when the target was read: Int32Array of class indices, or Float64Array. */
  y?: Float64Array | Int32Array;
  classes?: string[];
  report: EncodeReport;
}

/** What apply() accepts: a file path, `{ text }`, a parsed table, or records by column name. */
export type TransformInput =
  | CsvSource
  | CsvTable
  | readonly Readonly<Record<string, RecordValue>>[];

const MAX_UNSEEN_SHOWN = 20;

// ---------------------------------------------------------------------------------------------
// Validation of the JSON form. Wrong types are TypeError, wrong values RangeError; the message
// names the field, because a hand-edited or truncated model file is the usual cause.

function fail(path: string, what: string, range = false): never {
  const msg = `transform.${path}: ${what}`;
  throw range ? new RangeError(msg) : new TypeError(msg);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKeys(o: Record<string, unknown>, path: string, keys: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!keys.includes(k)) fail(path || 'root', `unexpected field ${JSON.stringify(k)}`);
  }
  for (const k of keys) if (!(k in o)) fail(path ? `${path}.${k}` : k, 'missing');
}

function checkFinite(v: unknown, path: string): number {
  if (typeof v !== 'number') fail(path, 'must be a number');
  if (!Number.isFinite(v)) fail(path, 'must be finite', true);
  return v;
}

function checkStrings(v: unknown, path: string, nonEmpty: boolean): string[] {
  if (!Array.isArray(v)) fail(path, 'must be an array of strings');
  const seen = new Set<string>();
  v.forEach((s, i) => {
    if (typeof s !== 'string') fail(`${path}[${i}]`, 'must be a string');
    if (nonEmpty && s === '') fail(`${path}[${i}]`, 'must not be empty', true);
    if (seen.has(s)) fail(`${path}[${i}]`, `duplicate ${JSON.stringify(s)}`, true);
    seen.add(s);
  });
  return (v as string[]).slice();
}

function checkNumbers(v: unknown, path: string, n: number): Float64Array {
  if (!Array.isArray(v)) fail(path, 'must be an array of numbers');
  if (v.length !== n) fail(path, `has ${v.length} entries, the features need ${n}`, true);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = checkFinite(v[i], `${path}[${i}]`);
  return out;
}

function validate(json: unknown): TransformJSON {
  if (typeof json === 'string') {
    try {
      json = JSON.parse(json);
    } catch (e) {
      throw new TypeError(`transform: not valid JSON (${(e as Error).message})`);
    }
  }
  if (!isObject(json)) fail('root', 'must be an object');
  const o = json;
  checkKeys(o, '', [
    'format', 'version', 'task', 'target', 'logTarget', 'targetScale', 'classes',
    'missingValues', 'columns', 'mean', 'std',
  ]);
  if (o.format !== 'dnsgd-transform') fail('format', 'must be "dnsgd-transform"');
  if (o.version !== 1) fail('version', `unsupported version ${JSON.stringify(o.version)}`, true);
  if (o.task !== 'regression' && o.task !== 'classification') {
    fail('task', 'must be "regression" or "classification"', true);
  }
  const task: Task = o.task;
  if (typeof o.target !== 'string' || o.target === '') fail('target', 'must be a column name');
  const target = o.target;
  if (typeof o.logTarget !== 'boolean') fail('logTarget', 'must be a boolean');
  if (o.logTarget && task !== 'regression') fail('logTarget', 'is for regression only', true);
  let targetScale: TransformJSON['targetScale'] = null;
  if (o.targetScale !== null) {
    if (task !== 'regression') fail('targetScale', 'is for regression only', true);
    if (!isObject(o.targetScale)) fail('targetScale', 'must be { mean, std } or null');
    checkKeys(o.targetScale, 'targetScale', ['mean', 'std']);
    const mean = checkFinite(o.targetScale.mean, 'targetScale.mean');
    const std = checkFinite(o.targetScale.std, 'targetScale.std');
    if (!(std > 0)) fail('targetScale.std', 'must be positive', true);
    targetScale = { mean, std };
  }
  let classes: string[] | null = null;
  if (task === 'classification') {
    classes = checkStrings(o.classes, 'classes', false);
    if (classes.length < 2) fail('classes', 'needs at least 2 classes', true);
  } else if (o.classes !== null) {
    fail('classes', 'must be null for regression', true);
  }
  const missingValues = checkStrings(o.missingValues, 'missingValues', true);
  const isMissing = missingTest(missingValues);
  if (!Array.isArray(o.columns) || o.columns.length === 0) {
    fail('columns', 'must be a non-empty array');
  }
  const names = new Set<string>();
  const columns: ColumnSpec[] = o.columns.map((c: unknown, i: number): ColumnSpec => {
    const p = `columns[${i}]`;
    if (!isObject(c)) fail(p, 'must be an object');
    if (typeof c.name !== 'string' || c.name === '') fail(`${p}.name`, 'must be a column name');
    const name = c.name;
    if (names.has(name)) fail(`${p}.name`, `duplicate column ${JSON.stringify(name)}`, true);
    if (name === target) fail(`${p}.name`, 'is the target column', true);
    names.add(name);
    if (c.kind === 'numeric') {
      checkKeys(c, p, ['name', 'kind', 'fill']);
      return { name, kind: 'numeric', fill: checkFinite(c.fill, `${p}.fill`) };
    }
    if (c.kind === 'text') {
      checkKeys(c, p, ['name', 'kind', 'levels', 'missingLevel']);
      const levels = checkStrings(c.levels, `${p}.levels`, true);
      levels.forEach((l, j) => {
        if (isMissing(l)) fail(`${p}.levels[${j}]`, 'is a missing-value token', true);
      });
      if (typeof c.missingLevel !== 'boolean') fail(`${p}.missingLevel`, 'must be a boolean');
      if (levels.length === 0 && !c.missingLevel) fail(p, 'encodes to no features', true);
      return { name, kind: 'text', levels, missingLevel: c.missingLevel };
    }
    return fail(`${p}.kind`, 'must be "numeric" or "text"');
  });
  const width = columns.reduce((n, c) => n + columnWidth(c), 0);
  const mean = Array.from(checkNumbers(o.mean, 'mean', width));
  const stdArr = checkNumbers(o.std, 'std', width);
  stdArr.forEach((s, i) => {
    if (!(s > 0)) fail(`std[${i}]`, 'must be positive', true);
  });
  return {
    format: 'dnsgd-transform', version: 1, task, target, logTarget: o.logTarget, targetScale,
    classes, missingValues, columns, mean, std: Array.from(stdArr),
  };
}

function columnWidth(c: ColumnSpec): number {
  return c.kind === 'numeric' ? 1 : c.levels.length + (c.missingLevel ? 1 : 0);
}

function copyColumn(c: ColumnSpec): ColumnSpec {
  return c.kind === 'numeric' ? { ...c } : { ...c, levels: c.levels.slice() };
}

function isTable(v: unknown): v is CsvTable {
  return isObject(v) && Array.isArray(v.header) && Array.isArray(v.rows) &&
    typeof v.lineOf === 'function';
}

// ---------------------------------------------------------------------------------------------

export class Transform {
  readonly task: Task;
  readonly target: string;
  readonly logTarget: boolean;
  readonly targetScale: Readonly<{ mean: number; std: number }> | null;
  readonly classes: readonly string[] | null;
  readonly missingValues: readonly string[];
  readonly columns: readonly Readonly<ColumnSpec>[];
  /** Output feature names: a numeric column's name, or `column=level` for one-hot columns. */
  readonly features: readonly string[];
  private readonly mean: Float64Array;
  private readonly std: Float64Array;
  // Encoded values of 0 and 1 per output feature, so one-hot cells cost a store each.
  private readonly zeroVal: Float64Array;
  private readonly oneVal: Float64Array;
  private readonly offsets: Int32Array;
  private readonly levelIndex: (Map<string, number> | null)[];
  private readonly classIndex: Map<string, number> | null;
  private readonly isMissing: (v: string) => boolean;

  /** Validates `spec` (the JSON form) exactly as fromJSON does. */
  constructor(spec: TransformJSON) {
    const s = validate(spec);
    this.task = s.task;
    this.target = s.target;
    this.logTarget = s.logTarget;
    this.targetScale = s.targetScale === null ? null : Object.freeze({ ...s.targetScale });
    this.classes = s.classes === null ? null : Object.freeze(s.classes);
    this.missingValues = Object.freeze(s.missingValues);
    this.columns = Object.freeze(s.columns.map((c) => {
      if (c.kind === 'text') Object.freeze(c.levels);
      return Object.freeze(c);
    }));
    this.mean = Float64Array.from(s.mean);
    this.std = Float64Array.from(s.std);
    const f = this.mean.length;
    this.zeroVal = new Float64Array(f);
    this.oneVal = new Float64Array(f);
    for (let o = 0; o < f; o++) {
      this.zeroVal[o] = (0 - this.mean[o]) / this.std[o];
      this.oneVal[o] = (1 - this.mean[o]) / this.std[o];
    }
    this.offsets = new Int32Array(s.columns.length);
    this.levelIndex = [];
    const names: string[] = [];
    let off = 0;
    s.columns.forEach((c, i) => {
      this.offsets[i] = off;
      off += columnWidth(c);
      if (c.kind === 'numeric') {
        names.push(c.name);
        this.levelIndex.push(null);
      } else {
        for (const l of c.levels) names.push(`${c.name}=${l}`);
        if (c.missingLevel) names.push(`${c.name}=${MISSING_LEVEL_NAME}`);
        this.levelIndex.push(new Map(c.levels.map((l, j) => [l, j])));
      }
    });
    this.features = Object.freeze(names);
    this.classIndex = s.classes === null ? null : new Map(s.classes.map((c, j) => [c, j]));
    this.isMissing = missingTest(s.missingValues);
  }

  /** Parses and validates a transform (an object or a JSON string). */
  static fromJSON(json: unknown): Transform {
    // The constructor validates; its declared type only documents the expected shape.
    return new Transform(json as TransformJSON);
  }

  toJSON(): TransformJSON {
    return {
      format: 'dnsgd-transform',
      version: 1,
      task: this.task,
      target: this.target,
      logTarget: this.logTarget,
      targetScale: this.targetScale === null ? null : { ...this.targetScale },
      classes: this.classes === null ? null : this.classes.slice(),
      missingValues: this.missingValues.slice(),
      columns: this.columns.map(copyColumn),
      mean: Array.from(this.mean),
      std: Array.from(this.std),
    };
  }

  get nFeatures(): number {
    return this.features.length;
  }

  /** Width of the model's output: the number of classes, or 1 for regression. */
  get nOutputs(): number {
    return this.classes === null ? 1 : this.classes.length;
  }

  /** Per-feature standardization statistics (copies). */
  scale(): { mean: Float64Array; std: Float64Array } {
    return { mean: this.mean.slice(), std: this.std.slice() };
  }

  /**
   * Encodes new rows exactly as the training rows were encoded. Columns are matched by name, in
   * any order; extra columns are ignored.
   */
  apply(input: TransformInput, options: ApplyOptions = {}): Encoded {
    knownOptions('apply options', options, ['target', 'dropMissing', 'delimiter']);
    const mode = oneOf('target', options.target ?? 'auto', ['auto', 'require', 'ignore']);
    if (options.dropMissing !== undefined) boolean('dropMissing', options.dropMissing);
    let table: CsvTable;
    if (Array.isArray(input)) {
      table = tableFromRecords(input, [...this.columns.map((c) => c.name), this.target]);
    } else if (isTable(input)) {
      table = input;
    } else {
      table = parseCsv(input as CsvSource, { delimiter: options.delimiter });
    }
    return this.encode(table, null, mode, options.dropMissing ?? false);
  }

  /** @internal Encodes `rows` of `table` (all rows when null). */
  encode(
    table: CsvTable,
    rows: Int32Array | null,
    mode: 'auto' | 'require' | 'ignore',
    dropMissing: boolean,
  ): Encoded {
    const header = table.header;
    const pos = new Map<string, number>();
    header.forEach((h, j) => pos.set(h, j));
    const nCol = this.columns.length;
    const src = new Int32Array(nCol);
    const absent: string[] = [];
    this.columns.forEach((c, i) => {
      const j = pos.get(c.name);
      if (j === undefined) absent.push(c.name);
      else src[i] = j;
    });
    if (absent.length > 0) {
      const headerLine = table.lineOf(-1);
      const list = absent.map((a) => JSON.stringify(a)).join(', ');
      // Suggest only columns that nothing else claims: those are the plausible misspellings.
      const used = new Set([...this.columns.map((c) => c.name), this.target]);
      const spare = header.filter((h) => !used.has(h));
      throw new DataError(
        'ERR_MISSING_COLUMNS',
        `missing feature column${absent.length > 1 ? 's' : ''} ${list}` +
          suggestColumn(absent[0], spare, 'Unused columns are') + delimiterHint(header),
        { file: table.name, line: headerLine > 0 ? headerLine : undefined },
      );
    }
    const tcol = mode === 'ignore' ? -1 : (pos.get(this.target) ?? -1);
    if (mode === 'require' && tcol < 0) {
      throw new DataError(
        'ERR_UNKNOWN_COLUMN',
        `target column ${JSON.stringify(this.target)} not found` +
          suggestColumn(this.target, header),
        { file: table.name },
      );
    }
    const isMissing = this.isMissing;
    const all = table.rows;
    const nIn = rows === null ? all.length : rows.length;

    // Pass 1: which rows survive.
    let keep = new Int32Array(nIn);
    let nKeep = 0;
    let dropT = 0;
    let dropF = 0;
    for (let k = 0; k < nIn; k++) {
      const r = rows === null ? k : rows[k];
      const row = all[r];
      if (tcol >= 0 && isMissing(row[tcol])) {
        dropT++;
        continue;
      }
      if (dropMissing) {
        let miss = false;
        for (let i = 0; i < nCol && !miss; i++) miss = isMissing(row[src[i]]);
        if (miss) {
          dropF++;
          continue;
        }
      }
      keep[nKeep++] = r;
    }
    keep = keep.slice(0, nKeep);

    // Pass 2: features, row-major so each output row is written contiguously.
    const f = this.features.length;
    const x = new Float64Array(nKeep * f);
    const imputed = new Float64Array(nCol);
    const unseenCount = new Float64Array(nCol);
    const unseenLevels: Set<string>[] = this.columns.map(() => new Set<string>());
    const kinds = this.columns.map((c) => c.kind === 'numeric');
    const fills = this.columns.map((c) => (c.kind === 'numeric' ? c.fill : 0));
    const { mean, std, zeroVal, oneVal, offsets } = this;
    for (let k = 0; k < nKeep; k++) {
      const r = keep[k];
      const row = all[r];
      const base = k * f;
      for (let i = 0; i < nCol; i++) {
        const v = row[src[i]];
        const o = base + offsets[i];
        const oi = offsets[i];
        if (kinds[i]) {
          let val: number;
          if (isMissing(v)) {
            val = fills[i];
            imputed[i]++;
          } else {
            val = parseNumber(v);
            if (Number.isNaN(val)) {
              const name = JSON.stringify(this.columns[i].name);
              throw this.cellError(table, r, src[i], 'ERR_NON_NUMERIC_VALUE',
                cellKind(v) === 'bad-number'
                  ? `value ${JSON.stringify(v)} in numeric column ${name} is not a finite ` +
                    `number: ${badNumberReason(v)}`
                  : `non-numeric value ${JSON.stringify(v)} in numeric column ${name}`);
            }
          }
          x[o] = (val - mean[oi]) / std[oi];
          continue;
        }
        const spec = this.columns[i] as TextColumnSpec;
        const width = spec.levels.length + (spec.missingLevel ? 1 : 0);
        for (let w = 0; w < width; w++) x[o + w] = zeroVal[oi + w];
        if (isMissing(v)) {
          imputed[i]++;
          if (spec.missingLevel) x[o + spec.levels.length] = oneVal[oi + spec.levels.length];
          continue;
        }
        const li = (this.levelIndex[i] as Map<string, number>).get(v);
        if (li === undefined) {
          unseenCount[i]++;
          if (unseenLevels[i].size < MAX_UNSEEN_SHOWN) unseenLevels[i].add(v);
        } else {
          x[o + li] = oneVal[oi + li];
        }
      }
    }

    const report: EncodeReport = {
      rowsIn: nIn,
      rows: nKeep,
      droppedMissingTarget: dropT,
      droppedMissingFeatures: dropF,
      imputed: {},
      unseen: {},
    };
    this.columns.forEach((c, i) => {
      if (imputed[i] > 0) report.imputed[c.name] = imputed[i];
      if (unseenCount[i] > 0) {
        report.unseen[c.name] = { count: unseenCount[i], levels: Array.from(unseenLevels[i]) };
      }
    });
    const features = this.features.slice();
    const out: Encoded = { x, rows: nKeep, features, rowIndex: keep, report };
    if (this.classes !== null) out.classes = this.classes.slice();
    if (tcol >= 0) out.y = this.encodeTarget(table, keep, tcol);
    return out;
  }

  private encodeTarget(table: CsvTable, keep: Int32Array, tcol: number): Float64Array | Int32Array {
    const all = table.rows;
    const n = keep.length;
    if (this.classIndex !== null) {
      const y = new Int32Array(n);
      for (let k = 0; k < n; k++) {
        const v = all[keep[k]][tcol];
        const c = this.classIndex.get(v);
        if (c === undefined) {
          const known = (this.classes as string[]).slice(0, 10).map((s) => JSON.stringify(s));
          throw this.cellError(table, keep[k], tcol, 'ERR_UNKNOWN_CLASS',
            `class ${JSON.stringify(v)} was not seen in training (known: ${known.join(', ')}` +
            `${(this.classes as string[]).length > 10 ? ', …' : ''})`);
        }
        y[k] = c;
      }
      return y;
    }
    const y = new Float64Array(n);
    const scale = this.targetScale;
    for (let k = 0; k < n; k++) {
      const v = all[keep[k]][tcol];
      let t = parseNumber(v);
      if (Number.isNaN(t)) {
        const name = JSON.stringify(this.target);
        throw this.cellError(table, keep[k], tcol, 'ERR_NON_NUMERIC_TARGET',
          cellKind(v) === 'bad-number'
            ? `value ${JSON.stringify(v)} in regression target ${name} is not a finite ` +
              `number: ${badNumberReason(v)}`
            : `non-numeric value ${JSON.stringify(v)} in regression target ${name}`);
      }
      if (this.logTarget) {
        if (!(t > 0)) {
          throw this.cellError(table, keep[k], tcol, 'ERR_NON_POSITIVE_TARGET',
            `logTarget needs positive target values, got ${v}`);
        }
        t = Math.log(t);
      }
      y[k] = scale === null ? t : (t - scale.mean) / scale.std;
    }
    return y;
  }

  private cellError(
    table: CsvTable,
    row: number,
    col: number,
    code: DataErrorCode,
    reason: string,
  ): DataError {
    return new DataError(code, reason, {
      file: table.name, line: table.lineOf(row), column: col + 1, columnName: table.header[col],
    });
  }

  /** Maps regression outputs back to target units (undoes targetScale, then exp for log). */
  decodeRegression(values: ArrayLike<number>): Float64Array {
    if (this.task !== 'regression') throw new TypeError('decodeRegression: not a regression');
    const out = new Float64Array(values.length);
    const s = this.targetScale;
    for (let i = 0; i < values.length; i++) {
      const v = s === null ? values[i] : values[i] * s.std + s.mean;
      out[i] = this.logTarget ? Math.exp(v) : v;
    }
    return out;
  }

  /** Maps class indices to class names. */
  decodeClasses(indices: ArrayLike<number>): string[] {
    if (this.classes === null) throw new TypeError('decodeClasses: not a classification');
    const out = new Array<string>(indices.length);
    for (let i = 0; i < indices.length; i++) {
      const c = indices[i];
      if (!Number.isInteger(c) || c < 0 || c >= this.classes.length) {
        const k = this.classes.length;
        throw rangeError(`indices[${i}]`, `a class index in [0, ${k - 1}]`, describe(c));
      }
      out[i] = this.classes[c];
    }
    return out;
  }

  /** decodeRegression or decodeClasses, whichever the task needs. */
  decodeTarget(values: ArrayLike<number>): Float64Array | string[] {
    return this.task === 'regression' ? this.decodeRegression(values) : this.decodeClasses(values);
  }
}
