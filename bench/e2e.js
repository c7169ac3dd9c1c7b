'use strict';
// The dnsgd runner of the end-to-end bench. bench/run.js starts one per thread count, as
//   node bench/e2e.js --serve --threads N
// and sends it jobs one line of JSON at a time (see main below).
// Jobs: 'epoch' (Trainer.fitSync over whole epochs), 'step' (Optimizer.step on fixed
// batches), 'phases' (forward, backward and Hessian alone), 'export' (parameters and data for
// the PyTorch cross-check) and 'eventloop' (timer lateness during an async fit).
const fs = require('fs');
const path = require('path');
const { monitorEventLoopDelay } = require('perf_hooks');

const common = require('./common');

const dnsgd = require(path.join(__dirname, '..', 'dist'));
const { Network, Optimizer, Trainer } = dnsgd;

const now = () => Number(process.hrtime.bigint()) / 1e9;

const dataCache = new Map();
function dataFor(job) {
  const key = `${job.layers}|${job.output}|${job.rows}|${job.seed}`;
  if (!dataCache.has(key)) {
    dataCache.clear(); // one data set at a time: the large ones are tens of megabytes
    dataCache.set(key, common.synthetic(job.layers, job.output, job.rows, job.seed));
  }
  return dataCache.get(key);
}

function optimizerFor(job, threads) {
  const o = { lr: job.lr, threads };
  if (job.method !== 'sgd') {
    o.alpha = job.alpha ?? 0;
    if (job.solver) o.solver = job.solver;
  }
  return Optimizer.from(job.method, o);
}

function setup(job, threads) {
  const net = new Network({ layers: job.layers, activation: job.activation ?? 'sigmoid',
    output: job.output, seed: job.seed });
  const opt = optimizerFor(job, threads);
  return { net, opt, data: dataFor(job) };
}

function cpuSeconds(u) {
  return (u.user + u.system) / 1e6;
}

function epochJob(job, threads) {
  const { net, opt, data } = setup(job, threads);
  const trainer = new Trainer(net, opt, { threads });
  const B = job.batch;
  const steps = Math.ceil(job.rows / B);
  // Warm-up: two steps through the same trainer (buffers sized, pages touched); the second
  // one's time sizes the number of measured epochs.
  const warm = trainer.fitSync(common.rowsOf(data, job.layers, job.output, 0, 2 * B),
    { epochs: 1, batchSize: B, shuffle: false });
  const ws = warm.steps.seconds;
  const reps = common.epochReps(ws[1] - ws[0], steps, job);
  const c0 = process.cpuUsage(), t0 = now();
  const h = trainer.fitSync(data, { epochs: reps, batchSize: B, shuffle: true, seed: job.seed });
  const wall = now() - t0;
  const cpu = cpuSeconds(process.cpuUsage(c0));
  const s = h.steps.seconds;
  const perStep = [];
  for (let i = 1; i < s.length; i++) perStep.push(s[i] - s[i - 1]);
  return {
    epoch: common.summary(h.epochs.map((e) => e.seconds)),
    epochSeconds: h.epochs.map((e) => e.seconds),
    fitStep: common.summary(perStep),
    fitStepSamples: perStep,
    trainLoss: h.epochs.map((e) => e.trainLoss),
    steps,
    wall,
    cpuPerWall: cpu / wall,
  };
}

function stepJob(job, threads) {
  const { net, opt, data } = setup(job, threads);
  const B = job.batch;
  const nb = Math.max(1, Math.floor(job.rows / B));
  const batches = [];
  for (let i = 0; i < nb; i++) {
    batches.push(common.rowsOf(data, job.layers, job.output, i * B, (i + 1) * B));
  }
  const minSteps = common.warmUp(job, (i) => opt.step(net, batches[i % nb].x, batches[i % nb].y),
    now);
  const times = [];
  const c0 = process.cpuUsage(), tStart = now();
  let i = 0, cgIters = 0, last;
  while ((times.length < minSteps || now() - tStart < job.budget) &&
         times.length < job.maxSteps) {
    const b = batches[i++ % nb];
    const t0 = now();
    last = opt.step(net, b.x, b.y);
    times.push(now() - t0);
    cgIters += last.cgIters ?? 0;
  }
  const wall = now() - tStart;
  return { step: common.summary(times), samples: times,
    cpuPerWall: cpuSeconds(process.cpuUsage(c0)) / wall, cgIters: cgIters / times.length,
    lastLoss: last.loss };
}

function timed(fn, budget) {
  fn();
  const t = [];
  const tStart = now();
  while (t.length < 3 || (now() - tStart < budget && t.length < 2000)) {
    const t0 = now();
    fn();
    t.push(now() - t0);
  }
  return common.summary(t);
}

// The native model's own entry points are used here (they take an output buffer, where the
// public lastLayerHessian allocates an n x n array per call, which would be timed too).
function phasesJob(job, threads) {
  const { net, data } = setup(job, threads);
  const b = common.rowsOf(data, job.layers, job.output, 0, job.batch);
  const rows = job.batch;
  const g = new Float64Array(net.paramCount);
  const n = common.newtonSize({ ...job, output: 'softmax' });
  const h = new Float64Array(n * n);
  const m = net.native;
  return {
    forward: timed(() => m.loss(net.params, b.x, b.y, rows), job.budget),
    forwardBackward: timed(() => m.gradient(net.params, b.x, b.y, rows, g), job.budget),
    forwardHessian: timed(() => m.hessian(net.params, b.x, b.y, rows, h), job.budget),
  };
}

function writeArray(file, a) {
  fs.writeFileSync(file, Buffer.from(a.buffer, a.byteOffset, a.byteLength));
}

// Parameters and data for the PyTorch cross-check, and dnsgd's own parameters after the same
// steps without shuffling: one Optimizer.step, or whole epochs through Trainer.fitSync.
function exportJob(job, threads) {
  const net = new Network({ layers: job.layers, activation: job.activation ?? 'sigmoid',
    output: job.output, seed: job.seed });
  const data = common.synthetic(job.layers, job.output, job.rows, job.seed);
  writeArray(job.params, net.params);
  writeArray(job.x, data.x);
  writeArray(job.y, data.y);
  const opt = optimizerFor(job, threads);
  let losses, cgIters;
  if (job.epochs === 1 && job.rows === job.batch) {
    const r = opt.step(net, data.x, data.y);
    losses = [r.loss];
    cgIters = r.cgIters;
  } else {
    const h = new Trainer(net, opt, { threads })
      .fitSync(data, { epochs: job.epochs, batchSize: job.batch, shuffle: false });
    losses = Array.from(h.steps.loss);
  }
  writeArray(job.outParams, net.params);
  return { stepLosses: losses, cgIters };
}

// Lateness of a 10 ms interval timer while an async fit runs on its worker thread, against
// the same timer on an idle loop. perf_hooks' delay histogram is kept beside it as a check.
async function eventLoopJob(job, threads) {
  async function watch(work) {
    const late = [];
    let last = now();
    const timer = setInterval(() => {
      const t = now();
      late.push(Math.max(0, t - last - 0.010));
      last = t;
    }, 10);
    const h = monitorEventLoopDelay({ resolution: 10 });
    h.enable();
    const t0 = now();
    await work();
    const wall = now() - t0;
    h.disable();
    clearInterval(timer);
    const s = common.summary(late);
    return { ticks: late.length, wall, max: s?.max, p99: s?.p99, median: s?.median,
      histogramMax: h.max / 1e9, histogramP99: h.percentile(99) / 1e9 };
  }
  const idle = await watch(() => new Promise((r) => setTimeout(r, job.idleSeconds * 1000)));
  const { net, opt, data } = setup(job, threads);
  const trainer = new Trainer(net, opt, { threads });
  const B = job.batch;
  trainer.fitSync(common.rowsOf(data, job.layers, job.output, 0, B), { epochs: 1, batchSize: B });
  const t0 = now();
  trainer.fitSync(data, { epochs: 1, batchSize: B, seed: job.seed });
  const epochs = Math.max(1, Math.ceil(job.fitSeconds / (now() - t0)));
  let history;
  const busy = await watch(async () => {
    history = await trainer.fit(data, { epochs, batchSize: B, seed: job.seed });
  });
  return { idle, fit: busy, epochs, steps: history.steps.loss.length };
}

const RUNNERS = { epoch: epochJob, step: stepJob, phases: phasesJob, export: exportJob,
  eventloop: eventLoopJob };

// Announces itself, then serves the orchestrator's jobs (common.serveJobs).
async function main() {
  const args = common.parseArgs(process.argv.slice(2));
  const threads = Number(args.threads ?? 1);
  const hello = { ready: true, threads, isa: dnsgd.native.isa(), pid: process.pid };
  process.stdout.write(`@@result ${JSON.stringify(hello)}\n`);
  await common.serveJobs((job) => RUNNERS[job.kind](job, threads));
}

main().catch((e) => {
  process.stderr.write(`${e.stack}\n`);
  process.exit(1);
});
