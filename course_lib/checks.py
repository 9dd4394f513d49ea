"""Visible checks: run a student's function on small cases and say what is wrong.

Every check raises :class:`CheckFailed` with one or two plain sentences when the
function misbehaves, and returns quietly when it passes. In a notebook the
failure prints as a short message instead of a long traceback.

The expected values used here were worked out by hand or come from an
independent formula written inline; no check calls another student function.
"""
from __future__ import annotations

import functools

import numpy as np


class CheckFailed(AssertionError):
    """A visible check found a mistake; the message says what and where to look."""

    def _render_traceback_(self):
        # IPython calls this instead of printing the traceback: the student
        # sees the diagnosis, not the checking machinery.
        return [f"\x1b[31mCheckFailed\x1b[0m: {self}"]


def fail(message: str):
    raise CheckFailed(message)


def _call(name: str, module: str, fn, *args, **kwargs):
    """Call ``fn`` and turn the stub's NotImplementedError into a friendly message."""
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        fail(f"{name} is not implemented yet: open course_lib/{module}.py, find "
             f"`def {name}` and replace `raise NotImplementedError()` with your code.")


def diagnose(got, expected, what: str, batch_size: int | None = None,
             rtol: float = 1e-6, atol: float = 1e-9) -> str | None:
    """Explain how ``got`` differs from ``expected``; None when they agree.

    Recognises, in this order: a non-array or wrong shape, NaN/inf, a result off
    by the batch size, the wrong sign, zeros where values should flow, values
    that flow where they should be zero, and a plain mismatch.
    """
    expected = np.asarray(expected, dtype=np.float64)
    try:
        got_arr = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return f"{what} should be an array of shape {expected.shape}, got {type(got).__name__}."
    if got_arr.shape != expected.shape:
        return f"{what} has shape {got_arr.shape}, expected {expected.shape}."
    if not np.all(np.isfinite(got_arr)):
        return (f"{what} contains NaN or inf. Large inputs overflow np.exp: "
                "shift or split the computation so it never exponentiates a big positive number.")
    if np.allclose(got_arr, expected, rtol=rtol, atol=atol):
        return None
    if batch_size and batch_size > 1:
        if np.allclose(got_arr, expected * batch_size, rtol=rtol, atol=atol):
            return (f"{what} is {batch_size}× too large, the batch size: "
                    "the loss is a mean over the batch, so its gradient is divided by N.")
        if np.allclose(got_arr * batch_size, expected, rtol=rtol, atol=atol):
            return f"{what} is {batch_size}× too small: did you divide by N twice?"
    if np.any(expected != 0) and np.allclose(got_arr, -expected, rtol=rtol, atol=atol):
        return f"{what} has the wrong sign everywhere."
    flows = np.abs(expected) > atol
    stuck = flows & (np.abs(got_arr) <= atol)
    if stuck.any():
        return (f"{what} is zero at {int(stuck.sum())} of {int(flows.sum())} places where the "
                "gradient should flow.")
    leaks = ~flows & (np.abs(got_arr) > atol)
    if leaks.any():
        return (f"{what} is non-zero at {int(leaks.sum())} places where it should be exactly "
                "zero (look at the condition that blocks the gradient).")
    worst = float(np.max(np.abs(got_arr - expected)))
    return f"{what} is wrong: largest difference from the expected value is {worst:.3g}."


def expect_close(got, expected, what: str, hint: str = "", **kwargs):
    message = diagnose(got, expected, what, **kwargs)
    if message:
        fail(message + (" " + hint if hint else ""))


def expect_pair(result, name: str, first: str = "out", second: str = "cache"):
    """A forward must return a pair ``(out, cache)``."""
    if not (isinstance(result, tuple) and len(result) == 2):
        fail(f"{name} must return a pair ({first}, {second}); got {type(result).__name__}.")
    return result


def passed(name: str):
    print(f"✔ {name}: visible check passed.")


def visible_check(name: str):
    """Decorator for a check function: prints a pass line when it returns."""
    def wrap(check):
        @functools.wraps(check)
        def run(*args, **kwargs):
            check(*args, **kwargs)
            passed(name)
        return run
    return wrap


# ============================================================ check helpers


def expect_dtype(got, dtype, what: str):
    """``got`` must be an array of ``dtype`` (float32 in, float32 out)."""
    actual = getattr(got, "dtype", None)
    if actual != np.dtype(dtype):
        fail(f"{what} has dtype {actual}, expected {np.dtype(dtype)}: keep the input's dtype. "
             "A NumPy float64 constant (np.sqrt(2.0), np.pi) or an array made without "
             "dtype= (np.zeros(shape)) turns float32 into float64; plain Python numbers don't.")


def expect_scalar(value, what: str):
    """A loss must be one number, not an array of per-sample losses."""
    if np.ndim(value) != 0:
        fail(f"{what} should be a single number (the mean over the batch), got shape "
             f"{np.shape(value)}.")
    try:
        return float(value)
    except (TypeError, ValueError):
        fail(f"{what} should be a number, got {type(value).__name__}.")


def _call_strict(name: str, module: str, fn, *args, **kwargs):
    """Like :func:`_call`, but a floating-point overflow is a failed check.

    In the grader any warning printed by a test cell costs its points, so an
    ``overflow encountered in exp`` is reported here, with the fix.
    """
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            return _call(name, module, fn, *args, **kwargs)
    except FloatingPointError as err:
        fail(f"{name} triggers a floating-point warning ({err}) on inputs like "
             "x = ±1000. Never call np.exp on a large positive number: rewrite the formula "
             "so the exponent is <= 0 (e.g. with exp(-|x|) or np.minimum(x, 0)).")


def _as_pair(result, name):
    out, cache = expect_pair(result, name)
    return out, cache


# ======================================================= assignment 00
# gradcheck, layers, losses. No working numeric gradient may appear here (it
# would hand out the solution of numeric_gradient): every expected value below
# was worked out by hand.


def _cubic_sum(v):
    return float(np.sum(v ** 3))


@visible_check("numeric_gradient")
def check_numeric_gradient(fn):
    """Check ``numeric_gradient(f, x, h)`` on ``f(x) = sum(x**3)``.

    With a step ``h`` the centred difference of a cubic is exactly
    ``3 x**2 + h**2``, the one-sided one ``3 x**2 + 3 x h + h**2``.
    """
    name = "numeric_gradient"
    x = np.array([1.0, 2.0, -3.0])
    before = x.copy()
    grad = _call(name, "gradcheck", fn, _cubic_sum, x, h=1e-2)
    if not np.array_equal(x, before):
        fail(f"{name} left x changed ({x.tolist()} instead of {before.tolist()}): put every "
             "entry back to its old value after probing it.")
    expected = np.array([3.0001, 12.0001, 27.0001])          # 3x² + h², h = 0.01
    if np.shape(grad) == (3,):
        got = np.asarray(grad, dtype=np.float64)
        one_sided = np.array([3.0301, 12.0601, 26.9101])     # 3x² + 3xh + h²
        backward = np.array([2.9701, 11.9401, 27.0901])      # 3x² - 3xh + h²
        if np.allclose(got, one_sided) or np.allclose(got, backward):
            fail(f"{name} looks one-sided: use the centred difference "
                 "(f(x + h) - f(x - h)) / (2h), whose error shrinks like h² instead of h.")
        if np.allclose(got, 3 * before ** 2, rtol=1e-7):
            fail(f"{name} seems to ignore its h argument (called with h=0.01).")
        if np.allclose(got, 2 * expected):
            fail(f"{name} is twice too large: divide by 2h, the distance between x - h and x + h.")
    expect_close(grad, expected, f"{name}(f, x, h=0.01) for f(x) = sum(x**3), x = [1, 2, -3],",
                 rtol=1e-7)
    # every entry of a 2-D array, each with its own slope
    weights = np.array([[1.0, -2.0], [0.5, 4.0]])
    x2 = np.array([[0.3, 0.1], [-0.7, 2.0]])
    grad2 = _call(name, "gradcheck", fn, lambda v: float(np.sum(weights * v)), x2)
    expect_close(grad2, weights, f"{name} of sum(weights * x) for a 2x2 x",
                 hint="Loop over every index of x (np.ndindex(x.shape) visits them all).")


@visible_check("numeric_gradient_array")
def check_numeric_gradient_array(fn):
    """Check ``numeric_gradient_array(f, x, dout, h)`` on three small layers."""
    name = "numeric_gradient_array"
    # a linear map: the gradient of sum((a @ x) * dout) is a.T @ dout
    a = np.array([[1.0, 2.0, 0.0], [-1.0, 0.5, 3.0]])
    x = np.array([0.3, -0.2, 1.0])
    before = x.copy()
    dout = np.array([2.0, -1.0])
    grad = _call(name, "gradcheck", fn, lambda v: a @ v, x, dout)
    if not np.array_equal(x, before):
        fail(f"{name} left x changed: put every entry back after probing it.")
    if np.shape(grad) == (3,) and np.allclose(np.asarray(grad, dtype=float), [0.0, 2.5, 3.0]):
        fail(f"{name} ignores dout: the gradient of sum(f(x) * dout) weights each output "
             "difference by dout before summing.")
    expect_close(grad, [3.0, 3.5, -3.0], f"{name} for f(x) = a @ x", rtol=1e-7)
    # a layer that returns a view of its input
    x = np.array([1.0, 2.0, 3.0])
    grad = _call(name, "gradcheck", fn, lambda v: v[::-1], x, np.array([10.0, 20.0, 30.0]))
    expect_close(grad, [30.0, 20.0, 10.0], f"{name} for f(x) = x[::-1] (a view of x)",
                 rtol=1e-7,
                 hint="f may return a view of x, which changes when you change x: copy "
                      "f's output (np.array(f(x), copy=True)) before probing again.")
    # centred, with the step it was given: (3x² + h²) * dout for f(x) = x**3, h = 0.01
    x = np.array([1.0, -2.0])
    grad = _call(name, "gradcheck", fn, lambda v: v ** 3, x, np.array([1.0, 0.5]), h=1e-2)
    expect_close(grad, [3.0001, 6.00005], f"{name}(f, x, dout, h=0.01) for f(x) = x**3",
                 rtol=1e-7, hint="Use the centred difference with the given h.")


# the affine example used by both affine checks, worked out by hand
_AFFINE_X = np.array([[[1.0, 2.0]], [[3.0, 4.0]]])          # (2, 1, 2): flattens to (2, 2)
_AFFINE_W = np.array([[1.0, 0.0, -1.0], [0.5, 2.0, 1.0]])
_AFFINE_B = np.array([0.1, 0.2, 0.3])


@visible_check("affine_forward")
def check_affine_forward(fn):
    """Check ``affine_forward`` on a batch of two 1x2 samples."""
    name = "affine_forward"
    x, w, b = _AFFINE_X.copy(), _AFFINE_W.copy(), _AFFINE_B.copy()
    out, cache = _as_pair(_call(name, "layers", fn, x, w, b), name)
    expect_close(out, [[2.1, 4.2, 1.3], [5.1, 8.2, 1.3]], f"{name}: out",
                 hint="Flatten each sample with x.reshape(N, -1), then x @ w + b.")
    if not (isinstance(cache, tuple) and len(cache) == 3):
        fail(f"{name}: the cache should be the tuple (x, w, b); affine_backward reads it.")
    if np.shape(cache[0]) != x.shape:
        fail(f"{name}: cache[0] has shape {np.shape(cache[0])}; store x in its original "
             f"shape {x.shape}, so the backward can give dx that shape.")
    out32, _ = _as_pair(_call(name, "layers", fn, x.astype(np.float32), w.astype(np.float32),
                              b.astype(np.float32)), name)
    expect_dtype(out32, np.float32, f"{name}: out for float32 inputs")


@visible_check("affine_backward")
def check_affine_backward(fn):
    """Check ``affine_backward`` with the cache ``(x, w, b)`` built by hand."""
    name = "affine_backward"
    cache = (_AFFINE_X.copy(), _AFFINE_W.copy(), _AFFINE_B.copy())
    dout = np.array([[1.0, 0.0, 2.0], [0.0, -1.0, 1.0]])
    result = _call(name, "layers", fn, dout, cache)
    if not (isinstance(result, tuple) and len(result) == 3):
        fail(f"{name} must return three gradients (dx, dw, db).")
    dx, dw, db = result
    expect_close(dx, [[[-1.0, 2.5]], [[-1.0, -1.0]]], f"{name}: dx",
                 hint="dx has the shape of the original x (reshape at the end).")
    expect_close(dw, [[1.0, -3.0, 5.0], [2.0, -4.0, 8.0]], f"{name}: dw")
    expect_close(db, [1.0, -1.0, 3.0], f"{name}: db", hint="Each bias gets every sample's dout.")
    grads32 = _call(name, "layers", fn, dout.astype(np.float32),
                    tuple(a.astype(np.float32) for a in cache))
    for label, g in zip(("dx", "dw", "db"), grads32):
        expect_dtype(g, np.float32, f"{name}: {label} for float32 inputs")


# exp(scores) rows are [1, 3, 4] and [2, 1, 5]; both sum to 8
_SOFTMAX_SCORES = np.log(np.array([[1.0, 3.0, 4.0], [2.0, 1.0, 5.0]]))
_SOFTMAX_Y = np.array([2, 0])
_SOFTMAX_LOSS = 1.5 * np.log(2.0)                            # (ln 2 + ln 4) / 2
_SOFTMAX_DSCORES = np.array([[1 / 8, 3 / 8, 4 / 8 - 1], [2 / 8 - 1, 1 / 8, 5 / 8]]) / 2


@visible_check("softmax_loss")
def check_softmax_loss(fn):
    """Check ``softmax_loss`` on hand-computed probabilities and large scores."""
    name = "softmax_loss"
    result = _call(name, "losses", fn, _SOFTMAX_SCORES.copy(), _SOFTMAX_Y.copy())
    loss, dscores = expect_pair(result, name, "loss", "dscores")
    loss = expect_scalar(loss, f"{name}: loss")
    expect_close(loss, _SOFTMAX_LOSS, f"{name}: loss", batch_size=2)
    expect_close(dscores, _SOFTMAX_DSCORES, f"{name}: dscores", batch_size=2)
    # equal scores: every class has probability 1/C, so the loss is ln C
    loss_equal, _ = _call(name, "losses", fn, np.full((2, 4), 7.0), np.array([1, 3]))
    expect_close(expect_scalar(loss_equal, f"{name}: loss"), np.log(4.0),
                 f"{name}: loss for equal scores (should be ln 4 with 4 classes)")
    # shifting all scores by 1000 changes nothing, but overflows a naive np.exp
    with np.errstate(all="ignore"):
        loss_big, d_big = _call(name, "losses", fn, _SOFTMAX_SCORES + 1000.0, _SOFTMAX_Y.copy())
    if not (np.all(np.isfinite(np.asarray(loss_big, dtype=float)))
            and np.all(np.isfinite(np.asarray(d_big, dtype=float)))):
        fail(f"{name} returns NaN or inf for scores around 1000: np.exp(1000) overflows. "
             "Subtract each row's maximum from the scores first (the softmax does not change).")
    expect_close(float(loss_big), _SOFTMAX_LOSS, f"{name}: loss for scores + 1000")
    expect_close(d_big, _SOFTMAX_DSCORES, f"{name}: dscores for scores + 1000")
    # a confident mistake: p(correct) underflows to 0, yet the loss is finite
    with np.errstate(all="ignore"):
        loss_far, _ = _call(name, "losses", fn, np.array([[0.0, 2000.0]]), np.array([0]))
    if not np.isfinite(float(loss_far)):
        fail(f"{name} returns an infinite loss when the correct class is far behind "
             "(scores [0, 2000]): the probability underflows to 0 and log(0) = -inf. "
             "Compute log p directly: shifted - log(sum(exp(shifted))) (log-sum-exp).")
    expect_close(float(loss_far), 2000.0, f"{name}: loss for scores [0, 2000], y = 0")
    _, d32 = _call(name, "losses", fn, _SOFTMAX_SCORES.astype(np.float32), _SOFTMAX_Y.copy())
    expect_dtype(d32, np.float32, f"{name}: dscores for float32 scores")


@visible_check("svm_loss")
def check_svm_loss(fn):
    """Check ``svm_loss`` on hand-computed hinge terms, with two margins."""
    name = "svm_loss"
    scores = np.array([[3.0, 1.0, 2.5], [0.0, 2.0, -3.0]])
    y = np.array([0, 0])
    # margin 1: row 0 has one active term (0.5), row 1 one (3.0)
    loss, dscores = expect_pair(_call(name, "losses", fn, scores.copy(), y.copy()),
                                name, "loss", "dscores")
    expect_close(expect_scalar(loss, f"{name}: loss"), 1.75, f"{name}: loss", batch_size=2)
    expect_close(dscores, np.array([[-1.0, 0.0, 1.0], [-1.0, 1.0, 0.0]]) / 2,
                 f"{name}: dscores", batch_size=2,
                 hint="Each active term adds +1 to its class and -1 to the correct class.")
    # margin 0.25: only row 1's term 2.25 stays active
    loss, dscores = _call(name, "losses", fn, scores.copy(), y.copy(), margin=0.25)
    expect_close(expect_scalar(loss, f"{name}: loss"), 1.125, f"{name}: loss with margin=0.25",
                 hint="Use the margin argument instead of a fixed 1.")
    expect_close(dscores, np.array([[0.0, 0.0, 0.0], [-1.0, 1.0, 0.0]]) / 2,
                 f"{name}: dscores with margin=0.25")
    _, d32 = _call(name, "losses", fn, scores.astype(np.float32), y.copy())
    expect_dtype(d32, np.float32, f"{name}: dscores for float32 scores")


# ======================================================= assignment 01
# activations. From here on course_lib.gradcheck ships complete, so the checks
# compare backward passes with its numeric gradient of an inline formula. A
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

# activations with a default alpha: x, expected out without alpha given, the default
_DEFAULTS = {
    "leaky_relu": ([-2.0, 3.0], [-0.02, 3.0], 0.01),
    "elu": ([-np.log(2), 3.0], [-0.5, 3.0], 1.0),
}

# values of x away from the kinks, and an upstream gradient
_X = np.array([[-2.0, -0.5, 0.3], [1.5, 3.0, -1.2]])
_DOUT = np.array([[0.5, -1.0, 2.0], [1.5, -0.5, 1.0]])


def _forward_of(name, forward):
    if forward is None:
        from . import activations
        forward = getattr(activations, f"{name}_forward")
    return forward


def _check_elementwise_forward(name, fn):
    kwargs, _, (x, expected), _ = _ELEMENTWISE[name]
    fname = f"{name}_forward"
    x = np.array(x)
    out, _ = _as_pair(_call_strict(fname, "activations", fn, x.copy(), **kwargs), fname)
    expect_close(out, expected, f"{fname}: out for x = {np.round(x, 4).tolist()}")
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
    from .gradcheck import numeric_gradient_array

    kwargs, formula, _, big_slope = _ELEMENTWISE[name]
    fname, bname = f"{name}_forward", f"{name}_backward"
    forward = _forward_of(name, forward)
    out, cache = _as_pair(_call_strict(fname, "activations", forward, _X.copy(), **kwargs), fname)
    if diagnose(out, formula(_X), fname):
        fail(f"{bname} needs a working {fname} (for the cache): run check_{fname} first.")
    dx = _call_strict(bname, "activations", fn, _DOUT.copy(), cache)
    expected = numeric_gradient_array(formula, _X.copy(), _DOUT)
    expect_close(dx, expected, f"{bname}: dx", rtol=1e-6, atol=1e-8)
    # saturated or linear far out: the slopes at ±1000, computed without warnings
    _, cache = _as_pair(_call_strict(fname, "activations", forward, np.array([-1000.0, 1000.0]),
                                     **kwargs), fname)
    dx_big = _call_strict(bname, "activations", fn, np.ones(2), cache)
    expect_close(dx_big, big_slope, f"{bname}: dx at x = [-1000, 1000] with dout = 1",
                 rtol=1e-6, atol=1e-12)
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
        if not (isinstance(result, tuple) and len(result) == 2):
            fail(f"{name} must return two gradients (dx, dalpha).")
        dx, dalpha = result
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


@visible_check("maxout_forward")
def check_maxout_forward(fn):
    """Check ``maxout_forward`` on two pieces by hand, then on three pieces."""
    name = "maxout_forward"
    x = np.array([[1.0, 2.0]])
    w = np.array([[[1.0], [0.0]], [[0.0], [1.0]]])           # piece 0: x0, piece 1: x1
    b = np.array([[0.5], [-1.0]])
    out, _ = _as_pair(_call(name, "activations", fn, x, w, b), name)
    expect_close(out, [[1.5]], f"{name}: out = max(1 + 0.5, 2 - 1)")
    x, w, b = _maxout_example()
    out, _ = _as_pair(_call(name, "activations", fn, x, w, b), name)
    expect_close(out, _maxout_formula(x, w, b), f"{name}: out for x (3, 2), w (3, 2, 4), b (3, 4)",
                 hint="Take the maximum over the k pieces (axis of w's first dimension).")
    out32, _ = _as_pair(_call(name, "activations", fn, x.astype(np.float32),
                              w.astype(np.float32), b.astype(np.float32)), name)
    expect_dtype(out32, np.float32, f"{name}: out for float32 inputs")


@visible_check("maxout_backward")
def check_maxout_backward(fn, forward=None):
    """Check ``maxout_backward`` (dx, dw, db) against numeric gradients."""
    from .gradcheck import numeric_gradient_array

    name, fname = "maxout_backward", "maxout_forward"
    forward = _forward_of("maxout", forward)
    x, w, b = _maxout_example()
    out, cache = _as_pair(_call(fname, "activations", forward, x, w, b), fname)
    if diagnose(out, _maxout_formula(x, w, b), fname):
        fail(f"{name} needs a working {fname} (for the cache): run check_{fname} first.")
    dout = np.round(np.random.default_rng(4).standard_normal((3, 4)), 1)
    result = _call(name, "activations", fn, dout, cache)
    if not (isinstance(result, tuple) and len(result) == 3):
        fail(f"{name} must return three gradients (dx, dw, db).")
    for label, got, arg in zip(("dx", "dw", "db"), result, (x, w, b)):
        def f(_):
            return _maxout_formula(x, w, b)
        expected = numeric_gradient_array(f, arg, dout)
        expect_close(got, expected, f"{name}: {label}", rtol=1e-6, atol=1e-8,
                     hint="Only the winning piece of each output receives the gradient.")
