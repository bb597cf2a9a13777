"""The transfer feed (cli/transfer_feed.py) runs after every indexer step: a failure to post is
logged and tried again at the next step, never stopping the indexer (whose balances cap what
linked wallets can spend)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.transfer_feed import TransferFeed


def test_a_failing_post_is_logged_and_does_not_stop_the_indexer(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    feed = TransferFeed(f"sqlite:///{tmp_path / 'empty.db'}")  # no tables: every read fails
    try:
        feed()
        feed()  # tried again, still no exception out of the step
    finally:
        feed.close()
    failures = [r for r in caplog.records if "posting on-chain transfers" in r.getMessage()]
    assert len(failures) == 2 and all(r.exc_info for r in failures)
