"""Webhooks: tell a journalist's endpoint that minutes were published, signed with HMAC.

Each delivery is a JSON POST with headers ``X-Kuvend-Event``, ``X-Kuvend-Delivery`` (a unique
id, for the receiver to ignore repeats) and ``X-Kuvend-Signature: sha256=<hex>``, the
HMAC-SHA256 of the exact body under the secret given at registration. A receiver recomputes
it and compares with ``hmac.compare_digest``. Network errors and 5xx answers are retried with
backoff (tenacity); a 4xx answer is final.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy.orm import Session
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from kuvend.errors import TransientError
from kuvend.minutes import Minutes
from kuvend.storage.publications import webhooks_for
from publish.versions import FrozenVersion, require_published

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Kuvend-Signature"


@dataclass(frozen=True, slots=True)
class WebhookOptions:
    """How deliveries are attempted."""

    attempts: int = 3
    timeout_s: float = 10.0
    backoff_first_s: float = 1.0
    """Wait before the second attempt; doubles after each failure."""


@dataclass(frozen=True, slots=True)
class Delivery:
    """What happened to one delivery."""

    url: str
    delivery_id: str
    status_code: int | None
    attempts: int
    delivered: bool


def signature(body: bytes, secret: str) -> str:
    """The ``X-Kuvend-Signature`` value of ``body``."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(body: bytes, secret: str, header: str) -> bool:
    """True when ``header`` is the signature of ``body`` under ``secret`` (for receivers)."""
    return hmac.compare_digest(signature(body, secret), header)


def publication_event(minutes: Minutes, *, page_url: str, sha256: str) -> dict[str, Any]:
    """The event sent when a version is published (drafts are refused)."""
    session = require_published(minutes).session
    return {
        "event": "minutes.published",
        "assembly": session.assembly,
        "session_id": session.id,
        "title": session.title,
        "date": session.date,
        "version": session.version,
        "sha256": sha256,
        "url": page_url,
        "minutes_url": page_url.rsplit("/", 1)[0] + "/minutes.json",
    }


def deliver(
    url: str,
    secret: str,
    event: Mapping[str, Any],
    *,
    options: WebhookOptions = WebhookOptions(),
    client: httpx.Client | None = None,
) -> Delivery:
    """POST ``event`` to ``url``, signed; retried on network errors and 5xx answers."""
    body = json.dumps(event, ensure_ascii=False, sort_keys=True).encode("utf-8")
    delivery_id = uuid.uuid4().hex
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Kuvend-Webhook/1",
        "X-Kuvend-Event": str(event.get("event", "")),
        "X-Kuvend-Delivery": delivery_id,
        SIGNATURE_HEADER: signature(body, secret),
    }
    own_client = client is None
    http = client or httpx.Client(timeout=options.timeout_s, follow_redirects=False)
    attempts = 0
    status: int | None = None

    def post() -> int:
        nonlocal attempts
        attempts += 1
        try:
            response = http.post(url, content=body, headers=headers)
        except httpx.TransportError as error:
            raise TransientError(f"webhook {url}: {error}") from error
        if response.status_code >= 500:
            raise TransientError(f"webhook {url} answered {response.status_code}")
        return response.status_code

    try:
        for attempt in Retrying(
            stop=stop_after_attempt(options.attempts),
            wait=wait_exponential(multiplier=options.backoff_first_s),
            retry=retry_if_exception_type(TransientError),
            reraise=True,
        ):
            with attempt:
                status = post()
    except TransientError as error:
        log.warning(
            "webhook delivery %s failed after %d attempts: %s", delivery_id, attempts, error
        )
    finally:
        if own_client:
            http.close()
    delivered = status is not None and 200 <= status < 300
    log.info("webhook %s → %s (%s, %d attempts)", delivery_id, url, status, attempts)
    return Delivery(url, delivery_id, status, attempts, delivered)


def notify_publication(
    *,
    session: Session,
    frozen: FrozenVersion,
    page_url: str,
    options: WebhookOptions = WebhookOptions(),
    client: httpx.Client | None = None,
) -> list[Delivery]:
    """Deliver the publication of ``frozen`` to every webhook registered for its assembly.

    Call it after the transaction that saved the version has committed, so that a receiver
    fetching ``minutes_url`` at once finds it.
    """
    event = publication_event(frozen.minutes, page_url=page_url, sha256=frozen.sha256)
    hooks = webhooks_for(session=session, assembly=frozen.minutes.session.assembly)
    return [deliver(hook.url, hook.secret, event, options=options, client=client) for hook in hooks]
