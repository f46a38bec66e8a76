"""Errors the ledger raises on purpose (a branch of concord.errors.ConcordError).

```
ConcordError
 +-- LedgerError
      +-- StaleTokenVersion    another writer swapped the token first: reload, do not refresh twice
      +-- TokenKeyError        CONCORD_TOKEN_KEY missing, malformed or not the key used to encrypt
      +-- UnknownCluster       no duplicate cluster with that id
      +-- InvalidDecision      a steward decision that cannot be applied as given
```
"""

from __future__ import annotations

from concord.errors import ConcordError


class LedgerError(ConcordError):
    """Root of the ledger's own errors."""


class StaleTokenVersion(LedgerError):
    """The token's version moved on since it was read; another process rotated it."""

    def __init__(self, system: str, tenant: str, expected: int | None, found: int | None) -> None:
        self.system = system
        self.tenant = tenant
        self.expected = expected
        self.found = found
        super().__init__(
            f"token {system}/{tenant}: expected version {expected}, found {found}"
        )


class TokenKeyError(LedgerError):
    """Tokens cannot be encrypted or decrypted with the configured key."""


class UnknownCluster(LedgerError, LookupError):
    """No duplicate cluster has this id."""


class InvalidDecision(LedgerError, ValueError):
    """A steward's decision is malformed (both/neither of keep and separate, or keep unknown)."""
