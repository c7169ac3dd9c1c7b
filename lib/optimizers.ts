// Optimizers: the paper's damped Newton methods (DN-SGD and SGD-DN) and the first-order
// baselines. Each one keeps its state (momentum, Adam moments) per network, in C++.
import { DnsgdError, DnsgdErrorCode } from './errors';
import { native } from './native';
import { Network, Targets } from './network';
import * as v from './validate';

/** What one step reports: the mini-batch loss before the step, and Newton diagnostics. */
export interface StepResult {
  loss: number;
  /** Largest element of the last layer's Hessian (damped Newton only). */
  hMax?: number;
  /** alpha + H_max (+ floor): what was added to the Hessian's diagonal. */
  shift?: number;
  /** Extra damping a failed factorization needed (only with allowFloor). */
  floor?: number;
  /** Conjugate-gradient iterations of the Newton solve (0 when it was dense). */
  cgIters?: number;
}

/** How DampedNewton solves its system: see DampedNewtonOptions.solver. */
export type NewtonSolver = 'auto' | 'dense' | 'cg';
const SOLVERS: readonly NewtonSolver[] = ['auto', 'dense', 'cg'];

/** The front-layer rule of DampedNewton, and the rule of the first-order optimizers. */
export type FrontRule = 'sgd' | 'momentum' | 'nesterov' | 'adam';
const RULES: readonly FrontRule[] = ['sgd', 'momentum', 'nesterov', 'adam'];

/** @internal the configuration the native Stepper reads. */
export interface NativeConfig {
  method: number; // 0 SGD on all layers, 1 DN-SGD, 2 SGD-DN
  rule: number; // index in RULES
  lr: number;
  momentum: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  alpha: number;
  eta: number;
  allowFloor: number;
  solver: number; // index in SOLVERS
  cgTol: number;
}

/** @internal the native Stepper's methods. */
export interface NativeStepper {
  step(p: Float64Array, x: Float64Array, y: Targets, rows: number, stats: Float64Array): number;
  threads(): number;
  setThreads(n: number): void;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  fit(...args: any[]): any;
  abort(): void;
}

export interface CommonOptions {
  /** Threads for this optimizer's kernels. Default: DNSGD_THREADS or the number of cores. */
  threads?: number;
}

export type OptimizerName = 'sgd' | 'momentum' | 'nesterov' | 'adam' | 'dn-sgd' | 'sgd-dn';
export const OPTIMIZER_NAMES: readonly OptimizerName[] = [
  'sgd', 'momentum', 'nesterov', 'adam', 'dn-sgd', 'sgd-dn',
];

/**
 * The base of every optimizer. `step(net, x, y)` takes one mini-batch step in place on
 * `net.params`; on failure it throws with the parameters exactly as they were.
 */
export abstract class Optimizer {
  /** A short name such as 'sgd' or 'dn-sgd'. */
  abstract readonly name: OptimizerName;
  readonly threads: number | undefined;
  private steppers = new WeakMap<Network, NativeStepper>();
  private readonly stats = new Float64Array(5);

  protected constructor(threads: number | undefined) {
    this.threads = threads === undefined ? undefined : v.integer('threads', threads, 1, 256);
  }

  /** @internal the native configuration. */
  abstract nativeConfig(): NativeConfig;

  /** The settings, for messages and history records. */
  abstract describe(): Record<string, unknown>;

  step(net: Network, x: Float64Array, y: Targets): StepResult {
    if (!(net instanceof Network)) throw v.typeError('net', 'a Network', net);
    const rows = net.checkBatch(x, y);
    net.checkIdle('step');
    const stepper = this.stepperFor(net);
    try {
      stepper.step(net.params, x, y, rows, this.stats);
    } catch (e) {
      throw this.wrap(e);
    }
    const s = this.stats;
    return this.isNewton()
      ? { loss: s[0], hMax: s[1], shift: s[2], floor: s[3], cgIters: s[4] }
      : { loss: s[0] };
  }

  /** @internal */
  stepperFor(net: Network): NativeStepper {
    let s = this.steppers.get(net);
    if (!s) {
      s = new native.Stepper(net.native, this.nativeConfig(), this.threads) as NativeStepper;
      this.steppers.set(net, s);
    }
    return s;
  }

  /** Forgets the state (momentum, moments) kept for `net`, or for every network. */
  reset(net?: Network): void {
    if (net) this.steppers.delete(net);
    else this.steppers = new WeakMap();
  }

  /** @internal turns a native step failure into a DnsgdError naming the settings. */
  wrap(e: unknown, context: Record<string, unknown> = {}): unknown {
    const code = (e as { code?: string })?.code;
    if (typeof code !== 'string' || !code.startsWith('ERR_')) return e;
    const settings = Object.entries(this.describe())
      .map(([k, val]) => `${k}=${val}`)
      .join(', ');
    const where = Object.entries(context)
      .map(([k, val]) => `${k} ${val}`)
      .join(', ');
    const msg = `${where ? where + ': ' : ''}${(e as Error).message} [${this.name}: ${settings}]`;
    return new DnsgdError(code as DnsgdErrorCode, msg, { ...context, optimizer: this.describe() });
  }

  protected isNewton(): boolean {
    return false;
  }

  /** Builds an optimizer from its name, for command lines and configuration files. */
  static from(name: OptimizerName, options: Record<string, unknown> = {}): Optimizer {
    const n = v.oneOf('optimizer name', name, OPTIMIZER_NAMES);
    switch (n) {
      case 'sgd':
        return new SGD(options as SGDOptions);
      case 'momentum':
        return new SGD({ momentum: 0.9, ...(options as SGDOptions) });
      case 'nesterov':
        return new SGD({ momentum: 0.9, nesterov: true, ...(options as SGDOptions) });
      case 'adam':
        return new Adam(options as AdamOptions);
      case 'dn-sgd':
        return new DampedNewton({ ...(options as DampedNewtonOptions), order: 'newton-first' });
      case 'sgd-dn':
        return new DampedNewton({ ...(options as DampedNewtonOptions), order: 'sgd-first' });
    }
  }
}

/** A decay rate or momentum: a number in [0, 1). */
function fraction(name: string, value: unknown): number {
  const b = v.finiteNumber(name, value, { min: 0 });
  if (b >= 1) throw v.rangeError(name, 'in [0, 1)', `${b}`);
  return b;
}

function baseConfig(): NativeConfig {
  return {
    method: 0, rule: 0, lr: 0.01, momentum: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8,
    weightDecay: 0, alpha: 0, eta: 1, allowFloor: 0, solver: 0, cgTol: 1e-12,
  };
}

export interface SGDOptions extends CommonOptions {
  /** Learning rate, > 0. Default 0.01. */
  lr?: number;
  /** Heavy-ball momentum in [0, 1). Default 0 (plain SGD). */
  momentum?: number;
  /** Nesterov momentum (needs momentum > 0). Default false. */
  nesterov?: boolean;
  /** L2 penalty coefficient added to the gradient, >= 0. Default 0. */
  weightDecay?: number;
}
const SGD_OPTIONS = ['lr', 'momentum', 'nesterov', 'weightDecay', 'threads'] as const;

/** Stochastic gradient descent on every layer, optionally with (Nesterov) momentum. */
export class SGD extends Optimizer {
  readonly lr: number;
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;

  constructor(options: SGDOptions = {}) {
    v.knownOptions('SGD options', options, SGD_OPTIONS);
    super(options.threads);
    this.lr = v.finiteNumber('lr', options.lr ?? 0.01, { min: 0, minExclusive: true });
    this.momentum = fraction('momentum', options.momentum ?? 0);
    this.nesterov = v.boolean('nesterov', options.nesterov ?? false);
    if (this.nesterov && this.momentum === 0) {
      throw v.rangeError('momentum', '> 0 when nesterov is true', '0');
    }
    this.weightDecay = v.finiteNumber('weightDecay', options.weightDecay ?? 0, { min: 0 });
  }

  get name(): OptimizerName {
    return this.momentum === 0 ? 'sgd' : this.nesterov ? 'nesterov' : 'momentum';
  }

  nativeConfig(): NativeConfig {
    return {
      ...baseConfig(),
      rule: this.momentum === 0 ? 0 : this.nesterov ? 2 : 1,
      lr: this.lr,
      momentum: this.momentum,
      weightDecay: this.weightDecay,
    };
  }

  describe(): Record<string, unknown> {
    const d: Record<string, unknown> = { lr: this.lr };
    if (this.momentum) Object.assign(d, { momentum: this.momentum, nesterov: this.nesterov });
    if (this.weightDecay) d.weightDecay = this.weightDecay;
    return d;
  }
}

export interface AdamOptions extends CommonOptions {
  /** Learning rate, > 0. Default 0.001. */
  lr?: number;
  /** Moment decay rates in [0, 1). Defaults 0.9 and 0.999. */
  beta1?: number;
  beta2?: number;
  /** Added to the root of the second moment, > 0. Default 1e-8. */
  eps?: number;
  weightDecay?: number;
}
const ADAM_OPTIONS = ['lr', 'beta1', 'beta2', 'eps', 'weightDecay', 'threads'] as const;


/** Adam (Kingma and Ba) on every layer, with bias-corrected moments. */
export class Adam extends Optimizer {
  readonly name = 'adam' as const;
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;

  constructor(options: AdamOptions = {}) {
    v.knownOptions('Adam options', options, ADAM_OPTIONS);
    super(options.threads);
    this.lr = v.finiteNumber('lr', options.lr ?? 0.001, { min: 0, minExclusive: true });
    this.beta1 = fraction('beta1', options.beta1 ?? 0.9);
    this.beta2 = fraction('beta2', options.beta2 ?? 0.999);
    this.eps = v.finiteNumber('eps', options.eps ?? 1e-8, { min: 0, minExclusive: true });
    this.weightDecay = v.finiteNumber('weightDecay', options.weightDecay ?? 0, { min: 0 });
  }

  nativeConfig(): NativeConfig {
    return {
      ...baseConfig(), rule: 3, lr: this.lr, beta1: this.beta1, beta2: this.beta2,
      eps: this.eps, weightDecay: this.weightDecay,
    };
  }

  describe(): Record<string, unknown> {
    return { lr: this.lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps };
  }
}

export interface DampedNewtonOptions extends CommonOptions {
  /**
   * 'newton-first' is DN-SGD (Newton on the last layer, then SGD on the others through the
   * updated last layer); 'sgd-first' is SGD-DN. Default 'newton-first'.
   */
  order?: 'newton-first' | 'sgd-first';
  /** Damping coefficient, >= 0, added with H_max to the Hessian's diagonal. Default 0. */
  alpha?: number;
  /**
   * Learning rate of the front layers only (never scales the Newton step), >= 0; 0 freezes
   * them, leaving the Newton step on the last layer alone. Default 0.01.
   */
  lr?: number;
  /** Scale of the Newton step, > 0. Default 1 (the paper's value). */
  eta?: number;
  /** Rule for the front layers: 'sgd' (the paper), 'momentum', 'nesterov', 'adam'. */
  front?: FrontRule;
  /** Momentum of the 'momentum' and 'nesterov' front rules. Default 0.9. */
  momentum?: number;
  /** Adam settings of the 'adam' front rule. */
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  /**
   * When the damped Hessian cannot be factored (possible only with alpha = 0 and a
   * numerically zero Hessian), retry with the smallest extra floor that works and report it
   * in the step result, instead of throwing. Default false.
   */
  allowFloor?: boolean;
  /**
   * 'dense' builds the softmax Hessian (K(K+1)/2 Gram blocks) and factors it; 'cg' solves
   * matrix-free by preconditioned conjugate gradients with Hessian-vector products from the
   * batch, to a relative residual of cgTol; 'auto' (default) takes CG where its estimated
   * cost is below the dense one (from K(d+1) of about 100 for batches of 100-200).
   * MSE always takes the dense path: its block is only (d+1) square.
   */
  solver?: NewtonSolver;
  /** Relative residual at which CG stops, in (0, 1e-3]. Default 1e-12. */
  cgTol?: number;
}
const DN_OPTIONS = [
  'order', 'alpha', 'lr', 'eta', 'front', 'momentum', 'beta1', 'beta2', 'eps', 'weightDecay',
  'allowFloor', 'solver', 'cgTol', 'threads',
] as const;

/** The paper's methods: damped Newton on the last layer, first-order steps on the others. */
export class DampedNewton extends Optimizer {
  readonly order: 'newton-first' | 'sgd-first';
  readonly alpha: number;
  readonly lr: number;
  readonly eta: number;
  readonly front: FrontRule;
  readonly momentum: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly allowFloor: boolean;
  readonly solver: NewtonSolver;
  readonly cgTol: number;

  constructor(options: DampedNewtonOptions = {}) {
    v.knownOptions('DampedNewton options', options, DN_OPTIONS);
    super(options.threads);
    this.order = v.oneOf('order', options.order ?? 'newton-first', ['newton-first', 'sgd-first']);
    this.alpha = v.finiteNumber('alpha', options.alpha ?? 0, { min: 0 });
    this.lr = v.finiteNumber('lr', options.lr ?? 0.01, { min: 0 });
    this.eta = v.finiteNumber('eta', options.eta ?? 1, { min: 0, minExclusive: true });
    this.front = v.oneOf('front', options.front ?? 'sgd', RULES);
    this.momentum = fraction('momentum', options.momentum ?? 0.9);
    this.beta1 = fraction('beta1', options.beta1 ?? 0.9);
    this.beta2 = fraction('beta2', options.beta2 ?? 0.999);
    this.eps = v.finiteNumber('eps', options.eps ?? 1e-8, { min: 0, minExclusive: true });
    this.weightDecay = v.finiteNumber('weightDecay', options.weightDecay ?? 0, { min: 0 });
    this.allowFloor = v.boolean('allowFloor', options.allowFloor ?? false);
    this.solver = v.oneOf('solver', options.solver ?? 'auto', SOLVERS);
    this.cgTol = v.finiteNumber('cgTol', options.cgTol ?? 1e-12, { min: 0, minExclusive: true,
      max: 1e-3 });
  }

  get name(): OptimizerName {
    return this.order === 'newton-first' ? 'dn-sgd' : 'sgd-dn';
  }

  protected override isNewton(): boolean {
    return true;
  }

  nativeConfig(): NativeConfig {
    return {
      ...baseConfig(),
      method: this.order === 'newton-first' ? 1 : 2,
      rule: RULES.indexOf(this.front),
      lr: this.lr,
      momentum: this.momentum,
      beta1: this.beta1,
      beta2: this.beta2,
      eps: this.eps,
      weightDecay: this.weightDecay,
      alpha: this.alpha,
      eta: this.eta,
      allowFloor: this.allowFloor ? 1 : 0,
      solver: SOLVERS.indexOf(this.solver),
      cgTol: this.cgTol,
    };
  }

  describe(): Record<string, unknown> {
    const d: Record<string, unknown> = { order: this.order, alpha: this.alpha, lr: this.lr };
    if (this.eta !== 1) d.eta = this.eta;
    if (this.front !== 'sgd') d.front = this.front;
    if (this.solver !== 'auto') d.solver = this.solver;
    return d;
  }
}
