// From a form to the data object save_record wants, and server errors back onto the inputs.

import { markFieldError, clearFieldError } from './dom.js';
import { t } from './i18n.js';
import { readDateValue, setDateText, dateErrorText } from './fields.js';
import { parseDecimal } from './format.js';

export { clearFieldError };

export const META_FIELDS = ['id', 'kind', 'owner_unit', 'created_at', 'updated_at', 'deleted'];

function setPath(obj, path, value) {
  const parts = path.split('.');
  let cur = obj;
  for (let i = 0; i < parts.length - 1; i++) {
    if (cur[parts[i]] === null || typeof cur[parts[i]] !== 'object' || Array.isArray(cur[parts[i]])) cur[parts[i]] = {};
    cur = cur[parts[i]];
  }
  cur[parts[parts.length - 1]] = value;
}

/** Deletes a path and any parent object it leaves empty. */
function deletePath(obj, path) {
  const parts = path.split('.');
  const chain = [obj];
  let cur = obj;
  for (let i = 0; i < parts.length - 1; i++) {
    cur = cur && typeof cur === 'object' ? cur[parts[i]] : undefined;
    if (cur === undefined) return;
    chain.push(cur);
  }
  if (cur && typeof cur === 'object') delete cur[parts[parts.length - 1]];
  for (let i = parts.length - 2; i >= 0; i--) {
    const child = chain[i + 1];
    if (child && typeof child === 'object' && Object.keys(child).length === 0) delete chain[i][parts[i]];
    else break;
  }
}

/**
 * The value of one input as the record wants it, or undefined for "leave out".
 * Returns { value } or { error }.
 */
export function readInput(el, field) {
  if (!el) return { value: undefined };
  switch (field.type) {
    case 'checkbox':
      return { value: !!el.checked };
    case 'number': {
      if (el.validity && el.validity.badInput) return { error: t('form.bad_number') };
      const n = parseDecimal(el.value);
      if (n === '') return { value: undefined };
      if (n === null) return { error: t('form.bad_number') };
      if (field.int && !Number.isInteger(n)) return { error: t('form.bad_integer') };
      return { value: n };
    }
    case 'lines': {
      const items = String(el.value).split('\n').map((s) => s.trim()).filter(Boolean);
      return { value: items.length ? items : undefined };
    }
    case 'date':
    case 'datetime': {
      // dd/mm/yyyy [HH:mm] as typed → ISO; what is not a date never reaches Rust.
      const v = readDateValue(el);
      if (v === null) return { error: dateErrorText(el) };
      return { value: v === '' ? undefined : v };
    }
    case 'textarea': {
      const v = String(el.value).replace(/\s+$/, '').replace(/^\s*\n/, '');
      return { value: v.trim() === '' ? undefined : v };
    }
    default: {
      const v = String(el.value).trim();
      return { value: v === '' ? undefined : v };
    }
  }
}

/**
 * An empty required field is sent as "" so that Rust names it in its own words (a left-out field would
 * come back as a serde error on the whole record); an empty required number is refused here.
 */
function requiredFill(r, field) {
  if (r.error || r.value !== undefined || !field.required) return r;
  if (field.type === 'number') return { error: t('form.required_value') };
  return { value: '' };
}

function byName(root, name) {
  return root.querySelector(`[name="${CSS.escape(name)}"]`);
}

/**
 * Builds the data object from a form. `fields` is the flat schema list, `base` the record being edited
 * (its fields that the form does not show are kept). Returns { data, rowMaps, errors }:
 * rowMaps[name][i] is the DOM row of data row i (blank rows are dropped), errors [{ field, message }].
 */
export function readForm(form, fields, base) {
  const data = {};
  for (const [k, v] of Object.entries(base || {})) if (!META_FIELDS.includes(k)) data[k] = clone(v);
  const rowMaps = {};
  const errors = [];
  for (const field of fields) {
    if (field.type === 'repeat' || field.type === 'repeat-one') {
      const { items, map } = readRepeat(form, field, errors);
      rowMaps[field.name] = map;
      if (items.length) data[field.name] = items;
      else delete data[field.name];
      continue;
    }
    const el = byName(form, field.name);
    if (!el) continue; // not on this form: keep the record's value
    const r = requiredFill(readInput(el, field), field);
    if (r.error) errors.push({ field: field.name, message: r.error });
    deletePath(data, field.name);
    if (r.value !== undefined) setPath(data, field.name, r.value);
  }
  return { data, rowMaps, errors };
}

function readRepeat(form, field, errors) {
  const wrap = form.querySelector(`[data-repeat="${CSS.escape(field.name)}"]`);
  const items = [];
  const map = [];
  if (!wrap) return { items, map };
  const rows = wrap.querySelectorAll(':scope > .repeat-rows > .repeat-row');
  rows.forEach((row, domIndex) => {
    if (field.of) {
      const el = row.querySelector('[data-sub]');
      const r = readInput(el, field.of);
      if (r.error) errors.push({ field: el.name, message: r.error });
      if (r.value !== undefined) { items.push(r.value); map.push(domIndex); }
      return;
    }
    const obj = {};
    const rowErrors = [];
    let blank = true;
    for (const sub of field.rows) {
      const el = row.querySelector(`[data-sub="${CSS.escape(sub.name)}"]`);
      let r = readInput(el, sub);
      if (r.value !== undefined && sub.type !== 'checkbox') blank = false;
      r = requiredFill(r, sub);
      if (r.error) rowErrors.push({ field: el.name, message: r.error });
      if (r.value !== undefined) obj[sub.name] = r.value;
    }
    // A row left wholly empty is dropped, not refused.
    if (blank) return;
    errors.push(...rowErrors);
    items.push(obj);
    map.push(domIndex);
  });
  return { items, map };
}

function clone(v) {
  return v === undefined ? v : JSON.parse(JSON.stringify(v));
}

/** The raw values of every named input (for drafts and language switches). */
export function rawValues(form) {
  const out = {};
  for (const el of form.querySelectorAll('[name]')) {
    if (!el.name) continue;
    out[el.name] = el.type === 'checkbox' ? el.checked : el.value;
  }
  return out;
}

/** Puts raw values back (the inverse of rawValues); a date field takes its text through setDateText. */
export function setRawValues(form, values) {
  if (!values || typeof values !== 'object') return;
  for (const [name, v] of Object.entries(values)) {
    const el = byName(form, name);
    if (!el) continue;
    if (el.type === 'checkbox') el.checked = !!v;
    else if (v === null || v === undefined) continue;
    else if (el.dataset.date) setDateText(el, String(v));
    else el.value = String(v);
  }
}

/**
 * Removes a field's error as soon as the person edits that field. A date field checks itself when it
 * changes (fields.js), so its change event is left to it.
 */
export function watchErrors(root) {
  root.addEventListener('input', (e) => clearFieldError(e.target));
  root.addEventListener('change', (e) => { if (!(e.target.dataset && e.target.dataset.date)) clearFieldError(e.target); });
}

export function clearErrors(root) {
  for (const e of root.querySelectorAll('.field-error')) e.remove();
  for (const e of root.querySelectorAll('.has-error')) e.classList.remove('has-error');
  for (const e of root.querySelectorAll('[aria-invalid]')) {
    e.removeAttribute('aria-invalid');
    e.removeAttribute('aria-describedby');
  }
}

/** The input a server field path points at, mapping data rows back to DOM rows. */
export function findInput(root, field, rowMaps = {}) {
  const mapped = String(field).replace(/^([A-Za-z_]+)\[(\d+)\]/, (m, base, i) => {
    const map = rowMaps[base];
    const dom = map && map[Number(i)] !== undefined ? map[Number(i)] : Number(i);
    return `${base}[${dom}]`;
  });
  const exact = byName(root, mapped);
  if (exact) return exact;
  // "response" (a missing nested field) or "participants": the first input under it.
  for (const el of root.querySelectorAll('[name]')) {
    if (el.name.startsWith(`${mapped}.`) || el.name.startsWith(`${mapped}[`)) return el;
  }
  return null;
}

/**
 * Shows `message` in <div class="field-error" data-for=FIELD> under the input of FIELD and focuses it.
 * Returns false when no input matches (the caller shows a banner instead).
 */
export function showFieldError(root, field, message, rowMaps) {
  return showFieldErrors(root, [{ field, message }], rowMaps).length === 0;
}

/**
 * Shows every { field, message } under its input, opens the sections they are in, and focuses the first.
 * Returns those with no input on the form (the caller shows them in a banner).
 */
export function showFieldErrors(root, errors, rowMaps = {}) {
  const unplaced = [];
  let first = null;
  for (const { field, message } of errors) {
    const input = findInput(root, field, rowMaps);
    if (!input) { unplaced.push({ field, message }); continue; }
    // A second problem of the same input (a row's two checks): one message is enough there.
    if (input.getAttribute('aria-invalid') === 'true') continue;
    const err = markFieldError(input, message);
    if (input.name !== field) err.dataset.field = field;
    const section = input.closest('details');
    if (section) section.open = true;
    // The first on the page, not the first in the list: the one a person reads first.
    if (!first || (first.compareDocumentPosition(input) & Node.DOCUMENT_POSITION_PRECEDING)) first = input;
  }
  if (first) {
    first.focus();
    if (typeof first.scrollIntoView === 'function') first.scrollIntoView({ block: 'center' });
  }
  return unplaced;
}

/**
 * Puts a command's `invalid` error beside the fields it names (every one of a record, or the one
 * `field`). Returns true when each found its input; false when the caller should show a banner.
 */
export function showInvalid(root, err, rowMaps = {}) {
  if (!err || err.code !== 'invalid') return false;
  if (err.errors && err.errors.length) return showFieldErrors(root, err.errors, rowMaps).length === 0;
  return !!err.field && showFieldError(root, err.field, err.message, rowMaps);
}
