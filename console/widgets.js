// Small form pieces shared by the pages, and showing a problem the API
// answered.

import { h } from './dom.js';
import { I18N, lang, t } from './i18n.js';
import { render } from './refresh.js';

/** A labelled form control (a chooser of several controls is a group, not a label). */
export function field(label, input) { return h(input.picked ? 'div' : 'label', { class: 'field' }, h('span', {}, label), input); }

/** A text input named `name` holding `value`. */
export function input(name, value, attrs = {}) {
  return h('input', { name, value: value ?? '', ...attrs });
}

/** A drop-down of `[value, label]` options. */
export function select(name, options, value) {
  return h('select', { name }, options.map(([v, label]) => h('option', { value: v, selected: String(v) === String(value ?? '') }, label)));
}

/** A button whose action's problem is shown, not thrown. */
export function button(label, onclick, attrs = {}) {
  return h('button', { type: 'button', onclick: guard(onclick), ...attrs }, label);
}

/** Runs an action, showing its problem (with field errors) instead of failing silently. */
export function guard(action) {
  return async (event) => {
    try { await action(event); } catch (err) { showProblem(err, event?.target); }
  };
}

/** The label of the control named `name` (or its last part) in `form`, if any. */
function labelOf(form, name) {
  const control = form?.querySelector(`[name="${CSS.escape(name)}"], [name="${CSS.escape(name.split('.').pop())}"]`);
  if (control) control.setAttribute('aria-invalid', 'true');
  return control?.closest('label')?.querySelector('span')?.textContent;
}

/**
 * Shows a problem the API answered next to what caused it (`near`: the
 * form, row or panel of the action), else above the page: in Chinese by
 * its `type` and each field error's `rule` (the API's English in English
 * mode, and as the tooltip), each field by its label where the form has one.
 */
export function showProblem(err, near) {
  const body = err.body || {};
  const slug = (body.type || '').split('/').pop();
  const anchor = near?.closest?.('form, td, li, .panel, .dialog');
  let where = anchor ? [...anchor.children].find((c) => c.classList.contains('problem')) : document.getElementById('problem');
  if (!where) {
    where = h('div', { class: 'problem', id: anchor ? null : 'problem' });
    if (anchor) anchor.append(where); else document.getElementById('main').prepend(where);
  }
  const conflict = err.status === 412 || slug === 'version-conflict';
  const english = (body.title ? `${body.title}: ` : '') + (body.detail || err.message);
  const said = I18N[lang].problems[slug];
  const form = anchor?.closest('form') || anchor?.querySelector('form');
  where.replaceChildren(h('div', { class: 'error', role: 'alert', title: english, 'data-type': slug || null },
    conflict ? [t('conflict'), ' ', button(t('reload'), () => render())] : said || english,
    (body.errors || []).length ? h('ul', {}, body.errors.map((e) => {
      const rule = I18N[lang].fieldRules[e.rule];
      // A sheet's rows name their cell first ("A2 班次名称: …"), not a form's field.
      const name = (/^rows\[\d+\]/.test(e.field) && e.detail.split(': ')[0]) || labelOf(form, e.field) || e.field;
      return h('li', { 'data-field': e.field, 'data-rule': e.rule, title: `${e.field}: ${e.detail} (${e.rule})` },
        rule ? `${name}：${rule}` : `${name}：${e.detail}`);
    })) : null));
  where.scrollIntoView({ block: 'nearest' });
}

/** Removes the problems shown. */
export function clearProblem() { document.querySelectorAll('.problem').forEach((p) => p.replaceChildren()); }

/** A small button marked with `data-action`. */
export function mini(label, onclick, action) { return button(label, onclick, { class: 'mini', 'data-action': action }); }
