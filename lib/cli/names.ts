// Names the command line shows in its help and checks in its flags. They mirror the library's
// OPTIMIZER_NAMES and ACTIVATIONS (a test keeps them equal), so that parsing the command line
// and printing --help never load the native addon: a broken addon then fails only the commands
// that train or predict, with one clear message.
import type { Activation } from '../network';
import type { OptimizerName } from '../optimizers';

export const OPTIMIZER_NAMES: readonly OptimizerName[] = Object.freeze([
  'sgd', 'momentum', 'nesterov', 'adam', 'dn-sgd', 'sgd-dn',
] as OptimizerName[]);

export const ACTIVATIONS: readonly Activation[] = Object.freeze([
  'sigmoid', 'tanh', 'relu', 'identity',
] as Activation[]);

export const SOLVERS = Object.freeze(['auto', 'dense', 'cg'] as const);

export const INITS = Object.freeze(['glorot', 'fan-in'] as const);
export type SolverName = (typeof SOLVERS)[number];

/** The optimizers that take a damped Newton step, and so --alpha, --allow-floor, --solver. */
export const NEWTON_OPTIMIZERS: readonly OptimizerName[] = Object.freeze(
  ['dn-sgd', 'sgd-dn'] as OptimizerName[]);
