"""Standardise step: canonical values, or quarantine with the rule that was broken."""

from collections import Counter

import dagster as dg

from assets.steps.common import StepScope, jsonable, partition_label, table_metadata
from concord.ledger import QuarantineRow
from concord.model import SourceRecord
from concord.standardise import available_cpus, standardise_records
from resources.ledger import LedgerResource

QUARANTINE_WARN_RATE = 0.10
WORKERS = min(available_cpus(), 4)  # large batches are standardised in this many processes


def build_standardise(scope: StepScope) -> dg.AssetsDefinition:
    check = dg.AssetCheckSpec("quarantine_rate", asset=scope.key("standardised"),
                              description=f"Less than {QUARANTINE_WARN_RATE:.0%} of the input is quarantined")

    @dg.asset(
        **scope.asset_kwargs("standardised", "Valid records in target shape; bad ones quarantined"),
        ins={"source": scope.step_in("source")},
        check_specs=[check],
    )
    def _standardise(
        context: dg.AssetExecutionContext, ledger: LedgerResource, source: list[SourceRecord]
    ):
        result = standardise_records(source, scope.obj, workers=WORKERS)
        led = ledger.open()
        run_id = context.run.run_id
        part = partition_label(context)
        by_key = {r.key: r for r in source}
        led.quarantine(
            QuarantineRow(scope.sync, scope.obj_name, r.key, r.rule, r.field, r.message,
                          payload=jsonable(by_key[r.key].values),
                          run_id=run_id, partition=part)
            for r in result.rejected
        )
        released = led.release_quarantine(scope.sync, scope.obj_name, [r.key for r in result.valid])
        rules = Counter(r.rule for r in result.rejected)
        rate = len(result.rejected) / len(source) if source else 0.0
        yield dg.Output(
            result.valid,
            metadata={
                "valid": len(result.valid),
                "deleted_in_source": len(result.deleted),
                "quarantined": len(result.rejected),
                "released_from_quarantine": released,
                "field_warnings": result.warnings,
                "quarantine_rules": table_metadata(
                    [{"rule": k, "records": v} for k, v in rules.most_common()], ["rule", "records"]),
                "quarantined_records": table_metadata(
                    [{"key": r.key, "rule": r.rule, "message": r.message} for r in result.rejected],
                    ["key", "rule", "message"]),
            },
        )
        yield dg.AssetCheckResult(
            check_name="quarantine_rate",
            passed=rate < QUARANTINE_WARN_RATE,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"rate": round(rate, 4), "quarantined": len(result.rejected)},
        )

    return _standardise
