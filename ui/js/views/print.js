// The print centre: #/print/event/<id>, #/print/plan/<id>, #/print/report/<period>[/<unit id>].
// Pick the documents, see every page as it will print (page images laid out by `sotay` from the same data
// as the PDF), print through the system dialog, or save the PDFs into a folder — optionally numbered from
// the register of outgoing documents.

import * as ipc from '../ipc.js';
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { dateInput, dateControl, readDateValue, dateErrorText } from '../fields.js';
import { todayInput } from '../format.js';
import { periodName } from '../periods.js';
import { STRUCTURE_KEY } from './dashboard.js';

const MEETING = ['invitation', 'agenda', 'attendance', 'minutes', 'outline'];
const DIR_KEY = 'sotay.print.dir';

// Kept while the app runs: the signer and the folder are the same from one meeting to the next.
const kept = { signer: '', title: 'BÍ THƯ', groupByUnit: false, register: false };

function svgUrl(svg) {
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}

// The rule of docs::blank_rows in the core: as many rows as took part, 20 when no count was given, at
// most 500.
function blankRowCount(p) {
  const total = (Number(p.members) || 0) + (Number(p.non_members) || 0) + (Number(p.others) || 0);
  return total > 0 ? Math.min(total, 500) : 20;
}

export async function render(root, params, app) {
  const { target, id } = params;
  const docs = target === 'event' ? MEETING : [target];
  const base = target === 'event' ? { event_id: id } : target === 'plan' ? { plan_id: id }
    : { period: id, unit_id: params.unit || null };
  const backHash = target === 'event' ? `#/events/${encodeURIComponent(id)}`
    : target === 'plan' ? `#/plans/${encodeURIComponent(id)}` : '#/dashboard';

  let subject = '';
  let blankRows = 0; // an event with no list of delegates: its sheet has this many numbered rows to sign
  try {
    if (target === 'event') {
      const event = await ipc.getRecord('event', id);
      subject = event.title || '';
      if (!(event.attendees || []).length) blankRows = blankRowCount(event.participants || {});
    }
    else if (target === 'plan') subject = (await ipc.getRecord('plan', id)).title || '';
    else subject = periodName(id);
  } catch (err) {
    if (app.handleGlobalError(err)) return null;
    throw err;
  }

  const picks = docs.map((d) => h('label', { class: 'check' },
    h('input', { type: 'checkbox', name: 'doc', value: d, checked: true, id: `print-doc-${d}` }),
    h('span', { text: t(`print.doc.${d}`) }),
    d === 'attendance' && blankRows
      ? h('span', { id: 'print-blank-rows', class: 'muted note', text: t('print.blank_rows', { n: blankRows }) })
      : null));
  const group = h('input', { type: 'checkbox', id: 'print-group', checked: kept.groupByUnit });
  const noPhones = h('input', { type: 'checkbox', id: 'print-no-phones', checked: kept.hidePhones });
  const annex = h('input', { type: 'checkbox', id: 'print-evidence-annex', checked: kept.evidenceAnnex });
  const structure = h('select', { id: 'print-structure' },
    h('option', { value: 'today', text: t('report.structure.today') }),
    h('option', { value: 'as-it-was', text: t('report.structure.as_it_was') }));
  try { structure.value = window.sessionStorage.getItem(STRUCTURE_KEY) === 'as-it-was' ? 'as-it-was' : 'today'; } catch (_) { /* today */ }
  const signer = h('input', { type: 'text', id: 'print-signer', value: kept.signer, maxlength: '120', autocomplete: 'off' });
  const title = h('select', { id: 'print-signer-title' },
    ['BÍ THƯ', 'PHÓ BÍ THƯ'].map((v) => h('option', { value: v, text: v })));
  title.value = kept.title;
  const date = dateInput({ id: 'print-date', name: 'date' }, 'date', todayInput());
  const dir = h('input', { type: 'text', id: 'print-dir', class: 'mono', autocomplete: 'off', spellcheck: 'false' });
  // The folder is chosen in the system's dialog (it may still be typed); the saved files' folder opens.
  const pickBtn = h('button', { type: 'button', id: 'print-pick-dir', text: t('print.pick_dir') });
  const openBtn = h('button', { type: 'button', id: 'print-open-dir', text: t('print.open_dir'), hidden: true });
  const register = h('input', { type: 'checkbox', id: 'print-register', checked: kept.register });
  const previewBtn = h('button', { type: 'button', id: 'print-preview', text: t('print.preview') });
  const printBtn = h('button', { type: 'button', id: 'print-print', class: 'primary', text: t('print.print'), disabled: true });
  const saveBtn = h('button', { type: 'button', id: 'print-save', text: t('print.save'), disabled: true });
  const status = h('p', { id: 'print-status', class: 'muted', role: 'status', 'aria-live': 'polite' });
  const saved = h('ul', { id: 'print-saved', class: 'saved-list' });
  const bannerBox = h('div', { class: 'banner-box' });
  const pagesBox = h('div', { id: 'print-pages', class: 'print-pages', dataset: { state: 'empty' } });

  try {
    dir.value = window.localStorage.getItem(DIR_KEY) || await ipc.printDefaultDir();
  } catch (_) { /* a folder can still be typed */ }

  root.append(
    h('div', { class: 'view-head no-print' },
      h('div', null, h('h1', { text: t('print.title') }), h('p', { id: 'print-subject', class: 'muted', text: subject })),
      h('div', { class: 'controls' }, h('button', { type: 'button', id: 'print-back', text: t(target === 'report' ? 'print.back_dashboard' : 'print.back_record'), onclick: () => app.go(backHash) }))),
    h('div', { class: 'print-layout' },
      h('aside', { class: 'print-options card no-print' },
        h('fieldset', { class: 'section' }, h('legend', { text: t('print.documents') }), picks),
        target === 'event' ? h('label', { class: 'check' }, group, h('span', { text: t('print.group_by_unit') })) : null,
        target === 'event' ? h('label', { class: 'check' }, noPhones, h('span', { text: t('print.hide_phones') })) : null,
        target === 'report' ? h('label', { class: 'check' }, annex, h('span', { text: t('print.evidence_annex') })) : null,
        target === 'report' ? h('div', { class: 'field' }, h('label', { for: 'print-structure', text: t('report.structure') }), structure) : null,
        h('div', { class: 'field' }, h('label', { for: 'print-signer', text: t('print.signer') }), signer),
        h('div', { class: 'field' }, h('label', { for: 'print-signer-title', text: t('print.signer_title') }), title),
        h('div', { class: 'field' }, h('label', { for: 'print-date', text: t('print.date') }), dateControl(date)),
        h('div', { class: 'actions' }, previewBtn, printBtn),
        h('div', { class: 'field' }, h('label', { for: 'print-dir', text: t('print.dir') }), h('div', { class: 'dir-row' }, dir, pickBtn)),
        h('label', { class: 'check' }, register, h('span', { text: t('print.register') })),
        h('div', { class: 'actions' }, saveBtn),
        status,
        saved,
        openBtn),
      h('div', { class: 'print-main' }, bannerBox, pagesBox)));

  const request = () => {
    const iso = readDateValue(date);
    kept.signer = signer.value.trim();
    kept.title = title.value;
    kept.groupByUnit = group.checked;
    kept.hidePhones = noPhones.checked;
    kept.evidenceAnnex = annex.checked;
    return {
      ...base,
      docs: picks.map((p) => p.querySelector('input')).filter((i) => i.checked).map((i) => i.value),
      group_by_unit: group.checked,
      hide_phones: noPhones.checked,
      evidence_annex: annex.checked,
      structure: target === 'report' ? structure.value : null,
      signer: kept.signer || null,
      signer_title: kept.title,
      date: iso || null,
    };
  };
  const showError = (err) => {
    if (app.handleGlobalError(err)) return;
    replace(bannerBox, h('div', { class: 'banner error', role: 'alert', text: app.errorText(err) }));
  };

  // One layout at a time; a change made while one runs lays out again when it ends, so the pages shown
  // (and printed) always follow the last change.
  let laying = false;
  let again = false;
  let saving = false;
  const readyToOutput = (ready) => { printBtn.disabled = !ready; saveBtn.disabled = !ready || saving; };
  async function preview() {
    if (laying) { again = true; return; }
    const req = request();
    replace(bannerBox);
    // Pages of earlier options must not be printed or saved once the options are wrong.
    if (!req.docs.length) { readyToOutput(false); showError({ code: 'invalid', message: t('print.pick_one') }); return; }
    if (readDateValue(date) === null) { readyToOutput(false); showError({ code: 'invalid', message: dateErrorText(date) }); return; }
    laying = true;
    pagesBox.dataset.state = 'loading';
    status.textContent = t('print.laying_out');
    readyToOutput(false);
    try {
      const out = await ipc.printPreview(req);
      let pages = 0;
      replace(pagesBox, out.map((d) => {
        const name = t(`print.doc.${d.document}`);
        return h('section', { class: 'print-doc', dataset: { document: d.document } },
          h('h2', { class: 'no-print', text: `${name} — ${t('print.pages', { n: d.pages })}` }),
          d.svgs.map((svg, i) => {
            pages += 1;
            return h('img', { class: 'print-page', src: svgUrl(svg), alt: `${name}, ${t('print.page_of', { i: i + 1, n: d.pages })}`,
              dataset: { page: i + 1 } });
          }));
      }));
      pagesBox.dataset.state = 'ready';
      pagesBox.dataset.pages = String(pages);
      status.textContent = t('print.ready', { docs: out.length, pages });
      readyToOutput(true);
    } catch (err) {
      pagesBox.dataset.state = 'error';
      status.textContent = '';
      showError(err);
    } finally {
      laying = false;
      if (again) { again = false; preview(); }
    }
  }

  previewBtn.addEventListener('click', preview);
  pickBtn.addEventListener('click', async () => {
    try {
      const chosen = await ipc.printPickDir(dir.value.trim());
      if (chosen) { dir.value = chosen; dir.dispatchEvent(new Event('change')); }
    } catch (err) { showError(err); }
  });
  openBtn.addEventListener('click', async () => {
    try { await ipc.printOpenDir(openBtn.dataset.dir || dir.value.trim()); } catch (err) { showError(err); }
  });
  printBtn.addEventListener('click', async () => {
    try { await ipc.printPages(); } catch (err) { showError(err); }
  });
  saveBtn.addEventListener('click', async () => {
    if (saving || laying) return;
    const folder = dir.value.trim();
    replace(bannerBox);
    if (!folder) { showError({ code: 'invalid', message: t('print.dir_required') }); dir.focus(); return; }
    if (readDateValue(date) === null) { showError({ code: 'invalid', message: dateErrorText(date) }); return; }
    saving = true;
    saveBtn.disabled = true;
    kept.register = register.checked;
    status.textContent = t('print.saving');
    try {
      const files = await ipc.printSave(request(), folder, register.checked);
      window.localStorage.setItem(DIR_KEY, folder);
      replace(saved, files.map((f) => h('li', null,
        h('span', { class: 'mono', text: f.path }),
        f.number ? h('span', { class: 'badge', text: `${t('print.number')} ${f.number}` }) : null)));
      saved.dataset.count = String(files.length);
      status.textContent = t('print.saved', { n: files.length });
      openBtn.dataset.dir = folder;
      openBtn.hidden = false;
    } catch (err) {
      status.textContent = '';
      showError(err);
    } finally {
      saving = false;
      readyToOutput(pagesBox.dataset.state === 'ready');
    }
  });

  // Every change of an option lays the pages out again, so what is shown is what prints.
  for (const el of [...picks.map((p) => p.querySelector('input')), group, noPhones, annex, structure, title]) el.addEventListener('change', preview);
  for (const el of [signer, date]) el.addEventListener('change', preview);
  await preview();
  return null;
}
