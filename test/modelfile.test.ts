import { expect } from 'chai';
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as os from 'os';
import * as path from 'path';
// The module object itself (not an import-star copy), so that tests can stub its functions.
import fs = require('fs');

import { DnsgdError, MODEL_FORMAT_VERSION, Network, SGD } from '../lib';
import { forEachParamChunk, setParamsFromLE } from '../lib/modelfile';
import { randomMatrix, randomTargets } from './helpers';

// Files are built here straight from docs/model-format.md, not with the library's encoder, so
// the tests also check that the document describes what the code reads.
const MAGIC = [0x89, 0x44, 0x4e, 0x53, 0x47, 0x44, 0x0d, 0x0a];

interface Craft {
  header: object | string | Uint8Array;
  magic?: number[];
  params?: ArrayLike<number>;
  version?: number;
  headerLen?: number;
  padByte?: number;
  trailing?: number;
}

function craft(c: Craft): Buffer {
  const h = c.header instanceof Uint8Array ? Buffer.from(c.header)
    : Buffer.from(typeof c.header === 'string' ? c.header : JSON.stringify(c.header), 'utf8');
  const start = Math.ceil((16 + h.length) / 8) * 8;
  const params = c.params ?? [];
  const out = Buffer.alloc(start + params.length * 8 + 32 + (c.trailing ?? 0));
  out.set(c.magic ?? MAGIC, 0);
  out.writeUInt32LE(c.version ?? 1, 8);
  out.writeUInt32LE(c.headerLen ?? h.length, 12);
  h.copy(out, 16);
  out.fill(c.padByte ?? 0, 16 + h.length, start);
  for (let i = 0; i < params.length; i++) out.writeDoubleLE(params[i], start + 8 * i);
  const end = start + params.length * 8;
  createHash('sha256').update(out.subarray(0, end)).digest().copy(out, end);
  return out;
}

/** The header a [3, 4, 2] sigmoid linear network gets, with `change` applied. */
function header(change: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    format: 'dnsgd-model', version: 1, layers: [3, 4, 2], activation: 'sigmoid',
    output: 'linear', paramCount: 26, transform: null, meta: null,
    creator: { name: 'dnsgd', version: '0.1.0' }, ...change,
  };
}
/** A valid header whose length leaves 5 bytes of padding before the parameters. */
const PADDED = ((): string => {
  for (let k = 0; ; k++) {
    const text = JSON.stringify(header({ meta: { pad: 'x'.repeat(k) } }));
    if ((16 + text.length) % 8 === 3) return text;
  }
})();
const PARAMS26 = Array.from({ length: 26 }, (_, i) => (i - 13) / 7);

function bytes(a: Float64Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function modelError(f: () => unknown, pattern?: RegExp): DnsgdError {
  let caught: unknown;
  try {
    f();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected a DnsgdError').to.be.instanceOf(DnsgdError);
  const e = caught as DnsgdError;
  expect(e.code).to.equal('ERR_MODEL_FILE');
  if (pattern) expect(e.message).to.match(pattern);
  return e;
}

function sample(seed = 1, output: 'linear' | 'softmax' = 'linear'): Network {
  const net = new Network({ layers: [3, 4, 2], activation: 'tanh', output, seed });
  net.transform = { features: ['a', 'b', 'c'], mean: [0.5, -1, 2], std: [1, 2, 0.25] };
  net.meta = { name: 'sample', epochs: 3, note: 'ünïcödé ✓' };
  return net;
}

function expectSame(a: Network, b: Network): void {
  expect(b.layers).to.deep.equal(a.layers);
  expect(b.activation).to.equal(a.activation);
  expect(b.output).to.equal(a.output);
  expect(b.transform).to.deep.equal(a.transform);
  expect(b.meta).to.deep.equal(a.meta);
  expect(bytes(b.params).equals(bytes(a.params))).to.equal(true);
  const x = randomMatrix(7, a.inputs, 99);
  expect(bytes(b.predict(x)).equals(bytes(a.predict(x)))).to.equal(true);
}

let tmp = '';
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dnsgd-modelfile-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A fresh empty directory under the test's temp dir. */
let dirs = 0;
function freshDir(): string {
  const d = path.join(tmp, `d${dirs++}`);
  fs.mkdirSync(d);
  return d;
}

/** Runs body with fs[name] replaced, restoring it whatever happens. */
function withStub<K extends keyof typeof fs>(name: K, impl: (typeof fs)[K], body: () => void) {
  const real = fs[name];
  (fs as Record<K, unknown>)[name] = impl;
  try {
    body();
  } finally {
    (fs as Record<K, unknown>)[name] = real;
  }
}

describe('Network#toBuffer', () => {
  it('writes the documented layout: magic, version, header, padding, LE float64s, SHA-256', () => {
    const net = sample();
    const buf = net.toBuffer();
    expect([...buf.subarray(0, 8)]).to.deep.equal(MAGIC);
    expect(buf.readUInt32LE(8)).to.equal(MODEL_FORMAT_VERSION).and.to.equal(1);
    const len = buf.readUInt32LE(12);
    const h = JSON.parse(buf.subarray(16, 16 + len).toString('utf8'));
    expect(Object.keys(h)).to.deep.equal(Object.keys(header()));
    expect(h).to.deep.include({
      format: 'dnsgd-model', version: 1, layers: [3, 4, 2], activation: 'tanh',
      output: 'linear', paramCount: 26, transform: net.transform, meta: net.meta,
    });
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8'));
    expect(h.creator).to.deep.equal({ name: 'dnsgd', version: pkg.version });
    const start = Math.ceil((16 + len) / 8) * 8;
    expect([...buf.subarray(16 + len, start)].every((b) => b === 0)).to.equal(true);
    for (let i = 0; i < 26; i++) expect(buf.readDoubleLE(start + 8 * i)).to.equal(net.params[i]);
    expect(buf.length).to.equal(start + 26 * 8 + 32);
    const sum = createHash('sha256').update(buf.subarray(0, buf.length - 32)).digest();
    expect(sum.equals(buf.subarray(buf.length - 32))).to.equal(true);
    // The test's own encoder, from the document alone, gives the same bytes.
    expect(craft({ header: h, params: net.params }).equals(buf)).to.equal(true);
  });

  it('is deterministic: the same network gives the same bytes', () => {
    expect(sample(5).toBuffer().equals(sample(5).toBuffer())).to.equal(true);
  });

  it('stores values through toJSON and drops undefined object entries, as JSON does', () => {
    const net = sample();
    net.transform = { toJSON: () => ({ kind: 'scaler', scale: 2 }) };
    net.meta = { kept: 1, dropped: undefined };
    const back = Network.fromBuffer(net.toBuffer());
    expect(back.transform).to.deep.equal({ kind: 'scaler', scale: 2 });
    expect(back.meta).to.deep.equal({ kept: 1 });
  });

  it('refuses transform and meta that JSON cannot carry faithfully (TypeError)', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const bad: [string, unknown][] = [
      ['transform', { f: () => 1 }], ['transform', { x: NaN }], ['transform', [Infinity]],
      ['transform', { n: 1n }], ['transform', cyclic], ['transform', () => 1],
      ['transform', { toJSON: () => { throw new Error('nope'); } }],
      ['meta', [1, 2]], ['meta', null], ['meta', 'text'], ['meta', { s: Symbol('s') }],
    ];
    for (const [key, value] of bad) {
      const net = sample();
      (net as unknown as Record<string, unknown>)[key] = value;
      expect(() => net.toBuffer(), `${key}`).to.throw(TypeError, new RegExp(`^${key} must be`));
    }
  });

  it('refuses headers beyond the limits: > 1 MiB of JSON, nesting > 63 levels', () => {
    const net = sample();
    net.meta = { big: 'x'.repeat(1 << 20) };
    expect(() => net.toBuffer()).to.throw(RangeError, /at most 1048576 bytes/);
    let deep: unknown = 1;
    for (let i = 0; i < 64; i++) deep = [deep];
    net.meta = { deep };
    expect(() => net.toBuffer()).to.throw(RangeError, /nested at most 63 levels/);
    // The addon itself stops at 64 sizes, so the longest network there is must fit.
    const ok = new Network({ layers: new Array(64).fill(1), seed: 1 });
    expect(Network.fromBuffer(ok.toBuffer()).layers.length).to.equal(64);
  });

  it('refuses non-finite parameters with a DnsgdError, since load would refuse them', () => {
    const net = sample();
    net.params[5] = NaN;
    modelError(() => net.toBuffer(), /params\[5\] is NaN/);
    modelError(() => net.save(path.join(tmp, 'nan.dnsgd')), /params\[5\] is NaN/);
    expect(fs.existsSync(path.join(tmp, 'nan.dnsgd'))).to.equal(false);
  });

  it('refuses while a fit holds the network', () => {
    const net = sample();
    net.busy = 'a test';
    expect(() => net.toBuffer()).to.throw(DnsgdError, /in use by a test/);
  });
});

describe('little-endian parameter coding', () => {
  it('gives the same bytes on the native and the portable (big-endian host) path', () => {
    const specials = [0, -0, 1, -1.5, Math.PI, 5e-324, -2.2250738585072014e-308,
      Number.MAX_VALUE, -Number.MAX_VALUE, 1 / 3];
    const p = Float64Array.from({ length: 3000 }, (_, i) => specials[i % 10] * (1 + i));
    const fast: number[] = [];
    const slow: number[] = [];
    forEachParamChunk(p, true, (b) => fast.push(...b));
    forEachParamChunk(p, false, (b) => slow.push(...b));
    const expected = Buffer.alloc(p.length * 8);
    p.forEach((x, i) => expected.writeDoubleLE(x, 8 * i));
    expect(Buffer.from(fast).equals(expected)).to.equal(true);
    expect(Buffer.from(slow).equals(expected)).to.equal(true);
    for (const le of [true, false]) {
      const back = new Float64Array(p.length);
      setParamsFromLE(back, 0, expected.subarray(0, 800), le);
      setParamsFromLE(back, 100, expected.subarray(800), le);
      expect(bytes(back).equals(bytes(p)), `le=${le}`).to.equal(true);
    }
  });
});

describe('Network.fromBuffer', () => {
  it('round-trips bit for bit: params, architecture, transform, meta, predictions', () => {
    for (const output of ['linear', 'softmax'] as const) {
      const net = sample(3, output);
      expectSame(net, Network.fromBuffer(net.toBuffer()));
    }
    const bare = new Network({ layers: [1, 1], activation: 'relu', seed: 2 });
    const back = Network.fromBuffer(bare.toBuffer());
    expectSame(bare, back);
    expect(back.transform).to.equal(undefined);
    expect(back.meta).to.equal(undefined);
  });

  it('round-trips a trained network, which then trains on identically', () => {
    const net = sample(4);
    const x = randomMatrix(16, 3, 11);
    const y = randomTargets(net, 16, 12);
    const sgd = new SGD({ lr: 0.1 });
    for (let i = 0; i < 5; i++) sgd.step(net, x, y);
    const back = Network.fromBuffer(net.toBuffer());
    expectSame(net, back);
    sgd.step(net, x, y);
    sgd.step(back, x, y);
    expect(bytes(back.params).equals(bytes(net.params))).to.equal(true);
  });

  it('copies: the network does not share memory with the buffer, at any byteOffset', () => {
    const buf = sample().toBuffer();
    const shifted = new Uint8Array(buf.length + 3);
    shifted.set(buf, 3);
    const net = Network.fromBuffer(shifted.subarray(3));
    const before = Float64Array.from(net.params);
    shifted.fill(0);
    expect(bytes(net.params).equals(bytes(before))).to.equal(true);
  });

  it('refuses every single-bit flip at every byte, always with ERR_MODEL_FILE', () => {
    const buf = sample().toBuffer();
    const paramStart = buf.length - 32 - 26 * 8;
    for (let i = 0; i < buf.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const bad = Buffer.from(buf);
        bad[i] ^= 1 << bit;
        const e = modelError(() => Network.fromBuffer(bad));
        if (i < 8) expect(e.message).to.match(/not a dnsgd model file/);
        // A flip inside a float64 may still be a finite number: only the checksum sees it.
        if (i >= paramStart) expect(e.message).to.match(/checksum mismatch/);
      }
    }
  });

  it('refuses every truncation, and bytes after the checksum', () => {
    const buf = sample().toBuffer();
    for (let n = 0; n < buf.length; n++) {
      const e = modelError(() => Network.fromBuffer(buf.subarray(0, n)));
      if (n >= 16) expect(e.message, `length ${n}`).to.match(/truncated/);
    }
    modelError(() => Network.fromBuffer(Buffer.concat([buf, Buffer.of(0)])), /1 unexpected bytes/);
    modelError(() => Network.fromBuffer(craft({ header: header(), params: PARAMS26, trailing: 9 })),
      /9 unexpected bytes follow the checksum/);
  });

  it('accepts the crafted baseline the hostile cases below start from', () => {
    const net = Network.fromBuffer(craft({ header: header(), params: PARAMS26 }));
    expect([...net.params]).to.deep.equal(PARAMS26);
  });

  // Each case has a correct checksum, so it is the header checks that must refuse it.
  const hostile: [string, Craft, RegExp][] = [
    ['foreign magic', { header: header(), params: PARAMS26, magic: [...Buffer.from('GIF89a..')] },
      /not a dnsgd model file \(it starts with 47 49 46 38 39 61 2e 2e/],
    ['a magic with LF for CR LF (text-mode copy)', { header: header(), params: PARAMS26,
      magic: [...MAGIC.slice(0, 6), 0x0a, 0x0a] }, /not a dnsgd model file/],
    ['version 999', { header: header(), version: 999 },
      /unsupported format version 999; this dnsgd reads version 1$/],
    ['version 0', { header: header(), version: 0 }, /unsupported format version 0/],
    ['a 4 GiB header length', { header: header(), headerLen: 0xffffffff },
      /header length 4294967295 exceeds the limit of 1048576/],
    ['a header length of 1 MiB + 1', { header: header(), headerLen: (1 << 20) + 1 },
      /exceeds the limit/],
    ['a 1 MiB header length in a small file', { header: header(), headerLen: 1 << 20 },
      /truncated/],
    ['a header length running into the parameters', { header: PADDED, params: PARAMS26,
      headerLen: PADDED.length + 8 }, /not JSON|not valid UTF-8/],
    ['a header length cutting the JSON short', { header: header(), params: PARAMS26,
      headerLen: 100 }, /not JSON/],
    ['an empty header', { header: '', params: PARAMS26 }, /not JSON/],
    ['header not JSON', { header: '{layers: [3, 4, 2]}' }, /the header is not JSON/],
    ['header with a byte-order mark', { header: '\ufeff' + JSON.stringify(header()),
      params: PARAMS26 }, /not JSON/],
    ['header not UTF-8', { header: Uint8Array.of(0x7b, 0xff, 0x7d) }, /not valid UTF-8/],
    ['header an array', { header: '[1, 2]' }, /must be a JSON object; got an array/],
    ['header null', { header: 'null' }, /must be a JSON object; got null/],
    ['header a number', { header: '42' }, /must be a JSON object; got 42/],
    ['header nested 100000 deep', { header: '{"meta":' + '['.repeat(1e5) + ']'.repeat(1e5) + '}' },
      /nests 100001 levels deep/],
    ['an unknown field', { header: header({ extra: 1 }), params: PARAMS26 },
      /unknown field "extra"/],
    ['a __proto__ field', { header: JSON.stringify(header()).replace('{', '{"__proto__":{},'),
      params: PARAMS26 }, /unknown field "__proto__"/],
    ['a missing field', { header: header({ creator: undefined }), params: PARAMS26 },
      /lacks the field 'creator'/],
    ['another format', { header: header({ format: 'onnx' }), params: PARAMS26 },
      /'format' must be "dnsgd-model"; got "onnx"/],
    ['a JSON version other than the preamble', { header: header({ version: 2 }),
      params: PARAMS26 }, /'version' must be 1/],
    ['layers a string', { header: header({ layers: '3,4,2' }) }, /'layers' must be an array/],
    ['layers an object', { header: header({ layers: { 0: 3, 1: 2 } }) }, /'layers' must be/],
    ['layers null', { header: header({ layers: null }) }, /'layers' must be/],
    ['a single layer', { header: header({ layers: [3] }) }, /array of 2 to 64/],
    ['65 layers', { header: header({ layers: new Array(65).fill(1) }) }, /array of 2 to 64/],
    ['layers an object claiming 2^31 entries', { header: header({ layers: { length: 2 ** 31 } }) },
      /'layers' must be an array of 2 to 64 layer sizes; got {"length":2147483648}/],
    ['a paramCount of 2^31', { header: header({ paramCount: 2 ** 31 }),
      params: PARAMS26 }, /'paramCount' is 2147483648, but layers \[3,4,2\] have 26/],
    ['a size of 0', { header: header({ layers: [3, 0, 2] }) }, /'layers\[1\]' must be an integer/],
    ['a negative size', { header: header({ layers: [-3, 4, 2] }) }, /'layers\[0\]'.*got -3/],
    ['a fractional size', { header: header({ layers: [3, 4.5, 2] }) }, /got 4.5/],
    ['a size of 2^24 + 1', { header: header({ layers: [3, 2 ** 24 + 1, 2] }) }, /got 16777217/],
    ['a size of 1e400', { header: JSON.stringify(header()).replace('[3,4,2]', '[3,1e400,2]') },
      /got Infinity/],
    ['a size as a string', { header: header({ layers: [3, '4', 2] }) }, /got "4"/],
    ['more than 2^32 - 1 parameters', { header: header({ layers: [2 ** 24, 2 ** 24] }) },
      /at most 4294967295 parameters/],
    ['activation foo', { header: header({ activation: 'foo' }), params: PARAMS26 },
      /'activation' must be one of 'sigmoid', 'tanh', 'relu', 'identity'; got "foo"/],
    ['activation a number', { header: header({ activation: 7 }) }, /'activation'.*got 7/],
    ['output bar', { header: header({ output: 'bar' }) }, /'output' must be one of/],
    ['softmax with one output', { header: header({ output: 'softmax', layers: [3, 1],
      paramCount: 4 }), params: [1, 2, 3, 4] }, /at least 2 outputs/],
    ['paramCount a string', { header: header({ paramCount: '26' }) }, /'paramCount' must be/],
    ['paramCount fractional', { header: header({ paramCount: 26.5 }) }, /'paramCount' must be/],
    ['paramCount off by one', { header: header({ paramCount: 27 }), params: [...PARAMS26, 0] },
      /'paramCount' is 27/],
    ['meta an array', { header: header({ meta: [] }), params: PARAMS26 }, /'meta' must be/],
    ['meta a string', { header: header({ meta: 'm' }), params: PARAMS26 }, /'meta' must be/],
    ['creator a string', { header: header({ creator: 'me' }) }, /'creator' must be/],
    ['creator with a number version', { header: header({ creator: { name: 'x', version: 1 } }),
      params: PARAMS26 }, /'creator.version' must be a string/],
    ['creator with an extra field', { header: header({ creator: { name: 'x', version: '1',
      host: 'h' } }), params: PARAMS26 }, /'creator' has an unknown field "host"/],
    ['non-zero padding', { header: PADDED, params: PARAMS26, padByte: 0x20 },
      /padding after the header is not all zero/],
    ['too few parameters', { header: header(), params: PARAMS26.slice(1) }, /truncated/],
    ['too many parameters', { header: header(), params: [...PARAMS26, 1] },
      /8 unexpected bytes/],
    ['a NaN parameter', { header: header(), params: [...PARAMS26.slice(0, 25), NaN] },
      /parameter 25 is NaN/],
    ['an infinite parameter', { header: header(), params: [-Infinity, ...PARAMS26.slice(1)] },
      /parameter 0 is -Infinity/],
  ];
  for (const [what, c, pattern] of hostile) {
    it(`refuses ${what}`, () => {
      const e = modelError(() => Network.fromBuffer(craft(c)), pattern);
      expect(e.message).to.match(/^cannot load model from buffer: /);
    });
  }

  it('checks sizes against the data before allocating: huge consistent layers are quick', () => {
    // 255 x (2^24 + 1) parameters, 34 GB claimed, in a file of a few hundred bytes.
    const claims: [number[], number][] = [[[2 ** 24, 255], 255 * (2 ** 24 + 1)],
      [[4096, 4096], 4096 * 4097]];
    for (const [layers, paramCount] of claims) {
      const buf = craft({ header: header({ layers, paramCount }), params: PARAMS26 });
      const mem = process.memoryUsage().arrayBuffers;
      const t0 = process.hrtime.bigint();
      modelError(() => Network.fromBuffer(buf), /truncated: it has \d+ bytes, the header/);
      expect(Number(process.hrtime.bigint() - t0) / 1e6).to.be.below(50);
      expect(process.memoryUsage().arrayBuffers - mem).to.be.below(1 << 20);
    }
  });

  it('keeps a __proto__ key inside meta as plain data', () => {
    const meta = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}');
    const net = Network.fromBuffer(craft({ header: header({ meta }), params: PARAMS26 }));
    expect(Object.keys(net.meta as object)).to.deep.equal(['__proto__', 'a']);
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
  });

  it('takes only a Uint8Array (TypeError otherwise)', () => {
    const buf = sample().toBuffer();
    const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length);
    expect(() => Network.fromBuffer(ab as never)).to.throw(TypeError, /new Uint8Array/);
    for (const bad of ['model.dnsgd', 42, null, undefined, [1, 2], new Float64Array(4),
      new DataView(ab)]) {
      expect(() => Network.fromBuffer(bad as never)).to.throw(TypeError, /^buf must be/);
    }
    expect(Network.fromBuffer(new Uint8Array(ab)).paramCount).to.equal(26);
  });
});

describe('Network#save and Network.load', () => {
  it('round-trip through a file bit for bit, and the file equals toBuffer', () => {
    const net = sample(8, 'softmax');
    const x = randomMatrix(12, 3, 21);
    const y = randomTargets(net, 12, 22);
    new SGD({ lr: 0.1 }).step(net, x, y);
    const file = path.join(freshDir(), 'model.dnsgd');
    net.save(file);
    expect(fs.readFileSync(file).equals(net.toBuffer())).to.equal(true);
    expectSame(net, Network.load(file));
  });

  it('overwrites an existing model wholly (a smaller one leaves no tail)', () => {
    const dir = freshDir();
    const file = path.join(dir, 'model.dnsgd');
    const big = new Network({ layers: [30, 20, 5], seed: 1 });
    big.meta = { size: 'big' };
    big.save(file);
    const small = sample(9);
    small.save(file);
    expect(fs.readFileSync(file).equals(small.toBuffer())).to.equal(true);
    expectSame(small, Network.load(file));
    expect(fs.readdirSync(dir)).to.deep.equal(['model.dnsgd']);
  });

  it('into a missing directory throws a DnsgdError naming the path and leaves nothing', () => {
    const dir = freshDir();
    const file = path.join(dir, 'missing', 'model.dnsgd');
    const e = modelError(() => sample().save(file), /ENOENT/);
    expect(e.message).to.contain(file);
    expect(e.context.osCode).to.equal('ENOENT');
    expect(fs.readdirSync(dir)).to.deep.equal([]);
  });

  it('onto a directory fails, keeps that directory and its contents, and leaves no temp', () => {
    const dir = freshDir();
    const target = path.join(dir, 'model.dnsgd');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'keep.txt'), 'old');
    modelError(() => sample().save(target), /it is a directory/);
    expect(fs.readdirSync(dir)).to.deep.equal(['model.dnsgd']);
    expect(fs.readFileSync(path.join(target, 'keep.txt'), 'utf8')).to.equal('old');
  });

  it('refuses to replace a symbolic link or a FIFO (only a regular file is replaced)', () => {
    const dir = freshDir();
    const real = path.join(dir, 'real.txt');
    fs.writeFileSync(real, 'old');
    const link = path.join(dir, 'link.dnsgd');
    fs.symlinkSync(real, link);
    modelError(() => sample().save(link), /symbolic link/);
    expect(fs.lstatSync(link).isSymbolicLink()).to.equal(true);
    expect(fs.readFileSync(real, 'utf8')).to.equal('old');
    const fifo = path.join(dir, 'pipe.dnsgd');
    execFileSync('mkfifo', [fifo]);
    modelError(() => sample().save(fifo), /not a regular file/);
    expect(fs.lstatSync(fifo).isFIFO()).to.equal(true);
    expect(fs.readdirSync(dir).sort()).to.deep.equal(['link.dnsgd', 'pipe.dnsgd', 'real.txt']);
  });

  it('failing mid-write (disk full) or at fsync keeps the old file and leaves no temp', () => {
    const dir = freshDir();
    const file = path.join(dir, 'model.dnsgd');
    const old = sample(1);
    old.save(file);
    const oldBytes = fs.readFileSync(file);
    const newer = new Network({ layers: [40, 30, 2], seed: 2 });
    const realWrite = fs.writeSync;
    let calls = 0;
    const full = ((fd: number, b: Uint8Array, off?: number, len?: number) => {
      if (++calls === 2) throw Object.assign(new Error('ENOSPC: no space left on device, write'),
        { code: 'ENOSPC', syscall: 'write' });
      // A short write first, so the loop over partial writes is exercised too.
      return realWrite(fd, b, off ?? 0, Math.max(1, Math.floor((len ?? b.length) / 2)));
    }) as typeof fs.writeSync;
    withStub('writeSync', full, () => {
      const e = modelError(() => newer.save(file), /ENOSPC/);
      expect(e.context.osCode).to.equal('ENOSPC');
    });
    expect(calls).to.equal(2);
    const eio = (() => {
      throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO', syscall: 'fsync' });
    }) as typeof fs.fsyncSync;
    withStub('fsyncSync', eio, () => modelError(() => newer.save(file), /EIO/));
    expect(fs.readdirSync(dir)).to.deep.equal(['model.dnsgd']);
    expect(fs.readFileSync(file).equals(oldBytes)).to.equal(true);
    // And with the real functions back, the same save goes through.
    newer.save(file);
    expectSame(newer, Network.load(file));
  });

  it('load refuses truncated and bit-flipped files, naming the file', () => {
    const buf = sample().toBuffer();
    const file = path.join(freshDir(), 'model.dnsgd');
    for (let n = 0; n < buf.length; n += 5) {
      fs.writeFileSync(file, buf.subarray(0, n));
      const e = modelError(() => Network.load(file));
      expect(e.message).to.contain(`cannot load model from '${file}': `);
      if (n >= 16) expect(e.message).to.match(/truncated/);
    }
    for (let i = 0; i < buf.length; i += 3) {
      const bad = Buffer.from(buf);
      bad[i] ^= 0x10;
      fs.writeFileSync(file, bad);
      expect(modelError(() => Network.load(file)).context.path).to.equal(file);
    }
    fs.writeFileSync(file, craft({ header: header(), headerLen: 0xffffffff }));
    modelError(() => Network.load(file), /exceeds the limit/);
    fs.writeFileSync(file, Buffer.concat([buf, Buffer.from('junk')]));
    modelError(() => Network.load(file), /4 unexpected bytes/);
  });

  it('load of an unreadable path gives a DnsgdError with the path and the OS reason', () => {
    const dir = freshDir();
    const missing = path.join(dir, 'nope.dnsgd');
    const e = modelError(() => Network.load(missing), /ENOENT: no such file or directory/);
    expect(e.message).to.contain(missing);
    expect(e.context).to.include({ path: missing, osCode: 'ENOENT' });
    expect(e.cause).to.be.instanceOf(Error);
    modelError(() => Network.load(dir), new RegExp(`'${dir}': it is a directory`));
    modelError(() => Network.load(path.join(missing, 'below')), /ENOENT|ENOTDIR/);
  });

  it('load refuses a FIFO without waiting for a writer', function () {
    if (process.platform === 'win32') this.skip();
    const fifo = path.join(freshDir(), 'pipe');
    execFileSync('mkfifo', [fifo]);
    modelError(() => Network.load(fifo), /not a regular file/);
  });

  it('take a non-empty string path (TypeError / RangeError otherwise)', () => {
    const net = sample();
    for (const bad of [42, null, undefined, Buffer.from('x'), { path: 'x' }]) {
      expect(() => net.save(bad as never)).to.throw(TypeError, /^path must be a file path/);
      expect(() => Network.load(bad as never)).to.throw(TypeError, /^path must be a file path/);
    }
    expect(() => net.save('')).to.throw(RangeError, /non-empty/);
    expect(() => Network.load('')).to.throw(RangeError, /non-empty/);
    expect(() => Network.load('a\0b')).to.throw(TypeError);
  });
});
