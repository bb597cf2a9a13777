// Transactions: the program's whole ledger, filterable (member, types, dates, order), each entry
// with its chain status; exported as CSV or NDJSON with the same filters (GET /export/…).

import { download, field, gql, h, input, notice, points, section, table, value, when } from '../ui.js';

const TYPES = ['EARN', 'ADJUST', 'REDEEM', 'REFUND', 'REVERSE', 'EXPIRE', 'TRANSFER_OUT', 'TRANSFER_IN', 'IMPORT'];

export async function render({ arg }) {
  const p = Object.fromEntries(new URLSearchParams((arg || '').replace(/^\?/, '')).entries());
  const types = p.types ? p.types.split(',') : [];
  const filter = { memberId: p.memberId || null, orderId: p.orderId || null, types: types.length ? types : null,
    from: p.from || null, to: p.to || null };
  const data = await gql(`query($f: TransactionFilter, $after: String) {
    transactions(filter: $f, first: 50, after: $after) {
      edges { node { id transactionType amount balanceAfter description createdDate memberId orderId
        chain { state final txHash batchId } } }
      pageInfo { hasNextPage endCursor } } }`, { f: filter, after: p.after || null });
  const form = h('form', { class: 'edit', id: 'transactions-filter' },
    field('Member', input('memberId', p.memberId)),
    field('Order', input('orderId', p.orderId)),
    field('From (ISO)', input('from', p.from)),
    field('To (ISO)', input('to', p.to)),
    h('fieldset', { class: 'wide' }, h('legend', {}, 'Types (none: all)'),
      TYPES.map((t) => h('label', {}, h('input', { type: 'checkbox', name: 'type-' + t, checked: types.includes(t) }), t))),
    h('button', { type: 'submit' }, 'Filter'),
    h('button', { type: 'button', id: 'export-csv', onclick: () => exportAs('csv') }, 'Export CSV'),
    h('button', { type: 'button', onclick: () => exportAs('ndjson') }, 'Export NDJSON'));
  function chosen() {
    const q = new URLSearchParams();
    for (const name of ['memberId', 'orderId', 'from', 'to']) { const v = value(form, name); if (v !== null) q.set(name, v); }
    return { q, types: TYPES.filter((t) => value(form, 'type-' + t)) };
  }
  async function exportAs(format) {
    const { q, types: ts } = chosen();
    for (const t of ts) q.append('types', t);
    try {
      const size = await download(`/export/transactions.${format}?${q.toString()}`, `transactions.${format}`);
      notice(`Exported ${size.toLocaleString('en-US')} bytes.`);
    } catch (e) { notice(`${e.code}: ${e.message}`); }
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const { q, types: ts } = chosen();
    if (ts.length) q.set('types', ts.join(','));
    location.hash = '#/transactions/?' + q.toString();
  });
  const page = data.transactions;
  const next = new URLSearchParams(p);
  next.set('after', page.pageInfo.endCursor || '');
  return section('Transactions', form,
    table([['When', (t) => when(t.createdDate)], ['Member', (t) => h('a', { href: `#/members/${encodeURIComponent(t.memberId)}` }, t.memberId)],
      ['Type', (t) => t.transactionType], ['Points', (t) => points(t.amount), 'num'], ['Balance after', (t) => points(t.balanceAfter), 'num'],
      ['Order', (t) => t.orderId], ['Description', (t) => t.description],
      ['Chain', (t) => (t.chain ? `${t.chain.final ? 'final' : t.chain.state.toLowerCase()}${t.chain.txHash ? ' · ' + t.chain.txHash.slice(0, 12) + '…' : ''}` : 'none needed')]],
    page.edges.map((e) => e.node), 'No transaction matches.'),
    page.pageInfo.hasNextPage ? h('p', {}, h('a', { href: '#/transactions/?' + next.toString() }, 'Next page →')) : null);
}
