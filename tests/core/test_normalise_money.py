"""Amounts typed the German, English, Swiss or French way all become the same Decimal;
shapes that could mean two amounts are quarantined, not guessed."""

from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from concord.errors import ValidationError
from concord.normalise.money import minor_units, parse_money, round_money, split_amount_currency


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1.234,56", "1234.56"),
        ("1234.56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1234", "1234"),
        ("1 234,56", "1234.56"),
        ("1\u00a0234,56", "1234.56"),  # NBSP, as spreadsheets export it
        ("1\u202f234,56", "1234.56"),  # narrow NBSP, French locale
        ("1'234.56", "1234.56"),  # Swiss
        ("1’234.56", "1234.56"),
        ("-12,5", "-12.5"),
        (" 12.50 ", "12.50"),
        ("€ 12,50", "12.50"),
        ("12,50 EUR", "12.50"),
        ("12,50€", "12.50"),
        ("EUR 1.234.567,89", "1234567.89"),
        ("1,234,567.89 USD", "1234567.89"),
        ("1.234.567", "1234567"),  # a repeated separator can only group
        ("1,234,567", "1234567"),
        ("0.123", "0.123"),  # a leading 0 is never a thousands group
        ("0,5", "0.5"),
        (".5", "0.5"),
        ("1234,567", "1234.567"),  # four digits before: not a thousands group
        ("1 234,567", "1234.567"),  # the space groups, so the comma is decimal
        ("12,5", "12.5"),
        ("+5", "5"),
        ("-€ 5", "-5"),
        ("€ -5", "-5"),
        ("−5,00", "-5.00"),  # U+2212 minus
        ("12,50-", "-12.50"),  # SAP-style trailing minus
        ("(12.50)", "-12.50"),  # accounting negative
        ("US$ 1,000.00", "1000.00"),
        ("SFr. 12.50", "12.50"),
        ("¥ 1200", "1200"),  # the amount reads fine; the currency is a separate question
        ("0", "0"),
    ],
)
def test_messy_amounts_parse(text: str, amount: str) -> None:
    result = parse_money(text)
    assert isinstance(result, Decimal)
    assert result == Decimal(amount)


def test_scale_is_kept_so_cents_are_visible() -> None:
    assert str(parse_money("12,50")) == "12.50"


@pytest.mark.parametrize(
    ("text", "amount", "token"),
    [
        ("€ 12,50", "12.50", "€"),
        ("12,50 EUR", "12.50", "EUR"),
        ("US$ 3.00", "3.00", "US$"),
        ("SFr. 4.50", "4.50", "SFr."),
        ("12.50", "12.50", None),
        ("-7,00 $", "-7.00", "$"),
    ],
)
def test_split_returns_the_currency_token_as_written(
    text: str, amount: str, token: str | None
) -> None:
    assert split_amount_currency(text) == (Decimal(amount), token)


@pytest.mark.parametrize("text", ["1,234", "1.234", "-1.234", "€ 12.500", "999,999"])
def test_thousands_or_decimals_shape_is_refused_without_a_hint(text: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_money(text)
    assert err.value.rule == "money.ambiguous_separator"
    assert err.value.value == text


@pytest.mark.parametrize(
    ("text", "hint", "amount"),
    [
        ("1.234", ",", "1234"),
        ("1.234", ".", "1.234"),
        ("1,234", ",", "1.234"),
        ("1,234", ".", "1234"),
        ("1.234,56", ".", "1234.56"),  # the text shows its own convention: hint not needed
    ],
)
def test_decimal_hint_resolves_the_ambiguous_shape(text: str, hint: str, amount: str) -> None:
    assert parse_money(text, decimal_hint=hint) == Decimal(amount)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("", "money.empty"),
        ("   ", "money.empty"),
        ("abc", "money.syntax"),
        ("12abc", "money.syntax"),
        ("NaN", "money.syntax"),
        ("1e5", "money.syntax"),
        ("--5", "money.syntax"),
        ("-5-", "money.syntax"),
        ("€", "money.syntax"),
        ("€ 5 EUR", "money.syntax"),
        ("(5", "money.syntax"),
        ("12.", "money.syntax"),
        ("12 50", "money.grouping"),
        ("1.23.45", "money.grouping"),
        ("1,23,456", "money.grouping"),
        ("1.234,567.8", "money.grouping"),
    ],
)
def test_garbage_is_refused_with_its_rule(text: str, rule: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_money(text)
    assert err.value.rule == rule


def test_a_sync_table_can_teach_a_currency_word() -> None:
    assert split_amount_currency("12 Taler", table={"Taler": "EUR"}) == (Decimal(12), "Taler")
    with pytest.raises(ValidationError):
        parse_money("12 Taler")


def test_float_is_refused_because_the_cents_are_already_lost() -> None:
    with pytest.raises(TypeError):
        parse_money(0.1 + 0.2)  # type: ignore[arg-type]


def test_ints_and_decimals_pass_through() -> None:
    assert parse_money(12) == Decimal(12)
    assert parse_money(Decimal("3.10")) == Decimal("3.10")


@pytest.mark.parametrize(
    ("currency", "digits"), [("EUR", 2), ("USD", 2), ("JPY", 0), ("KRW", 0), ("BHD", 3),
                             ("KWD", 3), ("CHF", 2), ("CLF", 4)]
)
def test_minor_units_follow_iso_4217(currency: str, digits: int) -> None:
    assert minor_units(currency) == digits


@pytest.mark.parametrize(
    ("amount", "currency", "rounded"),
    [
        ("2.345", "EUR", "2.35"),
        ("2.344", "EUR", "2.34"),
        ("-2.345", "EUR", "-2.35"),  # half-up rounds away from zero
        ("1234.5", "JPY", "1235"),
        ("1.2345", "KWD", "1.235"),
        ("10", "EUR", "10.00"),
    ],
)
def test_round_money_uses_the_currencys_minor_unit(
    amount: str, currency: str, rounded: str
) -> None:
    result = round_money(Decimal(amount), currency)
    assert result == Decimal(rounded)
    assert str(result) == rounded


def test_rounding_mode_is_explicit() -> None:
    assert round_money(Decimal("2.345"), "EUR", ROUND_HALF_EVEN) == Decimal("2.34")


def test_round_money_refuses_an_unknown_currency() -> None:
    with pytest.raises(ValidationError) as err:
        round_money(Decimal(1), "XXY")
    assert err.value.rule == "currency.unknown"


# Every way a two-decimal amount is written must read back as that amount.
def _group(digits: str, sep: str) -> str:
    head = len(digits) % 3 or 3
    return sep.join([digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)])


STYLES = {
    "plain dot": lambda i, f: f"{i}.{f}",
    "plain comma": lambda i, f: f"{i},{f}",
    "english": lambda i, f: f"{_group(i, ',')}.{f}",
    "german": lambda i, f: f"{_group(i, '.')},{f}",
    "french": lambda i, f: f"{_group(i, ' ')},{f}",
    "swiss": lambda i, f: f"{_group(i, chr(39))}.{f}",
    "euro sign": lambda i, f: f"€ {_group(i, '.')},{f}",
    "iso code": lambda i, f: f"{_group(i, ',')}.{f} EUR",
}


@settings(max_examples=150)
@given(
    amount=st.decimals(
        min_value=Decimal("-99999999.99"), max_value=Decimal("99999999.99"), places=2,
        allow_nan=False, allow_infinity=False,
    ),
    style=st.sampled_from(sorted(STYLES)),
)
def test_round_trip_of_two_place_amounts_in_every_style(amount: Decimal, style: str) -> None:
    integer, _, fraction = f"{abs(amount):.2f}".partition(".")
    text = ("-" if amount < 0 else "") + STYLES[style](integer, fraction)
    parsed = parse_money(text)
    assert isinstance(parsed, Decimal)
    assert parsed == amount, text


@settings(max_examples=100)
@given(
    amount=st.decimals(min_value=0, max_value=Decimal("999999.999"), places=3),
    hint=st.sampled_from([",", "."]),
)
def test_three_place_amounts_round_trip_given_the_sources_convention(
    amount: Decimal, hint: str
) -> None:
    integer, _, fraction = f"{amount:.3f}".partition(".")
    group = "." if hint == "," else ","
    text = f"{_group(integer, group)}{hint}{fraction}"
    assert parse_money(text, decimal_hint=hint) == amount, text
