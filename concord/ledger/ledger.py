"""The Ledger: Concord's own state, one object over one database."""

from __future__ import annotations

from types import TracebackType

import sqlalchemy as sa

from concord.ledger import migrate as _migrate
from concord.ledger.base import create_ledger_engine
from concord.ledger.baselines import BaselineStore
from concord.ledger.cursors import CursorStore
from concord.ledger.duplicates import DuplicateStore
from concord.ledger.outbox import OutboxStore
from concord.ledger.quarantine import QuarantineStore
from concord.ledger.record_state import RecordStateStore
from concord.ledger.sync_log import SyncLogStore
from concord.ledger.tokens import TokenStore
from concord.ledger.xref import XrefStore


class Ledger(
    CursorStore,
    XrefStore,
    RecordStateStore,
    OutboxStore,
    SyncLogStore,
    QuarantineStore,
    DuplicateStore,
    TokenStore,
    BaselineStore,
):
    """Cursors, xref, record state, outbox, sync log, quarantine, duplicates, tokens, and
    field baselines and conflicts (two-way sync).

    Every bulk method runs in one transaction: a batch is stored whole or not at all.
    `url` is any SQLAlchemy URL; use `postgresql+psycopg2://` for PostgreSQL.
    `token_key` overrides the CONCORD_TOKEN_KEY environment variable.
    """

    def __init__(self, url: str | sa.URL, *, token_key: str | None = None) -> None:
        self.engine = create_ledger_engine(url)
        self._token_key = token_key

    @classmethod
    def open(cls, url: str | sa.URL, *, token_key: str | None = None) -> Ledger:
        """A ledger migrated to the newest schema, ready to use."""
        ledger = cls(url, token_key=token_key)
        ledger.migrate()
        return ledger

    def migrate(self, revision: str = "head") -> None:
        with self._write() as conn:
            _migrate.upgrade(conn, revision)

    def downgrade(self, revision: str) -> None:
        with self._write() as conn:
            _migrate.downgrade(conn, revision)

    def current_revision(self) -> str | None:
        with self._read() as conn:
            return _migrate.current_revision(conn)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Ledger({self.engine.url!r})"  # the URL's repr masks any password
