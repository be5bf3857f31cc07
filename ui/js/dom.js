// Building DOM without innerHTML: every text becomes a text node.

/**
 * h('button', { class: 'primary', id: 'x', onclick: fn, text: 'Lưu' }, child, 'text', [more])
 * Attributes: class, text, dataset {…}, on<event> functions, value/checked/selected as properties,
 * true → empty attribute, false/null/undefined → left out.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = String(v);
      else if (k === 'dataset') for (const [dk, dv] of Object.entries(v)) { if (dv !== undefined && dv !== null) el.dataset[dk] = String(dv); }
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'value' || k === 'checked' || k === 'selected') el[k] = v;
      else if (v === true) el.setAttribute(k, '');
      else el.setAttribute(k, String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

/** Removes every child. */
export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** Replaces the children of el. */
export function replace(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}

/** An id safe for `for=` and CSS from a field path: "targets[1].indicator" → "f-targets-1-indicator". */
export function fieldId(prefix, path) {
  return `${prefix}-${String(path).replace(/[^A-Za-z0-9_-]+/g, '-').replace(/-+$/, '')}`;
}

/** Calls fn at most once per `ms` of quiet. Returns the wrapper with .flush() and .cancel(). */
export function debounce(fn, ms) {
  let timer = null;
  let lastArgs = null;
  const wrapped = (...args) => {
    lastArgs = args;
    clearTimeout(timer);
    timer = setTimeout(() => { timer = null; fn(...lastArgs); }, ms);
  };
  wrapped.flush = () => {
    if (timer !== null) { clearTimeout(timer); timer = null; fn(...lastArgs); }
  };
  wrapped.cancel = () => { clearTimeout(timer); timer = null; };
  return wrapped;
}

/**
 * Shows `message` in <div class="field-error" data-for=NAME> at the end of the input's .field (or list
 * .filter), marks the input invalid, and leaves the focus where it is. Replaces an error already there.
 */
export function markFieldError(input, message) {
  clearFieldError(input);
  const wrap = input.closest('.field, .filter') || input.parentElement;
  const key = input.name || input.id;
  const id = `err-${input.id || key.replace(/[^A-Za-z0-9_-]+/g, '-')}`;
  const err = h('div', { class: 'field-error', id, role: 'alert', dataset: { for: key }, text: message });
  wrap.classList.add('has-error');
  wrap.appendChild(err);
  input.setAttribute('aria-invalid', 'true');
  input.setAttribute('aria-describedby', id);
  return err;
}

/** Removes the error shown for one input, if any. */
export function clearFieldError(input) {
  const wrap = input && input.closest ? input.closest('.has-error') : null;
  if (!wrap) return;
  wrap.classList.remove('has-error');
  for (const err of wrap.querySelectorAll('.field-error')) err.remove();
  input.removeAttribute('aria-invalid');
  input.removeAttribute('aria-describedby');
}

let toastTimer = null;

/** A short message at the bottom of the window (#toast). kind: 'ok' | 'error'. */
export function toast(message, kind = 'ok') {
  let el = document.getElementById('toast');
  if (!el) {
    el = h('div', { id: 'toast', role: 'status', 'aria-live': 'polite' });
    document.body.appendChild(el);
  }
  el.textContent = message;
  el.className = `toast show ${kind}`;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.className = `toast ${kind}`; }, 4000);
}

/** A message banner (error or info) as an element; role=alert for errors. */
export function banner(message, kind = 'error') {
  return h('div', { class: `banner ${kind}`, role: kind === 'error' ? 'alert' : 'status', text: message });
}

/**
 * A question in the page that must be answered before going on (the webview's own confirm() is not
 * reliable in every shell): `id` names the dialog, its text `${id}-text`; `keep` ({ id, text }) is the
 * safe answer, focused, and Esc gives it; `act` ({ id, text, cls }) the other. Resolves true for `act`.
 */
export function askInPage(id, text, keep, act) {
  const old = document.getElementById(id);
  if (old) old.remove();
  return new Promise((resolve) => {
    const no = h('button', { type: 'button', id: keep.id, class: 'primary', text: keep.text });
    const yes = h('button', { type: 'button', id: act.id, class: act.cls || null, text: act.text });
    const box = h('div', { id, class: 'modal-backdrop' },
      h('div', { class: 'modal card', role: 'alertdialog', 'aria-modal': 'true', 'aria-labelledby': `${id}-text` },
        h('p', { id: `${id}-text`, text }),
        h('div', { class: 'actions' }, no, yes)));
    const done = (answer) => { box.remove(); document.removeEventListener('keydown', onEsc, true); resolve(answer); };
    const onEsc = (e) => { if (e.key === 'Escape') { e.preventDefault(); done(false); } };
    no.addEventListener('click', () => done(false));
    yes.addEventListener('click', () => done(true));
    document.addEventListener('keydown', onEsc, true);
    document.body.appendChild(box);
    no.focus();
  });
}
