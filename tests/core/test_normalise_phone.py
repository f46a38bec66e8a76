"""Phone numbers become E.164 using the record's country; invalid ones are refused."""

import pytest

from concord.errors import ValidationError
from concord.normalise.phone import normalise_phone


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("089 / 12 34 56", "DE", "+4989123456"),
        ("089 1234567", "DE", "+49891234567"),
        ("(089) 123 45 67", "de", "+49891234567"),
        ("+49 (0)89 1234567", None, "+49891234567"),
        ("+49 89 1234567", "AT", "+49891234567"),  # an explicit country code wins
        ("0049 89 1234567", None, "+49891234567"),  # 00 is the international prefix
        ("0049 89 1234567", "AT", "+49891234567"),
        ("0170 1234567", "DE", "+491701234567"),
        ("030-12345678", "DE", "+493012345678"),
        ("+41 44 668 18 00", None, "+41446681800"),
        ("044 668 18 00", "CH", "+41446681800"),
        ("(650) 253-0000", "US", "+16502530000"),
        ("+44 20 7946 0958", None, "+442079460958"),
        ("089 1234567 ext. 12", "DE", "+49891234567;ext=12"),
        ("089 1234567 Durchwahl 12", "DE", "+49891234567;ext=12"),
        # An unmarked tail is an extension only where the whole is not a valid number.
        ("(404) 237-6107-156", "US", "+14042376107;ext=156"),
        ("303.433.7062 65", "US", "+13034337062;ext=65"),
        ("05.76.72.63.61-298", "FR", "+33576726361;ext=298"),
        ("0041 41 888 34 83 228", "CH", "+41418883483;ext=228"),
        ("030/7124318-71", "DE", "+4930712431871"),  # German direct line: one number
    ],
)
def test_numbers_become_e164(text: str, region: str | None, expected: str) -> None:
    assert normalise_phone(text, default_region=region) == expected


@pytest.mark.parametrize(
    ("text", "region", "rule"),
    [
        ("123", "DE", "phone.invalid"),
        ("abc", "DE", "phone.invalid"),
        ("+49 1", None, "phone.invalid"),
        ("+99 123456789", None, "phone.invalid"),
        ("1234", "DE", "phone.invalid"),  # the right length for Germany, but no number
        ("n/a", "DE", "phone.invalid"),
        ("+49", None, "phone.invalid"),
        ("089 1234567", None, "phone.missing_region"),
        ("", "DE", "phone.empty"),
    ],
)
def test_invalid_numbers_are_refused(text: str, region: str | None, rule: str) -> None:
    with pytest.raises(ValidationError) as err:
        normalise_phone(text, default_region=region)
    assert err.value.rule == rule
