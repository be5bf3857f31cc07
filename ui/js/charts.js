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
  const w = 640; const hgt = 220; const left = 56; const bottom = 28; const top = 14;
  const max = niceMax(Math.max(0, ...points.map((p) => p.value || 0)));
  const svg = el('svg', { id, class: 'chart', viewBox: `0 0 ${w} ${hgt}`, role: 'img', 'aria-label': caption || '' });
  if (caption) svg.appendChild(el('title', {}, caption));
  const plotH = hgt - top - bottom;
  for (const f of [0, 0.5, 1]) {
    // Counts have no halves: a middle tick of 0,5 (an empty or tiny chart) is left out.
    if (!Number.isInteger(max * f)) continue;
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
  const w = 640; const lineH = 14; const label = 220;
  // A long name takes two lines rather than lose its end ("… (trực tiếp tổ chức)").
  const lines = sorted.map((r) => labelLines(r.label, 34));
  const heights = lines.map((l) => (l.length > 1 ? 38 : 24));
  const hgt = heights.reduce((a, b) => a + b, 0) + 8;
  const max = niceMax(Math.max(0, ...sorted.map((r) => r.value || 0)));
  const svg = el('svg', { id, class: 'chart', viewBox: `0 0 ${w} ${Math.max(hgt, 32)}`, role: 'img', 'aria-label': caption || '' });
  if (caption) svg.appendChild(el('title', {}, caption));
  let y = 4;
  sorted.forEach((r, i) => {
    const v = Math.max(0, r.value || 0);
    const rowH = heights[i];
    const mid = y + rowH / 2;
    const text = el('text', { x: label - 8, y: mid + 4 - ((lines[i].length - 1) * lineH) / 2, class: 'axis', 'text-anchor': 'end' });
    lines[i].forEach((line, k) => text.appendChild(el('tspan', { x: label - 8, dy: k ? lineH : 0 }, line)));
    svg.appendChild(text);
    const bw = (w - label - 70) * (v / max);
    const bar = el('rect', { x: label, y: mid - 8, width: bw, height: 16, class: 'bar', 'data-value': v });
    bar.appendChild(el('title', {}, `${r.label}: ${fmtNumber(v)}`));
    svg.appendChild(bar);
    svg.appendChild(el('text', { x: label + bw + 6, y: mid + 4, class: 'axis value' }, fmtNumber(v)));
    y += rowH;
  });
  return svg;
}

/** A label in at most two lines of about `width` characters, broken between words; only a name longer
 * than both lines together loses its end. */
export function labelLines(label, width) {
  const s = String(label || '');
  if (s.length <= width) return [s];
  const words = s.split(' ');
  let first = '';
  while (words.length && (first ? first.length + 1 : 0) + words[0].length <= width) {
    first = first ? `${first} ${words.shift()}` : words.shift();
  }
  if (!first) first = words.shift() || '';
  let rest = words.join(' ');
  if (rest.length > width) rest = `${rest.slice(0, width - 1)}…`;
  return rest ? [first, rest] : [first];
}
