// Loads the compiled addon. DNSGD_ADDON may name a .node file to load instead (for example the
// cmake-js build or a sanitizer build), which is how the other build paths are tested.
import * as fs from 'fs';
import * as path from 'path';

/** The package root: the nearest folder above this file that holds package.json. */
export function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`dnsgd: no package.json above ${__dirname}`);
    dir = up;
  }
}

function load(): any {
  const override = process.env.DNSGD_ADDON;
  if (override) return require(path.resolve(override));
  return require('node-gyp-build')(packageRoot());
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const native: any = load();
