"""Migrations: an existing ledger upgrades in place, and the schema is what the models say."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from concord.ledger import (
    ClusterMember,
    DuplicateCluster,
    Ledger,
    OutboxEntry,
    QuarantineRow,
    SyncLogRow,
    TokenSet,
    XrefLink,
)
from concord.ledger.migrate import VERSION_TABLE, head_revision
from concord.ledger.schema import TABLES_0001, TABLES_0002, metadata

T0 = datetime(2024, 5, 1, 6, 0, tzinfo=UTC)


def _tables(ledger: Ledger) -> set[str]:
    return set(sa.inspect(ledger.engine).get_table_names())


def test_upgrading_a_0001_ledger_keeps_every_row(empty_url: sa.URL, token_key: str) -> None:
    with Ledger(empty_url) as ledger:
        ledger.migrate("0001")
        assert ledger.current_revision() == "0001"
        assert _tables(ledger) >= set(TABLES_0001)
        assert not _tables(ledger) & set(TABLES_0002)

        ledger.set_cursor("crm_accounts", "salesforce", "Account", T0)
        ledger.link([XrefLink("company", "g1", "salesforce", "Account", "001A", "created")])
        ledger.put_hashes("salesforce", "Account", {"001A": "h1"})
        ledger.enqueue([OutboxEntry("k1", "crm_accounts", "salesforce", "Account", "17",
                                    "upsert", "h1", run_id="run-1")])
        ledger.mark(["k1"], "confirmed", target_ids={"k1": "001A"})
        ledger.log([SyncLogRow("run-1", "crm_accounts", "2024-05-01", "salesforce", "Account",
                               "17", "create", "ok", at=T0)])
        ledger.quarantine([QuarantineRow("crm_accounts", "companies", "18", "vat_format",
                                         "vat_number", "bad VAT", {"vat": "DE0"}, "run-1")])
        before = (
            ledger.outbox(), ledger.sync_log(), ledger.open_quarantine(),
        )

        ledger.migrate()

        assert ledger.current_revision() == head_revision() == "0003_field_baselines"
        assert ledger.get_cursor("crm_accounts", "salesforce", "Account") == T0
        assert ledger.golden_ids("salesforce", "Account", ["001A"]) == {"001A": "g1"}
        assert ledger.get_hashes("salesforce", "Account", ["001A"]) == {"001A": "h1"}
        assert (ledger.outbox(), ledger.sync_log(), ledger.open_quarantine()) == before
        assert ledger.outbox()[0].target_id == "001A"

        ledger.record_clusters([DuplicateCluster("c1", "crm_accounts", "company", [
            ClusterMember("platform", "companies", "17"),
            ClusterMember("platform", "companies", "42"),
        ])])
        assert ledger.decide("c1", keep="17", decided_by="steward").keep_record_key == "17"
        stored = ledger.swap_token("xero", "t", expected_version=None,
                                   token=TokenSet("a", "r", T0))
        assert ledger.get_token("xero", "t") == stored
        ledger.put_match_keys("salesforce", "Account", {"001A": {"email": "a@b.test"}})
        assert ledger.find_by_keys("salesforce", "Account", "email", ["a@b.test"]) == {
            "a@b.test": ["001A"],
        }


def test_migrated_schema_matches_the_models(empty_url: sa.URL) -> None:
    with Ledger.open(empty_url) as ledger, ledger.engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"compare_type": True, "version_table": VERSION_TABLE}
        )
        diff = compare_metadata(ctx, metadata)

    assert diff == []


def test_downgrade_to_nothing_and_back(empty_url: sa.URL) -> None:
    with Ledger.open(empty_url) as ledger:
        ledger.downgrade("base")
        assert ledger.current_revision() is None
        assert not _tables(ledger) & {t.name for t in metadata.sorted_tables}

        ledger.migrate()
        assert ledger.current_revision() == "0003_field_baselines"


def test_opening_an_up_to_date_ledger_again_is_harmless(empty_url: sa.URL) -> None:
    with Ledger.open(empty_url) as first:
        first.put_hashes("xero", "Contact", {"c1": "h"})
    with Ledger.open(empty_url) as again:
        assert again.get_hashes("xero", "Contact", ["c1"]) == {"c1": "h"}
        assert again.current_revision() == "0003_field_baselines"


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_ledger_works(url: str) -> None:
    with Ledger.open(url) as ledger:
        ledger.put_hashes("xero", "Contact", {"c1": "h"})
        assert ledger.get_hashes("xero", "Contact", ["c1"]) == {"c1": "h"}
