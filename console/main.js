// 师资库 web console: a small single-page client of /api/v1. This
// module is its router: the routes by role, the menu, and drawing a page.
//
// Safety rules kept throughout: every element is built with h() from text
// nodes (never innerHTML), so names and notes typed by users are shown as
// text; the bearer token lives in this tab's sessionStorage and travels
// only in the Authorization header (no cookie, so no cross-site request can
// carry it); nothing is loaded from another origin. What is not words of a
// language (user names, e-mail addresses, codes to type) is marked
// `translate="no"`.

import { accountsPage } from './accounts.js';
import { api, auth, loginForm } from './api.js';
import { boardPage } from './board.js';
import { codesPage } from './codes.js';
import { h } from './dom.js';
import { I18N, lang, setLang, t } from './i18n.js';
import { instructorForm, instructorPage } from './instructor.js';
import { blocksPage, minePage } from './mine.js';
import { officesPage } from './offices.js';
import { planPage, plansPage } from './plans.js';
import { poolPage } from './pool.js';
import { profilePage } from './profile.js';
import { myQualityPage, qualityPage } from './quality.js';
import { recommendPage } from './recommend.js';
import { render, setRenderer, takeNotice } from './refresh.js';
import { loadVocabulary, tierName } from './vocabulary.js';
import { deliveriesPage, webhooksPage } from './webhooks.js';
import { workloadPage } from './workload.js';
import { button, clearProblem, showProblem } from './widgets.js';


const ROUTES = [
  [/^#\/pool$/, ['admin', 'planner', 'office'], poolPage],
  [/^#\/instructors\/new$/, ['admin', 'planner'], () => instructorForm(null)],
  [/^#\/instructors\/([^/]+)\/edit$/, ['admin', 'planner'], (id) => instructorForm(id)],
  [/^#\/instructors\/([^/]+)$/, ['admin', 'planner', 'office'], instructorPage],
  [/^#\/plans$/, ['admin', 'planner', 'office'], plansPage],
  [/^#\/plans\/([^/]+)$/, ['admin', 'planner', 'office'], planPage],
  [/^#\/plans\/([^/]+)\/board$/, ['admin', 'planner', 'office'], boardPage],
  [/^#\/plans\/([^/]+)\/board\/([^/]+)$/, ['admin', 'planner', 'office'], boardPage],
  [/^#\/plans\/([^/]+)\/workload$/, ['admin', 'planner', 'office'], workloadPage],
  [/^#\/plans\/([^/]+)\/quality$/, ['admin', 'planner', 'office'], qualityPage],
  [/^#\/sessions\/([^/]+)\/codes$/, ['admin', 'planner'], codesPage],
  [/^#\/recommend$/, ['admin', 'planner', 'office'], recommendPage],
  [/^#\/accounts$/, ['admin'], accountsPage],
  [/^#\/offices$/, ['admin'], officesPage],
  [/^#\/webhooks$/, ['admin'], webhooksPage],
  [/^#\/webhooks\/([^/]+)$/, ['admin'], deliveriesPage],
  [/^#\/mine$/, ['instructor'], minePage],
  [/^#\/blocks$/, ['instructor'], blocksPage],
  [/^#\/quality$/, ['instructor'], () => myQualityPage()],
  [/^#\/profile$/, ['admin', 'planner', 'office', 'instructor'], profilePage],
];

const HOME = { admin: '#/plans', planner: '#/plans', office: '#/recommend', instructor: '#/mine' };

function nav() {
  const role = auth.me?.role;
  const links = {
    admin: [['#/plans', 'plans'], ['#/pool', 'pool'], ['#/recommend', 'recommend'], ['#/offices', 'offices'], ['#/accounts', 'accounts'], ['#/webhooks', 'webhooks']],
    planner: [['#/plans', 'plans'], ['#/pool', 'pool'], ['#/recommend', 'recommend']],
    office: [['#/recommend', 'recommend'], ['#/pool', 'pool'], ['#/plans', 'plans']],
    instructor: [['#/mine', 'mine'], ['#/blocks', 'myBlocks'], ['#/quality', 'myQuality']],
  }[role] || [];
  document.getElementById('top').replaceChildren(
    h('span', { class: 'brand' }, t('app')),
    h('nav', {}, links.map(([href, key]) => h('a', { href, class: location.hash.startsWith(href) ? 'here' : null }, t(key)))),
    h('span', { class: 'who' },
      auth.me ? [h('span', { id: 'office-name', title: tierName(auth.me.office.tier) }, auth.me.office.name), ' · ',
        h('a', { href: '#/profile' }, h('span', { translate: 'no' }, auth.me.username), `（${I18N[lang].roles[auth.me.role]}）`), ' ',
        button(t('signout'), () => { auth.token = null; auth.me = null; auth.offices = null; location.hash = '#/'; render(); })] : null,
      ' ', button(t('language'), () => { setLang(lang === 'zh' ? 'en' : 'zh'); render(); }, { id: 'language' })));
}

/** Draws the signed-in user's page for the address, or the sign-in form. */
async function draw() {
  const main = document.getElementById('main');
  if (auth.token && !auth.me) {
    try { auth.me = await api('GET', '/api/v1/me'); } catch { auth.token = null; }
  }
  nav();
  if (!auth.me) {
    main.replaceChildren(h('section', { class: 'narrow' }, h('h1', {}, t('signin')), loginForm(async () => { if (!ROUTES.some(([re]) => re.test(location.hash))) location.hash = HOME[auth.me.role]; else render(); })));
    return;
  }
  const route = ROUTES.find(([re]) => re.test(location.hash));
  if (!route || !route[1].includes(auth.me.role)) { location.hash = HOME[auth.me.role]; return; }
  const args = location.hash.match(route[0]).slice(1).map(decodeURIComponent);
  try {
    await loadVocabulary();
    const page = await route[2](...args);
    const notice = takeNotice();
    main.replaceChildren(...[h('div', { id: 'problem', class: 'problem' }), notice && h('p', { class: 'notice', id: 'notice' }, notice), page].filter(Boolean));
    // After the frame that shows the page has been painted: the board benchmark reads this mark.
    requestAnimationFrame(() => requestAnimationFrame(() => performance.mark('page-drawn')));
  } catch (err) {
    main.replaceChildren(h('div', { id: 'problem', class: 'problem' }));
    showProblem(err);
  }
}

setRenderer(draw);
window.addEventListener('hashchange', () => { clearProblem(); render(); });

document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
draw();
