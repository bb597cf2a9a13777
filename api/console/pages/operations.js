// Operations (the operator's view): the token, the minter and its outbox, the indexer's lag,
// the webhook inbox, an audit at the indexed block and the newest transfers. The full operator
// dashboard (charts, live updates) stays at /dashboard/.

import { gql, h, points, section, table, when } from '../ui.js';

export async function render() {
  const d = await gql(`{ token { name symbol address chainId totalSupply holders transferable }
    mintingStatus { outboxDepth pendingRequests pendingPoints oldestUnfinishedAt refusedRequests batches { status count } lastError { message } }
    indexerStatus { headBlock finalizedBlock indexedBlock lagBlocks reorgsHandled }
    webhookInbox { pending failed }
    transfers(first: 10) { nodes { blockNumber fromAddress toAddress value txHash } } }`);
  let audit = null;
  if (d.indexerStatus.indexedBlock !== null) {
    try {
      audit = (await gql('query($b: Long!) { audit(block: $b) { block clean digest holders findings { kind } } }', { b: d.indexerStatus.indexedBlock })).audit;
    } catch (e) { audit = { error: `${e.code}: ${e.message}` }; }
  }
  const m = d.mintingStatus;
  const i = d.indexerStatus;
  return h('div', {},
    section('Token', h('p', { id: 'token' }, `${d.token.name} (${d.token.symbol}) at ${d.token.address} on chain ${d.token.chainId} · supply ${points(d.token.totalSupply)} · ${points(d.token.holders)} holders · ${d.token.transferable ? 'transferable' : 'mint and burn only'}`)),
    h('div', { class: 'row' },
      section('Minter', h('p', { id: 'minter' }, `${points(m.outboxDepth)} requests waiting (${points(m.pendingPoints)} points) · oldest ${when(m.oldestUnfinishedAt)} · ${m.refusedRequests} refused`),
        table([['Batches', (b) => b.status], ['', (b) => b.count, 'num']], m.batches, 'No batch yet.'),
        m.lastError ? h('p', { class: 'error' }, m.lastError.message) : null),
      section('Indexer', h('p', { id: 'indexer' }, `indexed ${i.indexedBlock ?? '—'} of head ${i.headBlock ?? '—'} (finalized ${i.finalizedBlock ?? '—'}) · lag ${i.lagBlocks ?? '—'} blocks · ${i.reorgsHandled} reorgs handled`)),
      section('Webhooks', h('p', {}, `${d.webhookInbox.pending} waiting · ${d.webhookInbox.failed} failed`))),
    section('Last audit', audit === null ? h('p', { class: 'muted' }, 'Nothing indexed yet.')
      : audit.error ? h('p', { class: 'error' }, audit.error)
        : h('p', { id: 'audit' }, `block ${audit.block}: `, h('b', { class: audit.clean ? 'ok' : 'error' }, audit.clean ? 'CLEAN' : 'MISMATCH'),
          ` · ${audit.holders} holders · digest ${audit.digest.slice(0, 16)}…`, audit.findings.length ? ` · ${audit.findings.map((f) => f.kind).join(', ')}` : '')),
    section('Recent transfers', table([['Block', (t) => t.blockNumber, 'num'], ['From', (t) => t.fromAddress.slice(0, 10) + '…'], ['To', (t) => t.toAddress.slice(0, 10) + '…'],
      ['Value', (t) => points(t.value), 'num']], d.transfers.nodes, 'No transfers yet.')),
    h('p', {}, h('a', { href: '/dashboard/' }, 'The full operator dashboard →')));
}
