"""`concord duplicates`: the steward's review queue, read from and decided in the ledger.

Each member is shown with the platform's own key fields (name, VAT id, country, e-mail),
read live from the platform database, so a steward can decide without opening another tool.
A decision is only recorded here; the dedupe step applies it when the cluster's partition
runs again (concord/dedupe/resolution.py).
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from concord.dedupe import record_order
from concord.ledger import (
    ClusterMember,
    Decision,
    DuplicateCluster,
    InvalidDecision,
    Ledger,
    UnknownCluster,
)
from integration_dags import local

PLATFORM = "platform"
KEY_FIELDS = ("name", "vat_id", "country", "email")

# One query per platform table a cluster member can come from (the member's obj names the
# table). Contacts carry no VAT id or country of their own: those of their company help most.
MEMBER_QUERIES: dict[str, str] = {
    "companies": (
        "SELECT id, name, vat_id, country, email, city, deleted_at "
        "FROM companies WHERE id IN :ids"
    ),
    "contacts": (
        "SELECT ct.id, ct.first_name, ct.last_name, ct.email, ct.deleted_at, "
        "co.name AS company, co.vat_id, co.country "
        "FROM contacts ct LEFT JOIN companies co ON co.id = ct.company_id WHERE ct.id IN :ids"
    ),
}

Fields = dict[str, str | None]


@dataclass(frozen=True)
class MemberView:
    member: ClusterMember
    fields: Fields | None  # None: not readable or not in the platform (deleted for good?)


@dataclass(frozen=True)
class ClusterView:
    cluster: DuplicateCluster
    members: list[MemberView]
    decision: Decision | None


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _fields_of(obj: str, row: Mapping[str, Any]) -> Fields:
    if obj == "contacts":
        name = " ".join(p for p in (row.get("first_name"), row.get("last_name")) if p) or None
        extra = {"company": _text(row.get("company"))}
    else:
        name = _text(row.get("name"))
        extra = {"city": _text(row.get("city"))}
    return {
        "name": name, "vat_id": _text(row.get("vat_id")), "country": _text(row.get("country")),
        "email": _text(row.get("email")), **extra, "deleted_at": _text(row.get("deleted_at")),
    }


def _bind_key(key: str) -> int | str:
    """Platform ids are integers; the ledger keeps record keys as text."""
    return int(key) if key.isdigit() else key


def platform_fields(url: str, members: Iterable[ClusterMember]) -> dict[tuple[str, str], Fields]:
    """(obj, record key) -> key fields, for the members that live in the platform."""
    wanted: dict[str, set[str]] = {}
    for m in members:
        if m.system == PLATFORM and m.obj in MEMBER_QUERIES:
            wanted.setdefault(m.obj, set()).add(m.record_key)
    out: dict[tuple[str, str], Fields] = {}
    if not wanted:
        return out
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            for obj, keys in wanted.items():
                query = sa.text(MEMBER_QUERIES[obj]).bindparams(sa.bindparam("ids", expanding=True))
                for row in conn.execute(query, {"ids": [_bind_key(k) for k in sorted(keys)]}).mappings():
                    out[(obj, str(row["id"]))] = _fields_of(obj, row)
    finally:
        engine.dispose()
    return out


def ledger_url() -> str:
    local.set_local_defaults()
    return os.environ["CONCORD_LEDGER_URL"]


def _exists(url: str) -> bool:
    """False for a SQLite file that is not there: opening it would create an empty one.
    A missing ledger means nothing was synced yet; a missing platform, a wrong URL."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return True
    return Path(parsed.database).exists()


def cluster_views(ledger: Ledger, *, sync: str | None, include_decided: bool,
                  platform_url: str | None) -> list[ClusterView]:
    clusters = ledger.clusters(sync=sync, status=None if include_decided else "open")
    decisions = ledger.decisions(sync) if include_decided else {}
    fields: dict[tuple[str, str], Fields] = {}
    if platform_url and not _exists(platform_url):
        print("no platform database at "
              f"{sa.make_url(platform_url).render_as_string(hide_password=True)}: "
              "members shown without their fields", file=sys.stderr)
    elif platform_url:
        try:
            fields = platform_fields(platform_url, (m for c in clusters for m in c.members))
        except sa.exc.SQLAlchemyError as exc:
            where = sa.make_url(platform_url).render_as_string(hide_password=True)
            print(f"platform database {where} not readable ({type(exc).__name__}): "
                  "members shown without their fields", file=sys.stderr)
    views = [
        ClusterView(
            c,
            [MemberView(m, fields.get((m.obj, m.record_key)))
             for m in sorted(c.members, key=lambda m: (m.system, m.obj, record_order(m.record_key)))],
            decisions.get(c.cluster_id),
        )
        for c in clusters
    ]
    # platform order ('9' before '10'), as the dedupe step names survivors
    return sorted(views, key=lambda v: (v.cluster.sync, v.cluster.entity_type,
                                        [record_order(mv.member.record_key) for mv in v.members]))


def reason_tier(reason: str) -> str:
    """The dedupe step keeps a pair's reasons as 'TIER: KEY' ('vat_id: DE123456789')."""
    return reason.split(": ", 1)[0]


def cluster_tiers(cluster: DuplicateCluster) -> list[str]:
    """The tiers that joined any pair of the cluster. A pair names its tiers in the spec's
    order, so the pair with the most tiers leads (then platform order, '9' before '10')."""
    pairs = sorted(cluster.pairs, key=lambda p: (
        -len(p.reasons), sorted((record_order(p.a), record_order(p.b)))))
    return list(dict.fromkeys(reason_tier(r) for p in pairs for r in p.reasons))


def score_text(score: Decimal | float) -> str:
    """The ledger keeps scores as NUMERIC with trailing zeros: 0.870000 reads as 0.87."""
    return format(Decimal(str(score)).normalize(), "f")


def _when(decision: Decision) -> str:
    return decision.decided_at.strftime("%Y-%m-%d %H:%M UTC")


def describe_decision(d: Decision) -> str:
    what = f"keep {d.keep_record_key} (merge the others into it)" if d.decision == "keep" \
        else "separate (keep apart)"
    return f"{what}, by {d.decided_by} at {_when(d)}"


def _cell(value: str | None, width: int) -> str:
    text = value if value is not None else "-"
    return (text[: width - 1] + "…") if len(text) > width else text.ljust(width)


def format_clusters(views: list[ClusterView], *, include_decided: bool) -> str:
    if not views:
        return "no duplicate clusters" if include_decided else "no open duplicate clusters"
    blocks = []
    for v in views:
        c = v.cluster
        lines = [f"{c.cluster_id}  [{c.status}]  {c.entity_type} in {c.sync}, "
                 f"partition {c.partition or '-'}"]
        if v.decision is not None:
            lines.append(f"  decision: {describe_decision(v.decision)}")
        lines.append(f"  {'key':<8} {'name':<36} {'VAT id':<20} {'country':<12} e-mail")
        for mv in v.members:
            f = mv.fields
            if f is None:
                lines.append(f"  {mv.member.record_key:<8} ({mv.member.system} {mv.member.obj}: "
                             "not found in the platform database)")
                continue
            extra = f"  [deleted {f['deleted_at']}]" if f.get("deleted_at") else ""
            if f.get("company"):  # a contact: VAT id and country are its company's
                extra = f"  at {f['company']}{extra}"
            lines.append(f"  {mv.member.record_key:<8} {_cell(f['name'], 36)} {_cell(f['vat_id'], 20)} "
                         f"{_cell(f['country'], 12)} {f['email'] or '-'}{extra}")
        tiers = cluster_tiers(c)
        if tiers:
            lines.append(f"  matched on: {', '.join(tiers)}")
        pairs = [(sorted((p.a, p.b), key=record_order), p) for p in c.pairs]
        for (a, b), p in sorted(pairs, key=lambda ab_p: [record_order(k) for k in ab_p[0]]):
            lines.append(f"  pair {a} ~ {b}: score {score_text(p.score)}, "
                         f"{', '.join(p.reasons) or '-'}")
        if c.status == "open":
            keys = " | ".join(mv.member.record_key for mv in v.members)
            lines.append(f"  decide: concord duplicates resolve {c.cluster_id} "
                         f"--keep {{{keys}}} | --separate")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def clusters_json(views: list[ClusterView]) -> dict[str, Any]:
    return {"clusters": [
        {
            "cluster_id": v.cluster.cluster_id, "sync": v.cluster.sync,
            "entity_type": v.cluster.entity_type, "partition": v.cluster.partition,
            "status": v.cluster.status,
            "members": [{"system": mv.member.system, "obj": mv.member.obj,
                         "record_key": mv.member.record_key, "fields": mv.fields}
                        for mv in v.members],
            "pairs": [{"a": p.a, "b": p.b, "score": score_text(p.score), "reasons": list(p.reasons)}
                      for p in v.cluster.pairs],
            "tiers": cluster_tiers(v.cluster),
            "decision": None if v.decision is None else {
                "decision": v.decision.decision, "keep": v.decision.keep_record_key,
                "decided_by": v.decision.decided_by,
                "decided_at": v.decision.decided_at.isoformat(),
            },
        }
        for v in views
    ]}


def emit(text: str) -> None:
    """Print for a person who may pipe into `head` or `less`: a closed pipe ends the
    output quietly instead of with a traceback."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit


def list_duplicates(*, sync: str | None, include_decided: bool, as_json: bool) -> int:
    url = ledger_url()
    views: list[ClusterView] = []
    if _exists(url):
        with Ledger.open(url) as ledger:
            views = cluster_views(ledger, sync=sync, include_decided=include_decided,
                                  platform_url=os.environ.get("CONCORD_PLATFORM_URL"))
    emit(json.dumps(clusters_json(views), sort_keys=True) if as_json
         else format_clusters(views, include_decided=include_decided))
    return 0


def next_run_effect(cluster: DuplicateCluster, decision: Decision) -> str:
    keys = sorted((m.record_key for m in cluster.members), key=record_order)
    if decision.decision == "keep":
        others = [k for k in keys if k != decision.keep_record_key]
        effect = f"merge {', '.join(others)} into {decision.keep_record_key}"
    else:
        effect = f"keep {', '.join(keys)} apart"
    where = f" over {cluster.partition}" if cluster.partition else ""
    return (f"{effect} on the next run of {cluster.sync}{where} "
            f"(re-run that partition from the Dagster UI, or `concord sync {cluster.sync} --full`)")


def find_cluster(ledger: Ledger, cluster_id: str) -> DuplicateCluster | None:
    """The ledger has no lookup by id; the dedupe step names clusters `<sync>.<obj>-<key>`,
    so search that sync first and all clusters only when the id has another shape."""
    prefix = cluster_id.split(".", 1)[0]
    for sync in ((prefix, None) if "." in cluster_id else (None,)):
        for c in ledger.clusters(sync=sync):
            if c.cluster_id == cluster_id:
                return c
    return None


def _fail(message: str) -> int:
    print(f"concord duplicates resolve: {message}", file=sys.stderr)
    return 2


def resolve_duplicate(cluster_id: str, *, keep: str | None, separate: bool, by: str | None) -> int:
    """Record a steward's decision; exit 2 with the reason when it cannot be applied."""
    if (keep is None) == (not separate):
        return _fail("give exactly one of --keep RECORD_KEY or --separate")
    url = ledger_url()
    if not _exists(url):
        return _fail(f"no duplicate cluster {cluster_id!r} (the ledger is empty)")
    with Ledger.open(url) as ledger:
        found = find_cluster(ledger, cluster_id)
        if found is None:
            return _fail(f"no duplicate cluster {cluster_id!r}; see `concord duplicates list --all`")
        cluster = found
        members = sorted((m.record_key for m in cluster.members), key=record_order)
        if keep is not None and keep not in members:
            return _fail(f"{keep!r} is not a member of {cluster_id} (members: {', '.join(members)})")
        before = ledger.decisions(cluster.sync).get(cluster_id)
        try:
            decision = ledger.decide(cluster_id, keep=keep, separate=separate,
                                     decided_by=by if by is not None else getpass.getuser())
        except (UnknownCluster, InvalidDecision) as exc:
            return _fail(str(exc))
    print(f"{cluster_id}: {describe_decision(decision)}")
    if before is not None:
        print(f"  replaces: {describe_decision(before)}")
    print(f"  {next_run_effect(cluster, decision)}")
    return 0


def suggested_keep(cluster: DuplicateCluster) -> str:
    """The earliest platform record: the one customers have used longest, and the one an
    `auto` rule keeps too."""
    return min((m.record_key for m in cluster.members), key=record_order)


def joined_only_by(cluster: DuplicateCluster, tier: str) -> bool:
    """True when every pair shares `tier`'s key, so all members share it (equality is
    transitive along the pairs): e.g. every member has the same VAT id."""
    return bool(cluster.pairs) and all(
        any(reason_tier(r) == tier for r in p.reasons) for p in cluster.pairs)


def resolve_all_suggested(*, sync: str | None, tier: str | None, by: str | None) -> int:
    """Keep the earliest record of every open cluster (of `sync`; where every pair matched
    on `tier`). For the bulk a steward has checked by sampling, e.g. all contact clusters
    joined by e-mail, or all company clusters that share a VAT id; one line per decision
    so the record of what was merged is in the terminal as well as in the ledger."""
    url = ledger_url()
    if not _exists(url):
        print("no open duplicate clusters")
        return 0
    who = by if by is not None else getpass.getuser()
    decided = 0
    with Ledger.open(url) as ledger:
        clusters = [c for c in ledger.clusters(sync=sync, status="open")
                    if tier is None or joined_only_by(c, tier)]
        ordered = sorted(clusters, key=lambda c: (c.sync, c.entity_type,
                                                   record_order(suggested_keep(c))))
        try:  # one transaction: thousands of clusters at an initial load
            decisions = ledger.decide_many(
                [(c.cluster_id, suggested_keep(c), False) for c in ordered], decided_by=who)
        except (UnknownCluster, InvalidDecision) as exc:
            return _fail(str(exc))
        for decision in decisions:
            print(f"{decision.cluster_id}: {describe_decision(decision)}")
            decided += 1
    scope = f" of {sync}" if sync else ""
    where = f" joined by {tier}" if tier else ""
    print(f"{decided} open cluster(s){scope}{where} decided: each keeps its earliest record; "
          "re-run the sync (`concord sync`) to apply")
    return 0


def blocked_notice(sync: str) -> str | None:
    """What a person reads when a run stopped at the duplicate check, or None when no
    cluster of the sync is open (the run failed for another reason)."""
    url = ledger_url()
    if not _exists(url):
        return None
    with Ledger.open(url) as ledger:
        per_type = ledger.cluster_counts(sync=sync, status="open")
    if not per_type:
        return None
    counts = ", ".join(f"{n} {kind}" for kind, n in sorted(per_type.items()))
    return (
        f"{sync} stopped at the duplicate check (no_unresolved_duplicates): "
        f"{sum(per_type.values())} duplicate cluster(s) wait for a data steward ({counts}); "
        "the objects they belong to are not written until each is decided.\n"
        f"  review:  concord duplicates list --sync {sync}\n"
        "  decide:  concord duplicates resolve CLUSTER --keep RECORD_KEY | --separate\n"
        "           (or: concord duplicates resolve --all-suggested [--tier TIER], keeping "
        "each cluster's earliest record)\n"
        f"  then:    concord sync {sync}   (or re-run the partition in the Dagster UI)"
    )


def resolve(cluster: str | None, *, keep: str | None, separate: bool, by: str | None,
            all_suggested: bool = False, sync: str | None = None, tier: str | None = None) -> int:
    """`concord duplicates resolve`: one cluster (`--keep` / `--separate`) or, with
    `--all-suggested [--sync S] [--tier T]`, every open one; exit 2 on a mixed request."""
    if all_suggested:
        if cluster is not None or keep is not None or separate:
            return _fail("--all-suggested decides every open cluster itself: "
                         "give no CLUSTER, --keep or --separate with it")
        return resolve_all_suggested(sync=sync, tier=tier, by=by)
    if sync is not None or tier is not None:
        return _fail("--sync and --tier go with --all-suggested")
    if cluster is None:
        return _fail("give a CLUSTER (see `concord duplicates list`) or --all-suggested")
    return resolve_duplicate(cluster, keep=keep, separate=separate, by=by)
