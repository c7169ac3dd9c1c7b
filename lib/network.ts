// Network: a fully-connected network whose parameters live in one Float64Array that the C++
// kernels read and write in place (layout in docs/method.md: layer by layer, row by row, bias
// first). Nothing here copies parameters: predict, loss and every optimizer step work on
// `params` itself, so a write into it from JavaScript is seen by the next call.
import { randomInt } from 'crypto';

import { DnsgdError } from './errors';
import { loadModel, modelFromBuffer, modelToBuffer, saveModel } from './modelfile';
import { native } from './native';
import * as v from './validate';

export type Activation = 'sigmoid' | 'tanh' | 'relu' | 'identity';
export type OutputKind = 'linear' | 'softmax';
/** Regression targets (rows x K) for 'linear', class labels 0..K-1 for 'softmax'. */
export type Targets = Float64Array | Int32Array | Uint32Array;

export type InitScheme = 'glorot' | 'fan-in';
export const ACTIVATIONS: readonly Activation[] = ['sigmoid', 'tanh', 'relu', 'identity'];
const INITS: readonly InitScheme[] = ['glorot', 'fan-in'];
export const OUTPUTS: readonly OutputKind[] = ['linear', 'softmax'];

export interface NetworkOptions {
  /** Layer sizes n0 (inputs), hidden sizes..., nL (outputs or classes). */
  layers: readonly number[];
  /** Hidden-layer activation. Default 'sigmoid', the paper's choice. */
  activation?: Activation;
  /** 'linear' output with MSE, or 'softmax' with cross-entropy. Default 'linear'. */
  output?: OutputKind;
  /** Seed of the initialisation, an integer in [0, 2^53 - 1]. Default: a random one. */
  seed?: number;
  /**
   * 'glorot' (default): Glorot-uniform weights (He-uniform in front of relu), zero biases.
   * 'fan-in': weights and biases uniform in +-1/sqrt(fan_in), as PyTorch's nn.Linear starts,
   * for like-for-like comparisons with PyTorch code; smaller first-layer weights on wide
   * inputs, which keeps sigmoid units out of saturation.
   */
  init?: InitScheme;
  /** Use this array as the parameters (taken as is, not copied) instead of initialising. */
  params?: Float64Array;
}

const NETWORK_OPTIONS = ['layers', 'activation', 'output', 'seed', 'init', 'params'] as const;
const MAX_LAYER = 1 << 24;

export class Network {
  readonly layers: readonly number[];
  readonly activation: Activation;
  readonly output: OutputKind;
  /** The seed the parameters were initialised with (undefined when params were given). */
  readonly seed: number | undefined;
  /** All parameters, shared with the native kernels. */
  readonly params: Float64Array;
  /** @internal the native model (architecture and scratch memory). */
  readonly native: NativeModel;
  /** @internal what holds the network now (a running fit), or null. */
  busy: string | null = null;
  /** How inputs and targets were encoded (JSON data, e.g. a Transform); saved with the model. */
  transform: unknown | undefined = undefined;
  /** Free-form JSON data saved with the model. */
  meta: Record<string, unknown> | undefined = undefined;
  private readonly offsets: number[];

  constructor(options: NetworkOptions) {
    if (options === undefined) throw v.typeError('Network options', 'an options object', options);
    v.knownOptions('Network options', options, NETWORK_OPTIONS);
    const layers = options.layers;
    if (!Array.isArray(layers)) {
      throw v.typeError('layers', 'an array of layer sizes such as [288, 5, 1]', layers);
    }
    if (layers.length < 2 || layers.length > 64) {
      throw v.rangeError('layers', 'between 2 and 64 sizes (inputs, hidden..., outputs)',
        `${layers.length} sizes`);
    }
    // An index loop, not forEach, so that holes in a sparse array are checked too.
    for (let i = 0; i < layers.length; i++) v.integer(`layers[${i}]`, layers[i], 1, MAX_LAYER);
    this.layers = Object.freeze([...layers]);
    this.activation = v.oneOf('activation', options.activation ?? 'sigmoid', ACTIVATIONS);
    this.output = v.oneOf('output', options.output ?? 'linear', OUTPUTS);
    if (this.output === 'softmax' && this.outputs < 2) {
      throw v.rangeError('layers', 'at least 2 outputs for a softmax network', `${this.outputs}`);
    }
    this.offsets = [0];
    for (let l = 0; l < this.depth; l++) {
      this.offsets.push(this.offsets[l] + this.layers[l + 1] * (this.layers[l] + 1));
    }
    const count = this.offsets[this.depth];
    if (count > 2 ** 32 - 1) {
      throw v.rangeError('layers', 'a network of at most 2^32 - 1 parameters', `${count}`);
    }
    this.native = new native.Model(
      this.layers,
      ACTIVATIONS.indexOf(this.activation),
      OUTPUTS.indexOf(this.output),
    );
    if (options.params !== undefined) {
      const p = v.float64Array('params', options.params);
      if (p.length !== count) {
        throw v.rangeError('params.length', `${count} for layers [${this.layers}]`, `${p.length}`);
      }
      const bad = p.findIndex((x) => !Number.isFinite(x));
      if (bad >= 0) throw v.rangeError('params', 'finite numbers', `${p[bad]} at params[${bad}]`);
      if (options.seed !== undefined || options.init !== undefined) {
        throw new TypeError('give either params or seed and init, not both');
      }
      this.params = p;
      this.seed = undefined;
    } else {
      this.seed =
        options.seed === undefined
          ? randomInt(2 ** 47)
          : v.integer('seed', options.seed, 0, Number.MAX_SAFE_INTEGER);
      const init = v.oneOf('init', options.init ?? 'glorot', INITS);
      this.params = new Float64Array(count);
      this.native.init(this.params, this.seed, INITS.indexOf(init));
    }
  }

  /** Number of weight layers L. */
  get depth(): number {
    return this.layers.length - 1;
  }
  get inputs(): number {
    return this.layers[0];
  }
  get outputs(): number {
    return this.layers[this.layers.length - 1];
  }
  get paramCount(): number {
    return this.params.length;
  }

  /** Offset of W(l) in params, l = 0..L-1 (l = L gives the total count). */
  layerOffset(l: number): number {
    v.integer('l', l, 0, this.depth);
    return this.offsets[l];
  }

  /**
   * W(l) for l = 0..L-1 as a view into params (no copy): n_{l+1} rows of n_l + 1 values,
   * bias first.
   */
  layerParams(l: number): Float64Array {
    v.integer('l', l, 0, this.depth - 1);
    return this.params.subarray(this.offsets[l], this.offsets[l + 1]);
  }

  /** Outputs for rows of x (rows x n0): rows x K values, probabilities for softmax. */
  predict(x: Float64Array): Float64Array {
    const rows = this.rowsOf(x);
    this.checkIdle('predict');
    const out = new Float64Array(rows * this.outputs);
    this.native.predict(this.params, x, rows, out);
    return out;
  }

  /** The most probable class of each row (softmax networks). */
  classify(x: Float64Array): Int32Array {
    if (this.output !== 'softmax') {
      throw new TypeError("classify needs a softmax network; this one has output 'linear'");
    }
    const p = this.predict(x);
    const K = this.outputs;
    const rows = p.length / K;
    const labels = new Int32Array(rows);
    for (let i = 0; i < rows; i++) {
      let best = 0;
      for (let k = 1; k < K; k++) if (p[i * K + k] > p[i * K + best]) best = k;
      labels[i] = best;
    }
    return labels;
  }

  /** Mean loss over the rows (MSE without 1/2, or cross-entropy). */
  loss(x: Float64Array, y: Targets): number {
    const rows = this.checkBatch(x, y);
    this.checkIdle('loss');
    return this.native.loss(this.params, x, y, rows);
  }

  /** Loss and gradient of the mean loss with respect to params (same layout). */
  gradient(
    x: Float64Array, y: Targets, out?: Float64Array,
  ): { loss: number; gradient: Float64Array } {
    const rows = this.checkBatch(x, y);
    this.checkIdle('gradient');
    const g = out === undefined ? new Float64Array(this.paramCount) : v.float64Array('out', out);
    if (g.length !== this.paramCount) {
      throw v.rangeError('out.length', `${this.paramCount}`, `${g.length}`);
    }
    const loss = this.native.gradient(this.params, x, y, rows, g);
    return { loss, gradient: g };
  }

  /**
   * The last layer's undamped Hessian of the mean loss as a dense symmetric n x n matrix,
   * n = K (d + 1), in the order of layerParams(L - 1). For inspection and tests: training
   * never forms it for MSE (one (d+1) block serves all K outputs).
   */
  lastLayerHessian(x: Float64Array, y: Targets): Float64Array {
    const rows = this.checkBatch(x, y);
    this.checkIdle('lastLayerHessian');
    const n = this.outputs * (this.layers[this.depth - 1] + 1);
    // 2^27 doubles is 1 GiB: past that a dense matrix is a mistake, not an inspection.
    if (n * n > 2 ** 27) {
      throw v.rangeError('the last layer', `at most ${Math.floor(Math.sqrt(2 ** 27))} ` +
        'parameters for a dense Hessian (1 GiB)', `${n}, a ${n} x ${n} matrix`);
    }
    const h = new Float64Array(n * n);
    this.native.hessian(this.params, x, y, rows, h);
    return h;
  }

  /** An independent copy: same architecture, copied parameters, transform and meta. */
  clone(): Network {
    const c = new Network({
      layers: this.layers,
      activation: this.activation,
      output: this.output,
      params: Float64Array.from(this.params),
    });
    // Both are plain JSON data (save() checks that), so a JSON round trip copies them deeply.
    if (this.transform !== undefined) c.transform = JSON.parse(JSON.stringify(this.transform));
    if (this.meta !== undefined) c.meta = JSON.parse(JSON.stringify(this.meta));
    return c;
  }

  /** Writes the model file atomically (docs/model-format.md): temp file, fsync, rename. */
  save(path: string): void {
    saveModel(this, path);
  }

  /** The model file's bytes. */
  toBuffer(): Buffer {
    return modelToBuffer(this);
  }

  /** Reads a model file's bytes; a damaged or foreign file gives DnsgdError ERR_MODEL_FILE. */
  static fromBuffer(buf: Uint8Array): Network {
    return modelFromBuffer(buf);
  }

  /** Reads a model file; a damaged or foreign file gives DnsgdError ERR_MODEL_FILE. */
  static load(path: string): Network {
    return loadModel(path);
  }

  /** @internal rows of x after checking its kind and length. */
  rowsOf(x: unknown, name = 'x'): number {
    const a = v.float64Array(name, x);
    const n0 = this.inputs;
    if (a.length === 0 || a.length % n0 !== 0) {
      throw v.rangeError(
        `${name}.length`,
        `a positive multiple of the input size ${n0} (rows x ${n0})`,
        `${a.length}`,
      );
    }
    return a.length / n0;
  }

  /** @internal rows of the batch after checking x and y against each other. */
  checkBatch(x: unknown, y: unknown, xName = 'x', yName = 'y'): number {
    const rows = this.rowsOf(x, xName);
    const K = this.outputs;
    if (this.output === 'linear') {
      const t = v.float64Array(yName, y);
      if (t.length !== rows * K) {
        throw v.rangeError(
          `${yName}.length`,
          `rows x outputs = ${rows} x ${K} = ${rows * K} (${xName} has ${rows} rows)`,
          `${t.length}`,
        );
      }
    } else {
      if (!(y instanceof Int32Array) && !(y instanceof Uint32Array)) {
        throw v.typeError(
          yName,
          'an Int32Array or Uint32Array of class labels for a softmax network',
          y,
        );
      }
      if (y.length !== rows) {
        throw v.rangeError(
          `${yName}.length`,
          `one label per row = ${rows} (${xName} has ${rows} rows)`,
          `${y.length}`,
        );
      }
    }
    return rows;
  }

  /** @internal refuses use while a fit holds the network, or after params lost its memory. */
  checkIdle(what: string): void {
    if (this.params.length === 0 && this.offsets[this.depth] > 0) {
      throw new TypeError(
        `${what} refused: net.params has no memory left (its ArrayBuffer was transferred or ` +
          'detached)',
      );
    }
    if (this.busy !== null) {
      throw new DnsgdError(
        'ERR_BUSY',
        `${what} refused: the network is in use by ${this.busy}; await it or abort it first`,
      );
    }
  }
}

/** @internal the native Model's methods. */
export interface NativeModel {
  paramCount(): number;
  init(params: Float64Array, seed: number, scheme: number): void;
  predict(params: Float64Array, x: Float64Array, rows: number, out: Float64Array): void;
  loss(params: Float64Array, x: Float64Array, y: Targets, rows: number): number;
  gradient(
    params: Float64Array, x: Float64Array, y: Targets, rows: number, g: Float64Array,
  ): number;
  hessian(params: Float64Array, x: Float64Array, y: Targets, rows: number, h: Float64Array): void;
}
