// "Khôi phục": bring a backup back — from the automatic backups' folder or a file on a stick. Nothing
// changes before the officer has seen what the backup holds and confirmed; the data as it is now is
// kept as a backup first (restore_backup). Mounted on the Sync screen, and on the first run's screen (a new
// laptop in place of the old one), where the backup is opened with its own passphrase — or, forgotten,
// its recovery code, after which a new passphrase is set.

import * as ipc from '../ipc.js';
import { h, markFieldError, clearFieldError } from '../dom.js';
import { t } from '../i18n.js';
import { fmtNumber, fmtLocal } from '../format.js';
import { readRecoveryCode } from '../vault.js';
import { newPassphraseAfterRecovery, showRecoveryCode } from './lock.js';

/** "2,0 MB" / "512 KB". */
function size(bytes) {
  const mb = Number(bytes) / 1048576;
  return mb >= 1 ? `${fmtNumber(Math.round(mb * 10) / 10)} MB` : `${fmtNumber(Math.ceil(Number(bytes) / 1024))} KB`;
}

/** The card; `onRestored` runs after a restore went through (the screen reloads its status). `firstRun`:
 *  no data of this laptop's yet, so the backup's own passphrase (or recovery code) opens it. */
export function restoreCard(app, onRestored, { firstRun = false } = {}) {
  const list = h('ul', { id: 'restore-list', class: 'restore-list' });
  const pick = h('button', { type: 'button', id: 'restore-pick', class: 'small', text: t('restore.pick') });
  const box = h('div', { id: 'restore-box', class: 'restore-box', role: 'status', 'aria-live': 'polite' });
  const card = h('section', { class: 'card sync-card sync-restore', 'aria-labelledby': 'restore-h' },
    h('h2', { id: 'restore-h', text: t('restore.title') }),
    h('p', { class: 'hint', text: t(firstRun ? 'restore.hint_first' : 'restore.hint') }),
    list,
    h('div', { class: 'actions' }, pick),
    box);

  const fail = (err) => {
    if (app.handleGlobalError(err)) return;
    box.replaceChildren(h('div', { class: 'banner error', role: 'alert', id: 'restore-error', text: app.errorText(err) }));
  };

  /**
   * The backup's own secret (a backup of another laptop's data: a first run, or a key that is not this
   * data's): its passphrase, or "Quên mật khẩu? Dùng mã khôi phục" for its recovery code. `said`: why
   * it is asked again (a wrong passphrase), beside the field.
   */
  const askSecret = (path, said = null, useCode = false) => {
    const pass = h('input', { type: 'password', id: 'restore-passphrase', autocomplete: 'off', spellcheck: 'false' });
    const code = h('input', { type: 'text', id: 'restore-code', class: 'mono', autocomplete: 'off', spellcheck: 'false',
      placeholder: 'XXXXX-XXXXX-XXXXX-XXXXX-XXXXX' });
    const passField = h('div', { class: 'field', hidden: useCode }, h('label', { for: 'restore-passphrase', text: t('restore.passphrase') }), pass);
    const codeField = h('div', { class: 'field', hidden: !useCode }, h('label', { for: 'restore-code', text: t('restore.code') }), code,
      h('div', { class: 'hint', text: t('restore.code_hint') }));
    const toggle = h('button', { type: 'button', id: 'restore-use-code', class: 'link', text: t(useCode ? 'restore.use_passphrase' : 'restore.forgot') });
    const open = h('button', { type: 'submit', id: 'restore-open', class: 'primary', text: t('restore.open') });
    const cancel = h('button', { type: 'button', id: 'restore-cancel', text: t('restore.cancel') });
    const form = h('form', { id: 'restore-secret', class: 'restore-secret', novalidate: true, autocomplete: 'off' },
      h('p', { class: 'mono restore-file', text: path }),
      h('p', { text: t(firstRun ? 'restore.secret_first' : 'restore.secret_other') }),
      passField, codeField, toggle,
      h('div', { class: 'actions' }, open, cancel));
    box.replaceChildren(form);
    const shown = () => (codeField.hidden ? pass : code);
    if (said) markFieldError(shown(), said);
    shown().focus();
    for (const i of [pass, code]) i.addEventListener('input', () => clearFieldError(i));
    toggle.addEventListener('click', () => {
      const toCode = codeField.hidden;
      codeField.hidden = !toCode;
      passField.hidden = toCode;
      toggle.textContent = t(toCode ? 'restore.use_passphrase' : 'restore.forgot');
      shown().focus();
    });
    cancel.addEventListener('click', () => box.replaceChildren());
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const el = shown();
      clearFieldError(el);
      if (codeField.hidden) {
        if (!pass.value) { markFieldError(pass, t('lock.err_empty')); pass.focus(); return; }
        look(path, { passphrase: pass.value });
      } else {
        const typed = readRecoveryCode(code.value);
        if (!typed) { markFieldError(code, t(code.value.trim() ? 'vault.err_code' : 'vault.err_code_missing')); code.focus(); return; }
        look(path, { recoveryCode: typed });
      }
    });
  };

  /** The secret did not open the backup (or none was given for another key): asked again, with what was
   *  wrong beside its field. False when the error is about something else. */
  const secretRefused = (path, secret, err) => {
    if (!['wrong_secret', 'try_later', 'locked', 'key'].includes(err.code)) return false;
    // An older Sotay's plain backup on a new laptop is encrypted under a new passphrase: no code opens it.
    if (err.code === 'locked') { askSecret(path, t('restore.need_passphrase')); return true; }
    askSecret(path, secret || firstRun ? (err.message || app.errorText(err)) : null, !!(secret && secret.recoveryCode));
    return true;
  };

  /** Step one on a first run: the file chosen, its secret asked. */
  const choose = (path) => (firstRun ? askSecret(path) : look(path));

  /** Step two: what the file holds, and the confirmation. */
  const look = async (path, secret = null) => {
    box.replaceChildren(h('p', { class: 'muted', text: t('restore.reading') }));
    let info;
    try {
      info = await ipc.restoreInspect(path, secret);
    } catch (err) {
      // On a first run nothing is locked: the backup's own secret is what is missing or wrong.
      if ((firstRun || secret || err.code === 'key') && secretRefused(path, secret, err)) return;
      fail(err);
      return;
    }
    const go = h('button', { type: 'button', id: 'restore-confirm', class: 'primary', text: t('restore.confirm') });
    const cancel = h('button', { type: 'button', id: 'restore-cancel', text: t('restore.cancel') });
    box.replaceChildren(h('div', { class: 'restore-confirm banner warn' },
      h('p', { id: 'restore-what', text: t('restore.what', { unit: info.unit_name, events: fmtNumber(info.events), file: path }) }),
      h('p', { text: t('restore.keep') }),
      h('p', { text: t('restore.after') }),
      h('div', { class: 'actions' }, go, cancel)));
    cancel.addEventListener('click', () => box.replaceChildren());
    go.addEventListener('click', async () => {
      go.disabled = true; cancel.disabled = true;
      go.setAttribute('aria-busy', 'true');
      try {
        const r = await ipc.restoreBackup(path, secret);
        if (firstRun || secret) {
          // Opened with the recovery code: a new passphrase now. An older Sotay's plain backup was
          // encrypted on the way in: its new recovery code, once.
          if (r.needs_new_passphrase && secret && secret.recoveryCode) await newPassphraseAfterRecovery(app, secret.recoveryCode);
          else await app.vaultOpened();
          if (r.recovery_code) await showRecoveryCode(r.recovery_code);
        }
        box.replaceChildren(h('div', { class: 'banner ok', id: 'restore-done' },
          h('p', { text: t('restore.done', { unit: r.info.unit_name, events: fmtNumber(r.info.events) }) }),
          r.previous ? h('p', { class: 'mono', id: 'restore-previous', text: t('restore.previous', { file: r.previous.path }) }) : null));
        app.invalidateOptions();
        await app.refreshStatus().catch(() => {});
        onRestored();
      } catch (err) {
        fail(err);
      }
    });
  };

  const load = async () => {
    let res;
    try { res = await ipc.backupsList(); } catch (err) { fail(err); return; }
    const rows = (res.backups || []).slice(0, 8);
    list.replaceChildren(...(rows.length ? rows.map((b, i) => {
      const btn = h('button', { type: 'button', class: 'small', id: `restore-use-${i}`, text: t('restore.use') });
      btn.addEventListener('click', () => choose(b.path));
      return h('li', { dataset: { path: b.path } },
        h('span', { text: `${fmtLocal(String(b.taken_at).slice(0, 16))} · ${b.reason_text} · ${size(b.bytes)}` }), btn);
    }) : [h('li', { class: 'muted', text: t('restore.none', { folder: res.folder || '' }) })]));
  };

  pick.addEventListener('click', async () => {
    let path;
    try { path = await ipc.restorePickFile(); } catch (err) { fail(err); return; }
    if (path) choose(path);
  });
  load();
  return card;
}
