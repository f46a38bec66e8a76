"""The injected dirt: as frequent as meta claims, recorded exactly where it is, and real.

The rate test is an acceptance point: tests elsewhere measure Concord's cleaning against
the `dirt` table, so the claims in `meta` must hold for the generated data.
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

import pytest

from sandbox.platform.countries import BY_CODE, CURRENCY_SPELLINGS
from sandbox.platform.dirt import KINDS
from sandbox.platform.generate import generate_platform
from sandbox.platform.vat import is_valid_vat
from sandbox.reference import SALESFORCE_USERS

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
ISO_CURRENCIES = {"EUR", "CHF", "GBP", "USD"}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    path = tmp_path_factory.mktemp("platform") / "d.db"
    generate_platform(path, scale=4000, seed=2026)
    conn = sqlite3.connect(path)
    yield conn
    conn.close()


def _dirty(db: sqlite3.Connection, kind: str) -> set[int]:
    return {r[0] for r in db.execute("SELECT record_id FROM dirt WHERE kind = ?", (kind,))}


def test_measured_dirt_rates_match_what_meta_claims(db: sqlite3.Connection) -> None:
    meta = dict(db.execute("SELECT key, value FROM meta"))
    rows = {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in {k.table for k in KINDS.values()}}
    counts = dict(db.execute("SELECT kind, COUNT(*) FROM dirt GROUP BY kind").fetchall())
    assert set(counts) == set(KINDS)
    for kind, spec in KINDS.items():
        claimed = float(meta[f"dirt_rate.{kind}"])
        n = rows[spec.table]
        measured = counts[kind] / n
        # Four standard errors of a binomial share, plus a little for rounding.
        tolerance = 4 * math.sqrt(claimed * (1 - claimed) / n) + 0.002
        assert abs(measured - claimed) <= tolerance, (kind, measured, claimed, tolerance)


def test_each_defect_is_recorded_once_against_an_existing_row(db: sqlite3.Connection) -> None:
    assert db.execute("SELECT COUNT(*) FROM (SELECT 1 FROM dirt GROUP BY table_name, "
                      "record_id, kind HAVING COUNT(*) > 1)").fetchone()[0] == 0
    for table in {k.table for k in KINDS.values()}:
        orphans = db.execute(f"SELECT COUNT(*) FROM dirt d LEFT JOIN {table} t "
                             f"ON t.id = d.record_id WHERE d.table_name = '{table}' "
                             "AND t.id IS NULL").fetchone()[0]
        assert orphans == 0, table


def test_vat_ids_validate_unless_recorded_as_invalid(db: sqlite3.Connection) -> None:
    invalid = _dirty(db, "company_vat_invalid")
    variant = _dirty(db, "company_vat_format")
    checked = 0
    for cid, vat, country, true_vat in db.execute(
            "SELECT c.id, c.vat_id, t.country_code, t.vat_id FROM companies c "
            "JOIN truth_companies t ON t.company_id = c.id WHERE c.vat_id IS NOT NULL"):
        assert is_valid_vat(vat, country) is (cid not in invalid), (cid, vat)
        if cid not in invalid and cid not in variant:
            assert vat == true_vat
        checked += 1
    assert checked > 3000 * 0.8
    us_with_vat = db.execute("SELECT COUNT(*) FROM companies c JOIN truth_companies t "
                             "ON t.company_id = c.id WHERE t.country_code = 'US' "
                             "AND c.vat_id IS NOT NULL").fetchone()[0]
    assert us_with_vat == 0


def test_duplicate_companies_are_later_rows_of_an_entity_with_the_same_vat_id(
        db: sqlite3.Connection) -> None:
    dups = _dirty(db, "company_duplicate")
    by_entity: dict[int, list[tuple[int, str | None, str]]] = defaultdict(list)
    for cid, entity, vat, name in db.execute(
            "SELECT c.id, t.entity_id, c.vat_id, c.name FROM companies c "
            "JOIN truth_companies t ON t.company_id = c.id ORDER BY c.id"):
        by_entity[entity].append((cid, vat, name))
    invalid = _dirty(db, "company_vat_invalid")
    multi = [rows for rows in by_entity.values() if len(rows) > 1]
    assert multi and all(len(rows) <= 3 for rows in multi)
    for rows in by_entity.values():
        assert rows[0][0] not in dups
        assert all(cid in dups for cid, _, _ in rows[1:])
        assert all(name != rows[0][2] for _, _, name in rows[1:])  # typed differently
        vats = {re.sub(r"[^0-9]", "", vat) for cid, vat, _ in rows
                if vat and cid not in invalid}
        assert len(vats) <= 1


def test_contact_duplicates_are_the_same_person_with_the_same_mailbox(
        db: sqlite3.Connection) -> None:
    within = _dirty(db, "contact_duplicate")
    cross = _dirty(db, "contact_cross_duplicate")
    broken = _dirty(db, "contact_email_invalid") | _dirty(db, "contact_email_missing")
    rows = db.execute("SELECT c.id, c.company_id, tc.entity_id, p.person_id, c.email "
                      "FROM contacts c JOIN truth_contacts p ON p.contact_id = c.id "
                      "JOIN truth_companies tc ON tc.company_id = c.company_id "
                      "ORDER BY c.id").fetchall()
    seen: dict[int, list[tuple[int, int, str | None]]] = defaultdict(list)
    case_differs = 0
    for cid, company, entity, person, email in rows:
        shown = None if cid in broken else email
        if cid in within or cid in cross:
            if cid in within:
                earlier = [e for e in seen[person] if e[0] == company]
            else:
                earlier = [e for e in seen[person] if e[0] != company and e[1] == entity]
            assert earlier, cid
            if shown and earlier[0][2]:
                assert shown.strip().casefold() == earlier[0][2].strip().casefold()
                case_differs += shown != earlier[0][2]
        else:
            assert person not in seen, cid  # a new person appears once
        seen[person].append((company, entity, shown))
    assert case_differs > 0


def test_invalid_emails_are_invalid_and_the_rest_are_not(db: sqlite3.Connection) -> None:
    for table, kind in (("companies", "company_email_invalid"),
                        ("contacts", "contact_email_invalid")):
        bad = _dirty(db, kind)
        for rid, email in db.execute(f"SELECT id, email FROM {table} WHERE email IS NOT NULL"):
            assert (EMAIL.fullmatch(email.strip()) is None) is (rid in bad), (table, email)


def test_currency_spellings_are_iso_codes_unless_recorded(db: sqlite3.Connection) -> None:
    spellings = {s for values in CURRENCY_SPELLINGS.values() for s in values}
    for table, kind in (("companies", "company_currency_spelling"),
                        ("items", "item_currency_spelling"),
                        ("invoices", "invoice_currency_spelling")):
        dirty = _dirty(db, kind)
        for rid, currency in db.execute(f"SELECT id, currency FROM {table}"):
            if rid in dirty:
                assert currency in spellings and currency not in ISO_CURRENCIES
            else:
                assert currency in ISO_CURRENCIES
    mixed = {r[0] for r in db.execute("SELECT currency FROM invoices")}
    assert {"€", "$", "£", "Fr."} & mixed and {"EUR", "USD", "CHF", "GBP"} <= mixed


def _percent(text: str) -> Decimal | None:
    """The lenient reading a standardiser would apply ('19 %', '0,19', '19,0')."""
    cleaned = text.replace("%", "").replace(" ", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value * 100 if value < 1 else value


def test_invoice_line_tax_rates_are_the_customer_country_s_rates(
        db: sqlite3.Connection) -> None:
    spelled = _dirty(db, "line_tax_rate_spelling")
    invalid = _dirty(db, "line_tax_rate_invalid")
    rows = db.execute("SELECT l.id, l.tax_rate, t.country_code FROM invoice_lines l "
                      "JOIN invoices i ON i.id = l.invoice_id "
                      "JOIN truth_companies t ON t.company_id = i.company_id").fetchall()
    for lid, text, country in rows:
        c = BY_CODE[country]
        expected = {c.vat_standard, c.vat_reduced}
        if lid in invalid:
            assert _percent(text) not in expected, text
            continue
        assert _percent(text) in expected, (lid, text)
        is_clean = text == "0" or (
            re.fullmatch(r"\d+(\.\d+)?", text) is not None and Decimal(text) >= 1)
        assert is_clean is (lid not in spelled), (lid, text)
    seen = {text for _, text, _ in rows}
    assert {"19", "20", "8.1"} <= seen


def test_line_prices_are_clean_decimals_unless_recorded(db: sqlite3.Connection) -> None:
    dirty = _dirty(db, "line_price_format")
    for lid, price in db.execute("SELECT id, unit_price FROM invoice_lines"):
        clean = re.fullmatch(r"\d+\.\d\d", price) is not None
        assert clean is (lid not in dirty), price


def test_over_long_fields_are_exactly_the_recorded_ones(db: sqlite3.Connection) -> None:
    for column, kind in (("name", "company_name_too_long"), ("street", "company_street_too_long")):
        long_rows = {r[0] for r in db.execute(
            f"SELECT id FROM companies WHERE length({column}) > 255")}
        assert long_rows == _dirty(db, kind)


def test_rep_dirt_matches_the_rep_s_salesforce_user(db: sqlite3.Connection) -> None:
    active = {u.id: u.is_active for u in SALESFORCE_USERS}
    reps = {rid: sf for rid, sf in db.execute("SELECT id, salesforce_user_id FROM sales_reps")}
    unmapped = _dirty(db, "company_rep_unmapped")
    inactive = _dirty(db, "company_rep_inactive")
    missing = _dirty(db, "company_rep_missing")
    for cid, rep in db.execute("SELECT id, sales_rep_id FROM companies"):
        if rep is None:
            assert cid in missing
            continue
        sf = reps[rep]
        assert (sf is None) is (cid in unmapped)
        assert (sf is not None and not active[sf]) is (cid in inactive)


def test_unknown_industries_are_outside_the_salesforce_picklist(db: sqlite3.Connection) -> None:
    from sandbox.platform.vocab import SALESFORCE_INDUSTRIES

    unknown = _dirty(db, "company_industry_unknown")
    for cid, industry in db.execute("SELECT id, industry FROM companies "
                                    "WHERE industry IS NOT NULL"):
        assert (industry not in SALESFORCE_INDUSTRIES) is (cid in unknown), industry
