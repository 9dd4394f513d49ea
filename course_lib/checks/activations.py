"""Visible checks of assignment 01: every activation's forward and backward."""
from __future__ import annotations

import numpy as np

from .core import *  # noqa: F401,F403
from .core import _call, _call_strict, _as_pair  # noqa: F401

# ======================================================= assignment 01
# activations. Backward passes are compared with centred differences of an
# inline formula (``grouped_slopes``), never with the student's own
# course_lib.gradcheck: a check must not depend on an earlier assignment. A
# backward check builds its cache with the student's forward of the SAME
# activation (a cache's contents are the forward's choice), after checking it.

# the published SELU constants (Klambauer et al., 2017)
_LAMBDA = 1.0507009873554805
_ALPHA = 1.6732632423543772


def _phi(v):
    from scipy.special import erf
    return 0.5 * (1.0 + erf(v / np.sqrt(2.0)))


# name -> (keyword arguments, inline forward formula for moderate inputs,
#          (x, expected out) worked out by hand, slope at x = [-1000, 1000])
_ELEMENTWISE = {
    "sigmoid": ({}, lambda v: 1 / (1 + np.exp(-v)),
                ([0.0, np.log(3), -np.log(3)], [0.5, 0.75, 0.25]), [0.0, 0.0]),
    "tanh": ({}, np.tanh,
             ([0.0, np.log(2), -np.log(2)], [0.0, 0.6, -0.6]), [0.0, 0.0]),
    "relu": ({}, lambda v: np.maximum(v, 0),
             ([-2.0, 0.0, 3.0], [0.0, 0.0, 3.0]), [0.0, 1.0]),
    "leaky_relu": ({"alpha": 0.2}, lambda v: np.where(v > 0, v, 0.2 * v),
                   ([-2.0, 0.0, 3.0], [-0.4, 0.0, 3.0]), [0.2, 1.0]),
    "elu": ({"alpha": 2.0}, lambda v: np.where(v > 0, v, 2.0 * (np.exp(v) - 1)),
            ([-np.log(2), 0.0, 3.0], [-1.0, 0.0, 3.0]), [0.0, 1.0]),
    "selu": ({}, lambda v: _LAMBDA * np.where(v > 0, v, _ALPHA * (np.exp(v) - 1)),
             ([-np.log(2), 0.0, 3.0], [-0.5 * _LAMBDA * _ALPHA, 0.0, 3 * _LAMBDA]),
             [0.0, _LAMBDA]),
    "softplus": ({}, lambda v: np.log(1 + np.exp(v)),
                 ([0.0, np.log(3), -np.log(3)], [np.log(2), np.log(4), np.log(4 / 3)]),
                 [0.0, 1.0]),
    "arctan": ({}, np.arctan,
               ([1.0, -1.0, np.sqrt(3)], [np.pi / 4, -np.pi / 4, np.pi / 3]),
               [1 / (1 + 1000.0 ** 2)] * 2),
    "gelu": ({}, lambda v: v * _phi(v),
             ([0.0, 1.0, -1.0], [0.0, 0.8413447460685429, -0.15865525393145707]), [0.0, 1.0]),
}


def _sig(v):
    return 1 / (1 + np.exp(-v))


def _gelu_tanh(v):
    return 0.5 * v * (1 + np.tanh(np.sqrt(2 / np.pi) * (v + 0.044715 * v ** 3)))


# name -> [(forward a typical slip computes (given kwargs), what to say)]
_FORWARD_SLIPS = {
    "leaky_relu": [(lambda v: np.where(v > 0, v, 0.01 * v),
                    "it uses alpha = 0.01 although alpha = 0.2 was passed: use the alpha "
                    "argument.")],
    "elu": [(lambda v: np.where(v > 0, v, np.exp(v) - 1),
             "it uses alpha = 1 although alpha = 2 was passed: use the alpha argument."),
            (lambda v: np.where(v > 0, v, 2.0 * np.exp(v)),
             "the negative branch is alpha * exp(x); it is alpha * (exp(x) - 1), which is 0 "
             "at x = 0 (np.expm1).")],
    "selu": [(lambda v: 1.0507 * np.where(v > 0, v, 1.6733 * (np.exp(v) - 1)),
              "the constants are rounded: use SELU_SCALE and SELU_ALPHA from the module."),
             (lambda v: np.where(v > 0, v, _ALPHA * (np.exp(v) - 1)),
              "the scale SELU_SCALE is missing: SELU is SELU_SCALE * elu(x, SELU_ALPHA).")],
    "gelu": [(_gelu_tanh, "that is the tanh approximation of GELU; this course uses the exact "
                          "form x * Phi(x) with Phi(x) = (1 + erf(x / sqrt(2))) / 2."),
             (lambda v: v * _sig(1.702 * v), "that is the sigmoid approximation "
                                             "x * sigmoid(1.702 x); use the exact x * Phi(x)."),
             (_phi, "that is Phi(x), the normal CDF, alone: GELU is x * Phi(x).")],
    "softplus": [(lambda v: np.log(np.exp(v)), "log(exp(x)) is x: softplus is log(1 + exp(x)).")],
    "sigmoid": [(lambda v: 1 / (1 + np.exp(v)), "the sign of the exponent is wrong: "
                                               "1 / (1 + exp(-x)).")],
    "tanh": [(lambda v: 2 * _sig(v) - 1, "that is 2 sigmoid(x) - 1 = tanh(x / 2); tanh(x) is "
                                         "2 sigmoid(2x) - 1 (or np.tanh).")],
}

# name -> [(slope a typical slip uses, what to say)]; the backward's dx is dout * slope
_BACKWARD_SLIPS = {
    "sigmoid": [(_sig, "the factor (1 - s) is missing: the slope is s * (1 - s) with "
                       "s = sigmoid(x)."),
                (lambda v: v * (1 - v), "it applies s * (1 - s) to x itself; s is the "
                                        "sigmoid's OUTPUT (what the forward cached)."),
                (lambda v: 1 - _sig(v) ** 2, "that is the tanh rule 1 - s**2; the sigmoid's "
                                             "slope is s * (1 - s).")],
    "tanh": [(lambda v: 1 - np.tanh(v), "the square is missing: the slope is 1 - tanh(x)**2."),
             (lambda v: 1 - v ** 2, "it applies 1 - t**2 to x itself; t is tanh's OUTPUT "
                                    "(what the forward cached)."),
             (lambda v: np.tanh(v) * (1 - np.tanh(v)), "that is the sigmoid's rule "
                                                       "s * (1 - s); tanh's slope is 1 - t**2.")],
    "relu": [(lambda v: np.where(v > 0, v, 0.0), "it multiplies by x (the forward's output) "
                                                 "where x > 0; the slope there is 1, so dx "
                                                 "is dout itself.")],
    "leaky_relu": [(lambda v: np.where(v > 0, 1.0, 0.0), "below 0 the slope is alpha, not 0 "
                                                         "(that is ReLU)."),
                   (lambda v: np.where(v > 0, 1.0, 0.01), "it uses alpha = 0.01 although the "
                                                          "forward was given alpha = 0.2: use "
                                                          "the alpha in the cache.")],
    "elu": [(lambda v: np.where(v > 0, 1.0, 2.0 * (np.exp(v) - 1)),
             "below 0 it uses the output alpha * (exp(x) - 1) as the slope; the slope is "
             "alpha * exp(x), i.e. out + alpha."),
            (lambda v: np.where(v > 0, 1.0, np.exp(v)), "below 0 the slope is alpha * exp(x): "
                                                        "alpha is missing.")],
    "selu": [(lambda v: np.where(v > 0, 1.0, _ALPHA * np.exp(v)),
              "the scale SELU_SCALE is missing: it multiplies both branches of the slope."),
             (lambda v: _LAMBDA * np.where(v > 0, 1.0, _ALPHA * (np.exp(v) - 1)),
              "below 0 it uses the ELU output as the slope; the slope is "
              "SELU_SCALE * SELU_ALPHA * exp(x).")],
    "softplus": [(lambda v: np.log(1 + np.exp(v)), "that is softplus itself; its slope is "
                                                   "the sigmoid, exp(x - out)."),
                 (lambda v: np.exp(v), "exp(x) is the slope of exp, not of log(1 + exp(x)); "
                                       "the slope is the sigmoid, exp(x - out).")],
    "arctan": [(lambda v: 1 / (1 - v ** 2), "the slope is 1 / (1 + x**2), with a plus."),
               (lambda v: 1 / (1 + v) ** 2, "the slope is 1 / (1 + x**2): square x, not "
                                            "1 + x.")],
    "gelu": [(_phi, "that is Phi(x) alone: by the product rule the slope of x * Phi(x) is "
                    "Phi(x) + x * phi(x)."),
             (lambda v: _phi(v) + v * np.exp(-v ** 2 / 2),
              "the density is not normalised: phi(x) = exp(-x**2 / 2) / sqrt(2 pi)."),
             (lambda v: v * np.exp(-v ** 2 / 2) / np.sqrt(2 * np.pi),
              "the term Phi(x) is missing: by the product rule the slope is "
              "Phi(x) + x * phi(x).")],
}

# the slope at x = 0 exactly, where a kinked activation's docstring fixes a convention
# (x counts as positive only above 0), with the check's alpha
_SLOPE_AT_ZERO = {"relu": 0.0, "leaky_relu": 0.2, "elu": 2.0, "selu": _LAMBDA * _ALPHA}

# activations with a default alpha: x, expected out without alpha given, the default
_DEFAULTS = {
    "leaky_relu": ([-2.0, 3.0], [-0.02, 3.0], 0.01),
    "elu": ([-np.log(2), 3.0], [-0.5, 3.0], 1.0),
}

# values of x away from the kinks, and an upstream gradient
_X = np.array([[-2.0, -0.5, 0.3], [1.5, 3.0, -1.2]])
_DOUT = np.array([[0.5, -1.0, 2.0], [1.5, -0.5, 1.0]])


def _close_to(got, value, rtol=1e-6, atol=1e-8):
    """True when ``got`` has the shape and values of ``value`` (no exception on junk)."""
    try:
        got = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    value = np.asarray(value, dtype=np.float64)
    return got.shape == value.shape and bool(np.allclose(got, value, rtol=rtol, atol=atol))


def _forward_of(name, forward):
    if forward is None:
        from .. import activations
        forward = getattr(activations, f"{name}_forward")
    return forward


def _check_elementwise_forward(name, fn):
    kwargs, _, (x, expected), _ = _ELEMENTWISE[name]
    fname = f"{name}_forward"
    x = np.array(x)
    out, _ = _as_pair(_call_strict(fname, "activations", fn, x.copy(), **kwargs), fname)
    what = f"{fname}: out for x = {np.round(x, 4).tolist()}"
    if diagnose(out, expected, what):
        with np.errstate(all="ignore"):
            for slip, message in _FORWARD_SLIPS.get(name, []):
                if _close_to(out, slip(x)):
                    fail(f"{what} is wrong: {message}")
    expect_close(out, expected, what)
    # any shape: the same numbers as a (3, 1, 1) batch
    out3, _ = _as_pair(_call_strict(fname, "activations", fn, x.reshape(3, 1, 1), **kwargs), fname)
    expect_close(out3, np.reshape(expected, (3, 1, 1)), f"{fname}: out for x of shape (3, 1, 1)")
    out32, _ = _as_pair(_call_strict(fname, "activations", fn, x.astype(np.float32), **kwargs),
                        fname)
    expect_dtype(out32, np.float32, f"{fname}: out for float32 x")
    expect_close(out32, expected, f"{fname}: out for float32 x", rtol=1e-5, atol=1e-6)
    if name in _DEFAULTS:
        x_default, expected_default, default = _DEFAULTS[name]
        out, _ = _as_pair(_call_strict(fname, "activations", fn, np.array(x_default)), fname)
        expect_close(out, expected_default, f"{fname}: out without alpha given",
                     hint=f"The default is alpha={default}.")
    big, _ = _as_pair(_call_strict(fname, "activations", fn, np.array([-1000.0, 1000.0]),
                                   **kwargs), fname)
    if not np.all(np.isfinite(np.asarray(big, dtype=float))):
        fail(f"{fname} gives NaN or inf for x = ±1000; keep np.exp away from large arguments.")


def _check_elementwise_backward(name, fn, forward):
    kwargs, formula, _, big_slope = _ELEMENTWISE[name]
    fname, bname = f"{name}_forward", f"{name}_backward"
    forward = _forward_of(name, forward)
    out, cache = _as_pair(_call_strict(fname, "activations", forward, _X.copy(), **kwargs), fname)
    if diagnose(out, formula(_X), fname):
        fail(f"{bname} needs a working {fname} (for the cache): run check_{fname} first.")
    dx = _call_strict(bname, "activations", fn, _DOUT.copy(), cache)
    # Elementwise: every entry is its own group, so one centred difference gives all slopes.
    expected = grouped_slopes(formula, _X, _DOUT, x_axis=-1, out_axis=-1)
    if diagnose(dx, expected, f"{bname}: dx", rtol=1e-6, atol=1e-8):
        if _close_to(dx, expected / _DOUT):
            fail(f"{bname}: dx is the local slope alone: multiply it by dout (chain rule).")
        for slope, message in _BACKWARD_SLIPS.get(name, []):
            if _close_to(dx, _DOUT * slope(_X)):
                fail(f"{bname}: dx is wrong: {message}")
    expect_close(dx, expected, f"{bname}: dx", rtol=1e-6, atol=1e-8)
    # saturated or linear far out: the slopes at ±1000, computed without warnings
    _, cache = _as_pair(_call_strict(fname, "activations", forward, np.array([-1000.0, 1000.0]),
                                     **kwargs), fname)
    dx_big = _call_strict(bname, "activations", fn, np.ones(2), cache)
    expect_close(dx_big, big_slope, f"{bname}: dx at x = [-1000, 1000] with dout = 1",
                 rtol=1e-6, atol=1e-12)
    if name in _SLOPE_AT_ZERO:
        _, cache = _as_pair(_call_strict(fname, "activations", forward, np.zeros(1), **kwargs),
                            fname)
        dx_zero = _call_strict(bname, "activations", fn, np.ones(1), cache)
        expect_close(dx_zero, [_SLOPE_AT_ZERO[name]], f"{bname}: dx at x = 0 exactly",
                     hint="At the kink the docstring's convention holds: x counts as positive "
                          "only when x > 0, so at 0 the slope is the one of the negative side.")
    x32 = _X.astype(np.float32)
    _, cache = _as_pair(_call_strict(fname, "activations", forward, x32, **kwargs), fname)
    dx32 = _call_strict(bname, "activations", fn, _DOUT.astype(np.float32), cache)
    expect_dtype(dx32, np.float32, f"{bname}: dx for float32 inputs")


def _make_elementwise_checks(name):
    fname, bname = f"{name}_forward", f"{name}_backward"

    @visible_check(fname)
    def check_forward(fn):
        _check_elementwise_forward(name, fn)

    @visible_check(bname)
    def check_backward(fn, forward=None):
        _check_elementwise_backward(name, fn, forward)

    check_forward.__name__ = check_forward.__qualname__ = f"check_{fname}"
    check_backward.__name__ = check_backward.__qualname__ = f"check_{bname}"
    check_forward.__doc__ = (f"Check ``{fname}`` on hand-computed values, any shape, float32 "
                             "and x = ±1000 (no overflow warning).")
    check_backward.__doc__ = (f"Check ``{bname}`` against numeric gradients; the cache comes "
                              f"from ``forward`` (default: ``activations.{fname}``).")
    return check_forward, check_backward


check_sigmoid_forward, check_sigmoid_backward = _make_elementwise_checks("sigmoid")
check_tanh_forward, check_tanh_backward = _make_elementwise_checks("tanh")
check_relu_forward, check_relu_backward = _make_elementwise_checks("relu")
check_leaky_relu_forward, check_leaky_relu_backward = _make_elementwise_checks("leaky_relu")
check_elu_forward, check_elu_backward = _make_elementwise_checks("elu")
check_selu_forward, check_selu_backward = _make_elementwise_checks("selu")
check_softplus_forward, check_softplus_backward = _make_elementwise_checks("softplus")
check_arctan_forward, check_arctan_backward = _make_elementwise_checks("arctan")
check_gelu_forward, check_gelu_backward = _make_elementwise_checks("gelu")


@visible_check("binary_step_forward")
def check_binary_step_forward(fn):
    """Check ``binary_step_forward``: 1 from 0 upwards, 0 below."""
    name = "binary_step_forward"
    x = np.array([-2.0, -1e-9, 0.0, 3.0])
    out, _ = _as_pair(_call(name, "activations", fn, x.copy()), name)
    if _close_to(out, [0.0, 0.0, 0.0, 1.0]):
        fail(f"{name}: out for x = [-2, -1e-9, 0, 3] is 0 at x = 0; by the convention of the "
             "docstring step(0) = 1: the step is 1 where x >= 0.")
    expect_close(out, [0.0, 0.0, 1.0, 1.0], f"{name}: out for x = [-2, -1e-9, 0, 3]",
                 hint="The step is 1 where x >= 0 (including 0).")
    out32, _ = _as_pair(_call(name, "activations", fn, x.astype(np.float32).reshape(2, 2)), name)
    expect_dtype(out32, np.float32, f"{name}: out for float32 x")
    if np.shape(out32) != (2, 2):
        fail(f"{name}: out has shape {np.shape(out32)} for x of shape (2, 2).")


_PRELU_X = np.array([[-2.0, 3.0], [-1.0, -4.0]])


@visible_check("prelu_forward")
def check_prelu_forward(fn):
    """Check ``prelu_forward`` with a shared slope and with per-feature slopes."""
    name = "prelu_forward"
    out, _ = _as_pair(_call(name, "activations", fn, _PRELU_X.copy(), np.array(0.5)), name)
    expect_close(out, [[-1.0, 3.0], [-0.5, -2.0]], f"{name}: out with alpha = 0.5 (shared)")
    out, _ = _as_pair(_call(name, "activations", fn, _PRELU_X.copy(), np.array([0.1, 0.2])), name)
    if _close_to(out, np.where(_PRELU_X > 0, _PRELU_X, np.array([[0.1], [0.2]]) * _PRELU_X)):
        fail(f"{name}: out with alpha = [0.1, 0.2] uses one slope per ROW; alpha has one slope "
             "per column (the last axis of x), which plain broadcasting gives.")
    expect_close(out, [[-0.2, 3.0], [-0.1, -0.8]], f"{name}: out with alpha = [0.1, 0.2]",
                 hint="alpha has one slope per column (the last axis of x).")
    out32, _ = _as_pair(_call(name, "activations", fn, _PRELU_X.astype(np.float32),
                              np.array([0.1, 0.2])), name)
    expect_dtype(out32, np.float32, f"{name}: out for float32 x (float64 alpha)")


@visible_check("prelu_backward")
def check_prelu_backward(fn, forward=None):
    """Check ``prelu_backward``: ``dx`` and ``dalpha`` (shape of alpha), two ways of sharing."""
    name, fname = "prelu_backward", "prelu_forward"
    forward = _forward_of("prelu", forward)
    dout = np.array([[1.0, 2.0], [3.0, 4.0]])
    cases = [
        (np.array([0.1, 0.2]), [[0.1, 2.0], [0.3, 0.8]], [-5.0, -16.0], "alpha = [0.1, 0.2]"),
        (np.array(0.5), [[0.5, 2.0], [1.5, 2.0]], -21.0, "a shared alpha = 0.5"),
    ]
    for alpha, dx_expected, dalpha_expected, label in cases:
        out, cache = _as_pair(_call(fname, "activations", forward, _PRELU_X.copy(), alpha), fname)
        if diagnose(out, np.where(_PRELU_X > 0, _PRELU_X, alpha * _PRELU_X), fname):
            fail(f"{name} needs a working {fname} (for the cache): run check_{fname} first.")
        result = _call(name, "activations", fn, dout.copy(), cache)
        dx, dalpha = expect_outputs(result, name, ("dx", "dalpha"),
                                    (dx_expected, dalpha_expected))
        expect_close(dx, dx_expected, f"{name}: dx with {label}")
        expect_close(dalpha, dalpha_expected, f"{name}: dalpha with {label}",
                     hint="alpha was broadcast, so sum dout * min(x, 0) over the axes alpha "
                          "does not have; dalpha has alpha's shape.")


def _maxout_example():
    rng = np.random.default_rng(3)
    x = np.round(rng.standard_normal((3, 2)), 1)
    w = np.round(rng.standard_normal((3, 2, 4)), 1)          # k = 3 pieces, M = 4
    b = np.round(rng.standard_normal((3, 4)), 1)
    return x, w, b


def _maxout_formula(x, w, b):
    """The definition: the largest of the k affine pieces."""
    return np.maximum(np.maximum(x @ w[0] + b[0], x @ w[1] + b[1]), x @ w[2] + b[2])


def _expect_maxout(name, out, x, w, b, what, hint=""):
    """``out`` must be the maximum over the pieces; a sum, mean or minimum is named."""
    pieces = np.stack([x @ w[j] + b[j] for j in range(w.shape[0])])
    for value, message in ((pieces.sum(axis=0), "it is the sum of the pieces"),
                           (pieces.mean(axis=0), "it is the mean of the pieces"),
                           (pieces.min(axis=0), "it is the minimum of the pieces")):
        if _close_to(out, value):
            fail(f"{what} is wrong: {message}; maxout takes their maximum over the k pieces "
                 "(the first axis of w).")
    expect_close(out, pieces.max(axis=0), what, hint=hint)


@visible_check("maxout_forward")
def check_maxout_forward(fn):
    """Check ``maxout_forward`` on two pieces by hand, then on three pieces."""
    name = "maxout_forward"
    x = np.array([[1.0, 2.0]])
    w = np.array([[[1.0], [0.0]], [[0.0], [1.0]]])           # piece 0: x0, piece 1: x1
    b = np.array([[0.5], [-1.0]])
    out, _ = _as_pair(_call(name, "activations", fn, x, w, b), name)
    _expect_maxout(name, out, x, w, b, f"{name}: out = max(1 + 0.5, 2 - 1)")
    expect_close(out, [[1.5]], f"{name}: out = max(1 + 0.5, 2 - 1)")
    x, w, b = _maxout_example()
    out, _ = _as_pair(_call(name, "activations", fn, x, w, b), name)
    _expect_maxout(name, out, x, w, b, f"{name}: out for x (3, 2), w (3, 2, 4), b (3, 4)",
                   hint="Take the maximum over the k pieces (axis of w's first dimension).")
    out32, _ = _as_pair(_call(name, "activations", fn, x.astype(np.float32),
                              w.astype(np.float32), b.astype(np.float32)), name)
    expect_dtype(out32, np.float32, f"{name}: out for float32 inputs")


@visible_check("maxout_backward")
def check_maxout_backward(fn, forward=None):
    """Check ``maxout_backward`` (dx, dw, db) against numeric gradients."""
    name, fname = "maxout_backward", "maxout_forward"
    forward = _forward_of("maxout", forward)
    x, w, b = _maxout_example()
    out, cache = _as_pair(_call(fname, "activations", forward, x, w, b), fname)
    if diagnose(out, _maxout_formula(x, w, b), fname):
        fail(f"{name} needs a working {fname} (for the cache): run check_{fname} first.")
    dout = np.round(np.random.default_rng(4).standard_normal((3, 4)), 1)
    result = _call(name, "activations", fn, dout, cache)
    # x[n] only reaches output row n; w[..., j] and b[:, j] only output unit j.
    formulas = (lambda v: _maxout_formula(v, w, b), lambda v: _maxout_formula(x, v, b),
                lambda v: _maxout_formula(x, w, v))
    axes = ((0, 0), (2, 1), (1, 1))
    expected = [grouped_slopes(f, arg, dout, x_axis=x_axis, out_axis=out_axis)
                for arg, f, (x_axis, out_axis) in zip((x, w, b), formulas, axes)]
    result = expect_outputs(result, name, ("dx", "dw", "db"), tuple(expected), atol=1e-8)
    if _close_to(result[0], sum(dout @ w[j].T for j in range(w.shape[0]))):
        fail(f"{name}: dx is wrong: every piece passes the gradient back; only the winning "
             "piece of each output does (the others did not reach the output).")
    for label, got, want in zip(("dx", "dw", "db"), result, expected):
        expect_close(got, want, f"{name}: {label}", rtol=1e-6, atol=1e-8,
                     hint="Only the winning piece of each output receives the gradient.")


# ======================================================= the network (01)
@visible_check("fc_network")
def check_fc_network(model_module):
    """Check the network of ``course_lib/model.py``: its blocks, its loop and its loss.

    Runs networks of several depths (no hidden layer up to three) with
    stand-ins for every layer (so your notebook-00 code plays no part), and
    compares the scores with the forward pass and each parameter's gradient
    with the loss's slope along random directions.
    """
    from . import _network as net_check

    with net_check.stand_ins(model_module):
        for seed, hidden, shape in ((0, [4], (5,)), (1, [6, 4, 3], (5,)), (2, [], (5,)),
                                    (3, [4, 4], (1, 5))):
            what = f"fc_network with hidden layers {hidden}"
            net = net_check.build(model_module, hidden, seed=seed)
            X, y = net_check.batch(seed, shape)
            net_check.check_forward(net, X, what)
            net_check.judge_gradients(net, X, y, what)


class _Quadratic:
    """A stand-in "model" with a known loss; ``wrong`` scales its gradient of ``c``.

    ``tiny`` moves the loss by far less than its rounding: its true gradient is
    1e-17, its centred difference exactly 0 (like a bias in front of batch norm,
    whose gradient is 0 but whose differences carry round-off).
    """

    def __init__(self, wrong=1.0):
        rng = np.random.default_rng(11)
        self.params = {"A": rng.standard_normal((2, 3)), "c": rng.standard_normal(3),
                       "tiny": rng.standard_normal(2)}
        self.dropout, self.dropout_seed, self.wrong = 0.0, None, wrong

    def loss(self, X=None, y=None):
        A, c, tiny = self.params["A"], self.params["c"], self.params["tiny"]
        value = float(np.sum(A ** 3) + np.sum(np.sin(c)) + np.sum(A @ c)) + 1e-17 * float(
            np.sum(tiny))
        grads = {"A": 3 * A ** 2 + c[None, :], "c": (np.cos(c) + A.sum(axis=0)) * self.wrong,
                 "tiny": np.full(2, 1e-17)}
        return value, grads


@visible_check("network_gradient_check")
def check_network_gradient_check(fn):
    """Check ``network_gradient_check(model, X, y, h)`` on a model whose loss is known."""
    name = "network_gradient_check"
    model = _Quadratic()
    before = {k: v.copy() for k, v in model.params.items()}
    errors = _call(name, "model", fn, model, None, None, h=1e-6)
    if not isinstance(errors, dict) or set(errors) != set(model.params):
        fail(f"{name} must return a dict with one relative error per key of model.params "
             f"({sorted(model.params)}), got {errors!r:.80}.")
    for key, value in model.params.items():
        if not np.array_equal(value, before[key]):
            fail(f"{name} left model.params[{key!r}] changed: put every parameter back.")
    if errors["tiny"] > 1e-7 and max(errors["A"], errors["c"]) < 1e-7:
        fail(f"{name} reports {errors['tiny']:.3g} for a parameter whose gradient is 1e-17, "
             "far below round-off: scale each gap by the largest entry of the whole flat "
             "gradient, not by the parameter's own.")
    if max(errors.values()) > 1e-7:
        fail(f"{name} reports errors {errors} for a model whose gradient is right: every "
             "error should be below 1e-7.")
    # With a large step, centred differences of A**3 are off by exactly h**2 per entry.
    h = 0.01
    big = _call(name, "model", fn, _Quadratic(), None, None, h=h)
    model = _Quadratic()
    A, c = model.params["A"], model.params["c"]
    analytic = np.concatenate([np.ravel(g) for g in model.loss()[1].values()])
    # the centred differences of this loss, worked out by hand for a step h
    numeric = np.concatenate([np.ravel(3 * A ** 2 + h ** 2 + c[None, :]),
                              np.cos(c) * np.sin(h) / h + A.sum(axis=0), np.zeros(2)])
    scale = float(np.max(np.abs(np.concatenate([analytic, numeric]))))
    if not np.isclose(big["A"], h ** 2 / scale, rtol=1e-3):
        fail(f"{name}(..., h=0.01) reports {big['A']:.3g} for A, expected {h ** 2 / scale:.3g}: "
             "move each entry by the h you are given, and divide every gap by the largest "
             "absolute entry of the flat gradient.")
    off = _call(name, "model", fn, _Quadratic(wrong=1.5), None, None)
    if not off["c"] > 1e-2 or off["A"] > 1e-7:
        fail(f"{name} did not single out the wrong gradient: c's gradient is 1.5 times too "
             f"large, but it reports {off}.")
