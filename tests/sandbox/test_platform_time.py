"""Timestamps as the old platform stores them: naive Berlin wall-clock, tied to its edit feed."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sandbox.platform.clock import PlatformClock
from sandbox.platform.generate import generate_platform

BERLIN = ZoneInfo("Europe/Berlin")
RECORD_TABLES = ("companies", "contacts", "items", "invoices")
FMT = "%Y-%m-%d %H:%M:%S"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    # The window 2026-02-01 .. 2026-05-02 contains the spring-forward night (29 March).
    path = tmp_path_factory.mktemp("platform") / "t.db"
    generate_platform(path, scale=1500, seed=11, as_of="2026-05-02")
    conn = sqlite3.connect(path)
    yield conn
    conn.close()


def _exists_in_berlin(text: str) -> bool:
    """A naive wall-clock time exists iff it survives a round trip through UTC."""
    local = datetime.strptime(text, FMT)
    back = local.replace(tzinfo=BERLIN).astimezone(UTC).astimezone(BERLIN)
    return back.replace(tzinfo=None) == local


def test_updated_at_is_the_newest_edit_and_created_at_the_created_entry(
        db: sqlite3.Connection) -> None:
    for table in RECORD_TABLES:
        rows = db.execute(f"""
            SELECT t.id, t.created_at, t.updated_at,
                   (SELECT changed_at FROM edit_history e WHERE e.table_name = '{table}'
                      AND e.record_id = t.id ORDER BY e.id DESC LIMIT 1),
                   (SELECT group_concat(changed_at) FROM edit_history e
                      WHERE e.table_name = '{table}' AND e.record_id = t.id
                      AND e.field IS NULL)
            FROM {table} t""").fetchall()
        assert rows
        for rid, created, updated, newest, created_entries in rows:
            assert updated == newest, (table, rid)
            assert created_entries == created, (table, rid)


def test_some_records_were_edited_after_creation(db: sqlite3.Connection) -> None:
    for table in RECORD_TABLES:
        edited, total = db.execute(
            f"SELECT SUM(updated_at > created_at), COUNT(*) FROM {table}").fetchone()
        assert 0.15 < edited / total < 0.6, table
    changes = db.execute("SELECT COUNT(*) FROM edit_history WHERE field IS NOT NULL "
                         "AND action = 'updated' AND old_value IS NOT new_value").fetchone()[0]
    assert changes > 0


def test_system_timestamps_are_real_berlin_times_inside_the_window(
        db: sqlite3.Connection) -> None:
    as_of = datetime(2026, 5, 2, tzinfo=UTC)
    start = (as_of - timedelta(days=90)).astimezone(BERLIN).strftime(FMT)
    end = as_of.astimezone(BERLIN).strftime(FMT)
    seen = []
    for table, column in [(t, c) for t in RECORD_TABLES for c in ("created_at", "updated_at")] + [
            ("companies", "deleted_at"), ("contacts", "deleted_at"),
            ("edit_history", "changed_at")]:
        for (text,) in db.execute(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL"):
            assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", text), (table, text)
            assert _exists_in_berlin(text), (table, column, text)
            assert start <= text < end, (table, column, text)
            seen.append(text)
    # Both sides of the DST change are present, so the conversion was exercised.
    assert any(t < "2026-03-29" for t in seen) and any(t > "2026-03-30" for t in seen)


def test_the_edit_feed_is_in_time_order(db: sqlite3.Connection) -> None:
    previous = ""
    for (changed_at,) in db.execute("SELECT changed_at FROM edit_history ORDER BY id"):
        assert changed_at >= previous
        previous = changed_at


def test_soft_deletes_are_the_last_edit_and_carry_their_time(db: sqlite3.Connection) -> None:
    for table in ("companies", "contacts"):
        rows = db.execute(f"""
            SELECT t.deleted_at, e.action, e.field, e.new_value FROM {table} t
            JOIN edit_history e ON e.table_name = '{table}' AND e.record_id = t.id
            WHERE t.deleted_at IS NOT NULL AND e.id = (SELECT MAX(id) FROM edit_history x
                WHERE x.table_name = '{table}' AND x.record_id = t.id)""").fetchall()
        assert rows, table
        for deleted_at, action, field, new_value in rows:
            assert (action, field, new_value) == ("deleted", "deleted_at", deleted_at)


def test_last_contacted_is_german_wall_clock_text_except_where_recorded(
        db: sqlite3.Connection) -> None:
    dirt = dict(db.execute("SELECT record_id, kind FROM dirt WHERE kind LIKE "
                           "'contact_last_contacted%'").fetchall())
    german = iso = gap = 0
    for cid, text in db.execute("SELECT id, last_contacted FROM contacts "
                                "WHERE last_contacted IS NOT NULL"):
        kind = dirt.get(cid)
        if kind == "contact_last_contacted_iso":
            local = datetime.strptime(text, "%Y-%m-%d %H:%M")
            iso += 1
        else:
            local = datetime.strptime(text, "%d.%m.%Y %H:%M")
            german += kind is None
        exists = _exists_in_berlin(local.strftime(FMT))
        if kind == "contact_last_contacted_nonexistent":
            assert not exists, text
            gap += 1
        else:
            assert exists, text
    assert german > iso > gap > 0


def test_the_repeated_autumn_hour_is_written_twice_as_the_old_system_would() -> None:
    clock = PlatformClock(datetime(2026, 11, 1, tzinfo=UTC))
    first = int(datetime(2026, 10, 25, 0, 30, tzinfo=UTC).timestamp())  # CEST
    second = int(datetime(2026, 10, 25, 1, 30, tzinfo=UTC).timestamp())  # CET
    assert clock.local_text(first) == clock.local_text(second) == "2026-10-25 02:30:00"
    spring = int(datetime(2026, 3, 29, 1, 0, tzinfo=UTC).timestamp())
    assert clock.local_text(spring - 1) == "2026-03-29 01:59:59"
    assert clock.local_text(spring) == "2026-03-29 03:00:00"


def test_the_feed_follows_time_across_the_autumn_change(tmp_path: Path) -> None:
    path = tmp_path / "autumn.db"
    generate_platform(path, scale=600, seed=5)  # default window holds 25 October
    conn = sqlite3.connect(path)
    try:
        feed = [r[0] for r in conn.execute("SELECT changed_at FROM edit_history ORDER BY id")]
    finally:
        conn.close()
    repeated = "2026-10-25 02:"
    assert feed[0] < "2026-10-25" < feed[-1]
    for earlier, later in pairwise(feed):
        if later < earlier:  # text may go back only inside the repeated hour
            assert earlier.startswith(repeated) and later.startswith(repeated)
