"""Register entries in any spelling become one canonical key; the court is read too."""

import pytest

from concord.errors import ValidationError
from concord.normalise.trade_register import normalise_trade_register, parse_trade_register


@pytest.mark.parametrize(
    ("text", "key", "court"),
    [
        ("HRB 12345", "HRB 12345", None),
        ("hrb12345", "HRB 12345", None),
        ("HRB-Nr. 12345", "HRB 12345", None),
        ("HR B 12345", "HRB 12345", None),
        ("HRB 012345", "HRB 12345", None),
        ("HRB12345 B", "HRB 12345 B", None),  # Berlin's suffix is part of the number
        ("HRB 12345 B, AG Charlottenburg", "HRB 12345 B", "Amtsgericht Charlottenburg"),
        ("Amtsgericht München HRB 12345", "HRB 12345", "Amtsgericht München"),
        ("AG München, HRB 12345", "HRB 12345", "Amtsgericht München"),
        ("HRB 12345 München", "HRB 12345", "Amtsgericht München"),
        ("HRB 12345 (Amtsgericht Hamburg)", "HRB 12345", "Amtsgericht Hamburg"),
        ("HRB 219383, Amtsgericht Frankfurt am Main", "HRB 219383",
         "Amtsgericht Frankfurt am Main"),
        ("Registergericht: Amtsgericht Stuttgart HRB 724512", "HRB 724512",
         "Amtsgericht Stuttgart"),
        ("HRA 987 Amtsgericht Köln", "HRA 987", "Amtsgericht Köln"),
        ("VR 1234", "VR 1234", None),
        ("GnR 55", "GnR 55", None),
        # Austria: Firmenbuch number with its check letter
        ("FN 258836v, Landesgericht St. Pölten", "FN 258836v", "Landesgericht St. Pölten"),
        ("FN 100163 X", "FN 100163x", None),
        # Netherlands: Kamer van Koophandel
        ("KvK 57274629", "KvK 57274629", None),
        ("KvK-nummer 57274629", "KvK 57274629", None),
        # United Kingdom: Companies House, eight characters
        ("Company No. 03931393", "Company No. 03931393", None),
        ("Company No. 3931393", "Company No. 03931393", None),
        ("CRN SC123456", "Company No. SC123456", None),
        # France: the SIREN inside the RCS entry
        ("RCS Bordeaux 135 263 606", "RCS 135263606", "RCS Bordeaux"),
        ("RCS Paris B 552 100 554", "RCS 552100554", "RCS Paris"),
        ("SIREN 552 100 554", "RCS 552100554", None),
        # Switzerland: the UID
        ("CHE-116.281.710", "CHE-116.281.710", None),
        ("CHE116281710", "CHE-116.281.710", None),
        # United States: a state's file number
        ("File No. 1151415", "File No. 1151415", None),
    ],
)
def test_entries_are_read(text: str, key: str, court: str | None) -> None:
    entry = parse_trade_register(text)
    assert entry.key == key
    assert entry.court == court
    assert normalise_trade_register(text) == key


def test_spellings_of_one_entry_meet() -> None:
    spellings = ["HRB 12345", "hrb12345", "Amtsgericht München HRB 12345", "HRB-Nr. 012345"]
    assert {normalise_trade_register(s) for s in spellings} == {"HRB 12345"}


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("12345", "trade_register.format"),
        ("HRB", "trade_register.format"),
        ("FN 123456", "trade_register.format"),  # the check letter is part of the number
        ("HRB 123 HRB 456", "trade_register.format"),
        ("HRB 12345 #!?", "trade_register.format"),
        ("RCS Bordeaux 135 263 607", "trade_register.checksum"),
        ("CHE-116.281.711", "trade_register.checksum"),
        ("", "trade_register.empty"),
    ],
)
def test_unreadable_entries_are_refused(text: str, rule: str) -> None:
    with pytest.raises(ValidationError) as err:
        normalise_trade_register(text)
    assert err.value.rule == rule
