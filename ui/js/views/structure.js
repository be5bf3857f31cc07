// "Sắp xếp tổ chức" (#/structure): the level above records a change of the structure under it — units
// merged into one (an existing unit, or a new one picked from the official list), a unit split, renamed,
// dissolved, or moved under another unit — from a date. "Xem trước" shows the year's report before and
// after; "Áp dụng" writes it as one change; "Hoàn tác" takes it back until it is sent.

import * as ipc from '../ipc.js';
import { h, replace, markFieldError, clearFieldError } from '../dom.js';
import { t } from '../i18n.js';
import { fmtNumber } from '../format.js';
import { dateInput, dateControl, readDateValue, dateErrorText } from '../fields.js';
import { officialPicker } from '../official.js';

const CHANGES = ['merged', 'split', 'renamed', 'dissolved', 'moved'];
const NEW = '__new__';

function checkList(id, units) {
  return h('div', { id, class: 'check-list', role: 'group' },
    units.map((u) => h('label', { class: 'check', dataset: { unit: u.id, code: u.code || '' } },
      h('input', { type: 'checkbox', value: u.id }), h('span', { text: u.name }))));
}

const ticked = (list) => Array.from(list.querySelectorAll('input:checked')).map((i) => i.value);

function previewTable(rows, captionKey) {
  return h('table', { class: 'grid structure-preview', dataset: { side: captionKey } },
    h('caption', { text: t(captionKey) }),
    h('thead', null, h('tr', null,
      h('th', { scope: 'col', text: t('structure.row') }),
      h('th', { scope: 'col', class: 'num', text: t('dash.events') }),
      h('th', { scope: 'col', class: 'num', text: t('dash.participants') }))),
    h('tbody', null, rows.length
      ? rows.map((r) => h('tr', null, h('td', { text: r.name }), h('td', { class: 'num', text: fmtNumber(r.events) }), h('td', { class: 'num', text: fmtNumber(r.participants) })))
      : h('tr', { class: 'empty' }, h('td', { colspan: '3', text: t('dash.empty') }))));
}

export async function render(root, params, app) {
  let units = [];
  try {
    const opts = await app.getOptions();
    const own = app.status && app.status.unit && app.status.unit.id;
    // Units that still stand: one already merged, split or dissolved is not decided on again here.
    units = (opts.units || []).filter((u) => u.id !== own && !u.endedOn);
  } catch (err) {
    if (app.handleGlobalError(err)) return null;
    throw err;
  }

  const change = h('select', { id: 'structure-change', name: 'change' },
    CHANGES.map((c) => h('option', { value: c, text: t(`structure.change.${c}`) })));
  const olds = checkList('structure-units', units);
  const into = h('select', { id: 'structure-into', name: 'into' },
    h('option', { value: '', text: t('structure.pick') }),
    units.map((u) => h('option', { value: u.id, text: u.name })),
    h('option', { value: NEW, text: t('structure.new_unit') }));
  // A new unit: its name and code, typed or picked from the official list of 2025.
  let picked = null;
  const official = officialPicker('structure-official', (u) => {
    picked = u;
    newName.value = u.name;
    newCode.value = u.code;
  });
  const newName = h('input', { type: 'text', id: 'structure-new-name', name: 'new_unit.name', autocomplete: 'off' });
  const newCode = h('input', { type: 'text', id: 'structure-new-code', name: 'new_unit.code', autocomplete: 'off', class: 'mono' });
  const newBox = h('fieldset', { id: 'structure-new', class: 'section', hidden: true },
    h('legend', { text: t('structure.new_unit') }),
    official.el,
    h('div', { class: 'field' }, h('label', { for: newName.id, text: t('structure.new_name') }), newName),
    h('div', { class: 'field' }, h('label', { for: newCode.id, text: t('structure.new_code') }), newCode));
  const others = checkList('structure-others', units);
  const othersBox = h('div', { class: 'field', hidden: true }, h('span', { class: 'label', text: t('structure.others') }), others);
  const rename = h('input', { type: 'text', id: 'structure-rename', name: 'new_name', autocomplete: 'off' });
  const renameBox = h('div', { class: 'field', hidden: true }, h('label', { for: rename.id, text: t('structure.rename') }), rename);
  const date = dateInput({ id: 'structure-date', name: 'date' }, 'date', '');
  const intoLabel = h('label', { for: into.id });
  const intoBox = h('div', { class: 'field' }, intoLabel, into);
  const previewBtn = h('button', { type: 'button', id: 'structure-preview', text: t('structure.preview') });
  const applyBtn = h('button', { type: 'button', id: 'structure-apply', class: 'primary', text: t('structure.apply') });
  const banner = h('div', { id: 'structure-banner', class: 'banner-box', 'aria-live': 'polite' });
  const previewBox = h('div', { id: 'structure-preview-box', class: 'structure-previews' });
  const lastBox = h('div', { id: 'structure-last', class: 'banner-box', 'aria-live': 'polite' });

  root.append(
    h('div', { class: 'view-head' },
      h('div', null, h('h1', { text: t('structure.title') }), h('p', { class: 'muted', text: t('structure.intro') }))),
    lastBox,
    h('div', { class: 'structure-layout' },
      h('form', { id: 'structure-form', class: 'card', novalidate: true },
        h('div', { class: 'field' }, h('label', { for: change.id, text: t('structure.change') }), change),
        h('div', { class: 'field' }, h('span', { class: 'label', id: 'structure-units-label', text: t('structure.units') }), olds),
        intoBox, newBox, othersBox, renameBox,
        h('div', { class: 'field' }, h('label', { for: date.id, text: t('structure.date') }), dateControl(date),
          h('div', { class: 'hint', text: t('structure.date_hint') })),
        banner,
        h('div', { class: 'actions' }, previewBtn, applyBtn)),
      previewBox));

  // What each kind of change asks for.
  const shape = () => {
    const c = change.value;
    const needsInto = c === 'merged' || c === 'split' || c === 'moved';
    intoBox.hidden = !needsInto;
    intoLabel.textContent = t(`structure.into.${c === 'moved' ? 'moved' : c === 'split' ? 'split' : 'merged'}`);
    into.querySelector(`option[value="${NEW}"]`).hidden = c === 'moved';
    if (c === 'moved' && into.value === NEW) into.value = '';
    newBox.hidden = !(needsInto && into.value === NEW);
    othersBox.hidden = c !== 'split';
    renameBox.hidden = c !== 'renamed';
  };
  change.addEventListener('change', shape);
  into.addEventListener('change', shape);
  shape();


  const decision = () => {
    for (const el of [date, newName, newCode, rename, into]) clearFieldError(el);
    const c = change.value;
    const d = { change: c, units: ticked(olds), date: readDateValue(date) || '' };
    if (!intoBox.hidden && into.value && into.value !== NEW) d.into = into.value;
    if (!newBox.hidden) {
      d.new_unit = { name: newName.value.trim(), code: newCode.value.trim(), level: picked ? picked.level : 'grassroots' };
      if (picked) Object.assign(d.new_unit, { place: picked.place, upper_body: picked.upper_body });
    }
    if (c === 'split') d.others = ticked(others);
    if (c === 'renamed') d.new_name = rename.value.trim();
    return d;
  };
  // A date that is not one is said at the field, before anything is asked of the store.
  const dateOk = () => {
    if (readDateValue(date) !== null) return true;
    const message = dateErrorText(date);
    markFieldError(date, message);
    replace(banner, h('div', { class: 'banner error', role: 'alert', text: `${t('structure.date')}: ${message}` }));
    date.focus();
    return false;
  };
  const showError = (err) => {
    if (app.handleGlobalError(err)) return;
    const target = { date, new_name: rename, into, name: newName, code: newCode }[err.field];
    if (target && !target.closest('[hidden]')) markFieldError(target, app.errorText(err));
    replace(banner, h('div', { class: 'banner error', role: 'alert', text: app.errorText(err) }));
  };

  previewBtn.addEventListener('click', async () => {
    banner.replaceChildren();
    if (!dateOk()) return;
    previewBtn.disabled = true;
    try {
      const p = await ipc.restructurePreview(decision());
      replace(previewBox, h('p', { class: 'muted', id: 'structure-preview-period', text: t('structure.preview_of', { period: (p.period && p.period.label) || '' }) }),
        previewTable(p.before || [], 'structure.before'), previewTable(p.after || [], 'structure.after'));
      previewBox.dataset.state = 'ready';
    } catch (err) {
      showError(err);
    } finally {
      previewBtn.disabled = false;
    }
  });

  const showLast = (last) => {
    if (!last) { lastBox.replaceChildren(); return; }
    const what = t('structure.done', { change: t(`structure.change.${last.change}`).toLowerCase(), names: (last.names || []).join(', ') });
    const undo = h('button', { type: 'button', id: 'structure-undo', class: 'small', text: t('structure.undo') });
    undo.addEventListener('click', async () => {
      undo.disabled = true;
      try {
        await ipc.restructureUndo();
        app.invalidateOptions();
        replace(lastBox, h('div', { class: 'banner ok', id: 'structure-undone', role: 'status', text: t('structure.undone', { names: (last.names || []).join(', ') }) }));
      } catch (err) {
        undo.disabled = false;
        showError(err);
      }
    });
    replace(lastBox, h('div', { class: 'banner ok', id: 'structure-done', role: 'status', dataset: { sent: last.sent ? 'true' : 'false' } },
      h('span', { text: what }), ' ',
      last.sent ? h('span', { class: 'muted', text: t('structure.sent') }) : undo));
  };

  applyBtn.addEventListener('click', async () => {
    banner.replaceChildren();
    if (!dateOk()) return;
    applyBtn.disabled = true;
    try {
      const last = await ipc.restructureApply(decision());
      app.invalidateOptions();
      showLast(last);
    } catch (err) {
      showError(err);
    } finally {
      applyBtn.disabled = false;
    }
  });

  try { showLast(await ipc.restructureLast()); } catch (_) { /* nothing to show */ }
  return null;
}
