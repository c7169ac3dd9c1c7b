// Tests of the dnsgd command line, run as a child process on the built dist/cli/main.js with
// bundled data and few epochs: tables, plots, JSON, model round trips, and how bad input fails.
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { AbortError, DataError, DnsgdError, Network, Transform, parseCsv } from '../lib';
import { describeFailure } from '../lib/cli/failure';
import { UsageError } from '../lib/cli/options';
import { logScale } from '../lib/plot/scale';

function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('package.json not found');
    dir = up;
  }
  return dir;
}

const ROOT = repoRoot();
const MAIN = path.join(ROOT, 'dist', 'cli', 'main.js');
const fixture = (name: string): string => path.join(ROOT, 'test', 'fixtures', name);
const bundled = (name: string): string => path.join(ROOT, 'data', `${name}.csv`);

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

let work: string;

function dnsgd(...args: string[]): Ran {
  const r = spawnSync(process.execPath, [MAIN, ...args], {
    cwd: work, encoding: 'utf8', timeout: 60000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A failed run: exit 1, one message on stderr, no stack trace. */
function fails(r: Ran, ...fragments: string[]): void {
  expect(r.code, r.stderr).to.equal(1);
  for (const f of fragments) expect(r.stderr).to.include(f);
  expect(r.stderr).to.not.match(/\n\s+at /);
}

/** The CSV rows of a predictions file (no quoted fields in these tests). */
function csvRows(text: string): string[][] {
  return text.trimEnd().split('\n').map((l) => l.split(','));
}

describe('dnsgd command line', function () {
  this.timeout(60000);

  before(() => {
    expect(fs.existsSync(MAIN), `${MAIN} (run npm run build)`).to.equal(true);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'dnsgd-cli-'));
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  describe('compare', () => {
    let run: Ran;
    let svg: string;
    before(() => {
      run = dnsgd('compare', '--dataset', 'breast_cancer', '--epochs', '3', '--out-dir', 'plots');
      svg = fs.readFileSync(path.join(work, 'plots', 'dnsgd-breast_cancer.svg'), 'utf8');
    });

    it('prints one table row per optimizer with losses, accuracy, steps and seconds', () => {
      expect(run.code, run.stderr).to.equal(0);
      for (const h of ['train loss', 'test loss', 'test accuracy', 'steps', 'seconds',
        'steps to sgd', 'seconds to sgd']) {
        expect(run.stdout).to.include(h);
      }
      for (const name of ['sgd', 'dn-sgd', 'sgd-dn']) {
        expect(run.stdout).to.match(new RegExp(`^  ${name} +\\d`, 'm'));
      }
      expect(run.stdout).to.include('plot: plots/dnsgd-breast_cancer.svg');
    });

    it('reports progress one line per epoch when stderr is not a terminal', () => {
      expect(run.stderr).to.include('breast_cancer dn-sgd epoch 3/3: train loss');
      expect(run.stderr).to.not.include('\u001b[');
    });

    it('writes an SVG with both panels, axis labels, ticks and a legend of the methods', () => {
      expect(svg.startsWith('<svg')).to.equal(true);
      expect(svg.trimEnd().endsWith('</svg>')).to.equal(true);
      for (const name of ['sgd', 'dn-sgd', 'sgd-dn']) expect(svg).to.include(`>${name}</text>`);
      expect(svg).to.include('steps (mini-batches)');
      expect(svg).to.include('training seconds');
      expect(svg).to.include('loss (cross-entropy, log scale)');
      expect(svg).to.include('test loss');
      expect(svg).to.include('stroke-dasharray');
      // Three methods, a train and a test curve each, in each of the two panels.
      expect(svg.match(/<polyline /g)?.length).to.equal(12);
    });

    it('starts every optimizer from the same initial weights', () => {
      const r = dnsgd('--dataset', 'diabetes', '--epochs', '1', '--json', '--no-plot');
      const j = JSON.parse(r.stdout);
      const first = j.datasets[0].runs.map((x: { history: { evaluations: { loss: number }[] } }) =>
        x.history.evaluations[0].loss);
      expect(new Set(first).size).to.equal(1);
    });
  });

  describe('compare --json', () => {
    it('prints the settings, histories and table as JSON and no progress', () => {
      const r = dnsgd('--dataset', 'diabetes', '--epochs', '2', '--json', '--no-plot',
        '--optimizers', 'sgd,dn-sgd,sgd-dn,adam');
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stderr).to.equal('');
      const j = JSON.parse(r.stdout);
      expect(j.command).to.equal('compare');
      expect(j.wallSeconds).to.be.a('number');
      expect(j.datasets).to.have.length(1);
      const d = j.datasets[0];
      expect(d.name).to.equal('diabetes');
      expect(d.data).to.include({ task: 'regression', target: 'progression', trainRows: 353 });
      expect(d.settings).to.include({ epochs: 2, batch: 50, lr: 0.01, alpha: 0, seed: 1 });
      expect(d.settings.layers).to.deep.equal([10, 5, 1]);
      expect(d.settings.optimizers).to.deep.equal(['sgd', 'dn-sgd', 'sgd-dn', 'adam']);
      expect(d.baseline).to.equal('sgd');
      expect(d.plot).to.equal(null);
      expect(d.runs).to.have.length(4);
      expect(d.table.map((t: { optimizer: string }) => t.optimizer))
        .to.deep.equal(['sgd', 'dn-sgd', 'sgd-dn', 'adam']);
      for (const run of d.runs) {
        expect(run.history.epochs).to.have.length(2);
        expect(run.history.steps.loss).to.have.length(16);
        expect(run.history.evaluations[0].step).to.equal(0);
        expect(run.history.trainCurve.length).to.be.greaterThan(0);
        expect(run.summary.testMetric).to.be.a('number').and.greaterThan(0);
      }
      for (const row of d.table) {
        for (const k of ['trainLoss', 'testLoss', 'testMetric', 'steps', 'seconds']) {
          expect(row[k]).to.be.a('number');
        }
      }
      // The baseline reaches its own final test loss at its last evaluation.
      expect(d.table[0].reachedStep).to.equal(16);
    });
  });

  describe('train and predict', () => {
    it('round-trips a regression model: one prediction per row, equal to Network.load', () => {
      const csv = path.join(work, 'diabetes.csv');
      fs.copyFileSync(bundled('diabetes'), csv);
      const t = dnsgd('train', 'diabetes.csv', '--target', 'progression', '--log-target',
        '--optimizer', 'sgd-dn', '--epochs', '2', '--save', 'diabetes.dnsgd');
      expect(t.code, t.stderr).to.equal(0);
      expect(t.stdout).to.match(/test loss \d/);
      expect(t.stdout).to.include('saved diabetes.dnsgd');

      const p = dnsgd('predict', 'diabetes.dnsgd', 'diabetes.csv', '--out', 'pred.csv');
      expect(p.code, p.stderr).to.equal(0);
      expect(p.stdout).to.include('wrote 442 predictions');
      expect(p.stdout).to.match(/442 rows with a target: loss \d.*RMSE \(progression\) \d/);
      const rows = csvRows(fs.readFileSync(path.join(work, 'pred.csv'), 'utf8'));
      expect(rows[0]).to.deep.equal(['row', 'progression']);
      expect(rows).to.have.length(443);

      const net = Network.load(path.join(work, 'diabetes.dnsgd'));
      const transform = Transform.fromJSON(net.transform);
      const enc = transform.apply(csv, { target: 'ignore' });
      const expected = transform.decodeRegression(net.predict(enc.x));
      rows.slice(1).forEach((r, i) => {
        expect(r[0]).to.equal(`${i + 1}`);
        expect(Number.isFinite(Number(r[1]))).to.equal(true);
        expect(r[1]).to.equal(`${expected[i]}`);
      });
      expect(net.meta).to.include({ optimizer: 'sgd-dn', dataset: 'diabetes' });
    });

    it('predicts classes with probabilities, matching columns by name and imputing gaps', () => {
      const t = dnsgd('train', '--dataset', 'pima', '--epochs', '2', '--save', 'pima.dnsgd');
      expect(t.code, t.stderr).to.equal(0);
      // The same rows with the columns reversed and the target removed.
      const table = parseCsv(bundled('pima'));
      const keep = table.header.map((_, j) => j).filter((j) => table.header[j] !== 'class');
      const order = [...keep].reverse();
      const lines = [order.map((j) => table.header[j]).join(',')];
      for (const row of table.rows) lines.push(order.map((j) => row[j]).join(','));
      fs.writeFileSync(path.join(work, 'pima-features.csv'), lines.join('\n') + '\n');

      const p = dnsgd('predict', 'pima.dnsgd', 'pima-features.csv');
      expect(p.code, p.stderr).to.equal(0);
      expect(p.stderr).to.include('filled missing cells');
      expect(p.stderr).to.not.include('rows with a target');
      const rows = csvRows(p.stdout);
      expect(rows[0]).to.deep.equal(['row', 'class', 'p_neg', 'p_pos']);
      expect(rows).to.have.length(769);

      const net = Network.load(path.join(work, 'pima.dnsgd'));
      const transform = Transform.fromJSON(net.transform);
      const prob = net.predict(transform.apply(bundled('pima'), { target: 'ignore' }).x);
      rows.slice(1).forEach((r, i) => {
        const p0 = Number(r[2]);
        const p1 = Number(r[3]);
        expect(p0 + p1).to.be.closeTo(1, 1e-12);
        expect(r[1]).to.equal(p1 > p0 ? 'pos' : 'neg');
        expect(r[2]).to.equal(`${prob[2 * i]}`);
        expect(r[3]).to.equal(`${prob[2 * i + 1]}`);
      });
    });
  });

  describe('help', () => {
    for (const cmd of ['compare', 'train', 'predict']) {
      it(`${cmd} --help lists the options and examples`, () => {
        const r = dnsgd(cmd, '--help');
        expect(r.code).to.equal(0);
        expect(r.stdout).to.include(`Usage: dnsgd ${cmd}`);
        expect(r.stdout).to.include('Examples:');
        expect(r.stdout).to.include(cmd === 'predict' ? '--out' : '--epochs');
      });
    }
  });

  describe('bad input', () => {
    it('refuses an unknown flag and suggests the right one', () => {
      fails(dnsgd('compare', '--epoch', '2'), "unknown option '--epoch'", '--epochs');
    });

    it('refuses a mistyped command and suggests the right one', () => {
      fails(dnsgd('trian', '--dataset', 'pima'), "unknown command 'trian'", "'train'");
    });

    it('names a missing file', () => {
      fails(dnsgd('compare', 'no-such.csv'), "'no-such.csv'", 'no such file');
    });

    it('names a missing target column and the closest one', () => {
      fails(dnsgd('compare', fixture('bad-target.csv'), '--target', 'prise'),
        'target column "prise" not found', 'did you mean "price"');
    });

    it('gives the line of a ragged row', () => {
      fails(dnsgd('train', fixture('ragged.csv')), 'ragged.csv:3:', 'fields');
    });

    it('refuses a negative --alpha before training', () => {
      const r = dnsgd('compare', '--dataset', 'pima', '--alpha', '-1');
      fails(r, '--alpha must be >= 0');
      expect(r.stderr).to.not.include('epoch');
    });

    it('refuses an unknown optimizer and suggests dn-sgd', () => {
      fails(dnsgd('compare', '--dataset', 'pima', '--optimizers', 'sgd,dnsgd'),
        "unknown optimizer 'dnsgd'", "did you mean 'dn-sgd'");
    });

    it('refuses a file that is not a model', () => {
      fails(dnsgd('predict', fixture('ragged.csv'), fixture('ragged.csv')),
        'not a dnsgd model file');
    });

    it('reports a diverging run with its step, settings and a hint', () => {
      const r = dnsgd('compare', '--dataset', 'diabetes', '--optimizers', 'sgd', '--lr', '1e10',
        '--no-plot');
      fails(r, 'not finite', 'step', 'lr=', 'hint:', '--lr');
    });
  });

  describe('describeFailure', () => {
    it('maps bad input to 1, interruption to 130 and anything else to 2', () => {
      expect(describeFailure(new UsageError('x')).exitCode).to.equal(1);
      expect(describeFailure(new DataError('ERR_RAGGED_ROW', 'r', { file: 'f', line: 3 }))
        .lines[0]).to.equal('dnsgd: error: f:3: r');
      expect(describeFailure(new RangeError('lr must be > 0')).exitCode).to.equal(1);
      expect(describeFailure(new DnsgdError('ERR_MODEL_FILE', 'bad')).exitCode).to.equal(1);
      const nan = describeFailure(new DnsgdError('ERR_NONFINITE_LOSS', 'epoch 2, step 5: inf'));
      expect(nan.exitCode).to.equal(1);
      expect(nan.lines[1]).to.include('--alpha');
      expect(describeFailure(new AbortError('stop')).exitCode).to.equal(130);
      for (const err of [new Error('boom'), new DnsgdError('ERR_BUSY', 'busy'), 'odd']) {
        const f = describeFailure(err);
        expect(f.exitCode).to.equal(2);
        expect(f.lines.join('\n')).to.include('report');
      }
    });
  });

  describe('logScale', () => {
    it('labels 4 or more ticks inside the range, in order, for narrow and wide ranges', () => {
      for (const [lo, hi] of [[0.017, 2.4], [1.49, 3.3], [0.26, 2.1], [1e-6, 10], [5, 5.01]]) {
        const s = logScale(lo, hi, 300);
        expect(s.ticks.length, `${lo}..${hi}`).to.be.within(3, 12);
        const px = s.ticks.map((t) => s.map(t.value));
        for (const p of px) expect(p).to.be.within(0, 300);
        for (let i = 1; i < px.length; i++) expect(px[i]).to.be.below(px[i - 1]);
        expect(s.map(lo)).to.be.within(0, 300);
        expect(s.map(hi)).to.be.within(0, 300);
      }
    });
  });
});
