// A small month calendar beside a date input (fields.js): a help for the mouse. Typing dd/mm/yyyy stays
// the main way in, so the button is left out of the Tab order; Alt+↓ in the input opens the calendar
// from the keyboard (arrows, PageUp/PageDown, Enter, Esc).

import { h } from './dom.js';
import { t, getLang } from './i18n.js';
import { fmtDate, fmtLocal, todayInput, nowLocalInput } from './format.js';

const SVG = 'http://www.w3.org/2000/svg';
const pad = (n) => String(n).padStart(2, '0');
const iso = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;

function svg(tag, attrs) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

function icon() {
  const s = svg('svg', { viewBox: '0 0 20 20', width: 18, height: 18, 'aria-hidden': 'true', focusable: 'false' });
  const stroke = { fill: 'none', stroke: 'currentColor', 'stroke-width': 1.6 };
  s.append(
    svg('rect', { x: 2.5, y: 4, width: 15, height: 13.5, rx: 1.5, ...stroke }),
    svg('line', { x1: 2.5, y1: 8, x2: 17.5, y2: 8, ...stroke }),
    svg('line', { x1: 6.5, y1: 2, x2: 6.5, y2: 5.5, ...stroke }),
    svg('line', { x1: 13.5, y1: 2, x2: 13.5, y2: 5.5, ...stroke }),
    svg('rect', { x: 5.5, y: 10.5, width: 3, height: 2.5, fill: 'currentColor' }));
  return s;
}

/** "2026-11-28" → Date at local midnight. */
function toDate(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s || '');
  return m ? new Date(+m[1], +m[2] - 1, +m[3]) : null;
}

function monthTitle(y, m) {
  const names = t('date.month_names').split(',');
  return t('date.month_title', { m, y, name: names[m - 1] || m });
}

/** Wraps `input` in <span class="date-control"> with its calendar button; returns the wrapper. */
export function attachPicker(input) {
  const withTime = input.dataset.date === 'datetime';
  const btn = h('button', {
    type: 'button', class: 'date-pick', tabindex: '-1', title: t('date.pick'), 'aria-label': t('date.pick'),
    'aria-haspopup': 'dialog', 'aria-expanded': 'false',
  }, icon());
  const wrap = h('span', { class: 'date-control' }, input, btn);
  let pop = null;
  let grid = null;
  let title = null;
  let shown = null; // first day of the month on show
  let selected = '';

  const outside = (e) => { if (pop && !wrap.contains(e.target)) close(); };

  function close() {
    if (!pop) return;
    pop.remove();
    pop = null;
    btn.setAttribute('aria-expanded', 'false');
    document.removeEventListener('mousedown', outside, true);
  }

  function choose(day) {
    let value;
    if (withTime) {
      const cur = /T(\d{2}:\d{2})/.exec(input.dataset.iso || '');
      value = fmtLocal(`${day}T${cur ? cur[1] : '00:00'}`);
    } else {
      value = fmtDate(day);
    }
    set(value);
  }

  function set(text) {
    input.value = text;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    input.dispatchEvent(new Event('change', { bubbles: true }));
    close();
    input.focus();
    // A date-time: the time is what is left to type.
    if (withTime && typeof input.setSelectionRange === 'function') input.setSelectionRange(11, input.value.length);
  }

  function renderGrid(focusDay) {
    title.textContent = monthTitle(shown.getFullYear(), shown.getMonth() + 1);
    const first = new Date(shown.getFullYear(), shown.getMonth(), 1);
    const start = new Date(first);
    start.setDate(1 - ((first.getDay() + 6) % 7)); // weeks start on Monday
    const today = todayInput();
    const days = [];
    for (let i = 0; i < 42; i++) {
      const d = new Date(start.getFullYear(), start.getMonth(), start.getDate() + i);
      const v = iso(d);
      const cls = ['day',
        d.getMonth() !== shown.getMonth() ? 'out' : '',
        v === today ? 'today' : '',
        v === selected ? 'sel' : ''].filter(Boolean).join(' ');
      days.push(h('button', {
        type: 'button', class: cls, tabindex: v === focusDay ? '0' : '-1', dataset: { day: v },
        'aria-label': fmtDate(v), 'aria-pressed': v === selected ? 'true' : 'false',
        'aria-current': v === today ? 'date' : null, text: d.getDate(),
      }));
    }
    grid.replaceChildren(
      ...t('date.weekdays').split(',').map((w) => h('span', { class: 'wd', 'aria-hidden': 'true', text: w })),
      ...days);
  }

  function focusDay(v) {
    const d = toDate(v);
    if (d.getMonth() !== shown.getMonth() || d.getFullYear() !== shown.getFullYear()) {
      shown = new Date(d.getFullYear(), d.getMonth(), 1);
    }
    renderGrid(v);
    const b = grid.querySelector(`[data-day="${v}"]`);
    if (b) b.focus();
  }

  function move(delta, months = 0) {
    const cur = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.day : null;
    const d = toDate(cur || selected || todayInput());
    if (months) {
      const day = d.getDate();
      d.setDate(1);
      d.setMonth(d.getMonth() + months);
      d.setDate(Math.min(day, new Date(d.getFullYear(), d.getMonth() + 1, 0).getDate()));
    } else {
      d.setDate(d.getDate() + delta);
    }
    focusDay(iso(d));
  }

  function open(fromKeyboard) {
    if (pop || input.disabled || input.readOnly) return;
    const cur = /^\d{4}-\d{2}-\d{2}/.exec(input.dataset.iso || '');
    selected = cur ? cur[0] : '';
    const base = toDate(selected || todayInput());
    shown = new Date(base.getFullYear(), base.getMonth(), 1);
    title = h('span', { class: 'title', 'aria-live': 'polite' });
    grid = h('div', { class: 'grid' });
    const prev = h('button', { type: 'button', class: 'nav', title: t('date.prev_month'), 'aria-label': t('date.prev_month'), text: '‹' });
    const next = h('button', { type: 'button', class: 'nav', title: t('date.next_month'), 'aria-label': t('date.next_month'), text: '›' });
    const now = h('button', { type: 'button', class: 'now', text: withTime ? t('date.now') : t('date.today') });
    pop = h('div', { class: 'date-pop', role: 'dialog', 'aria-label': t('date.pick'), lang: getLang() },
      h('div', { class: 'head' }, prev, title, next), grid, h('div', { class: 'foot' }, now));
    // Clicks inside the calendar leave the focus where it is (the input, or the day under the arrows).
    pop.addEventListener('mousedown', (e) => e.preventDefault());
    prev.addEventListener('click', () => { shown.setMonth(shown.getMonth() - 1); renderGrid(''); });
    next.addEventListener('click', () => { shown.setMonth(shown.getMonth() + 1); renderGrid(''); });
    now.addEventListener('click', () => set(withTime ? fmtLocal(nowLocalInput()) : fmtDate(todayInput())));
    grid.addEventListener('click', (e) => {
      const b = e.target.closest('[data-day]');
      if (b) choose(b.dataset.day);
    });
    pop.addEventListener('keydown', (e) => {
      const keys = { ArrowLeft: [-1], ArrowRight: [1], ArrowUp: [-7], ArrowDown: [7], PageUp: [0, -1], PageDown: [0, 1] };
      if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); close(); input.focus(); return; }
      if (keys[e.key] && e.target.dataset && e.target.dataset.day) {
        e.preventDefault();
        move(...keys[e.key]);
      }
      // Enter and Space on a day are the button's own click.
    });
    renderGrid(selected || todayInput());
    wrap.appendChild(pop);
    btn.setAttribute('aria-expanded', 'true');
    // Below the input; above it when only there is room (under the sticky top bar); else scrolled to.
    const r = pop.getBoundingClientRect();
    const w = wrap.getBoundingClientRect();
    const bar = document.getElementById('topbar');
    const top = bar ? Math.max(0, bar.getBoundingClientRect().bottom) : 0;
    if (r.bottom > window.innerHeight - 8) {
      if (w.top - r.height - 8 >= top) pop.classList.add('up');
      else pop.scrollIntoView({ block: 'nearest' });
    }
    if (r.right > document.documentElement.clientWidth - 8) pop.classList.add('right');
    document.addEventListener('mousedown', outside, true);
    if (fromKeyboard) {
      const b = grid.querySelector('[tabindex="0"]');
      if (b) b.focus();
    }
  }

  btn.addEventListener('mousedown', (e) => e.preventDefault()); // keep the focus in the input
  btn.addEventListener('click', () => (pop ? close() : open(false)));
  input.addEventListener('keydown', (e) => {
    if (e.altKey && e.key === 'ArrowDown') { e.preventDefault(); open(true); }
    else if (e.key === 'Escape' && pop) { e.preventDefault(); close(); }
  });
  // Tabbing away closes it.
  wrap.addEventListener('focusout', () => {
    setTimeout(() => { if (pop && !wrap.contains(document.activeElement)) close(); }, 0);
  });
  return wrap;
}
