// Bulk changes as jobs: bulkAdjustPoints (e.g. 500 points to everyone in a tier) and the import
// of an existing program (POST /import: the file is checked whole first; a refused row means
// nothing is imported, and the report lists every bad row with the error file), each followed
// with a progress bar (job(id)) until it is done.

import { useEffect, useState } from 'preact/hooks';
import type { ImportAnswer } from '../api';
import { download, gql, idempotencyKey, uploadImport } from '../api';
import { useFormats } from '../format';
import { graphql } from '../gql';
import type { JobQuery } from '../gql/graphql';
import { ApiForm, Failed, Input, Loading, Section, Select, Submit, Table, errorText, go, int, str, useLoad, useShell } from '../ui';

const JOB = graphql(`query Job($id: ID!) { job(id: $id) { id kind state total processed errors message
  errorItems(first: 20) { row memberId reason } } }`);
const TIERS = graphql(`query ImportTiers { tiers { id name } }`);
const BULK = graphql(`mutation BulkAdjust($i: BulkAdjustPointsInput!) { bulkAdjustPoints(input: $i) { id } }`);
const RUNNING = ['PENDING', 'RUNNING'];

function JobView({ id }: { id: string }) {
  const f = useFormats();
  const [job, setJob] = useState<JobQuery['job'] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stop = false;
    let timer = 0;
    const poll = async () => {
      try {
        const j = (await gql(JOB, { id })).job;
        if (stop) return;
        setJob(j);
        // Progress is read again each second while the job runs; nothing is asserted on time.
        if (RUNNING.includes(j.state)) timer = window.setTimeout(poll, 1000);
      } catch (e) { if (!stop) setError(errorText(e)); }
    };
    poll();
    return () => { stop = true; window.clearTimeout(timer); };
  }, [id]);
  if (error) return <p class="error" role="alert">{error}</p>;
  if (!job) return <Loading what="Reading the job…" />;
  const j = job;
  return (
    <div id="job" data-state={j.state}>
      <p>Job {j.id} ({j.kind}): <b>{j.state}</b> · {f.points(j.processed)} of {f.points(j.total)} done · {f.points(j.errors)} skipped</p>
      <progress max={Math.max(1, Number(j.total))} value={Number(j.processed)} aria-label={`Job ${j.id} progress`} />
      {j.message ? <p class="muted">{j.message}</p> : null}
      <Table label="Skipped rows" rows={j.errorItems} empty="" columns={[
        { head: 'Row', cell: (e) => e.row, num: true }, { head: 'Member', cell: (e) => e.memberId }, { head: 'Why', cell: (e) => e.reason }]} />
    </div>
  );
}

function Upload() {
  const f = useFormats();
  const shell = useShell();
  const [busy, setBusy] = useState<string | null>(null);
  const [answer, setAnswer] = useState<ImportAnswer | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const file = (form.elements.namedItem('file') as HTMLInputElement).files?.[0];
    if (!file) return;
    setAnswer(null);
    setBusy(`Checking ${file.name}…`);
    const dry = (form.elements.namedItem('dryRun') as HTMLInputElement).checked;
    try { setAnswer(await uploadImport(file, dry)); } finally { setBusy(null); }
  };
  const r = answer?.report;
  const errors = answer?.errorItems || [];
  return (
    <div>
      <form class="edit write" id="import-form" onSubmit={submit} aria-label="Import a file">
        <label class="wide"><span>CSV or NDJSON file (externalId, email, walletAddress, balance, earned, tier, lastActivity)</span>
          <input type="file" name="file" accept=".csv,.ndjson,.jsonl,text/csv" required /></label>
        <label class="check"><input type="checkbox" name="dryRun" defaultChecked /> <span>Only check it (dry run)</span></label>
        <div class="actions"><button class="primary" type="submit">Upload</button></div>
      </form>
      <div id="import-result" aria-live="polite">
        {busy ? <p class="muted" role="status">{busy}</p> : null}
        {answer?.error ? <p class="error" role="alert">{answer.error.code}: {answer.error.message}</p> : null}
        {r ? <p id="import-report">{f.points(r.rows)} rows, {f.points(r.valid)} valid, {f.points(r.errors)} refused · {f.points(r.balance)} points · {f.points(r.wallets)} wallets</p> : null}
        {errors.length ? <p class="error">Nothing was imported: fix these rows and upload again.</p> : null}
        {errors.length ? <Table label="Refused rows" rows={errors} columns={[
          { head: 'Row', cell: (x) => x.row, num: true }, { head: 'Field', cell: (x) => x.field }, { head: 'Reason', cell: (x) => x.reason }]} /> : null}
        {answer?.errorsUrl ? <button type="button" onClick={() => download(answer.errorsUrl as string, 'import-errors.csv').catch((err) => shell.notice(errorText(err)))}>Download the error file</button> : null}
        {answer?.job && !errors.length ? <p><a id="import-job" href={`#/imports/${answer.job.id}`}>Job {answer.job.id}: {answer.job.state} →</a></p> : null}
        {answer && !answer.job && r && !r.errors ? <p class="ok">The file is valid. Untick “dry run” to import it.</p> : null}
      </div>
    </div>
  );
}

export function Imports({ arg }: { arg: string }) {
  const shell = useShell();
  const { data, error } = useLoad(() => gql(TIERS), 'tiers');
  if (error) return <Failed error={error} />;
  if (!data) return <Loading />;
  const bulk = async (form: HTMLFormElement) => {
    const ids = (str(form, 'memberIds') || '').split(',').map((s) => s.trim()).filter(Boolean);
    const input: Record<string, unknown> = { idempotencyKey: idempotencyKey('console-bulk'), amount: int(form, 'amount'), reason: str(form, 'reason') };
    if (ids.length) input.memberIds = ids; else input.filter = { tierId: str(form, 'tierId') };
    const job = await gql(BULK, { i: input as never });
    shell.notice('Job started.', '#/imports/' + job.bulkAdjustPoints.id);
    go('#/imports/' + job.bulkAdjustPoints.id);
  };
  return (
    <div>
      {arg ? <Section title="Job"><JobView id={arg} /></Section> : null}
      <Section title="Import an existing program"><Upload /></Section>
      {shell.readonly ? null : (
        <Section title="Bulk adjust">
          <ApiForm id="bulk-form" onSubmit={bulk} label="Bulk adjust">
            <h3 class="wide">Give or take points from many members</h3>
            <Input label="Points (+ or −)" name="amount" type="number" required />
            <Input label="Reason" name="reason" required maxLength={100} />
            <Select label="Members in tier" name="tierId" options={[['', 'every member'], ...data.tiers.map((t): [string, string] => [t.id, t.name])]} />
            <Input label="or these member ids (comma separated)" name="memberIds" wide />
            <Submit>Start</Submit>
          </ApiForm>
          <p class="muted">Each member is adjusted once, even if the job is retried or the service restarts; the points are minted in batches.</p>
        </Section>
      )}
    </div>
  );
}
