// Training plans: the list, one plan with its classes and sessions, and their
// forms.

import { api, auth } from './api.js';
import { h } from './dom.js';
import { fmt, localInput, rfc3339 } from './format.js';
import { lang, t } from './i18n.js';
import { render } from './refresh.js';
import { sheetForm } from './sheets.js';
import { cityPicker, topicPicker } from './pickers.js';
import { officeName, offices, topicName, vocabulary } from './vocabulary.js';
import { button, field, guard, input, select } from './widgets.js';

/** Which office's plans the list shows ('' for every office of the subtree). */
const planQuery = { office: '' };

/** The training plans of the account's offices. */
export async function plansPage() {
  const [all, tree] = await Promise.all([api('GET', '/api/v1/plans'), offices()]);
  const planner = ['admin', 'planner'].includes(auth.me.role);
  const plans = all.filter((p) => !planQuery.office || p.office === planQuery.office);
  // A higher office chooses whose plans to look at: its own or an office's below it.
  const chooser = tree.length > 1 ? field(t('office'), h('select', { id: 'plan-office', onchange: (e) => { planQuery.office = e.target.value; render(); } },
    [['', t('allOffices')], ...tree.map((o) => [o.id, `${'　'.repeat(o.depth)}${o.name}（${all.filter((p) => p.office === o.id).length}）`])].map(([v, label]) => h('option', { value: v, selected: v === planQuery.office }, label)))) : null;
  return h('section', {}, h('h1', {}, t('plans')), chooser,
    h('table', { class: 'list', id: 'plans' }, h('tr', {}, [t('plan'), t('year'), t('tier'), t('office'), ''].map((x) => h('th', {}, x))),
      plans.map((p) => h('tr', { 'data-plan': p.id }, h('td', {}, h('a', { href: `#/plans/${p.id}` }, p.name)), h('td', {}, p.year), h('td', {}, p.tier_name || p.tier),
        h('td', {}, officeName(tree, p.office)),
        h('td', {}, h('a', { href: `#/plans/${p.id}/board` }, t('board')))))),
    planner ? planForm(null) : null);
}

function planForm(plan) {
  const name = input('name', plan?.name, { required: true, maxlength: 200 });
  const year = input('year', plan?.year ?? new Date().getFullYear() + 1, { type: 'number', min: 2000, max: 2100 });
  const tier = select('tier', [['provincial', '省级'], ['national', '国家级'], ['municipal', '市级'], ['county', '县级']], plan?.tier);
  return h('form', { class: 'inline', id: 'plan-form', onsubmit: guard(async (e) => {
    e.preventDefault();
    const body = { name: name.value, year: Number(year.value), tier: tier.value };
    const saved = plan ? await api('PUT', `/api/v1/plans/${plan.id}`, body) : await api('POST', '/api/v1/plans', body);
    if (plan) render(); else location.hash = `#/plans/${saved.id}`;
  }) }, field(t('plan'), name), field(t('year'), year), field(t('tier'), tier), h('button', { type: 'submit' }, plan ? t('save') : t('create')));
}

/** A plan with its classes and sessions, edited in place. */
export async function planPage(id) {
  const plan = await api('GET', `/api/v1/plans/${encodeURIComponent(id)}`);
  const planner = ['admin', 'planner'].includes(auth.me.role);
  return h('section', {},
    h('h1', {}, plan.name, ' ', h('small', {}, `${plan.year} · ${plan.tier_name || plan.tier}`), ' ', h('a', { class: 'button', href: `#/plans/${id}/board`, id: 'open-board' }, t('openBoard'))),
    planner ? [planForm(plan), button(t('remove'), async () => { if (confirm(t('confirmRemove'))) { await api('DELETE', `/api/v1/plans/${id}`); location.hash = '#/plans'; } }, { id: 'remove-plan' })] : null,
    h('h2', {}, t('classes')),
    plan.classes.map((c) => h('article', { class: 'class', 'data-class': c.id },
      h('h3', {}, c.name, ' ', h('small', {}, `${c.kind_name || c.kind} · ${c.city} · ${c.start_date} – ${c.end_date}`)),
      planner ? [classForm(id, c), button(t('remove'), async () => { if (confirm(t('confirmRemove'))) { await api('DELETE', `/api/v1/classes/${c.id}`); render(); } }, { class: 'remove-class' })] : null,
      h('table', { class: 'list' }, c.sessions.map((x) => h('tr', { 'data-session': x.id },
        h('td', {}, fmt.time(x.start)), h('td', {}, x.title), h('td', {}, x.topics.map((tp) => `${topicName(tp.topic)}≥${tp.min_level}`).join('；')),
        h('td', {}, x.remote ? t('remote') : ''), h('td', {}, `×${x.needed}`),
        planner ? h('td', {}, button(t('edit'), (e) => e.target.closest('tr').after(h('tr', {}, h('td', { colspan: 6 }, sessionForm(c, x))))), ' ',
          button(t('remove'), async () => { if (confirm(t('confirmRemove'))) { await api('DELETE', `/api/v1/sessions/${x.id}`); render(); } }, { class: 'remove-session' })) : null))),
      planner ? sessionForm(c, null) : null)),
    planner ? [h('h3', {}, `${t('create')}：${t('classes')}`), classForm(id, null),
      h('h3', {}, t('importPlan')), h('p', {}, t('importPlanHint')),
      sheetForm('plan-import', `/api/v1/plans/${encodeURIComponent(id)}/import`,
        (r) => t('importedPlan', r.classes.length, r.classes.reduce((n, c) => n + c.sessions.length, 0)))] : null);
}

function classForm(planId, c) {
  const f = {
    name: input('name', c?.name, { required: true }),
    kind: select('kind', [['comprehensive', lang === 'zh' ? '综合类' : 'Comprehensive'], ['specialised', lang === 'zh' ? '专题业务类' : 'Specialised']], c?.kind),
    city: input('city', c?.city, { required: true }), lat: input('lat', c?.lat, { type: 'number', step: 'any', required: true }),
    lon: input('lon', c?.lon, { type: 'number', step: 'any', required: true }),
    start_date: input('start_date', c?.start_date, { type: 'date', required: true }), end_date: input('end_date', c?.end_date, { type: 'date', required: true }),
    min_cadre_share: input('min_cadre_share', c?.min_cadre_share ?? 0.5, { type: 'number', step: '0.05', min: 0, max: 1 }),
  };
  cityPicker(f.city, f.lat, f.lon);
  const labels = { name: 'classes', start_date: 'startDate', end_date: 'endDate', min_cadre_share: 'cadreShare', kind: 'kindClass' };
  return h('form', { class: 'inline class-form', onsubmit: guard(async (e) => {
    e.preventDefault();
    const body = { name: f.name.value, kind: f.kind.value, city: f.city.value, lat: Number(f.lat.value), lon: Number(f.lon.value), start_date: f.start_date.value, end_date: f.end_date.value, min_cadre_share: Number(f.min_cadre_share.value) };
    if (c) await api('PUT', `/api/v1/classes/${c.id}`, body); else await api('POST', `/api/v1/plans/${planId}/classes`, body);
    render();
  }) }, Object.entries(f).map(([k, el]) => field(t(labels[k] || k), el)), h('button', { type: 'submit' }, c ? t('save') : t('add')));
}

function sessionForm(c, x) {
  const f = {
    title: input('title', x?.title, { required: true }),
    start: input('start', x ? localInput(x.start) : `${c.start_date}T09:00`, { type: 'datetime-local', required: true }),
    end: input('end', x ? localInput(x.end) : `${c.start_date}T12:00`, { type: 'datetime-local', required: true }),
    topics: topicPicker('topics', x ? x.topics : [], 'min_level', { required: true }),
    method: select('method', [['', '—'], ...vocabulary.methods.map((m) => [m.code ?? m.method, m.name])], x?.method),
    remote: h('input', { type: 'checkbox', name: 'remote', checked: x?.remote }),
    needed: input('needed', x?.needed ?? 1, { type: 'number', min: 1 }),
  };
  return h('form', { class: 'inline session-form', onsubmit: guard(async (e) => {
    e.preventDefault();
    const topics = f.topics.picked();
    const body = { title: f.title.value, start: rfc3339(f.start.value), end: rfc3339(f.end.value), topics, method: f.method.value || null, remote: f.remote.checked, needed: Number(f.needed.value) };
    if (x) await api('PUT', `/api/v1/sessions/${x.id}`, body); else await api('POST', `/api/v1/classes/${c.id}/sessions`, body);
    render();
  }) }, Object.entries(f).map(([k, el]) => field(t(k === 'title' ? 'session' : k === 'topics' ? 'topics' : k), el)), h('button', { type: 'submit' }, x ? t('save') : t('add')));
}
