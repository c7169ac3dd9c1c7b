'use strict';
// Shared by the bench runners: the shapes, seeded synthetic data, summary statistics and
// formatting. Plain JavaScript with no dependency, so the TensorFlow.js runner can use it
// without loading dnsgd.

const fs = require('fs');

// The paper's six experiments (docs/method.md), with their training-set sizes as the data size.
const PAPER_SHAPES = [
  { name: 'house-prices', layers: [288, 5, 1], output: 'linear', batch: 50, alpha: 0,
    lr: 0.01, rows: 1361 },
  { name: 'housing-market', layers: [451, 4, 1], output: 'linear', batch: 200, alpha: 0,
    lr: 0.001, rows: 20473 },
  { name: 'cabbage', layers: [4, 6, 1], output: 'linear', batch: 100, alpha: 0, lr: 0.01,
    rows: 2423 },
  { name: 'shot-selection', layers: [228, 6, 2], output: 'softmax', batch: 200, alpha: 0.01,
    lr: 0.01, rows: 20698 },
  { name: 'cat-encoding', layers: [96, 4, 2], output: 'softmax', batch: 200, alpha: 0,
    lr: 0.01, rows: 30000 },
  { name: 'santander', layers: [369, 4, 2], output: 'softmax', batch: 200, alpha: 0, lr: 0.01,
    rows: 30000 },
];

// Two larger networks. Their damped Newton step costs 0.1-2 s, so an "epoch" here is a few
// dozen rows of batches: enough for a median, short enough for the whole run to stay near
// 15 minutes. Their per-step figures are the ones to read.
const LARGE_SHAPES = [
  { name: 'mnist-like', layers: [784, 256, 10], output: 'softmax', batch: 128, alpha: 0,
    lr: 0.01, rows: 1280 },
  { name: 'deep-wide', layers: [64, 512, 512, 10], output: 'softmax', batch: 256, alpha: 0,
    lr: 0.01, rows: 512 },
];

// The letter data set's shape, where docs/method.md reports the Newton half at its dearest.
const LETTER_SHAPE = { name: 'letter', layers: [16, 32, 26], output: 'softmax', batch: 200,
  alpha: 0, lr: 0.01, rows: 16000 };

function shapeLabel(s) {
  return `(${s.layers.join(', ')})`;
}

/** Parameters of the last layer's Newton system: K(d+1) for softmax, d+1 for MSE. */
function newtonSize(s) {
  const K = s.layers[s.layers.length - 1];
  const d1 = s.layers[s.layers.length - 2] + 1;
  return s.output === 'softmax' ? K * d1 : d1;
}

// sfc32: a small, fast 32-bit generator; Box-Muller turns its uniforms into normals.
function rng(seed) {
  let a = 0x9e3779b9, b = 0x243f6a88, c = 0xb7e15162, d = (seed >>> 0) ^ 0xdeadbeef;
  const next = () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    const t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    const r = (t + d) | 0;
    c = (c + r) | 0;
    return (r >>> 0) / 4294967296;
  };
  for (let i = 0; i < 16; i++) next();
  let spare = NaN;
  const normal = () => {
    if (!Number.isNaN(spare)) {
      const s = spare;
      spare = NaN;
      return s;
    }
    const u = 1 - next(), v = next();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
  return { uniform: next, normal };
}

/**
 * Standardized Gaussian features and targets from a random teacher (a tanh layer of 16 units
 * then a linear map): regression targets with noise, or labels drawn from its softmax by the
 * Gumbel-max trick, so that training makes real progress. Row-major Float64Array x, and a
 * Float64Array (rows x K) or Int32Array of labels y.
 */
function synthetic(layers, output, rows, seed) {
  const n0 = layers[0], K = layers[layers.length - 1], hid = 16;
  const g = rng(seed * 7919 + 17);
  const x = new Float64Array(rows * n0);
  for (let i = 0; i < x.length; i++) x[i] = g.normal();
  const w1 = new Float64Array(n0 * hid).map(() => g.normal() / Math.sqrt(n0));
  const w2 = new Float64Array(hid * K).map(() => g.normal() / Math.sqrt(hid));
  const h = new Float64Array(hid), t = new Float64Array(K);
  const y = output === 'linear' ? new Float64Array(rows * K) : new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    h.fill(0);
    for (let a = 0; a < n0; a++) {
      const xa = x[i * n0 + a];
      for (let j = 0; j < hid; j++) h[j] += xa * w1[a * hid + j];
    }
    for (let j = 0; j < hid; j++) h[j] = Math.tanh(h[j]);
    t.fill(0);
    for (let j = 0; j < hid; j++) for (let k = 0; k < K; k++) t[k] += h[j] * w2[j * K + k];
    if (output === 'linear') {
      for (let k = 0; k < K; k++) y[i * K + k] = t[k] + 0.1 * g.normal();
    } else {
      let best = 0, bestV = -Infinity;
      for (let k = 0; k < K; k++) {
        const v = 3 * t[k] - Math.log(-Math.log(Math.max(g.uniform(), 1e-300)));
        if (v > bestV) { bestV = v; best = k; }
      }
      y[i] = best;
    }
  }
  return { x, y };
}

/** Rows [r0, r1) of a data set as views (no copy). */
function rowsOf(data, layers, output, r0, r1) {
  const n0 = layers[0], K = layers[layers.length - 1];
  const kPerRow = output === 'linear' ? K : 1;
  return {
    x: data.x.subarray(r0 * n0, r1 * n0),
    y: data.y.subarray(r0 * kPerRow, r1 * kPerRow),
  };
}

function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

/** n, median, min, p90, p99, max and mean of a list of numbers. */
function summary(samples) {
  const s = Array.from(samples).sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return null;
  const median = n % 2 ? s[(n - 1) / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
  const mean = s.reduce((a, b) => a + b, 0) / n;
  return { n, median, min: s[0], p90: quantile(s, 0.9), p99: quantile(s, 0.99), max: s[n - 1],
    mean };
}

/** Seconds as a short human reading: 12.3 us, 4.56 ms, 1.23 s. */
function fmtTime(sec) {
  if (sec === undefined || sec === null || !Number.isFinite(sec)) return 'n/a';
  if (sec < 1e-3) return `${(sec * 1e6).toPrecision(3)} us`;
  if (sec < 1) return `${(sec * 1e3).toPrecision(3)} ms`;
  return `${sec.toPrecision(3)} s`;
}

function fmtRatio(r) {
  if (r === undefined || r === null || !Number.isFinite(r)) return 'n/a';
  return r >= 100 ? `${r.toFixed(0)}x` : r >= 10 ? `${r.toFixed(1)}x` : `${r.toFixed(2)}x`;
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** Parses --key=value, --key value and bare --flag arguments. */
function parseArgs(argv) {
  const out = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) { out._.push(a); continue; }
    const eq = a.indexOf('=');
    if (eq > 0) out[a.slice(2, eq)] = a.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) out[a.slice(2)] = argv[++i];
    else out[a.slice(2)] = true;
  }
  return out;
}

/** How many measured epochs fit in `budget` seconds, at least minReps, at most maxReps. */
function epochReps(stepSeconds, steps, job) {
  const est = Math.max(stepSeconds * steps, 1e-6);
  return Math.max(job.minReps, Math.min(job.maxReps, Math.ceil(job.epochBudget / est)));
}

/**
 * Runs the warm-up steps of a per-step job (stopping early once they exceed the budget) and
 * returns how many timed steps it needs at least: job.minSteps, or job.fewSteps (default 3)
 * when even that many would overrun the budget (the dearest steps take over a second).
 */
function warmUp(job, step, clock) {
  let spent = 0, last = 0;
  for (let i = 0; i < job.warmupSteps && spent <= job.budget; i++) {
    const t0 = clock();
    step(i);
    last = clock() - t0;
    spent += last;
  }
  const few = job.fewSteps ?? 3;
  return last * job.minSteps > job.budget ? Math.min(job.minSteps, few) : job.minSteps;
}

// Serves jobs for the orchestrator: one JSON line on stdin each, answered by one '@@result '
// line on stdout (other output of a job stays on other lines and is ignored). run(job) may be
// async; its failure is reported as the job's result, not thrown.
async function serveJobs(run) {
  const rl = require('readline').createInterface({ input: process.stdin });
  for await (const line of rl) {
    if (!line.trim()) continue;
    const job = JSON.parse(line);
    const t0 = Number(process.hrtime.bigint()) / 1e9;
    let r;
    try {
      r = { ...(await run(job)), ok: true };
    } catch (e) {
      r = { ok: false, error: `${e.name}: ${e.message}` };
    }
    r.id = job.id;
    r.jobWall = Number(process.hrtime.bigint()) / 1e9 - t0;
    process.stdout.write(`@@result ${JSON.stringify(r)}\n`);
  }
}

module.exports = {
  serveJobs, PAPER_SHAPES, LARGE_SHAPES, LETTER_SHAPE, shapeLabel, newtonSize, rng, synthetic, rowsOf,
  summary, quantile, fmtTime, fmtRatio, readJson, parseArgs, epochReps, warmUp,
};
