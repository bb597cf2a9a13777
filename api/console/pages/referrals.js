// Referrals: the program's settings, statistics (by reason) and the newest referrals.

import { field, gql, guarded, h, input, intValue, notice, points, section, select, table, value, when } from '../ui.js';

export async function render({ refresh }) {
  const data = await gql(`{ referralProgram { revision status referrerReward { points } friendReward { points }
      qualification { trigger minimumAmount } holdDays limits { perReferrerPerWeek perIpPerWeek } }
    referralStats { referrals pending qualified rewarded rejected byReason { reason count } pointsAwarded }
    referrals(first: 50) { edges { node { id referrerId friendId status reason createdDate rewardedDate referrerPoints friendPoints } } } }`);
  const p = data.referralProgram;
  const s = data.referralStats;
  const form = h('form', { class: 'edit write', id: 'referral-form' },
    field('Status', select('status', [['DRAFT', 'Draft'], ['ACTIVE', 'Active'], ['PAUSED', 'Paused']], p.status)),
    field('Referrer gets (points)', input('referrerPoints', p.referrerReward.points, { type: 'number' })),
    field('Friend gets (points)', input('friendPoints', p.friendReward.points, { type: 'number' })),
    field('Qualifies on', select('trigger', [['FIRST_ORDER', 'first order'], ['SIGN_UP', 'sign-up']], p.qualification.trigger)),
    field('Minimum order', input('minimumAmount', p.qualification.minimumAmount)),
    field('Hold (days)', input('holdDays', p.holdDays, { type: 'number' })),
    field('Per referrer per week', input('perReferrerPerWeek', p.limits.perReferrerPerWeek, { type: 'number' })),
    field('Per IP per week', input('perIpPerWeek', p.limits.perIpPerWeek, { type: 'number' })),
    h('button', { class: 'primary', type: 'submit' }, 'Save'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const update = { status: value(form, 'status'), referrerPoints: intValue(form, 'referrerPoints'), friendPoints: intValue(form, 'friendPoints'),
      trigger: value(form, 'trigger'), holdDays: intValue(form, 'holdDays'), perReferrerPerWeek: intValue(form, 'perReferrerPerWeek'),
      perIpPerWeek: intValue(form, 'perIpPerWeek') };
    const minimum = value(form, 'minimumAmount');
    if (minimum === null) update.clearMinimumAmount = true; else update.minimumAmount = minimum;
    const ok = await guarded(form, () => gql('mutation($rev: Long!, $p: ReferralProgramUpdate!) { updateReferralProgram(revision: $rev, program: $p) { revision } }', { rev: p.revision, p: update }), refresh);
    if (ok) { notice('Referral program saved.'); refresh(); }
  });
  return h('div', {},
    section('Referral program', form),
    section('Statistics', h('div', { class: 'figures', id: 'referral-stats' },
      [['Referrals', s.referrals], ['Pending', s.pending], ['Qualified', s.qualified], ['Rewarded', s.rewarded], ['Rejected', s.rejected], ['Points awarded', s.pointsAwarded]]
        .map(([k, v]) => h('div', { class: 'figure' }, h('b', {}, points(v)), k))),
    table([['Rejected because', (r) => r.reason], ['Referrals', (r) => r.count, 'num']], s.byReason, 'No referral was rejected.')),
    section('Newest referrals', table([['When', (r) => when(r.createdDate)], ['Referrer', (r) => r.referrerId], ['Friend', (r) => r.friendId],
      ['Status', (r) => r.status + (r.reason ? ` (${r.reason})` : '')], ['Points', (r) => `${r.referrerPoints} + ${r.friendPoints}`, 'num']],
    data.referrals.edges.map((e) => e.node), 'No referrals yet.')));
}
