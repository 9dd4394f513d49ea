"""The visible checks of assignment 03: pass on correct code, name the mistake otherwise.

The plausible mistakes of the module, each with the words its message must hold,
are in test_check_mistakes.py.
"""
from __future__ import annotations

import pytest

from course_lib import normalization as nz
from course_lib import preprocessing

from check_support import check_named as _check, fails_with as _fails_with

FUNCTIONS = {name: getattr(nz, name) for name in
             ("batchnorm_forward", "batchnorm_backward", "batchnorm_backward_alt",
              "layernorm_forward", "layernorm_backward")}
FUNCTIONS.update({name: getattr(preprocessing, name)
                  for name in ("fit_pca", "pca_transform", "whiten")})


# ------------------------------------------------------------------ general
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_check_passes_on_the_reference_and_prints_a_pass_line(name, capsys):
    _check(name)(FUNCTIONS[name])
    assert capsys.readouterr().out.strip() == f"✔ {name}: visible check passed."


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_check_turns_a_stub_into_not_implemented_yet(name):
    def stub(*args, **kwargs):
        raise NotImplementedError()

    module = "normalization.py" if hasattr(nz, name) else "preprocessing.py"
    message = _fails_with(_check(name), stub, "not implemented yet", f"def {name}", module)
    assert "Traceback" not in message


# Each plausible mistake and the words its message must hold: test_check_mistakes.py.
