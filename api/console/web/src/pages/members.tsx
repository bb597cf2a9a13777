// Members: search and list (by tier, balance, last activity). A member's own page is
// pages/member.tsx.

import { gql } from '../api';
import { useFormats } from '../format';
import { graphql } from '../gql';
import { Failed, Input, Loading, Section, Select, Table, go, useLoad } from '../ui';
import { Member } from './member';

const LIST = graphql(`query Members($f: AccountFilter, $o: AccountOrder, $after: String) {
  accounts(filter: $f, orderBy: $o, first: 50, after: $after) {
    edges { node { memberId lastActivityDate points { balance earned } tier { name } } }
    pageInfo { hasNextPage endCursor } }
  tiers { id name } }`);

function nextDay(day: string): string {
  const t = Date.parse(day + 'T00:00:00Z');
  return Number.isNaN(t) ? day : new Date(t + 86_400_000).toISOString().slice(0, 10);
}

function MemberList({ arg }: { arg: string }) {
  const f = useFormats();
  const p = Object.fromEntries(new URLSearchParams(arg.replace(/^\?/, '')).entries());
  const filter = {
    search: p.search || null, tierId: p.tierId || null,
    minBalance: p.minBalance ? Number(p.minBalance) : null, maxBalance: p.maxBalance ? Number(p.maxBalance) : null,
    // Days on the program's clock: from the start of the first to the start of the day after the last.
    lastActivityFrom: p.activeFrom ? f.startOfDay(p.activeFrom) : null,
    lastActivityTo: p.activeTo ? f.startOfDay(nextDay(p.activeTo)) : null,
  };
  const orderBy = { field: (p.orderBy || 'BALANCE') as never, direction: (p.direction || 'DESC') as never };
  const { data, error } = useLoad(() => gql(LIST, { f: filter, o: orderBy, after: p.after || null }), arg);
  if (error) return <Failed error={error} />;
  if (!data) return <Loading />;
  const search = (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const q = new URLSearchParams();
    for (const name of ['search', 'tierId', 'minBalance', 'maxBalance', 'activeFrom', 'activeTo', 'orderBy']) {
      const v = (form.elements.namedItem(name) as HTMLInputElement).value.trim();
      if (v) q.set(name, v);
    }
    go('#/members/?' + q.toString());
  };
  const page = data.accounts;
  const next = new URLSearchParams(p);
  next.set('after', page.pageInfo.endCursor || '');
  return (
    <Section title="Members">
      <form class="edit" id="member-search" onSubmit={search} aria-label="Find members">
        <Input label="Search (id, e-mail or address prefix)" name="search" value={p.search} type="search" />
        <Select label="Tier" name="tierId" value={p.tierId} options={[['', 'Any'], ...data.tiers.map((t): [string, string] => [t.id, t.name])]} />
        <Input label="Balance from" name="minBalance" value={p.minBalance} type="number" />
        <Input label="Balance to" name="maxBalance" value={p.maxBalance} type="number" />
        <Input label="Active from (day)" name="activeFrom" value={p.activeFrom} type="date" />
        <Input label="Active until (day)" name="activeTo" value={p.activeTo} type="date" />
        <Select label="Order by" name="orderBy" value={orderBy.field} options={[['BALANCE', 'balance'], ['EARNED', 'earned'], ['LAST_ACTIVITY', 'last activity'], ['CREATED', 'joined']]} />
        <div class="actions"><button type="submit">Search</button></div>
      </form>
      <Table label="Members" rows={page.edges.map((e) => e.node)} empty="No member matches." columns={[
        { head: 'Member', cell: (a) => <a href={`#/members/${encodeURIComponent(a.memberId)}`}>{a.memberId}</a> },
        { head: 'Tier', cell: (a) => (a.tier ? a.tier.name : 'Base') },
        { head: 'Balance', cell: (a) => f.points(a.points.balance), num: true },
        { head: 'Earned', cell: (a) => f.points(a.points.earned), num: true },
        { head: 'Last activity', cell: (a) => f.when(a.lastActivityDate) }]} />
      {page.pageInfo.hasNextPage ? <p><a id="next-page" href={'#/members/?' + next.toString()}>Next page →</a></p> : null}
    </Section>
  );
}

export function Members({ arg }: { arg: string }) {
  if (arg && !arg.startsWith('?')) return <Member memberId={arg} />;
  return <MemberList arg={arg || ''} />;
}
