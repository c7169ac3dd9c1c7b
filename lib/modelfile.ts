// Model files: a versioned binary container for a Network (byte layout in
// docs/model-format.md). Loading treats the input as hostile: every size is checked against
// fixed limits and against the real file size before anything of that size is allocated, so a
// damaged or crafted file gives a DnsgdError('ERR_MODEL_FILE') and nothing worse.
import { constants as bufferConstants } from 'buffer';
import { createHash, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as nodePath from 'path';

import { DnsgdError } from './errors';
import { packageRoot } from './root';
import { ACTIVATIONS, Activation, Network, OUTPUTS, OutputKind } from './network';
import * as v from './validate';

/** The format version this library writes. */
export const MODEL_FORMAT_VERSION = 1;
/** Format versions this library reads. */
export const MODEL_FORMAT_VERSIONS: readonly number[] = [1];

/** 0x89 "DNSGD" CR LF: the high byte and the line ending catch 7-bit and text-mode copies. */
export const MODEL_MAGIC: Readonly<Uint8Array> = Uint8Array.of(
  0x89, 0x44, 0x4e, 0x53, 0x47, 0x44, 0x0d, 0x0a,
);
const FORMAT_NAME = 'dnsgd-model';
const PREAMBLE = 16; // magic, uint32 version, uint32 header length
const CHECKSUM = 32; // SHA-256
export const MAX_HEADER_BYTES = 1 << 20;
export const MAX_LAYERS = 64;
export const MAX_LAYER_SIZE = 1 << 24;
/** The Network constructor's own limit on the parameter count. */
export const MAX_PARAMS = 2 ** 32 - 1;
/** Deepest nesting of arrays and objects in the header, the header object itself counting 1. */
export const MAX_HEADER_DEPTH = 64;
const HEADER_KEYS = [
  'format', 'version', 'layers', 'activation', 'output', 'paramCount', 'transform', 'meta',
  'creator',
] as const;
const CREATOR_KEYS = ['name', 'version'] as const;
// Parameters move in chunks so that neither reads nor writes hit the per-call I/O limit and the
// big-endian path needs only a small scratch buffer.
const CHUNK = 1 << 23;
const HOST_LE = os.endianness() === 'LE';

/** What the JSON header of a version 1 file holds. */
export interface ModelHeader {
  format: 'dnsgd-model';
  version: number;
  layers: number[];
  activation: Activation;
  output: OutputKind;
  paramCount: number;
  transform: unknown;
  meta: Record<string, unknown> | null;
  creator: { name: string; version: string };
}

// ---------------------------------------------------------------------------------------------
// Writing

/** Writes `net` to `path`: temp file in the same directory, fsync, rename over the target. */
export function saveModel(net: Network, path: string): void {
  if (typeof path !== 'string') throw v.typeError('path', 'a file path string', path);
  if (path.length === 0) throw v.rangeError('path', 'a non-empty file path', 'the empty string');
  const prefix = encodePrefix(net, 'save');
  const target = nodePath.resolve(path);
  const dir = nodePath.dirname(target);
  // Renaming replaces whatever the name points at: a device, a FIFO, a directory or a
  // symbolic link would be swapped for a regular file. Only a regular file is replaced.
  let existing: fs.Stats | undefined;
  try {
    existing = fs.lstatSync(target);
  } catch {
    existing = undefined;
  }
  if (existing && !existing.isFile()) {
    const kind = existing.isSymbolicLink() ? 'a symbolic link'
      : existing.isDirectory() ? 'a directory' : 'not a regular file';
    throw new DnsgdError('ERR_MODEL_FILE',
      `cannot save model to '${path}': it is ${kind}; only a regular file is replaced`,
      { path });
  }
  // Hidden, unique, and short enough for NAME_MAX even when the target's name is not.
  const tmp = nodePath.join(dir, `.${nodePath.basename(target).slice(0, 64)}.` +
    `${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  let created = false;
  let stage = `create a temporary file in '${dir}'`;
  try {
    // 'wx': never follow or reuse something already at the temp name.
    fd = fs.openSync(tmp, 'wx', 0o666);
    created = true;
    stage = `write '${tmp}'`;
    const hash = createHash('sha256');
    const put = (bytes: Uint8Array): void => {
      hash.update(bytes);
      writeAll(fd as number, bytes);
    };
    put(prefix);
    forEachParamChunk(net.params, HOST_LE, put);
    writeAll(fd, hash.digest());
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    stage = 'move the temporary file over the target';
    fs.renameSync(tmp, target);
    created = false;
  } catch (err) {
    if (fd !== undefined) ignore(() => fs.closeSync(fd as number));
    if (created) ignore(() => fs.unlinkSync(tmp));
    throw osError(`cannot save model to '${path}': cannot ${stage}`, err, path);
  }
  syncDirectory(dir);
}

/** The whole file as one Buffer. */
export function modelToBuffer(net: Network): Buffer {
  const prefix = encodePrefix(net, 'toBuffer');
  const size = prefix.length + net.params.length * 8 + CHECKSUM;
  if (size > bufferConstants.MAX_LENGTH) {
    throw v.rangeError(
      'the model', 'small enough for one Buffer (use save() for larger ones)', `${size} bytes`,
    );
  }
  const out = Buffer.allocUnsafe(size);
  out.set(prefix, 0);
  let at = prefix.length;
  forEachParamChunk(net.params, HOST_LE, (bytes) => {
    out.set(bytes, at);
    at += bytes.length;
  });
  createHash('sha256').update(out.subarray(0, at)).digest().copy(out, at);
  return out;
}

/** Magic, version, header length, header and padding: everything before the parameters. */
function encodePrefix(net: Network, what: string): Buffer {
  net.checkIdle(what);
  const bad = net.params.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) {
    throw new DnsgdError(
      'ERR_MODEL_FILE',
      `${what} refused: params[${bad}] is ${net.params[bad]}; only finite parameters ` +
        'can be stored',
      { index: bad },
    );
  }
  if (net.layers.length > MAX_LAYERS) {
    throw v.rangeError(
      'layers', `at most ${MAX_LAYERS} sizes to fit a model file`, `${net.layers.length}`,
    );
  }
  if (net.meta !== undefined &&
      (net.meta === null || typeof net.meta !== 'object' || Array.isArray(net.meta))) {
    throw v.typeError('meta', 'a plain object or undefined', net.meta);
  }
  const fields: [string, string][] = [
    ['format', JSON.stringify(FORMAT_NAME)],
    ['version', `${MODEL_FORMAT_VERSION}`],
    ['layers', JSON.stringify(net.layers)],
    ['activation', JSON.stringify(net.activation)],
    ['output', JSON.stringify(net.output)],
    ['paramCount', `${net.params.length}`],
    ['transform', userJson('transform', net.transform)],
    ['meta', userJson('meta', net.meta)],
    ['creator', JSON.stringify({ name: 'dnsgd', version: libraryVersion() })],
  ];
  const header = Buffer.from(
    '{' + fields.map(([k, text]) => `${JSON.stringify(k)}:${text}`).join(',') + '}', 'utf8',
  );
  if (header.length > MAX_HEADER_BYTES) {
    throw v.rangeError(
      'the model header (transform and meta)', `at most ${MAX_HEADER_BYTES} bytes of JSON`,
      `${header.length} bytes`,
    );
  }
  const depth = jsonDepth(header);
  if (depth > MAX_HEADER_DEPTH) {
    throw v.rangeError(
      'transform and meta', `nested at most ${MAX_HEADER_DEPTH - 1} levels deep`, `${depth - 1}`,
    );
  }
  const start = PREAMBLE + header.length;
  const prefix = Buffer.alloc(align8(start)); // zero-filled: the padding must be zeros
  prefix.set(MODEL_MAGIC, 0);
  prefix.writeUInt32LE(MODEL_FORMAT_VERSION, 8);
  prefix.writeUInt32LE(header.length, 12);
  header.copy(prefix, PREAMBLE);
  return prefix;
}

/** JSON text of a user value; refuses what JSON.stringify would silently drop or mangle. */
function userJson(name: string, value: unknown): string {
  if (value === undefined || value === null) return 'null';
  let text: string | undefined;
  try {
    text = JSON.stringify(value, function check(key: string, x: unknown): unknown {
      const where = key === '' ? '' : ` at key ${JSON.stringify(key)}`;
      const lossy = (typeof x === 'number' && !Number.isFinite(x)) || typeof x === 'function' ||
        typeof x === 'symbol' || typeof x === 'bigint';
      if (lossy) throw new TypeError(`${name} must be JSON data; got ${v.describe(x)}${where}`);
      return x;
    });
  } catch (err) {
    if (err instanceof TypeError && err.message.startsWith(`${name} must`)) throw err;
    // Cycles and throwing toJSON methods land here.
    throw new TypeError(`${name} must be JSON data; JSON.stringify failed: ${message(err)}`);
  }
  if (text === undefined) throw v.typeError(name, 'JSON data', value);
  return text;
}

/** Little-endian bytes of the parameters, a chunk at a time (no copy on little-endian hosts). */
export function forEachParamChunk(
  params: Float64Array, littleEndianHost: boolean, use: (bytes: Uint8Array) => void,
): void {
  const per = CHUNK / 8;
  if (littleEndianHost) {
    for (let i = 0; i < params.length; i += per) {
      const part = params.subarray(i, Math.min(params.length, i + per));
      use(new Uint8Array(part.buffer, part.byteOffset, part.byteLength));
    }
    return;
  }
  const scratch = new Uint8Array(Math.min(CHUNK, params.length * 8));
  const view = new DataView(scratch.buffer);
  for (let i = 0; i < params.length; i += per) {
    const n = Math.min(per, params.length - i);
    for (let j = 0; j < n; j++) view.setFloat64(j * 8, params[i + j], true);
    use(scratch.subarray(0, n * 8));
  }
}

/** Stores little-endian bytes into params starting at params[index] (bytes.length % 8 == 0). */
export function setParamsFromLE(
  params: Float64Array, index: number, bytes: Uint8Array, littleEndianHost: boolean,
): void {
  if (littleEndianHost) {
    new Uint8Array(params.buffer, params.byteOffset + index * 8, bytes.length).set(bytes);
    return;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let j = 0; j * 8 < bytes.length; j++) params[index + j] = view.getFloat64(j * 8, true);
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length;) {
    done += fs.writeSync(fd, bytes, done, bytes.length - done);
  }
}

/** Makes the rename durable where the platform allows fsync on a directory. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Windows cannot open directories and some file systems refuse the fsync; the file is
    // already in place, so this is best effort.
  } finally {
    if (fd !== undefined) ignore(() => fs.closeSync(fd as number));
  }
}

let versionCache: string | undefined;
function libraryVersion(): string {
  if (versionCache === undefined) {
    try {
      const pkg = JSON.parse(
        fs.readFileSync(nodePath.join(packageRoot(), 'package.json'), 'utf8'),
      ) as { version?: unknown };
      versionCache = typeof pkg.version === 'string' ? pkg.version : 'unknown';
    } catch {
      versionCache = 'unknown';
    }
  }
  return versionCache;
}

// ---------------------------------------------------------------------------------------------
// Reading

/** Sequential access to the bytes of a model, from memory or from an open file. */
interface Source {
  /** Size as reported up front (a file's may change while it is read). */
  readonly size: number;
  /** The next `n` bytes, or fewer at the end. The result is valid until the next call. */
  next(n: number): Uint8Array;
  /** Whether nothing follows. */
  atEnd(): boolean;
}

function bufferSource(buf: Uint8Array): Source {
  let at = 0;
  return {
    size: buf.length,
    next(n) {
      const out = buf.subarray(at, Math.min(buf.length, at + n));
      at += out.length;
      return out;
    },
    atEnd: () => at >= buf.length,
  };
}

function fileSource(fd: number, size: number): Source {
  let scratch = new Uint8Array(0);
  return {
    size,
    next(n) {
      if (scratch.length < n) scratch = new Uint8Array(n);
      let got = 0;
      while (got < n) {
        const k = fs.readSync(fd, scratch, got, n - got, null);
        if (k === 0) break;
        got += k;
      }
      return scratch.subarray(0, got);
    },
    atEnd: () => fs.readSync(fd, new Uint8Array(1), 0, 1, null) === 0,
  };
}

export function modelFromBuffer(buf: Uint8Array): Network {
  if (!(buf instanceof Uint8Array)) {
    const hint =
      (buf as unknown) instanceof ArrayBuffer ? ' (wrap it: new Uint8Array(arrayBuffer))' : '';
    throw new TypeError(`buf must be a Uint8Array or Buffer; got ${v.describe(buf)}${hint}`);
  }
  return decode(bufferSource(buf), 'cannot load model from buffer', undefined);
}

export function loadModel(path: string): Network {
  if (typeof path !== 'string') throw v.typeError('path', 'a file path string', path);
  if (path.length === 0) throw v.rangeError('path', 'a non-empty file path', 'the empty string');
  const what = `cannot load model from '${path}'`;
  let fd: number;
  try {
    // Non-blocking so that a FIFO at the path cannot stall the open; fstat then refuses it.
    fd = fs.openSync(path, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw osError(what, err, path);
  }
  try {
    let stat: fs.Stats;
    try {
      stat = fs.fstatSync(fd);
    } catch (err) {
      throw osError(what, err, path);
    }
    if (!stat.isFile()) {
      const kind = stat.isDirectory() ? 'a directory' : 'not a regular file';
      throw new DnsgdError('ERR_MODEL_FILE', `${what}: it is ${kind}`, { path });
    }
    try {
      return decode(fileSource(fd, stat.size), what, path);
    } catch (err) {
      if (err instanceof DnsgdError) throw err;
      throw osError(what, err, path);
    }
  } finally {
    ignore(() => fs.closeSync(fd));
  }
}

function decode(src: Source, what: string, path: string | undefined): Network {
  const fail = (problem: string, context: Record<string, unknown> = {}): never => {
    throw new DnsgdError('ERR_MODEL_FILE', `${what}: ${problem}`, { ...context, path });
  };
  const truncated = (need: number): never =>
    fail(`the file is truncated: it has ${src.size} bytes, at least ${need} are needed`, {
      size: src.size, needed: need,
    });
  const hash = createHash('sha256');

  const pre = src.next(PREAMBLE);
  const magicSeen = Math.min(pre.length, MODEL_MAGIC.length);
  for (let i = 0; i < magicSeen; i++) {
    if (pre[i] !== MODEL_MAGIC[i]) {
      fail(`not a dnsgd model file (it starts with ${hex(pre.subarray(0, magicSeen))}, ` +
        `a model file with ${hex(MODEL_MAGIC)})`);
    }
  }
  if (pre.length === 0) fail('the file is empty');
  if (pre.length < PREAMBLE) truncated(PREAMBLE);
  const dv = new DataView(pre.buffer, pre.byteOffset, PREAMBLE);
  const version = dv.getUint32(8, true);
  if (!MODEL_FORMAT_VERSIONS.includes(version)) {
    fail(`unsupported format version ${version}; this dnsgd reads version ` +
      `${MODEL_FORMAT_VERSIONS.join(', ')}`, { version });
  }
  const headerLen = dv.getUint32(12, true);
  if (headerLen > MAX_HEADER_BYTES) {
    fail(`the header length ${headerLen} exceeds the limit of ${MAX_HEADER_BYTES} bytes`);
  }
  const paramStart = align8(PREAMBLE + headerLen);
  if (src.size < paramStart + CHECKSUM) truncated(paramStart + CHECKSUM);
  hash.update(pre);

  const headerBytes = src.next(headerLen);
  if (headerBytes.length < headerLen) truncated(paramStart + CHECKSUM);
  hash.update(headerBytes);
  const header = parseHeader(headerBytes, fail);

  const padding = src.next(paramStart - PREAMBLE - headerLen);
  if (padding.length < paramStart - PREAMBLE - headerLen) truncated(paramStart + CHECKSUM);
  if (padding.some((b) => b !== 0)) fail('the padding after the header is not all zero bytes');
  hash.update(padding);

  const n = header.paramCount;
  const total = paramStart + n * 8 + CHECKSUM;
  if (src.size < total) {
    fail(`the file is truncated: it has ${src.size} bytes, the header describes ${total}`, {
      size: src.size, needed: total,
    });
  }
  if (src.size > total) {
    fail(`${src.size - total} unexpected bytes follow the checksum (the header describes ` +
      `${total} bytes, the file has ${src.size})`, { size: src.size, expected: total });
  }

  // Sizes now agree with the header, so this allocation is no larger than the file itself.
  const params = new Float64Array(n);
  for (let i = 0; i < n;) {
    const want = Math.min(CHUNK / 8, n - i);
    const bytes = src.next(want * 8);
    if (bytes.length < want * 8) fail('the file is truncated: it shrank while being read');
    hash.update(bytes);
    setParamsFromLE(params, i, bytes, HOST_LE);
    i += want;
  }
  const stored = src.next(CHECKSUM);
  if (stored.length < CHECKSUM) fail('the file is truncated: it shrank while being read');
  if (!Buffer.from(stored.buffer, stored.byteOffset, CHECKSUM).equals(hash.digest())) {
    fail('checksum mismatch: the file is corrupted');
  }
  if (!src.atEnd()) fail('unexpected bytes follow the checksum (the file grew while being read)');
  const bad = params.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) fail(`parameter ${bad} is ${params[bad]}; only finite values are valid`);

  let net: Network;
  try {
    net = new Network({
      layers: header.layers, activation: header.activation, output: header.output, params,
    });
  } catch (err) {
    // The checks above should have caught everything the constructor refuses.
    return fail(`the network it describes is invalid: ${message(err)}`);
  }
  net.transform = header.transform === null ? undefined : header.transform;
  net.meta = header.meta === null ? undefined : header.meta;
  return net;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function parseHeader(bytes: Uint8Array, fail: (problem: string) => never): ModelHeader {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return fail('the header is not valid UTF-8');
  }
  // Checked before parsing so that no deep structure is ever built.
  const depth = jsonDepth(bytes);
  if (depth > MAX_HEADER_DEPTH) {
    fail(`the header nests ${depth} levels deep, more than the limit of ${MAX_HEADER_DEPTH}`);
  }
  let h: unknown;
  try {
    h = JSON.parse(text);
  } catch (err) {
    return fail(`the header is not JSON (${message(err)})`);
  }
  if (h === null || typeof h !== 'object' || Array.isArray(h)) {
    fail(`the header must be a JSON object; got ${v.describe(h)}`);
  }
  const o = h as Record<string, unknown>;
  const field = (key: string, expected: string): never =>
    fail(`header field '${key}' must be ${expected}; got ${show(o[key])}`);
  for (const key of Object.keys(o)) {
    if (!(HEADER_KEYS as readonly string[]).includes(key)) {
      fail(`the header has an unknown field ${JSON.stringify(key)} (version 1 has ` +
        `${HEADER_KEYS.map((k) => `'${k}'`).join(', ')})`);
    }
  }
  for (const key of HEADER_KEYS) {
    if (!Object.hasOwn(o, key)) fail(`the header lacks the field '${key}'`);
  }
  if (o.format !== FORMAT_NAME) field('format', `"${FORMAT_NAME}"`);
  if (o.version !== MODEL_FORMAT_VERSION) {
    field('version', `${MODEL_FORMAT_VERSION}, the version in the preamble`);
  }

  const layers = o.layers;
  if (!Array.isArray(layers) || layers.length < 2 || layers.length > MAX_LAYERS) {
    field('layers', `an array of 2 to ${MAX_LAYERS} layer sizes`);
  }
  const sizes = layers as unknown[];
  sizes.forEach((n, i) => {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_LAYER_SIZE) {
      fail(`header field 'layers[${i}]' must be an integer in [1, ${MAX_LAYER_SIZE}]; ` +
        `got ${show(n)}`);
    }
  });
  const ls = sizes as number[];
  const act = o.activation;
  if (typeof act !== 'string' || !(ACTIVATIONS as readonly string[]).includes(act)) {
    field('activation', `one of ${ACTIVATIONS.map((a) => `'${a}'`).join(', ')}`);
  }
  if (typeof o.output !== 'string' || !(OUTPUTS as readonly string[]).includes(o.output)) {
    field('output', `one of ${OUTPUTS.map((a) => `'${a}'`).join(', ')}`);
  }
  if (o.output === 'softmax' && ls[ls.length - 1] < 2) {
    field('layers', 'a network with at least 2 outputs for a softmax output');
  }
  // Counted with an early stop, so even 64 layers of 2^24 stay far inside exact integers.
  let count = 0;
  for (let l = 0; l + 1 < ls.length && count <= MAX_PARAMS; l++) count += ls[l + 1] * (ls[l] + 1);
  if (count > MAX_PARAMS) {
    field('layers', `a network of at most ${MAX_PARAMS} parameters`);
  }
  const pc = o.paramCount;
  if (typeof pc !== 'number' || !Number.isInteger(pc) || pc < 0) {
    field('paramCount', 'a non-negative integer');
  }
  if (pc !== count) {
    fail(`header field 'paramCount' is ${pc}, but layers [${ls}] have ${count} parameters`);
  }
  const meta = o.meta;
  if (meta !== null && (typeof meta !== 'object' || Array.isArray(meta))) {
    field('meta', 'an object or null');
  }
  const c = o.creator;
  if (c === null || typeof c !== 'object' || Array.isArray(c)) {
    field('creator', 'an object with string fields name and version');
  }
  const cr = c as Record<string, unknown>;
  for (const key of Object.keys(cr)) {
    if (!(CREATOR_KEYS as readonly string[]).includes(key)) {
      fail(`header field 'creator' has an unknown field ${JSON.stringify(key)}`);
    }
  }
  for (const key of CREATOR_KEYS) {
    if (typeof cr[key] !== 'string') {
      fail(`header field 'creator.${key}' must be a string; got ${show(cr[key])}`);
    }
  }
  return o as unknown as ModelHeader;
}

/** Deepest nesting of [ and { in JSON text, ignoring brackets inside strings. */
function jsonDepth(bytes: Uint8Array): number {
  let depth = 0, max = 0, inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === 0x5c) i++; // backslash: skip the escaped byte
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) {
      inString = true;
    } else if (b === 0x5b || b === 0x7b) {
      if (++depth > max) max = depth;
    } else if (b === 0x5d || b === 0x7d) {
      depth--;
    }
  }
  return max;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** A header value for a message: JSON, shortened. */
function show(x: unknown): string {
  if (x === undefined) return 'nothing';
  if (typeof x === 'number') return `${x}`; // JSON would print Infinity (from 1e400) as null
  const s = JSON.stringify(x);
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A DnsgdError for a failed file operation, with the OS reason and the original error. */
function osError(what: string, err: unknown, path: string): unknown {
  const e = err as NodeJS.ErrnoException;
  // Only system errors are about the file; anything else (a bad argument) goes out as it is.
  if (!(err instanceof Error) || err instanceof DnsgdError || typeof e.syscall !== 'string') {
    return err;
  }
  const out = new DnsgdError('ERR_MODEL_FILE', `${what}: ${e.message}`, {
    path, osCode: e.code, syscall: e.syscall,
  });
  out.cause = err;
  return out;
}

function ignore(f: () => void): void {
  try {
    f();
  } catch {
    // Cleanup after an earlier failure: that failure is the one to report.
  }
}
