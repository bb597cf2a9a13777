// Campaigns: the list, create / edit (window on the program's clock, conditions, effect, how
// it combines), pause / activate, delete. Validation messages are the API's typed errors.

import { gql } from '../api';
import { useFormats } from '../format';
import { graphql } from '../gql';
import type { CampaignsQuery } from '../gql/graphql';
import { ApiForm, Check, Failed, Input, Loading, Section, Select, Submit, Table, checked, go, int, str, useAct, useLoad, useShell } from '../ui';

const CAMPAIGNS = graphql(`query Campaigns { campaigns(first: 100) { edges { node { id revision title status combination priority
  window { startsAt endsAt daysOfWeek hours { start end } }
  conditions { minimumAmount activityTypes }
  effect { kind multiplier bonusPoints } } } }
  loyaltyProgram { timeZone currency } }`);
const CREATE = graphql(`mutation CreateCampaign($c: CampaignInput!) { createCampaign(campaign: $c) { id } }`);
const UPDATE = graphql(`mutation UpdateCampaign($id: ID!, $rev: Long!, $u: CampaignUpdate!) { updateCampaign(id: $id, revision: $rev, campaign: $u) { id } }`);
const DELETE = graphql(`mutation DeleteCampaign($id: ID!, $rev: Long!) { deleteCampaign(id: $id, revision: $rev) { id } }`);
const DAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'];

type Campaign = CampaignsQuery['campaigns']['edges'][number]['node'];

function CampaignForm({ c, done, reload, timeZone }: { c: Campaign | null; done: (message: string) => void; reload: () => void; timeZone: string }) {
  const days = new Set<string>((c && c.window.daysOfWeek) || []);
  const save = async (form: HTMLFormElement) => {
    const chosen = DAYS.filter((d) => checked(form, 'day-' + d));
    const start = str(form, 'hoursStart');
    const body = {
      title: str(form, 'title'), status: str(form, 'status'), combination: str(form, 'combination'), priority: int(form, 'priority') || 0,
      window: { startsAt: str(form, 'startsAt'), endsAt: str(form, 'endsAt'), daysOfWeek: chosen.length ? chosen : null,
        hours: start ? { start, end: str(form, 'hoursEnd') } : null },
      effect: str(form, 'multiplier') ? { multiplier: str(form, 'multiplier') } : { bonusPoints: int(form, 'bonusPoints') },
      conditions: { minimumAmount: str(form, 'minimumAmount') },
    };
    if (c) await gql(UPDATE, { id: c.id, rev: c.revision, u: body as never });
    else await gql(CREATE, { c: body as never });
    done(c ? 'Campaign saved.' : 'Campaign created.');
  };
  return (
    <ApiForm id="campaign-form" class="write" onSubmit={save} onReload={reload} label={c ? 'Edit the campaign' : 'New campaign'}>
      <h3 class="wide">{c ? `Edit “${c.title}” (revision ${c.revision})` : 'New campaign'}</h3>
      <Input label="Title" name="title" value={c?.title} required />
      <Select label="Status" name="status" value={c ? c.status : 'DRAFT'} options={[['DRAFT', 'Draft'], ['ACTIVE', 'Active'], ['PAUSED', 'Paused'], ['ENDED', 'Ended']]} />
      <Select label="Combines" name="combination" value={c ? c.combination : 'STACK'} options={[['STACK', 'adds (STACK)'], ['BEST', 'best wins (BEST)'], ['EXCLUSIVE', 'alone (EXCLUSIVE)']]} />
      <Input label="Priority" name="priority" value={c ? c.priority : 0} type="number" />
      <Input label="Starts (ISO 8601, with its zone)" name="startsAt" value={c ? c.window.startsAt : new Date().toISOString()} />
      <Input label="Ends (optional)" name="endsAt" value={c?.window.endsAt} />
      <Input label={`Hours from (HH:MM, ${timeZone})`} name="hoursStart" value={c?.window.hours?.start} placeholder="18:00" />
      <Input label="Hours to" name="hoursEnd" value={c?.window.hours?.end} placeholder="02:00" />
      <fieldset class="wide days"><legend>Days (none: every day)</legend>
        {DAYS.map((d) => <Check key={d} name={'day-' + d} label={d.slice(0, 1) + d.slice(1, 3).toLowerCase()} checked={days.has(d)} />)}
      </fieldset>
      <Input label="Multiplier (e.g. 2)" name="multiplier" value={c?.effect.multiplier} inputMode="decimal" />
      <Input label="Or bonus points" name="bonusPoints" value={c?.effect.bonusPoints} type="number" />
      <Input label="Minimum amount" name="minimumAmount" value={c?.conditions.minimumAmount} inputMode="decimal" />
      <Submit>{c ? 'Save changes' : 'Create campaign'}</Submit>
    </ApiForm>
  );
}

export function Campaigns({ arg }: { arg: string }) {
  const f = useFormats();
  const shell = useShell();
  const { data, error, reload } = useLoad(() => gql(CAMPAIGNS), arg);
  const act = useAct(reload);
  if (error) return <Failed error={error} />;
  if (!data) return <Loading />;
  const items = data.campaigns.edges.map((e) => e.node);
  const current = arg ? items.find((c) => c.id === arg) || null : null;
  const done = (message: string) => {
    if (arg) { shell.notice(message, '#/campaigns'); go('#/campaigns'); } else { shell.notice(message); reload(); }
  };
  const setStatus = (c: Campaign, status: string) => act(() => gql(UPDATE, { id: c.id, rev: c.revision, u: { status: status as never } }), `Campaign ${status.toLowerCase()}.`);
  return (
    <div>
      <Section title="Campaigns">
        <Table label="Campaigns" rows={items} empty="No campaigns yet." columns={[
          { head: 'Title', cell: (c) => c.title }, { head: 'Status', cell: (c) => <span class={'status ' + c.status.toLowerCase()}>{c.status}</span> },
          { head: 'Effect', cell: (c) => (c.effect.multiplier ? `×${c.effect.multiplier}` : c.effect.bonusPoints ? `+${f.points(c.effect.bonusPoints)} points` : c.effect.kind) },
          { head: 'Window', cell: (c) => `${f.when(c.window.startsAt)} → ${c.window.endsAt ? f.when(c.window.endsAt) : 'open'}${c.window.daysOfWeek ? ' · ' + c.window.daysOfWeek.map((d) => d.slice(0, 3)).join(' ') : ''}${c.window.hours ? ' · ' + c.window.hours.start + '–' + c.window.hours.end : ''}` },
          { head: 'Combines', cell: (c) => `${c.combination} (${c.priority})` },
          { head: '', cell: (c) => (
            <span class="write buttons">
              <button type="button" onClick={() => go('#/campaigns/' + c.id)} aria-label={`Edit ${c.title}`}>Edit</button>
              {c.status === 'ACTIVE' ? <button type="button" onClick={() => setStatus(c, 'PAUSED')}>Pause</button>
                : c.status !== 'ENDED' ? <button type="button" onClick={() => setStatus(c, 'ACTIVE')}>Activate</button> : null}
              <button type="button" class="danger" onClick={() => { if (confirm(`Delete the campaign “${c.title}”?`)) act(() => gql(DELETE, { id: c.id, rev: c.revision }), 'Campaign deleted.'); }}>Delete</button>
            </span>) }]} />
      </Section>
      <Section title={current ? 'Edit campaign' : 'Create a campaign'}>
        <p class="muted">Days and hours are read on the program's clock ({data.loyaltyProgram.timeZone}). The preview on the rules page shows what a campaign adds.</p>
        <CampaignForm key={current ? current.id + ':' + current.revision : 'new:' + items.length} c={current} done={done} reload={reload} timeZone={data.loyaltyProgram.timeZone} />
      </Section>
    </div>
  );
}
