// Loads the compiled addon. DNSGD_ADDON may name a .node file to load instead (for example the
// cmake-js build or a sanitizer build), which is how the other build paths are tested.
import * as path from 'path';

import { packageRoot } from './root';

function load(): any {
  const override = process.env.DNSGD_ADDON;
  if (override) return require(path.resolve(override));
  return require('node-gyp-build')(packageRoot());
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const native: any = load();
