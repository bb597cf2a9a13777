"""Fresh, migrated databases for tests: SQLite files and PostgreSQL databases cloned from a
migrated template (CREATE DATABASE … TEMPLATE is far faster than migrating each time)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg

from cli.migrate import upgrade

PG_ADMIN_URL = os.environ.get("LOYALTY_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def postgres_available() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return None
    except Exception as exc:
        return f"PostgreSQL at {PG_ADMIN_URL} is not reachable ({type(exc).__name__})"


def _pg_url(name: str) -> str:
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    return f"{base}/{name}"


def _orphans(conn: psycopg.Connection) -> list[str]:
    """Databases of test runs whose process is gone (killed before its cleanup): they would
    pile up in the machine's PostgreSQL, run after run."""
    rows = conn.execute(
        "SELECT datname FROM pg_database WHERE datname ~ '^loyalty_t[0-9]+_'"
    ).fetchall()
    gone = []
    for (name,) in rows:
        pid = int(name[len("loyalty_t") :].split("_", 1)[0])
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            gone.append(name)
        except PermissionError:
            pass  # alive, another user's
    return gone


def _drop_detached(names: list[str]) -> None:
    """Drops the databases in a detached process. Each DROP DATABASE waits for a checkpoint
    (0.15 s on a quiet machine, 20 s seen on a busy one): nothing should wait for them."""
    if not names:
        return
    subprocess.Popen(
        [sys.executable, "-c", _DROPPER, PG_ADMIN_URL, *names],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


class PostgresDatabases:
    def __init__(self) -> None:
        # The pid keeps concurrent runs (and pytest-xdist workers) apart and lets a later run
        # drop what a killed one left (_orphans); the worker id only names the owner.
        worker = os.environ.get("PYTEST_XDIST_WORKER", "")
        self.prefix = f"loyalty_t{os.getpid()}_{worker + '_' if worker else ''}"
        self.template = self.prefix + "template"
        self.created: list[str] = []
        self._template_ready = False

    def _admin(self) -> psycopg.Connection:
        return psycopg.connect(PG_ADMIN_URL, autocommit=True)

    def _ensure_template(self) -> None:
        if self._template_ready:
            return
        with self._admin() as conn:
            # A killed run's leftovers once cost the first test of each worker minutes of
            # inline drops (one checkpoint each).
            _drop_detached(_orphans(conn))
            conn.execute(f'DROP DATABASE IF EXISTS "{self.template}"')
            conn.execute(f'CREATE DATABASE "{self.template}"')
        upgrade(_pg_url(self.template))
        self._template_ready = True

    def fresh(self) -> str:
        self._ensure_template()
        name = self.prefix + uuid.uuid4().hex[:10]
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        self.created.append(name)
        return _pg_url(name)

    def empty(self) -> str:
        """A database with nothing in it (for migration tests)."""
        name = self.prefix + "e" + uuid.uuid4().hex[:10]
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return _pg_url(name)

    def drop_all(self) -> None:
        """Drops this worker's databases in a detached process, after the run.

        Each DROP DATABASE waits for a checkpoint (~0.15 s): done inline, a worker's few
        hundred were the slowest 'teardowns' of a run (30-45 s); done in a thread while tests
        still ran, the checkpoints slowed every test (7ff9a7f, reverted). After the session
        nothing waits for them; a dropper killed midway leaves orphans that the next run's
        _orphans finds (its pid is gone then)."""
        names = [*self.created, self.template]
        self.created.clear()
        _drop_detached(names)


# Two workers may find the same orphans: a database the other dropper holds is skipped.
_DROPPER = """
import sys, psycopg
with psycopg.connect(sys.argv[1], autocommit=True) as conn:
    for name in sys.argv[2:]:
        try:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except psycopg.Error:
            pass
"""


class SqliteDatabases:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.template = root / "template.db"

    def fresh(self) -> str:
        if not self.template.exists():
            upgrade(f"sqlite:///{self.template}")
        path = self.root / f"{uuid.uuid4().hex[:10]}.db"
        shutil.copyfile(self.template, path)
        return f"sqlite:///{path}"

    def empty(self) -> str:
        """A database with nothing in it (for migration tests)."""
        return f"sqlite:///{self.root / ('e' + uuid.uuid4().hex[:10])}.db"
