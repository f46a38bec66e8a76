"""`concord duplicates list / resolve`: a steward reviews the queue and decides, in one tool."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from concord.ledger import CandidatePair, ClusterMember, DuplicateCluster, Ledger
from integration_dags.cli import main

SYNC = "crm_accounts"
REVIEW = "crm_accounts.companies-12"
PEOPLE = "crm_accounts.contacts-1"


@pytest.fixture(scope="module")
def platform_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sandbox.platform import generate_platform

    path = tmp_path_factory.mktemp("steward") / "platform.sqlite"
    generate_platform(path, scale=150, seed=3)
    return path


@pytest.fixture
def ledger(tmp_path: Path, platform_file: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Ledger]:
    """A fresh ledger holding a review cluster of two companies and one of two contacts.

    Every location the CLI could default to is pinned under tmp_path, so nothing is
    written into the project."""
    monkeypatch.setenv("CONCORD_HOME", str(tmp_path))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    monkeypatch.setenv("CONCORD_PLATFORM_URL", f"sqlite:///{platform_file}")
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    monkeypatch.setenv("CONCORD_LEDGER_URL", url)
    led = Ledger.open(url)
    led.record_clusters([
        DuplicateCluster(
            REVIEW, SYNC, "company",
            [ClusterMember("platform", "companies", k) for k in ("12", "17", "103")],
            [CandidatePair("12", "17", Decimal("0.87"), ["name_postcode"]),
             CandidatePair("12", "103", Decimal("0.74"), ["name_city", "phone"])],
            partition="2026-08-03",
        ),
        DuplicateCluster(
            PEOPLE, SYNC, "person",
            [ClusterMember("platform", "contacts", k) for k in ("1", "2")],
            [CandidatePair("1", "2", 0.9, ["first_name_company"])],
            partition="2026-08-04",
        ),
        DuplicateCluster(
            "other_sync.items-5", "other_sync", "item",
            [ClusterMember("platform", "items", k) for k in ("5", "6")],
            [CandidatePair("5", "6", 1, ["sku"])],
        ),
    ])
    yield led
    led.close()


def company(platform_file: Path, key: str) -> tuple[str, str | None, str, str]:
    con = sqlite3.connect(platform_file)
    try:
        return con.execute("SELECT name, vat_id, country, email FROM companies WHERE id = ?",
                           (int(key),)).fetchone()
    finally:
        con.close()


def test_list_shows_open_clusters_with_each_members_platform_fields(
        ledger: Ledger, platform_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["duplicates", "list", "--sync", SYNC]) == 0
    out = capsys.readouterr().out
    assert REVIEW in out and PEOPLE in out
    assert "other_sync" not in out  # --sync filters
    block = out.split("\n\n")[[b.startswith(REVIEW) for b in out.split("\n\n")].index(True)]
    for key in ("12", "17", "103"):
        name, vat, country, email = company(platform_file, key)
        row = next(line for line in block.splitlines() if line.split()[0] == key)
        assert name[:30] in row and email in row and country in row
        if vat:
            assert vat[:19] in row
    assert "pair 12 ~ 17: score 0.87, name_postcode" in block
    assert "pair 12 ~ 103: score 0.74, name_city, phone" in block
    assert f"concord duplicates resolve {REVIEW} --keep {{12 | 17 | 103}} | --separate" in block


def test_resolve_keep_records_who_and_says_what_the_next_run_does(
        ledger: Ledger, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["duplicates", "resolve", REVIEW, "--keep", "17", "--by", "alice"]) == 0
    out = capsys.readouterr().out
    assert "merge 12, 103 into 17 on the next run of crm_accounts over 2026-08-03" in out
    decision = ledger.decisions(SYNC)[REVIEW]
    assert (decision.decision, decision.keep_record_key, decision.decided_by) == ("keep", "17", "alice")

    assert main(["duplicates", "list"]) == 0
    assert REVIEW not in capsys.readouterr().out  # decided: out of the open queue
    assert main(["duplicates", "list", "--all"]) == 0
    listed = capsys.readouterr().out
    assert REVIEW in listed and "[resolved]" in listed
    assert "decision: keep 17 (merge the others into it), by alice at " in listed


def test_resolve_separate_is_recorded_as_the_os_user(
        ledger: Ledger, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGNAME", "steward-bob")  # what getpass.getuser() reads first
    assert main(["duplicates", "resolve", PEOPLE, "--separate"]) == 0
    assert "keep 1, 2 apart on the next run of crm_accounts" in capsys.readouterr().out
    decision = ledger.decisions(SYNC)[PEOPLE]
    assert (decision.decision, decision.keep_record_key, decision.decided_by) == \
        ("separate", None, "steward-bob")


def test_a_new_decision_replaces_the_old_one_and_says_so(
        ledger: Ledger, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["duplicates", "resolve", REVIEW, "--keep", "12", "--by", "alice"]) == 0
    capsys.readouterr()
    assert main(["duplicates", "resolve", REVIEW, "--separate", "--by", "carol"]) == 0
    assert "replaces: keep 12 (merge the others into it), by alice" in capsys.readouterr().out
    assert ledger.decisions(SYNC)[REVIEW].decided_by == "carol"


@pytest.mark.parametrize(("args", "message"), [
    (["crm_accounts.companies-999", "--keep", "1"], "no duplicate cluster 'crm_accounts.companies-999'"),
    ([REVIEW, "--keep", "99"], "'99' is not a member of crm_accounts.companies-12 (members: 12, 17, 103)"),
    ([REVIEW, "--keep", "12", "--separate"], "give exactly one of --keep RECORD_KEY or --separate"),
    ([REVIEW], "give exactly one of --keep RECORD_KEY or --separate"),
])
def test_a_decision_that_cannot_apply_exits_2_and_changes_nothing(
        ledger: Ledger, capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    assert main(["duplicates", "resolve", *args, "--by", "alice"]) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.out == ""
    assert ledger.decisions() == {}


def test_json_is_one_object_scripts_can_read(
        ledger: Ledger, platform_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["duplicates", "resolve", PEOPLE, "--keep", "2", "--by", "alice"]) == 0
    capsys.readouterr()
    assert main(["duplicates", "list", "--all", "--json", "--sync", SYNC]) == 0
    data = json.loads(capsys.readouterr().out)
    by_id = {c["cluster_id"]: c for c in data["clusters"]}
    assert set(by_id) == {REVIEW, PEOPLE}
    review = by_id[REVIEW]
    assert review["status"] == "open" and review["decision"] is None
    assert [m["record_key"] for m in review["members"]] == ["12", "17", "103"]
    fields = review["members"][0]["fields"]
    assert (fields["name"], fields["vat_id"], fields["country"], fields["email"]) == \
        company(platform_file, "12")
    assert {"a": "12", "b": "17", "score": "0.87", "reasons": ["name_postcode"]} in review["pairs"]
    people = by_id[PEOPLE]
    assert people["decision"]["decision"] == "keep" and people["decision"]["keep"] == "2"
    assert people["decision"]["decided_by"] == "alice"
    assert people["members"][0]["fields"]["company"]  # a contact shows its company


def test_an_empty_queue_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CONCORD_HOME", str(tmp_path))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    monkeypatch.setenv("CONCORD_PLATFORM_URL", f"sqlite:///{tmp_path / 'no-platform.sqlite'}")
    monkeypatch.setenv("CONCORD_LEDGER_URL", f"sqlite:///{tmp_path / 'none.sqlite'}")
    assert main(["duplicates", "list"]) == 0
    assert capsys.readouterr().out.strip() == "no open duplicate clusters"
    assert not (tmp_path / "none.sqlite").exists()  # listing never creates a ledger


def test_a_member_gone_from_the_platform_is_named_not_hidden(
        ledger: Ledger, capsys: pytest.CaptureFixture[str]) -> None:
    ledger.record_clusters([DuplicateCluster(
        "crm_accounts.companies-99998", SYNC, "company",
        [ClusterMember("platform", "companies", k) for k in ("99998", "99999")],
        [CandidatePair("99998", "99999", 1, ["vat_id"])])])
    assert main(["duplicates", "list"]) == 0
    out = capsys.readouterr().out
    assert "99999    (platform companies: not found in the platform database)" in out


def test_list_names_the_tiers_and_the_keys_that_matched(
        ledger: Ledger, capsys: pytest.CaptureFixture[str]) -> None:
    """The dedupe step keeps each pair's reasons as 'TIER: KEY' (concord/dedupe/keys.py)."""
    ledger.record_clusters([DuplicateCluster(
        "crm_accounts.companies-5", SYNC, "company",
        [ClusterMember("platform", "companies", k) for k in ("5", "9", "40")],
        [CandidatePair("5", "9", 1, ["vat_id: DE811569869", "name_country: muller bau | DE"]),
         CandidatePair("5", "40", 1, ["vat_id: DE811569869", "trade_register: HRB 12345 | DE",
                                      "name_country: muller bau | DE"])])])
    assert main(["duplicates", "list", "--sync", SYNC]) == 0
    block = next(b for b in capsys.readouterr().out.split("\n\n")
                 if b.startswith("crm_accounts.companies-5"))
    assert "  matched on: vat_id, trade_register, name_country" in block  # the spec's order
    assert "pair 5 ~ 9: score 1, vat_id: DE811569869, name_country: muller bau | DE" in block
    assert main(["duplicates", "list", "--sync", SYNC, "--json"]) == 0
    listed = {c["cluster_id"]: c for c in json.loads(capsys.readouterr().out)["clusters"]}
    assert listed["crm_accounts.companies-5"]["tiers"] == ["vat_id", "trade_register", "name_country"]


def test_all_suggested_keeps_the_earliest_record_of_every_open_cluster_of_the_sync(
        ledger: Ledger, capsys: pytest.CaptureFixture[str]) -> None:
    from integration_dags.stewardship import resolve_all_suggested

    assert main(["duplicates", "resolve", PEOPLE, "--separate", "--by", "bob"]) == 0
    capsys.readouterr()
    assert resolve_all_suggested(sync=SYNC, tier=None, by="alice") == 0
    out = capsys.readouterr().out
    assert f"{REVIEW}: keep 12 (merge the others into it), by alice" in out
    assert "1 open cluster(s) of crm_accounts decided" in out
    decisions = ledger.decisions()
    assert decisions[REVIEW].keep_record_key == "12"  # numeric order: 12 before 17 and 103
    assert decisions[PEOPLE].decision == "separate"  # decided before: left alone
    assert "other_sync.items-5" not in decisions  # another sync: left alone


def test_all_suggested_for_one_tier_takes_only_clusters_that_tier_joined_throughout(
        ledger: Ledger, capsys: pytest.CaptureFixture[str]) -> None:
    from integration_dags.stewardship import resolve_all_suggested

    ledger.record_clusters([DuplicateCluster(
        "crm_accounts.contacts-7", SYNC, "person",
        [ClusterMember("platform", "contacts", k) for k in ("7", "8", "9")],
        [CandidatePair("7", "8", 1, ["email: a@b.de"]), CandidatePair("7", "9", 1, ["phone: +49 1"])])])
    assert resolve_all_suggested(sync=SYNC, tier="first_name_company", by="alice") == 0
    assert "1 open cluster(s) of crm_accounts joined by first_name_company decided" in \
        capsys.readouterr().out
    assert set(ledger.decisions()) == {PEOPLE}
    assert resolve_all_suggested(sync=SYNC, tier="email", by="alice") == 0
    assert set(ledger.decisions()) == {PEOPLE}  # 7~9 shares no e-mail: for a person to look at


def test_a_run_stopped_at_the_duplicate_check_says_what_to_do(ledger: Ledger) -> None:
    from integration_dags.stewardship import blocked_notice

    notice = blocked_notice(SYNC)
    assert notice is not None
    assert notice.startswith("crm_accounts stopped at the duplicate check (no_unresolved_duplicates): "
                             "2 duplicate cluster(s) wait for a data steward (1 company, 1 person)")
    assert "concord duplicates list --sync crm_accounts" in notice
    assert "concord duplicates resolve CLUSTER --keep RECORD_KEY | --separate" in notice
    for cluster in (REVIEW, PEOPLE):
        ledger.decide(cluster, keep=None, separate=True, decided_by="alice")
    assert blocked_notice(SYNC) is None  # nothing open: the run failed for another reason


@pytest.mark.parametrize(("call", "message"), [
    ({"cluster": REVIEW, "all_suggested": True}, "give no CLUSTER, --keep or --separate with it"),
    ({"cluster": None, "keep": "12", "all_suggested": True}, "give no CLUSTER"),
    ({"cluster": REVIEW, "keep": "12", "tier": "email"}, "--sync and --tier go with --all-suggested"),
    ({"cluster": None}, "give a CLUSTER (see `concord duplicates list`) or --all-suggested"),
])
def test_resolve_refuses_a_mixed_request(ledger: Ledger, capsys: pytest.CaptureFixture[str],
                                         call: dict, message: str) -> None:
    from integration_dags.stewardship import resolve

    args = {"keep": None, "separate": False, "by": "alice", **call}
    assert resolve(args.pop("cluster"), **args) == 2
    assert message in capsys.readouterr().err
    assert ledger.decisions() == {}
