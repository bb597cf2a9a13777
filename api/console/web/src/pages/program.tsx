// Program settings: status (activate / pause), point name, time zone, point value, the tiers'
// window, points expiration, hold days, the webhook URL and the thank-you e-mail with a
// rendered preview.

import { useState } from 'preact/hooks';
import { gql } from '../api';
import { useFormats } from '../format';
import { graphql } from '../gql';
import { ApiForm, Check, Failed, Input, Loading, Section, Select, Submit, TextArea, checked, int, str, useAct, useLoad, useShell } from '../ui';

const PROGRAM = graphql(`query Program { loyaltyProgram { revision status pointDefinition { name iconUrl } tiersRollingWindowMonths
  pointsExpiration { status monthsOfInactivity expiringPointsPercentage } pointValue holdDays
  emailEnabled emailTemplate { subject body } webhookUrl timeZone updatedDate currency locale } }`);
const UPDATE = graphql(`mutation UpdateProgram($rev: Long!, $p: LoyaltyProgramUpdate!) { updateLoyaltyProgram(revision: $rev, program: $p) { revision } }`);
const PAUSE = graphql(`mutation PauseProgram($rev: Long!) { pauseLoyaltyProgram(revision: $rev) { status } }`);
const ACTIVATE = graphql(`mutation ActivateProgram($rev: Long!) { activateLoyaltyProgram(revision: $rev) { status } }`);
const SAMPLE: Record<string, string> = { name: 'Ann', member_id: 'ann', points: '120', balance: '450', event: 'points.earned', tier: 'Silver' };

// The placeholders of loyalty.domain.templates, filled with a sample member; {{ and }} are braces.
function rendered(template: string): string {
  return template.replace(/\{\{|\}\}|\{(\w+)\}/g, (m, name) => (m === '{{' ? '{' : m === '}}' ? '}' : SAMPLE[name] ?? m));
}

export function ProgramPage({ arg }: { arg: string }) {
  const f = useFormats();
  const shell = useShell();
  const { data, error, reload } = useLoad(() => gql(PROGRAM), arg);
  const act = useAct(reload);
  const [email, setEmail] = useState<{ subject: string; body: string } | null>(null);
  if (error) return <Failed error={error} />;
  if (!data) return <Loading />;
  const p = data.loyaltyProgram;
  const shown = email || p.emailTemplate;
  const save = async (form: HTMLFormElement) => {
    const update = {
      pointDefinition: { name: str(form, 'pointName') }, timeZone: str(form, 'timeZone'), pointValue: str(form, 'pointValue'),
      tiersRollingWindowMonths: int(form, 'tiersWindow'), holdDays: int(form, 'holdDays'),
      pointsExpiration: { status: str(form, 'expStatus'), monthsOfInactivity: int(form, 'expMonths'), expiringPointsPercentage: int(form, 'expPct') },
      webhookUrl: str(form, 'webhookUrl') || '', emailEnabled: checked(form, 'emailEnabled'),
      emailTemplate: { subject: str(form, 'subject'), body: (form.elements.namedItem('body') as HTMLTextAreaElement).value },
    };
    await gql(UPDATE, { rev: p.revision, p: update as never });
    shell.notice('Program settings saved.');
    reload();
  };
  const onEmail = (e: Event) => {
    const form = (e.target as HTMLElement).closest('form') as HTMLFormElement;
    setEmail({ subject: str(form, 'subject') || '', body: (form.elements.namedItem('body') as HTMLTextAreaElement).value });
  };
  return (
    <div>
      <Section title="Program status">
        <p>The program is <b id="program-status">{p.status}</b> (revision {p.revision}, changed {f.when(p.updatedDate)}).{' '}
          <span class="write">{p.status === 'ACTIVE'
            ? <button type="button" class="danger" onClick={() => act(() => gql(PAUSE, { rev: p.revision }), 'Program paused.')}>Pause the program</button>
            : <button type="button" class="primary" onClick={() => act(() => gql(ACTIVATE, { rev: p.revision }), 'Program activated.')}>Activate the program</button>}</span></p>
        <p class="muted">While paused, nothing is earned or redeemed; webhooks are still stored and answered as ignored.
          Money is in {p.currency}; numbers and dates are shown for {p.locale} in {p.timeZone}.</p>
      </Section>
      <Section title="Settings">
        <ApiForm key={p.revision} id="program-form" onSubmit={save} onReload={reload} label="Program settings">
          <Input label="Point name" name="pointName" value={p.pointDefinition.name} />
          <Input label="Time zone (IANA, e.g. Europe/Paris)" name="timeZone" value={p.timeZone} />
          <Input label={`Value of a point (${p.currency})`} name="pointValue" value={p.pointValue} inputMode="decimal" />
          <Input label="Tiers: rolling window (months)" name="tiersWindow" value={p.tiersRollingWindowMonths} type="number" />
          <Input label="Hold earned points (days)" name="holdDays" value={p.holdDays} type="number" min={0} />
          <Select label="Expiration" name="expStatus" value={p.pointsExpiration.status} options={[['DISABLED', 'off'], ['ENABLED', 'on']]} />
          <Input label="after months of inactivity" name="expMonths" value={p.pointsExpiration.monthsOfInactivity} type="number" />
          <Input label="percentage that expires" name="expPct" value={p.pointsExpiration.expiringPointsPercentage} type="number" />
          <Input label="Webhook URL" name="webhookUrl" value={p.webhookUrl} type="url" wide />
          <Check label="Send the thank-you e-mail" name="emailEnabled" checked={p.emailEnabled} />
          <Input label="Subject" name="subject" value={p.emailTemplate.subject} wide onInput={onEmail} />
          <TextArea label="Body" name="body" value={p.emailTemplate.body} wide onInput={onEmail} />
          <div class="wide"><h3>Preview (a sample member)</h3>
            <div id="email-preview" class="email-preview"><b>{rendered(shown.subject || '')}</b><pre>{rendered(shown.body || '')}</pre></div></div>
          <div class="wide write"><Submit>Save settings</Submit></div>
        </ApiForm>
      </Section>
    </div>
  );
}
