"""Salesforce's side of the shared transport: call kinds, limit header, daily-limit refusal."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import requests

from resources.connector import CallInfo, LimitReading

SYSTEM = "salesforce"
KINDS = ("read", "write", "bulk_jobs", "auth")

_API_USAGE = re.compile(r"(?:^|[;,\s])api-usage=(\d+)/(\d+)")
_DATA_PATH = re.compile(r"^/services/data/v\d+\.\d+/(.*)$")
_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})


def error_codes(response: requests.Response) -> list[str]:
    """The `errorCode`s of a REST error body (a JSON list), [] when it is something else."""
    try:
        body = response.json()
    except ValueError:
        return []
    if isinstance(body, list):
        return [str(item.get("errorCode")) for item in body if isinstance(item, dict)]
    return []


class SalesforceProfile:
    name = SYSTEM
    kinds = KINDS

    def __init__(self, token_url: str | None = None) -> None:
        self._token_path = urlsplit(token_url).path if token_url else None

    def classify(self, method: str, url: str) -> CallInfo:
        path = urlsplit(url).path
        if path.startswith("/services/oauth2/") or path == self._token_path:
            # Repeating a token request is harmless, and it spends no API allowance.
            return CallInfo("auth", "token", idempotent=True, charged=False)
        match = _DATA_PATH.match(path)
        rest = match.group(1).strip("/") if match else path.strip("/")
        if not match and path.rstrip("/") == "/services/data":
            return CallInfo("read", "versions", idempotent=True, charged=False)
        safe = method in _IDEMPOTENT_METHODS
        if rest.startswith("jobs/query"):
            # A query job changes no data: creating, polling, paging and aborting it read
            # (and creating one twice leaves one job unread, not a record written twice).
            return CallInfo("read", _bulk_endpoint(method, rest), idempotent=True)
        if rest.startswith("jobs/"):
            # Creating, filling and closing an ingest job are its writes; polling its status
            # and downloading its results read.
            return CallInfo("read" if method == "GET" else "bulk_jobs",
                            _bulk_endpoint(method, rest), idempotent=_bulk_safe(method, rest))
        if rest.startswith("composite/sobjects"):
            parts = rest.split("/")
            if method == "GET":
                return CallInfo("read", "collections:retrieve", idempotent=True)
            if method == "PATCH" and len(parts) == 4:
                return CallInfo("write", "collections:upsert", idempotent=True)
            if method == "PATCH":
                # Setting fields to given values twice leaves the same record.
                return CallInfo("write", "collections:update", idempotent=True)
            if method == "DELETE":
                return CallInfo("write", "collections:delete", idempotent=True)
            return CallInfo("write", "collections:create", idempotent=False)
        if method == "GET":
            head = rest.split("/", 1)[0]
            if head in ("query", "queryAll"):
                return CallInfo("read", head if "/" not in rest else f"{head}:more",
                                idempotent=True)
            if rest.endswith("describe") or rest == "sobjects":
                return CallInfo("read", "describe", idempotent=True)
            if head == "limits":
                return CallInfo("read", "limits", idempotent=True)
            return CallInfo("read", head or "data", idempotent=True)
        if rest.startswith("sobjects/") and method == "PATCH" and rest.count("/") == 3:
            return CallInfo("write", "sobject:upsert", idempotent=True)
        return CallInfo("write", "sobject:" + method.lower(), idempotent=safe or method == "PATCH")

    def read_limits(self, response: requests.Response) -> LimitReading | None:
        header = response.headers.get("Sforce-Limit-Info")
        if not header:
            return None
        match = _API_USAGE.search(header)
        if not match:
            return None
        used, limit = int(match.group(1)), int(match.group(2))
        return LimitReading(remaining=max(0, limit - used), limit=limit)

    def limit_exhausted(self, response: requests.Response) -> str | None:
        if response.status_code == 403 and "REQUEST_LIMIT_EXCEEDED" in error_codes(response):
            return "REQUEST_LIMIT_EXCEEDED"
        return None


def _bulk_endpoint(method: str, rest: str) -> str:
    parts = rest.split("/")  # jobs, ingest|query, [id], [batches|successfulResults|…]
    family = parts[1] if len(parts) > 1 else "jobs"
    if len(parts) <= 2:
        return f"bulk:{family}:{'create' if method == 'POST' else 'list'}"
    if len(parts) == 3:
        label = {"GET": "status", "PATCH": "state", "DELETE": "delete"}.get(method, method)
        return f"bulk:{family}:{label}"
    return f"bulk:{family}:{'upload' if parts[3] == 'batches' else 'results'}"


def _bulk_safe(method: str, rest: str) -> bool:
    """GETs, and job creation: a second empty Open job changes no data. Uploads and state
    changes are not: a repeated upload could add the rows twice to the job."""
    if method == "GET":
        return True
    return method == "POST" and rest.rstrip("/").count("/") == 1
