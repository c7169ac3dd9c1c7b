// Loss curves as a self-contained SVG: two panels side by side (against steps, against
// training seconds) sharing one log-scale loss axis. Hand-written so the package needs no
// plotting dependency; the output is plain SVG 1.1 that browsers and rsvg render alike.
import { Scale, linearScale, logScale } from './scale';

export interface LossPoint {
  step: number;
  seconds: number;
  loss: number;
}

export interface MethodCurves {
  name: string;
  /** Dashed. */
  train: readonly LossPoint[];
  /** Solid. */
  test: readonly LossPoint[];
}

export interface LossFigureOptions {
  title: string;
  subtitle?: string;
  yLabel: string;
  methods: readonly MethodCurves[];
  /** A dotted horizontal line, e.g. the baseline's final test loss. */
  reference?: { loss: number; label: string };
  width?: number;
  height?: number;
}

/** Fixed colours for the known methods, so every figure uses the same ones. */
const METHOD_COLOURS: Record<string, string> = {
  'sgd': '#4c72b0',
  'dn-sgd': '#d1495b',
  'sgd-dn': '#2a9d5c',
  'adam': '#8e6bbf',
  'momentum': '#c9822b',
  'nesterov': '#6b8e23',
};
const SPARE_COLOURS = ['#17becf', '#7f7f7f', '#bcbd22', '#e377c2'];
const TRAIN_DASH = '6 4';
const REF_DASH = '1 3';
const FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif"';

export function methodColour(name: string, index: number): string {
  return METHOD_COLOURS[name] ?? SPARE_COLOURS[index % SPARE_COLOURS.length];
}

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) =>
    ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

function num(v: number): string {
  return Number.isInteger(v) ? `${v}` : v.toFixed(2);
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The figure as SVG text. */
export function lossFigure(o: LossFigureOptions): string {
  const W = o.width ?? 1040;
  const H = o.height ?? 500;
  const top = o.subtitle === undefined ? 58 : 76;
  const bottom = 96;
  const ph = H - top - bottom;

  // One loss range for both panels, over every finite positive value drawn.
  const losses: number[] = [];
  for (const m of o.methods) {
    for (const p of [...m.train, ...m.test]) if (p.loss > 0 && Number.isFinite(p.loss)) {
      losses.push(p.loss);
    }
  }
  if (o.reference !== undefined && o.reference.loss > 0) {
    if (Number.isFinite(o.reference.loss)) losses.push(o.reference.loss);
  }
  const yScale = logScale(losses.length ? Math.min(...losses) : 0.1,
    losses.length ? Math.max(...losses) : 1, ph);
  // The y-axis title sits left of the widest tick label, and the margin makes room for both.
  const labelWidth = Math.max(0, ...yScale.ticks.map((t) => textWidth(t.label)));
  const left = Math.max(74, Math.ceil(labelWidth + TICK_TO_LABEL + LABEL_TO_TITLE + 18));
  const gap = Math.max(70, Math.ceil(labelWidth + TICK_TO_LABEL + 12));
  const right = 24;
  const pw = (W - left - right - gap) / 2;
  const panels: Box[] = [
    { x: left, y: top, w: pw, h: ph },
    { x: left + pw + gap, y: top, w: pw, h: ph },
  ];
  const maxOf = (key: 'step' | 'seconds'): number => {
    let m = 0;
    for (const c of o.methods) for (const p of [...c.train, ...c.test]) m = Math.max(m, p[key]);
    return m;
  };
  const xScales = [linearScale(0, maxOf('step'), pw), linearScale(0, maxOf('seconds'), pw)];
  const xLabels = ['steps (mini-batches)', 'training seconds (evaluation excluded)'];
  const keys: ('step' | 'seconds')[] = ['step', 'seconds'];

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" ` +
    `viewBox="0 0 ${W} ${H}" ${FONT} font-size="12">`);
  out.push(`<title>${escapeXml(o.title)}</title>`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${W / 2}" y="24" text-anchor="middle" font-size="16" ` +
    `font-weight="bold">${escapeXml(o.title)}</text>`);
  if (o.subtitle !== undefined) {
    out.push(`<text x="${W / 2}" y="44" text-anchor="middle" fill="#444">` +
      `${escapeXml(o.subtitle)}</text>`);
  }
  panels.forEach((b, i) => {
    out.push(...axes(b, xScales[i], yScale, xLabels[i], i === 0 ? o.yLabel : undefined, i,
      labelWidth));
    out.push(`<g clip-path="url(#clip${i})">`);
    if (o.reference !== undefined && o.reference.loss > 0) {
      const y = num(b.y + yScale.map(o.reference.loss));
      out.push(`<line x1="${b.x}" x2="${b.x + b.w}" y1="${y}" y2="${y}" stroke="#777" ` +
        `stroke-width="1.2" stroke-dasharray="${REF_DASH}"/>`);
    }
    o.methods.forEach((m, k) => {
      const colour = methodColour(m.name, k);
      out.push(polyline(m.train, keys[i], b, xScales[i], yScale, colour, TRAIN_DASH));
      out.push(polyline(m.test, keys[i], b, xScales[i], yScale, colour, undefined));
    });
    out.push('</g>');
  });
  out.push(...legend(o.methods, o.reference?.label, W, H - 26));
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** Pixels between the axis and the right end of a y tick label. */
const TICK_TO_LABEL = 8;
/** Pixels between the left end of the widest y tick label and the y-axis title's glyphs. */
const LABEL_TO_TITLE = 8;

/**
 * Estimated width in pixels of a tick label at 12px DejaVu Sans (the widest of the listed
 * fonts): digits and most letters about 0.64 em, separators about 0.32 em. An estimate on the
 * generous side keeps labels and the axis title apart in any of the fonts.
 */
export function textWidth(s: string): number {
  let w = 0;
  for (const c of s) w += /[.,:;'|!il]/.test(c) ? 4 : c === '-' ? 4.5 : 7.7;
  return w;
}

function axes(
  b: Box, xs: Scale, ys: Scale, xLabel: string, yLabel: string | undefined, i: number,
  labelWidth: number,
): string[] {
  const out: string[] = [];
  out.push(`<defs><clipPath id="clip${i}"><rect x="${num(b.x)}" y="${num(b.y)}" ` +
    `width="${num(b.w)}" height="${num(b.h)}"/></clipPath></defs>`);
  out.push(`<rect x="${num(b.x)}" y="${num(b.y)}" width="${num(b.w)}" height="${num(b.h)}" ` +
    `fill="#fbfbfb" stroke="none"/>`);
  // Grid first, so the curves and the frame lie on top of it.
  for (const t of ys.minor) {
    const y = num(b.y + ys.map(t));
    out.push(`<line x1="${num(b.x)}" x2="${num(b.x + b.w)}" y1="${y}" y2="${y}" ` +
      `stroke="#eeeeee" stroke-width="1"/>`);
  }
  for (const t of ys.ticks) {
    const y = num(b.y + ys.map(t.value));
    out.push(`<line x1="${num(b.x)}" x2="${num(b.x + b.w)}" y1="${y}" y2="${y}" ` +
      `stroke="#dddddd" stroke-width="1"/>`);
    out.push(`<line x1="${num(b.x - 5)}" x2="${num(b.x)}" y1="${y}" y2="${y}" stroke="#333"/>`);
    out.push(`<text x="${num(b.x - TICK_TO_LABEL)}" y="${y}" text-anchor="end" dy="0.35em">` +
      `${escapeXml(t.label)}</text>`);
  }
  for (const t of xs.ticks) {
    const x = num(b.x + xs.map(t.value));
    const bottom = b.y + b.h;
    out.push(`<line x1="${x}" x2="${x}" y1="${num(b.y)}" y2="${num(bottom)}" ` +
      `stroke="#dddddd" stroke-width="1"/>`);
    out.push(`<line x1="${x}" x2="${x}" y1="${num(bottom)}" y2="${num(bottom + 5)}" ` +
      `stroke="#333"/>`);
    out.push(`<text x="${x}" y="${num(bottom + 18)}" text-anchor="middle">` +
      `${escapeXml(t.label)}</text>`);
  }
  out.push(`<rect x="${num(b.x)}" y="${num(b.y)}" width="${num(b.w)}" height="${num(b.h)}" ` +
    `fill="none" stroke="#333" stroke-width="1"/>`);
  out.push(`<text x="${num(b.x + b.w / 2)}" y="${num(b.y + b.h + 38)}" text-anchor="middle" ` +
    `font-size="13">${escapeXml(xLabel)}</text>`);
  if (yLabel !== undefined) {
    // Rotated, the title's glyphs reach about 4 px right of its baseline (descenders) and
    // 10 px left of it (ascenders); the baseline is placed so the right edge clears the labels.
    const cx = num(b.x - Math.max(56, TICK_TO_LABEL + labelWidth + LABEL_TO_TITLE + 4));
    const cy = num(b.y + b.h / 2);
    out.push(`<text x="${cx}" y="${cy}" text-anchor="middle" font-size="13" ` +
      `transform="rotate(-90 ${cx} ${cy})">${escapeXml(yLabel)}</text>`);
  }
  return out;
}

function polyline(
  pts: readonly LossPoint[], key: 'step' | 'seconds', b: Box, xs: Scale, ys: Scale,
  colour: string, dash: string | undefined,
): string {
  const coords: string[] = [];
  for (const p of pts) {
    if (!(p.loss > 0) || !Number.isFinite(p.loss)) continue;
    coords.push(`${num(b.x + xs.map(p[key]))},${num(b.y + ys.map(p.loss))}`);
  }
  if (coords.length === 0) return '';
  const d = dash === undefined ? '' : ` stroke-dasharray="${dash}"`;
  const width = dash === undefined ? 2 : 1.6;
  return `<polyline fill="none" stroke="${colour}" stroke-width="${width}"${d} ` +
    `stroke-linejoin="round" points="${coords.join(' ')}"/>`;
}

/** One centred row: a swatch per method, then what solid and dashed mean. */
function legend(
  methods: readonly MethodCurves[], reference: string | undefined, W: number, y: number,
): string[] {
  const items: { label: string; colour: string; dash?: string }[] = methods.map((m, k) => ({
    label: m.name, colour: methodColour(m.name, k),
  }));
  items.push({ label: 'test loss', colour: '#333' });
  items.push({ label: 'train loss (mean mini-batch loss)', colour: '#333', dash: TRAIN_DASH });
  if (reference !== undefined) items.push({ label: reference, colour: '#777', dash: REF_DASH });
  const swatch = 28;
  // Rough text widths (about 0.6 em per character) are enough to space the entries.
  const widths = items.map((it) => swatch + 8 + it.label.length * 7 + 22);
  const sep = 24;
  const total = widths.reduce((a, b) => a + b, 0) + sep;
  let x = (W - total) / 2;
  const out: string[] = ['<g class="legend">'];
  items.forEach((it, k) => {
    if (k === methods.length) x += sep;
    const d = it.dash === undefined ? '' : ` stroke-dasharray="${it.dash}"`;
    out.push(`<line x1="${num(x)}" x2="${num(x + swatch)}" y1="${y}" y2="${y}" ` +
      `stroke="${it.colour}" stroke-width="${k < methods.length ? 3 : 1.6}"${d}/>`);
    out.push(`<text x="${num(x + swatch + 8)}" y="${y}" dy="0.35em" ` +
      `font-size="13">${escapeXml(it.label)}</text>`);
    x += widths[k];
  });
  out.push('</g>');
  return out;
}
