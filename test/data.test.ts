// Tests of the data layer: CSV parsing and its errors, typing, imputation, one-hot encoding,
// splits, standardization, and the serializable Transform.
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  BUNDLED, BUNDLED_NAMES, DataError, LoadedData, Prng, Transform, TransformJSON, bundledPath,
  loadBundled, packageRoot, parseCsv, randomSplit, readCsv, sortLabels, stratifiedSplit,
} from '../lib/data';
import { closestName, suggestColumn } from '../lib/data/errors';
import { cellKind } from '../lib/data/values';
import { repoRoot } from './helpers';

const ROOT = repoRoot();
const fixture = (name: string): string => path.join(ROOT, 'test', 'fixtures', name);
const dataFile = (name: string): string => path.join(ROOT, 'data', name);

/** Runs `fn`, expects a DataError with `code`, and returns it for further checks. */
function dataError(fn: () => unknown, code: string): DataError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(DataError);
    const err = e as DataError;
    expect(err.code, err.message).to.equal(code);
    return err;
  }
  throw new Error(`expected a DataError ${code}`);
}

/** Bit-for-bit equality of two typed arrays (distinguishes -0 from 0, unlike ===). */
function sameBits(a: ArrayBufferView, b: ArrayBufferView): boolean {
  const ba = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const bb = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  return ba.equals(bb);
}

function columnMeanStd(x: Float64Array, rows: number, f: number, j: number): [number, number] {
  let s = 0;
  for (let r = 0; r < rows; r++) s += x[r * f + j];
  const m = s / rows;
  let ss = 0;
  for (let r = 0; r < rows; r++) ss += (x[r * f + j] - m) ** 2;
  return [m, Math.sqrt(ss / rows)];
}

/** The raw CSV cells, for checking encodings against the file itself. */
function rawRows(file: string): { header: string[]; rows: string[][] } {
  const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  return { header: lines[0].split(','), rows: lines.slice(1).map((l) => l.split(',')) };
}

// Loaded once: the two large files dominate the run time.
let diamonds: LoadedData;
let letter: LoadedData;
before(function () {
  diamonds = loadBundled('diamonds');
  letter = loadBundled('letter');
});

describe('parseCsv', () => {
  it('rejects an empty file with a DataError naming the file', () => {
    const err = dataError(() => parseCsv(fixture('empty.csv')), 'ERR_EMPTY_FILE');
    expect(err.message).to.contain('empty.csv');
  });

  it('rejects a file with a header but no data rows, pointing at line 1', () => {
    const err = dataError(() => parseCsv(fixture('header-only.csv')), 'ERR_NO_DATA_ROWS');
    expect(err.message).to.match(/header-only\.csv:1: /);
  });

  it('rejects a ragged row with file, line and the first unmatched field', () => {
    const err = dataError(() => parseCsv(fixture('ragged.csv')), 'ERR_RAGGED_ROW');
    expect(err.message).to.match(/ragged\.csv:3:3: row has 2 fields but the header has 3/);
    expect([err.line, err.column]).to.deep.equal([3, 3]);
  });

  it('counts lines correctly after a quoted line break and a blank line', () => {
    const err = dataError(() => parseCsv(fixture('ragged-quoted.csv')), 'ERR_RAGGED_ROW');
    expect(err.message).to.match(/ragged-quoted\.csv:5:4: row has 4 fields/);
  });

  it('rejects duplicate header names at their line and column', () => {
    const err = dataError(() => parseCsv(fixture('duplicate-header.csv')), 'ERR_DUPLICATE_HEADER');
    expect(err.message).to.match(/duplicate-header\.csv:1:3: duplicate column name "x"/);
  });

  it('rejects an empty header name', () => {
    dataError(() => parseCsv({ text: 'a,,c\n1,2,3\n' }), 'ERR_EMPTY_HEADER');
  });

  it('reports an unclosed quote as BAD_CSV with its line', () => {
    const err = dataError(() => parseCsv(fixture('unclosed-quote.csv')), 'ERR_BAD_CSV');
    expect(err.line).to.equal(1);
  });

  it('reports an unreadable path as a DataError', () => {
    dataError(() => parseCsv(fixture('no-such-file.csv')), 'ERR_BAD_CSV');
  });

  it('strips a BOM, handles CRLF and trims spaces around fields', () => {
    const t = parseCsv(fixture('messy.csv'));
    expect(t.header).to.deep.equal(['id', 'size', 'colour', 'grade', 'label']);
    expect(t.rows[0]).to.deep.equal(['1', '1.5', 'red', '3', 'good']);
    expect(t.rows.length).to.equal(8);
  });

  it('accepts in-memory text and another delimiter', () => {
    const t = parseCsv({ text: 'a;b\n1;2\n', name: 'mem' }, { delimiter: ';' });
    expect(t.name).to.equal('mem');
    expect(t.rows).to.deep.equal([['1', '2']]);
    expect(() => parseCsv({ text: 'a\n1\n' }, { delimiter: '"' })).to.throw(RangeError);
  });
});

describe('readCsv', () => {
  describe('errors', () => {
    it('suggests the closest column name for an unknown target', () => {
      const err = dataError(
        () => readCsv(fixture('bad-target.csv'), { target: 'prize' }),
        'ERR_UNKNOWN_COLUMN',
      );
      expect(err.message).to.match(/bad-target\.csv:1: /);
      expect(err.message).to.contain('did you mean "price"?');
    });

    it('rejects a non-numeric cell in a regression target with line and column', () => {
      for (const task of ['regression', 'auto'] as const) {
        const err = dataError(
          () => readCsv(fixture('bad-target.csv'), { task }),
          'ERR_NON_NUMERIC_TARGET',
        );
        expect(err.message).to.match(/bad-target\.csv:4:3: non-numeric value "n\/a"/);
        expect(err.columnName).to.equal('price');
      }
    });

    it('rejects a class column with a single class (after dropping missing targets)', () => {
      const err = dataError(() => readCsv(fixture('single-class.csv')), 'ERR_SINGLE_CLASS');
      expect(err.message).to.match(/single-class\.csv:1:3: .*single class "yes"/);
    });

    it('rejects an unknown feature or excluded column with a suggestion', () => {
      const e1 = dataError(
        () => readCsv(fixture('bad-target.csv'), { features: ['sise'] }),
        'ERR_UNKNOWN_COLUMN',
      );
      expect(e1.message).to.contain('did you mean "size"?');
      const f = fixture('bad-target.csv');
      dataError(() => readCsv(f, { exclude: ['nope'] }), 'ERR_UNKNOWN_COLUMN');
    });

    it('rejects a table with no feature columns', () => {
      dataError(() => readCsv({ text: 'class\na\nb\n' }), 'ERR_NO_FEATURES');
    });

    it('rejects unknown, conflicting and out-of-range options', () => {
      const f = fixture('fruit-train.csv');
      expect(() => readCsv(f, { testFration: 0.1 } as never)).to.throw(TypeError, /testFraction/);
      expect(() => readCsv(f, { testFraction: 0.2, trainRows: 3 })).to.throw(RangeError);
      expect(() => readCsv(f, { testFraction: 1 })).to.throw(RangeError);
      expect(() => readCsv(f, { trainRows: 1.5 })).to.throw(RangeError);
      expect(() => readCsv(f, { trainRows: 5 })).to.throw(RangeError, /trainRows must be below/);
      expect(() => readCsv(f, { seed: -1 })).to.throw(RangeError);
      expect(() => readCsv(f, { task: 'ranking' as never })).to.throw(RangeError);
      expect(() => readCsv(f, { dropMissing: 'yes' as never })).to.throw(TypeError);
      expect(() => readCsv(f, { logTarget: true })).to.throw(RangeError, /regression/);
      expect(() => readCsv(f, { features: ['kind'] })).to.throw(RangeError, /target/);
    });

    it('rejects a non-positive target when logTarget is set', () => {
      const text = 'a,y\n1,2\n2,0\n3,4\n';
      const err = dataError(
        () => readCsv({ text, name: 'log.csv' }, { logTarget: true, testFraction: 0 }),
        'ERR_NON_POSITIVE_TARGET',
      );
      expect(err.message).to.match(/^log\.csv:3:2: /);
    });
  });

  describe('task', () => {
    it('picks classification for a target named class, even with numeric labels', () => {
      const text = 'a,class\n1,10\n2,9\n3,10\n4,2\n';
      const d = readCsv({ text }, { testFraction: 0 });
      expect(d.report.task).to.equal('classification');
      // Numeric labels sort by value, so "10" comes after "9".
      expect(d.transform.classes).to.deep.equal(['2', '9', '10']);
      expect(Array.from(d.train.y)).to.deep.equal([2, 1, 2, 0]);
    });

    it('picks classification for a text target and regression for a numeric one', () => {
      expect(readCsv(fixture('fruit-train.csv'), { testFraction: 0 }).report.task)
        .to.equal('classification');
      expect(readCsv({ text: 'a,v\n1,2\n2,3\n' }, { testFraction: 0 }).report.task)
        .to.equal('regression');
    });

    it('honours an explicit classification task on a numeric target', () => {
      const text = 'a,v\n1,0\n2,1\n3,1\n';
      const d = readCsv({ text }, { task: 'classification', testFraction: 0 });
      expect(d.train.task).to.equal('classification');
      expect(d.transform.classes).to.deep.equal(['0', '1']);
    });
  });

  describe('classification labels', () => {
    it('maps labels to indices of the sorted class names', () => {
      const d = loadBundled('breast_cancer');
      expect(d.transform.classes).to.deep.equal(['benign', 'malignant']);
      const raw = rawRows(bundledPath('breast_cancer'));
      for (const part of [d.train, d.test]) {
        if (part.task !== 'classification') throw new Error('expected classification');
        expect(part.y).to.be.instanceOf(Int32Array);
        expect(part.classes).to.deep.equal(['benign', 'malignant']);
        for (let i = 0; i < part.rows; i++) {
          expect(part.classes[part.y[i]]).to.equal(raw.rows[part.rowIndex[i]][30]);
        }
      }
    });

    it('maps the 26 letters to 0..25 in alphabetical order', () => {
      const classes = letter.transform.classes as readonly string[];
      expect(classes.join('')).to.equal('ABCDEFGHIJKLMNOPQRSTUVWXYZ');
      // The first row of the file is a T.
      expect(letter.train.y[0]).to.equal(19);
    });
  });

  describe('missing values', () => {
    it('imputes pima with the training mean and reports the known counts', () => {
      const d = loadBundled('pima');
      const known = { glucose: 5, pressure: 35, triceps: 227, insulin: 374, mass: 11 };
      expect(d.report.imputed).to.deep.equal(known);
      expect(d.report.rowsDropped).to.deep.equal({ missingTarget: 0, missingFeatures: 0 });
      for (const [col, n] of Object.entries(known)) {
        expect((d.report.train.imputed[col] ?? 0) + (d.report.test.imputed[col] ?? 0))
          .to.equal(n);
      }
      // The fill is the mean of the non-missing training cells, computed here independently.
      const raw = rawRows(bundledPath('pima'));
      const j = raw.header.indexOf('insulin');
      const vals = Array.from(d.train.rowIndex, (r) => raw.rows[r][j]).filter((v) => v !== '');
      const mean = vals.reduce((s, v) => s + Number(v), 0) / vals.length;
      const spec = d.transform.columns.find((c) => c.name === 'insulin');
      expect(spec?.kind).to.equal('numeric');
      expect(spec?.kind === 'numeric' ? spec.fill : NaN).to.be.closeTo(mean, 1e-9);
    });

    it('drops rows with a missing feature under dropMissing and counts them', () => {
      const d = loadBundled('pima', { dropMissing: true });
      expect(d.train.rows + d.test.rows).to.equal(392);
      expect(d.report.rowsDropped).to.deep.equal({ missingTarget: 0, missingFeatures: 376 });
      expect(d.report.imputed).to.deep.equal({});
    });

    it('reads empty, NA and ? as missing, gives text a missing level, drops missing targets',
      () => {
        const d = readCsv(fixture('messy.csv'), { exclude: ['id'], testFraction: 0 });
        expect(d.report.rowsRead).to.equal(8);
        expect(d.report.rowsDropped).to.deep.equal({ missingTarget: 1, missingFeatures: 0 });
        expect(d.report.imputed).to.deep.equal({ size: 2, colour: 1, grade: 1 });
        expect(d.train.features).to.deep.equal([
          'size', 'colour=blue', 'colour=green', 'colour=red', 'colour=(missing)', 'grade',
        ]);
        // Row 3 of the file (data row 2) has colour "?": its missing-level indicator is set.
        const { mean, std } = d.transform.scale();
        const k = Array.from(d.train.rowIndex).indexOf(2);
        expect(d.train.x[k * 6 + 4] * std[4] + mean[4]).to.be.closeTo(1, 1e-12);
        expect(d.train.x[k * 6 + 3] * std[3] + mean[3]).to.be.closeTo(0, 1e-12);
      });

    it('honours a custom list of missing tokens', () => {
      const text = 'a,b,y\n1,x,1\n-,?,2\n3,x,3\n';
      const d = readCsv({ text }, { missingValues: ['-'], testFraction: 0 });
      expect(d.report.imputed).to.deep.equal({ a: 1 });
      // The list replaces the defaults, so "?" is an ordinary level now.
      const b = d.transform.columns[1];
      expect(b.kind === 'text' ? b.levels : []).to.deep.equal(['?', 'x']);
    });

    it('counts the drops of dropMissing on the messy fixture', () => {
      const d = readCsv(fixture('messy.csv'), {
        exclude: ['id'], testFraction: 0, dropMissing: true,
      });
      expect(d.report.rowsDropped).to.deep.equal({ missingTarget: 1, missingFeatures: 4 });
      expect(Array.from(d.train.rowIndex)).to.deep.equal([0, 5, 7]);
    });
  });

  describe('one-hot encoding', () => {
    it('encodes diamonds to 6 numeric + 5 cut + 7 color + 8 clarity = 26 features', () => {
      const f = diamonds.train.features;
      expect(f.length).to.equal(26);
      expect(f.filter((n) => n.startsWith('cut=')).length).to.equal(5);
      expect(f.filter((n) => n.startsWith('color=')).length).to.equal(7);
      expect(f.filter((n) => n.startsWith('clarity=')).length).to.equal(8);
      expect(f.filter((n) => !n.includes('=')))
        .to.deep.equal(['carat', 'depth', 'table', 'x', 'y', 'z']);
      expect(f.slice(1, 6)).to.deep.equal(
        ['cut=Fair', 'cut=Good', 'cut=Ideal', 'cut=Premium', 'cut=Very Good'],
      );
    });

    it('sets exactly the level of each row, as in the file', () => {
      const { mean, std } = diamonds.transform.scale();
      const raw = rawRows(bundledPath('diamonds'));
      const f = 26;
      const d = diamonds.train;
      for (let i = 0; i < 200; i++) {
        const cells = raw.rows[d.rowIndex[i]];
        const hot: string[] = [];
        for (let j = 0; j < f; j++) {
          const v = d.x[i * f + j] * std[j] + mean[j];
          if (d.features[j].includes('=')) {
            expect(Math.abs(v - Math.round(v))).to.be.below(1e-9);
            if (Math.round(v) === 1) hot.push(d.features[j]);
          }
        }
        expect(hot).to.deep.equal([`cut=${cells[1]}`, `color=${cells[2]}`, `clarity=${cells[3]}`]);
      }
    });
  });

  describe('regression target', () => {
    it('trains diamonds on standardized log(price) and decodes back to dollars', () => {
      const d = diamonds.train;
      expect(d.task).to.equal('regression');
      expect(d.y).to.be.instanceOf(Float64Array);
      expect(diamonds.transform.logTarget).to.equal(true);
      const raw = rawRows(bundledPath('diamonds'));
      const back = diamonds.transform.decodeRegression(d.y.subarray(0, 100));
      for (let i = 0; i < 100; i++) {
        const price = Number(raw.rows[d.rowIndex[i]][9]);
        expect(back[i]).to.be.closeTo(price, price * 1e-12);
      }
      const [m, s] = columnMeanStd(d.y as Float64Array, d.rows, 1, 0);
      expect(m).to.be.closeTo(0, 1e-12);
      expect(s).to.be.closeTo(1, 1e-12);
    });

    it('keeps the raw target when logTarget and standardizeTarget are off', () => {
      const d = readCsv(dataFile('diabetes.csv'), { testFraction: 0 });
      const raw = rawRows(dataFile('diabetes.csv'));
      expect(Array.from(d.train.y.subarray(0, 3))).to.deep.equal(
        raw.rows.slice(0, 3).map((r) => Number(r[10])),
      );
      expect(d.transform.targetScale).to.equal(null);
    });
  });

  describe('splits', () => {
    it('gives the suggested 80/20 and 75/25 sizes', () => {
      const sizes = (n: 'diabetes' | 'breast_cancer' | 'pima' | 'diamonds'): number[] => {
        const d = n === 'diamonds' ? diamonds : loadBundled(n);
        return [d.train.rows, d.test.rows];
      };
      expect(sizes('diabetes')).to.deep.equal([353, 89]);
      expect(sizes('breast_cancer')).to.deep.equal([455, 114]);
      expect(sizes('pima')).to.deep.equal([576, 192]);
      expect(sizes('diamonds')).to.deep.equal([43152, 10788]);
    });

    it('stratifies classification splits by class', () => {
      const d = loadBundled('pima');
      const count = (y: ArrayLike<number>, c: number): number =>
        Array.from(y).filter((v) => v === c).length;
      expect([count(d.train.y, 0), count(d.train.y, 1)]).to.deep.equal([375, 201]);
      expect([count(d.test.y, 0), count(d.test.y, 1)]).to.deep.equal([125, 67]);
    });

    it('partitions the rows: disjoint, complete, each half in file order', () => {
      const d = loadBundled('breast_cancer');
      const all = [...d.train.rowIndex, ...d.test.rowIndex].sort((a, b) => a - b);
      expect(all).to.deep.equal(Array.from({ length: 569 }, (_, i) => i));
      for (const idx of [d.train.rowIndex, d.test.rowIndex]) {
        for (let i = 1; i < idx.length; i++) expect(idx[i]).to.be.above(idx[i - 1]);
      }
    });

    it('is deterministic: the same seed gives identical arrays, another seed differs', () => {
      for (const name of ['diabetes', 'breast_cancer'] as const) {
        const a = loadBundled(name, { testFraction: 0.3, seed: 12345 });
        const b = loadBundled(name, { testFraction: 0.3, seed: 12345 });
        const c = loadBundled(name, { testFraction: 0.3, seed: 12346 });
        for (const k of ['x', 'y', 'rowIndex'] as const) {
          expect(sameBits(a.train[k], b.train[k]), `${name} train ${k}`).to.equal(true);
          expect(sameBits(a.test[k], b.test[k]), `${name} test ${k}`).to.equal(true);
        }
        expect(sameBits(a.test.rowIndex, c.test.rowIndex)).to.equal(false);
      }
    });

    it('keeps a fixed split for seed 0, so other tools can reproduce it', () => {
      const s = randomSplit(10, 0.3, 0);
      const again = randomSplit(10, 0.3, 0);
      expect(Array.from(s.test)).to.deep.equal(Array.from(again.test));
      // Computed independently from the generator as documented in lib/data/prng.ts.
      expect(Array.from(s.test)).to.deep.equal([3, 6, 7]);
    });

    it('uses the canonical 16000 / 4000 ordered split for letter', () => {
      expect(letter.report.split).to.equal('rows');
      expect([letter.train.rows, letter.test.rows]).to.deep.equal([16000, 4000]);
      expect(letter.train.rowIndex[0]).to.equal(0);
      expect(letter.train.rowIndex[15999]).to.equal(15999);
      expect(letter.test.rowIndex[0]).to.equal(16000);
      expect(letter.test.rowIndex[3999]).to.equal(19999);
    });

    it('reads a separate test file with reordered columns and reports its unseen levels', () => {
      const d = readCsv(fixture('fruit-train.csv'), { testFile: fixture('fruit-test.csv') });
      expect(d.report.split).to.equal('file');
      expect([d.train.rows, d.test.rows]).to.deep.equal([5, 3]);
      expect(d.report.rowsRead).to.equal(8);
      expect(d.report.test.imputed).to.deep.equal({ weight: 1 });
      expect(d.report.unseen).to.deep.equal({ colour: { count: 1, levels: ['purple'] } });
      expect(Array.from(d.test.y)).to.deep.equal([0, 1, 0]);
    });

    it('rejects a class in the test file that training never saw', () => {
      const err = dataError(() => readCsv(fixture('fruit-train.csv'), {
        testFile: { text: 'kind,weight,colour\napple,1,red\npear,1,red\n', name: 'pear.csv' },
      }), 'ERR_UNKNOWN_CLASS');
      expect(err.message).to.match(/^pear\.csv:3:1: class "pear"/);
    });

    it('rejects a non-numeric cell in a numeric column of the test file', () => {
      const err = dataError(() => readCsv(fixture('fruit-train.csv'), {
        testFile: { text: 'kind,weight,colour\napple,heavy,red\n', name: 'heavy.csv' },
      }), 'ERR_NON_NUMERIC_VALUE');
      expect(err.message).to.match(/^heavy\.csv:2:2: non-numeric value "heavy"/);
    });
  });

  describe('standardization', () => {
    it('gives the training half mean 0 and std 1 per feature, and not the test half', () => {
      for (const d of [diamonds, letter]) {
        const f = d.train.features.length;
        let testOff = 0;
        for (let j = 0; j < f; j++) {
          const [m, s] = columnMeanStd(d.train.x, d.train.rows, f, j);
          expect(m).to.be.closeTo(0, 1e-9);
          expect(s).to.be.closeTo(1, 1e-9);
          testOff = Math.max(testOff, Math.abs(columnMeanStd(d.test.x, d.test.rows, f, j)[0]));
        }
        expect(testOff).to.be.above(1e-3);
      }
    });

    it('uses statistics of the training rows only', () => {
      const raw = readCsv(dataFile('diabetes.csv'), { standardize: false, seed: 3 });
      const std = readCsv(dataFile('diabetes.csv'), { seed: 3 });
      const { mean, std: sd } = std.transform.scale();
      for (let j = 0; j < 10; j++) {
        const [m, s] = columnMeanStd(raw.train.x, raw.train.rows, 10, j);
        expect(mean[j]).to.be.closeTo(m, 1e-9 * Math.abs(m));
        expect(sd[j]).to.be.closeTo(s, 1e-9 * s);
      }
    });

    it('encodes a column that is constant in training as exactly 0', () => {
      const text = 'a,k,y\n1,5,1\n2,5,2\n3,5,3\n4,7,4\n';
      const d = readCsv({ text }, { trainRows: 3 });
      const f = 2;
      for (let i = 0; i < 3; i++) expect(d.train.x[i * f + 1]).to.equal(0);
      expect(d.transform.scale().std[1]).to.equal(1);
      expect(d.test.x[1]).to.equal(2);
    });
  });
});

describe('Transform#apply', () => {
  it('reproduces the training encoding bit for bit from the same file', () => {
    const e = letter.transform.apply(bundledPath('letter'));
    expect(e.rows).to.equal(20000);
    const f = letter.train.features.length;
    expect(sameBits(e.x.subarray(0, 16000 * f), letter.train.x)).to.equal(true);
    expect(sameBits(e.x.subarray(16000 * f), letter.test.x)).to.equal(true);
    expect(sameBits((e.y as Int32Array).subarray(16000), letter.test.y)).to.equal(true);
  });

  it('matches columns by name in any order, without the target', () => {
    const raw = rawRows(bundledPath('diamonds'));
    const n = 300;
    const order = [3, 8, 7, 6, 5, 4, 2, 1, 0]; // reversed features, price left out
    const text = [order.map((j) => raw.header[j]).join(',')]
      .concat(raw.rows.slice(0, n).map((r) => order.map((j) => r[j]).join(','))).join('\n');
    const e = diamonds.transform.apply({ text, name: 'reordered.csv' });
    expect(e.y).to.equal(undefined);
    expect(e.report.droppedMissingTarget).to.equal(0);
    const f = 26;
    const d = diamonds.train;
    let checked = 0;
    for (let i = 0; i < d.rows && d.rowIndex[i] < n; i++, checked++) {
      const r = d.rowIndex[i];
      const same = sameBits(e.x.subarray(r * f, r * f + f), d.x.subarray(i * f, i * f + f));
      expect(same, `row ${r}`).to.equal(true);
    }
    expect(checked).to.be.above(200);
  });

  it('encodes an unseen level as the all-zero one-hot row and reports it', () => {
    const text = 'carat,cut,color,clarity,depth,table,x,y,z\n' +
      '0.3,Superb,E,SI2,61,55,4,4,2.4\n0.3,Ideal,E,SI2,61,55,4,4,2.4\n';
    const e = diamonds.transform.apply({ text });
    expect(e.report.unseen).to.deep.equal({ cut: { count: 1, levels: ['Superb'] } });
    const { mean, std } = diamonds.transform.scale();
    for (let j = 1; j <= 5; j++) {
      expect(e.x[j] * std[j] + mean[j]).to.be.closeTo(0, 1e-12);
      expect(e.x[j]).to.equal((0 - mean[j]) / std[j]);
    }
    // The second row is the same but with a known cut: everything else agrees.
    for (const j of [0, 6, 7, 13, 21, 22, 23, 24, 25]) expect(e.x[j]).to.equal(e.x[26 + j]);
  });

  it('imputes missing cells with the stored training values and counts them', () => {
    const pima = loadBundled('pima');
    const text = 'pregnant,glucose,pressure,triceps,insulin,mass,pedigree,age\n' +
      '1,,70,NA,?,30,0.5,40\n';
    const e = pima.transform.apply({ text });
    expect(e.report.imputed).to.deep.equal({ glucose: 1, triceps: 1, insulin: 1 });
    const fills = pima.transform.columns.map((c) => (c.kind === 'numeric' ? c.fill : NaN));
    const { mean, std } = pima.transform.scale();
    for (const j of [1, 3, 4]) expect(e.x[j]).to.equal((fills[j] - mean[j]) / std[j]);
  });

  it('accepts records keyed by column name and encodes them like CSV text', () => {
    const rec = { carat: 0.23, cut: 'Ideal', color: 'E', clarity: 'SI2', depth: 61.5,
      table: 55, x: 3.95, y: 3.98, z: 2.43, price: 326 };
    const fromRecords = diamonds.transform.apply([rec]);
    const fromText = diamonds.transform.apply({
      text: Object.keys(rec).join(',') + '\n' + Object.values(rec).join(',') + '\n',
    });
    expect(sameBits(fromRecords.x, fromText.x)).to.equal(true);
    expect(sameBits(fromRecords.y as Float64Array, fromText.y as Float64Array)).to.equal(true);
    const nan = diamonds.transform.apply([{ ...rec, carat: NaN }]);
    expect(nan.report.imputed).to.deep.equal({ carat: 1 });
  });

  it('names the missing feature columns', () => {
    const err = dataError(
      () => diamonds.transform.apply({ text: 'carat,cut\n1,Ideal\n', name: 'short.csv' }),
      'ERR_MISSING_COLUMNS',
    );
    expect(err.message).to.match(/^short\.csv:1: missing feature columns "color"/);
  });

  it('points at a non-numeric cell of a numeric column', () => {
    const text = 'carat,cut,color,clarity,depth,table,x,y,z\n0.3,Ideal,E,SI2,61,55,4,big,2.4\n';
    const err = dataError(() => diamonds.transform.apply({ text, name: 'n.csv' }),
      'ERR_NON_NUMERIC_VALUE');
    expect(err.message).to.match(/^n\.csv:2:8: non-numeric value "big" in numeric column "y"/);
  });

  it('drops rows with a missing target in auto mode but keeps them with ignore', () => {
    const text = 'a,v\n1,2\n2,\n3,4\n';
    const t = readCsv({ text }, { testFraction: 0 }).transform;
    const auto = t.apply({ text });
    expect([auto.rows, auto.report.droppedMissingTarget]).to.deep.equal([2, 1]);
    expect(Array.from(auto.rowIndex)).to.deep.equal([0, 2]);
    const ignore = t.apply({ text }, { target: 'ignore' });
    expect([ignore.rows, ignore.y]).to.deep.equal([3, undefined]);
    expect(() => t.apply({ text: 'a\n1\n' }, { target: 'require' })).to.throw(DataError);
    const dropped = t.apply({ text: 'a\nNA\n1\n' }, { dropMissing: true });
    expect([dropped.rows, dropped.report.droppedMissingFeatures]).to.deep.equal([1, 1]);
    expect(() => t.apply({ text }, { target: 'maybe' as never })).to.throw(RangeError, /target/);
    const typo = { dropMising: true } as never;
    expect(() => t.apply({ text }, typo)).to.throw(TypeError, /dropMissing/);
  });
});

describe('Transform.fromJSON', () => {
  it('round-trips through JSON text and encodes identically', () => {
    for (const d of [diamonds, loadBundled('pima'), readCsv(fixture('messy.csv'))]) {
      const json = JSON.stringify(d.transform);
      const back = Transform.fromJSON(json);
      expect(back.toJSON()).to.deep.equal(d.transform.toJSON());
      const a = d.transform.apply(d.report.file);
      const b = back.apply(d.report.file);
      expect(sameBits(a.x, b.x)).to.equal(true);
      expect(sameBits(a.y as ArrayBufferView, b.y as ArrayBufferView)).to.equal(true);
    }
  });

  it('reproduces the test half of a split after the round trip', () => {
    const back = Transform.fromJSON(JSON.parse(JSON.stringify(letter.transform.toJSON())));
    const e = back.apply(bundledPath('letter'));
    expect(sameBits(e.x.subarray(16000 * 16), letter.test.x)).to.equal(true);
  });

  const good = (): TransformJSON => readCsv(fixture('messy.csv')).transform.toJSON();
  const cases: [string, (j: Record<string, unknown>) => void, ErrorConstructor, RegExp][] = [
    ['a wrong format tag', (j) => { j.format = 'other'; }, TypeError, /format/],
    ['a newer version', (j) => { j.version = 2; }, RangeError, /version/],
    ['a missing field', (j) => { delete j.mean; }, TypeError, /mean: missing/],
    ['an unexpected field', (j) => { j.extra = 1; }, TypeError, /unexpected field "extra"/],
    ['an unknown task', (j) => { j.task = 'ranking'; }, RangeError, /task/],
    ['a zero std', (j) => { (j.std as number[])[2] = 0; }, RangeError, /std\[2\]/],
    ['a non-finite mean', (j) => { (j.mean as unknown[])[0] = null; }, TypeError, /mean\[0\]/],
    ['too few means', (j) => { (j.mean as number[]).pop(); }, RangeError, /mean: has 5/],
    ['one class', (j) => { j.classes = ['a']; }, RangeError, /classes/],
    ['classes for regression', (j) => { j.task = 'regression'; }, RangeError, /classes/],
    ['logTarget for classification', (j) => { j.logTarget = true; }, RangeError, /logTarget/],
    ['a duplicate level', (j) => { colours(j).levels = ['red', 'red', 'blue']; }, RangeError,
      /duplicate "red"/],
    ['a bad column kind', (j) => { colours(j).kind = 'date'; }, TypeError, /kind/],
    ['a missing fill', (j) => { delete (j.columns as Record<string, unknown>[])[0].fill; },
      TypeError, /columns\[0\]\.fill: missing/],
    ['a column named like the target', (j) => { colours(j).name = 'label'; }, RangeError,
      /target/],
    ['a level that is a missing token', (j) => { colours(j).levels = ['NA', 'b', 'c']; },
      RangeError, /missing-value token/],
    ['a non-object', (j) => { j.columns = 3; }, TypeError, /columns/],
  ];
  function colours(j: Record<string, unknown>): Record<string, unknown> {
    return (j.columns as Record<string, unknown>[]).find((c) => c.kind === 'text') as
      Record<string, unknown>;
  }
  for (const [what, edit, cls, re] of cases) {
    it(`rejects ${what}`, () => {
      const j = good() as unknown as Record<string, unknown>;
      edit(j);
      expect(() => Transform.fromJSON(j)).to.throw(cls, re);
    });
  }

  it('rejects text that is not JSON, and non-objects', () => {
    expect(() => Transform.fromJSON('{')).to.throw(TypeError, /not valid JSON/);
    expect(() => Transform.fromJSON(null)).to.throw(TypeError);
    expect(() => Transform.fromJSON([])).to.throw(TypeError);
  });
});

describe('Transform#decodeTarget', () => {
  it('maps class indices to names and rejects indices out of range', () => {
    const t = loadBundled('pima').transform;
    expect(t.decodeTarget(Int32Array.from([1, 0, 1]))).to.deep.equal(['pos', 'neg', 'pos']);
    expect(t.nOutputs).to.equal(2);
    expect(() => t.decodeClasses([2])).to.throw(RangeError);
    expect(() => t.decodeClasses([0.5])).to.throw(RangeError);
    expect(() => t.decodeRegression([0])).to.throw(TypeError);
  });

  it('undoes the target scaling and the log for regression', () => {
    const t = diamonds.transform;
    const s = t.targetScale as { mean: number; std: number };
    const out = t.decodeTarget(Float64Array.from([0, 1])) as Float64Array;
    expect(out[0]).to.be.closeTo(Math.exp(s.mean), 1e-9);
    expect(out[1]).to.be.closeTo(Math.exp(s.mean + s.std), 1e-9);
    expect(t.nOutputs).to.equal(1);
  });
});

describe('Prng', () => {
  it('produces the documented sequence for seed 0', () => {
    const p = new Prng(0);
    expect([p.nextUint32(), p.nextUint32(), p.nextUint32(), p.nextUint32()])
      .to.deep.equal([2462723854, 1020716019, 454327756, 1275600319]);
    // Seeds above 2^32 are not folded onto smaller ones.
    expect(new Prng(2 ** 40 + 5).nextUint32()).to.equal(4060960723);
  });

  it('shuffles to a permutation and floats stay in [0, 1)', () => {
    const p = new Prng(7);
    const a = p.shuffle(Array.from({ length: 100 }, (_, i) => i));
    expect([...a].sort((x, y) => x - y)).to.deep.equal(Array.from({ length: 100 }, (_, i) => i));
    for (let i = 0; i < 1000; i++) {
      const v = p.nextFloat();
      expect(v >= 0 && v < 1).to.equal(true);
    }
  });

  it('rejects seeds that are not non-negative safe integers', () => {
    for (const s of [-1, 0.5, NaN, 2 ** 53]) expect(() => new Prng(s)).to.throw(RangeError);
  });
});

describe('stratifiedSplit', () => {
  it('allocates the test rows to classes by largest remainder', () => {
    const labels = Int32Array.from([0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 2]);
    const s = stratifiedSplit(labels, 3, 0.3, 1);
    expect(s.test.length).to.equal(4);
    const per = [0, 1, 2].map((c) => Array.from(s.test).filter((i) => labels[i] === c).length);
    // Exact shares 2.55, 1.09, 0.36: floors 2, 1, 0, and the leftover row goes to class 0.
    expect(per).to.deep.equal([3, 1, 0]);
    expect(s.train.length + s.test.length).to.equal(labels.length);
  });
});

describe('sortLabels', () => {
  it('sorts numbers by value and text by code units, independent of locale', () => {
    expect(sortLabels(['10', '9', '-1', '2.5'])).to.deep.equal(['-1', '2.5', '9', '10']);
    expect(sortLabels(['b', 'B', 'a', '10', 'Ä'])).to.deep.equal(['10', 'B', 'a', 'b', 'Ä']);
  });
});

describe('bundled datasets', () => {
  it('ships every dataset in data/ of this repository with its README', () => {
    expect(packageRoot()).to.equal(ROOT);
    expect(fs.existsSync(path.join(ROOT, 'data', 'README.md'))).to.equal(true);
    const expected: Record<string, [number, number]> = {
      diabetes: [442, 11], diamonds: [53940, 10], breast_cancer: [569, 31],
      letter: [20000, 17], pima: [768, 9],
    };
    expect([...BUNDLED_NAMES].sort()).to.deep.equal(Object.keys(expected).sort());
    for (const name of BUNDLED_NAMES) {
      const p = bundledPath(name);
      expect(p).to.equal(dataFile(`${name}.csv`));
      const t = parseCsv(p);
      expect([t.rows.length, t.header.length], name).to.deep.equal(expected[name]);
      expect(BUNDLED[name]).to.be.frozen;
    }
  });

  it('lets an override replace the preset split', () => {
    const d = loadBundled('diabetes', { trainRows: 400 });
    expect([d.train.rows, d.test.rows]).to.deep.equal([400, 42]);
    expect(() => loadBundled('nope' as never)).to.throw(RangeError);
  });
});

describe('column typing', () => {
  it('keeps a numeric column numeric and points at its one stray text cell', () => {
    const err = dataError(() => readCsv(fixture('stray-text.csv')), 'ERR_NON_NUMERIC_VALUE');
    // The first offender in file order: "abc" in size, line 5, field 1.
    expect(err.message).to.match(/stray-text\.csv:5:1: value "abc" in numeric column "size"/);
    expect(err.message).to.contain('9 of its 10 values are numbers');
    expect(err.columnName).to.equal('size');
  });

  it('counts the other offending cells of the column', () => {
    const rows = Array.from({ length: 40 }, (_, i) => `${i === 3 ? 'x' : i === 9 ? 'y' : i},${i}`);
    const text = ['a,t', ...rows].join('\n');
    const err = dataError(() => readCsv({ text, name: 'n.csv' }), 'ERR_NON_NUMERIC_VALUE');
    expect(err.message).to.match(/^n\.csv:5:1: value "x"/);
    expect(err.message).to.contain('1 more cell of the column');
  });

  it('refuses non-finite and non-decimal numbers instead of making them text levels', () => {
    for (const bad of ['1e309', '-1e309', 'Infinity', '-inf', 'NaN', '0x10', '0b11', '0o7']) {
      expect(cellKind(bad), bad).to.equal('bad-number');
      const text = `a,b,y\n1,x,1\n2,y,2\n${bad},x,3\n4,y,4\n`;
      const err = dataError(() => readCsv({ text, name: 'b.csv' }), 'ERR_NON_NUMERIC_VALUE');
      expect(err.message, bad).to.match(/^b\.csv:4:1: /);
      expect(err.message, bad).to.contain(`${JSON.stringify(bad)} in numeric column "a" is not a ` +
        'finite number');
      // Even a column of nothing else is numeric, so the value can never train as a level.
      const alone = `a,y\n${bad},1\n${bad},2\n`;
      dataError(() => readCsv({ text: alone }, { testFraction: 0 }), 'ERR_NON_NUMERIC_VALUE');
    }
    expect(cellKind('1e-400')).to.equal('number');
    expect(cellKind('abc')).to.equal('text');
  });

  it('refuses a non-finite regression target, and predict refuses such cells too', () => {
    const text = 'a,y\n1,1\n2,1e400\n3,3\n';
    const err = dataError(() => readCsv({ text, name: 't.csv' }), 'ERR_NON_NUMERIC_TARGET');
    expect(err.message).to.match(/^t\.csv:3:2: value "1e400" .*not a finite number/);
    const d = readCsv({ text: 'a,y\n1,1\n2,2\n3,3\n' }, { testFraction: 0 });
    const e2 = dataError(() => d.transform.apply({ text: 'a\n1\nInfinity\n', name: 'p.csv' }),
      'ERR_NON_NUMERIC_VALUE');
    expect(e2.message).to.match(/^p\.csv:3:1: value "Infinity" .*not a finite number/);
  });

  it('types a column with more than a few text cells as text', () => {
    const text = 'a,y\n1,1\nx,2\n3,3\nz,4\n5,5\n';
    const d = readCsv({ text }, { testFraction: 0 });
    const a = d.transform.columns[0];
    expect(a.kind).to.equal('text');
    expect(a.kind === 'text' ? a.levels : []).to.deep.equal(['1', '3', '5', 'x', 'z']);
    // Two values, one of them text: too few to call the column numeric.
    const two = readCsv({ text: 'a,y\n1,1\nx,2\n' }, { testFraction: 0 });
    expect(two.transform.columns[0].kind).to.equal('text');
  });
});

describe('empty columns', () => {
  it('leaves out columns without any value and reports them', () => {
    const d = readCsv(fixture('empty-column.csv'), { testFraction: 0 });
    expect(d.report.emptyColumns).to.deep.equal(['notes', 'height']);
    expect(d.transform.columns.map((c) => c.name)).to.deep.equal(['width', 'colour']);
    expect(d.report.rowsDropped).to.deep.equal({ missingTarget: 2, missingFeatures: 0 });
    // dropMissing ignores the empty columns instead of dropping every row for them.
    const dm = readCsv(fixture('empty-column.csv'), { testFraction: 0, dropMissing: true });
    expect(dm.train.rows).to.equal(6);
    expect(dm.report.rowsDropped.missingFeatures).to.equal(0);
  });

  it('leaves out a column that has values only in the test rows', () => {
    const text = 'a,b,y\n1,,1\n2,,2\n3,,3\n4,7,4\n';
    const d = readCsv({ text }, { trainRows: 3 });
    expect(d.report.emptyColumns).to.deep.equal(['b']);
    expect(d.test.features).to.deep.equal(['a']);
  });

  it('refuses a table whose every feature column is empty', () => {
    const err = dataError(() => readCsv({ text: 'a,b,y\n,,1\nNA,?,2\n' }), 'ERR_NO_FEATURES');
    expect(err.message).to.contain('every feature column is empty ("a", "b")');
  });
});

describe('values too large to standardize', () => {
  it('refuses a feature whose square overflows, naming the file, line and column', () => {
    const text = 'a,b,y\n1,2,1\n2,1e300,2\n3,4,3\n';
    const err = dataError(() => readCsv({ text, name: 'big.csv' }, { testFraction: 0 }),
      'ERR_VALUE_TOO_LARGE');
    expect(err.message).to.match(/^big\.csv:3:2: feature column "b" has values too large/);
    expect(err.message).to.contain('1e300');
    // A constant column encodes as 0 whatever its value; unstandardized data is not scaled.
    readCsv({ text: 'a,y\n1e300,1\n1e300,2\n' }, { testFraction: 0 });
    readCsv({ text }, { testFraction: 0, standardize: false });
  });

  it('refuses a regression target whose square overflows, scaled or not', () => {
    const text = 'a,y\n1,1\n2,-3e200\n3,3\n';
    for (const standardizeTarget of [true, false]) {
      const err = dataError(() => readCsv({ text, name: 'y.csv' },
        { testFraction: 0, standardizeTarget }), 'ERR_VALUE_TOO_LARGE');
      expect(err.message).to.match(/^y\.csv:3:2: regression target "y"/);
      expect(err.message).to.contain('logTarget');
    }
    // The log brings it into range.
    readCsv({ text: 'a,y\n1,1\n2,3e200\n3,3\n' }, { testFraction: 0, logTarget: true });
  });
});

describe('file encoding', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dnsgd-enc-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, bytes: number[] | Buffer): string => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, Buffer.from(bytes as number[]));
    return p;
  };

  it('refuses invalid UTF-8 with the file and the line of the first bad byte', () => {
    const latin1 = Buffer.concat([Buffer.from('a,b,y\n1,x,1\n2,caf'), Buffer.from([0xe9]),
      Buffer.from(',2\n')]);
    const f = write('latin1.csv', latin1);
    const err = dataError(() => parseCsv(f), 'ERR_BAD_ENCODING');
    expect(err.message).to.match(/latin1\.csv:3: invalid UTF-8 \(byte 0xe9/);
    expect(err.message).to.contain('UTF-8');
    // Overlong forms and lone surrogates are invalid too.
    for (const bad of [[0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf5, 0x80, 0x80, 0x80]]) {
      const g = write('bad.csv', [0x61, 0x0a, ...bad, 0x0a]);
      expect(dataError(() => parseCsv(g), 'ERR_BAD_ENCODING').line).to.equal(2);
    }
  });

  it('recognises UTF-16 by its byte-order mark and asks for UTF-8', () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a,y\n1,2\n', 'utf16le')]);
    const be = Buffer.from(le.subarray(2).swap16());
    for (const f of [write('le.csv', le), write('be.csv', [0xfe, 0xff, ...be])]) {
      const err = dataError(() => parseCsv(f), 'ERR_BAD_ENCODING');
      expect(err.message).to.contain('UTF-16');
      expect(err.message).to.contain('convert it');
    }
    // Multi-byte UTF-8 and a UTF-8 byte-order mark are fine.
    const ok = write('ok.csv', Buffer.from('\ufeffname,y\nCafé ☕,1\n𝄞,2\n'));
    expect(parseCsv(ok).rows.map((r) => r[0])).to.deep.equal(['Café ☕', '𝄞']);
  });
});

describe('column-name suggestions', () => {
  it('suggests only names within a typo of the one asked for', () => {
    const cols = ['age', 'sex', 'bmi', 'bp', 'price', 'x.box'];
    expect(closestName('prise', cols)).to.equal('price');
    expect(closestName('Price', cols)).to.equal('price');
    expect(closestName('bpp', cols)).to.equal('bp');
    expect(closestName('xbox', cols)).to.equal('x.box');
    expect(closestName('', cols)).to.equal(undefined);
    expect(closestName('nonexistentcolumnxyz', cols)).to.equal(undefined);
    expect(closestName('zz', cols)).to.equal(undefined);
    expect(suggestColumn('nonexistentcolumnxyz', cols)).to.not.contain('did you mean');
  });

  it('gives an empty column name its own message', () => {
    const err = dataError(() => readCsv(fixture('bad-target.csv'), { target: '' }),
      'ERR_UNKNOWN_COLUMN');
    expect(err.message).to.contain('the target column name is empty');
  });

  it('hints at the delimiter when the header is one column holding another separator', () => {
    const e1 = dataError(() => readCsv(fixture('semicolon.csv')), 'ERR_NO_FEATURES');
    expect(e1.message).to.contain('pass delimiter: ";"');
    const e2 = dataError(() => readCsv({ text: 'a\tb\ty\n1\t2\t3\n' }, { target: 'y' }),
      'ERR_UNKNOWN_COLUMN');
    expect(e2.message).to.contain('if tabs separate the fields, pass delimiter: "\\t"');
    const d = readCsv(fixture('semicolon.csv'), { delimiter: ';', testFraction: 0 });
    expect(d.train.features).to.deep.equal(['a', 'b']);
  });
});
