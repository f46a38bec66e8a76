"""The one place every call to a system goes through, the client library's calls included.

`Transport` is a `requests.Session`, handed to the vendor library (simple-salesforce takes
`session=`), so there is no second path around it. Per send it: signs auth, spends the
rate budget, counts the call, reads the limit headers, honours Retry-After on 429/503
(and 5xx for idempotent calls), renews an expired credential once, and logs the URL
redacted.

`trust_env` is off: this machine exports REQUESTS_CA_BUNDLE, which requests would
otherwise let override `verify` (and .netrc could inject credentials).
"""

from __future__ import annotations

import contextvars
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import requests
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from concord.errors import RateLimitExhausted, RetriableError, UncertainWrite

from .budget import RateBudget
from .counter import CallCounter
from .profile import Authenticator, SystemProfile
from .redact import redact_url
from .retry import RetryPolicy, parse_retry_after

logger = logging.getLogger(__name__)

_DECLARED_IDEMPOTENT: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "concord_declared_idempotent", default=False
)

ALWAYS_RETRIED = frozenset({429, 503})
RETRIED_IF_IDEMPOTENT = frozenset({500, 502, 504})


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the connection was never made, so not even a write can have landed."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)


class Transport(requests.Session):
    def __init__(
        self,
        profile: SystemProfile,
        *,
        ca_bundle: str | None = None,
        budget: RateBudget | None = None,
        counter: CallCounter | None = None,
        retry: RetryPolicy | None = None,
        authenticator: Authenticator | None = None,
        timeout: float | tuple[float, float] = (10.0, 300.0),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__()
        self.trust_env = False
        self.verify = ca_bundle or True
        self.profile = profile
        self.budget = budget or RateBudget(system=profile.name)
        self.calls = counter or CallCounter(profile.kinds)
        self.retry = retry or RetryPolicy()
        self.authenticator = authenticator
        self.timeout = timeout
        self._sleep = sleep

    @contextmanager
    def idempotent(self) -> Iterator[None]:
        """Declare the writes sent inside the block safe to send twice (e.g. upsert by key)."""
        token = _DECLARED_IDEMPOTENT.set(True)
        try:
            yield
        finally:
            _DECLARED_IDEMPOTENT.reset(token)

    def request(  # type: ignore[override]
        self,
        method: str,
        url: str,
        *args: Any,
        idempotent: bool | None = None,
        authenticate: bool = True,
        **kwargs: Any,
    ) -> requests.Response:
        info = self.profile.classify(method.upper(), url)
        if idempotent is None:
            idempotent = info.idempotent or _DECLARED_IDEMPOTENT.get()
        kwargs.setdefault("timeout", self.timeout)
        shown = redact_url(url, kwargs.get("params"))
        system = self.profile.name
        renewed = False
        attempt = 0
        while True:
            attempt += 1
            headers = dict(kwargs.pop("headers", None) or {})
            signed = {}
            if authenticate and self.authenticator is not None:
                # Overrides the library's own header: its token may be the stale one.
                signed = dict(self.authenticator.headers())
                headers.update(signed)
            if info.charged:
                self.budget.acquire(info.kind)
            started = time.monotonic()
            lost: requests.RequestException | None = None
            try:
                response = super().request(method, url, *args, headers=headers, **kwargs)
            except (requests.ConnectionError, requests.Timeout) as exc:
                lost = exc
            finally:
                if info.charged:
                    self.budget.settle(info.kind)
            if lost is not None:
                self.calls.record(info.kind, info.endpoint)
                never_sent = _never_sent(lost)
                logger.debug("%s %s %s -> %s (%s, attempt %d)", system, method, shown,
                             type(lost).__name__, info.kind, attempt)
                if not (idempotent or never_sent):
                    raise UncertainWrite(
                        f"{method} {info.endpoint}: connection lost ({type(lost).__name__}) "
                        "after the request was sent; read back before retrying",
                        system=system,
                    ) from None
                if attempt >= self.retry.attempts:
                    raise RetriableError(
                        f"{method} {info.endpoint}: connection failed {attempt} times "
                        f"({type(lost).__name__})",
                        system=system,
                    ) from None
                self.calls.record_retry()
                kwargs["headers"] = _unsigned(headers, signed)
                self._sleep(self.retry.backoff(attempt))
                continue
            self.calls.record(info.kind, info.endpoint)
            elapsed = (time.monotonic() - started) * 1000
            logger.debug("%s %s %s -> %d (%s, %.0f ms, attempt %d)", system, method, shown,
                         response.status_code, info.kind, elapsed, attempt)
            reading = self.profile.read_limits(response)
            if reading is not None:
                self.budget.observe(reading, info.kind)
            kwargs["headers"] = _unsigned(headers, signed)

            if (signed and not renewed and self.authenticator is not None
                    and self.authenticator.is_expired(response)):
                response.close()
                self.authenticator.renew(signed)
                renewed = True
                attempt -= 1  # a renewal is not a failed attempt
                continue
            code = self.profile.limit_exhausted(response)
            if code is not None:
                response.close()
                raise RateLimitExhausted(
                    f"{method} {info.endpoint}: the system's call limit is used up",
                    system=system, vendor_code=code, status=response.status_code,
                )
            status = response.status_code
            if status in ALWAYS_RETRIED or (idempotent and status in RETRIED_IF_IDEMPOTENT):
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                too_long = retry_after is not None and retry_after > self.retry.max_retry_after
                if attempt >= self.retry.attempts or too_long:
                    response.close()
                    raise RetriableError(
                        f"{method} {info.endpoint}: HTTP {status} after {attempt} attempt(s)",
                        system=system, status=status, retry_after=retry_after,
                    )
                response.close()
                self.calls.record_retry()
                self._sleep(self.retry.delay(attempt, retry_after))
                continue
            return response


def _unsigned(headers: Mapping[str, str], signed: Mapping[str, str]) -> dict[str, str]:
    """The caller's headers without the ones we signed, so a retry signs afresh."""
    return {k: v for k, v in headers.items() if k not in signed}
