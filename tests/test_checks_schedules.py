"""The visible checks of assignment 06: pass on correct code, name the mistake otherwise."""
from __future__ import annotations

import numpy as np
import pytest

from course_lib import schedules

from check_support import check_named as _check, fails_with as _fails_with

SCHEDULES = ["piecewise_constant", "step_decay", "exponential", "power", "inverse_time", "cosine",
             "one_cycle"]
ALL = SCHEDULES + ["ReduceLROnPlateau", "lr_range_test"]


def _with_lr_at(name, lr_at):
    """A subclass of the reference schedule whose ``lr_at`` is replaced (a student's version)."""
    return type(name, (getattr(schedules, name),), {"lr_at": lr_at})


def _with_step(step):
    return type("ReduceLROnPlateau", (schedules.ReduceLROnPlateau,), {"step": step})


# ------------------------------------------------------------------ general
@pytest.mark.parametrize("name", ALL)
def test_check_passes_on_the_reference_and_prints_a_pass_line(name, capsys):
    with np.errstate(all="raise"):
        _check(name)(getattr(schedules, name))
    assert capsys.readouterr().out.strip() == f"✔ {name}: visible check passed."


@pytest.mark.parametrize("name", SCHEDULES)
def test_schedule_stub_is_reported_as_not_implemented_in_its_lr_at(name):
    def stub(self, t):
        raise NotImplementedError()

    message = _fails_with(name, _with_lr_at(name, stub), "not implemented yet", f"class {name}",
                          "lr_at")
    assert "Traceback" not in message


def test_plateau_stub_is_reported_as_not_implemented_in_its_step():
    def stub(self, metric):
        raise NotImplementedError()

    _fails_with("ReduceLROnPlateau", _with_step(stub), "not implemented yet",
                "class ReduceLROnPlateau", "step")


def test_range_test_stub_is_reported_as_not_implemented():
    def stub(*args, **kwargs):
        raise NotImplementedError()

    _fails_with("lr_range_test", stub, "not implemented yet", "def lr_range_test")


def test_check_does_not_warn_when_the_formula_divides_by_zero():
    def no_one(self, t):
        return self.lr0 / (self.k * t)

    with np.errstate(all="raise"):
        _fails_with("inverse_time", _with_lr_at("inverse_time", no_one), "1 + k * t")


# Each plausible mistake and the words its message must hold: test_check_mistakes.py.
