"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings

from sandbox.harness import RunningSandbox, launch_sandbox

# Properties are checked by their examples, never by the clock: on a loaded 2-core machine
# the first draw of st.text (Hypothesis building its character table) alone took 1.6 s and
# failed the too_slow health check.
settings.register_profile("concord", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("concord")

PG_URL_ENV = "CONCORD_TEST_PG_URL"
DEFAULT_PG_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"


class PgServer:
    """Creates throw-away databases on one server and drops them all at the end."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.prefix = f"concord_test_{uuid.uuid4().hex[:10]}"
        self.created: list[str] = []

    def create_database(self) -> sa.URL:
        """A new empty database; its URL keeps the psycopg2 driver (see api-notes/dagster.md)."""
        name = f"{self.prefix}_{len(self.created)}"
        with self.engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return self.engine.url.set(database=name)

    def drop_all(self) -> None:
        with self.engine.connect() as conn:
            for name in self.created:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.engine.dispose()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """The machine's PostgreSQL. Unreachable: skip locally, FAIL under CI=true (CI must
    not go green without having run the PostgreSQL tests)."""
    url = sa.make_url(os.environ.get(PG_URL_ENV, DEFAULT_PG_URL))
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except sa.exc.OperationalError as exc:
        engine.dispose()
        where = url.render_as_string(hide_password=True)
        reason = f"PostgreSQL not reachable at {where} ({type(exc.orig).__name__})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(
                f"{reason}. CI=true: the ledger's PostgreSQL tests must run. Start the "
                f"server or set {PG_URL_ENV} to a reachable server's `postgres` database.",
                pytrace=False,
            )
        pytest.skip(reason)
    server = PgServer(engine)
    yield server
    server.drop_all()


@pytest.fixture(scope="session")
def salesforce_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    """One sandbox Salesforce for the session; tests keep apart by their own tags."""
    sandbox = launch_sandbox("salesforce", tmp_path_factory.mktemp("salesforce-sandbox"))
    try:
        yield sandbox
    finally:
        sandbox.stop()
