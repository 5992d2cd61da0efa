// Recommendations for a session that is not in a plan (ad hoc).

import { api } from './api.js';
import { candidateCells, candidateHeads } from './candidates.js';
import { h } from './dom.js';
import { rfc3339 } from './format.js';
import { t } from './i18n.js';
import { cityPicker, topicPicker } from './pickers.js';
import { reason } from './vocabulary.js';
import { field, guard, input } from './widgets.js';

/** Recommendations for a session described by hand. */
export async function recommendPage() {
  const f = {
    topics: topicPicker('topics', [], 'min_level', { required: true }),
    city: input('venue_city', '', { placeholder: t('cityHint') }),
    lat: input('lat', 30.59, { type: 'number', step: 'any' }), lon: input('lon', 114.31, { type: 'number', step: 'any' }),
    start: input('start', '', { type: 'datetime-local', required: true }), end: input('end', '', { type: 'datetime-local', required: true }),
    remote: h('input', { type: 'checkbox', name: 'remote' }),
    include_unavailable: h('input', { type: 'checkbox', name: 'include_unavailable' }),
  };
  cityPicker(f.city, f.lat, f.lon);
  const results = h('div', { id: 'results' });
  return h('section', {}, h('h1', {}, t('recommend')),
    h('form', { class: 'grid', id: 'recommend-form', onsubmit: guard(async (e) => {
      e.preventDefault();
      const topics = f.topics.picked();
      const found = await api('POST', '/api/v1/recommendations', { topics, lat: Number(f.lat.value), lon: Number(f.lon.value), start: rfc3339(f.start.value), end: rfc3339(f.end.value), remote: f.remote.checked, include_unavailable: f.include_unavailable.checked });
      results.replaceChildren(found.length ? h('table', { class: 'list' }, h('tr', {}, h('th', {}, t('name')), candidateHeads(), h('th', {}, t('why'))),
        found.map((r) => h('tr', { 'data-instructor': r.instructor }, h('td', {}, h('a', { href: `#/instructors/${encodeURIComponent(r.instructor)}` }, r.instructor_name)),
          candidateCells(r),
          h('td', {}, r.reasons.map((x) => h('span', { class: 'reason', title: x.detail, 'data-rule': x.rule }, reason(x.rule, x.detail), ' '))))))
        : h('p', { class: 'no-alternates' }, t('noAlternates')));
    }) }, field(t('topics'), f.topics), field(t('city'), f.city), field(t('lat'), f.lat), field(t('lon'), f.lon), field(t('start'), f.start), field(t('end'), f.end),
    field(t('remote'), f.remote), field(t('why'), f.include_unavailable), h('button', { type: 'submit' }, t('search'))),
    results);
}
