// Connecting with the upper and lower levels (enrolment), without a terminal: read the other unit's
// connection file from a stick or folder (enrol_read, which changes nothing), show its fingerprint large,
// and only once the officer ticked that it matches what the other side reads out, connect (enrol_confirm),
// which also writes this computer's own file into the same folder. Also the units connected so far and
// this computer's own fingerprint. The folder picker and the file card serve the first run too (setup.js).

import * as ipc from '../ipc.js';
import { h, replace, markFieldError, clearFieldError } from '../dom.js';
import { t, tn } from '../i18n.js';
import { fmtNumber, fmtTimestampVN } from '../format.js';
import { DIR_KEY } from './sync.js';

/** "8F3A-1B2C-…" → the fingerprint in large monospace groups of four (text "8F3A 1B2C …"). */
export function fingerprintBig(fp, id = null) {
  const groups = String(fp || '').split(/[^0-9A-Za-z]+/).filter(Boolean);
  const parts = [];
  groups.forEach((g, i) => {
    if (i) parts.push(' ');
    parts.push(h('span', { class: 'fp-group', text: g }));
  });
  return h('code', { class: 'fingerprint-big', id, dataset: { fingerprint: fp || '' }, 'aria-label': groups.join(' ') }, parts);
}

function readDir() {
  try { return window.localStorage.getItem(DIR_KEY) || ''; } catch (_) { return ''; }
}

function storeDir(dir) {
  try { if (dir) window.localStorage.setItem(DIR_KEY, dir); } catch (_) { /* private mode */ }
}

/**
 * A stick or a folder: the removable drives found, a path typed in, or the system's folder dialog.
 * Ids: #<prefix>-drive, #<prefix>-dir, #<prefix>-pick. Returns { el, input, value(), error(msg) }.
 */
export function folderPicker(prefix, app) {
  const driveSel = h('select', { id: `${prefix}-drive` });
  const input = h('input', {
    type: 'text', id: `${prefix}-dir`, name: `${prefix}-dir`, class: 'mono', autocomplete: 'off', spellcheck: 'false',
    placeholder: t('sync.dir_ph'), value: readDir(),
  });
  const pick = h('button', { type: 'button', id: `${prefix}-pick`, class: 'small', text: t('connect.pick') });
  let drives = [];
  const paint = () => {
    replace(driveSel,
      h('option', { value: '', text: drives.length ? t('sync.drive_pick') : t('sync.drive_none') }),
      drives.map((d) => h('option', { value: d, text: d })));
    driveSel.value = drives.includes(input.value.trim()) ? input.value.trim() : '';
  };
  ipc.syncDrives().then((d) => { drives = d; paint(); }).catch(() => paint());
  driveSel.addEventListener('change', () => {
    if (driveSel.value) { input.value = driveSel.value; clearFieldError(input); }
  });
  input.addEventListener('input', () => clearFieldError(input));
  pick.addEventListener('click', async () => {
    try {
      const dir = await ipc.printPickDir(input.value.trim() || null);
      if (dir) { input.value = dir; clearFieldError(input); paint(); }
    } catch (err) {
      if (!app.handleGlobalError(err)) markFieldError(input, app.errorText(err));
    }
  });
  paint();
  const el = h('div', { class: 'folder-picker' },
    h('div', { class: 'field' },
      h('label', { for: `${prefix}-drive`, text: t('sync.drive') }),
      h('div', { class: 'drive-row' }, driveSel)),
    h('div', { class: 'field' },
      h('label', { for: `${prefix}-dir`, text: t('connect.dir') }),
      h('div', { class: 'drive-row' }, input, pick),
      h('div', { class: 'hint', text: t('connect.dir_hint') })));
  return {
    el,
    input,
    value: () => input.value.trim(),
    remember: () => storeDir(input.value.trim()),
    error: (msg) => markFieldError(input, msg),
  };
}

const ROLE_KEYS = { upper: 'connect.role_upper', lower: 'connect.role_lower', successor: 'connect.role_successor' };

/**
 * One connection file as read: its unit, the role it would get, its fingerprint large, the tick that it
 * matches what the other side reads out, and Confirm / Cancel. A refused file shows why, and no buttons.
 * `onConfirm(file)` runs only when ticked; its error is shown in the card.
 */
export function fileCard(f, app, { onConfirm, onCancel, confirmKey = 'connect.confirm', known = false }) {
  const data = { file: f.file, state: f.refused ? 'refused' : 'ready', role: f.role || null, unitCode: f.unit_code || null, code: f.refused ? f.refused.code : null };
  if (f.refused) {
    return h('article', { class: 'enrol-file card refused', dataset: data },
      h('h3', { class: 'mono-path', text: f.name || f.file }),
      h('p', { class: 'banner error enrol-refused', role: 'alert', text: f.refused.message }),
      h('p', { class: 'hint', text: t('connect.nothing_changed') }));
  }
  const tick = h('input', { type: 'checkbox', class: 'enrol-check', id: `enrol-check-${Math.random().toString(36).slice(2, 8)}`, name: 'enrol-check' });
  const confirm = h('button', { type: 'button', class: 'primary big enrol-confirm', text: t(confirmKey) });
  const cancel = h('button', { type: 'button', class: 'big enrol-cancel', text: t('connect.cancel') });
  const errBox = h('div', { class: 'banner-box enrol-error' });
  const role = f.role ? h('span', { class: `role ${f.role}`, text: t(ROLE_KEYS[f.role]) }) : null;
  const card = h('article', { class: 'enrol-file card', dataset: data },
    h('div', { class: 'enrol-unit' },
      h('h3', { class: 'enrol-unit-name', text: f.unit_name || '' }), role,
      f.unit_code ? h('span', { class: 'muted mono', text: f.unit_code }) : null),
    known ? h('p', { class: 'hint enrol-known', text: t('connect.known') }) : null,
    h('div', { class: 'kv' },
      h('span', { class: 'k', text: t('connect.their_fingerprint') }),
      fingerprintBig(f.fingerprint)),
    h('p', { class: 'enrol-compare', text: t('connect.compare', { unit: f.unit_name || '' }) }),
    f.hub ? h('p', { class: 'hint enrol-hub', text: t('connect.hub', { url: f.hub }) }) : null,
    h('div', { class: 'field enrol-tick' },
      h('label', { class: 'check', for: tick.id }, tick, ' ', h('span', { text: t('connect.tick') }))),
    errBox,
    h('div', { class: 'actions' }, confirm, cancel),
    h('p', { class: 'hint mono-path', text: f.file }));
  tick.addEventListener('change', () => clearFieldError(tick));
  confirm.addEventListener('click', async () => {
    errBox.replaceChildren();
    if (!tick.checked) { markFieldError(tick, t('connect.tick_first')); tick.focus(); return; }
    confirm.disabled = true; cancel.disabled = true;
    card.dataset.busy = 'true';
    try {
      await onConfirm(f);
    } catch (err) {
      if (!app.handleGlobalError(err)) errBox.replaceChildren(h('div', { class: 'banner error', role: 'alert', text: app.errorText(err) }));
    } finally {
      confirm.disabled = false; cancel.disabled = false;
      delete card.dataset.busy;
    }
  });
  cancel.addEventListener('click', () => onCancel(f));
  return card;
}

/**
 * Reads the folder of `picker` and shows each connection file in `list` as a card; the result line
 * says when there is none. Resolves to what was read (or null when the folder is missing).
 */
export async function readInto(picker, list, app, cardOptions) {
  const dir = picker.value();
  replace(list);
  if (!dir) { picker.error(t('sync.dir_required')); return null; }
  picker.remember();
  list.dataset.loading = 'true';
  try {
    const res = await ipc.enrolRead(dir);
    const files = res.files;
    if (!files.length) replace(list, h('p', { class: 'empty-state', id: 'enrol-no-files', text: t('connect.no_files') }));
    else replace(list, files.map((f) => fileCard(f, app, cardOptions(f))));
    // The first file's unit and fingerprint in view, to compare at once.
    if (list.firstElementChild && list.firstElementChild.scrollIntoView) list.firstElementChild.scrollIntoView({ block: 'center' });
    list.dataset.count = String(files.length);
    return res;
  } catch (err) {
    if (!app.handleGlobalError(err)) picker.error(app.errorText(err));
    return null;
  } finally {
    delete list.dataset.loading;
  }
}

const CONTACT_KEYS = {
  received: 'connect.contact.received', export: 'connect.contact.export', receipt: 'connect.contact.receipt', receipt_written: 'connect.contact.receipt_written', enrolled: 'connect.contact.enrolled',
};

/** The day (Vietnam's) of an RFC 3339 time: "dd/mm/yyyy". */
function dayVN(at) {
  return fmtTimestampVN(at).slice(0, 10);
}

/**
 * One connected unit. A lower unit not revoked yet offers «Thu hồi khóa (máy bị mất)», which first asks
 * in the row itself what revoking means (no window.confirm), then calls `onRevoke(p)`; its error is
 * shown by the caller. A revoked one says since when, and counts nothing waiting for it.
 */
function peerRow(p, onRevoke) {
  const last = p.last_contact;
  const revoked = Boolean(p.revoked_at);
  const waiting = revoked ? 0 : Number(p.waiting) || 0;
  const li = h('li', { dataset: { installation: p.installation, role: p.role, waiting: String(waiting), revoked: revoked ? 'true' : 'false' } },
    h('div', { class: 'peer-head' },
      h('span', { class: 'peer-name', text: p.unit_name || p.unit_id }),
      h('span', { class: `role ${p.role}`, text: t(ROLE_KEYS[p.role] || 'connect.role_lower') })),
    h('div', { class: 'peer-fp' }, h('span', { class: 'k', text: t('connect.fingerprint_short') }), ' ',
      h('code', { class: 'fingerprint small', text: p.fingerprint })),
    h('div', { class: 'peer-last', dataset: { at: last ? last.at : '' } },
      last ? t(CONTACT_KEYS[last.what] || 'connect.contact.export', { at: fmtTimestampVN(last.at) }) : t('connect.contact.none')),
    revoked
      ? h('div', { class: 'peer-revoked', dataset: { at: p.revoked_at }, text: t('connect.revoked_on', { date: dayVN(p.revoked_at) }) })
      : h('div', { class: 'peer-waiting' },
        waiting > 0 ? tn('connect.waiting', waiting, { n: fmtNumber(waiting) }) : t('connect.waiting_none')));
  if (revoked || p.role !== 'lower' || !onRevoke) return li;

  const unit = p.unit_name || p.unit_id;
  const button = h('button', { type: 'button', class: 'danger small peer-revoke', text: t('connect.revoke') });
  const yes = h('button', { type: 'button', class: 'danger peer-revoke-yes', text: t('connect.revoke_yes') });
  const no = h('button', { type: 'button', class: 'peer-revoke-no', text: t('connect.revoke_no') });
  const box = h('div', { class: 'confirm peer-revoke-confirm', role: 'alertdialog', hidden: true, 'aria-label': t('connect.revoke') },
    h('p', { class: 'peer-revoke-what', text: t('connect.revoke_what', { unit }) }),
    h('ul', { class: 'peer-revoke-points' },
      h('li', { text: t('connect.revoke_point_refused') }),
      h('li', { text: t('connect.revoke_point_kept') }),
      h('li', { text: t('connect.revoke_point_new', { unit }) })),
    h('div', { class: 'actions' }, yes, no));
  button.addEventListener('click', () => {
    box.hidden = false; button.hidden = true;
    no.focus();
  });
  no.addEventListener('click', () => {
    box.hidden = true; button.hidden = false;
    button.focus();
  });
  yes.addEventListener('click', async () => {
    yes.disabled = true; no.disabled = true;
    li.dataset.busy = 'true';
    try {
      await onRevoke(p);
    } finally {
      yes.disabled = false; no.disabled = false;
      delete li.dataset.busy;
    }
  });
  li.append(button, box);
  return li;
}

export async function render(root, params, app, restore) {
  let status = await ipc.enrolStatus();
  const fresh = params.fresh;

  const picker = folderPicker('connect', app);
  if (restore && restore.dir) picker.input.value = restore.dir;
  const readBtn = h('button', { type: 'button', id: 'connect-read', class: 'primary big', text: t('connect.read') });
  const files = h('div', { id: 'connect-files', class: 'enrol-files', 'aria-live': 'polite' });
  const result = h('div', { id: 'connect-result', class: 'banner-box', role: 'status', 'aria-live': 'polite' });
  const ownFp = h('div', { class: 'own-fp' });
  const writeBtn = h('button', { type: 'button', id: 'connect-write-own', class: 'big', text: t('connect.write_own') });
  const ownWritten = h('div', { id: 'connect-own-written', class: 'banner-box', role: 'status' });
  const peers = h('ul', { id: 'connect-peers', class: 'peers connect-peers' });
  const peersResult = h('div', { id: 'connect-peers-result', class: 'banner-box', 'aria-live': 'polite' });

  // This computer's unit and key: a laptop that went on as its successor unit shows the new ones.
  const ownName = h('p', { class: 'peer-name', id: 'connect-own-unit' });
  const paintStatus = () => {
    ownName.textContent = (status.unit && status.unit.name) || '';
    replace(ownFp, fingerprintBig(status.fingerprint, 'connect-own-fingerprint'));
    if (!status.peers.length) replace(peers, h('li', { class: 'none muted', text: t('connect.no_peers') }));
    else {
      const order = (p) => (p.role === 'upper' ? 0 : 1);
      replace(peers, [...status.peers].sort((a, b) => order(a) - order(b)).map((p) => peerRow(p, revoke)));
    }
  };

  // A lost laptop of a lower unit, confirmed in its row: its key is trusted no more.
  async function revoke(p) {
    peersResult.replaceChildren();
    try {
      const r = await ipc.enrolRevoke(p.installation);
      replace(peersResult, h('p', { class: 'banner ok', id: 'connect-revoked', role: 'status', dataset: { installation: r.installation || p.installation },
        text: t('connect.revoked_done', { unit: r.unit_name || p.unit_name || '' }) }));
    } catch (err) {
      if (!app.handleGlobalError(err)) replace(peersResult, h('p', { class: 'banner error', id: 'connect-revoke-error', role: 'alert', text: app.errorText(err) }));
      return;
    }
    try {
      status = await ipc.enrolStatus();
      paintStatus();
      app.refreshStatus().catch(() => {});
    } catch (err) {
      if (!app.handleGlobalError(err)) replace(peersResult, h('p', { class: 'banner error', role: 'alert', text: app.errorText(err) }));
    }
  }

  const said = (text, kind = 'info', attrs = {}) => replace(result, h('div', { class: `banner ${kind}`, role: kind === 'error' ? 'alert' : 'status', ...attrs, text }));

  const cardOptions = (f) => ({
    known: status.peers.some((p) => p.installation === f.installation),
    onCancel: () => {
      replace(files);
      said(t('connect.cancelled'), 'info', { id: 'connect-cancelled' });
    },
    onConfirm: async (file) => {
      const r = await ipc.enrolConfirm(file.file, file.fingerprint);
      replace(files);
      const role = t(ROLE_KEYS[r.role] || 'connect.role_lower');
      const unit = r.unit_name || file.unit_name;
      const lines = [h('p', { class: 'summary', text: t(r.role === 'successor' ? 'connect.done_successor' : 'connect.done', { unit, role }) })];
      if (r.written && r.written.path) {
        lines.push(h('p', null, t('connect.own_written_to'), ' ', h('code', { class: 'mono-path', id: 'connect-own-file', dataset: { path: r.written.path }, text: r.written.path })));
        const back = { upper: 'connect.take_back_up', successor: 'connect.take_back_successor' }[r.role] || 'connect.take_back_down';
        lines.push(h('p', { class: 'hint', text: t(back, { unit }) }));
      } else if (r.write_error) {
        lines.push(h('p', { class: 'banner error', role: 'alert', text: t('connect.own_not_written', { message: r.write_error }) }));
      }
      replace(result, h('div', { class: 'banner ok', id: 'connect-done', role: 'status', dataset: { role: r.role } }, lines));
      status = await ipc.enrolStatus();
      paintStatus();
      app.invalidateOptions();
      app.refreshStatus().catch(() => {});
    },
  });

  readBtn.addEventListener('click', async () => {
    result.replaceChildren();
    readBtn.disabled = true;
    try { await readInto(picker, files, app, cardOptions); } finally { readBtn.disabled = false; }
  });

  writeBtn.addEventListener('click', async () => {
    ownWritten.replaceChildren();
    const dir = picker.value();
    if (!dir) { picker.error(t('sync.dir_required')); picker.input.focus(); return; }
    picker.remember();
    writeBtn.disabled = true;
    try {
      const w = await ipc.enrolWrite(dir);
      replace(ownWritten, h('p', { class: 'banner ok' }, t('connect.own_written_to'), ' ',
        h('code', { class: 'mono-path', dataset: { path: w.path }, text: w.path })));
    } catch (err) {
      if (!app.handleGlobalError(err)) replace(ownWritten, h('p', { class: 'banner error', role: 'alert', text: app.errorText(err) }));
    } finally {
      writeBtn.disabled = false;
    }
  });

  const later = h('button', { type: 'button', id: 'connect-later', class: 'small', text: t('connect.later') });
  later.addEventListener('click', () => app.go('#/dashboard'));
  const unit = status.unit || {};

  root.append(
    h('div', { class: 'view-head' },
      h('div', null, h('h1', { text: t('connect.title') }), h('p', { class: 'muted', text: t('connect.intro') }))),
    fresh ? h('div', { id: 'connect-welcome', class: 'banner info', role: 'status' },
      h('span', { text: t('connect.welcome', { unit: unit.name || '' }) }), ' ', later) : '',
    h('div', { class: 'connect-grid' },
      h('section', { class: 'card sync-card connect-read', 'aria-labelledby': 'connect-read-h' },
        h('h2', { id: 'connect-read-h', text: t('connect.read_title') }),
        h('ol', { class: 'steps' },
          h('li', { text: t('connect.step1') }), h('li', { text: t('connect.step2') }), h('li', { text: t('connect.step3') })),
        picker.el,
        h('div', { class: 'actions' }, readBtn),
        result,
        files),
      h('div', { class: 'connect-side' },
        h('section', { class: 'card sync-card connect-own', 'aria-labelledby': 'connect-own-h' },
          h('h2', { id: 'connect-own-h', text: t('connect.own_title') }),
          ownName,
          h('span', { class: 'k', text: t('sync.fingerprint') }),
          ownFp,
          h('p', { class: 'hint', text: t('connect.own_hint') }),
          writeBtn,
          ownWritten),
        h('section', { class: 'card sync-card connect-peers-card', 'aria-labelledby': 'connect-peers-h' },
          h('h2', { id: 'connect-peers-h', text: t('connect.peers_title') }),
          peersResult,
          peers,
          h('p', { class: 'hint', text: t('connect.contact_hint') }),
          h('a', { href: '#/sync', id: 'connect-to-sync', text: t('connect.to_sync') }),
          h('p', null, h('a', { href: '#/structure', id: 'connect-to-structure', text: t('connect.to_structure') }))))));

  paintStatus();
  if (restore && restore.read) readBtn.click();
  let lastRead = false;
  readBtn.addEventListener('click', () => { lastRead = true; });
  return { snapshot: () => ({ dir: picker.value(), read: lastRead && files.childElementCount > 0 }) };
}
