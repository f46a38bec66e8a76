"""Company register numbers ('HRB 12345', 'FN 123456x', 'KvK 12345678') for matching.

After the VAT id, the register entry is the best key for a company. Platforms hold it as
printed on a letterhead, with the court or registry beside it. The canonical form is the
register's own short label and the number, without the court:

=========  ====================================  =========================================
Country    Accepted (examples)                   Canonical
=========  ====================================  =========================================
DE         'HRB 12345, Amtsgericht Köln',         'HRB 12345' (HRA, HRB, GnR, PR, VR, GsR;
           'hrb12345', 'HR B 12345', 'HRB-Nr.'     Berlin's suffix kept: 'HRB 12345 B')
AT         'FN 123456x, Landesgericht Linz'       'FN 123456x' (lower-case check letter)
NL         'KvK 12345678', 'KvK-nummer 12345678'  'KvK 12345678'
GB         'Company No. 01116072', 'CRN SC123456'  'Company No. 01116072' (8 characters)
FR         'RCS Bordeaux B 135 263 606',          'RCS 135263606' (the SIREN, Luhn-checked)
           'SIREN 135 263 606'
CH         'CHE-116.281.710', 'CHE116281710'      'CHE-116.281.710' (the UID, check digit)
US         'File No. 1151415'                     'File No. 1151415'
=========  ====================================  =========================================

Numbers lose leading zeros where the register does not print them (DE, AT) and gain them
where it does (GB pads to eight). The court is not part of the canonical form: one system
often has it and the other not, and a key that includes it would then never meet. German
numbers are only unique per court, so :func:`parse_trade_register` returns the court as
well ('Amtsgericht München'), for callers that want to compare it when both sides have one.

Rules raised: ``trade_register.empty``, ``trade_register.format`` (no entry, more than one,
or unreadable text beside it), ``trade_register.checksum`` (SIREN or UID check digit).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from stdnum import luhn
from stdnum.ch import uid as ch_uid
from stdnum.exceptions import ValidationError as StdnumError

from concord.errors import ValidationError

_NOT_AFTER_LETTER = r"(?<![^\W\d_])"
_DE_KINDS = {"HRA": "HRA", "HRB": "HRB", "GNR": "GnR", "PR": "PR", "VR": "VR", "GSR": "GsR"}
_DE_COURT_WORDS = re.compile(
    r"^(?:(?:amtsgericht|registergericht|ag|amtsg)\b\W*)+", re.IGNORECASE
)
_PLACE = re.compile(r"[^\W\d_][\w .,:\-()/']*")


@dataclass(frozen=True)
class TradeRegisterEntry:
    country: str
    register: str
    number: str
    court: str | None

    @property
    def key(self) -> str:
        """The canonical form without the court ('HRB 12345', 'CHE-116.281.710')."""
        return self.number if self.register == "UID" else f"{self.register} {self.number}"


def _de(m: re.Match[str], rest: str) -> TradeRegisterEntry:
    kind = _DE_KINDS[re.sub(r"\s", "", m["kind"]).upper()]
    number = str(int(m["number"])) + (f" {m['suffix'].upper()}" if m["suffix"] else "")
    place = _DE_COURT_WORDS.sub("", rest).strip(" ,;-()/")
    return TradeRegisterEntry("DE", kind, number, f"Amtsgericht {place}" if place else None)


def _at(m: re.Match[str], rest: str) -> TradeRegisterEntry:
    return TradeRegisterEntry("AT", "FN", f"{int(m['number'])}{m['check'].lower()}", rest or None)


def _nl(m: re.Match[str], rest: str) -> TradeRegisterEntry:
    return TradeRegisterEntry("NL", "KvK", m["number"], rest or None)


def _gb(m: re.Match[str], rest: str) -> TradeRegisterEntry:
    number = m["number"].upper()
    return TradeRegisterEntry("GB", "Company No.", number.zfill(8), rest or None)


def _fr(m: re.Match[str], rest: str) -> TradeRegisterEntry:
    siren = re.sub(r"\s", "", m["number"])
    if not luhn.is_valid(siren):
        raise ValidationError(f"SIREN {siren} has a wrong check digit",
                              rule="trade_register.checksum", value=m.string)
    city = " ".join((m["city"] or "").split())
    return TradeRegisterEntry("FR", "RCS", siren, f"RCS {city}" if city else (rest or None))


def _ch(m: re.Match[str], rest: str) -> TradeRegisterEntry:
    try:
        uid = ch_uid.format(ch_uid.validate("CHE" + m["number"]))
    except StdnumError:
        raise ValidationError(f"{m.group()!r} is not a valid Swiss UID",
                              rule="trade_register.checksum", value=m.string) from None
    return TradeRegisterEntry("CH", "UID", uid, rest or None)


def _us(m: re.Match[str], rest: str) -> TradeRegisterEntry:
    return TradeRegisterEntry("US", "File No.", m["number"], rest or None)


_NO = r"(?:No\.?|Nr\.?|Number|#)"
_REGISTERS: list[tuple[re.Pattern[str], Callable[[re.Match[str], str], TradeRegisterEntry]]] = [
    (re.compile(_NOT_AFTER_LETTER + r"(?P<kind>H\s?R\s?[AB]|GnR|GsR|PR|VR)\W*(?:Nr\W*)?"
                r"(?P<number>\d+)(?:\s?(?P<suffix>[A-Z])(?!\w))?(?!\d)", re.IGNORECASE), _de),
    (re.compile(_NOT_AFTER_LETTER + r"F\.?\s?N\.?\s*(?:Nr\W*)?(?P<number>\d{1,6})\s?"
                r"(?P<check>[a-z])(?!\w)", re.IGNORECASE), _at),
    (re.compile(_NOT_AFTER_LETTER + r"(?:K\.?v\.?K\.?|Kamer van Koophandel)"
                r"(?:[-\s]?(?:nummer|nr\.?))?\W*(?P<number>\d{8})(?!\d)", re.IGNORECASE), _nl),
    (re.compile(_NOT_AFTER_LETTER + r"(?:Company\s*(?:Reg(?:istration)?\.?\s*)?" + _NO +
                r"|CRN|Companies\s+House(?:\s+" + _NO + r")?)\W*"
                r"(?P<number>[A-Z]{2}\d{6}|\d{1,8})(?!\w)", re.IGNORECASE), _gb),
    (re.compile(_NOT_AFTER_LETTER + r"(?:RCS\s*(?P<city>[^\W\d_][^\d,]*?)\s*(?:[AB]\s+)?|"
                r"SIREN\W*)(?P<number>\d{3}\s?\d{3}\s?\d{3})(?!\d)", re.IGNORECASE), _fr),
    (re.compile(_NOT_AFTER_LETTER + r"CHE[-\s]?(?P<number>\d{3}\.?\d{3}\.?\d{3})(?!\d)",
                re.IGNORECASE), _ch),
    (re.compile(_NOT_AFTER_LETTER + r"File\s*" + _NO + r"\W*(?P<number>\d{4,10})(?!\d)",
                re.IGNORECASE), _us),
]


def _format_error(text: str, why: str) -> ValidationError:
    return ValidationError(f"{text!r}: {why}", rule="trade_register.format", value=text)


def parse_trade_register(text: str) -> TradeRegisterEntry:
    """Register, number and court of one entry (see the module table)."""
    s = " ".join(str(text).split())
    if not s:
        raise ValidationError("trade register number is empty", rule="trade_register.empty",
                              value=text)
    found = [(m, build) for pattern, build in _REGISTERS for m in pattern.finditer(s)]
    if not found:
        raise _format_error(s, "no register entry recognised (e.g. 'HRB 12345')")
    if len(found) > 1:
        raise _format_error(s, "more than one register entry")
    m, build = found[0]
    rest = (s[: m.start()] + " " + s[m.end():]).strip(" ,;-()/:")
    rest = " ".join(rest.split())
    if rest and not _PLACE.fullmatch(rest):
        raise _format_error(s, "unreadable text beside the register entry")
    return build(m, rest)


def normalise_trade_register(text: str) -> str:
    """The canonical register entry, court dropped (see the module docstring for why)."""
    return parse_trade_register(text).key
