// First run, four choices: create your unit (setup_unit), make this laptop another computer of a unit
// from that unit's connection file (enrol_read, then enrol_join once the fingerprint is confirmed), restore
// the old laptop's backup, or open the demo data (setup_demo). Creating a unit goes on to the connect
// screen (#/connect/new). Before the first three create anything, the officer sets the passphrase the data
// is encrypted under and is shown its recovery code once (views/lock.js, ensureVault); a restore asks for
// the backup's own passphrase or recovery code instead.

import * as ipc from '../ipc.js';
import { h, replace, markFieldError } from '../dom.js';
import { officialPicker } from '../official.js';
import { t, enumLabel, enumValues } from '../i18n.js';
import { clearErrors, showInvalid, rawValues, setRawValues, watchErrors, clearFieldError } from '../formdata.js';
import { ensureVault } from './lock.js';
import { folderPicker, readInto } from './connect.js';
import { restoreCard } from './restore.js';

/** "Đoàn xã Đông Hưng" → "DOAN-XA-DONG-HUNG": a code suggestion while the code is untouched. */
export function suggestCode(name) {
  return String(name)
    .normalize('NFD').replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'D')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
}

function row(id, name, labelKey, input, hintKey, wide = false) {
  input.id = id;
  input.name = name;
  return h('div', { class: wide ? 'field wide' : 'field', dataset: { field: name } },
    h('label', { for: id, text: t(labelKey) }),
    input,
    hintKey ? h('div', { class: 'hint', text: t(hintKey) }) : null);
}

export function render(root, params, app, restore) {
  const name = h('input', { type: 'text', autocomplete: 'off', required: true, 'aria-required': 'true', placeholder: t('setup.name_hint') });
  const code = h('input', { type: 'text', autocomplete: 'off', required: true, 'aria-required': 'true', class: 'mono' });
  const kind = h('select', null, enumValues('unit_kind').map((v) => h('option', { value: v, text: enumLabel('unit_kind', v) })));
  kind.value = 'grassroots';
  const upper = h('input', { type: 'text', autocomplete: 'off', placeholder: t('setup.upper_hint') });
  const place = h('input', { type: 'text', autocomplete: 'off', placeholder: t('setup.place_hint') });
  const bannerBox = h('div', { class: 'banner-box', id: 'setup-banner' });
  const submit = h('button', { type: 'submit', id: 'setup-submit', class: 'primary big', text: t('setup.submit') });
  const demo = h('button', { type: 'button', id: 'setup-demo', class: 'big', text: t('setup.demo') });

  let codeTouched = false;
  name.addEventListener('input', () => {
    if (!codeTouched) { code.value = suggestCode(name.value); clearFieldError(code); }
  });
  code.addEventListener('input', () => { codeTouched = code.value !== ''; });

  // Picked from the official 2025 list instead of typed: the Union's name, the GSO code, the place and
  // the body above, each still editable.
  const official = officialPicker('setup-official', (u) => {
    name.value = u.name;
    code.value = u.code;
    codeTouched = true;
    kind.value = u.level;
    upper.value = u.upper_body;
    place.value = u.place;
    for (const el of [name, code]) clearFieldError(el);
  });
  const form = h('form', { id: 'setup-form', class: 'card form-grid', novalidate: true },
    h('h2', { class: 'wide setup-choice-h', text: t('setup.create_title') }),
    official.el,
    row('setup-name', 'name', 'setup.name', name, null, true),
    row('setup-code', 'code', 'setup.code', code, 'setup.code_hint'),
    row('setup-kind', 'level', 'setup.kind', kind),
    row('setup-upper', 'upper_body', 'setup.upper', upper),
    row('setup-place', 'place', 'setup.place', place),
    h('div', { class: 'actions wide' }, submit));

  watchErrors(form);
  const joinOpen = h('button', { type: 'button', id: 'setup-join', class: 'big', text: t('setup.join') });
  const busy = (on) => { submit.disabled = on; demo.disabled = on; joinOpen.disabled = on; };

  const fail = (err) => {
    if (app.handleGlobalError(err)) return;
    if (err.code === 'already_initialized') { done('#/dashboard'); return; }
    if (showInvalid(form, err)) return;
    bannerBox.replaceChildren(h('div', { class: 'banner error', role: 'alert', text: app.errorText(err) }));
  };

  const done = async (next) => {
    app.invalidateOptions();
    try {
      await app.refreshStatus();
    } catch (e) { fail(e); return; }
    app.go(next);
  };

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    bannerBox.replaceChildren();
    const unit = { name: name.value.trim(), code: code.value.trim(), level: kind.value };
    if (upper.value.trim()) unit.upper_body = upper.value.trim();
    if (place.value.trim()) unit.place = place.value.trim();
    // The name and the code first: the passphrase is asked only for a unit that can be created.
    const missing = [[name, unit.name], [code, unit.code]].filter(([, v]) => !v).map(([el]) => el);
    for (const el of missing) markFieldError(el, t('setup.required'));
    if (missing.length) { missing[0].focus(); return; }
    busy(true);
    try {
      if (!(await ensureVault(app))) return;
      await ipc.setupUnit(unit);
      // Next: connect with the upper level (offered, not required).
      await done('#/connect/new');
    } catch (err) {
      fail(err);
    } finally {
      busy(false);
    }
  });

  demo.addEventListener('click', async () => {
    bannerBox.replaceChildren();
    busy(true);
    try {
      if (!(await ensureVault(app))) return;
      await ipc.setupDemo();
      await done('#/dashboard');
    } catch (err) {
      fail(err);
    } finally {
      busy(false);
    }
  });

  // ---- another laptop of a unit that already uses Sotay: its connection file, from a stick or folder
  const picker = folderPicker('setup-join', app);
  const joinRead = h('button', { type: 'button', id: 'setup-join-read', class: 'primary', text: t('connect.read') });
  const joinFiles = h('div', { id: 'setup-join-files', class: 'enrol-files', 'aria-live': 'polite' });
  const joinPanel = h('div', { id: 'setup-join-panel', class: 'setup-join-panel', hidden: true },
    h('p', { class: 'hint', text: t('setup.join_steps') }),
    picker.el,
    h('div', { class: 'actions' }, joinRead),
    joinFiles);
  const joinCard = h('section', { class: 'setup-join card' },
    h('h2', { class: 'setup-choice-h', text: t('setup.join_title') }),
    h('p', { class: 'hint', text: t('setup.join_hint') }),
    joinOpen,
    joinPanel);
  joinOpen.addEventListener('click', async () => {
    // The unit's file is read into this laptop's data: the passphrase first.
    busy(true);
    let ready = false;
    try { ready = await ensureVault(app); } finally { busy(false); }
    if (!ready) return;
    joinPanel.hidden = false;
    joinOpen.hidden = true;
    joinCard.classList.add('open');
    picker.input.focus();
  });
  const joinOptions = () => ({
    confirmKey: 'setup.join_confirm',
    onCancel: () => replace(joinFiles, h('p', { class: 'banner info', id: 'setup-join-cancelled', role: 'status', text: t('connect.cancelled') })),
    onConfirm: async (f) => {
      await ipc.enrolJoin(f.file, f.fingerprint);
      await done('#/dashboard');
    },
  });
  joinRead.addEventListener('click', async () => {
    bannerBox.replaceChildren();
    joinRead.disabled = true;
    try { await readInto(picker, joinFiles, app, joinOptions); } finally { joinRead.disabled = false; }
  });

  root.append(
    h('div', { class: 'setup' },
      h('h1', { text: t('setup.title') }),
      h('p', { class: 'lead', text: t('setup.intro') }),
      bannerBox,
      form,
      h('div', { class: 'setup-others' },
        joinCard,
        // A new laptop in place of a broken or lost one: the old laptop's backup brings everything back.
        restoreCard(app, () => done('#/dashboard'), { firstRun: true }),
        h('section', { class: 'setup-demo card' },
          h('h2', { class: 'setup-choice-h', text: t('setup.demo_title') }),
          demo,
          h('p', { class: 'hint', text: t('setup.demo_hint') })))));

  if (restore) { setRawValues(form, restore); codeTouched = !!restore.code && restore.code !== suggestCode(restore.name || ''); }
  name.focus();
  return { snapshot: () => rawValues(form) };
}
