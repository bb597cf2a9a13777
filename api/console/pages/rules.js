// Earning rules: the list (filter by status), create / edit with the Wix fields and per-tier
// configs, pause / activate, delete; beside the form, previewEarning answers "a $40 order by a
// Silver member earns …" with the rules as saved. A stale revision is shown, never overwritten.

import { field, gql, guarded, h, input, intValue, notice, points, section, select, table, value } from '../ui.js';

const FIELDS = `id revision title triggerAppId triggerActivityType status kind
  fixedAmount { configs { tierId points } }
  conversionRate { configs { tierId moneyAmount points } } metadata { canBeDeleted }`;

async function load(status) {
  const data = await gql(`query($f: EarningRuleFilter) {
    earningRules(filter: $f, first: 100) { edges { node { ${FIELDS} } } }
    tiers { id name requiredPoints } }`, { f: status ? { status } : null });
  return { rules: data.earningRules.edges.map((e) => e.node), tiers: data.tiers };
}

function configsOf(form, tiers) {
  const method = value(form, 'method');
  const configs = [];
  for (const tier of [{ id: null, name: 'Base' }, ...tiers]) {
    const key = tier.id || 'base';
    const pts = intValue(form, `points-${key}`);
    if (pts === null) continue;
    const config = { tierId: tier.id, points: pts };
    if (method === 'rate') config.moneyAmount = value(form, `money-${key}`) || '1';
    configs.push(config);
  }
  return method === 'rate' ? { conversionRate: { configs } } : { fixedAmount: { configs } };
}

function ruleForm(rule, tiers, done, reload) {
  const method = rule && rule.fixedAmount ? 'fixed' : 'rate';
  const configs = (rule && (rule.fixedAmount || rule.conversionRate) || { configs: [] }).configs;
  const configOf = (tierId) => configs.find((c) => (c.tierId || null) === tierId) || {};
  const tierRows = [{ id: null, name: 'Base (every member)' }, ...tiers].map((tier) => {
    const key = tier.id || 'base';
    const c = configOf(tier.id);
    return h('div', { class: 'wide row' },
      field(`${tier.name}: points`, input(`points-${key}`, c.points, { type: 'number', min: 0 })),
      field('per money amount (rate)', input(`money-${key}`, c.moneyAmount, { placeholder: '1' })));
  });
  const form = h('form', { class: 'edit write', id: 'rule-form' },
    h('h3', { class: 'wide' }, rule ? `Edit “${rule.title}” (revision ${rule.revision})` : 'New earning rule'),
    field('Title', input('title', rule && rule.title, { required: true, maxlength: 50 })),
    field('Trigger app', input('triggerAppId', rule ? rule.triggerAppId : 'stores')),
    field('Activity type', input('triggerActivityType', rule ? rule.triggerActivityType : 'stores/OrderPaid')),
    field('Status', select('status', [['ACTIVE', 'Active'], ['PAUSED', 'Paused']], rule ? rule.status : 'ACTIVE')),
    field('Points', select('method', [['rate', 'per money spent (conversion rate)'], ['fixed', 'a fixed amount']], method)),
    ...tierRows,
    h('div', { class: 'wide' }, h('button', { class: 'primary', type: 'submit' }, rule ? 'Save changes' : 'Create rule')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = {
      title: value(form, 'title'), triggerAppId: value(form, 'triggerAppId'),
      triggerActivityType: value(form, 'triggerActivityType'), status: value(form, 'status'),
      ...configsOf(form, tiers),
    };
    const saved = await guarded(form, () => rule
      ? gql(`mutation($id: ID!, $rev: Long!, $u: EarningRuleUpdate!) { updateEarningRule(id: $id, revision: $rev, earningRule: $u) { id revision } }`,
        { id: rule.id, rev: rule.revision, u: body })
      : gql('mutation($r: EarningRuleInput!) { createEarningRule(earningRule: $r) { id revision } }', { r: body }),
    reload);
    if (saved) { notice(rule ? 'Rule saved.' : 'Rule created.'); done(); }
  });
  return form;
}

function preview(tiers) {
  const out = h('div', { id: 'preview-result' }, h('p', { class: 'muted' }, 'Type an amount to see what it earns.'));
  const form = h('form', { class: 'edit', id: 'preview-form' },
    h('h3', { class: 'wide' }, 'What would it earn?'),
    field('Amount', input('amount', '40', { inputmode: 'decimal' })),
    field('Currency', input('currency', 'USD', { size: 4 })),
    field('Tier', select('tierId', [['', 'Base'], ...tiers.map((t) => [t.id, t.name])], '')),
    field('Trigger app', input('triggerAppId', 'stores')),
    field('Activity type', input('activityType', 'stores/OrderPaid')));
  async function run() {
    const activity = {
      triggerAppId: value(form, 'triggerAppId') || 'stores', activityType: value(form, 'activityType') || 'stores/OrderPaid',
      tierId: value(form, 'tierId'),
      amount: value(form, 'amount') ? { value: value(form, 'amount'), currency: value(form, 'currency') || 'USD' } : null,
    };
    const p = await guarded(form, () => gql(`query($a: ActivityInput!) { previewEarning(activity: $a) {
      totalPoints rulePoints campaignPoints awards { points reason rule { title } }
      campaigns { title points applied reason } } }`, { a: activity }));
    if (!p) return;
    const r = p.previewEarning;
    const tier = tiers.find((t) => t.id === activity.tierId);
    // Through h(): replaceChildren itself would write a skipped (null) part as the text "null".
    out.replaceChildren(h('div', {},
      h('p', { id: 'preview-total' }, `A ${activity.amount ? activity.amount.value + ' ' + activity.amount.currency : ''} activity by a ${tier ? tier.name : 'base-tier'} member earns `,
        h('b', {}, `${points(r.totalPoints)} points`), ` (rules ${points(r.rulePoints)}, campaigns ${points(r.campaignPoints)}).`),
      table([['Rule', (a) => a.rule ? a.rule.title : '—'], ['Points', (a) => points(a.points), 'num'], ['Why', (a) => a.reason]], r.awards, 'No active rule matches.'),
      r.campaigns.length ? table([['Campaign', (c) => c.title], ['Points', (c) => points(c.points), 'num'],
        ['Applied', (c) => (c.applied ? 'yes' : 'no')], ['Why', (c) => c.reason]], r.campaigns) : null));
  }
  form.addEventListener('input', run);
  form.addEventListener('submit', (e) => { e.preventDefault(); run(); });
  run();
  return h('div', {}, form, out);
}

export async function render({ arg, refresh }) {
  const [status, editing] = (arg || '').split('/');
  const { rules, tiers } = await load(status || null);
  const current = editing ? rules.find((r) => r.id === editing) : null;
  const go = (path) => { location.hash = '#/rules/' + path; refresh(); };
  const act = async (rule, mutation, vars, message) => {
    try { await gql(mutation, vars); notice(message); } catch (e) { notice(`${e.code}: ${e.message}`); }
    refresh();
  };
  const filter = select('status', [['', 'All'], ['ACTIVE', 'Active'], ['PAUSED', 'Paused']], status || '');
  filter.addEventListener('change', () => { location.hash = '#/rules/' + filter.value; });
  const list = table([
    ['Title', (r) => r.title], ['Trigger', (r) => `${r.triggerAppId} / ${r.triggerActivityType}`],
    ['Status', (r) => r.status],
    ['Points', (r) => r.conversionRate
      ? r.conversionRate.configs.map((c) => `${c.points} per ${c.moneyAmount}${c.tierId ? ' (' + ((tiers.find((t) => t.id === c.tierId) || {}).name || 'tier') + ')' : ''}`).join(', ')
      : r.fixedAmount ? r.fixedAmount.configs.map((c) => `${c.points}${c.tierId ? ' (tier)' : ''}`).join(', ') : '—'],
    ['', (r) => h('span', { class: 'write' },
      h('button', { type: 'button', onclick: () => go(`${status || ''}/${r.id}`) }, 'Edit'), ' ',
      h('button', { type: 'button', onclick: () => act(r, `mutation($id: ID!, $rev: Long!, $u: EarningRuleUpdate!) { updateEarningRule(id: $id, revision: $rev, earningRule: $u) { id } }`,
        { id: r.id, rev: r.revision, u: { status: r.status === 'ACTIVE' ? 'PAUSED' : 'ACTIVE' } }, r.status === 'ACTIVE' ? 'Rule paused.' : 'Rule activated.') },
      r.status === 'ACTIVE' ? 'Pause' : 'Activate'), ' ',
      r.metadata.canBeDeleted ? h('button', { type: 'button', class: 'danger', onclick: () => act(r, 'mutation($id: ID!, $rev: Long!) { deleteEarningRule(id: $id, revision: $rev) { id } }',
        { id: r.id, rev: r.revision }, 'Rule deleted.') }, 'Delete') : null)],
  ], rules, 'No earning rules yet: create the first one below.');
  return h('div', { class: 'row' },
    h('div', {}, section('Earning rules', h('p', {}, 'Show ', filter), list),
      section(current ? 'Edit rule' : 'Create a rule', ruleForm(current, tiers, () => go(status || ''), refresh))),
    section('Preview', preview(tiers)));
}
