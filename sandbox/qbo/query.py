"""QBO's query language: `SELECT * | COUNT(*) | f, g FROM Entity [WHERE …] [ORDERBY …]
[STARTPOSITION n] [MAXRESULTS m]`.

Keywords are case-insensitive; conditions are joined by AND only (QBO has no OR); operators
`= != < > <= >= LIKE IN`; string literals are single-quoted with `\\'` escapes. STARTPOSITION
is 1-based, MAXRESULTS defaults to 100 and may not exceed 1,000. A reference (`CustomerRef`)
compares by its `value`; numbers compare as Decimal (`TotalAmt > '300.00'` works quoted);
`MetaData.*Time` compares as instants whatever the offsets.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sandbox.qbo.faults import QboFault, invalid_query
from sandbox.qbo.wire import parse_stamp

DEFAULT_MAX_RESULTS = 100
MAX_RESULTS_LIMIT = 1000

_TOKEN = re.compile(r"""
    \s*(?:
      (?P<string>'(?:\\.|''|[^'\\])*')
    | (?P<number>-?\d+(?:\.\d+)?)
    | (?P<op><=|>=|!=|<>|=|<|>)
    | (?P<punct>[(),*])
    | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
    )""", re.VERBOSE)


@dataclass(frozen=True)
class Condition:
    path: str
    op: str
    values: tuple[str | Decimal | bool, ...]


@dataclass
class Query:
    entity: str
    count: bool = False
    fields: list[str] | None = None
    where: list[Condition] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)  # (path, descending)
    start: int = 1
    max_results: int = DEFAULT_MAX_RESULTS


def _tokens(text: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise invalid_query(f"QueryParserError: Encountered \"{text[pos:pos + 10]}\" at "
                                f"line 1, column {pos + 1}.")
        pos = m.end()
        kind = m.lastgroup or ""
        raw = m.group(kind)
        if kind == "string":
            value = raw[1:-1].replace("\\'", "'").replace("''", "'").replace("\\\\", "\\")
            out.append(("string", value))
        elif kind == "number":
            out.append(("number", Decimal(raw)))
        else:
            out.append((kind, raw))
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, Any] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> tuple[str, Any]:
        tok = self.peek()
        if tok is None:
            raise invalid_query("QueryParserError: Encountered \"<EOF>\" at line 1.")
        self.i += 1
        return tok

    def keyword(self, *words: str) -> bool:
        tok = self.peek()
        if tok and tok[0] == "word" and tok[1].upper() in words:
            self.i += 1
            return True
        return False

    def expect_keyword(self, word: str) -> None:
        if not self.keyword(word):
            tok = self.peek()
            raise invalid_query(f"QueryParserError: Encountered \"{tok[1] if tok else '<EOF>'}"
                                f"\", was expecting \"{word}\".")

    def expect(self, kind: str, value: str | None = None) -> Any:
        tok = self.take()
        if tok[0] != kind or (value is not None and tok[1] != value):
            raise invalid_query(f"QueryParserError: Encountered \"{tok[1]}\" at line 1.")
        return tok[1]

    def literal(self) -> str | Decimal | bool:
        kind, value = self.take()
        if kind in ("string", "number"):
            return value  # type: ignore[no-any-return]
        if kind == "word" and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise invalid_query(f"QueryParserError: Encountered \"{value}\" at line 1.")

    def integer(self) -> int:
        kind, value = self.take()
        if kind != "number" or value != value.to_integral_value():
            raise invalid_query(f"QueryParserError: Encountered \"{value}\", was expecting "
                                "an integer.")
        return int(value)


def parse(text: str) -> Query:
    p = _Parser(text)
    p.expect_keyword("SELECT")
    count, fields = False, None
    tok = p.peek()
    if tok == ("punct", "*"):
        p.take()
    elif tok and tok[0] == "word" and tok[1].upper() == "COUNT":
        p.take()
        p.expect("punct", "(")
        p.expect("punct", "*")
        p.expect("punct", ")")
        count = True
    else:
        fields = [p.expect("word")]
        while p.peek() == ("punct", ","):
            p.take()
            fields.append(p.expect("word"))
    p.expect_keyword("FROM")
    query = Query(entity=p.expect("word"), count=count, fields=fields)
    while p.peek() is not None:
        if p.keyword("WHERE"):
            query.where.append(_condition(p))
            while p.keyword("AND"):
                query.where.append(_condition(p))
        elif p.keyword("ORDERBY") or (p.keyword("ORDER") and p.keyword("BY")):
            query.order.append(_order_item(p))
            while p.peek() == ("punct", ","):
                p.take()
                query.order.append(_order_item(p))
        elif p.keyword("STARTPOSITION"):
            query.start = max(p.integer(), 1)
        elif p.keyword("MAXRESULTS"):
            query.max_results = p.integer()
            if query.max_results > MAX_RESULTS_LIMIT:
                raise invalid_query("QueryValidationError: MAXRESULTS must not exceed "
                                    f"{MAX_RESULTS_LIMIT}; supplied value: {query.max_results}")
        else:
            _kind, value = p.take()
            raise invalid_query(f"QueryParserError: Encountered \"{value}\" at line 1.")
    return query


def _condition(p: _Parser) -> Condition:
    path = p.expect("word")
    if p.keyword("IN"):
        p.expect("punct", "(")
        values = [p.literal()]
        while p.peek() == ("punct", ","):
            p.take()
            values.append(p.literal())
        p.expect("punct", ")")
        return Condition(path, "IN", tuple(values))
    if p.keyword("LIKE"):
        return Condition(path, "LIKE", (p.literal(),))
    op = p.expect("op")
    return Condition(path, "!=" if op == "<>" else op, (p.literal(),))


def _order_item(p: _Parser) -> tuple[str, bool]:
    path = p.expect("word")
    if p.keyword("DESC"):
        return path, True
    p.keyword("ASC")
    return path, False


# ----- evaluation ------------------------------------------------------------------------------
def lookup(row: dict[str, Any], path: str) -> Any:
    value: Any = row
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        match = next((k for k in value if k.lower() == part.lower()), None)
        value = value.get(match) if match is not None else None
    if isinstance(value, dict) and "value" in value:
        return value["value"]
    return value


def _coerce(sample: Any, literal: Any, path: str) -> Any:
    """Bring the literal to the field's type; None when it cannot be compared."""
    if isinstance(sample, bool):
        return literal if isinstance(literal, bool) else str(literal).lower() == "true"
    if isinstance(sample, Decimal | int):
        try:
            return Decimal(str(literal))
        except InvalidOperation:
            return None
    if path.lower().endswith("time") and isinstance(literal, str):
        return parse_stamp(literal)
    return str(literal).lower()


def _field_value(value: Any, path: str) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        return value
    if path.lower().endswith("time") and isinstance(value, str):
        return parse_stamp(value)
    return str(value).lower() if value is not None else None


def _like(value: str, pattern: str) -> bool:
    regex = "".join(".*" if ch == "%" else re.escape(ch) for ch in pattern.lower())
    return re.fullmatch(regex, value, re.DOTALL) is not None


def _matches(row: dict[str, Any], cond: Condition) -> bool:
    raw = lookup(row, cond.path)
    if raw is None:
        return False
    value = _field_value(raw, cond.path)
    literals = [_coerce(raw, lit, cond.path) for lit in cond.values]
    if cond.op == "IN":
        return value in literals
    lit = literals[0]
    if lit is None:
        return False
    if cond.op == "LIKE":
        return isinstance(value, str) and _like(value, str(lit))
    try:
        return bool(_OPS[cond.op](value, lit))
    except TypeError:
        return False


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
    ">": lambda a, b: a > b, "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b,
}


def _sort_key(row: dict[str, Any], path: str) -> tuple[int, Any]:
    value = _field_value(lookup(row, path), path)
    if value is None:
        return (2, "")
    if isinstance(value, Decimal | bool):
        return (0, Decimal(value))
    if isinstance(value, datetime):
        return (0, value.timestamp())
    text = str(value)
    return (0, Decimal(text)) if path.lower() == "id" and text.isdigit() else (1, text)


def validate_paths(query: Query, known: frozenset[str]) -> None:
    lowered = {k.lower() for k in known}
    paths = [c.path for c in query.where] + [o[0] for o in query.order] + (query.fields or [])
    for path in paths:
        if path.split(".")[0].lower() not in lowered:
            raise QboFault(400, "4001", "Invalid query",
                           f"QueryValidationError: property '{path}' is not queryable")


def execute(query: Query, rows: Iterable[dict[str, Any]], entity_key: str) -> dict[str, Any]:
    """The `QueryResponse` object: rows, or `{}` when the page is empty, or `totalCount`."""
    hits = [r for r in rows if all(_matches(r, c) for c in query.where)]
    if query.count:
        return {"totalCount": len(hits)}
    hits.sort(key=lambda r: _sort_key(r, "Id"))
    for path, descending in reversed(query.order):
        hits.sort(key=lambda r, p=path: _sort_key(r, p), reverse=descending)
    page = hits[query.start - 1: query.start - 1 + query.max_results]
    if not page:
        return {}
    if query.fields:
        keep = {f.split(".")[0].lower() for f in query.fields} | {"id", "synctoken"}
        page = [{k: v for k, v in r.items() if k.lower() in keep} | {"domain": "QBO",
                                                                      "sparse": True}
                for r in page]
    return {entity_key: page, "startPosition": query.start, "maxResults": len(page)}
