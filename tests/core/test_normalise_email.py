"""Contacts are matched by e-mail, so every spelling of one address gives one string, and
what is not an address is quarantined."""

import pytest

from concord.errors import ValidationError
from concord.normalise.email import normalise_email


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("max.mustermann@firma.de", "max.mustermann@firma.de"),
        ("  Max.Mustermann@Firma.DE ", "max.mustermann@firma.de"),  # local part too
        ("MAX@FIRMA.DE", "max@firma.de"),
        ("mailto:Info@Firma.de", "info@firma.de"),
        ("info@müller-bau.de", "info@xn--mller-bau-q9a.de"),  # IDNA to punycode
        ("info@MÜLLER-BAU.DE", "info@xn--mller-bau-q9a.de"),
        ("info@xn--mller-bau-q9a.de", "info@xn--mller-bau-q9a.de"),
        ("a.b+tag@sub.firma.co.uk", "a.b+tag@sub.firma.co.uk"),
        ("anna@firma.test", "anna@firma.test"),  # reserved for tests; sandbox data uses it
    ],
)
def test_addresses_are_canonical(text: str, expected: str) -> None:
    assert normalise_email(text) == expected


def test_case_variants_of_one_mailbox_meet() -> None:
    spellings = ["Max.Mustermann@Firma.de", "max.mustermann@firma.de", " MAX.MUSTERMANN@FIRMA.DE"]
    assert len({normalise_email(s) for s in spellings}) == 1


@pytest.mark.parametrize(
    "text",
    [
        "max.mustermann@",
        "info at firma.de",
        "a@b",  # no dot in the domain
        "max mustermann@firma.de",  # space
        "max@firma .de",
        "a@@firma.de",
        "a@b@firma.de",  # two @
        "@firma.de",
        "info@firma..de",
        ".info@firma.de",
        "jörg@firma.de",  # non-ASCII local part: the CRMs refuse it
        '"max mustermann"@firma.de',
        "info@[192.168.0.1]",
        "info@localhost",
        "",
        "   ",
    ],
)
def test_invalid_syntax_is_refused(text: str) -> None:
    with pytest.raises(ValidationError) as err:
        normalise_email(text)
    assert err.value.rule == "email.syntax"
    assert err.value.value == text
