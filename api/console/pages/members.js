// Members: search and list (by tier, balance, last activity), and a member's page: the account,
// ledger entries with their chain status (the tx hash), redemptions, tier, and the actions
// (adjust points with a reason, redeem a reward, cancel a redemption).

import { field, gql, guarded, h, idempotencyKey, input, intValue, notice, points, section, select, table, value, when } from '../ui.js';

const ACCOUNT = `memberId revision receivingAddress walletLinked lastActivityDate createdDate referralCode
  points { balance earned adjusted redeemed expired debt held pending onchain spendable }
  heldPoints { points availableAt }
  tier { id name } pointsExpiration { expirationDate expiringPointsAmount }`;

function params(arg) {
  const q = new URLSearchParams(arg || '');
  return Object.fromEntries(q.entries());
}

async function list(arg, refresh) {
  const p = params(arg.replace(/^\?/, ''));
  const filter = {
    search: p.search || null, tierId: p.tierId || null,
    minBalance: p.minBalance ? Number(p.minBalance) : null, maxBalance: p.maxBalance ? Number(p.maxBalance) : null,
  };
  const orderBy = { field: p.orderBy || 'BALANCE', direction: p.direction || 'DESC' };
  const data = await gql(`query($f: AccountFilter, $o: AccountOrder, $after: String) {
    accounts(filter: $f, orderBy: $o, first: 50, after: $after) {
      edges { node { memberId lastActivityDate points { balance earned } tier { name } } }
      pageInfo { hasNextPage endCursor } }
    tiers { id name } }`, { f: filter, o: orderBy, after: p.after || null });
  const form = h('form', { class: 'edit', id: 'member-search' },
    field('Search (id, e-mail or address prefix)', input('search', p.search)),
    field('Tier', select('tierId', [['', 'Any'], ...data.tiers.map((t) => [t.id, t.name])], p.tierId)),
    field('Balance from', input('minBalance', p.minBalance, { type: 'number' })),
    field('to', input('maxBalance', p.maxBalance, { type: 'number' })),
    field('Order by', select('orderBy', [['BALANCE', 'balance'], ['EARNED', 'earned'], ['LAST_ACTIVITY', 'last activity'], ['CREATED', 'joined']], orderBy.field)),
    h('button', { type: 'submit' }, 'Search'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    for (const name of ['search', 'tierId', 'minBalance', 'maxBalance', 'orderBy']) {
      const v = value(form, name);
      if (v !== null) q.set(name, v);
    }
    location.hash = '#/members/?' + q.toString();
  });
  const page = data.accounts;
  const next = new URLSearchParams(p);
  next.set('after', page.pageInfo.endCursor || '');
  return h('div', {},
    section('Members', form,
      table([['Member', (a) => h('a', { href: `#/members/${encodeURIComponent(a.memberId)}` }, a.memberId)],
        ['Tier', (a) => (a.tier ? a.tier.name : 'Base')], ['Balance', (a) => points(a.points.balance), 'num'],
        ['Earned', (a) => points(a.points.earned), 'num'], ['Last activity', (a) => when(a.lastActivityDate)]],
      page.edges.map((e) => e.node), 'No member matches.'),
      page.pageInfo.hasNextPage ? h('p', {}, h('a', { href: '#/members/?' + next.toString(), id: 'next-page' }, 'Next page →')) : null));
}

function actions(account, rewards, refresh) {
  const adjust = h('form', { class: 'edit write', id: 'adjust-form' },
    h('h3', { class: 'wide' }, 'Adjust points'),
    field('Change (+ or −)', input('amount', '', { type: 'number', required: true })),
    field('Reason (shown to the member)', input('reason', '', { required: true, maxlength: 100 })),
    h('button', { class: 'primary', type: 'submit' }, 'Adjust'));
  adjust.addEventListener('submit', async (e) => {
    e.preventDefault();
    const ok = await guarded(adjust, () => gql('mutation($i: AdjustPointsInput!) { adjustPoints(input: $i) { amount } }', { i: {
      memberId: account.memberId, idempotencyKey: idempotencyKey('console-adjust'), reason: value(adjust, 'reason'), amount: intValue(adjust, 'amount') } }));
    if (ok) { notice(`Adjusted by ${ok.adjustPoints.amount} points.`); refresh(); }
  });
  const redeem = h('form', { class: 'edit write', id: 'redeem-form' },
    h('h3', { class: 'wide' }, 'Redeem a reward'),
    field('Reward', select('rewardId', rewards.map((r) => [r.id, `${r.name} (${r.configsByTier.map((c) => c.costInPoints).join('/')} points)`]), '')),
    h('button', { class: 'primary', type: 'submit' }, 'Redeem'));
  redeem.addEventListener('submit', async (e) => {
    e.preventDefault();
    const ok = await guarded(redeem, () => gql('mutation($m: String!, $r: ID!, $k: String!) { redeemReward(memberId: $m, rewardId: $r, idempotencyKey: $k) { couponCode costInPoints } }',
      { m: account.memberId, r: value(redeem, 'rewardId'), k: idempotencyKey('console-redeem') }));
    if (ok) { notice(`Redeemed: coupon ${ok.redeemReward.couponCode}.`); refresh(); }
  });
  return h('div', { class: 'row' }, adjust, rewards.length ? redeem : h('p', { class: 'muted' }, 'No active reward to redeem.'));
}

async function member(memberId, refresh) {
  const data = await gql(`query($m: String!, $f: TransactionFilter) {
    account(memberId: $m) { ${ACCOUNT} }
    transactions(filter: $f, first: 50) { edges { node { id transactionType amount balanceAfter description createdDate
      chain { state final txHash blockNumber } } } }
    redemptions(memberId: $m) { id rewardId couponCode costInPoints status createdDate }
    rewards(active: true) { id name configsByTier { costInPoints } }
    tiers { id name requiredPoints } }`, { m: memberId, f: { memberId } });
  const a = data.account;
  const nextTier = data.tiers.filter((t) => Number(t.requiredPoints) > Number(a.points.earned)).sort((x, y) => x.requiredPoints - y.requiredPoints)[0];
  const cancel = async (r) => {
    try { await gql('mutation($id: ID!) { cancelRedemption(redemptionId: $id) { status } }', { id: r.id }); notice('Redemption cancelled: points refunded.'); } catch (e) { notice(`${e.code}: ${e.message}`); }
    refresh();
  };
  return h('div', {},
    section(`Member ${a.memberId}`,
      h('div', { class: 'figures', id: 'account' },
        [['Balance', a.points.balance], ['Spendable', a.points.spendable], ['Held', a.points.held], ['Not yet on chain', a.points.pending], ['On chain', a.points.onchain],
          ['Earned', a.points.earned], ['Redeemed', a.points.redeemed], ['Debt', a.points.debt]]
          .map(([k, v]) => h('div', { class: 'figure' }, h('b', { 'data-figure': k }, points(v)), k))),
      h('p', {}, `Tier: ${a.tier ? a.tier.name : 'Base'}`, nextTier ? ` · ${points(nextTier.requiredPoints - a.points.earned)} more points to ${nextTier.name}` : '',
        ` · joined ${when(a.createdDate)} · last activity ${when(a.lastActivityDate)}`),
      h('p', { class: 'muted' }, `Receiving address ${a.receivingAddress}${a.walletLinked ? ' (linked wallet)' : ' (custodial)'} · referral code ${a.referralCode || '—'}`,
        a.pointsExpiration ? ` · ${points(a.pointsExpiration.expiringPointsAmount)} points expire on ${when(a.pointsExpiration.expirationDate)}` : ''),
      a.heldPoints.length ? h('div', {}, h('h3', {}, 'Held points (the return window)'),
        table([['Points', (x) => points(x.points), 'num'], ['Available', (x) => when(x.availableAt)]], a.heldPoints)) : null,
      actions(a, data.rewards, refresh)),
    section('Ledger', table([['When', (t) => when(t.createdDate)], ['Type', (t) => t.transactionType], ['Points', (t) => points(t.amount), 'num'],
      ['Balance after', (t) => points(t.balanceAfter), 'num'], ['Description', (t) => t.description],
      ['Chain', (t) => (t.chain ? `${t.chain.final ? 'final' : t.chain.state.toLowerCase()}${t.chain.txHash ? ' · ' + t.chain.txHash.slice(0, 12) + '…' : ''}` : 'none needed')]],
    data.transactions.edges.map((e) => e.node), 'No ledger entries yet.')),
    section('Redemptions', table([['When', (r) => when(r.createdDate)], ['Coupon', (r) => r.couponCode], ['Points', (r) => points(r.costInPoints), 'num'],
      ['Status', (r) => r.status], ['', (r) => (r.status === 'REDEEMED' ? h('button', { type: 'button', class: 'write danger', onclick: () => cancel(r) }, 'Cancel') : null)]],
    data.redemptions, 'No redemptions.')));
}

export async function render({ arg, refresh }) {
  if (arg && !arg.startsWith('?')) return member(arg, refresh);
  return list(arg || '', refresh);
}
