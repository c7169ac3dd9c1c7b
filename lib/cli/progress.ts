// Training progress on stderr: a bar on a terminal, one plain line per epoch otherwise (logs
// and pipes get no control codes), nothing at all for --json.
import { SingleBar } from 'cli-progress';

import { seconds, sig } from './format';
import { EpochEvent } from './run';

export interface Progress {
  /** A dataset's runs begin: `runs` optimizers of `epochs` epochs each. */
  begin(dataset: string, runs: number, epochs: number): void;
  epoch(e: EpochEvent): void;
  end(): void;
}

export const silentProgress: Progress = { begin() {}, epoch() {}, end() {} };

export function progressFor(stream: NodeJS.WriteStream, quiet: boolean): Progress {
  if (quiet) return silentProgress;
  return stream.isTTY ? new BarProgress(stream) : new LineProgress(stream);
}

class BarProgress implements Progress {
  private bar: SingleBar | null = null;
  private done = 0;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  begin(dataset: string, runs: number, epochs: number): void {
    this.end();
    this.done = 0;
    this.bar = new SingleBar({
      stream: this.stream,
      format: `${dataset} |{bar}| {value}/{total} epochs | {optimizer} epoch {epoch} | ` +
        'train {train} test {test}',
      barCompleteChar: '\u2588',
      barIncompleteChar: '\u2591',
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 20,
    });
    this.bar.start(runs * epochs, 0, { optimizer: '', epoch: '', train: '-', test: '-' });
  }

  epoch(e: EpochEvent): void {
    this.done++;
    this.bar?.update(this.done, {
      optimizer: e.optimizer,
      epoch: `${e.epoch.epoch}/${e.epochs}`,
      train: sig(e.epoch.trainLoss),
      test: sig(e.epoch.valLoss),
    });
  }

  end(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

class LineProgress implements Progress {
  constructor(private readonly stream: NodeJS.WriteStream) {}

  begin(dataset: string, runs: number, epochs: number): void {
    this.stream.write(`${dataset}: training ${runs} run${runs > 1 ? 's' : ''} of ` +
      `${epochs} epoch${epochs > 1 ? 's' : ''}\n`);
  }

  epoch(e: EpochEvent): void {
    const r = e.epoch;
    const test = Number.isNaN(r.valLoss) ? '' : `, test loss ${sig(r.valLoss)}`;
    this.stream.write(`${e.dataset} ${e.optimizer} epoch ${r.epoch}/${e.epochs}: ` +
      `train loss ${sig(r.trainLoss)}${test} (${seconds(r.elapsed)} s)\n`);
  }

  end(): void {}
}
