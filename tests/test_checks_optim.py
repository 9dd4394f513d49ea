"""The visible checks of assignment 05: pass on correct update rules, name the mistake otherwise.

The plausible mistakes, each a rule written with the module's own helpers as a
student's solution region sits between them, are in test_check_mistakes.py.
"""
from __future__ import annotations

import pytest

from autograder.points import cell_of
from course_lib import checks, optim

from check_support import fails_with as _fails_with

RULES = ["sgd_momentum", "sgd_nesterov", "adagrad", "rmsprop", "adadelta", "adam", "nadam", "adamax",
         "adamw"]
TAGGED = [pytest.param(name, marks=pytest.mark.task(cell_of(name)), id=name) for name in RULES]


# ------------------------------------------------------------------ general
@pytest.mark.parametrize("name", TAGGED)
def test_check_passes_on_the_reference_and_prints_a_pass_line(name, capsys):
    getattr(checks, f"check_{name}")(getattr(optim, name))
    assert capsys.readouterr().out.strip() == f"✔ {name}: visible check passed."


@pytest.mark.parametrize("name", TAGGED)
def test_check_turns_a_stub_into_not_implemented_yet(name):
    def stub(w, dw, config=None):
        raise NotImplementedError()

    _fails_with(getattr(checks, f"check_{name}"), stub, "not implemented yet", f"def {name}",
                "course_lib/optim.py")


# Each plausible mistake and the words its message must hold: test_check_mistakes.py.
