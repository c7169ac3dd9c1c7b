// Public entry point of dnsgd.
export { Network } from './network';
export type { Activation, InitScheme, NetworkOptions, OutputKind, Targets } from './network';
export { Optimizer, SGD, Adam, DampedNewton, OPTIMIZER_NAMES } from './optimizers';
export type {
  AdamOptions, CommonOptions, DampedNewtonOptions, FrontRule, NewtonSolver, OptimizerName,
  SGDOptions,
  StepResult,
} from './optimizers';
export { DnsgdError } from './errors';
export type { DnsgdErrorCode } from './errors';
export { native } from './native';
export { Trainer, AbortError } from './trainer';
export type {
  Dataset, EarlyStopping, EpochRecord, FitOptions, History, StepRecord, TrainerOptions,
} from './trainer';
export {
  BUNDLED_NAMES, DataError, Transform, bundledPath, loadBundled, parseCsv, readCsv,
} from './data';
export type {
  BundledName, ClassificationDataset, DataErrorCode, DataReport, LoadedData, ReadCsvOptions,
  RegressionDataset, TransformJSON,
} from './data';
export { MODEL_FORMAT_VERSION, MODEL_FORMAT_VERSIONS } from './modelfile';
export type { ModelHeader } from './modelfile';
