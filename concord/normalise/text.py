"""Fitting text into a target field's length limit.

Salesforce refuses a whole record when one field is too long (STRING_TOO_LONG), Xero and
QuickBooks likewise. The sync spec decides per field whether a cut is acceptable
(``'truncate'``: a street or description) or would corrupt the value (``'refuse'``: a name,
an id, an e-mail address), in which case the record is quarantined (``text.too_long``).

Length is counted in Unicode code points, as Python and Salesforce's API count it for
ordinary text; a cut never separates a letter from its combining accent, and trailing
whitespace left by the cut is removed.
"""

from __future__ import annotations

import unicodedata
from typing import Literal

from concord.errors import ValidationError


def fit_length(
    text: str, max_len: int, *, policy: Literal["truncate", "refuse"] = "refuse"
) -> str:
    """``text`` unchanged if it fits in ``max_len``; else cut or refused per ``policy``."""
    if max_len < 1:
        raise ValueError("max_len must be at least 1")
    if policy not in ("truncate", "refuse"):
        raise ValueError(f"policy must be 'truncate' or 'refuse', not {policy!r}")
    if len(text) <= max_len:
        return text
    if policy == "refuse":
        raise ValidationError(
            f"text of {len(text)} characters exceeds the limit of {max_len}",
            rule="text.too_long",
            value=text,
        )
    cut = max_len
    # Do not leave a base letter without its accent (or an accent on nothing).
    while cut > 0 and unicodedata.combining(text[cut]):
        cut -= 1
    return text[:cut].rstrip()
