"""Read-side query options: `where` filters, `order`, paging.

`where` is Xero's C#-like filter: `Status=="AUTHORISED" AND Type=="ACCREC"`,
`Contact.ContactID==Guid("…")`, `Date>=DateTime(2024,01,01)`, `Name.Contains("GmbH")`,
`&&`/`||`/`NOT`/parentheses. String equality is case-insensitive (Xero's matching of names is;
unverified for every field). Anything it cannot parse is a 400, as Xero refuses bad filters.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sandbox.xero.errors import ApiProblem, bad_request

Record = dict[str, Any]
Predicate = Callable[[Record], bool]
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
_TOKEN = re.compile(r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<num>-?\d+(?:\.\d+)?)'
                    r'|(?P<op>==|!=|>=|<=|&&|\|\||[<>!(),])|(?P<name>[A-Za-z_][A-Za-z0-9_.]*))')
_METHODS = {"contains": lambda a, b: b in a, "startswith": lambda a, b: a.startswith(b),
            "endswith": lambda a, b: a.endswith(b)}
_MS = re.compile(r"^/Date\((-?\d+)")


def _where_error(expr: str) -> ApiProblem:
    return bad_request(f"Invalid where clause: {expr}", "QueryParseException", 16)


def lookup(record: Record, path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        if part in value:
            value = value[part]
            continue
        lowered = {k.lower(): v for k, v in value.items()}
        value = lowered.get(part.lower())
    return value


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        found = _MS.match(value)
        if found:
            return datetime.fromtimestamp(int(found.group(1)) / 1000, UTC)
        try:
            stamp = datetime.fromisoformat(value)
        except ValueError:
            return None
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    return None


def comparable(left: Any, right: Any) -> tuple[Any, Any]:
    if isinstance(left, datetime) or isinstance(right, datetime):
        return _as_datetime(left), _as_datetime(right)
    if isinstance(left, bool) or isinstance(right, bool):
        return left, right
    if isinstance(left, int | float | Decimal) or isinstance(right, int | float | Decimal):
        try:
            return Decimal(str(left)), Decimal(str(right))
        except ArithmeticError:
            return left, right
    if isinstance(left, str) and isinstance(right, str):
        return left.lower(), right.lower()
    return left, right


def _compare(op: str, left: Any, right: Any) -> bool:
    a, b = comparable(left, right)
    if op == "==":
        return bool(a == b)
    if op == "!=":
        return bool(a != b)
    if a is None or b is None:
        return False
    try:
        return bool({">": a > b, "<": a < b, ">=": a >= b, "<=": a <= b}[op])
    except TypeError:
        return False


@dataclass
class _Parser:
    tokens: list[tuple[str, str]]
    source: str
    pos: int = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise _where_error(self.source)
        self.pos += 1
        return token

    def expect(self, text: str) -> None:
        if self.take()[1] != text:
            raise _where_error(self.source)

    def _word(self, *words: str) -> bool:
        token = self.peek()
        return token is not None and token[1].upper() in words

    def expression(self) -> Predicate:
        left = self.conjunction()
        while self._word("OR", "||"):
            self.take()
            right, first = self.conjunction(), left
            left = lambda r, a=first, b=right: a(r) or b(r)  # noqa: E731
        return left

    def conjunction(self) -> Predicate:
        left = self.unary()
        while self._word("AND", "&&"):
            self.take()
            right, first = self.unary(), left
            left = lambda r, a=first, b=right: a(r) and b(r)  # noqa: E731
        return left

    def unary(self) -> Predicate:
        if self._word("NOT", "!"):
            self.take()
            inner = self.unary()
            return lambda r: not inner(r)
        if self.peek() == ("op", "("):
            self.take()
            inner = self.expression()
            self.expect(")")
            return inner
        return self.comparison()

    def comparison(self) -> Predicate:
        left = self.operand()
        token = self.peek()
        if token and token[0] == "op" and token[1] in ("==", "!=", ">=", "<=", ">", "<"):
            op = self.take()[1]
            right = self.operand()
            return lambda r: _compare(op, left(r), right(r))
        return lambda r: bool(left(r))

    def _args(self) -> list[Any]:
        self.expect("(")
        args: list[Any] = []
        while self.peek() != ("op", ")"):
            kind, text = self.take()
            if kind == "str":
                args.append(bytes(text[1:-1], "utf-8").decode("unicode_escape"))
            elif kind == "num":
                args.append(int(text) if text.lstrip("-").isdigit() else Decimal(text))
            elif text != ",":
                raise _where_error(self.source)
        self.take()
        return args

    def operand(self) -> Callable[[Record], Any]:
        kind, text = self.take()
        if kind == "str":
            value: Any = bytes(text[1:-1], "utf-8").decode("unicode_escape")
            return lambda _r: value
        if kind == "num":
            number = Decimal(text)
            return lambda _r: number
        if kind != "name":
            raise _where_error(self.source)
        lowered = text.lower()
        if lowered in ("true", "false"):
            return lambda _r: lowered == "true"
        if lowered == "null":
            return lambda _r: None
        if self.peek() == ("op", "("):
            return self._call(text)
        return lambda r: lookup(r, text)

    def _call(self, name: str) -> Callable[[Record], Any]:
        args = self._args()
        lowered = name.lower()
        if lowered == "datetime" and 3 <= len(args) <= 6:
            stamp = datetime(*[int(a) for a in args], tzinfo=UTC)
            return lambda _r: stamp
        if lowered == "guid" and len(args) == 1:
            return lambda _r: str(args[0])
        path, _, method = name.rpartition(".")
        check = _METHODS.get(method.lower())
        if check is None or not path or len(args) != 1:
            raise _where_error(self.source)
        needle = str(args[0]).lower()
        return lambda r: isinstance(lookup(r, path), str) and check(lookup(r, path).lower(), needle)


def parse_where(expr: str | None) -> Predicate:
    if not expr or not expr.strip():
        return lambda _r: True
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(expr):
        if expr[pos:].strip() == "":
            break
        found = _TOKEN.match(expr, pos)
        if not found or found.end() == pos:
            raise _where_error(expr)
        kind = found.lastgroup or "op"
        tokens.append((kind, found.group(kind)))
        pos = found.end()
    parser = _Parser(tokens, expr)
    predicate = parser.expression()
    if parser.peek() is not None:
        raise _where_error(expr)
    return predicate


def apply_order(rows: list[Record], order: str | None) -> list[Record]:
    """`order=Field [ASC|DESC][, Field …]`; None sorts first ascending."""
    if not order or not order.strip():
        return rows
    result = list(rows)
    for clause in reversed([c.strip() for c in order.split(",") if c.strip()]):
        parts = clause.split()
        if len(parts) > 2 or (len(parts) == 2 and parts[1].upper() not in ("ASC", "DESC")):
            raise bad_request(f"Invalid order clause: {order}", "QueryParseException", 16)
        field, descending = parts[0], len(parts) == 2 and parts[1].upper() == "DESC"

        def key(row: Record, f: str = field) -> tuple[int, Any]:
            value = lookup(row, f)
            stamp = _as_datetime(value) if isinstance(value, str) and value.startswith("/Date(") \
                else None
            value = stamp or (value.lower() if isinstance(value, str) else value)
            return (0, 0) if value is None else (1, value)

        result.sort(key=key, reverse=descending)
    return result


@dataclass(frozen=True)
class Page:
    rows: list[Record]
    pagination: dict[str, int] | None


def paginate(rows: Sequence[Record], page: str | None, page_size: str | None) -> Page:
    """1-based `page`; `pageSize` up to 1,000 (default 100). Without `page`: everything."""
    if page is None:
        return Page(list(rows), None)
    try:
        number = max(1, int(page))
        size = min(MAX_PAGE_SIZE, max(1, int(page_size))) if page_size else DEFAULT_PAGE_SIZE
    except ValueError:
        raise bad_request("page and pageSize must be integers") from None
    start = (number - 1) * size
    count = len(rows)
    pagination = {"page": number, "pageSize": size, "pageCount": math.ceil(count / size),
                  "itemCount": count}
    return Page(list(rows[start:start + size]), pagination)
