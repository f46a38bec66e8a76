"""Tax rates and discounts in any of the usual spellings become one Decimal fraction;
ambiguous or impossible rates are quarantined, and a target's known rates can be enforced."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from concord.errors import ValidationError
from concord.normalise.percent import parse_percent


@pytest.mark.parametrize(
    ("text", "fraction"),
    [
        ("19%", "0.19"),
        ("0.19", "0.19"),
        ("19", "0.19"),
        ("19,0", "0.19"),
        ("19.0 %", "0.19"),
        (" 19 ", "0.19"),
        ("7 %", "0.07"),
        ("0,07", "0.07"),
        ("7", "0.07"),
        ("8.1%", "0.081"),  # Swiss standard VAT
        ("8,1 %", "0.081"),
        ("2.5%", "0.025"),
        ("1.9", "0.019"),  # a bare number above 1 is percent points
        ("1%", "0.01"),  # with a sign, 1 is unambiguous
        ("0.5 %", "0.005"),
        ("0.5", "0.5"),  # a bare number below 1 is a fraction (50 %)
        (".5", "0.5"),
        ("0", "0"),
        ("0%", "0"),
        ("0,00", "0"),
        ("100", "1"),
        ("100%", "1"),
        ("-", "0"),  # an accountant's dash: no discount
        ("\u2013", "0"),
    ],
)
def test_spellings_parse_to_a_fraction(text: str, fraction: str) -> None:
    result = parse_percent(text)
    assert isinstance(result, Decimal)
    assert result == Decimal(fraction)


def test_trailing_zeros_are_dropped_from_the_canonical_value() -> None:
    assert str(parse_percent("19,00 %")) == "0.19"


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("1", "percent.ambiguous"),
        ("1.0", "percent.ambiguous"),
        ("1,00", "percent.ambiguous"),
        ("150", "percent.out_of_range"),
        ("150%", "percent.out_of_range"),
        ("-5%", "percent.out_of_range"),
        ("-0.19", "percent.out_of_range"),
        ("", "percent.empty"),
        ("abc", "percent.syntax"),
        ("%", "percent.syntax"),
        ("19%%", "percent.syntax"),
        ("1.234,5", "percent.syntax"),
        ("19 % MwSt", "percent.syntax"),
    ],
)
def test_ambiguous_or_impossible_rates_are_refused(text: str, rule: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_percent(text)
    assert err.value.rule == rule
    assert err.value.value == text


GERMAN_VAT = {Decimal("0"), Decimal("0.07"), Decimal("0.19")}


@pytest.mark.parametrize("text", ["19", "7 %", "0", "0,19"])
def test_known_rates_pass_the_allowed_set(text: str) -> None:
    assert parse_percent(text, allowed=GERMAN_VAT) in GERMAN_VAT


@pytest.mark.parametrize("text", ["1.9", "16", "0.7"])
def test_a_typo_that_is_not_a_known_rate_is_refused(text: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_percent(text, allowed=GERMAN_VAT)
    assert err.value.rule == "percent.unknown_rate"
    assert "19%" in str(err.value)  # the message lists the rates the target knows


def _plain(d: Decimal) -> str:
    text = format(d.normalize(), "f") if d else "0"
    return text


@settings(max_examples=200)
@given(rate=st.decimals(min_value=0, max_value=Decimal("0.9999"), places=4))
def test_every_spelling_of_a_rate_parses_back_to_it(rate: Decimal) -> None:
    points = _plain(rate * 100)
    spellings = [
        f"{points}%",
        f"{points} %",
        f"{points.replace('.', ',')}%",
        _plain(rate),  # the fraction, '0.xxxx'
        _plain(rate).replace(".", ","),
    ]
    if rate * 100 > 1:  # bare percent points are only unambiguous above 1
        spellings += [points, points.replace(".", ",")]
    for text in spellings:
        assert parse_percent(text) == rate, text
