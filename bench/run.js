#!/usr/bin/env node
'use strict';
// The end-to-end bench of dnsgd: per-step and per-epoch times of SGD, DN-SGD and SGD-DN on the
// paper's shapes and two larger ones, against the same method in PyTorch float64 and SGD in
// TensorFlow.js, with scaling sweeps, a cross-check of the PyTorch peer and the event-loop
// delay of an async fit. See bench/README.md.
//
//   node bench/run.js [--quick] [--only=SECTIONS] [--shapes=NAMES] [--threads=1,2]
//                     [--no-torch] [--no-tfjs] [--python=PATH] [--out=DIR] [--publish]
//                     [--torch-omp-active] [--from=RESULTS.json]
//
// Each library runs in its own long-lived child process per thread count (bench/e2e.js,
// bench/torch_dnsgd.py, bench/tfjs_sgd.js), fed one job at a time, so that the jobs of the
// different libraries interleave and share whatever else the machine is doing at the time.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, execFileSync } = require('child_process');

const common = require('./common');
const { linePlot } = require('./plot');

const ROOT = path.join(__dirname, '..');
const SECTIONS = ['check', 'e2e', 'tfjs', 'phases', 'sweeps', 'eventloop'];
const METHODS = ['sgd', 'dn-sgd', 'sgd-dn'];

const args = common.parseArgs(process.argv.slice(2));
const QUICK = Boolean(args.quick);
const OUT = path.resolve(args.out ?? path.join(__dirname, 'out'));
const only = args.only ? String(args.only).split(',') : SECTIONS;
for (const s of only) {
  if (!SECTIONS.includes(s)) fail(`unknown section '${s}' in --only (known: ${SECTIONS})`);
}
// --from=results.json re-renders the report of a finished run (with its own thread counts).
const FROM = args.from ? common.readJson(path.resolve(String(args.from))) : null;
const THREADS = FROM?.env?.threads ??
  (args.threads ? String(args.threads).split(',').map(Number) : [1, 2]);

// Budgets: the full run is planned for about 10 minutes on 2 cores, --quick for well under 1.
const CFG = QUICK
  ? { stepBudget: 0.05, epochBudget: 0.05, minReps: 2, maxReps: 2, minSteps: 3,
    warmupSteps: 2, maxSteps: 400, settle: 0.01, phaseBudget: 0.03, loopSeconds: 0.6,
    idleSeconds: 0.3, rowCap: 2000, rounds: 1, heavyStep: 0.25 }
  : { stepBudget: 0.4, epochBudget: 1.5, minReps: 3, maxReps: 15, minSteps: 5,
    warmupSteps: 3, maxSteps: 4000, settle: 0.15, phaseBudget: 0.25, loopSeconds: 5,
    idleSeconds: 1, rowCap: Infinity, rounds: 3, heavyStep: 0.25 };
const JOB_TIMEOUT = QUICK ? 60 : 900;

function fail(msg) {
  process.stderr.write(`bench: ${msg}\n`);
  process.exit(1);
}

const log = (s = '') => process.stdout.write(`${s}\n`);
const sleep = (s) => new Promise((r) => setTimeout(r, s * 1000));
const loadavg = () => os.loadavg().map((v) => Number(v.toFixed(2)));
const skipped = [];
function skip(what, why) {
  skipped.push({ what, why });
  log(`skipped: ${what}: ${why}`);
}

// ----------------------------------------------------------------------------------------------
// Child processes that serve jobs: one JSON line in, one '@@result ' line out.

class Runner {
  constructor(name, cmd, argv, env) {
    this.name = name;
    this.dead = null;
    this.waiting = [];
    this.stderr = '';
    this.child = spawn(cmd, argv, { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let buf = '';
    this.child.stdout.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.startsWith('@@result ')) this.deliver(JSON.parse(line.slice(9)));
      }
    });
    this.child.stderr.on('data', (d) => { this.stderr = (this.stderr + d).slice(-4000); });
    this.child.on('error', (e) => this.die(`${cmd}: ${e.message}`));
    this.child.on('exit', (code, sig) => this.die(`exited with ${sig ?? code}`));
  }

  deliver(msg) {
    const w = this.waiting.shift();
    if (w) w.resolve(msg);
  }

  die(why) {
    if (this.dead) return;
    const tail = this.stderr.trim().split('\n').slice(-3).join(' | ');
    this.dead = tail ? `${why}: ${tail}` : why;
    for (const w of this.waiting.splice(0)) w.reject(new Error(this.dead));
  }

  next(timeout) {
    if (this.dead) return Promise.reject(new Error(this.dead));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.die(`no answer within ${timeout} s`);
        this.child.kill('SIGKILL');
      }, timeout * 1000);
      const done = (f) => (v) => { clearTimeout(timer); f(v); };
      this.waiting.push({ resolve: done(resolve), reject: done(reject) });
    });
  }

  async run(job) {
    const p = this.next(JOB_TIMEOUT);
    this.child.stdin.write(`${JSON.stringify(job)}\n`);
    try {
      return await p;
    } catch (e) {
      return { ok: false, id: job.id, error: e.message };
    }
  }

  async close() {
    if (this.dead) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.stdin.end();
    const t = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  }
}

async function startRunner(name, cmd, argv, env, timeout = 120) {
  const r = new Runner(name, cmd, argv, env);
  try {
    const hello = await r.next(timeout);
    if (!hello.ready) {
      await r.close();
      return { error: hello.reason ?? 'not ready' };
    }
    return { runner: r, hello };
  } catch (e) {
    return { error: e.message };
  }
}

/** The first answer of a process that answers once and exits (the --probe modes). */
async function probeOnce(name, cmd, argv, env) {
  const r = new Runner(name, cmd, argv, env);
  try {
    return await r.next(120);
  } catch {
    return null;
  } finally {
    await r.close();
  }
}

function systemPython() {
  if (args.python) return String(args.python);
  if (process.env.DNSGD_BENCH_PYTHON) return process.env.DNSGD_BENCH_PYTHON;
  // The interpreter on the default PATH sees the distribution's packages (python3-torch);
  // one earlier on PATH (pyenv, a virtualenv) may not.
  try {
    const p = execFileSync('sh', ['-c', 'command -v -p python3'], { encoding: 'utf8' }).trim();
    if (p) return p;
  } catch {
    // fall through
  }
  return 'python3';
}

// OpenBLAS reads these at load time; the environment here sets them to values that hold its
// kernels back, so the PyTorch peer runs without them (dnsgd does not read them).
const OPENBLAS_OVERRIDES = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'];
// PyTorch's OpenMP workers spin while they wait for work. On a 2-core machine that anything
// else is using, its 2-thread steps then ran 10-60x slower than its 1-thread ones (measured
// here); passive waiting keeps them within a few percent, so the peer gets it unless the
// caller chose a policy (or passed --torch-omp-active).
function torchEnv() {
  const env = { ...process.env };
  for (const k of OPENBLAS_OVERRIDES) delete env[k];
  if (env.OMP_WAIT_POLICY === undefined && !args['torch-omp-active']) {
    env.OMP_WAIT_POLICY = 'PASSIVE';
  }
  return env;
}

// ----------------------------------------------------------------------------------------------
// The machine and the versions.

function cpuInfo() {
  const info = { model: 'unknown', vendor: 'unknown', cores: os.cpus().length };
  try {
    const text = fs.readFileSync('/proc/cpuinfo', 'utf8');
    const field = (k) => (text.match(new RegExp(`^${k}\\s*:\\s*(.*)$`, 'm')) ?? [])[1];
    info.model = field('model name') ?? info.model;
    info.vendor = field('vendor_id') ?? info.vendor;
    info.family = field('cpu family');
    info.modelNumber = field('model');
    info.mhz = field('cpu MHz');
    const flags = (field('flags') ?? '').split(' ');
    info.simd = ['avx2', 'fma', 'avx512f', 'avx512dq', 'avx512vl', 'amx_tile']
      .filter((f) => flags.includes(f));
    info.hypervisor = flags.includes('hypervisor');
    info.cores = (text.match(/^processor\s*:/gm) ?? []).length || info.cores;
  } catch {
    // not Linux: os.cpus() is what there is
    info.model = os.cpus()[0]?.model ?? info.model;
  }
  return info;
}

function gitInfo() {
  const git = (...a) => execFileSync('git', a, { cwd: ROOT, encoding: 'utf8' }).trim();
  try {
    const dirty = git('status', '--porcelain', '--', 'native', 'lib', 'binding.gyp');
    return { commit: git('rev-parse', '--short', 'HEAD'),
      dirty: dirty ? dirty.split('\n').length : 0 };
  } catch {
    return { commit: 'unknown', dirty: 0 };
  }
}

function addonInfo() {
  const override = process.env.DNSGD_ADDON;
  if (override) {
    const f = path.resolve(override);
    const built = fs.existsSync(f) ? fs.statSync(f).mtime.toISOString() : undefined;
    return { file: `${f} (DNSGD_ADDON)`, built };
  }
  for (const p of ['build/Release/dnsgd.node', 'build-cmake/Release/dnsgd.node']) {
    const f = path.join(ROOT, p);
    if (fs.existsSync(f)) return { file: p, built: fs.statSync(f).mtime.toISOString() };
  }
  return { file: 'unknown' };
}

// ----------------------------------------------------------------------------------------------
// Jobs.

function jobFor(kind, shape, method, extra = {}) {
  const rows = Math.min(shape.rows, Math.max(CFG.rowCap, 2 * shape.batch));
  return {
    kind, layers: shape.layers, output: shape.output, activation: 'sigmoid', method,
    lr: shape.lr, alpha: shape.alpha, batch: shape.batch, rows, seed: 1,
    warmupSteps: CFG.warmupSteps, minSteps: CFG.minSteps, maxSteps: CFG.maxSteps,
    budget: CFG.stepBudget, epochBudget: CFG.epochBudget, minReps: CFG.minReps,
    maxReps: CFG.maxReps, ...extra,
  };
}

const runners = { dnsgd: {}, torch: {}, tfjs: null };
let lastRunner = null;
async function runOn(runner, job) {
  if (!runner) return null;
  // Let the previous library's worker threads go idle (OpenBLAS spins a while after a call).
  if (lastRunner && lastRunner !== runner) await sleep(CFG.settle);
  lastRunner = runner;
  const load = loadavg()[0];
  const r = await runner.run(job);
  r.load1 = load;
  return r;
}

function line(parts) {
  return parts.map((p) => String(p)).join('  ');
}

// ----------------------------------------------------------------------------------------------
// Sections.

const CHECK_CASES = [
  { name: 'house-prices, one step', layers: [288, 5, 1], output: 'linear', batch: 50,
    rows: 50, epochs: 1, alpha: 0, lr: 0.01 },
  { name: 'shot-selection, one step', layers: [228, 6, 2], output: 'softmax', batch: 200,
    rows: 200, epochs: 1, alpha: 0.01, lr: 0.01 },
  { name: 'letter, one step', layers: [16, 32, 26], output: 'softmax', batch: 200, rows: 200,
    epochs: 1, alpha: 0, lr: 0.01 },
  { name: 'two hidden, 3 outputs, one step', layers: [20, 12, 8, 3], output: 'linear',
    batch: 64, rows: 64, epochs: 1, alpha: 0, lr: 0.05 },
  { name: 'letter, 3 epochs', layers: [16, 32, 26], output: 'softmax', batch: 200, rows: 2000,
    epochs: 3, alpha: 0, lr: 0.1 },
  { name: 'house-prices, 3 epochs', layers: [288, 5, 1], output: 'linear', batch: 50,
    rows: 1361, epochs: 3, alpha: 0, lr: 0.01 },
];

// A copy, not a view: a small file's Buffer may sit at any offset of a shared pool.
function readFloat64(file) {
  const b = fs.readFileSync(file);
  const a = new Float64Array(b.length / 8);
  Buffer.from(a.buffer).set(b);
  return a;
}

async function sectionCheck(results) {
  log('\n== cross-check: PyTorch peer against dnsgd, same initial parameters and data ==');
  if (!runners.torch[1]) return skip('cross-check', 'PyTorch peer not available');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dnsgd-bench-'));
  const cases = QUICK ? [CHECK_CASES[0], CHECK_CASES[2]] : CHECK_CASES;
  try {
    for (const c of cases) {
      // The peer factors densely; dnsgd is checked with the same solver, and its default
      // (which takes conjugate gradients for the larger softmax systems) beside it.
      const variants = METHODS.flatMap((m) => (m !== 'sgd' && c.output === 'softmax'
        ? [[m, 'dense'], [m, 'auto']] : [[m, m === 'sgd' ? undefined : 'dense']]));
      for (const [method, solver] of variants) {
        const base = `${c.name.replace(/\W+/g, '-')}-${method}-${solver ?? 'none'}`;
        const f = (n) => path.join(dir, `${base}-${n}.bin`);
        const job = { ...c, method, solver, activation: 'sigmoid', seed: 3, params: f('p0'),
          x: f('x'), y: f('y') };
        const a = await runOn(runners.dnsgd[1], { ...job, id: `export:${base}`, kind: 'export',
          outParams: f('dnsgd') });
        if (!a.ok) {
          results.check.push({ case: c.name, method, solver, error: a.error });
          continue;
        }
        const b = await runOn(runners.torch[1], { ...job, id: `check:${base}`, kind: 'check',
          outParams: f('torch') });
        if (!b.ok) {
          results.check.push({ case: c.name, method, solver, error: b.error });
          continue;
        }
        const [p0, p1, p2] = ['p0', 'dnsgd', 'torch'].map((n) => readFloat64(f(n)));
        let dmax = 0, scale = 0, moved = 0;
        for (let i = 0; i < p1.length; i++) {
          dmax = Math.max(dmax, Math.abs(p1[i] - p2[i]));
          scale = Math.max(scale, Math.abs(p1[i]));
          moved = Math.max(moved, Math.abs(p1[i] - p0[i]));
        }
        let lossRel = 0;
        a.stepLosses.forEach((l, i) => {
          lossRel = Math.max(lossRel, Math.abs(l - b.stepLosses[i]) / Math.abs(l));
        });
        const steps = a.stepLosses.length;
        const rel = dmax / scale;
        // CG stops at a relative residual of 1e-12: documented to agree to 1e-8.
        const tol = solver === 'auto' || steps > 1 ? 1e-8 : 1e-10;
        const r = { case: c.name, method, solver: solver ?? '', cgIters: a.cgIters, steps,
          maxAbsDiff: dmax, relDiff: rel, moved,
          lossRelDiff: lossRel, firstLoss: a.stepLosses[0], lastLoss: a.stepLosses[steps - 1],
          torchLastLoss: b.stepLosses[steps - 1], agree: rel < tol && lossRel < tol, tol };
        results.check.push(r);
        log(line([`${c.name.padEnd(32)} ${method.padEnd(6)} ${(solver ?? '').padEnd(5)}`,
          `steps ${steps}`,
          `max|dtheta| ${dmax.toExponential(2)} (rel ${rel.toExponential(2)},`,
          `step moved ${moved.toExponential(2)})`, `loss rel ${lossRel.toExponential(2)}`,
          r.agree ? 'agree' : 'DISAGREE']));
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function e2eShapes() {
  let shapes = [...common.PAPER_SHAPES, ...common.LARGE_SHAPES, common.LETTER_SHAPE];
  if (QUICK) shapes = shapes.filter((s) => ['house-prices', 'shot-selection', 'letter']
    .includes(s.name));
  if (args.shapes) {
    const names = String(args.shapes).split(',');
    shapes = shapes.filter((s) => names.includes(s.name));
  }
  return shapes;
}

// Every configuration is measured in ROUNDS passes, the methods and libraries interleaved
// within each pass, and the samples of all passes pooled: a burst of load from elsewhere on
// the machine then lands on every method alike instead of skewing one ratio.
async function sectionE2E(results) {
  log('\n== per-step (Optimizer.step) and per-epoch (Trainer.fitSync) times ==');
  const rounds = CFG.rounds;
  const per = { budget: CFG.stepBudget / rounds, epochBudget: CFG.epochBudget / rounds,
    minReps: Math.max(1, Math.ceil(CFG.minReps / rounds)),
    maxReps: Math.max(1, Math.ceil(CFG.maxReps / rounds)),
    minSteps: Math.max(1, Math.ceil(CFG.minSteps / rounds)), fewSteps: 1 };
  for (const shape of e2eShapes()) {
    for (const threads of THREADS) {
      const acc = new Map();
      const slot = (lib, method) => {
        const k = `${lib}|${method}`;
        if (!acc.has(k)) {
          acc.set(k, { step: [], epoch: [], fitStep: [], dense: [], errors: [], stepCpu: [],
            epochCpu: [], denseCpu: [], cg: [] });
        }
        return acc.get(k);
      };
      for (let round = 0; round < rounds; round++) {
        for (const method of METHODS) {
          for (const lib of ['dnsgd', 'torch']) {
            const runner = runners[lib][threads];
            if (!runner) continue;
            const a = slot(lib, method);
            // Steps dearer than this are far above any noise of the machine: one round does.
            if (round > 0 && common.summary(a.step)?.median > CFG.heavyStep) continue;
            const tag = `${shape.name}:${method}:${threads}t:r${round + 1}`;
            const st = await runOn(runner, jobFor('step', shape, method,
              { ...per, id: `${lib}:step:${tag}` }));
            // A step too dear for more rounds gets all its measured epochs in this one.
            const heavy = st.ok && common.summary(st.samples)?.median > CFG.heavyStep;
            const ep = await runOn(runner, jobFor('epoch', shape, method,
              { ...per, id: `${lib}:epoch:${tag}`, ...(heavy ? { minReps: CFG.minReps } : {}) }));
            for (const r of [st, ep]) if (!r.ok) a.errors.push(r.error);
            if (st.ok) {
              a.step.push(...st.samples);
              a.stepCpu.push(st.cpuPerWall);
              if (st.cgIters !== undefined) a.cg.push(st.cgIters);
            }
            if (ep.ok) {
              a.epoch.push(...ep.epochSeconds);
              a.fitStep.push(...ep.fitStepSamples);
              a.epochCpu.push(ep.cpuPerWall);
              a.steps = ep.steps;
              a.trainLoss = ep.trainLoss;
            }
            a.load1 = a.load1 ?? st.load1;
            // Where dnsgd's default took conjugate gradients, its dense solver too: the same
            // algorithm as the PyTorch peer.
            if (lib === 'dnsgd' && st.ok && st.cgIters > 0) {
              const d = await runOn(runner, jobFor('step', shape, method,
                { ...per, id: `${lib}:step-dense:${tag}`, solver: 'dense' }));
              if (d.ok) {
                a.dense.push(...d.samples);
                a.denseCpu.push(d.cpuPerWall);
              } else {
                a.errors.push(d.error);
              }
            }
          }
        }
      }
      const mean = (v) => (v.length ? v.reduce((x, y) => x + y, 0) / v.length : undefined);
      for (const method of METHODS) {
        for (const lib of ['dnsgd', 'torch']) {
          const a = acc.get(`${lib}|${method}`);
          if (!a) continue;
          const rec = { lib, shape: shape.name, layers: shape.layers, output: shape.output,
            batch: shape.batch, method, threads, rows: jobFor('epoch', shape, method).rows,
            step: common.summary(a.step), stepCpu: mean(a.stepCpu),
            epoch: common.summary(a.epoch), epochCpu: mean(a.epochCpu),
            fitStep: common.summary(a.fitStep), steps: a.steps, trainLoss: a.trainLoss,
            load1: a.load1, cgIters: mean(a.cg), denseStep: common.summary(a.dense),
            denseCpu: mean(a.denseCpu), rounds,
            error: a.errors.length ? [...new Set(a.errors)].join('; ') : undefined };
          results.e2e.push(rec);
          const last = rec.trainLoss ? rec.trainLoss[rec.trainLoss.length - 1] : NaN;
          log(line([`${lib.padEnd(5)} ${common.shapeLabel(shape).padEnd(18)} b${shape.batch}`,
            method.padEnd(6), `${threads}t`, `step ${common.fmtTime(rec.step?.median)}`,
            `epoch ${common.fmtTime(rec.epoch?.median)} (${rec.steps ?? '?'} steps, ` +
              `${rec.epoch?.n ?? 0} epochs)`, `loss ${last.toPrecision(4)}`,
            rec.cgIters ? `(CG, ${rec.cgIters.toFixed(1)} iterations; dense step ` +
              `${common.fmtTime(rec.denseStep?.median)})` : '',
            rec.error ? `FAILED: ${rec.error}` : '']));
        }
      }
    }
  }
}

async function sectionTfjs(results) {
  log('\n== TensorFlow.js (cpu backend, float32) SGD per step ==');
  if (!runners.tfjs) return skip('TensorFlow.js SGD', runners.tfjsWhy ?? 'not available');
  for (const shape of e2eShapes()) {
    const r = await runOn(runners.tfjs, jobFor('step', shape, 'sgd',
      { id: `tfjs:step:${shape.name}` }));
    results.tfjs.push({ shape: shape.name, layers: shape.layers, batch: shape.batch,
      step: r.ok ? r.step : null, firstLoss: r.firstLoss, lastLoss: r.lastLoss,
      error: r.ok ? undefined : r.error });
    log(line([`tfjs  ${common.shapeLabel(shape).padEnd(18)} b${shape.batch}`, 'sgd   ',
      `step ${common.fmtTime(r.step?.median)}`, r.ok ? '' : `FAILED: ${r.error}`]));
  }
}

async function sectionPhases(results) {
  log('\n== where a step goes: forward, backward, Hessian (one batch) ==');
  for (const shape of e2eShapes()) {
    for (const threads of THREADS) {
      const rec = { shape: shape.name, layers: shape.layers, batch: shape.batch, threads,
        newtonSize: common.newtonSize(shape) };
      const job = jobFor('phases', shape, 'dn-sgd', { budget: CFG.phaseBudget });
      if (runners.dnsgd[threads]) {
        const r = await runOn(runners.dnsgd[threads],
          { ...job, id: `dnsgd:phases:${shape.name}:${threads}t` });
        rec.dnsgd = r.ok ? r : { error: r.error };
      }
      if (runners.torch[threads]) {
        const r = await runOn(runners.torch[threads],
          { ...job, id: `torch:phases:${shape.name}:${threads}t` });
        rec.torch = r.ok ? r : { error: r.error };
      }
      results.phases.push(rec);
      const d = rec.dnsgd ?? {}, t = rec.torch;
      log(line([`${common.shapeLabel(shape).padEnd(18)} ${threads}t`,
        `dnsgd fwd ${common.fmtTime(d.forward?.median)}`,
        `fwd+bwd ${common.fmtTime(d.forwardBackward?.median)}`,
        `fwd+dense H ${common.fmtTime(d.forwardHessian?.median)}`,
        ...(t ? [`| torch fwd ${common.fmtTime(t.forward?.median)}`,
          `fwd+bwd ${common.fmtTime(t.forwardBackward?.median)}`,
          `newton ${common.fmtTime(t.newton?.median)}`] : [])]));
    }
  }
}

function sweepDefs() {
  const L = common.LETTER_SHAPE;
  const q = (full, quick) => (QUICK ? quick : full);
  return [
    { key: 'batch', title: 'Time per step vs batch size', dense: true,
      subtitle: `${common.shapeLabel(L)} sigmoid, softmax (K(d+1) = ${common.newtonSize(L)})`,
      xLabel: 'batch size N', x: (p) => p.batch,
      points: q([25, 50, 100, 200, 400, 800, 1600, 3200], [50, 200, 800])
        .map((b) => ({ ...L, batch: b, rows: 4 * b })) },
    { key: 'width', title: 'Time per step vs hidden width',
      subtitle: '(64, h, 1) sigmoid, MSE, batch 256 (Newton system h+1)',
      xLabel: 'hidden width h', x: (p) => p.layers[1],
      points: q([8, 16, 32, 64, 128, 256, 512, 1024, 2048], [8, 64, 512])
        .map((h) => ({ name: `w${h}`, layers: [64, h, 1], output: 'linear', batch: 256,
          rows: 1024, alpha: 0, lr: 0.01 })) },
    { key: 'newton-size', title: 'Time per step vs K(d+1), softmax', dense: true,
      subtitle: '(32, d, 10) sigmoid, softmax, batch 256; d varies',
      xLabel: 'Newton system size K(d+1)', x: (p) => common.newtonSize(p),
      points: q([4, 9, 19, 49, 99, 199, 299], [4, 19, 99])
        .map((d) => ({ name: `d${d}`, layers: [32, d, 10], output: 'softmax', batch: 256,
          rows: 1024, alpha: 0, lr: 0.01 })) },
  ];
}

// The lines of every sweep: dnsgd's default and PyTorch's dense DN-SGD on each thread count,
// dnsgd's dense solver where a softmax sweep lets its default take CG, and SGD for reference.
function sweepLines(def) {
  const threads = QUICK ? [THREADS[0]] : THREADS;
  const lines = [];
  for (const t of threads) {
    lines.push({ lib: 'dnsgd', method: 'dn-sgd', threads: t,
      color: ['#1f77b4', '#2ca02c'][t - 1] });
    lines.push({ lib: 'torch', method: 'dn-sgd', threads: t, dashed: true,
      color: ['#d62728', '#ff7f0e'][t - 1] });
  }
  if (def.dense) {
    lines.push({ lib: 'dnsgd', method: 'dn-sgd', solver: 'dense', threads: threads[0],
      color: '#9467bd' });
  }
  lines.push({ lib: 'dnsgd', method: 'sgd', threads: threads[0], dashed: true, color: '#7f7f7f' });
  return lines.map((l) => ({ ...l, key: `${l.lib}|${l.method}|${l.solver ?? ''}|${l.threads}`,
    name: `${l.lib} ${l.method.toUpperCase()}${l.solver ? ` (${l.solver})` : ''}, ` +
      `${l.threads} thread${l.threads > 1 ? 's' : ''}` }));
}

async function sectionSweeps(results) {
  log('\n== scaling sweeps: time per step (Optimizer.step) ==');
  for (const def of sweepDefs()) {
    const rows = [];
    const lines = sweepLines(def);
    for (const p of def.points) {
      for (const ln of lines) {
        const runner = runners[ln.lib][ln.threads];
        if (!runner) continue;
        const r = await runOn(runner, jobFor('step', p, ln.method,
          { id: `${ln.lib}:sweep-${def.key}:${def.x(p)}:${ln.key}`, solver: ln.solver,
            minSteps: 3, warmupSteps: 2 }));
        rows.push({ x: def.x(p), layers: p.layers, batch: p.batch, line: ln.name, key: ln.key,
          lib: ln.lib, method: ln.method, solver: ln.solver, threads: ln.threads,
          cgIters: r.cgIters, step: r.ok ? r.step : null, error: r.ok ? undefined : r.error });
      }
      const here = rows.filter((r) => r.x === def.x(p));
      log(line([`${def.key.padEnd(11)} x=${String(def.x(p)).padEnd(5)}`,
        ...here.map((r) => `${r.lib}/${r.method}${r.solver ? `/${r.solver}` : ''}/` +
          `${r.threads}t ${common.fmtTime(r.step?.median)}`)]));
    }
    const series = lines.filter((ln) => rows.some((r) => r.key === ln.key)).map((ln) => ({
      name: ln.name, dashed: ln.dashed, color: ln.color,
      points: rows.filter((r) => r.key === ln.key && r.step).map((r) => [r.x, r.step.median]),
    }));
    results.sweeps.push({ key: def.key, title: def.title, rows,
      plot: { title: def.title, subtitle: def.subtitle, xLabel: def.xLabel,
        yLabel: 'median time per step', logX: true, logY: true, yTime: true, series } });
  }
}

async function sectionEventLoop(results) {
  log('\n== event-loop delay during an async fit() (10 ms interval timer) ==');
  const cases = [
    { ...common.LETTER_SHAPE, method: 'dn-sgd', rows: QUICK ? 1000 : 16000 },
    { ...common.LARGE_SHAPES[0], method: 'sgd', rows: QUICK ? 1280 : 12800 },
  ];
  for (const c of cases) {
    for (const threads of THREADS) {
      if (!runners.dnsgd[threads]) continue;
      const r = await runOn(runners.dnsgd[threads], jobFor('eventloop', c, c.method,
        { id: `dnsgd:eventloop:${c.name}:${c.method}:${threads}t`, rows: c.rows,
          fitSeconds: CFG.loopSeconds, idleSeconds: CFG.idleSeconds }));
      results.eventloop.push({ shape: c.name, layers: c.layers, batch: c.batch,
        method: c.method, threads, ...(r.ok ? { idle: r.idle, fit: r.fit, epochs: r.epochs,
          steps: r.steps } : { error: r.error }) });
      log(line([`${common.shapeLabel(c).padEnd(14)} ${c.method.padEnd(6)} ${threads}t`,
        r.ok ? `fit ${common.fmtTime(r.fit.wall)}, ${r.fit.ticks} ticks: lateness p99 ` +
          `${common.fmtTime(r.fit.p99)} max ${common.fmtTime(r.fit.max)} (idle loop: p99 ` +
          `${common.fmtTime(r.idle.p99)} max ${common.fmtTime(r.idle.max)})`
          : `FAILED: ${r.error}`]));
    }
  }
}

// ----------------------------------------------------------------------------------------------
// The report.

const T = common.fmtTime, R = common.fmtRatio;

function find(results, lib, shape, method, threads) {
  return results.e2e.find((r) => r.lib === lib && r.shape === shape && r.method === method &&
    r.threads === threads);
}

function ratio(a, b) {
  return a && b ? a / b : NaN;
}

// 1-thread jobs that got well under one core of CPU time shared the machine with something.
function mark(rec, field) {
  const cpu = rec?.[field];
  return rec && rec.threads === 1 && Number.isFinite(cpu) && cpu < 0.85 ? '*' : '';
}

function table(head, rows) {
  const out = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) out.push(`| ${r.join(' | ')} |`);
  return out.join('\n');
}

function report(results) {
  const env = results.env;
  const md = [];
  const shapes = e2eShapes().filter((s) => results.e2e.some((r) => r.shape === s.name));
  const hasTorch = results.e2e.some((r) => r.lib === 'torch');
  md.push('## Setup', '');
  md.push(table(['what', 'value'], [
    ['date', env.date],
    ['command', `\`${env.command}\``],
    ['CPU (/proc/cpuinfo)', `${env.cpu.model} (${env.cpu.vendor}, family ${env.cpu.family} ` +
      `model ${env.cpu.modelNumber}), ${env.cpu.cores} logical CPUs` +
      `${env.cpu.hypervisor ? ', virtual machine' : ''}; SIMD: ${env.cpu.simd.join(', ')}`],
    ['load average (1, 5, 15 min) at start / end', `${env.loadStart.join(', ')} / ` +
      `${(env.loadEnd ?? []).join(', ')}`],
    ['Node.js', `${env.node} (V8 ${env.v8}), ${env.platform}`],
    ['dnsgd', `${env.dnsgd.version}, commit ${env.git.commit}` +
      `${env.git.dirty ? ` + ${env.git.dirty} uncommitted file(s) in native/ or lib/` : ''}; ` +
      `addon ${env.addon.file} built ${env.addon.built ?? '?'}; gemm kernels: ${env.dnsgd.isa}`],
    ['dnsgd threads', `${THREADS.join(' and ')} (Trainer/Optimizer \`threads\` option and ` +
      'DNSGD_THREADS)'],
    ['PyTorch', env.torch ? `${env.torch.torch}, Python ${env.torch.python}, float64; ` +
      `threads as listed (torch.set_num_threads and openblas_set_num_threads)` :
      `skipped: ${env.torchWhy}`],
    ['BLAS under PyTorch', env.torch?.blas?.openblas ? `${env.torch.blas.openblas.config}; ` +
      `kernel (openblas_get_corename): **${env.torch.blas.openblas.corename}**; ` +
      `run with ${OPENBLAS_OVERRIDES.join(' and ')} unset ` +
      `(set in this environment: ${env.openblasOverridesSet.join(', ') || 'neither'}), ` +
      `OMP_WAIT_POLICY=${torchEnv().OMP_WAIT_POLICY ?? '(unset)'}` :
      (env.torch ? `${(env.torch.blas?.libraries ?? []).join(', ') || 'unknown'}` : 'n/a')],
    ['TensorFlow.js', env.tfjs ? `${env.tfjs.version}, backend '${env.tfjs.backend}' ` +
      '(pure JavaScript, one thread), **float32**' : `skipped: ${env.tfjsWhy}`],
    ['run time', `${results.seconds?.toFixed(0)} s${QUICK ? ' (--quick)' : ''}: ` +
      Object.entries(results.sectionSeconds).map(([k, v]) => `${k} ${v.toFixed(0)} s`)
        .join(', ')],
  ]), '');
  md.push('Times are medians. `*` marks a one-thread figure whose job got less than 0.85 ' +
    'CPU-seconds per second (it shared the cores with something else on the machine).', '');

  {
    // One line per shape at the first thread count: the figures the other tables detail.
    const t = THREADS[0];
    md.push(`## Summary (${t} thread${t > 1 ? 's' : ''}, median per step unless said)`, '');
    const head = ['shape', 'batch', 'K(d+1)', 'dnsgd SGD', 'dnsgd DN-SGD'];
    if (hasTorch) {
      head.push('torch DN-SGD', 'torch / dnsgd, DN-SGD', 'torch / dnsgd, DN-SGD, both dense',
        'torch / dnsgd, SGD');
    }
    if (results.tfjs.length) head.push('tfjs / dnsgd, SGD');
    head.push('Newton-half price, dnsgd (epochs)');
    if (hasTorch) head.push('Newton-half price, torch (epochs)');
    md.push(table(head, shapes.map((s) => {
      const d = (m) => find(results, 'dnsgd', s.name, m, t);
      const p = (m) => find(results, 'torch', s.name, m, t);
      const row = [common.shapeLabel(s), s.batch, common.newtonSize(s), T(d('sgd')?.step?.median),
        T(d('dn-sgd')?.step?.median)];
      if (hasTorch) {
        // dnsgd's default is the dense solver wherever it did not take CG.
        const dense = d('dn-sgd')?.denseStep?.median ?? d('dn-sgd')?.step?.median;
        row.push(T(p('dn-sgd')?.step?.median),
          R(ratio(p('dn-sgd')?.step?.median, d('dn-sgd')?.step?.median)),
          R(ratio(p('dn-sgd')?.step?.median, dense)),
          R(ratio(p('sgd')?.step?.median, d('sgd')?.step?.median)));
      }
      if (results.tfjs.length) {
        const x = results.tfjs.find((q) => q.shape === s.name);
        row.push(R(ratio(x?.step?.median, d('sgd')?.step?.median)));
      }
      row.push(R(ratio(d('dn-sgd')?.epoch?.median, d('sgd')?.epoch?.median)));
      if (hasTorch) row.push(R(ratio(p('dn-sgd')?.epoch?.median, p('sgd')?.epoch?.median)));
      return row;
    })), '');
    const loop = results.eventloop.filter((e) => !e.error);
    if (loop.length) {
      md.push('Event loop during `await fit()`: p99 / max lateness of a 10 ms timer ' +
        loop.map((e) => `${common.shapeLabel(e)} ${e.method} ${e.threads}t ` +
          `${T(e.fit.p99)} / ${T(e.fit.max)}`).join('; ') + '.', '');
    }
  }

  if (results.check.length) {
    md.push('## Cross-check: PyTorch peer vs dnsgd (same initial parameters and data)', '');
    md.push('dnsgd writes its initial parameters and data; the peer loads them, takes the ' +
      'same steps (no shuffling) and writes its parameters back. Solver: dnsgd\'s Newton ' +
      'solver (the peer is always dense); "auto" is dnsgd\'s default, conjugate gradients ' +
      'where they are cheaper (CG iterations in brackets).', '');
    md.push(table(['case', 'method', 'solver', 'steps', 'max abs diff of parameters',
      'relative to max abs parameter', 'parameter change of the run', 'max rel diff of losses',
      'result'], results.check.map((c) => c.error ? [c.case, c.method, c.solver ?? '', '', '',
      '', '', '', `error: ${c.error}`] : [c.case, c.method,
      `${c.solver}${c.cgIters ? ` (${c.cgIters})` : ''}`, c.steps, c.maxAbsDiff.toExponential(2),
      c.relDiff.toExponential(2), c.moved.toExponential(2), c.lossRelDiff.toExponential(2),
      c.agree ? `agree (< ${c.tol})` : 'DISAGREE'])), '');
  }

  const e2eTable = (field, cpuField, title, note) => {
    md.push(`## ${title}`, '', note, '');
    const head = ['shape', 'batch', 'loss', 'method'];
    for (const t of THREADS) head.push(`dnsgd ${t}t`);
    if (hasTorch) {
      for (const t of THREADS) head.push(`torch ${t}t`);
      for (const t of THREADS) head.push(`torch / dnsgd ${t}t`);
    }
    const rows = [];
    for (const s of shapes) {
      for (const m of METHODS) {
        const row = [common.shapeLabel(s), s.batch, s.output === 'linear' ? 'MSE' : 'CE', m];
        for (const t of THREADS) {
          const r = find(results, 'dnsgd', s.name, m, t);
          row.push(`${T(r?.[field]?.median)}${mark(r, cpuField)}`);
        }
        if (hasTorch) {
          for (const t of THREADS) {
            const r = find(results, 'torch', s.name, m, t);
            row.push(`${T(r?.[field]?.median)}${mark(r, cpuField)}`);
          }
          for (const t of THREADS) {
            const a = find(results, 'dnsgd', s.name, m, t);
            const b = find(results, 'torch', s.name, m, t);
            row.push(R(ratio(b?.[field]?.median, a?.[field]?.median)));
          }
        }
        rows.push(row);
      }
    }
    md.push(table(head, rows), '');
  };
  e2eTable('step', 'stepCpu', 'Per step: `opt.step(net, x, y)`',
    'One call per mini-batch from JavaScript on fixed batches (no gathering). PyTorch: one ' +
    'call of the same step function in Python. A ratio above 1 means dnsgd is faster.');
  e2eTable('epoch', 'epochCpu', 'Per epoch: `Trainer.fitSync`',
    'Whole shuffled epochs (the loop, shuffling and batch gathering in C++ for dnsgd; ' +
    'torch.randperm and index_select for PyTorch), median over the measured epochs after ' +
    'a warm-up. Rows per epoch:\n' + shapes.map((s) => {
      const r = results.e2e.find((x) => x.shape === s.name);
      return `${s.name} ${r?.rows} rows (${r?.steps} steps)`;
    }).join(', ') + '.');

  {
    const t = THREADS[0];
    md.push(`## dnsgd call path: \`opt.step\` vs a step inside \`fitSync\` (${t} thread)`, '');
    md.push('Median time of one step either way. `opt.step` adds the JavaScript call and the ' +
      'argument checks (the finite check of x and y among them); a step in `fitSync` adds ' +
      'the gathering of its shuffled rows into a batch.', '');
    md.push(table(['shape', 'batch', 'method', 'opt.step', 'step in fitSync',
      'opt.step - fitSync step'], shapes.flatMap((s) => METHODS.map((m) => {
      const r = find(results, 'dnsgd', s.name, m, t);
      const a = r?.step?.median, b = r?.fitStep?.median;
      return [common.shapeLabel(s), s.batch, m, T(a), T(b),
        Number.isFinite(a - b) ? `${a - b < 0 ? '-' : ''}${T(Math.abs(a - b))}` : 'n/a'];
    }))), '');
  }

  const cgRows = results.e2e.filter((r) => r.lib === 'dnsgd' && r.cgIters > 0);
  if (cgRows.length) {
    md.push('## Newton solver: dnsgd default (conjugate gradients) vs dense, per step', '');
    md.push('For these softmax rows dnsgd\'s default solver took CG (mean iterations per ' +
      'step shown). "dense" forces the Cholesky path, the algorithm the PyTorch peer runs, ' +
      'so torch / dnsgd dense compares implementations of one algorithm.', '');
    const head = ['shape', 'K(d+1)', 'method', 'threads', 'CG iterations', 'dnsgd auto',
      'dnsgd dense'];
    if (hasTorch) head.push('torch (dense)', 'torch / dnsgd dense', 'torch / dnsgd auto');
    md.push(table(head, cgRows.map((r) => {
      const s = shapes.find((q) => q.name === r.shape);
      const t = find(results, 'torch', r.shape, r.method, r.threads);
      const row = [common.shapeLabel(r), common.newtonSize(s), r.method, r.threads,
        r.cgIters.toFixed(1), `${T(r.step?.median)}${mark(r, 'stepCpu')}`,
        `${T(r.denseStep?.median)}${mark(r, 'denseCpu')}`];
      if (hasTorch) row.push(T(t?.step?.median), R(ratio(t?.step?.median, r.denseStep?.median)),
        R(ratio(t?.step?.median, r.step?.median)));
      return row;
    })), '');
  }

  if (results.tfjs.length) {
    md.push('## SGD: dnsgd (float64) vs TensorFlow.js (cpu backend, float32)', '');
    md.push('TensorFlow.js runs `optimizer.minimize` on tensors made before timing; its CPU ' +
      'backend is single-threaded JavaScript, in float32, so it does half the bytes of work ' +
      'per number. A ratio above 1 means dnsgd is faster.', '');
    const head = ['shape', 'batch', 'tfjs', ...THREADS.map((t) => `dnsgd ${t}t`),
      ...THREADS.map((t) => `tfjs / dnsgd ${t}t`)];
    md.push(table(head, results.tfjs.map((x) => {
      const d = THREADS.map((t) => find(results, 'dnsgd', x.shape, 'sgd', t));
      return [common.shapeLabel(x), x.batch, x.error ? `error: ${x.error}` : T(x.step?.median),
        ...d.map((r) => `${T(r?.step?.median)}${mark(r, 'stepCpu')}`),
        ...d.map((r) => R(ratio(x.step?.median, r?.step?.median)))];
    })), '');
  }

  md.push('## The price of the Newton half: epoch time of DN-SGD (and SGD-DN) / SGD', '');
  md.push('From the per-epoch table: the ratio of the medians, and in brackets that of the ' +
    'fastest epochs (the least disturbed by anything else running; where the two differ ' +
    'much, the machine was busy). docs/method.md reports 1.6-4.3x for PyTorch on the paper\'s ' +
    'shapes and 85x on the letter shape.', '');
  {
    const head = ['shape', 'K(d+1)'];
    const libs = hasTorch ? ['dnsgd', 'torch'] : ['dnsgd'];
    for (const lib of libs) {
      for (const t of THREADS) head.push(`${lib} ${t}t DN-SGD`, `${lib} ${t}t SGD-DN`);
    }
    const rows = [];
    for (const s of shapes) {
      const row = [common.shapeLabel(s), common.newtonSize(s)];
      for (const lib of libs) {
        for (const t of THREADS) {
          const sgd = find(results, lib, s.name, 'sgd', t)?.epoch;
          for (const m of ['dn-sgd', 'sgd-dn']) {
            const e = find(results, lib, s.name, m, t)?.epoch;
            row.push(`${R(ratio(e?.median, sgd?.median))} (${R(ratio(e?.min, sgd?.min))})`);
          }
        }
      }
      rows.push(row);
    }
    md.push(table(head, rows), '');
  }

  if (results.phases.length) {
    md.push('## Where a step goes (one batch, medians)', '');
    md.push('dnsgd: forward = loss only; forward+backward = the full gradient; dense H = ' +
      'forward plus the last layer\'s dense Hessian (the native entry points, output ' +
      'buffers reused; on the training path only where the solver is dense). Newton half = ' +
      'DN-SGD step - SGD step, from the per-step table (the Newton direction and the ' +
      're-forward of the last layer). PyTorch: newton = the whole damped direction ' +
      '(dense Hessian, Cholesky, two triangular solves).', '');
    const head = ['shape', 'batch', 'K(d+1)', 'threads', 'dnsgd fwd', 'fwd+bwd', 'fwd+dense H',
      'SGD step', 'DN-SGD step', 'Newton half'];
    if (hasTorch) head.push('torch fwd', 'fwd+bwd', 'newton', 'SGD step', 'DN-SGD step');
    md.push(table(head, results.phases.map((p) => {
      const d = p.dnsgd ?? {}, t = p.torch ?? {};
      const step = (lib, m) => find(results, lib, p.shape, m, p.threads)?.step?.median;
      const sgd = step('dnsgd', 'sgd'), dn = step('dnsgd', 'dn-sgd');
      const row = [common.shapeLabel(p), p.batch, p.newtonSize, p.threads, T(d.forward?.median),
        T(d.forwardBackward?.median), T(d.forwardHessian?.median), T(sgd), T(dn),
        T(dn - sgd > 0 ? dn - sgd : NaN)];
      if (hasTorch) row.push(T(t.forward?.median), T(t.forwardBackward?.median),
        T(t.newton?.median), T(step('torch', 'sgd')), T(step('torch', 'dn-sgd')));
      return row;
    })), '');
  }

  if (results.sweeps.length) {
    md.push('## Scaling sweeps (per step, `opt.step`)', '');
    for (const sw of results.sweeps) {
      md.push(`### ${sw.title}`, '', `${sw.plot.subtitle}. Plot: \`sweep-${sw.key}.svg\`.`, '');
      const names = [...new Set(sw.rows.map((r) => r.line))];
      const xs = [...new Set(sw.rows.map((r) => r.x))];
      md.push(table([sw.plot.xLabel, ...names], xs.map((x) => [x, ...names.map((k) => {
        const r = sw.rows.find((q) => q.x === x && q.line === k);
        const cg = r?.cgIters > 0 ? ` (CG ${r.cgIters.toFixed(0)})` : '';
        return r?.error ? 'error' : `${T(r?.step?.median)}${cg}`;
      })])), '');
    }
  }

  if (results.eventloop.length) {
    md.push('## Event-loop delay during `await trainer.fit(...)`', '');
    md.push('A 10 ms `setInterval` on the main thread while the fit runs on its worker ' +
      'thread; lateness = interval measured - 10 ms. "idle" is the same timer with nothing ' +
      'running, for the floor of this machine.', '');
    md.push(table(['shape', 'method', 'threads', 'fit wall', 'ticks', 'median', 'p99', 'max',
      'idle p99', 'idle max'], results.eventloop.map((e) => e.error
      ? [common.shapeLabel(e), e.method, e.threads, `error: ${e.error}`, '', '', '', '', '', '']
      : [common.shapeLabel(e), e.method, e.threads, T(e.fit.wall), e.fit.ticks, T(e.fit.median),
        T(e.fit.p99), T(e.fit.max), T(e.idle.p99), T(e.idle.max)])), '');
  }

  if (skipped.length) {
    md.push('## Skipped', '', ...skipped.map((s) => `- skipped: ${s.what}: ${s.why}`), '');
  }
  return md.join('\n').split('\n').map(wrapProse).join('\n');
}

// Prose lines wrapped at 100 columns; table rows and headings are left whole.
function wrapProse(text) {
  if (text.length <= 100 || text.startsWith('|') || text.startsWith('#')) return text;
  const indent = text.startsWith('- ') ? '  ' : '';
  const out = [];
  let cur = '';
  for (const w of text.split(' ')) {
    if (cur && cur.length + 1 + w.length > 100) {
      out.push(cur);
      cur = indent + w;
    } else {
      cur = cur ? `${cur} ${w}` : w;
    }
  }
  if (cur) out.push(cur);
  return out.join('\n');
}

function publish(reportText) {
  const file = path.join(__dirname, 'RESULTS.md');
  const begin = '<!-- generated by node bench/run.js --publish: begin -->';
  const end = '<!-- generated by node bench/run.js --publish: end -->';
  let text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8')
    : `# dnsgd end-to-end bench: results\n\n${begin}\n${end}\n`;
  const i = text.indexOf(begin), j = text.indexOf(end);
  if (i < 0 || j < i) text = `${text}\n${begin}\n${end}\n`;
  const a = text.indexOf(begin), b = text.indexOf(end);
  const body = reportText.replace(/`sweep-([\w-]+)\.svg`/g,
    '[results/sweep-$1.svg](results/sweep-$1.svg)').split('\n').map(wrapProse).join('\n');
  text = `${text.slice(0, a + begin.length)}\n\n${body}\n${text.slice(b)}`;
  fs.writeFileSync(file, text);
  const dir = path.join(__dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  for (const f of fs.readdirSync(OUT).filter((n) => n.endsWith('.svg'))) {
    fs.copyFileSync(path.join(OUT, f), path.join(dir, f));
  }
  log(`published: ${path.relative(ROOT, file)} and ${path.relative(ROOT, dir)}/`);
}

// ----------------------------------------------------------------------------------------------

async function main() {
  if (FROM) {
    skipped.push(...(FROM.skipped ?? []));
    const text = report(FROM);
    fs.mkdirSync(OUT, { recursive: true });
    for (const sw of FROM.sweeps) {
      fs.writeFileSync(path.join(OUT, `sweep-${sw.key}.svg`), linePlot(sw.plot));
    }
    fs.writeFileSync(path.join(OUT, 'report.md'), `# dnsgd end-to-end bench\n\n${text}`);
    log(`wrote ${path.relative(ROOT, OUT)}/report.md from ${args.from}`);
    if (args.publish) publish(text);
    return;
  }
  const t0 = Date.now();
  let dnsgd;
  try {
    dnsgd = require(path.join(ROOT, 'dist'));
  } catch (e) {
    fail(`dnsgd is not built (run npm run build, and npm run build:native if the addon is ` +
      `missing): ${e.message}`);
  }
  fs.mkdirSync(OUT, { recursive: true });
  const env = {
    date: new Date().toISOString(),
    command: [...['DNSGD_ADDON', 'DNSGD_BENCH_PYTHON'].filter((k) => process.env[k])
      .map((k) => `${k}=${process.env[k]}`), 'node bench/run.js', ...process.argv.slice(2)]
      .join(' '),
    cpu: cpuInfo(), node: process.version, v8: process.versions.v8,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    dnsgd: { version: require(path.join(ROOT, 'package.json')).version,
      isa: dnsgd.native.isa(), defaultThreads: dnsgd.native.defaultThreads() },
    git: gitInfo(), addon: addonInfo(), loadStart: loadavg(), quick: QUICK, threads: THREADS,
    openblasOverridesSet: OPENBLAS_OVERRIDES.filter((k) => process.env[k] !== undefined),
  };
  log(`dnsgd bench${QUICK ? ' (--quick)' : ''}: ${env.cpu.model}, ${env.cpu.cores} CPUs, ` +
    `node ${env.node}, dnsgd ${env.dnsgd.version} (${env.dnsgd.isa}), load ${env.loadStart}`);

  for (const t of THREADS) {
    const r = await startRunner(`dnsgd ${t}t`, process.execPath,
      [path.join(__dirname, 'e2e.js'), '--serve', '--threads', String(t)],
      { ...process.env, DNSGD_THREADS: String(t) });
    if (r.error) fail(`the dnsgd runner did not start: ${r.error}`);
    runners.dnsgd[t] = r.runner;
  }
  if (args['no-torch']) {
    env.torchWhy = '--no-torch';
    skip('PyTorch peer', env.torchWhy);
  } else {
    const py = systemPython();
    for (const t of THREADS) {
      const r = await startRunner(`torch ${t}t`, py,
        [path.join(__dirname, 'torch_dnsgd.py'), '--serve', '--threads', String(t)], torchEnv());
      if (r.error) {
        env.torchWhy = `${py} cannot run the PyTorch peer (${r.error}); on Debian: ` +
          'apt-get install python3-torch, and pass --python=/usr/bin/python3 if another ' +
          'python3 comes first on PATH';
        skip('PyTorch peer', env.torchWhy);
        break;
      }
      runners.torch[t] = r.runner;
    }
    if (runners.torch[THREADS[0]]) {
      env.torch = await probeOnce('torch probe', py,
        [path.join(__dirname, 'torch_dnsgd.py'), '--probe'], torchEnv());
      env.torchPython = py;
    }
  }
  if (args['no-tfjs']) {
    env.tfjsWhy = '--no-tfjs';
    runners.tfjsWhy = env.tfjsWhy;
  } else {
    const r = await startRunner('tfjs', process.execPath,
      [path.join(__dirname, 'tfjs_sgd.js'), '--serve'], process.env);
    if (r.error) {
      env.tfjsWhy = r.error;
      runners.tfjsWhy = env.tfjsWhy;
    } else {
      runners.tfjs = r.runner;
      env.tfjs = r.hello;
    }
  }
  if (env.torch?.blas?.openblas) {
    log(`PyTorch ${env.torch.torch} on ${env.torch.blas.openblas.config}, kernel ` +
      `${env.torch.blas.openblas.corename}`);
  }
  if (env.tfjs) log(`TensorFlow.js ${env.tfjs.version}, backend ${env.tfjs.backend}, float32`);

  const results = { env, check: [], e2e: [], tfjs: [], phases: [], sweeps: [], eventloop: [],
    sectionSeconds: {} };
  const sections = { check: sectionCheck, e2e: sectionE2E, tfjs: sectionTfjs,
    phases: sectionPhases, sweeps: sectionSweeps, eventloop: sectionEventLoop };
  try {
    for (const s of SECTIONS) {
      if (!only.includes(s)) continue;
      // Event-loop figures want the machine to themselves: the peers are closed before.
      if (s === 'eventloop') {
        for (const r of Object.values(runners.torch)) await r.close();
        runners.torch = {};
        if (runners.tfjs) await runners.tfjs.close();
        runners.tfjs = null;
      }
      const ts = Date.now();
      await sections[s](results);
      results.sectionSeconds[s] = (Date.now() - ts) / 1000;
    }
  } finally {
    const all = [...Object.values(runners.dnsgd), ...Object.values(runners.torch), runners.tfjs];
    await Promise.all(all.filter(Boolean).map((r) => r.close()));
  }
  env.loadEnd = loadavg();
  results.seconds = (Date.now() - t0) / 1000;
  results.skipped = skipped;

  for (const sw of results.sweeps) {
    fs.writeFileSync(path.join(OUT, `sweep-${sw.key}.svg`), linePlot(sw.plot));
  }
  fs.writeFileSync(path.join(OUT, 'results.json'), JSON.stringify(results, null, 1));
  const text = report(results);
  fs.writeFileSync(path.join(OUT, 'report.md'), `# dnsgd end-to-end bench\n\n${text}`);
  log(`\nwrote ${path.relative(ROOT, OUT)}/report.md, results.json` +
    `${results.sweeps.length ? ' and sweep-*.svg' : ''} in ${results.seconds.toFixed(0)} s`);
  if (args.publish) publish(text);
}

main().catch((e) => fail(e.stack));
