"""The visible checks of assignments 00 and 01: pass on correct code, name the mistake otherwise."""
from __future__ import annotations

import inspect
import math

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


def test_backward_check_asks_for_the_forward_when_it_is_a_stub():
    def stub(x):
        raise NotImplementedError()

    _fails_with(checks.check_relu_backward, act.relu_backward, "relu_forward",
                "not implemented yet", forward=stub)


def test_backward_check_asks_for_the_forward_when_it_is_wrong():
    def wrong(x):
        return x, x

    _fails_with(checks.check_sigmoid_backward, act.sigmoid_backward,
                "check_sigmoid_forward first", forward=wrong)


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
def _one_sided_gradient(f, x, h=1e-5):
    f_x = f(x.copy())
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        shifted = x.copy()
        shifted[i] += h
        grad[i] = (f(shifted) - f_x) / h
    return grad


def test_numeric_gradient_check_diagnoses_a_one_sided_difference():
    _fails_with(checks.check_numeric_gradient, _one_sided_gradient, "one-sided", "centred")


def test_numeric_gradient_check_diagnoses_x_left_changed():
    def forgets_to_restore(f, x, h=1e-5):
        grad = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            old = x[i]
            x[i] = old + h
            plus = f(x)
            x[i] = old - h
            grad[i] = (plus - f(x)) / (2 * h)
        return grad

    _fails_with(checks.check_numeric_gradient, forgets_to_restore, "x changed")


def test_numeric_gradient_check_diagnoses_an_ignored_step():
    def fixed_step(f, x, h=1e-5):
        return gradcheck.numeric_gradient(f, x, h=1e-6)

    _fails_with(checks.check_numeric_gradient, fixed_step, "ignore its h")


def test_numeric_gradient_check_diagnoses_dividing_by_h_instead_of_2h():
    def half_step(f, x, h=1e-5):
        return 2 * gradcheck.numeric_gradient(f, x, h=h)

    _fails_with(checks.check_numeric_gradient, half_step, "twice too large", "2h")


def test_numeric_gradient_array_check_diagnoses_ignored_dout():
    def no_dout(f, x, dout, h=1e-5):
        return gradcheck.numeric_gradient_array(f, x, np.ones_like(dout), h=h)

    _fails_with(checks.check_numeric_gradient_array, no_dout, "ignores dout")


def test_numeric_gradient_array_check_diagnoses_a_missing_copy_of_a_view():
    def no_copy(f, x, dout, h=1e-5):
        grad = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            old = x[i]
            x[i] = old + h
            plus = f(x)
            x[i] = old - h
            minus = f(x)
            x[i] = old
            grad[i] = np.sum((plus - minus) * dout) / (2 * h)
        return grad

    _fails_with(checks.check_numeric_gradient_array, no_copy, "view", "copy")


def test_affine_forward_check_diagnoses_a_missing_bias():
    def no_bias(x, w, b):
        return x.reshape(x.shape[0], -1) @ w, (x, w, b)

    _fails_with(checks.check_affine_forward, no_bias, "affine_forward: out", "wrong")


def test_affine_forward_check_diagnoses_a_flattened_cache():
    def flat_cache(x, w, b):
        flat = x.reshape(x.shape[0], -1)
        return flat @ w + b, (flat, w, b)

    _fails_with(checks.check_affine_forward, flat_cache, "original shape")


def test_affine_forward_check_diagnoses_float64_output_for_float32_input():
    def upcasts(x, w, b):
        out, cache = layers.affine_forward(x, w, b)
        return out.astype(np.float64), cache

    _fails_with(checks.check_affine_forward, upcasts, "dtype float64", "expected float32")


def test_affine_backward_check_diagnoses_dx_in_the_flat_shape():
    def flat_dx(dout, cache):
        x, w, b = cache
        dx, dw, db = layers.affine_backward(dout, cache)
        return dx.reshape(x.shape[0], -1), dw, db

    _fails_with(checks.check_affine_backward, flat_dx, "shape (2, 2)", "expected (2, 1, 2)")


def test_affine_backward_check_diagnoses_a_wrong_bias_gradient():
    def mean_db(dout, cache):
        dx, dw, _ = layers.affine_backward(dout, cache)
        return dx, dw, dout.mean(axis=0)

    _fails_with(checks.check_affine_backward, mean_db, "affine_backward: db is wrong")


def test_softmax_check_diagnoses_a_gradient_not_divided_by_the_batch_size():
    def not_divided(scores, y):
        loss, dscores = losses.softmax_loss(scores, y)
        return loss, dscores * scores.shape[0]

    _fails_with(checks.check_softmax_loss, not_divided, "batch size", "divided by N")


def test_softmax_check_diagnoses_a_summed_loss():
    def summed(scores, y):
        loss, dscores = losses.softmax_loss(scores, y)
        return loss * scores.shape[0], dscores

    _fails_with(checks.check_softmax_loss, summed, "loss", "batch size")


def test_softmax_check_diagnoses_naive_overflow_as_nan_without_warnings(recwarn):
    def naive(scores, y):
        n = scores.shape[0]
        probs = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
        loss = -np.mean(np.log(probs[np.arange(n), y]))
        dscores = probs.copy()
        dscores[np.arange(n), y] -= 1
        return float(loss), dscores / n

    _fails_with(checks.check_softmax_loss, naive, "NaN", "1000", "maximum")
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_softmax_check_diagnoses_log_of_an_underflowed_probability():
    def log_of_softmax(scores, y):
        n = scores.shape[0]
        shifted = scores - scores.max(axis=1, keepdims=True)
        probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
        loss = -np.mean(np.log(probs[np.arange(n), y]))
        dscores = probs.copy()
        dscores[np.arange(n), y] -= 1
        return float(loss), dscores / n

    _fails_with(checks.check_softmax_loss, log_of_softmax, "log-sum-exp")


def test_softmax_check_diagnoses_per_sample_losses():
    def per_sample(scores, y):
        _, dscores = losses.softmax_loss(scores, y)
        return np.ones(scores.shape[0]), dscores

    _fails_with(checks.check_softmax_loss, per_sample, "single number")


def test_softmax_check_diagnoses_a_float64_gradient_for_float32_scores():
    def upcasts(scores, y):
        loss, dscores = losses.softmax_loss(scores, y)
        return loss, dscores.astype(np.float64)

    _fails_with(checks.check_softmax_loss, upcasts, "dtype float64")


def test_softmax_check_diagnoses_a_wrong_sign():
    def flipped(scores, y):
        loss, dscores = losses.softmax_loss(scores, y)
        return loss, -dscores

    _fails_with(checks.check_softmax_loss, flipped, "wrong sign")


def test_svm_check_diagnoses_a_gradient_not_divided_by_the_batch_size():
    def not_divided(scores, y, margin=1.0):
        loss, dscores = losses.svm_loss(scores, y, margin)
        return loss, dscores * scores.shape[0]

    _fails_with(checks.check_svm_loss, not_divided, "batch size")


def test_svm_check_diagnoses_an_ignored_margin():
    def fixed_margin(scores, y, margin=1.0):
        return losses.svm_loss(scores, y)

    _fails_with(checks.check_svm_loss, fixed_margin, "margin argument")


def test_svm_check_diagnoses_a_missing_correct_class_gradient():
    def no_minus(scores, y, margin=1.0):
        loss, dscores = losses.svm_loss(scores, y, margin)
        dscores[np.arange(len(y)), y] = 0
        return loss, dscores

    _fails_with(checks.check_svm_loss, no_minus, "dscores", "zero at 2")


# ---------------------------------------------------------- assignment 01
def test_relu_backward_check_diagnoses_gradient_passed_where_x_is_negative():
    def leaks(dout, cache):
        return dout.copy()

    _fails_with(checks.check_relu_backward, leaks, "relu_backward: dx", "non-zero", "exactly zero")


def test_relu_backward_check_diagnoses_a_blocked_gradient():
    def blocks(dout, cache):
        return np.where(cache < 0, dout, 0)

    _fails_with(checks.check_relu_backward, blocks, "zero at", "should flow")


def test_relu_forward_check_diagnoses_a_wrong_shape():
    def flattens(x):
        return np.maximum(x, 0).ravel(), x

    _fails_with(checks.check_relu_forward, flattens, "shape (3,)", "expected (3, 1, 1)")


def test_forward_check_diagnoses_a_missing_cache():
    _fails_with(checks.check_tanh_forward, lambda x: np.tanh(x), "pair (out, cache)")


def test_sigmoid_forward_check_diagnoses_an_overflow_warning(recwarn):
    def naive(x):
        out = 1 / (1 + np.exp(-x))
        return out, out

    _fails_with(checks.check_sigmoid_forward, naive, "overflow", "±1000")
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_elu_forward_check_diagnoses_exp_of_large_positive_inputs():
    def both_branches(x, alpha=1.0):
        out = np.where(x > 0, x, alpha * (np.exp(x) - 1))
        return out, (x, out, alpha)

    _fails_with(checks.check_elu_forward, both_branches, "floating-point warning")


def test_gelu_forward_check_diagnoses_a_float64_constant():
    from scipy.special import erf

    def upcasts(x):
        return 0.5 * x * (1 + erf(x / np.sqrt(2.0))), x

    _fails_with(checks.check_gelu_forward, upcasts, "dtype float64", "np.sqrt(2.0)")


def test_gelu_forward_check_diagnoses_the_tanh_approximation():
    def approx(x):
        c = math.sqrt(2 / math.pi)
        return 0.5 * x * (1 + np.tanh(c * (x + 0.044715 * x ** 3))), x

    _fails_with(checks.check_gelu_forward, approx, "gelu_forward: out", "largest difference")


def test_leaky_relu_forward_check_diagnoses_a_wrong_default_alpha():
    def default_tenth(x, alpha=0.1):
        return act.leaky_relu_forward(x, alpha)

    _fails_with(checks.check_leaky_relu_forward, default_tenth, "alpha=0.01")


def test_tanh_backward_check_diagnoses_a_wrong_derivative():
    def sigmoid_style(dout, cache):
        return dout * cache * (1 - cache)

    _fails_with(checks.check_tanh_backward, sigmoid_style, "tanh_backward: dx")


def test_binary_step_check_diagnoses_the_convention_at_zero():
    def strict(x):
        return (x > 0).astype(x.dtype), x

    _fails_with(checks.check_binary_step_forward, strict, "x >= 0")


def test_prelu_forward_check_diagnoses_alpha_on_the_wrong_axis():
    def first_axis(x, alpha):
        alpha = np.asarray(alpha, dtype=x.dtype)
        a = alpha[:, None] if alpha.ndim else alpha
        return np.where(x > 0, x, a * x), (x, alpha)

    _fails_with(checks.check_prelu_forward, first_axis, "last axis")


def test_prelu_backward_check_diagnoses_an_unreduced_dalpha():
    def unreduced(dout, cache):
        x, alpha = cache
        return np.where(x > 0, dout, alpha * dout), dout * np.minimum(x, 0)

    _fails_with(checks.check_prelu_backward, unreduced, "dalpha", "shape (2, 2)", "expected (2,)")


def test_maxout_backward_check_diagnoses_gradient_to_every_piece():
    def every_piece(dout, cache):
        x, w, b, _ = cache
        dz = np.broadcast_to(dout, (w.shape[0],) + dout.shape)
        return np.sum(dz @ w.transpose(0, 2, 1), axis=0), x.T @ dz, dz.sum(axis=1)

    _fails_with(checks.check_maxout_backward, every_piece, "maxout_backward: dx",
                "winning piece")


def test_maxout_forward_check_diagnoses_a_sum_over_pieces():
    def summed(x, w, b):
        z = x @ w + b[:, None, :]
        return z.sum(axis=0), (x, w, b, z.argmax(axis=0))

    _fails_with(checks.check_maxout_forward, summed, "maxout_forward: out")
