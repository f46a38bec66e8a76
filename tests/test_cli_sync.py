"""`concord sync --json`, as `make sync` runs it on a fresh machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

CLEAN = ("CONCORD_PLATFORM_URL", "CONCORD_LEDGER_URL", "DAGSTER_HOME", "CONCORD_DAGSTER_PG_URL")


def concord_sync(home: Path, *extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in CLEAN and not k.startswith("SALESFORCE_")}
    env["CONCORD_HOME"] = str(home)
    proc = subprocess.run(
        [sys.executable, "-m", "integration_dags", "sync", "--json", "--scale", "150", *extra],
        env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_sync_twice_from_nothing(tmp_path: Path) -> None:
    first = concord_sync(tmp_path)["syncs"]["crm_accounts"]
    assert set(first) == {"extracted", "created", "updated", "deleted", "unchanged", "quarantined", "skipped",
                          "api_calls"}
    assert set(first["api_calls"]) == {"read", "write", "bulk_jobs"}
    assert all(isinstance(v, int) for v in first["api_calls"].values())
    assert first["created"] > 0 and first["api_calls"]["write"] > 0
    assert first["extracted"] == sum(first[k] for k in ("created", "updated", "deleted", "unchanged",
                                                        "quarantined", "skipped"))

    # After the initial load a run covers yesterday and today, as the hourly schedule does.
    second = concord_sync(tmp_path)["syncs"]["crm_accounts"]
    assert second["api_calls"]["write"] == 0
    assert second["api_calls"]["bulk_jobs"] == 0
    assert second["extracted"] == sum(second[k] for k in ("created", "updated", "deleted", "unchanged",
                                                          "quarantined", "skipped"))

    # Both were real runs, recorded in the project-local instance that `make ui` shows.
    instance = dg.DagsterInstance.from_config(str(tmp_path / ".dagster_home"))
    runs = instance.get_runs()
    assert len(runs) == 2
    assert all(r.job_name == "crm_accounts" for r in runs)
