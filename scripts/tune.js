#!/usr/bin/env node
// Tunes each optimizer's learning rate on every CSV in a folder and records the fair comparison
// in results/tuned.md. Usage: node scripts/tune.js DIR   (after npm run build)
// `node scripts/tune.js --init-study DIR` instead runs the initialisation study (hidden size,
// batch size, PyTorch-style versus Glorot initial weights) and writes results/init-study.md.
//
// Protocol, per dataset and per method (sgd, dn-sgd, sgd-dn), at the CLI's defaults otherwise
// (the paper's settings for the task):
// - The CLI's own split gives train and test rows. 20% of the training rows (stratified for
//   classes, split seed 0) are held out as a validation set; the remaining 80% are re-read
//   from a temporary CSV, so features (and a regression target) are standardized on them
//   alone, exactly as the CLI does with --test-file.
// - Each lr in LRS is run with seeds 1, 2, 3 twice: trained on the 80% and scored on the
//   validation rows (this picks the lr), and trained on all training rows and scored on the
//   test rows (this is what is reported). The lr with the lowest median validation loss wins.
// - DN-SGD and SGD-DN use alpha 0; a run that fails with alpha 0 is rerun with alpha 0.01.
//   A run that still fails (or SGD diverging) counts as an infinite loss in the median.
// - Wall time: the tuned SGD's median final test loss is the target; for each method at its
//   tuned lr, the training seconds of the first test evaluation at or below it (median over
//   seeds; a seed that never gets there counts as infinite). The runs at the chosen rates are
//   repeated and each seed keeps its fastest repeat, as other processes only slow runs down.
// - Findings written by hand between the markers in FINDINGS_BEGIN / FINDINGS_END are kept
//   when a report is rewritten; everything else is regenerated.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { wrap } = require('./text');
const { execFileSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
const OUT = path.join(ROOT, 'results', 'tuned.md');
const INIT_OUT = path.join(ROOT, 'results', 'init-study.md');

const LRS = [0.01, 0.03, 0.1, 0.3, 1.0];
const SEEDS = [1, 2, 3];
const METHODS = ['sgd', 'dn-sgd', 'sgd-dn'];
const FALLBACK_ALPHA = 0.01;
const VAL_FRACTION = 0.2;
const TIMING_REPEATS = 3;
const WALL_MARGIN = 1.25;

// The split each file's documentation recommends, as in scripts/try-datasets.js.
const PER_FILE = {
  diamonds: { logTarget: true },
  letter: { trainRows: 16000 },
  satellite: { trainRows: 4435 },
  dna: { trainRows: 2000 },
  pima: { testFraction: 0.25 },
};

// Final test losses of an independent float64 PyTorch implementation (docs/method.md):
// SGD and DN-SGD at their best lr, chosen there by test loss. [loss, lr]
const INDEPENDENT = {
  diamonds: { sgd: [0.0153, 0.1], dn: [0.0138, 1.0] },
  diabetes: { sgd: [0.517, 0.1], dn: [0.521, 0.1] },
  pima: { sgd: [0.480, 1.0], dn: [0.483, 1.0] },
  breast_cancer: { sgd: [0.054, 1.0], dn: [0.069, 1.0] },
  dna: { sgd: [0.183, 1.0], dn: [0.195, 0.1] },
  satellite: { sgd: [0.387, 1.0], dn: [0.369, 0.3] },
  digits: { sgd: [0.213, 1.0], dn: [0.159, 1.0] },
  letter: { sgd: [0.631, 1.0], dn: [0.424, 1.0] },
};

function usage(message) {
  process.stderr.write(`${message}\nusage: node scripts/tune.js [--init-study] DIR\n`);
  process.exit(1);
}

for (const f of ['cli/dataset.js', 'cli/options.js', 'cli/run.js', 'data/index.js']) {
  if (!fs.existsSync(path.join(DIST, f))) usage(`dist/${f} is missing; run npm run build first`);
}
const { loadData } = require(path.join(DIST, 'cli', 'dataset.js'));
const { resolveSettings } = require(path.join(DIST, 'cli', 'options.js'));
const { makeOptimizer, networkFor, trainRun, firstReaching } =
  require(path.join(DIST, 'cli', 'run.js'));
const { stratifiedSplit, randomSplit } = require(path.join(DIST, 'data', 'index.js'));

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function fmt(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (!Number.isFinite(v)) return 'failed';
  if (Math.abs(v) >= 1e6) return v.toExponential(1);
  return Math.abs(v) >= 1000 ? v.toFixed(0) : v.toPrecision(4);
}

/** DN-SGD against SGD in training seconds: a clear win, a clear loss, or even. */
function wallVerdict(reach, sgdSeconds) {
  if (!Number.isFinite(reach)) return { win: false, text: 'never gets there' };
  const r = sgdSeconds / reach;
  if (r >= WALL_MARGIN) return { win: true, text: `wins, ${r.toFixed(1)}x` };
  if (r <= 1 / WALL_MARGIN) return { win: false, text: `loses, ${r.toFixed(2)}x` };
  return { win: false, text: `even, ${r.toFixed(2)}x` };
}

function stepsTxt(v) {
  return Number.isFinite(v) ? String(v) : '—';
}

function secs(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return v < 0.01 ? v.toPrecision(2) : v.toFixed(3);
}


const load = () => os.loadavg().map((x) => x.toFixed(1)).join(' / ');

/**
 * Loads a file as the CLI does, then splits its training rows into a fit part and a
 * validation part, each re-read from a temporary CSV so that the fit part alone fits the
 * standardization.
 */
function loadBoth(csv, extra, tmp) {
  const full = loadData({ file: csv, ...extra });
  const lines = fs.readFileSync(csv, 'utf8').split('\n');
  const tr = full.train;
  const split = tr.task === 'classification'
    ? stratifiedSplit(tr.y, tr.classes.length, VAL_FRACTION, 0)
    : randomSplit(tr.rows, VAL_FRACTION, 0);
  const name = path.basename(csv, '.csv');
  const write = (file, idx) => {
    const body = Array.from(idx, (i) => lines[tr.rowIndex[i] + 1]);
    fs.writeFileSync(file, [lines[0], ...body, ''].join('\n'));
  };
  const fitCsv = path.join(tmp, `${name}.csv`);
  const valCsv = path.join(tmp, `${name}-val.csv`);
  write(fitCsv, split.train);
  write(valCsv, split.test);
  const tune = loadData({
    file: fitCsv, testFile: valCsv,
    ...(extra.logTarget ? { logTarget: true } : {}),
    ...(full.train.task === 'classification' ? { task: 'classification' } : {}),
  });
  return { full, tune };
}

/** One fit; a Newton method that fails with alpha 0 is retried with FALLBACK_ALPHA. */
async function fitOnce(data, method, lr, seed) {
  const task = data.train.task;
  const alphas = method === 'sgd' ? [0] : [0, FALLBACK_ALPHA];
  let lastError = null;
  for (const alpha of alphas) {
    const s = resolveSettings({ lr, seed, alpha }, task);
    const net = networkFor(data.train, s);
    try {
      const r = await trainRun(net, makeOptimizer(method, s), data, s);
      if (!Number.isFinite(r.summary.testLoss)) throw new Error('non-finite final loss');
      return { ok: true, alpha, loss: r.summary.testLoss, run: r };
    } catch (e) {
      lastError = e;
    }
  }
  return { ok: false, alpha: alphas[alphas.length - 1], loss: Infinity,
    error: String(lastError && lastError.code ? lastError.code : lastError) };
}

async function tuneDataset(csv, tmp) {
  const name = path.basename(csv, '.csv');
  const { full, tune } = loadBoth(csv, PER_FILE[name] ?? {}, tmp);
  const grid = {};
  for (const m of METHODS) {
    grid[m] = LRS.map((lr) => ({ lr, val: [], test: [] }));
  }
  // Methods interleave inside each (lr, seed) so that load changes hit all of them alike.
  for (let li = 0; li < LRS.length; li++) {
    for (const seed of SEEDS) {
      for (const m of METHODS) {
        const cell = grid[m][li];
        cell.val.push(await fitOnce(tune, m, LRS[li], seed));
        cell.test.push(await fitOnce(full, m, LRS[li], seed));
      }
    }
    process.stderr.write(`${name}: lr ${LRS[li]} done (load ${load()})\n`);
  }
  const chosen = {};
  for (const m of METHODS) {
    for (const c of grid[m]) {
      c.medVal = median(c.val.map((r) => r.loss));
      c.medTest = median(c.test.map((r) => r.loss));
    }
    const byVal = grid[m].reduce((a, b) => (b.medVal < a.medVal ? b : a));
    const byTest = grid[m].reduce((a, b) => (b.medTest < a.medTest ? b : a));
    chosen[m] = { byVal, byTest };
  }
  // Wall time against the tuned SGD's median final test loss. The runs at the chosen rate are
  // repeated TIMING_REPEATS times in all; each seed keeps its fastest repeat (other processes
  // only ever slow a run down), then the median over seeds is taken.
  const target = chosen.sgd.byVal.medTest;
  const timing = {};
  let sameLosses = true;
  for (const m of METHODS) {
    const cell = chosen[m].byVal;
    const reach = [], trainS = [], steps = [];
    for (let k = 0; k < SEEDS.length; k++) {
      const first = cell.test[k];
      const repeats = [first];
      for (let j = 1; j < TIMING_REPEATS; j++) {
        const again = await fitOnce(full, m, cell.lr, SEEDS[k]);
        if (again.loss !== first.loss) sameLosses = false;
        repeats.push(again);
      }
      const hit = (r) => (r.ok ? firstReaching(r.run.history.evaluations, target) : null);
      const hits = repeats.map(hit);
      reach.push(Math.min(...hits.map((h) => (h === null ? Infinity : h.seconds))));
      steps.push(hits[0] === null ? Infinity : hits[0].step);
      trainS.push(Math.min(...repeats.map((r) => (r.ok ? r.run.summary.seconds : Infinity))));
    }
    timing[m] = {
      reachSeconds: median(reach),
      reachStep: median(steps),
      trainSeconds: median(trainS),
      seedLosses: cell.test.map((r) => r.loss),
    };
  }
  const s = resolveSettings({}, full.train.task);
  return {
    name, full, tune, grid, chosen, target, timing, sameLosses,
    layers: [full.train.features.length, ...s.hidden,
      full.train.task === 'classification' ? full.train.classes.length : 1],
    batch: s.batch,
    steps: Math.ceil(full.train.rows / s.batch) * s.epochs,
  };
}

const FINDINGS_BEGIN = '<!-- findings: written by hand, kept when the script rewrites the file -->';
const FINDINGS_END = '<!-- end of findings -->';

/** The hand-written findings block of an earlier version of `file`, or a placeholder. */
function findings(file) {
  const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const a = old.indexOf(FINDINGS_BEGIN), b = old.indexOf(FINDINGS_END);
  if (a >= 0 && b > a) return old.slice(a, b + FINDINGS_END.length);
  return `${FINDINGS_BEGIN}\n(no findings written yet)\n${FINDINGS_END}`;
}

function gitHead() {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT })
      .toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'lib', 'native'],
      { cwd: ROOT }).toString().trim() !== '';
    const addon = path.join(ROOT, 'build', 'Release', 'dnsgd.node');
    const built = fs.existsSync(addon)
      ? `, native addon built ${fs.statSync(addon).mtime.toISOString().slice(0, 16)} UTC` : '';
    return `${head}${dirty ? ' (lib/ or native/ had uncommitted changes by others)' : ''}` +
      built;
  } catch {
    return 'unknown';
  }
}

function alphaNote(cell) {
  const runs = [...cell.val, ...cell.test];
  const fb = runs.filter((r) => r.ok && r.alpha !== 0).length;
  const bad = runs.filter((r) => !r.ok).length;
  const parts = [];
  if (fb) parts.push(`${fb}/${runs.length} runs alpha ${FALLBACK_ALPHA}`);
  if (bad) parts.push(`${bad}/${runs.length} failed`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

function report(results, meta) {
  const day = new Date().toISOString().slice(0, 10);
  const cpu = os.cpus();
  const L = [];
  L.push('# Learning rates tuned per method', '');
  L.push(wrap(`Recorded by \`node scripts/tune.js DIR\` on ${day} with DIR = the folder of ` +
    `the eight shared CSV files (to regenerate: \`node scripts/tune.js /work/shared/data\`, ` +
    `after \`npm run build\`). Code at ${meta.head}. Machine: ${cpu.length} × ` +
    `${cpu[0] ? cpu[0].model.trim() : 'unknown CPU'}, Node ${process.version}. The whole run ` +
    `took ${meta.wall.toFixed(0)} s of wall time (${meta.runs} fits). Load average ` +
    `(1 / 5 / 15 min) ${meta.loadStart} at the start and ${meta.loadEnd} at the end: other ` +
    'processes were using the 2 cores, so training seconds are noisy (a factor of 2 or 3 ' +
    'between repeats of one run is common); losses do not depend on timing.'));
  L.push('', '## Findings', '', findings(OUT), '');
  L.push('## Protocol', '');
  L.push(wrap('Everything is the CLI default (the paper\'s settings for the task: one sigmoid ' +
    'hidden layer of 5 units and batch 50 for regression, 4 units and batch 200 for ' +
    'classification, 20 epochs, Glorot-uniform initial weights, zero biases) and each file\'s ' +
    'documented split (the same as results/datasets.md), except the learning rate, which ' +
    `is tuned over {${LRS.join(', ')}} for each method separately (for DN-SGD and SGD-DN it ` +
    'is the front layer\'s rate; the Newton step on the last layer is never scaled). DN-SGD ' +
    `and SGD-DN use alpha 0; a run that fails with alpha 0 is rerun with alpha ${FALLBACK_ALPHA}` +
    ' (noted below where that happened). Seeds 1, 2, 3 (initial weights and shuffling); all ' +
    'three methods start from the same weights for a given seed. Every number is the median ' +
    'over the three seeds; a failed run counts as an infinite loss.'));
  L.push('');
  L.push(wrap('**The learning rate is chosen on a validation split, not on the test rows.** ' +
    `${VAL_FRACTION * 100}% of the training rows (stratified for classes, split seed 0) are ` +
    'held out; each method is trained on the other 80% at every rate and the rate with the ' +
    'lowest median final validation loss is chosen. The reported test loss is that of a ' +
    'separate run at the chosen rate trained on all training rows, scored on the test rows. ' +
    'The 80% part is standardized on its own statistics, as the CLI would do with ' +
    '`--test-file`. For comparison, the last table also gives the rate that is best on the ' +
    'test rows themselves (selection on the test split, as a looser upper bound on each ' +
    'method\'s performance, and the only kind of choice the independent numbers can be ' +
    'matched with).'));
  L.push('');
  L.push(wrap('"Per epoch": the lower median final test loss after the same 20 epochs. ' +
    '"Wall time": the target is the tuned SGD\'s median final test loss; a Newton method\'s ' +
    'time is the training seconds (the fit\'s own clock, test evaluation excluded) of its ' +
    'first test evaluation at or below the target (about 80 evaluations per run); SGD\'s time ' +
    'is its whole training time, the time it takes to produce that loss. The runs at the ' +
    `chosen rates are made ${TIMING_REPEATS} times; each seed keeps its fastest repeat (load ` +
    'from other processes only slows a run down) and the median over seeds is reported. ' +
    '"—" means fewer than two of its three seeds ever got there. Steps to the target are ' +
    'given too, as they do not depend on timing.'));
  L.push('');
  L.push('## Summary', '');
  L.push(wrap('Per epoch (lr: the chosen rates of SGD / DN-SGD / SGD-DN; loss: median final ' +
    'test loss; "DN-SGD vs SGD": DN-SGD\'s test loss relative to SGD\'s):'));
  L.push('');
  L.push('| dataset | network, batch | lr | test loss: SGD / DN-SGD / SGD-DN | DN-SGD vs SGD |');
  L.push('|---|---|---|---|---|');
  let perEpochWins = 0, wallWins = 0, sdPerEpochWins = 0, sdWallWins = 0;
  const rows2 = [];
  for (const r of results) {
    const c = r.chosen, t = r.timing;
    const sgd = c.sgd.byVal.medTest, dn = c['dn-sgd'].byVal.medTest;
    const sd = c['sgd-dn'].byVal.medTest;
    const epochWin = dn < sgd;
    const wall = wallVerdict(t['dn-sgd'].reachSeconds, t.sgd.trainSeconds);
    perEpochWins += epochWin;
    wallWins += wall.win;
    sdPerEpochWins += sd < sgd;
    sdWallWins += wallVerdict(t['sgd-dn'].reachSeconds, t.sgd.trainSeconds).win;
    const rel = ((dn / sgd - 1) * 100).toFixed(0);
    L.push(`| ${r.name} | ${r.layers.join('-')}, ${r.batch} | ` +
      `${c.sgd.byVal.lr} / ${c['dn-sgd'].byVal.lr} / ${c['sgd-dn'].byVal.lr} | ` +
      `${fmt(sgd)} / ${fmt(dn)} / ${fmt(sd)} | ${rel > 0 ? '+' : ''}${rel}%, ` +
      `${epochWin ? 'wins' : 'loses'} |`);
    rows2.push(`| ${r.name} | ${stepsTxt(t['dn-sgd'].reachStep)} / ` +
      `${stepsTxt(t['sgd-dn'].reachStep)} (${r.steps}) | ${secs(t['dn-sgd'].reachSeconds)} / ` +
      `${secs(t['sgd-dn'].reachSeconds)} (${secs(t.sgd.trainSeconds)}) | ` +
      `${wall.text} | ` +
      `${(t['dn-sgd'].trainSeconds / t.sgd.trainSeconds).toFixed(1)}x |`);
  }
  L.push('');
  L.push(wrap('In wall time, against the tuned SGD\'s final test loss (steps and training ' +
    'seconds to reach it: DN-SGD / SGD-DN, with SGD\'s whole run in brackets; "DN-SGD": ' +
    `SGD's time over DN-SGD's, a win above ${WALL_MARGIN}x, a loss below 1/${WALL_MARGIN}, ` +
    'even in between, as timing noise is of that order here; "epoch cost": DN-SGD\'s ' +
    'training seconds for the 20 epochs over SGD\'s, at the tuned rates):'));
  L.push('');
  L.push('| dataset | steps to it | seconds to it | DN-SGD | epoch cost |');
  L.push('|---|---|---|---|---|');
  L.push(...rows2);
  L.push('');
  L.push(wrap(`With each method's rate tuned on validation data, DN-SGD has the lower final ` +
    `test loss on ${perEpochWins} of ${results.length} datasets and reaches the tuned SGD's ` +
    `final test loss at least ${WALL_MARGIN}x sooner than SGD on ${wallWins} of ` +
    `${results.length} (SGD-DN: ${sdPerEpochWins} and ${sdWallWins}).`));
  L.push('');
  L.push('Final test loss of each seed (1, 2, 3) at the chosen rate:', '');
  L.push('| dataset | SGD | DN-SGD | SGD-DN |');
  L.push('|---|---|---|---|');
  for (const r of results) {
    const per = METHODS.map((m) => r.timing[m].seedLosses
      .map((v) => (Number.isFinite(v) ? v.toPrecision(3) : 'failed')).join(', '));
    L.push(`| ${r.name} | ${per.join(' | ')} |`);
  }
  L.push('');
  const edge = results.filter((r) => r.chosen.sgd.byVal.lr === LRS[LRS.length - 1]).length;
  L.push(wrap(`SGD's chosen rate is the largest of the grid on ${edge} of ${results.length} ` +
    'datasets, so its best rate may lie above the grid. ' + (results.every((r) => r.sameLosses)
    ? 'Repeated runs with the same seed gave bit-identical losses.'
    : 'Repeated runs with the same seed did not always give identical losses.')));
  L.push('');
  L.push('## Against the independent implementation (rates chosen on the test rows)', '');
  L.push(wrap('An independent float64 PyTorch implementation of the same method (shared ' +
    'docs/method.md) reports each method\'s best final test loss over the rates (median of 3 ' +
    'seeds), which can only be matched by choosing on the test rows; this table does the ' +
    'same with our runs ("ind." = independent; lr in brackets).'));
  L.push('');
  L.push('| dataset | SGD: ours | SGD: ind. | DN-SGD: ours | DN-SGD: ind. | SGD-DN: ours |');
  L.push('|---|---|---|---|---|---|');
  for (const r of results) {
    const c = r.chosen, ind = INDEPENDENT[r.name];
    const o = (m) => `${fmt(c[m].byTest.medTest)} (${c[m].byTest.lr})`;
    const i = (x) => (x ? `${x[0]} (${x[1]})` : '—');
    L.push(`| ${r.name} | ${o('sgd')} | ${i(ind && ind.sgd)} | ${o('dn-sgd')} | ` +
      `${i(ind && ind.dn)} | ${o('sgd-dn')} |`);
  }
  L.push('');
  L.push('## Every rate', '');
  L.push(wrap('Median over seeds 1-3 of the final validation loss (80% fit, 20% of the training ' +
    'rows held out) and of the final test loss (all training rows). The chosen rate, by ' +
    'validation loss, is in bold.'));
  for (const r of results) {
    L.push('', `### ${r.name}`, '');
    L.push(`${r.full.train.rows} train rows (${r.tune.train.rows} fit + ` +
      `${r.tune.test.rows} validation), ${r.full.test.rows} test rows; network ` +
      `${r.layers.join('-')}, batch ${r.batch}.`);
    L.push('');
    L.push('| lr | SGD: val / test | DN-SGD: val / test | SGD-DN: val / test |');
    L.push('|---|---|---|---|');
    for (let li = 0; li < LRS.length; li++) {
      const cells = METHODS.map((m) => {
        const cell = r.grid[m][li];
        const txt = `${fmt(cell.medVal)} / ${fmt(cell.medTest)}${alphaNote(cell)}`;
        return r.chosen[m].byVal === cell ? `**${txt}**` : txt;
      });
      L.push(`| ${LRS[li]} | ${cells.join(' | ')} |`);
    }
  }
  L.push('');
  return L.join('\n');
}

async function main() {
  const study = process.argv[2] === '--init-study';
  const dirArg = process.argv[study ? 3 : 2];
  if (dirArg === undefined) usage('give the folder of CSV files');
  const dir = path.resolve(dirArg);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) usage(`not a folder: ${dirArg}`);
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.csv')).sort();
  if (files.length === 0) usage(`no .csv files in ${dirArg}`);
  if (study) {
    initStudy(dir, files);
    return;
  }
  const loadStart = load();
  const t0 = process.hrtime.bigint();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dnsgd-tune-'));
  const results = [];
  try {
    for (const f of files) results.push(await tuneDataset(path.join(dir, f), tmp));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const runs = files.length * METHODS.length * SEEDS.length * (LRS.length * 2 +
    TIMING_REPEATS - 1);
  fs.writeFileSync(OUT, report(results,
    { head: gitHead(), wall, runs, loadStart, loadEnd: load() }));
  process.stderr.write(`wrote ${path.relative(ROOT, OUT)} in ${wall.toFixed(0)} s\n`);
}

// ---------------------------------------------------------------------------------------------
// Initialisation study: at lr 0.01 our DN-SGD ends far above the independent implementation on
// some sets. Candidate causes: the initial weights, the hidden size, the batch size.

// The independent implementation's final test losses at lr 0.01 (docs/method.md).
const INDEPENDENT_001 = {
  diamonds: { sgd: 0.0199, dn: 0.0223 }, diabetes: { sgd: 0.820, dn: 0.538 },
  pima: { sgd: 0.647, dn: 0.567 }, breast_cancer: { sgd: 0.628, dn: 0.167 },
  dna: { sgd: 1.014, dn: 0.218 }, satellite: { sgd: 1.435, dn: 0.424 },
  digits: { sgd: 2.261, dn: 0.340 }, letter: { sgd: 3.070, dn: 0.888 },
};
const GAP_SETS = ['dna', 'digits', 'letter', 'breast_cancer'];

/**
 * Overwrites net.params with an initialisation. 'glorot' keeps the library's own. The others
 * draw, from a generator seeded with `seed`, uniform weights in +-1/sqrt(fan_in) and uniform
 * biases in the same range (the default of PyTorch's nn.Linear), for every layer ('torch'),
 * or mix the two: 'torch-w' (PyTorch-style weights, zero biases), 'torch-b' (Glorot weights,
 * PyTorch-style biases), 'torch-first' / 'torch-last' (PyTorch-style only in the first / last
 * layer). Layout: layer by layer, row by row, bias first.
 */
function applyInit(net, kind, seed, Prng) {
  if (kind === 'glorot') return;
  const prng = new Prng(1000003 * seed + 17);
  const L = net.depth;
  for (let l = 0; l < L; l++) {
    const d = net.layers[l], h = net.layers[l + 1];
    const w = net.layerParams(l);
    const bound = 1 / Math.sqrt(d);
    const layerTorch = kind === 'torch' || kind === 'torch-w' || kind === 'torch-b' ||
      (kind === 'torch-first' && l === 0) || (kind === 'torch-last' && l === L - 1);
    if (!layerTorch) continue;
    for (let j = 0; j < h; j++) {
      for (let a = 0; a <= d; a++) {
        const u = bound * (2 * prng.nextFloat() - 1);
        const isBias = a === 0;
        if (kind === 'torch-w') {
          if (!isBias) w[j * (d + 1) + a] = u;
        } else if (kind === 'torch-b') {
          if (isBias) w[j * (d + 1) + a] = u;
        } else {
          w[j * (d + 1) + a] = u;
        }
      }
    }
  }
}

/** Final test loss of one fit with Trainer.fitSync, the CLI's data and settings otherwise. */
function studyFit(lib, data, o) {
  const { Network, Optimizer, Trainer } = lib;
  const tr = data.train, te = data.test;
  const cls = tr.task === 'classification';
  const net = new Network({
    layers: [tr.features.length, o.hidden, cls ? tr.classes.length : 1],
    activation: 'sigmoid', output: cls ? 'softmax' : 'linear', seed: o.seed,
  });
  applyInit(net, o.init, o.seed, lib.Prng);
  const opts = o.method === 'sgd' ? { lr: o.lr } : { lr: o.lr, alpha: 0 };
  const fitOpts = { epochs: 20, batchSize: o.batch, seed: o.seed,
    validation: { x: te.x, y: te.y } };
  try {
    new Trainer(net, Optimizer.from(o.method, opts)).fitSync({ x: tr.x, y: tr.y }, fitOpts);
  } catch (e) {
    if (o.method === 'sgd') return Infinity;
    // alpha 0 failed: the same fit again with alpha 0.01, from the same initial weights.
    const again = new Network({ layers: net.layers, activation: 'sigmoid', output: net.output,
      seed: o.seed });
    applyInit(again, o.init, o.seed, lib.Prng);
    try {
      new Trainer(again, Optimizer.from(o.method, { lr: o.lr, alpha: FALLBACK_ALPHA }))
        .fitSync({ x: tr.x, y: tr.y }, fitOpts);
    } catch {
      return Infinity;
    }
    const loss = again.loss(te.x, te.y);
    return Number.isFinite(loss) ? loss : Infinity;
  }
  const loss = net.loss(te.x, te.y);
  return Number.isFinite(loss) ? loss : Infinity;
}

/**
 * Plain-JavaScript mini-batch SGD for one sigmoid hidden layer and softmax cross-entropy, with
 * its own shuffling, as a check on the library's SGD that shares no code with it. Glorot or
 * PyTorch-style initial weights. Returns the final test loss.
 */
function plainSgd(data, { hidden: H, lr, batch, epochs, seed, init }, Prng) {
  const X = data.train.x, Y = data.train.y, N = data.train.rows;
  const F = data.train.features.length, K = data.train.classes.length;
  const rng = new Prng(7919 * seed + 3);
  const torch = init === 'torch';
  const W1 = new Float64Array(H * (F + 1)), W2 = new Float64Array(K * (H + 1));
  const fill = (W, rows, d, bound) => {
    for (let j = 0; j < rows; j++) {
      for (let a = 0; a <= d; a++) {
        const u = bound * (2 * rng.nextFloat() - 1);
        W[j * (d + 1) + a] = a === 0 && !torch ? 0 : u;
      }
    }
  };
  fill(W1, H, F, torch ? 1 / Math.sqrt(F) : Math.sqrt(6 / (F + H)));
  fill(W2, K, H, torch ? 1 / Math.sqrt(H) : Math.sqrt(6 / (H + K)));
  const h = new Float64Array(H), p = new Float64Array(K), dh = new Float64Array(H);
  const g1 = new Float64Array(W1.length), g2 = new Float64Array(W2.length);
  const forward = (x, off) => {
    for (let j = 0; j < H; j++) {
      let z = W1[j * (F + 1)];
      for (let a = 0; a < F; a++) z += W1[j * (F + 1) + 1 + a] * x[off + a];
      h[j] = 1 / (1 + Math.exp(-z));
    }
    let top = -Infinity, sum = 0;
    for (let k = 0; k < K; k++) {
      let z = W2[k * (H + 1)];
      for (let j = 0; j < H; j++) z += W2[k * (H + 1) + 1 + j] * h[j];
      p[k] = z;
      if (z > top) top = z;
    }
    for (let k = 0; k < K; k++) sum += (p[k] = Math.exp(p[k] - top));
    for (let k = 0; k < K; k++) p[k] /= sum;
  };
  const order = Array.from({ length: N }, (_, i) => i);
  for (let e = 0; e < epochs; e++) {
    rng.shuffle(order);
    for (let start = 0; start < N; start += batch) {
      const end = Math.min(N, start + batch), n = end - start;
      g1.fill(0);
      g2.fill(0);
      for (let t = start; t < end; t++) {
        const i = order[t];
        forward(X, i * F);
        dh.fill(0);
        for (let k = 0; k < K; k++) {
          const dz = (p[k] - (Y[i] === k ? 1 : 0)) / n;
          g2[k * (H + 1)] += dz;
          for (let j = 0; j < H; j++) {
            g2[k * (H + 1) + 1 + j] += dz * h[j];
            dh[j] += dz * W2[k * (H + 1) + 1 + j];
          }
        }
        for (let j = 0; j < H; j++) {
          const dz = dh[j] * h[j] * (1 - h[j]);
          g1[j * (F + 1)] += dz;
          for (let a = 0; a < F; a++) g1[j * (F + 1) + 1 + a] += dz * X[i * F + a];
        }
      }
      for (let q = 0; q < W1.length; q++) W1[q] -= lr * g1[q];
      for (let q = 0; q < W2.length; q++) W2[q] -= lr * g2[q];
    }
  }
  let loss = 0;
  for (let i = 0; i < data.test.rows; i++) {
    forward(data.test.x, i * F);
    loss -= Math.log(p[data.test.y[i]]);
  }
  return loss / data.test.rows;
}

function initStudy(dir, files) {
  const lib = require(path.join(DIST, 'index.js'));
  lib.Prng = require(path.join(DIST, 'data', 'index.js')).Prng;
  const t0 = process.hrtime.bigint();
  const loadStart = load();
  const names = files.map((f) => f.replace(/\.csv$/, ''));
  const data = {};
  const loadFile = (n, over = {}) =>
    loadData({ file: path.join(dir, `${n}.csv`), ...(PER_FILE[n] ?? {}), ...over });
  for (const n of names) data[n] = loadFile(n);
  const medOn = (d, o) => median(SEEDS.map((seed) => studyFit(lib, d, { ...o, seed })));
  const med = (n, o) => medOn(data[n], o);
  const paper = (n) => resolveSettings({}, data[n].train.task);
  const classSets = names.filter((n) => data[n].train.task === 'classification');
  const gapSets = GAP_SETS.filter((g) => names.includes(g));
  const f = (v) => fmt(v);
  const both = (c) => `${f(c.dn)} (${f(c.sgd)})`;
  const progress = (what) => process.stderr.write(`init study: ${what} (load ${load()})\n`);

  // 1. Initialisation, hidden size and batch size at lr 0.01 on the four sets with a gap.
  const INITS = ['glorot', 'torch'];
  const HIDDEN = [4, 5, 6];
  const BATCH = [50, 100, 200];
  const grid = {};
  for (const n of gapSets) {
    grid[n] = [];
    for (const init of INITS) {
      for (const hidden of HIDDEN) {
        for (const batch of BATCH) {
          const o = { init, hidden, batch, lr: 0.01 };
          grid[n].push({ ...o, sgd: med(n, { ...o, method: 'sgd' }),
            dn: med(n, { ...o, method: 'dn-sgd' }) });
        }
      }
    }
    progress(`${n} grid done`);
  }
  // 2. Which part of the initialisation: at the paper's hidden and batch sizes, lr 0.01.
  const PARTS = ['glorot', 'torch', 'torch-w', 'torch-b', 'torch-first', 'torch-last'];
  const parts = {};
  for (const n of names) {
    const p = paper(n);
    parts[n] = PARTS.map((init) => {
      const o = { init, hidden: p.hidden[0], batch: p.batch, lr: 0.01 };
      return { init, sgd: med(n, { ...o, method: 'sgd' }), dn: med(n, { ...o, method: 'dn-sgd' }) };
    });
  }
  progress('parts done');
  // 3. Wider hidden layers, at lr 0.01 and at lr 1 (the independent SGD's best rate on every
  // classification set), batch 200.
  const WIDE = [4, 6, 8, 16, 32];
  const wide = {};
  for (const n of classSets) {
    wide[n] = [];
    for (const hidden of WIDE) {
      for (const init of INITS) {
        const row = { hidden, init };
        for (const lr of [0.01, 1]) {
          for (const method of ['sgd', 'dn-sgd']) {
            row[`${method}@${lr}`] = med(n, { init, hidden, batch: 200, lr, method });
          }
        }
        wide[n].push(row);
      }
    }
    progress(`${n} widths done`);
  }
  // 4. The two initialisations at larger rates (each method's best of the grid, on test).
  const RATES = [0.01, 0.1, 0.3, 1.0];
  const best = {};
  for (const n of names) {
    const p = paper(n);
    best[n] = {};
    for (const init of INITS) {
      for (const method of ['sgd', 'dn-sgd']) {
        const per = RATES.map((lr) => ({ lr,
          loss: med(n, { init, method, lr, hidden: p.hidden[0], batch: p.batch }) }));
        best[n][`${init}:${method}`] = per.reduce((a, b) => (b.loss < a.loss ? b : a));
      }
    }
  }
  progress('rates done');
  // 5. The random split of the small sets, at lr 1, paper's sizes, library initialisation.
  const SPLITS = [0, 1, 2, 3, 4];
  const splitSets = ['breast_cancer', 'digits'].filter((n) => names.includes(n));
  const splits = {};
  for (const n of splitSets) {
    splits[n] = SPLITS.map((splitSeed) => {
      const d = splitSeed === 0 ? data[n] : loadFile(n, { splitSeed });
      const o = { init: 'glorot', hidden: 4, batch: 200, lr: 1 };
      return { splitSeed, sgd: medOn(d, { ...o, method: 'sgd' }),
        dn: medOn(d, { ...o, method: 'dn-sgd' }) };
    });
  }
  progress('splits done');
  // 6. A plain-JavaScript SGD against the library's, lr 1, 4 hidden units, batch 200.
  const plainSets = ['letter', 'digits', 'dna', 'breast_cancer'].filter((n) => names.includes(n));
  const plain = {};
  for (const n of plainSets) {
    plain[n] = {};
    for (const init of INITS) {
      const o = { hidden: 4, lr: 1, batch: 200, epochs: 20, init };
      plain[n][init] = {
        plain: median(SEEDS.map((seed) => plainSgd(data[n], { ...o, seed }, lib.Prng))),
        lib: med(n, { ...o, method: 'sgd' }),
      };
    }
  }
  progress('plain SGD done');
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;

  const L = [];
  const day = new Date().toISOString().slice(0, 10);
  L.push('# Why our DN-SGD ended above the independent implementation at lr 0.01', '');
  L.push(wrap(`Recorded by \`node scripts/tune.js --init-study /work/shared/data\` on ${day} ` +
    `(code at ${gitHead()}; ${wall.toFixed(0)} s of wall time; load average ${loadStart} at ` +
    `the start, ${load()} at the end). Every number is a final test loss after 20 epochs, ` +
    'the median over seeds 1, 2, 3 (seed of the initial weights and of the shuffling), with ' +
    'the CLI\'s data loading and split for each file (the same as results/datasets.md), ' +
    'one sigmoid hidden layer, alpha 0 (0.01 if alpha 0 fails). Each fit builds a `Network`, ' +
    'overwrites `net.params` where an initialisation other than the library\'s is studied, ' +
    'and trains with `Trainer.fitSync`. "Independent" (or "ind.") is an independent float64 ' +
    'PyTorch implementation of the same method (docs/method.md, median of 3 seeds).'));
  L.push('', '## Findings', '', findings(INIT_OUT), '');
  L.push('## What was run', '');
  L.push(wrap('Initialisations: **glorot** is the library\'s (weights uniform in ' +
    '+-sqrt(6 / (fan_in + fan_out)), zero biases). **torch** is PyTorch\'s nn.Linear default, ' +
    'computed in JavaScript: weights and biases uniform in +-1/sqrt(fan_in). On dna (180-4-3) ' +
    'the first layer\'s weight bound is 0.18 with glorot and 0.075 with torch, so with ' +
    'standardized inputs a hidden unit\'s initial pre-activation has a standard deviation of ' +
    'about 1.4 against 0.58; on letter (16-4-26) 0.55 against 0.25. Mixed variants: ' +
    '**torch-w** torch weights with zero biases, **torch-b** glorot weights with torch biases, ' +
    '**torch-first** / **torch-last** torch only in the first / the last layer.'));
  L.push('');
  L.push('## 1. Initialisation, hidden size, batch size (lr 0.01)', '');
  L.push(wrap('DN-SGD\'s final test loss, with SGD\'s in brackets. The paper\'s setting is 4 ' +
    'hidden units, batch 200.'));
  for (const n of Object.keys(grid)) {
    const ind = INDEPENDENT_001[n];
    L.push('', `### ${n} (independent at lr 0.01: DN-SGD ${ind.dn}, SGD ${ind.sgd})`, '');
    L.push('| init | hidden | batch 50 | batch 100 | batch 200 |');
    L.push('|---|---|---|---|---|');
    for (const init of INITS) {
      for (const hidden of HIDDEN) {
        const cells = BATCH.map((b) => both(grid[n].find((g) => g.init === init &&
          g.hidden === hidden && g.batch === b)));
        L.push(`| ${init} | ${hidden} | ${cells.join(' | ')} |`);
      }
    }
  }
  L.push('', '## 2. Which part of the initialisation (paper\'s hidden and batch sizes, lr 0.01)');
  for (const [title, key, indKey] of [['DN-SGD', 'dn', 'dn'], ['SGD', 'sgd', 'sgd']]) {
    L.push('', `${title}:`, '');
    L.push(`| dataset | ind. | ${PARTS.join(' | ')} |`);
    L.push(`|---|---|${PARTS.map(() => '---').join('|')}|`);
    for (const n of names) {
      const ind = INDEPENDENT_001[n];
      L.push(`| ${n} | ${ind ? ind[indKey] : '—'} | ` +
        `${parts[n].map((c) => f(c[key])).join(' | ')} |`);
    }
  }
  L.push('', 'Ours over the independent number, glorot -> torch:', '');
  for (const n of names) {
    const ind = INDEPENDENT_001[n];
    if (!ind) continue;
    const g = parts[n][0], t = parts[n][1];
    const r = (a, b) => `${(a / b).toFixed(2)}x`;
    L.push(`- ${n}: DN-SGD ${r(g.dn, ind.dn)} -> ${r(t.dn, ind.dn)}; SGD ` +
      `${r(g.sgd, ind.sgd)} -> ${r(t.sgd, ind.sgd)}`);
  }
  L.push('', '## 3. Wider hidden layers (batch 200)', '');
  L.push(wrap('Final test loss at lr 0.01 and at lr 1; the "ind." row gives the independent ' +
    'numbers at lr 0.01 and at each method\'s best rate (lr 1, except DN-SGD on dna, 0.1, ' +
    'and satellite, 0.3).'));
  for (const n of classSets) {
    const a = INDEPENDENT_001[n], b = INDEPENDENT[n];
    L.push('', `### ${n}`, '');
    L.push('| hidden | init | DN-SGD, 0.01 | SGD, 0.01 | DN-SGD, 1 | SGD, 1 |');
    L.push('|---|---|---|---|---|---|');
    for (const w of wide[n]) {
      L.push(`| ${w.hidden} | ${w.init} | ${f(w['dn-sgd@0.01'])} | ${f(w['sgd@0.01'])} | ` +
        `${f(w['dn-sgd@1'])} | ${f(w['sgd@1'])} |`);
    }
    if (a && b) {
      L.push(`| ind. | | ${a.dn} | ${a.sgd} | ${b.dn[0]} (lr ${b.dn[1]}) | ${b.sgd[0]} ` +
        `(lr ${b.sgd[1]}) |`);
    }
  }
  L.push('', '## 4. Best rate with each initialisation (paper\'s hidden and batch sizes)', '');
  L.push(wrap(`Each method's lowest median final test loss over lr in {${RATES.join(', ')}} ` +
    '(chosen on the test rows, like the independent table\'s best-rate columns), with the ' +
    'rate.'));
  L.push('');
  L.push('| dataset | SGD: glorot | SGD: torch | SGD: ind. | DN-SGD: glorot | DN-SGD: torch |');
  L.push('|---|---|---|---|---|---|');
  for (const n of names) {
    const b = best[n], ind = INDEPENDENT[n];
    const c = (k) => `${f(b[k].loss)} (${b[k].lr})`;
    const i = (x) => (x ? `${x[0]} (${x[1]})` : '—');
    L.push(`| ${n} | ${c('glorot:sgd')} | ${c('torch:sgd')} | ${i(ind && ind.sgd)} | ` +
      `${c('glorot:dn-sgd')} | ${c('torch:dn-sgd')} |`);
  }
  L.push('', wrap('The independent DN-SGD\'s best (lr): ' + names.filter((n) => INDEPENDENT[n])
    .map((n) => `${n} ${INDEPENDENT[n].dn[0]} (${INDEPENDENT[n].dn[1]})`).join(', ') + '.'));
  L.push('', '## 5. The random split of the small sets (lr 1, 4 hidden units, glorot)', '');
  L.push('| dataset | split seed | DN-SGD | SGD |');
  L.push('|---|---|---|---|');
  for (const n of splitSets) {
    for (const c of splits[n]) L.push(`| ${n} | ${c.splitSeed} | ${f(c.dn)} | ${f(c.sgd)} |`);
  }
  L.push('', '## 6. A plain-JavaScript SGD against the library\'s (lr 1, 4 hidden, batch 200)',
    '');
  L.push(wrap('The plain version (in scripts/tune.js) shares no code with the library except ' +
    'the data loading and the seeded generator; it shuffles with its own stream, so the two ' +
    'agree in distribution, not bit for bit.'));
  L.push('');
  L.push('| dataset | init | plain JS SGD | library SGD | SGD ind. (lr 1) |');
  L.push('|---|---|---|---|---|');
  for (const n of plainSets) {
    for (const init of INITS) {
      const ind = INDEPENDENT[n];
      L.push(`| ${n} | ${init} | ${f(plain[n][init].plain)} | ${f(plain[n][init].lib)} | ` +
        `${ind ? ind.sgd[0] : '—'} |`);
    }
  }
  L.push('');
  fs.writeFileSync(INIT_OUT, L.join('\n'));
  process.stderr.write(`wrote ${path.relative(ROOT, INIT_OUT)} in ${wall.toFixed(0)} s\n`);
}

main().catch((e) => {
  process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
