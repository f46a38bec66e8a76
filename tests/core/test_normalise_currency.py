"""Currency codes, symbols and names become ISO 4217 codes; a symbol that names several
currencies is quarantined unless the sync's table says which one it means."""

import pytest

from concord.errors import ValidationError
from concord.normalise.currency import parse_currency


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("EUR", "EUR"),
        ("eur", "EUR"),
        (" EUR", "EUR"),
        ("€", "EUR"),
        ("Euro", "EUR"),
        ("euro", "EUR"),
        ("$", "USD"),  # by the default table only; a spec may override it
        ("US$", "USD"),
        ("USD", "USD"),
        ("US-Dollar", "USD"),  # German name from pycountry's translations
        ("US Dollar", "USD"),
        ("Dollar américain", "USD"),
        ("CHF", "CHF"),
        ("Fr.", "CHF"),
        ("SFr.", "CHF"),
        ("Schweizer Franken", "CHF"),
        ("Franc suisse", "CHF"),
        ("£", "GBP"),
        ("GBP", "GBP"),
        ("Pfund Sterling", "GBP"),
        ("Pound Sterling", "GBP"),
        ("JPY", "JPY"),
        ("Yen", "JPY"),
        ("zł", "PLN"),
        ("Kč", "CZK"),
        ("sek", "SEK"),
    ],
)
def test_spellings_resolve_to_iso_codes(text: str, code: str) -> None:
    assert parse_currency(text) == code


@pytest.mark.parametrize("text", ["¥", "kr", "kr.", "Dollar"])
def test_symbols_of_several_currencies_are_refused(text: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_currency(text)
    assert err.value.rule == "currency.ambiguous"


@pytest.mark.parametrize("text", ["XYZ", "Taler", "ABCD", "12"])
def test_unknown_currencies_are_refused(text: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_currency(text)
    assert err.value.rule == "currency.unknown"
    assert err.value.value == text


def test_empty_is_refused() -> None:
    with pytest.raises(ValidationError) as err:
        parse_currency("  ")
    assert err.value.rule == "currency.empty"


def test_the_sync_table_overrides_the_default_dollar() -> None:
    table = {"$": "CAD", "¥": "CNY", "Kronen": "DKK"}
    assert parse_currency("$", table=table) == "CAD"
    assert parse_currency("¥", table=table) == "CNY"
    assert parse_currency("kronen", table=table) == "DKK"
    assert parse_currency("€", table=table) == "EUR"  # the defaults still apply


def test_a_table_pointing_at_a_non_iso_code_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="ISO 4217"):
        parse_currency("$", table={"$": "Dollar"})
