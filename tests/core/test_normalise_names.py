"""Spellings of one company meet at one match key; person names are tidied lightly."""

import pytest

from concord.errors import ValidationError
from concord.normalise.names import PersonName, company_match_key, person_name


@pytest.mark.parametrize(
    "spelling",
    [
        "Müller GmbH",
        "Mueller G.m.b.H.",
        "MÜLLER GMBH",
        "Muller GmbH",
        "  Müller    GmbH  ",
        "Müller",
        "Müller GmbH & Co. KG",
        "Müller GmbH & Co KG",
        "Müller GmbH und Co. KG",
        "Müller GmbH & Co. KGaA",
        "Müller UG (haftungsbeschränkt)",
        "Müller AG",
        "Müller KG",
        "Müller OHG",
        "Müller e.K.",
        "Müller B.V.",
        "Müller N.V.",
        "Müller SARL",
        "Müller S.A.R.L.",
        "Müller SAS",
        "Müller S.A.",
        "Müller Ltd",
        "Müller Ltd.",
        "Müller Limited",
        "Müller PLC",
        "Müller Inc",
        "Müller Inc.",
        "Müller Incorporated",
        "Müller LLC",
        "Müller Corp.",
        "Müller & Co.",
        "Müller.GmbH",
        "Müller Gesellschaft mit beschränkter Haftung",
        "Müller Ges.m.b.H. & Co KG",
        "Müller GmbH u. Co. KG",
        "Müller GmbH&Co.KG",
        "Müller GmbH&CoKG",
        "Müller UG (haftungsbeschraenkt)",
        "Müller Aktiengesellschaft",
        "Müller Kommanditgesellschaft",
        "Müller e.Kfm.",
        "Müller e. K.",
        "Müller e.U.",
        "Müller B.V",
        "Müller S.à r.l.",
        "Müller Public Limited Company",
        "Müller L.L.C.",
        "SARL Müller",  # French forms often come first
        "S.A.S. Müller",
    ],
)
def test_legal_forms_case_and_umlauts_do_not_matter(spelling: str) -> None:
    assert company_match_key(spelling) == "muller"


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Bäckerei Schäfer-Öztürk GmbH", "backerei schafer ozturk"),
        ("Baeckerei Schaefer Oeztuerk", "backerei schafer ozturk"),
        ("Straßenbau Weiß GmbH", "strassenbau weiss"),
        ("Smith & Sons Ltd", "smith sons"),
        ("Smith and Sons Ltd", "smith sons"),
        ("Dupont et Fils SARL", "dupont fils"),
        ("Dupont & Fils", "dupont fils"),
        ("A.B.C. Handel GmbH", "abc handel"),
        ("Søren Æble A/S", "soren able"),
        ("Société Générale S.A.", "societe generale"),
        ("Deutsche Bahn AG Services", "deutsche bahn ag services"),  # only a suffix goes
        ("AG", "ag"),  # the first word is never stripped
        ("Limited", "limited"),
    ],
)
def test_match_keys(name: str, key: str) -> None:
    assert company_match_key(name) == key


def test_different_companies_keep_different_keys() -> None:
    assert company_match_key("Müller Bau GmbH") != company_match_key("Müller Holz GmbH")
    assert company_match_key("Meyer GmbH") != company_match_key("Müller GmbH")


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("max", "MUSTERMANN", PersonName("Max", "Mustermann")),
        ("  Max  ", "  Mustermann ", PersonName("Max", "Mustermann")),
        ("URSULA", "VON DER LEYEN", PersonName("Ursula", "Von der Leyen")),
        ("Ursula", "von der Leyen", PersonName("Ursula", "von der Leyen")),  # mixed: kept
        ("hans-peter", "müller-lüdenscheidt", PersonName("Hans-Peter", "Müller-Lüdenscheidt")),
        ("JOHN", "O'NEILL", PersonName("John", "O'Neill")),
        ("Ronald", "McDonald", PersonName("Ronald", "McDonald")),
        (None, "Mustermann", PersonName(None, "Mustermann")),
        ("", "Mustermann", PersonName(None, "Mustermann")),
    ],
)
def test_person_names_are_tidied(first: str | None, last: str, expected: PersonName) -> None:
    assert person_name(first, last) == expected


@pytest.mark.parametrize("last", [None, "", "   "])
def test_a_missing_last_name_is_refused(last: str | None) -> None:
    with pytest.raises(ValidationError) as err:
        person_name("Max", last)
    assert err.value.rule == "name.last_missing"
