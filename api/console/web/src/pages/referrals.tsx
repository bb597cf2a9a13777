// Referrals: the program's settings, statistics (by reason) and the newest referrals.

import { gql } from '../api';
import { useFormats } from '../format';
import { graphql } from '../gql';
import { ApiForm, Failed, Figures, Input, Loading, Section, Select, Submit, Table, int, str, useLoad, useShell } from '../ui';

const REFERRALS = graphql(`query Referrals { referralProgram { revision status referrerReward { points rewardId } friendReward { points rewardId }
    qualification { trigger minimumAmount } holdDays limits { perReferrerPerWeek perIpPerWeek } }
  referralStats { referrals pending qualified rewarded rejected byReason { reason count } pointsAwarded couponsGranted }
  rewards(active: true) { id name }
  referrals(first: 50) { edges { node { id referrerId friendId status reason createdDate rewardedDate referrerPoints friendPoints } } }
  loyaltyProgram { currency } }`);
const UPDATE = graphql(`mutation UpdateReferrals($rev: Long!, $p: ReferralProgramUpdate!) { updateReferralProgram(revision: $rev, program: $p) { revision } }`);

export function Referrals({ arg }: { arg: string }) {
  const f = useFormats();
  const shell = useShell();
  const { data, error, reload } = useLoad(() => gql(REFERRALS), arg);
  if (error) return <Failed error={error} />;
  if (!data) return <Loading />;
  const p = data.referralProgram;
  const s = data.referralStats;
  const rewardOptions: [string, string][] = [['', 'none (points only)'], ...data.rewards.map((r): [string, string] => [r.id, r.name])];
  const rewardName = (id: string | null | undefined) => (id ? data.rewards.find((r) => r.id === id)?.name || id : null);
  const save = async (form: HTMLFormElement) => {
    const update: Record<string, unknown> = { status: str(form, 'status'), referrerPoints: int(form, 'referrerPoints'), friendPoints: int(form, 'friendPoints'),
      trigger: str(form, 'trigger'), holdDays: int(form, 'holdDays'), perReferrerPerWeek: int(form, 'perReferrerPerWeek'), perIpPerWeek: int(form, 'perIpPerWeek') };
    // A side's catalogue reward: a chosen one is set, "none" clears it (points alone).
    for (const side of ['referrer', 'friend']) {
      const reward = str(form, `${side}RewardId`);
      if (reward) update[`${side}RewardId`] = reward; else update[`clear${side[0].toUpperCase()}${side.slice(1)}Reward`] = true;
    }
    const minimum = str(form, 'minimumAmount');
    if (minimum === null) update.clearMinimumAmount = true; else update.minimumAmount = minimum;
    await gql(UPDATE, { rev: p.revision, p: update as never });
    shell.notice('Referral program saved.');
    reload();
  };
  return (
    <div>
      <Section title="Referral program">
        <ApiForm key={p.revision} id="referral-form" class="write" onSubmit={save} onReload={reload} label="Referral program">
          <Select label="Status" name="status" value={p.status} options={[['DRAFT', 'Draft'], ['ACTIVE', 'Active'], ['PAUSED', 'Paused']]} />
          <Input label="Referrer gets (points)" name="referrerPoints" value={p.referrerReward.points} type="number" />
          <Select label="and the referrer's reward" name="referrerRewardId" value={p.referrerReward.rewardId || ''} options={rewardOptions} />
          <Input label="Friend gets (points)" name="friendPoints" value={p.friendReward.points} type="number" />
          <Select label="and the friend's reward" name="friendRewardId" value={p.friendReward.rewardId || ''} options={rewardOptions} />
          <Select label="Qualifies on" name="trigger" value={p.qualification.trigger} options={[['FIRST_ORDER', 'first order'], ['SIGN_UP', 'sign-up']]} />
          <Input label={`Minimum order (${data.loyaltyProgram.currency})`} name="minimumAmount" value={p.qualification.minimumAmount} inputMode="decimal" />
          <Input label="Hold (days)" name="holdDays" value={p.holdDays} type="number" />
          <Input label="Per referrer per week" name="perReferrerPerWeek" value={p.limits.perReferrerPerWeek} type="number" />
          <Input label="Per IP per week" name="perIpPerWeek" value={p.limits.perIpPerWeek} type="number" />
          <Submit>Save</Submit>
        </ApiForm>
        {shell.readonly ? <p>Status <b>{p.status}</b> · referrer {f.points(p.referrerReward.points)} points{rewardName(p.referrerReward.rewardId) ? ` and “${rewardName(p.referrerReward.rewardId)}”` : ''}, friend {f.points(p.friendReward.points)} points{rewardName(p.friendReward.rewardId) ? ` and “${rewardName(p.friendReward.rewardId)}”` : ''}</p> : null}
      </Section>
      <Section title="Statistics">
        <Figures id="referral-stats" items={[['Referrals', f.points(s.referrals)], ['Pending', f.points(s.pending)], ['Qualified', f.points(s.qualified)],
          ['Rewarded', f.points(s.rewarded)], ['Rejected', f.points(s.rejected)], ['Points awarded', f.points(s.pointsAwarded)], ['Rewards granted', f.points(s.couponsGranted)]]} />
        <Table label="Rejections" rows={s.byReason} empty="No referral was rejected." columns={[
          { head: 'Rejected because', cell: (r) => r.reason }, { head: 'Referrals', cell: (r) => f.points(r.count), num: true }]} />
      </Section>
      <Section title="Newest referrals">
        <Table label="Referrals" rows={data.referrals.edges.map((e) => e.node)} empty="No referrals yet." columns={[
          { head: 'When', cell: (r) => f.when(r.createdDate) }, { head: 'Referrer', cell: (r) => r.referrerId }, { head: 'Friend', cell: (r) => r.friendId },
          { head: 'Status', cell: (r) => r.status + (r.reason ? ` (${r.reason})` : '') },
          { head: 'Points', cell: (r) => `${f.points(r.referrerPoints)} + ${f.points(r.friendPoints)}`, num: true }]} />
      </Section>
    </div>
  );
}
