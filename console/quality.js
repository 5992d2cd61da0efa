// Teaching quality: a plan's evaluations, and an instructor's rating over time.

import { api, auth, download } from './api.js';
import { h, s } from './dom.js';
import { fmt } from './format.js';
import { I18N, lang, t } from './i18n.js';
import { render } from './refresh.js';
import { button, field, input, select } from './widgets.js';

/**
 * The rating month by month on the 1–5 scale trainees answer in (R = 1 + 4 ×
 * rating, the inverse of SPEC's rating = (R − 1) / 4), with axes: scores on
 * the left, months below, each point's evaluations in its tooltip.
 */
function trendChart(points) {
  const w = 480, hgt = 170, left = 30, right = 10, top = 10, bottom = 24;
  const svg = s('svg', { viewBox: `0 0 ${w} ${hgt}`, class: 'spark trend-chart', role: 'img', 'aria-label': t('ratingHistory') });
  const x = (k) => left + (k * (w - left - right)) / Math.max(1, points.length - 1);
  const y = (score) => hgt - bottom - ((score - 1) / 4) * (hgt - top - bottom);
  const text = (attrs, content) => { const el = s('text', attrs); el.textContent = content; return el; };
  for (let score = 1; score <= 5; score++) {
    svg.append(s('line', { x1: left, x2: w - right, y1: y(score), y2: y(score), class: 'grid' }),
      text({ x: left - 6, y: y(score) + 4, class: 'axis', 'text-anchor': 'end' }, score));
  }
  // Every other month, counted back from the latest, so that no two labels meet.
  points.forEach((p, k) => {
    const last = k === points.length - 1;
    if ((points.length - 1 - k) % 2 === 0) svg.append(text({ x: x(k), y: hgt - 6, class: 'axis', 'text-anchor': k === 0 ? 'start' : last ? 'end' : 'middle' }, p.month.slice(2)));
  });
  const score = (p) => 1 + 4 * p.rating;
  svg.append(s('polyline', { points: points.map((p, k) => `${x(k)},${y(score(p))}`).join(' '), fill: 'none', class: 'line' }));
  points.forEach((p, k) => {
    const dot = s('circle', { cx: x(k), cy: y(score(p)), r: 3, class: 'dot' });
    const title = s('title', {});
    title.textContent = `${p.month}: ${fmt.num(score(p), 2)}（${t('rating')} ${fmt.num(p.rating)}，${t('evaluations')} ${p.evaluation_count}）`;
    dot.append(title);
    svg.append(dot);
  });
  return h('figure', { class: 'trend' }, svg, h('figcaption', { class: 'card-hint' }, t('trendScale')));
}

const qualityQuery = { plan: null, threshold: 3.5, class: '' };

/** A plan's teaching quality: each session's evaluations and each instructor's. */
export async function qualityPage(id) {
  const enc = encodeURIComponent(id);
  if (qualityQuery.plan !== id) Object.assign(qualityQuery, { plan: id, threshold: 3.5, class: '' });
  const params = new URLSearchParams({ threshold: String(qualityQuery.threshold) });
  if (qualityQuery.class) params.set('class', qualityQuery.class);
  const [q, plan] = await Promise.all([api('GET', `/api/v1/plans/${enc}/quality?${params}`), api('GET', `/api/v1/plans/${enc}`)]);
  const threshold = input('threshold', qualityQuery.threshold, { type: 'number', min: 1, max: 5, step: 0.1 });
  const cls = select('class', [['', t('all')], ...plan.classes.map((c) => [c.id, c.name])], qualityQuery.class);
  const file = (format) => download(`/api/v1/plans/${enc}/quality/export?${params}&format=${format}`, `${q.plan_name}-${t('quality')}.${format}`);
  const score = (x) => fmt.num(x, 2);
  return h('section', { id: 'quality' },
    h('h1', {}, `${t('quality')}：${q.plan_name}`, ' ', h('small', {}, h('a', { href: `#/plans/${enc}/board` }, t('board')))),
    h('form', { class: 'filters', onsubmit: (e) => { e.preventDefault(); Object.assign(qualityQuery, { threshold: Number(threshold.value), class: cls.value }); render(); } },
      field(t('classes'), cls), field(t('threshold'), threshold), h('button', { type: 'submit' }, t('search')), ' ',
      button(t('exportCsv'), () => file('csv'), { id: 'export-csv' }), ' ', button(t('exportXlsx'), () => file('xlsx'), { id: 'export-xlsx' })),
    q.sessions.length ? null : h('p', {}, t('noData')),
    h('div', { class: 'table-scroll' }, h('table', { class: 'list', id: 'quality-sessions' },
      h('tr', {}, [t('classes'), t('session'), t('when'), t('instructorId'), t('responseRate'), t('mean'), t('content'), t('teachingMethod'), t('usefulness')].map((x) => h('th', {}, x))),
      q.sessions.map((x) => h('tr', { 'data-session': x.session, class: x.below_threshold ? 'low' : null },
        h('td', {}, x.class_name), h('td', {}, x.title, x.below_threshold ? [' ', h('span', { class: 'tag low' }, t('below'))] : null), h('td', {}, fmt.time(x.start)),
        h('td', {}, x.instructors.map((i) => h('div', {}, `${i.name} ${score(i.mean_score)}（${i.evaluation_count}）`))),
        h('td', { class: 'num' }, x.trainees ? `${x.responses}/${x.trainees} · ${Math.round(100 * x.response_rate)}%` : '—'),
        x.shown ? [h('td', { class: 'num' }, score(x.mean_score)), h('td', { class: 'num' }, score(x.content)),
          h('td', { class: 'num' }, score(x.method)), h('td', { class: 'num' }, score(x.usefulness))]
          : h('td', { colspan: 4, class: 'too-few' }, t('tooFew')))))),
    h('h2', {}, t('instructorId')),
    h('table', { class: 'list', id: 'quality-instructors' }, h('tr', {}, [t('name'), t('sessions'), t('evaluations'), t('mean')].map((x) => h('th', {}, x))),
      q.instructors.map((i) => h('tr', {}, h('td', {}, h('a', { href: `#/instructors/${encodeURIComponent(i.instructor)}` }, i.name)),
        h('td', { class: 'num' }, i.sessions), h('td', { class: 'num' }, i.evaluation_count), h('td', { class: 'num' }, score(i.mean_score))))),
    comments(q.comments));
}

function comments(list) {
  return [h('h2', {}, t('comments')), list.length ? h('ul', { class: 'comments' }, list.map((c) => h('li', {}, h('small', {}, `${c.date} · ${c.session_title}`), h('br', {}), c.text))) : h('p', {}, t('nothing'))];
}

/** An instructor's rating over the months, its trend, evaluated sessions and comments. */
export function qualitySummary(q) {
  return [
    h('h2', {}, t('ratingHistory')), trendChart(q.months),
    h('p', { class: 'trend', 'data-trend': q.trend.direction },
      `${t('rating')} ${fmt.num(q.rating.rating)}（${t('evaluations')} ${q.rating.evaluation_count}） · ${t('trend')}：${I18N[lang].trends[q.trend.direction]}（${q.trend.change >= 0 ? '+' : ''}${fmt.num(q.trend.change)}）`),
    h('h2', {}, t('evaluatedSessions')),
    h('table', { class: 'list', id: 'evaluated-sessions' }, h('tr', {}, [t('session'), t('classes'), t('delivered'), t('evaluations'), t('mean')].map((x) => h('th', {}, x))),
      q.sessions.map((x) => h('tr', {}, h('td', {}, x.title), h('td', {}, x.class_name), h('td', {}, fmt.time(x.delivered_at)),
        h('td', { class: 'num' }, x.evaluation_count), h('td', { class: 'num' }, x.mean_score == null ? t('tooFew') : fmt.num(x.mean_score, 2))))),
    comments(q.comments)];
}

/** The instructor's own evaluations (我的教学评价). */
export async function myQualityPage() {
  const q = await api('GET', `/api/v1/instructors/${encodeURIComponent(auth.me.instructor.id)}/quality?months=12`);
  return h('section', { id: 'my-quality' }, h('h1', {}, t('myQuality')), qualitySummary(q));
}
