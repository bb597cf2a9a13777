// Overview: points issued, redeemed and expired per day, the liability in money, members per
// tier, top members, points per rule (and per campaign), over a chosen date range.

import { bars, field, gql, h, input, points, section, table } from '../ui.js';

const QUERY = `query($from: Date, $to: Date) {
  programTotals { members balance earned redeemed expired held pending }
  analytics(from: $from, to: $to) {
    from to
    pointsIssuedPerDay { day issued redeemed expired netChange }
    pointsPerRule { ruleId title awards issued reversed }
    pointsPerCampaign { campaignId title awards issued reversed }
    membersPerTier { tierId tierName requiredPoints members }
    topMembers(first: 10) { memberId balance earned }
    liability { pointsOutstanding pointValue amount currency }
  } }`;

export async function render({ arg }) {
  const [from, to] = (arg || '').split('..');
  const data = await gql(QUERY, { from: from || null, to: to || null });
  const a = data.analytics;
  const t = data.programTotals;
  const range = h('form', { class: 'edit', id: 'range', onsubmit: (e) => {
    e.preventDefault();
    const f = e.target;
    location.hash = `#/overview/${f.elements.from.value}..${f.elements.to.value}`;
  } },
  field('From', input('from', a.from, { type: 'date' })),
  field('To', input('to', a.to, { type: 'date' })),
  h('button', { type: 'submit' }, 'Show'));
  const days = a.pointsIssuedPerDay;
  const sum = (k) => days.reduce((s, d) => s + Number(d[k]), 0);
  return h('div', {},
    section('Program', h('div', { class: 'figures', id: 'totals' },
      [['Members', t.members], ['Points outstanding', t.balance], ['Earned', t.earned],
        ['Redeemed', t.redeemed], ['Expired', t.expired], ['Held', t.held], ['Not yet on chain', t.pending]]
        .map(([k, v]) => h('div', { class: 'figure' }, h('b', { 'data-figure': k }, points(v)), k))),
    h('p', { id: 'liability' }, `Liability: ${a.liability.amount} ${a.liability.currency} `,
      h('span', { class: 'muted' }, `(${points(a.liability.pointsOutstanding)} points at ${a.liability.pointValue} each)`))),
    section(`From ${a.from} to ${a.to}`, range,
      h('div', { class: 'figures' },
        [['Issued', sum('issued')], ['Redeemed', sum('redeemed')], ['Expired', sum('expired')]]
          .map(([k, v]) => h('div', { class: 'figure' }, h('b', {}, points(v)), k))),
      h('h3', {}, 'Points issued per day'),
      bars(days.map((d) => ({ label: d.day, value: Number(d.issued) })), 'points issued per day'),
      table([['Day', (d) => d.day], ['Issued', (d) => points(d.issued), 'num'],
        ['Redeemed', (d) => points(d.redeemed), 'num'], ['Expired', (d) => points(d.expired), 'num'],
        ['Net', (d) => points(d.netChange), 'num']], days.filter((d) => d.issued || d.redeemed || d.expired), 'No points moved in this range.')),
    h('div', { class: 'row' },
      section('Members per tier', table([['Tier', (r) => r.tierName || 'Base'],
        ['From', (r) => points(r.requiredPoints), 'num'], ['Members', (r) => r.members, 'num']], a.membersPerTier)),
      section('Top members', table([['Member', (r) => h('a', { href: `#/members/${encodeURIComponent(r.memberId)}` }, r.memberId)],
        ['Balance', (r) => points(r.balance), 'num'], ['Earned', (r) => points(r.earned), 'num']], a.topMembers))),
    h('div', { class: 'row' },
      section('Points per rule', table([['Rule', (r) => r.title || r.ruleId], ['Awards', (r) => r.awards, 'num'],
        ['Issued', (r) => points(r.issued), 'num'], ['Reversed', (r) => points(r.reversed), 'num']], a.pointsPerRule)),
      section('Points per campaign', table([['Campaign', (r) => r.title || r.campaignId], ['Awards', (r) => r.awards, 'num'],
        ['Issued', (r) => points(r.issued), 'num'], ['Reversed', (r) => points(r.reversed), 'num']], a.pointsPerCampaign, 'No campaign awarded anything in this range.'))));
}
