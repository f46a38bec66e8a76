"""`concord sync --json`, as `make sync` runs it on a fresh machine: the first run stops at
the duplicate check, a steward decides, the re-run loads, a third run writes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

CLEAN = ("CONCORD_PLATFORM_URL", "CONCORD_LEDGER_URL", "DAGSTER_HOME", "CONCORD_DAGSTER_PG_URL")


def env_for(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CLEAN and not k.startswith("SALESFORCE_")}
    env["CONCORD_HOME"] = str(home)
    return env


def concord_sync(home: Path, *extra: str, exit_code: int = 0) -> tuple[dict, str]:
    """The JSON summary and what was said on stderr."""
    proc = subprocess.run(
        [sys.executable, "-m", "integration_dags", "sync", "--json", "--scale", "150", *extra],
        env=env_for(home), capture_output=True, text=True, timeout=300)
    assert proc.returncode == exit_code, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1]), proc.stderr


def steward_keeps_the_earliest_records(home: Path) -> str:
    """`concord duplicates resolve --all-suggested`, in the project's embedded setup."""
    code = ("import sys; from integration_dags.stewardship import resolve_all_suggested; "
            "sys.exit(resolve_all_suggested(sync=None, tier=None, by='steward'))")
    proc = subprocess.run([sys.executable, "-c", code], env=env_for(home),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


@pytest.mark.slow
def test_sync_from_nothing_stops_at_duplicates_then_loads_then_writes_nothing(tmp_path: Path) -> None:
    # The first `make sync` stops at the blocking duplicate check, having written nothing.
    summary, said = concord_sync(tmp_path, exit_code=1)
    blocked = summary["syncs"]["crm_accounts"]
    assert "duplicate cluster(s) wait for a steward" in said
    assert "concord duplicates list" in said and "concord duplicates resolve" in said
    assert blocked["extracted"] > 0
    assert blocked["created"] == 0 and blocked["api_calls"]["write"] == 0
    decided = steward_keeps_the_earliest_records(tmp_path)
    assert "keep " in decided and "open cluster(s) decided" in decided

    first = concord_sync(tmp_path)[0]["syncs"]["crm_accounts"]
    assert set(first) == {"extracted", "created", "updated", "deleted", "unchanged", "quarantined", "skipped",
                          "changed_in_target", "written_back", "conflicts", "api_calls"}
    assert set(first["api_calls"]) == {"read", "write", "bulk_jobs"}
    assert all(isinstance(v, int) for v in first["api_calls"].values())
    assert first["created"] > 0 and first["api_calls"]["write"] > 0
    assert first["extracted"] + first["changed_in_target"] == sum(
        first[k] for k in ("created", "updated", "deleted", "unchanged", "quarantined", "skipped"))

    # After the initial load a run covers yesterday and today, as the hourly schedule does.
    second = concord_sync(tmp_path)[0]["syncs"]["crm_accounts"]
    assert second["api_calls"]["write"] == 0
    assert second["api_calls"]["bulk_jobs"] == 0
    assert second["extracted"] + second["changed_in_target"] == sum(
        second[k] for k in ("created", "updated", "deleted", "unchanged", "quarantined", "skipped"))
    assert second["written_back"] == 0 and second["conflicts"] == 0

    # All three were real runs, recorded in the project-local instance that `make ui` shows.
    instance = dg.DagsterInstance.from_config(str(tmp_path / ".dagster_home"))
    runs = instance.get_runs()
    assert len(runs) == 3
    assert all(r.job_name == "crm_accounts" for r in runs)
