"""Writing Salesforce-led values back into the platform database, the platform's way:
German local `updated_at`, one Edit History row per field attributed to Concord, and
nothing at all when the values are already there."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from concord.ownership import RecordSides, diff_records, parse_ownership
from concord.spec import load_sync_spec
from concord.standardise.records import standardise_records
from resources.platform import PlatformDatabase
from resources.platform_writeback import (
    PlatformUpdate,
    PlatformWriteback,
    PlatformWriter,
    updates_from_diffs,
)
from sandbox.platform.generate import generate_platform
from tests.conftest import PgServer

ROOT = Path(__file__).resolve().parents[2]
SUMMER = datetime(2026, 8, 20, 12, 30, 5, tzinfo=UTC)   # 14:30:05 in Berlin (CEST)
WINTER = datetime(2026, 11, 20, 12, 30, 5, tzinfo=UTC)  # 13:30:05 in Berlin (CET)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("platform") / "platform.db"
    generate_platform(path, scale=100, seed=5)
    return path


@pytest.fixture
def platform(generated: Path, tmp_path: Path) -> Path:
    path = tmp_path / "platform.db"
    shutil.copy(generated, path)
    return path


def url(path: Path) -> str:
    return f"sqlite:///{path}"


def query(path: Path, sql: str, *args: object) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, args).fetchall()


def concord_history(path: Path) -> list[tuple]:
    return query(path, "SELECT table_name, record_id, field, old_value, new_value, changed_at, "
                       "action FROM edit_history WHERE changed_by = 'concord' ORDER BY id")


def live_company(path: Path, offset: int = 0) -> tuple:
    return query(path, "SELECT id, phone, city, updated_at FROM companies "
                       "WHERE deleted_at IS NULL ORDER BY id LIMIT 1 OFFSET ?", offset)[0]


def test_a_write_back_sets_local_updated_at_and_edit_history(platform: Path) -> None:
    cid, phone, city, _ = live_company(platform)
    with PlatformWriter(url(platform), clock=lambda: SUMMER) as writer:
        result = writer.apply("companies", [
            PlatformUpdate(str(cid), {"phone": "+4989123456", "city": "Köln"})])
    assert result.counts() == {"updated": 1, "unchanged": 0, "missing": 0, "moved": 0,
                               "fields_written": 2, "history_rows": 2}
    assert live_company(platform)[1:] == ("+4989123456", "Köln", "2026-08-20 14:30:05")
    assert concord_history(platform) == [
        ("companies", cid, "phone", phone, "+4989123456", "2026-08-20 14:30:05", "updated"),
        ("companies", cid, "city", city, "Köln", "2026-08-20 14:30:05", "updated")]


def test_writing_the_same_values_again_changes_nothing(platform: Path) -> None:
    cid, *_ = live_company(platform)
    update = PlatformUpdate(str(cid), {"phone": "+4989123456", "website": "example.test"})
    PlatformWriter(url(platform), clock=lambda: SUMMER).apply("companies", [update])
    history = query(platform, "SELECT COUNT(*) FROM edit_history")

    again = PlatformWriter(url(platform), clock=lambda: WINTER).apply("companies", [update])
    assert again.counts()["unchanged"] == 1 and again.history_rows == 0
    assert query(platform, "SELECT COUNT(*) FROM edit_history") == history
    assert live_company(platform)[3] == "2026-08-20 14:30:05"  # updated_at did not move


def test_only_the_columns_that_differ_are_written(platform: Path) -> None:
    cid, phone, _, _ = live_company(platform)
    result = PlatformWriter(url(platform), clock=lambda: WINTER).apply("companies", [
        PlatformUpdate(str(cid), {"phone": phone, "city": "Graz"})])
    assert result.fields_written == 1
    assert [r[2] for r in concord_history(platform)] == ["city"]
    assert live_company(platform)[3] == "2026-11-20 13:30:05"  # CET in winter


def test_a_row_edited_since_it_was_read_is_left_for_the_next_sync(platform: Path) -> None:
    cid, phone, _, updated = live_company(platform)
    stale = PlatformUpdate(str(cid), {"phone": "+4989123456"}, expected={"phone": "0171 000000"})
    result = PlatformWriter(url(platform)).apply("companies", [stale])
    assert result.moved == [str(cid)] and result.updated == []
    assert live_company(platform)[1] == phone and live_company(platform)[3] == updated
    fresh = PlatformUpdate(str(cid), {"phone": "+4989123456"}, expected={"phone": phone})
    assert PlatformWriter(url(platform)).apply("companies", [fresh]).updated == [str(cid)]


def test_missing_and_deleted_rows_are_reported_not_written(platform: Path) -> None:
    [(deleted,)] = query(platform, "SELECT id FROM companies WHERE deleted_at IS NOT NULL LIMIT 1")
    result = PlatformWriter(url(platform)).apply("companies", [
        PlatformUpdate("999999", {"city": "Wien"}), PlatformUpdate(str(deleted), {"city": "Wien"})])
    assert sorted(result.missing) == sorted(["999999", str(deleted)])
    assert concord_history(platform) == []


def test_an_unknown_column_is_refused_before_anything_is_written(platform: Path) -> None:
    cid, *_ = live_company(platform)
    with pytest.raises(ValueError, match="no column 'fax'"):
        PlatformWriter(url(platform)).apply("companies", [
            PlatformUpdate(str(cid), {"city": "Wien"}), PlatformUpdate(str(cid), {"fax": "1"})])
    assert concord_history(platform) == []


def test_a_batch_is_written_whole_or_not_at_all(platform: Path) -> None:
    (first, _, city, _), (second, *_) = live_company(platform), live_company(platform, 1)
    with sqlite3.connect(platform) as conn:
        conn.execute("CREATE TRIGGER no_boom BEFORE UPDATE ON companies WHEN NEW.city = 'BOOM' "
                     "BEGIN SELECT RAISE(ABORT, 'boom'); END")
    with pytest.raises(sa.exc.DatabaseError, match="boom"):
        PlatformWriter(url(platform)).apply("companies", [
            PlatformUpdate(str(first), {"city": "Wien"}),
            PlatformUpdate(str(second), {"city": "BOOM"})])
    assert live_company(platform)[2] == city and concord_history(platform) == []


def test_the_resource_writes_as_concord(platform: Path) -> None:
    cid, *_ = live_company(platform)
    result = PlatformWriteback(url=url(platform)).apply(
        "companies", [PlatformUpdate(str(cid), {"city": "Linz"})])
    assert result.updated == [str(cid)]
    assert [r[4] for r in concord_history(platform)] == ["Linz"]


def test_salesforce_edits_written_back_read_back_as_no_change(platform: Path) -> None:
    """Diff -> write back -> extract again -> diff: nothing, and the Edit History rows a
    change sensor must see are only the users' own (changed_by is not 'concord')."""
    spec = load_sync_spec(ROOT / "mappings" / "crm_accounts.yaml").objects["companies"]
    own = parse_ownership(spec, {"leads": {"Phone": "salesforce", "Website": "salesforce",
                                           "BillingCountry": "salesforce",
                                           "Customer_Status__c": "salesforce"}})
    db = PlatformDatabase(url=url(platform))
    window = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))

    def read() -> tuple[dict, dict]:
        rows = db.extract(spec.source, *window)
        std = {r.key: r for r in standardise_records(rows, spec).valid}
        return {r.key: r.values for r in rows if r.key in std}, {k: r.fields for k, r in std.items()}

    rows, platform_side = read()
    keys = sorted(platform_side, key=int)[:20]
    baselines = {k: dict(platform_side[k]) for k in keys}  # as after a first sync
    salesforce = {k: dict(baselines[k]) for k in keys}
    for i, k in enumerate(keys):  # Salesforce users edit what Salesforce leads
        salesforce[k].update({"Phone": f"+49 30 {1234560 + i}", "Website": f"w{i}.example.test",
                              "Customer_Status__c": "Former Customer", "BillingCountry": "Austria"})
    sides = [RecordSides(k, platform_side[k], salesforce[k], baselines[k], rows[k], source_key=k)
             for k in keys]
    diff = diff_records(sides, own)
    assert diff.counts()["to_platform"] == len(keys) and diff.counts()["to_salesforce"] == 0
    user_history = query(platform, "SELECT MAX(id) FROM edit_history")

    result = PlatformWriter(url(platform)).apply("companies", updates_from_diffs(diff.records))
    assert len(result.updated) == len(keys) and not result.moved
    assert query(platform, "SELECT MAX(id) FROM edit_history WHERE changed_by <> 'concord'") \
        == user_history

    rows, platform_side = read()
    echo = diff_records([RecordSides(k, platform_side[k], salesforce[k], d.baseline, rows[k])
                         for k, d in zip(keys, diff.records, strict=True)], own)
    assert all(d.nothing_to_write and not d.conflicts for d in echo.records)
    again = PlatformWriter(url(platform)).apply("companies", updates_from_diffs(diff.records))
    assert again.updated == [] and len(again.moved) == len(keys)  # read-before values are stale


@pytest.mark.postgres
def test_the_writer_speaks_postgresql(pg_server: PgServer) -> None:
    pg = pg_server.create_database()
    engine = sa.create_engine(pg)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE companies (id INTEGER PRIMARY KEY, city TEXT, "
                             "phone TEXT, updated_at TEXT, deleted_at TEXT NULL)")
        conn.exec_driver_sql("CREATE TABLE edit_history (id SERIAL PRIMARY KEY, table_name TEXT, "
                             "record_id INTEGER, field TEXT NULL, old_value TEXT, new_value TEXT, "
                             "changed_at TEXT, changed_by TEXT, action TEXT)")
        conn.exec_driver_sql("INSERT INTO companies VALUES (17, 'Bonn', '0228 1', "
                             "'2026-08-01 09:00:00', NULL)")
    engine.dispose()
    update = PlatformUpdate("17", {"city": "Köln"}, expected={"city": "Bonn"})
    with PlatformWriter(pg, clock=lambda: WINTER) as writer:
        assert writer.apply("companies", [update]).updated == ["17"]
        assert writer.apply("companies", [PlatformUpdate("17", {"city": "Köln"})]).unchanged == ["17"]
    engine = sa.create_engine(pg)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT city, updated_at FROM companies").one() == (
            "Köln", "2026-11-20 13:30:05")
        assert conn.exec_driver_sql(
            "SELECT record_id, field, old_value, new_value, changed_by FROM edit_history").all() == [
            (17, "city", "Bonn", "Köln", "concord")]
    engine.dispose()
