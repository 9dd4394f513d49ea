"""Visible checks of assignment 00: numeric gradients, the affine layer, the losses."""
from __future__ import annotations

import numpy as np

from .core import *  # noqa: F401,F403
from .core import _call, _call_strict, _as_pair  # noqa: F401

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
