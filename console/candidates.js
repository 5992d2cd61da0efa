// What the board's alternates and the ad-hoc recommendations show of each
// ranked candidate: who they are, the score's parts, the year's load
// against their cap and what they hold at the same time.

import { h } from './dom.js';
import { fmt } from './format.js';
import { I18N, lang, t } from './i18n.js';
import { kindName } from './vocabulary.js';

/** The headers of `candidateCells`, in its order. */
export function candidateHeads() {
  return [t('kind'), t('organisation'), t('score'), t('expertise'), t('rating'), t('distance'), t('yearLoad'), t('sameTime')].map((v) => h('th', {}, v));
}

/** A recommendation's cells after its name: kind, organisation, score,
 * expertise, rating, km, sessions this year of the cap, same-time sessions. */
export function candidateCells(r) {
  return [
    h('td', {}, kindName(r.kind)), h('td', {}, r.organisation),
    h('td', { class: 'num' }, fmt.num(r.score)), h('td', { class: 'num' }, fmt.num(r.expertise)), h('td', { class: 'num' }, fmt.num(r.rating)),
    h('td', { class: 'num' }, fmt.num(r.distance_km, 0)),
    h('td', { class: `num${r.held_in_year >= r.yearly_capacity ? ' warn' : ''}`, 'data-load': r.held_in_year }, `${r.held_in_year} / ${r.yearly_capacity}`),
    h('td', { class: 'conflicts' }, r.conflicts.length ? r.conflicts.map((k) => h('div', { class: 'conflict', 'data-session': k.session }, heldAt(k))) : '—'),
  ];
}

/** A session held at the same time: class, title and state. */
function heldAt(k) { return `${k.class_name} · ${k.title}（${I18N[lang].states[k.state]}）`; }
