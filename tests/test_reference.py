"""sim.reference: the generated docs and configs/baseline.yaml match the declarations they come from."""

from __future__ import annotations

import pytest

from sim import reference
from sim.alliances import TABLE
from sim.config import Config
from sim.recording import FIRM_PANEL, MODEL_SERIES


def test_generated_files_are_current():
    assert reference.stale() == [], "run: python -m sim.reference"


def test_every_parameter_has_a_description():
    def walk(model, path=""):
        for name, field in type(model).model_fields.items():
            value = getattr(model, name)
            if hasattr(type(value), "model_fields"):
                yield from walk(value, f"{path}{name}.")
            else:
                yield f"{path}{name}", field.description

    missing = [key for key, text in walk(Config()) if not text]
    assert missing == []


@pytest.mark.parametrize("doc", [c.doc for c in TABLE] + [r.doc for r in (*MODEL_SERIES, *FIRM_PANEL)])
def test_every_column_has_a_one_line_description(doc):
    assert doc and "\n" not in doc and "|" not in doc


def test_every_parameter_appears_in_the_model_doc():
    text = reference.parameters_md()
    for key in Config().flat():
        section, *rest = key.split(".")
        assert f"`{key}`" in text or f"`{rest[-1]}`" in text, key
