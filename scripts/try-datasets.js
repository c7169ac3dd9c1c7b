#!/usr/bin/env node
// Runs the built CLI end to end (compare, train --save, predict) on every CSV in a folder and
// records the printed tables, timings and exact commands in results/datasets.md, with the
// plots in results/plots/. Usage: node scripts/try-datasets.js DIR   (after npm run build)
'use strict';

const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { wrap } = require('./text');

const ROOT = path.resolve(__dirname, '..');
const MAIN = path.join(ROOT, 'dist', 'cli', 'main.js');
const RESULTS = path.join(ROOT, 'results');
const PLOTS = path.join(RESULTS, 'plots');

// Per file: the split its documentation recommends (the canonical ordered splits where the
// file keeps that order), and the log of a skewed price. Everything else takes the CLI's
// defaults: the target is the last column, a random 80/20 split (stratified for classes),
// and the paper's settings for the task.
const PER_FILE = {
  diamonds: ['--log-target'],
  letter: ['--train-rows', '16000'],
  satellite: ['--train-rows', '4435'],
  dna: ['--train-rows', '2000'],
  pima: ['--test-fraction', '0.25'],
};

function usage(message) {
  process.stderr.write(`${message}\nusage: node scripts/try-datasets.js DIR\n`);
  process.exit(1);
}

/** Runs the CLI; returns its stdout and the wall time. Any failure stops the script. */
function cli(args) {
  const t0 = process.hrtime.bigint();
  let stdout;
  try {
    stdout = execFileSync(process.execPath, [MAIN, ...args], {
      cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28,
    });
  } catch (e) {
    process.stderr.write(`failed: dnsgd ${args.join(' ')}\n${e.stderr || e.message}\n`);
    process.exit(1);
  }
  return { stdout, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

/** The command as a reader would type it, with the data folder written as $DIR. */
function shown(args, dir) {
  const quote = (a) => (/^[\w@%+=:,./$-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return ['dnsgd', ...args.map((a) => (a.startsWith(dir) ? '$DIR' + a.slice(dir.length) : a))]
    .map(quote).join(' ');
}


function fmt(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return Math.abs(v) >= 1000 ? v.toFixed(0) : v.toPrecision(4);
}

function secs(v) {
  if (v === null || v === undefined) return '—';
  return v < 0.01 ? v.toPrecision(2) : v.toFixed(3);
}

/** Who wins at the paper's equal learning rate, in steps and in training seconds. */
function verdict(d) {
  const rows = Object.fromEntries(d.table.map((r) => [r.optimizer, r]));
  const sgd = rows.sgd;
  const newton = ['dn-sgd', 'sgd-dn'].filter((n) => rows[n]);
  // Equal steps: every run takes the same steps, so the lower final test loss wins.
  const bySteps = [...d.table].sort((a, b) => a.testLoss - b.testLoss)[0].optimizer;
  // Seconds: who first reaches SGD's final test loss on the training clock.
  const reach = d.table.filter((r) => r.reachedSeconds !== null)
    .sort((a, b) => a.reachedSeconds - b.reachedSeconds);
  const bySeconds = reach.length ? reach[0].optimizer : '—';
  return { sgd, newton: newton.map((n) => rows[n]), bySteps, bySeconds };
}

function main() {
  const dirArg = process.argv[2];
  if (dirArg === undefined) usage('give the folder of CSV files');
  const dir = path.resolve(dirArg);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) usage(`not a folder: ${dirArg}`);
  if (!fs.existsSync(MAIN)) usage(`${MAIN} is missing; run npm run build first`);
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.csv')).sort();
  if (files.length === 0) usage(`no .csv files in ${dirArg}`);
  fs.mkdirSync(PLOTS, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dnsgd-try-'));

  const sections = [];
  const summary = [];
  for (const file of files) {
    const name = file.replace(/\.csv$/, '');
    const csv = path.join(dir, file);
    const extra = PER_FILE[name] ?? [];
    process.stderr.write(`${name} ...\n`);

    const jsonFile = path.join(tmp, `${name}.json`);
    const compareArgs = ['compare', csv, ...extra, '--out-dir', 'results/plots'];
    const compare = cli([...compareArgs, '--json-out', jsonFile]);
    const result = JSON.parse(fs.readFileSync(jsonFile, 'utf8')).datasets[0];

    const model = path.join(tmp, `${name}.dnsgd`);
    const trainArgs = ['train', csv, ...extra, '--optimizer', 'dn-sgd', '--save', model];
    const train = cli(trainArgs);

    const predOut = path.join(tmp, `${name}-predictions.csv`);
    const predictArgs = ['predict', model, csv, '--out', predOut];
    const predict = cli(predictArgs);
    const lines = fs.readFileSync(predOut, 'utf8').trimEnd().split('\n').length - 1;
    const dataRows = fs.readFileSync(csv, 'utf8').trimEnd().split('\n').length - 1;
    if (lines !== dataRows) {
      process.stderr.write(`${name}: ${lines} predictions for ${dataRows} rows\n`);
      process.exit(1);
    }

    const tmpShown = (s) => s.split(tmp).join('$TMP');
    sections.push([
      `## ${name}`,
      '',
      '```',
      `$ ${shown(compareArgs, dir)}`,
      compare.stdout.trimEnd(),
      `(wall time ${compare.seconds.toFixed(2)} s, data loading and plotting included)`,
      '',
      `$ ${tmpShown(shown(trainArgs, dir))}`,
      tmpShown(train.stdout.trimEnd()),
      `(wall time ${train.seconds.toFixed(2)} s)`,
      '',
      `$ ${tmpShown(shown(predictArgs, dir))}`,
      tmpShown(predict.stdout.trimEnd()),
      `(wall time ${predict.seconds.toFixed(2)} s; ${lines} prediction lines for ${dataRows} ` +
        'data rows)',
      '```',
      '',
      `![${name}](plots/dnsgd-${name}.svg)`,
      '',
    ].join('\n'));
    summary.push({ name, result, v: verdict(result) });
  }
  fs.rmSync(tmp, { recursive: true, force: true });

  const head = [
    '| dataset | network, batch | final test loss: SGD / DN-SGD / SGD-DN | lowest at equal ' +
      'steps | steps to SGD\'s loss: DN-SGD / SGD-DN (SGD\'s steps) | seconds to SGD\'s ' +
      'loss: DN-SGD / SGD-DN (SGD\'s) | training s: SGD / DN-SGD / SGD-DN | first to SGD\'s ' +
      'loss in seconds |',
    '|---|---|---|---|---|---|---|---|',
  ];
  const rowsMd = summary.map(({ name, result: d, v }) => {
    const [dn, sd] = v.newton;
    const s = d.settings;
    return `| ${name} | ${s.layers.join('-')}, ${s.batch} | ` +
      `${fmt(v.sgd.testLoss)} / ${fmt(dn.testLoss)} / ${fmt(sd.testLoss)} | ${v.bySteps} | ` +
      `${dn.reachedStep ?? '—'} / ${sd.reachedStep ?? '—'} (${v.sgd.reachedStep}) | ` +
      `${secs(dn.reachedSeconds)} / ${secs(sd.reachedSeconds)} ` +
      `(${secs(v.sgd.reachedSeconds)}) | ` +
      `${secs(v.sgd.seconds)} / ${secs(dn.seconds)} / ${secs(sd.seconds)} | ${v.bySeconds} |`;
  });

  const cpu = os.cpus();
  const day = new Date().toISOString().slice(0, 10);
  const doc = [
    '# dnsgd on the shared datasets',
    '',
    wrap(`Recorded by \`node scripts/try-datasets.js DIR\` on ${day}` +
      ` (DIR is the folder of CSV files given to it; commands below write it as \`$DIR\`, and ` +
      '`$TMP` is a temporary folder). Machine: ' +
      `${cpu.length} × ${cpu[0] ? cpu[0].model.trim() : 'unknown CPU'}, ${os.platform()} ` +
      `${os.release()}, Node ${process.version}; load average when it finished ` +
      `${os.loadavg().map((x) => x.toFixed(1)).join(' / ')} (1 / 5 / 15 min): other ` +
      'processes on the machine slow some runs down at random.'),
    '',
    wrap('Every run uses the CLI defaults, which are the paper\'s settings for the task: ' +
      'one sigmoid hidden layer (5 units for regression, 4 for classification), batch 50 ' +
      '(regression) or 200 (classification), lr 0.01 for SGD and for the front layer of ' +
      'DN-SGD and SGD-DN, alpha 0, 20 epochs, seed 1, one seed only. All three optimizers ' +
      'start from the same initial weights. Losses are test-set MSE of the standardized ' +
      '(log) target or cross-entropy. Seconds are training time on the fit\'s own clock ' +
      '(test evaluation excluded); on runs this short they are noisy to within a few ' +
      'milliseconds, and more when other processes compete for the cores. ' +
      'results/README.md discusses the outcome.'),
    '',
    '## Summary: who wins at the paper\'s equal learning rate',
    '',
    wrap('"Lowest at equal steps": every optimizer takes the same number of steps, so this ' +
      'is the lowest final test loss. "Steps to SGD\'s loss": the first test evaluation at ' +
      'or below SGD\'s final test loss (— = never within the run). "First to SGD\'s loss in ' +
      'seconds": the optimizer that reaches that loss first on the training clock (SGD ' +
      'itself reaches it at or near its end).'),
    '',
    ...head,
    ...rowsMd,
    '',
    ...sections,
  ].join('\n');
  fs.writeFileSync(path.join(RESULTS, 'datasets.md'), doc);
  process.stderr.write(`wrote ${path.relative(ROOT, path.join(RESULTS, 'datasets.md'))}\n`);
}

main();
