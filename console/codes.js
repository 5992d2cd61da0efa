// A session's evaluation codes as cards to print.

import { api, download } from './api.js';
import { h, s } from './dom.js';
import { fmt } from './format.js';
import { I18N, lang, t } from './i18n.js';
import { button } from './widgets.js';

/** A QR symbol from its module path, with the quiet zone around it. */
function qrSvg(qr) {
  const n = qr.size + 8;
  const svg = s('svg', { viewBox: `-4 -4 ${n} ${n}`, class: 'qr', role: 'img', 'aria-label': 'QR' });
  svg.append(s('rect', { x: -4, y: -4, width: n, height: n, fill: '#fff' }), s('path', { d: qr.path, fill: '#000' }));
  return svg;
}

/** A session's evaluation codes as cards to print and cut apart. */
export async function codesPage(id) {
  const enc = encodeURIComponent(id);
  const view = await api('GET', `/api/v1/sessions/${enc}/evaluation/codes`);
  const f = view.form;
  return h('section', { id: 'codes' },
    h('div', { class: 'no-print' },
      h('h1', {}, `${t('printCodes')}：${f.session_title}`),
      h('p', {}, `${f.class_name} · ${fmt.time(f.start)} · ${t('opensAt')} ${fmt.time(f.opens_at)} · ${t('closesAt')} ${fmt.time(f.closes_at)} · `,
        h('span', { id: 'form-state' }, `${I18N[lang].formStates[f.state]} · ${t('responses', f.responses, f.trainees)}`)),
      h('p', {}, button(t('print'), () => window.print(), { id: 'print' }), ' ',
        button(t('downloadSvg'), () => download(`/api/v1/sessions/${enc}/evaluation/sheet`, `${f.session_title}-测评码.svg`), { id: 'download-svg' }), ' ',
        h('a', { class: 'button', href: `#/plans/${encodeURIComponent(f.plan)}/board` }, t('board')))),
    h('div', { class: 'sheet' }, view.codes.map((c) => h('div', { class: 'card', 'data-code': c.code },
      h('div', { class: 'card-head' }, h('strong', {}, t('evaluation')), h('span', {}, t('number', c.number))),
      h('div', { class: 'card-title' }, f.session_title), h('div', { class: 'card-when' }, fmt.time(f.start)),
      qrSvg(c.qr), h('div', { class: 'card-code', translate: 'no' }, `${c.code.slice(0, 5)} ${c.code.slice(5)}`),
      h('div', { class: 'card-hint' }, t('codeHint'))))));
}
