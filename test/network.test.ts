import { expect } from 'chai';

import { Activation, Network } from '../lib';
import { fdGradient, randomMatrix, randomTargets, relError } from './helpers';

const ACTS: Activation[] = ['sigmoid', 'tanh', 'relu', 'identity'];

describe('Network', () => {
  describe('constructor', () => {
    it('lays out parameters layer by layer, bias first, with the paper count', () => {
      const net = new Network({ layers: [288, 5, 1], seed: 1 });
      expect(net.paramCount).to.equal(5 * 289 + 1 * 6);
      expect(net.layerParams(0).length).to.equal(5 * 289);
      expect(net.layerParams(1).length).to.equal(6);
      expect(net.layerParams(1).buffer).to.equal(net.params.buffer);
      expect(net.layerParams(1).byteOffset).to.equal(5 * 289 * 8);
    });

    it('initialises biases to zero and weights inside the Glorot limit', () => {
      const net = new Network({ layers: [10, 6, 3], seed: 3 });
      const w = net.layerParams(0);
      const limit = Math.sqrt(6 / 16);
      for (let j = 0; j < 6; j++) {
        expect(w[j * 11]).to.equal(0);
        for (let a = 1; a <= 10; a++) expect(Math.abs(w[j * 11 + a])).to.be.below(limit);
      }
    });

    it('gives the same parameters for the same seed and different ones otherwise', () => {
      const a = new Network({ layers: [20, 7, 2], seed: 42 });
      const b = new Network({ layers: [20, 7, 2], seed: 42 });
      const c = new Network({ layers: [20, 7, 2], seed: 43 });
      expect(Buffer.from(a.params.buffer).equals(Buffer.from(b.params.buffer))).to.equal(true);
      expect(Buffer.from(a.params.buffer).equals(Buffer.from(c.params.buffer))).to.equal(false);
    });

    it('reproduces the seeded initialisation bit for bit (fixed reference values)', () => {
      // Integer-only generator and uniform draws: these bits are the same on every machine.
      const net = new Network({ layers: [3, 2, 1], seed: 7 });
      expect(Array.from(net.params)).to.deep.equal([
        0, 0.4394410551793958, -0.48473176974996995, 0.7440864880717637,
        0, 1.0540323054203895, 1.0754209892005884, 0.8167067804030312,
        0, -1.2423807328508771, -1.1188245432844504,
      ]);
    });

    it("'fan-in' draws weights and biases inside +-1/sqrt(fan_in), like PyTorch's Linear", () => {
      const net = new Network({ layers: [100, 6, 3], seed: 3, init: 'fan-in' });
      for (let l = 0; l < 2; l++) {
        const w = net.layerParams(l);
        const limit = 1 / Math.sqrt(net.layers[l]);
        expect(w.every((v) => Math.abs(v) < limit)).to.equal(true);
        expect(Math.max(...w.map(Math.abs))).to.be.above(0.9 * limit);
      }
      expect(net.layerParams(0)[0]).to.not.equal(0);
      expect(() => new Network({ layers: [3, 1], init: 'xavier' as never }))
        .to.throw(RangeError, /init must be one of/);
    });

    it('uses a given params array as is, without copying', () => {
      const p = new Float64Array(2 * 4 + 3);
      const net = new Network({ layers: [3, 2, 1], params: p });
      expect(net.params).to.equal(p);
    });
  });

  describe('predict', () => {
    it('sees writes into params and computes the affine map of a 1-layer network', () => {
      const net = new Network({ layers: [2, 1], activation: 'identity', seed: 1 });
      net.params.set([0.5, 2, -1]);
      const out = net.predict(new Float64Array([1, 1, 3, 2]));
      expect(Array.from(out)).to.deep.equal([0.5 + 2 - 1, 0.5 + 6 - 2]);
      net.params[0] = 10;
      expect(net.predict(new Float64Array([0, 0]))[0]).to.equal(10);
    });

    it('returns rows of probabilities for a softmax network', () => {
      const net = new Network({ layers: [4, 3, 5], output: 'softmax', seed: 2 });
      const p = net.predict(randomMatrix(7, 4, 1));
      for (let i = 0; i < 7; i++) {
        let s = 0;
        for (let k = 0; k < 5; k++) s += p[i * 5 + k];
        expect(s).to.be.closeTo(1, 1e-14);
      }
    });

    it('handles more rows than one internal chunk', () => {
      const net = new Network({ layers: [3, 4, 2], seed: 5 });
      const x = randomMatrix(9000, 3, 9);
      const all = net.predict(x);
      const tail = net.predict(x.subarray(8990 * 3));
      expect(Array.from(all.subarray(8990 * 2))).to.deep.equal(Array.from(tail));
    });
  });

  describe('loss', () => {
    it('is the mean squared error without a factor 1/2', () => {
      const net = new Network({ layers: [1, 2], activation: 'identity', seed: 1 });
      net.params.set([0, 0, 0, 0]);
      const y = new Float64Array([1, 2, 3, 4]);
      expect(net.loss(new Float64Array([0, 0]), y)).to.be.closeTo((1 + 4 + 9 + 16) / 2, 1e-15);
    });

    it('computes cross-entropy stably for huge logits', () => {
      const net = new Network({ layers: [1, 2], output: 'softmax', seed: 1 });
      net.params.set([0, 1000, 0, -1000]);
      const loss = net.loss(new Float64Array([1]), new Int32Array([1]));
      expect(loss).to.be.closeTo(2000, 1e-9);
    });
  });

  describe('gradient', () => {
    const cases: Array<{ layers: number[]; output: 'linear' | 'softmax' }> = [
      { layers: [4, 3], output: 'linear' },
      { layers: [5, 4, 3], output: 'linear' },
      { layers: [3, 4, 5, 1], output: 'linear' },
      { layers: [4, 3, 4, 3, 2], output: 'linear' },
      { layers: [4, 3], output: 'softmax' },
      { layers: [5, 4, 3], output: 'softmax' },
      { layers: [3, 4, 5, 2], output: 'softmax' },
      { layers: [4, 3, 4, 3, 5], output: 'softmax' },
    ];
    for (const act of ACTS) {
      for (const c of cases) {
        for (const rows of [1, 3, 17]) {
          const name = `${act} [${c.layers}] ${c.output}, batch ${rows}`;
          it(`matches central differences per layer: ${name}`, () => {
            const net = new Network({
              layers: c.layers, activation: act, output: c.output, seed: 11,
            });
            // Non-zero biases: with relu, a zero bias behind dead units puts z exactly on the
            // kink, where central differences see a slope of 1/2 and no derivative exists.
            net.params.set(randomMatrix(1, net.paramCount, 41, 0.8));
            const x = randomMatrix(rows, c.layers[0], 21);
            const y = randomTargets(net, rows, 31);
            const { gradient } = net.gradient(x, y);
            for (let l = 0; l < net.depth; l++) {
              const a = net.layerOffset(l), b = net.layerOffset(l + 1);
              const fd = fdGradient(net, x, y, a, b);
              expect(relError(gradient.subarray(a, b), fd), `layer ${l}`).to.be.below(1e-6);
            }
          });
        }
      }
    }

    it('returns the loss that loss() returns', () => {
      const net = new Network({ layers: [6, 4, 3], output: 'softmax', seed: 1 });
      const x = randomMatrix(9, 6, 2);
      const y = randomTargets(net, 9, 3);
      expect(net.gradient(x, y).loss).to.equal(net.loss(x, y));
    });
  });
});
