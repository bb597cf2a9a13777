// Earning rules: the list (filter by status), create / edit with the Wix fields and per-tier
// configs, pause / activate, delete; beside the form, previewEarning answers "a $40 order by a
// Silver member earns …" with the rules as saved. A stale revision is shown, never overwritten.

import { useEffect, useRef, useState } from 'preact/hooks';
import { gql } from '../api';
import { useFormats } from '../format';
import { graphql } from '../gql';
import type { RulesQuery } from '../gql/graphql';
import { ApiForm, Failed, Input, Loading, Section, Select, Submit, Table, errorText, go, int, str, useAct, useLoad, useShell } from '../ui';

const RULES = graphql(`query Rules($f: EarningRuleFilter) {
  earningRules(filter: $f, first: 100) { edges { node { id revision title triggerAppId triggerActivityType status kind holdDays
    fixedAmount { configs { tierId points } }
    conversionRate { configs { tierId moneyAmount points } } metadata { canBeDeleted } } } }
  tiers { id name requiredPoints }
  loyaltyProgram { currency } }`);
const CREATE = graphql(`mutation CreateRule($r: EarningRuleInput!) { createEarningRule(earningRule: $r) { id revision } }`);
const UPDATE = graphql(`mutation UpdateRule($id: ID!, $rev: Long!, $u: EarningRuleUpdate!) { updateEarningRule(id: $id, revision: $rev, earningRule: $u) { id revision } }`);
const DELETE = graphql(`mutation DeleteRule($id: ID!, $rev: Long!) { deleteEarningRule(id: $id, revision: $rev) { id } }`);
const PREVIEW = graphql(`query Preview($a: ActivityInput!) { previewEarning(activity: $a) {
  totalPoints rulePoints campaignPoints awards { points reason rule { title } }
  campaigns { title points applied reason } } }`);

type Rule = RulesQuery['earningRules']['edges'][number]['node'];
type Tier = RulesQuery['tiers'][number];

function configsOf(form: HTMLFormElement, tiers: Tier[]) {
  const method = str(form, 'method');
  const configs: { tierId: string | null; points: number; moneyAmount?: string }[] = [];
  for (const tier of [{ id: null as string | null }, ...tiers]) {
    const key = tier.id || 'base';
    const pts = int(form, `points-${key}`);
    if (pts === null) continue;
    const config: { tierId: string | null; points: number; moneyAmount?: string } = { tierId: tier.id, points: pts };
    if (method === 'rate') config.moneyAmount = str(form, `money-${key}`) || '1';
    configs.push(config);
  }
  return method === 'rate' ? { conversionRate: { configs } } : { fixedAmount: { configs: configs.map(({ tierId, points }) => ({ tierId, points })) } };
}

function RuleForm({ rule, tiers, done, reload }: { rule: Rule | null; tiers: Tier[]; done: (message: string) => void; reload: () => void }) {
  const [method, setMethod] = useState(rule && rule.fixedAmount ? 'fixed' : 'rate');
  const configs = (rule && (rule.fixedAmount || rule.conversionRate)) ? (rule.fixedAmount || rule.conversionRate)!.configs : [];
  const configOf = (tierId: string | null) => (configs as { tierId?: string | null; points: number; moneyAmount?: string }[]).find((c) => (c.tierId || null) === tierId);
  const save = async (form: HTMLFormElement) => {
    const body = {
      title: str(form, 'title'), triggerAppId: str(form, 'triggerAppId'),
      triggerActivityType: str(form, 'triggerActivityType'), status: str(form, 'status'), ...configsOf(form, tiers),
      holdDays: int(form, 'holdDays'),
    };
    if (rule) await gql(UPDATE, { id: rule.id, rev: rule.revision, u: body as never });
    else await gql(CREATE, { r: body as never });
    done(rule ? 'Rule saved.' : 'Rule created.');
  };
  return (
    <ApiForm id="rule-form" class="write" onSubmit={save} onReload={reload} label={rule ? 'Edit the rule' : 'New earning rule'}>
      <h3 class="wide">{rule ? `Edit “${rule.title}” (revision ${rule.revision})` : 'New earning rule'}</h3>
      <Input label="Title" name="title" value={rule?.title} required maxLength={50} />
      <Input label="Trigger app" name="triggerAppId" value={rule ? rule.triggerAppId : 'stores'} />
      <Input label="Activity type" name="triggerActivityType" value={rule ? rule.triggerActivityType : 'stores/OrderPaid'} />
      <Select label="Status" name="status" value={rule ? rule.status : 'ACTIVE'} options={[['ACTIVE', 'Active'], ['PAUSED', 'Paused']]} />
      <Input label="Hold the points (days; empty: the program's)" name="holdDays" value={rule?.holdDays} type="number" min={0} max={365} />
      <Select label="Points" name="method" value={method} onChange={(e) => setMethod((e.target as HTMLSelectElement).value)}
        options={[['rate', 'per money spent (conversion rate)'], ['fixed', 'a fixed amount']]} />
      {[{ id: null as string | null, name: 'Base (every member)' }, ...tiers].map((tier) => {
        const key = tier.id || 'base';
        const c = configOf(tier.id);
        return (
          <fieldset class="wide tier-config" key={key}>
            <legend>{tier.name}</legend>
            <Input label="Points" name={`points-${key}`} value={c?.points} type="number" min={0} />
            {method === 'rate' ? <Input label="per money amount" name={`money-${key}`} value={c?.moneyAmount} placeholder="1" inputMode="decimal" /> : null}
          </fieldset>
        );
      })}
      <Submit>{rule ? 'Save changes' : 'Create rule'}</Submit>
    </ApiForm>
  );
}

function Preview({ tiers, currency }: { tiers: Tier[]; currency: string }) {
  const f = useFormats();
  const form = useRef<HTMLFormElement>(null);
  const [result, setResult] = useState<null | { r: NonNullable<Awaited<ReturnType<typeof runPreview>>>; amount: string | null; tier: string }>(null);
  const [error, setError] = useState<string | null>(null);
  async function runPreview(el: HTMLFormElement) {
    const amount = str(el, 'amount');
    const activity = {
      triggerAppId: str(el, 'triggerAppId') || 'stores', activityType: str(el, 'activityType') || 'stores/OrderPaid',
      tierId: str(el, 'tierId'), amount: amount ? { value: amount, currency: str(el, 'currency') || currency } : null,
    };
    return (await gql(PREVIEW, { a: activity })).previewEarning;
  }
  const run = async () => {
    const el = form.current;
    if (!el) return;
    try {
      const r = await runPreview(el);
      const tier = tiers.find((t) => t.id === str(el, 'tierId'));
      setResult({ r, amount: str(el, 'amount') ? f.money(str(el, 'amount'), str(el, 'currency') || currency) : null, tier: tier ? tier.name : 'base-tier' });
      setError(null);
    } catch (e) { setError(errorText(e)); }
  };
  useEffect(() => { run(); }, []);
  return (
    <div>
      <form class="edit" id="preview-form" ref={form} onInput={run} onSubmit={(e) => { e.preventDefault(); run(); }} aria-label="Preview">
        <h3 class="wide">What would it earn?</h3>
        <label><span>Amount</span><input name="amount" defaultValue="40" inputMode="decimal" /></label>
        <label><span>Currency</span><input name="currency" defaultValue={currency} size={4} /></label>
        <label><span>Tier</span><select name="tierId"><option value="">Base</option>{tiers.map((t) => <option key={t.id} value={t.id}>{t.name}</option>)}</select></label>
        <label><span>Trigger app</span><input name="triggerAppId" defaultValue="stores" /></label>
        <label><span>Activity type</span><input name="activityType" defaultValue="stores/OrderPaid" /></label>
      </form>
      <div id="preview-result" aria-live="polite">
        {error ? <p class="error">{error}</p> : !result ? <p class="muted">Type an amount to see what it earns.</p> : (
          <div>
            <p id="preview-total">A {result.amount ? result.amount + ' ' : ''}activity by a {result.tier} member earns{' '}
              <b>{f.points(result.r.totalPoints)} points</b> (rules {f.points(result.r.rulePoints)}, campaigns {f.points(result.r.campaignPoints)}).</p>
            <Table label="Rules in the preview" rows={result.r.awards} empty="No active rule matches." columns={[
              { head: 'Rule', cell: (a) => a.rule ? a.rule.title : '—' }, { head: 'Points', cell: (a) => f.points(a.points), num: true }, { head: 'Why', cell: (a) => a.reason }]} />
            {result.r.campaigns.length ? <Table label="Campaigns in the preview" rows={result.r.campaigns} columns={[
              { head: 'Campaign', cell: (c) => c.title }, { head: 'Points', cell: (c) => f.points(c.points), num: true },
              { head: 'Applied', cell: (c) => (c.applied ? 'yes' : 'no') }, { head: 'Why', cell: (c) => c.reason }]} /> : null}
          </div>
        )}
      </div>
    </div>
  );
}

export function Rules({ arg }: { arg: string }) {
  const f = useFormats();
  // #/rules/STATUS:APP/ID: the filters, then the rule being edited.
  const [filters, editing] = (arg || '').split('/');
  const [status, app] = (filters || '').split(':');
  const shell = useShell();
  const { data, error, reload } = useLoad(() => gql(RULES, {
    f: status || app ? { status: (status || null) as never, triggerAppId: app || null } : null,
  }), arg);
  const act = useAct(reload);
  if (error) return <Failed error={error} />;
  if (!data) return <Loading />;
  const rules = data.earningRules.edges.map((e) => e.node);
  const tiers = data.tiers;
  const current = editing ? rules.find((r) => r.id === editing) || null : null;
  const tierName = (id: string | null | undefined) => (id ? (tiers.find((t) => t.id === id) || { name: 'tier' }).name : null);
  const done = (message: string) => {
    if (editing) { shell.notice(message, '#/rules/' + (filters || '')); go('#/rules/' + (filters || '')); } else { shell.notice(message); reload(); }
  };
  return (
    <div class="row">
      <div>
        <Section title="Earning rules">
          <form class="filters" id="rule-filter" aria-label="Filter the rules" onSubmit={(e) => e.preventDefault()}>
            <label>Show{' '}
              <select name="status" value={status || ''} onChange={(e) => go(`#/rules/${(e.target as HTMLSelectElement).value}:${app || ''}`)}>
                <option value="">All</option><option value="ACTIVE">Active</option><option value="PAUSED">Paused</option>
              </select></label>{' '}
            <label>App{' '}
              <select name="triggerAppId" value={app || ''} onChange={(e) => go(`#/rules/${status || ''}:${(e.target as HTMLSelectElement).value}`)}>
                <option value="">All</option>
                {[...new Set([app, ...rules.map((r) => r.triggerAppId)].filter(Boolean) as string[])].sort().map((a) => <option key={a} value={a}>{a}</option>)}
              </select></label>
          </form>
          <Table label="Earning rules" rows={rules} empty="No earning rules yet: create the first one below." columns={[
            { head: 'Title', cell: (r) => r.title }, { head: 'Trigger', cell: (r) => `${r.triggerAppId} / ${r.triggerActivityType}` },
            { head: 'Status', cell: (r) => <span class={'status ' + r.status.toLowerCase()}>{r.status}</span> },
            { head: 'Points', cell: (r) => r.conversionRate
              ? r.conversionRate.configs.map((c) => `${f.points(c.points)} per ${f.money(c.moneyAmount, data.loyaltyProgram.currency)}${c.tierId ? ' (' + tierName(c.tierId) + ')' : ''}`).join(', ')
              : r.fixedAmount ? r.fixedAmount.configs.map((c) => `${f.points(c.points)}${c.tierId ? ' (' + tierName(c.tierId) + ')' : ''}`).join(', ') : '—' },
            { head: '', cell: (r) => (
              <span class="write buttons">
                <button type="button" onClick={() => go(`#/rules/${filters || ''}/${r.id}`)} aria-label={`Edit ${r.title}`}>Edit</button>
                <button type="button" onClick={() => act(() => gql(UPDATE, { id: r.id, rev: r.revision, u: { status: r.status === 'ACTIVE' ? 'PAUSED' : 'ACTIVE' } }), r.status === 'ACTIVE' ? 'Rule paused.' : 'Rule activated.')}>
                  {r.status === 'ACTIVE' ? 'Pause' : 'Activate'}</button>
                {r.metadata.canBeDeleted ? <button type="button" class="danger" onClick={() => { if (confirm(`Delete the rule “${r.title}”?`)) act(() => gql(DELETE, { id: r.id, rev: r.revision }), 'Rule deleted.'); }}>Delete</button> : null}
              </span>) },
          ]} />
        </Section>
        <Section title={current ? 'Edit rule' : 'Create a rule'}>
          <RuleForm key={current ? current.id + ':' + current.revision : 'new:' + rules.length} rule={current} tiers={tiers} done={done} reload={reload} />
        </Section>
      </div>
      <Section title="Preview"><Preview tiers={tiers} currency={data.loyaltyProgram.currency} /></Section>
    </div>
  );
}
