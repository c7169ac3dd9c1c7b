// Axis scales with readable ticks: linear ticks at 1, 2 or 5 times a power of ten; log ticks
// at decades when the data spans several, filled in with rounder values first where a narrow
// range leaves room, and at linear steps when even that gives too few labels.

export interface Tick {
  value: number;
  label: string;
}

export interface Scale {
  /** Data value to a pixel offset from the panel's start (y: from its top). */
  map(v: number): number;
  ticks: Tick[];
  /** Grid lines without labels (log scales only). */
  minor: number[];
}

/** A short label: up to 3 significant digits, thousands separated for large integers. */
export function tickLabel(v: number): string {
  return needsExponent([v]) ? exponentLabel(v) : plainLabel(v);
}

/**
 * Labels for one axis in one style: every label in exponent form (`1e6`, `2.5e5`) when any
 * tick is 1e6 or more or below 1e-4 (nonzero), else every label plain (`0.5`, `100,000`), so
 * an axis never mixes `1e6` with `100,000`.
 */
export function tickLabels(values: readonly number[]): string[] {
  const exp = needsExponent(values);
  return values.map((v) => (exp ? exponentLabel(v) : plainLabel(v)));
}

function needsExponent(values: readonly number[]): boolean {
  return values.some((v) => v !== 0 && (Math.abs(v) >= 1e6 || Math.abs(v) < 1e-4));
}

function exponentLabel(v: number): string {
  if (v === 0) return '0';
  return Number(v.toPrecision(3)).toExponential().replace('e+', 'e');
}

function plainLabel(v: number): string {
  if (v === 0) return '0';
  const r = Number(v.toPrecision(3));
  return Number.isInteger(r) && Math.abs(r) >= 1000 ? r.toLocaleString('en-US') : `${r}`;
}

function labelled(values: number[]): Tick[] {
  const labels = tickLabels(values);
  return values.map((value, i) => ({ value, label: labels[i] }));
}

function niceStep(span: number, count: number): number {
  const raw = span / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

/** [lo, hi] plus a small margin at the top end; ticks inside it. */
export function linearScale(lo: number, hi: number, length: number, count = 5): Scale {
  if (!(hi > lo)) hi = lo + 1;
  const a = lo;
  const b = hi + (hi - lo) * 0.02;
  const ticks = linearTicks(a, b, count);
  return { map: (v) => ((v - a) / (b - a)) * length, ticks, minor: [] };
}

function linearTicks(a: number, b: number, count: number): Tick[] {
  const step = niceStep(b - a, count);
  const values: number[] = [];
  for (let k = Math.ceil(a / step - 1e-9); k * step <= b + step * 1e-9; k++) {
    // Rounded so that 0.1 * 3 prints as 0.3.
    values.push(Number((k * step).toPrecision(12)));
  }
  return labelled(values);
}

// Tick mantissas by roundness: a rounder value is labelled first and keeps its place.
const MANTISSA_LEVELS = [[1], [2, 5], [3], [1.5, 4, 6, 8], [2.5, 7, 9]];
const GRID_MANTISSAS = [1, 2, 3, 4, 5, 6, 7, 8, 9];
/** Least distance in pixels between two labels. */
const MIN_LABEL_GAP = 30;

/** A log scale over [lo, hi] (both > 0) with a small margin; large values at the top. */
export function logScale(lo: number, hi: number, length: number): Scale {
  if (!(lo > 0)) lo = hi > 0 ? hi / 10 : 0.1;
  if (!(hi > lo)) {
    hi = lo * 1.5;
    lo = lo / 1.5;
  }
  const pad = Math.max(1.02, (hi / lo) ** 0.04);
  const a = lo / pad;
  const b = hi * pad;
  const la = Math.log10(a);
  const lb = Math.log10(b);
  const map = (v: number): number => (1 - (Math.log10(v) - la) / (lb - la)) * length;
  const kLo = Math.floor(la);
  const kHi = Math.ceil(lb);
  const inside = (ms: number[]): number[] =>
    candidates(kLo, kHi, ms).filter((v) => v >= a && v <= b);

  // Greedy by roundness: a value is labelled when it keeps clear of every label so far, so
  // wide ranges get decades only and narrow ones fill in 2, 5, 3, ... where there is room.
  const chosen: number[] = [];
  for (const level of MANTISSA_LEVELS) {
    for (const v of inside(level)) {
      if (chosen.every((c) => Math.abs(map(c) - map(v)) >= MIN_LABEL_GAP)) chosen.push(v);
    }
  }
  chosen.sort((x, y) => x - y);
  if (chosen.length < 3) {
    let ticks = linearTicks(a, b, 4);
    for (let n = 5; ticks.length < 3 && n <= 12; n++) ticks = linearTicks(a, b, n);
    return { map, ticks, minor: [] };
  }
  const ticks = labelled(chosen);
  // Unlabelled grid lines at the integer mantissas, when they are not too dense to help.
  const grid = inside(GRID_MANTISSAS).filter((v) => !chosen.includes(v));
  const minor = kHi - kLo <= 4 ? grid : [];
  return { map, ticks, minor };
}

function candidates(kLo: number, kHi: number, mantissas: number[]): number[] {
  const out: number[] = [];
  for (let k = kLo; k <= kHi; k++) {
    for (const m of mantissas) out.push(Number((m * 10 ** k).toPrecision(12)));
  }
  return out;
}
