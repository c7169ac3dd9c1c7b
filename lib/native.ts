// Loads the compiled addon. DNSGD_ADDON may name a .node file to load instead (for example the
// cmake-js build or a sanitizer build), which is how the other build paths are tested.
import * as path from 'path';

import { packageRoot } from './root';

// The kernels ignore a DNSGD_THREADS they cannot read and use the core count; say so once.
const threadsEnv = process.env.DNSGD_THREADS;
if (threadsEnv !== undefined && !/^(?:[1-9]\d?|1\d\d|2[0-4]\d|25[0-6])$/.test(threadsEnv)) {
  process.emitWarning(
    `DNSGD_THREADS must be an integer in [1, 256]; got ${JSON.stringify(threadsEnv)}, so the ` +
      'number of cores is used',
    { code: 'DNSGD_THREADS' },
  );
}

function load(): any {
  const override = process.env.DNSGD_ADDON;
  if (override) return require(path.resolve(override));
  return require('node-gyp-build')(packageRoot());
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const native: any = load();
