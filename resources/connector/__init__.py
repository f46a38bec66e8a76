"""Vendor-neutral connector machinery: one transport per system, shared by every connector.

Per-system knowledge (which calls are reads, how limit headers read, how auth renews)
comes in through `SystemProfile` and `Authenticator`; nothing here names a vendor.
"""

from .budget import LimitReading, RateBudget
from .counter import CallCounter, counting_calls
from .paging import CursorPaging
from .profile import Authenticator, CallInfo, SystemProfile
from .redact import redact_url
from .retry import RetryPolicy, parse_retry_after
from .transport import Transport

__all__ = [
    "Authenticator",
    "CallCounter",
    "CallInfo",
    "CursorPaging",
    "LimitReading",
    "RateBudget",
    "RetryPolicy",
    "SystemProfile",
    "Transport",
    "counting_calls",
    "parse_retry_after",
    "redact_url",
]
