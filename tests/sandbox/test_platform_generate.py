"""The sandbox platform database: reproducible, shaped as the extractor expects, sized by scale."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.platform.dirt import KINDS
from sandbox.platform.generate import generate_platform, main
from sandbox.reference import HOUSE_ACCOUNT_OWNER, SALESFORCE_USERS

SCALE = 2000

CONTRACT = {
    "meta": {"key", "value"},
    "sales_reps": {"id", "name", "email", "salesforce_user_id", "active"},
    "companies": {"id", "name", "vat_id", "trade_register_no", "street", "postal_code", "city",
                  "country", "phone", "email", "website", "industry", "customer_status",
                  "sales_rep_id", "currency", "credit_limit", "created_at", "updated_at",
                  "deleted_at"},
    "contacts": {"id", "company_id", "first_name", "last_name", "email", "phone", "mobile",
                 "title", "last_contacted", "created_at", "updated_at", "deleted_at"},
    "items": {"id", "sku", "name", "description", "item_type", "unit_price", "currency",
              "tax_rate", "active", "created_at", "updated_at"},
    "invoices": {"id", "invoice_number", "company_id", "issue_date", "due_date", "currency",
                 "status", "discount", "created_at", "updated_at"},
    "invoice_lines": {"id", "invoice_id", "line_no", "item_id", "description", "quantity",
                      "unit_price", "tax_rate", "discount"},
    "edit_history": {"id", "table_name", "record_id", "field", "old_value", "new_value",
                     "changed_at", "changed_by"},
    "truth_companies": {"company_id", "entity_id"},
    "truth_contacts": {"contact_id", "person_id"},
    "dirt": {"table_name", "record_id", "field", "kind"},
}
INDEXED = [("companies", ["updated_at"]), ("contacts", ["updated_at"]),
           ("contacts", ["company_id"]), ("invoices", ["updated_at"]),
           ("invoice_lines", ["invoice_id"]), ("items", ["updated_at"]),
           ("edit_history", ["changed_at"]), ("edit_history", ["table_name", "record_id"]),
           ("invoices", ["invoice_number"])]


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("platform") / "a.db"
    generate_platform(path, scale=SCALE, seed=7)
    return path


@pytest.fixture()
def db(db_path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(db_path)
    yield conn
    conn.close()


def _dump(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def test_same_seed_gives_the_same_database_and_another_seed_does_not(
        db_path: Path, tmp_path: Path) -> None:
    generate_platform(tmp_path / "b.db", scale=SCALE, seed=7)
    generate_platform(tmp_path / "c.db", scale=SCALE, seed=8)
    assert (tmp_path / "b.db").read_bytes() == db_path.read_bytes()
    first = _dump(db_path)
    assert _dump(tmp_path / "b.db") == first
    other = _dump(tmp_path / "c.db")
    companies = [line for line in first if line.startswith('INSERT INTO "companies"')]
    assert set(companies).isdisjoint(line for line in other
                                     if line.startswith('INSERT INTO "companies"'))


def test_tables_carry_the_contract_columns(db: sqlite3.Connection) -> None:
    for table, columns in CONTRACT.items():
        present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        assert columns <= present, (table, columns - present)


def test_the_extractor_s_lookups_are_indexed(db: sqlite3.Connection) -> None:
    for table, columns in INDEXED:
        indexed = []
        for index in db.execute(f"PRAGMA index_list({table})").fetchall():
            indexed.append([r[2] for r in db.execute(f"PRAGMA index_info({index[1]})")])
        assert any(cols[: len(columns)] == columns for cols in indexed), (table, columns)


def test_meta_describes_the_run_and_claims_every_dirt_rate(db: sqlite3.Connection) -> None:
    meta = dict(db.execute("SELECT key, value FROM meta"))
    assert meta["timezone"] == "Europe/Berlin"
    assert (meta["seed"], meta["scale"]) == ("7", str(SCALE))
    assert meta["as_of"] == "2026-11-01T00:00:00Z"
    assert meta["generator_version"]
    for kind in KINDS:
        assert 0 < float(meta[f"dirt_rate.{kind}"]) < 1, kind


def test_volumes_follow_the_scale(db: sqlite3.Connection) -> None:
    def count(sql: str) -> int:
        return db.execute(sql).fetchone()[0]

    companies = count("SELECT COUNT(*) FROM companies")
    assert companies == SCALE
    assert 1.7 <= count("SELECT COUNT(*) FROM contacts") / companies <= 2.4
    assert 0.8 <= count("SELECT COUNT(*) FROM invoices") / companies <= 1.2
    per_invoice = db.execute("SELECT MIN(n), MAX(n) FROM (SELECT COUNT(*) AS n "
                             "FROM invoice_lines GROUP BY invoice_id)").fetchone()
    assert per_invoice == (1, 5)
    assert count("SELECT COUNT(*) FROM invoices i LEFT JOIN invoice_lines l "
                 "ON l.invoice_id = i.id WHERE l.id IS NULL") == 0
    assert 300 <= count("SELECT COUNT(*) FROM items") <= 3000
    assert count("SELECT COUNT(*) FROM contacts c LEFT JOIN companies co "
                 "ON co.id = c.company_id WHERE co.id IS NULL") == 0


def test_sales_reps_cover_active_inactive_unmapped_and_the_house_account(
        db: sqlite3.Connection) -> None:
    reps = db.execute("SELECT name, salesforce_user_id FROM sales_reps").fetchall()
    users = {u.id: u for u in SALESFORCE_USERS}
    assert ("House Account", HOUSE_ACCOUNT_OWNER.id) in reps
    mapped = [users[sf] for _, sf in reps if sf is not None]
    assert all(sf in users for _, sf in reps if sf is not None)
    assert any(not u.is_active for u in mapped)
    assert any(sf is None for _, sf in reps)


def test_item_types_and_invoice_statuses_use_the_documented_values(
        db: sqlite3.Connection) -> None:
    types = {r[0] for r in db.execute("SELECT DISTINCT item_type FROM items")}
    assert types == {"service", "rental", "inventory"}
    statuses = {r[0] for r in db.execute("SELECT DISTINCT status FROM invoices")}
    assert statuses == {"draft", "issued", "paid", "void"}
    customer = {r[0] for r in db.execute("SELECT DISTINCT customer_status FROM companies")}
    assert customer == {"lead", "prospect", "customer", "former"}


def test_cli_writes_the_database_and_prints_one_json_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli.db"
    assert main(["--scale", "100", "--seed", "3", "--out", str(out),
                 "--as-of", "2026-04-15"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    summary = json.loads(lines[0])
    assert summary["path"] == str(out)
    assert summary["counts"]["companies"] == 100
    conn = sqlite3.connect(out)
    try:
        assert conn.execute("SELECT value FROM meta WHERE key = 'as_of'").fetchone() == (
            "2026-04-15T00:00:00Z",)
        assert conn.execute("SELECT COUNT(*) FROM contacts").fetchone()[0] == (
            summary["counts"]["contacts"])
    finally:
        conn.close()


def test_scale_outside_the_supported_range_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="scale"):
        generate_platform(tmp_path / "x.db", scale=99, seed=1)
    assert main(["--scale", "1000001", "--out", str(tmp_path / "y.db")]) == 2
