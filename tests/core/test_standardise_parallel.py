"""Standardising in several processes gives exactly what one process gives, in order."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from concord.model import SourceRecord
from concord.normalise.country import parse_country
from concord.spec import load_sync_spec
from concord.standardise import records as std
from integration_dags.local import PROJECT_ROOT

SPEC = load_sync_spec(PROJECT_ROOT / "mappings" / "crm_accounts.yaml")
T = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
PHONES = ["089 / 12 34 56", "+49 (0)89 123456-12", "1234", "0049 30 7124318-71", ""]
COUNTRIES = ["Deutschland", "AT", "the Netherlands", "Atlantis", None]
VATS = ["DE136695976", "de 136.695.976", "DE136695975", None]


def _companies(n: int) -> list[SourceRecord]:
    out = []
    for i in range(n):
        row = {
            "id": i, "name": f"Firma {i} GmbH" if i % 17 else "", "vat_id": VATS[i % len(VATS)],
            "trade_register_no": None, "street": "Hauptstr. 1", "postal_code": "80331",
            "city": "München", "country": COUNTRIES[i % len(COUNTRIES)],
            "phone": PHONES[i % len(PHONES)], "website": None, "industry": "Banking",
            "customer_status": "customer", "sales_rep_user_id": None,
        }
        out.append(SourceRecord(str(i), T, i % 23 == 0, row))
    return out


def test_several_processes_give_the_one_process_result(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(std, "PARALLEL_MIN_RECORDS", 10)
    records = _companies(300)
    obj = SPEC.objects["companies"]
    one = std.standardise_records(records, obj)
    parse_country.cache_clear()  # the children start from the parent's cache, or none
    several = std.standardise_records(records, obj, workers=3)
    assert several.valid == one.valid
    assert several.rejected == one.rejected
    assert several.deleted == one.deleted
    assert one.valid and one.rejected and one.deleted  # the sample exercises every outcome
    assert [r.key for r in several.valid] == sorted((r.key for r in several.valid), key=int)


def test_small_batches_stay_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_fork(*_a: object, **_k: object) -> None:
        raise AssertionError("forked for a small batch")

    monkeypatch.setattr(std.multiprocessing, "get_context", no_fork)
    result = std.standardise_records(_companies(50), SPEC.objects["companies"], workers=4)
    assert len(result.valid) + len(result.rejected) + len(result.deleted) == 50
