"""The visible checks of assignment 04: pass on the reference, name each plausible mistake."""
from __future__ import annotations

import pytest

from autograder.points import cell_of
from course_lib import checks
from course_lib import regularization as reg

from check_support import fails_with as _fails_with

FUNCTIONS = {
    "dropout_forward": reg.dropout_forward,
    "dropout_backward": reg.dropout_backward,
    "dropconnect_forward": reg.dropconnect_forward,
    "dropconnect_backward": reg.dropconnect_backward,
    "activity_l1_penalty": reg.activity_l1_penalty,
    "kl_sparsity_penalty": reg.kl_sparsity_penalty,
    "l1_penalty": reg.l1_penalty,
    "l2_penalty": reg.l2_penalty,
    "elastic_net_penalty": reg.elastic_net_penalty,
    "max_norm": reg.max_norm,
    "clip_by_value": reg.clip_by_value,
    "clip_by_global_norm": reg.clip_by_global_norm,
    "EarlyStopping": reg.EarlyStopping,
}


# ------------------------------------------------------------------ general
def _tagged(names):
    return [pytest.param(name, marks=pytest.mark.task(cell_of(name)), id=name) for name in sorted(names)]


@pytest.mark.parametrize("name", _tagged(FUNCTIONS))
def test_check_passes_on_the_reference_and_prints_a_pass_line(name, capsys):
    getattr(checks, f"check_{name}")(FUNCTIONS[name])
    assert capsys.readouterr().out.strip() == f"✔ {name}: visible check passed."


@pytest.mark.parametrize("name", _tagged(set(FUNCTIONS) - {"EarlyStopping"}))
def test_check_turns_a_stub_into_not_implemented_yet(name):
    def stub(*args, **kwargs):
        raise NotImplementedError()

    _fails_with(getattr(checks, f"check_{name}"), stub, "not implemented yet", f"def {name}",
                "course_lib/regularization.py")


@pytest.mark.task("EarlyStopping")
def test_early_stopping_check_turns_a_stub_into_not_implemented_yet():
    class Stub(reg.EarlyStopping):
        def step(self, metric, params=None):
            raise NotImplementedError()

    _fails_with(checks.check_EarlyStopping, Stub, "not implemented yet", "def step",
                "class EarlyStopping")


# Each plausible mistake and the words its message must hold: test_check_mistakes.py.
