"""Every legal-form spelling a clerk types meets its company's other spellings, also when
the form is written first (French companies)."""

import pytest

from concord.normalise.names import company_match_key
from sandbox.platform.companies import LEGAL_FORM_VARIANTS

SPELLINGS = sorted({(form, v) for form, vs in LEGAL_FORM_VARIANTS.items() for v in (form, *vs)})


@pytest.mark.parametrize(("form", "spelling"), SPELLINGS)
def test_the_sandbox_platforms_legal_form_spellings_meet(form: str, spelling: str) -> None:
    assert company_match_key(f"Hofmann Bau {spelling}") == "hofmann bau"


@pytest.mark.parametrize("name", [
    "S.à r.l. Dupont Frères", "SARL Dupont Frères", "Sàrl Dupont Freres", "S.A.R.L. Dupont Frères",
    "Dupont Frères S.à r.l.", "SAS DUPONT FRERES", "S.A. Dupont Frères",
])
def test_french_forms_written_first_go_too(name: str) -> None:
    assert company_match_key(name) == "dupont freres"
