"""Salesforce rules that need no server: SOQL rendering, limit header, bulk error cells."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resources.salesforce import soql
from resources.salesforce.bulk import _cells
from resources.salesforce.profile import SalesforceProfile
from resources.salesforce.results import WriteError, parse_bulk_error
from resources.salesforce.values import csv_value, json_value

BASE = "https://127.0.0.1:9/services/data/v60.0/"


def test_datetime_literals_are_utc_unquoted_whole_seconds():
    berlin = timezone(timedelta(hours=2))
    moment = datetime(2024, 6, 1, 12, 30, 15, 987000, tzinfo=berlin)
    assert soql.datetime_literal(moment) == "2024-06-01T10:30:15Z"
    with pytest.raises(ValueError):
        soql.datetime_literal(datetime(2024, 6, 1))


@pytest.mark.parametrize(
    ("value", "literal"),
    [("O'Brien", r"'O\'Brien'"), ("a\\b", r"'a\\b'"), ("x\ny", r"'x\ny'"), ('"q"', r"'\"q\"'")],
)
def test_string_literals_are_escaped(value: str, literal: str):
    assert soql.string_literal(value) == literal


def test_in_lists_are_chunked_under_the_limit_and_deduplicated():
    values = [f"EXT-{n:06d}" for n in range(3000)] + ["EXT-000001"]
    lists = list(soql.in_lists(values, max_chars=1000))
    assert all(len(chunk) <= 1000 for chunk in lists)
    assert sum(chunk.count("'") // 2 for chunk in lists) == 3000
    assert len(lists) > 1


@pytest.mark.parametrize("bad", ["Account; DELETE", "Name) OR (Id", "", "1Name"])
def test_api_names_cannot_smuggle_soql(bad: str):
    with pytest.raises(ValueError):
        soql.name(bad)


@pytest.mark.parametrize(
    ("method", "path", "kind", "endpoint", "idempotent"),
    [
        ("GET", "query", "read", "query", True),
        ("GET", "query/01gXX-2000", "read", "query:more", True),
        ("GET", "queryAll", "read", "queryAll", True),
        ("PATCH", "composite/sobjects/Account/Concord_Id__c", "write", "collections:upsert", True),
        ("POST", "composite/sobjects", "write", "collections:create", False),
        ("DELETE", "composite/sobjects", "write", "collections:delete", True),
        ("POST", "jobs/ingest", "bulk_jobs", "bulk:ingest:create", True),
        ("PUT", "jobs/ingest/750X/batches", "bulk_jobs", "bulk:ingest:upload", False),
        ("PATCH", "jobs/ingest/750X", "bulk_jobs", "bulk:ingest:state", False),
        ("GET", "jobs/ingest/750X/failedResults", "read", "bulk:ingest:results", True),
        ("GET", "jobs/ingest/750X", "read", "bulk:ingest:status", True),
        ("GET", "sobjects/Account/describe", "read", "describe", True),
        ("POST", "sobjects/Account", "write", "sobject:post", False),
    ],
)
def test_calls_are_classified(method, path, kind, endpoint, idempotent):
    info = SalesforceProfile().classify(method, BASE + path)
    assert (info.kind, info.endpoint, info.idempotent) == (kind, endpoint, idempotent)


def test_token_calls_are_auth_and_not_charged():
    info = SalesforceProfile("https://127.0.0.1:9/services/oauth2/token").classify(
        "POST", "https://127.0.0.1:9/services/oauth2/token")
    assert (info.kind, info.charged) == ("auth", False)


@pytest.mark.parametrize(
    ("cell", "error"),
    [
        ("REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --",
         WriteError("REQUIRED_FIELD_MISSING", "Required fields are missing: [Name]", ("Name",))),
        ("INVALID_EMAIL_ADDRESS:Email: invalid email address: x:Email --",
         WriteError("INVALID_EMAIL_ADDRESS", "Email: invalid email address: x", ("Email",))),
        ("DUPLICATE_VALUE:duplicate value found:: --",
         WriteError("DUPLICATE_VALUE", "duplicate value found:", ())),
        ("something odd", WriteError("UNKNOWN", "something odd", ())),
    ],
)
def test_bulk_error_cells_parse_into_code_message_fields(cell: str, error: WriteError):
    assert parse_bulk_error(cell) == error


def test_money_goes_out_with_exactly_its_digits():
    assert repr(json_value(Decimal("1234.50"))) == "1234.5"
    assert json_value(Decimal("12345678901234567.89")) == "12345678901234567.89"
    assert csv_value(Decimal("0.10")) == "0.10"
    assert csv_value(None) == "#N/A" and csv_value(True) == "true"
    assert json_value(datetime(2024, 1, 1, tzinfo=UTC)) == "2024-01-01T00:00:00.000Z"


def test_window_upper_bound_rounds_up_so_the_last_second_is_read() -> None:
    from datetime import UTC, datetime

    from resources.salesforce import soql

    t = datetime(2026, 11, 23, 12, 0, 5, 250_000, tzinfo=UTC)
    assert soql.datetime_literal(t) == "2026-11-23T12:00:05Z"
    assert soql.datetime_literal(t, round_up=True) == "2026-11-23T12:00:06Z"
    whole = t.replace(microsecond=0)
    assert soql.datetime_literal(whole, round_up=True) == "2026-11-23T12:00:05Z"


_CELL_VALUES = st.one_of(st.none(), st.text(max_size=8), st.booleans(),
                         st.decimals(allow_nan=False, allow_infinity=False, places=2),
                         st.dates())


@given(st.lists(st.dictionaries(st.sampled_from(["Name", "Email", "City", "Id"]), _CELL_VALUES),
                min_size=1, max_size=6))
def test_bulk_rows_are_what_a_dict_writer_of_csv_values_writes(records: list[dict]):
    """A Bulk upload's CSV: a field a record leaves out is an empty cell (left as it is),
    None is #N/A (set null), everything else its csv_value; quoting as the csv module's."""
    columns = list(dict.fromkeys(k for r in records for k in r))
    reference = io.StringIO()
    writer = csv.DictWriter(reference, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: csv_value(v) for k, v in r.items()} for r in records)
    ours = io.StringIO()
    rows = csv.writer(ours, lineterminator="\n")
    rows.writerow(columns)
    rows.writerows(_cells(r, columns) for r in records)
    assert ours.getvalue() == reference.getvalue()
