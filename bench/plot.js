'use strict';
// Line plots as standalone SVG text, with logarithmic or linear axes, so that the sweeps can
// be drawn with no dependency. Used by bench/run.js; also callable as
//   node bench/plot.js bench/out/results.json   (redraws every sweep of a finished run)

const fs = require('fs');
const path = require('path');

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2',
  '#7f7f7f'];

function esc(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function niceNumber(v) {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(0).replace('e+', 'e');
  return String(Number(v.toPrecision(3)));
}

/** Tick labels for seconds: 1 us, 10 us, ... 1 ms, ... 1 s. */
function timeLabel(sec) {
  if (sec < 1e-3) return `${niceNumber(sec * 1e6)} us`;
  if (sec < 1) return `${niceNumber(sec * 1e3)} ms`;
  return `${niceNumber(sec)} s`;
}

// Tick positions: decades (plus 2 and 5 when the range is short) on a log axis, 1-2-5 steps
// on a linear one.
function ticks(lo, hi, log) {
  if (log) {
    const out = [];
    const short = Math.log10(hi / lo) < 2.5;
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
      for (const m of short ? [1, 2, 5] : [1]) {
        const v = m * 10 ** e;
        if (v >= lo * 0.999 && v <= hi * 1.001) out.push(v);
      }
    }
    return out;
  }
  const span = hi - lo || 1;
  const raw = span / 6;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-12 * span; v += step) out.push(v);
  return out;
}

/**
 * opts: { title, xLabel, yLabel, logX, logY, yTime (tick labels as times), subtitle,
 *         series: [{ name, points: [[x, y], ...], dashed }] }
 */
function linePlot(opts) {
  const legendRow = 18;
  const legendH = Math.ceil(opts.series.length / 2) * legendRow + 12;
  const W = 760, ml = 78, mr = 20, mt = opts.subtitle ? 56 : 40, mb = 56 + legendH;
  const ph = 380, pw = W - ml - mr, H = mt + ph + mb;
  const pts = opts.series.flatMap((s) => s.points).filter(([x, y]) =>
    Number.isFinite(x) && Number.isFinite(y) && (!opts.logX || x > 0) && (!opts.logY || y > 0));
  const parts = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" ` +
    `viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" ` +
    `font-weight="bold">${esc(opts.title)}</text>`);
  if (opts.subtitle) {
    parts.push(`<text x="${W / 2}" y="40" text-anchor="middle" fill="#555">` +
      `${esc(opts.subtitle)}</text>`);
  }
  if (pts.length === 0) {
    parts.push(`<text x="${W / 2}" y="${H / 2}" text-anchor="middle">no data</text></svg>`);
    return parts.join('\n');
  }
  let [x0, x1] = [Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[0]))];
  let [y0, y1] = [Math.min(...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[1]))];
  // A little room around the data: a fraction of a decade on log axes.
  const pad = (lo, hi, log) => {
    if (log) return lo === hi ? [lo / 2, hi * 2] : [lo / 1.3, hi * 1.3];
    const d = (hi - lo) * 0.05 || Math.abs(hi) * 0.1 || 1;
    return [Math.min(0, lo), hi + d];
  };
  [x0, x1] = pad(x0, x1, opts.logX);
  [y0, y1] = pad(y0, y1, opts.logY);
  const fx = (x) => ml + pw * (opts.logX ? Math.log(x / x0) / Math.log(x1 / x0)
    : (x - x0) / (x1 - x0));
  const fy = (y) => mt + ph - ph * (opts.logY ? Math.log(y / y0) / Math.log(y1 / y0)
    : (y - y0) / (y1 - y0));

  parts.push(`<rect x="${ml}" y="${mt}" width="${pw}" height="${ph}" fill="none" ` +
    'stroke="#333"/>');
  for (const t of ticks(x0, x1, opts.logX)) {
    const X = fx(t).toFixed(1);
    parts.push(`<line x1="${X}" y1="${mt}" x2="${X}" y2="${mt + ph}" stroke="#e4e4e4"/>`);
    parts.push(`<text x="${X}" y="${mt + ph + 16}" text-anchor="middle">` +
      `${esc(niceNumber(t))}</text>`);
  }
  for (const t of ticks(y0, y1, opts.logY)) {
    const Y = fy(t).toFixed(1);
    parts.push(`<line x1="${ml}" y1="${Y}" x2="${ml + pw}" y2="${Y}" stroke="#e4e4e4"/>`);
    const label = opts.yTime ? timeLabel(t) : niceNumber(t);
    parts.push(`<text x="${ml - 6}" y="${Number(Y) + 4}" text-anchor="end">` +
      `${esc(label)}</text>`);
  }
  parts.push(`<text x="${ml + pw / 2}" y="${mt + ph + 36}" text-anchor="middle">` +
    `${esc(opts.xLabel)}${opts.logX ? ' (log)' : ''}</text>`);
  parts.push(`<text transform="translate(18 ${mt + ph / 2}) rotate(-90)" ` +
    `text-anchor="middle">${esc(opts.yLabel)}${opts.logY ? ' (log)' : ''}</text>`);

  opts.series.forEach((s, i) => {
    const color = s.color ?? COLORS[i % COLORS.length];
    const good = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) &&
      (!opts.logX || x > 0) && (!opts.logY || y > 0)).sort((a, b) => a[0] - b[0]);
    if (good.length === 0) return;
    const d = good.map(([x, y]) => `${fx(x).toFixed(1)},${fy(y).toFixed(1)}`).join(' ');
    parts.push(`<polyline points="${d}" fill="none" stroke="${color}" stroke-width="2"` +
      `${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    for (const [x, y] of good) {
      parts.push(`<circle cx="${fx(x).toFixed(1)}" cy="${fy(y).toFixed(1)}" r="3" ` +
        `fill="${color}"/>`);
    }
  });
  // Legend under the plot, two entries a row, so that it never hides a line.
  opts.series.forEach((s, i) => {
    const color = s.color ?? COLORS[i % COLORS.length];
    const x = ml + (i % 2) * (pw / 2);
    const y = mt + ph + 56 + Math.floor(i / 2) * legendRow;
    parts.push(`<line x1="${x}" y1="${y}" x2="${x + 26}" y2="${y}" stroke="${color}" ` +
      `stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    parts.push(`<circle cx="${x + 13}" cy="${y}" r="3" fill="${color}"/>`);
    parts.push(`<text x="${x + 34}" y="${y + 4}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** Writes one SVG per sweep of a results object into dir; returns the file names. */
function plotSweeps(results, dir) {
  const files = [];
  for (const sw of results.sweeps ?? []) {
    const file = path.join(dir, `sweep-${sw.key}.svg`);
    fs.writeFileSync(file, linePlot(sw.plot));
    files.push(file);
  }
  return files;
}

if (require.main === module) {
  const file = process.argv[2] ?? path.join(__dirname, 'out', 'results.json');
  const results = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const f of plotSweeps(results, path.dirname(file))) console.log(`wrote ${f}`);
}

module.exports = { linePlot, plotSweeps, ticks };
