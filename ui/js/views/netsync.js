// The network half of the Sync screen: the agent's state (online/offline, last success, last error in
// plain words, next try), the hub's address, and "Sync now". The agent runs in Rust on its own thread;
// this card only shows what it reports (sync_status.network, then each `sync-agent` event).

import * as ipc from '../ipc.js';
import { h, replace } from '../dom.js';
import { t, getLang } from '../i18n.js';
import { fmtNumber, fmtTimestampVN } from '../format.js';

/**
 * The state word for a status: unconfigured | top (no level above) | hub (no hub above, lower levels
 * send here) | running | online | offline | waiting (never tried yet). `place` is where this
 * installation stands: { hasUpper, lower, top }.
 */
export function netState(n, place = {}) {
  if (!n || !n.configured) {
    if (place.top) return 'top';
    if (!place.hasUpper && place.lower > 0) return 'hub';
    return 'unconfigured';
  }
  if (n.running) return 'running';
  if (n.online === true) return 'online';
  if (n.online === false) return 'offline';
  return 'waiting';
}

/** Returns { card, paint(network) }. `onSynced` runs when a sync has just finished. */
export function networkCard(onSynced) {
  const state = h('span', { id: 'net-state', class: 'net-state' });
  const hub = h('code', { id: 'net-hub', class: 'mono-path' });
  const lastOk = h('span', { id: 'net-last-ok' });
  const moved = h('p', { id: 'net-moved', class: 'hint' });
  const error = h('p', { id: 'net-error', class: 'banner error', role: 'alert', hidden: true });
  const next = h('p', { id: 'net-next', class: 'hint' });
  const setupHint = h('p', { id: 'net-setup-hint', class: 'hint', text: t('net.setup_hint'), hidden: true });
  const now = h('button', { type: 'button', id: 'net-sync-now', class: 'primary', text: t('net.sync_now') });
  now.addEventListener('click', () => {
    now.disabled = true;
    ipc.syncNow().catch(() => {}).finally(() => { setTimeout(() => { now.disabled = false; }, 1500); });
  });

  const card = h('section', { class: 'card sync-card sync-net', 'aria-labelledby': 'sync-net-h' },
    h('h2', { id: 'sync-net-h', text: t('net.title') }),
    h('p', { class: 'net-line' }, state),
    h('dl', { class: 'net-kv' },
      h('dt', { text: t('net.hub') }), h('dd', null, hub),
      h('dt', { text: t('net.last_ok') }), h('dd', null, lastOk)),
    moved, error, next, setupHint, now);

  let wasRunning = false;
  const paint = (n, place = {}) => {
    n = n || {};
    const s = netState(n, place);
    state.className = `net-state ${s}`;
    state.dataset.state = s;
    state.textContent = t(`net.state.${s}`, { n: fmtNumber(place.lower || 0) });
    hub.textContent = n.hub_url || t('net.no_hub');
    lastOk.textContent = n.last_success ? fmtTimestampVN(n.last_success) : t('net.never');
    const err = n.last_error;
    error.hidden = !err;
    error.textContent = err ? (getLang() === 'en' ? err.en : err.vi) : '';
    moved.hidden = !n.last_success;
    moved.textContent = t('net.moved', { up: fmtNumber(n.pushed_changes || 0), down: fmtNumber(n.pulled_changes || 0) });
    next.hidden = !n.configured || n.running || !n.next_try_s;
    next.textContent = t('net.next', { s: fmtNumber(n.next_try_s || 0) });
    setupHint.hidden = !!n.configured || s === 'top' || s === 'hub';
    now.hidden = !n.configured;
    now.disabled = !!n.running;
    if (wasRunning && !n.running && onSynced) onSynced(n);
    wasRunning = !!n.running;
  };
  return { card, paint };
}

/** Words for what came down: "kế hoạch «…», mô hình «…»". */
export function arrivalsText(arrived) {
  return (arrived || []).map((a) => t('net.arrived_item', { kind: t(`net.kind.${a.kind}`), title: a.title })).join(', ');
}

/** A notice under the top bar that stays until dismissed: new plans (outlines, practices) from above. */
export function showArrivals(arrived) {
  if (!arrived || !arrived.length) return;
  let box = document.getElementById('arrivals');
  if (!box) {
    box = h('div', { id: 'arrivals', class: 'banner info arrivals', role: 'status', 'aria-live': 'polite' });
    const view = document.getElementById('view');
    view.parentNode.insertBefore(box, view);
  }
  const close = h('button', { type: 'button', class: 'small', text: t('net.dismiss') });
  close.addEventListener('click', () => box.remove());
  replace(box, [h('strong', { text: t('net.arrived_title') }), ' ', h('span', { text: arrivalsText(arrived) }), ' ', close]);
}
