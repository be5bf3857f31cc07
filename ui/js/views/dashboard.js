// The overview: headline numbers and one row per indicator for a period (the `report` command): this or
// last month, quarter, half, nine months, year, or any two dates. At the top of the tree (the Central
// Committee's installation) it may read the national hub's database instead of this computer's store
// (the `national_*` commands): the same report, the whole country's figures.

import * as ipc from '../ipc.js';
import { h, replace, markFieldError, clearFieldError } from '../dom.js';
import { t, getLang } from '../i18n.js';
import { fmtDate, fmtNumber, percent, vnWallClock } from '../format.js';
import { periodChoices, periodName, monthName, customCode } from '../periods.js';
import { dateInput, dateControl, readDateValue } from '../fields.js';
import { columnChart, barList } from '../charts.js';

// Kept while the app runs, so coming back shows the same period and unit.
const state = { period: null, unitId: null, indicator: 'TT-02', source: 'local' };

// Which tree the report is laid out in; the print centre reads the same choice.
export const STRUCTURE_KEY = 'sotay.report.structure';
function keptStructure() {
  try { return window.sessionStorage.getItem(STRUCTURE_KEY) === 'as-it-was' ? 'as-it-was' : 'today'; } catch (_) { return 'today'; }
}

export async function render(root, params, app) {
  const choices = periodChoices(vnWallClock());
  const isCustom = (code) => String(code || '').includes('..');
  if (!state.period || !(isCustom(state.period) || choices.some((c) => c.code === state.period))) state.period = choices[0].code;

  const periodSel = h('select', { id: 'dash-period', name: 'period' },
    choices.map((c) => h('option', { value: c.code, text: c.label })),
    h('option', { value: 'custom', text: t('period.custom') }));
  periodSel.value = isCustom(state.period) ? 'custom' : state.period;
  // Explicit dates: two date fields and "Xem", shown when "Khoảng thời gian khác…" is chosen.
  const [customFrom, customTo] = isCustom(state.period) ? state.period.split('..') : ['', ''];
  const fromIn = dateInput({ id: 'dash-from', 'aria-label': t('period.custom_from') }, 'date', customFrom);
  const toIn = dateInput({ id: 'dash-to', 'aria-label': t('period.custom_to') }, 'date', customTo);
  const applyBtn = h('button', { type: 'button', id: 'dash-custom-apply', text: t('period.custom_apply') });
  const customBox = h('div', { id: 'dash-custom', class: 'custom-range', hidden: !isCustom(state.period) },
    h('label', { class: 'inline' }, h('span', { text: t('period.custom_from') }), dateControl(fromIn)),
    h('label', { class: 'inline' }, h('span', { text: t('period.custom_to') }), dateControl(toIn)),
    applyBtn);

  const unitSel = h('select', { id: 'dash-unit', name: 'unit_id' });
  const own = app.status && app.status.unit;
  // Only the top of the tree reads the national database; a saved address keeps the choice anywhere.
  let nationalAddress = null;
  try { nationalAddress = (await ipc.nationalSource()).address || null; } catch (err) { if (app.handleGlobalError(err)) return null; }
  const national = nationalSource(own, nationalAddress);
  const structureSel = h('select', { id: 'dash-structure', name: 'structure' },
    h('option', { value: 'today', text: t('report.structure.today') }),
    h('option', { value: 'as-it-was', text: t('report.structure.as_it_was') }));
  structureSel.value = keptStructure();
  const unitName = h('span', { id: 'dash-unit-name', class: 'unit-name' });
  const range = h('p', { id: 'dash-range', class: 'muted' });
  const events = h('span', { id: 'dash-events', class: 'figure', text: '…' });
  const participants = h('span', { id: 'dash-participants', class: 'figure', text: '…' });
  const evidence = h('span', { id: 'dash-evidence', class: 'figure', text: '…' });
  const evidenceLabel = h('span', { class: 'figure-label', text: t('dash.with_evidence', { without: '…' }) });
  const bannerBox = h('div', { class: 'banner-box' });
  const tbody = h('tbody');
  const table = h('table', { id: 'dashboard-table', class: 'grid dash' },
    h('caption', { class: 'sr-only', text: t('dash.caption') }),
    h('thead', null, h('tr', null,
      h('th', { scope: 'col', class: 'code', text: t('dash.code') }),
      h('th', { scope: 'col', text: t('dash.name') }),
      h('th', { scope: 'col', class: 'num', text: t('dash.actual') }),
      h('th', { scope: 'col', class: 'num', text: t('dash.target') }),
      h('th', { scope: 'col', text: t('dash.uom') }),
      h('th', { scope: 'col', class: 'progress-col', text: t('dash.progress') }))),
    tbody);

  const printBtn = h('button', { type: 'button', id: 'dash-print', text: t('dash.print_report'),
    onclick: () => app.go(`#/print/report/${encodeURIComponent(state.period)}/${encodeURIComponent(unitSel.value || '')}`) });
  const indicatorSel = h('select', { id: 'chart-indicator', name: 'indicator' });
  const overTime = h('div', { id: 'chart-time', class: 'chart-box' });
  const perUnit = h('div', { id: 'chart-units', class: 'chart-box' });
  const charts = h('section', { class: 'charts card', id: 'dash-charts' },
    h('div', { class: 'charts-head' },
      h('h2', { text: t('dash.charts') }),
      h('label', { class: 'inline' }, h('span', { text: t('dash.chart_indicator') }), indicatorSel)),
    h('div', { class: 'charts-grid' },
      h('figure', null, h('figcaption', { id: 'chart-time-caption' }), overTime),
      h('figure', null, h('figcaption', { id: 'chart-units-caption' }), perUnit)));

  root.append(
    h('div', { class: 'view-head' },
      h('div', null, h('h1', { text: t('dash.title') }), unitName),
      h('div', { class: 'controls' },
        national.control,
        h('label', { class: 'inline' }, h('span', { text: t('dash.period') }), periodSel),
        h('label', { class: 'inline' }, h('span', { text: t('dash.unit') }), unitSel),
        h('label', { class: 'inline' }, h('span', { text: t('report.structure') }), structureSel),
        printBtn)),
    national.box,
    customBox,
    range,
    bannerBox,
    h('div', { class: 'figures' },
      h('div', { class: 'card figure-card' }, events, h('span', { class: 'figure-label', text: t('dash.events') })),
      h('div', { class: 'card figure-card' }, participants, h('span', { class: 'figure-label', text: t('dash.participants') })),
      h('div', { class: 'card figure-card' }, evidence, evidenceLabel)),
    h('div', { class: 'table-wrap' }, table),
    charts);

  const fillUnits = async () => {
    unitSel.replaceChildren();
    if (state.source === 'national') {
      const r = await ipc.nationalUnits();
      for (const u of r.units || []) unitSel.appendChild(h('option', { value: u.id, text: u.name }));
      if (![...unitSel.options].some((o) => o.value === state.unitId)) state.unitId = r.unit && r.unit.id;
      unitSel.value = state.unitId || unitSel.value;
      return;
    }
    try {
      const opts = await app.getOptions();
      const units = opts.units || [];
      for (const u of units) unitSel.appendChild(h('option', { value: u.id, text: u.name }));
      if (!units.length && own) unitSel.appendChild(h('option', { value: own.id, text: own.name }));
    } catch (err) {
      if (app.handleGlobalError(err)) throw err;
      if (own) unitSel.appendChild(h('option', { value: own.id, text: own.name }));
    }
    if (![...unitSel.options].some((o) => o.value === state.unitId)) state.unitId = null;
    unitSel.value = state.unitId || (own && own.id) || unitSel.value;
  };
  try {
    await fillUnits();
  } catch (err) {
    if (app.handleGlobalError(err)) return null;
    // The national database is not reachable now: back to this computer's figures, saying why.
    state.source = 'local';
    national.sourceSel.value = 'local';
    await fillUnits().catch(() => {});
    bannerBox.replaceChildren(h('div', { class: 'banner error', role: 'alert', text: app.errorText(err) }));
  }
  // The print centre prints this computer's report only.
  const showPrint = () => { printBtn.hidden = state.source === 'national'; };
  showPrint();

  let seq = 0;
  const load = async () => {
    const mine = ++seq;
    root.dataset.loading = 'true';
    bannerBox.replaceChildren();
    try {
      // One report gives the table, the headline figures and the per-unit chart; the months come apart.
      const report = await ipc.report(state.period, unitSel.value || null, structureSel.value, state.source);
      if (mine !== seq) return;
      const d = {
        period: report.period, unit: report.unit, events: report.events, participants: report.participants,
        withEvidence: report.events_with_evidence || 0,
        rows: report.indicators.map((l) => ({ ...l, actual: l.value })),
      };
      show(d);
      const year = Number(String(state.period).slice(0, 4));
      const series = await ipc.reportSeries(year, unitSel.value || null, state.source);
      if (mine !== seq) return;
      chartData = { d, report, series, year };
      drawCharts();
    } catch (err) {
      if (mine !== seq || app.handleGlobalError(err)) return;
      bannerBox.replaceChildren(h('div', { class: 'banner error', role: 'alert', text: app.errorText(err) }));
    } finally {
      if (mine === seq) delete root.dataset.loading;
    }
  };

  const show = (d) => {
    const p = d.period || {};
    // A custom range's name already is its two dates: said once.
    const name = periodName(p.code || state.period);
    const dates = t('dash.range', { start: fmtDate(p.start), end: fmtDate(p.end) });
    const tree = structureSel.value === 'as-it-was'
      ? t('report.structure.heading_as_it_was', { day: fmtDate(p.end) }) : t('report.structure.heading_today');
    range.textContent = `${name === dates ? name : `${name} · ${dates}`} · ${tree}`;
    unitName.textContent = d.unit && d.unit.name ? d.unit.name : '';
    events.textContent = fmtNumber(d.events || 0);
    participants.textContent = fmtNumber(d.participants || 0);
    evidence.textContent = fmtNumber(d.withEvidence || 0);
    evidenceLabel.textContent = t('dash.with_evidence', { without: fmtNumber(Math.max(0, (d.events || 0) - (d.withEvidence || 0))) });
    const rows = d.rows || [];
    if (!rows.length) {
      replace(tbody, h('tr', { class: 'empty' }, h('td', { colspan: '6', text: t('dash.empty') })));
      return;
    }
    replace(tbody, rows.map(indicatorRow));
  };

  let chartData = null;
  const drawCharts = () => {
    if (!chartData) return;
    const { d, report, series, year } = chartData;
    const counted = (d.rows || []).filter((r) => r.actual !== null && r.actual !== undefined);
    if (!counted.some((r) => r.code === state.indicator) && counted.length) state.indicator = counted[0].code;
    replace(indicatorSel, counted.map((r) => h('option', { value: r.code, text: `${r.code} · ${(getLang() === 'en' && r.name_en) || r.name}` })));
    indicatorSel.value = state.indicator;
    const code = state.indicator;
    const row = counted.find((r) => r.code === code);
    const name = row ? ((getLang() === 'en' && row.name_en) || row.name) : code;
    $caption('chart-time-caption').textContent = t('dash.chart_time', { name, year });
    // "Năm 2026" is a menu item; inside a sentence it reads "năm 2026".
    const period = periodName(state.period);
    $caption('chart-units-caption').textContent = t('dash.chart_units', { name, period: period.charAt(0).toLowerCase() + period.slice(1) });
    replace(overTime, columnChart('chart-time-svg', series.map((p, i) => ({
      label: String(i + 1), title: monthName(year, i + 1), value: (p.values || {})[code] || 0,
    })), { caption: t('dash.chart_time', { name, year }) }));
    const rows = (report.rows || []).map((r) => ({ label: r.name, value: (r.values || {})[code] || 0 }));
    replace(perUnit, rows.length
      ? barList('chart-units-svg', rows, { caption: t('dash.chart_units', { name, period: periodName(state.period) }) })
      : h('p', { class: 'muted', text: t('dash.chart_no_units') }));
  };
  const $caption = (id) => charts.querySelector(`#${id}`);
  indicatorSel.addEventListener('change', () => { state.indicator = indicatorSel.value; drawCharts(); });

  periodSel.addEventListener('change', () => {
    customBox.hidden = periodSel.value !== 'custom';
    if (periodSel.value === 'custom') { fromIn.focus(); return; }
    state.period = periodSel.value;
    load();
  });
  applyBtn.addEventListener('click', () => {
    clearFieldError(toIn);
    const code = customCode(readDateValue(fromIn), readDateValue(toIn));
    if (!code) { markFieldError(toIn, t('period.custom_bad')); return; }
    state.period = code;
    load();
  });
  unitSel.addEventListener('change', () => { state.unitId = unitSel.value; load(); });
  structureSel.addEventListener('change', () => {
    try { window.sessionStorage.setItem(STRUCTURE_KEY, structureSel.value); } catch (_) { /* kept for this screen only */ }
    load();
  });
  national.onChange(async (source, err) => {
    if (err) { bannerBox.replaceChildren(h('div', { class: 'banner error', role: 'alert', text: app.errorText(err) })); return; }
    root.dataset.loading = 'true';
    state.source = source;
    root.dataset.source = source;
    try {
      await fillUnits();
    } catch (e) {
      if (app.handleGlobalError(e)) return;
      // Not reachable: this computer's figures stay, and the banner says why.
      state.source = 'local';
      root.dataset.source = 'local';
      national.sourceSel.value = 'local';
      await fillUnits().catch(() => {});
      showPrint();
      await load();
      bannerBox.replaceChildren(h('div', { class: 'banner error', role: 'alert', text: app.errorText(e) }));
      return;
    }
    showPrint();
    load();
  });
  root.dataset.source = state.source;
  await load();
  return null;
}

/** The "Nguồn số liệu" choice and the box where the national database's address is given. Returns
 *  { control, box, sourceSel, onChange(fn) }; `fn(source, error)` runs when the source changes. */
function nationalSource(own, savedAddress) {
  let address = savedAddress;
  const atTop = own && !own.parent_id;
  const sourceSel = h('select', { id: 'dash-source', name: 'source' });
  const addressIn = h('input', { id: 'dash-national-address', name: 'address', type: 'text', spellcheck: 'false',
    autocomplete: 'off', placeholder: 'postgresql://nguoi-doc@may-chu:5432/sotay', class: 'wide' });
  const connectBtn = h('button', { type: 'button', id: 'dash-national-connect', class: 'primary', text: t('national.connect') });
  const forgetBtn = h('button', { type: 'button', id: 'dash-national-forget', text: t('national.forget') });
  const saved = h('p', { id: 'dash-national-saved', class: 'muted' });
  const box = h('div', { id: 'dash-national', class: 'card national-box', hidden: true },
    h('label', { for: 'dash-national-address', text: t('national.address') }),
    addressIn,
    h('p', { class: 'muted', text: t('national.hint') }),
    saved,
    h('div', { class: 'actions' }, connectBtn, forgetBtn));
  let changed = () => {};
  const paint = () => {
    const keep = state.source === 'national' && address ? 'national' : 'local';
    state.source = keep;
    sourceSel.replaceChildren(h('option', { value: 'local', text: t('national.local') }));
    if (address) sourceSel.appendChild(h('option', { value: 'national', text: t('national.national') }));
    sourceSel.appendChild(h('option', { value: 'setup', text: t('national.setup') }));
    sourceSel.value = keep;
    saved.textContent = address ? t('national.saved', { address }) : '';
    forgetBtn.hidden = !address;
  };
  paint();
  sourceSel.addEventListener('change', () => {
    box.hidden = sourceSel.value !== 'setup';
    if (sourceSel.value === 'setup') { addressIn.focus(); return; }
    changed(sourceSel.value);
  });
  connectBtn.addEventListener('click', async () => {
    clearFieldError(addressIn);
    connectBtn.disabled = true;
    try {
      await ipc.nationalConnect(addressIn.value);
      const r = await ipc.nationalSource();
      address = r.address;
      addressIn.value = '';
      state.source = 'national';
      box.hidden = true;
      paint();
      changed('national');
    } catch (err) {
      markFieldError(addressIn, err && err.message ? err.message : String(err));
    } finally {
      connectBtn.disabled = false;
    }
  });
  forgetBtn.addEventListener('click', async () => {
    try {
      await ipc.nationalForget();
    } catch (err) { changed(state.source, err); return; }
    address = null;
    state.source = 'local';
    box.hidden = true;
    paint();
    changed('local');
  });
  const control = h('label', { class: 'inline', hidden: !atTop && !address },
    h('span', { text: t('national.source') }), sourceSel);
  return { control, box, sourceSel, onChange: (fn) => { changed = fn; } };
}

function indicatorRow(r) {
  const target = Number(r.target) || 0;
  // actual is null for indicators entered by hand in reports (no counting rule).
  const manual = r.actual === null || r.actual === undefined;
  const pct = manual ? null : percent(r.actual, target);
  let progress;
  if (manual) {
    progress = h('span', { class: 'muted', text: t('dash.manual') });
  } else if (pct === null) {
    progress = h('span', { class: 'muted', text: t('dash.no_target') });
  } else {
    const fill = h('div', { class: `fill${pct >= 100 ? ' done' : ''}` });
    fill.style.width = `${Math.min(100, Math.max(0, pct)).toFixed(1)}%`;
    progress = h('div', { class: 'progress' },
      h('div', {
        class: 'bar', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100',
        'aria-valuenow': String(Math.round(Math.min(100, pct))),
      }, fill),
      h('span', { class: 'pct', text: `${fmtNumber(Math.round(pct))}%` }));
  }
  return h('tr', { dataset: { indicator: r.code } },
    h('td', { class: 'code', text: r.code }),
    h('td', { class: 'name', text: (getLang() === 'en' && r.name_en) || r.name }),
    h('td', { class: 'actual num', text: manual ? '—' : fmtNumber(r.actual) }),
    h('td', { class: 'target num', text: target > 0 ? fmtNumber(target) : '—' }),
    h('td', { class: 'uom', text: r.unit_of_measure || '' }),
    h('td', { class: 'progress-col' }, progress));
}
