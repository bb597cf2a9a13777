"""The two webhook endpoints. Each verifies, parses, checks and stores the event before it
answers: 200 means durably stored (processing follows, see loyalty.services.inbox); anything
else stores nothing, so the sender's retry is taken as new."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import DataError, DBAPIError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.config import ApiConfig
from api.webhooks import events, wix
from api.webhooks.errors import WebhookRefused
from api.webhooks.standard import StandardVerifier
from loyalty.domain.errors import DomainError
from loyalty.metrics import WEBHOOKS
from loyalty.runtime import Runtime
from loyalty.services.accept import accept
from loyalty.services.activities import record_ignored
from loyalty.services.activity_model import ActivityInput, check_activity
from loyalty.services.handlers import registry
from loyalty.services.inbox import InboxProcessor
from loyalty.services.refunds import RefundInput, check_refund_input
from loyalty.services.uow import UnitOfWork

log = logging.getLogger(__name__)

_STATUS = {"VALIDATION": 422, "NOT_FOUND": 404, "DUPLICATE": 409}


def _refused(source: str, exc: WebhookRefused) -> Response:
    WEBHOOKS.labels(source, "refused").inc()
    return JSONResponse(exc.to_json(), exc.status)


def _domain_refused(source: str, exc: DomainError) -> Response:
    return _refused(
        source, WebhookRefused(_STATUS.get(exc.code, 422), exc.code, str(exc), exc.field)
    )


def _answer(source: str, outcome: Any) -> Response:
    WEBHOOKS.labels(source, "duplicate" if outcome.duplicate else "accepted").inc()
    return JSONResponse({**outcome.to_json(), "duplicate": outcome.duplicate})


async def _body(request: Request, config: ApiConfig) -> bytes:
    body = await request.body()
    if len(body) > config.max_body_bytes:  # the app-wide cap normally refuses it earlier
        raise WebhookRefused(413, "TOO_LARGE", "the body is over LOYALTY_MAX_BODY_BYTES")
    return body


async def _accept(
    uow: UnitOfWork,
    source: str,
    activity: ActivityInput | None,
    refund: RefundInput | None,
    *,
    currency: str,
) -> Response:
    event = activity or refund
    assert event is not None
    try:
        # Checked before anything is stored: a refused event writes nothing.
        if activity is not None:
            check_activity(activity, currency=currency)
        else:
            assert refund is not None
            check_refund_input(refund)
        receipt = await accept(uow, source=source, event=event)
    except DomainError as exc:
        return _domain_refused(source, exc)
    except DataError:
        # The database refused one of the event's values: a check above is missing (a bug to
        # fix), not an outage. A redelivery would be refused the same way, so the sender is
        # told so (422), not asked to retry, and the log does not blame the database.
        log.exception("webhook from %s not stored: the database refused one of its values", source)
        return _refused(
            source,
            WebhookRefused(422, "VALIDATION", "a value of the event cannot be stored"),
        )
    except (DBAPIError, OSError):
        # Not stored: the sender must deliver it again (Wix and Standard Webhooks senders retry
        # on 5xx). Logged for the operator; the sender gets a stable code, not the details.
        log.exception("webhook from %s not stored: the database is unavailable", source)
        refused = _refused(
            source,
            WebhookRefused(
                503, "UNAVAILABLE", "the event could not be stored; deliver it again later"
            ),
        )
        refused.headers["retry-after"] = "5"
        return refused
    WEBHOOKS.labels(source, "duplicate" if receipt.duplicate else "accepted").inc()
    return JSONResponse(receipt.to_json())


def webhook_routes(
    config: ApiConfig,
    runtime: Callable[[], Runtime],
    inbox: InboxProcessor | None = None,
) -> list[Route]:
    """`inbox`: this process's processor, woken when an event is stored, and told while
    webhooks are being answered (it gives way to them)."""
    wix_verifier = wix.WixVerifier(config.wix_public_key) if config.wix_public_key else None
    standard = StandardVerifier(config.webhook_secrets) if config.webhook_secrets else None
    # This process's handlers, with the inbox woken once an accepted event is committed.
    handlers = registry(wake_inbox=inbox.wake if inbox is not None else None)

    def unit_of_work() -> UnitOfWork:
        rt = runtime()
        return UnitOfWork(rt.async_engine, handlers, clock=rt.clock)

    def answering() -> contextlib.AbstractContextManager[None]:
        return inbox.answering() if inbox is not None else contextlib.nullcontext()

    async def wix_endpoint(request: Request) -> Response:
        with answering():
            return await _wix(request)

    async def events_endpoint(request: Request) -> Response:
        with answering():
            return await _events(request)

    async def _wix(request: Request) -> Response:
        if wix_verifier is None:
            return _refused(
                "wix", WebhookRefused(503, "NOT_CONFIGURED", "LOYALTY_WIX_PUBLIC_KEY unset")
            )
        try:
            event = wix.parse(wix_verifier.verify(await _body(request, config)))
            if event.ignored:
                outcome = await record_ignored(
                    unit_of_work(),
                    source="wix",
                    key=event.event_id,
                    reason=event.ignored,
                    details={"wixEventType": event.event_type},
                )
                return _answer("wix", outcome)
        except WebhookRefused as exc:
            return _refused("wix", exc)
        except DomainError as exc:
            return _domain_refused("wix", exc)
        return await _accept(
            unit_of_work(), "wix", event.activity, event.refund, currency=config.currency
        )

    async def _events(request: Request) -> Response:
        if standard is None:
            return _refused(
                "events", WebhookRefused(503, "NOT_CONFIGURED", "LOYALTY_WEBHOOK_SECRETS unset")
            )
        try:
            body = await _body(request, config)
            msg_id = standard.verify(request.headers, body)
            event = events.parse(msg_id, body)
        except WebhookRefused as exc:
            return _refused("events", exc)
        except DomainError as exc:
            return _domain_refused("events", exc)
        return await _accept(
            unit_of_work(), "events", event.activity, event.refund, currency=config.currency
        )

    return [
        Route("/webhooks/wix", wix_endpoint, methods=["POST"]),
        Route("/webhooks/events", events_endpoint, methods=["POST"]),
    ]
