// Where the commands write: checked before any training starts, so a mistyped --save or
// --out-dir fails in a second with a message naming the flag and the path, not after the run
// with an errno. The writes themselves report failures the same way.
import * as fs from 'fs';
import * as path from 'path';

import { UsageError } from './options';

function stat(p: string): fs.Stats | null {
  try {
    return fs.statSync(p);
  } catch {
    return null;
  }
}

function writable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.W_OK | fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The same file, by device and inode (so two spellings of one path match too). */
function sameFile(a: string, b: string): boolean {
  const sa = stat(a);
  const sb = stat(b);
  return sa !== null && sb !== null && sa.dev === sb.dev && sa.ino === sb.ino;
}

export interface OutputFileOptions {
  /**
   * The target is replaced by a new file (a model is written next to it and renamed over it),
   * so it must be a regular file if it exists: a device or a pipe would be replaced, not
   * written to. Without it, writing into an existing special file (/dev/stdout) is allowed.
   */
  replaces?: boolean;
  /** Files the command reads, which the output must not overwrite. */
  inputs?: readonly (string | undefined)[];
}

/** Checks that `file` (the value of `flag`) can be written, without writing anything. */
export function checkOutputFile(flag: string, file: string, o: OutputFileOptions = {}): void {
  const where = `${flag} '${file}'`;
  if (file.trim() === '') throw new UsageError(`${flag} needs a file name`);
  if (/[/\\]$/.test(file)) throw new UsageError(`${where}: names a folder; give a file name`);
  for (const input of o.inputs ?? []) {
    if (input !== undefined && sameFile(file, input)) {
      throw new UsageError(`${where}: is the input file '${input}'; writing there would ` +
        'overwrite it');
    }
  }
  const st = stat(file);
  if (st !== null) {
    if (st.isDirectory()) throw new UsageError(`${where}: is a folder; give a file name`);
    if (o.replaces === true && !st.isFile()) {
      throw new UsageError(`${where}: exists and is not a regular file; it would be replaced, ` +
        'so give the path of a regular file or a new one');
    }
    if (o.replaces !== true) {
      // Written in place: the file itself must be writable.
      if (!writableFile(file)) throw new UsageError(`${where}: the file is not writable`);
      return;
    }
  }
  // A new file, or one replaced by a rename: the folder must take new files.
  const parent = path.dirname(file);
  const ds = stat(path.dirname(path.resolve(file)));
  if (ds === null) throw new UsageError(`${where}: the folder '${parent}' does not exist`);
  if (!ds.isDirectory()) throw new UsageError(`${where}: '${parent}' is not a folder`);
  if (!writable(path.dirname(path.resolve(file)))) {
    throw new UsageError(`${where}: cannot create files in the folder '${parent}'`);
  }
}

function writableFile(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks that `dir` is a folder that can be written, or that it can be created: its nearest
 * existing ancestor must be a writable folder.
 */
export function checkOutputDir(flag: string, dir: string): void {
  const where = `${flag} '${dir}'`;
  if (dir.trim() === '') throw new UsageError(`${flag} needs a folder name`);
  let p = path.resolve(dir);
  const st = stat(p);
  if (st !== null) {
    if (!st.isDirectory()) throw new UsageError(`${where}: exists and is not a folder`);
    if (!writable(p)) throw new UsageError(`${where}: the folder is not writable`);
    return;
  }
  // Created later; the first part of the path that exists decides whether it can be.
  for (;;) {
    const up = path.dirname(p);
    if (up === p) return;
    p = up;
    const s = stat(p);
    if (s === null) continue;
    if (!s.isDirectory()) throw new UsageError(`${where}: '${p}' is not a folder`);
    if (!writable(p)) throw new UsageError(`${where}: cannot create folders in '${p}'`);
    return;
  }
}

/** An errno of a write, as one line naming the flag and the path. */
export function writeError(flag: string, file: string, e: unknown): UsageError {
  const err = e as NodeJS.ErrnoException;
  const why: Record<string, string> = {
    ENOENT: 'the folder does not exist', EISDIR: 'is a folder', EACCES: 'permission denied',
    EPERM: 'permission denied', ENOTDIR: 'a part of the path is not a folder',
    EEXIST: 'a file is in the way', ENOSPC: 'no space left on the device',
    EROFS: 'the file system is read-only',
  };
  const reason = (err.code !== undefined ? why[err.code] : undefined) ??
    (err.message ?? String(e)).split('\n')[0];
  return new UsageError(`${flag} '${file}': cannot write: ${reason}`);
}

/** writeFileSync, failing with a message that names the flag. */
export function writeOutput(flag: string, file: string, text: string): void {
  try {
    fs.writeFileSync(file, text);
  } catch (e) {
    throw writeError(flag, file, e);
  }
}

/** mkdir -p, failing with a message that names the flag. */
export function makeOutputDir(flag: string, dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw writeError(flag, dir, e);
  }
}
