// Things JavaScript can do to a running fit that must never crash the process.
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';

import { Network, SGD, Trainer } from '../lib';
import { randomMatrix, repoRoot } from './helpers';

function threadCount(): number {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  return Number(/Threads:\s+(\d+)/.exec(status)![1]);
}

function data(rows: number, cols: number) {
  return { x: randomMatrix(rows, cols, 1), y: randomMatrix(rows, 1, 2) };
}

describe('robustness', () => {
  const lib = JSON.stringify(path.join(repoRoot(), 'dist'));

  for (const mode of ['fit', 'fitSync'] as const) {
    it(`survives terminating a worker thread during its ${mode}()`, async function () {
      this.timeout(30000);
      const w = new Worker(
        `const d = require(${lib});
         const { parentPort } = require('worker_threads');
         const net = new d.Network({ layers: [50, 64, 1], seed: 1 });
         const x = new Float64Array(2000 * 50).map(Math.random);
         const y = new Float64Array(2000).map(Math.random);
         parentPort.postMessage('start');
         const t = new d.Trainer(net, new d.SGD());
         if (${JSON.stringify(mode)} === 'fit') t.fit({ x, y }, { epochs: 300 });
         else t.fitSync({ x, y }, { epochs: 300, onEpoch: () => {} });`,
        { eval: true },
      );
      await new Promise((resolve) => w.once('message', resolve));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const code = await w.terminate();
      expect(code).to.equal(1);
    });
  }

  it('shares a few threads among thousands of networks and optimizers', () => {
    const before = threadCount();
    const x = randomMatrix(4, 5, 3), y = randomMatrix(4, 1, 4);
    for (let i = 0; i < 3000; i++) {
      const net = new Network({ layers: [5, 3, 1], seed: i });
      net.predict(x);
      new SGD({ threads: 1 + (i % 8) }).step(net, x, y);
    }
    expect(threadCount() - before).to.be.below(40);
  });

  it('stops fitSync with a TypeError when a callback transfers the parameters', () => {
    const net = new Network({ layers: [10, 8, 1], seed: 1 });
    expect(() => new Trainer(net, new SGD()).fitSync(data(500, 10), {
      epochs: 5,
      onStep: (s) => {
        const buffer = net.params.buffer as ArrayBuffer;
        if (s.step === 3) structuredClone(buffer, { transfer: [buffer] });
      },
    })).to.throw(TypeError, /transferred or detached/);
  });

  it('trains on its own copy in fit(): transferring the data meanwhile is harmless', async () => {
    const net = new Network({ layers: [10, 8, 1], seed: 1 });
    const ref = net.clone();
    const d = data(2000, 10);
    const copy = { x: Float64Array.from(d.x), y: Float64Array.from(d.y) };
    const running = new Trainer(net, new SGD()).fit(d, { epochs: 20, seed: 3 });
    structuredClone(d.x.buffer, { transfer: [d.x.buffer as ArrayBuffer] });
    await running;
    new Trainer(ref, new SGD()).fitSync(copy, { epochs: 20, seed: 3 });
    expect(Buffer.from(net.params.buffer).equals(Buffer.from(ref.params.buffer))).to.equal(true);
  });

  it('rejects fit() with a TypeError when the parameters are transferred meanwhile', async () => {
    const net = new Network({ layers: [10, 8, 1], seed: 1 });
    const running = new Trainer(net, new SGD()).fit(data(2000, 10), { epochs: 50 });
    structuredClone(net.params.buffer, { transfer: [net.params.buffer as ArrayBuffer] });
    let err: unknown;
    try {
      await running;
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(TypeError);
    expect((err as Error).message).to.match(/transferred or detached/);
  });

  it('shows the weights of the last finished epoch in params during fit()', async () => {
    const net = new Network({ layers: [10, 8, 1], seed: 1 });
    const ref = net.clone();
    const d = data(300, 10);
    let atEpoch2: Float64Array | undefined;
    await new Trainer(net, new SGD()).fit(d, {
      epochs: 4, seed: 5, onEpoch: (e) => { if (e.epoch === 2) atEpoch2 = net.params.slice(); },
    });
    new Trainer(ref, new SGD()).fitSync(d, { epochs: 2, seed: 5 });
    // The callback of epoch 2 may run after later epochs ended, never before its own.
    expect(atEpoch2).to.not.equal(undefined);
    const same = Buffer.from(atEpoch2!.buffer).equals(Buffer.from(ref.params.buffer));
    const moved = atEpoch2!.some((v, i) => v !== ref.params[i]);
    expect(same || moved).to.equal(true);
  });
});

describe('unusual but valid memory', () => {
  const sab = <T extends Float64Array | Int32Array>(n: number, C: { new (b: ArrayBufferLike): T;
    BYTES_PER_ELEMENT: number }): T => new C(new SharedArrayBuffer(n * C.BYTES_PER_ELEMENT));

  it('trains on SharedArrayBuffer-backed data like on ordinary arrays', async () => {
    const x = sab(60, Float64Array), y = sab(20, Int32Array);
    x.set(randomMatrix(20, 3, 1));
    for (let i = 0; i < 20; i++) y[i] = i % 3;
    const a = new Network({ layers: [3, 4, 3], output: 'softmax', seed: 1 });
    const b = a.clone(), c = a.clone();
    const plain = { x: Float64Array.from(x), y: Int32Array.from(y) };
    new Trainer(a, new SGD()).fitSync(plain, { epochs: 3 });
    new Trainer(b, new SGD()).fitSync({ x, y }, { epochs: 3 });
    await new Trainer(c, new SGD()).fit({ x, y }, { epochs: 3 });
    expect(Array.from(b.params)).to.deep.equal(Array.from(a.params));
    expect(Array.from(c.params)).to.deep.equal(Array.from(a.params));
    expect(b.loss(x, y)).to.equal(a.loss(plain.x, plain.y));
  });

  it('refuses a dense last-layer Hessian above 1 GiB instead of trying', () => {
    const net = new Network({ layers: [2, 2000, 26], output: 'softmax', seed: 1 });
    expect(() => net.lastLayerHessian(new Float64Array(2), new Int32Array(1)))
      .to.throw(RangeError, /dense Hessian/);
  });
});
