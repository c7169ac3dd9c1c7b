'use strict';
// The TensorFlow.js peer of the bench: plain SGD on the same shapes, on the pure-JavaScript
// 'cpu' backend, in float32 (the only floating type TensorFlow.js has; dnsgd is float64).
// Written as a TensorFlow.js user would: weight and bias variables, one tf.train.sgd
// optimizer, optimizer.minimize per mini-batch. Batches are made into tensors once, before
// timing, so a step times the training work and not the copy into a tensor.
//
// It installs nothing: it loads @tensorflow/tfjs from bench/peers/node_modules (npm install
// there) or from anywhere Node's resolution finds it. Run by bench/run.js as
//   node bench/tfjs_sgd.js --serve      (jobs as JSON lines on stdin, see main)
//   node bench/tfjs_sgd.js --probe      (version and backend, then exit)
const fs = require('fs');
const path = require('path');

const common = require('./common');

function loadTf() {
  const paths = [path.join(__dirname, 'peers'), __dirname];
  let file;
  try {
    file = require.resolve('@tensorflow/tfjs', { paths });
  } catch {
    return { error: 'cannot find @tensorflow/tfjs (run npm install in bench/peers)' };
  }
  try {
    return { tf: quietly(() => require(file)), file };
  } catch (e) {
    return { error: `cannot load @tensorflow/tfjs: ${e.message}` };
  }
}

// The package greets Node users on the console with a hint about its native backend, which
// is not the backend measured here; it must not mix with the result lines either.
function quietly(fn) {
  const saved = [console.log, console.warn, console.info];
  console.log = console.warn = console.info = () => {};
  const restore = () => { [console.log, console.warn, console.info] = saved; };
  let out;
  try {
    out = fn();
  } catch (e) {
    restore();
    throw e;
  }
  if (out && typeof out.then === 'function') return out.finally(restore);
  restore();
  return out;
}

const now = () => Number(process.hrtime.bigint()) / 1e9;

function build(tf, job) {
  const g = common.rng(job.seed);
  const vars = [];
  const L = job.layers.length - 1;
  for (let l = 0; l < L; l++) {
    const d = job.layers[l], h = job.layers[l + 1];
    const lim = Math.sqrt(6 / (d + h));
    const w = new Float32Array(d * h).map(() => lim * (2 * g.uniform() - 1));
    vars.push({ w: tf.variable(tf.tensor2d(w, [d, h])), b: tf.variable(tf.zeros([h])) });
  }
  const act = { sigmoid: tf.sigmoid, tanh: tf.tanh, relu: tf.relu, identity: (z) => z }[
    job.activation ?? 'sigmoid'];
  const loss = (x, y) => {
    let a = x;
    for (let l = 0; l < L; l++) {
      const z = tf.add(tf.matMul(a, vars[l].w), vars[l].b);
      a = l < L - 1 ? act(z) : z;
    }
    if (job.output === 'linear') {
      return tf.div(tf.sum(tf.square(tf.sub(a, y))), x.shape[0]);
    }
    return tf.losses.softmaxCrossEntropy(y, a); // mean over the rows, log-sum-exp inside
  };
  return { vars, loss };
}

function stepJob(tf, job) {
  const model = build(tf, job);
  const opt = tf.train.sgd(job.lr);
  const data = common.synthetic(job.layers, job.output, job.rows, job.seed);
  const B = job.batch, K = job.layers[job.layers.length - 1];
  const nb = Math.max(1, Math.floor(job.rows / B));
  const batches = [];
  for (let i = 0; i < nb; i++) {
    const r = common.rowsOf(data, job.layers, job.output, i * B, (i + 1) * B);
    const x = tf.tensor2d(Float32Array.from(r.x), [B, job.layers[0]]);
    const y = job.output === 'linear'
      ? tf.tensor2d(Float32Array.from(r.y), [B, K])
      : tf.tidy(() => tf.oneHot(tf.tensor1d(r.y, 'int32'), K).toFloat());
    batches.push({ x, y });
  }
  const step = (b) => {
    const cost = opt.minimize(() => model.loss(b.x, b.y), true);
    const v = cost.dataSync()[0];
    cost.dispose();
    return v;
  };
  const minSteps = common.warmUp(job, (i) => step(batches[i % nb]), now);
  const times = [];
  const losses = [];
  const tStart = now();
  let i = 0;
  while ((times.length < minSteps || now() - tStart < job.budget) &&
         times.length < job.maxSteps) {
    const t0 = now();
    losses.push(step(batches[i++ % nb]));
    times.push(now() - t0);
  }
  const tensorsLeft = tf.memory().numTensors;
  for (const b of batches) { b.x.dispose(); b.y.dispose(); }
  for (const v of model.vars) { v.w.dispose(); v.b.dispose(); }
  opt.dispose();
  return { step: common.summary(times), samples: times, firstLoss: losses[0],
    lastLoss: losses[losses.length - 1],
    tensorsLeft };
}

async function main() {
  const args = common.parseArgs(process.argv.slice(2));
  const { tf, file, error } = loadTf();
  if (!tf) {
    process.stdout.write(`@@result ${JSON.stringify({ available: false, reason: error })}\n`);
    process.exit(3);
  }
  await quietly(async () => {
    await tf.setBackend('cpu');
    await tf.ready();
  });
  const about = { available: true, ready: true, version: tf.version.tfjs,
    backend: tf.getBackend(), file: path.relative(path.join(__dirname, '..'), file),
    dtype: 'float32', threads: 1 };
  process.stdout.write(`@@result ${JSON.stringify(about)}\n`);
  if (args.probe) return;
  await common.serveJobs((job) => stepJob(tf, job));
}

main().catch((e) => {
  process.stderr.write(`${e.stack}\n`);
  process.exit(1);
});
