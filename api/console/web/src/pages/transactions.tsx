// Transactions: the program's whole ledger, filterable (member, types, dates, order), each entry
// with its chain status; exported as CSV or NDJSON with the same filters (GET /export/…).

import { useRef } from 'preact/hooks';
import { download, gql } from '../api';
import { useFormats } from '../format';
import { graphql } from '../gql';
import { Check, Failed, Input, Loading, Section, Table, errorText, go, useLoad, useShell } from '../ui';
import { ChainStatus } from './member';

const TRANSACTIONS = graphql(`query Transactions($f: TransactionFilter, $after: String) {
  transactions(filter: $f, first: 50, after: $after) {
    edges { node { id transactionType amount balanceAfter description createdDate memberId orderId
      chain { state final txHash blockNumber } } }
    pageInfo { hasNextPage endCursor } } }`);
const TYPES = ['EARN', 'ADJUST', 'REDEEM', 'REFUND', 'REVERSE', 'EXPIRE', 'TRANSFER_OUT', 'TRANSFER_IN', 'IMPORT'];

export function Transactions({ arg }: { arg: string }) {
  const f = useFormats();
  const shell = useShell();
  const form = useRef<HTMLFormElement>(null);
  const p = Object.fromEntries(new URLSearchParams((arg || '').replace(/^\?/, '')).entries());
  const types = p.types ? p.types.split(',') : [];
  const filter = { memberId: p.memberId || null, orderId: p.orderId || null, types: types.length ? (types as never) : null, from: p.from || null, to: p.to || null };
  const { data, error } = useLoad(() => gql(TRANSACTIONS, { f: filter, after: p.after || null }), arg);
  if (error) return <Failed error={error} />;
  if (!data) return <Loading />;
  const chosen = () => {
    const el = form.current as HTMLFormElement;
    const q = new URLSearchParams();
    for (const name of ['memberId', 'orderId', 'from', 'to']) {
      const v = (el.elements.namedItem(name) as HTMLInputElement).value.trim();
      if (v) q.set(name, v);
    }
    return { q, ts: TYPES.filter((t) => (el.elements.namedItem('type-' + t) as HTMLInputElement).checked) };
  };
  const exportAs = async (format: string) => {
    const { q, ts } = chosen();
    for (const t of ts) q.append('types', t);
    try {
      const size = await download(`/export/transactions.${format}?${q.toString()}`, `transactions.${format}`);
      shell.notice(`Exported ${f.points(size)} bytes.`);
    } catch (e) { shell.notice(errorText(e)); }
  };
  const submit = (e: Event) => {
    e.preventDefault();
    const { q, ts } = chosen();
    if (ts.length) q.set('types', ts.join(','));
    go('#/transactions/?' + q.toString());
  };
  const page = data.transactions;
  const next = new URLSearchParams(p);
  next.set('after', page.pageInfo.endCursor || '');
  return (
    <Section title="Transactions">
      <form class="edit" id="transactions-filter" ref={form} onSubmit={submit} aria-label="Filter transactions">
        <Input label="Member" name="memberId" value={p.memberId} />
        <Input label="Order" name="orderId" value={p.orderId} />
        <Input label="From (ISO 8601)" name="from" value={p.from} placeholder="2026-12-01T00:00:00Z" />
        <Input label="To (ISO 8601)" name="to" value={p.to} />
        <fieldset class="wide types"><legend>Types (none: all)</legend>
          {TYPES.map((t) => <Check key={t} name={'type-' + t} label={t} checked={types.includes(t)} />)}
        </fieldset>
        <div class="wide actions">
          <button type="submit" class="primary">Filter</button>{' '}
          <button type="button" id="export-csv" onClick={() => exportAs('csv')}>Export CSV</button>{' '}
          <button type="button" onClick={() => exportAs('ndjson')}>Export NDJSON</button>
        </div>
      </form>
      <Table label="Transactions" rows={page.edges.map((e) => e.node)} empty="No transaction matches." columns={[
        { head: 'When', cell: (t) => f.when(t.createdDate) },
        { head: 'Member', cell: (t) => <a href={`#/members/${encodeURIComponent(t.memberId)}`}>{t.memberId}</a> },
        { head: 'Type', cell: (t) => t.transactionType }, { head: 'Points', cell: (t) => f.points(t.amount), num: true },
        { head: 'Balance after', cell: (t) => f.points(t.balanceAfter), num: true }, { head: 'Order', cell: (t) => t.orderId },
        { head: 'Description', cell: (t) => t.description }, { head: 'Chain', cell: (t) => <ChainStatus chain={t.chain} /> }]} />
      {page.pageInfo.hasNextPage ? <p><a href={'#/transactions/?' + next.toString()}>Next page →</a></p> : null}
    </Section>
  );
}
