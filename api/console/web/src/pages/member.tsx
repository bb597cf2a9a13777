// A member's page: the account, ledger entries with their chain status (the tx hash once
// sent, "final" once its block is), held points, redemptions, tier progress, and the actions:
// adjust points with a reason, redeem a reward, cancel a redemption, erase (confirmed by
// typing the member id, as eraseMember's `confirm` requires).

import { useEffect, useState } from 'preact/hooks';
import { gql, idempotencyKey } from '../api';
import { useFormats } from '../format';
import { graphql } from '../gql';
import type { MemberQuery } from '../gql/graphql';
import { ApiForm, Failed, Figures, Input, Loading, Section, Select, Submit, Table, go, int, str, useAct, useLoad, useShell } from '../ui';

const MEMBER = graphql(`query Member($m: String!, $f: TransactionFilter) {
  account(memberId: $m) { memberId revision receivingAddress walletLinked lastActivityDate createdDate referralCode
    points { balance earned adjusted redeemed expired debt held pending onchain spendable }
    heldPoints { points availableAt }
    tier { id name } pointsExpiration { expirationDate expiringPointsAmount } }
  transactions(filter: $f, first: 50) { edges { node { id transactionType amount balanceAfter description createdDate
    chain { state final txHash blockNumber } } } }
  redemptions(memberId: $m) { id rewardId couponCode costInPoints status createdDate }
  rewards(active: true) { id name configsByTier { costInPoints } }
  tiers { id name requiredPoints } }`);
const ADJUST = graphql(`mutation Adjust($i: AdjustPointsInput!) { adjustPoints(input: $i) { amount } }`);
const REDEEM = graphql(`mutation Redeem($m: String!, $r: ID!, $k: String!) { redeemReward(memberId: $m, rewardId: $r, idempotencyKey: $k) { couponCode costInPoints } }`);
const CANCEL = graphql(`mutation CancelRedemption($id: ID!) { cancelRedemption(redemptionId: $id) { status } }`);
const ERASE = graphql(`mutation Erase($m: String!, $c: String!) { eraseMember(memberId: $m, confirm: $c) { pseudonym } }`);

type Entry = MemberQuery['transactions']['edges'][number]['node'];

export function ChainStatus({ chain }: { chain: Entry['chain'] }) {
  if (!chain) return <span class="muted">none needed</span>;
  const label = chain.final ? 'final' : chain.state.toLowerCase();
  return (
    <span class={'chain ' + (chain.final ? 'final' : 'pending')} data-chain={chain.final ? 'final' : 'pending'}>
      {label}{chain.txHash ? <> · <code class="tx" title={chain.txHash}>{chain.txHash}</code></> : null}
    </span>
  );
}

function Erase({ memberId }: { memberId: string }) {
  const shell = useShell();
  const [open, setOpen] = useState(false);
  if (!open) return <p class="write"><button type="button" class="danger" id="erase-start" onClick={() => setOpen(true)}>Erase this member…</button></p>;
  const erase = async (form: HTMLFormElement) => {
    const done = await gql(ERASE, { m: memberId, c: str(form, 'confirm') || '' });
    shell.notice(`Member erased: the ledger is kept under ${done.eraseMember.pseudonym}.`, '#/members');
    go('#/members');
  };
  return (
    <ApiForm id="erase-form" class="write danger-zone" onSubmit={erase} label="Erase the member">
      <h3 class="wide">Erase {memberId}</h3>
      <p class="wide">Their id, e-mail and contact are removed from every table; the ledger stays under a random pseudonym. This cannot be undone.</p>
      <Input label={`Type ${memberId} to confirm`} name="confirm" value="" autoComplete="off" />
      <div class="wide actions">
        <button type="submit" class="danger">Erase for good</button>{' '}
        <button type="button" onClick={() => setOpen(false)}>Keep the member</button>
      </div>
    </ApiForm>
  );
}

export function Member({ memberId }: { memberId: string }) {
  const f = useFormats();
  const shell = useShell();
  const { data, error, reload } = useLoad(() => gql(MEMBER, { m: memberId, f: { memberId } }), memberId);
  const act = useAct(reload);
  // While an entry is on its way to the chain, the page reads again every 2 s, so the owner
  // sees it go from pending to final (with its tx hash) without reloading.
  const unsettled = !!data && data.transactions.edges.some((e) => e.node.chain && !e.node.chain.final);
  useEffect(() => {
    if (!unsettled) return undefined;
    const timer = window.setTimeout(reload, 2000);
    return () => window.clearTimeout(timer);
  }, [data, unsettled]);
  if (error) return <Failed error={error} />;
  if (!data) return <Loading />;
  const a = data.account;
  const nextTier = data.tiers.filter((t) => Number(t.requiredPoints) > Number(a.points.earned))
    .sort((x, y) => Number(x.requiredPoints) - Number(y.requiredPoints))[0];
  const adjust = async (form: HTMLFormElement) => {
    const ok = await gql(ADJUST, { i: { memberId: a.memberId, idempotencyKey: idempotencyKey('console-adjust'), reason: str(form, 'reason') || '', amount: int(form, 'amount') as number } });
    shell.notice(`Adjusted by ${f.points(ok.adjustPoints.amount)} points.`);
    form.reset();
    reload();
  };
  const redeem = async (form: HTMLFormElement) => {
    const ok = await gql(REDEEM, { m: a.memberId, r: str(form, 'rewardId') || '', k: idempotencyKey('console-redeem') });
    shell.notice(`Redeemed: coupon ${ok.redeemReward.couponCode}.`);
    reload();
  };
  return (
    <div>
      <Section title={`Member ${a.memberId}`}>
        <p><a href="#/members">← All members</a></p>
        <Figures id="account" items={[['Balance', f.points(a.points.balance)], ['Spendable', f.points(a.points.spendable)],
          ['Held', f.points(a.points.held)], ['Not yet on chain', f.points(a.points.pending)], ['On chain', f.points(a.points.onchain)],
          ['Earned', f.points(a.points.earned)], ['Redeemed', f.points(a.points.redeemed)], ['Debt', f.points(a.points.debt)]]} />
        <p>Tier: <b>{a.tier ? a.tier.name : 'Base'}</b>
          {nextTier ? <> · {f.points(Number(nextTier.requiredPoints) - Number(a.points.earned))} more points to {nextTier.name}{' '}
            <progress max={Number(nextTier.requiredPoints)} value={Number(a.points.earned)} aria-label={`Progress to ${nextTier.name}`} /></> : null}
          {' '}· joined {f.when(a.createdDate)} · last activity {f.when(a.lastActivityDate)}</p>
        <p class="muted">Receiving address <code>{a.receivingAddress}</code>{a.walletLinked ? ' (linked wallet)' : ' (custodial)'} · referral code {a.referralCode || '—'}
          {a.pointsExpiration ? ` · ${f.points(a.pointsExpiration.expiringPointsAmount)} points expire on ${f.when(a.pointsExpiration.expirationDate)}` : ''}</p>
        {a.heldPoints.length ? <div><h3>Held points (the return window)</h3>
          <Table label="Held points" rows={a.heldPoints} columns={[{ head: 'Points', cell: (x) => f.points(x.points), num: true }, { head: 'Available', cell: (x) => f.when(x.availableAt) }]} /></div> : null}
        <div class="row write">
          <ApiForm id="adjust-form" onSubmit={adjust} label="Adjust points">
            <h3 class="wide">Adjust points</h3>
            <Input label="Change (+ or −)" name="amount" type="number" required />
            <Input label="Reason (shown to the member)" name="reason" required maxLength={100} />
            <Submit>Adjust</Submit>
          </ApiForm>
          {data.rewards.length ? (
            <ApiForm id="redeem-form" onSubmit={redeem} label="Redeem a reward">
              <h3 class="wide">Redeem a reward</h3>
              <Select label="Reward" name="rewardId" options={data.rewards.map((r): [string, string] => [r.id, `${r.name} (${r.configsByTier.map((c) => f.points(c.costInPoints)).join('/')} points)`])} />
              <Submit>Redeem</Submit>
            </ApiForm>
          ) : <p class="muted">No active reward to redeem.</p>}
        </div>
      </Section>
      <Section title="Ledger" id="ledger">
        <Table label="Ledger" rows={data.transactions.edges.map((e) => e.node)} empty="No ledger entries yet." columns={[
          { head: 'When', cell: (t) => f.when(t.createdDate) }, { head: 'Type', cell: (t) => t.transactionType },
          { head: 'Points', cell: (t) => f.points(t.amount), num: true }, { head: 'Balance after', cell: (t) => f.points(t.balanceAfter), num: true },
          { head: 'Description', cell: (t) => t.description }, { head: 'Chain', cell: (t) => <ChainStatus chain={t.chain} /> }]} />
        <p><button type="button" onClick={reload}>Refresh</button></p>
      </Section>
      <Section title="Redemptions">
        <Table label="Redemptions" rows={data.redemptions} empty="No redemptions." columns={[
          { head: 'When', cell: (r) => f.when(r.createdDate) }, { head: 'Coupon', cell: (r) => r.couponCode },
          { head: 'Points', cell: (r) => f.points(r.costInPoints), num: true }, { head: 'Status', cell: (r) => r.status },
          { head: '', cell: (r) => (r.status === 'REDEEMED' ? <button type="button" class="write danger" onClick={() => act(() => gql(CANCEL, { id: r.id }), 'Redemption cancelled: points refunded.')}>Cancel</button> : null) }]} />
      </Section>
      {shell.readonly ? null : <Section title="Erase"><Erase memberId={a.memberId} /></Section>}
    </div>
  );
}
