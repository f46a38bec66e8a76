"""Match step: golden ids from the xref, the target's keys, or new; links kept in the ledger."""

import dagster as dg

from assets.steps.common import StepScope
from concord.dedupe import DedupeOutcome
from concord.identity import golden_id_for
from concord.ledger import Ledger, XrefLink
from concord.match import MatchContext, MatchResult, match_records, match_value
from resources.ledger import LedgerResource

SOURCE_SYSTEM = "platform"


def build_match(scope: StepScope) -> dg.AssetsDefinition:
    target = scope.obj.target

    @dg.asset(
        **scope.asset_kwargs("matched", f"Records with golden ids and their {target.object} ids"),
        ins={"deduped": scope.step_in("deduped")},
        deps=[scope.key("target_state")],
    )
    def _match(
        context: dg.AssetExecutionContext, ledger: LedgerResource, deduped: DedupeOutcome
    ) -> MatchResult:
        led = ledger.open()
        ctx = load_match_context(led, scope, deduped)
        result = match_records(deduped.records, scope.obj.match_on, ctx)
        led.link(_links(scope, result, deduped))
        context.add_output_metadata({
            "matched": len(result.matched),
            "by_xref": result.count("xref"),
            "by_key": result.count("key:"),
            "new": result.count("new"),
            "merged_into_existing": len(result.merged),
            "ambiguous_key_matches": len(result.ambiguous),
        })
        return result

    return _match


def load_match_context(led: Ledger, scope: StepScope, deduped: DedupeOutcome) -> MatchContext:
    """Everything the matcher needs, fetched in bulk for this batch's keys only."""
    target = scope.obj.target
    keys = [r.key for r in deduped.records]
    golden_by_source = led.golden_ids(SOURCE_SYSTEM, scope.obj_name, keys)
    targets_by_key: dict[tuple[str, str], list[str]] = {}
    for fname in scope.obj.match_on:
        values = {match_value(r.fields[fname]) for r in deduped.records if r.fields.get(fname)}
        for value, ids in led.find_by_keys(target.system, target.object, fname, values).items():
            targets_by_key[(fname, value)] = ids
    key_target_ids = {tid for ids in targets_by_key.values() for tid in ids}
    golden_by_target = led.golden_ids(target.system, target.object, key_target_ids)
    goldens = set(golden_by_source.values()) | set(golden_by_target.values())
    goldens |= {golden_id_for(SOURCE_SYSTEM, scope.obj_name, k) for k in keys}
    return MatchContext(
        source_system=SOURCE_SYSTEM,
        source_obj=scope.obj_name,
        golden_by_source=golden_by_source,
        target_by_golden=led.system_ids(goldens, target.system, target.object),
        golden_by_target=golden_by_target,
        targets_by_key=targets_by_key,
    )


def _links(scope: StepScope, result: MatchResult, deduped: DedupeOutcome) -> list[XrefLink]:
    entity, target = scope.obj.entity, scope.obj.target
    links = []
    golden_of: dict[str, str] = {}
    for m in result.matched:
        golden_of[m.record.key] = m.golden_id
        if m.how != "xref":
            links.append(XrefLink(entity, m.golden_id, SOURCE_SYSTEM, scope.obj_name,
                                  m.record.key, m.how))
        if m.how.startswith("key:") and m.target_id:
            links.append(XrefLink(entity, m.golden_id, target.system, target.object,
                                  m.target_id, m.how))
    for merged in result.merged:
        links.append(XrefLink(entity, merged.golden_id, SOURCE_SYSTEM, scope.obj_name,
                              merged.key, "duplicate_of_existing"))
    for loser, kept in deduped.merged.items():
        if kept in golden_of:
            links.append(XrefLink(entity, golden_of[kept], SOURCE_SYSTEM, scope.obj_name,
                                  loser, "duplicate_in_batch"))
    return links
