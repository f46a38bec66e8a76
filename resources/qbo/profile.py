"""QBO's side of the shared transport: call kinds, the throttle answer, the quota stop.

QBO sends no remaining-calls header. The 500/minute and 10-in-flight limits per realm are
therefore spent from our own `RateBudget` (see `client.realm_budget`); a 429 (Fault 3001,
no Retry-After, "wait 60 s" say the docs) closes the budget's window for a whole window.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import requests

from resources.connector import CallInfo, LimitReading, parse_retry_after

SYSTEM = "qbo"
KINDS = ("read", "query", "cdc", "write", "batch", "auth")
COMPANY_PREFIX = "/v3/company/"
THROTTLED = frozenset({429})
QUOTA_WAIT = 3600.0  # a Retry-After this long: the allowance will not return within a run


class QboProfile:
    name = SYSTEM
    kinds = KINDS

    def __init__(self, quota_wait: float = QUOTA_WAIT) -> None:
        self.quota_wait = quota_wait

    def classify(self, method: str, url: str) -> CallInfo:
        path = urlsplit(url).path
        if not path.startswith(COMPANY_PREFIX):
            # Discovery, token, revoke, userinfo: Intuit's OAuth hosts, outside the realm's
            # throttle. A refresh is not repeatable blindly (the token rotates): the vault
            # decides on the one retry with the same token.
            endpoint = "token" if method == "POST" else "discovery"
            return CallInfo("auth", endpoint, idempotent=method == "GET", charged=False)
        rest = path[len(COMPANY_PREFIX):].split("/", 1)
        tail = rest[1].strip("/").lower() if len(rest) > 1 else ""
        head = tail.split("/", 1)[0] or "company"
        if head == "query":
            return CallInfo("query", "query", idempotent=True)  # GET or POST application/text
        if head == "cdc":
            return CallInfo("cdc", "cdc", idempotent=True)
        if head == "batch":
            # Safe to resend only with a requestid; the client says so per call.
            return CallInfo("batch", "batch", idempotent=False)
        if method in ("GET", "HEAD"):
            return CallInfo("read", head, idempotent=True)
        return CallInfo("write", head, idempotent=False)

    def read_limits(self, response: requests.Response) -> LimitReading | None:
        """A throttle answer says "nothing left this window"; nothing else says anything.
        A quota stop (see `limit_exhausted`) does not close the shared window: the run stops
        instead, and other users of the realm's budget must not hang for an hour."""
        if response.status_code not in THROTTLED:
            return None
        wait = parse_retry_after(response.headers.get("Retry-After"))
        if wait is not None and wait >= self.quota_wait:
            return None
        return LimitReading(window_remaining=0, window_reset_after=wait)

    def limit_exhausted(self, response: requests.Response) -> str | None:
        """A 429 asking to wait an hour or more (a used-up monthly CorePlus quota, a proxy):
        stop with a checkpoint instead of sleeping through it."""
        if response.status_code not in THROTTLED:
            return None
        wait = parse_retry_after(response.headers.get("Retry-After"))
        if wait is not None and wait >= self.quota_wait:
            return "3001"
        return None
