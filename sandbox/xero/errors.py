"""Xero's error shapes.

- 400 `ValidationException` (spec `Error`): `Elements` echo each failed object whole, with
  `ValidationErrors:[{Message}]`.
- 401 uses lower-case problem keys (`title/status/detail/instance`) and
  `WWW-Authenticate: Bearer error=invalid_token`; 403/429/5xx use PascalCase
  (`Title/Status/Detail/Instance/Extensions`). Clients must read both casings (xero.md).
- 404 is the plain sentence Xero prints (unverified: body type).
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.responses import PlainTextResponse, Response

from sandbox.xero.wire import json_response

NOT_FOUND_TEXT = "The resource you're looking for cannot be found"


class ApiProblem(Exception):
    """The whole request fails with `status` and a ready body."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None,
                 text: bool = False) -> None:
        super().__init__(f"HTTP {status}")
        self.status, self.body, self.headers, self.text = status, body, dict(headers or {}), text

    def response(self) -> Response:
        if self.text:
            return PlainTextResponse(str(self.body), self.status, headers=self.headers)
        return json_response(self.body, self.status, self.headers)


class RecordInvalid(Exception):
    """One element of a batch fails; the others go on."""

    def __init__(self, *messages: str) -> None:
        super().__init__("; ".join(messages))
        self.messages = list(messages)


def problem(status: int, title: str, detail: str, headers: dict[str, str] | None = None
            ) -> ApiProblem:
    body = {"Type": None, "Title": title, "Status": status, "Detail": detail,
            "Instance": str(uuid.uuid4()), "Extensions": {}}
    return ApiProblem(status, body, headers)


def unauthorized(detail: str = "AuthenticationUnsuccessful") -> ApiProblem:
    body = {"title": "Unauthorized", "status": 401, "detail": detail,
            "instance": str(uuid.uuid4())}
    return ApiProblem(401, body, {"WWW-Authenticate": "Bearer error=invalid_token"})


def forbidden() -> ApiProblem:
    return problem(403, "Forbidden", "AuthenticationUnsuccessful")


def not_found() -> ApiProblem:
    return ApiProblem(404, NOT_FOUND_TEXT, text=True)


def rate_limited(limit: str, retry_after: int, headers: dict[str, str] | None = None
                 ) -> ApiProblem:
    """429 (body shape unverified; the headers are what clients act on)."""
    extra = {**(headers or {}), "Retry-After": str(retry_after), "X-Rate-Limit-Problem": limit}
    return problem(429, "Too Many Requests", f"You've exceeded the per {limit} rate limit",
                   extra)


def validation_exception(elements: list[dict[str, Any]]) -> ApiProblem:
    return ApiProblem(400, {"ErrorNumber": 10, "Type": "ValidationException",
                            "Message": "A validation exception occurred",
                            "Elements": elements})


def bad_request(message: str, error_type: str = "ValidationException",
                number: int = 10) -> ApiProblem:
    """A request-level 400 without elements (bad JSON, bad `where`)."""
    return ApiProblem(400, {"ErrorNumber": number, "Type": error_type, "Message": message})


def invalid_json() -> ApiProblem:
    return bad_request("Invalid Json data", "PostDataInvalidException", 14)


def oauth_error(error: str, status: int = 400) -> ApiProblem:
    return ApiProblem(status, {"error": error})
