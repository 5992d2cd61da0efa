// The admin's office tree.

import { api, auth } from './api.js';
import { h } from './dom.js';
import { I18N, lang, t } from './i18n.js';
import { render } from './refresh.js';
import { sheetForm } from './sheets.js';
import { offices, tierName } from './vocabulary.js';
import { button, field, guard, input, select } from './widgets.js';

/** The admin's part of the tree: each office indented under its parent,
 * deactivated and activated here, new ones added one by one or from a sheet. */
export async function officesPage() {
  auth.offices = null;
  const tree = await offices();
  const own = tree[0];
  const changed = () => { auth.offices = null; render(); };
  const below = Object.keys(I18N[lang].officeTiers).filter((_, k, all) => k > all.indexOf(own.tier));
  const parents = tree.filter((o) => o.active && o.tier !== 'county');
  const f = {
    name: input('name', '', { required: true, maxlength: 200 }),
    tier: select('tier', below.map((code) => [code, tierName(code)]), below[0]),
    parent: select('parent', parents.map((o) => [o.id, `${'　'.repeat(o.depth)}${o.name}`]), own.id),
    region: input('region', own.region, { maxlength: 200 }),
  };
  return h('section', {}, h('h1', {}, t('offices'), ' ', h('small', {}, t('officeCount', tree.length))),
    h('table', { class: 'list', id: 'offices' },
      h('tr', {}, [t('officeName'), t('tier'), t('region'), t('state'), ''].map((x) => h('th', {}, x))),
      tree.map((o) => h('tr', { 'data-office': o.id, class: o.active ? null : 'inactive' },
        h('td', { class: `depth-${Math.min(o.depth, 3)}` }, o.depth ? '└ ' : '', o.name),
        h('td', {}, tierName(o.tier)), h('td', {}, o.region), h('td', {}, o.active ? t('officeActive') : t('inactive')),
        h('td', {}, o.depth ? button(o.active ? t('deactivate') : t('activate'), async () => {
          await api('PATCH', `/api/v1/offices/${encodeURIComponent(o.id)}`, { active: !o.active });
          changed();
        }, { class: 'toggle' }) : null)))),
    h('h2', {}, t('newOffice')),
    h('form', { class: 'inline', id: 'office-form', onsubmit: guard(async (e) => {
      e.preventDefault();
      await api('POST', '/api/v1/offices', { name: f.name.value, tier: f.tier.value, parent: f.parent.value, region: f.region.value });
      changed();
    }) }, field(t('officeName'), f.name), field(t('tier'), f.tier), field(t('parentOffice'), f.parent), field(t('region'), f.region),
    h('button', { type: 'submit' }, t('create'))),
    h('h2', {}, t('importOffices')), h('p', {}, t('importOfficesHint')),
    sheetForm('offices-import', `/api/v1/offices/${encodeURIComponent(own.id)}/import`, (r) => t('importedOffices', r.offices.length)));
}
