"""The visible checks of assignments 00 and 01: pass on correct code, name the mistake otherwise."""
from __future__ import annotations

import inspect

import numpy as np
import pytest

from course_lib import activations as act
from course_lib import checks, gradcheck, layers, losses
from course_lib.checks import CheckFailed

from check_support import check_named as _check, fails_with as _fails_with

ASSIGNMENT_00 = {
    "numeric_gradient": gradcheck.numeric_gradient,
    "numeric_gradient_array": gradcheck.numeric_gradient_array,
    "affine_forward": layers.affine_forward,
    "affine_backward": layers.affine_backward,
    "softmax_loss": losses.softmax_loss,
    "svm_loss": losses.svm_loss,
}
ASSIGNMENT_01 = {
    name: getattr(act, name)
    for base in ("sigmoid", "tanh", "relu", "leaky_relu", "prelu", "elu", "selu", "softplus",
                 "arctan", "gelu", "maxout")
    for name in (f"{base}_forward", f"{base}_backward")
}
ASSIGNMENT_01["binary_step_forward"] = act.binary_step_forward
ALL = {**ASSIGNMENT_00, **ASSIGNMENT_01}


# ------------------------------------------------------------------ general
@pytest.mark.parametrize("name", sorted(ALL))
def test_check_passes_on_the_reference_and_prints_a_pass_line(name, capsys):
    _check(name)(ALL[name])
    assert capsys.readouterr().out.strip() == f"✔ {name}: visible check passed."


@pytest.mark.parametrize("name", sorted(ALL))
def test_check_turns_a_stub_into_not_implemented_yet(name):
    def stub(*args, **kwargs):
        raise NotImplementedError()

    message = _fails_with(_check(name), stub, "not implemented yet", f"def {name}")
    assert "Traceback" not in message


@pytest.mark.parametrize("name", sorted(ASSIGNMENT_00))
def test_assignment_00_checks_contain_no_numeric_gradient(name):
    source = inspect.getsource(_check(name))
    assert "gradcheck import" not in source and "gradcheck." not in source
    assert "2 * h" not in source


def test_failure_renders_as_a_short_message_in_ipython():
    rendered = CheckFailed("softmax_loss is wrong")._render_traceback_()
    assert rendered == ["\x1b[31mCheckFailed\x1b[0m: softmax_loss is wrong"]


# ---------------------------------------------------------- how a mismatch is described
def _described(got, expected, **kwargs):
    return checks.diagnose(np.array(got, dtype=float), np.array(expected, dtype=float),
                           "out", **kwargs)


def test_a_mismatch_names_its_first_wrong_index_with_both_values():
    message = _described([[1.0, 2.0], [3.0, 7.5]], [[1.0, 2.0], [3.0, 4.0]])
    assert "index [1, 1]" in message and "expected 4" in message and "got 7.5" in message
    assert "1 of 4 places" in message


def test_a_flipped_sign_is_named_where_some_entries_are_right():
    message = _described([1.0, -2.0, 3.0, -4.0], [1.0, 2.0, 3.0, 4.0])
    assert "wrong sign at 2 of 4 places" in message and "index [1]" in message


def test_a_constant_factor_is_named_with_its_size():
    assert "3× too large everywhere" in _described([3.0, -6.0, 9.0], [1.0, -2.0, 3.0])
    assert "0.7 times the expected value" in _described([0.7, -1.4, 2.1], [1.0, -2.0, 3.0])


def test_a_factor_the_check_expects_gets_the_checks_explanation():
    message = _described([2.0, 4.0], [1.0, 2.0], factors={2.0: "the batch size is 2."})
    assert "2× too large" in message and "the batch size is 2." in message


def test_a_transposed_result_is_named_whether_or_not_the_shape_changes():
    assert "transpose" in _described([[1.0, 3.0], [2.0, 4.0]], [[1.0, 2.0], [3.0, 4.0]])
    assert "transpose" in _described([[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]],
                                     [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])


def test_a_term_missing_from_every_row_or_column_is_named():
    expected = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 7.0]])
    assert "one value per column" in _described(expected + [0.5, -1.0, 2.0], expected)
    assert "one value per row" in _described(expected + [[0.5], [-1.0]], expected)
    assert "same amount 0.25 everywhere" in _described(expected + 0.25, expected)


def test_none_in_place_of_an_array_is_named():
    assert "is None" in checks.diagnose(None, [1.0], "out")


def test_a_function_that_returns_none_is_told_so():
    _fails_with(checks.check_relu_forward, lambda x: None, "returned None", "return")


def test_results_in_a_permuted_order_are_named_before_their_values():
    from course_lib.checks.core import expect_outputs

    right = (np.zeros((2, 3)), np.ones(3), np.arange(3.0))
    with pytest.raises(CheckFailed, match=r"wrong order, \(c, a, b\)"):
        expect_outputs((right[2], right[0], right[1]), "f", ("a", "b", "c"), right)
    assert expect_outputs(right, "f", ("a", "b", "c"), right) == right


# ---------------------------------------------------------- a module that did not reload
def _module_in_course_lib(tmp_path, source, name="course_lib_reload_case"):
    """Import ``source`` as a module whose file sits in a folder named course_lib."""
    import importlib.util
    import sys

    folder = tmp_path / "course_lib"
    folder.mkdir(exist_ok=True)
    path = folder / "losses.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module, path


_SOURCE = "def relu_forward(x):\n    return x * (x > 0), x\n"


@pytest.fixture
def loaded(tmp_path):
    import sys

    module, path = _module_in_course_lib(tmp_path, _SOURCE)
    yield module, path
    sys.modules.pop(module.__name__, None)


def _rewrite(path, text):
    import os

    path.write_text(text)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_a_module_that_matches_its_file_gets_no_notice(loaded):
    module, _ = loaded
    assert checks.stale_module_notice(module.relu_forward) is None


def test_code_outside_course_lib_is_not_compared():
    assert checks.stale_module_notice(lambda x: (x, x)) is None


def test_a_syntax_error_on_disk_is_named_with_file_and_line(loaded):
    module, path = loaded
    _rewrite(path, _SOURCE + "\ndef broken(:\n    pass\n")
    notice = checks.stale_module_notice(module.relu_forward)
    assert "course_lib/losses.py has a syntax error at line 4" in notice
    assert "previous version" in notice


def test_a_file_changed_since_it_was_imported_is_named(loaded):
    module, path = loaded
    _rewrite(path, _SOURCE.replace("x * (x > 0)", "x * (x >= 0)"))
    assert "changed since it was last imported" in checks.stale_module_notice(module.relu_forward)


def test_the_notice_comes_before_a_failing_verdict(loaded):
    module, path = loaded
    _rewrite(path, _SOURCE + "\ndef broken(:\n")

    def wrong(x):
        return -x, x

    module.wrong = wrong
    wrong.__module__ = module.__name__
    message = _fails_with(checks.check_relu_forward, wrong, "syntax error")
    assert message.index("syntax error") < message.index("relu_forward: out")


def test_the_notice_is_printed_before_a_pass_line(loaded, capsys):
    module, path = loaded
    _rewrite(path, _SOURCE + "\ndef broken(:\n")
    checks.check_relu_forward(_relu_from(module))
    lines = capsys.readouterr().out.strip().splitlines()
    assert "syntax error at line 4" in lines[0] and lines[-1].startswith("✔ relu_forward")


def _relu_from(module):
    """The reference ReLU, as if it were defined in ``module``."""
    import types

    code = act.relu_forward.__code__
    fn = types.FunctionType(code, act.relu_forward.__globals__, "relu_forward")
    fn.__module__ = module.__name__
    fn.__qualname__ = "relu_forward"
    return fn


# ---------------------------------------------------------- assignment 00
# Each plausible mistake and the words its message must hold: test_check_mistakes.py.
def test_softmax_check_diagnoses_naive_overflow_without_printing_a_warning(recwarn):
    def naive(scores, y):
        n = scores.shape[0]
        probs = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
        loss = -np.mean(np.log(probs[np.arange(n), y]))
        dscores = probs.copy()
        dscores[np.arange(n), y] -= 1
        return float(loss), dscores / n

    _fails_with(checks.check_softmax_loss, naive, "NaN")
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


# ---------------------------------------------------------- assignment 01
def test_sigmoid_forward_check_diagnoses_an_overflow_without_printing_a_warning(recwarn):
    def naive(x):
        out = 1 / (1 + np.exp(-x))
        return out, out

    _fails_with(checks.check_sigmoid_forward, naive, "overflow")
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
