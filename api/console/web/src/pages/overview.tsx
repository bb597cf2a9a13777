// Overview: points issued, redeemed and expired per day (a chart and its table), the liability
// in money, members per tier, top members, points per rule and per campaign, for a date range.

import { gql } from '../api';
import { DayChart } from '../chart';
import { useFormats } from '../format';
import { graphql } from '../gql';
import { Failed, Figures, Loading, Section, Table, go, useLoad } from '../ui';

const OVERVIEW = graphql(`query Overview($from: Date, $to: Date) {
  programTotals { members balance earned redeemed expired held pending }
  analytics(from: $from, to: $to) {
    from to
    pointsIssuedPerDay { day issued redeemed expired netChange }
    pointsPerRule { ruleId title awards issued reversed }
    pointsPerCampaign { campaignId title awards issued reversed }
    membersPerTier { tierId tierName requiredPoints members }
    topMembers(first: 10) { memberId balance earned }
    liability { pointsOutstanding pointValue amount currency }
  } }`);

export function Overview({ arg }: { arg: string }) {
  const f = useFormats();
  const [from, to] = (arg || '').split('..');
  const { data, error } = useLoad(() => gql(OVERVIEW, { from: from || null, to: to || null }), arg);
  if (error) return <Failed error={error} />;
  if (!data) return <Loading />;
  const a = data.analytics;
  const t = data.programTotals;
  const days = a.pointsIssuedPerDay;
  const sum = (k: 'issued' | 'redeemed' | 'expired') => days.reduce((s, d) => s + Number(d[k]), 0);
  const moved = days.filter((d) => d.issued || d.redeemed || d.expired);
  const range = (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const v = (n: string) => (form.elements.namedItem(n) as HTMLInputElement).value;
    go(`#/overview/${v('from')}..${v('to')}`);
  };
  return (
    <div>
      <Section title="Program">
        <Figures id="totals" items={[['Members', f.points(t.members)], ['Points outstanding', f.points(t.balance)],
          ['Earned', f.points(t.earned)], ['Redeemed', f.points(t.redeemed)], ['Expired', f.points(t.expired)],
          ['Held', f.points(t.held)], ['Not yet on chain', f.points(t.pending)]]} />
        <p id="liability">Liability: <b>{f.money(a.liability.amount, a.liability.currency)}</b>{' '}
          <span class="muted">({f.points(a.liability.pointsOutstanding)} points at {f.money(a.liability.pointValue, a.liability.currency)} each)</span></p>
      </Section>
      <Section title={`From ${f.day(a.from)} to ${f.day(a.to)}`}>
        <form class="edit" id="range" onSubmit={range} aria-label="Date range">
          <label><span>From</span><input name="from" type="date" defaultValue={a.from} /></label>
          <label><span>To</span><input name="to" type="date" defaultValue={a.to} /></label>
          <div class="actions"><button type="submit">Show</button></div>
        </form>
        <Figures items={[['Issued', f.points(sum('issued'))], ['Redeemed', f.points(sum('redeemed'))], ['Expired', f.points(sum('expired'))]]} />
        <h3>Points per day</h3>
        {moved.length ? (
          <DayChart formats={f} label="Points issued, redeemed and expired per day" days={days.map((d) => d.day)} series={[
            { label: 'Issued', color: '#2361d8', values: days.map((d) => Number(d.issued)) },
            { label: 'Redeemed', color: '#b35c00', values: days.map((d) => Number(d.redeemed)) },
            { label: 'Expired', color: '#6b7385', values: days.map((d) => Number(d.expired)) },
          ]} />
        ) : null}
        {moved.length ? (
          <details id="per-day">
            <summary>The figures per day ({f.points(moved.length)} days with points moving)</summary>
            <Table label="Points per day" rows={moved} empty="No points moved in this range." columns={[
          { head: 'Day', cell: (d) => f.day(d.day) }, { head: 'Issued', cell: (d) => f.points(d.issued), num: true },
          { head: 'Redeemed', cell: (d) => f.points(d.redeemed), num: true }, { head: 'Expired', cell: (d) => f.points(d.expired), num: true },
          { head: 'Net', cell: (d) => f.points(d.netChange), num: true }]} />
          </details>
        ) : <p class="muted empty">No points moved in this range.</p>}
      </Section>
      <div class="row">
        <Section title="Members per tier">
          <Table label="Members per tier" rows={a.membersPerTier} columns={[{ head: 'Tier', cell: (r) => r.tierName || 'Base' },
            { head: 'From', cell: (r) => f.points(r.requiredPoints), num: true }, { head: 'Members', cell: (r) => f.points(r.members), num: true }]} />
        </Section>
        <Section title="Top members">
          <Table label="Top members" rows={a.topMembers} empty="No members yet." columns={[
            { head: 'Member', cell: (r) => <a href={`#/members/${encodeURIComponent(r.memberId)}`}>{r.memberId}</a> },
            { head: 'Balance', cell: (r) => f.points(r.balance), num: true }, { head: 'Earned', cell: (r) => f.points(r.earned), num: true }]} />
        </Section>
      </div>
      <div class="row">
        <Section title="Points per rule">
          <Table label="Points per rule" rows={a.pointsPerRule} empty="No rule awarded anything in this range." columns={[
            { head: 'Rule', cell: (r) => r.title || r.ruleId }, { head: 'Awards', cell: (r) => f.points(r.awards), num: true },
            { head: 'Issued', cell: (r) => f.points(r.issued), num: true }, { head: 'Reversed', cell: (r) => f.points(r.reversed), num: true }]} />
        </Section>
        <Section title="Points per campaign">
          <Table label="Points per campaign" rows={a.pointsPerCampaign} empty="No campaign awarded anything in this range." columns={[
            { head: 'Campaign', cell: (r) => r.title || r.campaignId }, { head: 'Awards', cell: (r) => f.points(r.awards), num: true },
            { head: 'Issued', cell: (r) => f.points(r.issued), num: true }, { head: 'Reversed', cell: (r) => f.points(r.reversed), num: true }]} />
        </Section>
      </div>
    </div>
  );
}
