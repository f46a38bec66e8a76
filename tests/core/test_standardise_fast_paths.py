"""The standardise step's shortcuts give exactly what the plain way gives.

E-mail: plain ASCII addresses skip email-validator; for any text, valid or not,
normalise_email must return (or refuse with) what email-validator alone makes of it.
Phone: libphonenumber's readings are cached per string; the answer must be the uncached
one, on the first call and on every later one. Records: the per-spec field plan must
standardise a record as walking the spec's fields does.
"""

from __future__ import annotations

import re
import string
from datetime import UTC, datetime
from typing import Any

import phonenumbers
import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import example, given, settings
from hypothesis import strategies as st

from concord.errors import ValidationError
from concord.model import Rejection, SourceRecord, StandardRecord
from concord.normalise.email import _plain_ascii, normalise_email
from concord.normalise.phone import _read, normalise_phone
from concord.spec import load_sync_spec
from concord.spec.model import ObjectSpec
from concord.standardise.records import standardise_record, standardise_records
from concord.standardise.transforms import TRANSFORMS
from integration_dags.local import PROJECT_ROOT

SPEC = load_sync_spec(PROJECT_ROOT / "mappings" / "crm_accounts.yaml")
T = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
PROPERTY = settings(max_examples=1500)
FEWER = settings(PROPERTY, max_examples=300)  # each example standardises several records


def _outcome(fn: Any, *args: Any, **kw: Any) -> tuple[Any, ...]:
    """A result or a refusal, comparable: ('ok', value) or ('refused', rule, message, value)."""
    try:
        return ("ok", fn(*args, **kw))
    except ValidationError as exc:
        return ("refused", exc.rule, str(exc), exc.value)


# --- e-mail -------------------------------------------------------------------------------


def _email_by_validator(text: str) -> str:
    """normalise_email as it was before the fast path: every address through the validator."""
    s = str(text).strip()
    if s[:7].lower() == "mailto:":
        s = s[7:].strip()
    if not s:
        raise ValidationError("e-mail is empty", rule="email.syntax", value=text)
    try:
        checked = validate_email(
            s, check_deliverability=False, allow_smtputf8=False, allow_quoted_local=False,
            allow_domain_literal=False, allow_display_name=False, test_environment=True,
        )
    except EmailNotValidError as exc:
        raise ValidationError(
            f"{text!r} is not an e-mail address: {exc}", rule="email.syntax", value=text
        ) from None
    return f"{checked.local_part.lower()}@{checked.ascii_domain.lower()}"


_ATEXT = string.ascii_letters + string.digits + "_!#$%&'*+-/=?^`{|}~"
# Characters that may trip a shortcut: dots, quotes, specials, non-ASCII letters (the
# Kelvin sign lower-cases to ASCII 'k', dotted capital I to two code points), a combining
# accent, full-width forms, controls and spaces.
_ODD = [".", ".", '"', " ", "@", "<", ">", "\\", "(", ")", ",", ":", ";", "[", "]", "ä", "ß",
        "İ", "\u212a", "é", "\u0301", "１", "＠", "\x00", "\t", "\u00a0", "\u200b"]
_local = st.one_of(
    st.text(st.sampled_from([*_ATEXT, *_ODD]), min_size=0, max_size=16),
    st.text(st.sampled_from([*_ATEXT, "."]), min_size=1, max_size=24),
    st.builds(lambda s: f'"{s}"', st.text(max_size=8)),  # quoted local parts
    st.integers(1, 250).map(lambda n: "a" * n),
)
_label = st.one_of(
    st.text(st.sampled_from([*string.ascii_letters, *string.digits, "-", "-"]),
            min_size=0, max_size=12),
    st.text(st.sampled_from([*string.ascii_lowercase, "-", "_", "ü", "ß", "\u212a", "İ", "。",
                             "．", "ﬁ", " "]),
            min_size=1, max_size=8),
    st.sampled_from(["test", "localhost", "local", "invalid", "onion", "arpa", "home", "example",
                     "internal", "alt", "de", "com", "CO", "uk", "xn--mller-bau-q9a", "xn--",
                     "xn--zz", "ab--cd", "a--b", "123", "1a", "a1", "-a", "a-", "müller-bau"]),
    st.integers(60, 66).map(lambda n: "a" * n),
)
_domain = st.one_of(
    st.lists(_label, min_size=1, max_size=5).map(".".join),
    st.sampled_from(["[192.168.0.1]", "[IPv6:::1]", "", "."]),
)
_address = st.one_of(
    st.builds(lambda loc, dom: f"{loc}@{dom}", _local, _domain),
    st.builds(lambda loc, dom, pre, post: f"{pre}{loc}@{dom}{post}", _local, _domain,
              st.sampled_from(["", " ", "mailto:", "MAILTO: ", "\t", "<", "Max <"]),
              st.sampled_from(["", " ", "\n", ">", "@", "@x.de", "."])),
    st.builds(lambda loc, dom: f"{loc}@@{dom}", _local, _domain),
    st.text(max_size=30),
)


def _cased(text: str, how: int) -> str:
    return (text, text.upper(), text.lower(), text.swapcase())[how]


@PROPERTY
@given(_address, st.integers(0, 3))
@example("max.mustermann@firma.de", 1)
@example("a@b.test", 0)
@example("a@test", 0)  # the bare '.test' TLD: the validator accepts it, the fast path declines
@example("a@x.localhost", 0)
@example("a@x.local", 0)
@example("a@x.invalid", 0)
@example("a@ab--cd.de", 0)
@example("a@xn--mller-bau-q9a.de", 0)
@example("a@x.123", 0)
@example("a..b@x.de", 0)
@example(".a@x.de", 0)
@example("a.@x.de", 0)
@example("a@x..de", 0)
@example("a@.x.de", 0)
@example("a@x.de.", 0)
@example("a@-x.de", 0)
@example("a@x-.de", 0)
@example("info@\u212aiel.de", 0)
@example(f"a@{'b' * 63}.de", 0)
@example(f"a@{'b' * 64}.de", 0)
@example(f"{'a' * 243}@firma.de", 0)  # 252 characters
@example(f"{'a' * 245}@firma.de", 0)  # 254: the limit
@example(f"{'a' * 246}@firma.de", 0)  # 255
@example(f"a@{'.'.join(['b' * 60] * 4)}.de", 0)
def test_email_fast_path_agrees_with_email_validator(text: str, how: int) -> None:
    text = _cased(text, how)
    assert _outcome(normalise_email, text) == _outcome(_email_by_validator, text)


@PROPERTY
@given(
    st.text(st.sampled_from([*_ATEXT, "."]), min_size=1, max_size=40),
    st.lists(st.text(st.sampled_from(list(string.ascii_letters + string.digits + "-")),
                     min_size=1, max_size=66), min_size=1, max_size=4),
)
def test_whatever_the_fast_path_accepts_the_validator_accepts_alike(local: str, labels: list[str]
                                                                      ) -> None:
    """Mostly well-formed ASCII addresses, so the fast path answers often."""
    s = f"{local}@{'.'.join(labels)}"
    fast = _plain_ascii(s)
    if fast is not None:
        assert fast == _email_by_validator(s)
    assert _outcome(normalise_email, s) == _outcome(_email_by_validator, s)


@pytest.mark.parametrize(
    ("text", "fast"),
    [
        ("Max.Mustermann@Firma.DE", "max.mustermann@firma.de"),
        ("a.b+tag@sub.firma.co.uk", "a.b+tag@sub.firma.co.uk"),
        ("anna@firma.test", "anna@firma.test"),
        ("o'brien@x-y.ie", "o'brien@x-y.ie"),
        ("a@test", None),
        ("info@müller-bau.de", None),
        ("info@xn--mller-bau-q9a.de", None),
        ("a@x.local", None),
        ("a@x.localhost", None),
        ("a@x.invalid", None),
        ("a@x.onion", None),
        ("a@x.arpa", None),
        ("a@x.123", None),
        ('"a"@x.de', None),
        (f"{'a' * 246}@firma.de", None),
    ],
)
def test_the_fast_path_takes_plain_addresses_and_leaves_the_rest(text: str, fast: str | None
                                                                 ) -> None:
    assert _plain_ascii(text) == fast
    assert _outcome(normalise_email, text) == _outcome(_email_by_validator, text)


# --- phone --------------------------------------------------------------------------------

_TRAILING_EXTENSION = re.compile(r"^(?P<head>.*\d)\s*[-\s]\s*(?P<ext>\d{1,5})$")
_DURCHWAHL = re.compile(r"(?i)\s*\b(?:durchwahl|dw)\b\.?\s*")


def _parse_uncached(s: str, region: str | None, raw: str) -> phonenumbers.PhoneNumber:
    try:
        return phonenumbers.parse(s, region)
    except phonenumbers.NumberParseException as exc:
        no_country = exc.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE
        if no_country and region is None and not s.lstrip().startswith("+"):
            raise ValidationError(
                f"{raw!r} has no country code and the record has no country",
                rule="phone.missing_region", value=raw,
            ) from None
        raise ValidationError(
            f"{raw!r} is not a phone number: {exc}", rule="phone.invalid", value=raw
        ) from None


def _phone_uncached(text: str, *, default_region: str | None) -> str:
    """normalise_phone as it was before its readings were cached."""
    s = str(text).strip()
    if not s:
        raise ValidationError("phone number is empty", rule="phone.empty", value=text)
    s = _DURCHWAHL.sub(" ext. ", s)
    if default_region is None and s.startswith("00"):
        s = "+" + s[2:]
    region = default_region.upper() if default_region else None
    number = _parse_uncached(s, region, str(text))
    valid = phonenumbers.is_valid_number(number)
    if not valid and not number.extension:
        m = _TRAILING_EXTENSION.match(s)
        if m:
            head = _parse_uncached(m["head"], region, str(text))
            if phonenumbers.is_valid_number(head):
                head.extension = m["ext"]
                number, valid = head, True
    if not valid:
        raise ValidationError(
            f"{text!r} is not a valid phone number", rule="phone.invalid", value=text
        )
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return f"{e164};ext={number.extension}" if number.extension else e164


_REGIONS = st.sampled_from([None, "DE", "de", "AT", "CH", "NL", "GB", "FR", "US", "IT", "XX", ""])
_phone = st.one_of(
    st.builds(
        lambda prefix, groups, seps, tail: prefix + "".join(
            g + seps[i % len(seps)] for i, g in enumerate(groups)).rstrip() + tail,
        st.sampled_from(["", "+", "00", "0", "+49 ", "+49 (0)", "0049 ", "+1 ", "+44 ", "+41 ",
                         "+43 ", "+31 ", "+33 ", "+39 0", "(0", " "]),
        st.lists(st.text(st.sampled_from(string.digits), min_size=1, max_size=5),
                 min_size=0, max_size=5),
        st.lists(st.sampled_from([" ", "-", "/", ".", " / ", ") ", ""]), min_size=1, max_size=3),
        st.sampled_from(["", "-12", " 105", "-34", " ext. 12", " x12", " Durchwahl 12",
                         " DW 7", ";ext=5", " #3", "abc", " n/a"]),
    ),
    st.sampled_from(["089 / 12 34 56", "+49 (0)89 123456-12", "0049 30 7124318-71", "1234",
                     "030/7124318-71", "(404) 237-6107-156", "0521 877787", "0521 877787-171",
                     "+49 521 877787", "+49 521 877787-171", "", "   ", "+49", "n/a"]),
    st.text(max_size=20),
)


@FEWER
@given(st.lists(st.tuples(_phone, _REGIONS), min_size=1, max_size=6))
@example([("+99 123456789", None), ("99 123456789", None), ("0099 123456789", None),
          ("+49 1", None), ("089 1234567", None), ("089 1234567", "XX")])
@example([("0521 877787-171", "DE"), ("0121 630 6441-34", "GB"), ("0121 630 6441-34", "GB")])
def test_cached_phone_readings_change_no_answer(values: list[tuple[str, str | None]]) -> None:
    # twice over: the second pass is answered from the cache
    for text, region in values + values:
        assert _outcome(normalise_phone, text, default_region=region) == _outcome(
            _phone_uncached, text, default_region=region)


def test_a_cached_head_serves_each_extension_of_a_switchboard() -> None:
    _read.cache_clear()
    texts = ["020 7841 9919", "020 7841 9919 70", "020 7841 9919-180", "020 7841 9919-180", "1234"]
    for text in texts:
        assert _outcome(normalise_phone, text, default_region="GB") == _outcome(
            _phone_uncached, text, default_region="GB")
    assert normalise_phone("020 7841 9919-180", default_region="GB") == "+442078419919;ext=180"
    assert _read.cache_info().hits >= 3  # the head twice, the repeated number once


# --- records ------------------------------------------------------------------------------


def _record_by_walking_fields(record: SourceRecord, spec: ObjectSpec) -> StandardRecord | Rejection:
    """standardise_record as it was before the field plan."""
    if record.deleted:
        return StandardRecord(record.key, record.modified_at, True, {})
    out: dict[str, object] = {}
    warnings: list[str] = []
    for target, fspec in spec.fields.items():
        raw = record.values.get(fspec.source)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if fspec.required:
                return Rejection(record.key, "required.missing", target,
                                 f"{target} is required but {fspec.source} is empty", record.values)
            out[target] = None
            continue
        try:
            out[target] = TRANSFORMS[fspec.transform](raw, record.values, fspec, spec)
        except ValidationError as exc:
            if fspec.on_invalid == "null" and not fspec.required:
                out[target] = None
                warnings.append(f"{target}: {exc.rule}")
                continue
            return Rejection(record.key, exc.rule, target,
                             f"{target} from {fspec.source}={raw!r}: {exc}", record.values)
    return StandardRecord(record.key, record.modified_at, False, out, tuple(warnings))


def _pick(*values: object) -> st.SearchStrategy[object]:
    return st.sampled_from(values)


_company = st.fixed_dictionaries({
    "id": st.integers(1, 10**6),
    "name": _pick("Firma GmbH", "", "  ", None, "x" * 300, "Müller  Bau\tAG"),
    "vat_id": _pick("DE136695976", "de 136.695.976", "DE136695975", None, "ATU13585627"),
    "trade_register_no": _pick(None, "HRB 12345", "Amtsgericht München HRB 12345", "??"),
    "street": _pick("Hauptstr. 1", None, "y" * 300),
    "postal_code": _pick("80331", 80331, None),
    "city": _pick("München", None, ""),
    "country": _pick("Deutschland", "AT", "the Netherlands", "Atlantis", None, " ", "UK"),
    "phone": _pick("089 / 12 34 56", "+49 (0)89 123456-12", "1234", "0049 30 7124318-71", "",
                   "020 7841 9919 70", None),
    "website": _pick(None, "firma.de"),
    "industry": _pick("Banking", "banking ", "Unknown Industry", None),
    "customer_status": _pick("customer", "Prospect", "nonsense", None),
    "sales_rep_user_id": _pick(None, "0055g00000000AAAAA"),
})
_contact = st.fixed_dictionaries({
    "id": st.integers(1, 10**6),
    "company_id": _pick(1, None, "7"),
    "first_name": _pick("Max", None, "z" * 50),
    "last_name": _pick("Mustermann", "", None),
    "email": _pick("Max.Mustermann@Firma.DE", "info@müller-bau.de", "a@x.local", "kaputt", None,
                   "a@test", " mailto:X@Y.de "),
    "phone": _pick("0521 877787-171", "+49 521 877787", "n/a", None),
    "mobile": _pick("0171 2171327", "07700 977641", "", None),
    "title": _pick("CEO", None),
    "company_country": _pick("DE", "Great Britain", None, "Atlantis"),
})


@FEWER
@given(st.lists(st.one_of(st.tuples(st.just("companies"), _company),
                          st.tuples(st.just("contacts"), _contact)), min_size=1, max_size=8),
       st.booleans())
def test_the_field_plan_standardises_as_walking_the_fields(
    rows: list[tuple[str, dict[str, Any]]], deleted: bool
) -> None:
    for i, (obj, row) in enumerate(rows):
        spec = SPEC.objects[obj]
        record = SourceRecord(str(row["id"]), T, deleted and i % 2 == 0, row)
        expected = _record_by_walking_fields(record, spec)
        assert standardise_record(record, spec) == expected
        batch = standardise_records([record], spec)
        assert [*batch.valid, *batch.rejected, *batch.deleted] == [expected]


@pytest.mark.parametrize(
    "fields",
    [
        {"Name": {"from": "name", "required": True},
         "Phone": {"from": "phone", "transform": "phone", "country_field": "country"}},
        # on_invalid: null does not rescue a required field
        {"Phone": {"from": "phone", "transform": "phone", "country_field": "country",
                   "required": True, "on_invalid": "null"}},
        {"Phone": {"from": "phone", "transform": "phone", "country_field": "country",
                   "on_invalid": "null"},
         "Email": {"from": "email", "transform": "email", "on_invalid": "null"}},
        {"Name": {"from": "name", "max_length": 5}},
    ],
)
def test_each_spec_gets_its_own_plan(fields: dict[str, Any]) -> None:
    """A spec built after another is standardised by its own fields, not a cached plan."""
    companies = SPEC.objects["companies"]
    rows = [{"name": "Firma GmbH", "phone": "089 1234567", "country": "DE", "email": "a@b.de"},
            {"name": "Firma", "phone": "1234", "country": "DE", "email": "kaputt"},
            {"name": " ", "phone": None, "country": None, "email": None}]
    records = [SourceRecord(str(i), T, False, row) for i, row in enumerate(rows)]
    before = [standardise_record(r, companies) for r in records]
    data = companies.model_dump(by_alias=True)
    data.update(fields=fields, dedupe=[], match_on=[], ownership={})
    other = ObjectSpec.model_validate(data)
    for record in records:
        assert standardise_record(record, other) == _record_by_walking_fields(record, other)
    assert [standardise_record(r, companies) for r in records] == before
