// The staffing board: a plan's classes as sections of one line each (opened
// on demand), a summary of what is filled, filters, a way from one gap to
// the next, and rows that are drawn again alone when an action changes them.

import { api, auth, download } from './api.js';
import { h } from './dom.js';
import { china, fmt } from './format.js';
import { t } from './i18n.js';
import { runPanel, runStatus } from './runs.js';
import { classEvaluationForm, sessionRow } from './board_rows.js';
import { button, field, input, mini, select } from './widgets.js';

/** Plans up to this many sessions open every class when drawn. */
const OPEN_ALL_UP_TO = 60;

/** The filters of the board last drawn, kept while its plan stays the same. */
const view = { plan: null, klass: '', from: '', to: '', gaps: false, short: false, instructor: '', open: new Set() };

/** What the board shows of a plan: who holds each session, the gaps and
 * their reasons, and the sections drawn on the page. */
class Board {
  constructor(plan, assignments, exclusions, forms, covering, planner, latest) {
    this.plan = plan;
    this.latest = latest;
    this.planner = planner;
    this.exclusions = exclusions;
    this.forms = new Map(forms.map((f) => [f.session, f]));
    this.classes = [...plan.classes].sort((a, b) => a.start_date.localeCompare(b.start_date) || a.name.localeCompare(b.name));
    this.classOf = new Map();
    // Each session's day in China, which the date filters compare.
    this.day = new Map();
    for (const c of this.classes) {
      c.sessions.sort((a, b) => a.start.localeCompare(b.start));
      for (const x of c.sessions) {
        this.classOf.set(x.id, c);
        this.day.set(x.id, china(x.start).toISOString().slice(0, 10));
      }
    }
    this.bySession = new Map();
    this.put([...this.classOf.keys()], assignments);
    // Each class's gaps and trips come from the last run that covered it.
    this.unfilled = new Map();
    this.trips = new Map();
    for (const [classId, run] of covering) this.cover(classId, run);
    this.sections = new Map();
    this.gapAt = -1;
  }

  /** Takes a class's gaps and trips from `run`, the last run that covered it. */
  cover(classId, run) {
    const c = this.classes.find((k) => k.id === classId);
    for (const x of c.sessions) this.unfilled.delete(x.id);
    const { unfilled, trips } = byClass(run, this.classOf);
    for (const u of unfilled.get(classId) || []) this.unfilled.set(u.session, u);
    this.trips.set(classId, trips.get(classId) || []);
  }

  /** After `run` was applied (with what it `removed` and `proposed`): its
   * changes put into the board, the gaps and trips of the classes it covered
   * taken from it, and the summary, the class lines and the open classes
   * drawn again (not the page, and without reading the plan again). */
  applied(run) {
    const removed = new Set(run.removed);
    const changed = new Set(run.proposed.map((a) => a.session));
    for (const [session, list] of this.bySession) {
      if (list.some((a) => removed.has(a.id))) this.bySession.set(session, list.filter((a) => !removed.has(a.id)));
    }
    for (const a of run.proposed) this.bySession.get(a.session)?.push(a);
    for (const session of changed) this.bySession.get(session)?.sort((a, b) => (a.instructor_name < b.instructor_name ? -1 : a.instructor_name > b.instructor_name ? 1 : 0));
    this.latest = run;
    for (const c of this.classes) if (!run.request.classes.length || run.request.classes.includes(c.id)) this.cover(c.id, run);
    for (const entry of this.sections.values()) {
      this.drawLine(entry);
      if (entry.drawn) this.drawBody(entry);
    }
    this.drawSummary();
    this.filter();
  }

  /** Sets the assignments of `sessions` to those of `list`. */
  put(sessions, list) {
    for (const id of sessions) this.bySession.set(id, []);
    for (const a of list) this.bySession.get(a.session)?.push(a);
  }

  /** The session's assignments, declined ones included. */
  held(session) { return this.bySession.get(session) || []; }

  /** The places of a session nobody holds. */
  missing(x) { return Math.max(0, x.needed - this.held(x.id).filter((a) => a.state !== 'declined').length); }

  /** A class's places, filled places, gaps, cadres and whether it is short of them. */
  facts(c) {
    const held = c.sessions.flatMap((x) => this.held(x.id).filter((a) => a.state !== 'declined'));
    const places = c.sessions.reduce((n, x) => n + x.needed, 0);
    const gaps = c.sessions.reduce((n, x) => n + this.missing(x), 0);
    const cadres = held.filter((a) => a.instructor_kind === 'cadre').length;
    const trips = this.trips.get(c.id) || [];
    return {
      // The API says how many cadre places the class asks for (SPEC 5.4).
      places, gaps, filled: places - gaps, cadres, short: cadres < c.cadres_required,
      trips: trips.length, km: trips.reduce((n, trip) => n + trip.distance_km, 0),
    };
  }

  /** Whether a session passes the filters. */
  shows(c, x) {
    if (view.klass && c.id !== view.klass) return false;
    const day = this.day.get(x.id);
    if ((view.from && day < view.from) || (view.to && day > view.to)) return false;
    if (view.gaps && !this.missing(x)) return false;
    if (view.short && !this.facts(c).short) return false;
    const who = view.instructor.trim();
    return !who || this.held(x.id).some((a) => a.instructor_name.includes(who));
  }

  /** Whether a filter that picks sessions (not only a class) is set. */
  picking() { return view.gaps || view.short || view.from || view.to || view.instructor.trim(); }

  /** The board's sections and their bar, drawn once; filters and actions redraw parts. */
  draw() {
    this.summary = h('p', { id: 'board-summary', class: 'board-summary', role: 'status' });
    this.shown = h('span', { id: 'filter-count' });
    this.gapNote = h('span', { id: 'gap-status', role: 'status' });
    this.exclusionBox = h('div', { id: 'exclusions' });
    this.borrowedNote = h('p', { id: 'borrowed-count', class: 'borrowed-note' });
    this.drawSummary();
    this.drawExclusions();
    const list = h('div', { id: 'classes' }, this.classes.map((c) => this.section(c)));
    this.filter();
    return [this.borrowedNote, h('div', { class: 'board-bar' }, this.summary, this.filters()), this.exclusionBox, list];
  }

  /** The bar over the board: places filled of needed, gaps, classes short
   * of cadres, trips, the last run; and the places taught by instructors
   * borrowed from other offices' pools. */
  drawSummary() {
    const borrowed = [...this.bySession.values()].flat().filter((a) => a.state !== 'declined' && a.instructor_office !== this.plan.office).length;
    this.borrowedNote.hidden = !borrowed;
    this.borrowedNote.textContent = borrowed ? t('borrowedCount', borrowed) : '';
    const all = this.classes.map((c) => this.facts(c));
    const sum = (k) => all.reduce((n, f) => n + f[k], 0);
    const short = all.filter((f) => f.short).length;
    this.summary.dataset.filled = sum('filled');
    this.summary.dataset.needed = sum('places');
    this.summary.dataset.gaps = sum('gaps');
    this.summary.dataset.short = short;
    this.summary.dataset.run = this.latest?.id || '';
    this.summary.dataset.applied = this.latest?.applied_at ? 'yes' : 'no';
    this.summary.replaceChildren(
      h('span', {}, t('summaryFilled', sum('filled'), sum('places'))), ' · ',
      h('span', { class: sum('gaps') ? 'warn' : 'ok' }, t('summaryGaps', sum('gaps'))), ' · ',
      h('span', { class: short ? 'warn' : 'ok' }, t('summaryShort', short)), ' · ',
      t('summaryTrips', sum('trips'), fmt.num(sum('km'), 0)),
      ...(this.latest ? [' · ', h('span', { id: 'summary-run' }, t('summaryRun', [t(this.latest.state), this.latest.solution ? t(`solution_${this.latest.solution.status}`) : null,
        this.latest.applied_at ? t('applied') : null].filter(Boolean).join('，')))] : []));
  }

  /** The plan's exclusions, each lifted in place. */
  drawExclusions() {
    const list = this.exclusions;
    this.exclusionBox.replaceChildren(list.length ? h('details', {}, h('summary', {}, `${t('exclusions')} (${list.length})`),
      h('ul', {}, list.map((e) => h('li', {}, `${e.instructor_name}：${e.reason}`, ' ', this.planner ? button(t('remove'), async () => {
        await api('DELETE', `/api/v1/exclusions/${e.id}`);
        this.exclusions = await api('GET', `/api/v1/plans/${encodeURIComponent(this.plan.id)}/exclusions`);
        this.drawExclusions();
      }) : null)))) : '');
  }

  /** The filters (applied as they change), next gap, open and close all. */
  filters() {
    const klass = select('class', [['', t('allClasses')], ...this.classes.map((c) => [c.id, c.name])], view.klass);
    const from = input('from', view.from, { type: 'date' });
    const to = input('to', view.to, { type: 'date' });
    const gaps = h('input', { type: 'checkbox', name: 'gaps', checked: view.gaps });
    const short = h('input', { type: 'checkbox', name: 'short', checked: view.short });
    const names = [...new Set([...this.bySession.values()].flat().map((a) => a.instructor_name))].sort();
    const who = input('instructor', view.instructor, { type: 'search', list: 'board-people', placeholder: t('name') });
    const apply = () => {
      Object.assign(view, { klass: klass.value, from: from.value, to: to.value, gaps: gaps.checked, short: short.checked, instructor: who.value });
      this.gapAt = -1;
      this.filter();
    };
    const form = h('form', { class: 'filters board-filters', id: 'board-filters', onsubmit: (e) => { e.preventDefault(); apply(); }, onchange: apply },
      field(t('classes'), klass), field(t('fromDate'), from), field(t('toDate'), to),
      h('label', { class: 'check' }, gaps, t('onlyGaps')), h('label', { class: 'check' }, short, t('onlyShort')),
      field(t('instructorId'), who), h('datalist', { id: 'board-people' }, names.map((n) => h('option', { value: n }))),
      button(t('nextGap'), () => this.nextGap(), { id: 'next-gap' }),
      button(t('openAll'), () => this.openAll(true), { id: 'open-all', class: 'mini' }),
      button(t('closeAll'), () => this.openAll(false), { id: 'close-all', class: 'mini' }),
      this.shown, this.gapNote);
    who.addEventListener('input', apply);
    return form;
  }

  /** A class as one line (name, dates, counts) that opens to its sessions. */
  section(c) {
    const line = h('summary', { class: 'class-line' });
    const body = h('div', { class: 'class-body' });
    const details = h('details', { open: view.open.has(c.id) || null }, line, body);
    const article = h('article', { class: 'class', 'data-class': c.id }, details);
    const entry = { c, article, details, line, body, drawn: false };
    // What the planner opens stays open across filters; what a filter opens does not.
    line.addEventListener('click', () => { if (details.open) view.open.delete(c.id); else view.open.add(c.id); });
    details.addEventListener('toggle', () => { if (details.open && !entry.drawn) this.drawBody(entry); });
    this.sections.set(c.id, entry);
    this.drawLine(entry);
    return article;
  }

  /** A class's one line: name, kind, venue, dates, places filled, gaps, cadres, trips. */
  drawLine({ c, line, article }) {
    const f = this.facts(c);
    article.classList.toggle('has-gaps', f.gaps > 0);
    line.replaceChildren(h('h2', {}, c.name), ' ', h('small', {}, `${c.kind_name || c.kind} · ${c.city} · ${c.start_date} – ${c.end_date}`), ' ',
      h('span', { class: 'class-counts', 'data-gaps': f.gaps },
        t('classFilled', f.filled, f.places), f.gaps ? [' · ', h('span', { class: 'warn' }, t('missing', f.gaps))] : '',
        ' · ', h('span', { class: f.short ? 'warn' : 'ok', title: `${Math.round(c.min_cadre_share * 100)}% × ${f.places}` }, t('cadreActual', f.cadres, Number(c.cadres_required.toFixed(2)))),
        f.trips ? ` · ${t('travel')} ${f.trips} / ${fmt.num(f.km, 0)} km` : ''));
  }

  /** Draws a class's sessions that pass the filters (once open). */
  drawBody(entry) {
    const { c, body } = entry;
    entry.drawn = true;
    body.replaceChildren(
      this.planner ? h('p', { class: 'class-facts' }, mini(t('openClassEvaluation'), (e) => classEvaluationForm(e.target.closest('p'), c), 'open-class-evaluation')) : null,
      h('table', { class: 'board' }, c.sessions.filter((x) => this.shows(c, x)).map((x) => sessionRow(this, c, x))));
  }

  /** Hides the classes with no session passing the filters and opens the
   * others when a filter picks sessions; redraws the open ones. */
  filter() {
    let classes = 0;
    let sessions = 0;
    for (const entry of this.sections.values()) {
      const n = entry.c.sessions.filter((x) => this.shows(entry.c, x)).length;
      const visible = n > 0 || (!this.picking() && !view.klass);
      entry.article.hidden = !visible;
      if (visible) { classes += 1; sessions += n; }
      const open = visible && (view.open.has(entry.c.id) || this.picking() || view.klass === entry.c.id);
      if (open !== entry.details.open) entry.details.open = open;
      if (open) this.drawBody(entry);
      else if (entry.drawn) { entry.drawn = false; entry.body.replaceChildren(); }
    }
    this.shown.textContent = t('shownCount', classes, sessions);
  }

  /** Opens or closes every class shown. */
  openAll(open) {
    for (const entry of this.sections.values()) {
      if (entry.article.hidden) continue;
      if (open) view.open.add(entry.c.id); else view.open.delete(entry.c.id);
      entry.details.open = open;
      if (open && !entry.drawn) this.drawBody(entry);
    }
  }

  /** Opens, scrolls to and focuses the next session with a gap (after the last one visited). */
  nextGap() {
    const gaps = this.classes.flatMap((c) => c.sessions.filter((x) => this.missing(x) && this.shows(c, x)).map((x) => [c, x]));
    if (!gaps.length) { this.gapNote.textContent = t('noGaps'); return; }
    this.gapAt = (this.gapAt + 1) % gaps.length;
    const [c, x] = gaps[this.gapAt];
    this.reveal(c, x);
    this.gapNote.textContent = t('gapAt', this.gapAt + 1, gaps.length);
  }

  /** Opens the session's class, then scrolls to, marks and focuses its row
   * (shown whatever the filters say). */
  reveal(c, x) {
    const entry = this.sections.get(c.id);
    entry.article.hidden = false;
    view.open.add(c.id);
    entry.details.open = true;
    if (!entry.drawn) this.drawBody(entry);
    let row = entry.body.querySelector(`tr[data-session="${x.id}"]`);
    if (!row) {
      row = sessionRow(this, c, x);
      entry.body.querySelector('table.board').append(row);
    }
    document.querySelector('tr.current-gap')?.classList.remove('current-gap');
    row.classList.add('current-gap');
    row.scrollIntoView({ block: 'center' });
    row.focus();
  }

  /** Reads again the assignments of one session or one class (and the
   * exclusions if asked) and draws only their rows, the class's line and the
   * summary again, keeping the keyboard focus where it was. */
  async reload(scope, { exclusions = false } = {}) {
    const query = scope.session ? `session=${encodeURIComponent(scope.session)}` : `class=${encodeURIComponent(scope.class)}`;
    const [list, excluded] = await Promise.all([api('GET', `/api/v1/assignments?${query}`),
      exclusions ? api('GET', `/api/v1/plans/${encodeURIComponent(this.plan.id)}/exclusions`) : null]);
    const c = scope.session ? this.classOf.get(scope.session) : this.sections.get(scope.class).c;
    const ids = scope.session ? [scope.session] : c.sessions.map((x) => x.id);
    const focus = focusOf(document.activeElement);
    this.put(ids, list);
    const entry = this.sections.get(c.id);
    for (const id of ids) {
      const row = entry.body.querySelector(`tr[data-session="${id}"]`);
      if (!row) continue;
      // What opened under the row (alternates, a form) was for what it held.
      while (row.nextElementSibling && !row.nextElementSibling.dataset.session) row.nextElementSibling.remove();
      row.replaceWith(sessionRow(this, c, c.sessions.find((x) => x.id === id)));
    }
    this.drawLine(entry);
    this.drawSummary();
    if (excluded) { this.exclusions = excluded; this.drawExclusions(); }
    restoreFocus(focus);
  }
}

/** A run's gaps and trips by class, grouped once per run. */
const grouped = new WeakMap();
function byClass(run, classOf) {
  if (!grouped.has(run)) {
    const unfilled = new Map();
    const trips = new Map();
    const put = (map, key, item) => { if (!map.has(key)) map.set(key, []); map.get(key).push(item); };
    for (const u of run.solution.unfilled) put(unfilled, classOf.get(u.session)?.id, u);
    for (const trip of run.solution.trips) put(trips, trip.class, trip);
    grouped.set(run, { unfilled, trips });
  }
  return grouped.get(run);
}

/** Where the focus is, as what finds its like in a redrawn row. */
function focusOf(el) {
  let row = el?.closest?.('tr');
  // A form or the alternates open under a row belong to it.
  while (row && !row.dataset.session) row = row.previousElementSibling;
  if (!row) return null;
  return { session: row.dataset.session, assignment: el.closest('[data-assignment]')?.dataset.assignment, action: el.dataset.action };
}

/** Focuses the same action of the same assignment in the redrawn row, else
 * its first action, else the row. */
function restoreFocus(focus) {
  if (!focus) return;
  const row = document.querySelector(`tr[data-session="${focus.session}"]`);
  if (!row) return;
  const chip = focus.assignment ? row.querySelector(`[data-assignment="${focus.assignment}"]`) : null;
  const target = (chip && ((focus.action && chip.querySelector(`[data-action="${focus.action}"]`)) || chip.querySelector('button')))
    || row.querySelector('button.alternates') || row;
  target.focus();
}

/** For each class, the run whose gaps the board explains: the newest applied
 * run that covered it (it made the board as it stands), else the newest run
 * with a solution that did. */
async function coveringRuns(plan, runs, latest) {
  const found = new Map();
  const details = new Map(latest ? [[latest.id, latest]] : []);
  const ended = runs.filter((run) => ['done', 'cancelled'].includes(run.state));
  for (const run of [...ended.filter((r) => r.applied_at), ...ended.filter((r) => !r.applied_at)]) {
    if (found.size === plan.classes.length) break;
    const covers = plan.classes.filter((c) => !found.has(c.id) && (!run.request.classes.length || run.request.classes.includes(c.id)));
    if (!covers.length) continue;
    if (!details.has(run.id)) details.set(run.id, await api('GET', `/api/v1/staffing-runs/${run.id}`));
    const full = details.get(run.id);
    if (!full.solution) continue;
    for (const c of covers) found.set(c.id, full);
  }
  return found;
}

/** The staffing board of plan `id`, opened at `session` when one is given. */
export async function boardPage(id, session) {
  const enc = encodeURIComponent(id);
  const [plan, assignments, runs, exclusions, forms] = await Promise.all([
    api('GET', `/api/v1/plans/${enc}`), api('GET', `/api/v1/assignments?plan=${enc}`),
    api('GET', `/api/v1/plans/${enc}/staffing-runs`), api('GET', `/api/v1/plans/${enc}/exclusions`),
    api('GET', `/api/v1/plans/${enc}/evaluations`)]);
  if (view.plan !== id) {
    const small = plan.classes.reduce((n, c) => n + c.sessions.length, 0) <= OPEN_ALL_UP_TO;
    Object.assign(view, { plan: id, klass: '', from: '', to: '', gaps: false, short: false, instructor: '', open: new Set(small ? plan.classes.map((c) => c.id) : []) });
  }
  const latest = runs[0] ? await api('GET', `/api/v1/staffing-runs/${runs[0].id}`) : null;
  const covering = await coveringRuns(plan, runs, latest);
  const planner = ['admin', 'planner'].includes(auth.me.role);
  const board = new Board(plan, assignments, exclusions, forms, covering, planner, latest);
  const asked = session && board.classOf.get(session);
  // Once the page is in the document: the session a link pointed at.
  if (asked) requestAnimationFrame(() => board.reveal(asked, asked.sessions.find((x) => x.id === session)));
  return h('section', { id: 'board' },
    h('h1', {}, `${t('board')}：${plan.name}`, ' ', h('small', {}, h('a', { href: `#/plans/${enc}` }, t('edit')), ' · ',
      h('a', { href: `#/plans/${enc}/quality`, id: 'open-quality' }, t('quality')), ' · ',
      h('a', { href: `#/plans/${enc}/workload`, id: 'open-workload' }, t('workload')), ' · ',
      button(t('exportPlan'), () => download(`/api/v1/plans/${enc}/export?format=xlsx`, `${plan.name}-排课表.xlsx`), { class: 'mini', id: 'export-plan' }))),
    planner ? runPanel(plan, latest, (run) => board.applied(run)) : runStatus(latest),
    h('div', { id: 'changes' }),
    board.draw());
}
