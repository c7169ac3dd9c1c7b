import { expect } from 'chai';

import { Adam, DampedNewton, DnsgdError, Network, Optimizer, SGD, Targets } from '../lib';
import { denseNewton, randomMatrix, randomTargets, relError } from './helpers';

function setup(layers: number[], output: 'linear' | 'softmax', rows = 20, seed = 1) {
  const net = new Network({ layers, output, activation: 'sigmoid', seed });
  const x = randomMatrix(rows, layers[0], seed + 10);
  const y = randomTargets(net, rows, seed + 20);
  return { net, x, y };
}

/** The last layer of net with its last layer replaced by w. */
function withLast(net: Network, w: Float64Array): Network {
  const c = net.clone();
  c.params.set(w, net.layerOffset(net.depth - 1));
  return c;
}

function lastOf(net: Network): Float64Array {
  return net.params.slice(net.layerOffset(net.depth - 1));
}
function frontOf(net: Network): Float64Array {
  return net.params.slice(0, net.layerOffset(net.depth - 1));
}

function newtonStep(net: Network, x: Float64Array, y: Targets, alpha: number): Float64Array {
  const g = net.gradient(x, y).gradient.slice(net.layerOffset(net.depth - 1));
  return denseNewton(net.lastLayerHessian(x, y), g, alpha);
}

function sub(a: Float64Array, b: Float64Array, scale = 1): Float64Array {
  return a.map((v, i) => v - scale * b[i]);
}

describe('DampedNewton', () => {
  for (const output of ['linear', 'softmax'] as const) {
    const K = output === 'linear' ? 2 : 4;
    const alpha = output === 'linear' ? 0 : 0.01;

    it(`takes exactly (H + (alpha + H_max) I)^-1 g on a 1-layer ${output} network`, () => {
      const { net, x, y } = setup([5, K], output);
      const expected = sub(lastOf(net), newtonStep(net, x, y, alpha));
      const loss0 = net.loss(x, y);
      const r = new DampedNewton({ alpha }).step(net, x, y);
      expect(r.loss).to.equal(loss0);
      expect(relError(lastOf(net), expected)).to.be.below(1e-10);
    });

    it(`DN-SGD (${output}): Newton at theta, then SGD through the updated last layer`, () => {
      const { net, x, y } = setup([6, 4, 3, K], output);
      const lr = 0.3;
      const before = net.clone();
      const wLast = sub(lastOf(before), newtonStep(before, x, y, alpha));
      // Front gradient with the updated last layer and the old front layers.
      const gFront = withLast(before, wLast).gradient(x, y).gradient.slice(0, frontOf(net).length);
      const r = new DampedNewton({ order: 'newton-first', alpha, lr }).step(net, x, y);
      expect(r.loss).to.equal(before.loss(x, y));
      expect(relError(lastOf(net), wLast)).to.be.below(1e-10);
      expect(relError(frontOf(net), sub(frontOf(before), gFront, lr))).to.be.below(1e-12);
      // Through the old last layer the front step would differ: the test can tell.
      const gOld = before.gradient(x, y).gradient.slice(0, frontOf(net).length);
      expect(relError(frontOf(net), sub(frontOf(before), gOld, lr))).to.be.above(1e-6);
    });

    it(`SGD-DN (${output}): SGD at theta, then Newton at the updated front layers`, () => {
      const { net, x, y } = setup([6, 4, 3, K], output);
      const lr = 0.3;
      const before = net.clone();
      const g = before.gradient(x, y).gradient;
      const front = sub(frontOf(before), g.slice(0, frontOf(net).length), lr);
      const mid = before.clone();
      mid.params.set(front, 0);
      const wLast = sub(lastOf(before), newtonStep(mid, x, y, alpha));
      const r = new DampedNewton({ order: 'sgd-first', alpha, lr }).step(net, x, y);
      expect(r.loss).to.equal(before.loss(x, y));
      expect(relError(frontOf(net), front)).to.be.below(1e-12);
      expect(relError(lastOf(net), wLast)).to.be.below(1e-10);
      // Newton at the old front activations would give another last layer.
      const stale = sub(lastOf(before), newtonStep(before, x, y, alpha));
      expect(relError(lastOf(net), stale)).to.be.above(1e-6);
    });
  }

  it('gives different parameters for the two orders from the same start', () => {
    const a = setup([5, 4, 2], 'linear');
    const b = setup([5, 4, 2], 'linear');
    new DampedNewton({ order: 'newton-first', lr: 0.5 }).step(a.net, a.x, a.y);
    new DampedNewton({ order: 'sgd-first', lr: 0.5 }).step(b.net, b.x, b.y);
    expect(relError(a.net.params, b.net.params)).to.be.above(1e-6);
  });

  it('scales only the Newton step by eta, never by lr', () => {
    const { net, x, y } = setup([5, 3], 'linear');
    const p = newtonStep(net, x, y, 0);
    const expected = sub(lastOf(net), p, 0.5);
    new DampedNewton({ eta: 0.5, lr: 123 }).step(net, x, y);
    expect(relError(lastOf(net), expected)).to.be.below(1e-10);
  });

  it('reports H_max = 2 for MSE behind a sigmoid layer', () => {
    const { net, x, y } = setup([5, 4, 1], 'linear');
    const r = new DampedNewton({ alpha: 0.5 }).step(net, x, y);
    expect(r.hMax).to.be.closeTo(2, 1e-15);
    expect(r.shift).to.be.closeTo(2.5, 1e-15);
  });

  it('refuses a Hessian that is numerically zero with alpha = 0, leaving theta unchanged', () => {
    // Saturated softmax: every p is 0 or 1, so H == 0 and H + (0 + 0) I is singular.
    const net = new Network({ layers: [1, 2], output: 'softmax', seed: 1 });
    net.params.set([800, 0, -800, 0]);
    const x = new Float64Array([0.5, -0.5]);
    const y = new Int32Array([0, 1]);
    const before = Float64Array.from(net.params);
    const opt = new DampedNewton({ alpha: 0 });
    expect(() => opt.step(net, x, y)).to.throw(DnsgdError, /alpha = 0/);
    try {
      opt.step(net, x, y);
    } catch (e) {
      expect((e as DnsgdError).code).to.equal('ERR_FACTOR_FAILED');
    }
    expect(Array.from(net.params)).to.deep.equal(Array.from(before));
  });

  it('with allowFloor, adds the smallest floor that works and reports it', () => {
    const net = new Network({ layers: [1, 2], output: 'softmax', seed: 1 });
    net.params.set([800, 0, -800, 0]);
    const r = new DampedNewton({ alpha: 0, allowFloor: true }).step(
      net, new Float64Array([0.5, -0.5]), new Int32Array([0, 1]));
    expect(r.floor).to.equal(1e-12);
    expect(net.params.every(Number.isFinite)).to.equal(true);
  });

  it('restores the front layers when SGD-DN fails after its SGD half', () => {
    const net = new Network({ layers: [1, 1, 2], output: 'softmax', seed: 1 });
    // Saturated softmax (H == 0) with the wrong class: the front gradient is non-zero, so
    // the SGD half moves the front layer before the Newton half fails.
    net.params.set([0, 1, 900, 900, -900, -900]);
    const before = Float64Array.from(net.params);
    const x = new Float64Array([2]), y = new Int32Array([1]);
    const g = net.gradient(x, y).gradient;
    expect(Math.abs(g[1])).to.be.above(0);
    const opt = new DampedNewton({ order: 'sgd-first', alpha: 0, lr: 0.1 });
    expect(() => opt.step(net, x, y)).to.throw(DnsgdError, /not positive definite/);
    expect(Array.from(net.params)).to.deep.equal(Array.from(before));
  });
});

describe('SGD', () => {
  it('steps every layer by -lr * gradient', () => {
    const { net, x, y } = setup([5, 4, 3], 'linear');
    const g = net.gradient(x, y).gradient;
    const expected = sub(net.params, g, 0.1);
    new SGD({ lr: 0.1 }).step(net, x, y);
    expect(relError(net.params, expected)).to.be.below(1e-14);
  });

  it('with momentum: v1 = g1, v2 = mu v1 + g2 (hand-computed)', () => {
    const { net, x, y } = setup([4, 3, 2], 'softmax');
    const lr = 0.2, mu = 0.7;
    const ref = net.clone();
    const g1 = ref.gradient(x, y).gradient;
    ref.params.set(sub(ref.params, g1, lr));
    const g2 = ref.gradient(x, y).gradient;
    const v2 = g2.map((g, i) => mu * g1[i] + g);
    const expected = sub(ref.params, v2, lr);
    const opt = new SGD({ lr, momentum: mu });
    opt.step(net, x, y);
    opt.step(net, x, y);
    expect(relError(net.params, expected)).to.be.below(1e-13);
  });

  it('with Nesterov: steps by g + mu v (hand-computed)', () => {
    const { net, x, y } = setup([4, 3, 2], 'linear');
    const lr = 0.05, mu = 0.9;
    const ref = net.clone();
    const g1 = ref.gradient(x, y).gradient;
    ref.params.set(ref.params.map((p, i) => p - lr * (g1[i] + mu * g1[i])));
    const g2 = ref.gradient(x, y).gradient;
    const expected = ref.params.map((p, i) => {
      const v = mu * g1[i] + g2[i];
      return p - lr * (g2[i] + mu * v);
    });
    const opt = new SGD({ lr, momentum: mu, nesterov: true });
    opt.step(net, x, y);
    opt.step(net, x, y);
    expect(relError(net.params, expected)).to.be.below(1e-13);
  });
});

describe('Adam', () => {
  it('matches two hand-computed bias-corrected steps', () => {
    const { net, x, y } = setup([4, 3, 2], 'linear');
    const lr = 0.01, b1 = 0.9, b2 = 0.99, eps = 1e-8;
    const ref = net.clone();
    const m = new Float64Array(net.paramCount), s = new Float64Array(net.paramCount);
    for (let t = 1; t <= 2; t++) {
      const g = ref.gradient(x, y).gradient;
      for (let i = 0; i < g.length; i++) {
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        s[i] = b2 * s[i] + (1 - b2) * g[i] * g[i];
        const mh = m[i] / (1 - b1 ** t), sh = s[i] / (1 - b2 ** t);
        ref.params[i] -= (lr * mh) / (Math.sqrt(sh) + eps);
      }
    }
    const opt = new Adam({ lr, beta1: b1, beta2: b2, eps });
    opt.step(net, x, y);
    opt.step(net, x, y);
    expect(relError(net.params, ref.params)).to.be.below(1e-12);
  });

  it('serves as the front rule of DampedNewton', () => {
    const { net, x, y } = setup([5, 4, 2], 'linear');
    const ref = net.clone();
    const wLast = sub(lastOf(ref), newtonStep(ref, x, y, 0));
    const gFront = withLast(ref, wLast).gradient(x, y).gradient.slice(0, frontOf(net).length);
    // First Adam step: m^ = g, v^ = g^2, so each parameter moves by lr * g / (|g| + eps).
    const expected = frontOf(ref).map(
      (p, i) => p - (0.01 * gFront[i]) / (Math.abs(gFront[i]) + 1e-8));
    new DampedNewton({ front: 'adam', lr: 0.01 }).step(net, x, y);
    expect(relError(frontOf(net), expected)).to.be.below(1e-12);
    expect(relError(lastOf(net), wLast)).to.be.below(1e-10);
  });
});

describe('Optimizer', () => {
  it('from() builds every named optimizer, all of them Optimizers', () => {
    expect(Optimizer.from('sgd', { lr: 0.1 })).to.be.instanceOf(SGD);
    const dn = Optimizer.from('dn-sgd', { alpha: 0.01 }) as DampedNewton;
    expect(dn).to.be.instanceOf(DampedNewton).and.instanceOf(Optimizer);
    expect(dn.order).to.equal('newton-first');
    expect((Optimizer.from('sgd-dn') as DampedNewton).order).to.equal('sgd-first');
    expect(Optimizer.from('adam')).to.be.instanceOf(Adam);
    expect(Optimizer.from('momentum').name).to.equal('momentum');
    expect(() => Optimizer.from('dnsgd' as never)).to.throw(RangeError, /did you mean 'dn-sgd'/);
  });

  it('is bit-for-bit reproducible: same seed, same steps, same parameters', () => {
    for (const name of ['sgd', 'dn-sgd', 'sgd-dn', 'adam'] as const) {
      const run = () => {
        const { net, x, y } = setup([8, 6, 3], 'softmax', 32, 9);
        const opt = Optimizer.from(name, { lr: 0.1 });
        for (let i = 0; i < 20; i++) opt.step(net, x, y);
        return Buffer.from(net.params.buffer);
      };
      expect(run().equals(run()), name).to.equal(true);
    }
  });

  it('gives the same steps on 1 and 2 threads', () => {
    const run = (threads: number) => {
      const { net, x, y } = setup([40, 64, 10], 'softmax', 96, 3);
      const opt = new DampedNewton({ alpha: 0.01, lr: 0.1, threads });
      for (let i = 0; i < 5; i++) opt.step(net, x, y);
      return Buffer.from(net.params.buffer);
    };
    expect(run(1).equals(run(2))).to.equal(true);
  });
});

describe('DampedNewton solver', () => {
  const shapes: Array<{ layers: number[]; rows: number; alpha: number }> = [
    { layers: [12, 9, 7], rows: 40, alpha: 0 },
    { layers: [20, 32, 26], rows: 60, alpha: 0 },
    { layers: [30, 40, 10], rows: 25, alpha: 0.01 },
    { layers: [8, 5], rows: 10, alpha: 0.1 },
  ];
  for (const { layers, rows, alpha } of shapes) {
    it(`'cg' takes the dense step to 1e-8 relative: [${layers}], batch ${rows}`, () => {
      const { net, x, y } = setup(layers, 'softmax', rows, 4);
      net.params.set(randomMatrix(1, net.paramCount, 5, 0.5));
      const dense = net.clone(), cg = net.clone();
      new DampedNewton({ alpha, solver: 'dense', lr: 0.1 }).step(dense, x, y);
      const r = new DampedNewton({ alpha, solver: 'cg', lr: 0.1 }).step(cg, x, y);
      expect(r.cgIters).to.be.above(0);
      const p0 = lastOf(net);
      const pd = sub(p0, lastOf(dense)), pc = sub(p0, lastOf(cg));
      expect(relError(pc, pd)).to.be.below(1e-8);
      expect(relError(frontOf(cg), frontOf(dense))).to.be.below(1e-8);
    });
  }

  it("'auto' stays dense for small systems and takes CG for large ones", () => {
    const small = setup([6, 4, 3], 'softmax', 30, 1);
    expect(new DampedNewton({ alpha: 0.01 }).step(small.net, small.x, small.y).cgIters).to.equal(0);
    const large = setup([16, 32, 26], 'softmax', 200, 1);
    expect(new DampedNewton({ alpha: 0.01 }).step(large.net, large.x, large.y).cgIters)
      .to.be.above(0);
    const mse = setup([16, 300, 3], 'linear', 50, 1);
    expect(new DampedNewton({ solver: 'cg' }).step(mse.net, mse.x, mse.y).cgIters).to.equal(0);
  });

  it("'cg' refuses a singular system with alpha = 0 like the dense solve does", () => {
    const net = new Network({ layers: [1, 2], output: 'softmax', seed: 1 });
    net.params.set([800, 0, -800, 0]);
    expect(() => new DampedNewton({ solver: 'cg' }).step(net, new Float64Array([0.5]),
      new Int32Array([0]))).to.throw(DnsgdError, /not positive definite/);
  });
});
