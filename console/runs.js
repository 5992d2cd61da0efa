// A plan's staffing runs on the board: the form that starts one, its
// status while it solves, and the review of its changes before applying.

import { api } from './api.js';
import { h } from './dom.js';
import { fmt } from './format.js';
import { t } from './i18n.js';
import { button, field, guard, input, showProblem } from './widgets.js';

/** A run's state, time, objective, bound and gap in words. */
export function runStatus(run) {
  if (!run) return h('p', { id: 'run-status' }, t('noRun'));
  const last = run.progress?.[run.progress.length - 1];
  const sol = run.solution;
  const elapsed = run.started_at ? ((new Date(run.finished_at || Date.now()) - new Date(run.started_at)) / 1000).toFixed(1) : '0';
  return h('p', { id: 'run-status', 'data-state': run.state },
    `${t('state')}：${t(run.state)} · ${t('elapsed')} ${elapsed} s`,
    sol ? ` · ${t('objective')} ${fmt.num(sol.objective)} · ${t('bound')} ${fmt.num(sol.bound)} · ${t('gap')} ${fmt.pct(sol.gap)} · ${t(`solution_${sol.status}`)}`
      : last ? ` · ${t('objective')} ${fmt.num(last.objective)} · ${t('bound')} ${fmt.num(last.bound)}` : '',
    run.applied_at ? ` · ${t('applied')}` : '', run.error ? ` · ${run.error}` : '',
    run.state === 'running' && run.cancel_requested_at ? ` · ${t('stopping')}` : '');
}

/** Whether a run has ended (nothing more will change but its applying). */
function ended(run) { return ['done', 'failed', 'cancelled'].includes(run.state); }

/** The form that starts a run, its status while it solves, and the way to
 * its changes; `applied(run)` is told of a run once it is applied. */
export function runPanel(plan, latest, applied) {
  const limit = input('time_limit_s', 10, { type: 'number', min: 1, max: 600, step: 'any' });
  const classLimit = input('max_sessions_per_class', '', { type: 'number', min: 1, step: 1 });
  const weights = { expertise: input('w_expertise', 1, { type: 'number', step: 'any' }), rating: input('w_rating', 1, { type: 'number', step: 'any' }),
    travel_per_1000km: input('w_travel', 0.5, { type: 'number', step: 'any' }), keep: input('w_keep', 0.2, { type: 'number', step: 'any' }),
    balance: input('w_balance', 0, { type: 'number', min: 0, step: 'any' }) };
  const status = h('div', {}, runStatus(latest));
  const actions = h('div', { class: 'run-actions' });
  const showDone = (run) => {
    actions.replaceChildren();
    const proposal = run?.state === 'done' || (run?.state === 'cancelled' && run.solution);
    if (proposal && !run.applied_at) {
      actions.append(button(t('changes'), () => showChanges(plan, run, async (done) => {
        status.replaceChildren(runStatus(done));
        actions.replaceChildren();
        await applied(done);
      }), { id: 'review' }));
    }
  };
  const watch = async (run) => {
    actions.replaceChildren(button(t('stopRun'), async () => { await api('POST', `/api/v1/staffing-runs/${run.id}/cancel`); }, { id: 'cancel-run' }));
    for (;;) {
      status.replaceChildren(runStatus(run));
      if (ended(run)) break;
      await new Promise((r) => setTimeout(r, 700));
      run = await api('GET', `/api/v1/staffing-runs/${run.id}`);
    }
    showDone(run);
  };
  if (latest && (latest.state === 'queued' || latest.state === 'running')) watch(latest).catch(showProblem);
  else showDone(latest);
  return h('div', { class: 'panel' },
    h('form', { class: 'inline', id: 'run-form', onsubmit: guard(async (e) => {
      e.preventDefault();
      const options = { time_limit_s: Number(limit.value) };
      if (classLimit.value) options.max_sessions_per_class = Number(classLimit.value);
      const body = { weights: Object.fromEntries(Object.entries(weights).map(([k, el]) => [k, Number(el.value)])), options };
      const run = await api('POST', `/api/v1/plans/${encodeURIComponent(plan.id)}/staffing-runs`, body);
      await watch(run);
    }) }, field(t('timeLimit'), limit), field(t('weightExpertise'), weights.expertise), field(t('weightRating'), weights.rating),
    field(t('weightTravel'), weights.travel_per_1000km), field(t('weightKeep'), weights.keep),
    h('label', { class: 'field' }, h('span', {}, t('weightBalance')), weights.balance, h('small', { class: 'card-hint', id: 'balance-help' }, t('balanceHelp'))),
    h('label', { class: 'field' }, h('span', {}, t('classLimit')), classLimit, h('small', { class: 'card-hint', id: 'class-limit-help' }, t('classLimitHelp'))),
    h('button', { type: 'submit', id: 'start-run' }, t('run'))),
    status, actions);
}

/** A run's changes to the plan, grouped by class in the plan's order, each
 * naming its session, date and time; applying is offered above and below,
 * and `applied(run)` is told when it is done. */
async function showChanges(plan, run, applied) {
  const changes = await api('GET', `/api/v1/staffing-runs/${run.id}/changes`);
  const classOf = new Map(plan.classes.flatMap((c) => c.sessions.map((x) => [x.id, c])));
  const groups = new Map(plan.classes.map((c) => [c.id, { c, items: [] }]));
  const when = (p) => `${p.session_title}（${fmt.time(p.start)}）`;
  const put = (session, kind, text) => groups.get(classOf.get(session)?.id)?.items.push({ kind, text });
  for (const p of changes.added) put(p.session, 'added', `${when(p)}：${p.instructor_name}`);
  for (const m of changes.moved) {
    put(m.to.session, 'moved', `${m.instructor_name}：${when(m.from)} → ${when(m.to)}`);
    if (classOf.get(m.from.session) !== classOf.get(m.to.session)) put(m.from.session, 'moved', `${m.instructor_name}：${when(m.from)} → ${classOf.get(m.to.session)?.name}`);
  }
  for (const p of changes.dropped) put(p.session, 'dropped', `${when(p)}：${p.instructor_name}`);
  const box = document.getElementById('changes');
  const empty = !changes.added.length && !changes.moved.length && !changes.dropped.length;
  const apply = (id) => button(t('apply'), async () => {
    const cancelled = run.state === 'cancelled';
    if (cancelled && !window.confirm(t('applyCancelled'))) return;
    const done = await api('POST', `/api/v1/staffing-runs/${run.id}/apply${cancelled ? '?confirm=true' : ''}`);
    box.replaceChildren();
    // The answer leaves out the solution, which the page has read already.
    await applied({ ...run, ...done });
  }, { id });
  const count = (kind) => ({ added: changes.added.length, moved: changes.moved.length, dropped: changes.dropped.length }[kind]);
  const totals = ['added', 'moved', 'dropped'].map((kind) => h('span', { class: `change-count ${kind}`, 'data-kind': kind }, `${t(kind)} ${count(kind)}`));
  box.replaceChildren(h('div', { class: 'panel', id: 'changes-view' }, h('h2', {}, t('changes')),
    h('p', { class: 'change-totals' }, totals, ` · ${t('unchanged')} ${changes.unchanged}`),
    empty ? h('p', {}, t('noChanges')) : null,
    h('p', {}, apply('apply'), ' ', button(t('cancel'), () => box.replaceChildren())),
    [...groups.values()].filter((g) => g.items.length).map(({ c, items }) => {
      const n = (kind) => items.filter((x) => x.kind === kind).length;
      return h('details', { class: 'change-class', 'data-class': c.id, open: groups.size <= 10 || null },
        h('summary', {}, h('strong', {}, c.name), ` · ${c.start_date} – ${c.end_date} · `,
          ['added', 'moved', 'dropped'].filter(n).map((kind) => h('span', { class: `change-count ${kind}` }, `${t(kind)} ${n(kind)} `))),
        h('ul', {}, items.map((x) => h('li', { class: `change ${x.kind}` }, h('span', { class: 'change-kind' }, t(x.kind)), ' ', x.text))));
    }),
    h('p', {}, apply('apply-bottom'), ' ', button(t('cancel'), () => box.replaceChildren()))));
  box.scrollIntoView({ block: 'start' });
}
