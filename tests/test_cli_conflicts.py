"""`concord conflicts`: a held field conflict is listed, a steward picks a side, and the
decision waits in the ledger for the next run to apply it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from concord.ledger import Ledger
from concord.ownership import FieldConflict
from integration_dags.cli import main


def test_a_held_conflict_is_listed_and_resolved_by_a_steward(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CONCORD_HOME", str(tmp_path))
    for var in ("CONCORD_LEDGER_URL", "CONCORD_PLATFORM_URL", "DAGSTER_HOME"):
        monkeypatch.delenv(var, raising=False)
    url = f"sqlite:///{tmp_path / 'var' / 'ledger.sqlite'}"
    (tmp_path / "var").mkdir()
    with Ledger.open(url) as led:
        led.record_conflicts("crm_accounts", "salesforce", "Account", [FieldConflict(
            "g1", "17", "001A", "Website", "conflict", "https://a.example",
            "https://office.example", "https://sales.example", "salesforce", "review", "held")])

    assert main(["conflicts", "list", "--json"]) == 0
    [listed] = json.loads(capsys.readouterr().out)["conflicts"]
    assert (listed["field"], listed["status"], listed["platform"]) == (
        "Website", "open", "https://office.example")

    assert main(["conflicts", "resolve", str(listed["id"]), "--winner", "platform",
                 "--by", "steward"]) == 0
    assert "platform wins" in capsys.readouterr().out
    assert main(["conflicts", "resolve", str(listed["id"]), "--winner", "platform"]) == 2
    with Ledger.open(url) as led:
        assert led.list_conflicts("open") == []
        assert led.pending_decisions("salesforce", "Account", ["g1"]) == {"g1": {"Website": "platform"}}
