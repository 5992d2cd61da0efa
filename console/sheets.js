// Sending an office sheet (CSV or XLSX) to an import, checked first if asked.

import { api } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';
import { render, say } from './refresh.js';
import { field, guard } from './widgets.js';

/** An office's sheet sent to `path`: checked only (a dry run, ticked by default) or imported; `summarize` words the report. */
export function sheetForm(id, path, summarize) {
  const file = h('input', { type: 'file', name: 'sheet', accept: '.csv,.xlsx,text/csv', required: true });
  const dry = h('input', { type: 'checkbox', name: 'dry_run', checked: true });
  const out = h('div', { id: `${id}-report`, role: 'status' });
  return [h('form', { class: 'inline', id: `${id}-form`, onsubmit: guard(async (e) => {
    e.preventDefault();
    const report = await api('POST', `${path}?dry_run=${dry.checked}`, file.files[0], { raw: true });
    const summary = [summarize(report),
      report.ignored_columns.length ? t('ignoredColumns', report.ignored_columns.join('、')) : ''].join(' ');
    if (report.dry_run) out.replaceChildren(`${t('dryRun')}：${summary}`);
    else { say(`${t('saved')} ${summary}`); render(); }
  }) }, field(t('importSheet'), file), field(t('dryRun'), dry), h('button', { type: 'submit' }, t('importSheet'))), out];
}
