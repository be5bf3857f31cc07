// Bar charts drawn as SVG elements (no library, no innerHTML): labels are text nodes, sizes attributes.

import { fmtNumber } from './format.js';

const NS = 'http://www.w3.org/2000/svg';

function el(tag, attrs, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = String(text);
  return e;
}

/** A nice upper bound for an axis: 1, 2 or 5 × 10^k at or above `max`. */
function niceMax(max) {
  if (!(max > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((m) => m * p).find((v) => v >= max);
}

/**
 * Vertical bars, one per point: points [{ label, value, title }]. `id` names the chart for tests and CSS.
 */
export function columnChart(id, points, { caption } = {}) {
  const w = 640; const hgt = 220; const left = 44; const bottom = 28; const top = 14;
  const max = niceMax(Math.max(0, ...points.map((p) => p.value || 0)));
  const svg = el('svg', { id, class: 'chart', viewBox: `0 0 ${w} ${hgt}`, role: 'img', 'aria-label': caption || '' });
  if (caption) svg.appendChild(el('title', {}, caption));
  const plotH = hgt - top - bottom;
  for (const f of [0, 0.5, 1]) {
    const y = top + plotH * (1 - f);
    svg.appendChild(el('line', { x1: left, x2: w - 6, y1: y, y2: y, class: 'grid-line' }));
    svg.appendChild(el('text', { x: left - 6, y: y + 4, class: 'axis', 'text-anchor': 'end' }, fmtNumber(max * f)));
  }
  const slot = (w - left - 6) / Math.max(1, points.length);
  points.forEach((p, i) => {
    const v = Math.max(0, p.value || 0);
    const bh = plotH * (v / max);
    const x = left + i * slot + slot * 0.18;
    const bar = el('rect', { x, y: top + plotH - bh, width: slot * 0.64, height: bh, class: 'bar', 'data-value': v });
    bar.appendChild(el('title', {}, `${p.title || p.label}: ${fmtNumber(v)}`));
    svg.appendChild(bar);
    svg.appendChild(el('text', { x: x + slot * 0.32, y: hgt - 10, class: 'axis', 'text-anchor': 'middle' }, p.label));
  });
  return svg;
}

/** Horizontal bars, one per row: rows [{ label, value }], longest first. */
export function barList(id, rows, { caption } = {}) {
  const sorted = [...rows].sort((a, b) => (b.value || 0) - (a.value || 0));
  const w = 640; const rowH = 24; const label = 220; const hgt = Math.max(1, sorted.length) * rowH + 8;
  const max = niceMax(Math.max(0, ...sorted.map((r) => r.value || 0)));
  const svg = el('svg', { id, class: 'chart', viewBox: `0 0 ${w} ${hgt}`, role: 'img', 'aria-label': caption || '' });
  if (caption) svg.appendChild(el('title', {}, caption));
  sorted.forEach((r, i) => {
    const v = Math.max(0, r.value || 0);
    const y = 4 + i * rowH;
    const name = r.label.length > 34 ? `${r.label.slice(0, 33)}…` : r.label;
    svg.appendChild(el('text', { x: label - 8, y: y + 16, class: 'axis', 'text-anchor': 'end' }, name));
    const bw = (w - label - 70) * (v / max);
    const bar = el('rect', { x: label, y: y + 4, width: bw, height: rowH - 8, class: 'bar', 'data-value': v });
    bar.appendChild(el('title', {}, `${r.label}: ${fmtNumber(v)}`));
    svg.appendChild(bar);
    svg.appendChild(el('text', { x: label + bw + 6, y: y + 16, class: 'axis value' }, fmtNumber(v)));
  });
  return svg;
}
