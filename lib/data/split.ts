// Seeded train/test splits over positions 0..n-1. Both halves come back in ascending order, so
// a split never reorders the file; the trainer shuffles per epoch on its own.
import { Prng } from './prng';

export interface SplitIndices {
  train: Int32Array;
  test: Int32Array;
}

/** Test rows for a fraction: rounded up, as scikit-learn does, so 0.2 of 569 is 114. */
export function testCount(n: number, testFraction: number): number {
  if (testFraction === 0) return 0;
  // The small slack keeps products such as 0.2 * 53940 = 10788.000000000002 from rounding up.
  return Math.min(n, Math.ceil(n * testFraction - 1e-9));
}

function halves(n: number, isTest: Uint8Array, nTest: number): SplitIndices {
  const train = new Int32Array(n - nTest);
  const test = new Int32Array(nTest);
  let a = 0;
  let b = 0;
  for (let i = 0; i < n; i++) {
    if (isTest[i]) test[b++] = i;
    else train[a++] = i;
  }
  return { train, test };
}

/** Uniform random split: shuffle 0..n-1 and take the first `testCount` positions as test. */
export function randomSplit(n: number, testFraction: number, seed: number): SplitIndices {
  const nTest = testCount(n, testFraction);
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  new Prng(seed).shuffle(perm);
  const isTest = new Uint8Array(n);
  for (let k = 0; k < nTest; k++) isTest[perm[k]] = 1;
  return halves(n, isTest, nTest);
}

/**
 * Stratified split: the test total is the same as randomSplit's; each class gets its
 * proportional share rounded down, and the rows left over go to the classes with the largest
 * fractional shares (the lower class index first on ties). Classes are then shuffled one after
 * another, in index order, from one generator.
 */
export function stratifiedSplit(
  labels: Int32Array,
  nClasses: number,
  testFraction: number,
  seed: number,
): SplitIndices {
  const n = labels.length;
  const nTest = testCount(n, testFraction);
  const members: number[][] = Array.from({ length: nClasses }, () => []);
  for (let i = 0; i < n; i++) members[labels[i]].push(i);
  const quota = new Int32Array(nClasses);
  const frac = new Float64Array(nClasses);
  let given = 0;
  for (let c = 0; c < nClasses; c++) {
    const exact = (members[c].length * nTest) / n;
    quota[c] = Math.floor(exact);
    frac[c] = exact - quota[c];
    given += quota[c];
  }
  const order = Array.from({ length: nClasses }, (_, c) => c).sort(
    (a, b) => frac[b] - frac[a] || a - b,
  );
  for (let k = 0; given < nTest; k++) {
    const c = order[k % nClasses];
    if (quota[c] < members[c].length) {
      quota[c]++;
      given++;
    }
  }
  const prng = new Prng(seed);
  const isTest = new Uint8Array(n);
  for (let c = 0; c < nClasses; c++) {
    const m = prng.shuffle(members[c]);
    for (let k = 0; k < quota[c]; k++) isTest[m[k]] = 1;
  }
  return halves(n, isTest, nTest);
}
