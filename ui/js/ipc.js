// The only module that talks to Rust. One async function per command of docs/ipc.md.
// Every failure rejects with { code, message, field?, errors? } — errors: [{ field, message }], every
// wrong field of a record, each message worded to stand beside its field.

const tauri = window.__TAURI__ && window.__TAURI__.core;
const invoke = tauri ? tauri.invoke : null;

/** Turns whatever a command threw into { code, message, field?, errors? }. */
export function normaliseError(e) {
  if (e && typeof e === 'object' && typeof e.code === 'string') {
    const out = { code: e.code, message: typeof e.message === 'string' ? e.message : String(e.code) };
    if (typeof e.field === 'string' && e.field) out.field = e.field;
    if (Array.isArray(e.errors)) {
      const errors = e.errors
        .filter((x) => x && typeof x.field === 'string' && typeof x.message === 'string')
        .map((x) => ({ field: x.field, message: x.message }));
      if (errors.length) out.errors = errors;
    }
    return out;
  }
  if (typeof e === 'string') {
    // A command may have sent its error object as JSON text.
    try {
      const parsed = JSON.parse(e);
      if (parsed && typeof parsed === 'object' && typeof parsed.code === 'string') return normaliseError(parsed);
    } catch (_) { /* plain text */ }
    return { code: 'unknown', message: e };
  }
  if (e instanceof Error) return { code: 'unknown', message: e.message || String(e) };
  return { code: 'unknown', message: String(e) };
}

async function call(cmd, args) {
  if (!invoke) {
    throw { code: 'no_backend', message: 'window.__TAURI__ is missing: run the page inside the Sotay window.' };
  }
  try {
    return await invoke(cmd, args || {});
  } catch (e) {
    throw normaliseError(e);
  }
}

export const appStatus = () => call('app_status', {});
export const setLang = (lang) => call('set_lang', { lang });
export const setupUnit = (unit) => call('setup_unit', { unit });
export const setupDemo = () => call('setup_demo', {});
export const listRecords = (query) => call('list_records', { query });
export const getRecord = (kind, id) => call('get_record', { kind, id });

export function saveRecord(kind, id, data) {
  const args = { kind, data };
  if (id) args.id = id;
  return call('save_record', args);
}

export const deleteRecord = (kind, id) => call('delete_record', { kind, id });

/** Choices for forms, always as { units: [{id, name, code}], plans: [{id, title, number}],
 *  indicators: [{code, name}], enums }: the store may label every choice `label` (see options.rs). */
/** The period report: { unit, period, events, participants, indicators: [...], rows: [{ name, values }] }. */
export async function report(period, unitId, structure, source) {
  const args = { period };
  if (unitId) args.unitId = unitId;
  if (structure) args.structure = structure;
  if (source) args.source = source;
  const r = (await call('report', args)) || {};
  return { ...r, indicators: arr(r.indicators), rows: arr(r.rows) };
}

// ---------- the national hub's database (a read replica), which the overview may read instead ----------

/** { address } — the saved address without its password, or null. */
export const nationalSource = () => call('national_source', {});
/** Connects and saves the address: { unit: {id, name}, units: [{id, name}] } (the hub's unit first). */
export const nationalConnect = (address) => call('national_connect', { address });
export const nationalForget = () => call('national_forget', {});
export const nationalUnits = () => call('national_units', {});

// ---------- the structure under this unit (the merge wizard) and the official lists ----------

export const restructurePreview = (decision) => call('restructure_preview', { decision });
export const restructureApply = (decision) => call('restructure_apply', { decision });
export const restructureUndo = () => call('restructure_undo', {});
export const restructureLast = () => call('restructure_last', {});
/** { source, effective, units: [{ level, code, name, official_name, place, province, upper_body }] } */
export const officialUnits = (query) => call('official_units', { query });

/** The twelve months of `year`: [{ period, events, values: { code: value } }]. */
export async function reportSeries(year, unitId, source) {
  const args = { year };
  if (unitId) args.unitId = unitId;
  if (source) args.source = source;
  return arr(await call('report_series', args));
}

export async function options() {
  const o = (await call('options', {})) || {};
  const arr = (v) => (Array.isArray(v) ? v : []);
  return {
    units: arr(o.units).map((u) => ({ id: u.id, name: u.name ?? u.label ?? u.id, code: u.code ?? null, endedOn: u.ended_on ?? null })),
    plans: arr(o.plans).map((p) => ({ id: p.id, title: p.title ?? p.label ?? p.id, number: p.number ?? p.code ?? null })),
    indicators: arr(o.indicators).map((i) => ({ code: i.code ?? i.id, name: i.name ?? i.label ?? i.code ?? i.id })),
    enums: o.enums || {},
  };
}
export const eventDefaults = () => call('event_defaults', {});
export const draftSave = (key, data) => call('draft_save', { key, data });
/** Tells Rust whether a form has unsaved changes (closing the window then asks first). */
export const setUnsaved = (unsaved) => call('set_unsaved', { unsaved: !!unsaved }).catch(() => {});
/** Closes the window (after the officer chose to leave unsaved changes, kept as a draft). */
export const closeWindow = () => call('close_window', {});

/** Calls `handler()` when the window is asked to close while a form has unsaved changes. */
export function onCloseRequested(handler) {
  const ev = window.__TAURI__ && window.__TAURI__.event;
  if (!ev) return Promise.resolve(() => {});
  return ev.listen('close-requested', () => handler()).catch(() => () => {});
}
export const draftLoad = (key) => call('draft_load', { key });
export const draftClear = (key) => call('draft_clear', { key });

// ---------- sync over a USB stick (folder) ----------

const arr = (v) => (Array.isArray(v) ? v : []);

/** { identity, peers, outbox, waiting, gaps, events, conflicts, network, backup_folder, last_backup }, with every list present. */
export async function syncStatus() {
  const s = (await call('sync_status', {})) || {};
  return {
    identity: s.identity || {},
    peers: arr(s.peers),
    outbox: arr(s.outbox),
    waiting: Number(s.waiting) || 0,
    // Evidence files the upper level does not have yet (they follow the changes).
    files_waiting: Number(s.files_waiting) || 0,
    own_changes: Number(s.own_changes) || 0,
    gaps: arr(s.gaps),
    events: arr(s.events),
    conflicts: Number(s.conflicts) || 0,
    conflict_list: arr(s.conflict_list),
    network: s.network || {},
    backup_folder: s.backup_folder || '',
    last_backup: s.last_backup || null,
    // Restored from a backup at this sequence number, waiting for the upper level's answer (else null).
    restored_at: s.restored_at ?? null,
  };
}

// ---------- sync over the network (the agent runs in Rust) ----------

/** Asks the agent to sync now; the outcome comes as a `sync-agent` event. */
export const syncNow = () => call('sync_now', {});

/** Calls `handler(status)` on each `sync-agent` event; resolves to a function that stops it. */
export function onSyncAgent(handler) {
  const ev = window.__TAURI__ && window.__TAURI__.event;
  if (!ev) return Promise.resolve(() => {});
  return ev.listen('sync-agent', (e) => handler(e.payload || {})).catch(() => () => {});
}

/** Folders where removable drives are mounted (may be empty). */
export async function syncDrives() {
  return arr(await call('sync_drives', {})).filter((d) => typeof d === 'string' && d);
}

/** { files, changes, ranges }: no files when nothing is new. */
/** Calls `handler({done, total})` on each `sync-progress` event; resolves to a function that stops it. */
export function onSyncProgress(handler) {
  const ev = window.__TAURI__ && window.__TAURI__.event;
  if (!ev) return Promise.resolve(() => {});
  return ev.listen('sync-progress', (e) => handler(e.payload || {})).catch(() => () => {});
}

/** A checked copy of the whole database into `dir` (a stick): { path, taken_at, reason, bytes }. */
export async function backupTo(dir) {
  return (await call('backup_to', { dir })) || {};
}

/** The automatic backups, newest first: { folder, backups: [{ path, taken_at, reason, reason_text, bytes }] }. */
export const backupsList = () => call('backups_list');
/** The backup's own secret, for a backup whose key is not this window's (a first run on a new laptop):
 *  { passphrase } or { recoveryCode }; nothing when the window's own key opens it. */
const secretArgs = (secret) => {
  if (!secret) return {};
  if (secret.recoveryCode) return { recoveryCode: secret.recoveryCode };
  if (secret.passphrase) return { passphrase: secret.passphrase };
  return {};
};
/** What a backup holds, checked; nothing changes. */
export const restoreInspect = (path, secret) => call('restore_inspect', { path, ...secretArgs(secret) });
/** Puts the backup in place (the current data kept as a backup first): { info, previous, recovery_code,
 *  needs_new_passphrase } — on a first run, after the recovery code opened it, a new passphrase is set next. */
export const restoreBackup = (path, secret) => call('restore_backup', { path, ...secretArgs(secret) });
/** A file dialog for a backup on a stick; null when cancelled. */
export const restorePickFile = () => call('restore_pick_file');

/** Evidence files an export wrote beside its bundles: { written, bytes, waiting } (those left for the next time). */
const filesExported = (e) => ({ written: Number((e || {}).written) || 0, bytes: Number((e || {}).bytes) || 0, waiting: Number((e || {}).waiting) || 0 });

export async function syncExport(dir) {
  const r = (await call('sync_export', { dir })) || {};
  return { files: arr(r.files), changes: Number(r.changes) || 0, ranges: arr(r.ranges), evidence: filesExported(r.evidence) };
}

/** Evidence files an import took: { taken, refused: [{ file, why }], still_missing: [name] } (missing ones are asked for again). */
const filesTaken = (e) => ({
  taken: Number((e || {}).taken) || 0,
  refused: arr((e || {}).refused).filter(Array.isArray).map(([file, why]) => ({ file: String(file ?? ''), why: String(why ?? '') })),
  still_missing: arr((e || {}).still_missing).map(String),
});

const importResult = (r) => ({
  files: arr((r || {}).files), receipts_written: arr((r || {}).receipts_written), evidence: filesTaken((r || {}).evidence),
});

/** A dry run of sync_import: what each file in `dir` would do. */
export const syncPreview = async (dir) => importResult(await call('sync_preview', { dir }));
/** Imports every file of `dir` it can and writes the receipts back into `dir`. */
export const syncImport = async (dir) => importResult(await call('sync_import', { dir }));

// ---------- the print centre (documents laid out by the `sotay` program beside the window) ----------

/** [{ document, pages, svgs }] for request { docs, event_id | plan_id | period, group_by_unit, signer, signer_title, date }. */
export async function printPreview(request) {
  return arr(await call('print_preview', { request })).map((d) => ({
    document: String(d.document || ''), pages: Number(d.pages) || 0, svgs: arr(d.svgs).map(String),
  }));
}
/** Writes the PDFs into `dir`: [{ document, path, number }]. */
export async function printSave(request, dir, register) {
  return arr(await call('print_save', { request, dir, register })).map((f) => ({
    document: String(f.document || ''), path: String(f.path || ''), number: f.number ? String(f.number) : null,
  }));
}
/** Opens the system print dialog on the previewed pages. */
export const printPages = () => call('print_pages', {});
/** The folder offered first for saving PDFs. */
export const printDefaultDir = async () => String((await call('print_default_dir', {})) || '');
/** A folder chosen in the system's dialog, or null when cancelled. */
export const printPickDir = (start) => call('print_pick_dir', { start: start || null });
/** Shows a folder in the system's file manager. */
export const printOpenDir = (dir) => call('print_open_dir', { dir });

// ---------- evidence files (minh chứng) of events, practices, inspections, supervisions and cases ----------

/** A record's attachments: [{ sha256, kind, name, media_type, size, caption?, held, width, height, thumb? }]. */
export async function evidenceList(kind, id) {
  return arr(await call('evidence_list', { kind, id }));
}
/** The system's multi-file dialog, then the files attached: { record, attached, refused: [{ file, message }] },
 *  or null when cancelled. */
export const evidencePick = (kind, id, role, caption) => call('evidence_pick', { kind, id, role, caption: caption || null });
/** Attaches files dropped on the window (their paths): the same answer as evidencePick. */
export const evidenceAttachPaths = (kind, id, paths, role, caption) =>
  call('evidence_attach_paths', { kind, id, paths, role, caption: caption || null });
/** Removes one attachment (a change that syncs): the record. */
export const evidenceDetach = (kind, id, sha256) => call('evidence_detach', { kind, id, sha256 });
/** Opens the file in the system's viewer: the path of the copy opened. */
export const evidenceOpen = (sha256) => call('evidence_open', { sha256 });

/**
 * Files dragged over and dropped on the window (Tauri's own events): handlers { enter(), leave(),
 * drop(payload) }. Resolves to a function that stops listening.
 */
export async function onFileDrop(handlers) {
  const ev = window.__TAURI__ && window.__TAURI__.event;
  if (!ev) return () => {};
  const pairs = [['tauri://drag-enter', handlers.enter], ['tauri://drag-leave', handlers.leave], ['tauri://drag-drop', handlers.drop]];
  const stops = await Promise.all(pairs.filter(([, fn]) => fn)
    .map(([name, fn]) => ev.listen(name, (e) => fn(e.payload)).catch(() => () => {})));
  return () => { for (const stop of stops) stop(); };
}

// ---------- enrolment: connecting with the upper and lower levels ----------

/** Each connection file of a folder (or the one file named), checked, changing nothing:
 *  { dir, files: [{ file, name, unit_name, unit_code, fingerprint, role?, hub?, refused?: {code, message} }] }. */
export async function enrolRead(path) {
  const r = (await call('enrol_read', { path })) || {};
  return { dir: String(r.dir || ''), files: arr(r.files) };
}
/** Connects the unit of the file once its fingerprint was compared; writes this computer's own file beside it:
 *  { role, unit_name, fingerprint, written: { path } | null, write_error }. */
export const enrolConfirm = (path, fingerprint) => call('enrol_confirm', { path, fingerprint });
/** First run: this empty database becomes another computer of the unit in the file. */
export const enrolJoin = (path, fingerprint) => call('enrol_join', { path, fingerprint });
/** Writes this computer's own connection file into `dir`: { path, fingerprint }. */
export const enrolWrite = (dir) => call('enrol_write', { dir });
/** { installation, fingerprint, unit, peers: [{ installation, unit_name, role, fingerprint, waiting, last_contact }] }. */
export async function enrolStatus() {
  const s = (await call('enrol_status', {})) || {};
  return { installation: s.installation || '', fingerprint: s.fingerprint || '', unit: s.unit || {}, peers: arr(s.peers) };
}
/** Revokes the key of a lower unit's lost laptop (its installation id): nothing it signs is taken from now on:
 *  { installation, unit_id, unit_name, held, revoked_at, already }. */
export const enrolRevoke = (installation) => call('enrol_revoke', { installation });

// ---------- the lock: the data's key, wrapped by the officer's passphrase and the recovery code ----------

/** { state: "missing"|"plain"|"locked"|"unlocked", db_path, key_file, idle_minutes, idle_seconds_override }. */
export const vaultStatus = () => call('vault_status', {});
/** First run: the data created encrypted under `passphrase`, and opened: { recovery_code } (shown once). */
export const vaultCreate = (passphrase) => call('vault_create', { passphrase });
/** An older Sotay's plain data encrypted once (an encrypted backup kept first): { recovery_code, backup }. */
export const vaultConvert = (passphrase) => call('vault_convert', { passphrase });
/** Opens the data with the passphrase. */
export const vaultUnlock = (passphrase) => call('vault_unlock', { passphrase });
/** Opens the data with the recovery code, setting `newPassphrase` in place of the forgotten one. */
export const vaultRecover = (recoveryCode, newPassphrase) => call('vault_unlock', { recoveryCode, newPassphrase });
/** Closes the data now (the lock button, or the idle timer). */
export const vaultLock = () => call('vault_lock', {});
/** A new passphrase; the current one is asked again. */
export const vaultChange = (passphrase, newPassphrase) => call('vault_change', { passphrase, newPassphrase });
/** The lock's settings, changed when given: { idleMinutes?, sealToUpper? } → { idle_minutes, seal_to_upper, sealed_to }. */
export function vaultSettings(change = {}) {
  const args = {};
  if (change.idleMinutes !== undefined) args.idleMinutesSet = change.idleMinutes;
  if (change.sealToUpper !== undefined) args.sealToUpper = !!change.sealToUpper;
  return call('vault_settings', args);
}
