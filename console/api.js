// The signed-in session, calls to /api/v1 (signing in again on 401), and files
// fetched through it.

import { h } from './dom.js';
import { t } from './i18n.js';
import { field } from './widgets.js';

/** The signed-in session: the token (this tab's sessionStorage), the account, its offices. */
export const auth = {
  get token() { return sessionStorage.getItem('token'); },
  set token(v) { if (v) sessionStorage.setItem('token', v); else sessionStorage.removeItem('token'); },
  me: null,
  /** The account's offices once read (see offices()). */
  offices: null,
};

class Problem extends Error {
  constructor(status, body) {
    super(body.detail || body.title || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

/** Calls the API; on 401 asks the user to sign in again and retries once. */
export async function api(method, path, body, extra = {}) {
  for (let attempt = 0; ; attempt++) {
    const headers = { accept: 'application/json' };
    if (auth.token) headers.authorization = `Bearer ${auth.token}`;
    if (body !== undefined) headers['content-type'] = extra.raw ? (body.type || 'application/octet-stream') : 'application/json';
    if (extra.ifMatch !== undefined) headers['if-match'] = `"${extra.ifMatch}"`;
    const response = await fetch(path, {
      method, headers, body: body === undefined || extra.raw ? body : JSON.stringify(body),
    });
    if (response.status === 401 && auth.token && attempt === 0) {
      await signInAgain();
      continue;
    }
    if (response.status === 204) return null;
    if (extra.blob && response.ok) return response.blob();
    const type = response.headers.get('content-type') || '';
    const data = type.includes('json') ? await response.json() : await response.text();
    if (!response.ok) throw new Problem(response.status, typeof data === 'object' ? data : { detail: data });
    return data;
  }
}

async function signIn(username, password) {
  const token = await api('POST', '/api/v1/auth/token', { username, password });
  auth.token = token.access_token;
  auth.offices = null;
  auth.me = await api('GET', '/api/v1/me');
}

/** The sign-in form over the current page; resolves once signed in again. */
function signInAgain() {
  return new Promise((resolve) => {
    const overlay = document.getElementById('overlay');
    overlay.replaceChildren(h('div', { class: 'dialog', role: 'dialog' },
      h('p', { class: 'notice' }, t('expired')),
      loginForm(async () => { overlay.hidden = true; overlay.replaceChildren(); resolve(); }, auth.me?.username)));
    overlay.hidden = false;
  });
}

/** The sign-in form; `done` runs once signed in. */
export function loginForm(done, username) {
  const user = h('input', { name: 'username', autocomplete: 'username', required: true, value: username || '' });
  const pass = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const message = h('p', { class: 'error', role: 'alert' });
  return h('form', {
    class: 'login', id: 'login',
    onsubmit: async (e) => {
      e.preventDefault();
      message.textContent = '';
      try {
        auth.token = null;
        await signIn(user.value, pass.value);
        await done();
      } catch (err) {
        message.textContent = err.status === 401 ? t('badLogin') : err.message;
      }
    },
  }, field(t('username'), user), field(t('password'), pass), h('button', { type: 'submit' }, t('signin')), message);
}

/** Fetches `path` through api() (so an expired token signs in again) and saves it as `filename`. */
export async function download(path, filename) {
  const url = URL.createObjectURL(await api('GET', path, undefined, { blob: true }));
  const link = h('a', { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
