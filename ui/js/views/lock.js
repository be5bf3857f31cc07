// The lock (src-tauri/src/lock.rs): every Sotay database is encrypted, its key wrapped by the officer's
// passphrase and by a recovery code shown once. Here:
//   - the lock screen, which covers the whole page and shows nothing of the data; what was on the page
//     (a form half typed) stays in the DOM, hidden and inert, and is there again after unlocking;
//   - the idle lock: after the chosen minutes without a key, a click or a move, the open form's draft is
//     saved, the data closed (vault_lock) and the lock screen shown;
//   - the steps of setting a passphrase: on the first run (vault_create), for an older Sotay's plain data
//     (vault_convert), after a backup was opened with its recovery code; and the recovery code screen.
// Every text is set as text (dom.js h()), never as HTML.

import * as ipc from '../ipc.js';
import { h, replace, markFieldError, clearFieldError } from '../dom.js';
import { t } from '../i18n.js';
import { newPassphraseProblems, readRecoveryCode, idleMillis } from '../vault.js';

// ---------- covering the page ----------

/**
 * Puts `el` over the page: every other child of <body> is hidden (CSS, by the body class `cls`) and made
 * inert, nothing removed. Returns the function that takes the cover away and gives back what it hid.
 * Covers stack: the lock over the passphrase steps hides them too, and gives them back as they were.
 */
function coverPage(el, cls) {
  const covered = [];
  for (const child of [...document.body.children]) {
    if (child.tagName === 'SCRIPT' || child.hasAttribute('inert')) continue;
    child.setAttribute('inert', '');
    child.setAttribute('aria-hidden', 'true');
    covered.push(child);
  }
  document.body.appendChild(el);
  document.body.classList.add(cls);
  return () => {
    el.remove();
    document.body.classList.remove(cls);
    for (const c of covered) {
      c.removeAttribute('inert');
      c.removeAttribute('aria-hidden');
    }
  };
}

/** A password field: { wrap, input }, with a label and an optional hint. */
function passField(id, labelKey, { hintKey = null, autocomplete = 'new-password', mono = false } = {}) {
  const input = h('input', {
    type: 'password', id, name: id, autocomplete, spellcheck: 'false', autocapitalize: 'off',
    class: mono ? 'mono' : null,
  });
  const wrap = h('div', { class: 'field', dataset: { field: id } },
    h('label', { for: id, text: t(labelKey) }),
    input,
    hintKey ? h('div', { class: 'hint', text: t(hintKey) }) : null);
  return { wrap, input };
}

/** "Hiện mật khẩu": shows what was typed in `inputs` (a PIN typed on a Vietnamese keyboard, say). */
function showToggle(id, inputs) {
  const box = h('input', { type: 'checkbox', id });
  box.addEventListener('change', () => { for (const i of inputs) i.type = box.checked ? 'text' : 'password'; });
  return h('label', { class: 'check show-secret', for: id }, box, h('span', { text: t('vault.show') }));
}

/** Errors of a vault command beside the field they are about; false when it is about none. */
function markSecretError(err, inputs) {
  const { pass, code, fresh } = inputs;
  if (err.code === 'invalid' && err.field === 'passphrase' && (fresh || pass)) { markFieldError(fresh || pass, err.message); return true; }
  if (err.code === 'wrong_secret' || err.code === 'try_later') {
    const el = code || pass;
    // A wrong passphrase is emptied for the next try.
    if (el) { if (el === pass) el.value = ''; markFieldError(el, err.message); return true; }
  }
  return false;
}

/** The app's name with a padlock, at the top of the lock screen and of the passphrase steps. */
function brand() {
  return h('div', { class: 'lock-brand' }, h('span', { class: 'lock-icon', 'aria-hidden': 'true' }), h('span', { text: t('app.name') }));
}

// ---------- the lock screen ----------

const lock = { shown: false, uncover: null, pending: Promise.resolve() };

/** True while the lock screen is up. */
export const isLocked = () => lock.shown;

/**
 * Shows the lock screen over everything (the data was closed by vault_lock, by another command's
 * `locked`, or never opened since the window started). After the passphrase (or the recovery code and a
 * new passphrase) opened it, `app.afterUnlock()` takes the officer back to where they were.
 */
export function showLock(app) {
  if (lock.shown) return;
  lock.shown = true;
  stopIdle();
  const focused = document.activeElement;
  const scroll = window.scrollY;

  const { wrap: passWrap, input: pass } = passField('lock-passphrase', 'lock.passphrase', { autocomplete: 'current-password' });
  const unlockBtn = h('button', { type: 'submit', id: 'lock-unlock', class: 'primary big', text: t('lock.unlock') });
  const forgot = h('button', { type: 'button', id: 'lock-forgot', class: 'link', text: t('lock.forgot') });
  const banner = h('div', { class: 'banner-box', id: 'lock-banner' });
  const form = h('form', { id: 'lock-form', class: 'lock-form', novalidate: true, autocomplete: 'off' },
    passWrap,
    banner,
    h('div', { class: 'actions' }, unlockBtn, forgot));

  const { wrap: codeWrap, input: code } = passField('lock-code', 'lock.code', { hintKey: 'lock.code_hint', autocomplete: 'off', mono: true });
  code.type = 'text';
  code.placeholder = 'XXXXX-XXXXX-XXXXX-XXXXX-XXXXX';
  const { wrap: newWrap, input: fresh } = passField('lock-new', 'vault.new_passphrase', { hintKey: 'vault.passphrase_hint' });
  const { wrap: againWrap, input: again } = passField('lock-new-repeat', 'vault.repeat');
  const recoverBtn = h('button', { type: 'submit', id: 'lock-recover-submit', class: 'primary big', text: t('lock.recover_submit') });
  const back = h('button', { type: 'button', id: 'lock-back', class: 'link', text: t('lock.back') });
  const recoverBanner = h('div', { class: 'banner-box', id: 'lock-recover-banner' });
  const recover = h('form', { id: 'lock-recover', class: 'lock-form', novalidate: true, autocomplete: 'off', hidden: true },
    h('p', { class: 'hint', text: t('lock.recover_intro') }),
    codeWrap, newWrap, againWrap,
    showToggle('lock-new-show', [fresh, again]),
    recoverBanner,
    h('div', { class: 'actions' }, recoverBtn, back));

  const el = h('div', { id: 'lock-screen', class: 'cover lock-cover', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'lock-title' },
    h('div', { class: 'cover-card card lock-card' },
      brand(),
      h('h1', { id: 'lock-title', text: t('lock.title') }),
      h('p', { class: 'muted', text: t('lock.intro') }),
      form,
      recover));
  lock.uncover = coverPage(el, 'locked');
  pass.focus();

  const closeLock = () => {
    lock.shown = false;
    if (lock.uncover) lock.uncover();
    lock.uncover = null;
  };

  const opened = async () => {
    pass.value = '';
    for (const i of [code, fresh, again]) i.value = '';
    closeLock();
    window.scrollTo(0, scroll);
    if (focused && focused.isConnected && typeof focused.focus === 'function' && focused !== document.body) {
      try { focused.focus({ preventScroll: true }); } catch (_) { /* not focusable any more */ }
    }
    await app.afterUnlock();
  };

  const busy = (btn, on) => {
    btn.disabled = on;
    if (on) btn.setAttribute('aria-busy', 'true'); else btn.removeAttribute('aria-busy');
  };

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (unlockBtn.disabled) return;
    clearFieldError(pass);
    banner.replaceChildren();
    if (!pass.value) { markFieldError(pass, t('lock.err_empty')); pass.focus(); return; }
    busy(unlockBtn, true);
    try {
      // The idle lock's draft and vault_lock go first: an unlock may not be overtaken by them.
      await lock.pending;
      await ipc.vaultUnlock(pass.value);
    } catch (err) {
      busy(unlockBtn, false);
      // A file that is no Sotay data (or of a newer Sotay): said full screen, as at the start.
      if (app.isFatal(err)) { closeLock(); app.handleGlobalError(err); return; }
      if (!markSecretError(err, { pass })) banner.replaceChildren(h('div', { class: 'banner error', role: 'alert', text: app.errorText(err) }));
      pass.focus();
      return;
    }
    busy(unlockBtn, false);
    await opened();
  });

  forgot.addEventListener('click', () => {
    form.hidden = true;
    recover.hidden = false;
    code.focus();
  });
  back.addEventListener('click', () => {
    recover.hidden = true;
    form.hidden = false;
    pass.focus();
  });

  recover.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (recoverBtn.disabled) return;
    for (const i of [code, fresh, again]) clearFieldError(i);
    recoverBanner.replaceChildren();
    const typed = readRecoveryCode(code.value);
    const problems = newPassphraseProblems(fresh.value, again.value);
    if (!typed) markFieldError(code, t(code.value.trim() ? 'vault.err_code' : 'vault.err_code_missing'));
    for (const p of problems) markFieldError(p.field === 'repeat' ? again : fresh, t(p.key));
    const first = recover.querySelector('[aria-invalid=true]');
    if (first) { first.focus(); return; }
    busy(recoverBtn, true);
    try {
      await lock.pending;
      await ipc.vaultRecover(typed, fresh.value);
    } catch (err) {
      busy(recoverBtn, false);
      if (app.isFatal(err)) { closeLock(); app.handleGlobalError(err); return; }
      if (!markSecretError(err, { code, fresh })) recoverBanner.replaceChildren(h('div', { class: 'banner error', role: 'alert', text: app.errorText(err) }));
      return;
    }
    busy(recoverBtn, false);
    await opened();
  });
}

/**
 * Locks now (the top bar's button, or the idle timer): the page is covered at once, then the open form's
 * draft is saved while the data is still open, and the data is closed.
 */
export function lockNow(app) {
  if (lock.shown) return lock.pending;
  showLock(app);
  lock.pending = (async () => {
    try { await app.flushDraft(); } catch (_) { /* the form keeps what was typed in the page anyway */ }
    try { await ipc.vaultLock(); } catch (_) { /* closed already */ }
  })();
  return lock.pending;
}

// ---------- the idle lock ----------

const idle = { ms: 0, last: Date.now(), timer: null, app: null, on: false, listening: false };
const ACTIVITY = ['keydown', 'mousedown', 'mousemove', 'wheel', 'touchstart', 'touchmove'];

function activity() {
  idle.last = Date.now();
}

function schedule() {
  clearTimeout(idle.timer);
  if (!idle.on) return;
  const left = idle.ms - (Date.now() - idle.last);
  // Checked again at least each minute: a laptop waking from sleep locks at once.
  idle.timer = setTimeout(check, Math.max(100, Math.min(left, 60000)));
}

function check() {
  if (!idle.on) return;
  if (Date.now() - idle.last >= idle.ms) lockNow(idle.app);
  else schedule();
}

/** Starts (or restarts) the idle lock with the minutes of `status` (vault_status or vault_settings). */
export function startIdle(app, status) {
  if (!idle.listening) {
    for (const ev of ACTIVITY) document.addEventListener(ev, activity, { capture: true, passive: true });
    idle.listening = true;
  }
  idle.app = app;
  idle.ms = idleMillis(status);
  idle.last = Date.now();
  idle.on = true;
  schedule();
}

export function stopIdle() {
  idle.on = false;
  clearTimeout(idle.timer);
}

// ---------- setting a passphrase, and the recovery code ----------

/** A panel covering the page for the steps of setting a passphrase: { box, close }. */
function stepsCover() {
  const box = h('div', { class: 'steps-body' });
  const el = h('div', { id: 'vault-steps', class: 'cover steps-cover', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'vault-steps-title' },
    h('div', { class: 'cover-card card steps-card' }, brand(), box));
  const close = coverPage(el, 'stepping');
  return { box, close };
}

/**
 * A new passphrase typed twice, checked here (6 characters at least, the same twice) before
 * `onSubmit(passphrase)` runs; its errors are said beside the fields. `intro`: paragraphs of text.
 */
function passphraseStep({ id, titleKey, intro, submitKey, cancelKey = null, onSubmit, onCancel = null, app }) {
  const { wrap: passWrap, input: pass } = passField(`${id}-passphrase`, 'vault.passphrase', { hintKey: 'vault.passphrase_hint' });
  const { wrap: againWrap, input: again } = passField(`${id}-repeat`, 'vault.repeat');
  const submit = h('button', { type: 'submit', id: `${id}-submit`, class: 'primary big', text: t(submitKey) });
  const cancel = cancelKey ? h('button', { type: 'button', id: `${id}-cancel`, class: 'link', text: t(cancelKey) }) : null;
  const banner = h('div', { class: 'banner-box', id: `${id}-banner` });
  const form = h('form', { id: `${id}-form`, class: 'steps-form', novalidate: true, autocomplete: 'off' },
    h('div', { class: 'steps-fields' }, passWrap, againWrap),
    showToggle(`${id}-show`, [pass, again]),
    banner,
    h('div', { class: 'actions' }, submit, cancel));
  const panel = h('div', { class: 'vault-step', dataset: { step: id } },
    h('h1', { id: 'vault-steps-title', text: t(titleKey) }),
    intro.map((p) => h('p', { class: 'steps-p', text: p })),
    form);

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (submit.disabled) return;
    clearFieldError(pass);
    clearFieldError(again);
    banner.replaceChildren();
    const problems = newPassphraseProblems(pass.value, again.value);
    for (const p of problems) markFieldError(p.field === 'repeat' ? again : pass, t(p.key));
    if (problems.length) { (problems[0].field === 'repeat' ? again : pass).focus(); return; }
    submit.disabled = true;
    submit.setAttribute('aria-busy', 'true');
    if (cancel) cancel.disabled = true;
    try {
      await onSubmit(pass.value);
    } catch (err) {
      if (!markSecretError(err, { fresh: pass })) banner.replaceChildren(h('div', { class: 'banner error', role: 'alert', text: app.errorText(err) }));
      submit.disabled = false;
      submit.removeAttribute('aria-busy');
      if (cancel) cancel.disabled = false;
      pass.focus();
    }
  });
  if (cancel) cancel.addEventListener('click', () => onCancel && onCancel());
  return { panel, focus: () => pass.focus() };
}

/**
 * The recovery code, shown once: large, to write down or print, with "Tôi đã ghi lại mã khôi phục" to
 * tick before going on. Resolves when the officer goes on.
 */
function recoveryStep(box, code, { backup = null } = {}) {
  return new Promise((resolve) => {
    const noted = h('input', { type: 'checkbox', id: 'recovery-noted' });
    const next = h('button', { type: 'button', id: 'recovery-continue', class: 'primary big', disabled: true, text: t('recovery.continue') });
    const print = h('button', { type: 'button', id: 'recovery-print', text: t('recovery.print') });
    noted.addEventListener('change', () => { next.disabled = !noted.checked; });
    print.addEventListener('click', () => { ipc.printPages().catch(() => window.print()); });
    next.addEventListener('click', () => {
      if (!noted.checked) return;
      document.body.classList.remove('print-recovery');
      resolve();
    });
    replace(box, h('div', { class: 'vault-step recovery-step', dataset: { step: 'recovery' } },
      h('h1', { id: 'vault-steps-title', text: t('recovery.title') }),
      h('p', { class: 'steps-p', text: t('recovery.intro') }),
      h('div', { class: 'recovery-print-area' },
        h('p', { class: 'recovery-label', text: t('recovery.label') }),
        h('div', { id: 'recovery-code', class: 'recovery-code mono', text: code })),
      h('ul', { class: 'recovery-rules' },
        h('li', { text: t('recovery.write') }),
        h('li', { text: t('recovery.apart') }),
        h('li', { text: t('recovery.once') })),
      backup ? h('p', { id: 'recovery-backup', class: 'hint mono-path', text: t('recovery.backup', { file: backup }) }) : null,
      h('div', { class: 'actions recovery-actions' }, print),
      h('label', { class: 'check recovery-tick', for: 'recovery-noted' }, noted, h('span', { text: t('recovery.noted') })),
      h('div', { class: 'actions' }, next)));
    // Printing shows only the code (app.css, @media print).
    document.body.classList.add('print-recovery');
    noted.focus();
  });
}

/** The two paragraphs every new passphrase is set under: what is encrypted, and the upper unit's copy. */
function encryptedParagraphs() {
  return [t('vault.explain_encrypted'), t('vault.explain_upper')];
}

/**
 * First run, before anything is created (demo, my unit, another laptop of the unit): the passphrase,
 * the data created encrypted under it, and its recovery code. Resolves true once the data is open, false
 * when the officer went back (nothing created). Already open: true at once.
 */
export function ensureVault(app) {
  if (app.vault && app.vault.state === 'unlocked') return Promise.resolve(true);
  return new Promise((resolve) => {
    const s = stepsCover();
    const step = passphraseStep({
      id: 'vault-new', titleKey: 'vault.create_title', intro: encryptedParagraphs(), submitKey: 'vault.create_submit',
      cancelKey: 'vault.back', app,
      onCancel: () => { s.close(); resolve(false); },
      onSubmit: async (passphrase) => {
        const r = await ipc.vaultCreate(passphrase);
        await app.vaultOpened();
        await recoveryStep(s.box, r.recovery_code);
        s.close();
        resolve(true);
      },
    });
    replace(s.box, step.panel);
    step.focus();
  });
}

/** An older Sotay's data, not encrypted: a passphrase, the data encrypted once (a backup first), its code. */
export function convertPlain(app) {
  return new Promise((resolve) => {
    const s = stepsCover();
    const step = passphraseStep({
      id: 'vault-convert', titleKey: 'vault.convert_title',
      intro: [t('vault.convert_old'), t('vault.convert_once'), ...encryptedParagraphs()],
      submitKey: 'vault.convert_submit', app,
      onSubmit: async (passphrase) => {
        const r = await ipc.vaultConvert(passphrase);
        await app.vaultOpened();
        await recoveryStep(s.box, r.recovery_code, { backup: r.backup || null });
        s.close();
        resolve(true);
      },
    });
    replace(s.box, step.panel);
    step.focus();
  });
}

/** After a backup was opened with its recovery code (a new laptop): a new passphrase for the data. */
export function newPassphraseAfterRecovery(app, recoveryCode) {
  return new Promise((resolve) => {
    const s = stepsCover();
    const step = passphraseStep({
      id: 'vault-reset', titleKey: 'vault.reset_title', intro: [t('vault.reset_intro')], submitKey: 'vault.reset_submit', app,
      onSubmit: async (passphrase) => {
        await ipc.vaultRecover(recoveryCode, passphrase);
        await app.vaultOpened();
        s.close();
        resolve(true);
      },
    });
    replace(s.box, step.panel);
    step.focus();
  });
}

/** A recovery code shown once after the fact (a backup of an older Sotay restored onto a new laptop). */
export async function showRecoveryCode(code) {
  const s = stepsCover();
  await recoveryStep(s.box, code);
  s.close();
}
