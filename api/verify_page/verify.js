// Checks a member proof in the browser, as verifier/loyalty_verify.py does (docs/proofs.md):
// SHA-256 by WebCrypto, the root and supply from the token's BatchSettled log at the block the
// proof names, balanceOf at that block, both read from the JSON-RPC node the member names.
'use strict';

// keccak256("BatchSettled(bytes32,uint256,uint256,uint256,bytes32,uint256)"), balanceOf(address)
const BATCH_SETTLED = '0x3c0ed97500cd8045fad4a03d4f1cf97b04a6e5f0e8b02af09276fc3d9ebb3218';
const BALANCE_OF = '0x70a08231';
const U256_MAX = (1n << 256n) - 1n;

class Invalid extends Error {}  // the proof does not hold
class BadInput extends Error {}  // the proof or a field is malformed

const $ = (id) => document.getElementById(id);

function hexBytes(value, size, what) {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]*$/.test(value) || value.length !== 2 + 2 * size) {
    throw new BadInput(`${what} must be 0x and ${2 * size} hex digits`);
  }
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = parseInt(value.slice(2 + 2 * i, 4 + 2 * i), 16);
  return out;
}

const toHex = (bytes) => '0x' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

function figure(value, what) {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === 'string' && /^[0-9]{1,78}$/.test(value)) {
    const n = BigInt(value);
    if (n <= U256_MAX) return n;
  }
  throw new BadInput(`${what} must be a whole number from 0 to 2**256-1`);
}

function u256(n) {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--) { out[i] = Number(n & 0xffn); n >>= 8n; }
  return out;
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

// The packed form (base64url of: 0x01, varint memberId, salt, varint slot, address flag,
// varint balance, varint debt, depth, depth x (hash, varint, varint), committed flag …).
function unpack(text) {
  let b64 = text.trim().replace(/-/g, '+').replace(/_/g, '/');
  b64 += '='.repeat((4 - (b64.length % 4)) % 4);
  let raw;
  try { raw = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)); } catch { throw new BadInput('the packed proof is not base64url'); }
  let at = 0;
  const take = (n) => {
    if (at + n > raw.length) throw new BadInput('the packed proof ends too early');
    const out = raw.slice(at, at + n); at += n; return out;
  };
  const varint = () => {
    let value = 0n, shift = 0n;
    for (;;) {
      const byte = take(1)[0];
      value |= BigInt(byte & 0x7f) << shift; shift += 7n;
      if (!(byte & 0x80)) return value;
      if (shift > 7n * 37n) throw new BadInput('a packed figure is longer than a uint256');
    }
  };
  const flag = () => { const b = take(1)[0]; if (b > 1) throw new BadInput('a packed flag is 0 or 1'); return b === 1; };
  if (take(1)[0] !== 1) throw new BadInput('unknown packed proof version');
  const memberId = new TextDecoder('utf-8', { fatal: true }).decode(take(Number(varint())));
  const salt = toHex(take(32));
  const slot = Number(varint());
  const address = flag() ? toHex(take(20)) : null;
  const leaf = { address, balance: varint().toString(), debt: varint().toString() };
  const depth = take(1)[0];
  const path = [];
  for (let i = 0; i < depth; i++) {
    path.push({ hash: toHex(take(32)), balance: varint().toString(), debt: varint().toString() });
  }
  const doc = { memberId, salt, slot, leaf, path };
  if (flag()) doc.committed = { batchId: toHex(take(32)), txHash: toHex(take(32)), block: Number(varint()) };
  if (at !== raw.length) throw new BadInput('bytes left after the packed proof');
  return doc;
}

function parseProof(text) {
  const trimmed = text.trim();
  if (/^[A-Za-z0-9_-]+$/.test(trimmed)) return unpack(trimmed);
  let data;
  try { data = JSON.parse(trimmed); } catch { throw new BadInput('the proof is neither JSON nor a packed proof'); }
  if (data && typeof data.data === 'object' && data.data && data.data.memberProof) data = data.data.memberProof;
  if (data && !data.path && typeof data.packed === 'string') data = unpack(data.packed);
  if (!data || typeof data !== 'object') throw new BadInput('a proof is a JSON object');
  return data;
}

// Folds the proof to its root: {hash, balance, debt, leafBalance, address}.
async function fold(doc) {
  if (typeof doc.memberId !== 'string') throw new BadInput('memberId must be a string');
  const salt = hexBytes(doc.salt, 32, 'salt');
  const leaf = doc.leaf;
  const path = doc.path;
  if (!leaf || typeof leaf !== 'object') throw new BadInput('leaf must be an object');
  if (!Array.isArray(path) || path.length < 1 || path.length > 64) throw new BadInput('path must list 1 to 64 siblings');
  if (!Number.isSafeInteger(doc.slot) || doc.slot < 0 || doc.slot >= 2 ** path.length) throw new BadInput('slot does not fit the path');
  const commitment = await sha256(concat(salt, new TextEncoder().encode(doc.memberId)));
  if (leaf.commitment !== undefined && !equal(hexBytes(leaf.commitment, 32, 'leaf.commitment'), commitment)) {
    throw new Invalid("the leaf's commitment is not sha256(salt ‖ memberId)");
  }
  const balance = figure(leaf.balance, 'leaf.balance');
  const debt = figure(leaf.debt ?? '0', 'leaf.debt');
  const address = leaf.address == null ? new Uint8Array(20) : hexBytes(leaf.address, 20, 'leaf.address');
  let node = { hash: await sha256(concat(new Uint8Array([0]), commitment, address, u256(balance), u256(debt))), balance, debt };
  for (let level = 0; level < path.length; level++) {
    const s = path[level];
    const other = { hash: hexBytes(s.hash, 32, `path[${level}].hash`), balance: figure(s.balance, `path[${level}].balance`), debt: figure(s.debt ?? '0', `path[${level}].debt`) };
    const [left, right] = Math.floor(doc.slot / 2 ** level) % 2 ? [other, node] : [node, other];
    node = {
      hash: await sha256(concat(new Uint8Array([1]), left.hash, u256(left.balance), u256(left.debt), right.hash, u256(right.balance), u256(right.debt))),
      balance: left.balance + right.balance,
      debt: left.debt + right.debt,
    };
  }
  if (node.balance > U256_MAX || node.debt > U256_MAX) throw new Invalid('the sums overflow 2**256');
  return { ...node, leafBalance: balance, address: leaf.address == null ? null : leaf.address.toLowerCase() };
}

async function rpc(url, method, params) {
  let reply;
  try {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
    reply = await response.json();
  } catch (error) { throw new BadInput(`the node did not answer ${method}: ${error.message}`); }
  if (!reply || !('result' in reply)) throw new BadInput(`the node answered ${method} with ${JSON.stringify(reply && reply.error)}`);
  return reply.result;
}

async function committedRoot(url, token, where) {
  if (!where || typeof where !== 'object') throw new BadInput('the proof does not say where its root was committed: give the root');
  const batchId = toHex(hexBytes(where.batchId, 32, 'committed.batchId'));
  const txHash = toHex(hexBytes(where.txHash, 32, 'committed.txHash'));
  const block = Number(where.block);
  if (!Number.isSafeInteger(block) || block < 0) throw new BadInput('committed.block must be a block number');
  const logs = await rpc(url, 'eth_getLogs', [{ address: token, fromBlock: '0x' + block.toString(16), toBlock: '0x' + block.toString(16), topics: [BATCH_SETTLED, batchId] }]);
  for (const log of Array.isArray(logs) ? logs : []) {
    if (log.removed || String(log.transactionHash).toLowerCase() !== txHash || String(log.address).toLowerCase() !== token.toLowerCase()) continue;
    if (!/^0x[0-9a-fA-F]{320}$/.test(log.data)) throw new BadInput('a BatchSettled log without five words');
    return { root: '0x' + log.data.slice(2 + 192, 2 + 256).toLowerCase(), supply: BigInt('0x' + log.data.slice(2 + 256)), block, batchId, txHash };
  }
  throw new Invalid(`no BatchSettled log of batch ${batchId} in transaction ${txHash} at block ${block}: the root was not committed where the proof says`);
}

async function balanceOf(url, token, address, block) {
  const data = BALANCE_OF + '0'.repeat(24) + address.slice(2);
  const result = await rpc(url, 'eth_call', [{ to: token, data }, '0x' + block.toString(16)]);
  if (typeof result !== 'string' || !/^0x[0-9a-fA-F]{1,64}$/.test(result)) throw new BadInput('balanceOf did not return a uint256');
  return BigInt(result);
}

async function verify() {
  const doc = parseProof($('proof').value);
  const url = $('rpc').value.trim();
  const token = $('token').value.trim();
  const given = $('root').value.trim();
  const folded = await fold(doc);
  const lines = [];
  let root = given;
  let onChain = null;
  if (!given) {
    if (!url || !/^0x[0-9a-fA-F]{40}$/.test(token)) throw new BadInput('give the root, or a node and the token address to read the committed root');
    onChain = await committedRoot(url, token, doc.committed);
    root = onChain.root;
  }
  const expected = toHex(hexBytes(root, 32, 'the root'));
  if (toHex(folded.hash) !== expected) throw new Invalid(`the proof leads to root ${toHex(folded.hash)}, not ${expected}`);
  lines.push(`OK: member '${doc.memberId}' (address ${folded.address}) holds ${folded.leafBalance} points, included in root ${expected}`);
  lines.push(`the root's totals: ${folded.balance} points, ${folded.debt} debt`);
  if (onChain) {
    if (folded.balance !== onChain.supply) throw new Invalid(`the root's total is ${folded.balance}, the supply committed with it ${onChain.supply}`);
    lines.push(`committed on chain with batch ${onChain.batchId} (transaction ${onChain.txHash}, block ${onChain.block}), supply ${onChain.supply}`);
    if (!$('no-balance').checked) {
      if (!folded.address) throw new Invalid('the leaf has no address to check on chain');
      const held = await balanceOf(url, token, folded.address, onChain.block);
      if (held !== folded.leafBalance) throw new Invalid(`balanceOf(${folded.address}) is ${held} at block ${onChain.block}; the leaf says ${folded.leafBalance}`);
      lines.push(`balanceOf(${folded.address}) at block ${onChain.block} is ${held}`);
    }
  }
  return lines.join('\n');
}

function show(state, text) {
  const out = $('result');
  out.dataset.state = state;
  out.textContent = text;
}

const QUERY = `query($m: String!) { memberProof(memberId: $m) { version hash memberId salt slot
  leaf { commitment address balance debt } path { hash balance debt } root { hash balance debt }
  committed { batch batchId txHash block root supply } packed } }`;

async function fetchProof() {
  const response = await fetch('../graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${$('member-token').value.trim()}` },
    body: JSON.stringify({ query: QUERY, variables: { m: $('member-id').value.trim() } }),
  });
  const body = await response.json();
  if (body.errors) throw new BadInput(body.errors.map((e) => e.message).join('; '));
  $('proof').value = JSON.stringify(body.data.memberProof, null, 1);
}

function run(action) {
  return async (event) => {
    event.preventDefault();
    show('working', 'Checking…');
    try {
      const text = await action();
      show(text ? 'ok' : 'idle', text || 'Proof fetched: press Verify.');
    } catch (error) {
      if (error instanceof Invalid) show('failed', `FAILED: ${error.message}`);
      else show('error', `error: ${error.message}`);
    }
  };
}

$('verify-form').addEventListener('submit', run(verify));
$('fetch-form').addEventListener('submit', run(async () => { await fetchProof(); return ''; }));
