"""`python -m bench.merkle [members ...]`: the ledger's Merkle-sum tree (loyalty.domain.merkle)
in memory, at 100,000 members by default (BENCH_MERKLE_MEMBERS or arguments for more, e.g.
1000000): the full build, one root update for a batch of 200 changed members, proof generation
and verification p99 (the domain's verify and the standalone verifier on the proof's JSON and on
its packed form), and a proof's size as JSON and packed (loyalty.domain.merkle_pack, with where
the root was committed). Baseline in the same run: the 200 changes applied by a full rebuild."""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time

from bench.figures import Figure, record
from loyalty.domain.merkle import Book, MemberFigures, verify
from loyalty.domain.merkle_pack import pack
from verifier import loyalty_verify

SAMPLES = 1_000


def _p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


def _member(rng: random.Random, slot: int) -> MemberFigures:
    return MemberFigures(
        slot=slot,
        member_id=f"member-{slot}@example.com",
        salt=rng.randbytes(32),
        address="0x" + rng.randbytes(20).hex(),
        balance=rng.randrange(0, 100_000),
        debt=rng.randrange(0, 50) if slot % 10 == 0 else 0,
    )


def run(size: int) -> bool:
    rng = random.Random(size)
    people = [_member(rng, slot) for slot in range(size)]
    t0 = time.perf_counter()
    book = Book(people)
    build_s = time.perf_counter() - t0

    changed = rng.sample(people, 200)
    t0 = time.perf_counter()
    for m in changed:
        book.update(MemberFigures(m.slot, m.member_id, m.salt, m.address, m.balance + 1, m.debt))
    update_s = time.perf_counter() - t0

    root, root_hash = book.root, "0x" + book.root.hash.hex()
    proving, verifying, standalone, sizes = [], [], [], []
    unpacking, packed_sizes, cpu = [], [], []
    where = {"batchId": "0x" + "12" * 32, "txHash": "0x" + "34" * 32, "block": 65_000_000}
    for m in rng.sample(people, SAMPLES):
        t0 = time.perf_counter()
        proof = book.tree.proof(m.slot)
        proving.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        assert verify(proof, root)
        verifying.append(time.perf_counter() - t0)
        document = book.document(m.member_id)
        text = json.dumps(document, separators=(",", ":"))
        sizes.append(len(text.encode()))
        t0 = time.perf_counter()
        loyalty_verify.check(json.loads(text), root_hash)
        standalone.append(time.perf_counter() - t0)
        packed = pack({**document, "committed": where})
        packed_sizes.append(len(packed))
        t0, c0 = time.perf_counter(), time.thread_time()
        loyalty_verify.check(loyalty_verify.unpack(packed), root_hash)
        unpacking.append(time.perf_counter() - t0)
        cpu.append(time.thread_time() - c0)

    name = f"merkle {size:,}"
    print(f"{name}: build {build_s:.2f} s, depth {book.tree.depth}")
    print(f"  200 changed members: {update_s * 1000:.1f} ms (vs a rebuild: {build_s:.2f} s)")
    print(f"  proof p99 {_p99(proving) * 1e6:.0f} µs, verify p99 {_p99(verifying) * 1e6:.0f} µs")
    print(f"  standalone verifier p99 {_p99(standalone) * 1000:.2f} ms (JSON parsed, checked)")
    print(
        f"  standalone verifier on the packed form p99 {_p99(unpacking) * 1000:.2f} ms "
        f"(its CPU time p99 {_p99(cpu) * 1000:.2f} ms, median {statistics.median(cpu) * 1000:.2f}"
        f" ms: the wall time includes waiting for a core; load {os.getloadavg()[0]:.1f})"
    )
    print(f"  proof JSON {max(sizes):,} bytes (compact); packed {max(packed_sizes):,} characters")
    figures = [
        record(Figure(name, "build", build_s, "s")),
        record(Figure(name, "200 changes", update_s, "s", "<= 0.1x", "rebuild", build_s)),
        record(Figure(name, "proof p99", _p99(proving) * 1000, "ms")),
        record(Figure(name, "verify p99 (standalone)", _p99(standalone) * 1000, "ms", "<= 5")),
        record(Figure(name, "proof JSON", max(sizes), "bytes")),
        record(
            Figure(name, "verify p99 (standalone, packed)", _p99(unpacking) * 1000, "ms", "<= 5")
        ),
        record(Figure(name, "verify CPU p99 (standalone, packed)", _p99(cpu) * 1000, "ms", "<= 5")),
        record(Figure(name, "proof packed", max(packed_sizes), "bytes", "<= 1536")),
    ]
    return all(f.met() is not False for f in figures)


def main(argv: list[str]) -> int:
    sizes = [int(a) for a in argv] or [int(os.environ.get("BENCH_MERKLE_MEMBERS", "100000"))]
    return 0 if all([run(size) for size in sizes]) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
