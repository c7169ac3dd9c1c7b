// Text output: aligned tables, numbers at a readable precision, and CSV fields.
import type { DatasetComparison } from './compare';
import type { ColumnTypes, DataNotes } from './dataset';
import type { RunSummary } from './run';

export const NEVER = '—';

/** 4 significant digits; exponent form only for very small or large values. */
export function sig(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'n/a' : `${v}`;
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e7)) return v.toExponential(digits - 1);
  return v.toPrecision(digits);
}

export function seconds(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  if (v === 0) return '0';
  // Tiny runs take microseconds; two significant digits say more than 0.000.
  if (v < 0.01) return v.toPrecision(2);
  return v < 10 ? v.toFixed(3) : v.toFixed(1);
}

export function percent(v: number): string {
  return Number.isFinite(v) ? `${(100 * v).toFixed(2)}%` : 'n/a';
}

/** Columns right-aligned except the first; a rule under the header. */
export function renderTable(header: string[], rows: string[][], indent = '  '): string {
  const widths = header.map((h, j) => Math.max(
    [...h].length, ...rows.map((r) => [...r[j]].length)));
  const pad = (cells: string[]): string => cells.map((c, j) => {
    const fill = ' '.repeat(widths[j] - [...c].length);
    return j === 0 ? c + fill : fill + c;
  }).join('  ');
  const lines = [pad(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(pad)];
  return lines.map((l) => indent + l.trimEnd()).join('\n');
}

/** An optimizer's settings as `lr 0.01, alpha 0` (the order is already in its name). */
export function configText(config: Record<string, unknown>): string {
  return Object.entries(config).filter(([k]) => k !== 'order').map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function splitText(split: string, testFile?: string): string {
  switch (split) {
    case 'rows':
      return 'ordered split';
    case 'file':
      return `test file ${testFile ?? ''}`.trim();
    case 'none':
      return 'no test rows';
    default:
      return `${split} split`;
  }
}

export function metricName(c: { metric: 'rmse' | 'accuracy'; target: string }): string {
  return c.metric === 'rmse' ? `test RMSE (${c.target})` : 'test accuracy';
}

/** The printed report of one comparison: what ran, the table, the footnotes. */
export function comparisonText(c: DatasetComparison): string {
  const d = c.data;
  const s = c.settings;
  const split = splitText(d.split, d.testFile);
  const lossName = c.loss === 'mse' ? `MSE of ${d.targetEncoding}` : 'cross-entropy';
  const out: string[] = [];
  out.push(`${c.name}: ${d.task} on '${d.target}'` +
    (d.classes ? ` (${d.classes.length} classes)` : '') + `; loss: ${lossName}`);
  out.push(`  ${d.trainRows} train / ${d.testRows} test rows (${split}), ${d.features} features`);
  out.push(`  ${columnsText(d.columns)}`);
  const notes = notesText(d.notes, d.columns);
  if (notes !== null) out.push(`  ${notes}`);
  out.push(`  network ${s.layers.join('-')} ${s.activation}, batch ${s.batch}, lr ${s.lr}, ` +
    `alpha ${s.alpha}, ${plural(s.epochs, 'epoch')}, seed ${s.seed}`);
  out.push('');
  const metric = metricName({ metric: c.metric, target: d.target });
  const header = ['optimizer', 'train loss', 'test loss', metric, 'steps', 'seconds',
    `steps to ${c.baseline}`, `seconds to ${c.baseline}`];
  const rows = c.table.map((r) => [
    r.optimizer, sig(r.trainLoss), sig(r.testLoss),
    c.metric === 'rmse' ? sig(r.testMetric) : percent(r.testMetric),
    `${r.steps}`, seconds(r.seconds),
    r.reachedStep === null ? NEVER : `${r.reachedStep}`,
    r.reachedSeconds === null ? NEVER : seconds(r.reachedSeconds),
  ]);
  out.push(renderTable(header, rows));
  out.push('');
  const b = c.baseline;
  out.push('  train loss: of the final weights on all training rows. seconds: training time ' +
    '(evaluation');
  out.push(`  excluded). "to ${b}": the first test evaluation (one every ` +
    `${plural(s.evaluateEvery, 'step')}) at or below`);
  out.push(`  ${b}'s final test loss ${sig(c.baselineTestLoss)}; ${NEVER} = never.` +
    (c.metric === 'rmse' ? ` RMSE in the original units of ${d.target}.` : ''));
  return out.join('\n');
}

/** The final numbers of one run, as `key: value` lines. */
export function summaryText(
  s: RunSummary, target: string, hasTest: boolean, indent = '  ',
): string {
  const m = (v: number): string => (s.metric === 'rmse' ? sig(v) : percent(v));
  const label = s.metric === 'rmse' ? `RMSE (${target})` : 'accuracy';
  const lines = [
    `train loss ${sig(s.trainLoss)}, train ${label} ${m(s.trainMetric)}`,
  ];
  if (hasTest) lines.push(`test loss ${sig(s.testLoss)}, test ${label} ${m(s.testMetric)}`);
  lines.push(`${s.steps} steps in ${seconds(s.seconds)} s of training`);
  return lines.map((l) => indent + l).join('\n');
}

/** A CSV field, quoted when it holds a separator, a quote, a line end or edge spaces. */
export function csvField(s: string): string {
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A list that stops after `max` entries with how many more there are. */
function capped(items: string[], max: number): string {
  return items.length <= max ? items.join(', ')
    : `${items.slice(0, max).join(', ')}, … (${items.length - max} more)`;
}

/** One line of how the feature columns were typed: `columns: 6 numeric (...); 3 text ...`. */
export function columnsText(c: ColumnTypes): string {
  const parts: string[] = [];
  if (c.numeric.length > 0) {
    parts.push(`${c.numeric.length} numeric (${capped(c.numeric, 8)})`);
  }
  if (c.text.length > 0) {
    parts.push(`${c.text.length} text, one-hot (levels: ` +
      `${capped(c.text.map((t) => `${t.name} ${t.levels}`), 6)})`);
  }
  return `columns: ${parts.join('; ')}`;
}

/**
 * One note line: rows dropped, cells filled, unseen levels, empty columns left out; null when
 * there is nothing to say.
 */
export function notesText(n: DataNotes, c: ColumnTypes): string | null {
  const parts: string[] = [];
  if (n.rowsWithoutTarget > 0) {
    parts.push(`dropped ${plural(n.rowsWithoutTarget, 'row')} without a target`);
  }
  if (n.rowsWithMissingFeatures > 0) {
    parts.push(`dropped ${plural(n.rowsWithMissingFeatures, 'row')} with a missing feature ` +
      '(--drop-missing)');
  }
  if (n.imputedCells > 0) parts.push(`imputed ${plural(n.imputedCells, 'missing feature cell')}`);
  if (n.unseenCells > 0) {
    parts.push(`${plural(n.unseenCells, 'test cell')} with a text level unseen in training ` +
      '(encoded as 0)');
  }
  if (c.empty.length > 0) {
    parts.push(`left out ${c.empty.length === 1 ? 'an empty column' : 'empty columns'} ` +
      capped(c.empty, 6));
  }
  return parts.length === 0 ? null : `note: ${parts.join('; ')}`;
}
