// Loads the compiled addon. DNSGD_ADDON may name a .node file to load instead (for example the
// cmake-js build), which is how the second build path is tested.
import * as path from 'path';

/* eslint-disable @typescript-eslint/no-var-requires */
const root = path.resolve(__dirname, '..');

function load(): any {
  const override = process.env.DNSGD_ADDON;
  if (override) return require(path.resolve(override));
  return require('node-gyp-build')(root);
}

export const native: any = load();
