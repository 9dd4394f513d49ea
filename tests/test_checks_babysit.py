"""The visible checks of assignment 07: pass on correct code, name the mistake otherwise."""
from __future__ import annotations

import numpy as np
import pytest

from course_lib import babysit, checks

from check_support import check_named as _check, fails_with as _fails_with

ALL = ["expected_initial_loss", "update_to_weight_ratio", "log_uniform", "at_border"]


# ------------------------------------------------------------------ general
@pytest.mark.parametrize("name", ALL)
def test_check_passes_on_the_reference_and_prints_a_pass_line(name, capsys):
    with np.errstate(all="raise"):
        _check(name)(getattr(babysit, name))
    assert capsys.readouterr().out.strip() == f"✔ {name}: visible check passed."


@pytest.mark.parametrize("name", ALL)
def test_check_turns_a_stub_into_not_implemented_yet(name):
    def stub(*args, **kwargs):
        raise NotImplementedError()

    message = _fails_with(name, stub, "not implemented yet", f"def {name}", "babysit.py")
    assert "Traceback" not in message


# ------------------------------------------------------------------ log_uniform
@pytest.mark.task("log_uniform")
def test_log_uniform_check_accepts_any_way_of_drawing_the_exponent():
    # natural logs, a different number of generator calls: still a correct sampler
    def sampler(rng, lo, hi, size=None):
        u = rng.random(size=size)
        samples = np.exp(np.log(lo) + u * (np.log(hi) - np.log(lo)))
        return float(samples) if size is None else samples

    checks.check_log_uniform(sampler)


# Each plausible mistake and the words its message must hold: test_check_mistakes.py.
