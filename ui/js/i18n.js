// Every visible string goes through here. Vietnamese first, English second.
// The choice is kept in localStorage and told to Rust (set_lang) so its messages match.

import * as vi from './lang/vi.js';
import * as en from './lang/en.js';

const DICTS = { vi, en };
export const LANGS = ['vi', 'en'];
const STORAGE_KEY = 'sotay.lang';

let current = readStored() || 'vi';
const listeners = new Set();

function readStored() {
  try {
    const v = window.localStorage.getItem(STORAGE_KEY);
    return LANGS.includes(v) ? v : null;
  } catch (_) {
    return null;
  }
}

/** True when the user already chose a language on this computer. */
export function hasStoredLang() {
  return readStored() !== null;
}

export function getLang() {
  return current;
}

/** Switches the language, remembers it and tells listeners. Does not call Rust (see app.js). */
export function setLang(lang) {
  if (!LANGS.includes(lang)) return;
  current = lang;
  try { window.localStorage.setItem(STORAGE_KEY, lang); } catch (_) { /* private mode */ }
  document.documentElement.lang = lang;
  for (const fn of listeners) fn(lang);
}

export function onLangChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function fill(s, params) {
  if (!params) return s;
  return s.replace(/\{(\w+)\}/g, (m, k) => (params[k] === undefined || params[k] === null ? m : String(params[k])));
}

/** t('list.range', {from: 1, to: 50, total: '1.234'}) */
export function t(key, params) {
  const s = DICTS[current].strings[key] ?? DICTS.vi.strings[key] ?? key;
  return fill(s, params);
}

/** t() for a count: the `<key>.one` string when n is 1 and the language has one ("1 change"). */
export function tn(key, n, params) {
  const one = `${key}.one`;
  return t(Number(n) === 1 && DICTS[current].strings[one] !== undefined ? one : key, params);
}

/** The label of a field of a kind; `path` may carry row indices: "targets[1].indicator". */
export function fieldLabel(kind, path) {
  const plain = String(path).replace(/\[\d+\]/g, '');
  const d = DICTS[current].fields[kind] || {};
  const v = DICTS.vi.fields[kind] || {};
  return d[plain] ?? v[plain] ?? plain;
}

/** The label of an enum value, or the raw value when the catalogue does not know it. */
export function enumLabel(name, value) {
  if (value === null || value === undefined || value === '') return '';
  const d = DICTS[current].enums[name] || {};
  const v = DICTS.vi.enums[name] || {};
  return d[value] ?? v[value] ?? String(value);
}

/** The values of an enum, in catalogue order. */
export function enumValues(name) {
  return Object.keys(DICTS.vi.enums[name] || {});
}

// (No document under node, where the page's unit tests import this module.)
if (typeof document !== 'undefined') document.documentElement.lang = current;
