"""Engine set-up and the few SQL helpers every part of the ledger shares."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.pool import StaticPool

from concord.ledger.errors import LedgerError

T = TypeVar("T")

IN_CHUNK = 500
"""Largest IN list per statement: well under SQLite's variable limit and PG's planner sweet spot."""
SCAN_FROM_VALUES = 5_000
"""From this many values (ten IN lists) `_select_in` counts the rows it would scan instead."""
SCAN_SHARE = 4
"""`_select_in` scans when the values are at least 1/SCAN_SHARE of the rows a scan reads."""

SQLITE_BUSY_TIMEOUT_MS = 30_000

SQLITE_CACHE_KIB = 32 * 1024
"""Page cache per connection (SQLite's default: 2 MiB). A load's batches insert 200,000
rows into indexes keyed by hashes, i.e. at random places: with the default cache the
same index pages are evicted (written to the WAL) and read back for every few rows.
Measured (`python -m bench.ledger_writes`): the apply step's ledger writes for 200,000
bulk creates, 28.9 s -> 22.4 s. Sorting the rows by their index key was tried too and
made it worse: the outbox rows are confirmed in the order they were sent."""

PG_CHUNK = 10_000
"""Rows per INSERT ... SELECT FROM unnest(...) or UPDATE ... FROM unnest(...) statement
on PostgreSQL."""

ANALYZE_AFTER_ROWS = 5_000
"""PostgreSQL: refresh planner statistics after a batch this large. Without them, the
first lookups after an initial load plan `system = ? AND obj = ?` as one row and scan
the whole object instead of seeking each id (measured: 28 ms instead of ~1 ms per
500 ids on 50,000 rows); autovacuum would only catch up later."""


def _json_default(value: Any) -> Any:
    """Quarantined payloads hold Decimals and datetimes: keep them exact as strings."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


_JSON = json.JSONEncoder(default=_json_default, sort_keys=True)
"""One encoder for every JSON value the ledger stores: `json.dumps` with options builds a
new one per call, most of the time of encoding a field baseline (8.7 -> 3.2 us each,
230,000 a load)."""


def _json_dumps(value: Any) -> str:
    return _JSON.encode(value)


def _is_memory_sqlite(url: sa.URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def create_ledger_engine(url: str | sa.URL) -> sa.Engine:
    """An engine tuned for the ledger's bulk work on SQLite or PostgreSQL.

    SQLite gets WAL (readers do not block the writer), foreign keys (off by default in
    SQLite) and a busy timeout so concurrent writers wait instead of failing at once.
    pysqlite's own implicit BEGIN is switched off: `LedgerBase._write` opens write
    transactions with BEGIN IMMEDIATE, which takes the write lock up front, so a
    read-then-write inside one transaction cannot fail with SQLITE_BUSY half-way.
    """
    url = sa.make_url(url)
    kwargs: dict[str, Any] = {"json_serializer": _json_dumps}
    backend = url.get_backend_name()
    if backend == "sqlite":
        kwargs["connect_args"] = {"check_same_thread": False}
        if _is_memory_sqlite(url):
            kwargs["poolclass"] = StaticPool
    elif backend == "postgresql":
        kwargs["pool_pre_ping"] = True
        if url.get_driver_name() == "psycopg2":
            kwargs["executemany_mode"] = "values_plus_batch"
    engine = sa.create_engine(url, **kwargs)
    if backend == "sqlite":
        _tune_sqlite(engine, memory=_is_memory_sqlite(url))
    return engine


def _tune_sqlite(engine: sa.Engine, *, memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (see _on_begin)
        cur = dbapi_conn.cursor()
        if not memory:
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        mode = conn.info.pop("ledger_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def _memoised(proc: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A bind processor that converts each distinct scalar once (e.g. one `now` per batch)."""
    memo: dict[Any, Any] = {}

    def run(value: Any) -> Any:
        if not isinstance(value, str | int | datetime | Decimal):
            return proc(value)
        key = (type(value), value)
        if key not in memo:
            memo[key] = proc(value)
        return memo[key]

    return run


def _driver_args(compiled: Any, params: dict[str, Any]) -> Any:
    """The named parameters in the form a compiled statement's driver takes them: a tuple
    in bind order for positional paramstyles (SQLite's `?`), else the dict itself."""
    if compiled.positional:
        return tuple(params[name] for name in compiled.positiontup)
    return params


def _same_in_every_row(names: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> set[str]:
    """The columns whose value is the same (same type, equal) in every row."""
    first = rows[0]
    same = set()
    for n in names:
        v, kind = first[n], type(first[n])
        if all((w := r[n]) is v or (type(w) is kind and w == v) for r in rows):
            same.add(n)
    return same


def chunked(items: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def unique(values: Iterable[str]) -> list[str]:
    """Distinct values in first-seen order (IN lists and ON CONFLICT batches need no repeats)."""
    return list(dict.fromkeys(values))


def utc(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware (got naive {value.isoformat()})")
    return value.astimezone(UTC)


def now_utc() -> datetime:
    return datetime.now(UTC)


@dataclass
class _Unit:
    """An open `transaction()`: its connection, and the first error a call in it raised."""

    conn: sa.Connection
    spoiled: BaseException | None = None


class LedgerBase:
    """Holds the engine; each store mixin builds on these helpers."""

    engine: sa.Engine

    @property
    def dialect_name(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Every ledger call of this thread inside the block is one all-or-nothing
        transaction: what belongs together (a write's confirmation, link, match keys, log
        line and hash) is stored whole, or not at all if the block raises or the process
        dies in it. A call that raises spoils the block even if its caller goes on: the
        block then stores nothing and raises LedgerError at its end. Nested blocks join
        the outermost one."""
        if self._unit() is not None:
            yield
            return
        with self._begin_write() as conn:
            unit = _Unit(conn)
            self._units[threading.get_ident()] = unit
            try:
                yield
                if unit.spoiled is not None:
                    raise LedgerError(
                        f"a ledger call in this transaction failed ({unit.spoiled!r}): none "
                        "of it is stored") from unit.spoiled
            finally:
                del self._units[threading.get_ident()]

    @property
    def _units(self) -> dict[int, _Unit]:
        """Each thread's open `transaction()`."""
        return self.__dict__.setdefault("_units", {})

    def _unit(self) -> _Unit | None:
        return self._units.get(threading.get_ident())

    @contextmanager
    def _begin_write(self) -> Iterator[sa.Connection]:
        with self.engine.connect() as conn:
            if self.dialect_name == "sqlite":
                conn.info["ledger_begin"] = "IMMEDIATE"
            with conn.begin():
                yield conn

    @contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        """One all-or-nothing write transaction (on SQLite it holds the write lock from
        BEGIN), or the open `transaction()`'s. (Not a savepoint per call: SQLite copies
        every page a savepoint changes to a journal of its own, ~0.7 s per 200,000 rows.)"""
        unit = self._unit()
        if unit is None:
            with self._begin_write() as conn:
                yield conn
            return
        try:
            yield unit.conn
        except BaseException as exc:
            unit.spoiled = unit.spoiled or exc
            raise

    @contextmanager
    def _read(self) -> Iterator[sa.Connection]:
        """A read transaction; inside `transaction()` its connection, which sees its writes."""
        unit = self._unit()
        if unit is not None:
            yield unit.conn
            return
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def _insert(self, table: sa.Table) -> Any:
        """The dialect's INSERT, which offers ON CONFLICT on both SQLite and PostgreSQL."""
        if self.dialect_name == "postgresql":
            return postgresql.insert(table)
        if self.dialect_name == "sqlite":
            return sqlite.insert(table)
        raise NotImplementedError(f"ledger supports sqlite and postgresql, not {self.dialect_name}")

    def _insert_many(self, conn: sa.Connection, stmt: Any, rows: list[dict[str, Any]]) -> None:
        """executemany of an INSERT (or upsert) whose rows all have the same keys.

        On SQLite the rows go straight to the driver: SQLAlchemy's per-row parameter
        handling costs several times SQLite's own work at 300,000 rows. Bind processors
        (UTC datetimes, JSON) still apply, memoised since most values repeat (`now`).
        PostgreSQL gets the rows as one array per column, unnested server-side
        (`_insert_unnest`).
        """
        if not rows:
            return
        if conn.dialect.name != "sqlite":
            self._insert_unnest(conn, stmt, rows)
            if len(rows) >= ANALYZE_AFTER_ROWS:
                conn.exec_driver_sql(f'ANALYZE "{stmt.table.name}"')
            return
        names = list(rows[0])
        compiled = stmt.compile(dialect=conn.dialect, column_keys=names)
        order = list(compiled.positiontup or ())
        if set(order) - set(names):
            conn.execute(stmt, rows)  # statement has binds of its own: take the general path
            return
        table: sa.Table = stmt.table
        procs = [table.c[n].type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
                 for n in order]
        columns = []
        for n, proc in zip(order, procs, strict=True):
            values = [row[n] for row in rows]
            if proc is not None:
                first = values[0]
                if all(v is first for v in values):  # e.g. one `now` for the whole batch
                    values = [proc(first)] * len(values)
                else:
                    convert = _memoised(proc)
                    values = [convert(v) for v in values]
            columns.append(values)
        params = list(zip(*columns, strict=True))
        conn.exec_driver_sql(compiled.string, params)

    def _execute_many(self, conn: sa.Connection, stmt: Any, rows: list[dict[str, Any]]) -> int | None:
        """executemany of any statement whose named bindparams the rows fill (an UPDATE
        by key, say); on SQLite straight to the driver as `_insert_many` does, binds the
        statement fills itself (literals) taken from the compiled statement. Returns the
        rows affected where the driver reports them for an executemany, else None."""
        if not rows:
            return 0
        if conn.dialect.name != "sqlite":
            result = conn.execute(stmt, rows)
            return result.rowcount if conn.dialect.supports_sane_multi_rowcount else None
        compiled = stmt.compile(dialect=conn.dialect)
        columns = []
        for name in compiled.positiontup or ():
            bind = compiled.binds[name]
            proc = bind.type._cached_bind_processor(conn.dialect)
            if name in rows[0]:
                values = [row[name] for row in rows]
                if proc is not None:
                    convert = _memoised(proc)
                    values = [convert(v) for v in values]
            else:
                value = bind.effective_value
                values = [proc(value) if proc is not None else value] * len(rows)
            columns.append(values)
        return conn.exec_driver_sql(compiled.string, list(zip(*columns, strict=True))).rowcount

    def _select_rows_in(
        self,
        conn: sa.Connection,
        table: sa.Table,
        key: sa.Column[Any],
        values: Sequence[str],
    ) -> Iterator[dict[str, Any]]:
        """Whole rows of `table` whose `key` is in `values`, as dicts, through `_select_in`
        (driver SQL) with each column's result processing (e.g. aware UTC datetimes)."""
        procs = [(c.name, c.type._cached_result_processor(conn.dialect, None))
                 for c in table.columns]

        def build(wanted: sa.ColumnElement[bool]) -> sa.Select[Any]:
            return sa.select(*table.columns).where(wanted)

        for row in self._select_in(conn, build, key, {}, values):
            yield {name: (proc(v) if proc is not None and v is not None else v)
                   for (name, proc), v in zip(procs, row, strict=True)}

    def _insert_unnest(self, conn: sa.Connection, stmt: Any, rows: list[dict[str, Any]]) -> None:
        """INSERT ... SELECT FROM unnest(col1[], col2[], ...) [ON CONFLICT ...], PG_CHUNK rows
        a statement: about 4x faster than multi-row VALUES, whose SQL text psycopg2 builds
        row by row.

        A column with one value in every row of a chunk (the system, the object, the run,
        `now`) is sent once, as a typed parameter, not as an array of copies: psycopg2
        adapts and the server parses each element, a datetime most of all. Measured on
        200,000 xref links, 8 arrays 5.0 s -> 2 arrays + 6 values 2.4 s.

        Arrays of JSON do not adapt: a JSON column's values go as their JSON text (the
        column type's own serialiser), cast back in SQL."""
        table: sa.Table = stmt.table
        names = list(rows[0])
        types = {n: table.c[n].type for n in names}
        as_text = [n for n in names if isinstance(types[n], sa.JSON)]
        if as_text:
            encode = {n: types[n].dialect_impl(conn.dialect).bind_processor(conn.dialect)
                      for n in as_text}
            rows = [r | {n: encode[n](r[n]) for n in as_text} for r in rows]
        sent = {n: sa.Text() if n in as_text else t for n, t in types.items()}

        def select(varying: tuple[str, ...]) -> Any:
            unnested = self._unnested({n: sent[n] for n in varying})

            def value(n: str) -> Any:
                if n in varying:
                    sent_as = unnested.c[n]
                    return sa.cast(sent_as, types[n]) if n in as_text else sent_as
                return sa.cast(sa.bindparam(f"one_{n}", type_=sent[n]), types[n])

            return stmt.from_select(names, sa.select(*(value(n) for n in names)))

        queries: dict[tuple[str, ...], Any] = {}
        for part in chunked(rows, PG_CHUNK):
            same = _same_in_every_row(names, part)
            varying = tuple(n for n in names if n not in same) or (names[0],)
            query = queries.get(varying)
            if query is None:
                query = queries[varying] = select(varying)
            params = self._arrays(varying, part)
            params.update((f"one_{n}", part[0][n]) for n in names if n not in varying)
            conn.execute(query, params)

    @staticmethod
    def _unnested(types: Mapping[str, Any]) -> Any:
        """unnest(col1[], col2[], ...) AS (name1, name2, ...): rows sent as one array per
        column (bindparams arr_0, arr_1, ... filled by `_arrays`)."""
        arrays = [
            sa.cast(sa.bindparam(f"arr_{i}", type_=postgresql.ARRAY(t)), postgresql.ARRAY(t))
            for i, t in enumerate(types.values())
        ]
        return sa.func.unnest(*arrays).table_valued(*types).render_derived()

    @staticmethod
    def _arrays(names: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
        return {f"arr_{i}": [r[n] for r in rows] for i, n in enumerate(names)}

    def _update_rows(
        self,
        conn: sa.Connection,
        key: sa.Column[Any],
        fields: Mapping[str, Any],
        values_of: Callable[[Mapping[str, Any]], dict[str, Any]],
        rows: list[dict[str, Any]],
    ) -> int | None:
        """UPDATE key's table SET values_of(row) WHERE key = row['key'], for every row.

        `fields` names each row's values with their types, one of them 'key'; `values_of`
        gets them as SQL expressions. Keys must be unique (PostgreSQL would apply one of
        two rows for a key, SQLite both in turn), and no field may be JSON (arrays of it
        do not adapt). SQLite runs it as an executemany through the driver
        (`_execute_many`); PostgreSQL as one UPDATE ... FROM unnest(...) per PG_CHUNK
        rows, where psycopg2's executemany sent one statement a row, 100 a round trip,
        and reported no row count (confirming a load's 230,000 outbox rows took 20 s).
        Returns the rows updated, or None where the driver does not say."""
        if not rows:
            return 0
        table: sa.Table = key.table  # type: ignore[assignment]
        names = list(fields)
        if conn.dialect.name != "postgresql":
            binds = {n: sa.bindparam(f"b_{n}", type_=t) for n, t in fields.items()}
            stmt = sa.update(table).where(key == binds["key"]).values(values_of(binds))
            return self._execute_many(conn, stmt, [{f"b_{n}": r[n] for n in names} for r in rows])
        unnested = self._unnested(fields)
        stmt = sa.update(table).where(key == unnested.c.key).values(values_of(unnested.c))
        return sum(conn.execute(stmt, self._arrays(names, part)).rowcount
                   for part in chunked(rows, PG_CHUNK))

    def _select_in(
        self,
        conn: sa.Connection,
        build: Callable[[sa.ColumnElement[bool]], sa.Select[Any]],
        column: sa.Column[Any],
        fixed: dict[str, str],
        values: Sequence[str],
    ) -> Iterator[tuple[Any, ...]]:
        """Rows of `build(column IN (...))` for every value, ≤ IN_CHUNK values a statement.

        The statement is compiled once per chunk size and run as plain driver SQL: for
        string-only parameters and results that skips all of SQLAlchemy's per-call
        work, which dominated lookups of 300,000 ids. `fixed` fills the other
        bindparams (named by the caller) of the statement.

        Asked for at least a quarter as many values as `build` has rows at all (SCAN_SHARE,
        counted from SCAN_FROM_VALUES values on), it reads those rows in one statement
        and keeps the wanted ones, in the statement's order: an initial load asks for
        every record, ~600 IN-list statements a lookup where one scan does. (Rows come as
        the driver's rows by IN lists, as tuples by the scan: callers unpack them.)
        """
        if len(values) >= SCAN_FROM_VALUES:
            everything = build(sa.true())
            enough = len(values) * SCAN_SHARE  # counting stops past it: a big table's
            stored = conn.execute(sa.select(sa.func.count()).select_from(  # lookups stay cheap
                everything.order_by(None).limit(enough + 1).subquery()), fixed).scalar_one()
            if stored <= enough:
                wanted = set(values)
                compiled = everything.add_columns(column).compile(dialect=conn.dialect)
                for row in conn.exec_driver_sql(compiled.string, _driver_args(compiled, fixed)):
                    if row[-1] in wanted:
                        yield tuple(row[:-1])
                return
        compiled_by_size: dict[int, Any] = {}
        for part in chunked(values):
            compiled = compiled_by_size.get(len(part))
            if compiled is None:
                binds = [sa.bindparam(f"in_{i}", type_=sa.String()) for i in range(len(part))]
                compiled = build(column.in_(binds)).compile(dialect=conn.dialect)
                compiled_by_size[len(part)] = compiled
            params: dict[str, Any] = dict(fixed)
            params.update((f"in_{i}", v) for i, v in enumerate(part))
            yield from conn.exec_driver_sql(compiled.string, _driver_args(compiled, params)).all()

    def _upsert(
        self, table: sa.Table, keys: Sequence[str], update: Sequence[str]
    ) -> sa.Executable:
        stmt = self._insert(table)
        return stmt.on_conflict_do_update(
            index_elements=list(keys), set_={c: stmt.excluded[c] for c in update}
        )
