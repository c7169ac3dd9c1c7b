// The README's API example, run as written (with fewer epochs).
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { DampedNewton, Network, Trainer, loadBundled } from '../lib';

describe('README example', () => {
  it('trains DN-SGD on the bundled diamonds data, predicts and saves', async () => {
    const { train, test } = loadBundled('diamonds');
    const net = new Network({ layers: [train.x.length / train.rows, 5, 1], seed: 1 });
    const opt = new DampedNewton({ order: 'newton-first', alpha: 0, lr: 0.01 });
    const seen: number[] = [];
    const history = await new Trainer(net, opt).fit(train, {
      epochs: 2, batchSize: 50, seed: 7, validation: test,
      onEpoch: (e) => seen.push(e.valLoss),
    });
    expect(seen.length).to.equal(2);
    expect(history.epochs[1].valLoss).to.be.below(history.epochs[0].trainLoss);
    expect(net.predict(test.x).length).to.equal(test.rows);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dnsgd-readme-')), 'model.dnsgd');
    net.save(file);
    expect(Network.load(file).params).to.deep.equal(net.params);
  });
});
