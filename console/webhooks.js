// Webhook endpoints and their deliveries.

import { api } from './api.js';
import { h } from './dom.js';
import { fmt } from './format.js';
import { I18N, lang, t } from './i18n.js';
import { render, say } from './refresh.js';
import { button, field, guard, input, select } from './widgets.js';

/** The signing secret of an answer that shows one, as the next page's notice. */
function showSecret(endpoint) {
  say([t('secretHint'), ' ', h('code', { id: 'secret' }, endpoint.secret)]);
}

/** An endpoint's URL, description and events; `send` gets the input. */
function endpointForm(types, endpoint, send) {
  const url = input('url', endpoint?.url, { type: 'url', required: true, maxlength: 2000, size: 48 });
  const description = input('description', endpoint?.description, { maxlength: 200 });
  const boxes = types.map((x) => h('input', { type: 'checkbox', name: x.code, checked: endpoint ? endpoint.event_types.includes(x.code) : true }));
  return h('form', { class: 'inline', id: 'endpoint-form', onsubmit: guard(async (e) => {
    e.preventDefault();
    const chosen = types.filter((_, k) => boxes[k].checked).map((x) => x.code);
    await send({ url: url.value, description: description.value, event_types: chosen, enabled: endpoint ? endpoint.enabled : true });
  }) }, field(t('url'), url), field(t('description'), description),
  h('fieldset', {}, h('legend', {}, t('eventTypes')), types.map((x, k) => h('label', { class: 'check' }, boxes[k], ' ', eventName(types, x.code)))),
  h('button', { type: 'submit' }, endpoint ? t('save') : t('create')));
}

/** An event type's name in Chinese (the API's), its code in English. */
const eventName = (types, code) => (code === 'webhook.ping' ? t('pingEvent') : (lang === 'zh' && types.find((x) => x.code === code)?.name) || code);

/** An endpoint's state: enabled, or disabled and why; failing since when; the old secret's last day. */
function endpointState(e) {
  return [e.enabled ? t('enabled') : `${t('inactive')}（${t(e.disabled_by === 'admin' ? 'byAdmin' : 'autoDisabled')}）`,
    e.failing_since ? [h('br', {}), h('small', { class: 'error' }, t('failingSince', fmt.time(e.failing_since)))] : null,
    e.previous_secret_until ? [h('br', {}), h('small', {}, t('previousUntil', fmt.time(e.previous_secret_until)))] : null];
}

/** The endpoint's input as it stands, with `enabled` set. */
const endpointInput = (e, enabled) => ({ url: e.url, description: e.description, event_types: e.event_types, enabled });

/** The webhook endpoints: each one's state, and a new one. */
export async function webhooksPage() {
  const [endpoints, types] = await Promise.all([api('GET', '/api/v1/webhooks'), api('GET', '/api/v1/webhook-event-types')]);
  return h('section', {}, h('h1', {}, t('webhooks')),
    h('table', { class: 'list', id: 'webhooks' }, h('tr', {}, [t('url'), t('eventTypes'), t('state'), ''].map((v) => h('th', {}, v))),
      endpoints.map((e) => h('tr', { 'data-endpoint': e.id },
        h('td', {}, h('a', { href: `#/webhooks/${encodeURIComponent(e.id)}`, translate: 'no', class: 'address' }, e.url), e.description ? [h('br', {}), h('small', {}, e.description)] : null),
        h('td', {}, e.event_types.map((c) => eventName(types, c)).join('、')), h('td', {}, endpointState(e)),
        h('td', {}, button(t('ping'), async () => { await api('POST', `/api/v1/webhooks/${e.id}/ping`); say(t('pinged')); render(); }, { class: 'ping', disabled: !e.enabled }), ' ',
          button(e.enabled ? t('disable') : t('enable'), async () => { await api('PUT', `/api/v1/webhooks/${e.id}`, endpointInput(e, !e.enabled)); render(); }, { class: 'toggle' }), ' ',
          button(t('rotate'), async () => {
            const hours = prompt(t('rotateHours'), '24');
            if (hours !== null) { showSecret(await api('POST', `/api/v1/webhooks/${e.id}/secret?overlap_hours=${encodeURIComponent(hours.trim() || '24')}`)); render(); }
          }, { class: 'rotate' }), ' ',
          button(t('remove'), async () => { if (confirm(t('confirmRemove'))) { await api('DELETE', `/api/v1/webhooks/${e.id}`); render(); } }, { class: 'remove' }))))),
    h('h2', {}, t('create')),
    endpointForm(types, null, async (body) => { showSecret(await api('POST', '/api/v1/webhooks', body)); render(); }));
}

/** The state the deliveries page lists ('' for all). */
let deliveryState = '';

/** An endpoint's deliveries, filtered by state, redelivered by hand. */
export async function deliveriesPage(id) {
  const enc = encodeURIComponent(id);
  const query = new URLSearchParams({ limit: '100', ...(deliveryState ? { state: deliveryState } : {}) });
  const [endpoint, types, deliveries] = await Promise.all([api('GET', `/api/v1/webhooks/${enc}`), api('GET', '/api/v1/webhook-event-types'),
    api('GET', `/api/v1/webhooks/${enc}/deliveries?${query}`)]);
  const filter = select('state', [['', t('all')], ...Object.entries(I18N[lang].deliveryStates)], deliveryState);
  filter.addEventListener('change', () => { deliveryState = filter.value; render(); });
  const last = (d) => {
    const a = d.log[d.log.length - 1];
    return a ? [a.status ?? '—', a.error ? ` ${a.error}` : '', ` · ${a.duration_ms} ms`] : '';
  };
  return h('section', {}, h('h1', {}, `${t('webhooks')}：`, h('span', { translate: 'no', class: 'address' }, endpoint.url), ' ', h('small', {}, h('a', { href: '#/webhooks' }, t('webhooks')))),
    h('p', {}, endpointState(endpoint)),
    endpointForm(types, endpoint, async (body) => { await api('PUT', `/api/v1/webhooks/${enc}`, body); say(t('saved')); render(); }),
    h('h2', {}, t('deliveries'), ' ', filter),
    deliveries.length === 0 ? h('p', {}, t('noDeliveries')) : h('div', { class: 'table-scroll' }, h('table', { class: 'list', id: 'deliveries' },
      h('tr', {}, [t('createdAt'), t('eventTypes'), t('state'), t('attempts'), t('lastAttempt'), t('finishedAt'), ''].map((v) => h('th', {}, v))),
      deliveries.map((d) => h('tr', { 'data-delivery': d.id, 'data-state': d.state }, h('td', {}, fmt.time(d.created_at)),
        h('td', {}, eventName(types, d.event_type), h('br', {}), h('small', { translate: 'no' }, d.event)),
        h('td', {}, I18N[lang].deliveryStates[d.state] || d.state, d.next_attempt_at ? [h('br', {}), h('small', {}, fmt.time(d.next_attempt_at))] : null),
        h('td', { class: 'num' }, d.attempts), h('td', {}, last(d)), h('td', {}, fmt.time(d.finished_at)),
        h('td', {}, ['succeeded', 'failed'].includes(d.state) ? button(t('redeliver'), async () => { await api('POST', `/api/v1/webhooks/${enc}/deliveries/${d.id}/redeliver`); render(); }, { class: 'redeliver', disabled: !endpoint.enabled }) : null))))));
}
