// Evidence files (minh chứng) without the DOM: which records carry them, what a gallery item shows, and
// what an attach returned. The gallery itself is views/evidence.js.

/** The kinds whose records carry an `attachments` list (core: evidence::has_attachments). */
export const EVIDENCE_KINDS = ['event', 'practice', 'inspection', 'supervision', 'case'];

/** What a file shows, in the order the kind selector offers them (core: FileRole). */
export const FILE_ROLES = ['photo', 'sheet', 'minutes', 'article', 'other'];

export function hasEvidence(kind) {
  return EVIDENCE_KINDS.includes(kind);
}

/** The kind preselected: a false-information case's evidence is the screenshot of the post. */
export function defaultRole(kind) {
  return kind === 'case' ? 'article' : 'photo';
}

/** How many files a record (a list row, which is the whole record) has attached. */
export function attachmentCount(record) {
  const list = record && record.attachments;
  return Array.isArray(list) ? list.length : 0;
}

export function isPdf(item) {
  return !!item && item.media_type === 'application/pdf';
}

/** A thumbnail the page may show: only a JPEG data URL made by Rust, never a path or a remote address. */
export function thumbSrc(item) {
  const s = item && typeof item.thumb === 'string' ? item.thumb : '';
  return s.startsWith('data:image/jpeg;base64,') ? s : null;
}

/** What a gallery item says first: its caption, else its file name. */
export function itemTitle(item) {
  const caption = item && typeof item.caption === 'string' ? item.caption.trim() : '';
  return caption || String((item && item.name) || '');
}

/** The paths of a `tauri://drag-drop` event (its payload is `{ paths, position }`; older shells sent the list). */
export function dropPaths(payload) {
  const list = Array.isArray(payload) ? payload : payload && Array.isArray(payload.paths) ? payload.paths : [];
  return list.filter((p) => typeof p === 'string' && p.trim() !== '');
}

/** An attach's answer, every list present: { attached: n, refused: [{ file, message }] }. */
export function attachOutcome(res) {
  const r = res && typeof res === 'object' ? res : {};
  const refused = (Array.isArray(r.refused) ? r.refused : [])
    .filter((x) => x && typeof x.message === 'string')
    .map((x) => ({ file: String(x.file ?? ''), message: x.message }));
  return { attached: Array.isArray(r.attached) ? r.attached.length : 0, refused, record: r.record || null };
}
