"""The SOQL subset Concord sends, parsed and evaluated over the in-memory org.

Covers field lists (with parent paths like `Owner.Name`), `COUNT()`, WHERE with comparison,
IN / NOT IN, LIKE, AND / OR / NOT and parentheses, NULL/TRUE/FALSE, unquoted date and
datetime literals, date keywords (TODAY, LAST_N_DAYS:n …), ORDER BY, LIMIT and OFFSET.
Like the real parser it refuses to mix AND and OR without parentheses, and rejects quoted
values for datetime, date and boolean fields.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sandbox.salesforce import schema
from sandbox.salesforce.errors import ApiError
from sandbox.salesforce.values import normalise_id, parse_date, parse_datetime

_TOKEN_RE = re.compile(r"""
    (?P<ws>\s+)
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))
  | (?P<date>\d{4}-\d{2}-\d{2})
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<string>'(?:[^'\\]|\\.)*')
  | (?P<op>!=|<>|<=|>=|=|<|>)
  | (?P<punct>[(),:])
  | (?P<ident>[A-Za-z_][A-Za-z0-9_.]*)
""", re.VERBOSE)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", '"': '"', "'": "'",
            "\\": "\\", "_": "\\_", "%": "\\%"}
_DATE_KEYWORDS = {"TODAY", "YESTERDAY", "TOMORROW", "LAST_N_DAYS", "NEXT_N_DAYS", "N_DAYS_AGO",
                  "LAST_WEEK", "THIS_WEEK", "LAST_MONTH", "THIS_MONTH"}
_NO_SUCH_COLUMN = ("No such column '{name}' on entity '{entity}'. If you are attempting to use a "
                   "custom field, be sure to append the '__c' after the custom field name. "
                   "Please reference your WSDL or the describe call for the appropriate names.")


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    pos: int

    @property
    def upper(self) -> str:
        return self.text.upper()


@dataclass(frozen=True)
class FieldPath:
    """`Owner.Name` on Account → hops [(OwnerId field, User)], leaf = User.Name."""
    text: str
    hops: tuple[tuple[schema.FieldDef, schema.SObjectDef], ...]
    leaf: schema.FieldDef

    @property
    def names(self) -> list[str]:
        return [f.relationship_name or f.name for f, _ in self.hops] + [self.leaf.name]


@dataclass(frozen=True)
class Literal:
    kind: str  # string number date datetime null boolean range
    value: Any
    token: Token


@dataclass(frozen=True)
class Compare:
    path: FieldPath
    op: str  # = != < > <= >= IN NOTIN LIKE
    value: Literal | list[Literal]


@dataclass(frozen=True)
class BoolOp:
    op: str  # AND OR NOT
    parts: tuple[Any, ...]


@dataclass(frozen=True)
class Query:
    sobject: schema.SObjectDef
    fields: list[FieldPath]
    count_only: bool
    where: Any
    order: list[tuple[FieldPath, bool, bool]]  # path, descending, nulls_first
    limit: int | None
    offset: int


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = self._tokenize(text)
        self.i = 0
        self.sobject: schema.SObjectDef | None = None

    # ----- errors ------------------------------------------------------------------------
    def error(self, code: str, message: str, token: Token | None) -> ApiError:
        pos = token.pos if token else len(self.text)
        first_line = self.text.splitlines()[0] if self.text.strip() else self.text
        shown = first_line if len(first_line) <= 100 else first_line[:100]
        caret = " " * min(pos, len(shown)) + "^"
        return ApiError(400, code, f"\n{shown}\n{caret}\nERROR at Row:1:Column:{pos + 1}\n"
                                   f"{message}")

    def malformed(self, token: Token | None) -> ApiError:
        what = f"'{token.text}'" if token else "<EOF>"
        return self.error("MALFORMED_QUERY", f"unexpected token: {what}", token)

    def _tokenize(self, text: str) -> list[Token]:
        tokens, pos = [], 0
        while pos < len(text):
            m = _TOKEN_RE.match(text, pos)
            if not m:
                bad = Token("bad", text[pos], pos)
                raise self.error("MALFORMED_QUERY", f"unexpected token: '{bad.text}'", bad) \
                    if text[pos] != "'" else self.error(
                        "MALFORMED_QUERY", "line 1:" + str(pos) + " mismatched character "
                        "'<EOF>' expecting '''", bad)
            if m.lastgroup != "ws":
                tokens.append(Token(m.lastgroup or "", m.group(), pos))
            pos = m.end()
        return tokens

    # ----- token helpers -----------------------------------------------------------------
    def peek(self, offset: int = 0) -> Token | None:
        j = self.i + offset
        return self.tokens[j] if j < len(self.tokens) else None

    def next(self) -> Token:
        tok = self.peek()
        if tok is None:
            raise self.malformed(None)
        self.i += 1
        return tok

    def keyword(self, *words: str) -> bool:
        tok = self.peek()
        if tok is not None and tok.kind == "ident" and tok.upper in words:
            self.i += 1
            return True
        return False

    def expect_keyword(self, word: str) -> Token:
        tok = self.peek()
        if tok is None or tok.kind != "ident" or tok.upper != word:
            raise self.malformed(tok)
        self.i += 1
        return tok

    def expect(self, text: str) -> Token:
        tok = self.peek()
        if tok is None or tok.text != text:
            raise self.malformed(tok)
        self.i += 1
        return tok

    # ----- grammar -----------------------------------------------------------------------
    def parse(self) -> Query:
        self.expect_keyword("SELECT")
        count_only = False
        raw_fields: list[Token] = []
        tok = self.peek()
        if tok and tok.kind == "ident" and tok.upper == "COUNT" and \
                (self.peek(1) and self.peek(1).text == "("):  # type: ignore[union-attr]
            self.i += 2
            if self.peek() and self.peek().kind == "ident":  # type: ignore[union-attr]
                self.next()
            self.expect(")")
            count_only = True
        else:
            while True:
                field_tok = self.next()
                if field_tok.kind != "ident" or field_tok.upper in ("FROM", "SELECT"):
                    raise self.malformed(field_tok)
                raw_fields.append(field_tok)
                if not (self.peek() and self.peek().text == ","):  # type: ignore[union-attr]
                    break
                self.i += 1
        self.expect_keyword("FROM")
        obj_tok = self.next()
        if obj_tok.kind != "ident":
            raise self.malformed(obj_tok)
        o = schema.sobject(obj_tok.text)
        if o is None:
            raise self.error(
                "INVALID_TYPE",
                f"sObject type '{obj_tok.text}' is not supported. If you are attempting to use a "
                "custom object, be sure to append the '__c' after the entity name. Please "
                "reference your WSDL or the describe call for the appropriate names.", obj_tok)
        self.sobject = o
        fields = [self.resolve(t) for t in raw_fields]
        where = None
        if self.keyword("WHERE"):
            where = self.condition()
        order: list[tuple[FieldPath, bool, bool]] = []
        if self.keyword("ORDER"):
            self.expect_keyword("BY")
            while True:
                path = self.resolve(self.next())
                desc = False
                if self.keyword("DESC"):
                    desc = True
                else:
                    self.keyword("ASC")
                nulls_first = not desc
                if self.keyword("NULLS"):
                    nulls_first = self.next().upper == "FIRST"
                order.append((path, desc, nulls_first))
                if not (self.peek() and self.peek().text == ","):  # type: ignore[union-attr]
                    break
                self.i += 1
        limit, offset = None, 0
        if self.keyword("LIMIT"):
            limit = self.integer()
        if self.keyword("OFFSET"):
            offset = self.integer()
        if self.peek() is not None:
            raise self.malformed(self.peek())
        return Query(o, fields, count_only, where, order, limit, offset)

    def integer(self) -> int:
        tok = self.next()
        if tok.kind != "number" or not tok.text.isdigit():
            raise self.malformed(tok)
        return int(tok.text)

    def resolve(self, tok: Token) -> FieldPath:
        assert self.sobject is not None
        if tok.kind != "ident":
            raise self.malformed(tok)
        parts = tok.text.split(".")
        current = self.sobject
        if len(parts) > 1 and parts[0].lower() == current.name.lower():
            parts = parts[1:]  # `Account.Name` written against Account itself
        hops: list[tuple[schema.FieldDef, schema.SObjectDef]] = []
        for rel in parts[:-1]:
            ref = current.relationships.get(rel.lower())
            target = schema.sobject(ref.reference_to[0]) if ref else None
            if ref is None or target is None:
                raise self.error(
                    "INVALID_FIELD",
                    f"Didn't understand relationship '{rel}' in field path. If you are "
                    "attempting to use a custom relationship, be sure to append the '__r' after "
                    "the custom relationship name. Please reference your WSDL or the describe "
                    "call for the appropriate names.", tok)
            hops.append((ref, target))
            current = target
        leaf = current.field(parts[-1])
        if leaf is None:
            raise self.error("INVALID_FIELD",
                             _NO_SUCH_COLUMN.format(name=tok.text, entity=current.name), tok)
        return FieldPath(tok.text, tuple(hops), leaf)

    def condition(self) -> Any:
        parts = [self.unary()]
        joiner: str | None = None
        while True:
            tok = self.peek()
            if tok is None or tok.kind != "ident" or tok.upper not in ("AND", "OR"):
                break
            if joiner is not None and tok.upper != joiner:
                raise self.malformed(tok)
            joiner = tok.upper
            self.i += 1
            parts.append(self.unary())
        return parts[0] if joiner is None else BoolOp(joiner, tuple(parts))

    def unary(self) -> Any:
        if self.keyword("NOT"):
            return BoolOp("NOT", (self.unary(),))
        tok = self.peek()
        if tok is not None and tok.text == "(":
            self.i += 1
            inner = self.condition()
            self.expect(")")
            return inner
        return self.comparison()

    def comparison(self) -> Compare:
        path = self.resolve(self.next())
        tok = self.next()
        if tok.kind == "op":
            op = {"<>": "!="}.get(tok.text, tok.text)
            return Compare(path, op, self.literal(path))
        if tok.kind == "ident" and tok.upper == "LIKE":
            value = self.literal(path)
            if value.kind != "string":
                raise self.malformed(value.token)
            return Compare(path, "LIKE", value)
        negate = False
        if tok.kind == "ident" and tok.upper == "NOT":
            negate = True
            tok = self.next()
        if tok.kind == "ident" and tok.upper == "IN":
            self.expect("(")
            values = [self.literal(path)]
            while self.peek() is not None and self.peek().text == ",":  # type: ignore[union-attr]
                self.i += 1
                values.append(self.literal(path))
            self.expect(")")
            return Compare(path, "NOTIN" if negate else "IN", values)
        raise self.malformed(tok)

    def literal(self, path: FieldPath) -> Literal:
        tok = self.next()
        ftype = path.leaf.type
        if tok.kind == "string":
            if ftype in ("datetime", "date", "boolean", "int", "double", "currency", "percent"):
                raise self.error(
                    "INVALID_FIELD",
                    f"value of filter criterion for field '{path.leaf.name}' must be of type "
                    f"{_type_word(ftype)} and should not be enclosed in quotes", tok)
            return Literal("string", _unescape(tok.text[1:-1]), tok)
        if ftype in ("string", "textarea", "phone", "url", "email", "picklist", "id",
                     "reference") and not (tok.kind == "ident" and tok.upper == "NULL"):
            raise self.error(
                "INVALID_FIELD",
                f"value of filter criterion for field '{path.leaf.name}' must be of type "
                f"{_type_word(ftype)} and should be enclosed in quotes", tok)
        if tok.kind == "number":
            return Literal("number", float(tok.text), tok)
        if tok.kind == "datetime":
            return Literal("datetime", parse_datetime(tok.text), tok)
        if tok.kind == "date":
            parsed = parse_date(tok.text)
            if parsed is None:
                raise self.malformed(tok)
            if ftype == "datetime":
                raise self.error(
                    "INVALID_FIELD",
                    f"value of filter criterion for field '{path.leaf.name}' must be of type "
                    "dateTime and should not be enclosed in quotes", tok)
            return Literal("date", parsed, tok)
        if tok.kind == "ident":
            word = tok.upper
            if word == "NULL":
                return Literal("null", None, tok)
            if word in ("TRUE", "FALSE"):
                return Literal("boolean", word == "TRUE", tok)
            if word in _DATE_KEYWORDS:
                n = 0
                if self.peek() is not None and self.peek().text == ":":  # type: ignore[union-attr]
                    self.i += 1
                    n = self.integer()
                return Literal("range", _date_range(word, n), tok)
        raise self.malformed(tok)


def _type_word(ftype: str) -> str:
    return {"datetime": "dateTime", "int": "number", "double": "number", "currency": "number",
            "percent": "number"}.get(ftype, "string" if ftype != "boolean" else "boolean")


def _unescape(body: str) -> str:
    out, i = [], 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            out.append(_ESCAPES.get(body[i + 1], body[i + 1]))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _date_range(word: str, n: int) -> tuple[datetime, datetime]:
    today = datetime.now(UTC).date()

    def day(d: date) -> datetime:
        return datetime.combine(d, time(), tzinfo=UTC)

    if word == "TODAY":
        return day(today), day(today + timedelta(days=1))
    if word == "YESTERDAY":
        return day(today - timedelta(days=1)), day(today)
    if word == "TOMORROW":
        return day(today + timedelta(days=1)), day(today + timedelta(days=2))
    if word == "LAST_N_DAYS":
        return day(today - timedelta(days=n)), day(today + timedelta(days=1))
    if word == "NEXT_N_DAYS":
        return day(today + timedelta(days=1)), day(today + timedelta(days=n + 1))
    if word == "N_DAYS_AGO":
        return day(today - timedelta(days=n)), day(today - timedelta(days=n - 1))
    if word in ("THIS_WEEK", "LAST_WEEK"):
        start = today - timedelta(days=(today.weekday() + 1) % 7)
        if word == "LAST_WEEK":
            start -= timedelta(days=7)
        return day(start), day(start + timedelta(days=7))
    first = today.replace(day=1)
    if word == "LAST_MONTH":
        prev = (first - timedelta(days=1)).replace(day=1)
        return day(prev), day(first)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return day(first), day(nxt)


def parse(text: str) -> Query:
    if not text or not text.strip():
        raise ApiError(400, "MALFORMED_QUERY", "SOQL statements cannot be empty or null")
    return _Parser(text).parse()


# ----- evaluation ------------------------------------------------------------------------
RecordLookup = Callable[[str, str], dict[str, Any] | None]


def getter(path: FieldPath, lookup: RecordLookup) -> Callable[[dict[str, Any]], Any]:
    """`value_of(record, path, lookup)` as a function of the record; a field of the record
    itself is a plain dict lookup (bulk queries read every row of the object)."""
    if not path.hops:
        name = path.leaf.name
        return lambda record: record.get(name)
    return lambda record: value_of(record, path, lookup)


def value_of(record: dict[str, Any] | None, path: FieldPath, lookup: RecordLookup) -> Any:
    for ref, target in path.hops:
        if record is None:
            return None
        parent_id = record.get(ref.name)
        record = lookup(target.name, parent_id) if parent_id else None
    return None if record is None else record.get(path.leaf.name)


def _comparable(ftype: str, value: Any) -> Any:
    if value is None:
        return None
    if ftype == "datetime":
        return parse_datetime(value) if isinstance(value, str) else value
    if ftype == "date":
        return parse_date(value) if isinstance(value, str) else value
    if isinstance(value, str):
        return value.lower()
    return value


def _literal_value(ftype: str, lit: Literal) -> Any:
    if lit.kind == "date" and ftype == "datetime":
        return datetime.combine(lit.value, time(), tzinfo=UTC)
    if lit.kind == "datetime" and ftype == "date":
        return lit.value.date()
    if lit.kind == "string":
        text = lit.value
        if ftype in ("id", "reference") and len(text) == 15:
            text = normalise_id(text)
        return text.lower()
    return lit.value


def _like(pattern: str) -> re.Pattern[str]:
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
        i += 1
    return re.compile("^" + "".join(out) + "$", re.IGNORECASE | re.DOTALL)


def _compare(op: str, left: Any, lit: Literal, ftype: str) -> bool:
    if lit.kind == "null":
        return (left is None) if op == "=" else (left is not None) if op == "!=" else False
    if lit.kind == "range":
        if left is None:
            return False
        start, end = lit.value
        if ftype == "date":
            start, end = start.date(), end.date()
        return {"=": start <= left < end, "!=": not start <= left < end, "<": left < start,
                "<=": left < end, ">": left >= end, ">=": left >= start}[op]
    right = _literal_value(ftype, lit)
    if op == "!=":
        return left is None or left != right
    if left is None:
        return False
    try:
        # only the asked comparison: for the values stored (str, number, bool, date,
        # datetime) `==` never holds where ordering raises, so one test is enough
        return _OPERATORS[op](left, right)
    except TypeError:
        return False


_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq, "<": operator.lt, ">": operator.gt, "<=": operator.le, ">=": operator.ge}


_SET_KINDS = frozenset({"string", "number", "boolean"})


def _in_set(node: Compare, ftype: str) -> frozenset[Any] | None:
    """An IN list as a set of comparable values, built once per query (None: compare one by
    one, for NULL, date and range literals). Concord sends IN lists of thousands of ids."""
    lits = node.value if isinstance(node.value, list) else [node.value]
    if all(lit.kind in _SET_KINDS for lit in lits) and ftype not in ("date", "datetime"):
        return frozenset(_comparable(ftype, _literal_value(ftype, lit)) for lit in lits)
    return None


Predicate = Callable[[dict[str, Any]], bool]


def predicate(node: Any, lookup: RecordLookup) -> Predicate:
    """Whether a record passes the WHERE tree `node`, as one function of the record with
    everything that does not depend on the record (literals, LIKE patterns, IN sets,
    which comparison) worked out once: a bulk query tests every row of the object. An
    invalid literal fails per record, as the record-by-record evaluation it replaced
    did (tests/sandbox/test_salesforce_storage.py holds that one as the reference)."""
    if node is None:
        return lambda record: True
    if isinstance(node, BoolOp):
        parts = [predicate(p, lookup) for p in node.parts]
        if node.op == "NOT":
            inner = parts[0]
            return lambda record: not inner(record)
        if node.op == "AND":
            return lambda record: all(p(record) for p in parts)
        return lambda record: any(p(record) for p in parts)
    op, lit, ftype = node.op, node.value, node.path.leaf.type
    value = getter(node.path, lookup)

    def left_of(record: dict[str, Any]) -> Any:
        return _comparable(ftype, value(record))

    if op == "LIKE":
        pattern = _like(lit.value)
        return lambda record: (left := left_of(record)) is not None and bool(
            pattern.match(str(left)))
    if op in ("IN", "NOTIN"):
        members = _in_set(node, ftype)
        want = op == "IN"
        if members is not None:
            return lambda record: ((left := left_of(record)) is not None
                                   and left in members) == want

        def any_equal(record: dict[str, Any]) -> bool:
            left = left_of(record)
            return any(_compare("=", left, one, ftype) for one in lit) == want
        return any_equal

    def generic(record: dict[str, Any]) -> bool:
        return _compare(op, left_of(record), lit, ftype)

    if lit.kind in ("null", "range"):
        return generic
    try:
        right = _literal_value(ftype, lit)
    except (AttributeError, TypeError, ValueError):
        return generic  # an invalid literal fails per record
    if op == "!=":
        return lambda record: (left := left_of(record)) is None or left != right
    test = _OPERATORS[op]

    def compare(record: dict[str, Any]) -> bool:
        left = left_of(record)
        if left is None:
            return False
        try:
            return test(left, right)
        except TypeError:
            return False
    return compare


def _sort_key(path: FieldPath, desc: bool, nulls_first: bool, lookup: RecordLookup
              ) -> Callable[[dict[str, Any]], tuple[int, Any]]:
    """ORDER BY one field: NULLS FIRST/LAST hold whichever way the sort runs."""
    value, ftype = getter(path, lookup), path.leaf.type
    null_rank = 0 if nulls_first else 1
    if desc:
        null_rank = 1 - null_rank

    def key(r: dict[str, Any]) -> tuple[int, Any]:
        v = _comparable(ftype, value(r))
        return (null_rank, 0) if v is None else (1 - null_rank, v)
    return key


def run(query: Query, rows: list[dict[str, Any]], lookup: RecordLookup) -> list[dict[str, Any]]:
    """Filter, sort and cut `rows`; returns the matching stored records."""
    where = query.where
    keep = predicate(where, lookup)
    hits = list(rows) if where is None else [r for r in rows if keep(r)]
    for path, desc, nulls_first in reversed(query.order):
        hits.sort(key=_sort_key(path, desc, nulls_first, lookup), reverse=desc)
    hits = hits[query.offset:]
    if query.limit is not None:
        hits = hits[:query.limit]
    return hits


def render(query: Query, record: dict[str, Any], version: str,
           lookup: RecordLookup) -> dict[str, Any]:
    """One query result row: `attributes` + the selected fields in SELECT order."""
    out: dict[str, Any] = {"attributes": _attributes(query.sobject.name, record["Id"], version)}
    for path in query.fields:
        if not path.hops:
            out[path.leaf.name] = record.get(path.leaf.name)
            continue
        node: dict[str, Any] | None = out
        current: dict[str, Any] | None = record
        for ref, target in path.hops:
            parent = lookup(target.name, current.get(ref.name)) if current and \
                current.get(ref.name) else None
            key = ref.relationship_name or ref.name
            if node is None:
                break
            if parent is None:
                node.setdefault(key, None)
                node = None
                current = None
                break
            existing = node.get(key)
            if not isinstance(existing, dict):
                existing = {"attributes": _attributes(target.name, parent["Id"], version)}
                node[key] = existing
            node, current = existing, parent
        if node is not None and current is not None:
            node[path.leaf.name] = current.get(path.leaf.name)
    return out


def _attributes(sobject: str, record_id: str, version: str) -> dict[str, str]:
    return {"type": sobject, "url": f"/services/data/v{version}/sobjects/{sobject}/{record_id}"}
