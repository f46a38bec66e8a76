"""Typed Xero operations over xero-python's AccountingApi, every call through one Transport.

Reads page with `page`/`pageSize=1000` (line items come only with `page`) until a short
page. Writes go in batches of 50 with `summarizeErrors=false` (otherwise a failing batch
still creates the good elements but returns no ids for them) and an Idempotency-Key
derived from the batch content, so the transport may resend a batch whose answer was
lost: Xero replays the first answer and writes nothing twice.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from xero_python.accounting import AccountingApi
from xero_python.accounting.models import Contact, Contacts, Invoice, Invoices
from xero_python.api_client import ApiClient, Configuration
from xero_python.api_client.oauth2 import OAuth2Token
from xero_python.api_client.serializer import serialize
from xero_python.exceptions import ApiException

from concord.errors import FatalError
from resources.connector import CallCounter, RateBudget, RetryPolicy, Transport
from resources.tokens import TokenLedger, TokenVault, VaultAuthenticator

from .auth import SCOPE, XeroTokenRefresher
from .profile import SYSTEM, XeroProfile
from .results import XeroWriteResult
from .wire import TransportPool

BATCH_SIZE = 50  # Xero: keep batches at or under 50 (3.5 MB body limit)
PAGE_SIZE = 1000  # the largest pageSize Xero accepts
CONCURRENT_LIMIT = 5  # Xero: at most 5 calls in progress per tenant

_BUDGETS: dict[tuple[str, str], RateBudget] = {}
_BUDGETS_LOCK = threading.Lock()


def tenant_budget(base_url: str, tenant_id: str, *, minute_limit: int = 60,
                  window_seconds: float = 60.0, day_reserve: int = 0,
                  concurrent_limit: int = CONCURRENT_LIMIT) -> RateBudget:
    """One budget per Xero host and tenant in this process: Xero's 60/minute and 5 in
    progress are per tenant, so every client of the tenant must spend from the same window.
    The first caller's settings win."""
    key = (urlsplit(base_url).netloc, tenant_id)
    with _BUDGETS_LOCK:
        budget = _BUDGETS.get(key)
        if budget is None:
            budget = RateBudget(system=SYSTEM, reserve=day_reserve, per_window=minute_limit,
                                window_seconds=window_seconds,
                                max_in_flight=concurrent_limit)
            _BUDGETS[key] = budget
        return budget


def idempotency_key(kind: str, payload: Any, salt: str = "") -> str:
    """Deterministic: the same batch gives the same key, so a resend is replayed by Xero."""
    text = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    return f"concord-{kind}-" + hashlib.sha256(f"{salt}\n{text}".encode()).hexdigest()[:40]


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _paired(sent: Sequence[Any], got: Sequence[Any] | None, what: str) -> list[tuple[Any, Any]]:
    """summarizeErrors=false answers one element per input, in order; anything else means
    the results cannot be matched to records."""
    got = list(got or [])
    if len(got) != len(sent):
        raise FatalError(f"{what}: {len(sent)} sent, {len(got)} results", system=SYSTEM)
    return list(zip(sent, got, strict=True))


def _messages(item: Any) -> tuple[str, ...]:
    return tuple(str(e.message) for e in (getattr(item, "validation_errors", None) or []))


class XeroClient:
    """`calls` counts every HTTP call sent (read, write, auth, identity); `vault` holds the
    tenant's tokens in the ledger."""

    def __init__(
        self,
        *,
        base_url: str,
        token_url: str,
        client_id: str,
        client_secret: str,
        tenant_id: str,
        ledger: TokenLedger,
        connections_url: str | None = None,
        ca_bundle: str | None = None,
        minute_limit: int = 60,
        day_reserve: int = 0,
        time_scale: float = 1.0,
        budget: RateBudget | None = None,
        retry: RetryPolicy | None = None,
        scope: Sequence[str] = SCOPE,
        page_size: int = PAGE_SIZE,
        concurrency: int = CONCURRENT_LIMIT,
        batch_size: int = BATCH_SIZE,
        key_salt: str = "",
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.tenant_id = tenant_id
        self.page_size = page_size
        self.concurrency = max(1, concurrency)
        self.batch_size = min(max(1, batch_size), BATCH_SIZE)
        self.key_salt = key_salt
        self.transport = Transport(
            XeroProfile(token_url, connections_url),
            ca_bundle=ca_bundle,
            budget=budget or tenant_budget(base_url, tenant_id, minute_limit=minute_limit,
                                           window_seconds=60.0 / time_scale,
                                           day_reserve=day_reserve),
            retry=retry,
            sleep=sleep,
        )
        self.calls: CallCounter = self.transport.calls
        self.budget: RateBudget = self.transport.budget
        # Configuration(args) returns a copy of the first one built in the process and
        # ignores its arguments: set attributes instead.
        config = Configuration()
        config.ssl_ca_cert = ca_bundle
        # No expiry: xero-python never refreshes on its own; the vault does.
        config.oauth2_token = OAuth2Token(client_id=client_id, client_secret=client_secret)
        self._api_client = ApiClient(config, oauth2_token_getter=self._library_token,
                                     oauth2_token_saver=lambda token: None)
        self._api_client.rest_client.pool_manager = TransportPool(self.transport)
        self.vault = TokenVault(ledger, SYSTEM, tenant_id, XeroTokenRefresher(
            self._api_client, token_url, client_id, client_secret, scope))
        self.transport.authenticator = VaultAuthenticator(self.vault)
        self.accounting = AccountingApi(self._api_client, base_url=base_url)

    def __repr__(self) -> str:
        return f"XeroClient(tenant_id={self.tenant_id!r})"

    def _library_token(self) -> dict[str, Any]:
        return {"access_token": self.vault.access_token(), "scope": list(SCOPE),
                "expires_in": None, "token_type": "Bearer"}

    def _call(self, what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Statuses the transport did not resolve (400, 403, 404) become FatalError."""
        try:
            return fn(*args, **kwargs)
        except ApiException as exc:
            raise FatalError(f"{what} refused (HTTP {exc.status})", system=SYSTEM,
                             status=exc.status if isinstance(exc.status, int) else None
                             ) from None

    # ----- reads ----------------------------------------------------------------------
    def _changed_since(self, what: str, fetch: Callable[..., Any], attr: str,
                       since: datetime | None) -> Iterator[Any]:
        kwargs: dict[str, Any] = {}
        if since is not None:
            if since.tzinfo is None:
                raise ValueError("since must be timezone-aware")
            # Xero compares at whole seconds: floor, and re-read the overlap.
            kwargs["if_modified_since"] = since.astimezone(UTC).replace(microsecond=0)
        page = 1
        while True:
            batch = self._call(what, fetch, self.tenant_id, page=page,
                               page_size=self.page_size, **kwargs)
            rows = getattr(batch, attr) or []
            yield from rows
            if len(rows) < self.page_size:
                return
            page += 1

    def invoices_changed_since(self, since: datetime | None) -> Iterator[Invoice]:
        """Invoices created or modified at or after `since` (None: all), with line items."""
        return self._changed_since("invoices", self.accounting.get_invoices, "invoices", since)

    def contacts_changed_since(self, since: datetime | None) -> Iterator[Contact]:
        return self._changed_since("contacts", self.accounting.get_contacts, "contacts", since)

    def invoices_by_number(self, numbers: Sequence[str]) -> list[Invoice]:
        """Read-back after an uncertain outcome (no line items: a summary read)."""
        found: list[Invoice] = []
        for chunk in _chunks(list(numbers), BATCH_SIZE):
            batch = self._call("invoices", self.accounting.get_invoices, self.tenant_id,
                               invoice_numbers=list(chunk))
            found.extend(batch.invoices or [])
        return found

    # ----- writes ---------------------------------------------------------------------
    def _post_batches(self, items: Sequence[Any], post: Callable[[Sequence[Any]], list[XeroWriteResult]]
                      ) -> Iterator[list[XeroWriteResult]]:
        """Up to `concurrency` batches in flight (the tenant budget caps the tenant's total),
        results yielded in input order. On a failure the batches not yet sent are cancelled;
        those already sent finish, and their answers are replayed by Idempotency-Key when the
        outbox resends them."""
        pending: deque[Future[list[XeroWriteResult]]] = deque()
        pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="xero-post")
        try:
            for chunk in _chunks(items, self.batch_size):
                # copy_context: the transport's "declared idempotent" flag is a contextvar.
                pending.append(pool.submit(contextvars.copy_context().run, post, chunk))
                while len(pending) > self.concurrency or (pending and pending[0].done()):
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _post_invoices(self, chunk: Sequence[Invoice]) -> list[XeroWriteResult]:
        body = Invoices(invoices=list(chunk))
        key = idempotency_key("invoices", serialize(body), self.key_salt)
        answer = self._call("invoices", self.accounting.update_or_create_invoices,
                            self.tenant_id, body, summarize_errors=False, idempotency_key=key)
        return [XeroWriteResult(key=sent.invoice_number or got.invoice_number,
                                success=not got.has_errors,
                                xero_id=None if got.has_errors else str(got.invoice_id),
                                errors=_messages(got))
                for sent, got in _paired(chunk, answer.invoices, "invoices")]

    def _post_contacts(self, chunk: Sequence[Contact]) -> list[XeroWriteResult]:
        body = Contacts(contacts=list(chunk))
        key = idempotency_key("contacts", serialize(body), self.key_salt)
        answer = self._call("contacts", self.accounting.update_or_create_contacts,
                            self.tenant_id, body, summarize_errors=False, idempotency_key=key)
        results = []
        for sent, got in _paired(chunk, answer.contacts, "contacts"):
            failed = bool(getattr(got, "has_validation_errors", False)
                          or getattr(got, "validation_errors", None))
            results.append(XeroWriteResult(
                key=sent.contact_number or sent.name, success=not failed,
                xero_id=None if failed else str(got.contact_id), errors=_messages(got)))
        return results

    def upsert_invoices(self, invoices: Sequence[Invoice]) -> Iterator[list[XeroWriteResult]]:
        """POST (create or update by InvoiceID / ACCREC InvoiceNumber), one result list per
        batch of 50, in input order."""
        return self._post_batches(invoices, self._post_invoices)

    def upsert_contacts(self, contacts: Sequence[Contact]) -> Iterator[list[XeroWriteResult]]:
        """POST (create or update by ContactID, ContactNumber, then active Name)."""
        return self._post_batches(contacts, self._post_contacts)
