// One place for argument checks, so every message has the same shape:
//   "<name> must be <expectation>; got <what came>"
// TypeError for the wrong kind of value, RangeError for the right kind with a wrong value.

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') {
    const s = value.length > 40 ? value.slice(0, 37) + '...' : value;
    return `the string ${JSON.stringify(s)}`;
  }
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : `${value}`;
  if (typeof value === 'bigint') return `the bigint ${value}n`;
  if (typeof value === 'boolean' || typeof value === 'symbol') return String(value);
  if (typeof value === 'function') return 'a function';
  if (ArrayBuffer.isView(value)) {
    const name = (value as object).constructor?.name ?? 'typed array';
    const len = (value as unknown as { length?: number }).length;
    return len === undefined ? name : `${name}(${len})`;
  }
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  const ctor = (value as object).constructor?.name;
  return ctor && ctor !== 'Object' ? `a ${ctor}` : 'an object';
}

export function typeError(name: string, expected: string, value: unknown): TypeError {
  return new TypeError(`${name} must be ${expected}; got ${describe(value)}`);
}

export function rangeError(name: string, expected: string, got: string): RangeError {
  return new RangeError(`${name} must be ${expected}; got ${got}`);
}

export function finiteNumber(
  name: string,
  value: unknown,
  range: { min?: number; max?: number; minExclusive?: boolean } = {},
): number {
  if (typeof value !== 'number') throw typeError(name, 'a number', value);
  if (!Number.isFinite(value)) throw rangeError(name, 'a finite number', describe(value));
  const { min, max, minExclusive } = range;
  if (min !== undefined && (minExclusive ? value <= min : value < min)) {
    throw rangeError(name, `${minExclusive ? '>' : '>='} ${min}`, `${value}`);
  }
  if (max !== undefined && value > max) throw rangeError(name, `<= ${max}`, `${value}`);
  return value;
}

export function integer(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number') throw typeError(name, 'an integer', value);
  if (!Number.isInteger(value)) throw rangeError(name, 'an integer', describe(value));
  if (value < min || value > max) {
    throw rangeError(name, `an integer in [${min}, ${max}]`, `${value}`);
  }
  return value;
}

export function boolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw typeError(name, 'true or false', value);
  return value;
}

export function oneOf<T extends string>(name: string, value: unknown, choices: readonly T[]): T {
  if (typeof value !== 'string') throw typeError(name, `one of ${list(choices)}`, value);
  if (!(choices as readonly string[]).includes(value)) {
    const near = closest(value, choices);
    const hint = near ? ` (did you mean '${near}'?)` : '';
    throw rangeError(name, `one of ${list(choices)}`, `'${value}'${hint}`);
  }
  return value as T;
}

export function float64Array(name: string, value: unknown): Float64Array {
  if (!(value instanceof Float64Array)) throw typeError(name, 'a Float64Array', value);
  return value;
}

/** Refuses keys that are not in `known`, naming the closest known one. */
export function knownOptions(name: string, options: unknown, known: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw typeError(name, 'an options object', options);
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const near = closest(key, known);
    const hint = near ? `; did you mean '${near}'?` : '';
    throw new TypeError(
      `${name} has an unknown option '${key}'${hint} (known: ${list(known)})`,
    );
  }
}

function list(items: readonly string[]): string {
  return items.map((s) => `'${s}'`).join(', ');
}

/** The candidate within a small edit distance of `word`, if any (case-insensitive). */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  const w = word.toLowerCase();
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase());
    if (d < bestDist) {
      bestDist = d;
      best = c;
    }
  }
  const limit = word.length <= 3 ? 1 : word.length <= 6 ? 2 : 3;
  return bestDist <= limit ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(up + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}
