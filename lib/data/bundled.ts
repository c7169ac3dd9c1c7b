// The datasets shipped in the package's data/ directory, with the split and target settings
// that data/README.md recommends, so benchmarks and examples load them the same way.
import * as path from 'path';

import { packageRoot } from '../root';
import { LoadedData, ReadCsvOptions, readCsv } from './csv';

export { packageRoot };

export type BundledName = 'diabetes' | 'diamonds' | 'breast_cancer' | 'letter' | 'pima';

/** Recommended options per bundled dataset (see data/README.md for the reasons). */
export const BUNDLED: Readonly<Record<BundledName, Readonly<ReadCsvOptions>>> = Object.freeze({
  // Price is right-skewed over two orders of magnitude; the log is close to symmetric.
  diamonds: Object.freeze({
    target: 'price', task: 'regression', logTarget: true, standardizeTarget: true,
    testFraction: 0.2,
  }),
  // Progression has sd ~77; scaling it keeps MSE comparable with the classification losses.
  diabetes: Object.freeze({
    target: 'progression', task: 'regression', standardizeTarget: true, testFraction: 0.2,
  }),
  breast_cancer: Object.freeze({ task: 'classification', testFraction: 0.2 }),
  pima: Object.freeze({ task: 'classification', testFraction: 0.25 }),
  // The canonical split: first 16000 rows train, last 4000 test.
  letter: Object.freeze({ task: 'classification', trainRows: 16000 }),
} as Record<BundledName, ReadCsvOptions>);

export const BUNDLED_NAMES: readonly BundledName[] = Object.freeze(
  Object.keys(BUNDLED) as BundledName[],
);

function checkName(name: string): BundledName {
  if (!(BUNDLED_NAMES as readonly string[]).includes(name)) {
    throw new RangeError(
      `unknown bundled dataset ${JSON.stringify(name)}; have ${BUNDLED_NAMES.join(', ')}`,
    );
  }
  return name as BundledName;
}

/** Absolute path of a bundled CSV. */
export function bundledPath(name: BundledName): string {
  return path.join(packageRoot(), 'data', `${checkName(name)}.csv`);
}

/** readCsv on a bundled dataset with its recommended options; `overrides` replace them. */
export function loadBundled(name: BundledName, overrides: ReadCsvOptions = {}): LoadedData {
  const opts: ReadCsvOptions = { ...BUNDLED[checkName(name)] };
  // A different split in the overrides replaces the preset's split rather than clashing.
  if ('testFraction' in overrides || 'trainRows' in overrides || 'testFile' in overrides) {
    delete opts.testFraction;
    delete opts.trainRows;
    delete opts.testFile;
  }
  return readCsv(bundledPath(name), { ...opts, ...overrides });
}
