// Cell-level rules shared by fitting and applying: what counts as missing, what counts as a
// number, and the one sort order used for levels and class names.

/** Tokens read as missing besides the empty field (and whitespace-only quoted fields). */
export const DEFAULT_MISSING_VALUES: readonly string[] = Object.freeze(['NA', '?']);

export type MissingTest = (v: string) => boolean;

export function missingTest(tokens: readonly string[]): MissingTest {
  const set = new Set(tokens);
  return (v) => v === '' || set.has(v) || (v.charCodeAt(0) <= 32 && v.trim() === '');
}

/**
 * A finite decimal number (sign, digits, point, exponent), else NaN. Number() alone would also
 * accept `0x1f`, `0b1`, `0o7` and `Infinity`, which in a data file are text, not numbers.
 */
export function parseNumber(s: string): number {
  if (s.length > 1 && s.charCodeAt(0) === 48) {
    const c1 = s.charCodeAt(1) | 0x20;
    if (c1 === 120 || c1 === 98 || c1 === 111) return NaN;
  }
  const v = Number(s);
  return v - v === 0 ? v : NaN; // false for NaN and both infinities
}

/** What a non-missing cell holds, for typing a column. */
export type CellKind = 'number' | 'bad-number' | 'text';

const NON_FINITE_WORDS = /^[+-]?(?:nan|inf|infinity)$/i;

/**
 * 'number' for a finite decimal (what parseNumber accepts); 'bad-number' for a cell written as a
 * number that is not one here: a decimal that overflows float64 (`1e309`), `NaN`, `Infinity`,
 * `inf`, or hexadecimal, binary and octal notation (`0x10`); 'text' for anything else.
 */
export function cellKind(s: string): CellKind {
  if (!Number.isNaN(parseNumber(s))) return 'number';
  if (NON_FINITE_WORDS.test(s) || !Number.isNaN(Number(s))) return 'bad-number';
  return 'text';
}

/** Why a 'bad-number' cell is refused, for error messages. */
export function badNumberReason(s: string): string {
  if (/^[+-]?nan$/i.test(s)) return 'NaN is not a number; leave the cell empty to mark it missing';
  if (/^[+-]?inf/i.test(s)) return 'an infinity is not a finite number';
  if (Math.abs(Number(s)) === Infinity) return 'it is beyond the float64 range (about ±1.8e308)';
  return 'hexadecimal, binary and octal notation are not read as numbers; write it in decimal';
}

/**
 * Sorts labels deterministically, independent of locale: by numeric value when every label is
 * a number (so `2` comes before `10`), else by UTF-16 code units. Ties break by code units.
 */
export function sortLabels(labels: Iterable<string>): string[] {
  const out = Array.from(labels);
  const byCode = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  if (out.length > 0 && out.every((s) => !Number.isNaN(parseNumber(s)))) {
    return out.sort((a, b) => parseNumber(a) - parseNumber(b) || byCode(a, b));
  }
  return out.sort(byCode);
}
