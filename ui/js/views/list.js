// A list of records of one kind (list_records): search, filters, sort and pages of 50.

import * as ipc from '../ipc.js';
import { h, replace, debounce, clearFieldError } from '../dom.js';
import { t, enumLabel, enumValues, fieldLabel } from '../i18n.js';
import { fmtNumber, reversedRange } from '../format.js';
import { KIND_NAV, STATUS_ENUM, STATUS_FIELD } from '../schema.js';
import { COLUMNS } from './columns.js';
import { clipCount } from './evidence.js';
import { hasEvidence, attachmentCount } from '../evidence.js';
import { dateInput, dateControl, readDateValue, setDateValue } from '../fields.js';

export const PAGE_SIZE = 50;

// Filters per kind, kept while the app runs so that "back" returns to the same page.
const states = {};

function stateOf(kind) {
  if (!states[kind]) {
    states[kind] = { search: '', from: '', to: '', status: '', event_type: '', unit_id: '', sort: 'date', desc: true, page: 0 };
  }
  return states[kind];
}

function filtered(s) {
  return !!(s.search || s.from || s.to || s.status || s.event_type || s.unit_id);
}

function select(id, label, choices, value) {
  const sel = h('select', { id }, choices.map((c) => h('option', { value: c.value, text: c.label })));
  sel.value = value;
  return h('label', { class: 'filter', for: id }, h('span', { text: label }), sel);
}

/** A date filter: dd/mm/yyyy typed (or picked), its error shown under it. */
function dateFilter(input, label) {
  return h('div', { class: 'filter date-filter' }, h('label', { for: input.id, text: label }), dateControl(input));
}

export async function render(root, params, app) {
  const kind = params.kind;
  const s = stateOf(kind);
  const nav = KIND_NAV[kind];
  const columns = COLUMNS[kind];

  const search = h('input', {
    type: 'search', id: 'list-search', value: s.search, placeholder: t('list.search_ph'),
    autocomplete: 'off', 'aria-label': t('list.search'),
  });
  const from = dateInput({ id: 'list-from' }, 'date', s.from);
  const to = dateInput({ id: 'list-to' }, 'date', s.to);
  const all = { value: '', label: t('list.all') };
  const statusEnum = STATUS_ENUM[kind];
  const statusLabel = STATUS_FIELD[kind] ? fieldLabel(kind, STATUS_FIELD[kind]) : (kind === 'practice' ? t('col.recognition') : t('list.status'));
  const statusF = select('list-status', statusLabel,
    [all, ...enumValues(statusEnum).map((v) => ({ value: v, label: enumLabel(statusEnum, v) }))], s.status);
  const typeF = kind === 'event'
    ? select('list-event-type', t('list.event_type'),
      [all, ...enumValues('event_type').map((v) => ({ value: v, label: enumLabel('event_type', v) }))], s.event_type)
    : null;
  const unitF = select('list-unit', t('list.unit'), [all], '');
  const sortF = select('list-sort', t('list.sort'),
    ['date', 'title', 'updated'].map((v) => ({ value: v, label: t(`list.sort.${v}`) })), s.sort);
  const orderF = select('list-order', t('list.order'),
    [{ value: 'desc', label: t('list.order.desc') }, { value: 'asc', label: t('list.order.asc') }], s.desc ? 'desc' : 'asc');
  const clearBtn = h('button', { type: 'button', id: 'list-clear', class: 'link', text: t('list.clear') });

  const bannerBox = h('div', { class: 'banner-box' });
  const tbody = h('tbody');
  const table = h('table', { id: 'list-table', class: 'grid records', dataset: { kind } },
    h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col', class: c.cls || null, text: c.field ? fieldLabel(kind, c.field) : t(c.label) })))),
    tbody);
  const emptyMsg = h('p', { id: 'list-empty', class: 'empty-state', hidden: true });
  const rangeEl = h('span', { id: 'list-range', class: 'range' });
  const prev = h('button', { type: 'button', id: 'list-prev', text: t('list.prev') });
  const next = h('button', { type: 'button', id: 'list-next', text: t('list.next') });
  const pager = h('div', { class: 'pager' }, prev, rangeEl, next);

  root.append(
    h('div', { class: 'view-head' },
      h('h1', { text: t(`nav.${nav}`) }),
      h('div', { class: 'controls' },
        h('button', { type: 'button', id: 'new-record', class: 'primary', text: t('list.new'),
          onclick: () => app.go(`#/${nav}/new`) }))),
    h('div', { class: 'filters card', role: 'search', 'aria-label': t('list.filters') },
      h('div', { class: 'filters-row' },
        h('label', { class: 'filter search', for: 'list-search' }, h('span', { text: t('list.search') }), search),
        sortF, orderF, clearBtn),
      h('div', { class: 'filters-row' },
        dateFilter(from, t('list.from')),
        dateFilter(to, t('list.to')),
        statusF, typeF, unitF)),
    bannerBox,
    h('div', { class: 'table-wrap' }, table),
    emptyMsg,
    pager);

  const unitSel = unitF.querySelector('select');
  const unitNames = new Map();
  const ownUnit = app.status && app.status.unit ? app.status.unit.id : null;
  const cellCtx = { unitName: (id) => (id ? unitNames.get(id) || id : '') };
  try {
    const opts = await app.getOptions();
    for (const u of opts.units || []) {
      unitNames.set(u.id, u.name);
      unitSel.appendChild(h('option', { value: u.id, text: u.name }));
    }
    unitSel.value = s.unit_id;
    if (unitSel.value !== s.unit_id) s.unit_id = '';
  } catch (err) {
    if (app.handleGlobalError(err)) return null;
  }

  let seq = 0;
  let total = 0;
  let capped = false; // a search stopped counting: at least `total` matches
  const load = async () => {
    const mine = ++seq;
    root.dataset.loading = 'true';
    const query = { kind, sort: s.sort, desc: s.desc, page: s.page, page_size: PAGE_SIZE }; // page counts from 0
    for (const k of ['search', 'from', 'to', 'status', 'event_type', 'unit_id']) if (s[k]) query[k] = s[k];
    if (kind !== 'event') delete query.event_type;
    try {
      const res = await ipc.listRecords(query);
      if (mine !== seq) return;
      bannerBox.replaceChildren();
      show(res);
    } catch (err) {
      if (mine !== seq || app.handleGlobalError(err)) return;
      bannerBox.replaceChildren(h('div', { class: 'banner error', role: 'alert', text: app.errorText(err) }));
    } finally {
      if (mine === seq) delete root.dataset.loading;
    }
  };

  const open = (id) => app.go(`#/${nav}/${encodeURIComponent(id)}`);
  // A row is the whole record: the number of evidence files beside the title costs nothing to show.
  const withFiles = hasEvidence(kind);
  const cell = (c, r) => {
    const td = h('td', { class: c.cls || null, text: c.get(r, cellCtx) });
    const n = withFiles && c.cls === 'title' ? attachmentCount(r) : 0;
    if (n) td.append(' ', clipCount(n));
    return td;
  };

  const show = (res) => {
    const rows = res.rows || [];
    total = Number(res.total) || 0;
    capped = Boolean(res.total_capped);
    const page = Number.isInteger(res.page) ? res.page : s.page;
    const size = Number(res.page_size) || PAGE_SIZE;
    if (!rows.length && total > 0 && s.page > 0) {
      // The page went away (records deleted): go to the last one.
      s.page = Math.max(0, Math.ceil(total / size) - 1);
      load();
      return;
    }
    replace(tbody, rows.map((r) => h('tr', {
      class: 'record-row', tabindex: '0',
      // data-owner: the unit that may change the record; data-foreign when that is not this one.
      dataset: { id: r.id, owner: r.owner_unit || null, foreign: ownUnit && r.owner_unit && r.owner_unit !== ownUnit ? 'true' : null },
      onclick: () => open(r.id),
      onkeydown: (e) => { if (e.key === 'Enter') open(r.id); },
    }, columns.map((c) => cell(c, r)))));
    table.hidden = rows.length === 0;
    emptyMsg.hidden = rows.length > 0;
    // "Nothing found" for a from–to the wrong way round would hide the reason: say it.
    emptyMsg.textContent = reversedRange(s.from, s.to) ? t('list.reversed_range') : (filtered(s) ? t('list.empty_filtered') : t('list.empty'));
    const first = rows.length ? page * size + 1 : 0;
    const last = rows.length ? first + rows.length - 1 : 0;
    rangeEl.textContent = t('list.range', { from: fmtNumber(first), to: fmtNumber(last), total: fmtNumber(total) + (capped ? '+' : '') });
    pager.hidden = total === 0;
    prev.disabled = page <= 0;
    next.disabled = !capped && (page + 1) * size >= total;
  };

  const changed = () => { s.page = 0; load(); };
  const debounced = debounce(() => { s.search = search.value.trim(); changed(); }, 200);
  search.addEventListener('input', debounced);
  search.addEventListener('keydown', (e) => { if (e.key === 'Enter') debounced.flush(); });
  const bind = (el, key, map = (v) => v) => el.addEventListener('change', () => { s[key] = map(el.value); changed(); });
  // A date that is not one shows its error under the filter (fields.js) and is not applied.
  for (const [el, key] of [[from, 'from'], [to, 'to']]) {
    el.addEventListener('change', () => {
      const v = readDateValue(el);
      if (v === null || v === s[key]) return;
      s[key] = v;
      changed();
    });
  }
  bind(statusF.querySelector('select'), 'status');
  if (typeF) bind(typeF.querySelector('select'), 'event_type');
  bind(unitSel, 'unit_id');
  // A new sort starts in its natural order: dates and updates newest first, titles A to Z.
  sortF.querySelector('select').addEventListener('change', (e) => {
    s.sort = e.target.value;
    s.desc = s.sort !== 'title';
    orderF.querySelector('select').value = s.desc ? 'desc' : 'asc';
    changed();
  });
  bind(orderF.querySelector('select'), 'desc', (v) => v === 'desc');
  prev.addEventListener('click', () => { if (s.page > 0) { s.page -= 1; load(); } });
  next.addEventListener('click', () => { if (capped || (s.page + 1) * PAGE_SIZE < total) { s.page += 1; load(); } });
  clearBtn.addEventListener('click', () => {
    Object.assign(s, { search: '', from: '', to: '', status: '', event_type: '', unit_id: '', page: 0 });
    search.value = ''; unitSel.value = '';
    for (const el of [from, to]) { setDateValue(el, ''); clearFieldError(el); }
    statusF.querySelector('select').value = '';
    if (typeF) typeF.querySelector('select').value = '';
    load();
  });

  await load();
  search.focus();
  return { destroy: () => debounced.cancel() };
}
