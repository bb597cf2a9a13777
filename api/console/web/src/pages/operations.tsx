// Operations (the operator's view, formerly the dashboard): the token, the minter and its
// outbox, the indexer's lag, the webhook inbox, an audit at the indexed block and the newest
// transfers. /dashboard/ still answers with the operator's live charts.

import { gql } from '../api';
import { useFormats } from '../format';
import { graphql } from '../gql';
import type { AuditQuery } from '../gql/graphql';
import { Failed, Figures, Loading, Section, Table, errorText, useLoad } from '../ui';

const OPS = graphql(`query Operations { token { name symbol address chainId totalSupply holders transferable }
  mintingStatus { outboxDepth pendingRequests pendingPoints oldestUnfinishedAt refusedRequests batches { status count } lastError { message } }
  indexerStatus { headBlock finalizedBlock indexedBlock lagBlocks reorgsHandled }
  webhookInbox { pending failed }
  transfers(first: 10) { nodes { blockNumber fromAddress toAddress value txHash } } }`);
const AUDIT = graphql(`query Audit($b: Long!) { audit(block: $b) { block clean digest holders findings { code message } } }`);

async function load() {
  const d = await gql(OPS);
  let audit: AuditQuery['audit'] | { error: string } | null = null;
  if (d.indexerStatus.indexedBlock !== null && d.indexerStatus.indexedBlock !== undefined) {
    try { audit = (await gql(AUDIT, { b: d.indexerStatus.indexedBlock })).audit; } catch (e) { audit = { error: errorText(e) }; }
  }
  return { d, audit };
}

const short = (s: string) => s.slice(0, 10) + '…';

export function Operations({ arg }: { arg: string }) {
  const f = useFormats();
  const { data, error } = useLoad(load, arg);
  if (error) return <Failed error={error} />;
  if (!data) return <Loading />;
  const { d, audit } = data;
  const m = d.mintingStatus;
  const i = d.indexerStatus;
  return (
    <div>
      <Section title="Token">
        <p id="token">{d.token.name} ({d.token.symbol}) at <code>{d.token.address}</code> on chain {d.token.chainId} · {d.token.transferable ? 'transferable' : 'mint and burn only'}</p>
        <Figures items={[['Supply', f.points(d.token.totalSupply)], ['Holders', f.points(d.token.holders)]]} />
      </Section>
      <div class="row">
        <Section title="Minter">
          <p id="minter">{f.points(m.outboxDepth)} requests waiting ({f.points(m.pendingPoints)} points) · oldest {f.when(m.oldestUnfinishedAt)} · {f.points(m.refusedRequests)} refused</p>
          <Table label="Batches" rows={m.batches} empty="No batch yet." columns={[{ head: 'Batches', cell: (b) => b.status }, { head: 'Count', cell: (b) => f.points(b.count), num: true }]} />
          {m.lastError ? <p class="error">{m.lastError.message}</p> : null}
        </Section>
        <Section title="Indexer">
          <p id="indexer">indexed {i.indexedBlock ?? '—'} of head {i.headBlock ?? '—'} (finalized {i.finalizedBlock ?? '—'}) · lag {i.lagBlocks ?? '—'} blocks · {i.reorgsHandled} reorgs handled</p>
        </Section>
        <Section title="Webhooks"><p>{f.points(d.webhookInbox.pending)} waiting · {f.points(d.webhookInbox.failed)} failed</p></Section>
      </div>
      <Section title="Last audit">
        {audit === null ? <p class="muted">Nothing indexed yet.</p>
          : 'error' in audit ? <p class="error">{audit.error}</p>
            : <p id="audit">block {audit.block}: <b class={audit.clean ? 'ok' : 'error'}>{audit.clean ? 'CLEAN' : 'MISMATCH'}</b> · {f.points(audit.holders)} holders · digest <code>{audit.digest.slice(0, 16)}…</code>
              {audit.findings.length ? ` · ${audit.findings.map((x) => x.code).join(', ')}` : ''}</p>}
      </Section>
      <Section title="Recent transfers">
        <Table label="Recent transfers" rows={d.transfers.nodes} empty="No transfers yet." columns={[
          { head: 'Block', cell: (t) => t.blockNumber, num: true }, { head: 'From', cell: (t) => <code title={t.fromAddress}>{short(t.fromAddress)}</code> },
          { head: 'To', cell: (t) => <code title={t.toAddress}>{short(t.toAddress)}</code> }, { head: 'Value', cell: (t) => f.points(t.value), num: true },
          { head: 'Transaction', cell: (t) => <code title={t.txHash}>{short(t.txHash)}</code> }]} />
      </Section>
      <p><a href="/dashboard/">The operator dashboard with live charts →</a></p>
    </div>
  );
}
