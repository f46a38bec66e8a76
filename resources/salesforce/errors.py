"""simple-salesforce's exceptions turned into Concord's error tree.

Messages are built from the status, the vendor's errorCode and its message text only:
never the URL's query, never a header, so no token can leak through them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from simple_salesforce.exceptions import (
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceOperationError,
)

from concord.errors import ConnectorError, FatalError, RetriableError

from .profile import SYSTEM


def _first_error(content: object) -> tuple[str | None, str]:
    if isinstance(content, list) and content and isinstance(content[0], dict):
        first = content[0]
        return first.get("errorCode"), str(first.get("message") or "")[:300]
    if isinstance(content, dict):
        return content.get("errorCode") or content.get("error"), str(
            content.get("message") or content.get("error_description") or "")[:300]
    return None, ""


def translate(exc: Exception, obj: str | None) -> ConnectorError:
    if isinstance(exc, SalesforceExpiredSession):
        return FatalError("session still refused after renewing the token",
                          system=SYSTEM, obj=obj, vendor_code="INVALID_SESSION_ID", status=401)
    if isinstance(exc, SalesforceError):
        code, message = _first_error(exc.content)
        text = f"HTTP {exc.status}" + (f": {message}" if message else "")
        if exc.status >= 500:
            return RetriableError(text, system=SYSTEM, obj=obj, vendor_code=code,
                                  status=exc.status)
        return FatalError(text, system=SYSTEM, obj=obj, vendor_code=code, status=exc.status)
    if isinstance(exc, SalesforceOperationError):
        return FatalError(f"bulk job failed: {str(exc)[:300]}", system=SYSTEM, obj=obj,
                          vendor_code="BULK_JOB_FAILED")
    raise TypeError(f"not a Salesforce error: {type(exc).__name__}")


@contextmanager
def salesforce_errors(obj: str | None = None) -> Iterator[None]:
    """Re-raise library errors as Concord's; ours pass through, tagged with the object."""
    try:
        yield
    except ConnectorError as exc:
        if exc.obj is None:
            exc.obj = obj
        raise
    except (SalesforceError, SalesforceOperationError) as exc:
        raise translate(exc, obj) from exc
