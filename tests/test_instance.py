"""The Dagster instance: SQLite under a project-local home by default, PostgreSQL by one variable."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from integration_dags.local import prepare_instance_home
from tests.conftest import PgServer


@dg.asset
def _probe() -> int:
    return 1


def test_default_instance_is_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONCORD_DAGSTER_PG_URL", raising=False)
    prepare_instance_home(tmp_path)
    instance = dg.DagsterInstance.from_config(str(tmp_path))
    assert "Sqlite" in type(instance.run_storage).__name__
    assert dg.materialize([_probe], instance=instance).success
    assert len(instance.get_runs()) == 1


def test_one_variable_moves_storage_to_postgres(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_server: PgServer
) -> None:
    url = pg_server.create_database().render_as_string(hide_password=False)
    monkeypatch.setenv("CONCORD_DAGSTER_PG_URL", url)
    prepare_instance_home(tmp_path)
    instance = dg.DagsterInstance.from_config(str(tmp_path))
    try:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"
        assert dg.materialize([_probe], instance=instance).success
        assert len(instance.get_runs()) == 1
    finally:
        instance.dispose()
