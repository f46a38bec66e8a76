"""Alembic environment for the ledger, run programmatically by concord.ledger.migrate.

The caller hands in an open connection (inside its own transaction) through
`config.attributes["connection"]`; there is no alembic.ini. The version table has its own
name so the ledger can share a PostgreSQL database with Dagster's storage, which keeps
its own `alembic_version`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from concord.ledger.migrate import VERSION_TABLE
from concord.ledger.schema import metadata


def _run(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("ledger migrations need a connection or sqlalchemy.url")
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("ledger migrations run online only")
_main()
