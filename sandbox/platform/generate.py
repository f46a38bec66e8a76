"""`python -m sandbox platform`: write the sandbox platform database.

Deterministic for a seed (one `random.Random(seed)`, no wall clock, fixed insert order),
streamed in chunks so a million companies fit in modest memory. SQLite runs without a
journal while loading (the file is rebuilt from scratch, so there is nothing to
protect); indexes are built once at the end, and the edit feed is staged in a side
file and re-inserted in time order.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from sandbox.platform import companies, contacts, invoices, items, schema
from sandbox.platform.clock import PLATFORM_TZ, PlatformClock
from sandbox.platform.companies import CompanyWriter
from sandbox.platform.contacts import ContactWriter
from sandbox.platform.context import Context
from sandbox.platform.dirt import KINDS, claimed_rates
from sandbox.platform.entities import EntityFactory
from sandbox.platform.invoices import InvoiceWriter
from sandbox.platform.reps import RepAssigner, build_reps
from sandbox.platform.sink import DirtLog, EditLog, TableSink

GENERATOR_VERSION = "1"
DEFAULT_AS_OF = datetime(2026, 11, 1, tzinfo=UTC)
WINDOW_DAYS = 90
MIN_SCALE, MAX_SCALE = 100, 1_000_000


@dataclass(frozen=True)
class GenerationReport:
    path: str
    seed: int
    scale: int
    as_of: str
    counts: dict[str, int] = field(default_factory=dict)
    dirt: dict[str, int] = field(default_factory=dict)

    def summary(self) -> dict[str, object]:
        return {"path": self.path, "seed": self.seed, "scale": self.scale, "as_of": self.as_of,
                "counts": self.counts, "dirt": self.dirt}


def _as_of(value: datetime | date | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00")) if "T" in value else \
            date.fromisoformat(value)
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    if value.tzinfo is None:
        raise ValueError("as_of must be timezone-aware (or a date, meaning UTC midnight)")
    return value.astimezone(UTC)


def _remove(path: Path) -> None:
    for p in (path, Path(f"{path}-journal"), Path(f"{path}-wal"), Path(f"{path}-shm")):
        p.unlink(missing_ok=True)


def generate_platform(path: str | Path, *, scale: int, seed: int,
                      as_of: datetime | date | str = DEFAULT_AS_OF) -> GenerationReport:
    """Write a fresh platform database at `path` (replacing any file there)."""
    if not MIN_SCALE <= scale <= MAX_SCALE:
        raise ValueError(f"scale must be between {MIN_SCALE} and {MAX_SCALE}, got {scale}")
    as_of_dt = _as_of(as_of)
    path = Path(path)
    stage = Path(f"{path}.stage")
    _remove(path)
    _remove(stage)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "locking_mode=EXCLUSIVE",
                       "cache_size=-262144", "temp_store=FILE"):
            conn.execute(f"PRAGMA {pragma}")
        schema.create_tables(conn)
        conn.execute("ATTACH DATABASE ? AS stage", (str(stage),))
        conn.execute("PRAGMA stage.journal_mode=OFF")
        conn.execute("PRAGMA stage.synchronous=OFF")
        conn.executescript(schema.STAGING)
        conn.execute("BEGIN")
        counts, dirt_counts = _fill(conn, scale, seed, as_of_dt)
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE stage")
        schema.create_indexes(conn)
        conn.execute("ANALYZE")
    finally:
        conn.close()
        _remove(stage)
    return GenerationReport(str(path), seed, scale, as_of_dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
                            counts, dirt_counts)


def _fill(conn: sqlite3.Connection, scale: int, seed: int,
          as_of: datetime) -> tuple[dict[str, int], dict[str, int]]:
    rng = random.Random(seed)
    clock = PlatformClock(as_of, WINDOW_DAYS)
    reps = build_reps()
    operators = (*(r.login for r in reps[1:] if r.active), "admin", "import", "buchhaltung")
    ctx = Context(rng, clock, conn, DirtLog(conn), EditLog(conn, clock), operators)
    for table, cols in (("companies", companies.COLUMNS), ("contacts", contacts.COLUMNS),
                        ("items", items.COLUMNS), ("invoices", invoices.INVOICE_COLUMNS),
                        ("invoice_lines", invoices.LINE_COLUMNS),
                        ("truth_companies", ("company_id", "entity_id", "country_code",
                                             "vat_id")),
                        ("truth_contacts", ("contact_id", "person_id"))):
        ctx.sinks[table] = TableSink(conn, table, cols)
    conn.executemany("INSERT INTO sales_reps VALUES (?, ?, ?, ?, ?, ?)", [r.row() for r in reps])

    catalogue = items.write_items(ctx, items.item_count(scale))
    factory = EntityFactory(rng)
    company_writer = CompanyWriter(ctx, factory, RepAssigner(reps), scale)
    contact_writer = ContactWriter(ctx, factory)
    invoice_writer = InvoiceWriter(ctx, catalogue)
    for i in range(scale):
        row = company_writer.write(i)
        contact_writer.write(row)
        invoice_writer.write(row)

    for sink in (*ctx.sinks.values(), ctx.dirt.sink, ctx.edits.sink):
        sink.flush()
    EditLog.publish(conn)
    counts = {t: s.count for t, s in ctx.sinks.items()}
    counts["sales_reps"] = len(reps)
    counts["edit_history"] = ctx.edits.sink.count
    counts["dirt"] = ctx.dirt.sink.count
    dirt_counts = {k: ctx.dirt.counts.get(k, 0) for k in KINDS}
    _write_meta(conn, scale, seed, as_of, counts)
    return counts, dirt_counts


def _write_meta(conn: sqlite3.Connection, scale: int, seed: int, as_of: datetime,
                counts: dict[str, int]) -> None:
    meta = {
        "seed": str(seed), "scale": str(scale),
        "as_of": as_of.strftime("%Y-%m-%dT%H:%M:%SZ"), "timezone": PLATFORM_TZ,
        "timestamp_format": "%Y-%m-%d %H:%M:%S (naive local time)",
        "window_days": str(WINDOW_DAYS), "generator_version": GENERATOR_VERSION,
        "semantics.percentages": "tax_rate and discount are percentages: '19' means 19 %",
        "semantics.invoice_total": ("line net = quantity * unit_price * (1 - line discount); "
                                    "invoice discount is a percent off the sum of line nets; "
                                    "tax per line at its tax_rate"),
        "dirt_rates_meaning": ("dirt_rate.<kind> is the expected share of the rows of "
                               "dirt_table.<kind> carrying the kind"),
    }
    for kind, rate in claimed_rates().items():
        meta[f"dirt_rate.{kind}"] = f"{rate:g}"
        meta[f"dirt_table.{kind}"] = KINDS[kind].table
    for table, n in counts.items():
        meta[f"count.{table}"] = str(n)
    conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", sorted(meta.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="concord sandbox platform",
                                     description="Generate the sandbox platform database.")
    parser.add_argument("--scale", type=int, default=2000, help="number of company rows")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", required=True, help="path of the SQLite file to write")
    parser.add_argument("--as-of", default="2026-11-01",
                        help="end of the 90-day window (date = UTC midnight, or ISO datetime)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        report = generate_platform(args.out, scale=args.scale, seed=args.seed, as_of=args.as_of)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    summary = report.summary()
    summary["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(summary, sort_keys=True), flush=True)
    return 0
