// The gallery of a record's evidence files (minh chứng): on the form of an event, a practice, an
// inspection, a supervision or a false-information case, and in the quick log after an event is saved.
// Files are attached from the system's dialog (evidence_pick) or dropped on the window (the
// `tauri://drag-drop` event, evidence_attach_paths) while the gallery is on screen; each acts at once, as a
// change of its own, apart from the form's "Lưu". Every name and caption is shown as text.

import * as ipc from '../ipc.js';
import { h, replace, toast, askInPage } from '../dom.js';
import { t, tn, enumLabel } from '../i18n.js';
import { fmtNumber, fmtSize } from '../format.js';
import { FILE_ROLES, isPdf, thumbSrc, itemTitle, dropPaths, attachOutcome } from '../evidence.js';

const SVG = 'http://www.w3.org/2000/svg';

/** A small paperclip drawn as SVG (no icon font, no emoji font needed). */
export function paperclip() {
  const el = (tag, attrs) => {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    return e;
  };
  const svg = el('svg', { viewBox: '0 0 24 24', width: '15', height: '15', 'aria-hidden': 'true', class: 'icon-clip' });
  svg.appendChild(el('path', {
    d: 'M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5',
    fill: 'none', stroke: 'currentColor', 'stroke-width': '2', 'stroke-linecap': 'round',
  }));
  return svg;
}

/** The list's mark of a record with files: a paperclip and how many. */
export function clipCount(n) {
  const words = tn('ev.count', n, { n: fmtNumber(n) });
  return h('span', { class: 'clip-count', title: words, 'aria-label': words }, paperclip(), h('span', { text: fmtNumber(n) }));
}

/** Asks before removing a file, in a page dialog (as the leave dialog does); resolves true to remove. */
function confirmRemove(name) {
  return askInPage('evidence-remove-dialog', t('ev.confirm_remove', { name }),
    { id: 'evidence-remove-no', text: t('ev.cancel') }, { id: 'evidence-remove-yes', text: t('ev.confirm_yes'), cls: 'danger' });
}

/**
 * The gallery of record `id` of `kind`: { el, destroy }. Without an id (a record not saved yet) it only
 * says to save first. opts: { readonly, role (preselected), heading, onRecord(record) after a change }.
 */
export function evidenceGallery(kind, id, app, opts = {}) {
  const readonly = !!opts.readonly;
  const section = h('section', { id: 'evidence', class: 'section evidence', 'aria-labelledby': 'evidence-h', dataset: { kind } },
    h('h2', { id: 'evidence-h', class: 'section-title', text: opts.heading || t('ev.title') }));
  if (!id) {
    section.append(h('p', { id: 'evidence-save-first', class: 'hint save-first', text: t('ev.save_first') }));
    return { el: section, destroy: () => {} };
  }
  section.dataset.id = id;

  const status = h('p', { id: 'evidence-status', class: 'evidence-status', 'aria-live': 'polite' });
  const refusedBox = h('div', { id: 'evidence-refused', class: 'banner error evidence-refused', role: 'alert', hidden: true });
  const grid = h('ul', { id: 'evidence-grid', class: 'evidence-grid', 'aria-labelledby': 'evidence-h' });
  const empty = h('p', { id: 'evidence-empty', class: 'muted evidence-empty', hidden: true, text: t('ev.empty') });

  const roleSel = h('select', { id: 'evidence-role' },
    FILE_ROLES.map((r) => h('option', { value: r, text: enumLabel('file_role', r) })));
  roleSel.value = FILE_ROLES.includes(opts.role) ? opts.role : 'photo';
  const caption = h('input', {
    type: 'text', id: 'evidence-caption', autocomplete: 'off', maxlength: '500', placeholder: t('ev.caption_ph'),
  });
  const pick = h('button', { type: 'button', id: 'evidence-pick', class: 'primary', text: t('ev.pick') });
  const dropText = h('span', { id: 'evidence-drop-text', class: 'drop-text', text: t('ev.drop') });
  const zone = readonly ? null : h('div', { id: 'evidence-drop', class: 'evidence-drop' },
    h('div', { class: 'evidence-add' },
      h('div', { class: 'field' }, h('label', { for: 'evidence-role', text: t('ev.role') }), roleSel),
      h('div', { class: 'field grow' }, h('label', { for: 'evidence-caption', text: t('ev.caption') }), caption),
      h('div', { class: 'field pick' }, pick)),
    h('p', { class: 'drop-line' }, dropText, h('span', { class: 'muted', text: ` · ${t('ev.types')}` })),
    h('p', { id: 'evidence-privacy', class: 'hint', text: t('ev.privacy') }));

  section.append(
    h('p', { class: 'hint evidence-intro', text: readonly ? t('ev.readonly') : t('ev.intro') }),
    zone, status, refusedBox, grid, empty);

  let items = [];
  let gone = false;

  const showRefused = (lines) => {
    refusedBox.hidden = lines.length === 0;
    replace(refusedBox, lines.length
      ? [h('p', { class: 'refused-title', text: t('ev.refused_title') }),
        h('ul', null, lines.map((m) => h('li', { text: m })))]
      : null);
  };
  const failed = (err) => {
    if (app.handleGlobalError(err)) return;
    showRefused([app.errorText(err)]);
  };

  const itemEl = (a) => {
    const title = itemTitle(a);
    const src = a.held ? thumbSrc(a) : null;
    let face;
    if (!a.held) face = h('span', { class: 'not-here', text: t('ev.not_here') });
    else if (src) face = h('img', { class: 'evidence-thumb', src, alt: title, loading: 'lazy' });
    else face = h('span', { class: isPdf(a) ? 'pdf-badge' : 'file-badge', text: isPdf(a) ? t('ev.pdf') : '?' });
    const open = h('button', { type: 'button', class: 'small evidence-open', text: t('ev.open'), disabled: !a.held,
      title: a.held ? null : t('ev.not_here_hint'), onclick: () => openFile(a) });
    const remove = readonly ? null : h('button', { type: 'button', class: 'small danger evidence-remove', text: t('ev.remove'),
      onclick: () => removeFile(a) });
    return h('li', { class: `evidence-item${a.held ? '' : ' missing'}`, dataset: { sha256: a.sha256, held: a.held ? 'true' : 'false' } },
      h('button', { type: 'button', class: 'evidence-face', tabindex: '-1', 'aria-hidden': 'true', disabled: !a.held,
        onclick: () => openFile(a) }, face),
      h('div', { class: 'evidence-meta' },
        h('p', { class: 'evidence-caption', text: title, title }),
        h('p', { class: 'evidence-role' }, h('span', { text: enumLabel('file_role', a.kind) }),
          h('span', { class: 'muted', text: ` · ${fmtSize(a.size)}` })),
        h('p', { class: 'evidence-name muted', title: a.name, text: a.name })),
      h('div', { class: 'evidence-actions' }, open, remove));
  };

  const paint = () => {
    replace(grid, items.map(itemEl));
    grid.hidden = items.length === 0;
    empty.hidden = items.length > 0;
    section.dataset.count = String(items.length);
  };

  const load = async () => {
    try {
      items = await ipc.evidenceList(kind, id);
      if (!gone) paint();
    } catch (err) {
      if (!gone) failed(err);
    }
  };

  // One attach at a time: a drop while the dialog's files are still being converted waits its turn.
  let queue = Promise.resolve();
  const attach = (run) => {
    queue = queue.then(async () => {
      if (gone) return;
      pick.disabled = true;
      status.textContent = t('ev.attaching');
      section.dataset.busy = 'true';
      try {
        const res = await run(roleSel.value, caption.value.trim());
        if (res === null || res === undefined) { status.textContent = ''; return; } // the dialog was cancelled
        const out = attachOutcome(res);
        showRefused(out.refused.map((r) => r.message));
        status.textContent = out.attached ? tn('ev.attached', out.attached, { n: fmtNumber(out.attached) }) : t('ev.none_attached');
        if (out.attached) caption.value = '';
        if (out.record && opts.onRecord) opts.onRecord(out.record);
        await load();
      } catch (err) {
        status.textContent = '';
        failed(err);
      } finally {
        pick.disabled = false;
        delete section.dataset.busy;
      }
    });
    return queue;
  };

  const openFile = async (a) => {
    try {
      await ipc.evidenceOpen(a.sha256);
    } catch (err) {
      failed(err);
    }
  };

  const removeFile = async (a) => {
    if (!(await confirmRemove(itemTitle(a)))) return;
    try {
      const record = await ipc.evidenceDetach(kind, id, a.sha256);
      toast(t('ev.removed'));
      status.textContent = '';
      if (record && opts.onRecord) opts.onRecord(record);
      await load();
      const next = grid.querySelector('.evidence-open:not(:disabled)');
      (next || pick).focus();
    } catch (err) {
      failed(err);
    }
  };

  pick.addEventListener('click', () => attach((role, text) => ipc.evidencePick(kind, id, role, text)));
  caption.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); pick.click(); } });

  // Files dropped anywhere on the window while this gallery is on screen are attached to its record.
  let stopDrop = null;
  if (!readonly) {
    const dragging = (on) => {
      zone.classList.toggle('dragging', on);
      dropText.textContent = on ? t('ev.drop_now') : t('ev.drop');
    };
    ipc.onFileDrop({
      enter: () => { if (!gone) dragging(true); },
      leave: () => { if (!gone) dragging(false); },
      drop: (payload) => {
        if (gone || !section.isConnected) return;
        dragging(false);
        const paths = dropPaths(payload);
        if (paths.length) attach((role, text) => ipc.evidenceAttachPaths(kind, id, paths, role, text));
      },
    }).then((stop) => { if (gone) stop(); else stopDrop = stop; });
  }

  load();
  return {
    el: section,
    /** Resolves once the files shown are the record's (for callers that wait). */
    reload: load,
    destroy: () => {
      gone = true;
      if (stopDrop) stopDrop();
      const dialog = document.getElementById('evidence-remove-dialog');
      if (dialog) dialog.remove();
    },
  };
}
