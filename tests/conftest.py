"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa

PG_SERVER_URL = os.environ.get(
    "CONCORD_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")


def _pg_reachable(url: str) -> str | None:
    try:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return None
    except Exception as exc:  # any failure means "not usable here"
        return str(exc).splitlines()[0]


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The PostgreSQL server URL; in CI its absence is a failure, never a skip."""
    problem = _pg_reachable(PG_SERVER_URL)
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL at {PG_SERVER_URL} is required in CI: {problem}")
        pytest.skip(f"PostgreSQL not reachable: {problem}")
    return PG_SERVER_URL


@pytest.fixture(scope="session")
def new_pg_database(pg_server: str) -> Iterator[Callable[[str], str]]:
    """Create throwaway databases (dropped at the end); returns their SQLAlchemy URLs."""
    admin = sa.create_engine(pg_server, isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def create(prefix: str = "concord_test") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        return str(sa.make_url(pg_server).set(database=name).render_as_string(hide_password=False))

    yield create
    with admin.connect() as conn:
        for name in made:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
