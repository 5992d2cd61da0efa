// Choosers instead of typed codes: topics with levels, teaching methods and
// cities, by their Chinese names from the API's vocabulary.

import { api } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';
import { kindName, topicName, vocabulary } from './vocabulary.js';
import { button, select } from './widgets.js';

/**
 * Topics with levels, one row each (the topic by its name, a level 1–5),
 * added and removed; `entries` are the API's `{topic, [key]}`. The element's
 * `picked()` gives the rows the same way. A required picker starts with a row.
 */
export function topicPicker(name, entries, key, { required = false } = {}) {
  const rows = h('div', { class: 'topic-rows' });
  const add = (topic, level) => {
    const row = h('div', { class: 'topic-row' },
      select(`${name}-topic`, vocabulary.topics.map((x) => [x.code, topicName(x.code)]), topic),
      select(`${name}-level`, [1, 2, 3, 4, 5].map((n) => [n, t('levelN', n)]), level),
      button('×', () => row.remove(), { class: 'mini remove-topic', title: t('remove'), 'aria-label': t('remove') }));
    rows.append(row);
  };
  for (const e of entries) add(e.topic, e[key]);
  if (required && !entries.length) add(vocabulary.topics[0].code, 3);
  const picker = h('div', { class: 'topic-picker', 'data-picker': name }, rows,
    button(t('addTopic'), () => add(vocabulary.topics[0].code, 3), { class: 'mini add-topic' }));
  picker.picked = () => [...rows.children].map((row) => ({
    topic: row.querySelector(`[name="${name}-topic"]`).value,
    [key]: Number(row.querySelector(`[name="${name}-level"]`).value),
  }));
  return picker;
}

/** The teaching methods as boxes to tick; `picked()` gives the ticked codes. */
export function methodPicker(name, chosen) {
  const boxes = vocabulary.methods.map((m) => {
    const code = m.code ?? m.method;
    return h('label', { class: 'check' }, h('input', { type: 'checkbox', name, value: code, checked: chosen.includes(code) }), m.name);
  });
  const picker = h('div', { class: 'method-picker', 'data-picker': name }, boxes);
  picker.picked = () => boxes.map((b) => b.querySelector('input')).filter((x) => x.checked).map((x) => x.value);
  return picker;
}

/**
 * Offers the API's cities in the `city` input; choosing one fills in its
 * latitude and longitude (a place elsewhere is typed with its own).
 */
export function cityPicker(city, lat, lon) {
  if (!document.getElementById('city-list')) {
    document.body.append(h('datalist', { id: 'city-list' },
      vocabulary.cities.map((c) => h('option', { value: c.name }, c.province))));
  }
  city.setAttribute('list', 'city-list');
  city.addEventListener('input', () => {
    const known = vocabulary.cities.find((c) => c.name === city.value.trim());
    if (known) { lat.value = known.lat; lon.value = known.lon; }
  });
  return city;
}

/**
 * An instructor found by name: the matches of what is typed (name, kind,
 * organisation, city) to choose from; `picked()` gives the chosen id or null.
 */
export function instructorPicker(name) {
  const search = h('input', { type: 'search', name: `${name}_search`, placeholder: t('findByName'), autocomplete: 'off' });
  const choice = select(name, [['', '—']], '');
  let asked = 0;
  search.addEventListener('input', async () => {
    const mine = ++asked;
    const q = search.value.trim();
    const found = q ? await api('GET', `/api/v1/instructors?${new URLSearchParams({ q, per_page: '10' })}`) : { items: [] };
    if (mine !== asked) return;
    choice.replaceChildren(h('option', { value: '' }, found.items.length ? '—' : t('nobodyFound')),
      ...found.items.map((i) => h('option', { value: i.id }, `${i.name} · ${kindName(i.kind)} · ${i.organisation || '—'} · ${i.city}`)));
    if (found.items.length === 1) choice.value = found.items[0].id;
  });
  const picker = h('div', { class: 'instructor-picker', 'data-picker': name }, search, ' ', choice);
  picker.picked = () => choice.value || null;
  return picker;
}
