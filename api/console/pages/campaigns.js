// Campaigns: the list, create / edit (window on the program's clock, conditions, effect, how
// it combines), pause / activate / end, delete. Validation messages are the API's typed errors.

import { field, gql, guarded, h, input, intValue, notice, section, select, table, value } from '../ui.js';

const FIELDS = `id revision title status combination priority
  window { startsAt endsAt daysOfWeek hours { start end } }
  conditions { minimumAmount activityTypes }
  effect { kind multiplier bonusPoints }`;
const DAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'];

function campaignForm(c, done, reload) {
  const days = new Set((c && c.window.daysOfWeek) || []);
  const form = h('form', { class: 'edit write', id: 'campaign-form' },
    h('h3', { class: 'wide' }, c ? `Edit “${c.title}” (revision ${c.revision})` : 'New campaign'),
    field('Title', input('title', c && c.title, { required: true })),
    field('Status', select('status', [['DRAFT', 'Draft'], ['ACTIVE', 'Active'], ['PAUSED', 'Paused'], ['ENDED', 'Ended']], c ? c.status : 'DRAFT')),
    field('Combines', select('combination', [['STACK', 'adds (STACK)'], ['BEST', 'best wins (BEST)'], ['EXCLUSIVE', 'alone (EXCLUSIVE)']], c ? c.combination : 'STACK')),
    field('Priority', input('priority', c ? c.priority : 0, { type: 'number' })),
    field('Starts (ISO, with zone)', input('startsAt', c ? c.window.startsAt : new Date().toISOString())),
    field('Ends (optional)', input('endsAt', c && c.window.endsAt)),
    field('Hours from (HH:MM)', input('hoursStart', c && c.window.hours && c.window.hours.start)),
    field('Hours to', input('hoursEnd', c && c.window.hours && c.window.hours.end)),
    h('fieldset', { class: 'wide' }, h('legend', {}, 'Days (none: every day)'),
      DAYS.map((d) => h('label', {}, h('input', { type: 'checkbox', name: 'day-' + d, checked: days.has(d) }), d.slice(0, 3)))),
    field('Multiplier (e.g. 2)', input('multiplier', c && c.effect.multiplier)),
    field('Or bonus points', input('bonusPoints', c && c.effect.bonusPoints, { type: 'number' })),
    field('Minimum amount', input('minimumAmount', c && c.conditions.minimumAmount)),
    h('div', { class: 'wide' }, h('button', { class: 'primary', type: 'submit' }, c ? 'Save changes' : 'Create campaign')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const chosen = DAYS.filter((d) => value(form, 'day-' + d));
    const start = value(form, 'hoursStart');
    const body = {
      title: value(form, 'title'), status: value(form, 'status'), combination: value(form, 'combination'),
      priority: intValue(form, 'priority') || 0,
      window: { startsAt: value(form, 'startsAt'), endsAt: value(form, 'endsAt'), daysOfWeek: chosen.length ? chosen : null,
        hours: start ? { start, end: value(form, 'hoursEnd') } : null },
      effect: value(form, 'multiplier') ? { multiplier: value(form, 'multiplier') } : { bonusPoints: intValue(form, 'bonusPoints') },
      conditions: { minimumAmount: value(form, 'minimumAmount') },
    };
    const saved = await guarded(form, () => c
      ? gql(`mutation($id: ID!, $rev: Long!, $u: CampaignUpdate!) { updateCampaign(id: $id, revision: $rev, campaign: $u) { id } }`, { id: c.id, rev: c.revision, u: body })
      : gql('mutation($c: CampaignInput!) { createCampaign(campaign: $c) { id } }', { c: body }), reload);
    if (saved) { notice(c ? 'Campaign saved.' : 'Campaign created.'); done(); }
  });
  return form;
}

export async function render({ arg, refresh }) {
  const data = await gql(`{ campaigns(first: 100) { edges { node { ${FIELDS} } } } }`);
  const items = data.campaigns.edges.map((e) => e.node);
  const current = arg ? items.find((c) => c.id === arg) : null;
  const go = (path) => { location.hash = '#/campaigns/' + path; refresh(); };
  const setStatus = async (c, status) => {
    try {
      await gql('mutation($id: ID!, $rev: Long!, $u: CampaignUpdate!) { updateCampaign(id: $id, revision: $rev, campaign: $u) { id } }', { id: c.id, rev: c.revision, u: { status } });
      notice(`Campaign ${status.toLowerCase()}.`);
    } catch (e) { notice(`${e.code}: ${e.message}`); }
    refresh();
  };
  const remove = async (c) => {
    try { await gql('mutation($id: ID!, $rev: Long!) { deleteCampaign(id: $id, revision: $rev) { id } }', { id: c.id, rev: c.revision }); notice('Campaign deleted.'); } catch (e) { notice(`${e.code}: ${e.message}`); }
    refresh();
  };
  return h('div', {},
    section('Campaigns', table([
      ['Title', (c) => c.title], ['Status', (c) => c.status],
      ['Effect', (c) => (c.effect.multiplier ? `×${c.effect.multiplier}` : c.effect.bonusPoints ? `+${c.effect.bonusPoints} points` : c.effect.kind)],
      ['Window', (c) => `${c.window.startsAt.slice(0, 16)} → ${c.window.endsAt ? c.window.endsAt.slice(0, 16) : 'open'}${c.window.daysOfWeek ? ' · ' + c.window.daysOfWeek.map((d) => d.slice(0, 3)).join(' ') : ''}${c.window.hours ? ' · ' + c.window.hours.start + '–' + c.window.hours.end : ''}`],
      ['Combines', (c) => `${c.combination} (${c.priority})`],
      ['', (c) => h('span', { class: 'write' },
        h('button', { type: 'button', onclick: () => go(c.id) }, 'Edit'), ' ',
        c.status === 'ACTIVE' ? h('button', { type: 'button', onclick: () => setStatus(c, 'PAUSED') }, 'Pause')
          : c.status !== 'ENDED' ? h('button', { type: 'button', onclick: () => setStatus(c, 'ACTIVE') }, 'Activate') : null, ' ',
        h('button', { type: 'button', class: 'danger', onclick: () => remove(c) }, 'Delete'))],
    ], items, 'No campaigns yet.')),
    section(current ? 'Edit campaign' : 'Create a campaign', campaignForm(current, () => go(''), refresh)));
}
