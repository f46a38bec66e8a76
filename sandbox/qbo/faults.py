"""QBO's error dialect, copied from the recorded responses (shared/api-specs/qbo).

Faults are `{"Fault":{"Error":[{"Message","Detail","code"}],"type"},"time"}`; inside a batch
each error also carries `"element":""`. The API's 401 is differently shaped and lower-case
(`fault.error[].message`) and carries `WWW-Authenticate`; parsers that look for `Fault` miss it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

STALE_DETAIL = ("Stale Object Error : You and Sandbox User were working on this at the same "
                "time. Sandbox User finished before you did, so your work was not saved.")
NOT_FOUND_DETAIL = ("Object Not Found : Something you're trying to use has been made inactive. "
                    "Check the fields with accounts, customers, items, vendors or employees.")


@dataclass
class QboFault(Exception):
    """One request (or one batch item) fails with a Fault body."""

    status: int
    code: str
    message: str
    detail: str
    kind: str = "ValidationFault"
    element: str | None = None

    def __post_init__(self) -> None:
        super().__init__(f"{self.code} {self.message}")

    def error(self, in_batch: bool = False) -> dict[str, Any]:
        item: dict[str, Any] = {"Message": self.message, "Detail": self.detail, "code": self.code}
        if self.element is not None or in_batch:
            item["element"] = self.element or ""
        return item

    def body(self, in_batch: bool = False) -> dict[str, Any]:
        return {"Error": [self.error(in_batch)], "type": self.kind}


def stale_object() -> QboFault:
    return QboFault(400, "5010", "Stale Object Error", STALE_DETAIL)


def object_not_found(what: str = "") -> QboFault:
    detail = NOT_FOUND_DETAIL if not what else f"{NOT_FOUND_DETAIL} {what}"
    return QboFault(400, "610", "Object Not Found", detail)


def duplicate_name(detail_tail: str = "null") -> QboFault:
    return QboFault(400, "6240", "Duplicate Name Exists Error",
                    f"The name supplied already exists. : {detail_tail}")


def unsupported_property(name: str, entity: str, known: frozenset[str]) -> QboFault:
    listed = ", ".join(f'"{k}"' for k in sorted(known)[:60])
    detail = (f'Property Name:Unrecognized field "{name}" (class com.intuit.schema.finance.v3.'
              f"{entity}), not marked as ignorable ({len(known)} known properties: {listed} "
              "[truncated]])\n specified is unsupported or invalid")
    return QboFault(400, "2010", "Request has invalid or unsupported property", detail)


def required_missing(name: str) -> QboFault:
    return QboFault(400, "2020", "Required param missing, need to supply the required value "
                    "for the API", f"Required parameter {name} is missing in the request")


def invalid_id(value: str) -> QboFault:
    return QboFault(400, "2030", "Invalid ID", f"Id should be a valid number. Supplied value:{value}",
                    element="Id")


def business_rule(detail: str) -> QboFault:
    return QboFault(400, "6000", "A business validation error has occurred while processing "
                    "your request", f"Business Validation Error: {detail}")


def invalid_query(detail: str, code: str = "4000") -> QboFault:
    return QboFault(400, code, "Invalid query", detail)


def unsupported_operation(detail: str) -> QboFault:
    return QboFault(400, "500", "Unsupported Operation", f"Operation {detail} is not supported.")


def bad_request(detail: str) -> QboFault:
    return QboFault(400, "2500", "Invalid Reference Id", detail)


def throttled() -> QboFault:
    return QboFault(429, "3001", "message=ThrottleExceeded; errorCode=003001; statusCode=429",
                    "The request limit was reached.  Try again later", kind="SERVICE")


def server_error(status: int = 500) -> QboFault:
    return QboFault(status, "10000", "An application error has occurred while processing your "
                    "request", "System Failure Error: An unexpected error occurred while "
                    "accessing or saving your data. Please wait a few minutes and try again.",
                    kind="SystemFault")


def forbidden_realm() -> QboFault:
    return QboFault(403, "3100", "message=ApplicationAuthorizationFailed; errorCode=003100; "
                    "statusCode=403", "", kind="AuthorizationFault")


def authentication_body(detail: str) -> dict[str, Any]:
    """The 401 body exactly as recorded (error/401.yml): lower-case keys, epoch-ms `time`."""
    return {
        "warnings": None, "intuitObject": None,
        "fault": {"error": [{"message": "message=AuthenticationFailed; errorCode=003200; "
                             "statusCode=401", "detail": detail, "code": "3200",
                             "element": None}], "type": "AUTHENTICATION"},
        "report": None, "queryResponse": None, "batchItemResponse": [],
        "attachableResponse": [], "syncErrorResponse": None, "requestId": None,
        "time": int(time.time() * 1000), "status": None, "cdcresponse": [],
    }


WWW_AUTHENTICATE = 'Bearer realm="Intuit", error="invalid_token"'
