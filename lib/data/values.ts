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
