// Shared helpers for the tests: seeded data, finite differences and a plain dense solver
// written independently of the native kernels.

import { Network, Targets } from '../lib';
import { packageRoot } from '../lib/root';

/** A small deterministic generator (mulberry32), independent of the library's own. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomMatrix(rows: number, cols: number, seed: number, scale = 1): Float64Array {
  const r = rng(seed);
  const a = new Float64Array(rows * cols);
  for (let i = 0; i < a.length; i++) a[i] = scale * (2 * r() - 1);
  return a;
}

export function randomLabels(rows: number, classes: number, seed: number): Int32Array {
  const r = rng(seed);
  const y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) y[i] = Math.floor(r() * classes);
  return y;
}

/** Random targets of the right kind for the network. */
export function randomTargets(net: Network, rows: number, seed: number): Targets {
  return net.output === 'softmax'
    ? randomLabels(rows, net.outputs, seed)
    : randomMatrix(rows, net.outputs, seed);
}

/** Central-difference gradient of net.loss with respect to params[from..to). */
export function fdGradient(
  net: Network, x: Float64Array, y: Targets, from = 0, to = net.paramCount, h = 1e-6,
): Float64Array {
  const g = new Float64Array(to - from);
  const p = net.params;
  for (let i = from; i < to; i++) {
    const keep = p[i];
    p[i] = keep + h;
    const up = net.loss(x, y);
    p[i] = keep - h;
    const down = net.loss(x, y);
    p[i] = keep;
    g[i - from] = (up - down) / (2 * h);
  }
  return g;
}

/** ||a - b|| / max(||a||, ||b||, tiny): the relative error of two vectors. */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i] - b[i]) ** 2;
    na += a[i] ** 2;
    nb += b[i] ** 2;
  }
  return Math.sqrt(d) / Math.max(Math.sqrt(na), Math.sqrt(nb), 1e-300);
}

/** Solves A x = b by Gaussian elimination with partial pivoting (A is n x n, copied). */
export function denseSolve(aIn: Float64Array, bIn: Float64Array, n: number): Float64Array {
  const a = Float64Array.from(aIn);
  const b = Float64Array.from(bIn);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * n + c]) > Math.abs(a[piv * n + c])) piv = r;
    if (piv !== c) {
      for (let k = 0; k < n; k++) [a[c * n + k], a[piv * n + k]] = [a[piv * n + k], a[c * n + k]];
      [b[c], b[piv]] = [b[piv], b[c]];
    }
    for (let r = c + 1; r < n; r++) {
      const f = a[r * n + c] / a[c * n + c];
      if (f === 0) continue;
      for (let k = c; k < n; k++) a[r * n + k] -= f * a[c * n + k];
      b[r] -= f * b[c];
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r];
    for (let k = r + 1; k < n; k++) s -= a[r * n + k] * x[k];
    x[r] = s / a[r * n + r];
  }
  return x;
}

/** The damped Newton direction (H + (alpha + H_max) I)^-1 g, computed densely. */
export function denseNewton(h: Float64Array, g: Float64Array, alpha: number): Float64Array {
  const n = g.length;
  let hMax = -Infinity;
  for (const v of h) hMax = Math.max(hMax, v);
  const a = Float64Array.from(h);
  for (let i = 0; i < n; i++) a[i * n + i] += alpha + hMax;
  return denseSolve(a, g, n);
}

/** The repository root (the package root of the compiled tests). */
export function repoRoot(): string {
  return packageRoot();
}
