// Sync: over the network by the agent (netsync.js), and by USB stick: this installation's key, its peers and outbox (sync_status); export for the upper
// level (sync_export); a dry run of what a stick holds (sync_preview), then the real import that writes the
// receipts back onto the stick (sync_import). Enrolment is on the connect screen (connect.js).

import * as ipc from '../ipc.js';
import { h, replace, markFieldError, clearFieldError } from '../dom.js';
import { t, tn } from '../i18n.js';
import { fmtNumber, fmtTimestampVN, fmtLocal, fmtSize } from '../format.js';
import { networkCard } from './netsync.js';
import { restoreCard } from './restore.js';

export const DIR_KEY = 'sotay.sync.dir';

// Kept outside the view so that a language switch (a re-render) keeps what was shown, and so that an
// export or import still running when the view is replaced reports to the view that replaced it.
//   op: { kind: 'export'|'preview'|'import', dir } while one runs
//   preview: { dir, mode: 'preview'|'import', res } — the table of files
//   result: { kind: 'export'|'import'|'error', op, dir, data|err } — the summary under the buttons
//   paint: the mounted view's repaint, called when an operation ends
//   gen: counts finished operations (a view that loaded its status before one ended reloads it)
const mem = { op: null, preview: null, result: null, paint: null, gen: 0 };

const OPS = { export: ipc.syncExport, preview: ipc.syncPreview, import: ipc.syncImport, backup: ipc.backupTo };

function readDir() {
  try { return window.localStorage.getItem(DIR_KEY) || ''; } catch (_) { return ''; }
}

function storeDir(dir) {
  try {
    if (dir) window.localStorage.setItem(DIR_KEY, dir);
    else window.localStorage.removeItem(DIR_KEY);
  } catch (_) { /* private mode */ }
}

/** "/media/user/USB/sotay-bundle-….json" or "E:\\x.json" → the last part. */
export function basename(p) {
  const parts = String(p ?? '').split(/[\\/]+/).filter(Boolean);
  return parts.length ? parts[parts.length - 1] : String(p ?? '');
}

/** An installation id for people: its last 8 characters (the random part of a UUIDv7). */
export function shortId(id) {
  const s = String(id ?? '');
  return s.length > 12 ? `…${s.slice(-8)}` : s;
}

/** A translated string with DOM nodes in place of some {placeholders}. */
function withNodes(text, nodes) {
  return text.split(/(\{\w+\})/).filter((p) => p !== '').map((p) => {
    const m = /^\{(\w+)\}$/.exec(p);
    return m && nodes[m[1]] ? nodes[m[1]] : p;
  });
}

function count(n) {
  return Array.isArray(n) ? n.length : Number(n) || 0;
}

/** Starts an operation on `dir`; its outcome lands in `mem`, then the mounted view repaints. */
function run(kind, dir, app) {
  if (mem.op) return;
  mem.op = { kind, dir };
  mem.result = null;
  if (kind === 'preview') mem.preview = null;
  if (mem.paint) mem.paint(false);
  // Large exports take seconds: the Rust side reports how many changes are written so far.
  // Large exports and imports take seconds: the Rust side reports how far it got (changes or files).
  const stopProgress = ipc.onSyncProgress((p) => {
    if (!mem.op) return;
    mem.op.progress = p;
    const msg = document.querySelector('#sync-result .busy-msg');
    const key = p.unit === 'files' ? `sync.progress_files.${kind}` : 'sync.progress';
    if (msg) msg.textContent = t(key, { done: fmtNumber(p.done), total: fmtNumber(p.total) });
  });
  OPS[kind](dir)
    .finally(() => stopProgress.then((stop) => stop()).catch(() => {}))
    .then((data) => {
      if (kind === 'export' || kind === 'backup') mem.result = { kind, dir, data };
      if (kind === 'preview') mem.preview = { dir, mode: 'preview', res: data };
      if (kind === 'import') {
        mem.preview = { dir, mode: 'import', res: data };
        mem.result = { kind, dir, data };
        // Imported records may be new units and plans, and may change this unit's own view of things.
        app.invalidateOptions();
        app.refreshStatus().catch(() => {});
      }
    })
    .catch((err) => {
      if (app.handleGlobalError(err)) return;
      mem.result = { kind: 'error', op: kind, dir, err };
    })
    .finally(() => {
      mem.op = null;
      mem.gen += 1;
      if (mem.paint) mem.paint(kind !== 'preview', kind);
    });
}

export async function render(root, params, app, restore) {
  if (!restore && !mem.op) { mem.preview = null; mem.result = null; }
  const gen = mem.gen;

  const [status, drives, opts] = await Promise.all([
    ipc.syncStatus(),
    ipc.syncDrives().catch((e) => { if (e.code === 'not_initialized') throw e; return []; }),
    app.getOptions().catch(() => null),
  ]);

  // ---- names for ids: units from options, peers from the status
  const unitNames = new Map();
  for (const u of (opts && opts.units) || []) unitNames.set(u.id, u.name);
  const own = app.status && app.status.unit;
  if (own) unitNames.set(own.id, own.name);
  let st = status;
  // A peer's unit is named from its enrolment file, whatever the lists of this unit hold.
  const peerNames = () => { for (const p of st.peers || []) if (p.unit_name) unitNames.set(p.unit_id, p.unit_name); };
  peerNames();
  const unitName = (id) => unitNames.get(id) || t('sync.unit_unknown', { id: shortId(id) });
  /** Who an installation id is: this computer, an enrolled peer's unit, or a shortened id. */
  const whoIs = (inst) => {
    if (!inst) return '';
    if (st.identity && inst === st.identity.installation) return t('sync.this_machine');
    const peer = st.peers.find((p) => p.installation === inst);
    if (peer) return t('sync.origin_peer', { unit: unitName(peer.unit_id), id: shortId(inst) });
    return t('sync.origin_short', { id: shortId(inst) });
  };

  // ---- status card
  const statusBanner = h('div', { class: 'banner-box' });
  const holdBanner = h('div', { class: 'banner warn', id: 'sync-restored-hold', role: 'status', hidden: true, text: t('sync.restored_hold') });
  const fingerprint = h('code', { id: 'sync-fingerprint', class: 'fingerprint' });
  const peers = h('ul', { id: 'sync-peers', class: 'peers' });
  const waiting = h('strong', { id: 'sync-waiting', class: 'waiting-n' });
  const waitingLine = h('p', { class: 'waiting' });
  const waitingHint = h('p', { class: 'hint' });
  const waitingDown = h('p', { class: 'waiting-down', hidden: true });
  // Evidence files go after the changes (a stick too small carries the records first).
  const filesWaiting = h('p', { id: 'sync-files-waiting', class: 'files-waiting', hidden: true });
  const outboxList = h('ul', { id: 'sync-outbox', class: 'outbox' });
  const outbox = h('details', { class: 'outbox-details' }, h('summary', { text: t('sync.outbox_details') }), outboxList);
  const gaps = h('ul', { id: 'sync-gaps', class: 'gaps' });
  const gapsHint = h('p', { class: 'hint', text: t('sync.gaps_hint') });
  const conflicts = h('strong', { id: 'sync-conflicts' });
  const conflictsLine = h('p', { class: 'conflicts' }, withNodes(t('sync.conflicts'), { n: conflicts }));
  const conflictsHint = h('p', { class: 'hint', text: t('sync.conflicts_hint') });
  const conflictList = h('ul', { id: 'sync-conflict-list', class: 'conflict-list' });
  const last = h('dl', { id: 'sync-last', class: 'last' });

  const statusCard = h('section', { class: 'card sync-card sync-status', 'aria-labelledby': 'sync-status-h' },
    h('h2', { id: 'sync-status-h', text: t('sync.status') }),
    statusBanner,
    h('div', { class: 'kv' },
      h('span', { class: 'k', text: t('sync.fingerprint') }), fingerprint,
      h('span', { class: 'hint', text: t('sync.fingerprint_hint') })),
    h('h3', { text: t('sync.peers') }),
    peers,
    waitingLine, waitingHint, filesWaiting, waitingDown, outbox,
    gaps, gapsHint,
    conflictsLine, conflictsHint, conflictList);
  const historyCard = h('section', { class: 'card sync-card sync-history', 'aria-labelledby': 'sync-history-h' },
    h('h2', { id: 'sync-history-h', text: t('sync.history') }),
    last);

  // ---- the stick
  const driveSel = h('select', { id: 'sync-drive' });
  const refresh = h('button', {
    type: 'button', id: 'sync-drives-refresh', class: 'small', text: t('sync.drives_refresh'),
    title: t('sync.drives_refresh_title'),
  });
  const dirInput = h('input', {
    type: 'text', id: 'sync-dir', class: 'mono', autocomplete: 'off', spellcheck: 'false',
    placeholder: t('sync.dir_ph'), 'aria-describedby': 'sync-dir-hint',
  });
  const exportBtn = h('button', { type: 'button', id: 'sync-export', class: 'primary big', text: t('sync.export') });
  const previewBtn = h('button', { type: 'button', id: 'sync-preview', class: 'primary big', text: t('sync.preview') });
  const backupBtn = h('button', { type: 'button', id: 'sync-backup', class: 'big', text: t('sync.backup') });

  const usbCard = h('section', { class: 'card sync-card sync-usb', 'aria-labelledby': 'sync-usb-h' },
    h('h2', { id: 'sync-usb-h', text: t('sync.usb') }),
    h('div', { class: 'field' },
      h('label', { for: 'sync-drive', text: t('sync.drive') }),
      h('div', { class: 'drive-row' }, driveSel, refresh)),
    h('div', { class: 'field' },
      h('label', { for: 'sync-dir', text: t('sync.dir') }),
      dirInput,
      h('div', { class: 'hint', id: 'sync-dir-hint', text: t('sync.dir_hint') })),
    h('div', { class: 'sync-actions' },
      h('div', { class: 'sync-action' },
        h('h3', { text: t('sync.send_title') }),
        h('p', { class: 'hint', text: t('sync.send_hint') }),
        exportBtn),
      h('div', { class: 'sync-action' },
        h('h3', { text: t('sync.receive_title') }),
        h('p', { class: 'hint', text: t('sync.receive_hint') }),
        previewBtn),
      // A whole copy of this laptop's data, to bring it back if the laptop breaks or is lost.
      h('div', { class: 'sync-action wide' },
        h('h3', { text: t('sync.backup_title') }),
        h('p', { class: 'hint', text: t('sync.backup_hint') }),
        backupBtn)));

  // ---- outcome and the files of the stick
  const result = h('div', { id: 'sync-result', class: 'sync-result', role: 'status', 'aria-live': 'polite', hidden: true });
  const tbody = h('tbody');
  const table = h('table', { id: 'sync-preview-table', class: 'grid sync-files' },
    h('thead', null, h('tr', null,
      h('th', { scope: 'col', text: t('sync.col.file') }),
      h('th', { scope: 'col', text: t('sync.col.what') }),
      h('th', { scope: 'col', text: t('sync.col.sender') }),
      h('th', { scope: 'col', text: t('sync.col.status') }),
      h('th', { scope: 'col', class: 'num', text: t('sync.col.new') }),
      h('th', { scope: 'col', class: 'num', text: t('sync.col.already') }),
      h('th', { scope: 'col', class: 'num', text: t('sync.col.conflicts') }))),
    tbody);
  const previewDir = h('p', { class: 'muted mono-path' });
  const previewNote = h('p', { class: 'preview-note' });
  const noFiles = h('p', { id: 'sync-no-files', class: 'empty-state', text: t('sync.no_files'), hidden: true });
  const applyBtn = h('button', { type: 'button', id: 'sync-apply', class: 'primary big', text: t('sync.apply') });
  const applyHint = h('span', { class: 'hint' });
  const applyRow = h('div', { class: 'sync-apply-row' }, applyBtn, applyHint);
  const tableWrap = h('div', { class: 'table-wrap' }, table);
  const previewBox = h('section', { id: 'sync-import', class: 'sync-import', 'aria-labelledby': 'sync-import-h', hidden: true },
    h('h2', { id: 'sync-import-h', text: t('sync.preview_title') }),
    previewDir, previewNote, tableWrap, noFiles, applyRow);

  // ---- the network: shown as the agent reports; when a sync finishes the counts below are reloaded
  const net = networkCard(() => loadStatus());
  // Where this installation stands, for the network card's words when no hub above is set.
  const place = () => ({
    hasUpper: st.peers.some((p) => p.role === 'upper'),
    lower: st.peers.filter((p) => p.role !== 'upper').length,
    top: !!(own && own.level === 'central'),
  });
  net.paint(status.network, place());
  const stopAgent = ipc.onSyncAgent((n) => { if (net.card.isConnected) net.paint(n, place()); });

  root.append(
    h('div', { class: 'view-head' },
      h('div', null, h('h1', { text: t('sync.title') }), h('p', { class: 'muted', text: t('sync.intro') })),
      h('a', { href: '#/connect', id: 'sync-to-connect', class: 'to-connect', text: t('sync.to_connect') })),
    holdBanner,
    h('div', { class: 'sync-grid' }, h('div', { class: 'sync-main' }, net.card, statusCard),
      h('div', { class: 'sync-side' }, usbCard, restoreCard(app, () => loadStatus()), historyCard)),
    result,
    previewBox);

  // ---------- status ----------

  const paintStatus = () => {
    const id = st.identity || {};
    // Restored and waiting for the upper level's answer: the officer is told what to do.
    holdBanner.hidden = st.restored_at == null;
    fingerprint.textContent = id.fingerprint || t('sync.fingerprint_none');
    if (id.installation) fingerprint.title = id.installation;

    if (!st.peers.length) {
      replace(peers, h('li', { class: 'none muted', text: t('sync.no_peers') }));
    } else {
      const order = (p) => (p.role === 'upper' ? 0 : 1);
      replace(peers, [...st.peers].sort((a, b) => order(a) - order(b)).map((p) => h('li', {
        dataset: { installation: p.installation, role: p.role, unit: p.unit_id },
      },
      h('span', { class: 'peer-name', text: unitName(p.unit_id) }),
      h('span', { class: `role ${p.role === 'upper' ? 'upper' : 'lower'}`, text: t(`sync.role.${p.role === 'upper' ? 'upper' : 'lower'}`) }),
      h('code', { class: 'fingerprint small', title: p.installation, text: p.fingerprint || '' }))));
    }

    peerNames();
    const { up, down } = waitingByDirection();
    const hasUpper = st.peers.some((p) => p.role === 'upper');
    const level = own && own.level;
    if (hasUpper) {
      replace(waitingLine, withNodes(tn('sync.waiting', up), { n: waiting }));
      waiting.textContent = fmtNumber(up);
      waitingHint.textContent = up > 0 ? t('sync.waiting_hint') : t('sync.waiting_none');
    } else {
      // Nothing waits because there is nowhere to send yet: say that, not "all sent".
      replace(waitingLine, level === 'central'
        ? t('sync.top_level')
        : withNodes(tn('sync.no_upper', st.own_changes || 0), { n: waiting }));
      waiting.textContent = fmtNumber(st.own_changes || 0);
      waitingHint.textContent = level === 'central' ? '' : t('sync.no_upper_hint');
    }
    waitingLine.classList.toggle('zero', hasUpper && up === 0);
    const files = hasUpper ? st.files_waiting || 0 : 0;
    filesWaiting.hidden = files === 0;
    replace(filesWaiting, files
      ? [withNodes(tn('sync.files_waiting', files), { n: h('strong', { id: 'sync-files-waiting-n', text: fmtNumber(files) }) }),
        h('span', { class: 'hint block', text: t('sync.files_waiting_hint') })]
      : null);
    waitingDown.hidden = down === 0;
    replace(waitingDown, down ? withNodes(tn('sync.waiting_down', down), { n: h('strong', { id: 'sync-waiting-down', text: fmtNumber(down) }) }) : null);
    outbox.hidden = st.outbox.length === 0;
    replace(outboxList, st.outbox.map((o) => h('li', {
      title: o.origin,
      dataset: { origin: o.origin, peer: o.peer },
      text: t('sync.outbox_row', { origin: whoIs(o.origin), from: fmtNumber(o.from), to: fmtNumber(o.to), peer: whoIs(o.peer) }),
    })));

    gaps.hidden = st.gaps.length === 0;
    gapsHint.hidden = st.gaps.length === 0;
    replace(gaps, st.gaps.map((g) => {
      const [origin, from, to] = Array.isArray(g) ? g : [g.origin, g.from, g.to];
      return h('li', {
        title: origin, dataset: { origin },
        text: t('sync.gap', { from: fmtNumber(from), to: fmtNumber(to), origin: whoIs(origin) }),
      });
    }));

    conflicts.textContent = fmtNumber(st.conflicts);
    conflictsLine.classList.toggle('some', st.conflicts > 0);
    conflictsHint.hidden = st.conflicts === 0;
    // The latest conflicts, each with the value kept and the one set aside (as text, never as HTML).
    replace(conflictList, ...(Array.isArray(st.conflict_list) ? st.conflict_list : []).map((c) => h('li', {
      dataset: { record: c.record_id, field: c.field },
      text: t('sync.conflict_item', { title: c.title || c.record_id, field: c.field, kept: c.kept, lost: c.lost }),
    })));

    replace(last, lastEvents());
  };

  /**
   * Changes no receipt covers yet, going up (to upper peers: what "Xuất ra USB" sends) and down (to lower
   * peers: units, plans… sent down with the CLI). `waiting` counts both; the outbox says which is which.
   */
  const waitingByDirection = () => {
    if (!st.outbox.length) return { up: st.waiting, down: 0 };
    const roles = new Map(st.peers.map((p) => [p.installation, p.role]));
    let up = 0;
    let down = 0;
    for (const o of st.outbox) {
      const n = Math.max(0, (Number(o.to) || 0) - (Number(o.from) || 0) + 1);
      if (roles.get(o.peer) === 'lower') down += n; else up += n;
    }
    return { up, down };
  };

  /** The last export, import and receipt (and receipt written, when this unit ever wrote one). */
  const lastEvents = () => {
    const latest = {};
    for (const ev of st.events) {
      if (!Array.isArray(ev)) continue;
      const [what, at, detail] = ev;
      const time = Date.parse(at);
      if (!latest[what] || time > latest[what].time) latest[what] = { time, at, d: detail || {} };
    }
    const line = (what, fn) => {
      const e = latest[what];
      return [
        h('dt', { text: t(`sync.last_${what}`) }),
        h('dd', { id: `sync-last-${what.replace('_', '-')}`, dataset: { what, at: e ? e.at : null }, class: e ? null : 'muted', text: e ? fn(fmtTimestampVN(e.at), e.d) : t('sync.never') }),
      ];
    };
    return [
      line('export', (at, d) => {
        if (!count(d.files) && !count(d.changes)) return t('sync.ev_export_nothing', { at });
        const s = t('sync.ev_export', { at, changes: tn('sync.n_changes', count(d.changes), { n: fmtNumber(count(d.changes)) }), files: tn('sync.n_files', count(d.files), { n: fmtNumber(count(d.files)) }) });
        return d.peer ? `${s} · ${t('sync.ev_to', { peer: whoIs(d.peer) })}` : s;
      }),
      line('import', (at, d) => t('sync.ev_import', { at, file: basename(d.file), new: fmtNumber(count(d.new)), already: fmtNumber(count(d.already)) })),
      line('receipt', (at, d) => t('sync.ev_receipt', { at, from: whoIs(d.from), origins: tn('sync.n_origins', count(d.origins), { n: fmtNumber(count(d.origins)) }) })),
      latest.receipt_written
        ? line('receipt_written', (at, d) => t('sync.ev_receipt_written', { at, peer: whoIs(d.peer), file: basename(d.file) }))
        : null,
      // Backups are taken by themselves (daily, before an import): when the last one was, and where.
      h('dt', { text: t('sync.last_backup') }),
      h('dd', { id: 'sync-last-backup', class: st.last_backup ? null : 'muted',
        text: st.last_backup
          ? t('sync.ev_backup', { at: fmtLocal(String(st.last_backup.taken_at).slice(0, 16)), folder: st.backup_folder || '' })
          : t('sync.never') }),
    ];
  };

  let statusSeq = 0;
  const loadStatus = async () => {
    const mine = ++statusSeq;
    root.dataset.loading = 'true';
    try {
      const s = await ipc.syncStatus();
      if (mine !== statusSeq) return;
      st = s;
      statusBanner.replaceChildren();
      paintStatus();
    } catch (err) {
      if (mine !== statusSeq || app.handleGlobalError(err)) return;
      statusBanner.replaceChildren(h('div', { class: 'banner error', role: 'alert', text: app.errorText(err) }));
    } finally {
      if (mine === statusSeq) delete root.dataset.loading;
    }
  };

  // ---------- the folder ----------

  let driveList = drives;
  const paintDrives = () => {
    replace(driveSel,
      h('option', { value: '', text: driveList.length ? t('sync.drive_pick') : t('sync.drive_none') }),
      driveList.map((d) => h('option', { value: d, text: d })));
    driveSel.value = driveList.includes(dirInput.value.trim()) ? dirInput.value.trim() : '';
  };

  /** The folder changed: remember it, and drop a preview of another folder. */
  const dirChanged = () => {
    const dir = dirInput.value.trim();
    storeDir(dir);
    driveSel.value = driveList.includes(dir) ? dir : '';
    if (dir) clearFieldError(dirInput);
    if (!mem.op && mem.preview && mem.preview.dir !== dir) { mem.preview = null; paint(false); }
  };

  dirInput.value = (restore && typeof restore.dir === 'string' ? restore.dir : readDir()) || drives[0] || '';
  paintDrives();
  dirInput.addEventListener('input', () => { if (dirInput.value.trim()) clearFieldError(dirInput); });
  dirInput.addEventListener('change', dirChanged);
  driveSel.addEventListener('change', () => {
    if (!driveSel.value) return;
    dirInput.value = driveSel.value;
    dirChanged();
  });
  refresh.addEventListener('click', async () => {
    refresh.disabled = true;
    try {
      driveList = await ipc.syncDrives();
    } catch (err) {
      if (app.handleGlobalError(err)) return;
      driveList = [];
    } finally {
      refresh.disabled = !!mem.op;
    }
    if (!dirInput.value.trim() && driveList.length) { dirInput.value = driveList[0]; dirChanged(); }
    paintDrives();
  });

  const start = (kind) => {
    const dir = kind === 'import' && mem.preview ? mem.preview.dir : dirInput.value.trim();
    if (!dir) {
      markFieldError(dirInput, t('sync.dir_required'));
      dirInput.focus();
      return;
    }
    storeDir(dir);
    run(kind, dir, app);
  };
  exportBtn.addEventListener('click', () => start('export'));
  previewBtn.addEventListener('click', () => start('preview'));
  applyBtn.addEventListener('click', () => start('import'));
  backupBtn.addEventListener('click', () => start('backup'));

  // ---------- busy state, outcome, the files table ----------

  const BUSY_LABEL = { export: [exportBtn, 'sync.exporting'], preview: [previewBtn, 'sync.previewing'], import: [applyBtn, 'sync.applying'], backup: [backupBtn, 'sync.backing_up'] };
  const paintBusy = () => {
    const op = mem.op;
    if (op) root.dataset.busy = op.kind; else delete root.dataset.busy;
    for (const el of [exportBtn, previewBtn, applyBtn, backupBtn, driveSel, dirInput, refresh]) el.disabled = !!op;
    backupBtn.textContent = t('sync.backup');
    exportBtn.textContent = t('sync.export');
    previewBtn.textContent = t('sync.preview');
    applyBtn.textContent = t('sync.apply');
    for (const b of [exportBtn, previewBtn, applyBtn, backupBtn]) b.removeAttribute('aria-busy');
    if (op) {
      const [btn, label] = BUSY_LABEL[op.kind];
      btn.textContent = label ? t(label) : btn.textContent;
      btn.setAttribute('aria-busy', 'true');
    }
  };

  const paintResult = () => {
    const op = mem.op;
    const r = mem.result;
    delete result.dataset.outcome;
    result.className = 'sync-result';
    if (op) {
      result.hidden = false;
      result.dataset.kind = 'busy';
      result.classList.add('busy');
      replace(result, h('p', { class: 'busy-msg', text: t(`sync.busy.${op.kind}`) }));
      return;
    }
    if (!r) { result.hidden = true; result.dataset.kind = ''; replace(result); return; }
    result.hidden = false;
    result.dataset.kind = r.kind;
    if (r.kind === 'error') {
      result.classList.add('error');
      result.dataset.code = r.err.code;
      replace(result, h('p', { class: 'summary', role: 'alert', text: app.errorText(r.err) }),
        r.op === 'export' && r.err.code === 'not_found' ? h('p', { class: 'hint', text: t('sync.export_no_upper') }) : null);
      return;
    }
    delete result.dataset.code;
    if (r.kind === 'backup') {
      result.dataset.outcome = 'written';
      result.classList.add('ok');
      replace(result,
        h('p', { class: 'summary', text: t('sync.backup_done', { size: fmtSize(r.data.bytes) }) }),
        h('p', { id: 'sync-backup-file', class: 'mono', dataset: { file: r.data.path }, text: r.data.path }),
        h('p', { class: 'hint', text: t('sync.backup_next') }));
      return;
    }
    if (r.kind === 'export') {
      const files = r.data.files;
      const ev = r.data.evidence || { written: 0, bytes: 0, waiting: 0 };
      // Evidence files: written this time, and those left for the next export (a full stick).
      const evidenceLines = [
        ev.written ? h('p', { id: 'sync-evidence-written', text: tn('sync.evidence_written', ev.written, { n: fmtNumber(ev.written), size: fmtSize(ev.bytes) }) }) : null,
        ev.waiting ? h('p', { id: 'sync-evidence-waiting', class: 'held', text: tn('sync.evidence_left', ev.waiting, { n: fmtNumber(ev.waiting) }) }) : null,
      ];
      if (!files.length && !ev.written) {
        result.dataset.outcome = 'nothing';
        result.classList.add('info');
        replace(result, h('p', { class: 'summary', text: t('sync.nothing_new') }), evidenceLines);
        return;
      }
      result.dataset.outcome = 'written';
      result.classList.add('ok');
      // Only files this time (the changes went on an earlier stick): no bundle to list.
      replace(result,
        files.length ? h('p', { class: 'summary', text: t('sync.export_done', {
          changes: tn('sync.n_changes', r.data.changes, { n: fmtNumber(r.data.changes) }),
          files: tn('sync.n_files', files.length, { n: fmtNumber(files.length) }),
        }) }) : null,
        files.length ? h('ul', { id: 'sync-files', class: 'file-list' }, files.map((f) => h('li', { class: 'mono', title: String(f), dataset: { file: f }, text: basename(f) }))) : null,
        evidenceLines,
        h('p', { class: 'hint', text: t('sync.export_next') }));
      return;
    }
    // import
    const rows = r.data.files;
    const reports = rows.filter((f) => !isRefused(f) && f.report);
    const applied = reports.filter((f) => f.report.status === 'applied');
    const newChanges = applied.reduce((s, f) => s + count(f.report.new_changes), 0);
    const held = reports.filter((f) => f.report.status === 'held').length;
    const receipts = reports.filter((f) => f.report.status === 'receipt').length;
    const refused = rows.filter(isRefused).length;
    const written = r.data.receipts_written;
    const nFiles = (n) => tn('sync.n_files', n, { n: fmtNumber(n) });
    result.dataset.outcome = newChanges > 0 ? 'applied' : 'nothing';
    result.classList.add(refused ? 'warn' : 'ok');
    replace(result,
      h('p', { class: 'summary', text: newChanges > 0
        ? t('sync.import_done', { changes: tn('sync.n_new_changes', newChanges, { n: fmtNumber(newChanges) }), files: nFiles(applied.length) })
        : t('sync.import_nothing') }),
      receipts ? h('p', { text: tn('sync.import_receipts', receipts, { n: fmtNumber(receipts) }) }) : null,
      held ? h('p', { class: 'held', text: t('sync.import_held', { files: nFiles(held) }) }) : null,
      refused ? h('p', { class: 'refused', text: t('sync.import_refused', { files: nFiles(refused) }) }) : null,
      written.length
        ? h('p', { id: 'sync-receipts', dataset: { count: written.length } },
          t('sync.receipts_written', { files: written.map(basename).join(', ') }))
        : null,
      written.length ? h('p', { class: 'hint', text: t('sync.receipts_next') }) : null,
      evidenceTaken(r.data.evidence));
  };

  /** The evidence files an import took, refused (each by name, with why) and still misses. */
  const evidenceTaken = (ev) => {
    if (!ev) return null;
    return [
      ev.taken ? h('p', { id: 'sync-evidence-taken', text: tn('sync.evidence_taken', ev.taken, { n: fmtNumber(ev.taken) }) }) : null,
      ev.refused.length
        ? h('div', { id: 'sync-evidence-refused', class: 'banner error', role: 'alert' },
          h('p', { text: t('sync.evidence_refused') }),
          h('ul', null, ev.refused.map((x) => h('li', { text: `${x.file}: ${x.why}` }))))
        : null,
      ev.still_missing.length
        ? h('p', { id: 'sync-evidence-missing', class: 'held', text: tn('sync.evidence_missing', ev.still_missing.length, {
          n: fmtNumber(ev.still_missing.length), names: ev.still_missing.slice(0, 5).join(', ') + (ev.still_missing.length > 5 ? ', …' : ''),
        }) })
        : null,
    ];
  };

  const paintPreview = () => {
    const p = mem.preview;
    if (!p) { previewBox.hidden = true; replace(tbody); return; }
    previewBox.hidden = false;
    previewBox.dataset.mode = p.mode;
    table.dataset.mode = p.mode;
    previewDir.textContent = t('sync.preview_in', { dir: p.dir });
    previewNote.textContent = p.mode === 'preview' ? t('sync.preview_note') : t('sync.imported_note');
    const files = p.res.files;
    replace(tbody, files.map((f) => fileRow(f, p.mode)));
    tableWrap.hidden = files.length === 0;
    noFiles.hidden = files.length > 0;
    const importable = files.filter((f) => !isRefused(f)).length;
    applyRow.hidden = p.mode !== 'preview' || files.length === 0;
    if (!mem.op) applyBtn.disabled = importable === 0;
    applyHint.textContent = importable === 0 ? t('sync.apply_none') : (importable < files.length ? t('sync.apply_hint') : '');
  };

  const fileRow = (f, mode) => {
    const rep = f.report || null;
    const refused = isRefused(f);
    const status = refused ? 'refused' : (rep && rep.status) || 'unknown';
    const what = status === 'receipt' ? 'receipt' : rep ? 'bundle' : guessWhat(f.file);
    const num = (v) => {
      if (refused || status === 'receipt' || !rep || v === undefined || v === null) return '—';
      return fmtNumber(count(v));
    };
    const nConflicts = rep && !refused ? count(rep.conflicts) : 0;
    return h('tr', { class: refused ? 'refused' : null, dataset: { file: f.file, status, what } },
      h('td', { class: 'file mono', title: String(f.file ?? ''), text: basename(f.file) }),
      h('td', { class: 'what', text: t(`sync.what.${what}`) }),
      h('td', { class: 'sender', text: rep && rep.sender ? whoIs(rep.sender) : '' }),
      h('td', { class: `status st-${status}`, text: statusText(f, status, mode) }),
      h('td', { class: 'new num', text: num(rep && rep.new_changes) }),
      h('td', { class: 'already num', text: num(rep && rep.already) }),
      h('td', { class: `conflicts num${nConflicts > 0 ? ' some' : ''}`, text: num(rep && rep.conflicts) }));
  };

  const statusText = (f, status, mode) => {
    const rep = f.report || {};
    switch (status) {
      case 'refused':
        return t('sync.st.refused', { reason: typeof f.refused === 'string' ? f.refused : '' });
      case 'applied': {
        const n = count(rep.new_changes);
        if (n === 0) return t('sync.st.nothing_new');
        return tn(mode === 'preview' ? 'sync.st.will_apply' : 'sync.st.applied', n, { n: fmtNumber(n) });
      }
      case 'already_applied':
        return t('sync.st.already');
      case 'held': {
        const missing = Array.isArray(rep.missing) ? rep.missing : [];
        if (!missing.length) return t('sync.st.held_plain');
        return t('sync.st.held', {
          missing: missing.map((m) => {
            const [origin, from, to] = Array.isArray(m) ? m : [m.origin, m.from, m.to];
            return t('sync.missing', { from: fmtNumber(from), to: fmtNumber(to), origin: whoIs(origin) });
          }).join('; '),
        });
      }
      case 'receipt':
        return rep.origins !== undefined && rep.origins !== null
          ? t('sync.st.receipt_n', { origins: tn('sync.n_origins', count(rep.origins), { n: fmtNumber(count(rep.origins)) }) })
          : t('sync.st.receipt');
      default:
        return String(status);
    }
  };

  /** Repaints from `mem`; `ended` names the operation that just finished, whose outcome is scrolled to. */
  const paint = (reloadStatus, ended = null) => {
    paintBusy();
    paintResult();
    paintPreview();
    if (reloadStatus) loadStatus();
    if (ended) {
      const target = ended === 'preview' && !previewBox.hidden && !mem.result ? previewBox : result;
      if (!target.hidden) target.scrollIntoView({ block: ended === 'export' ? 'nearest' : 'start' });
    }
  };

  paintStatus();
  paint(false);
  mem.paint = paint;
  // An operation ended while this view was loading: its status is older than the outcome shown.
  if (mem.gen !== gen) loadStatus();

  return {
    snapshot: () => ({ dir: dirInput.value }),
    destroy: () => {
      if (mem.paint === paint) mem.paint = null;
      stopAgent.then((stop) => stop()).catch(() => {});
    },
  };
}

function isRefused(f) {
  return f.refused !== undefined && f.refused !== null && f.refused !== false;
}

function guessWhat(file) {
  const name = basename(file).toLowerCase();
  if (name.includes('receipt')) return 'receipt';
  if (name.includes('bundle')) return 'bundle';
  return 'unknown';
}
