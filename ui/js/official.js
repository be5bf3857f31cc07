// A search of the official 2025 list of provinces and communes (GSO codes, shipped with Sotay): typed
// without accents, each match a button; picking one hands its Union name, code, place and upper body to
// `onPick`. Used where a unit is created (the first run, the merge wizard).

import * as ipc from './ipc.js';
import { h, replace } from './dom.js';
import { t } from './i18n.js';

export function officialPicker(id, onPick) {
  const search = h('input', { type: 'search', id, autocomplete: 'off', spellcheck: 'false', placeholder: t('structure.official_placeholder') });
  const found = h('ul', { id: `${id}-list`, class: 'official-list' });
  const source = h('div', { class: 'hint', id: `${id}-source` });
  let seq = 0;
  search.addEventListener('input', async () => {
    const mine = ++seq;
    const q = search.value.trim();
    if (!q) { found.replaceChildren(); return; }
    let r;
    try { r = await ipc.officialUnits(q); } catch (_) { return; }
    if (mine !== seq) return;
    source.textContent = t('structure.official_source', { source: r.source });
    replace(found, (r.units || []).map((u) => h('li', null, h('button', {
      type: 'button', class: 'link official-pick', dataset: { code: u.code },
      text: `${u.official_name} — ${u.province} (${u.code})`,
      onclick: () => { found.replaceChildren(); onPick(u); },
    }))));
  });
  const el = h('div', { class: 'field wide official-field' }, h('label', { for: id, text: t('structure.official') }), search, found, source);
  return { el, search };
}
