"""OAuth tokens per system and tenant, encrypted, swapped by compare-and-set.

Xero and QBO rotate the refresh token on every refresh and the old one dies soon after,
so two processes refreshing at once would lose the tenant. Every write names the version
it read; exactly one writer wins, the other gets StaleTokenVersion and reloads.
"""

from __future__ import annotations

import sqlalchemy as sa

from concord.ledger.base import LedgerBase, now_utc, utc
from concord.ledger.crypto import TokenCipher
from concord.ledger.errors import StaleTokenVersion
from concord.ledger.rows import StoredToken, TokenSet
from concord.ledger.schema import tokens


class TokenStore(LedgerBase):
    _token_key: str | None = None

    def _cipher(self) -> TokenCipher:
        return TokenCipher.from_env(self._token_key)

    def get_token(self, system: str, tenant: str) -> StoredToken | None:
        query = sa.select(tokens).where(tokens.c.system == system, tokens.c.tenant == tenant)
        with self._read() as conn:
            row = conn.execute(query).one_or_none()
        if row is None:
            return None
        secret = self._cipher().open(row.ciphertext)
        return StoredToken(
            access_token=secret["access_token"], refresh_token=secret["refresh_token"],
            expires_at=row.expires_at, refresh_expires_at=row.refresh_expires_at,
            extra=secret.get("extra", {}),
            system=system, tenant=tenant, version=row.version, updated_at=row.updated_at,
        )

    def swap_token(
        self, system: str, tenant: str, *, expected_version: int | None, token: TokenSet
    ) -> StoredToken:
        """Store `token` if the stored version is still `expected_version` (None: no token
        stored yet). Raises StaleTokenVersion when another writer got there first."""
        ciphertext = self._cipher().seal({
            "access_token": token.access_token, "refresh_token": token.refresh_token,
            "extra": dict(token.extra),
        })
        expires_at = utc(token.expires_at, "expires_at")
        refresh_expires_at = (
            utc(token.refresh_expires_at, "refresh_expires_at")
            if token.refresh_expires_at is not None else None
        )
        now = now_utc()
        values = {
            "ciphertext": ciphertext, "expires_at": expires_at,
            "refresh_expires_at": refresh_expires_at, "updated_at": now,
        }
        new_version = 1 if expected_version is None else expected_version + 1
        with self._write() as conn:
            if expected_version is None:
                stmt = self._insert(tokens).values(
                    system=system, tenant=tenant, version=new_version, **values
                ).on_conflict_do_nothing(index_elements=["system", "tenant"])
            else:
                stmt = (
                    sa.update(tokens)
                    .where(
                        tokens.c.system == system, tokens.c.tenant == tenant,
                        tokens.c.version == expected_version,
                    )
                    .values(version=new_version, **values)
                )
            won = conn.execute(stmt).rowcount == 1
            if not won:
                found = conn.execute(
                    sa.select(tokens.c.version).where(
                        tokens.c.system == system, tokens.c.tenant == tenant
                    )
                ).scalar_one_or_none()
        if not won:
            raise StaleTokenVersion(system, tenant, expected_version, found)
        return StoredToken(
            access_token=token.access_token, refresh_token=token.refresh_token,
            expires_at=expires_at, refresh_expires_at=refresh_expires_at,
            extra=dict(token.extra), system=system, tenant=tenant, version=new_version,
            updated_at=now,
        )

    def delete_token(self, system: str, tenant: str) -> bool:
        """Forget a tenant's token (consent revoked); True if there was one."""
        stmt = sa.delete(tokens).where(tokens.c.system == system, tokens.c.tenant == tenant)
        with self._write() as conn:
            return conn.execute(stmt).rowcount == 1
