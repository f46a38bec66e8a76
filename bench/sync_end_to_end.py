"""The CRM accounts sync end to end through Dagster, at a given platform scale.

    python -m bench.sync_end_to_end [--scale 20000] [--changes 1000] [--cache DIR]
                                    [--ledger-url postgresql+psycopg2://.../empty_db]

Each phase is `concord sync --json` in a fresh CONCORD_HOME (a child process, as a user
runs it), timed on the wall clock:

1. initial load: every partition as one run. When the spec's dedupe tiers wait for a
   steward, that run stops at the duplicate check; the bench then decides every open
   cluster the way `concord duplicates resolve` would (keep the earliest record) and runs
   again, which writes. Both runs and the deciding are reported, and their sum.
2. re-run: must make no write calls.
3. incremental: `--changes` platform records (a third companies, the rest contacts) get a
   new city / last name (fields the platform leads) and a fresh `updated_at`, then the
   hourly path runs.

The sandbox platform is generated once per scale and seed into `--cache` and copied into
each fresh home, so the generator's minute at 100,000 companies is paid once; its time is
reported apart. The sandbox APIs are started once and stay up across the phases (as a real
org does), so a phase's time is the sync's. Also printed: each run's peak RSS (the sync
process alone) and slowest steps, and write calls next
to the protocol minimum (ceil(n/200) per sObject Collections write, or one Bulk API 2.0
job's three writes: create, upload, close; its status polls and result downloads are reads).

The ledger is a SQLite file in the fresh home (the embedded default), or, with
`--ledger-url`, an empty database such as the PostgreSQL that production runs on.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

SYNC = "crm_accounts"
BULK_JOB_CALLS = 3  # a Bulk API 2.0 job's writes: create, upload, close
COLLECTION = 200
BULK_THRESHOLD = 10_000  # SalesforceResource.bulk_threshold: creates above it go by Bulk API
BULK_UPLOAD_BYTES = 100 * 1024 * 1024  # Salesforce: upload at most 100 MB of CSV a job
# (150 MB after its base64 conversion), as simple-salesforce does
PLATFORM_TZ = ZoneInfo("Europe/Berlin")


def _sync(home: Path, scale: int, seed: int) -> tuple[int, dict]:
    """One `concord sync --json` child; its wall time and its own peak RSS (wait4: the
    child alone, not the sandboxes, whose memory is the stand-in org's, not Concord's)."""
    with open(home / "sync.out", "w+") as out, open(home / "sync.err", "w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "integration_dags", "sync", "--json",
                                 "--scale", str(scale), "--seed", str(seed), SYNC],
                                env=dict(os.environ), stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        lines = out.read().strip().splitlines()
        if code not in (0, 1) or not lines:
            raise SystemExit(f"sync failed ({code}):\n{err.read()[-4000:]}")
    summary = json.loads(lines[-1])["syncs"][SYNC]
    return code, {"seconds": round(wall, 2), "ok": code == 0,
                  "peak_rss_mb": round(usage.ru_maxrss / 1024), **summary,
                  "slowest_steps": _slowest_steps(home)}


@contextmanager
def _standing_sandboxes(home: Path, platform: Path, ledger_url: str | None) -> Iterator[str]:
    """A fresh CONCORD_HOME with the cached platform, and the sandbox APIs started once for
    every phase, as a real org stays up between runs: each run's time is Concord's, not a
    sandbox loading its state. The children find them configured in the environment.
    Yields the ledger's URL (`ledger_url`, else the home's SQLite file)."""
    from integration_dags import local

    (home / "var").mkdir()
    shutil.copyfile(platform, home / "var" / "platform.sqlite")
    saved = dict(os.environ)
    for var in ("CONCORD_PLATFORM_URL", "CONCORD_LEDGER_URL", "DAGSTER_HOME",
                *local.CONFIGURED_BY.values()):
        os.environ.pop(var, None)
    os.environ["CONCORD_HOME"] = str(home)
    if ledger_url:
        os.environ["CONCORD_LEDGER_URL"] = ledger_url
    try:
        local.set_local_defaults()
        with local.sandboxes():
            yield os.environ["CONCORD_LEDGER_URL"]
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _platform(cache: Path, scale: int, seed: int) -> tuple[Path, float | None]:
    path = cache / f"platform-{scale}-{seed}.sqlite"
    if path.exists():
        return path, None
    from sandbox.platform.generate import generate_platform

    cache.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    t0 = time.perf_counter()
    generate_platform(tmp, scale=scale, seed=seed)
    seconds = time.perf_counter() - t0
    os.replace(tmp, path)
    return path, round(seconds, 2)


def _resolve_open_clusters(ledger_url: str) -> int:
    """What a steward does between the two runs: keep the earliest record of each cluster."""
    from concord.ledger import Ledger

    with Ledger.open(ledger_url) as led:
        clusters = led.clusters(sync=SYNC, status="open")
        led.decide_many([(c.cluster_id,
                          min((m.record_key for m in c.members), key=lambda k: (len(k), k)),
                          False) for c in clusters], decided_by="bench")
    return len(clusters)


def _slowest_steps(home: Path, n: int = 8) -> dict[str, float]:
    """The newest run's slowest steps (seconds), from its Dagster instance: where time goes."""
    import dagster as dg
    from dagster._core.instance.ref import InstanceRef

    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home / ".dagster_home"))) as inst:
        runs = inst.get_runs(limit=1)
        if not runs:
            return {}
        stats = inst.get_run_step_stats(runs[0].run_id)
    took = {s.step_key: round(s.end_time - s.start_time, 2) for s in stats
            if s.start_time and s.end_time}
    return dict(sorted(took.items(), key=lambda kv: -kv[1])[:n])


def _ledger_rows(ledger_url: str, query: Any) -> list[Any]:
    """A query's rows, read through the ledger's own engine (SQLite or PostgreSQL)."""
    from concord.ledger import Ledger

    with Ledger.open(ledger_url) as led, led.engine.connect() as conn:
        return list(conn.execute(query).all())


def _logged_rows(ledger_url: str) -> int:
    import sqlalchemy as sa

    from concord.ledger.schema import sync_log

    [(n,)] = _ledger_rows(ledger_url, sa.select(sa.func.count()).select_from(sync_log))
    return n


def _written(ledger_url: str, runs_after: datetime) -> dict[str, dict[str, int]]:
    """Per target object: records created / updated / deleted (sync log, since a time)."""
    import sqlalchemy as sa

    from concord.ledger.schema import sync_log

    log = sync_log.c
    rows = _ledger_rows(ledger_url, sa.select(log.obj, log.action, sa.func.count())
                        .where(log.outcome == "ok",
                               log.action.in_(["create", "update", "delete"]),
                               log.at >= runs_after)
                        .group_by(log.obj, log.action))
    out: dict[str, dict[str, int]] = {}
    for obj, action, n in rows:
        out.setdefault(obj, {})[action] = n
    return out


def _bulk_jobs(home: Path) -> list[dict]:
    """The Bulk API ingest jobs the sandbox Salesforce received: object, operation,
    records, CSV bytes and the org's processing time (part of the load's wall time, as
    an org's would be, but not Concord's own)."""
    store = home / "var" / "sandbox" / "salesforce" / "salesforce.sqlite3"
    con = sqlite3.connect(store)
    try:
        jobs = [(json.loads(data), size) for data, size in con.execute(
            "SELECT data, length(CAST(p.body AS BLOB)) FROM jobs LEFT JOIN job_payloads p "
            "ON p.job_id = jobs.id AND p.name = '_data'")]
    finally:
        con.close()
    return [{"object": j["object"], "operation": j["operation"], "state": j["state"],
             "records": j.get("numberRecordsProcessed"),
             "processing_seconds": round(j.get("totalProcessingTime", 0) / 1000, 2),
             "csv_bytes": size or 0}
            for j, size in jobs if j.get("jobType") == "V2Ingest"]


def _minimum_writes(written: dict[str, dict[str, int]], bulk_jobs: Sequence[dict] = ()) -> int:
    """The fewest write calls the protocol allows: ceil(n/200) per sObject Collections
    write, or three per Bulk API job, one job per 100 MB of the CSV `bulk_jobs` carried."""
    bulk_bytes: dict[str, int] = {}
    for job in bulk_jobs:
        bulk_bytes[job["object"]] = bulk_bytes.get(job["object"], 0) + job["csv_bytes"]
    total = 0
    for obj, counts in written.items():
        creates = counts.get("create", 0)
        if creates > BULK_THRESHOLD:
            jobs = max(1, math.ceil(bulk_bytes.get(obj, 0) / BULK_UPLOAD_BYTES))
            total += BULK_JOB_CALLS * jobs
        else:
            total += math.ceil(creates / COLLECTION)
        total += math.ceil(counts.get("update", 0) / COLLECTION)
        total += math.ceil(counts.get("delete", 0) / COLLECTION)
    return total


def _calls(*phases: dict) -> int:
    return sum(p["api_calls"]["write"] + p["api_calls"]["bulk_jobs"] for p in phases)


def _change_records(platform: Path, n: int) -> dict[str, int]:
    """Edit n live records as a clerk would: a new city or last name (both led by the
    platform, so no conflicts), updated_at = now."""
    stamp = datetime.now(PLATFORM_TZ).strftime("%Y-%m-%d %H:%M:%S")
    n_companies = n // 3
    con = sqlite3.connect(platform)
    try:
        def pick(table: str, k: int) -> list[int]:
            total = con.execute(f"SELECT count(*) FROM {table} WHERE deleted_at IS NULL").fetchone()[0]
            step = max(1, total // max(k, 1))
            ids = [r[0] for r in con.execute(
                f"SELECT id FROM {table} WHERE deleted_at IS NULL ORDER BY id")]
            return ids[::step][:k]

        companies = pick("companies", n_companies)
        contacts = pick("contacts", n - n_companies)
        con.executemany("UPDATE companies SET city = 'Bench ' || id, updated_at = ? WHERE id = ?",
                        [(stamp, i) for i in companies])
        con.executemany("UPDATE contacts SET last_name = 'Bench ' || id, updated_at = ? "
                        "WHERE id = ?", [(stamp, i) for i in contacts])
        con.commit()
    finally:
        con.close()
    return {"companies": len(companies), "contacts": len(contacts)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scale", type=int, default=20_000, help="platform companies")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--changes", type=int, default=1000, help="records edited for the incremental run")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "concord-bench",
                    help="where generated platforms are kept between bench runs")
    ap.add_argument("--ledger-url", help="an empty database for the ledger (default: a SQLite "
                                         "file in the bench's fresh home)")
    args = ap.parse_args(argv)
    platform, generated = _platform(args.cache, args.scale, args.seed)
    out: dict = {"scale": args.scale, "platform": str(platform),
                 "generate_seconds": generated}
    with tempfile.TemporaryDirectory(prefix="concord-bench-") as tmp, \
            _standing_sandboxes(Path(tmp), platform, args.ledger_url) as ledger_url:
        home = Path(tmp)
        if _logged_rows(ledger_url):
            raise SystemExit(f"the ledger at --ledger-url is not empty: {args.ledger_url}")
        started = datetime.now(UTC)

        rc, first = _sync(home, args.scale, args.seed)
        load = {"first_run": first}
        if rc != 0:
            t0 = time.perf_counter()
            decided = _resolve_open_clusters(ledger_url)
            if not decided:
                raise SystemExit(f"initial load failed, and not at the duplicate check: {first}")
            load["clusters_decided"] = decided
            load["deciding_seconds"] = round(time.perf_counter() - t0, 2)
            rc, load["second_run"] = _sync(home, args.scale, args.seed)
            if rc != 0:
                raise SystemExit(f"initial load failed after the duplicates were decided: {load}")
        runs = [load["first_run"], *([load["second_run"]] if "second_run" in load else [])]
        load["seconds"] = round(sum(r["seconds"] for r in runs) + load.get("deciding_seconds", 0), 2)
        written = _written(ledger_url, started)
        load["bulk_jobs"] = _bulk_jobs(home)
        minimum = _minimum_writes(written, load["bulk_jobs"])
        load["records_written"] = written
        load["write_calls"] = _calls(*runs)
        load["write_calls_minimum"] = minimum
        load["write_ratio"] = round(load["write_calls"] / minimum, 3) if minimum else None
        out["initial_load"] = load

        _, out["rerun"] = _sync(home, args.scale, args.seed)
        if _calls(out["rerun"]):
            raise SystemExit(f"re-run wrote: {out['rerun']}")

        if args.changes:
            changed = _change_records(home / "var" / "platform.sqlite", args.changes)
            started = datetime.now(UTC)
            _, inc = _sync(home, args.scale, args.seed)
            written = _written(ledger_url, started)
            inc["changed"] = changed
            inc["records_written"] = written
            inc["write_calls_minimum"] = _minimum_writes(written)
            out["incremental"] = inc
    out["peak_rss_mb_of_a_sync"] = max(
        r["peak_rss_mb"] for r in (*runs, out["rerun"], *([inc] if args.changes else [])))
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
