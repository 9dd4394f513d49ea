"""The visible checks of assignment 02: pass on correct initialisers, name the mistake otherwise."""
from __future__ import annotations

import math

import numpy as np
import pytest

from course_lib import checks, init

from check_support import check_named as _check, fails_with as _fails_with

SCHEMES = {name: getattr(init, name) for name in
           ("zeros", "normal", "xavier_normal", "xavier_uniform", "he_normal", "he_uniform",
            "lecun_normal")}


# ------------------------------------------------------------------ general
@pytest.mark.parametrize("name", sorted(SCHEMES))
def test_check_passes_on_the_reference_and_prints_a_pass_line(name, capsys):
    _check(name)(SCHEMES[name])
    assert capsys.readouterr().out.strip() == f"✔ {name}: visible check passed."


@pytest.mark.parametrize("name", sorted(SCHEMES))
def test_check_turns_a_stub_into_not_implemented_yet(name):
    def stub(*args, **kwargs):
        raise NotImplementedError()

    message = _fails_with(_check(name), stub, "not implemented yet", f"def {name}", "init.py")
    assert "Traceback" not in message


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_check_does_not_depend_on_how_the_generator_is_consumed(seed):
    """A correct He initialiser that draws the transposed matrix and skips some numbers."""
    def he_other_order(fan_in, fan_out, rng, dtype=np.float64):
        rng.standard_normal(seed)
        W = rng.normal(0.0, math.sqrt(2.0 / fan_in), size=(fan_out, fan_in)).T
        return np.asarray(W, dtype=dtype)

    checks.check_he_normal(he_other_order)


# ------------------------------------------------------------------ zeros
def test_zeros_that_need_a_generator_are_reported():
    def needs_rng(fan_in, fan_out, rng, dtype=np.float64):
        return np.zeros((fan_in, fan_out), dtype=dtype)

    with pytest.raises(TypeError):
        checks.check_zeros(needs_rng)


# Each plausible mistake and the words its message must hold: test_check_mistakes.py.
