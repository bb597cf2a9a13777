// Shared parts of the console's pages: the GraphQL client (typed errors), a DOM builder that
// never parses data as HTML (every value is a text node), tables, forms and their errors.

const KEY_STORAGE = 'loyalty.console.key';

export function storedKey() {
  try { return sessionStorage.getItem(KEY_STORAGE) || ''; } catch (e) { return ''; }
}

export function storeKey(value) {
  try {
    if (value) sessionStorage.setItem(KEY_STORAGE, value);
    else sessionStorage.removeItem(KEY_STORAGE);
  } catch (e) { /* storage disabled: the key lives as long as the page */ }
}

// An error the API answered: `code` is its stable extensions.code (VALIDATION, NOT_FOUND,
// INVALID_REVISION, FORBIDDEN …), `field` the input it names, when it names one.
export class ApiError extends Error {
  constructor(message, code, field) {
    super(message);
    this.code = code || 'ERROR';
    this.field = field || null;
  }
}

export async function gql(query, variables) {
  const headers = { 'content-type': 'application/json' };
  const key = storedKey();
  if (key) headers.Authorization = 'Bearer ' + key;
  let reply;
  try {
    reply = await fetch('/graphql', {
      method: 'POST', headers, body: JSON.stringify({ query, variables: variables || {} }),
    });
  } catch (e) {
    throw new ApiError('the service does not answer: ' + e.message, 'NETWORK');
  }
  let body;
  try { body = await reply.json(); } catch (e) {
    throw new ApiError('the service answered HTTP ' + reply.status, 'HTTP_' + reply.status);
  }
  if (body.errors && body.errors.length) {
    const first = body.errors[0];
    const ext = first.extensions || {};
    throw new ApiError(first.message, ext.code, ext.field);
  }
  return body.data;
}

// A file from the API (exports), fetched with the key and handed to the browser as a download.
export async function download(path, filename) {
  const reply = await fetch(path, { headers: { Authorization: 'Bearer ' + storedKey() } });
  if (!reply.ok) {
    let message = 'HTTP ' + reply.status;
    try { const body = await reply.json(); message = (body.error && body.error.message) || message; } catch (e) { /* not JSON */ }
    throw new ApiError(message, 'HTTP_' + reply.status);
  }
  const blob = await reply.blob();
  const link = h('a', { href: URL.createObjectURL(blob), download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  return blob.size;
}

export function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (name === 'class') node.className = value;
    else if (value === true) node.setAttribute(name, '');
    else node.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function section(title, ...children) {
  return h('section', {}, h('h2', {}, title), ...children);
}

// columns: [[heading, row => value, 'num'?], …]
export function table(columns, rows, empty) {
  if (!rows.length) return h('p', { class: 'muted' }, empty || 'Nothing yet.');
  return h('table', {},
    h('thead', {}, h('tr', {}, columns.map(([name, , kind]) => h('th', { class: kind }, name)))),
    h('tbody', {}, rows.map((row) => h('tr', {}, columns.map(([, value, kind]) => {
      const v = value(row);
      return h('td', { class: kind }, v === null || v === undefined ? '—' : v);
    })))));
}

export function points(n) {
  return n === null || n === undefined ? '—' : Number(n).toLocaleString('en-US');
}

export function when(iso) {
  return iso ? iso.replace('T', ' ').replace(/\.\d+/, '').replace('+00:00', ' UTC') : '—';
}

export function field(label, input, wide) {
  return h('label', { class: wide ? 'wide' : null }, label, input);
}

export function input(name, value, attrs) {
  return h('input', { name, value: value === null || value === undefined ? '' : value, ...(attrs || {}) });
}

export function select(name, options, current) {
  return h('select', { name }, options.map(([value, label]) =>
    h('option', { value, selected: String(value) === String(current ?? '') }, label)));
}

export function value(form, name) {
  const el = form.elements.namedItem(name);
  if (!el) return null;
  if (el.type === 'checkbox') return el.checked;
  const v = el.value.trim();
  return v === '' ? null : v;
}

export function intValue(form, name) {
  const v = value(form, name);
  return v === null ? null : Number.parseInt(v, 10);
}

// Shows an API error on a form: the message, the named field outlined, and for a stale
// revision a way to reload the current version instead of overwriting it.
export function showError(form, error, reload) {
  const box = form.querySelector('.form-error') || form.appendChild(h('div', { class: 'form-error wide' }));
  box.replaceChildren();
  form.querySelectorAll('.field-error').forEach((el) => el.classList.remove('field-error'));
  if (!error) return;
  if (error.code === 'INVALID_REVISION') {
    box.append(h('div', { class: 'conflict' },
      'Someone changed this since you opened it: ', error.message, ' ',
      reload ? h('button', { type: 'button', onclick: reload }, 'Load the current version') : null));
    return;
  }
  const named = error.field ? form.querySelector(`[name="${CSS.escape(error.field.split('.').pop())}"]`) : null;
  if (named) named.classList.add('field-error');
  box.append(h('p', { class: 'error' }, `${error.code}: ${error.message}`));
}

export function notice(text) {
  document.getElementById('notice').textContent = text || '';
}

export async function guarded(form, action, reload) {
  showError(form, null);
  try {
    return await action();
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    showError(form, e, reload);
    return undefined;
  }
}

export function bars(values, label) {
  const max = Math.max(1, ...values.map((v) => Math.abs(v.value)));
  // Heights through the CSSOM: a style attribute would be refused by the page's CSP.
  return h('div', { class: 'bars', role: 'img', 'aria-label': label },
    values.map((v) => {
      const bar = h('div', { title: `${v.label}: ${v.value}`, 'data-value': v.value });
      bar.style.height = `${Math.round((Math.abs(v.value) / max) * 100)}%`;
      return bar;
    }));
}

export function idempotencyKey(prefix) {
  const random = new Uint8Array(8);
  crypto.getRandomValues(random);
  return prefix + '-' + Array.from(random, (b) => b.toString(16).padStart(2, '0')).join('');
}
