#!/usr/bin/env node
// The dnsgd command: a thin commander shell over runCompare, runTrain and runPredict, which
// hold the logic. Output: results on stdout, progress and diagnostics on stderr.
//
// Nothing imported at the top loads the native addon: the commands require it only once the
// command line has been parsed, so --help, --version and usage errors work without it, and a
// broken addon is one clear message (exit 2) instead of a stack trace.
import * as fs from 'fs';

import { Command, InvalidArgumentError, Option } from 'commander';

import { BUNDLED_NAMES } from '../data';
import { closest } from '../validate';
import type { CompareOptions } from './compare';
import { EXIT_OK, describeFailure, loadLibrary } from './failure';
import {
  columnsText, comparisonText, configText, notesText, plural, seconds, sig, splitText, summaryText,
} from './format';
import { ACTIVATIONS, INITS, OPTIMIZER_NAMES, SOLVERS } from './names';
import { UsageError, checkThreadsEnv, parseHidden } from './options';
import { checkOutputFile, writeOutput } from './output';
import type { RunHooks } from './run';
import type { TrainOptions } from './train';

function numberArg(value: string): number {
  const t = value.trim();
  const n = t === '' ? NaN : Number(t);
  if (!Number.isFinite(n)) throw new InvalidArgumentError('expected a number.');
  return n;
}

function hiddenArg(value: string): number[] {
  try {
    return parseHidden(value);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

/** Options shared by compare and train: where the data is and how the network trains. */
function addCommonOptions(cmd: Command): Command {
  return cmd
    .argument('[file]', 'CSV file with a header row (default: a bundled dataset)')
    .option('--dataset <name>', `a bundled dataset: ${BUNDLED_NAMES.join(', ')}`)
    .option('--target <column>', 'target column (default: the last column)')
    .addOption(new Option('--task <task>', 'what the target is (default: auto)')
      .choices(['auto', 'regression', 'classification']))
    .option('--log-target', 'regression: train on log(target); predictions are decoded')
    .option('--no-standardize-target', 'regression: keep the target unscaled')
    .option('--drop-missing', 'drop rows with a missing feature instead of imputing the mean')
    .option('--test-fraction <f>', 'random split: fraction of rows for testing (default 0.2)',
      numberArg)
    .option('--train-rows <n>', 'ordered split: the first n data rows train, the rest test',
      numberArg)
    .option('--test-file <file>', 'separate test CSV (same columns, any order)')
    .option('--split-seed <n>', 'seed of the random split (default 0)', numberArg)
    .option('--hidden <sizes>', 'hidden layer sizes, e.g. 5 or 16,8 (default: 5 for ' +
      'regression, 4 for classification)', hiddenArg)
    .addOption(new Option('--activation <name>', 'hidden activation (default: sigmoid)')
      .choices(ACTIVATIONS))
    .option('--epochs <n>', 'passes over the training rows (default 20)', numberArg)
    .option('--batch <n>', 'mini-batch rows (default: 50 regression, 200 classification)',
      numberArg)
    .option('--lr <rate>', 'SGD learning rate; for dn-sgd/sgd-dn the front layers\' (default ' +
      '0.01)', numberArg)
    .option('--alpha <a>', 'damping of the Newton step, >= 0 (default 0)', numberArg)
    .option('--seed <n>', 'seed of the initial weights and the shuffling (default 1)', numberArg)
    .addOption(new Option('--init <scheme>', 'initial weights: glorot, or fan-in as PyTorch\'s ' +
      'Linear starts (default: glorot)').choices(INITS))
    .option('--threads <n>', 'kernel threads (default: DNSGD_THREADS or the core count)',
      numberArg)
    .option('--evaluate-every <k>', 'test loss every k steps (default: about 80 points per run)',
      numberArg)
    .option('--allow-floor', 'dn-sgd/sgd-dn: when the damped Hessian cannot be factored, add ' +
      'the smallest damping floor that works instead of failing')
    .addOption(new Option('--solver <name>', 'dn-sgd/sgd-dn: how the Newton system is solved ' +
      '(default: auto)').choices(SOLVERS))
    .option('--delimiter <char>', 'field separator of the CSV files: one character, or tab ' +
      '(default ,)')
    .option('--json', 'print the whole result as JSON on stdout; no progress bar')
    .showSuggestionAfterError()
    .allowExcessArguments(false);
}

interface CliOptions extends Record<string, unknown> {
  json?: boolean;
  plot?: boolean;
  jsonOut?: string;
  standardizeTarget?: boolean;
}

function commonOptions(file: string | undefined, o: CliOptions): CompareOptions & TrainOptions {
  const out: Record<string, unknown> = { ...o };
  delete out.json;
  delete out.plot;
  delete out.jsonOut;
  if (file !== undefined) out.file = file;
  return out as CompareOptions & TrainOptions;
}

function hooksFor(json: boolean, signal: AbortSignal): RunHooks {
  const { progressFor } = loadLibrary(() => require('./progress') as typeof import('./progress'));
  const progress = progressFor(process.stderr, json);
  return {
    signal,
    onBegin: (d, runs, epochs) => progress.begin(d, runs, epochs),
    onEpoch: (e) => progress.epoch(e),
    onDone: () => progress.end(),
  };
}

function printJson(value: unknown, file?: string): void {
  const text = JSON.stringify(value, null, 2) + '\n';
  if (file !== undefined) writeOutput('--json-out', file, text);
  else process.stdout.write(text);
}

/** Warnings (a blown-up run) go to stderr, whatever else goes to stdout. */
function printWarnings(warnings: readonly string[]): void {
  for (const w of warnings) process.stderr.write(`dnsgd: ${w}\n`);
}

const PROGRAM_EXAMPLES = `
Examples (from a clone of the repository, where data/ holds the bundled CSV files):
  $ dnsgd                                   # compare SGD, DN-SGD, SGD-DN on bundled data
  $ dnsgd compare data/diamonds.csv --target price --log-target
  $ dnsgd train data/diamonds.csv --target price --log-target --save diamonds.dnsgd
  $ dnsgd predict diamonds.dnsgd data/diamonds.csv --out predictions.csv

With no command, dnsgd runs compare and takes compare's options ("dnsgd compare --help").
"dnsgd <command> --help" describes each command. Exit status: 0 success, 1 bad input or a
failed (diverged) training run, 2 an internal error or a native addon that cannot be loaded,
130 interrupted.`;

const COMPARE_EXAMPLES = `
Examples:
  $ dnsgd                                   # the paper's comparison on diamonds and letter
  $ dnsgd compare --dataset breast_cancer --epochs 10
  $ dnsgd compare data/diamonds.csv --target price --log-target --hidden 5 --batch 50
  $ dnsgd compare data/letter.csv --train-rows 16000 --optimizers sgd,dn-sgd,adam --lr 0.1
  $ dnsgd compare --dataset letter --json > letter.json

With no file and no --dataset, compare runs on the bundled diamonds data (log price, the
paper's House Prices settings) and letter data (26 classes, the paper's classification
settings). Every optimizer starts from the same initial weights. Defaults follow the task:
regression hidden 5, batch 50; classification hidden 4, batch 200; both lr 0.01, alpha 0,
20 epochs, sigmoid. The plot goes to <out-dir>/dnsgd-<dataset>.svg. A run whose final train
loss ends far above its start is reported with a warning on stderr.`;

const TRAIN_EXAMPLES = `
Examples:
  $ dnsgd train data/diamonds.csv --target price --log-target --save diamonds.dnsgd
  $ dnsgd train --dataset pima --optimizer sgd-dn --epochs 25 --save pima.dnsgd
  $ dnsgd train data/diabetes.csv --test-fraction 0 --save diabetes.dnsgd   # every row trains

The model file holds the network and the fitted data transform, so predict encodes new rows
exactly as the training rows were encoded.`;

const PREDICT_EXAMPLES = `
Examples:
  $ dnsgd predict diamonds.dnsgd data/diamonds.csv > predictions.csv
  $ dnsgd predict pima.dnsgd data/pima.csv --out predictions.csv

Columns are matched by name (any order; extra columns are ignored). Output: one line per input
row, "row" being its 1-based data row; regression predictions in the target's original units;
classification the predicted class and one probability column p_<class> per class. A
prediction that is not a finite number (e.g. exp overflowing for a log target) is written as
an empty cell, with a warning. When the file has the target column, the loss and the RMSE or
accuracy of those rows are reported on stderr (stdout with --out).`;

function buildProgram(signal: AbortSignal): Command {
  const program = new Command();
  program
    .name('dnsgd')
    .description('Damped Newton on the last layer, SGD on the rest: train, compare, predict.')
    .version(packageVersion(), '-V, --version')
    .showSuggestionAfterError()
    .allowExcessArguments(false)
    // Set before the subcommands are made, which copy it.
    .configureOutput({ outputError: (text, write) => write(`dnsgd: ${text}`) })
    .addHelpText('after', PROGRAM_EXAMPLES);

  addCommonOptions(program.command('compare', { isDefault: true })
    .description('train one initial network with each optimizer; print a table, draw an SVG'))
    .option('--optimizers <list>', `comma-separated, from ${OPTIMIZER_NAMES.join(', ')} ` +
      '(default sgd,dn-sgd,sgd-dn)')
    .option('--out-dir <dir>', 'folder of the SVG plots (default: the current folder)')
    .option('--no-plot', 'write no SVG')
    .option('--json-out <file>', 'also write the whole result as JSON to this file')
    .addHelpText('after', COMPARE_EXAMPLES)
    .action(async (file: string | undefined, o: CliOptions) => {
      const json = o.json === true;
      const options: CompareOptions = { ...commonOptions(file, o), noPlot: o.plot === false };
      if (o.jsonOut !== undefined) {
        checkOutputFile('--json-out', o.jsonOut, { inputs: [file, options.testFile] });
      }
      checkThreadsEnv();
      const { runCompare } = loadLibrary(() => require('./compare') as typeof import('./compare'));
      const result = await runCompare(options, {
        ...hooksFor(json, signal),
        onComparison: (c) => {
          if (!json) {
            process.stdout.write(comparisonText(c) + '\n');
            if (c.plot !== null) process.stdout.write(`\n  plot: ${c.plot}\n`);
            process.stdout.write('\n');
          }
          printWarnings(c.warnings);
        },
      });
      if (o.jsonOut !== undefined) printJson(result, o.jsonOut);
      if (json) printJson(result);
      else process.stderr.write(`done in ${seconds(result.wallSeconds)} s\n`);
    });

  addCommonOptions(program.command('train')
    .description('train one network with one optimizer; print its metrics; save a model'))
    .option('--optimizer <name>', `one of ${OPTIMIZER_NAMES.join(', ')} (default dn-sgd)`)
    .option('--save <file>', 'write the model (network + data transform) to this file')
    .addHelpText('after', TRAIN_EXAMPLES)
    .action(async (file: string | undefined, o: CliOptions) => {
      const json = o.json === true;
      checkThreadsEnv();
      const { runTrain } = loadLibrary(() => require('./train') as typeof import('./train'));
      const result = await runTrain(commonOptions(file, o), hooksFor(json, signal));
      if (json) {
        printJson(result);
        if (result.run.warning !== null) printWarnings([result.run.warning]);
        return;
      }
      const d = result.data;
      const s = result.settings;
      const lossName = d.task === 'regression' ? `MSE of ${d.targetEncoding}` : 'cross-entropy';
      const notes = notesText(d.notes, d.columns);
      process.stdout.write(
        `${result.name}: ${d.task} on '${d.target}', ${d.trainRows} train / ${d.testRows} test ` +
        `rows (${splitText(d.split)}), ${d.features} features\n` +
        `  ${columnsText(d.columns)}\n` +
        (notes === null ? '' : `  ${notes}\n`) +
        `  network ${s.layers.join('-')} ${s.activation}, ${s.optimizer} ` +
        `(${configText(result.run.config)}), batch ${s.batch}, ${plural(s.epochs, 'epoch')}, ` +
        `seed ${s.seed}\n  loss: ${lossName}\n` +
        summaryText(result.run.summary, d.target, d.testRows > 0) + '\n' +
        (result.saved === null ? '' : `  saved ${result.saved}\n`));
      if (result.run.warning !== null) printWarnings([result.run.warning]);
    });

  program.command('predict')
    .description('predict every row of a CSV with a saved model')
    .argument('<model>', 'model file written by dnsgd train --save')
    .argument('<file>', 'CSV with the feature columns (the target column is optional)')
    .option('--out <file>', 'write the predictions here instead of stdout')
    .option('--delimiter <char>', 'field separator of the CSV: one character, or tab (default ,)')
    .showSuggestionAfterError()
    .allowExcessArguments(false)
    .addHelpText('after', PREDICT_EXAMPLES)
    .action((model: string, file: string, o: { out?: string; delimiter?: string }) => {
      checkThreadsEnv();
      const { runPredict } = loadLibrary(() => require('./predict') as typeof import('./predict'));
      const r = runPredict({ model, file, out: o.out, delimiter: o.delimiter });
      if (r.out === null) process.stdout.write(r.csv);
      const info = r.out === null ? process.stderr : process.stdout;
      if (r.out !== null) info.write(`wrote ${r.rows} predictions to ${r.out}\n`);
      const filled = Object.entries(r.imputed).map(([c, n]) => `${c} ${n}`).join(', ');
      if (filled.length) info.write(`filled missing cells with training means: ${filled}\n`);
      const unseen = Object.entries(r.unseen).map(([c, u]) => `${c} ${u.count}`).join(', ');
      if (unseen.length) info.write(`text levels unseen in training (encoded as 0): ${unseen}\n`);
      if (r.nonFinite > 0) {
        process.stderr.write(`dnsgd: warning: ${plural(r.nonFinite, 'row')} got a prediction ` +
          'that is not a finite number (written as an empty cell)' +
          (r.task === 'regression' ? '; the model predicts far outside the training targets ' +
            'for them' : '') + '\n');
      }
      if (r.notScored !== null) info.write(`not scored: ${r.notScored}\n`);
      if (r.score !== null) {
        const v = r.score.metric === 'rmse' ? `RMSE (${r.target}) ${sig(r.score.value)}`
          : `accuracy ${(100 * r.score.value).toFixed(2)}%`;
        info.write(`${r.score.rows} rows with a target: loss ${sig(r.score.loss)}, ${v}\n`);
      }
    });
  return program;
}

function packageVersion(): string {
  try {
    // From dist/cli/ the package.json is two folders up.
    const pkg = JSON.parse(fs.readFileSync(`${__dirname}/../../package.json`, 'utf8'));
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

const COMMANDS = ['compare', 'train', 'predict', 'help'];

/**
 * compare is the default command, so a mistyped command name arrives as its CSV file. A word
 * that names no file and has no extension or folder in it was meant as a command.
 */
function checkCommandWord(argv: string[]): void {
  const word = argv[2];
  if (word === undefined || word.startsWith('-') || COMMANDS.includes(word)) return;
  if (/[./\\]/.test(word) || fs.existsSync(word)) return;
  const near = closest(word, COMMANDS);
  throw new UsageError(`unknown command '${word}'` +
    (near === undefined ? '' : ` (did you mean '${near}'?)`) +
    `; commands: compare, train, predict (a CSV file argument needs its path, e.g. ./${word})`);
}

// Why a flag of another command is refused, where more than "unknown option" helps.
const FOREIGN_FLAG_NOTES: Record<string, string> = {
  'train --no-plot': 'train draws no plot',
  'train --out-dir': 'train draws no plot',
  'train --optimizers': 'train takes one optimizer: --optimizer NAME',
  'compare --optimizer': 'compare takes a list: --optimizers LIST',
  'compare --save': 'compare saves no model; use train --save',
};

/**
 * A flag that belongs to another command (train --no-plot) would be an unknown option with a
 * far-fetched suggestion; this says whose flag it is instead.
 */
function checkForeignFlags(program: Command, argv: string[]): void {
  const first = argv[2];
  const name = first !== undefined && COMMANDS.includes(first) ? first : 'compare';
  if (name === 'help') return;
  const flagsOf = (c: Command): Set<string> =>
    new Set(c.options.flatMap((o) => [o.long, o.short]).filter((f): f is string => !!f));
  const cmd = program.commands.find((c) => c.name() === name);
  if (cmd === undefined) return;
  const own = flagsOf(cmd);
  for (const token of argv.slice(2)) {
    if (token === '--') break;
    if (!token.startsWith('--')) continue;
    const flag = token.split('=')[0];
    if (own.has(flag)) continue;
    const owners = program.commands.filter((c) => c !== cmd && flagsOf(c).has(flag))
      .map((c) => c.name());
    if (owners.length === 0) continue;
    const note = FOREIGN_FLAG_NOTES[`${name} ${flag}`];
    throw new UsageError(`'${flag}' is an option of ${owners.join(' and ')}, not of ${name}` +
      (note === undefined ? '' : ` (${note})`));
  }
}

async function main(argv: string[]): Promise<number> {
  const controller = new AbortController();
  // The first Ctrl-C stops training between steps; a second one ends the process at once.
  process.once('SIGINT', () => controller.abort());
  // A closed pipe (dnsgd predict ... | head) is the reader's choice, not an error.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? EXIT_OK);
      throw e;
    });
  }
  try {
    checkCommandWord(argv);
    const program = buildProgram(controller.signal);
    checkForeignFlags(program, argv);
    await program.parseAsync(argv);
    return EXIT_OK;
  } catch (err) {
    const f = describeFailure(err);
    process.stderr.write(f.lines.join('\n') + '\n');
    return f.exitCode;
  }
}

main(process.argv).then((code) => {
  process.exitCode = code;
});
