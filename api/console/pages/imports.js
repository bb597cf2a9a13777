// Bulk changes as jobs: bulkAdjustPoints (e.g. 500 points to everyone in a tier) with its
// progress (job(id)), and where the import of an existing program stands.

import { download, field, gql, guarded, h, idempotencyKey, input, intValue, notice, points, section, select, storedKey, table, value } from '../ui.js';

async function jobView(id) {
  const job = (await gql(`query($id: ID!) { job(id: $id) { id kind state total processed errors message
    errorItems(first: 20) { row memberId reason } } }`, { id })).job;
  const box = h('div', { id: 'job', 'data-state': job.state },
    h('p', {}, `Job ${job.id} (${job.kind}): `, h('b', {}, job.state), ` · ${points(job.processed)} of ${points(job.total)} done · ${points(job.errors)} skipped`),
    h('progress', { max: Math.max(1, Number(job.total)), value: Number(job.processed) }),
    job.message ? h('p', { class: 'muted' }, job.message) : null,
    table([['Row', (e) => e.row], ['Member', (e) => e.memberId], ['Why', (e) => e.reason]], job.errorItems, ''));
  if (job.state === 'PENDING' || job.state === 'RUNNING') {
    setTimeout(() => { if (location.hash === '#/imports/' + id) window.dispatchEvent(new HashChangeEvent('hashchange')); }, 1000);
  }
  return box;
}

// POST /import (api/imports.py): the file is validated whole first; a refused row means nothing
// is imported, and the report lists every bad row (row, field, reason) with the error file.
function uploadForm() {
  const out = h('div', { id: 'import-result' });
  const form = h('form', { class: 'edit write', id: 'import-form' },
    field('CSV or NDJSON file (externalId, email, walletAddress, balance, earned, tier, lastActivity)',
      h('input', { type: 'file', name: 'file', accept: '.csv,.ndjson,.jsonl,text/csv', required: true }), true),
    field('Only check it (dry run)', h('input', { type: 'checkbox', name: 'dryRun', checked: true })),
    h('button', { class: 'primary', type: 'submit' }, 'Upload'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const file = form.elements.file.files[0];
    if (!file) return;
    const body = new FormData();
    body.append('file', file, file.name);
    out.replaceChildren(h('p', { class: 'muted' }, `Checking ${file.name}…`));
    const reply = await fetch(`/import?dryRun=${value(form, 'dryRun') ? 'true' : 'false'}`, {
      method: 'POST', headers: { Authorization: 'Bearer ' + storedKey() }, body });
    let answer = {};
    try { answer = await reply.json(); } catch (err) { /* not JSON */ }
    if (answer.error) {
      out.replaceChildren(h('p', { class: 'error' }, `${answer.error.code}: ${answer.error.message}`));
      return;
    }
    const r = answer.report;
    const errors = answer.errorItems || [];
    // Through h(): replaceChildren itself would write a skipped (null) part as the text "null".
    out.replaceChildren(h('div', {},
      r ? h('p', { id: 'import-report' }, `${points(r.rows)} rows, ${points(r.valid)} valid, ${points(r.errors)} refused · ${points(r.balance)} points · ${points(r.wallets)} wallets`) : null,
      errors.length ? h('p', { class: 'error' }, 'Nothing was imported: fix these rows and upload again.') : null,
      table([['Row', (x) => x.row, 'num'], ['Field', (x) => x.field], ['Reason', (x) => x.reason]], errors, ''),
      answer.errorsUrl ? h('button', { type: 'button', onclick: () => download(answer.errorsUrl, 'import-errors.csv').catch((err) => notice(err.message)) }, 'Download the error file') : null,
      answer.job && !errors.length ? h('p', {}, h('a', { href: `#/imports/${answer.job.id}`, id: 'import-job' }, `Job ${answer.job.id}: ${answer.job.state} →`)) : null,
      !answer.job && r && !r.errors ? h('p', { class: 'ok' }, 'The file is valid. Untick “dry run” to import it.') : null));
  });
  return h('div', {}, form, out);
}

export async function render({ arg }) {
  const tiers = (await gql('{ tiers { id name } }')).tiers;
  const form = h('form', { class: 'edit write', id: 'bulk-form' },
    h('h3', { class: 'wide' }, 'Give or take points from many members'),
    field('Points (+ or −)', input('amount', '', { type: 'number', required: true })),
    field('Reason', input('reason', '', { required: true, maxlength: 100 })),
    field('Members in tier', select('tierId', [['', 'every member'], ...tiers.map((t) => [t.id, t.name])], '')),
    field('or these member ids (comma separated)', input('memberIds', ''), true),
    h('button', { class: 'primary', type: 'submit' }, 'Start'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const ids = (value(form, 'memberIds') || '').split(',').map((s) => s.trim()).filter(Boolean);
    const inputValue = { idempotencyKey: idempotencyKey('console-bulk'), amount: intValue(form, 'amount'), reason: value(form, 'reason') };
    if (ids.length) inputValue.memberIds = ids; else inputValue.filter = { tierId: value(form, 'tierId') };
    const job = await guarded(form, () => gql('mutation($i: BulkAdjustPointsInput!) { bulkAdjustPoints(input: $i) { id } }', { i: inputValue }));
    if (job) { notice('Job started.'); location.hash = '#/imports/' + job.bulkAdjustPoints.id; }
  });
  return h('div', {},
    arg ? section('Job', await jobView(arg)) : null,
    section('Bulk adjust', form, h('p', { class: 'muted' }, 'Each member is adjusted once, even if the job is retried or the service restarts; the points are minted in batches.')),
    section('Import an existing program', uploadForm()));
}
