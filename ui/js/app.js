// Start-up, the top bar, the hash router and the keyboard shortcuts.
//
// Routes: #/dashboard, #/<nav> (a list: #/events), #/<nav>/new, #/<nav>/<id>, #/quick, #/sync, #/setup,
// #/connect (enrolment; #/connect/new right after the unit was created), #/structure (the merge wizard), #/security (the lock's settings),
// #/print/event/<id>, #/print/plan/<id>, #/print/report/<period>[/<unit id>] (the print centre).
//
// The window starts locked (vault_status): no data yet → the first run (views/setup.js, which asks for a
// passphrase before it creates anything); an older Sotay's plain data → encrypted once (views/lock.js);
// locked → the lock screen; the app only once the data is open.

import * as ipc from './ipc.js';
import { t, getLang, setLang, LANGS } from './i18n.js';
import { h, replace, toast, askInPage } from './dom.js';
import { NAV_KINDS } from './schema.js';
import * as setupView from './views/setup.js';
import * as dashboardView from './views/dashboard.js';
import * as listView from './views/list.js';
import * as formView from './views/form.js';
import * as quickView from './views/quicklog.js';
import * as syncView from './views/sync.js';
import * as connectView from './views/connect.js';
import * as structureView from './views/structure.js';
import * as printView from './views/print.js';
import * as securityView from './views/security.js';
import { showLock, lockNow, isLocked, startIdle, convertPlain } from './views/lock.js';
import { showArrivals } from './views/netsync.js';
import { computerZoneIsNotVietnam } from './format.js';

const FATAL = ['newer_database', 'not_a_database', 'no_backend'];

const app = {
  status: null,
  options: null,
  /** vault_status: { state: missing | plain | locked | unlocked, idle_minutes, idle_seconds_override, … }. */
  vault: { state: 'locked' },

  /** options (units, plans, indicators, enums), cached; force after a save that may change them. */
  async getOptions(force = false) {
    if (!this.options || force) this.options = await ipc.options();
    return this.options;
  },

  invalidateOptions() {
    this.options = null;
  },

  go(hash, { replace: rep = false } = {}) {
    if (location.hash === hash) { route(); return; }
    if (rep) history.replaceState(null, '', hash);
    else location.hash = hash;
    if (rep) route();
  },

  /** Errors every screen treats the same way. Returns true when handled here. */
  handleGlobalError(err) {
    if (!err) return false;
    // The data was closed (the idle lock, the lock button, or never opened): the lock screen. Not on a
    // first run before any data exists (nothing to unlock; the set-up screens deal with it).
    if (err.code === 'locked' && app.vault && ['locked', 'unlocked'].includes(app.vault.state)) {
      lockHits += 1;
      app.vault.state = 'locked';
      applyShell();
      showLock(app);
      return true;
    }
    if (err.code === 'not_initialized') { showSetup(); return true; }
    if (FATAL.includes(err.code)) { showFatal(err); return true; }
    return false;
  },

  /** An error that leaves nothing to do but say it full screen (a file that is no Sotay data). */
  isFatal(err) {
    return !!err && FATAL.includes(err.code);
  },

  /** Re-reads app_status (after setup) and refreshes the top bar. */
  async refreshStatus() {
    this.status = await ipc.appStatus();
    applyShell();
    return this.status;
  },

  /** The data was just opened (created, converted, restored, unlocked): the idle lock starts. */
  async vaultOpened() {
    try {
      this.vault = await ipc.vaultStatus();
    } catch (_) {
      this.vault = { ...this.vault, state: 'unlocked' };
    }
    startIdle(app, this.vault);
    applyShell();
  },

  /** The lock's settings changed (views/security.js): the idle lock restarts with its new minutes. */
  idleChanged(settings) {
    this.vault = { ...this.vault, idle_minutes: settings.idle_minutes };
    startIdle(app, this.vault);
  },

  /** Unlocked from the lock screen: back exactly where the officer was, with the status read again. */
  async afterUnlock() {
    await this.vaultOpened();
    if (!opened) { await openApp(); return; }
    try {
      await this.refreshStatus();
    } catch (err) {
      if (!this.handleGlobalError(err)) toast(this.errorText(err), 'error');
      return;
    }
    // A view that was being drawn while the data was closed is drawn again; any other stays as it was,
    // with what was typed in it.
    const root = document.querySelector('#view > section.view');
    if (current && current.key !== 'fatal' && current.key !== 'setup' && (current.stale || !root || root.dataset.state === 'error')) route();
    else if (current && current.key === 'setup' && this.status && this.status.initialized) route();
  },

  /** Saves the open form's draft now (before the idle lock closes the data). */
  async flushDraft() {
    if (current && current.ctl && current.ctl.flushDraft) await current.ctl.flushDraft();
  },

  /** Locks now: the top bar's button. */
  lock() {
    return lockNow(app);
  },

  /** Text of an error for a banner, in the current language. */
  errorText(err) {
    if (!err) return '';
    if (err.code === 'no_backend') return t('err.no_backend');
    return err.message || t('err.unknown', { message: err.code });
  },
};

let current = null; // { key, ctl, stale } of the shown view
let lockHits = 0; // how many times a command found the data closed (a view drawn meanwhile is drawn again)
let opened = false; // app_status was read once: the app is on screen (not only the lock or set-up)
let shownHash = null; // the hash of the view on screen (a leave that is refused goes back to it)

const $ = (sel) => document.querySelector(sel);

function applyTexts() {
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  const nav = $('#nav');
  if (nav) nav.setAttribute('aria-label', t('nav.main'));
  const sw = $('#lang-switch');
  if (sw) {
    sw.dataset.lang = getLang();
    sw.title = t('lang.switch_title');
    sw.setAttribute('aria-label', t('lang.switch_title'));
    replace(sw, ...LANGS.map((l, i) => [
      i ? h('span', { class: 'sep', 'aria-hidden': 'true', text: '|' }) : null,
      h('span', { class: l === getLang() ? 'on' : '', text: l.toUpperCase() }),
    ]));
  }
  document.title = t('app.name');
}

function applyShell() {
  const unit = app.status && app.status.unit;
  $('#unit-name').textContent = unit ? unit.name : '';
  showUnitEnded(unit, app.status && app.status.successor);
  document.body.classList.toggle('no-unit', !(app.status && app.status.initialized));
  document.body.classList.toggle('vault-open', !!(app.vault && app.vault.state === 'unlocked'));
}

function parseHash() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [first, second] = parts;
  if (!first || first === 'dashboard') return { view: 'dashboard', nav: 'dashboard' };
  if (first === 'quick') return { view: 'quicklog', nav: null };
  if (first === 'setup') return { view: 'setup', nav: null };
  if (first === 'sync') return { view: 'sync', nav: 'sync' };
  if (first === 'connect') return { view: 'connect', nav: 'connect', fresh: second === 'new' };
  if (first === 'security') return { view: 'security', nav: null };
  if (first === 'structure') return { view: 'structure', nav: 'connect' };
  if (first === 'print' && ['event', 'plan', 'report'].includes(second) && parts[2]) {
    return { view: 'print', nav: second === 'report' ? 'dashboard' : `${second}s`, target: second, id: parts[2], unit: parts[3] || null };
  }
  if (NAV_KINDS[first]) {
    const kind = NAV_KINDS[first];
    if (!second) return { view: 'list', nav: first, kind };
    return { view: 'form', nav: first, kind, id: second === 'new' ? null : second };
  }
  return { view: 'dashboard', nav: 'dashboard' };
}

const VIEWS = { dashboard: dashboardView, list: listView, form: formView, quicklog: quickView, sync: syncView, connect: connectView, structure: structureView, setup: setupView, print: printView, security: securityView };

/** Shows the view of the current hash; `restore` carries unsaved input across a language switch. */
async function route(restore = null) {
  if (!app.status || !app.status.initialized) { showSetup(); return; }
  // Leaving a form with unsaved changes asks first (its draft is kept either way).
  const target = location.hash;
  if (shownHash !== null && target !== shownHash && current && current.ctl && current.ctl.isDirty && current.ctl.isDirty()) {
    history.replaceState(null, '', shownHash);
    if (!(await confirmLeave())) return;
    history.replaceState(null, '', target);
  }
  shownHash = location.hash;
  const r = parseHash();
  if (r.view === 'setup') { app.go('#/dashboard', { replace: true }); return; }
  for (const b of document.querySelectorAll('[data-nav]')) {
    const on = b.dataset.nav === r.nav;
    b.classList.toggle('active', on);
    if (on) b.setAttribute('aria-current', 'page'); else b.removeAttribute('aria-current');
  }
  $('#log-event').classList.toggle('active', r.view === 'quicklog');
  $('#security-open').classList.toggle('active', r.view === 'security');
  mount(r.view, r, restore);
}

/**
 * Asks whether to leave a form whose changes are not saved: resolves true to leave, false to stay.
 * An in-page dialog (the webview's own confirm() is not reliable in every shell); Esc stays.
 */
function confirmLeave() {
  return askInPage('leave-dialog', t('leave.text'), { id: 'leave-stay', text: t('leave.stay') }, { id: 'leave-go', text: t('leave.go') });
}

function mount(viewName, params, restore) {
  if (current && current.ctl && current.ctl.destroy) current.ctl.destroy();
  ipc.setUnsaved(false);
  const root = h('section', { class: `view view-${viewName}`, dataset: { view: viewName, kind: params.kind || null } });
  replace($('#view'), root);
  window.scrollTo(0, 0);
  const entry = { key: viewName, params, ctl: null, stale: false };
  current = entry;
  const hits = lockHits;
  Promise.resolve(VIEWS[viewName].render(root, params, app, restore))
    .then((ctl) => { entry.ctl = ctl || null; root.dataset.state = 'ready'; })
    .catch((err) => {
      const e = ipc.normaliseError(err);
      if (!app.handleGlobalError(e)) root.appendChild(h('div', { class: 'banner error', role: 'alert', text: app.errorText(e) }));
      root.dataset.state = 'error';
    })
    .finally(() => { if (lockHits !== hits) entry.stale = true; });
}

function showSetup() {
  document.body.classList.add('no-unit');
  for (const b of document.querySelectorAll('[data-nav]')) b.classList.remove('active');
  if (location.hash !== '#/setup') history.replaceState(null, '', '#/setup');
  mount('setup', { view: 'setup' }, null);
}

function showFatal(err) {
  if (current && current.ctl && current.ctl.destroy) current.ctl.destroy();
  current = { key: 'fatal', ctl: null };
  document.body.classList.add('no-unit');
  replace($('#view'), h('section', { class: 'view view-fatal', dataset: { view: 'fatal', code: err.code } },
    h('h1', { text: t('err.fatal_title') }),
    h('p', { class: 'banner error', role: 'alert', text: app.errorText(err) }),
    h('button', { type: 'button', class: 'primary', id: 'fatal-reload', text: t('err.reload'), onclick: () => location.reload() })));
}

async function switchLang() {
  const next = getLang() === 'vi' ? 'en' : 'vi';
  const snap = current && current.ctl && current.ctl.snapshot ? current.ctl.snapshot() : null;
  setLang(next);
  try {
    await ipc.setLang(next);
  } catch (e) {
    if (app.handleGlobalError(e)) return;
  }
  applyTexts();
  if (current && current.key === 'setup') mount('setup', { view: 'setup' }, snap);
  else if (current && current.key !== 'fatal') route(snap);
}

function onKey(e) {
  if (isLocked()) return;
  const key = (e.key || '').toLowerCase();
  if ((e.ctrlKey || e.altKey) && !e.shiftKey && !e.metaKey && key === 'n') {
    if (!app.status || !app.status.initialized) return;
    e.preventDefault();
    if (parseHash().view === 'quicklog') {
      const title = document.querySelector('#quick-log [name="title"]');
      if (title) title.focus();
    } else {
      app.go('#/quick');
    }
  }
}

async function start() {
  applyTexts();
  for (const b of document.querySelectorAll('[data-nav]')) {
    b.addEventListener('click', () => app.go(b.dataset.nav === 'dashboard' ? '#/dashboard' : `#/${b.dataset.nav}`));
  }
  $('#log-event').addEventListener('click', () => app.go('#/quick'));
  $('#security-open').addEventListener('click', () => app.go('#/security'));
  $('#lock-now').addEventListener('click', () => app.lock());
  $('#lang-switch').addEventListener('click', switchLang);
  document.addEventListener('keydown', onKey);
  window.addEventListener('hashchange', () => { if (!isLocked()) route(); });
  try {
    await ipc.setLang(getLang());
    app.vault = await ipc.vaultStatus();
  } catch (err) {
    if (!app.handleGlobalError(err)) showFatal(err);
    return;
  }
  applyShell();
  // New plans, outlines and practices from above: the officer is told wherever they are in the app.
  ipc.onSyncAgent((n) => {
    if (n.arrived && n.arrived.length) {
      showArrivals(n.arrived);
      app.invalidateOptions();
    }
  });
  noteTimeZone();
  // Closing the window with a form's changes unsaved: asked like leaving the form (Rust holds the close).
  ipc.onCloseRequested(async () => {
    // Locked: the draft was saved before the data closed, and no question can be shown over the lock.
    if (isLocked()) { ipc.closeWindow(); return; }
    const dirty = current && current.ctl && current.ctl.isDirty && current.ctl.isDirty();
    if (!dirty || (await confirmLeave())) ipc.closeWindow();
  });
  const state = app.vault.state;
  if (state === 'locked') { showLock(app); return; } // app.afterUnlock() opens the app
  if (state === 'missing') {
    // First run: no data yet. The set-up screen asks for a passphrase before it creates anything.
    app.status = { initialized: false, unit: null, counts: {} };
    opened = true;
    applyShell();
    showSetup();
    return;
  }
  if (state === 'plain') await convertPlain(app);
  else await app.vaultOpened();
  await openApp();
}

/** The data is open: its status, then the first run's set-up or the screen of the address. */
async function openApp() {
  try {
    app.status = await ipc.appStatus();
  } catch (err) {
    if (!app.handleGlobalError(err)) showFatal(err);
    return;
  }
  opened = true;
  applyShell();
  if (!app.status.initialized) showSetup();
  else route();
}

/**
 * A unit the level above closed (merged, split, dissolved) says so above every screen: since when, into
 * which unit, and that its records stay readable while new work is written on the successor's computer.
 */
function showUnitEnded(unit, successor) {
  const old = document.getElementById('unit-ended');
  if (old) old.remove();
  if (!unit || !unit.valid_to) return;
  const [y, m, d] = unit.valid_to.split('-');
  const key = successor ? 'unit.ended_into' : 'unit.ended';
  // The way forward: the successor's enrolment file, read on the connection screen, makes this laptop
  // that unit's (its old records kept).
  const join = h('button', { type: 'button', class: 'small', id: 'unit-ended-join', text: t('unit.ended_join'),
    onclick: () => app.go('#/connect') });
  const box = h('div', { id: 'unit-ended', class: 'banner info', role: 'status' },
    h('span', { text: t(key, { day: `${d}/${m}/${y}`, successor: successor || '' }) }), ' ', join);
  const view = document.getElementById('view');
  view.parentNode.insertBefore(box, view);
}

/**
 * A computer set to another zone than Vietnam's is told once, gently, that the app keeps Vietnam's time
 * (its "now", its "saved at"), so that 04:39 on the Sync screen and 21:39 on the clock do not puzzle.
 */
function noteTimeZone() {
  const KEY = 'sotay.tz_noted';
  try { if (!computerZoneIsNotVietnam() || window.localStorage.getItem(KEY)) return; } catch (_) { return; }
  const ok = h('button', { type: 'button', class: 'small', id: 'tz-ok', text: t('tz.ok') });
  const box = h('div', { id: 'tz-notice', class: 'banner info', role: 'status' }, h('span', { text: t('tz.notice') }), ' ', ok);
  ok.addEventListener('click', () => {
    try { window.localStorage.setItem(KEY, '1'); } catch (_) { /* private mode: it shows again next time */ }
    box.remove();
  });
  const view = document.getElementById('view');
  view.parentNode.insertBefore(box, view);
}

window.addEventListener('unhandledrejection', (ev) => {
  const e = ipc.normaliseError(ev.reason);
  if (!app.handleGlobalError(e)) toast(app.errorText(e), 'error');
  ev.preventDefault();
});

start();
