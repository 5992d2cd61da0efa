// An availability calendar moving month by month (three months shown), and
// the form to block time, which a click on a day (or two, for a range) fills.

import { api } from './api.js';
import { h } from './dom.js';
import { ZONE_MS, china, rfc3339 } from './format.js';
import { lang, t } from './i18n.js';
import { render } from './refresh.js';
import { button, field, guard, input } from './widgets.js';

/** A day as `YYYY-MM-DD` (the calendar's days are UTC dates holding China's wall clock). */
const iso = (day) => day.toISOString().slice(0, 10);

/**
 * Three months from this one, with weekday headers, a legend and buttons to
 * the months before and after: days with unavailability and with
 * assignments marked, today outlined. With `pick`, clicking a day picks it
 * and clicking a second picks the range between: `pick(first, last)` gets
 * both as `YYYY-MM-DD`.
 */
export function calendar(blocks, assignments, { pick } = {}) {
  const today = china(Date.now());
  let offset = 0;
  let first = null;
  // A day runs from its midnight in China Standard Time for 24 hours.
  const covers = (day, start, end) => {
    const from = day.getTime() - ZONE_MS;
    return new Date(start).getTime() < from + 864e5 && new Date(end).getTime() > from;
  };
  const weekdays = t('weekdays').split(',');
  const months = h('div', { class: 'months' });
  const hint = h('p', { class: 'card-hint', id: 'calendar-hint' }, pick ? t('pickDays') : '');
  const month = (start) => {
    const days = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 0)).getUTCDate();
    const cells = weekdays.map((w) => h('span', { class: 'weekday' }, w));
    for (let k = 0; k < (start.getUTCDay() + 6) % 7; k++) cells.push(h('span', {}));
    for (let d = 1; d <= days; d++) {
      const day = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), d));
      const blocked = blocks.filter((b) => covers(day, b.start, b.end));
      const teaching = assignments.filter((a) => a.state !== 'declined' && covers(day, a.start, a.end));
      const classes = ['day', blocked.length ? 'blocked' : '', teaching.length ? 'teaching' : '', iso(day) === iso(today) ? 'today' : '', first === iso(day) ? 'picked' : ''];
      const attrs = { class: classes.join(' '), 'data-day': iso(day), title: [...blocked.map((b) => b.note), ...teaching.map((a) => a.session_title)].join('；') || null };
      cells.push(pick ? h('button', { type: 'button', ...attrs, onclick: () => choose(iso(day)) }, d) : h('span', attrs, d));
    }
    return h('div', { class: 'month' }, h('h3', {}, start.toLocaleDateString(lang === 'zh' ? 'zh-CN' : 'en-GB', { year: 'numeric', month: 'long', timeZone: 'UTC' })), h('div', { class: 'days' }, cells));
  };
  const draw = () => months.replaceChildren(...[0, 1, 2].map((k) => month(new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + offset + k, 1)))));
  const choose = (day) => {
    if (!first) { first = day; hint.textContent = t('pickedFirst', day); } else {
      const [from, to] = [first, day].sort();
      first = null;
      hint.textContent = t('pickedRange', from, to);
      pick(from, to);
    }
    draw();
  };
  draw();
  return h('div', { class: 'calendar' },
    h('p', { class: 'calendar-nav' },
      button(t('prevMonth'), () => { offset -= 1; draw(); }, { class: 'mini', id: 'calendar-prev' }), ' ',
      button(t('nextMonth'), () => { offset += 1; draw(); }, { class: 'mini', id: 'calendar-next' }), ' ',
      h('span', { class: 'legend' }, h('span', { class: 'day blocked' }, t('legendBlocked')), h('span', { class: 'day teaching' }, t('legendTeaching')),
        h('span', { class: 'day today' }, t('legendToday')))),
    months, hint);
}

/** A form that blocks a time span of an instructor's at `path`; its
 * `pick(from, to)` fills it with whole days. */
export function blockForm(path) {
  const start = input('start', '', { type: 'datetime-local', required: true });
  const end = input('end', '', { type: 'datetime-local', required: true });
  const note = input('note', '', { maxlength: 500 });
  const form = h('form', { class: 'inline', id: 'block-form', onsubmit: guard(async (e) => { e.preventDefault(); await api('POST', path, { start: rfc3339(start.value), end: rfc3339(end.value), note: note.value }); render(); }) },
    field(t('start'), start), field(t('end'), end), field(t('note'), note), h('button', { type: 'submit' }, t('add')));
  form.pick = (from, to) => {
    const after = new Date(Date.UTC(...to.split('-').map((x, k) => Number(x) - (k === 1 ? 1 : 0))) + 864e5);
    start.value = `${from}T00:00`;
    end.value = `${iso(after)}T00:00`;
    note.focus();
  };
  return form;
}
