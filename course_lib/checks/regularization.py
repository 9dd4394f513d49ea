"""Visible checks of assignment 04: dropout, DropConnect, weight and activity penalties, max-norm,
clipping, early stopping.

Every expected value below was worked out by hand (the arithmetic is in the
comments). Dropout is random, so its check tests what must hold for every mask
(each entry is 0 or ``x / (1 - rate)``) and the drop rate with a binomial bound,
never one particular mask.
"""
from __future__ import annotations

import math

import numpy as np

from .core import *  # noqa: F401,F403
from .core import _call, _as_pair  # noqa: F401

__all__ = ["check_dropout_forward", "check_dropout_backward", "check_dropconnect_forward",
           "check_dropconnect_backward", "check_l1_penalty", "check_l2_penalty",
           "check_elastic_net_penalty", "check_activity_l1_penalty", "check_kl_sparsity_penalty",
           "check_max_norm",
           "check_clip_by_value", "check_clip_by_global_norm", "check_EarlyStopping",
           "check_fc_network_regularization"]

_MODULE = "regularization"


# ============================================================ dropout


def _dropout(fn, x, param):
    name = "dropout_forward"
    return _as_pair(_call(name, _MODULE, fn, x, dict(param)), name)


@visible_check("dropout_forward")
def check_dropout_forward(fn):
    """Check ``dropout_forward``: test mode, rate 0, rescaling, drop rate, seeds, dtype."""
    name = "dropout_forward"
    x = np.arange(1.0, 7.0).reshape(2, 3)
    before = x.copy()
    out, cache = _dropout(fn, x, {"rate": 0.3, "mode": "test"})
    if np.shape(out) == x.shape and not np.allclose(np.asarray(out, dtype=np.float64), x):
        fail(f"{name}: in test mode out should be x itself, got {np.round(out, 4).tolist()} "
             f"for x = {x.tolist()}. Test mode drops and rescales nothing: inverted dropout "
             "already did the rescaling during training.")
    expect_close(out, x, f"{name}: out in test mode")
    if not (isinstance(cache, tuple) and len(cache) == 2) or cache[1] is not None:
        fail(f"{name}: in test mode the mask in the cache should be None (nothing was dropped).")
    # 200 000 entries of value 2 at rate 0.3: every output is 0 or 2 / 0.7
    rate, value = 0.3, 2.0
    big = np.full((400, 500), value)
    out, cache = _dropout(fn, big, {"rate": rate, "mode": "train", "seed": 7})
    if not np.all(big == value):
        fail(f"{name} changed its input x in place: build a new array (x * mask).")
    out = np.asarray(out, dtype=np.float64)
    if out.shape != big.shape:
        fail(f"{name}: out has shape {out.shape}, expected {big.shape}.")
    kept = out[out != 0]
    if kept.size == 0:
        fail(f"{name} dropped every entry at rate = {rate}: keep an entry when u >= rate.")
    scales = {value / (1 - rate): None,
              value: "kept entries are not rescaled: divide them by the keep probability "
                     "(1 - rate), so that the expected output equals x (inverted dropout).",
              value * (1 - rate): "kept entries are multiplied by (1 - rate); inverted dropout "
                                  "DIVIDES them by (1 - rate) during training.",
              value / rate: "kept entries are divided by rate; divide by the keep probability "
                            "1 - rate instead."}
    for scale, message in scales.items():
        if np.allclose(kept, scale, rtol=1e-6):
            if message:
                fail(f"{name}: {message}")
            break
    else:
        fail(f"{name}: with x = 2 and rate = {rate} every output should be 0 or "
             f"2 / (1 - rate) = {value / (1 - rate):.4f}; got other values such as "
             f"{float(kept[0]):.4f}.")
    # Binomial bound: the dropped share of n = 200 000 entries lies within
    # 0.01 (about 10 standard deviations) of rate.
    dropped = float(np.mean(out == 0))
    if abs(dropped - (1 - rate)) < 0.01:
        fail(f"{name} drops {dropped:.3f} of the entries at rate = {rate}: rate is the "
             "probability of DROPPING an entry (keep it where u >= rate), not of keeping it.")
    if abs(dropped - rate) > 0.01:
        fail(f"{name} drops {dropped:.3f} of the entries at rate = {rate}; expected about "
             f"{rate}. Draw one uniform number per entry: rng.random(x.shape) >= rate.")
    mask = cache[1] if isinstance(cache, tuple) and len(cache) == 2 else None
    if mask is None or np.shape(mask) != big.shape:
        fail(f"{name}: in train mode store the mask (shape of x, entries 0 or 1 / (1 - rate)) "
             "as `mask`; dropout_backward multiplies the gradient by it.")
    if not np.allclose(np.asarray(mask, dtype=np.float64) * value, out):
        fail(f"{name}: out should equal x * mask, with the mask holding 0 or 1 / (1 - rate) "
             "(the rescaling lives in the mask, so the backward pass rescales too).")

    out, _ = _dropout(fn, x, {"rate": 0.0, "mode": "train", "seed": 0})
    expect_close(out, x, f"{name}: out in train mode with rate = 0",
                 hint="rate is the probability of DROPPING: with rate = 0 every entry is kept "
                      "(u >= 0 always holds).")
    if not np.array_equal(x, before):
        fail(f"{name} changed its input x in place: build a new array (x * mask).")

    # the same seed gives the same mask; a shared generator gives a new mask each call
    first, _ = _dropout(fn, x, {"rate": 0.5, "mode": "train", "seed": 3})
    second, _ = _dropout(fn, x, {"rate": 0.5, "mode": "train", "seed": 3})
    if not np.array_equal(np.asarray(first), np.asarray(second)):
        fail(f"{name} draws different masks for the same seed: draw from the generator `rng` "
             "provided at the top of the function, not from np.random.")
    rng = np.random.default_rng(0)
    wide = np.ones((4, 50))
    first, _ = _dropout(fn, wide, {"rate": 0.5, "mode": "train", "rng": rng})
    second, _ = _dropout(fn, wide, {"rate": 0.5, "mode": "train", "rng": rng})
    if np.array_equal(np.asarray(first), np.asarray(second)):
        fail(f"{name} repeats its mask when given dropout_param['rng']: draw from the "
             "generator `rng` provided at the top of the function.")

    x3 = np.arange(24.0).reshape(2, 3, 4)
    out3, _ = _dropout(fn, x3, {"rate": 0.25, "mode": "train", "seed": 1})
    if np.shape(out3) != x3.shape:
        fail(f"{name}: out has shape {np.shape(out3)} for x of shape {x3.shape}; any shape works.")
    out32, cache32 = _dropout(fn, x.astype(np.float32), {"rate": 0.3, "mode": "train", "seed": 1})
    expect_dtype(out32, np.float32, f"{name}: out for float32 x")
    expect_dtype(cache32[1], np.float32, f"{name}: the mask for float32 x")


@visible_check("dropout_backward")
def check_dropout_backward(fn):
    """Check ``dropout_backward`` with caches built by hand (train and test mode)."""
    name = "dropout_backward"
    rate = 0.6                                     # kept entries are scaled by 1 / 0.4 = 2.5
    mask = np.array([[0.0, 2.5], [2.5, 0.0]])
    dout = np.array([[1.0, 2.0], [3.0, 4.0]])
    dx = _call(name, _MODULE, fn, dout.copy(), ({"rate": rate, "mode": "train"}, mask))
    if np.shape(dx) == (2, 2) and np.allclose(np.asarray(dx, dtype=float),
                                              [[0.0, 2.0], [3.0, 0.0]]):
        fail(f"{name}: the gradient is masked but not rescaled. Multiply dout by the mask "
             "itself: it already holds 1 / (1 - rate) where units were kept.")
    if np.shape(dx) == (2, 2) and np.allclose(np.asarray(dx, dtype=float), mask):
        fail(f"{name}: dx in train mode is the mask alone: multiply dout by it "
             "(dx = dout * mask).")
    expect_close(dx, [[0.0, 5.0], [7.5, 0.0]], f"{name}: dx in train mode",
                 hint="In train mode dx = dout * mask.")
    dx = _call(name, _MODULE, fn, dout.copy(), ({"rate": rate}, mask))
    expect_close(dx, [[0.0, 5.0], [7.5, 0.0]], f"{name}: dx when dropout_param has no 'mode'",
                 hint="The mode defaults to 'train'.")
    try:
        dx = _call(name, _MODULE, fn, dout.copy(), ({"rate": rate, "mode": "test"}, None))
    except TypeError:
        fail(f"{name} fails in test mode, where the mask is None: return dout unchanged there.")
    expect_close(dx, dout, f"{name}: dx in test mode", hint="In test mode dx = dout.")
    dx32 = _call(name, _MODULE, fn, dout.astype(np.float32),
                 ({"rate": rate, "mode": "train"}, mask.astype(np.float32)))
    expect_dtype(dx32, np.float32, f"{name}: dx for float32 inputs")


# ============================================================ DropConnect


def _dropconnect(fn, x, w, b, param):
    name = "dropconnect_forward"
    return _as_pair(_call(name, _MODULE, fn, x, w, b, dict(param)), name)


@visible_check("dropconnect_forward")
def check_dropconnect_forward(fn):
    """Check ``dropconnect_forward``: test mode, the mask of w's shape, rescaling, drop rate, seeds."""
    name = "dropconnect_forward"
    x = np.array([[1.0, 2.0, -1.0], [0.5, 0.0, 3.0]])
    w = np.array([[1.0, -1.0], [2.0, 0.5], [0.0, 1.0]])
    b = np.array([0.25, -0.5])
    # x @ w + b = [[1 + 4 + 0, -1 + 1 - 1] + b, [0.5 + 0 + 0, -0.5 + 0 + 3] + b]
    affine = np.array([[5.25, -1.5], [0.75, 2.0]])
    before = (x.copy(), w.copy(), b.copy())
    out, cache = _dropconnect(fn, x, w, b, {"rate": 0.4, "mode": "test"})
    if np.shape(out) == (2, 2) and np.allclose(np.asarray(out, dtype=float), affine - b):
        fail(f"{name}: the bias is missing: out = x @ w + b (DropConnect never drops the bias).")
    expect_close(out, affine, f"{name}: out in test mode",
                 hint="Test mode is the plain affine layer x @ w + b: nothing is dropped.")
    if not (isinstance(cache, tuple) and len(cache) == 5):
        fail(f"{name}: the cache should be the tuple (x, w, b, dc_param, mask) of the docstring.")
    if cache[4] is not None:
        fail(f"{name}: in test mode the mask in the cache should be None (nothing was dropped).")
    # x = the identity makes out = w * mask + b: every entry of the mask shows up in out
    rate, value, d, m = 0.3, 2.0, 300, 400
    eye, big = np.eye(d), np.full((d, m), value)
    out, cache = _dropconnect(fn, eye, big, np.zeros(m), {"rate": rate, "mode": "train", "seed": 7})
    out = np.asarray(out, dtype=np.float64)
    if out.shape != (d, m):
        fail(f"{name}: out has shape {out.shape}, expected {(d, m)} = (N, M).")
    if not np.all(big == value):
        fail(f"{name} changed w in place: multiply it by the mask into a new array.")
    zero_rows = np.all(out == 0, axis=1)
    if zero_rows.mean() > 0.1 and np.all(np.isclose(out[~zero_rows], out[~zero_rows][:, :1])):
        fail(f"{name} drops whole inputs (every weight leaving one input at once): that is "
             "dropout on x. DropConnect drops each weight on its own: a mask of w's shape, "
             "u = rng.random(w.shape).")
    kept = out[out != 0]
    if kept.size == 0:
        fail(f"{name} dropped every weight at rate = {rate}: keep a weight where u >= rate.")
    for scale, message in ((value, "kept weights are not rescaled: divide them by the keep "
                                   "probability (1 - rate), so that E[out] = x @ w + b."),
                           (value * (1 - rate), "kept weights are multiplied by (1 - rate); "
                                                "inverted DropConnect DIVIDES them by (1 - rate)."),
                           (value / rate, "kept weights are divided by rate; divide by the keep "
                                          "probability 1 - rate.")):
        if np.allclose(kept, scale, rtol=1e-6):
            fail(f"{name}: {message}")
    if not np.allclose(kept, value / (1 - rate), rtol=1e-6):
        fail(f"{name}: with w = 2 and rate = {rate} every kept weight should be 2 / (1 - rate) = "
             f"{value / (1 - rate):.4f}; got other values such as {float(kept[0]):.4f}.")
    # binomial bound: the dropped share of 120 000 weights lies within 0.01 (about 7.5
    # standard deviations) of rate
    dropped = float(np.mean(out == 0))
    if abs(dropped - (1 - rate)) < 0.01:
        fail(f"{name} drops {dropped:.3f} of the weights at rate = {rate}: rate is the "
             "probability of DROPPING a weight (keep it where u >= rate), not of keeping it.")
    if abs(dropped - rate) > 0.01:
        fail(f"{name} drops {dropped:.3f} of the weights at rate = {rate}; expected about {rate}. "
             "Draw one uniform number per weight: rng.random(w.shape) >= rate.")
    mask = cache[4] if isinstance(cache, tuple) and len(cache) == 5 else None
    if mask is None or np.shape(mask) != (d, m):
        fail(f"{name}: in train mode store the mask (shape of w, entries 0 or 1 / (1 - rate)) "
             "in the cache; dropconnect_backward needs it.")
    if not np.allclose(np.asarray(mask, dtype=np.float64) * value, out):
        fail(f"{name}: out should be x @ (w * mask) + b, with the mask holding 0 or "
             "1 / (1 - rate).")
    out, _ = _dropconnect(fn, x, w, b, {"rate": 0.0, "mode": "train", "seed": 0})
    expect_close(out, affine, f"{name}: out in train mode with rate = 0",
                 hint="rate is the probability of DROPPING a weight: with rate = 0 all are kept.")
    # with a bias: out must be x @ (w * mask) + b with the mask the cache holds
    out, cache = _dropconnect(fn, x, w, b, {"rate": 0.5, "mode": "train", "seed": 9})
    held = cache[4] if isinstance(cache, tuple) and len(cache) == 5 else None
    if held is not None and np.shape(held) == w.shape:
        held = np.asarray(held, dtype=np.float64)
        got = np.asarray(out, dtype=np.float64)
        if np.shape(got) == (2, 2) and np.allclose(got, x @ (w * held)):
            fail(f"{name}: the bias is missing in train mode: out = x @ (w * mask) + b.")
        offset = got - x @ (w * held) if np.shape(got) == (2, 2) else None
        if offset is not None and np.allclose(offset, offset[:1]) and not np.allclose(offset[0], b):
            fail(f"{name}: out - x @ (w * mask) is {np.round(offset[0], 4).tolist()} in every row, "
                 f"not the bias {b.tolist()}: the bias is never dropped or rescaled.")
        expect_close(out, x @ (w * held) + b, f"{name}: out in train mode (seed 9)",
                     hint="out = x @ (w * mask) + b, with the mask you store in the cache.")
    # one mask for the whole batch: two equal rows of x give two equal rows of out
    twins = np.tile(np.array([[1.0, -2.0, 0.5, 3.0]]), (2, 1))
    out, _ = _dropconnect(fn, twins, np.ones((4, 50)), np.zeros(50),
                          {"rate": 0.5, "mode": "train", "seed": 2})
    out = np.asarray(out, dtype=np.float64)
    if out.shape == (2, 50) and not np.allclose(out[0], out[1]):
        fail(f"{name} gives two equal examples different outputs: it draws a mask per output "
             "entry (dropout on the outputs). DropConnect draws one mask of w's shape, shared "
             "by the whole batch: out = x @ (w * mask) + b.")
    first, _ = _dropconnect(fn, x, w, b, {"rate": 0.5, "mode": "train", "seed": 3})
    second, _ = _dropconnect(fn, x, w, b, {"rate": 0.5, "mode": "train", "seed": 3})
    if not np.array_equal(np.asarray(first), np.asarray(second)):
        fail(f"{name} draws different masks for the same seed: draw from the generator `rng` "
             "provided at the top of the function, not from np.random.")
    rng = np.random.default_rng(0)
    wide = np.ones((20, 30))
    first, _ = _dropconnect(fn, np.ones((1, 20)), wide, np.zeros(30),
                            {"rate": 0.5, "mode": "train", "rng": rng})
    second, _ = _dropconnect(fn, np.ones((1, 20)), wide, np.zeros(30),
                             {"rate": 0.5, "mode": "train", "rng": rng})
    if np.array_equal(np.asarray(first), np.asarray(second)):
        fail(f"{name} repeats its mask when given dc_param['rng']: draw from the generator "
             "`rng` provided at the top of the function.")
    for array, kept_as in zip((x, w, b), before):
        if not np.array_equal(array, kept_as):
            fail(f"{name} changed one of its inputs in place: build new arrays.")
    out32, cache32 = _dropconnect(fn, x.astype(np.float32), w.astype(np.float32),
                                  b.astype(np.float32), {"rate": 0.3, "mode": "train", "seed": 1})
    expect_dtype(out32, np.float32, f"{name}: out for float32 inputs")
    expect_dtype(cache32[4], np.float32, f"{name}: the mask for float32 w")


@visible_check("dropconnect_backward")
def check_dropconnect_backward(fn):
    """Check ``dropconnect_backward`` with caches built by hand (train and test mode)."""
    name = "dropconnect_backward"
    x = np.array([[1.0, 2.0, -1.0], [0.5, 0.0, 3.0]])
    w = np.array([[1.0, -1.0], [2.0, 0.5], [0.0, 1.0]])
    b = np.array([0.25, -0.5])
    dout = np.array([[1.0, -2.0], [0.5, 1.0]])
    mask = np.array([[2.5, 0.0], [0.0, 2.5], [2.5, 2.5]])          # rate 0.6: kept weights x 2.5
    used = w * mask                                                # [[2.5, 0], [0, 1.25], [0, 2.5]]
    # dx = dout @ used.T; dw = (x.T @ dout) * mask; db = dout summed over the batch
    expected = (dout @ used.T, (x.T @ dout) * mask, dout.sum(axis=0))
    cache = (x, w, b, {"rate": 0.6, "mode": "train"}, mask)
    result = expect_outputs(_call(name, _MODULE, fn, dout.copy(), cache), name,
                            ("dx", "dw", "db"), expected)
    dx, dw, db = result
    dw_arr = np.asarray(dw, dtype=np.float64) if np.shape(dw) == (3, 2) else None
    if dw_arr is not None and np.allclose(dw_arr, x.T @ dout):
        fail(f"{name}: dw is not masked: a dropped weight took no part in the forward pass and "
             "gets no gradient. Multiply x.T @ dout by the mask.")
    if dw_arr is not None and np.allclose(dw_arr, (x.T @ dout) * (mask > 0)):
        fail(f"{name}: dw is masked but not rescaled: multiply by the mask itself, which "
             "already holds 1 / (1 - rate) where weights were kept.")
    if np.shape(dx) == (2, 3) and np.allclose(np.asarray(dx, dtype=float), dout @ w.T):
        fail(f"{name}: dx uses w; the forward pass used w * mask, so dx = dout @ (w * mask).T.")
    expect_close(dx, expected[0], f"{name}: dx in train mode", hint="dx = dout @ (w * mask).T.")
    expect_close(dw, expected[1], f"{name}: dw in train mode", hint="dw = (x.T @ dout) * mask.")
    expect_close(db, expected[2], f"{name}: db", hint="db = dout summed over the batch.")
    try:
        result = _call(name, _MODULE, fn, dout.copy(), (x, w, b, {"rate": 0.6, "mode": "test"}, None))
    except TypeError:
        fail(f"{name} fails in test mode, where the mask is None: it is the plain affine layer "
             "there.")
    expect_outputs(result, name, ("dx", "dw", "db"), (dout @ w.T, x.T @ dout, dout.sum(axis=0)))
    for got, want, what in zip(result, (dout @ w.T, x.T @ dout, dout.sum(axis=0)), ("dx", "dw", "db")):
        expect_close(got, want, f"{name}: {what} in test mode (mask None)")
    cache32 = tuple(a.astype(np.float32) for a in (x, w, b)) + ({"rate": 0.6}, mask.astype(np.float32))
    result32 = _call(name, _MODULE, fn, dout.astype(np.float32), cache32)
    for got, what in zip(result32, ("dx", "dw", "db")):
        expect_dtype(got, np.float32, f"{name}: {what} for float32 inputs")


# ============================================================ penalties

# sum |w| = 1 + 2 + 0 + 3 + 0.5 + 2 = 8.5;  sum w**2 = 1 + 4 + 0 + 9 + 0.25 + 4 = 18.25
def _weights(dtype=np.float64):
    return {"W1": np.array([[1.0, -2.0], [0.0, 3.0]], dtype=dtype),
            "W2": np.array([[-0.5], [2.0]], dtype=dtype)}


_SIGNS = {"W1": np.array([[1.0, -1.0], [0.0, 1.0]]), "W2": np.array([[-1.0], [1.0]])}


def _penalty(name, fn, *args):
    weights = _weights()
    result = _call(name, _MODULE, fn, weights, *args)
    if not (isinstance(result, tuple) and len(result) == 2):
        fail(f"{name} must return a pair (loss, grads).")
    loss, grads = result
    for key, value in _weights().items():
        if not np.array_equal(weights[key], value):
            fail(f"{name} changed weights[{key!r}] in place: return new arrays instead.")
    if not isinstance(grads, dict) or set(grads) != {"W1", "W2"}:
        got = sorted(grads) if isinstance(grads, dict) else type(grads).__name__
        fail(f"{name}: grads should be a dict with the keys of weights, ['W1', 'W2']; got {got}.")
    return expect_scalar(loss, f"{name}: loss"), grads


def _expect_grads(name, grads, expected, hint=""):
    for key in ("W1", "W2"):
        expect_close(grads[key], expected[key], f"{name}: grads[{key!r}]", hint=hint)


def _check_float32(name, fn, *args):
    _, grads = _call(name, _MODULE, fn, _weights(np.float32), *args)
    for key in ("W1", "W2"):
        expect_dtype(grads[key], np.float32, f"{name}: grads[{key!r}] for float32 weights")


@visible_check("l1_penalty")
def check_l1_penalty(fn):
    """Check ``l1_penalty`` on two arrays: loss 0.1 * 8.5, gradient 0.1 * sign(w)."""
    name = "l1_penalty"
    loss, grads = _penalty(name, fn, 0.1)
    if math.isclose(loss, 0.6) or math.isclose(loss, 0.25):
        fail(f"{name}: loss = {loss:.4g} covers only one of the arrays: sum |w| over every "
             "array in the dict.")
    if math.isclose(loss, 0.425):
        fail(f"{name}: loss = {loss:.4g} is half the expected 0.85: the L1 penalty has no 0.5.")
    if math.isclose(loss, 8.5):
        fail(f"{name}: loss = {loss:.4g}; multiply sum |w| by the strength reg = 0.1.")
    if math.isclose(loss, 0.35):
        fail(f"{name}: loss = {loss:.4g} is reg * sum(w): the L1 penalty sums absolute values, "
             "reg * sum |w|.")
    if not math.isclose(loss, 0.85, rel_tol=1e-9):
        fail(f"{name}: loss = {loss:.6g}, expected reg * sum|w| = 0.1 * 8.5 = 0.85.")
    if np.allclose(np.asarray(grads["W1"], dtype=float), _SIGNS["W1"]):
        fail(f"{name}: the gradient is sign(w); it should be reg * sign(w).")
    if np.allclose(np.asarray(grads["W1"], dtype=float), 0.1 * np.abs(_weights()["W1"])):
        fail(f"{name}: the gradient is reg * |w|, the penalty itself; its slope is "
             "reg * sign(w).")
    _expect_grads(name, grads, {k: 0.1 * s for k, s in _SIGNS.items()},
                  hint="The gradient of reg * |w| is reg * sign(w), and 0 where w == 0 "
                       "(np.sign(0) is 0).")
    _check_float32(name, fn, 0.1)


@visible_check("l2_penalty")
def check_l2_penalty(fn):
    """Check ``l2_penalty`` on two arrays: loss 0.5 * 0.1 * 18.25, gradient 0.1 * w."""
    name = "l2_penalty"
    loss, grads = _penalty(name, fn, 0.1)
    if math.isclose(loss, 1.825):
        fail(f"{name}: loss = {loss:.4g} is twice the expected 0.9125: the penalty is "
             "0.5 * reg * sum(w**2) (the 0.5 makes its gradient reg * w).")
    if math.isclose(loss, 0.05 * 14.0) or math.isclose(loss, 0.05 * 4.25):
        fail(f"{name}: loss = {loss:.4g} covers only one of the arrays: sum w**2 over every "
             "array in the dict.")
    if math.isclose(loss, 0.5 * 0.1 * 8.5):
        fail(f"{name}: loss = {loss:.4g} uses |w|; the L2 penalty squares the weights.")
    if math.isclose(loss, 9.125):
        fail(f"{name}: loss = {loss:.4g}; multiply 0.5 * sum(w**2) by the strength reg = 0.1.")
    if not math.isclose(loss, 0.9125, rel_tol=1e-9):
        fail(f"{name}: loss = {loss:.6g}, expected 0.5 * reg * sum(w**2) = 0.5 * 0.1 * 18.25 "
             "= 0.9125.")
    weights = _weights()
    if np.allclose(np.asarray(grads["W1"], dtype=float), 0.2 * weights["W1"]):
        fail(f"{name}: the gradient is 2 * reg * w; the 0.5 in the penalty cancels the 2, so "
             "the gradient is reg * w.")
    if np.allclose(np.asarray(grads["W1"], dtype=float), 0.05 * weights["W1"]):
        fail(f"{name}: the gradient is 0.5 * reg * w; the 0.5 of the penalty cancels against "
             "the 2 of the square's derivative, so the gradient is reg * w.")
    _expect_grads(name, grads, {k: 0.1 * w for k, w in weights.items()},
                  hint="The gradient of 0.5 * reg * w**2 is reg * w.")
    _check_float32(name, fn, 0.1)


@visible_check("elastic_net_penalty")
def check_elastic_net_penalty(fn):
    """Check ``elastic_net_penalty`` at l1_ratio 0.25, 1 and 0."""
    name = "elastic_net_penalty"
    # 0.1 * (0.25 * 8.5 + 0.75 * 0.5 * 18.25) = 0.1 * (2.125 + 6.84375) = 0.896875
    loss, grads = _penalty(name, fn, 0.1, 0.25)
    if math.isclose(loss, 0.865625):      # 0.1 * (0.75 * 8.5 + 0.25 * 0.5 * 18.25)
        fail(f"{name}: loss = {loss:.6g}; l1_ratio and 1 - l1_ratio are swapped: l1_ratio is "
             "the share of the L1 part.")
    if math.isclose(loss, 1.58125):       # 0.1 * (0.25 * 8.5 + 0.75 * 18.25)
        fail(f"{name}: loss = {loss:.6g}; the L2 part needs its 0.5: "
             "(1 - l1_ratio) * 0.5 * sum(w**2).")
    if not math.isclose(loss, 0.896875, rel_tol=1e-9):
        fail(f"{name}: loss = {loss:.6g} with reg = 0.1, l1_ratio = 0.25; expected "
             "0.1 * (0.25 * 8.5 + 0.75 * 0.5 * 18.25) = 0.896875.")
    weights = _weights()
    _expect_grads(name, grads,
                  {k: 0.1 * (0.25 * _SIGNS[k] + 0.75 * weights[k]) for k in weights},
                  hint="grads = reg * (l1_ratio * sign(w) + (1 - l1_ratio) * w).")
    for ratio, expected, label in ((1.0, 0.85, "the L1 penalty"), (0.0, 0.9125, "the L2 penalty")):
        loss, _ = _penalty(name, fn, 0.1, ratio)
        if not math.isclose(loss, expected, rel_tol=1e-9):
            fail(f"{name}: loss = {loss:.6g} with l1_ratio = {ratio:g}; that should be "
                 f"{label}, {expected}.")
    _check_float32(name, fn, 0.1, 0.25)


# ============================================================ activity penalties


def _activity(name, fn, h, *args):
    before = h.copy()
    result = _call(name, _MODULE, fn, h, *args)
    if not (isinstance(result, tuple) and len(result) == 2):
        fail(f"{name} must return a pair (loss, dh).")
    loss, dh = result
    if not np.array_equal(h, before):
        fail(f"{name} changed h in place: return a new array for dh.")
    return expect_scalar(loss, f"{name}: loss"), dh


@visible_check("activity_l1_penalty")
def check_activity_l1_penalty(fn):
    """Check ``activity_l1_penalty`` on a batch of 2: loss 0.1 * 7 / 2, dh 0.05 * sign(h)."""
    name = "activity_l1_penalty"
    h = np.array([[0.0, 2.0, -1.0], [1.0, 0.0, 3.0]])        # sum |h| = 7 over N = 2 examples
    loss, dh = _activity(name, fn, h, 0.1)
    if math.isclose(loss, 0.7):
        fail(f"{name}: loss = {loss:.4g} is the sum over the batch; divide by the number of "
             "examples N: the penalty is a mean over the batch, like the data loss.")
    if math.isclose(loss, 0.1 * 7 / 6):
        fail(f"{name}: loss = {loss:.4g} is a mean over every entry; sum |h| over the units of "
             "each example and average over the N examples only: reg * sum(|h|) / N.")
    if math.isclose(loss, 0.25):
        fail(f"{name}: loss = {loss:.4g} sums h, not |h|.")
    if not math.isclose(loss, 0.35, rel_tol=1e-9):
        fail(f"{name}: loss = {loss:.6g}, expected reg * sum(|h|) / N = 0.1 * 7 / 2 = 0.35.")
    signs = np.sign(h)
    got = np.asarray(dh, dtype=np.float64) if np.shape(dh) == h.shape else None
    if got is not None and np.allclose(got, 0.1 * signs):
        fail(f"{name}: dh is reg * sign(h); divide it by N as well, the loss is a mean over the "
             "batch.")
    if got is not None and np.allclose(got, 0.05 * np.abs(h)):
        fail(f"{name}: dh is the penalty itself, reg * |h| / N; its slope is reg * sign(h) / N.")
    if got is not None and np.allclose(got, 0.05 * np.where(h >= 0, 1.0, -1.0)):
        fail(f"{name}: dh is not 0 where h == 0; use the subgradient 0 there (np.sign(0) is 0): "
             "a ReLU unit that is off feels no penalty.")
    expect_close(dh, 0.05 * signs, f"{name}: dh", hint="dh = reg * sign(h) / N.")
    loss, dh = _activity(name, fn, np.array([[0.5, -0.5]]), 0.2)
    expect_close(dh, [[0.2, -0.2]], f"{name}: dh for one example (N = 1) with reg = 0.2")
    _, dh32 = _activity(name, fn, h.astype(np.float32), 0.1)
    expect_dtype(dh32, np.float32, f"{name}: dh for float32 h")


@visible_check("kl_sparsity_penalty")
def check_kl_sparsity_penalty(fn):
    """Check ``kl_sparsity_penalty`` with rho = 0.05: one unit on target, one at mean 0.2."""
    name = "kl_sparsity_penalty"
    # unit 0 has the mean 0.2, unit 1 the mean 0.05 = rho (it costs nothing)
    h = np.array([[0.1, 0.02], [0.3, 0.08], [0.2, 0.05], [0.2, 0.05]])
    rho, reg = 0.05, 3.0
    kl = rho * math.log(rho / 0.2) + (1 - rho) * math.log((1 - rho) / 0.8)
    # dh for unit 0: reg * ((1 - rho) / (1 - 0.2) - rho / 0.2) / N = 3 * (1.1875 - 0.25) / 4
    slope = reg * ((1 - rho) / 0.8 - rho / 0.2) / 4
    expected_dh = np.array([[slope, 0.0]] * 4)
    loss, dh = _activity(name, fn, h, rho, reg)
    swapped = 0.2 * math.log(0.2 / rho) + 0.8 * math.log(0.8 / (1 - rho))
    if math.isclose(loss, reg * swapped, rel_tol=1e-6):
        fail(f"{name}: loss = {loss:.6g} is KL(rho_hat || rho), the divergence the other way "
             "round: the penalty is rho * log(rho / rho_hat) + (1 - rho) * log((1 - rho) / "
             "(1 - rho_hat)).")
    if math.isclose(loss, reg * rho * math.log(rho / 0.2), rel_tol=1e-6):
        fail(f"{name}: loss = {loss:.6g} has only the first term; add (1 - rho) * "
             "log((1 - rho) / (1 - rho_hat)): the KL divergence of two Bernoulli distributions.")
    if math.isclose(loss, kl, rel_tol=1e-6):
        fail(f"{name}: loss = {loss:.6g}; multiply the summed divergence by reg = {reg:g}.")
    if not math.isclose(loss, reg * kl, rel_tol=1e-9):
        fail(f"{name}: loss = {loss:.6g}, expected reg * sum_j KL(rho || rho_hat[j]) = "
             f"{reg * kl:.6g} for rho = {rho}, rho_hat = [0.2, 0.05], reg = {reg:g}.")
    got = np.asarray(dh, dtype=np.float64) if np.shape(dh) == h.shape else None
    if got is not None and np.allclose(got, 4 * expected_dh):
        fail(f"{name}: dh is N times too large: rho_hat is a mean over the N examples, so each "
             "example's share of the gradient is divided by N.")
    if got is not None and np.allclose(got, -expected_dh):
        fail(f"{name}: dh has the wrong sign: the penalty grows as rho_hat moves away from rho, "
             "so for rho_hat > rho its slope is positive.")
    if got is not None and not np.allclose(got, got[:1]):
        fail(f"{name}: dh differs between the examples of the batch; the penalty depends on h "
             "only through each unit's mean rho_hat, so every example gets the same gradient "
             "for a unit: reg * ((1 - rho) / (1 - rho_hat) - rho / rho_hat) / N.")
    expect_close(dh, expected_dh, f"{name}: dh",
                 hint="dh[n, j] = reg * ((1 - rho) / (1 - rho_hat[j]) - rho / rho_hat[j]) / N.")
    _, dh32 = _activity(name, fn, h.astype(np.float32), rho, reg)
    expect_dtype(dh32, np.float32, f"{name}: dh for float32 h")


# ============================================================ max-norm


@visible_check("max_norm")
def check_max_norm(fn):
    """Check ``max_norm`` on columns of norm 5, 0.5 and 0 with the cap 1."""
    name = "max_norm"
    w = np.array([[3.0, 0.3, 0.0], [4.0, 0.4, 0.0]])     # column norms 5, 0.5, 0
    before = w.copy()
    with np.errstate(divide="raise", invalid="raise"):
        try:
            out = _call(name, _MODULE, fn, w, 1.0)
        except FloatingPointError:
            fail(f"{name} divides by zero for a column of zeros: compare the norms with the "
                 "cap first (e.g. np.maximum(norms, cap)) instead of dividing by the norm.")
    if not np.array_equal(w, before):
        fail(f"{name} changed w in place: return a new array.")
    got = np.asarray(out, dtype=np.float64)
    if got.shape == w.shape:
        if np.allclose(got, [[0.6, 0.6, 0.0], [0.8, 0.8, 0.0]]):
            fail(f"{name} scales every column to the cap; only columns LONGER than the cap "
                 "shrink, shorter ones stay as they are.")
        if np.allclose(got, [[0.99504, 0.099504, 0.0], [0.99504, 0.099504, 0.0]], rtol=1e-4):
            fail(f"{name} takes the norms of the rows; with axis=0 each COLUMN (the incoming "
                 "weights of one unit) gets its own norm: sum over axis 0.")
        if np.allclose(got, w / np.sqrt(np.sum(w * w))):
            fail(f"{name} rescales by one norm for the whole matrix; each column (the incoming "
                 "weights of one unit) gets its own norm along `axis`, keepdims=True.")
    expect_close(out, [[0.6, 0.3, 0.0], [0.8, 0.4, 0.0]], f"{name}(w, 1.0): out",
                 hint="Column [3, 4] has norm 5 > 1 and becomes [0.6, 0.8]; column [0.3, 0.4] "
                      "has norm 0.5 and stays.")
    out_t = _call(name, _MODULE, fn, w.T.copy(), 1.0, axis=1)
    expect_close(out_t, [[0.6, 0.8], [0.3, 0.4], [0.0, 0.0]], f"{name}(w.T, 1.0, axis=1): out",
                 hint="Take the norms along the `axis` argument (keepdims=True broadcasts back).")
    out = _call(name, _MODULE, fn, np.array([[0.6], [0.8]]), 1.0)
    expect_close(out, [[0.6], [0.8]], f"{name}: a column exactly at the cap")
    out32 = _call(name, _MODULE, fn, w.astype(np.float32), 1.0)
    expect_dtype(out32, np.float32, f"{name}: out for float32 w")


# ============================================================ clipping


def _grads(dtype=np.float64):
    return {"a": np.array([-3.0, 0.5, 2.0], dtype=dtype), "b": np.array([[1.5, -0.2]], dtype=dtype)}


@visible_check("clip_by_value")
def check_clip_by_value(fn):
    """Check ``clip_by_value`` with the range [-1, 1]."""
    name = "clip_by_value"
    grads = _grads()
    out = _call(name, _MODULE, fn, grads, 1.0)
    for key, value in _grads().items():
        if not np.array_equal(grads[key], value):
            fail(f"{name} changed grads[{key!r}] in place: return new arrays.")
    if not isinstance(out, dict) or set(out) != {"a", "b"}:
        fail(f"{name} should return a dict with the same keys as grads, ['a', 'b'].")
    if np.shape(out["a"]) == (3,) and np.allclose(np.asarray(out["a"], dtype=float),
                                                  [-3.0, 0.5, 1.0]):
        fail(f"{name} clips only from above: entries below -clip_value must become "
             "-clip_value too.")
    expect_close(out["a"], [-1.0, 0.5, 1.0], f"{name}: out['a'] for [-3, 0.5, 2]")
    expect_close(out["b"], [[1.0, -0.2]], f"{name}: out['b'] for [[1.5, -0.2]]")
    out32 = _call(name, _MODULE, fn, _grads(np.float32), 1.0)
    expect_dtype(out32["a"], np.float32, f"{name}: out['a'] for float32 gradients")


@visible_check("clip_by_global_norm")
def check_clip_by_global_norm(fn):
    """Check ``clip_by_global_norm`` on gradients of global norm 5 (|[3, 0]|, |[0, 4]|)."""
    name = "clip_by_global_norm"

    def grads(dtype=np.float64):
        return {"a": np.array([3.0, 0.0], dtype=dtype), "b": np.array([[0.0], [4.0]], dtype=dtype)}

    def run(g, max_norm):
        with np.errstate(divide="raise", invalid="raise"):
            try:
                result = _call(name, _MODULE, fn, g, max_norm)
            except FloatingPointError:
                fail(f"{name} divides by zero when every gradient is 0: only rescale when the "
                     "norm exceeds max_norm (e.g. scale = max_norm / max(norm, max_norm)).")
        if not (isinstance(result, tuple) and len(result) == 2):
            fail(f"{name} must return a pair (clipped, global_norm).")
        clipped, norm = result
        if not isinstance(clipped, dict) or set(clipped) != set(g):
            fail(f"{name}: clipped should be a dict with the keys of grads, {sorted(g)}.")
        return clipped, expect_scalar(norm, f"{name}: global_norm")

    g = grads()
    clipped, norm = run(g, 1.0)
    for key, value in grads().items():
        if not np.array_equal(g[key], value):
            fail(f"{name} changed grads[{key!r}] in place: return new arrays.")
    a = np.asarray(clipped["a"], dtype=float)
    if a.shape == (2,) and np.allclose(a, [1.0, 0.0]):
        fail(f"{name} clips every array on its own; the global norm is the norm of ALL entries "
             "of ALL arrays together (here sqrt(3**2 + 4**2) = 5), and every array is "
             "multiplied by the same factor max_norm / 5.")
    if math.isclose(norm, 1.0):
        fail(f"{name} returns the norm after clipping (1.0); return the global norm BEFORE "
             "clipping (5.0), which is what you want to log.")
    if math.isclose(norm, 7.0):
        fail(f"{name}: global_norm = 7 is the sum of the norms of the arrays (3 + 4); the "
             "global norm is the norm of all their entries together, sqrt(3**2 + 4**2) = 5.")
    if not math.isclose(norm, 5.0, rel_tol=1e-9):
        fail(f"{name}: global_norm = {norm:.6g}, expected sqrt(3**2 + 4**2) = 5: the square "
             "root of the sum of squares of every entry of every array.")
    expect_close(clipped["a"], [0.6, 0.0], f"{name}(grads, 1.0): clipped['a']",
                 hint="Every array is multiplied by max_norm / global_norm = 1 / 5.")
    expect_close(clipped["b"], [[0.0], [0.8]], f"{name}(grads, 1.0): clipped['b']")
    clipped, norm = run(grads(), 10.0)
    if not np.allclose(np.asarray(clipped["a"], dtype=float), [3.0, 0.0]):
        fail(f"{name} changed gradients whose global norm (5) is below max_norm (10): only "
             "shrink when the norm exceeds max_norm, never scale small gradients up.")
    expect_close(clipped["b"], [[0.0], [4.0]], f"{name}(grads, 10.0): clipped['b']")
    clipped, norm = run({"a": np.zeros(2), "b": np.zeros((2, 1))}, 1.0)
    expect_close(clipped["a"], [0.0, 0.0], f"{name}: clipped['a'] for all-zero gradients")
    clipped, _ = run(grads(np.float32), 1.0)
    expect_dtype(clipped["a"], np.float32, f"{name}: clipped['a'] for float32 gradients")


# ============================================================ early stopping


def _stopper(cls, *args, **kwargs):
    try:
        return cls(*args, **kwargs)
    except NotImplementedError:
        fail("EarlyStopping is not implemented yet: open course_lib/regularization.py, find "
             "`def step` in `class EarlyStopping` and replace `raise NotImplementedError()`.")


def _steps(cls, values, **kwargs):
    """Run a fresh stopper over ``values``; return it and what each step returned."""
    stopper = _stopper(cls, **kwargs)
    answers = []
    for value in values:
        try:
            answers.append(stopper.step(value))
        except NotImplementedError:
            fail("EarlyStopping.step is not implemented yet: open course_lib/regularization.py, "
                 "find `def step` in `class EarlyStopping` and replace "
                 "`raise NotImplementedError()` with your code.")
    return stopper, [bool(a) for a in answers]


@visible_check("EarlyStopping")
def check_EarlyStopping(cls):
    """Check ``EarlyStopping.step``: patience, reset, min_delta, mode, NaN, copies of params."""
    name = "EarlyStopping.step"
    values = [1.0, 0.8, 0.9, 0.85]
    stopper, answers = _steps(cls, values, patience=2)
    expected = [False, False, False, True]
    if answers == [False, False, True, True]:
        fail(f"{name} stops one call too early for values {values} with patience = 2: stop "
             "when `wait` (calls in a row without improvement) REACHES patience.")
    if answers == [False, False, False, False] and stopper.best_value == 0.85:
        fail(f"{name} compares each value with the previous one (0.85 < 0.9 counted as an "
             f"improvement for values {values}); compare with the BEST value so far, 0.8.")
    if answers == [False, False, False, False]:
        fail(f"{name} never returned True for values {values} with patience = 2: after 0.9 and "
             "0.85 (two calls without beating 0.8) it should return True.")
    if answers != expected:
        fail(f"{name} returned {answers} for values {values} with patience = 2; expected "
             f"{expected}.")
    if stopper.best_value != 0.8 or stopper.best_step != 1 or stopper.wait != 2:
        fail(f"{name}: after {values} expected best_value 0.8, best_step 1 (calls count from 0) "
             f"and wait 2; got {stopper.best_value}, {stopper.best_step} and {stopper.wait}.")

    values = [1.0, 1.1, 0.9, 1.2, 1.3]
    _, answers = _steps(cls, values, patience=2)
    if answers != [False, False, False, False, True]:
        fail(f"{name} returned {answers} for values {values} with patience = 2; an improvement "
             "(0.9) sets wait back to 0, so only the 5th call stops.")

    _, answers = _steps(cls, [1.0, 0.95], patience=1, min_delta=0.1)
    if answers != [False, True]:
        fail(f"{name} counts 1.0 -> 0.95 as an improvement with min_delta = 0.1; an improvement "
             "must beat the best value by MORE than min_delta (here: go below 0.9).")

    stopper, answers = _steps(cls, [0.5, 0.6, 0.55], patience=1, mode="max")
    if answers != [False, False, True] or stopper.best_value != 0.6:
        fail(f"{name} with mode='max' returned {answers} for [0.5, 0.6, 0.55] (best_value "
             f"{stopper.best_value}); in mode 'max' higher is better: expected "
             "[False, False, True] and best_value 0.6.")

    stopper, answers = _steps(cls, [1.0, float("nan")], patience=1)
    if answers != [False, True] or stopper.best_value != 1.0:
        fail(f"{name} counts NaN as an improvement; a comparison with NaN is False, so write the "
             "test as `metric < best - min_delta` (it must be True to improve).")

    stopper = _stopper(cls, patience=3)
    params = {"W": np.array([1.0, 2.0]), "b": np.array([0.5])}
    stopper.step(1.0, params)
    params["W"] += 10.0                      # an in-place update, as some optimisers do
    params["b"] = np.array([7.0])            # a rebinding, as the Trainer does
    stopper.step(2.0, params)
    best = stopper.best_params
    if not isinstance(best, dict) or set(best) != {"W", "b"}:
        fail(f"{name}: best_params should hold a copy of the params passed with the best "
             f"metric (keys ['W', 'b']); got {type(best).__name__}.")
    if not (np.array_equal(best["W"], [1.0, 2.0]) and np.array_equal(best["b"], [0.5])):
        fail(f"{name}: best_params changed when the model's parameters changed later: store a "
             "deep copy (copy.deepcopy(params)), not the dict itself.")


# ====================================================================== the network (04)
@visible_check("fc_network_regularization")
def check_fc_network_regularization(model_module):
    """Check the network's dropout and penalty steps of ``course_lib/model.py``.

    Networks with dropout (fixed masks through ``dropout_seed``), an L2
    penalty, both, and both with batch norm, run with stand-ins for every layer:
    the loss, each parameter's gradient against the loss's slope along random
    directions, and the test mode, which keeps every unit.
    """
    from . import _network as net_check

    with net_check.stand_ins(model_module):
        for seed, options in ((0, {"dropout": 0.3, "dropout_seed": 3}),
                              (1, {"reg": 0.2}),
                              (2, {"dropout": 0.25, "dropout_seed": 8, "reg": 0.05}),
                              (3, {"dropout": 0.2, "dropout_seed": 1, "reg": 0.1,
                                   "normalization": "layernorm", "residual": True})):
            what = f"fc_network with {', '.join(f'{k}={v!r}' for k, v in options.items())}"
            net = net_check.build(model_module, [6, 6, 4], seed=seed, **options)
            X, y = net_check.batch(seed)
            net_check.check_forward(net, X, what)
            net_check.judge_gradients(net, X, y, what)
            test_scores = np.asarray(net_check.student_call(net.loss, X), dtype=np.float64)
            kept, _ = net_check.expected_scores(net, X, mode="test")
            if not np.allclose(test_scores, kept, rtol=1e-6, atol=1e-9):
                fail(f"{what}: in test mode (loss(X) without labels) every unit is kept: "
                     "_dropout_forward returns its input unchanged there.")
