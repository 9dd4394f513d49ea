"""Notebook 00, section 7: a wrong numeric gradient is blamed, not the gradient it referees.

The two cells of the section are run as the notebook runs them, once with the
reference functions and once with a numeric gradient that ignores its step h
(the failure of issue 15: the cell then called a correct softmax gradient "too
large for a correct gradient").
"""
from __future__ import annotations

import types

import nbformat
import numpy as np
import pytest

from course_lib import checks, gradcheck, layers, losses
from course_lib.checks import CheckFailed
from autograder.paths import NOTEBOOKS


def _section_7():
    nb = nbformat.read(NOTEBOOKS / "00_gradient_checking.ipynb", as_version=4)
    cells = [c.source for c in nb.cells if c.cell_type == "code"]
    start = next(i for i, src in enumerate(cells)
                 if src.startswith("rng = np.random.default_rng(SEED)") and "relative_errors = {" in src)
    return cells[start], cells[start + 1]


def _run(numeric_gradient):
    referee = types.SimpleNamespace(numeric_gradient=numeric_gradient,
                                    numeric_gradient_array=gradcheck.numeric_gradient_array,
                                    rel_error=gradcheck.rel_error)
    namespace = {"np": np, "checks": checks, "gradcheck": referee, "layers": layers,
                 "losses": losses, "SEED": 0, "print": lambda *a, **k: None}
    for source in _section_7():
        exec(compile(source, "00_gradient_checking.ipynb", "exec"), namespace)


def test_the_section_passes_with_correct_functions():
    _run(gradcheck.numeric_gradient)


def test_a_numeric_gradient_that_ignores_h_is_blamed_instead_of_the_softmax_gradient():
    def step_fixed_at_0_01(f, x, h=1e-5):
        return gradcheck.numeric_gradient(f, x, h=0.01)

    with pytest.raises(CheckFailed, match="numeric_gradient ignores its h argument"):
        _run(step_fixed_at_0_01)
