// Detail and edit form of one record, built from the kind's schema (schema.js).

import * as ipc from '../ipc.js';
import { h, replace, toast } from '../dom.js';
import { t } from '../i18n.js';
import { fmtTimestamp, nowLocalInput, todayInput, headline } from '../format.js';
import { SCHEMAS, KIND_NAV, fieldsOf, newRecordDefaults } from '../schema.js';
import { buildField, platformList, getPath, setDateText } from '../fields.js';
import { readForm, clearErrors, showFieldErrors, showInvalid, watchErrors } from '../formdata.js';
import { recordTitle } from './columns.js';
import { evidenceGallery } from './evidence.js';
import { hasEvidence, defaultRole } from '../evidence.js';

export async function render(root, params, app, restore) {
  const { kind } = params;
  let id = params.id;
  const nav = KIND_NAV[kind];
  const fields = fieldsOf(kind);
  const listHash = `#/${nav}`;

  const needEvents = fields.some((f) => f.source === 'events');
  // Every form keeps a crash-safe draft (in the database, like the quick log's) until it is saved.
  const draftKey = `form:${kind}:${id || 'new'}`;
  let opts;
  let record = null;
  let events = [];
  let draft = null;
  try {
    [opts, record, events, draft] = await Promise.all([
      app.getOptions(true),
      id ? ipc.getRecord(kind, id) : Promise.resolve(null),
      needEvents ? ipc.listRecords({ kind: 'event', sort: 'date', desc: true, page: 0, page_size: 200 })
        .then((r) => r.rows || []) : Promise.resolve([]),
      restore ? Promise.resolve(null) : ipc.draftLoad(draftKey).catch(() => null),
    ]);
  } catch (err) {
    if (app.handleGlobalError(err)) return null;
    if (err.code === 'not_found') {
      toast(err.message || t('err.not_found'), 'error');
      app.go(listHash, { replace: true });
      return null;
    }
    throw err;
  }

  const base = record || newRecordDefaults(kind, todayInput(), nowLocalInput());
  // A draft left by an earlier visit (or a crash) comes back as it was typed.
  const fromDraft = draft && typeof draft === 'object' && draft.values ? draft : null;
  if (fromDraft) restore = fromDraft;
  const values = restore && restore.values ? restore.values : base;
  const ctx = { options: opts, events, selfId: id };

  // A record of another unit (synced up from a commune, say) is shown but not changed: Rust would
  // refuse with not_owner. Records of the standard catalogue are no unit's.
  const ownUnit = app.status && app.status.unit ? app.status.unit.id : null;
  const owner = record && record.owner_unit;
  const readonly = !!(owner && ownUnit && owner !== ownUnit && owner !== 'standard');
  const ownerName = () => {
    const u = (opts.units || []).find((x) => x.id === owner);
    return (u && u.name) || owner;
  };

  const titleEl = h('h1');
  const setTitle = (rec) => {
    titleEl.textContent = rec ? headline(t(`kind.${kind}`), recordTitle(kind, rec)) : t(`new.${kind}`);
  };
  setTitle(record);
  const meta = h('p', { id: 'form-meta', class: 'muted meta' });
  const setMeta = (rec) => {
    if (!rec) { meta.hidden = true; return; }
    meta.hidden = false;
    replace(meta,
      h('span', { class: 'meta-created' }, `${t('form.created')}: `, h('time', { datetime: rec.created_at || '', text: fmtTimestamp(rec.created_at) })),
      ' · ',
      h('span', { class: 'meta-updated' }, `${t('form.updated')}: `, h('time', { datetime: rec.updated_at || '', text: fmtTimestamp(rec.updated_at) })));
  };
  setMeta(record);

  const bannerBox = h('div', { id: 'form-banner', class: 'banner-box' });
  const notice = readonly
    ? h('div', { id: 'form-readonly', class: 'banner info readonly-notice', role: 'status', dataset: { owner },
      text: t('form.readonly', { unit: ownerName() }) })
    : null;
  const form = h('form', {
    id: 'record-form', class: readonly ? 'record-form readonly' : 'record-form',
    dataset: { kind, readonly: readonly ? 'true' : null }, novalidate: true, autocomplete: 'off',
  },
    platformList(),
    (SCHEMAS[kind] || []).map((sec) => h('fieldset', { class: 'section' },
      h('legend', { text: t(sec.section) }),
      h('div', { class: 'form-grid' }, sec.fields.map((f) => buildField(kind, f, getPath(values, f.name), ctx))))));

  const save = h('button', { type: 'submit', id: 'form-save', class: 'primary big', form: 'record-form', text: t('form.save') });
  const del = h('button', { type: 'button', id: 'form-delete', class: 'danger', text: t('form.delete'), hidden: !id });
  const back = h('button', { type: 'button', id: 'form-back', text: t('form.back'), onclick: () => app.go(listHash) });
  // Events and plans already saved have their documents: the print centre.
  const printable = id && (kind === 'event' || kind === 'plan');
  const print = printable
    ? h('button', { type: 'button', id: 'form-print', text: t('print.open'), onclick: () => app.go(`#/print/${kind}/${encodeURIComponent(id)}`) })
    : null;
  const confirmBox = h('div', { id: 'delete-confirm-box', class: 'confirm', role: 'alertdialog', hidden: true },
    h('span', { text: t('form.confirm_delete') }),
    h('button', { type: 'button', id: 'delete-confirm', class: 'danger', text: t('form.confirm_yes') }),
    h('button', { type: 'button', id: 'delete-cancel', text: t('form.cancel') }));

  if (readonly) {
    for (const el of form.querySelectorAll('input, select, textarea, button')) el.disabled = true;
  }
  // Text typed in a date field that is not a date, kept across a language switch.
  if (restore && restore.dates) {
    for (const [name, text] of Object.entries(restore.dates)) {
      const el = form.querySelector(`[name="${CSS.escape(name)}"]`);
      if (el && el.dataset.date) setDateText(el, text);
    }
  }

  // Evidence files: attached and removed at once, each a change of its own (the form never sends the
  // list; save_record keeps it). A record not saved yet has no gallery, only the word to save first.
  const gallery = hasEvidence(kind)
    ? evidenceGallery(kind, id, app, {
      readonly,
      role: defaultRole(kind),
      onRecord: (rec) => { current = rec; setMeta(rec); },
    })
    : null;

  const draftLine = h('span', { id: 'form-draft', class: 'hint draft-line', 'aria-live': 'polite' });
  const draftNotice = fromDraft && !readonly
    ? h('div', { id: 'form-draft-restored', class: 'banner info', role: 'status' },
      h('span', { text: t('form.draft_restored', { time: fmtTimestamp(fromDraft.saved_at) }) }), ' ',
      h('button', { type: 'button', id: 'form-draft-discard', class: 'small', text: t('form.draft_discard') }))
    : null;
  root.append(...[
    h('div', { class: 'view-head' }, h('div', null, titleEl, meta), h('div', { class: 'controls' }, print, back)),
    notice,
    draftNotice,
    bannerBox,
    form,
    gallery && gallery.el,
    readonly
      ? null
      : h('div', { class: 'form-actions' }, save, del, confirmBox, draftLine, h('span', { class: 'hint', text: t('form.shortcuts') })),
  ].filter(Boolean));

  const showBanner = (msg) => {
    bannerBox.replaceChildren(h('div', { class: 'banner error', role: 'alert', text: msg }));
    bannerBox.scrollIntoView({ block: 'nearest' });
  };

  watchErrors(form);
  let current = record;
  let busy = false;

  // Changed since it was opened (or restored from a draft): kept as a draft, and leaving asks first.
  let dirty = !!fromDraft && !readonly;
  if (dirty) ipc.setUnsaved(true);
  const snapshot = () => {
    const dates = {};
    for (const el of form.querySelectorAll('[data-date][name]')) if (el.name && el.dataset.iso === '' && el.value.trim()) dates[el.name] = el.value;
    return { values: readForm(form, fields, current || {}).data, dates };
  };
  let draftTimer = null;
  const saveDraft = () => {
    clearTimeout(draftTimer);
    draftTimer = setTimeout(() => {
      if (!dirty) return;
      ipc.draftSave(draftKey, { ...snapshot(), saved_at: new Date().toISOString() })
        .then(() => { draftLine.textContent = t('form.draft_saved', { time: fmtTimestamp(new Date().toISOString()).slice(11) }); })
        .catch((err) => { app.handleGlobalError(err); });
    }, 400);
  };
  const changed = () => {
    if (readonly) return;
    if (!dirty) { dirty = true; ipc.setUnsaved(true); }
    saveDraft();
  };
  form.addEventListener('input', changed);
  form.addEventListener('change', changed);
  const clean = async () => {
    clearTimeout(draftTimer);
    dirty = false;
    ipc.setUnsaved(false);
    draftLine.textContent = '';
    try { await ipc.draftClear(draftKey); } catch (err) { app.handleGlobalError(err); }
  };
  if (draftNotice) {
    draftNotice.querySelector('#form-draft-discard').addEventListener('click', async () => {
      await clean();
      app.go(location.hash, { replace: true });
    });
  }

  const submit = async () => {
    if (busy || readonly) return;
    clearErrors(form);
    bannerBox.replaceChildren();
    const { data, rowMaps, errors } = readForm(form, fields, current || {});
    if (errors.length) {
      showFieldErrors(form, errors, {});
      return;
    }
    // The gallery's files are the record's as Rust has them, not as they were when the form opened.
    delete data.attachments;
    busy = true;
    save.disabled = true;
    try {
      const saved = await ipc.saveRecord(kind, id, data);
      await clean();
      if (draftNotice) draftNotice.remove();
      toast(t('form.saved'));
      app.invalidateOptions();
      if (!id) {
        app.go(`${listHash}/${encodeURIComponent(saved.id)}`, { replace: true });
        return;
      }
      current = saved;
      setTitle(saved);
      setMeta(saved);
    } catch (err) {
      if (app.handleGlobalError(err)) return;
      if (err.code === 'invalid') {
        // Every wrong field at once, each beside its field; what has no field on the form, in a banner.
        if (!showInvalid(form, err, rowMaps)) showBanner(err.message);
      } else if (err.code === 'not_found') {
        toast(err.message || t('err.not_found'), 'error');
        app.go(listHash, { replace: true });
      } else if (err.code === 'already_initialized') {
        location.reload();
      } else {
        showBanner(app.errorText(err));
      }
    } finally {
      busy = false;
      save.disabled = false;
    }
  };

  form.addEventListener('submit', (e) => { e.preventDefault(); submit(); });
  form.addEventListener('keydown', (e) => {
    if ((e.ctrlKey || e.metaKey) && (e.key === 'Enter' || e.key.toLowerCase() === 's')) { e.preventDefault(); submit(); return; }
    // Enter in a one-line input would submit the form: only Ctrl+Enter saves.
    if (e.key === 'Enter' && e.target.tagName === 'INPUT' && e.target.type !== 'checkbox') e.preventDefault();
  });

  del.addEventListener('click', () => {
    confirmBox.hidden = false;
    del.hidden = true;
    confirmBox.querySelector('#delete-cancel').focus();
  });
  confirmBox.querySelector('#delete-cancel').addEventListener('click', () => {
    confirmBox.hidden = true;
    del.hidden = false;
    del.focus();
  });
  confirmBox.querySelector('#delete-confirm').addEventListener('click', async () => {
    try {
      await ipc.deleteRecord(kind, id);
      await clean();
      toast(t('form.deleted'));
      app.invalidateOptions();
      app.go(listHash, { replace: true });
    } catch (err) {
      if (app.handleGlobalError(err)) return;
      confirmBox.hidden = true;
      del.hidden = false;
      if (err.code === 'not_found') { app.go(listHash, { replace: true }); return; }
      showBanner(app.errorText(err));
    }
  });

  const first = form.querySelector('input:not([type=hidden]), select, textarea');
  if (first && !id) first.focus();

  return {
    snapshot,
    isDirty: () => dirty,
    // Before the idle lock closes the data: what was typed is in the draft now, not in 400 ms.
    flushDraft: () => {
      clearTimeout(draftTimer);
      if (!dirty) return Promise.resolve();
      return ipc.draftSave(draftKey, { ...snapshot(), saved_at: new Date().toISOString() })
        .then(() => { draftLine.textContent = t('form.draft_saved', { time: fmtTimestamp(new Date().toISOString()).slice(11) }); });
    },
    // Leaving within the draft's pause: what was typed last is kept too.
    destroy: () => {
      if (gallery) gallery.destroy();
      clearTimeout(draftTimer);
      if (dirty) ipc.draftSave(draftKey, { ...snapshot(), saved_at: new Date().toISOString() }).catch(() => {});
    },
  };
}

