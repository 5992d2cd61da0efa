// A session's row on the staffing board and what opens under it: the
// alternates, an exclusion, its evaluation.

import { api } from './api.js';
import { candidateCells, candidateHeads } from './candidates.js';
import { h } from './dom.js';
import { fmt, rfc3339 } from './format.js';
import { I18N, lang, t } from './i18n.js';
import { render, say } from './refresh.js';
import { reason, ruleName, topicName } from './vocabulary.js';
import { button, field, guard, input, mini, select } from './widgets.js';

/** A session's row on the board; instructors kept by another office than
 * the plan's are marked as borrowed, with their office. The row's actions
 * ask the board to draw again only the rows they change. */
export function sessionRow(board, c, x) {
  const { planner } = board;
  const home = board.plan.office;
  const held = board.held(x.id);
  const unfilled = board.unfilled.get(x.id);
  const chips = held.map((a) => h('span', { class: `chip ${a.state}${a.locked ? ' locked' : ''}${a.instructor_office !== home ? ' borrowed' : ''}`, 'data-assignment': a.id, title: a.decline_reason || null },
    a.instructor_name, a.instructor_office !== home ? h('small', { class: 'from' }, `（${t('borrowed', a.instructor_office_name)}）`) : null,
    ` · ${I18N[lang].states[a.state]}${a.locked ? ` · ${t('locked')}` : ''}`,
    planner && a.state !== 'declined' ? [' ',
      a.locked ? mini(t('unlock'), () => change(board, x, a, 'unlock'), 'unlock') : mini(t('lock'), () => change(board, x, a, 'lock'), 'lock'),
      a.state === 'proposed' ? mini(t('confirm'), () => change(board, x, a, 'confirm'), 'confirm') : null,
      a.state === 'proposed' && !a.locked ? mini(t('exclude'), (e) => excludeForm(board, e.target.closest('tr'), c, x, a.instructor), 'exclude') : null] : null));
  const missing = board.missing(x);
  return h('tr', { 'data-session': x.id, class: missing ? 'short' : null, tabindex: -1 },
    h('td', { class: 'when' }, fmt.time(x.start)),
    h('td', {}, h('strong', {}, x.title), h('br', {}), h('small', {}, x.topics.map((tp) => `${topicName(tp.topic)}≥${tp.min_level}`).join('；'), x.remote ? ` · ${t('remote')}` : '', ` · ×${x.needed}`)),
    h('td', { class: 'people' }, chips,
      missing ? h('span', { class: 'missing' }, t('missing', missing)) : null,
      unfilled && missing ? h('div', { class: 'why' },
        `${t('eligible')} ${unfilled.eligible} · ${t('excludedBy')}：${Object.entries(unfilled.excluded_by).filter(([, n]) => n).map(([k, n]) => `${ruleName(k)} ${n}`).join('，') || '—'}`,
        unfilled.near_misses.length ? h('ul', { class: 'near' }, unfilled.near_misses.map((m) => h('li', { title: m.detail, 'data-rule': m.blocked_by }, `${m.instructor_name}：${reason(m.blocked_by, m.detail)}`))) : null) : null),
    h('td', {}, button(t('alternates'), (e) => alternates(board, e.target.closest('tr'), c, x), { class: 'alternates' }), h('br', {}),
      evaluationCell(x, board.forms.get(x.id), held, planner)));
}

/** A session's evaluation on the board: its state and answers, or a way to open it. */
function evaluationCell(x, form, held, planner) {
  if (form) {
    return h('span', { class: `chip evaluation ${form.state}`, 'data-evaluation': x.id },
      `${t('evaluation')} · ${I18N[lang].formStates[form.state]} · ${t('responses', form.responses, form.trainees)}`,
      planner ? [' ', h('a', { class: 'button mini', href: `#/sessions/${encodeURIComponent(x.id)}/codes`, 'data-action': 'codes' }, t('printCodes'))] : null);
  }
  if (!planner || !held.some((a) => a.state === 'confirmed')) return null;
  return mini(t('openEvaluation'), (e) => evaluationForm(e.target.closest('tr'), x), 'open-evaluation');
}

/** Opens a session's evaluation for its trainees (the page is drawn again). */
function evaluationForm(row, x) {
  const trainees = input('trainees', 30, { type: 'number', min: 1, max: 500, required: true });
  const opens = input('opens_at', '', { type: 'datetime-local' });
  const closes = input('closes_at', '', { type: 'datetime-local' });
  row.after(h('tr', {}, h('td', { colspan: 4 }, h('form', { class: 'inline', id: 'evaluation-form', onsubmit: guard(async (e) => {
    e.preventDefault();
    const body = { trainees: Number(trainees.value) };
    if (opens.value) body.opens_at = rfc3339(opens.value);
    if (closes.value) body.closes_at = rfc3339(closes.value);
    await api('POST', `/api/v1/sessions/${encodeURIComponent(x.id)}/evaluation`, body);
    render();
  }) }, field(t('trainees'), trainees), field(`${t('opensAt')}（${t('nothing')} = −15 min）`, opens), field(`${t('closesAt')}（+7 d）`, closes),
  h('button', { type: 'submit' }, t('openEvaluation'))))));
}

/** Opens the evaluation of every session of a class held by a confirmed instructor. */
export function classEvaluationForm(where, c) {
  const trainees = input('trainees', 30, { type: 'number', min: 1, max: 500, required: true });
  where.after(h('form', { class: 'inline', id: 'class-evaluation-form', onsubmit: guard(async (e) => {
    e.preventDefault();
    const done = await api('POST', `/api/v1/classes/${encodeURIComponent(c.id)}/evaluations`, { trainees: Number(trainees.value) });
    say(done.skipped.length ? t('skipped', done.skipped.map((k) => `${k.title}（${I18N[lang].skipReasons[k.reason] || k.reason}）`).join('，')) : null);
    render();
  }) }, field(t('trainees'), trainees), h('button', { type: 'submit' }, t('openClassEvaluation'))));
}

/** Locks, unlocks or confirms an assignment; only its session's row is drawn again. */
async function change(board, x, a, what) {
  await api('POST', `/api/v1/assignments/${a.id}/${what}`);
  await board.reload({ session: x.id });
}

/** The session's best candidates under its row, those who cannot take it
 * too: who they are (kind, organisation), score and parts, the year's load
 * against their cap, what they hold at the same time, and the rules that
 * keep one out. A planner assigns one (in another's place when the session
 * is full, said before anything is sent) or excludes one; a candidate a rule
 * keeps out is not sent, and one with a conflict or a warning is asked
 * about first. */
async function alternates(board, row, c, x) {
  const { planner } = board;
  const held = board.held(x.id);
  // The best who can take it, then the best of those a rule keeps out.
  const path = `/api/v1/sessions/${encodeURIComponent(x.id)}/recommendations`;
  const [open, all] = await Promise.all([api('GET', `${path}?limit=8`), api('GET', `${path}?limit=12&include_unavailable=true`)]);
  const items = [...open.items, ...all.items.filter((r) => !r.available).slice(0, 4)];
  const next = row.nextElementSibling;
  if (next?.classList.contains('alternates-row')) next.remove();
  // A full session takes someone by hand only in another's place: an
  // unlocked proposal first.
  const taking = held.filter((a) => a.state !== 'declined');
  taking.sort((a, b) => (a.state === 'proposed' && !a.locked ? 0 : 1) - (b.state === 'proposed' && !b.locked ? 0 : 1));
  const replace = taking.length >= x.needed
    ? select('replace', taking.map((a) => [a.id, `${t('replace')} ${a.instructor_name}（${I18N[lang].states[a.state]}${a.locked ? ` · ${t('locked')}` : ''}）`]), taking[0]?.id)
    : null;
  const assign = async (r) => {
    await api('POST', '/api/v1/assignments', { session: x.id, instructor: r.instructor, ...(replace ? { replace: replace.value } : {}) });
    await board.reload({ session: x.id });
  };
  const ask = (cell, r) => {
    const doubts = [...r.conflicts.map((k) => t('conflictWith', `${k.class_name} · ${k.title}`, fmt.time(k.start), I18N[lang].states[k.state])),
      ...r.warnings.map(() => t('warnClassLimit'))];
    if (!doubts.length) return assign(r);
    cell.replaceChildren(h('div', { class: 'confirm-assign', role: 'alertdialog' }, h('strong', {}, t('assignAnyway', r.instructor_name)),
      h('ul', {}, doubts.map((d) => h('li', {}, d))),
      button(t('assign'), () => assign(r), { class: 'assign-anyway' }), ' ', button(t('cancel'), () => alternates(board, row, c, x), { class: 'cancel' })));
    cell.querySelector('.assign-anyway').focus();
    return null;
  };
  row.after(h('tr', { class: 'alternates-row' }, h('td', { colspan: 4 },
    planner && replace ? h('p', { class: 'replace' }, h('span', { class: 'warn' }, t('sessionFull', x.needed)), ' ', replace) : null,
    open.items.length === 0 ? h('p', { class: 'no-alternates' }, t('noAlternates')) : null,
    items.length ? h('table', { class: 'list alternates-list' }, h('tr', {}, h('th', {}, t('name')), candidateHeads(), h('th', {})),
      items.map((r) => h('tr', { 'data-instructor': r.instructor, class: r.available ? null : 'unavailable' },
        h('td', {}, r.instructor_name,
          r.warnings.map((w) => h('small', { class: 'warning', 'data-rule': w.rule }, ' ⚠ ', t('warnClassLimit'))),
          r.reasons.map((why) => h('small', { class: 'reason', 'data-rule': why.rule, title: why.detail }, ' · ', ruleName(why.rule)))),
        candidateCells(r),
        h('td', {}, planner ? [r.available
          ? button(t('assign'), (e) => ask(e.target.closest('td'), r), { class: 'assign' })
          : button(t('assign'), () => null, { class: 'assign', disabled: true, title: t('cannotAssign', r.reasons.map((why) => ruleName(why.rule)).join('、')) }), ' ',
        button(t('exclude'), (e) => excludeForm(board, e.target.closest('tr'), c, x, r.instructor))] : null)))) : null)));
}

/** Keeps an instructor out of the session or its whole class, with a reason;
 * the rows of what it covers are drawn again, with the exclusion list. */
function excludeForm(board, row, c, x, instructor) {
  const reason = input('reason', '', { required: true, maxlength: 500 });
  const scope = select('scope', [['session', t('bySession')], ['class', t('byClass')]], 'session');
  const cols = row.children.length;
  row.after(h('tr', {}, h('td', { colspan: cols },
    h('form', { class: 'inline exclude-form', onsubmit: guard(async (e) => {
      e.preventDefault();
      const byClass = scope.value === 'class';
      await api('POST', '/api/v1/exclusions', { instructor, reason: reason.value, ...(byClass ? { class: c.id } : { session: x.id }) });
      await board.reload(byClass ? { class: c.id } : { session: x.id }, { exclusions: true });
    }) }, field(t('reason'), reason), scope, h('button', { type: 'submit' }, t('exclude'))))));
}
