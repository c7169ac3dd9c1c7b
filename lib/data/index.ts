// Public surface of the data layer.
export { DataError } from './errors';
export type { DataErrorCode, DataErrorLocation } from './errors';
export { Prng } from './prng';
export { randomSplit, stratifiedSplit, testCount } from './split';
export type { SplitIndices } from './split';
export { parseCsv } from './table';
export type { CsvSource, CsvTable, ParseCsvOptions, RecordValue } from './table';
export { DEFAULT_MISSING_VALUES, parseNumber, sortLabels } from './values';
export { MISSING_LEVEL_NAME, Transform } from './transform';
export type {
  ApplyOptions, ColumnSpec, EncodeReport, Encoded, NumericColumnSpec, Task, TextColumnSpec,
  TransformInput, TransformJSON, UnseenLevels,
} from './transform';
export { readCsv } from './csv';
export type {
  ClassificationDataset, DataReport, Dataset, LoadedData, ReadCsvOptions, RegressionDataset,
  SplitKind,
} from './csv';
export { BUNDLED, BUNDLED_NAMES, bundledPath, loadBundled, packageRoot } from './bundled';
export type { BundledName } from './bundled';
