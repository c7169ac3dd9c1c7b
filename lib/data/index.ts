// Public surface of the data layer.
export { DataError, DataErrorCode, DataErrorLocation } from './errors';
export { Prng } from './prng';
export { Split, randomSplit, stratifiedSplit, testCount } from './split';
export { CsvSource, CsvTable, ParseCsvOptions, RecordValue, parseCsv } from './table';
export { DEFAULT_MISSING_VALUES, parseNumber, sortLabels } from './values';
export {
  ApplyOptions, ColumnSpec, EncodeReport, Encoded, MISSING_LEVEL_NAME, NumericColumnSpec, Task,
  TextColumnSpec, Transform, TransformInput, TransformJSON, UnseenLevels,
} from './transform';
export {
  ClassificationDataset, DataReport, Dataset, LoadedData, ReadCsvOptions, RegressionDataset,
  SplitKind, readCsv,
} from './csv';
export {
  BUNDLED, BUNDLED_NAMES, BundledName, bundledPath, loadBundled, packageRoot,
} from './bundled';
