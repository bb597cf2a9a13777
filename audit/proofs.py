"""`loyalty audit --proofs`: the whole book checked leaf by leaf (docs/proofs.md).

From the database alone (no node needed), the tree is rebuilt from the members' stored figures
(what memberProof serves) and:

1. every member's figures equal the sums of their ledger entries (balance = Σ delta,
   debt = Σ debt_change): a hand-changed member row or entry is named here (LEDGER_MISMATCH);
2. every member has a salt (NO_SALT) and every leaf's proof verifies against the root
   (PROOF_FAILED);
3. the root's sums equal the ledger's totals (Σ of every entry's delta and debt_change)
   (ROOT_SUM);
4. where a member receives on their custodial address, the address's indexed balance equals the
   leaf's balance less what is not final on chain yet (mints minus burns still pending, batched
   or refused) (INDEXED_MISMATCH). An address with a batch in flight is counted, not compared.

With a node (`rpc`, the CLI's default) and a root committed on chain (LOYALTY_MINTER_COMMIT), also
the committed tree (audit.commitment): the latest BatchSettled at or before the indexed block,
its root against the ledger's committed tree at that batch (COMMITTED_ROOT_MISMATCH), every
committed leaf's proof against the root read from the chain, the committed supply against
totalSupply() (COMMITTED_SUPPLY_MISMATCH), every chain request against its ledger entry
(REQUEST_MISMATCH, naming the member), and each committed leaf against its address's indexed
balance at that block (COMMITTED_BALANCE_MISMATCH) where transfers cannot have moved it: every
address on a non-transferable token, custodial addresses on a transferable one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Engine, case, func, select

from audit.commitment import check_commitment
from audit.rpc import RetryPolicy, call_one
from indexer.queries import balances_at_stmt, load_state
from indexer.rpc import RpcTransport, quantity
from loyalty.db.ledger import ledger_entries
from loyalty.db.onchain import balances
from loyalty.db.outbox import BATCHED, FINAL, MINT, chain_requests
from loyalty.db.proofs import book_rows, figures
from loyalty.domain.merkle import Book, fold, verify

LEDGER_MISMATCH, NO_SALT, PROOF_FAILED = "LEDGER_MISMATCH", "NO_SALT", "PROOF_FAILED"
ROOT_SUM, INDEXED_MISMATCH = "ROOT_SUM", "INDEXED_MISMATCH"
COMMITTED_BALANCE_MISMATCH = "COMMITTED_BALANCE_MISMATCH"
TRANSFERABLE = "0x92ff0d31"  # transferable()


@dataclass(frozen=True)
class ProofFinding:
    code: str
    member_id: str | None
    message: str


@dataclass
class ProofsReport:
    members: int = 0
    root: str | None = None
    total_balance: int = 0
    total_debt: int = 0
    ledger_balance: int = 0
    ledger_debt: int = 0
    last_entry: int | None = None
    custodial_compared: int = 0
    custodial_in_flight: int = 0
    committed: dict[str, Any] | None = None  # the commitment checked (None: no node given)
    committed_verified: int = 0  # committed leaves whose proof verifies against the chain's root
    committed_compared: int = 0  # committed leaves compared with their indexed balance
    findings: list[ProofFinding] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.findings

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["clean"] = self.clean
        for key in ("total_balance", "total_debt", "ledger_balance", "ledger_debt"):
            data[key] = str(data[key])  # may pass 2**53
        return data


def _entry_sums(conn: Any) -> dict[int, tuple[int, int]]:
    rows = conn.execute(
        select(
            ledger_entries.c.member_pk,
            func.coalesce(func.sum(ledger_entries.c.delta), 0),
            func.coalesce(func.sum(ledger_entries.c.debt_change), 0),
        ).group_by(ledger_entries.c.member_pk)
    )
    return {pk: (int(delta), int(debt)) for pk, delta, debt in rows}


def _unsettled(conn: Any) -> tuple[dict[str, int], set[str]]:
    """Per lower-case address: mints minus burns not final on chain, and the addresses with a
    batch in flight (it may or may not be indexed yet)."""
    signed = case(
        (chain_requests.c.kind == MINT, chain_requests.c.amount), else_=-chain_requests.c.amount
    )
    rows = conn.execute(
        select(chain_requests.c.address, chain_requests.c.status, func.sum(signed))
        .where(chain_requests.c.status != FINAL)
        .group_by(chain_requests.c.address, chain_requests.c.status)
    )
    net: dict[str, int] = defaultdict(int)
    in_flight: set[str] = set()
    for address, status, amount in rows:
        net[address.lower()] += int(amount)
        if status == BATCHED:
            in_flight.add(address.lower())
    return net, in_flight


def audit_proofs(engine: Engine, rpc: RpcTransport | None = None) -> ProofsReport:
    report = ProofsReport()
    with engine.connect() as conn:
        # One snapshot for every read below, so that a ledger written meanwhile cannot show up
        # as a mismatch: REPEATABLE READ on PostgreSQL; on SQLite an explicit BEGIN (pysqlite
        # opens no transaction for reads), whose first read fixes the WAL snapshot.
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("BEGIN")
            rows = conn.execute(book_rows()).all()
            sums = _entry_sums(conn)
            net, in_flight = _unsettled(conn)
            indexed = {
                a.lower(): int(b)
                for a, b in conn.execute(select(balances.c.address, balances.c.balance))
            }
    report.members = len(rows)
    report.last_entry = rows[0].last_entry if rows else None
    report.ledger_balance = sum(delta for delta, _ in sums.values())
    report.ledger_debt = sum(debt for _, debt in sums.values())
    salted = []
    for row in rows:
        if row.salt is None:
            report.findings.append(
                ProofFinding(NO_SALT, row.member_id, f"member {row.member_id!r} has no salt")
            )
            continue
        salted.append(row)
        delta, debt = sums.get(row.id, (0, 0))
        if (row.balance, row.debt) != (delta, debt):
            report.findings.append(
                ProofFinding(
                    LEDGER_MISMATCH,
                    row.member_id,
                    f"member {row.member_id!r} shows balance {row.balance}, debt {row.debt}; "
                    f"their ledger entries sum to balance {delta}, debt {debt}",
                )
            )
    book = Book(figures(row) for row in salted)
    root = book.root
    report.root = "0x" + root.hash.hex()
    report.total_balance, report.total_debt = root.balance, root.debt
    for member_id, member in book.members.items():
        if not verify(book.tree.proof(member.slot), root):  # pragma: no cover - a tree bug
            report.findings.append(
                ProofFinding(PROOF_FAILED, member_id, f"the proof of {member_id!r} fails")
            )
    if (root.balance, root.debt) != (report.ledger_balance, report.ledger_debt):
        report.findings.append(
            ProofFinding(
                ROOT_SUM,
                None,
                f"the root sums to balance {root.balance}, debt {root.debt}; the ledger's "
                f"entries to balance {report.ledger_balance}, debt {report.ledger_debt}",
            )
        )
    for row in salted:
        if row.wallet_address or not row.custodial_address:
            continue  # points go to a linked wallet: transfers may move them (docs/proofs.md)
        address = row.custodial_address.lower()
        if address in in_flight:
            report.custodial_in_flight += 1
            continue
        report.custodial_compared += 1
        expected = row.balance - net.get(address, 0)
        held = indexed.get(address, 0)
        if held != expected:
            report.findings.append(
                ProofFinding(
                    INDEXED_MISMATCH,
                    row.member_id,
                    f"member {row.member_id!r}: custodial address {address} is indexed with "
                    f"{held}; the leaf's balance {row.balance} less {net.get(address, 0)} not "
                    f"yet final on chain is {expected}",
                )
            )
    if rpc is not None:
        _committed(engine, rpc, report, {row.id: row for row in salted})
    return report


def _committed(
    engine: Engine, rpc: RpcTransport, report: ProofsReport, rows: dict[int, Any]
) -> None:
    with engine.connect() as conn:
        state = load_state(conn)
    if state is None:
        return  # nothing indexed: no commitment to read
    check = check_commitment(engine, rpc, state.token, state.indexed_block)
    report.committed = check.to_json()
    for f in check.findings:
        member = f.detail.get("memberId")
        report.findings.append(ProofFinding(f.code, member, f.message))
    if check.tree is None or check.root is None or check.block is None:
        return
    chain_root = bytes.fromhex(check.root[2:])
    for leaf in check.leaves:
        if fold(check.tree.proof(leaf.slot)).hash == chain_root:
            report.committed_verified += 1
    transferable = _transferable(rpc, state.token, check.block)
    with engine.connect() as conn:
        indexed = {a.lower(): int(b) for a, b in conn.execute(balances_at_stmt(check.block))}
    for leaf in check.leaves:
        row = rows.get(leaf.member_pk)
        custodial = (
            row is not None
            and not row.wallet_address
            and leaf.address == ((row.custodial_address or "").lower())
        )
        if leaf.address is None or (transferable and not custodial):
            continue
        report.committed_compared += 1
        held = indexed.get(leaf.address, 0)
        if held != leaf.balance:
            report.findings.append(
                ProofFinding(
                    COMMITTED_BALANCE_MISMATCH,
                    leaf.member_id,
                    f"member {leaf.member_id!r}: the committed leaf holds {leaf.balance} on "
                    f"{leaf.address}; it is indexed with {held} at block {check.block}",
                )
            )


def _transferable(rpc: RpcTransport, token: str, block: int) -> bool:
    answer = call_one(
        rpc,
        "eth_call",
        [{"to": token, "data": TRANSFERABLE}, hex(block)],
        what="eth_call transferable",
        block=block,
        policy=RetryPolicy(),
    )
    return quantity(answer, "transferable()") != 0
