// Tiers and rewards: list, create, edit, delete (tiers), activate / deactivate (rewards).

import { gql } from '../api';
import { useFormats } from '../format';
import { graphql } from '../gql';
import type { CatalogQuery } from '../gql/graphql';
import { ApiForm, Check, Failed, Input, Loading, Section, Select, Submit, Table, checked, go, int, str, useAct, useLoad, useShell } from '../ui';

const CATALOG = graphql(`query Catalog { tiers { id revision name description requiredPoints }
  rewards { id revision name type active configsByTier { tierId amount costInPoints } }
  loyaltyProgram { currency } }`);
const CREATE_TIER = graphql(`mutation CreateTier($t: TierInput!) { createTier(tier: $t) { id } }`);
const UPDATE_TIER = graphql(`mutation UpdateTier($id: ID!, $rev: Long!, $t: TierUpdate!) { updateTier(id: $id, revision: $rev, tier: $t) { id } }`);
const DELETE_TIER = graphql(`mutation DeleteTier($id: ID!, $rev: Long!) { deleteTier(id: $id, revision: $rev) { id } }`);
const CREATE_REWARD = graphql(`mutation CreateReward($r: RewardInput!) { createReward(reward: $r) { id } }`);
const UPDATE_REWARD = graphql(`mutation UpdateReward($id: ID!, $rev: Long!, $r: RewardUpdate!) { updateReward(id: $id, revision: $rev, reward: $r) { id } }`);

type Tier = CatalogQuery['tiers'][number];
type Reward = CatalogQuery['rewards'][number];

function TierForm({ tier, done, reload }: { tier: Tier | null; done: (message: string) => void; reload: () => void }) {
  const save = async (form: HTMLFormElement) => {
    const body = { name: str(form, 'name'), requiredPoints: int(form, 'requiredPoints'), description: str(form, 'description') };
    if (tier) await gql(UPDATE_TIER, { id: tier.id, rev: tier.revision, t: body as never });
    else await gql(CREATE_TIER, { t: body as never });
    done(tier ? 'Tier saved.' : 'Tier created.');
  };
  return (
    <ApiForm id="tier-form" class="write" onSubmit={save} onReload={reload} label={tier ? 'Edit the tier' : 'New tier'}>
      <h3 class="wide">{tier ? `Edit tier “${tier.name}” (revision ${tier.revision})` : 'New tier'}</h3>
      <Input label="Name" name="name" value={tier?.name} required />
      <Input label="Points required" name="requiredPoints" value={tier?.requiredPoints} type="number" min={0} />
      <Input label="Description" name="description" value={tier?.description} />
      <Submit>{tier ? 'Save tier' : 'Create tier'}</Submit>
    </ApiForm>
  );
}

// A reward's cost and value per tier, as rules have them: the base row applies to every member
// without a row of their own. Every stored row is shown and sent back, so saving a reward never
// drops the configs of tiers the form did not touch.
function rewardConfigsOf(form: HTMLFormElement, tiers: Tier[]) {
  const configs: { tierId: string | null; amount: string | null; costInPoints: number | null }[] = [];
  for (const tier of [{ id: null as string | null }, ...tiers]) {
    const key = tier.id || 'base';
    const cost = int(form, `cost-${key}`);
    const amount = str(form, `amount-${key}`);
    if (tier.id && cost === null && !amount) continue;
    configs.push({ tierId: tier.id, amount: amount || null, costInPoints: cost });
  }
  return configs;
}

function RewardForm({ reward, tiers, done, reload, currency }: { reward: Reward | null; tiers: Tier[]; done: (message: string) => void; reload: () => void; currency: string }) {
  const configOf = (tierId: string | null) => reward?.configsByTier.find((c) => (c.tierId || null) === tierId);
  const save = async (form: HTMLFormElement) => {
    const body = { name: str(form, 'name'), type: str(form, 'type'), active: checked(form, 'active'),
      configsByTier: rewardConfigsOf(form, tiers) };
    if (reward) await gql(UPDATE_REWARD, { id: reward.id, rev: reward.revision, r: body as never });
    else await gql(CREATE_REWARD, { r: body as never });
    done(reward ? 'Reward saved.' : 'Reward created.');
  };
  return (
    <ApiForm id="reward-form" class="write" onSubmit={save} onReload={reload} label={reward ? 'Edit the reward' : 'New reward'}>
      <h3 class="wide">{reward ? `Edit reward “${reward.name}” (revision ${reward.revision})` : 'New reward'}</h3>
      <Input label="Name" name="name" value={reward?.name} required />
      <Select label="Type" name="type" value={reward ? reward.type : 'DISCOUNT_AMOUNT'} options={[['DISCOUNT_AMOUNT', 'Discount amount'], ['COUPON_REWARD', 'Coupon']]} />
      {[{ id: null as string | null, name: 'Base (every member)' }, ...tiers].map((tier) => {
        const key = tier.id || 'base';
        const c = configOf(tier.id);
        return (
          <fieldset class="wide tier-config" key={key}>
            <legend>{tier.name}</legend>
            <Input label={`Discount (${currency})`} name={`amount-${key}`} value={c?.amount} inputMode="decimal" />
            <Input label="Cost in points" name={`cost-${key}`} value={c?.costInPoints} type="number" min={1} />
          </fieldset>
        );
      })}
      <Check label="Active" name="active" checked={reward ? reward.active : true} />
      <Submit>{reward ? 'Save reward' : 'Create reward'}</Submit>
    </ApiForm>
  );
}

export function Catalog({ arg }: { arg: string }) {
  const f = useFormats();
  const shell = useShell();
  const { data, error, reload } = useLoad(() => gql(CATALOG), arg);
  const act = useAct(reload);
  if (error) return <Failed error={error} />;
  if (!data) return <Loading />;
  const [kind, id] = (arg || '').split('/');
  const tier = kind === 'tier' ? data.tiers.find((t) => t.id === id) || null : null;
  const reward = kind === 'reward' ? data.rewards.find((r) => r.id === id) || null : null;
  const currency = data.loyaltyProgram.currency;
  const done = (message: string) => {
    if (arg) { shell.notice(message, '#/catalog'); go('#/catalog'); } else { shell.notice(message); reload(); }
  };
  return (
    <div class="row">
      <div>
        <Section title="Tiers">
          <Table label="Tiers" rows={data.tiers} empty="No tiers: every member is on the base tier." columns={[
            { head: 'Tier', cell: (t) => t.name }, { head: 'From', cell: (t) => f.points(t.requiredPoints), num: true }, { head: 'Description', cell: (t) => t.description },
            { head: '', cell: (t) => (
              <span class="write buttons">
                <button type="button" onClick={() => go('#/catalog/tier/' + t.id)} aria-label={`Edit ${t.name}`}>Edit</button>
                <button type="button" class="danger" onClick={() => { if (confirm(`Delete the tier “${t.name}”?`)) act(() => gql(DELETE_TIER, { id: t.id, rev: t.revision }), 'Tier deleted.'); }}>Delete</button>
              </span>) }]} />
        </Section>
        <Section title={tier ? 'Edit tier' : 'Create a tier'}>
          <TierForm key={tier ? tier.id + ':' + tier.revision : 'new:' + data.tiers.length} tier={tier} done={done} reload={reload} />
        </Section>
      </div>
      <div>
        <Section title="Rewards">
          <Table label="Rewards" rows={data.rewards} empty="No rewards yet." columns={[
            { head: 'Reward', cell: (r) => r.name }, { head: 'Type', cell: (r) => r.type }, { head: 'Active', cell: (r) => (r.active ? 'yes' : 'no') },
            { head: 'Cost', cell: (r) => r.configsByTier.map((c) => `${f.points(c.costInPoints)} points for ${f.money(c.amount, currency)}`).join(', ') },
            { head: '', cell: (r) => (
              <span class="write buttons">
                <button type="button" onClick={() => go('#/catalog/reward/' + r.id)} aria-label={`Edit ${r.name}`}>Edit</button>
                <button type="button" onClick={() => act(() => gql(UPDATE_REWARD, { id: r.id, rev: r.revision, r: { active: !r.active } }), r.active ? 'Reward deactivated.' : 'Reward activated.')}>{r.active ? 'Deactivate' : 'Activate'}</button>
              </span>) }]} />
        </Section>
        <Section title={reward ? 'Edit reward' : 'Create a reward'}>
          <RewardForm key={reward ? reward.id + ':' + reward.revision : 'new:' + data.rewards.length} reward={reward} tiers={data.tiers} done={done} reload={reload} currency={currency} />
        </Section>
      </div>
    </div>
  );
}
