// A plan's load and time: who teaches how much of it against the year's
// cap (a sortable table, its first hundred people until asked for all),
// and a timeline of instructors or classes by week drawn in the page's own
// SVG, where a click opens the session on the board.

import { api } from './api.js';
import { h, s } from './dom.js';
import { china, fmt } from './format.js';
import { I18N, lang, t } from './i18n.js';
import { kindName } from './vocabulary.js';
import { button, field, input, select } from './widgets.js';

/** The timeline's geometry: a day's width, a row's height, the labels' width. */
const DAY = 5, ROW = 20, LABEL = 160, HEAD = 22;
/** Rows the timeline shows before "show all". */
const FIRST_ROWS = 40;
/** People the table lists before "show all" (a province's plan uses hundreds). */
const FIRST_PEOPLE = 100;
const DAY_MS = 86400e3;

/** The table's columns: key, label, value to sort by, cell. */
const COLUMNS = [
  ['name', 'name', (r) => r.instructor_name, (r) => h('a', { href: `#/instructors/${encodeURIComponent(r.instructor)}` }, r.instructor_name)],
  ['kind', 'kind', (r) => r.kind, (r) => kindName(r.kind)],
  ['organisation', 'organisation', (r) => r.organisation, (r) => r.organisation],
  ['office', 'keptBy', (r) => r.office_name, (r) => r.office_name],
  ['in_plan', 'loadInPlan', (r) => r.in_plan, (r) => r.in_plan],
  ['elsewhere', 'loadElsewhere', (r) => r.elsewhere, (r) => r.elsewhere],
  ['yearly_capacity', 'capacity', (r) => r.yearly_capacity, (r) => r.yearly_capacity],
  ['cap_share', 'loadShare', (r) => r.cap_share, shareCell],
  ['trips', 'trips', (r) => r.trips, (r) => r.trips],
  ['distance_km', 'km', (r) => r.distance_km, (r) => fmt.num(r.distance_km, 0)],
];
const NUMERIC = new Set(['in_plan', 'elsewhere', 'yearly_capacity', 'cap_share', 'trips', 'distance_km']);

/** What the page shows, kept while its plan stays the same. */
const view = { plan: null, sort: 'in_plan', descending: true, who: '', rows: 'instructors', all: false, everyone: false };

/** The share of the year's cap a person's sessions take, as a bar and a number. */
function shareCell(r) {
  const pct = Math.round(100 * r.cap_share);
  return h('span', { class: `share${r.cap_share > 1 ? ' over' : ''}`, title: t('loadOfCap', r.in_plan + r.elsewhere, r.yearly_capacity) },
    h('meter', { min: 0, max: 1, low: 0.8, high: 0.99, optimum: 0, value: Math.min(1, r.cap_share) }), `${pct}%`);
}

/** The Monday (China Standard Time, as a UTC date) of the week of `instant`. */
function monday(instant) {
  const day = china(instant);
  const d = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate()));
  return new Date(d.getTime() - ((d.getUTCDay() + 6) % 7) * DAY_MS);
}

/** Days since `from` (a Monday) of the China day of `instant`. */
function dayIndex(from, instant) {
  const day = china(instant);
  return Math.round((Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate()) - from.getTime()) / DAY_MS);
}

/**
 * Rows × weeks: each row's items drawn on their day (several on one day
 * share its height), each a link to the session on the board, with its
 * title, time and state as the tooltip; items held elsewhere are grey and
 * lead nowhere.
 */
function timeline(planId, rows, span) {
  const weeks = Math.max(1, Math.ceil((dayIndex(span.from, span.to) + 1) / 7));
  const width = LABEL + weeks * 7 * DAY + 10;
  const height = HEAD + rows.length * ROW + 4;
  const svg = s('svg', { width, height, viewBox: `0 0 ${width} ${height}`, class: 'timeline', role: 'img', 'aria-label': t('timeline') });
  const text = (attrs, content) => { const el = s('text', attrs); el.textContent = content; return el; };
  let month = -1;
  for (let w = 0; w < weeks; w++) {
    const x = LABEL + w * 7 * DAY;
    const start = new Date(span.from.getTime() + w * 7 * DAY_MS);
    svg.append(s('line', { x1: x, x2: x, y1: HEAD - 4, y2: height, class: start.getUTCMonth() !== month ? 'month' : 'week' }));
    if (start.getUTCMonth() !== month) {
      month = start.getUTCMonth();
      svg.append(text({ x: x + 2, y: HEAD - 8, class: 'axis' }, t('monthLabel', month + 1)));
    }
  }
  rows.forEach((row, k) => {
    const y = HEAD + k * ROW;
    svg.append(s('rect', { x: 0, y, width, height: ROW, class: k % 2 ? 'band odd' : 'band' }),
      text({ x: 4, y: y + ROW - 6, class: 'row-label' }, row.label.length > 11 ? `${row.label.slice(0, 10)}…` : row.label));
    const byDay = new Map();
    for (const item of row.items) {
      const d = dayIndex(span.from, item.start);
      if (d < 0 || d >= weeks * 7) continue;
      if (!byDay.has(d)) byDay.set(d, []);
      byDay.get(d).push(item);
    }
    for (const [d, items] of byDay) {
      const part = (ROW - 4) / items.length;
      items.forEach((item, j) => {
        const rect = s('rect', { x: LABEL + d * DAY + 0.5, y: y + 2 + j * part, width: DAY - 1, height: Math.max(1, part - 0.5), class: `item ${item.class}` });
        const title = s('title', {});
        title.textContent = item.tip;
        rect.append(title);
        if (item.session) {
          const link = s('a', { href: `#/plans/${encodeURIComponent(planId)}/board/${encodeURIComponent(item.session)}`, 'data-session': item.session });
          link.append(rect);
          svg.append(link);
        } else svg.append(rect);
      });
    }
  });
  return svg;
}

/** The timeline's rows: one per instructor (their sessions of the plan and elsewhere). */
function instructorRows(loads) {
  const state = (x) => (x.state === 'confirmed' ? 'confirmed' : x.locked ? 'locked' : 'proposed');
  return loads.map((r) => ({
    label: r.instructor_name,
    items: [
      ...r.sessions.map((x) => ({ start: x.start, session: x.session, class: state(x),
        tip: `${r.instructor_name}：${x.class_name} · ${x.title} · ${fmt.time(x.start)} · ${I18N[lang].states[x.state]}${x.locked ? ` · ${t('locked')}` : ''}` })),
      ...r.busy_elsewhere.map((x) => ({ start: x.start, class: 'elsewhere', tip: `${r.instructor_name}：${x.office_name} · ${x.title} · ${fmt.time(x.start)}` })),
    ],
  }));
}

/** The timeline's rows: one per class of `classes` (its sessions, filled or
 * with places open), with who holds them from `loads`. */
function classRows(classes, loads) {
  const held = new Map();
  for (const r of loads) for (const x of r.sessions) held.set(x.session, [...(held.get(x.session) || []), r.instructor_name]);
  return classes.map((c) => ({
    label: `${c.name}（${c.city}）`,
    items: c.sessions.map((x) => {
      const who = held.get(x.id) || [];
      return { start: x.start, session: x.id, class: who.length >= x.needed ? 'filled' : 'gap',
        tip: `${c.name} · ${x.title} · ${fmt.time(x.start)} · ${who.join('、') || '—'}${who.length < x.needed ? ` · ${t('missing', x.needed - who.length)}` : ''}` };
    }),
  }));
}

/** The page: the table, its filter and sort, and the timeline under it. */
export async function workloadPage(id) {
  const enc = encodeURIComponent(id);
  const [plan, load] = await Promise.all([api('GET', `/api/v1/plans/${enc}`), api('GET', `/api/v1/plans/${enc}/workload`)]);
  if (view.plan !== id) Object.assign(view, { plan: id, sort: 'in_plan', descending: true, who: '', rows: 'instructors', all: false, everyone: false });
  // The weeks of the plan's sessions and of what its people hold elsewhere that year.
  const starts = [...plan.classes.flatMap((c) => c.sessions.map((x) => x.start)),
    ...load.instructors.flatMap((r) => r.busy_elsewhere.map((x) => x.start))].sort();
  const span = starts.length ? { from: monday(starts[0]), to: starts[starts.length - 1] } : null;
  const table = h('table', { class: 'list workload', id: 'workload' });
  const chart = h('div', { class: 'timeline-box', id: 'timeline' });
  const count = h('span', { id: 'workload-count' });
  const more = h('p', {});

  const shown = () => {
    const who = view.who.trim();
    const [, , key] = COLUMNS.find(([k]) => k === view.sort);
    const list = load.instructors.filter((r) => !who || r.instructor_name.includes(who) || r.organisation.includes(who));
    const sign = view.descending ? -1 : 1;
    // Ties keep the API's order (most sessions of the plan, then name).
    return list.sort((a, b) => {
      const [x, y] = [key(a), key(b)];
      return sign * (typeof x === 'number' ? x - y : String(x).localeCompare(String(y), 'zh-CN'));
    });
  };
  const draw = () => {
    const list = shown();
    count.textContent = t('workloadCount', list.length, list.reduce((n, r) => n + r.in_plan, 0));
    table.replaceChildren(h('tr', {}, COLUMNS.map(([k, label]) => h('th', { 'aria-sort': view.sort === k ? (view.descending ? 'descending' : 'ascending') : 'none', class: NUMERIC.has(k) ? 'num' : null },
      h('button', { type: 'button', class: 'sort', 'data-sort': k, onclick: () => {
        view.descending = view.sort === k ? !view.descending : NUMERIC.has(k);
        view.sort = k;
        draw();
        table.querySelector(`[data-sort="${k}"]`).focus();
      } }, t(label), view.sort === k ? (view.descending ? ' ▼' : ' ▲') : '')))),
    ...(view.everyone ? list : list.slice(0, FIRST_PEOPLE)).map((r) => h('tr', { 'data-instructor': r.instructor, class: r.cap_share > 1 ? 'over' : null },
      COLUMNS.map(([k, , , cell]) => h('td', { class: NUMERIC.has(k) ? 'num' : null, translate: k === 'name' ? 'no' : null }, cell(r))))));
    more.replaceChildren(...(!view.everyone && list.length > FIRST_PEOPLE
      ? [button(t('showAllPeople', list.length), () => { view.everyone = true; draw(); }, { id: 'show-all-people' })] : []));
    drawChart(list);
  };
  const drawChart = (list) => {
    if (!span) { chart.replaceChildren(h('p', {}, t('noSessions'))); return; }
    // Only the rows shown are made (their tooltips format every time).
    const all = view.rows === 'classes' ? plan.classes : list;
    const picked = view.all ? all : all.slice(0, FIRST_ROWS);
    const cut = view.rows === 'classes' ? classRows(picked, load.instructors) : instructorRows(picked);
    const keys = view.rows === 'classes' ? ['filled', 'gap'] : ['proposed', 'locked', 'confirmed', 'elsewhere'];
    chart.replaceChildren(
      h('p', { class: 'card-hint' }, t(view.rows === 'classes' ? 'timelineClassesHint' : 'timelineHint')),
      h('p', { class: 'legend' }, keys.map((k) => h('span', { class: `key ${k}` }, t(`legend_${k}`)))),
      h('div', { class: 'timeline-scroll' }, timeline(id, cut, span)),
      ...(cut.length < all.length ? [button(t('showAllRows', all.length), () => { view.all = true; drawChart(list); }, { id: 'show-all-rows' })] : []));
  };

  const who = input('who', view.who, { type: 'search', placeholder: `${t('name')} / ${t('organisation')}` });
  who.addEventListener('input', () => { view.who = who.value; draw(); });
  const rows = select('rows', [['instructors', t('rowsByInstructor')], ['classes', t('rowsByClass')]], view.rows);
  rows.addEventListener('change', () => { view.rows = rows.value; view.all = false; drawChart(shown()); });
  draw();
  return h('section', { id: 'workload-page' },
    h('h1', {}, `${t('workload')}：${plan.name}`, ' ', h('small', {}, h('a', { href: `#/plans/${enc}/board` }, t('board')), ' · ', t('yearCap', load.year))),
    h('form', { class: 'filters', onsubmit: (e) => e.preventDefault() }, field(t('search'), who), count),
    load.instructors.length ? [h('div', { class: 'table-scroll' }, table), more] : h('p', { id: 'workload-empty' }, t('workloadEmpty')),
    h('h2', {}, t('timeline')),
    h('form', { class: 'filters', onsubmit: (e) => e.preventDefault() }, field(t('timelineRows'), rows)),
    chart);
}
