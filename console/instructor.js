// An instructor's page and the form to add or edit one.

import { api, auth } from './api.js';
import { blockForm, calendar } from './calendar.js';
import { h } from './dom.js';
import { fmt } from './format.js';
import { I18N, lang, t } from './i18n.js';
import { qualitySummary } from './quality.js';
import { render } from './refresh.js';
import { cityPicker, methodPicker, topicPicker } from './pickers.js';
import { kindName, offices, topicName, visibilityName } from './vocabulary.js';
import { button, field, guard, input, select } from './widgets.js';

/** An instructor's page: facts, expertise, availability, ratings, records. */
export async function instructorPage(id) {
  const path = `/api/v1/instructors/${encodeURIComponent(id)}`;
  const [i, blocks, records] = await Promise.all([api('GET', path), api('GET', `${path}/unavailability`), api('GET', `${path}/teaching-records`)]);
  // Planners edit the records their office or an office below it keeps.
  const planner = ['admin', 'planner'].includes(auth.me.role) && (await offices()).some((o) => o.id === i.owner_office);
  // The rating at the end of each of the last 12 months, by the API's own formula.
  const quality = await api('GET', `${path}/quality?months=12`);
  const mine = await api('GET', `/api/v1/assignments?instructor=${encodeURIComponent(id)}`);
  const form = planner ? blockForm(`${path}/unavailability`) : null;
  return h('section', {},
    h('h1', {}, i.name, ' ', h('small', {}, [kindName(i.kind), i.organisation, i.title].filter(Boolean).join(' · '))),
    planner ? h('p', {}, h('a', { class: 'button', href: `#/instructors/${encodeURIComponent(id)}/edit` }, t('edit')), ' ',
      i.active ? button(t('deactivate'), async () => { if (confirm(t('deactivate') + '?')) { await api('DELETE', path); render(); } }, { id: 'deactivate' }) : h('span', { class: 'tag' }, t('inactive'))) : null,
    h('dl', { class: 'facts' },
      fact(t('keptBy'), i.owner_office_name), fact(t('visibility'), visibilityName(i.visibility)),
      fact(t('city'), `${i.city} (${i.lat}, ${i.lon})`), fact(t('tier'), i.tier_name || i.tier || '—'),
      fact(t('expertise'), i.expertise.map((e) => `${topicName(e.topic)} ${e.level}`).join('；') || '—'),
      fact(t('methods'), i.methods.map((m) => (lang === 'zh' ? m.name : m.method)).join('、') || '—'),
      fact(t('capacity'), i.yearly_capacity), fact(t('remoteOk'), i.remote_ok ? '✓' : '✗'),
      fact(t('maxTravel'), i.max_travel_km ?? '—'), fact(t('phone'), h('span', { translate: 'no' }, i.phone || '—')), fact(t('email'), h('span', { translate: 'no' }, i.email || '—')),
      fact(t('rating'), `${fmt.num(i.rating.rating)}（${t('evaluations')} ${i.rating.evaluation_count}${i.rating.mean_score ? `，${t('mean')} ${fmt.num(i.rating.mean_score, 2)}` : ''}）`)),
    qualitySummary(quality),
    h('h2', {}, t('availability')), calendar(blocks, mine, form ? { pick: form.pick } : {}), form,
    h('ul', { class: 'blocks' }, blocks.map((b) => h('li', {}, `${fmt.time(b.start)} – ${fmt.time(b.end)} ${b.note}`, ' ',
      planner ? button(t('remove'), async () => { await api('DELETE', `${path}/unavailability/${b.id}`); render(); }) : null))),
    h('h2', {}, t('records')),
    h('table', { class: 'list' }, h('tr', {}, [t('session'), t('delivered'), t('evaluations'), t('mean')].map((x) => h('th', {}, x))),
      records.map((r) => h('tr', {}, h('td', {}, r.plan ? h('a', { href: `#/plans/${encodeURIComponent(r.plan)}` }, r.title) : r.title), h('td', {}, fmt.time(r.delivered_at)), h('td', { class: 'num' }, r.evaluation_count), h('td', { class: 'num' }, r.shown ? fmt.num(r.mean_score, 2) : t('tooFew'))))),
    h('h2', {}, t('whereElse')), await opportunities(id));
}

function fact(label, value) { return [h('dt', {}, label), h('dd', {}, value)]; }

async function opportunities(id) {
  const found = await api('GET', `/api/v1/instructors/${encodeURIComponent(id)}/opportunities?limit=10`);
  if (!found.length) return h('p', {}, t('nothing'));
  return h('table', { class: 'list' }, h('tr', {}, [t('session'), t('classes'), t('when'), t('score'), t('distance')].map((x) => h('th', {}, x))),
    found.map((o) => h('tr', {}, h('td', {}, o.session.title), h('td', {}, `${o.class_name} · ${o.city}`), h('td', {}, fmt.time(o.session.start)), h('td', { class: 'num' }, fmt.num(o.score)), h('td', { class: 'num' }, fmt.num(o.distance_km, 0)))));
}

/** The form that adds an instructor (`id` null) or edits one. */
export async function instructorForm(id) {
  const path = id ? `/api/v1/instructors/${encodeURIComponent(id)}` : null;
  const i = id ? await api('GET', path) : { kind: 'cadre', expertise: [], methods: [], yearly_capacity: 12, remote_ok: false, owner_office: auth.me.office.id, visibility: 'shared' };
  const keepers = (await offices()).filter((o) => o.active || o.id === i.owner_office);
  const f = {
    external_id: input('external_id', i.external_id, { maxlength: 64 }),
    name: input('name', i.name, { required: true, maxlength: 200 }),
    kind: select('kind', Object.keys(I18N[lang].kinds).map((k) => [k, kindName(k)]), i.kind),
    organisation: input('organisation', i.organisation), title: input('title', i.title),
    tier: select('tier', [['', '—'], ['national', '国家级'], ['provincial', '省级'], ['municipal', '市级'], ['county', '县级']], i.tier),
    city: input('city', i.city, { required: true }), lat: input('lat', i.lat, { type: 'number', step: 'any', required: true }),
    lon: input('lon', i.lon, { type: 'number', step: 'any', required: true }),
    expertise: topicPicker('expertise', i.expertise, 'level'),
    methods: methodPicker('methods', i.methods.map((m) => m.method)),
    yearly_capacity: input('yearly_capacity', i.yearly_capacity, { type: 'number', min: 0 }),
    remote_ok: h('input', { type: 'checkbox', name: 'remote_ok', checked: i.remote_ok }),
    max_travel_km: input('max_travel_km', i.max_travel_km, { type: 'number', min: 0 }),
    phone: input('phone', i.phone), email: input('email', i.email),
    owner_office: select('owner_office', keepers.map((o) => [o.id, `${'　'.repeat(o.depth)}${o.name}`]), i.owner_office),
    visibility: select('visibility', Object.keys(I18N[lang].visibilities).map((v) => [v, visibilityName(v)]), i.visibility),
  };
  cityPicker(f.city, f.lat, f.lon);
  const body = () => ({
    external_id: f.external_id.value.trim() || null, name: f.name.value, kind: f.kind.value, organisation: f.organisation.value, title: f.title.value,
    tier: f.tier.value || null, city: f.city.value, lat: Number(f.lat.value), lon: Number(f.lon.value),
    expertise: f.expertise.picked(),
    methods: f.methods.picked(),
    yearly_capacity: Number(f.yearly_capacity.value), remote_ok: f.remote_ok.checked,
    max_travel_km: f.max_travel_km.value === '' ? null : Number(f.max_travel_km.value),
    phone: f.phone.value || null, email: f.email.value || null,
    owner_office: f.owner_office.value, visibility: f.visibility.value,
  });
  return h('section', {}, h('h1', {}, id ? `${t('edit')}：${i.name}` : t('newInstructor')),
    h('form', { class: 'grid', id: 'instructor-form', onsubmit: guard(async (e) => {
      e.preventDefault();
      const saved = id ? await api('PUT', path, body(), { ifMatch: i.version }) : await api('POST', '/api/v1/instructors', body());
      location.hash = `#/instructors/${encodeURIComponent(saved.id)}`;
    }) },
    Object.entries(f).map(([k, el]) => field(t({ yearly_capacity: 'capacity', remote_ok: 'remoteOk', max_travel_km: 'maxTravel', external_id: 'externalId', owner_office: 'keptBy' }[k] || k), el)),
    h('button', { type: 'submit' }, t('save')), ' ', h('a', { href: id ? `#/instructors/${encodeURIComponent(id)}` : '#/pool' }, t('cancel'))));
}
