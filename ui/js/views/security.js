// "Bảo mật" (#/security): the lock's settings — the minutes before the window locks itself, a new
// passphrase (the current one asked again), and whether the data's key is also sealed to the upper unit
// so that the province can open a backup when both the passphrase and the recovery code are lost.

import * as ipc from '../ipc.js';
import { h, toast, markFieldError, clearFieldError } from '../dom.js';
import { t } from '../i18n.js';
import { newPassphraseProblems, parseIdleMinutes, IDLE_MIN, IDLE_MAX } from '../vault.js';

function passInput(id, autocomplete) {
  return h('input', { type: 'password', id, name: id, autocomplete, spellcheck: 'false' });
}

function field(input, labelKey, hintKey = null) {
  return h('div', { class: 'field', dataset: { field: input.id } },
    h('label', { for: input.id, text: t(labelKey) }),
    input,
    hintKey ? h('div', { class: 'hint', text: t(hintKey) }) : null);
}

export async function render(root, params, app) {
  let settings;
  let peers = [];
  try {
    [settings, peers] = await Promise.all([
      ipc.vaultSettings(),
      ipc.enrolStatus().then((s) => s.peers).catch(() => []),
    ]);
  } catch (err) {
    if (app.handleGlobalError(err)) return null;
    throw err;
  }

  const banner = (box, err) => box.replaceChildren(h('div', { class: 'banner error', role: 'alert', text: app.errorText(err) }));

  // ---- the idle lock
  const idle = h('input', { type: 'number', id: 'sec-idle', name: 'idle_minutes', min: IDLE_MIN, max: IDLE_MAX, step: 1, inputmode: 'numeric', value: String(settings.idle_minutes) });
  const idleSave = h('button', { type: 'submit', id: 'sec-idle-save', class: 'primary', text: t('security.save') });
  const idleBox = h('div', { class: 'banner-box', id: 'sec-idle-banner' });
  const idleForm = h('form', { id: 'sec-idle-form', class: 'security-row', novalidate: true },
    field(idle, 'security.idle', 'security.idle_hint'), h('div', { class: 'actions' }, idleSave));
  idleForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFieldError(idle);
    idleBox.replaceChildren();
    const m = parseIdleMinutes(idle.value);
    if (m === null) { markFieldError(idle, t('security.idle_range', { min: IDLE_MIN, max: IDLE_MAX })); idle.focus(); return; }
    idleSave.disabled = true;
    try {
      settings = await ipc.vaultSettings({ idleMinutes: m });
      idle.value = String(settings.idle_minutes);
      app.idleChanged(settings);
      toast(t('security.idle_saved', { n: settings.idle_minutes }));
    } catch (err) {
      if (!app.handleGlobalError(err)) {
        if (err.code === 'invalid') markFieldError(idle, err.message); else banner(idleBox, err);
      }
    } finally {
      idleSave.disabled = false;
    }
  });

  // ---- a new passphrase
  const current = passInput('sec-current', 'current-password');
  const fresh = passInput('sec-new', 'new-password');
  const again = passInput('sec-new-repeat', 'new-password');
  const change = h('button', { type: 'submit', id: 'sec-change', class: 'primary', text: t('security.change') });
  const changeBox = h('div', { class: 'banner-box', id: 'sec-change-banner' });
  const changeForm = h('form', { id: 'sec-change-form', class: 'form-grid security-change', novalidate: true, autocomplete: 'off' },
    field(current, 'security.current'),
    field(fresh, 'vault.new_passphrase', 'vault.passphrase_hint'),
    field(again, 'vault.repeat'),
    h('div', { class: 'wide' }, changeBox, h('div', { class: 'actions' }, change)));
  for (const i of [current, fresh, again]) i.addEventListener('input', () => clearFieldError(i));
  changeForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    for (const i of [current, fresh, again]) clearFieldError(i);
    changeBox.replaceChildren();
    if (!current.value) markFieldError(current, t('lock.err_empty'));
    for (const p of newPassphraseProblems(fresh.value, again.value)) markFieldError(p.field === 'repeat' ? again : fresh, t(p.key));
    const first = changeForm.querySelector('[aria-invalid=true]');
    if (first) { first.focus(); return; }
    change.disabled = true;
    try {
      await ipc.vaultChange(current.value, fresh.value);
      for (const i of [current, fresh, again]) i.value = '';
      changeBox.replaceChildren(h('div', { class: 'banner ok', id: 'sec-changed', role: 'status', text: t('security.changed') }));
    } catch (err) {
      if (app.handleGlobalError(err)) return;
      if (err.code === 'wrong_secret' || err.code === 'try_later') { current.value = ''; markFieldError(current, err.message); current.focus(); } else if (err.code === 'invalid' && err.field === 'passphrase') markFieldError(fresh, err.message);
      else banner(changeBox, err);
    } finally {
      change.disabled = false;
    }
  });

  // ---- the key sealed to the upper unit
  const seal = h('input', { type: 'checkbox', id: 'sec-seal', checked: !!settings.seal_to_upper });
  const sealedTo = h('p', { id: 'sec-sealed-to', class: 'hint' });
  const sealBox = h('div', { class: 'banner-box', id: 'sec-seal-banner' });
  const showSealed = () => {
    const peer = peers.find((p) => p.installation === settings.sealed_to);
    const upper = peers.find((p) => p.role === 'upper' && !p.revoked_at);
    sealedTo.dataset.sealed = settings.sealed_to ? 'yes' : 'no';
    if (!settings.seal_to_upper) sealedTo.textContent = t('security.seal_off');
    else if (settings.sealed_to) sealedTo.textContent = t('security.sealed_to', { unit: (peer && peer.unit_name) || settings.sealed_to });
    else sealedTo.textContent = t(upper ? 'security.seal_pending' : 'security.seal_no_upper');
  };
  showSealed();
  seal.addEventListener('change', async () => {
    sealBox.replaceChildren();
    seal.disabled = true;
    try {
      settings = await ipc.vaultSettings({ sealToUpper: seal.checked });
      seal.checked = !!settings.seal_to_upper;
      showSealed();
    } catch (err) {
      seal.checked = !seal.checked;
      if (!app.handleGlobalError(err)) banner(sealBox, err);
    } finally {
      seal.disabled = false;
    }
  });

  const lockNowBtn = h('button', { type: 'button', id: 'sec-lock-now', text: t('lock.now_long'), onclick: () => app.lock() });

  root.append(
    h('div', { class: 'view-head' },
      h('div', null, h('h1', { text: t('security.title') }), h('p', { class: 'muted', text: t('security.intro') })),
      h('div', { class: 'controls' }, lockNowBtn)),
    h('div', { class: 'security-grid' },
      h('section', { class: 'card security-card', 'aria-labelledby': 'sec-idle-h' },
        h('h2', { id: 'sec-idle-h', text: t('security.idle_title') }),
        idleForm, idleBox),
      h('section', { class: 'card security-card', 'aria-labelledby': 'sec-seal-h' },
        h('h2', { id: 'sec-seal-h', text: t('security.seal_title') }),
        h('label', { class: 'check security-seal', for: 'sec-seal' }, seal, h('span', { text: t('security.seal') })),
        sealedTo,
        h('p', { class: 'hint', text: t('security.seal_hint') }),
        sealBox),
      h('section', { class: 'card security-card wide', 'aria-labelledby': 'sec-change-h' },
        h('h2', { id: 'sec-change-h', text: t('security.change_title') }),
        h('p', { class: 'hint', text: t('security.change_hint') }),
        changeForm)));

  return null;
}
