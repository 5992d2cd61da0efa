// The instructor's own pages: assignments, calendar feed and blocked time.

import { api } from './api.js';
import { blockForm, calendar } from './calendar.js';
import { h } from './dom.js';
import { fmt } from './format.js';
import { I18N, lang, t } from './i18n.js';
import { render } from './refresh.js';
import { button, field, guard, input } from './widgets.js';

/** The instructor's own assignments, to accept or decline, and the calendar feed. */
export async function minePage() {
  const mine = await api('GET', '/api/v1/me/assignments');
  return h('section', {}, h('h1', {}, t('mine')),
    h('table', { class: 'list', id: 'mine' }, h('tr', {}, [t('when'), t('session'), t('venue'), t('state'), ''].map((v) => h('th', {}, v))),
      mine.map((a) => h('tr', { 'data-assignment': a.id }, h('td', {}, fmt.time(a.start)), h('td', {}, a.session_title, h('br', {}), h('small', {}, a.class_name)),
        h('td', {}, a.remote ? `${a.city}（${t('remote')}）` : a.city), h('td', {}, I18N[lang].states[a.state], a.decline_reason ? `：${a.decline_reason}` : ''),
        h('td', {}, a.state === 'proposed' ? button(t('accept'), async () => { await api('POST', `/api/v1/me/assignments/${a.id}/accept`); render(); }, { class: 'accept' }) : null, ' ',
          // A session under way or held can no longer be declined (the API says so too).
          a.state !== 'declined' && new Date(a.start) > Date.now() ? button(t('decline'), (e) => declineForm(e.target.closest('tr'), a), { class: 'decline' }) : null)))),
    await feedPanel());
}

function declineForm(row, a) {
  const reason = input('reason', '', { required: true, maxlength: 500 });
  row.after(h('tr', {}, h('td', { colspan: 5 }, h('form', { class: 'inline', id: 'decline-form', onsubmit: guard(async (e) => {
    e.preventDefault();
    await api('POST', `/api/v1/me/assignments/${a.id}/decline`, { reason: reason.value });
    render();
  }) }, field(t('reason'), reason), h('button', { type: 'submit' }, t('decline'))))));
}

/** A text to copy: shown whole in a read-only field, with a button that copies it. */
function copyable(text) {
  const field = h('input', { readonly: true, value: text, class: 'copy-text', size: Math.min(80, text.length) });
  const said = h('span', { role: 'status', class: 'copy-status' });
  return h('span', { class: 'copyable' }, field, ' ', button(t('copy'), async () => {
    try {
      await navigator.clipboard.writeText(text);
      said.textContent = t('copied');
    } catch {
      // Without clipboard access (an insecure origin, a denied permission) the text is selected to copy by hand.
      field.select();
      said.textContent = t('copyByHand');
    }
  }, { id: 'feed-copy' }), ' ', said);
}

async function feedPanel() {
  const out = h('p', { id: 'feed-url' });
  return h('div', { class: 'panel' }, h('h2', {}, t('feed')),
    button(t('feedMake'), async () => { const feed = await api('POST', '/api/v1/me/calendar-feed'); out.replaceChildren(t('feedHint'), ' ', copyable(`${location.origin}${feed.path}`)); }, { id: 'feed-make' }), ' ',
    button(t('feedRevoke'), async () => { await api('DELETE', '/api/v1/me/calendar-feed'); out.replaceChildren(t('saved')); }, { id: 'feed-revoke' }), out);
}

/** The instructor's own blocked time on a calendar, added and removed. */
export async function blocksPage() {
  const [blocks, mine] = await Promise.all([api('GET', '/api/v1/me/unavailability'), api('GET', '/api/v1/me/assignments')]);
  const form = blockForm('/api/v1/me/unavailability');
  return h('section', {}, h('h1', {}, t('myBlocks')), calendar(blocks, mine, { pick: form.pick }), form,
    h('ul', { class: 'blocks', id: 'my-blocks' }, blocks.map((b) => h('li', {}, `${fmt.time(b.start)} – ${fmt.time(b.end)} ${b.note}`, ' ',
      button(t('remove'), async () => { await api('DELETE', `/api/v1/me/unavailability/${b.id}`); render(); })))));
}
