// Every bad argument gets a TypeError or RangeError that names it, says what was expected
// and what came, and leaves the network's parameters untouched.
import { expect } from 'chai';

import { DampedNewton, Network, Optimizer, SGD } from '../lib';
import { randomMatrix } from './helpers';

function unchanged(net: Network, fn: () => unknown, kind: ErrorConstructor, pattern: RegExp) {
  const before = Buffer.from(Float64Array.from(net.params).buffer);
  expect(fn).to.throw(kind, pattern);
  expect(Buffer.from(net.params.buffer).equals(before)).to.equal(true);
}

describe('bad arguments', () => {
  const reg = new Network({ layers: [3, 4, 2], seed: 1 });
  const cls = new Network({ layers: [3, 4, 5], output: 'softmax', seed: 1 });
  const x = randomMatrix(4, 3, 1);
  const yr = randomMatrix(4, 2, 2);
  const opts = [new SGD(), new DampedNewton(), new DampedNewton({ order: 'sgd-first' })];

  describe('Network constructor', () => {
    it('names a missing or wrong layers option', () => {
      expect(() => new Network(undefined as never)).to.throw(TypeError, /Network options/);
      expect(() => new Network({} as never)).to.throw(TypeError, /layers must be an array/);
      expect(() => new Network({ layers: [3] })).to.throw(RangeError, /between 2 and 64 sizes/);
      expect(() => new Network({ layers: new Array(65).fill(2) }))
        .to.throw(RangeError, /between 2 and 64 sizes.*; got 65 sizes/);
    });
    it('refuses zero, negative, fractional and non-number layer sizes', () => {
      expect(() => new Network({ layers: [3, 0, 1] })).to.throw(RangeError, /layers\[1\].*got 0/);
      expect(() => new Network({ layers: [3, -2, 1] })).to.throw(RangeError, /layers\[1\]/);
      expect(() => new Network({ layers: [3, 2.5, 1] })).to.throw(RangeError, /integer.*2\.5/);
      expect(() => new Network({ layers: [3, '4', 1] as never })).to.throw(TypeError, /string/);
      expect(() => new Network({ layers: [3, NaN, 1] })).to.throw(RangeError, /NaN/);
    });
    it('checks the holes of a sparse layers array', () => {
      // eslint-disable-next-line no-sparse-arrays
      expect(() => new Network({ layers: [, 1] as never })).to.throw(TypeError, /layers\[0\]/);
    });
    it('suggests the option that was meant', () => {
      expect(() => new Network({ layers: [3, 1], activaton: 'tanh' } as never)).to.throw(
        TypeError, /unknown option 'activaton'; did you mean 'activation'/);
      expect(() => new Network({ layers: [3, 1], activation: 'sigmiod' as never })).to.throw(
        RangeError, /did you mean 'sigmoid'/);
    });
    it('refuses a softmax with one class and a params array of the wrong size', () => {
      expect(() => new Network({ layers: [3, 1], output: 'softmax' }))
        .to.throw(RangeError, /2 outputs/);
      expect(() => new Network({ layers: [3, 1], params: new Float64Array(3) })).to.throw(
        RangeError, /params.length must be 4.*got 3/);
      expect(() => new Network({ layers: [3, 1], params: new Float64Array([0, NaN, 0, 0]) }))
        .to.throw(RangeError, /finite/);
    });
  });

  describe('data passed to predict, loss and step', () => {
    it('refuses the wrong typed-array kind for x', () => {
      unchanged(reg, () => reg.predict(new Float32Array(6) as never), TypeError,
        /x must be a Float64Array; got Float32Array\(6\)/);
      unchanged(reg, () => reg.loss([1, 2, 3] as never, yr), TypeError, /array of length 3/);
    });
    it('refuses x whose length does not divide into rows', () => {
      unchanged(reg, () => reg.predict(new Float64Array(7)), RangeError,
        /x.length must be a positive multiple of the input size 3.*got 7/);
      unchanged(reg, () => reg.predict(new Float64Array(0)), RangeError, /got 0/);
    });
    it('refuses y of the wrong length or kind', () => {
      for (const o of opts) {
        unchanged(reg, () => o.step(reg, x, new Float64Array(7)), RangeError,
          /y.length must be rows x outputs = 4 x 2 = 8.*got 7/);
        unchanged(cls, () => o.step(cls, x, new Float64Array(4) as never), TypeError,
          /Int32Array or Uint32Array/);
        unchanged(cls, () => o.step(cls, x, new Int32Array(3)), RangeError, /one label per row/);
      }
    });
    it('refuses a label out of range, negative or too large', () => {
      for (const o of opts) {
        unchanged(cls, () => o.step(cls, x, new Int32Array([0, 1, 5, 2])), RangeError,
          /y\[2\] must be a class label in \[0, 4\]; got 5/);
        unchanged(cls, () => o.step(cls, x, new Int32Array([0, -1, 0, 2])), RangeError,
          /y\[1\].*got -1/);
        unchanged(cls, () => o.step(cls, x, new Uint32Array([0, 1, 2, 4294967295])), RangeError,
          /y\[3\].*got 4294967295/);
      }
    });
    it('refuses NaN and Infinity in x and y, naming row and column', () => {
      const bad = Float64Array.from(x);
      bad[7] = NaN;
      const badY = Float64Array.from(yr);
      badY[3] = -Infinity;
      for (const o of opts) {
        unchanged(reg, () => o.step(reg, bad, yr), RangeError, /NaN at x\[7\] \(row 2, column 1\)/);
        unchanged(reg, () => o.step(reg, x, badY), RangeError, /-Infinity at y\[3\]/);
      }
      unchanged(reg, () => reg.predict(bad), RangeError, /NaN/);
    });
    it('refuses a network that is not a Network', () => {
      expect(() => new SGD().step({} as never, x, yr)).to.throw(TypeError, /net must be a Network/);
    });
    it('refuses params aliased by the inputs', () => {
      const net = new Network({ layers: [1, 1], seed: 1 });
      const o = new SGD();
      const aliasX = net.params.subarray(0, 1);
      unchanged(net, () => o.step(net, aliasX, new Float64Array(1)), RangeError, /share memory/);
    });
  });

  describe('optimizer options', () => {
    it('refuses alpha < 0 and non-finite settings', () => {
      expect(() => new DampedNewton({ alpha: -0.1 }))
        .to.throw(RangeError, /alpha must be >= 0; got -0.1/);
      expect(() => new DampedNewton({ alpha: NaN })).to.throw(RangeError, /alpha must be a finite/);
      expect(() => new SGD({ lr: 0 })).to.throw(RangeError, /lr must be > 0/);
      expect(() => new SGD({ lr: '0.1' as never })).to.throw(TypeError, /lr must be a number/);
      expect(() => new SGD({ momentum: 1 })).to.throw(RangeError, /momentum must be in \[0, 1\)/);
      expect(() => new SGD({ nesterov: true })).to.throw(RangeError, /momentum must be > 0/);
      expect(() => new DampedNewton({ order: 'newton' as never })).to.throw(RangeError, /order/);
      expect(() => new DampedNewton({ threads: 0 })).to.throw(RangeError, /threads/);
    });
    it('refuses a misspelled option and names the one that was meant', () => {
      expect(() => new DampedNewton({ alpah: 0 } as never)).to.throw(TypeError,
        /unknown option 'alpah'; did you mean 'alpha'/);
      expect(() => new SGD({ learningRate: 0.1 } as never)).to.throw(TypeError, /unknown option/);
      expect(() => Optimizer.from('sgd', { lrr: 1 })).to.throw(TypeError, /did you mean 'lr'/);
    });
  });
});

describe('environment', () => {
  it('warns once, with a code, about a DNSGD_THREADS it cannot use', () => {
    const { spawnSync } = require('child_process') as typeof import('child_process');
    const lib = require('path').join(__dirname, '..', 'lib');
    const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(lib)})`], {
      env: { ...process.env, DNSGD_THREADS: 'abc' },
    });
    expect(r.status).to.equal(0);
    expect(r.stderr.toString()).to.match(/DNSGD_THREADS.*integer in \[1, 256\].*"abc"/);
  });
});
