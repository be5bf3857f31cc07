// Inputs for schema fields (see schema.js), including the repeatable-row editor.

import { h, fieldId, markFieldError, clearFieldError } from './dom.js';
import { t, fieldLabel, enumLabel, enumValues } from './i18n.js';
import { fmtDate, fmtLocal, toDateInput, toLocalInput, parseTyped, dateProblem } from './format.js';
import { attachPicker } from './datepicker.js';
import { PLATFORMS } from './schema.js';

/** Reads a dotted path from an object: get(rec, 'participants.members'). */
export function getPath(obj, path) {
  let cur = obj;
  for (const part of String(path).split('.')) {
    if (cur === null || cur === undefined || typeof cur !== 'object') return undefined;
    cur = cur[part];
  }
  return cur;
}

/** The <datalist> of online platforms referenced by `list: 'platforms'` fields. */
export function platformList() {
  return h('datalist', { id: 'dl-platforms' }, PLATFORMS.map((p) => h('option', { value: p })));
}

/** The choices of a reference select: [{value, label}]. */
function refChoices(source, ctx) {
  const o = ctx.options || {};
  switch (source) {
    case 'units':
      return (o.units || []).map((u) => ({ value: u.id, label: u.code ? `${u.name} (${u.code})` : u.name }));
    case 'plans':
      return (o.plans || [])
        .filter((p) => p.id !== ctx.selfId)
        .map((p) => ({ value: p.id, label: p.number ? `${p.number} – ${p.title}` : p.title }));
    case 'events':
      return (ctx.events || []).map((e) => ({ value: e.id, label: `${fmtDate(e.start_at)} – ${e.title}` }));
    case 'indicators':
      return (o.indicators || []).map((i) => ({ value: i.code, label: `${i.code} – ${i.name}` }));
    default:
      return [];
  }
}

function selectEl(attrs, choices, value, withEmpty) {
  const sel = h('select', attrs);
  if (withEmpty) sel.appendChild(h('option', { value: '', text: t('form.none') }));
  const v = value === undefined || value === null ? '' : String(value);
  let found = v === '';
  for (const c of choices) {
    sel.appendChild(h('option', { value: c.value, text: c.label }));
    if (c.value === v) found = true;
  }
  // Keep a value the catalogue does not know, rather than losing it on save.
  if (!found) sel.appendChild(h('option', { value: v, text: v }));
  sel.value = v;
  if (!withEmpty && v === '' && choices.length) sel.value = choices[0].value;
  return sel;
}

/**
 * The input for a field (for a date: the input in its .date-control with the calendar button).
 * `name` is the full path ("targets[0].indicator"), `sub` the row field name.
 */
export function makeInput(field, name, id, value, ctx) {
  const base = { id, name, dataset: { sub: field.sub || null } };
  if (field.required) base['aria-required'] = 'true';
  switch (field.type) {
    case 'textarea':
      return h('textarea', { ...base, rows: field.rows_hint || 3, value: value == null ? '' : String(value) });
    case 'lines':
      return h('textarea', { ...base, rows: 3, value: Array.isArray(value) ? value.join('\n') : (value || '') });
    case 'date':
    case 'datetime':
      return dateControl(dateInput(base, field.type, value));
    case 'number':
      // A whole number: the browser's number box. A decimal: text, so that "2,5" can be typed as
      // Vietnamese write it (a number box refuses the comma) — read by parseDecimal.
      if (field.int) {
        return h('input', { ...base, type: 'number', min: '0', step: '1', inputmode: 'numeric', value: value == null ? '' : String(value) });
      }
      return h('input', {
        ...base, type: 'text', inputmode: 'decimal', autocomplete: 'off', dataset: { ...base.dataset, decimal: '1' },
        value: value == null ? '' : fmtDecimalInput(value),
      });
    case 'checkbox':
      return h('input', { ...base, type: 'checkbox', checked: !!value });
    case 'select': {
      const choices = enumValues(field.enum).map((v) => ({ value: v, label: enumLabel(field.enum, v) }));
      return selectEl(base, choices, value, !!field.optional);
    }
    case 'ref':
      return selectEl(base, refChoices(field.source, ctx), value, true);
    default:
      return h('input', {
        ...base, type: 'text', value: value == null ? '' : String(value),
        list: field.list === 'platforms' ? 'dl-platforms' : null, autocomplete: 'off',
      });
  }
}

// ---------- date fields ----------
//
// Not <input type=date>: that one follows the system's locale (11/28/2026 on an English Windows). A text
// input shows and takes dd/mm/yyyy (dd/mm/yyyy HH:mm for a date-time); data-date says which, data-iso
// holds the ISO value it stands for ('' when empty or not a date). See parseTyped in format.js.

const lastTime = new WeakMap(); // date-time input → "HH:mm" of its last good value

function timeOf(iso) {
  const m = /T(\d{2}:\d{2})/.exec(iso || '');
  return m ? m[1] : null;
}

/** Parses the input's text; '' when empty, null when it is not a date. Updates data-iso. */
function parseEl(el) {
  const withTime = el.dataset.date === 'datetime';
  const iso = parseTyped(el.value, withTime, { time: withTime ? lastTime.get(el) || null : null });
  el.dataset.iso = iso || '';
  return iso;
}

function remember(el, iso) {
  if (el.dataset.date === 'datetime' && iso) lastTime.set(el, timeOf(iso));
}

/** The text a date input shows for an ISO value. */
function display(el, iso) {
  return el.dataset.date === 'datetime' ? fmtLocal(toLocalInput(iso)) : fmtDate(toDateInput(iso));
}

/**
 * A text input for a date ('date') or local date-time ('datetime') showing `iso` as dd/mm/yyyy [HH:mm].
 * On change it rewrites what was typed the standard way, or shows a field error when it is no date.
 */
export function dateInput(attrs, type, iso) {
  const withTime = type === 'datetime';
  const el = h('input', {
    ...attrs, type: 'text', autocomplete: 'off', spellcheck: 'false', class: `date-input${withTime ? ' datetime' : ''}`,
    placeholder: withTime ? 'dd/mm/yyyy HH:mm' : 'dd/mm/yyyy', maxlength: '24',
    dataset: { ...(attrs.dataset || {}), date: type },
  });
  setDateValue(el, iso);
  el.addEventListener('input', () => { parseEl(el); });
  el.addEventListener('change', () => {
    clearFieldError(el);
    const v = parseEl(el);
    if (v === null) {
      markFieldError(el, dateErrorText(el));
      return;
    }
    remember(el, v);
    if (v !== '') {
      const shown = display(el, v);
      if (el.value !== shown) el.value = shown;
    } else if (el.value !== '') {
      el.value = '';
    }
  });
  return el;
}

/** A decimal as it is typed back into a field: "2,5". */
function fmtDecimalInput(v) {
  const n = Number(v);
  return Number.isFinite(n) ? String(n).replace('.', ',') : String(v);
}

/** Puts an ISO date or local date-time into a date input. */
export function setDateValue(el, iso) {
  const v = el.dataset.date === 'datetime' ? toLocalInput(iso) : toDateInput(iso);
  el.value = v ? display(el, v) : '';
  el.dataset.iso = v;
  remember(el, v);
}

/** Puts text (a draft, or a value kept across a language switch) into a date input, tidied when it is a date. */
export function setDateText(el, text) {
  el.value = String(text ?? '');
  const v = parseEl(el);
  if (v) { el.value = display(el, v); remember(el, v); }
  else if (v === null) markFieldError(el, dateErrorText(el));
}

/** What is wrong with the text of a date input that is not a date: no such day, or not written as one. */
export function dateErrorText(el) {
  const withTime = el.dataset.date === 'datetime';
  const why = dateProblem(el.value, withTime);
  if (why === 'no_such_day') return t('form.no_such_day', { text: el.value.trim() });
  if (why === 'no_such_time') return t('form.no_such_time', { text: el.value.trim() });
  return t(withTime ? 'form.bad_datetime' : 'form.bad_date');
}

/** The ISO value of a date input: '' when empty, null when what it holds is not a date. */
export function readDateValue(el) {
  return parseEl(el);
}

/** The date input with its calendar button (datepicker.js), as one inline block. */
export function dateControl(input) {
  return attachPicker(input);
}

/** A labelled field: <div class="field" data-field=name><label/><input/></div>. */
export function buildField(kind, field, value, ctx, prefix = 'f') {
  if (field.type === 'repeat' || field.type === 'repeat-one') return buildRepeat(kind, field, value, ctx, prefix);
  const id = fieldId(prefix, field.name);
  const label = field.label || fieldLabel(kind, field.name);
  const input = makeInput(field, field.name, id, value, ctx);
  const cls = ['field', `t-${field.type}`, field.wide ? 'wide' : ''].filter(Boolean).join(' ');
  if (field.type === 'checkbox') {
    return h('div', { class: cls, dataset: { field: field.name } }, h('label', { class: 'check', for: id }, input, ' ', label));
  }
  return h('div', { class: cls, dataset: { field: field.name } },
    h('label', { for: id }, label, field.required ? h('span', { class: 'req', title: t('form.required'), text: ' *' }) : null),
    input,
    field.type === 'lines' ? h('div', { class: 'hint', text: t('form.lines_hint') }) : null);
}

/** The repeatable-row editor for arrays of objects (rows) or of scalars (of). */
function buildRepeat(kind, field, value, ctx, prefix) {
  const items = Array.isArray(value) ? value : [];
  const rowsEl = h('div', { class: 'repeat-rows' });
  const empty = h('p', { class: 'repeat-empty muted', text: t('form.no_rows') });
  const wrap = h('div', { class: 'field wide repeat', dataset: { field: field.name, repeat: field.name } },
    h('div', { class: 'repeat-label', text: field.label || fieldLabel(kind, field.name) }),
    empty, rowsEl);

  const sync = () => {
    renumber(rowsEl, field.name, prefix);
    empty.hidden = rowsEl.children.length > 0;
  };
  const addRow = (item) => {
    const row = h('div', { class: 'repeat-row' });
    const subs = field.rows || [{ ...field.of, name: '' }];
    for (const sub of subs) {
      const subField = { ...sub, sub: sub.name || '_' };
      const v = field.rows ? (item ? item[sub.name] : undefined) : item;
      const input = makeInput(subField, '', '', v, ctx);
      const label = field.rows ? fieldLabel(kind, `${field.name}.${sub.name}`) : fieldLabel(kind, field.name);
      const cls = ['field', 'sub', `t-${sub.type}`, sub.wide ? 'wide' : ''].filter(Boolean).join(' ');
      row.appendChild(sub.type === 'checkbox'
        ? h('div', { class: cls }, h('label', { class: 'check' }, input, ' ', label))
        : h('div', { class: cls }, h('label', null, label), input));
    }
    row.appendChild(h('button', {
      type: 'button', class: 'remove-row small', title: t('form.remove_row'), 'aria-label': t('form.remove_row'),
      text: '✕',
      onclick: () => { row.remove(); sync(); },
    }));
    rowsEl.appendChild(row);
    sync();
    return row;
  };
  for (const item of items) addRow(item);
  wrap.appendChild(h('button', {
    type: 'button', class: 'add-row small', dataset: { add: field.name }, text: t('form.add_row'),
    onclick: () => {
      const row = addRow(null);
      const first = row.querySelector('input, select, textarea');
      if (first) first.focus();
    },
  }));
  sync();
  return wrap;
}

/** Names rows in DOM order: targets[0].indicator, targets[1].indicator … (or ids[0] for scalars). */
function renumber(rowsEl, base, prefix) {
  [...rowsEl.children].forEach((row, i) => {
    row.dataset.index = String(i);
    for (const el of row.querySelectorAll('[data-sub]')) {
      const sub = el.dataset.sub;
      el.name = sub === '_' ? `${base}[${i}]` : `${base}[${i}].${sub}`;
      el.id = fieldId(prefix, el.name);
      const label = el.closest('.field').querySelector('label');
      if (label && !label.classList.contains('check')) label.htmlFor = el.id;
    }
  });
}
