// The second build path: the cmake-js addon (npm run build:cmake) must behave exactly like the
// node-gyp one. Skipped when that build is absent (CI builds it before npm test).
import { expect } from 'chai';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import { repoRoot } from './helpers';

const script = `
  const d = require(${JSON.stringify(path.join(repoRoot(), 'dist'))});
  const net = new d.Network({ layers: [6, 5, 3], output: 'softmax', seed: 4 });
  const x = new Float64Array(60).map((_, i) => Math.sin(i));
  const y = new Int32Array(10).map((_, i) => i % 3);
  const opt = new d.DampedNewton({ alpha: 0.01, lr: 0.1 });
  for (let i = 0; i < 5; i++) opt.step(net, x, y);
  process.stdout.write(JSON.stringify({ isa: d.native.isa(), params: Array.from(net.params) }));
`;

function run(addon?: string): { isa: string; params: number[] } {
  const env = { ...process.env };
  if (addon) env.DNSGD_ADDON = addon;
  else delete env.DNSGD_ADDON;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { env }).toString());
}

describe('build paths', () => {
  const cmake = path.join(repoRoot(), 'build-cmake', 'Release', 'dnsgd.node');

  it('the cmake-js addon trains exactly like the node-gyp addon', function () {
    if (!fs.existsSync(cmake)) this.skip();
    const gyp = run(), cm = run(cmake);
    expect(cm.isa).to.equal(gyp.isa);
    expect(cm.params.length).to.equal(gyp.params.length);
    for (let i = 0; i < gyp.params.length; i++) {
      expect(cm.params[i]).to.be.closeTo(gyp.params[i], 1e-12 * (1 + Math.abs(gyp.params[i])));
    }
  });
});
