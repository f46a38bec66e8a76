"""VAT ids in any spacing become the compact prefixed form, check digits verified."""

import pytest

from concord.errors import ValidationError
from concord.normalise.vat import normalise_vat


# Check-digit-valid ids (verified by python-stdnum) in the spellings platforms hold.
@pytest.mark.parametrize(
    ("text", "country", "expected"),
    [
        ("DE136695976", None, "DE136695976"),
        ("de 136.695.976", None, "DE136695976"),
        ("DE-136 695 976", None, "DE136695976"),
        ("USt-IdNr.: DE136695976", None, "DE136695976"),
        ("136695976", "DE", "DE136695976"),  # prefix from the record's country
        ("136 695 976", "de", "DE136695976"),
        ("DE136695976", "NL", "DE136695976"),  # the text's own prefix wins
        ("DE136695976", "US", "DE136695976"),
        ("ATU13585627", None, "ATU13585627"),
        ("U13585627", "AT", "ATU13585627"),
        ("ATU 135 856 27", None, "ATU13585627"),
        ("NL004495445B01", None, "NL004495445B01"),
        ("nl 0044.95.445.b.01", None, "NL004495445B01"),
        ("FR40303265045", None, "FR40303265045"),
        ("40303265045", "FR", "FR40303265045"),
        ("EL094259216", None, "EL094259216"),
        ("GR094259216", None, "EL094259216"),  # Greece's VAT prefix is EL
        ("094259216", "GR", "EL094259216"),
        ("GB 980 7806 84", None, "GB980780684"),
        ("980780684", "GB", "GB980780684"),
        ("VAT: GB980780684", None, "GB980780684"),
        ("XI980780684", None, "XI980780684"),  # Northern Ireland
        ("CHE-116.281.710 MWST", None, "CHE116281710MWST"),
        ("CHE-116.281.710 TVA", None, "CHE116281710MWST"),
        ("che116281710iva", None, "CHE116281710MWST"),
        ("CHE-116.281.710", None, "CHE116281710MWST"),
        ("116.281.710 MWST", "CH", "CHE116281710MWST"),
    ],
)
def test_vat_ids_become_compact_and_prefixed(
    text: str, country: str | None, expected: str
) -> None:
    assert normalise_vat(text, country=country) == expected


@pytest.mark.parametrize(
    ("text", "country", "rule"),
    [
        ("DE136695977", None, "vat.checksum"),
        ("136695977", "DE", "vat.checksum"),
        ("CHE-116.281.711 MWST", None, "vat.checksum"),
        ("GB980780685", None, "vat.checksum"),
        ("DE13669597", None, "vat.format"),
        ("136695976", None, "vat.format"),  # no prefix, no country
        ("hello", "DE", "vat.format"),
        ("12345", "US", "vat.unsupported_country"),
        ("", "DE", "vat.empty"),
    ],
)
def test_bad_vat_ids_are_refused(text: str, country: str | None, rule: str) -> None:
    with pytest.raises(ValidationError) as err:
        normalise_vat(text, country=country)
    assert err.value.rule == rule
    assert err.value.value == (text if rule != "vat.unsupported_country" else country)
