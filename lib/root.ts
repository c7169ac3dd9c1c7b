// Where the package lives on disk, found from this file so it works from dist/ and dist-test/.
import * as fs from 'fs';
import * as path from 'path';

let cached: string | undefined;

/** The package root: the nearest folder above this file that holds package.json. */
export function packageRoot(): string {
  if (cached !== undefined) return cached;
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return (cached = dir);
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`dnsgd: no package.json above ${__dirname}`);
    dir = up;
  }
}
