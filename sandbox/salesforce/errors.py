"""Salesforce's error dialect: REST bodies are a JSON list of {message, errorCode[, fields]};
per-record results (collections, bulk) use {statusCode, message, fields}."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response


class ApiError(Exception):
    """A whole request fails: HTTP status + `[{"message","errorCode"[,"fields"]}]`."""

    def __init__(self, status: int, code: str, message: str,
                 fields: list[str] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.status, self.code, self.message, self.fields = status, code, message, fields

    def body(self) -> list[dict[str, Any]]:
        item: dict[str, Any] = {"message": self.message, "errorCode": self.code}
        if self.fields is not None:
            item["fields"] = self.fields
        return [item]


class RecordError(Exception):
    """One record is rejected; the rest of a batch goes on (unless allOrNone)."""

    def __init__(self, code: str, message: str, fields: list[str] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.fields = code, message, list(fields or [])

    def as_result(self) -> dict[str, Any]:
        return {"statusCode": self.code, "message": self.message, "fields": self.fields}

    def as_bulk_text(self) -> str:
        """Bulk API 2.0 `sf__Error` cell: `CODE:message:field,field --`."""
        return f"{self.code}:{self.message}:{','.join(self.fields)} --"

    def as_api_error(self, status: int = 400) -> ApiError:
        return ApiError(status, self.code, self.message, self.fields)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status_code=status, headers=headers,
                    media_type="application/json;charset=UTF-8")


def not_found() -> ApiError:
    return ApiError(404, "NOT_FOUND", "The requested resource does not exist")


def invalid_session() -> ApiError:
    return ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid")


def request_limit_exceeded() -> ApiError:
    return ApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")


def rolled_back() -> RecordError:
    return RecordError(
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
        "Record rolled back because not all records were valid and the request was using "
        "AllOrNone header")
