// "Khôi phục": bring a backup back — from the automatic backups' folder or a file on a stick. Nothing
// changes before the officer has seen what the backup holds and confirmed; the data as it is now is
// kept as a backup first (restore_backup). Mounted on the Sync screen.

import * as ipc from '../ipc.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { fmtNumber, fmtLocal } from '../format.js';

/** "2,0 MB" / "512 KB". */
function size(bytes) {
  const mb = Number(bytes) / 1048576;
  return mb >= 1 ? `${fmtNumber(Math.round(mb * 10) / 10)} MB` : `${fmtNumber(Math.ceil(Number(bytes) / 1024))} KB`;
}

/** The card; `onRestored` runs after a restore went through (the screen reloads its status). */
export function restoreCard(app, onRestored) {
  const list = h('ul', { id: 'restore-list', class: 'restore-list' });
  const pick = h('button', { type: 'button', id: 'restore-pick', class: 'small', text: t('restore.pick') });
  const box = h('div', { id: 'restore-box', class: 'restore-box', role: 'status', 'aria-live': 'polite' });
  const card = h('section', { class: 'card sync-card sync-restore', 'aria-labelledby': 'restore-h' },
    h('h2', { id: 'restore-h', text: t('restore.title') }),
    h('p', { class: 'hint', text: t('restore.hint') }),
    list,
    h('div', { class: 'actions' }, pick),
    box);

  const fail = (err) => {
    if (app.handleGlobalError(err)) return;
    box.replaceChildren(h('div', { class: 'banner error', role: 'alert', id: 'restore-error', text: app.errorText(err) }));
  };

  /** Step two: what the file holds, and the confirmation. */
  const look = async (path) => {
    box.replaceChildren(h('p', { class: 'muted', text: t('restore.reading') }));
    let info;
    try { info = await ipc.restoreInspect(path); } catch (err) { fail(err); return; }
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
        const r = await ipc.restoreBackup(path);
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
      btn.addEventListener('click', () => look(b.path));
      return h('li', { dataset: { path: b.path } },
        h('span', { text: `${fmtLocal(String(b.taken_at).slice(0, 16))} · ${b.reason_text} · ${size(b.bytes)}` }), btn);
    }) : [h('li', { class: 'muted', text: t('restore.none', { folder: res.folder || '' }) })]));
  };

  pick.addEventListener('click', async () => {
    let path;
    try { path = await ipc.restorePickFile(); } catch (err) { fail(err); return; }
    if (path) look(path);
  });
  load();
  return card;
}
