"""`loyalty indexer` on a JSON-RPC node starts without web3 (and its eth_* and py_ecc companions),
without Alembic once the database is up to date, and without the service layer before its first
step: their imports were most of its start-up (web3 alone ~44 % of a 5 s backfill). Checked in
a real process against anvil, on SQLite and PostgreSQL; the index it builds is right.

The migration check that lets it skip Alembic reads the revision files itself, so it is checked
against Alembic's own reading of them, and against a database one revision behind."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory

from cli.migrate import upgrade, version_locations
from loyalty.db.engine import make_engine
from loyalty.db.migrate import CORE_VERSIONS, _revisions, alembic_config, up_to_date
from tests.support.token_activity import TokenActivity, random_address

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("web3", "eth_account", "eth_keys", "eth_utils", "py_ecc", "eth_tester", "alembic")

# Runs the command in-process of a fresh interpreter, then lists what it imported.
_PROBE = """
import json, sys
from cli.main import main
code = main(["indexer", "--once"])
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(sys.argv[1].split(",")))
print(json.dumps({"code": code, "heavy": heavy}))
"""


def _probe(env: dict[str, str]) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, ",".join(HEAVY)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_the_indexer_command_imports_no_web3_and_no_alembic(anvil, database_url) -> None:
    activity = TokenActivity.deploy(anvil, database_url)  # migrates the database
    try:
        holders = [random_address(random.Random(5)) for _ in range(20)]
        activity.mint(holders, [7] * len(holders))
        anvil.mine(2)
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "LOYALTY_DATABASE_URL": database_url,
            "LOYALTY_RPC_URL": anvil.url,
            "LOYALTY_LOG_LEVEL": "WARNING",
        }
        got = _probe(env)
        assert got == {"code": 0, "heavy": []}
        with make_engine(database_url).connect() as conn:
            rows = conn.exec_driver_sql("SELECT address, balance FROM indexer_balances").all()
        assert {a: int(b) for a, b in rows} == activity.balance_of(holders)
    finally:
        activity.close()


def test_the_migration_check_reads_the_revisions_as_alembic_does(sqlite_url) -> None:
    engine = make_engine(sqlite_url)
    script = ScriptDirectory.from_config(alembic_config(engine, version_locations()))

    def names(value: object) -> set[str]:
        return {value} if isinstance(value, str) else set(value or ())  # type: ignore[call-overload]

    expected = {
        s.revision: names(s.down_revision) | names(s.dependencies) for s in script.walk_revisions()
    }
    assert _revisions([CORE_VERSIONS, *version_locations()]) == expected
    engine.dispose()


def test_a_database_behind_is_not_up_to_date_and_upgrade_applies_the_rest(database_url) -> None:
    engine = make_engine(database_url)
    try:
        assert up_to_date(engine, version_locations())  # the fixture migrated it
        assert not up_to_date(engine)  # without the workers' folders, their revisions are unknown
        cfg = alembic_config(engine, version_locations())
        command.downgrade(cfg, "indexer@-1")  # the indexer's branch one revision behind
        assert not up_to_date(engine, version_locations())
        upgrade(database_url)
        assert up_to_date(engine, version_locations())
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM indexer_state").scalar() == 0
    finally:
        engine.dispose()


def test_a_new_database_is_not_up_to_date(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    assert not up_to_date(engine, version_locations())
    engine.dispose()
