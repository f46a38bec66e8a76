"""One error tree for all of Concord.

```
ConcordError
 +-- ConnectorError            a call to an external system failed
 |    +-- RetriableError       transient (429, 5xx, reset): retry after backoff
 |    +-- FatalError           will not succeed by retrying (bad config, 4xx)
 |    +-- RateLimitExhausted   a daily allowance is used up: checkpoint and stop cleanly
 |    +-- UncertainWrite       the write may or may not have happened: read back first
 |    +-- ReauthoriseRequired  the tenant's refresh token is gone: a human must consent again
 +-- RecordError               one record is bad; it is quarantined and the run goes on
 |    +-- ValidationError      a standardisation rule failed (rule + field)
 +-- SpecError                 a sync spec is invalid (file:line:column)
```

Errors carry the system, object, record id and vendor code where known, and never a
credential: messages are built from those fields only.
"""

from __future__ import annotations

from typing import Any


class ConcordError(Exception):
    """Root of every error Concord raises on purpose."""


class ConnectorError(ConcordError):
    def __init__(
        self,
        message: str,
        *,
        system: str | None = None,
        obj: str | None = None,
        record_id: str | None = None,
        vendor_code: str | None = None,
        status: int | None = None,
    ) -> None:
        self.system = system
        self.obj = obj
        self.record_id = record_id
        self.vendor_code = vendor_code
        self.status = status
        where = "/".join(p for p in (system, obj, record_id) if p)
        code = f" [{vendor_code}]" if vendor_code else ""
        super().__init__(f"{where}: {message}{code}" if where else f"{message}{code}")


class RetriableError(ConnectorError):
    """Transient failure; `retry_after` (seconds) is the server's hint when it gave one."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kw)


class FatalError(ConnectorError):
    """Retrying cannot help: wrong configuration, permissions or a rejected request."""


class RateLimitExhausted(ConnectorError):
    """A daily (or other long-window) limit is reached; the caller checkpoints and stops."""


class UncertainWrite(ConnectorError):
    """The request may have been applied; read the target back before any retry."""


class ReauthoriseRequired(ConnectorError):
    """The stored refresh token cannot be used any more: run `concord auth` for the tenant."""


class RecordError(ConcordError):
    """One input record cannot be synced; it goes to quarantine and the run continues."""

    def __init__(
        self, message: str, *, rule: str, field: str | None = None, value: Any = None
    ) -> None:
        self.rule = rule
        self.field = field
        self.value = value
        super().__init__(message)


class ValidationError(RecordError):
    """A standardisation rule failed for one field of one record."""


class SpecError(ConcordError):
    """A sync spec is invalid; the message names file, line and column."""

    def __init__(
        self, message: str, *, path: str, line: int | None = None, column: int | None = None
    ) -> None:
        self.path = path
        self.line = line
        self.column = column
        loc = path
        if line is not None:
            loc += f":{line}"
            if column is not None:
                loc += f":{column}"
        super().__init__(f"{loc}: {message}")
