// The profile page of every role: contact details and the password.

import { api, auth } from './api.js';
import { h } from './dom.js';
import { I18N, lang, t } from './i18n.js';
import { field, guard, input } from './widgets.js';

/** The signed-in account: contact details (an instructor's) and the password. */
export async function profilePage() {
  const me = await api('GET', '/api/v1/me');
  const current = input('current', '', { type: 'password', required: true, autocomplete: 'current-password' });
  const next = input('new', '', { type: 'password', required: true, minlength: 8, autocomplete: 'new-password' });
  const done = h('p', { role: 'status' });
  let contact = null;
  if (me.instructor) {
    const phone = input('phone', me.instructor.phone);
    const email = input('email', me.instructor.email);
    const contactDone = h('p', { role: 'status' });
    // Saved in place, not by drawing the page again, which would wipe what
    // is being typed into the password form.
    contact = h('form', { class: 'inline', id: 'contact-form', onsubmit: guard(async (e) => {
      e.preventDefault();
      const saved = await api('PUT', '/api/v1/me/contact', { phone: phone.value || null, email: email.value || null }, { ifMatch: me.instructor.version });
      me.instructor.version = saved.version;
      contactDone.textContent = t('saved');
    }) }, h('h2', {}, t('contact')), field(t('phone'), phone), field(t('email'), email), h('button', { type: 'submit' }, t('save')), contactDone);
  }
  return h('section', {}, h('h1', {}, t('profile')), h('p', {}, h('span', { translate: 'no' }, me.username), ` · ${I18N[lang].roles[me.role]}`), contact,
    h('form', { class: 'inline', id: 'password-form', onsubmit: guard(async (e) => {
      e.preventDefault();
      const token = await api('PUT', '/api/v1/me/password', { current: current.value, new: next.value });
      auth.token = token.access_token;
      done.textContent = t('saved');
    }) }, h('h2', {}, t('changePassword')), field(t('current'), current), field(t('newPassword'), next), h('button', { type: 'submit' }, t('save')), done));
}
