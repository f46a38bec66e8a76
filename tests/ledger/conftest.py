"""Ledger fixtures: every test runs on SQLite and on PostgreSQL.

PostgreSQL: one fresh database per test session (from the suite's `pg_server`, see
tests/conftest.py), tables truncated between tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from concord.ledger import Ledger
from concord.ledger.schema import metadata
from tests.conftest import PgServer

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


@pytest.fixture(scope="session")
def pg_session_ledger(pg_server: PgServer) -> Iterator[Ledger]:
    ledger = Ledger.open(pg_server.create_database())
    yield ledger
    ledger.close()


def _truncate(ledger: Ledger) -> None:
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with ledger.engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def ledger(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Ledger]:
    """A migrated, empty ledger on the backend under test."""
    if backend == "sqlite":
        led = Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}")
        yield led
        led.close()
    else:
        led = request.getfixturevalue("pg_session_ledger")
        _truncate(led)
        yield led


@pytest.fixture
def empty_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> sa.URL:
    """A database with nothing in it, for migration tests."""
    if backend == "sqlite":
        return sa.make_url(f"sqlite:///{tmp_path / 'empty.db'}")
    server: PgServer = request.getfixturevalue("pg_server")
    return server.create_database()


@pytest.fixture
def token_key(monkeypatch: pytest.MonkeyPatch) -> str:
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("CONCORD_TOKEN_KEY", key)
    return key
