// Tests of the dnsgd command line, run as a child process on the built dist/cli/main.js with
// bundled data and few epochs: tables, plots, JSON, model round trips, and how bad input fails.
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import {
  AbortError, DataError, DnsgdError, Network, OPTIMIZER_NAMES, Transform, parseCsv, readCsv,
} from '../lib';
import { ACTIVATIONS as LIB_ACTIVATIONS } from '../lib/network';
import { describeFailure, flagWording } from '../lib/cli/failure';
import { ACTIVATIONS, OPTIMIZER_NAMES as CLI_OPTIMIZERS } from '../lib/cli/names';
import { UsageError } from '../lib/cli/options';
import { blowUpWarning } from '../lib/cli/run';
import { logScale, tickLabels } from '../lib/plot/scale';
import { lossFigure, textWidth } from '../lib/plot/svg';
import { repoRoot } from './helpers';

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
  return dnsgdWith({}, ...args);
}

/** dnsgd with extra environment variables (undefined removes one). */
function dnsgdWith(env: Record<string, string | undefined>, ...args: string[]): Ran {
  const merged: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete merged[k];
  const r = spawnSync(process.execPath, [MAIN, ...args], {
    cwd: work, encoding: 'utf8', timeout: 60000, env: merged,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Writes a file into the work folder and returns its name there. */
function workFile(name: string, content: string | Buffer): string {
  fs.writeFileSync(path.join(work, name), content);
  return name;
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
  describe('reading data', () => {
    it('refuses a stray non-number in a numeric column, naming file:line:column and value', () => {
      const f = workFile('inf.csv', 'a,b,y\n1,x,1\n2,y,2\n1e309,x,3\n4,y,4\n5,x,5\n');
      for (const cmd of ['train', 'compare']) {
        fails(dnsgd(cmd, f, '--epochs', '1'), 'inf.csv:4:1:', '"1e309"', 'not a finite number');
      }
      fails(dnsgd('train', fixture('stray-text.csv'), '--epochs', '1'),
        'stray-text.csv:5:1:', '"abc"', 'numeric column "size"');
    });

    it('prints how each column was typed and a note of dropped rows and empty columns', () => {
      const r = dnsgd('train', fixture('empty-column.csv'), '--test-fraction', '0',
        '--epochs', '1');
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout)
        .to.include('columns: 1 numeric (width); 1 text, one-hot (levels: colour 2)');
      expect(r.stdout).to.include('note: dropped 2 rows without a target');
      expect(r.stdout).to.include('left out empty columns notes, height');
      const c = dnsgd('compare', '--dataset', 'diamonds', '--epochs', '1', '--no-plot',
        '--optimizers', 'sgd');
      expect(c.code, c.stderr).to.equal(0);
      expect(c.stdout).to.include('columns: 6 numeric (carat, depth, table, x, y, z); 3 text, ' +
        'one-hot (levels: cut 5, color 7, clarity 8)');
      const j = JSON.parse(dnsgd('train', '--dataset', 'pima', '--epochs', '1', '--json').stdout);
      expect(j.data.columns.numeric).to.have.length(8);
      expect(j.data.notes).to.deep.equal({ rowsWithoutTarget: 0, rowsWithMissingFeatures: 0,
        imputedCells: 652, unseenCells: 0 });
    });

    it('refuses invalid UTF-8 and UTF-16 files with a clear message', () => {
      const latin1 = workFile('latin1.csv', Buffer.concat([Buffer.from('a,b,y\n1,caf'),
        Buffer.from([0xe9]), Buffer.from(',1\n2,x,2\n')]));
      fails(dnsgd('train', latin1), 'latin1.csv:2:', 'invalid UTF-8');
      const utf16 = workFile('utf16.csv', Buffer.concat([Buffer.from([0xff, 0xfe]),
        Buffer.from('a,y\n1,2\n3,4\n', 'utf16le')]));
      fails(dnsgd('train', utf16), 'utf16.csv:', 'UTF-16', 'convert it');
    });

    it('hints at --delimiter for a ;-separated file, and reads it with --delimiter', () => {
      fails(dnsgd('train', fixture('semicolon.csv')), "pass --delimiter ';'");
      const tsv = workFile('tabs.csv', 'a\tb\ty\n1\t2\t3\n4\t5\t6\n7\t8\t9\n');
      fails(dnsgd('train', tsv, '--target', 'y'), 'pass --delimiter tab');
      const r = dnsgd('train', tsv, '--delimiter', 'tab', '--test-fraction', '0', '--epochs', '1');
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.include('columns: 2 numeric (a, b)');
      fails(dnsgd('train', '--dataset', 'pima', '--delimiter', ';'),
        '--delimiter applies to a CSV');
      fails(dnsgd('train', tsv, '--delimiter', 'ab'), '--delimiter must be one character');
    });

    it('names flags, not API options, in data errors', () => {
      const cls = workFile('cls.csv', 'a,class\n1,x\n2,y\n3,x\n4,y\n');
      fails(dnsgd('train', cls, '--log-target'), '--log-target needs a regression target');
      fails(dnsgd('train', cls, '--train-rows', '9'), '--train-rows must be below');
      const neg = workFile('neg.csv', 'a,y\n1,1\n2,0\n3,3\n4,4\n');
      fails(dnsgd('train', neg, '--log-target'), 'neg.csv:3:2:', '--log-target needs positive');
      const mixed = workFile('mixed.csv', 'a,y\n1,1\n2,x\n3,3\n4,4\n');
      fails(dnsgd('train', mixed), 'pass --task classification');
      for (const r of [cls, neg, mixed].map((f) => dnsgd('train', f, '--log-target'))) {
        expect(r.stderr).to.not.match(/logTarget|trainRows|task: '/);
      }
    });

    it('refuses values too large to standardize, naming the file and the column', () => {
      const x = workFile('bigx.csv', 'a,b,y\n1,2,1\n2,1e300,2\n3,4,3\n4,5,4\n5,6,5\n');
      fails(dnsgd('train', x, '--test-fraction', '0'), 'bigx.csv:3:2:', 'feature column "b"',
        'too large');
      const y = workFile('bigy.csv', 'a,y\n1,1\n2,1e300\n3,3\n4,4\n5,5\n');
      // In the training rows or the test rows alike.
      for (const extra of [[], ['--no-standardize-target'], ['--train-rows', '1']]) {
        const r = dnsgd('train', y, ...extra);
        fails(r, 'bigy.csv:3:2:', 'regression target "y"', '--log-target');
        expect(r.stderr).to.not.include('transform.');
      }
    });

    it('suggests a column only for a likely typo, and names an empty --target', () => {
      fails(dnsgd('train', '--dataset', 'diabetes', '--target', ''), '--target needs a column');
      const far = dnsgd('train', '--dataset', 'diabetes', '--target', 'nonexistentcolumnxyz');
      fails(far, 'not found', 'Columns are');
      expect(far.stderr).to.not.include('did you mean');
      fails(dnsgd('train', '--dataset', 'diabetes', '--target', 'progresion'),
        'did you mean "progression"');
    });
  });

  describe('blown-up runs', () => {
    it('warns, naming the optimizer and suggesting a lower --lr, and still exits 0', () => {
      const r = dnsgd('compare', '--dataset', 'diabetes', '--optimizers', 'sgd,dn-sgd',
        '--lr', '1', '--epochs', '5', '--no-plot');
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stderr)
        .to.match(/dnsgd: warning: sgd blew up: its final train loss is \S+, \d+ times/);
      expect(r.stderr).to.include('try a lower --lr (now 1)');
      expect(r.stderr).to.not.include('warning: dn-sgd');
      const t = dnsgd('train', '--dataset', 'diabetes', '--optimizer', 'sgd', '--lr', '1',
        '--epochs', '5', '--json');
      expect(t.code, t.stderr).to.equal(0);
      expect(t.stderr).to.include('warning: sgd blew up');
      expect(JSON.parse(t.stdout).run.warning).to.include('--lr');
      const ok = dnsgd('train', '--dataset', 'diabetes', '--epochs', '2');
      expect(ok.stderr).to.not.include('warning');
    });

    it('flags a final loss above 10 times the initial one, or not finite', () => {
      const s = { lr: 0.5, alpha: 0 } as never;
      expect(blowUpWarning('sgd', 1, 9.9, s)).to.equal(null);
      expect(blowUpWarning('sgd', 1, 10.5, s)).to.include('sgd blew up');
      expect(blowUpWarning('dn-sgd', 1, Infinity, s)).to.include('--alpha');
      expect(blowUpWarning('adam', 2, NaN, s)).to.include('NaN');
    });

    it('labels a loss axis in one style and keeps its title clear of the labels', () => {
      expect(tickLabels([1, 10, 100, 1000, 1e4, 1e5, 1e6, 1e7])).to.deep.equal(
        ['1e0', '1e1', '1e2', '1e3', '1e4', '1e5', '1e6', '1e7']);
      expect(tickLabels([1.5e6, 2.5e5])).to.deep.equal(['1.5e6', '2.5e5']);
      expect(tickLabels([0.5, 1, 100000])).to.deep.equal(['0.5', '1', '100,000']);
      for (const top of [4e5, 7e7, 1e150]) {
        const pts = Array.from({ length: 30 }, (_, i) => ({
          step: i, seconds: i / 100, loss: 0.5 * (top / 0.5) ** (i / 29),
        }));
        const svg = lossFigure({ title: 't', yLabel: 'loss', methods: [{ name: 'sgd',
          train: pts, test: pts }] });
        const tick = /<text x="([\d.]+)" y="[\d.]+" text-anchor="end"[^>]*>([^<]*)</g;
        const labels = [...svg.matchAll(tick)];
        expect(labels.length).to.be.greaterThan(2);
        const styles = new Set(labels.map((m) => /e/.test(m[2]) ? 'exp' : 'plain'));
        expect(styles.size, `${top}`).to.equal(1);
        const title = new RegExp('<text x="([\\d.]+)" y="[\\d.]+" text-anchor="middle" ' +
          'font-size="13" transform="rotate').exec(svg);
        expect(title).to.not.equal(null);
        // The rotated title's glyphs end about 4 px right of its x; every label starts after.
        const firstPanel = labels.filter((m) => Number(m[1]) < 200);
        for (const m of firstPanel) {
          expect(Number(m[1]) - textWidth(m[2]), m[2]).to.be.above(Number(title?.[1]) + 4);
        }
      }
    });
  });

  describe('predict checks', () => {
    before(() => {
      const d = readCsv(bundled('diabetes'), { testFraction: 0 });
      const soft = new Network({ layers: [d.train.features.length, 3, 2], output: 'softmax' });
      soft.transform = d.transform.toJSON();
      soft.save(path.join(work, 'mismatch.dnsgd'));
      const l = readCsv(bundled('diabetes'), { testFraction: 0, logTarget: true });
      const huge = new Network({ layers: [l.train.features.length, 1], seed: 3 });
      huge.params.fill(200);
      huge.transform = l.transform.toJSON();
      huge.save(path.join(work, 'overflow.dnsgd'));
    });

    it('refuses a model whose output kind disagrees with its transform', () => {
      fails(dnsgd('predict', 'mismatch.dnsgd', bundled('diabetes')),
        'softmax outputs but its transform is for regression');
    });

    it('writes non-finite predictions as empty cells and counts them in a warning', () => {
      const r = dnsgd('predict', 'overflow.dnsgd', bundled('diabetes'), '--out', 'over.csv');
      expect(r.code, r.stderr).to.equal(0);
      const m = /warning: (\d+) rows? got a prediction that is not a finite number/.exec(r.stderr);
      expect(m, r.stderr).to.not.equal(null);
      const rows = csvRows(fs.readFileSync(path.join(work, 'over.csv'), 'utf8')).slice(1);
      const empty = rows.filter((x) => x.length < 2 || x[1] === '').length;
      expect(empty).to.equal(Number(m?.[1])).and.greaterThan(0);
      for (const x of rows) if (x[1] !== undefined && x[1] !== '') expect(Number.isFinite(+x[1]));
      expect(fs.readFileSync(path.join(work, 'over.csv'), 'utf8')).to.not.match(/Infinity|NaN/);
    });
  });

  describe('output locations', () => {
    before(() => {
      fs.mkdirSync(path.join(work, 'a-folder'), { recursive: true });
      fs.writeFileSync(path.join(work, 'a-file'), 'x');
    });

    it('checks --out-dir, --json-out and --save before training', () => {
      const cases: [string[], string[]][] = [
        [['compare', '--out-dir', 'a-file'], ["--out-dir 'a-file'", 'not a folder']],
        [['compare', '--out-dir', 'a-file/sub'], ["--out-dir 'a-file/sub'", 'not a folder']],
        [['compare', '--json-out', 'a-folder'], ["--json-out 'a-folder'", 'is a folder']],
        [['compare', '--json-out', 'nowhere/r.json'], ["--json-out 'nowhere/r.json'",
          "the folder 'nowhere' does not exist"]],
        [['train', '--save', 'a-folder'], ["--save 'a-folder'", 'is a folder']],
        [['train', '--save', 'nowhere/m.dnsgd'], ["--save 'nowhere/m.dnsgd'", 'does not exist']],
      ];
      for (const [args, frags] of cases) {
        const r = dnsgd(...args, '--dataset', 'pima', '--epochs', '1');
        fails(r, ...frags);
        expect(r.stderr, args.join(' ')).to.not.include('epoch');
        expect(r.stderr).to.not.match(/EEXIST|EISDIR|ENOENT|ENOTDIR|mkdir/);
      }
    });

    it('never replaces a special file or an input file with a model', () => {
      const fifo = path.join(work, 'a-fifo');
      const made = spawnSync('mkfifo', [fifo]).status === 0;
      if (made) {
        fails(dnsgd('train', '--dataset', 'pima', '--epochs', '1', '--save', 'a-fifo'),
          'not a regular file');
        expect(fs.statSync(fifo).isFIFO()).to.equal(true);
      }
      const csv = workFile('keep.csv', fs.readFileSync(bundled('diabetes'), 'utf8'));
      const before = fs.readFileSync(path.join(work, csv), 'utf8');
      fails(dnsgd('train', csv, '--save', csv), 'is the input file');
      expect(fs.readFileSync(path.join(work, csv), 'utf8')).to.equal(before);
    });

    it('checks predict --out before predicting', () => {
      expect(dnsgd('train', '--dataset', 'pima', '--epochs', '1', '--save', 'p.dnsgd').code)
        .to.equal(0);
      fails(dnsgd('predict', 'p.dnsgd', bundled('pima'), '--out', 'a-folder'), 'is a folder');
      fails(dnsgd('predict', 'p.dnsgd', bundled('pima'), '--out', 'no/p.csv'), 'does not exist');
      fails(dnsgd('predict', 'p.dnsgd', bundled('pima'), '--out', 'p.dnsgd'), 'is the input');
    });
  });

  describe('damped Newton flags', () => {
    it('passes --allow-floor and --solver to dn-sgd and sgd-dn', () => {
      const r = dnsgd('compare', '--dataset', 'letter', '--epochs', '1', '--json', '--no-plot',
        '--optimizers', 'sgd,dn-sgd', '--allow-floor', '--solver', 'dense', '--train-rows', '2000');
      expect(r.code, r.stderr).to.equal(0);
      const d = JSON.parse(r.stdout).datasets[0];
      expect(d.settings).to.include({ allowFloor: true, solver: 'dense' });
      expect(d.runs[1].config).to.include({ solver: 'dense', allowFloor: true });
      expect(d.runs[0].config).to.not.have.property('solver');
      fails(dnsgd('train', '--dataset', 'pima', '--optimizer', 'sgd', '--solver', 'cg'),
        '--solver applies to the damped Newton optimizers');
      fails(dnsgd('train', '--dataset', 'pima', '--solver', 'lu'), "'lu'", 'auto, dense, cg');
    });

    it('turns the library\'s hints into flags the command line has', () => {
      const factor = describeFailure(new DnsgdError('ERR_FACTOR_FAILED',
        'the damped Hessian is not positive definite; raise alpha above 0, or allow a damping ' +
        'floor'));
      expect(factor.exitCode).to.equal(1);
      expect(factor.lines[0]).to.include('pass --allow-floor');
      expect(factor.lines[1]).to.include('--allow-floor');
      const cg = describeFailure(new DnsgdError('ERR_NEWTON_NOT_CONVERGED',
        'conjugate gradients did not solve it; raise alpha or use the dense solver'));
      expect(cg.exitCode).to.equal(1);
      expect(cg.lines.join('\n')).to.include('--solver dense');
      expect(flagWording("pass task: 'classification'")).to.equal('pass --task classification');
    });
  });

  describe('environment and addon', () => {
    it('refuses a DNSGD_THREADS that is not a thread count', () => {
      for (const v of ['0', 'abc', '1000', '1.5', '-2']) {
        fails(dnsgdWith({ DNSGD_THREADS: v }, 'train', '--dataset', 'pima', '--epochs', '1'),
          'DNSGD_THREADS', `'${v}'`);
      }
      const ok = dnsgdWith({ DNSGD_THREADS: '2' }, 'train', '--dataset', 'pima', '--epochs', '1');
      expect(ok.code, ok.stderr).to.equal(0);
    });

    it('shows help without the addon and fails training with one line and exit 2', () => {
      const env = { DNSGD_ADDON: path.join(work, 'no-such-addon.node') };
      const h = dnsgdWith(env, '--help');
      expect(h.code).to.equal(0);
      expect(h.stdout).to.include('Usage: dnsgd');
      expect(dnsgdWith(env, '--version').code).to.equal(0);
      fails(dnsgdWith(env, 'train', '--epochs', 'x'), 'expected a number');
      const r = dnsgdWith(env, 'train', '--dataset', 'pima');
      expect(r.code).to.equal(2);
      expect(r.stderr).to.include('the native addon could not be loaded');
      expect(r.stderr).to.include('DNSGD_ADDON');
      expect(r.stderr).to.not.match(/\n\s+at |Require stack/);
      expect(r.stderr.trim().split('\n')).to.have.length(2);
    });

    it('keeps its own lists of optimizers and activations equal to the library\'s', () => {
      expect([...CLI_OPTIMIZERS]).to.deep.equal([...OPTIMIZER_NAMES]);
      expect([...ACTIVATIONS]).to.deep.equal([...LIB_ACTIVATIONS]);
    });
  });

  describe('flags of the other command and help', () => {
    it('says whose flag --no-plot, --out-dir and --save are', () => {
      fails(dnsgd('train', '--dataset', 'pima', '--no-plot'),
        "'--no-plot' is an option of compare", 'train draws no plot');
      fails(dnsgd('--dataset', 'pima', '--save', 'x.dnsgd'), "'--save' is an option of train");
      fails(dnsgd('predict', 'm', 'f', '--epochs', '2'), "'--epochs' is an option of");
    });

    it('says that bare dnsgd takes compare\'s options, with examples that name real files', () => {
      const r = dnsgd('--help');
      expect(r.stdout).to.include("With no command, dnsgd runs compare and takes compare's");
      const docs = fs.readFileSync(path.join(ROOT, 'docs', 'cli.md'), 'utf8');
      const help = ['--help', 'compare --help', 'train --help', 'predict --help']
        .map((a) => dnsgd(...a.split(' ')).stdout).join('\n');
      for (const text of [help, docs]) {
        const files = new Set([...text.matchAll(/\bdata\/[\w.-]+\.csv\b/g)].map((m) => m[0]));
        expect(files.size).to.be.greaterThan(0);
        for (const f of files) expect(fs.existsSync(path.join(ROOT, f)), f).to.equal(true);
        // Every CSV an example names is a bundled one.
        // Example lines, not the synopsis (whose lines end in a description after a gap).
        const examples = text.split('\n')
          .filter((l) => /^\s*(\$ )?dnsgd /.test(l) && !/\S {3,}[a-z]/.test(l));
        for (const line of examples) {
          for (const m of line.matchAll(/(\S+)\.csv\b/g)) {
            // Synopses ([file.csv]) and outputs are not inputs.
            if (m[0].startsWith('[') || /predictions/.test(m[0])) continue;
            expect(m[0], line).to.match(/^data\//);
          }
        }
      }
      expect(docs).to.include('"plot": "dnsgd-letter.svg"');
      expect(docs).to.match(/`NA` and `\?` are missing/);
    });
  });
  it('starts from the fan-in initialisation with --init fan-in and refuses unknown schemes', () => {
    const r = dnsgd('compare', '--dataset', 'diabetes', '--init', 'fan-in', '--epochs', '2',
      '--no-plot', '--json');
    expect(r.code, r.stderr).to.equal(0);
    expect(JSON.parse(r.stdout).datasets[0].settings.init).to.equal('fan-in');
    fails(dnsgd('compare', '--dataset', 'diabetes', '--init', 'xavier', '--no-plot'),
      'glorot, fan-in');
  });
});
