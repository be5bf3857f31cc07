// Quick log of an activity in the field: few fields, keyboard first, a draft kept as you type.

import * as ipc from '../ipc.js';
import { h, debounce, toast } from '../dom.js';
import { t } from '../i18n.js';
import { fmtLocal, fmtNumber, nowLocalInput } from '../format.js';
import { buildField, setDateValue } from '../fields.js';
import { readForm, rawValues, setRawValues, clearErrors, showFieldErrors, showInvalid, watchErrors } from '../formdata.js';
import { evidenceGallery } from './evidence.js';

export const DRAFT_KEY = 'quick-event';

const int = (name) => ({ name, type: 'number', int: true });

export const QUICK_FIELDS = [
  { name: 'title', type: 'text', required: true, wide: true },
  { name: 'start_at', type: 'datetime', required: true },
  { name: 'event_type', type: 'select', enum: 'event_type' },
  { name: 'mode', type: 'select', enum: 'mode' },
  { name: 'plan_id', type: 'ref', source: 'plans' },
  { name: 'place', type: 'text', wide: true },
  int('participants.members'),
  int('participants.non_members'),
  int('participants.others'),
  int('unique_members_reached'),
  int('opinions_collected'),
  { name: 'notes', type: 'textarea', wide: true, rows_hint: 2 },
];

// What the next event starts from: the last event's type, mode, plan and place (never title or counts).
const DEFAULT_KEYS = ['event_type', 'mode', 'plan_id', 'place'];

function pickDefaults(src) {
  const d = {};
  if (src && typeof src === 'object') for (const k of DEFAULT_KEYS) if (src[k] !== undefined && src[k] !== null) d[k] = src[k];
  return d;
}

export async function render(root, params, app, restore) {
  let opts;
  let defaults;
  let draft;
  try {
    [opts, defaults, draft] = await Promise.all([
      app.getOptions(),
      ipc.eventDefaults().catch((e) => { if (e.code === 'not_initialized') throw e; return null; }),
      ipc.draftLoad(DRAFT_KEY).catch((e) => { if (e.code === 'not_initialized') throw e; return null; }),
    ]);
  } catch (err) {
    if (app.handleGlobalError(err)) return null;
    throw err;
  }
  defaults = pickDefaults(defaults);

  const ctx = { options: opts };
  const initial = { ...defaults, start_at: nowLocalInput() };
  const byName = {};
  const fieldEls = QUICK_FIELDS.map((f) => {
    const el = buildField('event', f, initial[f.name], ctx, 'q');
    byName[f.name] = el;
    return el;
  });
  const counts = h('div', { class: 'counts wide' },
    byName['participants.members'], byName['participants.non_members'], byName['participants.others']);
  const total = h('p', { id: 'quick-total', class: 'total wide', 'aria-live': 'polite' });
  const status = h('p', { id: 'quick-status', class: 'muted', 'aria-live': 'polite' });
  const bannerBox = h('div', { id: 'quick-banner', class: 'banner-box' });
  // After a save: the event's evidence gallery, opened from the status line (closed, the form stays in view).
  const evidenceBox = h('div', { id: 'quick-evidence', class: 'quick-evidence card', hidden: true });
  let gallery = null;
  const last = h('ul', { id: 'quick-last', class: 'quick-last' });
  const save = h('button', { type: 'submit', id: 'quick-save', class: 'primary big', text: t('quick.save') });

  const form = h('form', { id: 'quick-log', class: 'quick-form card form-grid', novalidate: true, autocomplete: 'off' },
    byName.title, byName.start_at, byName.event_type, byName.mode, byName.plan_id, byName.place,
    counts, total,
    byName.unique_members_reached, byName.opinions_collected, byName.notes,
    h('div', { class: 'actions wide' }, save, h('span', { class: 'hint', text: t('quick.keys') })));

  root.append(
    h('div', { class: 'view-head' },
      h('div', null, h('h1', { text: t('quick.title') }), h('p', { class: 'muted', text: t('quick.intro') })),
      h('div', { class: 'controls' },
        h('button', { type: 'button', id: 'quick-list', class: 'link', text: t('quick.open_list'), onclick: () => app.go('#/events') }))),
    bannerBox, status, evidenceBox, form, last);

  const input = (name) => form.querySelector(`[name="${name}"]`);
  const titleInput = input('title');
  titleInput.setAttribute('autofocus', '');

  const updateTotal = () => {
    const n = ['participants.members', 'participants.non_members', 'participants.others']
      .reduce((s, k) => s + Math.max(0, Number(input(k).value) || 0), 0); // a negative count is refused at save, never added
    total.textContent = t('quick.total', { n: fmtNumber(n) });
  };

  let pendingDraft = Promise.resolve();
  const saveDraft = debounce(() => {
    const values = rawValues(form);
    pendingDraft = ipc.draftSave(DRAFT_KEY, values)
      .then(() => { status.textContent = t('quick.draft_saved', { time: fmtLocal(nowLocalInput()).slice(11) }); })
      .catch((err) => { app.handleGlobalError(err); });
  }, 300);

  if (draft && typeof draft === 'object') {
    setRawValues(form, draft);
    status.textContent = t('quick.draft_restored');
  }
  if (restore) setRawValues(form, restore);
  updateTotal();

  // Typed and not saved yet (a restored draft too): leaving or closing the window asks first.
  let dirty = !!(draft && typeof draft === 'object');
  if (dirty) ipc.setUnsaved(true);
  const touched = () => { if (!dirty) { dirty = true; ipc.setUnsaved(true); } };
  form.addEventListener('input', () => { touched(); updateTotal(); saveDraft(); });
  form.addEventListener('change', () => { touched(); saveDraft(); });

  const focusables = () => [...form.querySelectorAll('input, select, textarea, button[type=submit]')]
    .filter((el) => !el.disabled && el.offsetParent !== null);

  form.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter') return;
    if (e.ctrlKey || e.metaKey) { e.preventDefault(); submit(); return; }
    const tag = e.target.tagName;
    if (tag === 'TEXTAREA' || tag === 'BUTTON' || e.shiftKey || e.altKey) return;
    e.preventDefault();
    const list = focusables();
    const next = list[list.indexOf(e.target) + 1];
    if (next) next.focus();
  });

  watchErrors(form);
  let busy = false;
  const submit = async () => {
    if (busy) return;
    clearErrors(form);
    bannerBox.replaceChildren();
    const { data, rowMaps, errors } = readForm(form, QUICK_FIELDS, {});
    if (errors.length) { showFieldErrors(form, errors); return; }
    busy = true;
    save.disabled = true;
    saveDraft.cancel();
    try {
      const saved = await ipc.saveRecord('event', null, data);
      await pendingDraft;
      try { await ipc.draftClear(DRAFT_KEY); } catch (e) { app.handleGlobalError(e); }
      toast(t('quick.saved'));
      // Said above the form, where the eye is (below it, at 1366×768, it fell under the fold); the
      // session's earlier records stay listed under the form.
      const link = () => h('a', { href: `#/events/${encodeURIComponent(saved.id || '')}`, text: saved.title || data.title });
      const when = ` · ${fmtLocal(saved.start_at || data.start_at)}`;
      const attach = h('button', { type: 'button', id: 'quick-attach', class: 'small', text: t('ev.quick_attach'),
        onclick: () => openEvidence(saved.id, saved.title || data.title) });
      closeEvidence();
      status.replaceChildren(`${t('quick.saved')}: `, link(), when, ' ', attach);
      last.prepend(h('li', null, link(), when));
      reset(pickDefaults({ ...data, ...saved }));
      dirty = false;
      ipc.setUnsaved(false);
    } catch (err) {
      if (app.handleGlobalError(err)) return;
      if (showInvalid(form, err, rowMaps)) return;
      bannerBox.replaceChildren(h('div', { class: 'banner error', role: 'alert', text: app.errorText(err) }));
    } finally {
      busy = false;
      save.disabled = false;
    }
  };

  const closeEvidence = () => {
    if (gallery) gallery.destroy();
    gallery = null;
    evidenceBox.hidden = true;
    evidenceBox.replaceChildren();
  };
  const openEvidence = (id, title) => {
    closeEvidence();
    gallery = evidenceGallery('event', id, app, { role: 'photo', heading: t('ev.quick_title', { title }) });
    const close = h('button', { type: 'button', id: 'quick-evidence-close', class: 'small link', text: t('ev.quick_close'),
      onclick: () => { closeEvidence(); titleInput.focus(); } });
    evidenceBox.replaceChildren(h('div', { class: 'quick-evidence-head' }, close), gallery.el);
    evidenceBox.hidden = false;
    evidenceBox.querySelector('#evidence-pick').focus();
  };

  const reset = (keep) => {
    for (const f of QUICK_FIELDS) {
      const el = input(f.name);
      if (DEFAULT_KEYS.includes(f.name)) {
        if (keep[f.name] !== undefined) el.value = String(keep[f.name]);
        continue;
      }
      if (f.name === 'start_at') setDateValue(el, nowLocalInput());
      else el.value = '';
    }
    updateTotal();
    titleInput.focus();
  };

  form.addEventListener('submit', (e) => { e.preventDefault(); submit(); });
  titleInput.focus();

  return {
    snapshot: () => { saveDraft.flush(); return rawValues(form); },
    isDirty: () => dirty,
    // Before the idle lock closes the data: the draft as typed, saved now.
    flushDraft: () => { saveDraft.flush(); return pendingDraft; },
    destroy: () => { closeEvidence(); saveDraft.flush(); },
  };
}
