// The admin's accounts page.

import { api, auth } from './api.js';
import { h } from './dom.js';
import { I18N, lang, t } from './i18n.js';
import { instructorPicker } from './pickers.js';
import { render } from './refresh.js';
import { officeName, offices } from './vocabulary.js';
import { button, field, guard, input, select } from './widgets.js';

/** The admin's accounts: each one's role, office and state, and a new one. */
export async function accountsPage() {
  const [users, tree] = await Promise.all([api('GET', '/api/v1/users'), offices()]);
  const f = { username: input('username', '', { required: true }), password: input('password', '', { type: 'password', required: true, minlength: 8 }),
    role: select('role', Object.entries(I18N[lang].roles), 'planner'),
    office: select('office', tree.filter((o) => o.active).map((o) => [o.id, `${'　'.repeat(o.depth)}${o.name}`]), auth.me.office.id),
    instructor: instructorPicker('instructor') };
  return h('section', {}, h('h1', {}, t('accounts')),
    h('table', { class: 'list', id: 'accounts' }, h('tr', {}, [t('username'), t('role'), t('office'), t('linked'), t('state'), ''].map((v) => h('th', {}, v))),
      users.map((u) => h('tr', { 'data-user': u.username }, h('td', { translate: 'no' }, u.username), h('td', {}, I18N[lang].roles[u.role] || u.role),
        h('td', {}, officeName(tree, u.office)), h('td', { translate: 'no', class: 'id' }, u.instructor || ''),
        h('td', {}, u.active ? t('active') : t('inactive')),
        // An admin cannot disable their own account here (nor lock themselves out).
        h('td', {}, u.username === auth.me.username ? h('small', { class: 'self' }, t('yourself'))
          : button(u.active ? t('disable') : t('enable'), async () => { await api('PATCH', `/api/v1/users/${u.id}`, { active: !u.active }); render(); }, { class: 'toggle' }), ' ',
          button(t('reset'), (e) => resetForm(e.target.closest('tr'), u), { class: 'reset' }))))),
    h('form', { class: 'inline', id: 'account-form', onsubmit: guard(async (e) => {
      e.preventDefault();
      await api('POST', '/api/v1/users', { username: f.username.value, password: f.password.value, role: f.role.value, office: f.office.value, instructor: f.instructor.picked() });
      render();
    }) }, Object.entries(f).map(([k, el]) => field(t(k === 'instructor' ? 'linked' : k), el)), h('button', { type: 'submit' }, t('create'))));
}

/** A new password for an account, typed masked under its row. */
function resetForm(row, u) {
  if (row.nextElementSibling?.classList.contains('reset-row')) return;
  const password = input('new_password', '', { type: 'password', required: true, minlength: 8, autocomplete: 'new-password' });
  const done = h('span', { role: 'status' });
  row.after(h('tr', { class: 'reset-row' }, h('td', { colspan: row.children.length },
    h('form', { class: 'inline reset-form', onsubmit: guard(async (e) => {
      e.preventDefault();
      await api('PATCH', `/api/v1/users/${u.id}`, { password: password.value });
      password.value = '';
      done.textContent = t('saved');
    }) }, field([t('newPassword'), '（', h('span', { translate: 'no' }, u.username), '）'], password), h('button', { type: 'submit' }, t('reset')), ' ', done))));
  password.focus();
}
