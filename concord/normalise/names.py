"""Company match keys and light clean-up of person names.

:func:`company_match_key` makes 'Müller GmbH', 'Mueller G.m.b.H.' and 'MÜLLER GMBH' meet
at 'muller'. It is a key for *finding* the same company (with the country, when VAT id
and register number are missing), not a display name. The steps, in order:

1. dotted abbreviations are closed up ('G.m.b.H.' -> 'GmbH', 'S.A.R.L.' -> 'SARL');
2. accents are removed by Unicode NFKD ('ü' -> 'u', 'é' -> 'e'; 'ß' -> 'ss', 'ø' -> 'o'),
   then case is folded;
3. punctuation becomes space ('Müller-Bau' = 'Müller Bau'); 'A/S' closes up to 'AS';
4. the German umlaut transcriptions 'ae', 'oe', 'ue' are folded to 'a', 'o', 'u' in every
   word, so 'Mueller' meets 'Müller' (which step 2 made 'Muller'). We chose folding to
   the single vowel over expanding 'ü' to 'ue' because it also meets 'Muller' typed on a
   keyboard without umlauts. The price: unrelated names that differ only by such an 'e'
   collide ('Blue' = 'Blu', 'Joe' = 'Jo'); a key match is a candidate, and dedupe review
   decides;
5. legal forms are removed from the end, repeatedly, so 'GmbH & Co. KG', 'AG & Co. KGaA',
   'UG (haftungsbeschränkt)' and long forms ('Gesellschaft mit beschränkter Haftung',
   'Public Limited Company') all go; a French form written first ('SARL Dupont') goes
   too, also as several words ('S.à r.l. Dupont'). The last remaining word is never
   removed, so 'AG' alone stays a name. Legal forms in the middle ('Deutsche Bahn AG
   Services') stay: only an end is a legal form for sure.
   The joiners '&', '+', 'und', 'u', 'and', 'et', 'en' help to peel multi-part forms and
   are then dropped everywhere, so 'Smith & Sons' = 'Smith and Sons';
6. whitespace is collapsed.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

from concord.errors import ValidationError

# Legal forms as they look after steps 1-4: single tokens, and phrases of several tokens
# (long forms and abbreviations that survive as separate words). Multi-part forms such as
# 'GmbH & Co. KG' need no entry: they are peeled off token by token.
LEGAL_FORM_TOKENS = frozenset(
    {
        "gmbh", "mbh", "ag", "kg", "kgaa", "cokg", "ohg", "gbr", "ug", "haftungsbeschrankt",
        "ek", "eu", "ev", "eg", "se", "partg", "aktiengesellschaft", "kommanditgesellschaft",
        "bv", "nv", "vof", "bvba", "sprl", "sarl", "sas", "sasu", "sa", "eurl", "snc", "spa",
        "srl", "sl", "ltd", "limited", "plc", "llp", "inc", "incorporated", "llc", "corp",
        "corporation", "co", "company", "ab", "as", "aps", "oy", "oyj",
    }
)
LEGAL_FORM_PHRASES: tuple[tuple[str, ...], ...] = (
    ("gesellschaft", "mit", "beschrankter", "haftung"),
    ("offene", "handelsgesellschaft"),
    ("public", "limited", "company"),
    ("limited", "liability", "company"),
    ("ges", "mbh"),
    ("e", "kfm"),
    ("e", "kfr"),
    ("sa", "rl"),  # 'S.à r.l.'
)
# The phrases by their last word: a name's last word picks the few worth comparing.
_PHRASES_ENDING_IN: dict[str, tuple[tuple[str, ...], ...]] = {
    last: tuple(p for p in LEGAL_FORM_PHRASES if p[-1] == last)
    for last in {p[-1] for p in LEGAL_FORM_PHRASES}
}
# French forms are often written first: 'SARL Dupont', 'S.à r.l. Dupont'.
LEADING_LEGAL_FORMS = frozenset({"sarl", "sas", "sasu", "sa", "eurl", "snc"})
LEADING_LEGAL_FORM_PHRASES: tuple[tuple[str, ...], ...] = (("sa", "rl"),)
# Words that join legal forms and names ('GmbH & Co. KG', 'GmbH u. Co. KG', 'Dupont et Fils').
_JOINERS = frozenset({"&", "+", "und", "u", "and", "et", "en"})
_NOT_DECOMPOSED = str.maketrans(
    {"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ł": "l", "Ł": "L",
     "đ": "d", "Đ": "D", "ı": "i", "þ": "th"}
)
# Dotted abbreviations: 'G.m.b.H.', 'B.V' (no final dot), 'Co.KG', and spaced 'e. K.'.
_DOTTED = re.compile(
    r"\b(?:[^\W\d_]{1,2}\.)+[^\W\d_]{1,2}\b\.?|\b(?:[^\W\d_]\.\s?){2,}"
)
_UMLAUT_DIGRAPH = re.compile(r"([aou])e")
_DOT_OR_SPACE = re.compile(r"[.\s]")
_SLASHED_PAIR = re.compile(r"\b([^\W\d_])/([^\W\d_])\b")  # 'A/S', 'S/A'
_NOT_WORD = re.compile(r"[^\w&+]+")


def _fold_accents(text: str) -> str:
    if text.isascii():  # most names: nothing to decompose
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text.translate(_NOT_DECOMPOSED))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _ends_with(tokens: list[str], phrase: tuple[str, ...]) -> bool:
    """True when ``tokens`` ends with ``phrase`` and keeps at least one word before it."""
    return len(tokens) > len(phrase) and tuple(tokens[-len(phrase):]) == phrase


def company_match_key(name: str) -> str:
    """A deterministic key under which spellings of one company name meet (module doc).

    A name without letters or digits gives '', which callers must never match on.
    """
    s = str(name)
    if "." in s:  # the regexes only where they can match: a dedupe computes 300,000 keys
        s = _DOTTED.sub(lambda m: _DOT_OR_SPACE.sub("", m.group()) + " ", s)
    if "/" in s:
        s = _SLASHED_PAIR.sub(r"\1\2", s)
    s = _fold_accents(s)
    s = _NOT_WORD.sub(" ", s).replace("_", " ")
    s = _UMLAUT_DIGRAPH.sub(r"\1", s)  # on the whole text: a digraph never spans a space
    tokens = s.replace("&", " & ").replace("+", " + ").split()
    while len(tokens) > 1:
        phrase = next((p for p in _PHRASES_ENDING_IN.get(tokens[-1], ()) if _ends_with(tokens, p)),
                      None)
        if phrase:
            del tokens[-len(phrase):]
        elif tokens[-1] in LEGAL_FORM_TOKENS or tokens[-1] in _JOINERS:
            tokens.pop()
        else:
            break
    lead = next((p for p in LEADING_LEGAL_FORM_PHRASES
                 if len(tokens) > len(p) and tuple(tokens[:len(p)]) == p), None)
    if lead:
        del tokens[:len(lead)]
    elif len(tokens) > 1 and tokens[0] in LEADING_LEGAL_FORMS:
        tokens.pop(0)
    tokens = [t for t in tokens if t not in _JOINERS]
    return " ".join(tokens)


class PersonName(NamedTuple):
    first: str | None
    last: str


_PARTICLES = frozenset(
    {"von", "van", "vom", "zu", "zum", "zur", "der", "den", "de", "del", "della", "di", "da",
     "du", "des", "la", "le", "ten", "ter", "op"}
)


def _title_word(word: str, *, first_word: bool) -> str:
    if not first_word and word.lower() in _PARTICLES:
        return word.lower()
    parts = re.split(r"([\-'’])", word)
    return "".join(p[:1].upper() + p[1:].lower() if p not in "-'’" else p for p in parts)


def _tidy(part: str | None) -> str | None:
    """Collapse spaces; title-case only a part written all upper or all lower case.

    Mixed case is the writer's intent ('McDonald', 'van der Berg', 'DeLuca') and is kept;
    'MAX' and 'max' are shouting and lazy typing, and become 'Max'. Particles ('von',
    'van der') stay lower case unless they open the part.
    """
    if part is None:
        return None
    s = " ".join(str(part).split())
    if not s:
        return None
    if s.isupper() or s.islower():
        s = " ".join(_title_word(w, first_word=i == 0) for i, w in enumerate(s.split(" ")))
    return s


def person_name(first: str | None, last: str | None) -> PersonName:
    """A contact's first and last name, tidied (see :func:`_tidy`); last name required.

    Salesforce, Xero and QuickBooks all require a last name for a contact, and splitting
    a full name put in the first-name field would be a guess, so a missing last name is
    refused (``name.last_missing``).
    """
    tidy_last = _tidy(last)
    if tidy_last is None:
        raise ValidationError("last name is missing", rule="name.last_missing", value=last)
    return PersonName(_tidy(first), tidy_last)
