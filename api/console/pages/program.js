// Program settings: status (activate / pause), point name, time zone, point value, the tiers'
// window, points expiration, the webhook URL and the thank-you e-mail with a rendered preview.

import { field, gql, guarded, h, input, intValue, notice, section, select, value } from '../ui.js';

const FIELDS = `revision status pointDefinition { name iconUrl } tiersRollingWindowMonths
  pointsExpiration { status monthsOfInactivity expiringPointsPercentage } pointValue
  emailEnabled emailTemplate { subject body } webhookUrl timeZone updatedDate`;
const SAMPLE = { name: 'Ann', member_id: 'ann', points: '120', balance: '450', event: 'points.earned', tier: 'Silver' };

function rendered(template) {
  // The placeholders of loyalty.domain.templates, filled with a sample member; {{ and }} are braces.
  return template.replace(/\{\{|\}\}|\{(\w+)\}/g, (m, name) => (m === '{{' ? '{' : m === '}}' ? '}' : SAMPLE[name] ?? m));
}

export async function render({ refresh }) {
  const p = (await gql(`{ loyaltyProgram { ${FIELDS} } }`)).loyaltyProgram;
  const preview = h('div', { id: 'email-preview' });
  const form = h('form', { class: 'edit', id: 'program-form' },
    field('Point name', input('pointName', p.pointDefinition.name)),
    field('Time zone (IANA)', input('timeZone', p.timeZone)),
    field('Value of a point', input('pointValue', p.pointValue)),
    field('Tiers: rolling window (months)', input('tiersWindow', p.tiersRollingWindowMonths, { type: 'number' })),
    field('Expiration', select('expStatus', [['DISABLED', 'off'], ['ENABLED', 'on']], p.pointsExpiration.status)),
    field('after months of inactivity', input('expMonths', p.pointsExpiration.monthsOfInactivity, { type: 'number' })),
    field('percentage that expires', input('expPct', p.pointsExpiration.expiringPointsPercentage, { type: 'number' })),
    field('Webhook URL', input('webhookUrl', p.webhookUrl, { type: 'url' }), true),
    field('Thank-you e-mail on', h('input', { type: 'checkbox', name: 'emailEnabled', checked: p.emailEnabled })),
    field('Subject', input('subject', p.emailTemplate.subject), true),
    field('Body', h('textarea', { name: 'body' }, p.emailTemplate.body), true),
    h('div', { class: 'wide' }, h('h3', {}, 'Preview (a sample member)'), preview),
    h('div', { class: 'wide write' }, h('button', { class: 'primary', type: 'submit' }, 'Save settings')));
  const show = () => preview.replaceChildren(h('b', {}, rendered(value(form, 'subject') || '')), h('pre', {}, rendered(form.elements.body.value)));
  form.addEventListener('input', show);
  show();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const update = {
      pointDefinition: { name: value(form, 'pointName') }, timeZone: value(form, 'timeZone'), pointValue: value(form, 'pointValue'),
      tiersRollingWindowMonths: intValue(form, 'tiersWindow'),
      pointsExpiration: { status: value(form, 'expStatus'), monthsOfInactivity: intValue(form, 'expMonths'), expiringPointsPercentage: intValue(form, 'expPct') },
      webhookUrl: value(form, 'webhookUrl') || '', emailEnabled: value(form, 'emailEnabled'),
      emailTemplate: { subject: value(form, 'subject'), body: form.elements.body.value },
    };
    const ok = await guarded(form, () => gql('mutation($rev: Long!, $p: LoyaltyProgramUpdate!) { updateLoyaltyProgram(revision: $rev, program: $p) { revision } }', { rev: p.revision, p: update }), refresh);
    if (ok) { notice('Program settings saved.'); refresh(); }
  });
  const lifecycle = async (mutation) => {
    try { await gql(`mutation($rev: Long!) { ${mutation}(revision: $rev) { status } }`, { rev: p.revision }); notice(`Program ${mutation === 'pauseLoyaltyProgram' ? 'paused' : 'activated'}.`); } catch (e) { notice(`${e.code}: ${e.message}`); }
    refresh();
  };
  return h('div', {},
    section('Program status', h('p', {}, 'The program is ', h('b', { id: 'program-status' }, p.status), ` (revision ${p.revision}). `,
      h('span', { class: 'write' }, p.status === 'ACTIVE'
        ? h('button', { type: 'button', class: 'danger', onclick: () => lifecycle('pauseLoyaltyProgram') }, 'Pause the program')
        : h('button', { type: 'button', class: 'primary', onclick: () => lifecycle('activateLoyaltyProgram') }, 'Activate the program'))),
    h('p', { class: 'muted' }, 'While paused, nothing is earned or redeemed; webhooks are still stored and answered as ignored.')),
    section('Settings', form));
}
