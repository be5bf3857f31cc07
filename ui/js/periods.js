// Report periods in DHIS2 style, computed from today's date: 2026M11, 2026Q4, 2026S1, 2026N9, 2026, and
// explicit dates 2026-06-15..2026-09-14 (core/src/period.rs reads the same codes).

import { t } from './i18n.js';

const ROMAN = ['I', 'II', 'III', 'IV'];
const pad = (n) => String(n).padStart(2, '0');

/** The period choices of the dashboard: [{ key, code, label }], this month first. */
export function periodChoices(today = new Date()) { // the dashboard passes Vietnam's wall clock
  const y = today.getFullYear();
  const m = today.getMonth() + 1;
  const q = Math.floor((m - 1) / 3) + 1;
  const pq = q === 1 ? 4 : q - 1;
  const py = q === 1 ? y - 1 : y;
  const pm = m === 1 ? 12 : m - 1;
  const pmy = m === 1 ? y - 1 : y;
  return [
    { key: 'month', code: `${y}M${pad(m)}`, label: t('period.this_month', { m: pad(m), y }) },
    { key: 'prev_month', code: `${pmy}M${pad(pm)}`, label: t('period.prev_month', { m: pad(pm), y: pmy }) },
    { key: 'quarter', code: `${y}Q${q}`, label: t('period.this_quarter', { q: ROMAN[q - 1], qn: q, y }) },
    { key: 'prev_quarter', code: `${py}Q${pq}`, label: t('period.prev_quarter', { q: ROMAN[pq - 1], qn: pq, y: py }) },
    { key: 'half1', code: `${y}S1`, label: t('period.half1', { y }) },
    { key: 'nine', code: `${y}N9`, label: t('period.nine', { y }) },
    { key: 'half2', code: `${y}S2`, label: t('period.half2', { y }) },
    { key: 'year', code: `${y}`, label: t('period.this_year', { y }) },
    { key: 'prev_year', code: `${y - 1}`, label: t('period.prev_year', { y: y - 1 }) },
  ];
}

/** The code of explicit dates (ISO, start not after end), or null when they do not make a period. */
export function customCode(from, to) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(from || '') || !/^\d{4}-\d{2}-\d{2}$/.test(to || '') || from > to) return null;
  return `${from}..${to}`;
}

export function monthName(y, m) {
  return t('period.month_name', { m: pad(m), y: String(y) });
}

export function quarterName(y, q) {
  return t('period.quarter_name', { q: ROMAN[q - 1], qn: q, y: String(y) });
}

/** A human name for any code the dashboard returns: 2026M11, 2026Q4, 2026S1, 2026. */
export function periodName(code) {
  const s = String(code || '');
  let m = /^(\d{4})M(\d{1,2})$/.exec(s);
  if (m) return monthName(Number(m[1]), Number(m[2]));
  m = /^(\d{4})Q([1-4])$/.exec(s);
  if (m) return quarterName(Number(m[1]), Number(m[2]));
  m = /^(\d{4})S([12])$/.exec(s);
  if (m) return t(m[2] === '1' ? 'period.half1_name' : 'period.half2_name', { y: m[1] });
  m = /^(\d{4})N9$/.exec(s);
  if (m) return t('period.nine_name', { y: m[1] });
  m = /^(\d{4})-(\d{2})-(\d{2})\.\.(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (m) return t('period.custom_name', { from: `${m[3]}/${m[2]}/${m[1]}`, to: `${m[6]}/${m[5]}/${m[4]}` });
  if (/^\d{4}$/.test(s)) return t('period.year_name', { y: s });
  return s;
}
