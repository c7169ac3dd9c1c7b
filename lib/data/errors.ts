// The error type of the data layer. Every problem found in a file's contents is a DataError
// whose message starts with `file:line:column:` (the parts that are known), so an editor or a
// terminal can jump to the offending cell. Wrong option values are TypeError / RangeError.

/** Machine-readable reason of a DataError. */
export type DataErrorCode =
  | 'ERR_BAD_CSV'
  | 'ERR_BAD_ENCODING'
  | 'ERR_EMPTY_FILE'
  | 'ERR_NO_DATA_ROWS'
  | 'ERR_RAGGED_ROW'
  | 'ERR_EMPTY_HEADER'
  | 'ERR_DUPLICATE_HEADER'
  | 'ERR_UNKNOWN_COLUMN'
  | 'ERR_MISSING_COLUMNS'
  | 'ERR_NO_FEATURES'
  | 'ERR_NON_NUMERIC_TARGET'
  | 'ERR_NON_NUMERIC_VALUE'
  | 'ERR_NON_POSITIVE_TARGET'
  | 'ERR_VALUE_TOO_LARGE'
  | 'ERR_SINGLE_CLASS'
  | 'ERR_UNKNOWN_CLASS'
  | 'ERR_NO_ROWS_LEFT';

/** Where in a file a DataError points. `line` and `column` are 1-based. */
export interface DataErrorLocation {
  file?: string;
  line?: number;
  /** Field number (1-based), not a character offset. */
  column?: number;
  /** Header name of the column, when there is one. */
  columnName?: string;
}

export class DataError extends Error {
  readonly code: DataErrorCode;
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly columnName: string | undefined;
  /** The message without the location prefix. */
  readonly reason: string;

  constructor(code: DataErrorCode, reason: string, where: DataErrorLocation = {}) {
    super(formatLocation(where) + reason);
    this.name = 'DataError';
    this.code = code;
    this.reason = reason;
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
    this.columnName = where.columnName;
  }
}

function formatLocation(where: DataErrorLocation): string {
  if (where.file === undefined) return '';
  let s = where.file;
  if (where.line !== undefined) {
    s += `:${where.line}`;
    if (where.column !== undefined) s += `:${where.column}`;
  }
  return s + ': ';
}

/** Levenshtein distance, case-insensitive: enough to catch typos in column names. */
function editDistance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  let prev = new Array<number>(b.length + 1);
  let cur = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const sub = prev[j - 1] + (a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1);
      cur[j] = Math.min(sub, prev[j] + 1, cur[j - 1] + 1);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length];
}

/**
 * Largest edit distance at which `name` is taken for a misspelling of a candidate: none when
 * both have one or two characters (only a difference of case), then about one edit per three
 * characters of the longer one, at most 4. Anything farther is a different name, not a typo.
 */
function typoLimit(name: string, candidate: string): number {
  const n = Math.max(name.length, candidate.length);
  return n <= 2 ? 0 : Math.min(4, Math.max(1, Math.floor(n / 3)));
}

/** The candidate closest to `name` if it is close enough to be a typo (first on ties). */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  if (name.trim() === '') return undefined;
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(name, c);
    if (d < bestD && d <= typoLimit(name, c)) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

/** "did you mean" clause plus a short list of what exists, for unknown-column messages. */
export function suggestColumn(
  name: string,
  candidates: readonly string[],
  label = 'Columns are',
): string {
  if (candidates.length === 0) return '';
  const close = closestName(name, candidates);
  const shown = candidates.slice(0, 12).map((c) => JSON.stringify(c)).join(', ');
  const more = candidates.length > 12 ? `, … (${candidates.length} in all)` : '';
  const hint = close === undefined ? '.' : `; did you mean ${JSON.stringify(close)}?`;
  return `${hint} ${label}: ${shown}${more}`;
}

const DELIMITERS = [',', ';', '\t', '|'];

/**
 * A header read as a single column that contains another common separator usually means the
 * file uses that separator: a hint naming it, or ''.
 */
export function delimiterHint(header: readonly string[]): string {
  if (header.length !== 1) return '';
  const d = DELIMITERS.find((c) => header[0].includes(c));
  if (d === undefined) return '';
  const name = d === '\t' ? 'tabs' : JSON.stringify(d);
  const verb = d === '\t' ? 'separate' : 'separates';
  return `. The header is one column that contains ${name}: if ${name} ${verb} the fields, ` +
    `pass delimiter: ${JSON.stringify(d)}`;
}
