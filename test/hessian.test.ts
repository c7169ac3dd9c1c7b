import { expect } from 'chai';

import { Network, Targets } from '../lib';
import { randomMatrix, randomTargets, relError } from './helpers';

/** Finite differences of the analytic last-layer gradient: column j of the Hessian. */
function fdHessian(net: Network, x: Float64Array, y: Targets, h = 1e-5): Float64Array {
  const from = net.layerOffset(net.depth - 1);
  const n = net.paramCount - from;
  const H = new Float64Array(n * n);
  const p = net.params;
  for (let j = 0; j < n; j++) {
    const keep = p[from + j];
    p[from + j] = keep + h;
    const up = net.gradient(x, y).gradient.slice(from);
    p[from + j] = keep - h;
    const down = net.gradient(x, y).gradient.slice(from);
    p[from + j] = keep;
    for (let i = 0; i < n; i++) H[i * n + j] = (up[i] - down[i]) / (2 * h);
  }
  return H;
}

function quadForm(H: Float64Array, v: Float64Array): number {
  const n = v.length;
  let s = 0;
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let j = 0; j < n; j++) r += H[i * n + j] * v[j];
    s += v[i] * r;
  }
  return s;
}

const CASES = [
  { name: 'MSE, K = 1', layers: [6, 4, 1], output: 'linear' as const },
  { name: 'MSE, K = 3', layers: [5, 4, 3], output: 'linear' as const },
  { name: 'MSE, K = 3, no hidden layer', layers: [5, 3], output: 'linear' as const },
  { name: 'softmax, K = 2', layers: [6, 4, 2], output: 'softmax' as const },
  { name: 'softmax, K = 5', layers: [5, 3, 5], output: 'softmax' as const },
  { name: 'softmax, K = 5, two hidden layers', layers: [4, 5, 3, 5], output: 'softmax' as const },
];

describe('Network.lastLayerHessian', () => {
  for (const c of CASES) {
    describe(c.name, () => {
      const net = new Network({ layers: c.layers, output: c.output, activation: 'tanh', seed: 5 });
      net.params.set(randomMatrix(1, net.paramCount, 6, 0.7));
      const x = randomMatrix(13, c.layers[0], 7);
      const y = randomTargets(net, 13, 8);
      const H = net.lastLayerHessian(x, y);
      const n = Math.sqrt(H.length);

      it('matches finite differences of the analytic gradient', () => {
        expect(relError(H, fdHessian(net, x, y))).to.be.below(1e-6);
      });

      it('is symmetric', () => {
        for (let i = 0; i < n; i++)
          for (let j = 0; j < i; j++) expect(H[i * n + j]).to.equal(H[j * n + i]);
      });

      it('is positive semi-definite, with its largest element on the diagonal', () => {
        for (let t = 0; t < 50; t++) {
          expect(quadForm(H, randomMatrix(1, n, 100 + t))).to.be.at.least(-1e-12);
        }
        let hMax = -Infinity, diagMax = -Infinity;
        for (let i = 0; i < n * n; i++) hMax = Math.max(hMax, H[i]);
        for (let i = 0; i < n; i++) diagMax = Math.max(diagMax, H[i * n + i]);
        expect(hMax).to.equal(diagMax);
      });

      if (c.output === 'linear') {
        it('is block diagonal with K equal blocks; H_max is 2 with a tanh hidden layer', () => {
          const K = net.outputs, d1 = n / K;
          for (let i = 0; i < n; i++)
            for (let j = 0; j < n; j++) {
              const same = Math.floor(i / d1) === Math.floor(j / d1);
              if (!same) expect(H[i * n + j]).to.equal(0);
              else expect(H[i * n + j]).to.equal(H[(i % d1) * n + (j % d1)]);
            }
          // The bias entry: (2/N) sum of 1 * 1.
          expect(H[0]).to.be.closeTo(2, 1e-15);
        });
      } else {
        it('annihilates the same vector added to every class row', () => {
          const K = net.outputs, d1 = n / K;
          const u = randomMatrix(1, d1, 77);
          const v = new Float64Array(n);
          for (let k = 0; k < K; k++) v.set(u, k * d1);
          let worst = 0;
          for (let i = 0; i < n; i++) {
            let r = 0;
            for (let j = 0; j < n; j++) r += H[i * n + j] * v[j];
            worst = Math.max(worst, Math.abs(r));
          }
          expect(worst).to.be.below(1e-14);
        });
      }
    });
  }
});
