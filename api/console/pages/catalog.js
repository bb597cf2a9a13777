// Tiers and rewards: list, create, edit, delete (tiers), activate / deactivate (rewards).

import { field, gql, guarded, h, input, intValue, notice, points, section, select, table, value } from '../ui.js';

function tierForm(tier, done, reload) {
  const form = h('form', { class: 'edit write', id: 'tier-form' },
    h('h3', { class: 'wide' }, tier ? `Edit tier “${tier.name}” (revision ${tier.revision})` : 'New tier'),
    field('Name', input('name', tier && tier.name, { required: true })),
    field('Points required', input('requiredPoints', tier && tier.requiredPoints, { type: 'number', min: 0 })),
    field('Description', input('description', tier && tier.description)),
    h('div', { class: 'wide' }, h('button', { class: 'primary', type: 'submit' }, tier ? 'Save tier' : 'Create tier')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { name: value(form, 'name'), requiredPoints: intValue(form, 'requiredPoints'), description: value(form, 'description') };
    const ok = await guarded(form, () => tier
      ? gql('mutation($id: ID!, $rev: Long!, $t: TierUpdate!) { updateTier(id: $id, revision: $rev, tier: $t) { id } }', { id: tier.id, rev: tier.revision, t: body })
      : gql('mutation($t: TierInput!) { createTier(tier: $t) { id } }', { t: body }), reload);
    if (ok) { notice(tier ? 'Tier saved.' : 'Tier created.'); done(); }
  });
  return form;
}

function rewardForm(reward, done, reload) {
  const base = reward ? (reward.configsByTier.find((c) => !c.tierId) || reward.configsByTier[0] || {}) : {};
  const form = h('form', { class: 'edit write', id: 'reward-form' },
    h('h3', { class: 'wide' }, reward ? `Edit reward “${reward.name}” (revision ${reward.revision})` : 'New reward'),
    field('Name', input('name', reward && reward.name, { required: true })),
    field('Type', select('type', [['DISCOUNT_AMOUNT', 'Discount amount'], ['COUPON_REWARD', 'Coupon']], reward ? reward.type : 'DISCOUNT_AMOUNT')),
    field('Discount (money)', input('amount', base.amount, { inputmode: 'decimal' })),
    field('Cost in points', input('costInPoints', base.costInPoints, { type: 'number', min: 1 })),
    field('Active', h('input', { type: 'checkbox', name: 'active', checked: reward ? reward.active : true })),
    h('div', { class: 'wide' }, h('button', { class: 'primary', type: 'submit' }, reward ? 'Save reward' : 'Create reward')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { name: value(form, 'name'), type: value(form, 'type'), active: value(form, 'active'),
      configsByTier: [{ tierId: null, amount: value(form, 'amount'), costInPoints: intValue(form, 'costInPoints') }] };
    const ok = await guarded(form, () => reward
      ? gql('mutation($id: ID!, $rev: Long!, $r: RewardUpdate!) { updateReward(id: $id, revision: $rev, reward: $r) { id } }', { id: reward.id, rev: reward.revision, r: body })
      : gql('mutation($r: RewardInput!) { createReward(reward: $r) { id } }', { r: body }), reload);
    if (ok) { notice(reward ? 'Reward saved.' : 'Reward created.'); done(); }
  });
  return form;
}

export async function render({ arg, refresh }) {
  const data = await gql(`{ tiers { id revision name description requiredPoints }
    rewards { id revision name type active configsByTier { tierId amount costInPoints } } }`);
  const [kind, id] = (arg || '').split('/');
  const tier = kind === 'tier' ? data.tiers.find((t) => t.id === id) : null;
  const reward = kind === 'reward' ? data.rewards.find((r) => r.id === id) : null;
  const go = (path) => { location.hash = '#/catalog/' + path; refresh(); };
  const run = async (mutation, vars, message) => {
    try { await gql(mutation, vars); notice(message); } catch (e) { notice(`${e.code}: ${e.message}`); }
    refresh();
  };
  return h('div', { class: 'row' },
    h('div', {},
      section('Tiers', table([['Tier', (t) => t.name], ['From', (t) => points(t.requiredPoints), 'num'], ['Description', (t) => t.description],
        ['', (t) => h('span', { class: 'write' }, h('button', { type: 'button', onclick: () => go('tier/' + t.id) }, 'Edit'), ' ',
          h('button', { type: 'button', class: 'danger', onclick: () => run('mutation($id: ID!, $rev: Long!) { deleteTier(id: $id, revision: $rev) { id } }', { id: t.id, rev: t.revision }, 'Tier deleted.') }, 'Delete'))]],
      data.tiers, 'No tiers: every member is on the base tier.')),
      section(tier ? 'Edit tier' : 'Create a tier', tierForm(tier, () => go(''), refresh))),
    h('div', {},
      section('Rewards', table([['Reward', (r) => r.name], ['Type', (r) => r.type], ['Active', (r) => (r.active ? 'yes' : 'no')],
        ['Cost', (r) => r.configsByTier.map((c) => `${points(c.costInPoints)} for ${c.amount}`).join(', ')],
        ['', (r) => h('span', { class: 'write' }, h('button', { type: 'button', onclick: () => go('reward/' + r.id) }, 'Edit'), ' ',
          h('button', { type: 'button', onclick: () => run('mutation($id: ID!, $rev: Long!, $r: RewardUpdate!) { updateReward(id: $id, revision: $rev, reward: $r) { id } }', { id: r.id, rev: r.revision, r: { active: !r.active } }, r.active ? 'Reward deactivated.' : 'Reward activated.') }, r.active ? 'Deactivate' : 'Activate'))]],
      data.rewards, 'No rewards yet.')),
      section(reward ? 'Edit reward' : 'Create a reward', rewardForm(reward, () => go(''), refresh))));
}
