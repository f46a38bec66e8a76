"""Countries written as codes or names in English, German, French or Dutch become
ISO 3166-1 alpha-2."""

import pytest

from concord.errors import ValidationError
from concord.normalise.country import parse_country


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("DE", "DE"),
        ("de", "DE"),
        ("DEU", "DE"),
        ("Germany", "DE"),
        ("Deutschland", "DE"),
        ("  deutschland ", "DE"),
        ("DEUTSCHLAND", "DE"),
        ("Allemagne", "DE"),
        ("Duitsland", "DE"),
        ("UK", "GB"),
        ("GBR", "GB"),
        ("United Kingdom", "GB"),
        ("Great Britain", "GB"),
        ("Vereinigtes Königreich", "GB"),
        ("Royaume-Uni", "GB"),
        ("USA", "US"),
        ("U.S.A.", "US"),
        ("United States", "US"),
        ("United States of America", "US"),
        ("Vereinigte Staaten", "US"),
        ("The Netherlands", "NL"),
        ("Netherlands", "NL"),
        ("Holland", "NL"),
        ("Niederlande", "NL"),
        ("Pays-Bas", "NL"),
        ("Nederland", "NL"),
        ("Österreich", "AT"),
        ("Osterreich", "AT"),  # diacritics-insensitive
        ("Oesterreich", "AT"),  # umlaut written out
        ("Autriche", "AT"),
        ("Schweiz", "CH"),
        ("Suisse", "CH"),
        ("Zwitserland", "CH"),
        ("Frankreich", "FR"),
        ("Frankrijk", "FR"),
        ("France", "FR"),
        ("Belgien", "BE"),
        ("Belgique", "BE"),
        ("België", "BE"),
        ("Italien", "IT"),
        ("Spanien", "ES"),
        ("Polen", "PL"),
        ("Dänemark", "DK"),
        ("Daenemark", "DK"),
        ("Schweden", "SE"),
        ("Luxemburg", "LU"),
        ("Tschechien", "CZ"),
        ("Czech Republic", "CZ"),
        ("Türkei", "TR"),
        ("Turkey", "TR"),
        ("South Korea", "KR"),
        ("GER", "DE"),  # sports code, not ISO, but what clerks type
        ("SUI", "CH"),
        ("D", "DE"),  # vehicle codes of German address data
        ("A", "AT"),
        ("CH", "CH"),  # an ISO code always wins
        ("CHE", "CH"),
    ],
)
def test_codes_and_names_resolve(text: str, code: str) -> None:
    assert parse_country(text) == code


@pytest.mark.parametrize("text", ["Atlantis", "Korea", "XX", "Germanyy"])
def test_unknown_countries_are_refused(text: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_country(text)
    assert err.value.rule == "country.unknown"
    assert err.value.value == text


def test_empty_is_refused() -> None:
    with pytest.raises(ValidationError) as err:
        parse_country(" ")
    assert err.value.rule == "country.empty"
