"""Visible checks of assignment 00: numeric gradients, the affine layer, the losses."""
from __future__ import annotations

import numpy as np

from .core import *  # noqa: F401,F403
from .core import _call, _call_strict, _as_pair  # noqa: F401

# ======================================================= assignment 00
# gradcheck, layers, losses. No working numeric gradient may appear here (it
# would hand out the solution of numeric_gradient): every expected value below
# was worked out by hand. Each check runs its function with more than one step
# h, shape and dtype, so a function written for the check's own inputs fails here.


_PRECEDENCE = ("it is h**2 times the slope: `/ 2 * h` divides by 2 and then MULTIPLIES by h; "
               "put the whole denominator 2h in brackets.")


def _cubic_sum(v):
    return float(np.sum(v ** 3))


def _implied_step(got, slope):
    """The step h a centred difference of x**3 used, if ``got`` is one: got = slope + h**2."""
    extra = np.asarray(got, dtype=np.float64) - slope
    if extra.shape != np.shape(slope) or not np.allclose(extra, extra.flat[0], atol=1e-9):
        return None
    return float(np.sqrt(max(float(extra.flat[0]), 0.0)))


def _numeric_call(name, fn, *args, **kwargs):
    """Call a numeric gradient; an array stored in one entry becomes a sentence."""
    try:
        return _call(name, "gradcheck", fn, *args, **kwargs)
    except ValueError as err:
        if "sequence" not in str(err):
            raise
        fail(f"{name} raised '{err}': grad[i] holds one number, the slope for entry i. "
             + ("Sum the output differences weighted by dout before dividing by 2h."
                if name == "numeric_gradient_array" else "f(x) must be a single number."))


def _expect_step_used(name, fn, make_args, slope, h, default_step=1e-5):
    """``fn`` must use the ``h`` it is given, and its default when none is given."""
    got = _numeric_call(name, fn, *make_args(), h=h)
    implied = _implied_step(got, slope)
    if implied is not None and not np.isclose(implied, h, rtol=1e-3):
        fail(f"{name} ignores its h argument: called with h={h:g} it computed the centred "
             f"difference of a step of about {implied:.3g}. Use h wherever the step appears.")
    expect_close(got, slope + h ** 2, f"{name}(..., h={h:g}) for f(x) = x**3", rtol=1e-7,
                 hint="The centred difference of x**3 with step h is exactly 3 x**2 + h**2.")
    got = _numeric_call(name, fn, *make_args())
    implied = _implied_step(got, slope)
    if implied is not None and implied > 10 * default_step:
        fail(f"{name} without h behaves like a step of about {implied:.3g}: the default in "
             f"the signature is h={default_step:g}.")
    expect_close(got, slope + default_step ** 2, f"{name} with the default h for f(x) = x**3",
                 rtol=1e-7)


@visible_check("numeric_gradient")
def check_numeric_gradient(fn):
    """Check ``numeric_gradient(f, x, h)`` on ``f(x) = sum(x**3)``.

    With a step ``h`` the centred difference of a cubic is exactly
    ``3 x**2 + h**2``, the one-sided one ``3 x**2 + 3 x h + h**2``.
    """
    name = "numeric_gradient"
    x = np.array([1.0, 2.0, -3.0])
    before = x.copy()
    grad = _numeric_call(name, fn, _cubic_sum, x, h=1e-2)
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
        if np.allclose(got, expected.sum()):
            fail(f"{name} moves every entry of x at once: every slope came out as the same "
                 "number. Move one entry at a time and put it back before the next.")
        # f(x + h e_i) and f(x - h e_i) for f = sum(x**3) = -18 at x = [1, 2, -3]
        f_plus = -18 + (before + 1e-2) ** 3 - before ** 3
        f_minus = -18 + (before - 1e-2) ** 3 - before ** 3
        if np.allclose(got, f_plus - f_minus / 2e-2):
            fail(f"{name} computes f(x + h) - f(x - h) / (2h), which divides only f(x - h): "
                 "put the difference in brackets, (f(x + h) - f(x - h)) / (2h).")
    expect_close(grad, expected, f"{name}(f, x, h=0.01) for f(x) = sum(x**3), x = [1, 2, -3],",
                 rtol=1e-7, factors={1e-4: _PRECEDENCE})
    # another step and the default step: a step written into the function fails here
    _expect_step_used(name, fn, lambda: (_cubic_sum, np.array([1.0, 2.0, -3.0])),
                      3 * before ** 2, h=0.1)
    # every entry of a 2-D array, each with its own slope
    weights = np.array([[1.0, -2.0], [0.5, 4.0]])
    x2 = np.array([[0.3, 0.1], [-0.7, 2.0]])
    grad2 = _numeric_call(name, fn, lambda v: float(np.sum(weights * v)), x2)
    if np.shape(grad2) == (2, 2) and np.allclose(np.asarray(grad2, dtype=float),
                                                 [[-1.0, -1.0], [4.5, 4.5]]):
        fail(f"{name} moves a whole row of a 2-D x at once (x[i] is a row): visit every "
             "single entry, e.g. for i in np.ndindex(x.shape).")
    expect_close(grad2, weights, f"{name} of sum(weights * x) for a 2x2 x",
                 hint="Loop over every index of x (np.ndindex(x.shape) visits them all).")
    # float32 in, float32 out
    x32 = np.array([1.0, 2.0], dtype=np.float32)
    grad32 = _numeric_call(name, fn, lambda v: float(np.sum(v ** 2)), x32, h=1e-2)
    expect_dtype(grad32, np.float32, f"{name}: the gradient for a float32 x")


@visible_check("numeric_gradient_array")
def check_numeric_gradient_array(fn):
    """Check ``numeric_gradient_array(f, x, dout, h)`` on three small layers."""
    name = "numeric_gradient_array"
    # a linear map from 3 inputs to 4 outputs: the gradient of sum((a @ x) * dout) is a.T @ dout
    a = np.array([[1.0, 2.0, 0.0], [-1.0, 0.5, 3.0], [0.0, 1.0, 1.0], [2.0, 0.0, -1.0]])
    x = np.array([0.3, -0.2, 1.0])
    before = x.copy()
    dout = np.array([2.0, -1.0, 0.5, 1.0])
    grad = _numeric_call(name, fn, lambda v: a @ v, x, dout)
    if not np.array_equal(x, before):
        fail(f"{name} left x changed: put every entry back after probing it.")
    if np.shape(grad) == (3,) and np.allclose(np.asarray(grad, dtype=float), [2.0, 3.5, 3.0]):
        fail(f"{name} ignores dout: the gradient of sum(f(x) * dout) weights each output "
             "difference by dout before summing.")
    expect_close(grad, [5.0, 4.0, -3.5], f"{name} for f(x) = a @ x", rtol=1e-7, factors={
        0.25: "it is the MEAN over the 4 outputs; sum them: sum(difference * dout) / (2h).",
        2.0: "divide by 2h, the distance between x - h and x + h.",
        1e-10: _PRECEDENCE,
    })
    # a layer that returns a view of its input
    x = np.array([1.0, 2.0, 3.0])
    grad = _numeric_call(name, fn, lambda v: v[::-1], x, np.array([10.0, 20.0, 30.0]))
    expect_close(grad, [30.0, 20.0, 10.0], f"{name} for f(x) = x[::-1] (a view of x)",
                 rtol=1e-7,
                 hint="f may return a view of x, which changes when you change x: copy "
                      "f's output (np.array(f(x), copy=True)) before probing again.")
    # centred, with the step it was given: (3x² + h²) * dout for f(x) = x**3
    x = np.array([1.0, -2.0])
    grad = _numeric_call(name, fn, lambda v: v ** 3, x, np.array([1.0, 0.5]), h=1e-2)
    one_sided = ([3.0301, 5.97005], [2.9701, 6.03005])     # (3x² ± 3xh + h²) * dout
    if any(np.shape(grad) == (2,) and np.allclose(np.asarray(grad, float), v) for v in one_sided):
        fail(f"{name} looks one-sided: use the centred difference, "
             "sum((f(x + h) - f(x - h)) * dout) / (2h).")
    expect_close(grad, [3.0001, 6.00005], f"{name}(f, x, dout, h=0.01) for f(x) = x**3",
                 rtol=1e-7, factors={1e-4: _PRECEDENCE},
                 hint="Use the centred difference with the given h.")
    _expect_step_used(name, fn, lambda: (lambda v: v ** 3, np.array([1.0, -2.0]), np.ones(2)),
                      np.array([3.0, 12.0]), h=0.1)
    # float32 in, float32 out
    x32 = np.array([1.0, 2.0], dtype=np.float32)
    grad32 = _numeric_call(name, fn, lambda v: 2 * v, x32, np.ones(2, dtype=np.float32), h=1e-2)
    expect_dtype(grad32, np.float32, f"{name}: the gradient for a float32 x")


# the affine example used by both affine checks, worked out by hand
_AFFINE_X = np.array([[[1.0, 2.0]], [[3.0, 4.0]]])          # (2, 1, 2): flattens to (2, 2)
_AFFINE_W = np.array([[1.0, 0.0, -1.0], [0.5, 2.0, 1.0]])
_AFFINE_B = np.array([0.1, 0.2, 0.3])
# a second example whose samples have two axes of length 2: x[n] flattens to
# [x[n, 0, 0], x[n, 0, 1], x[n, 1, 0], x[n, 1, 1]] (row-major)
_AFFINE_X2 = np.array([[[1.0, 0.0], [2.0, -1.0]], [[0.0, 3.0], [1.0, 1.0]],
                       [[-2.0, 1.0], [0.0, 2.0]]])          # (3, 2, 2)
_AFFINE_W2 = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 0.0], [0.0, -1.0]])   # (4, 2)
_AFFINE_B2 = np.array([0.5, -0.5])


def _affine_call(name, fn, *args):
    """Call an affine function; a shape error of a product becomes a sentence."""
    try:
        return _call(name, "layers", fn, *args)
    except ValueError as err:
        if name == "affine_forward":
            x, w, b = args
            fail(f"{name} raised '{err}' for x {np.shape(x)}, w {np.shape(w)}, b "
                 f"{np.shape(b)}: the shapes of a product do not fit. x has shape "
                 "(N, d1, ..., dk) and must be flattened to (N, D) first; write down the "
                 "shape of every factor.")
        dout, (x, w, _) = args
        fail(f"{name} raised '{err}' for dout {np.shape(dout)}, x {np.shape(x)}, w "
             f"{np.shape(w)}: the shapes of a product do not fit. Write down the shape of "
             "every factor: each gradient has the shape of its variable, dx that of x, "
             "dw (D, M), db (M,).")


@visible_check("affine_forward")
def check_affine_forward(fn):
    """Check ``affine_forward`` on a batch of two 1x2 samples, then on 2x2 samples."""
    name = "affine_forward"
    x, w, b = _AFFINE_X.copy(), _AFFINE_W.copy(), _AFFINE_B.copy()
    out, cache = _as_pair(_affine_call(name, fn, x, w, b), name)
    if np.shape(out) == (2, 1, 3):
        fail(f"{name}: out has shape (2, 1, 3) for x of shape (2, 1, 2): x was multiplied "
             "without flattening each sample. Reshape x to (N, D) first: x.reshape(N, -1).")
    if np.shape(out) == (2, 3) and np.allclose(np.asarray(out, dtype=float),
                                               [[2.0, 4.0, 1.0], [5.0, 8.0, 1.0]]):
        fail(f"{name}: out is the product without the bias: add b (shape (M,), one value "
             "per output unit, broadcast over the batch).")
    if np.shape(out) == (2, 3) and np.allclose(np.asarray(out, dtype=float),
                                               [[1.9, 3.8, 0.7], [4.9, 7.8, 0.7]]):
        fail(f"{name}: out has the bias subtracted: add b.")
    expect_close(out, [[2.1, 4.2, 1.3], [5.1, 8.2, 1.3]], f"{name}: out",
                 hint="Flatten each sample with x.reshape(N, -1), then x @ w + b.")
    if not (isinstance(cache, tuple) and len(cache) == 3):
        fail(f"{name}: the cache should be the tuple (x, w, b); affine_backward reads it.")
    if np.shape(cache[0]) == w.shape and np.shape(cache[1]) == x.shape:
        fail(f"{name}: the cache holds (w, x, b); store (x, w, b), the order "
             "affine_backward unpacks.")
    if np.shape(cache[0]) != x.shape:
        fail(f"{name}: cache[0] has shape {np.shape(cache[0])}; store x in its original "
             f"shape {x.shape}, so the backward can give dx that shape.")
    # samples with two axes of length 2: the flattening order matters
    x2 = _AFFINE_X2.copy()
    out2, _ = _as_pair(_affine_call(name, fn, x2, _AFFINE_W2.copy(), _AFFINE_B2.copy()), name)
    by_columns = x2.reshape(3, -1, order="F") @ _AFFINE_W2 + _AFFINE_B2
    if np.shape(out2) == (3, 2) and np.allclose(np.asarray(out2, dtype=float), by_columns):
        fail(f"{name} flattens x in column-major (Fortran) order: flatten each sample "
             "row-major, x.reshape(N, -1), as the docstring says.")
    # row-major: x[n] -> [x00, x01, x10, x11]; out = x00 + 2 x10 + 0.5, x01 - x11 - 0.5
    expect_close(out2, [[5.5, 0.5], [2.5, 1.5], [-1.5, -1.5]],
                 f"{name}: out for x of shape (3, 2, 2)")
    out32, _ = _as_pair(_affine_call(name, fn, x.astype(np.float32), w.astype(np.float32),
                                     b.astype(np.float32)), name)
    expect_dtype(out32, np.float32, f"{name}: out for float32 inputs")


_AFFINE_DOUT = np.array([[1.0, 0.0, 2.0], [0.0, -1.0, 1.0]])
_AFFINE_GRADS = (np.array([[[-1.0, 2.5]], [[-1.0, -1.0]]]),         # dx, shape of x
                 np.array([[1.0, -3.0, 5.0], [2.0, -4.0, 8.0]]),      # dw
                 np.array([1.0, -1.0, 3.0]))                          # db

_BATCH_SPURIOUS = ("N = 2 is the batch size, and affine_backward takes no mean over the batch: "
                   "a 1/N belongs to the loss, which has already put it into dout.")


@visible_check("affine_backward")
def check_affine_backward(fn):
    """Check ``affine_backward`` with the cache ``(x, w, b)`` built by hand."""
    name = "affine_backward"
    cache = (_AFFINE_X.copy(), _AFFINE_W.copy(), _AFFINE_B.copy())
    result = _affine_call(name, fn, _AFFINE_DOUT.copy(), cache)
    dx, dw, db = expect_outputs(result, name, ("dx", "dw", "db"), _AFFINE_GRADS)
    n = _AFFINE_X.shape[0]
    batch = {1.0 / n: _BATCH_SPURIOUS}
    if np.ndim(dw) == _AFFINE_X.ndim:
        fail(f"{name}: dw has shape {np.shape(dw)}, expected {_AFFINE_W.shape}: it keeps the "
             "extra axes of x. Reshape x to (N, D) before multiplying with dout.")
    if np.shape(dx) == (2, 2):
        fail(f"{name}: dx has shape (2, 2), the flattened shape, expected (2, 1, 2): reshape "
             "dx to x.shape at the end.")
    expect_close(dx, _AFFINE_GRADS[0], f"{name}: dx", factors=batch)
    expect_close(dw, _AFFINE_GRADS[1], f"{name}: dw", factors=batch)
    if np.shape(db) == (n,):
        fail(f"{name}: db has shape ({n},), one entry per sample: sum dout over the batch "
             "(axis 0), one entry per output unit.")
    expect_close(db, _AFFINE_GRADS[2], f"{name}: db", factors=batch,
                 hint="Each bias gets every sample's dout.")
    grads32 = _affine_call(name, fn, _AFFINE_DOUT.astype(np.float32),
                           tuple(a.astype(np.float32) for a in cache))
    for label, g in zip(("dx", "dw", "db"), grads32):
        expect_dtype(g, np.float32, f"{name}: {label} for float32 inputs")


def _expect_unchanged(name, got, before, what="scores"):
    if not np.array_equal(got, before):
        fail(f"{name} changed {what} in place (e.g. with -=): work on a new array, the "
             "caller still needs its scores.")


def _loss_pair(name, result):
    """``(loss, dscores)``, with a swapped order named."""
    loss, dscores = expect_pair(result, name, "loss", "dscores")
    if np.ndim(loss) == 2 and np.ndim(dscores) == 0:
        fail(f"{name} returns (dscores, loss), the wrong order: return (loss, dscores).")
    return loss, dscores


def _loss_call(name, fn, scores, y, **kwargs):
    try:
        return _loss_pair(name, _call(name, "losses", fn, scores, y, **kwargs))
    except ValueError as err:
        if "broadcast" not in str(err):
            raise
        batch = len(scores)
        if f"({batch},{batch})" in str(err).replace(" ", ""):
            fail(f"{name} raised '{err}'. An array of shape (N, N) appears: scores[:, y] picks "
                 "a whole column per label; the correct-class scores are "
                 "scores[np.arange(N), y], shape (N,).")
        fail(f"{name} raised '{err}'. A statistic per row has shape (N,) and does not line "
             "up with scores of shape (N, C): keep the reduced axis with keepdims=True.")


# exp(scores) rows are [1, 3, 4] and [2, 1, 5]; both sum to 8
_SOFTMAX_SCORES = np.log(np.array([[1.0, 3.0, 4.0], [2.0, 1.0, 5.0]]))
_SOFTMAX_Y = np.array([2, 0])
_SOFTMAX_LOSS = 1.5 * np.log(2.0)                            # (ln 2 + ln 4) / 2
_SOFTMAX_P = np.array([[1.0, 3.0, 4.0], [2.0, 1.0, 5.0]]) / 8
_SOFTMAX_DSCORES = np.array([[1 / 8, 3 / 8, 4 / 8 - 1], [2 / 8 - 1, 1 / 8, 5 / 8]]) / 2

_FIXED_N = {1.5: "with 3 samples the mean divides by N = 3: take N from the scores "
                 "(len(scores)), not the 2 of the first example.",
            3.0: "N = 3 is the batch size, and the loss is a mean over the batch: the loss and "
                 "its gradient are divided by N."}
_MEAN = {2.0: "N = 2 is the batch size, and the loss is a mean over the batch: the loss and "
              "its gradient are divided by N.",
         0.5: "N = 2 is the batch size: divide by N once (the loss is the mean over the "
              "batch and dscores its gradient)."}


@visible_check("softmax_loss")
def check_softmax_loss(fn):
    """Check ``softmax_loss`` on hand-computed probabilities and large scores."""
    name = "softmax_loss"
    scores = _SOFTMAX_SCORES.copy()
    loss, dscores = _loss_call(name, fn, scores, _SOFTMAX_Y.copy())
    _expect_unchanged(name, scores, _SOFTMAX_SCORES)
    loss = expect_scalar(loss, f"{name}: loss")
    if np.isclose(loss, -(np.log(4 / 9) + np.log(2 / 3)) / 2):
        fail(f"{name}: loss is {loss:.6g}, expected {_SOFTMAX_LOSS:.6g}: the softmax is "
             "normalised over the batch (axis 0); each ROW sums to 1, sum over axis=1 with "
             "keepdims=True.")
    expect_close(loss, _SOFTMAX_LOSS, f"{name}: loss", factors={
        **_MEAN, np.log10(np.e): "that is log10; the cross-entropy uses the natural log, np.log.",
        np.log2(np.e): "that is log2; the cross-entropy uses the natural log, np.log."})
    slips = [
        (_SOFTMAX_P / 2, "the correct class's -1 is missing: dscores = (p - onehot(y)) / N."),
        ((_SOFTMAX_P - 1) / 2, "1 is subtracted from every class; only the correct class "
                               "gets the -1: dscores = (p - onehot(y)) / N."),
        ((_SOFTMAX_P - np.array([[1.0, 0.0, 1.0], [1.0, 0.0, 1.0]])) / 2,
         "dscores[:, y] picks whole columns, one per label, in every row: subtract 1 only at "
         "(n, y[n]), with dscores[np.arange(N), y]."),
        ((np.array([[1.0, 3.0, 4.0], [2.0, 1.0, 5.0]]) / np.array([[3.0, 4.0, 9.0]])
          - np.eye(3)[_SOFTMAX_Y]) / 2,
         "the softmax is normalised over the batch (axis 0): each ROW sums to 1, "
         "sum over axis=1 with keepdims=True."),
    ]
    for value, message in slips:
        if np.shape(dscores) == value.shape and np.allclose(np.asarray(dscores, float), value):
            fail(f"{name}: dscores is wrong: {message}")
    expect_close(dscores, _SOFTMAX_DSCORES, f"{name}: dscores", factors=_MEAN)
    # equal scores: every class has probability 1/C, so the loss is ln C; N = 3 this time
    loss_equal, d_equal = _loss_call(name, fn, np.full((3, 4), 7.0), np.array([1, 3, 0]))
    expect_close(expect_scalar(loss_equal, f"{name}: loss"), np.log(4.0),
                 f"{name}: loss for 3 samples with equal scores (should be ln 4 with 4 classes)",
                 factors=_FIXED_N)
    expect_close(d_equal, (0.25 - np.eye(4)[[1, 3, 0]]) / 3,
                 f"{name}: dscores for 3 samples with equal scores", factors=_FIXED_N)
    # shifting all scores by 1000 changes nothing, but overflows a naive np.exp
    with np.errstate(all="ignore"):
        loss_big, d_big = _loss_call(name, fn, _SOFTMAX_SCORES + 1000.0, _SOFTMAX_Y.copy())
    if not (np.all(np.isfinite(np.asarray(loss_big, dtype=float)))
            and np.all(np.isfinite(np.asarray(d_big, dtype=float)))):
        fail(f"{name} returns NaN or inf for scores around 1000: np.exp(1000) overflows. "
             "Subtract each row's maximum from the scores first (the softmax does not change).")
    expect_close(float(loss_big), _SOFTMAX_LOSS, f"{name}: loss for scores + 1000")
    expect_close(d_big, _SOFTMAX_DSCORES, f"{name}: dscores for scores + 1000")
    # a confident mistake: p(correct) underflows to 0, yet the loss is finite
    with np.errstate(all="ignore"):
        loss_far, _ = _loss_call(name, fn, np.array([[0.0, 2000.0]]), np.array([0]))
    if not np.isfinite(float(loss_far)):
        fail(f"{name} returns an infinite loss when the correct class is far behind "
             "(scores [0, 2000]): the probability underflows to 0 and log(0) = -inf. "
             "Compute log p directly: shifted - log(sum(exp(shifted))) (log-sum-exp).")
    expect_close(float(loss_far), 2000.0, f"{name}: loss for scores [0, 2000], y = 0")
    _, d32 = _loss_call(name, fn, _SOFTMAX_SCORES.astype(np.float32), _SOFTMAX_Y.copy())
    expect_dtype(d32, np.float32, f"{name}: dscores for float32 scores")


# Row 0 (correct class 0, score 3): class 2 is active by 0.5, class 3 sits exactly on
# the hinge (2 - 3 + 1 = 0, inactive). Row 1 (correct class 0, score 0): classes 1 and
# 3 are active by 3 and 0.5. Loss (0.5 + 3 + 0.5) / 2 = 2.
_SVM_SCORES = np.array([[3.0, 1.0, 2.5, 2.0], [0.0, 2.0, -2.5, -0.5]])
_SVM_Y = np.array([0, 0])
_SVM_DSCORES = np.array([[-1.0, 0.0, 1.0, 0.0], [-2.0, 1.0, 0.0, 1.0]]) / 2
_SVM_LOSS_SLIPS = [
    (3.0, "the correct class adds its own term max(0, s_y - s_y + margin) = margin: the sum "
          "runs over the wrong classes j != y[n] only."),
    (0.5, "the margin is subtracted: each term is s_j - s_y + margin."),
    (0.75, "max(0, .) is missing: a term below 0 costs nothing, it does not lower the loss."),
    (3.25, "the terms are absolute values; the hinge is max(0, s_j - s_y + margin)."),
]
_SVM_GRAD_SLIPS = [
    (np.array([[-1.0, 0.0, 1.0, 0.0], [-1.0, 1.0, 0.0, 1.0]]) / 2,
     "the correct class always gets -1/N; it gets -1/N for EACH active term of its row "
     "(row 1 has two, so -2/N)."),
    (np.array([[-3.0, 0.0, 1.0, 0.0], [-3.0, 1.0, 0.0, 1.0]]) / 2,
     "the correct class gets -(C - 1)/N, one for every wrong class; it gets -1/N only for "
     "each ACTIVE term (a positive one)."),
    (np.array([[-2.0, 0.0, 1.0, 1.0], [-2.0, 1.0, 0.0, 1.0]]) / 2,
     "the term of class 3 in row 0 is exactly 0 and counts as active: a term at exactly 0 "
     "is inactive (use > 0, not >= 0)."),
    (np.array([[0.0, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 1.0]]) / 2,
     "the correct class gets no gradient: every active term also lowers the score of the "
     "correct class, -1/N per active term."),
]


@visible_check("svm_loss")
def check_svm_loss(fn):
    """Check ``svm_loss`` on hand-computed hinge terms (one on the hinge), with two margins."""
    name = "svm_loss"
    scores = _SVM_SCORES.copy()
    loss, dscores = _loss_call(name, fn, scores, _SVM_Y.copy())
    _expect_unchanged(name, scores, _SVM_SCORES)
    loss = expect_scalar(loss, f"{name}: loss")
    for value, message in _SVM_LOSS_SLIPS:
        if np.isclose(loss, value):
            fail(f"{name}: loss is {loss:g}, expected 2: {message}")
    expect_close(loss, 2.0, f"{name}: loss", factors=_MEAN)
    for value, message in _SVM_GRAD_SLIPS:
        if np.shape(dscores) == value.shape and np.allclose(np.asarray(dscores, float), value):
            fail(f"{name}: dscores is wrong: {message}")
    expect_close(dscores, _SVM_DSCORES, f"{name}: dscores", factors=_MEAN,
                 hint="Each active term adds +1 to its class and -1 to the correct class.")
    # margin 0.25: only row 1's term 2.25 stays active
    loss, dscores = _loss_call(name, fn, _SVM_SCORES.copy(), _SVM_Y.copy(), margin=0.25)
    loss = expect_scalar(loss, f"{name}: loss")
    if np.isclose(loss, 2.0):
        fail(f"{name}: with margin=0.25 the loss is still the one of margin 1: use the "
             "margin argument instead of a fixed 1.")
    expect_close(loss, 1.125, f"{name}: loss with margin=0.25",
                 hint="Use the margin argument instead of a fixed 1.")
    expect_close(dscores, np.array([[0.0, 0.0, 0.0, 0.0], [-1.0, 1.0, 0.0, 0.0]]) / 2,
                 f"{name}: dscores with margin=0.25")
    # one sample (the docstring's example): terms 0.5 and 3, both active
    loss, dscores = _loss_call(name, fn, np.array([[1.0, 0.5, 3.0]]), np.array([0]))
    one = {0.5: "with one sample the mean divides by N = 1: take N from the scores "
                "(len(scores)), not the 2 of the first example."}
    expect_close(expect_scalar(loss, f"{name}: loss"), 3.5,
                 f"{name}: loss for one sample, scores [1, 0.5, 3], y = 0", factors=one)
    expect_close(dscores, [[-2.0, 1.0, 1.0]], f"{name}: dscores for one sample, scores "
                 "[1, 0.5, 3], y = 0", factors=one)
    _, d32 = _loss_call(name, fn, _SVM_SCORES.astype(np.float32), _SVM_Y.copy())
    expect_dtype(d32, np.float32, f"{name}: dscores for float32 scores")
