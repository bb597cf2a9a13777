"""Shared fixtures. Database tests run on SQLite and on PostgreSQL; chain tests on the embedded
chain and on a real anvil node. A missing PostgreSQL or anvil skips with the reason, except
under CI=true, where it fails: CI must exercise the real parts."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator

import pytest

from tests.support.anvil import AnvilNode, anvil_binary, start_anvil
from tests.support.databases import PostgresDatabases, SqliteDatabases, postgres_available
from tests.support.deployed_chain import deploy_once
from tests.support.ordering import DurationRecorder, order_longest_files_first

IN_CI = os.environ.get("CI", "").lower() == "true"


def missing(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (required under CI=true)")
    pytest.skip(reason)


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # the xdist controller, or a run without xdist
        config.pluginmanager.register(DurationRecorder(config), "loyalty-durations")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    order_longest_files_first(config, items)


@pytest.fixture(autouse=True)
def _restore_root_logger() -> Iterator[None]:
    """Commands run in-process (main()) point the root logger at the test's captured stderr;
    left there, a later test's log line hits a closed stream ("--- Logging error ---")."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(scope="session", autouse=True)
def _deploy_once_per_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """An in-process first start on the embedded chain copies in a token deployed earlier in this
    process instead of deploying again (tests/support/deployed_chain.py): the deploy was most of
    every API test's setup."""
    if os.environ.get("LOYALTY_TEST_DEPLOY_EVERY_TIME"):
        yield
        return
    with deploy_once(tmp_path_factory.mktemp("deployed")):
        yield


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases]:
    reason = postgres_available()
    if reason:
        missing(reason)
    dbs = PostgresDatabases()
    yield dbs
    dbs.drop_all()


@pytest.fixture(scope="session")
def sqlite_databases(tmp_path_factory: pytest.TempPathFactory) -> SqliteDatabases:
    return SqliteDatabases(tmp_path_factory.mktemp("sqlite"))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """A fresh, migrated database of each kind."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_databases").fresh()
    return request.getfixturevalue("postgres_databases").fresh()


@pytest.fixture
def postgres_url(postgres_databases: PostgresDatabases) -> str:
    return postgres_databases.fresh()


@pytest.fixture
def sqlite_url(sqlite_databases: SqliteDatabases) -> str:
    return sqlite_databases.fresh()


@pytest.fixture
def anvil_factory() -> Iterator[Callable[..., AnvilNode]]:
    """Starts anvil nodes on free ports (extra CLI args allowed); all stopped after the test."""
    if anvil_binary() is None:
        missing("anvil is not installed (npm install in contracts/)")
    nodes: list[AnvilNode] = []

    def factory(*args: str, chain_id: int = 31337) -> AnvilNode:
        node = start_anvil(*args, chain_id=chain_id)
        nodes.append(node)
        return node

    yield factory
    for node in nodes:
        node.stop()


@pytest.fixture
def anvil(anvil_factory: Callable[..., AnvilNode]) -> AnvilNode:
    return anvil_factory()
