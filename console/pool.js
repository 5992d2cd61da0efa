// The faculty pool: the searchable list, and its sheets out and in.

import { api, auth, download } from './api.js';
import { h } from './dom.js';
import { fmt } from './format.js';
import { I18N, lang, t } from './i18n.js';
import { render } from './refresh.js';
import { sheetForm } from './sheets.js';
import { kindName, topicName, visibilityName, vocabulary } from './vocabulary.js';
import { button, field, input, select } from './widgets.js';

const poolQuery = { q: '', kind: '', topic: '', min_level: '', active: 'true', page: 1 };

/** The faculty pool: search by name, kind, topic and level, page by page. */
export async function poolPage() {
  const params = new URLSearchParams(Object.entries(poolQuery).filter(([, v]) => v !== '' && v !== null).map(([k, v]) => [k, String(v)]));
  params.set('per_page', '25');
  const list = await api('GET', `/api/v1/instructors?${params}`);
  const q = input('q', poolQuery.q, { type: 'search', placeholder: t('search') });
  const kind = select('kind', [['', t('all')], ...Object.keys(I18N[lang].kinds).map((k) => [k, kindName(k)])], poolQuery.kind);
  const topic = select('topic', [['', t('all')], ...vocabulary.topics.map((x) => [x.code, topicName(x.code)])], poolQuery.topic);
  const level = select('min_level', [['', '—'], ...[1, 2, 3, 4, 5].map((n) => [n, n])], poolQuery.min_level);
  const active = select('active', [['true', t('active')], ['false', t('inactive')], ['', t('all')]], poolQuery.active);
  const go = (page) => { Object.assign(poolQuery, { q: q.value, kind: kind.value, topic: topic.value, min_level: level.value, active: active.value, page }); render(); };
  const pages = Math.max(1, Math.ceil(list.total / list.per_page));
  return h('section', {},
    h('h1', {}, t('pool')),
    h('form', { class: 'filters', onsubmit: (e) => { e.preventDefault(); go(1); } },
      field(t('search'), q), field(t('kind'), kind), field(t('topic'), topic), field(t('minLevel'), level), field(t('state'), active),
      h('button', { type: 'submit' }, t('search')),
      ['admin', 'planner'].includes(auth.me.role) ? h('a', { class: 'button', href: '#/instructors/new' }, t('create')) : null),
    h('table', { class: 'list', id: 'pool' },
      h('thead', {}, h('tr', {}, [t('name'), t('kind'), t('organisation'), t('city'), t('expertise'), t('rating'), t('keptBy'), t('visibility')].map((x) => h('th', {}, x)))),
      h('tbody', {}, list.items.map((i) => h('tr', { 'data-instructor': i.id },
        h('td', {}, h('a', { href: `#/instructors/${encodeURIComponent(i.id)}` }, i.name)),
        h('td', {}, kindName(i.kind)), h('td', {}, i.organisation), h('td', {}, i.city),
        h('td', {}, i.expertise.map((e) => `${topicName(e.topic)} ${e.level}`).join('；')),
        h('td', { class: 'num' }, fmt.num(i.rating.rating)),
        h('td', { class: i.owner_office === auth.me.office.id ? null : 'other-office' }, i.owner_office_name),
        h('td', {}, visibilityName(i.visibility)))))),
    h('p', { class: 'pager' }, button(t('prev'), () => go(poolQuery.page - 1), { disabled: poolQuery.page <= 1 }),
      ` ${t('page', list.page, list.total)} `, button(t('next'), () => go(poolQuery.page + 1), { disabled: poolQuery.page >= pages })),
    poolSheets());
}

/** Export the pool as CSV or XLSX; planners import an office's sheet (checked first if asked). */
function poolSheets() {
  const exporter = (format) => button(`${t('exportPool')} ${format.toUpperCase()}`, () => download(`/api/v1/pool/export?active=true&format=${format}`, `${t('pool')}.${format}`), { id: `export-pool-${format}` });
  return h('div', { class: 'panel' },
    h('p', {}, exporter('csv'), ' ', exporter('xlsx')),
    ['admin', 'planner'].includes(auth.me.role) ? sheetForm('import', '/api/v1/pool/import', (r) => t('imported', r.created, r.updated, r.unchanged)) : null);
}
