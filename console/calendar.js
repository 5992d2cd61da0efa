// A three-month availability calendar, and the form to block time.

import { api } from './api.js';
import { h } from './dom.js';
import { ZONE_MS, china, rfc3339 } from './format.js';
import { lang, t } from './i18n.js';
import { render } from './refresh.js';
import { field, guard, input } from './widgets.js';

/** A three-month calendar: days with unavailability and with assignments marked. */
export function calendar(blocks, assignments) {
  const today = china(Date.now());
  const months = [0, 1, 2].map((k) => new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + k, 1)));
  // A day runs from its midnight in China Standard Time for 24 hours.
  const covers = (day, start, end) => {
    const from = day.getTime() - ZONE_MS;
    return new Date(start).getTime() < from + 864e5 && new Date(end).getTime() > from;
  };
  return h('div', { class: 'calendar' }, months.map((first) => {
    const days = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
    const cells = [];
    for (let k = 0; k < (first.getUTCDay() + 6) % 7; k++) cells.push(h('span', {}));
    for (let d = 1; d <= days; d++) {
      const day = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), d));
      const blocked = blocks.filter((b) => covers(day, b.start, b.end));
      const teaching = assignments.filter((a) => a.state !== 'declined' && covers(day, a.start, a.end));
      cells.push(h('span', { class: ['day', blocked.length ? 'blocked' : '', teaching.length ? 'teaching' : ''].join(' '), title: [...blocked.map((b) => b.note), ...teaching.map((a) => a.session_title)].join('；') || null }, d));
    }
    return h('div', { class: 'month' }, h('h3', {}, first.toLocaleDateString(lang === 'zh' ? 'zh-CN' : 'en-GB', { year: 'numeric', month: 'long', timeZone: 'UTC' })), h('div', { class: 'days' }, cells));
  }));
}

/** A form that blocks a time span of an instructor's at `path`. */
export function blockForm(path) {
  const start = input('start', '', { type: 'datetime-local', required: true });
  const end = input('end', '', { type: 'datetime-local', required: true });
  const note = input('note', '', { maxlength: 500 });
  return h('form', { class: 'inline', id: 'block-form', onsubmit: guard(async (e) => { e.preventDefault(); await api('POST', path, { start: rfc3339(start.value), end: rfc3339(end.value), note: note.value }); render(); }) },
    field(t('start'), start), field(t('end'), end), field(t('note'), note), h('button', { type: 'submit' }, t('add')));
}
