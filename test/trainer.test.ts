import { expect } from 'chai';

import {
  AbortError, Adam, DampedNewton, DnsgdError, Network, Optimizer, SGD, Trainer,
} from '../lib';
import { randomMatrix } from './helpers';

/** A learnable 3-class problem: the label depends on the signs of two feature sums. */
function classification(rows: number, seed: number) {
  const x = randomMatrix(rows, 6, seed);
  const y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const a = x[i * 6] + x[i * 6 + 1], b = x[i * 6 + 2] - x[i * 6 + 3];
    y[i] = a > 0 ? (b > 0 ? 2 : 1) : 0;
  }
  return { x, y };
}

function regression(rows: number, seed: number) {
  const x = randomMatrix(rows, 5, seed);
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) y[i] = Math.sin(x[i * 5]) + 0.5 * x[i * 5 + 1] * x[i * 5 + 2];
  return { x, y };
}

const bytes = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('Trainer', () => {
  describe('fitSync', () => {
    it('runs every epoch with batches of the given size, keeping a short last batch', () => {
      const net = new Network({ layers: [5, 4, 1], seed: 1 });
      const h = new Trainer(net, new SGD({ lr: 0.05 })).fitSync(regression(105, 1), {
        epochs: 3, batchSize: 50,
      });
      expect(h.epochs.map((e) => e.steps)).to.deep.equal([3, 3, 3]);
      expect(h.steps.loss.length).to.equal(9);
      expect(h.status).to.equal('completed');
    });

    it("weights an epoch's training loss by batch size", () => {
      const net = new Network({ layers: [5, 4, 1], seed: 2 });
      const h = new Trainer(net, new SGD({ lr: 0.05 })).fitSync(regression(105, 2), {
        epochs: 1, batchSize: 50, shuffle: false,
      });
      const [a, b, c] = h.steps.loss;
      expect(h.epochs[0].trainLoss).to.be.closeTo((50 * a + 50 * b + 5 * c) / 105, 1e-15);
      expect(h.epochs[0].trainMetric).to.be.closeTo(Math.sqrt(h.epochs[0].trainLoss), 1e-15);
    });

    it('equals the same steps taken one by one with step() when not shuffling', () => {
      const data = classification(120, 3);
      const a = new Network({ layers: [6, 5, 3], output: 'softmax', seed: 3 });
      const b = a.clone();
      new Trainer(a, new DampedNewton({ lr: 0.1, alpha: 0.01 })).fitSync(data, {
        epochs: 2, batchSize: 40, shuffle: false,
      });
      const opt = new DampedNewton({ lr: 0.1, alpha: 0.01 });
      for (let e = 0; e < 2; e++) {
        for (let r = 0; r < 120; r += 40) {
          opt.step(b, data.x.subarray(r * 6, (r + 40) * 6), data.y.subarray(r, r + 40));
        }
      }
      expect(bytes(a.params).equals(bytes(b.params))).to.equal(true);
    });

    it('reports validation loss and accuracy matching evaluate()', () => {
      const data = classification(300, 4), val = classification(100, 5);
      const net = new Network({ layers: [6, 8, 3], output: 'softmax', seed: 4 });
      const t = new Trainer(net, new DampedNewton({ lr: 0.5, alpha: 0.01 }));
      const h = t.fitSync(data, { epochs: 3, batchSize: 30, validation: val, seed: 1 });
      const last = h.epochs[2];
      const ev = t.evaluate(val);
      expect(last.metric).to.equal('accuracy');
      expect(last.valLoss).to.be.closeTo(ev.loss, 1e-12);
      expect(last.valMetric).to.equal(ev.value);
      expect(last.valMetric).to.be.above(0.8);
      expect(h.epochs[0].trainLoss).to.be.above(last.trainLoss);
    });

    it('evaluates every k steps off the training clock when asked', () => {
      const data = regression(100, 15), val = regression(40, 16);
      const net = new Network({ layers: [5, 4, 1], seed: 3 });
      const t = new Trainer(net, new SGD({ lr: 0.05 }));
      const h = t.fitSync(data, { epochs: 2, batchSize: 10, validation: val, evaluateEvery: 4 });
      // Step 0, then 4 and 8 inside epoch 1, its end (10), 12, 16 inside epoch 2, and 20.
      expect(h.evaluations.map((e) => e.step)).to.deep.equal([0, 4, 8, 10, 12, 16, 20]);
      expect(h.evaluations[6].loss).to.equal(h.epochs[1].valLoss);
      expect(h.evaluations[6].loss).to.be.closeTo(t.evaluate(val).loss, 1e-12);
      expect(h.evaluations[3].seconds).to.equal(h.epochs[0].elapsed);
      expect(h.epochs[0].evalSeconds).to.be.above(0);
    });

    it('is deterministic: same seed, data and options give identical histories and weights', () => {
      for (const name of ['sgd', 'dn-sgd', 'sgd-dn', 'adam'] as const) {
        const run = () => {
          const net = new Network({ layers: [6, 7, 3], output: 'softmax', seed: 9 });
          const h = new Trainer(net, Optimizer.from(name, { lr: 0.05 })).fitSync(
            classification(200, 6), { epochs: 3, batchSize: 32, seed: 77 });
          return { net, h };
        };
        const a = run(), b = run();
        expect(bytes(a.h.steps.loss).equals(bytes(b.h.steps.loss)), name).to.equal(true);
        expect(bytes(a.net.params).equals(bytes(b.net.params)), name).to.equal(true);
      }
    });

    it('shuffles differently for another seed', () => {
      const run = (seed: number) => {
        const net = new Network({ layers: [5, 3, 1], seed: 1 });
        return new Trainer(net, new SGD()).fitSync(regression(100, 7), { batchSize: 10, seed })
          .steps.loss;
      };
      expect(bytes(run(1)).equals(bytes(run(2)))).to.equal(false);
    });

    it('stops at a non-finite loss, naming epoch, step and settings, with finite weights', () => {
      const net = new Network({ layers: [5, 6, 1], activation: 'relu', seed: 5 });
      const data = regression(200, 8);
      for (let i = 0; i < data.y.length; i++) data.y[i] *= 1e6;
      const t = new Trainer(net, new SGD({ lr: 10 }));
      let caught: unknown;
      try {
        t.fitSync(data, { epochs: 50, batchSize: 20 });
      } catch (e) {
        caught = e;
      }
      expect(caught).to.be.instanceOf(DnsgdError);
      const err = caught as DnsgdError;
      expect(err.code).to.match(/^ERR_NONFINITE/);
      expect(err.message).to.match(/epoch \d+, step \d+/).and.match(/lr=10/);
      expect(err.context.epoch).to.be.a('number');
      expect(net.params.every(Number.isFinite)).to.equal(true);
      expect(net.busy).to.equal(null);
    });

    it('early stopping restores the weights of the best epoch', () => {
      // Validation data from another rule: the fit improves it at first, then overfits.
      const data = regression(60, 9);
      const val = regression(60, 10);
      for (let i = 0; i < val.y.length; i++) val.y[i] = -val.y[i] + 0.3;
      const make = () => new Network({ layers: [5, 16, 1], seed: 6 });
      const net = make();
      const h = new Trainer(net, new SGD({ lr: 0.1 })).fitSync(data, {
        epochs: 200, batchSize: 10, seed: 3, validation: val,
        earlyStopping: { patience: 2, restoreBest: true },
      });
      expect(h.status).to.equal('early-stopped');
      expect(h.restored).to.equal(true);
      const best = h.bestEpoch!;
      expect(h.epochs.length).to.equal(best + 3);
      const bestVal = Math.min(...h.epochs.map((e) => e.valLoss));
      expect(h.epochs[best - 1].valLoss).to.equal(bestVal);
      // The same fit cut at the best epoch gives exactly the restored weights.
      const ref = make();
      new Trainer(ref, new SGD({ lr: 0.1 })).fitSync(data, {
        epochs: best, batchSize: 10, seed: 3,
      });
      expect(bytes(net.params).equals(bytes(ref.params))).to.equal(true);
      expect(new Trainer(net, new SGD()).evaluate(val).loss).to.be.closeTo(bestVal, 1e-12);
    });

    it('stops a fit from its own onStep callback through the signal', () => {
      const net = new Network({ layers: [5, 4, 1], seed: 1 });
      const ac = new AbortController();
      let seen = 0;
      expect(() =>
        new Trainer(net, new SGD()).fitSync(regression(100, 1), {
          epochs: 10, batchSize: 10, signal: ac.signal,
          onStep: (s) => { seen = s.step; if (s.step === 7) ac.abort(); },
        }),
      ).to.throw(AbortError).with.property('stepsRun', 7);
      expect(seen).to.equal(7);
    });

    it('rethrows an exception from a callback after stopping the fit', () => {
      const net = new Network({ layers: [5, 4, 1], seed: 1 });
      const boom = new Error('boom');
      expect(() => new Trainer(net, new SGD()).fitSync(regression(50, 1), {
        epochs: 5, onEpoch: () => { throw boom; },
      })).to.throw('boom');
      expect(net.busy).to.equal(null);
    });

    it('rethrows even `throw undefined` from a callback, not an AbortError', () => {
      const net = new Network({ layers: [5, 4, 1], seed: 1 });
      let caught: unknown = 'nothing';
      try {
        new Trainer(net, new SGD()).fitSync(regression(50, 1), {
          epochs: 3, onEpoch: () => { throw undefined; },
        });
      } catch (e) {
        caught = e;
      }
      expect(caught).to.equal(undefined);
    });

    it('refuses bad options, naming them', () => {
      const net = new Network({ layers: [5, 4, 1], seed: 1 });
      const t = new Trainer(net, new SGD());
      const d = regression(10, 1);
      expect(() => t.fitSync(d, { epochs: 0 })).to.throw(RangeError, /epochs/);
      expect(() => t.fitSync(d, { batchSize: 2.5 })).to.throw(RangeError, /batchSize/);
      expect(() => t.fitSync(d, { epoch: 3 } as never))
        .to.throw(TypeError, /did you mean 'epochs'/);
      expect(() => t.fitSync(d, { earlyStopping: { patience: 1, monitor: 'valLoss' } }))
        .to.throw(RangeError, /needs validation data/);
      expect(() => t.fitSync({ x: d.x, y: new Float64Array(3) }))
        .to.throw(RangeError, /data.y.length/);
      expect(() => t.fitSync(d, { onEpoch: 3 as never })).to.throw(TypeError, /onEpoch/);
    });
  });

  describe('fit', () => {
    it('keeps the event loop responsive while a long fit runs', async function () {
      this.timeout(30000);
      const data = classification(4000, 11);
      const net = new Network({ layers: [6, 64, 3], output: 'softmax', seed: 1 });
      const t = new Trainer(net, new DampedNewton({ lr: 0.1, alpha: 0.01 }));
      const ticks: number[] = [];
      const timer = setInterval(() => ticks.push(performance.now()), 10);
      const start = performance.now();
      const h = await t.fit(data, { epochs: 60, batchSize: 50 });
      const total = performance.now() - start;
      clearInterval(timer);
      expect(h.epochs.length).to.equal(60);
      expect(total).to.be.above(200);  // long enough for the timer to matter
      let worst = 0;
      for (let i = 1; i < ticks.length; i++) worst = Math.max(worst, ticks[i] - ticks[i - 1]);
      expect(ticks.length).to.be.above(total / 10 / 3);
      expect(worst).to.be.below(150);
    });

    it('aborts between steps, keeping the weights of the last completed step', async () => {
      const data = regression(400, 12);
      const make = () => new Network({ layers: [5, 32, 1], seed: 2 });
      const net = make();
      const ac = new AbortController();
      let err: unknown;
      try {
        // The abort reaches the training thread a few steps after the callback asks for it
        // (callbacks arrive through the event loop), and never before step 5.
        await new Trainer(net, new DampedNewton({ lr: 0.05 })).fit(data, {
          epochs: 1e6, batchSize: 20, seed: 4, signal: ac.signal,
          onStep: (s) => { if (s.step >= 5) ac.abort(); },
        });
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(AbortError);
      const k = (err as AbortError).stepsRun;
      expect(k).to.be.at.least(5);
      expect(net.busy).to.equal(null);
      // Replaying exactly k steps gives the same weights.
      const ref = make();
      const stop = new AbortController();
      try {
        new Trainer(ref, new DampedNewton({ lr: 0.05 })).fitSync(data, {
          epochs: 1e6, batchSize: 20, seed: 4, signal: stop.signal,
          onStep: (s) => { if (s.step === k) stop.abort(); },
        });
      } catch (e) {
        expect(e).to.be.instanceOf(AbortError);
      }
      expect(bytes(net.params).equals(bytes(ref.params))).to.equal(true);
    });

    it('rejects at once when the signal is already aborted', async () => {
      const net = new Network({ layers: [5, 4, 1], seed: 1 });
      let err: unknown;
      try {
        await new Trainer(net, new SGD()).fit(regression(10, 1), { signal: AbortSignal.abort() });
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(AbortError);
    });

    it('refuses a second fit, a step and predict on the network while one runs', async () => {
      const data = classification(2000, 13);
      const net = new Network({ layers: [6, 32, 3], output: 'softmax', seed: 1 });
      const t = new Trainer(net, new Adam());
      const running = t.fit(data, { epochs: 40, batchSize: 20 });
      expect(t.running).to.equal(true);
      let second: unknown;
      try {
        await new Trainer(net, new SGD()).fit(data);
      } catch (e) {
        second = e;
      }
      expect(second).to.be.instanceOf(DnsgdError).with.property('code', 'ERR_BUSY');
      expect(() => net.predict(data.x)).to.throw(DnsgdError, /in use by a running fit/);
      expect(() => new SGD().step(net, data.x, data.y)).to.throw(DnsgdError, /ERR_BUSY|in use/);
      const h = await running;
      expect(h.epochs.length).to.equal(40);
      expect(t.running).to.equal(false);
      expect(net.predict(data.x.subarray(0, 6)).length).to.equal(3);
    });

    it('gives the same result as fitSync and calls onEpoch once per epoch in order', async () => {
      const data = regression(300, 14);
      const a = new Network({ layers: [5, 8, 1], seed: 8 });
      const b = a.clone();
      const seen: number[] = [];
      const steps: number[] = [];
      const ta = new Trainer(a, new DampedNewton({ order: 'sgd-first', lr: 0.05 }));
      const ha = await ta.fit(data, {
        epochs: 4, batchSize: 25, seed: 5, onEpoch: (e) => seen.push(e.epoch),
        onStep: (s) => steps.push(s.step),
      });
      const hb = new Trainer(b, new DampedNewton({ order: 'sgd-first', lr: 0.05 })).fitSync(data, {
        epochs: 4, batchSize: 25, seed: 5,
      });
      expect(seen).to.deep.equal([1, 2, 3, 4]);
      expect(steps).to.deep.equal(Array.from({ length: 48 }, (_, i) => i + 1));
      expect(bytes(a.params).equals(bytes(b.params))).to.equal(true);
      expect(bytes(ha.steps.loss).equals(bytes(hb.steps.loss))).to.equal(true);
    });
  });
});

describe('Trainer memory safety', () => {
  it('refuses training data that shares memory with the parameters', () => {
    const net = new Network({ layers: [1, 1], seed: 1 });
    const t = new Trainer(net, new SGD());
    expect(() => t.fitSync({ x: net.params.subarray(0, 1), y: new Float64Array(1) }))
      .to.throw(RangeError, /params must not share memory with x/);
    expect(() => t.fitSync({ x: new Float64Array(2), y: net.params.subarray(0, 2) }))
      .to.throw(RangeError, /params must not share memory with y/);
  });
});
