// Bulk changes as jobs: bulkAdjustPoints (e.g. 500 points to everyone in a tier) with its
// progress (job(id)), and where the import of an existing program stands.

import { field, gql, guarded, h, idempotencyKey, input, intValue, notice, points, section, select, table, value } from '../ui.js';

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
    section('Import an existing program', h('p', {}, 'Members and balances from another program are imported with ',
      h('code', {}, 'loyalty import FILE --dry-run'), ' then ', h('code', {}, 'loyalty import FILE'),
      ' (CSV or NDJSON; docs/program.md). The validation report lists each bad row with its field and reason; nothing is applied while a row is bad.')));
}
