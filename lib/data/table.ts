// CSV text -> header + rows of strings, with the structural checks (empty file, ragged rows,
// duplicate or empty header names). Typing and encoding happen later, in transform.ts.
import * as fs from 'fs';
import { parse } from 'csv-parse/sync';
import { describe, rangeError, typeError } from '../validate';
import { DataError } from './errors';

/** A file path, or CSV text held in memory (`name` is what error messages call it). */
export type CsvSource = string | { text: string; name?: string };

export interface ParseCsvOptions {
  /** Field separator, one character. Default `,`. */
  delimiter?: string;
}

/** A parsed CSV: the header and the data rows, all as trimmed strings. */
export interface CsvTable {
  /** File path or the given name; used in error messages. */
  readonly name: string;
  readonly header: readonly string[];
  /** Data rows, each with exactly `header.length` fields. */
  readonly rows: readonly (readonly string[])[];
  /**
   * 1-based line of the file on which data row `row` (0-based) starts; `lineOf(-1)` is the
   * header's line. For tables built from records it is the record number (header: 0).
   */
  lineOf(row: number): number;
}

/** A record value given to `Transform.apply`; null, undefined and NaN count as missing. */
export type RecordValue = string | number | null | undefined;

function baseOptions(delimiter: string) {
  return {
    delimiter,
    bom: true,
    trim: true,
    skip_empty_lines: true,
    // Field counts are checked here, so the error can name the line and the header size.
    relax_column_count: true,
  };
}

function checkDelimiter(d: unknown): string {
  if (d === undefined) return ',';
  if (typeof d !== 'string') throw typeError('delimiter', 'a one-character string', d);
  if (d.length !== 1 || d === '"' || d === '\n' || d === '\r') {
    throw rangeError('delimiter', 'one character other than a quote or line end', describe(d));
  }
  return d;
}

/**
 * Start line of every record (header included), computed only when an error or a caller needs
 * it: csv-parse's own line counter is off after skipped blank lines, so it is rebuilt from
 * each record's raw text (skipped blank lines are glued to the front of the next record).
 */
function recordLines(text: string, delimiter: string): Int32Array {
  const recs = parse(text, { ...baseOptions(delimiter), raw: true }) as { raw: string }[];
  const out = new Int32Array(recs.length);
  let line = 1;
  for (let i = 0; i < recs.length; i++) {
    const parts = recs[i].raw.split(/\r\n|\r|\n/);
    let lead = 0;
    while (lead < parts.length - 1 && parts[lead].trim() === '') lead++;
    out[i] = line + lead;
    // A raw record ends with its line break (except the last), so parts.length - 1 breaks.
    line += parts.length - 1;
  }
  return out;
}

class Table implements CsvTable {
  private lines: Int32Array | undefined;
  constructor(
    readonly name: string,
    readonly header: readonly string[],
    readonly rows: readonly (readonly string[])[],
    private readonly text: string,
    private readonly delimiter: string,
  ) {}

  lineOf(row: number): number {
    if (this.lines === undefined) this.lines = recordLines(this.text, this.delimiter);
    return this.lines[row + 1];
  }
}

/**
 * Decodes a file's bytes as UTF-8, refusing UTF-16 and UTF-32 (by their byte-order marks) and
 * invalid UTF-8 with the line of the first bad byte, instead of turning bytes into U+FFFD.
 */
export function decodeUtf8(bytes: Uint8Array, name: string): string {
  const b0 = bytes[0];
  const b1 = bytes[1];
  if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff) ||
    (b0 === 0 && b1 === 0 && bytes[2] === 0xfe && bytes[3] === 0xff)) {
    const kind = b0 === 0xff && bytes[2] === 0 && bytes[3] === 0 ? 'UTF-32' : 'UTF-16';
    throw new DataError('ERR_BAD_ENCODING', `the file is ${kind} text (it starts with a ${kind} ` +
      'byte-order mark); CSV files are read as UTF-8: convert it first, e.g. with ' +
      `iconv -f ${kind} -t UTF-8`, { file: name });
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const at = Math.min(firstInvalidUtf8(bytes), bytes.length - 1);
    let line = 1;
    for (let i = 0; i < at; i++) if (bytes[i] === 0x0a) line++;
    const hex = `0x${bytes[at].toString(16).padStart(2, '0')}`;
    throw new DataError('ERR_BAD_ENCODING', `invalid UTF-8 (byte ${hex} at byte offset ${at}); ` +
      'CSV files are read as UTF-8: convert the file first, e.g. from Latin-1 with ' +
      'iconv -f LATIN1 -t UTF-8', { file: name, line });
  }
}

/** Offset of the first byte that does not belong to a well-formed UTF-8 sequence. */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c < 0x80) n = 0;
    else if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      // Only the first continuation byte has the narrowed range.
      if (d === undefined || d < (k === 1 ? lo : 0x80) || d > (k === 1 ? hi : 0xbf)) return i;
    }
    i += n + 1;
  }
  return b.length;
}

function readSource(source: CsvSource): { text: string; name: string } {
  if (typeof source === 'string') {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(source);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new DataError('ERR_BAD_CSV', `cannot read file (${err.code ?? err.message})`, {
        file: source,
      });
    }
    return { text: decodeUtf8(bytes, source), name: source };
  }
  if (source === null || typeof source !== 'object' || typeof source.text !== 'string') {
    throw typeError('CSV source', 'a file path or { text, name? }', source);
  }
  if (source.name !== undefined && typeof source.name !== 'string') {
    throw typeError('CSV source name', 'a string', source.name);
  }
  return { text: source.text, name: source.name ?? '<text>' };
}

/** Reads and parses a CSV with a header row. Throws DataError on a malformed file. */
export function parseCsv(source: CsvSource, options: ParseCsvOptions = {}): CsvTable {
  const delimiter = checkDelimiter(options.delimiter);
  const { text, name } = readSource(source);
  let records: string[][];
  try {
    records = parse(text, baseOptions(delimiter)) as string[][];
  } catch (e) {
    const err = e as Error & { lines?: number };
    const where = typeof err.lines === 'number' ? { file: name, line: err.lines } : { file: name };
    throw new DataError('ERR_BAD_CSV', err.message, where);
  }
  if (records.length === 0) {
    const reason = 'the file is empty; expected a header row and data rows';
    throw new DataError('ERR_EMPTY_FILE', reason, { file: name });
  }
  const header = records[0];
  const headerLine = (): number => recordLines(text, delimiter)[0];
  const seen = new Map<string, number>();
  for (let j = 0; j < header.length; j++) {
    const h = header[j];
    const where = () => ({ file: name, line: headerLine(), column: j + 1, columnName: h });
    if (h === '') throw new DataError('ERR_EMPTY_HEADER', `column ${j + 1} has no name`, where());
    const first = seen.get(h);
    if (first !== undefined) {
      throw new DataError(
        'ERR_DUPLICATE_HEADER',
        `duplicate column name ${JSON.stringify(h)} (also column ${first + 1})`,
        where(),
      );
    }
    seen.set(h, j);
  }
  const rows = records.slice(1);
  const table = new Table(name, header, rows, text, delimiter);
  if (rows.length === 0) {
    throw new DataError('ERR_NO_DATA_ROWS', 'the file has a header but no data rows', {
      file: name,
      line: headerLine(),
    });
  }
  const width = header.length;
  for (let i = 0; i < rows.length; i++) {
    const n = rows[i].length;
    if (n !== width) {
      // The first field that has no counterpart: the first extra one, or the first absent one.
      const col = Math.min(n, width) + 1;
      throw new DataError(
        'ERR_RAGGED_ROW',
        `row has ${n} field${n === 1 ? '' : 's'} but the header has ${width}`,
        { file: name, line: table.lineOf(i), column: col },
      );
    }
  }
  return table;
}

/** Builds a table from objects keyed by column name (for predicting from in-memory values). */
export function tableFromRecords(
  records: readonly Readonly<Record<string, RecordValue>>[],
  columns: readonly string[],
  name = '<records>',
): CsvTable {
  if (!Array.isArray(records)) throw typeError('records', 'an array of objects', records);
  const present = columns.filter((c) => records.some((r) => r !== null && c in r));
  const rows: string[][] = new Array(records.length);
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    if (r === null || typeof r !== 'object') {
      throw typeError(`records[${i}]`, 'an object', r);
    }
    const row = new Array<string>(present.length);
    for (let j = 0; j < present.length; j++) {
      const v = r[present[j]];
      if (v === null || v === undefined) row[j] = '';
      else if (typeof v === 'number') row[j] = Number.isNaN(v) ? '' : String(v);
      else if (typeof v === 'string') row[j] = v.trim();
      else throw typeError(`records[${i}].${present[j]}`, 'a string, number or null', v);
    }
    rows[i] = row;
  }
  return { name, header: present, rows, lineOf: (row: number) => row + 1 };
}
