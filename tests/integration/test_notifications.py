"""Notifications on SQLite and PostgreSQL, against a real HTTP receiver and a real SMTP server
on loopback: queued with the ledger entry, retried after the receiver fails twice and delivered
once with a Standard Webhooks signature, the thank-you e-mail rendered from the owner's
template, and a dead receiver never blocking the ledger."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from loyalty.db.engine import make_async_engine
from loyalty.db.program import notifications
from loyalty.notify import webhook
from loyalty.notify.loop import Transports, backoff, deliver_due
from loyalty.notify.mail import SmtpServer, SmtpTransport
from loyalty.notify.webhook import HttpWebhookSender
from loyalty.services.members import create_member
from loyalty.services.notifications import set_contact
from loyalty.services.program import ProgramChanges, get_program, update_program
from tests.integration._program import earn
from tests.support.ledger import CUSTODY
from tests.support.reads import account_of
from tests.support.uow import uow_for

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
T0 = datetime(2025, 5, 1, 12, tzinfo=UTC)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Receiver:
    """An HTTP receiver that answers 500 to the first `failures` requests, then 204."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.requests: list[tuple[dict[str, str], bytes, int]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                status = 500 if len(receiver.requests) < receiver.failures else 204
                receiver.requests.append(
                    ({k.lower(): v for k, v in self.headers.items()}, body, status)
                )
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = make_async_engine(database_url)
    yield eng
    await eng.dispose()


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, str]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, f"smtp://127.0.0.1:{port}"
    controller.stop()


async def configure(engine: AsyncEngine, url: str | None, *, email: bool = False) -> None:
    async with uow_for(engine) as uow:
        rev = (await get_program(uow.conn)).revision
        await update_program(
            uow,
            ProgramChanges(
                webhook_url=url or "",
                email_enabled=email,
                email_subject="Thanks {name}: +{points} points",
                email_body="Hi {name}, you earned {points} points; balance {balance}.",
            ),
            revision=rev,
            allow_private_webhooks=True,  # the receivers here listen on 127.0.0.1
        )
    # The program.updated configuration webhook this queues is not these tests' subject
    # (tests/integration/test_config_webhooks.py covers it): the members' events are.
    async with engine.begin() as conn:
        await conn.execute(delete(notifications).where(notifications.c.member_id.is_(None)))


def transports(smtp_url: str | None = None) -> Transports:
    mail = SmtpTransport(SmtpServer.from_url(smtp_url)) if smtp_url else None
    sender = HttpWebhookSender(allow_private=True)  # LOYALTY_NOTIFY_WEBHOOK_ALLOW_PRIVATE
    return Transports(sender, webhook.secret_key(SECRET), mail, "shop@example.com")


def expected_signature(msg_id: str, stamp: str, body: bytes) -> str:
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    mac = hmac.new(key, f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


async def test_webhook_is_retried_after_two_failures_and_delivered_once(
    engine: AsyncEngine,
) -> None:
    receiver = Receiver(failures=2)
    try:
        await configure(engine, receiver.url)
        await earn(engine, "m1", 40, now=T0)
        t = T0
        assert await deliver_due(uow_for(engine), transports(), now=t) == 0
        # not due yet: no new request
        assert await deliver_due(uow_for(engine), transports(), now=t) == 0
        t += backoff(1)
        assert await deliver_due(uow_for(engine), transports(), now=t) == 0
        t += backoff(2)
        assert await deliver_due(uow_for(engine), transports(), now=t) == 1
        assert await deliver_due(uow_for(engine), transports(), now=t + timedelta(days=1)) == 0
        assert [status for _, _, status in receiver.requests] == [500, 500, 204]
        ids = {h["webhook-id"] for h, _, _ in receiver.requests}
        assert len(ids) == 1
        headers, body, _ = receiver.requests[-1]
        assert headers["webhook-signature"] == expected_signature(
            headers["webhook-id"], headers["webhook-timestamp"], body
        )
        event = json.loads(body)
        assert event["type"] == "points.earned"
        assert event["data"]["memberId"] == "m1"
        assert (event["data"]["points"], event["data"]["balance"]) == (40, 40)
        async with engine.connect() as conn:
            row = (await conn.execute(select(notifications))).one()
        assert (row.status, row.attempts) == ("DELIVERED", 3)
    finally:
        receiver.close()


async def test_thank_you_email_is_sent_over_smtp_from_the_template(
    engine: AsyncEngine, smtp: tuple[Inbox, str]
) -> None:
    inbox, url = smtp
    await configure(engine, None, email=True)
    async with uow_for(engine) as uow:  # a contact is for a member that exists
        await create_member(uow, "m1", CUSTODY)
    async with uow_for(engine) as uow:
        await set_contact(uow, "m1", email="ann@example.com", name="Ann", now=T0)
    await earn(engine, "m1", 25, now=T0)
    await earn(engine, "m1", 15, now=T0)
    assert await deliver_due(uow_for(engine), transports(url), now=T0) == 2
    assert len(inbox.messages) == 2
    last = message_from_bytes(inbox.messages[-1])
    assert last["To"] == "ann@example.com"
    assert last["Subject"] == "Thanks Ann: +15 points"
    assert "you earned 15 points; balance 40." in last.get_payload()


async def test_a_dead_receiver_never_blocks_the_ledger(engine: AsyncEngine) -> None:
    await configure(engine, f"http://127.0.0.1:{free_port()}/nobody-listens")
    await earn(engine, "m1", 10, now=T0)
    assert await deliver_due(uow_for(engine), transports(), now=T0) == 0
    await earn(engine, "m1", 5, now=T0)  # the ledger goes on
    assert (await account_of(engine, "m1")).member.totals.balance == 15
    async with engine.connect() as conn:
        rows = (await conn.execute(select(notifications).order_by(notifications.c.id))).all()
    assert [r.status for r in rows] == ["PENDING", "PENDING"]
    assert rows[0].attempts == 1 and rows[0].last_error
