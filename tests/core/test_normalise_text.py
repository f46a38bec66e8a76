"""Over-long text is cut or refused as the field's policy says."""

import pytest

from concord.errors import ValidationError
from concord.normalise.text import fit_length


def test_text_that_fits_is_unchanged() -> None:
    assert fit_length("Hauptstraße 1", 13, policy="refuse") == "Hauptstraße 1"


def test_truncate_cuts_to_the_limit() -> None:
    assert fit_length("Hauptstraße 12a", 11, policy="truncate") == "Hauptstraße"


def test_truncate_drops_whitespace_left_at_the_cut() -> None:
    assert fit_length("Haupt straße", 6, policy="truncate") == "Haupt"


def test_truncate_never_splits_a_letter_from_its_accent() -> None:
    decomposed = "Cafe\u0301 Mu\u0308ller"  # 'Café Müller' in NFD
    assert fit_length(decomposed, 4, policy="truncate") == "Caf"


def test_refuse_quarantines_with_the_rule() -> None:
    with pytest.raises(ValidationError) as err:
        fit_length("x" * 41, 40, policy="refuse")
    assert err.value.rule == "text.too_long"
    assert "41" in str(err.value) and "40" in str(err.value)


def test_bad_arguments_are_programming_errors() -> None:
    with pytest.raises(ValueError):
        fit_length("abc", 0, policy="truncate")
    with pytest.raises(ValueError):
        fit_length("abc", 2, policy="cut")  # type: ignore[arg-type]
