"""Plausible mistakes of every student module, and the words each visible check must say.

Every entry below is a deliberately wrong implementation of one graded
function (mostly the reference with one slip, written as a student would) and
the words the function's visible check must put in its message. An entry is
*named* when those words name the mistake and its fix (a swapped return order,
a missing 1/N, eps outside the root, ...); entries marked ``named=False`` are
mistakes the checks still reject, but only with the generic description of
which output is wrong, where and how. The share of named entries per module is
the measure of issue 15 ("nine in ten plausible mistakes named"):

    .venv/bin/python tests/test_check_mistakes.py

prints it; ``test_every_module_names_nine_in_ten_mistakes`` keeps it from
sliding below 0.9. How the list was made: for each function, the slips students
make when they write it (off by N, wrong axis, wrong sign, swapped order, a
forgotten term, a parameter written as a constant, a float32 upcast, a mutated
input, ...), including every mistake the check tests of the course covered
before. A check shared by two functions (the two batch-norm backward passes)
counts its mistakes once per function. On 2026-12-03:

    module          named / listed
    gradcheck          24 / 24
    layers             25 / 25
    losses             34 / 35
    activations        43 / 43
    init               41 / 43
    normalization      87 / 87
    preprocessing      23 / 23
    regularization     95 / 98
    optim              63 / 64
    schedules          57 / 59
    babysit            30 / 33

These shares are measured on the mistakes the checks were improved against, so
they flatter. The 15 entries of the "holdout" section were written afterwards,
before any check was changed for them: 4 got a named diagnosis, 10 only the
generic description and one (a ReLU gradient passed at x = 0) passed its check.
All 15 are named now, but a fresh list will again find gaps; the generic
description (first wrong index, expected and got, and the kind of error when
one fits) is what such mistakes get.
"""
from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__":                      # run as a script: the repository on the path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import copy
import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pytest

from course_lib import activations as act
from course_lib import babysit, gradcheck, init, layers, losses, optim, schedules
from course_lib import normalization as nz
from course_lib import regularization as reg

from check_support import fails_with

MODULES = ("gradcheck", "layers", "losses", "activations", "init", "normalization",
           "preprocessing", "regularization", "optim", "schedules", "babysit")


@dataclass
class Mistake:
    module: str
    check: str               # the graded function whose check runs (check_<check>)
    slip: str                # what the student did (the wrong implementation's name)
    wrong: object            # the wrong implementation
    words: tuple[str, ...]   # the message must hold every one (case-insensitive)
    named: bool = True       # False: rejected, but only by the generic description
    kwargs: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.check}-{self.slip}"


MISTAKES: list[Mistake] = []


def mistake(module, check, *words, named=True, **kwargs):
    """Register the decorated wrong implementation (a function or a class)."""
    def register(wrong):
        add(module, check, wrong.__name__, wrong, *words, named=named, **kwargs)
        return wrong
    return register


def add(module, check, slip, wrong, *words, named=True, **kwargs):
    MISTAKES.append(Mistake(module, check, slip, wrong, tuple(words), named, kwargs))


# ======================================================================== gradcheck

def _centred(f, x, h, combine=lambda plus, minus, h: (plus - minus) / (2 * h), restore=True,
             copy_out=True):
    """A numeric gradient built from replaceable pieces (the defaults are correct)."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        plus = np.array(f(x), copy=True) if copy_out else f(x)
        x[i] = old - h
        minus = np.array(f(x), copy=True) if copy_out else f(x)
        if restore:
            x[i] = old
        grad[i] = combine(plus, minus, h)
    return grad


@mistake("gradcheck", "numeric_gradient", "one-sided", "centred")
def forward_difference(f, x, h=1e-5):
    f_x = f(x.copy())
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        shifted = x.copy()
        shifted[i] += h
        grad[i] = (f(shifted) - f_x) / h
    return grad


@mistake("gradcheck", "numeric_gradient", "one-sided")
def backward_difference(f, x, h=1e-5):
    f_x = f(x.copy())
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        shifted = x.copy()
        shifted[i] -= h
        grad[i] = (f_x - f(shifted)) / h
    return grad


@mistake("gradcheck", "numeric_gradient", "x changed", "put every entry back")
def x_not_restored(f, x, h=1e-5):
    return _centred(f, x, h, restore=False)


@mistake("gradcheck", "numeric_gradient", "ignore", "h")
def step_fixed_at_1e_6(f, x, h=1e-5):
    return gradcheck.numeric_gradient(f, x, h=1e-6)


@mistake("gradcheck", "numeric_gradient", "ignores its h argument", "h=0.1")
def step_fixed_at_the_checks_own_h(f, x, h=1e-5):
    return gradcheck.numeric_gradient(f, x, h=0.01)


@mistake("gradcheck", "numeric_gradient", "without h", "h=1e-05")
def default_step_of_0_01(f, x, h=0.01):
    return gradcheck.numeric_gradient(f, x, h=h)


@mistake("gradcheck", "numeric_gradient", "twice too large", "2h")
def divided_by_h(f, x, h=1e-5):
    return _centred(f, x, h, lambda p, m, h: (p - m) / h)


@mistake("gradcheck", "numeric_gradient", "/ 2 * h", "brackets")
def precedence_of_two_h(f, x, h=1e-5):
    return _centred(f, x, h, lambda p, m, h: (p - m) / 2 * h)


@mistake("gradcheck", "numeric_gradient", "f(x - h) / (2h)", "brackets")
def precedence_of_the_difference(f, x, h=1e-5):
    return _centred(f, x, h, lambda p, m, h: p - m / (2 * h))


@mistake("gradcheck", "numeric_gradient", "every entry of x at once")
def every_entry_moved_at_once(f, x, h=1e-5):
    slope = (f(x + h) - f(x - h)) / (2 * h)
    return np.full_like(x, slope)


@mistake("gradcheck", "numeric_gradient", "whole row", "np.ndindex")
def rows_moved_together(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in range(len(x)):
        old = x[i].copy()
        x[i] = old + h
        plus = f(x)
        x[i] = old - h
        minus = f(x)
        x[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad


@mistake("gradcheck", "numeric_gradient", "dtype float64", "expected float32", "dtype=")
def float64_for_float32(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        plus = f(x)
        x[i] = old - h
        minus = f(x)
        x[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad


@mistake("gradcheck", "numeric_gradient", "returned none", "return")
def no_return(f, x, h=1e-5):
    gradcheck.numeric_gradient(f, x, h)


@mistake("gradcheck", "numeric_gradient_array", "ignores dout")
def dout_ignored(f, x, dout, h=1e-5):
    return gradcheck.numeric_gradient_array(f, x, np.ones_like(dout), h=h)


@mistake("gradcheck", "numeric_gradient_array", "view", "copy")
def view_not_copied(f, x, dout, h=1e-5):
    return _centred(f, x, h, lambda p, m, h: np.sum((p - m) * dout) / (2 * h), copy_out=False)


@mistake("gradcheck", "numeric_gradient_array", "mean", "sum them")
def mean_over_outputs(f, x, dout, h=1e-5):
    return _centred(f, x, h, lambda p, m, h: np.mean((p - m) * dout) / (2 * h))


@mistake("gradcheck", "numeric_gradient_array", "divide by 2h")
def array_divided_by_h(f, x, dout, h=1e-5):
    return _centred(f, x, h, lambda p, m, h: np.sum((p - m) * dout) / h)


@mistake("gradcheck", "numeric_gradient_array", "one number", "sum")
def difference_not_summed(f, x, dout, h=1e-5):
    return _centred(f, x, h, lambda p, m, h: (p - m) * dout / (2 * h))


@mistake("gradcheck", "numeric_gradient_array", "ignores its h argument")
def array_step_fixed_at_the_checks_own_h(f, x, dout, h=1e-5):
    return gradcheck.numeric_gradient_array(f, x, dout, h=0.01)


@mistake("gradcheck", "numeric_gradient_array", "x changed")
def array_x_not_restored(f, x, dout, h=1e-5):
    return _centred(f, x, h, lambda p, m, h: np.sum((p - m) * dout) / (2 * h), restore=False)


@mistake("gradcheck", "numeric_gradient_array", "one-sided", "centred")
def array_forward_difference(f, x, dout, h=1e-5):
    base = np.array(f(x.copy()), copy=True)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        shifted = x.copy()
        shifted[i] += h
        grad[i] = np.sum((np.array(f(shifted)) - base) * dout) / h
    return grad


@mistake("gradcheck", "numeric_gradient_array", "/ 2 * h")
def array_precedence_of_two_h(f, x, dout, h=1e-5):
    return _centred(f, x, h, lambda p, m, h: np.sum((p - m) * dout) / 2 * h)


@mistake("gradcheck", "numeric_gradient_array", "dtype float64", "expected float32")
def array_float64_for_float32(f, x, dout, h=1e-5):
    return gradcheck.numeric_gradient_array(f, x.astype(np.float64), dout, h)


# ======================================================================== layers

@mistake("layers", "affine_forward", "without the bias", "add b")
def bias_missing(x, w, b):
    return x.reshape(x.shape[0], -1) @ w, (x, w, b)


@mistake("layers", "affine_forward", "bias", "subtracted")
def bias_subtracted(x, w, b):
    return x.reshape(x.shape[0], -1) @ w - b, (x, w, b)


@mistake("layers", "affine_forward", "without flattening", "x.reshape(N, -1)")
def x_not_flattened(x, w, b):
    return x @ w + b, (x, w, b)


@mistake("layers", "affine_forward", "raised", "flattened to (N, D)")
def whole_batch_flattened(x, w, b):
    return x.flatten() @ w + b, (x, w, b)


@mistake("layers", "affine_forward", "raised", "flattened to (N, D)")
def flattened_by_the_weight_rows(x, w, b):
    return x.reshape(w.shape[0], -1) @ w + b, (x, w, b)


@mistake("layers", "affine_forward", "column-major", "x.reshape(N, -1)")
def fortran_order(x, w, b):
    return x.reshape(x.shape[0], -1, order="F") @ w + b, (x, w, b)


@mistake("layers", "affine_forward", "transpose")
def transposed_output(x, w, b):
    return (w.T @ x.reshape(x.shape[0], -1).T + b[:, None]), (x, w, b)


@mistake("layers", "affine_forward", "original shape")
def flattened_cache(x, w, b):
    flat = x.reshape(x.shape[0], -1)
    return flat @ w + b, (flat, w, b)


@mistake("layers", "affine_forward", "(w, x, b)", "order")
def cache_in_another_order(x, w, b):
    out, _ = layers.affine_forward(x, w, b)
    return out, (w, x, b)


@mistake("layers", "affine_forward", "tuple (x, w, b)")
def cache_without_the_bias(x, w, b):
    out, _ = layers.affine_forward(x, w, b)
    return out, (x, w)


@mistake("layers", "affine_forward", "(cache, out)", "wrong order")
def forward_pair_swapped(x, w, b):
    out, cache = layers.affine_forward(x, w, b)
    return cache, out


@mistake("layers", "affine_forward", "dtype float64", "expected float32")
def forward_float64_for_float32(x, w, b):
    out, cache = layers.affine_forward(x, w, b)
    return out.astype(np.float64), cache


@mistake("layers", "affine_backward", "wrong order", "(dw, dx, db)", "(dx, dw, db)")
def dw_and_dx_swapped(dout, cache):
    dx, dw, db = layers.affine_backward(dout, cache)
    return dw, dx, db


@mistake("layers", "affine_backward", "wrong order", "(dx, db, dw)")
def dw_and_db_swapped(dout, cache):
    dx, dw, db = layers.affine_backward(dout, cache)
    return dx, db, dw


@mistake("layers", "affine_backward", "flattened shape", "reshape dx to x.shape")
def flat_dx(dout, cache):
    x = cache[0]
    dx, dw, db = layers.affine_backward(dout, cache)
    return dx.reshape(x.shape[0], -1), dw, db


@mistake("layers", "affine_backward", "2× too small", "batch size", "no mean")
def db_averaged(dout, cache):
    dx, dw, _ = layers.affine_backward(dout, cache)
    return dx, dw, dout.mean(axis=0)


@mistake("layers", "affine_backward", "dx is 2× too small", "batch size")
def dx_divided_by_n(dout, cache):
    dx, dw, db = layers.affine_backward(dout, cache)
    return dx / len(dout), dw, db


@mistake("layers", "affine_backward", "dw is 2× too small", "batch size")
def dw_divided_by_n(dout, cache):
    dx, dw, db = layers.affine_backward(dout, cache)
    return dx, dw / len(dout), db


@mistake("layers", "affine_backward", "one entry per sample", "axis 0")
def db_summed_over_units(dout, cache):
    dx, dw, _ = layers.affine_backward(dout, cache)
    return dx, dw, dout.sum(axis=1)


@mistake("layers", "affine_backward", "dw", "transpose")
def dw_transposed(dout, cache):
    x, w, b = cache
    dx, _, db = layers.affine_backward(dout, cache)
    return dx, dout.T @ x.reshape(x.shape[0], -1), db


@mistake("layers", "affine_backward", "raised", "shape of every factor")
def w_not_transposed(dout, cache):
    x, w, b = cache
    _, dw, db = layers.affine_backward(dout, cache)
    return (dout @ w).reshape(x.shape), dw, db


@mistake("layers", "affine_backward", "dw", "extra axes", "(N, D)")
def x_not_flattened_for_dw(dout, cache):
    x, w, b = cache
    dx, _, db = layers.affine_backward(dout, cache)
    return dx, np.swapaxes(x, 0, -1) @ dout, db


@mistake("layers", "affine_backward", "wrong sign everywhere")
def dx_with_the_wrong_sign(dout, cache):
    dx, dw, db = layers.affine_backward(dout, cache)
    return -dx, dw, db


@mistake("layers", "affine_backward", "float32", "dtype")
def backward_float64_for_float32(dout, cache):
    grads = layers.affine_backward(dout.astype(np.float64),
                                   tuple(c.astype(np.float64) for c in cache))
    return grads


# ======================================================================== losses

def _softmax_pieces(scores, y):
    n = len(y)
    rows = np.arange(n)
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return n, rows, log_p


@mistake("losses", "softmax_loss", "dscores is 2× too large", "batch size", "divided by N")
def softmax_gradient_not_divided(scores, y):
    loss, dscores = losses.softmax_loss(scores, y)
    return loss, dscores * scores.shape[0]


@mistake("losses", "softmax_loss", "loss is 2× too large", "batch size")
def softmax_loss_summed(scores, y):
    loss, dscores = losses.softmax_loss(scores, y)
    return loss * scores.shape[0], dscores


@mistake("losses", "softmax_loss", "2× too small", "divide by N once")
def softmax_gradient_divided_twice(scores, y):
    loss, dscores = losses.softmax_loss(scores, y)
    return loss, dscores / scores.shape[0]


@mistake("losses", "softmax_loss", "NaN", "1000", "maximum")
def softmax_without_the_max_shift(scores, y):
    n = scores.shape[0]
    with np.errstate(all="ignore"):
        probs = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
        loss = -np.mean(np.log(probs[np.arange(n), y]))
    dscores = probs.copy()
    dscores[np.arange(n), y] -= 1
    return float(loss), dscores / n


@mistake("losses", "softmax_loss", "log-sum-exp")
def log_of_an_underflowed_probability(scores, y):
    n = scores.shape[0]
    shifted = scores - scores.max(axis=1, keepdims=True)
    probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore"):
        loss = -np.mean(np.log(probs[np.arange(n), y]))
    dscores = probs.copy()
    dscores[np.arange(n), y] -= 1
    return float(loss), dscores / n


@mistake("losses", "softmax_loss", "single number")
def per_sample_losses(scores, y):
    n, rows, log_p = _softmax_pieces(scores, y)
    _, dscores = losses.softmax_loss(scores, y)
    return -log_p[rows, y], dscores


@mistake("losses", "softmax_loss", "dtype float64")
def softmax_float64_for_float32(scores, y):
    loss, dscores = losses.softmax_loss(scores, y)
    return loss, dscores.astype(np.float64)


@mistake("losses", "softmax_loss", "wrong sign")
def softmax_gradient_sign(scores, y):
    loss, dscores = losses.softmax_loss(scores, y)
    return loss, -dscores


@mistake("losses", "softmax_loss", "loss", "wrong sign")
def softmax_loss_sign(scores, y):
    loss, dscores = losses.softmax_loss(scores, y)
    return -loss, dscores


@mistake("losses", "softmax_loss", "-1 is missing", "onehot")
def correct_class_minus_one_missing(scores, y):
    n, rows, log_p = _softmax_pieces(scores, y)
    return float(-log_p[rows, y].mean()), np.exp(log_p) / n


@mistake("losses", "softmax_loss", "whole columns", "np.arange(N), y")
def columns_instead_of_entries(scores, y):
    n, rows, log_p = _softmax_pieces(scores, y)
    dscores = np.exp(log_p)
    dscores[:, y] -= 1
    return float(-log_p[rows, y].mean()), dscores / n


@mistake("losses", "softmax_loss", "over the batch (axis 0)", "axis=1")
def softmax_over_the_batch(scores, y):
    n, rows, _ = _softmax_pieces(scores, y)
    e = np.exp(scores - scores.max())
    p = e / e.sum(axis=0, keepdims=True)
    dscores = p.copy()
    dscores[rows, y] -= 1
    return float(-np.log(p[rows, y]).mean()), dscores / n


@mistake("losses", "softmax_loss", "log10", "natural log")
def log_base_ten(scores, y):
    n, rows, log_p = _softmax_pieces(scores, y)
    _, dscores = losses.softmax_loss(scores, y)
    return float(-log_p[rows, y].mean() / np.log(10)), dscores


@mistake("losses", "softmax_loss", "keepdims=True")
def row_maximum_without_keepdims(scores, y):
    shifted = scores - scores.max(axis=1)
    return losses.softmax_loss(shifted, y)


@mistake("losses", "softmax_loss", "changed scores in place")
def scores_shifted_in_place(scores, y):
    scores -= scores.max(axis=1, keepdims=True)
    return losses.softmax_loss(scores, y)


@mistake("losses", "softmax_loss", "(dscores, loss)", "wrong order")
def softmax_pair_swapped(scores, y):
    loss, dscores = losses.softmax_loss(scores, y)
    return dscores, loss


def _svm(scores, y, margin=1.0, active=lambda t: t > 0, correct=None, drop_own=True,
         hinge=lambda t: np.maximum(0, t), shift=None):
    """An SVM loss built from replaceable pieces (the defaults are correct)."""
    n = scores.shape[0]
    rows = np.arange(n)
    terms = scores - scores[rows, y][:, None] + (margin if shift is None else shift(margin))
    own = terms[rows, y].copy()
    if drop_own:
        terms[rows, y] = 0
    loss = hinge(terms).sum() / n
    mask = active(terms).astype(scores.dtype)
    if drop_own:
        mask[rows, y] = 0
    dscores = mask.copy()
    dscores[rows, y] = -mask.sum(axis=1) if correct is None else correct(mask)
    del own
    return float(loss), dscores / n


@mistake("losses", "svm_loss", "2× too large", "batch size")
def svm_gradient_not_divided(scores, y, margin=1.0):
    loss, dscores = losses.svm_loss(scores, y, margin)
    return loss, dscores * scores.shape[0]


@mistake("losses", "svm_loss", "loss is 2× too large", "batch size")
def svm_loss_summed(scores, y, margin=1.0):
    loss, dscores = losses.svm_loss(scores, y, margin)
    return loss * scores.shape[0], dscores


@mistake("losses", "svm_loss", "margin argument")
def margin_fixed_at_one(scores, y, margin=1.0):
    return losses.svm_loss(scores, y)


@mistake("losses", "svm_loss", "correct class gets no gradient")
def correct_class_gradient_missing(scores, y, margin=1.0):
    return _svm(scores, y, margin, correct=lambda mask: 0.0)


@mistake("losses", "svm_loss", "always gets -1/N", "EACH active term")
def correct_class_gradient_fixed_at_minus_one(scores, y, margin=1.0):
    return _svm(scores, y, margin, correct=lambda mask: -1.0)


@mistake("losses", "svm_loss", "-(C - 1)/N", "ACTIVE")
def correct_class_gradient_counts_every_class(scores, y, margin=1.0):
    return _svm(scores, y, margin, correct=lambda mask: -(mask.shape[1] - 1.0))


@mistake("losses", "svm_loss", "loss is 3", "j != y[n]")
def correct_class_counted_in_the_loss(scores, y, margin=1.0):
    return _svm(scores, y, margin, drop_own=False)


@mistake("losses", "svm_loss", "exactly 0", "> 0")
def term_at_zero_counted_as_active(scores, y, margin=1.0):
    return _svm(scores, y, margin, active=lambda t: t >= 0)


@mistake("losses", "svm_loss", "margin is subtracted")
def margin_subtracted(scores, y, margin=1.0):
    return _svm(scores, y, margin, shift=lambda m: -m)


@mistake("losses", "svm_loss", "max(0, .) is missing")
def hinge_without_the_max(scores, y, margin=1.0):
    return _svm(scores, y, margin, hinge=lambda t: t)


@mistake("losses", "svm_loss", "absolute values")
def hinge_as_absolute_value(scores, y, margin=1.0):
    return _svm(scores, y, margin, hinge=np.abs)


@mistake("losses", "svm_loss", "float32")
def svm_float64_for_float32(scores, y, margin=1.0):
    return losses.svm_loss(scores.astype(np.float64), y, margin)


@mistake("losses", "svm_loss", "changed scores in place")
def svm_scores_changed_in_place(scores, y, margin=1.0):
    loss, dscores = losses.svm_loss(scores, y, margin)
    scores *= 1.0 + dscores
    return loss, dscores


@mistake("losses", "svm_loss", "(dscores, loss)", "wrong order")
def svm_pair_swapped(scores, y, margin=1.0):
    loss, dscores = losses.svm_loss(scores, y, margin)
    return dscores, loss


@mistake("losses", "softmax_loss", "N = 3", "len(scores)")
def softmax_divided_by_a_fixed_two(scores, y):
    loss, dscores = losses.softmax_loss(scores, y)
    n = len(y)
    return loss * n / 2, dscores * n / 2


@mistake("losses", "svm_loss", "N = 1", "len(scores)")
def svm_divided_by_a_fixed_two(scores, y, margin=1.0):
    loss, dscores = losses.svm_loss(scores, y, margin)
    n = len(y)
    return loss * n / 2, dscores * n / 2


@mistake("losses", "svm_loss", "dscores", "wrong at", named=False)
def gradient_of_the_inactive_terms(scores, y, margin=1.0):
    return _svm(scores, y, margin, active=lambda t: t < 0)




# ======================================================================== activations

def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


@mistake("activations", "sigmoid_forward", "overflow", "±1000")
def sigmoid_that_overflows(x):
    out = 1 / (1 + np.exp(-x))
    return out, out


@mistake("activations", "sigmoid_forward", "sign of the exponent")
def sigmoid_with_the_wrong_exponent(x):
    out = 1 / (1 + np.exp(np.clip(x, -500, 500)))
    return out, out


@mistake("activations", "sigmoid_backward", "factor (1 - s) is missing")
def sigmoid_slope_without_one_minus_s(dout, cache):
    return dout * cache


@mistake("activations", "sigmoid_backward", "to x itself", "OUTPUT",
         forward=lambda x: (act.sigmoid_forward(x)[0], x))
def sigmoid_slope_of_the_input(dout, cache):
    x = cache
    return dout * x * (1 - x)


@mistake("activations", "sigmoid_backward", "local slope alone", "dout")
def sigmoid_backward_without_dout(dout, cache):
    return cache * (1 - cache)


@mistake("activations", "sigmoid_backward", "check_sigmoid_forward first",
         forward=lambda x: (x, x))
def sigmoid_backward_with_a_wrong_forward(dout, cache):
    return act.sigmoid_backward(dout, cache)


def _stub(*args, **kwargs):
    raise NotImplementedError()


add("activations", "relu_backward", "forward_still_a_stub", act.relu_backward, "relu_forward",
    "not implemented yet", forward=_stub)


@mistake("activations", "tanh_forward", "pair (out, cache)")
def tanh_without_a_cache(x):
    return np.tanh(x)


@mistake("activations", "tanh_forward", "2 sigmoid(2x) - 1")
def tanh_from_the_sigmoid_of_x(x):
    out = 2 / (1 + np.exp(-np.clip(x, -500, 500))) - 1
    return out, out


@mistake("activations", "tanh_backward", "sigmoid's rule")
def tanh_slope_of_the_sigmoid(dout, cache):
    return dout * cache * (1 - cache)


@mistake("activations", "tanh_backward", "square is missing")
def tanh_slope_without_the_square(dout, cache):
    return dout * (1 - cache)


@mistake("activations", "relu_backward", "non-zero", "exactly zero")
def relu_gradient_everywhere(dout, cache):
    return dout.copy()


@mistake("activations", "relu_backward", "reversed")
def relu_gradient_where_x_is_negative(dout, cache):
    return np.where(cache < 0, dout, 0)


@mistake("activations", "relu_backward", "multiplies by x")
def relu_gradient_times_x(dout, cache):
    return dout * np.maximum(cache, 0)


@mistake("activations", "relu_forward", "shape (3,)", "expected (3, 1, 1)")
def relu_that_flattens(x):
    return np.maximum(x, 0).ravel(), x


@mistake("activations", "relu_forward", "dtype float64", "expected float32")
def relu_float64_for_float32(x):
    return np.maximum(x, 0.0).astype(np.float64), x


@mistake("activations", "leaky_relu_forward", "alpha=0.01")
def leaky_relu_with_a_wrong_default(x, alpha=0.1):
    return act.leaky_relu_forward(x, alpha)


@mistake("activations", "leaky_relu_forward", "alpha = 0.01", "alpha argument")
def leaky_relu_that_ignores_alpha(x, alpha=0.01):
    return act.leaky_relu_forward(x, 0.01)


@mistake("activations", "leaky_relu_backward", "slope is alpha, not 0")
def leaky_relu_backward_of_relu(dout, cache):
    x, alpha = cache
    return np.where(x > 0, dout, 0.0)


@mistake("activations", "elu_forward", "floating-point warning")
def elu_that_exponentiates_large_inputs(x, alpha=1.0):
    out = np.where(x > 0, x, alpha * (np.exp(x) - 1))
    return out, (x, out, alpha)


@mistake("activations", "elu_forward", "alpha = 1", "alpha argument")
def elu_that_ignores_alpha(x, alpha=1.0):
    return act.elu_forward(x)


@mistake("activations", "elu_backward", "alpha is missing")
def elu_slope_without_alpha(dout, cache):
    x, out, alpha = cache
    return np.where(x > 0, dout, dout * np.exp(np.minimum(x, 0)))


@mistake("activations", "elu_backward", "out + alpha")
def elu_slope_of_the_output(dout, cache):
    x, out, alpha = cache
    return np.where(x > 0, dout, dout * out)


@mistake("activations", "selu_forward", "rounded", "SELU_SCALE")
def selu_with_rounded_constants(x):
    return 1.0507 * np.where(x > 0, x, 1.6733 * np.expm1(np.minimum(x, 0))), x


@mistake("activations", "selu_forward", "SELU_SCALE is missing")
def selu_without_its_scale(x):
    return np.where(x > 0, x, act.SELU_ALPHA * np.expm1(np.minimum(x, 0))), x


@mistake("activations", "selu_backward", "SELU_SCALE is missing")
def selu_slope_without_its_scale(dout, cache):
    return act.selu_backward(dout, cache) / act.SELU_SCALE


@mistake("activations", "softplus_forward", "floating-point warning")
def softplus_by_the_formula(x):
    out = np.log(1 + np.exp(x))
    return out, (x, out)


@mistake("activations", "softplus_backward", "floating-point warning")
def softplus_slope_that_overflows(dout, cache):
    x, out = cache
    return dout * np.exp(x) / (1 + np.exp(x))


@mistake("activations", "softplus_backward", "softplus itself")
def softplus_slope_of_itself(dout, cache):
    x, out = cache
    return dout * out


@mistake("activations", "arctan_backward", "with a plus")
def arctan_slope_with_a_minus(dout, cache):
    return dout / (1 - cache ** 2)


@mistake("activations", "gelu_forward", "dtype float64", "np.sqrt(2.0)")
def gelu_with_a_float64_constant(x):
    from scipy.special import erf
    return 0.5 * x * (1 + erf(x / np.sqrt(2.0))), x


@mistake("activations", "gelu_forward", "tanh approximation")
def gelu_tanh_approximation(x):
    c = math.sqrt(2 / math.pi)
    return 0.5 * x * (1 + np.tanh(c * (x + 0.044715 * x ** 3))), x


@mistake("activations", "gelu_backward", "product rule", "Phi(x) + x * phi(x)")
def gelu_slope_without_the_density_term(dout, cache):
    from scipy.special import erf
    return dout * 0.5 * (1 + erf(cache / math.sqrt(2)))


@mistake("activations", "binary_step_forward", "0 at x = 0", "x >= 0")
def step_that_is_zero_at_zero(x):
    return (x > 0).astype(x.dtype), x


@mistake("activations", "prelu_forward", "one slope per ROW", "last axis")
def prelu_alpha_on_the_first_axis(x, alpha):
    alpha = np.asarray(alpha, dtype=x.dtype)
    a = alpha[:, None] if alpha.ndim else alpha
    return np.where(x > 0, x, a * x), (x, alpha)


@mistake("activations", "prelu_backward", "dalpha", "shape (2, 2)", "expected (2,)")
def prelu_dalpha_not_reduced(dout, cache):
    x, alpha = cache
    return np.where(x > 0, dout, alpha * dout), dout * np.minimum(x, 0)


@mistake("activations", "prelu_backward", "wrong order", "(dalpha, dx)")
def prelu_gradients_swapped(dout, cache):
    dx, dalpha = act.prelu_backward(dout, cache)
    return dalpha, dx


@mistake("activations", "maxout_backward", "every piece passes the gradient", "winning piece")
def maxout_gradient_to_every_piece(dout, cache):
    x, w, b, _ = cache
    dz = np.broadcast_to(dout, (w.shape[0],) + dout.shape)
    return np.sum(dz @ w.transpose(0, 2, 1), axis=0), x.T @ dz, dz.sum(axis=1)


@mistake("activations", "maxout_forward", "sum of the pieces", "maximum")
def maxout_sum_over_pieces(x, w, b):
    z = x @ w + b[:, None, :]
    return z.sum(axis=0), (x, w, b, z.argmax(axis=0))


@mistake("activations", "maxout_forward", "minimum", "maximum")
def maxout_minimum_over_pieces(x, w, b):
    z = x @ w + b[:, None, :]
    return z.min(axis=0), (x, w, b, z.argmin(axis=0))


# ======================================================================== init

def normal_with(variance, mean=0.0):
    """A normal initialiser with the given variance formula (fan_in, fan_out) -> var."""
    def draw(fan_in, fan_out, rng, dtype=np.float64):
        W = mean + math.sqrt(variance(fan_in, fan_out)) * rng.standard_normal((fan_in, fan_out))
        return np.asarray(W, dtype=dtype)
    return draw


def uniform_with(limit, low=None):
    """A uniform initialiser on [-r, r] (or [low, r]) with r = limit(fan_in, fan_out)."""
    def draw(fan_in, fan_out, rng, dtype=np.float64):
        r = limit(fan_in, fan_out)
        start = -r if low is None else low
        return np.asarray(rng.uniform(start, r, size=(fan_in, fan_out)), dtype=dtype)
    return draw


for _name, _slip, _wrong, _words in [
    ("he_normal", "fan_out", normal_with(lambda i, o: 2.0 / o), ["fan_out", "inputs"]),
    ("he_uniform", "fan_out", uniform_with(lambda i, o: math.sqrt(6.0 / o)), ["fan_out", "inputs"]),
    ("lecun_normal", "fan_out", normal_with(lambda i, o: 1.0 / o), ["fan_out", "inputs"]),
    ("he_normal", "factor_2_missing", normal_with(lambda i, o: 1.0 / i), ["factor 2 is missing"]),
    ("xavier_normal", "factor_2_missing", normal_with(lambda i, o: 1.0 / (i + o)),
     ["factor 2 is missing"]),
    ("xavier_normal", "he_variance", normal_with(lambda i, o: 2.0 / i), ["He variance"]),
    ("xavier_normal", "two_over_fan_out", normal_with(lambda i, o: 2.0 / o), ["2 / fan_out"]),
    ("xavier_normal", "lecun_variance", normal_with(lambda i, o: 1.0 / i), ["1 / fan_in"]),
    ("lecun_normal", "he_variance", normal_with(lambda i, o: 2.0 / i), ["He variance",
                                                                       "without the 2"]),
    ("lecun_normal", "xavier_variance", normal_with(lambda i, o: 2.0 / (i + o)),
     ["Xavier variance"]),
    ("he_normal", "xavier_variance", normal_with(lambda i, o: 2.0 / (i + o)), ["Xavier variance"]),
    ("xavier_normal", "uniform_limit_as_std", normal_with(lambda i, o: 6.0 / (i + o)),
     ["uniform limit"]),
    ("he_normal", "uniform_limit_as_std", normal_with(lambda i, o: 6.0 / i), ["uniform limit"]),
    ("xavier_normal", "square_root_missing", normal_with(lambda i, o: (2.0 / (i + o)) ** 2),
     ["square root"]),
    ("he_normal", "square_root_missing", normal_with(lambda i, o: (2.0 / i) ** 2),
     ["square root"]),
    ("lecun_normal", "square_root_missing", normal_with(lambda i, o: (1.0 / i) ** 2),
     ["square root"]),
    ("xavier_uniform", "std_as_limit", uniform_with(lambda i, o: math.sqrt(2.0 / (i + o))),
     ["r**2 / 3"]),
    ("he_uniform", "std_as_limit", uniform_with(lambda i, o: math.sqrt(2.0 / i)), ["r**2 / 3"]),
    ("xavier_uniform", "square_root_missing", uniform_with(lambda i, o: 6.0 / (i + o)),
     ["square root"]),
    ("he_uniform", "square_root_missing", uniform_with(lambda i, o: 6.0 / i), ["square root"]),
    ("he_uniform", "xavier_limit", uniform_with(lambda i, o: math.sqrt(6.0 / (i + o))),
     ["Xavier limit"]),
    ("he_uniform", "lecun_limit", uniform_with(lambda i, o: math.sqrt(3.0 / i)), ["LeCun"]),
    ("xavier_uniform", "fan_in_only", uniform_with(lambda i, o: math.sqrt(6.0 / i)),
     ["fan_in + fan_out"]),
    ("he_normal", "uniform_draw", uniform_with(lambda i, o: math.sqrt(6.0 / i)),
     ["look uniform", "standard_normal"]),
    ("he_uniform", "normal_draw", normal_with(lambda i, o: 2.0 / i),
     ["normal-looking tail", "uniform"]),
    ("xavier_uniform", "half_interval", uniform_with(lambda i, o: math.sqrt(6.0 / (i + o)),
                                                     low=0.0),
     ["mean", "centred on 0", "uniform(-r, r"]),
    ("he_uniform", "limit_exceeded", uniform_with(lambda i, o: 1.01 * math.sqrt(6.0 / i)),
     ["|w|", "[-r, r]"]),
    ("he_normal", "mean_set_to_the_std", normal_with(lambda i, o: 2.0 / i,
                                                     mean=0.1), ["mean", "centred on 0"]),
]:
    add("init", _name, _slip, _wrong, *_words)

add("init", "he_normal", "unknown_variance", normal_with(lambda i, o: 5.0 / i), "(ratio 2.",
    "docstring", named=False)
add("init", "xavier_uniform", "half_the_limit",
    uniform_with(lambda i, o: 0.5 * math.sqrt(6.0 / (i + o))), "(ratio 0.2", named=False)


@mistake("init", "he_normal", "transposed", "(fan_in, fan_out)")
def weights_transposed(fan_in, fan_out, rng, dtype=np.float64):
    return init.he_normal(fan_out, fan_in, rng, dtype=dtype)


@mistake("init", "he_normal", "returned shape", "expected (3, 5)")
def square_weights(fan_in, fan_out, rng, dtype=np.float64):
    return init.he_normal(fan_in, fan_in, rng, dtype=dtype)


@mistake("init", "he_normal", "same seed", "np.random")
def drawn_from_np_random(fan_in, fan_out, rng, dtype=np.float64):
    return np.asarray(np.random.randn(fan_in, fan_out) * math.sqrt(2.0 / fan_in), dtype=dtype)


@mistake("init", "he_normal", "two different seeds", "rng argument")
def generator_of_its_own(fan_in, fan_out, rng, dtype=np.float64):
    return init.he_normal(fan_in, fan_out, np.random.default_rng(0), dtype=dtype)


@mistake("init", "he_normal", "float32", "dtype")
def dtype_ignored(fan_in, fan_out, rng, dtype=np.float64):
    return init.he_normal(fan_in, fan_out, rng)


@mistake("init", "zeros", "non-zero", "exactly 0")
def ones_for_zeros(fan_in, fan_out, rng=None, dtype=np.float64):
    return np.ones((fan_in, fan_out), dtype=dtype)


@mistake("init", "zeros", "dtype float64", "expected float32")
def zeros_without_dtype(fan_in, fan_out, rng=None, dtype=np.float64):
    return np.zeros((fan_in, fan_out))


@mistake("init", "zeros", "transposed")
def zeros_transposed(fan_in, fan_out, rng=None, dtype=np.float64):
    return np.zeros((fan_out, fan_in), dtype=dtype)


@mistake("init", "normal", "std argument")
def std_fixed_at_the_default(fan_in, fan_out, rng, std=0.01, dtype=np.float64):
    return np.asarray(0.01 * rng.standard_normal((fan_in, fan_out)), dtype=dtype)


@mistake("init", "normal", "std**2")
def variance_used_as_std(fan_in, fan_out, rng, std=0.01, dtype=np.float64):
    return np.asarray(std ** 2 * rng.standard_normal((fan_in, fan_out)), dtype=dtype)


@mistake("init", "normal", "variance 1", "multiply")
def draws_not_scaled(fan_in, fan_out, rng, std=0.01, dtype=np.float64):
    return np.asarray(rng.standard_normal((fan_in, fan_out)), dtype=dtype)


@mistake("init", "normal", "mean", "centred on 0")
def std_passed_as_the_mean(fan_in, fan_out, rng, std=0.01, dtype=np.float64):
    return np.asarray(rng.normal(std, std, size=(fan_in, fan_out)), dtype=dtype)


# ======================================================================== preprocessing

def _pca_fit(covariance=lambda Xc: Xc.T @ Xc / len(Xc), centre=True, decreasing=True,
             fix_signs=True, clip=True, transpose=False, root=False):
    """fit_pca with one step replaced or skipped (the defaults are the documented ones)."""
    def fit(X):
        X = np.asarray(X)
        mean = X.mean(axis=0)
        Xc = X - mean if centre else X
        variances, components = np.linalg.eigh(covariance(Xc))
        if decreasing:
            order = np.argsort(variances)[::-1]
            variances, components = variances[order], components[:, order]
        if clip:
            variances = np.maximum(variances, 0)
        if fix_signs:
            largest = np.abs(components).argmax(axis=0)
            components = components * np.sign(components[largest, np.arange(len(largest))])
        if root:
            variances = np.sqrt(variances)
        return mean, components.T if transpose else components, variances
    return fit


add("preprocessing", "fit_pca", "unbiased_covariance",
    _pca_fit(covariance=lambda Xc: Xc.T @ Xc / (len(Xc) - 1)), "N - 1")
add("preprocessing", "fit_pca", "increasing_order", _pca_fit(decreasing=False), "increasing order")
add("preprocessing", "fit_pca", "standard_deviations", _pca_fit(root=True), "square roots")
add("preprocessing", "fit_pca", "uncentred", _pca_fit(centre=False), "uncentred")
add("preprocessing", "fit_pca", "directions_in_the_rows", _pca_fit(transpose=True), "ROWS")
add("preprocessing", "fit_pca", "signs_as_eigh_returns_them", _pca_fit(fix_signs=False),
    "wrong sign")
add("preprocessing", "fit_pca", "negative_round_off_kept", _pca_fit(clip=False), "round-off")


def _pca_fit_columns_unsorted(X):
    mean, components, variances = _pca_fit(decreasing=False)(X)
    return mean, components, variances[::-1]


def _pca_fit_float64(X):
    mean, components, variances = _pca_fit()(np.asarray(X, dtype=np.float64))
    return mean, components, variances


def _pca_fit_in_place(X):
    X -= X.mean(axis=0)
    return _pca_fit()(X)


add("preprocessing", "fit_pca", "variances_sorted_without_the_columns", _pca_fit_columns_unsorted,
    "reorder them with the variances")
add("preprocessing", "fit_pca", "float64_for_float32", _pca_fit_float64, "float32")
add("preprocessing", "fit_pca", "X_centred_in_place", _pca_fit_in_place, "in place")


def _transform(rule):
    def transform(X, mean, components, num_components=None):
        k = components.shape[1] if num_components is None else int(num_components)
        return np.asarray(rule(np.asarray(X), mean, components, k)).astype(np.asarray(X).dtype)
    return transform


add("preprocessing", "pca_transform", "not_centred", _transform(lambda X, m, C, k: X @ C[:, :k]),
    "not centred")
add("preprocessing", "pca_transform", "rows_as_directions",
    _transform(lambda X, m, C, k: (X - m) @ C.T[:, :k]), "ROWS of components")
add("preprocessing", "pca_transform", "first_rows_kept",
    _transform(lambda X, m, C, k: (X - m) @ C[:k].T), "ROWS")
add("preprocessing", "pca_transform", "num_components_ignored",
    _transform(lambda X, m, C, k: (X - m) @ C), "1 column")


def _transform_in_place(X, mean, components, num_components=None):
    X -= mean
    k = components.shape[1] if num_components is None else int(num_components)
    return X @ components[:, :k]


add("preprocessing", "pca_transform", "X_centred_in_place", _transform_in_place, "in place")


def _whiten(scale=lambda v, eps: np.sqrt(v + eps), back=lambda W, C: W @ C.T, centre=True):
    def whiten(X, mean, components, variances, eps=1e-5, kind="pca"):
        X = np.asarray(X)
        W = ((X - mean) if centre else X) @ components / scale(variances, eps)
        if kind == "zca":
            W = back(W, components)
        return W.astype(X.dtype, copy=False)
    return whiten


add("preprocessing", "whiten", "divided_by_the_variances", _whiten(scale=lambda v, eps: v + eps),
    "divides by the variances")
add("preprocessing", "whiten", "not_divided", _whiten(scale=lambda v, eps: 1.0),
    "without dividing")
add("preprocessing", "whiten", "not_centred", _whiten(centre=False), "not centred")
add("preprocessing", "whiten", "zca_not_rotated_back", _whiten(back=lambda W, C: W),
    "rotates them back")
add("preprocessing", "whiten", "zca_rotated_the_wrong_way", _whiten(back=lambda W, C: W @ C),
    "components.T")
add("preprocessing", "whiten", "epsilon_outside_the_root",
    _whiten(scale=lambda v, eps: np.sqrt(v) + eps), "outside the square root")
add("preprocessing", "whiten", "epsilon_ignored", _whiten(scale=lambda v, eps: np.sqrt(v)),
    "ignores eps")


def _whiten_default_eps_zero(X, mean, components, variances, eps=0.0, kind="pca"):
    return _whiten()(X, mean, components, variances, eps, kind)


add("preprocessing", "whiten", "default_eps_zero", _whiten_default_eps_zero, "defaults")


# ======================================================================== regularization

def _dropout(keep_rule, scale_rule, test_mask=None):
    """A dropout forward whose region draws ``keep_rule(u, rate)`` and scales by ``scale_rule``."""
    def forward(x, dropout_param):
        rate = dropout_param.get("rate", 0.5)
        mode = dropout_param.get("mode", "train")
        if mode == "train":
            rng = reg._dropout_rng(dropout_param)
            keep = keep_rule(rng.random(x.shape), rate)
            mask = keep.astype(x.dtype) * x.dtype.type(scale_rule(rate))
            return x * mask, (dropout_param, mask)
        return x, (dropout_param, test_mask)
    return forward


def _inverted(rate):
    return 1.0 / (1.0 - rate)


add("regularization", "dropout_forward", "not_rescaled",
    _dropout(lambda u, r: u >= r, lambda r: 1.0), "not rescaled", "1 - rate")
add("regularization", "dropout_forward", "multiplied_by_the_keep_probability",
    _dropout(lambda u, r: u >= r, lambda r: 1.0 - r), "divides")
add("regularization", "dropout_forward", "divided_by_the_rate",
    _dropout(lambda u, r: u >= r, lambda r: 1.0 / r), "divided by rate")
add("regularization", "dropout_forward", "rate_taken_as_keep_probability",
    _dropout(lambda u, r: u < r, _inverted), "probability of dropping")
add("regularization", "dropout_forward", "mask_without_a_cache_in_test_mode",
    _dropout(lambda u, r: u >= r, _inverted, test_mask=np.ones(1)), "mask in the cache", "None")


@mistake("regularization", "dropout_forward", "x * mask")
def rescale_outside_the_mask(x, dropout_param):
    rate = dropout_param.get("rate", 0.5)
    if dropout_param.get("mode", "train") == "train":
        mask = (reg._dropout_rng(dropout_param).random(x.shape) >= rate).astype(x.dtype)
        return x * mask / x.dtype.type(1 - rate), (dropout_param, mask)
    return x, (dropout_param, None)


@mistake("regularization", "dropout_forward", "same seed", "rng")
def dropout_with_a_generator_of_its_own(x, dropout_param, _state=np.random.default_rng(12345)):
    rate = dropout_param.get("rate", 0.5)
    if dropout_param.get("mode", "train") == "train":
        mask = (_state.random(x.shape) >= rate).astype(x.dtype) / x.dtype.type(1 - rate)
        return x * mask, (dropout_param, mask)
    return x, (dropout_param, None)


@mistake("regularization", "dropout_forward", "repeats its mask")
def shared_generator_ignored(x, dropout_param):
    rate = dropout_param.get("rate", 0.5)
    if dropout_param.get("mode", "train") == "train":
        rng = np.random.default_rng(dropout_param.get("seed"))
        if dropout_param.get("rng") is not None:
            rng = np.random.default_rng(0)         # a fresh generator every call
        mask = (rng.random(x.shape) >= rate).astype(x.dtype) / x.dtype.type(1 - rate)
        return x * mask, (dropout_param, mask)
    return x, (dropout_param, None)


@mistake("regularization", "dropout_forward", "test mode", "x itself")
def dropping_in_test_mode(x, dropout_param):
    return reg.dropout_forward(x, dict(dropout_param, mode="train", seed=0))


@mistake("regularization", "dropout_forward", "test mode", "x itself")
def scaled_by_the_keep_probability_in_test_mode(x, dropout_param):
    if dropout_param.get("mode", "train") == "test":
        return x * (1 - dropout_param.get("rate", 0.5)), (dropout_param, None)
    return reg.dropout_forward(x, dropout_param)


@mistake("regularization", "dropout_forward", "float32")
def dropout_float64_for_float32(x, dropout_param):
    return reg.dropout_forward(x.astype(np.float64), dropout_param)


@mistake("regularization", "dropout_forward", "changed its input x in place")
def dropout_in_place(x, dropout_param):
    out, cache = reg.dropout_forward(x, dropout_param)
    x *= cache[1] if cache[1] is not None else 1
    return out, cache


@mistake("regularization", "dropout_backward", "not rescaled")
def dropout_gradient_not_rescaled(dout, cache):
    param, mask = cache
    return dout * (mask > 0) if param.get("mode", "train") == "train" else dout


@mistake("regularization", "dropout_backward", "test mode", "return dout")
def dropout_backward_crashes_in_test_mode(dout, cache):
    return dout * cache[1]


@mistake("regularization", "dropout_backward", "defaults to 'train'")
def dropout_backward_without_a_default_mode(dout, cache):
    param, mask = cache
    return dout * mask if param.get("mode") == "train" else dout


@mistake("regularization", "dropout_backward", "mask alone", "multiply dout")
def dropout_backward_returns_the_mask(dout, cache):
    param, mask = cache
    return mask if param.get("mode", "train") == "train" else dout


def _penalty_with(loss_of, grad_of):
    def penalty(weights, strength, *args):
        loss = sum(loss_of(w, strength, *args) for w in weights.values())
        return float(loss), {k: grad_of(w, strength, *args) for k, w in weights.items()}
    return penalty


@mistake("regularization", "l1_penalty", "only one of the arrays")
def l1_of_one_array(weights, strength):
    w = next(iter(weights.values()))
    return float(strength * np.abs(w).sum()), {k: strength * np.sign(v)
                                               for k, v in weights.items()}


add("regularization", "l1_penalty", "stray_one_half",
    _penalty_with(lambda w, r: 0.5 * r * np.abs(w).sum(), lambda w, r: r * np.sign(w)), "no 0.5")
add("regularization", "l1_penalty", "gradient_without_the_strength",
    _penalty_with(lambda w, r: r * np.abs(w).sum(), lambda w, r: np.sign(w)), "reg * sign(w)")
add("regularization", "l1_penalty", "nonzero_subgradient_at_zero",
    _penalty_with(lambda w, r: r * np.abs(w).sum(), lambda w, r: r * np.where(w >= 0, 1.0, -1.0)),
    "exactly zero", "np.sign(0)")
add("regularization", "l1_penalty", "loss_without_the_strength",
    _penalty_with(lambda w, r: np.abs(w).sum(), lambda w, r: r * np.sign(w)), "strength reg")
add("regularization", "l1_penalty", "sum_without_abs",
    _penalty_with(lambda w, r: r * w.sum(), lambda w, r: r * np.sign(w)), "absolute values")
add("regularization", "l2_penalty", "one_half_missing",
    _penalty_with(lambda w, r: r * (w * w).sum(), lambda w, r: r * w), "twice", "0.5")
add("regularization", "l2_penalty", "doubled_gradient",
    _penalty_with(lambda w, r: 0.5 * r * (w * w).sum(), lambda w, r: 2 * r * w), "2 * reg * w")
add("regularization", "l2_penalty", "halved_gradient",
    _penalty_with(lambda w, r: 0.5 * r * (w * w).sum(), lambda w, r: 0.5 * r * w),
    "0.5 * reg * w", "cancels")
add("regularization", "l2_penalty", "penalty_of_abs",
    _penalty_with(lambda w, r: 0.5 * r * np.abs(w).sum(), lambda w, r: r * w), "squares")
add("regularization", "l2_penalty", "loss_without_the_strength",
    _penalty_with(lambda w, r: 0.5 * (w * w).sum(), lambda w, r: r * w), "strength reg")


@mistake("regularization", "l2_penalty", "in place")
def l2_decays_the_weights_in_place(weights, strength):
    loss, grads = reg.l2_penalty(weights, strength)
    for w in weights.values():
        w *= 1.0 - strength
    return loss, grads


@mistake("regularization", "l2_penalty", "float32")
def l2_float64_for_float32(weights, strength):
    return reg.l2_penalty({k: w.astype(np.float64) for k, w in weights.items()}, strength)


@mistake("regularization", "l2_penalty", "pair (loss, grads)")
def l2_returns_the_loss_only(weights, strength):
    return reg.l2_penalty(weights, strength)[0]


@mistake("regularization", "elastic_net_penalty", "swapped")
def ratios_swapped(weights, strength, l1_ratio):
    return reg.elastic_net_penalty(weights, strength, 1 - l1_ratio)


add("regularization", "elastic_net_penalty", "l2_part_without_one_half",
    _penalty_with(lambda w, r, a: r * (a * np.abs(w).sum() + (1 - a) * (w * w).sum()),
                  lambda w, r, a: r * (a * np.sign(w) + (1 - a) * w)), "needs its 0.5")
add("regularization", "elastic_net_penalty", "gradient_of_the_l2_part_doubled",
    _penalty_with(lambda w, r, a: r * (a * np.abs(w).sum() + (1 - a) * 0.5 * (w * w).sum()),
                  lambda w, r, a: r * (a * np.sign(w) + (1 - a) * 2 * w)),
    "grads['W1']", "reg * (l1_ratio * sign(w) + (1 - l1_ratio) * w)", named=False)


def _max_norm_with(norms_of, scale_of):
    def capped(w, c, axis=0):
        norms = norms_of(w, axis)
        return w * scale_of(norms, c)
    return capped


add("regularization", "max_norm", "every_column_scaled_to_the_cap",
    _max_norm_with(lambda w, a: np.sqrt((w * w).sum(axis=a, keepdims=True)),
                   lambda n, c: c / np.where(n > 0, n, 1.0)), "every column", "longer")
add("regularization", "max_norm", "norms_of_rows",
    lambda w, c, axis=0: reg.max_norm(w, c, axis=1 - axis), "rows")
add("regularization", "max_norm", "division_by_a_zero_norm",
    _max_norm_with(lambda w, a: np.sqrt((w * w).sum(axis=a, keepdims=True)),
                   lambda n, c: np.minimum(1.0, c / n)), "divides by zero")
add("regularization", "max_norm", "axis_ignored", lambda w, c, axis=0: reg.max_norm(w, c),
    "axis=1", "`axis` argument")
add("regularization", "max_norm", "one_norm_for_the_whole_matrix",
    _max_norm_with(lambda w, a: np.sqrt((w * w).sum()),
                   lambda n, c: min(1.0, c / n) if n > 0 else 1.0), "whole matrix")


@mistake("regularization", "max_norm", "in place")
def max_norm_in_place(w, c, axis=0):
    w *= reg.max_norm(w, c, axis) / np.where(w == 0, 1.0, w)
    return w


@mistake("regularization", "clip_by_value", "only from above")
def clipped_from_above_only(grads, c):
    return {k: np.minimum(g, c) for k, g in grads.items()}


@mistake("regularization", "clip_by_value", "float32")
def clip_by_value_float64_for_float32(grads, c):
    return {k: np.clip(g.astype(np.float64), -c, c) for k, g in grads.items()}


@mistake("regularization", "clip_by_value", "in place")
def clip_by_value_in_place(grads, c):
    for g in grads.values():
        np.clip(g, -c, c, out=g)
    return grads


@mistake("regularization", "clip_by_value", "dict with the same keys")
def clip_by_value_returns_a_list(grads, c):
    return [np.clip(g, -c, c) for g in grads.values()]


@mistake("regularization", "clip_by_global_norm", "on its own", "ALL")
def each_array_clipped_on_its_own(grads, max_norm):
    clipped = {}
    for k, g in grads.items():
        n = float(np.linalg.norm(g))
        clipped[k] = g * (max_norm / max(n, max_norm))
    total = math.sqrt(sum(float((g * g).sum()) for g in grads.values()))
    return clipped, total


@mistake("regularization", "clip_by_global_norm", "after clipping", "BEFORE")
def norm_after_clipping(grads, max_norm):
    clipped, _ = reg.clip_by_global_norm(grads, max_norm)
    return clipped, math.sqrt(sum(float((g * g).sum()) for g in clipped.values()))


@mistake("regularization", "clip_by_global_norm", "below max_norm", "never scale")
def small_gradients_scaled_up(grads, max_norm):
    norm = math.sqrt(sum(float((g * g).sum()) for g in grads.values()))
    return {k: g * (max_norm / norm) for k, g in grads.items()}, norm


@mistake("regularization", "clip_by_global_norm", "divides by zero")
def global_norm_division_by_zero(grads, max_norm):
    norm = math.sqrt(sum(float((g * g).sum()) for g in grads.values()))
    scale = np.minimum(1.0, max_norm / np.float64(norm))
    return {k: g * g.dtype.type(scale) for k, g in grads.items()}, norm


@mistake("regularization", "clip_by_global_norm", "float32")
def global_norm_float64_for_float32(grads, max_norm):
    norm = math.sqrt(sum(float((g * g).sum()) for g in grads.values()))
    scale = np.float64(max_norm / max(norm, max_norm))
    return {k: g * scale for k, g in grads.items()}, norm


@mistake("regularization", "clip_by_global_norm", "sum of the norms")
def global_norm_as_a_sum_of_norms(grads, max_norm):
    norm = sum(float(np.linalg.norm(g)) for g in grads.values())
    return {k: g * (max_norm / max(norm, max_norm)) for k, g in grads.items()}, norm


@mistake("regularization", "clip_by_global_norm", "square root")
def global_norm_without_the_root(grads, max_norm):
    norm = sum(float((g * g).sum()) for g in grads.values())
    return {k: g * (max_norm / max(norm, max_norm)) for k, g in grads.items()}, norm


class _Stopper(reg.EarlyStopping):
    """An EarlyStopping whose ``step`` core is ``self.core(metric) -> improved``."""

    def step(self, metric, params=None):
        metric = float(metric)
        if self.core(metric):
            self.best_value = metric
            self.best_params = self.keep(params)
            self.best_step = self.num_steps
            self.wait = 0
        else:
            self.wait += 1
        stop = self.stop_rule()
        self.num_steps += 1
        self.stopped = bool(stop)
        return self.stopped

    def core(self, metric):
        if self.mode == "min":
            return metric < self.best_value - self.min_delta
        return metric > self.best_value + self.min_delta

    def keep(self, params):
        return copy.deepcopy(params)

    def stop_rule(self):
        return self.wait >= self.patience


@mistake("regularization", "EarlyStopping", "one call too early")
class StopsOneCallTooEarly(_Stopper):
    def stop_rule(self):
        return self.wait >= self.patience - 1 and self.wait > 0


@mistake("regularization", "EarlyStopping", "never returned True")
class NeverStops(_Stopper):
    def stop_rule(self):
        return self.wait > self.patience


@mistake("regularization", "EarlyStopping", "sets wait back to 0")
class WaitNotReset(_Stopper):
    def step(self, metric, params=None):
        wait = self.wait
        result = super().step(metric, params)
        if self.wait == 0 and self.num_steps > 1:
            self.wait = wait
            self.stopped = self.wait >= self.patience
            return self.stopped
        return result


@mistake("regularization", "EarlyStopping", "min_delta")
class MinDeltaIgnored(_Stopper):
    def core(self, metric):
        return metric < self.best_value if self.mode == "min" else metric > self.best_value


@mistake("regularization", "EarlyStopping", "mode='max'", "higher is better")
class ModeIgnored(_Stopper):
    def core(self, metric):
        return metric < self.best_value - self.min_delta or math.isinf(self.best_value)


@mistake("regularization", "EarlyStopping", "nan")
class NanCountsAsImprovement(_Stopper):
    def core(self, metric):
        if self.mode == "min":
            return not metric >= self.best_value - self.min_delta
        return not metric <= self.best_value + self.min_delta


@mistake("regularization", "EarlyStopping", "deep copy")
class BestParamsByReference(_Stopper):
    def keep(self, params):
        return params


@mistake("regularization", "EarlyStopping", "deep copy")
class BestParamsShallowCopy(_Stopper):
    def keep(self, params):
        return dict(params) if params is not None else None


@mistake("regularization", "EarlyStopping", "best_step 1", "count from 0")
class StepsCountedFromOne(_Stopper):
    def step(self, metric, params=None):
        result = super().step(metric, params)
        if self.wait == 0:
            self.best_step = self.num_steps
        return result


@mistake("regularization", "EarlyStopping", "previous one", "BEST value")
class ComparesWithThePreviousValue(_Stopper):
    def core(self, metric):
        previous = getattr(self, "_previous", self.best_value)
        self._previous = metric
        if self.mode == "min":
            return metric < previous - self.min_delta
        return metric > previous + self.min_delta


def _dropconnect(region):
    """A DropConnect forward whose region is ``region(x, w, b, rate, rng, mode) -> (out, mask)``."""
    def forward(x, w, b, dc_param):
        rate = dc_param.get("rate", 0.5)
        mode = dc_param.get("mode", "train")
        rng = reg._dropout_rng(dc_param) if mode == "train" else None
        out, mask = region(x, w, b, rate, rng, mode)
        return out, (x, w, b, dc_param, mask)
    return forward


def _dc_mask(scale):
    def region(x, w, b, rate, rng, mode):
        if mode != "train":
            return x @ w + b, None
        mask = (rng.random(w.shape) >= rate).astype(w.dtype) * w.dtype.type(scale(rate))
        return x @ (w * mask) + b, mask
    return region


add("regularization", "dropconnect_forward", "kept_weights_not_rescaled",
    _dropconnect(_dc_mask(lambda r: 1.0)), "not rescaled")
add("regularization", "dropconnect_forward", "kept_weights_times_keep_probability",
    _dropconnect(_dc_mask(lambda r: 1 - r)), "multiplied by (1 - rate)")
add("regularization", "dropconnect_forward", "kept_weights_divided_by_rate",
    _dropconnect(_dc_mask(lambda r: 1 / r)), "divided by rate")


def _dc_keep_probability(x, w, b, rate, rng, mode):
    if mode != "train":
        return x @ w + b, None
    mask = (rng.random(w.shape) < rate).astype(w.dtype) / w.dtype.type(1 - rate)
    return x @ (w * mask) + b, mask


def _dc_inputs_dropped(x, w, b, rate, rng, mode):
    if mode != "train":
        return x @ w + b, None
    keep = (rng.random(x.shape) >= rate) / (1 - rate)
    return (x * keep) @ w + b, np.ones_like(w)


def _dc_outputs_dropped(x, w, b, rate, rng, mode):
    # a mask per output entry (dropout on the layer's output), stored as "the mask"
    if mode != "train":
        return x @ w + b, None
    keep = (rng.random((x.shape[0], w.shape[1])) >= rate) / (1 - rate)
    return (x @ w) * keep + b, keep


def _dc_test_scaled(x, w, b, rate, rng, mode):
    if mode != "train":
        return x @ (w * (1 - rate)) + b, None
    mask = (rng.random(w.shape) >= rate) / (1 - rate)
    return x @ (w * mask) + b, mask


def _dc_no_bias(x, w, b, rate, rng, mode):
    if mode != "train":
        return x @ w, None
    mask = (rng.random(w.shape) >= rate) / (1 - rate)
    return x @ (w * mask), mask


def _dc_bias_dropped(x, w, b, rate, rng, mode):
    if mode != "train":
        return x @ w + b, None
    mask = (rng.random(w.shape) >= rate) / (1 - rate)
    return x @ (w * mask) + b * (1 - rate), mask


def _dc_global_random(x, w, b, rate, rng, mode):
    if mode != "train":
        return x @ w + b, None
    mask = (np.random.default_rng().random(w.shape) >= rate) / (1 - rate)
    return x @ (w * mask) + b, mask


def _dc_mask_not_stored(x, w, b, rate, rng, mode):
    if mode != "train":
        return x @ w + b, None
    mask = (rng.random(w.shape) >= rate) / (1 - rate)
    return x @ (w * mask) + b, None


def _dc_float64_mask(x, w, b, rate, rng, mode):
    if mode != "train":
        return x @ w + b, None
    mask = (rng.random(w.shape) >= rate) / (1 - rate)
    return x @ (w * mask) + b, mask


def _dc_in_place(x, w, b, rate, rng, mode):
    if mode != "train":
        return x @ w + b, None
    mask = ((rng.random(w.shape) >= rate) / (1 - rate)).astype(w.dtype)
    w *= mask
    return x @ w + b, mask


add("regularization", "dropconnect_forward", "rate_as_keep_probability",
    _dropconnect(_dc_keep_probability), "probability of DROPPING")
add("regularization", "dropconnect_forward", "inputs_dropped", _dropconnect(_dc_inputs_dropped),
    "drops whole inputs", "rng.random(w.shape)")
add("regularization", "dropconnect_forward", "outputs_dropped", _dropconnect(_dc_outputs_dropped),
    "different outputs", "one mask of w's shape")
add("regularization", "dropconnect_forward", "test_mode_scaled_down", _dropconnect(_dc_test_scaled),
    "plain affine layer")
add("regularization", "dropconnect_forward", "bias_missing", _dropconnect(_dc_no_bias),
    "bias is missing")
add("regularization", "dropconnect_forward", "bias_dropped_too", _dropconnect(_dc_bias_dropped),
    "never dropped")
add("regularization", "dropconnect_forward", "global_random_generator",
    _dropconnect(_dc_global_random), "same seed", "rng")
add("regularization", "dropconnect_forward", "mask_not_stored", _dropconnect(_dc_mask_not_stored),
    "store the mask")
add("regularization", "dropconnect_forward", "float64_mask", _dropconnect(_dc_float64_mask),
    "float32")
add("regularization", "dropconnect_forward", "w_changed_in_place", _dropconnect(_dc_in_place),
    "in place")


def _dc_backward(dx_rule, dw_rule, order=(0, 1, 2), db_rule=lambda dout: dout.sum(axis=0)):
    def backward(dout, cache):
        x, w, b, dc_param, mask = cache
        m = np.ones_like(w) if mask is None else mask
        grads = (dx_rule(dout, w, m), dw_rule(x, dout, m), db_rule(dout))
        return tuple(grads[i] for i in order)
    return backward


_DX = lambda dout, w, m: dout @ (w * m).T          # noqa: E731
_DW = lambda x, dout, m: (x.T @ dout) * m          # noqa: E731

add("regularization", "dropconnect_backward", "dw_not_masked",
    _dc_backward(_DX, lambda x, dout, m: x.T @ dout), "dw is not masked")
add("regularization", "dropconnect_backward", "dw_mask_not_rescaled",
    _dc_backward(_DX, lambda x, dout, m: (x.T @ dout) * (m > 0)), "not rescaled")
add("regularization", "dropconnect_backward", "dx_through_the_unmasked_w",
    _dc_backward(lambda dout, w, m: dout @ w.T, _DW), "dx uses w")
add("regularization", "dropconnect_backward", "dx_and_dw_swapped", _dc_backward(_DX, _DW, (1, 0, 2)),
    "wrong order")
add("regularization", "dropconnect_backward", "db_averaged",
    _dc_backward(_DX, _DW, db_rule=lambda dout: dout.mean(axis=0)), "db", "too small", named=False)


def _dc_backward_needs_a_mask(dout, cache):
    x, w, b, dc_param, mask = cache
    return dout @ (w * mask).T, (x.T @ dout) * mask, dout.sum(axis=0)


def _dc_backward_float64(dout, cache):
    x, w, b, dc_param, mask = cache
    m = np.ones(w.shape) if mask is None else mask.astype(np.float64)
    return dout @ (w * m).T, (x.T @ dout) * m, dout.sum(axis=0)


add("regularization", "dropconnect_backward", "test_mode_not_handled", _dc_backward_needs_a_mask,
    "fails in test mode")
add("regularization", "dropconnect_backward", "float64_for_float32", _dc_backward_float64,
    "float32")


def _activity_l1(loss_rule, dh_rule):
    def penalty(h, reg_):
        return float(loss_rule(h, reg_)), dh_rule(h, reg_)
    return penalty


_L1_LOSS = lambda h, r: r * np.abs(h).sum() / len(h)       # noqa: E731
_L1_DH = lambda h, r: (r / len(h)) * np.sign(h)            # noqa: E731

add("regularization", "activity_l1_penalty", "summed_over_the_batch",
    _activity_l1(lambda h, r: r * np.abs(h).sum(), lambda h, r: r * np.sign(h)),
    "number of examples")
add("regularization", "activity_l1_penalty", "mean_over_every_entry",
    _activity_l1(lambda h, r: r * np.abs(h).mean(), lambda h, r: r * np.sign(h) / h.size),
    "mean over every entry")
add("regularization", "activity_l1_penalty", "abs_missing",
    _activity_l1(lambda h, r: r * h.sum() / len(h), _L1_DH), "not |h|")
add("regularization", "activity_l1_penalty", "gradient_not_divided_by_n",
    _activity_l1(_L1_LOSS, lambda h, r: r * np.sign(h)), "divide it by N")
add("regularization", "activity_l1_penalty", "gradient_of_abs_h",
    _activity_l1(_L1_LOSS, lambda h, r: (r / len(h)) * np.abs(h)), "penalty itself")
add("regularization", "activity_l1_penalty", "gradient_at_zero",
    _activity_l1(_L1_LOSS, lambda h, r: (r / len(h)) * np.where(h >= 0, 1.0, -1.0)),
    "subgradient 0")
add("regularization", "activity_l1_penalty", "float64_for_float32",
    _activity_l1(_L1_LOSS, lambda h, r: np.float64(r / len(h)) * np.sign(h)), "float32")


def _activity_l1_in_place(h, reg_):
    n = len(h)
    loss = reg_ * np.abs(h, out=h).sum() / n
    return float(loss), (reg_ / n) * np.sign(h)


add("regularization", "activity_l1_penalty", "h_changed_in_place", _activity_l1_in_place, "in place")


def _kl(loss_rule, dh_rule):
    """A KL sparsity penalty: ``loss_rule(rho, rho_hat) -> per-unit terms``,
    ``dh_rule(h, rho, rho_hat) -> dh`` before the factor reg."""
    def penalty(h, rho, reg_):
        rho_hat = h.mean(axis=0)
        return float(reg_ * np.sum(loss_rule(rho, rho_hat))), reg_ * dh_rule(h, rho, rho_hat)
    return penalty


_KL_TERMS = lambda rho, q: rho * np.log(rho / q) + (1 - rho) * np.log((1 - rho) / (1 - q))  # noqa: E731
_KL_GRAD = lambda h, rho, q: np.zeros_like(h) + ((1 - rho) / (1 - q) - rho / q) / len(h)   # noqa: E731

add("regularization", "kl_sparsity_penalty", "divergence_the_other_way_round",
    _kl(lambda rho, q: q * np.log(q / rho) + (1 - q) * np.log((1 - q) / (1 - rho)), _KL_GRAD),
    "other way")
add("regularization", "kl_sparsity_penalty", "first_term_only",
    _kl(lambda rho, q: rho * np.log(rho / q), _KL_GRAD), "only the first term")
add("regularization", "kl_sparsity_penalty", "gradient_not_divided_by_n",
    _kl(_KL_TERMS, lambda h, rho, q: np.zeros_like(h) + (1 - rho) / (1 - q) - rho / q),
    "N times too large")
add("regularization", "kl_sparsity_penalty", "gradient_with_the_wrong_sign",
    _kl(_KL_TERMS, lambda h, rho, q: -_KL_GRAD(h, rho, q)), "wrong sign")
add("regularization", "kl_sparsity_penalty", "gradient_of_each_activation",
    _kl(_KL_TERMS, lambda h, rho, q: ((1 - rho) / (1 - h) - rho / h) / len(h)),
    "differs between the examples")
add("regularization", "kl_sparsity_penalty", "float64_for_float32",
    _kl(_KL_TERMS, lambda h, rho, q: np.zeros(h.shape) + ((1 - rho) / (1 - q) - rho / q) / len(h)),
    "float32")
add("regularization", "kl_sparsity_penalty", "mean_over_the_units",
    _kl(lambda rho, q: _KL_TERMS(rho, q) / len(q), lambda h, rho, q: _KL_GRAD(h, rho, q) / h.shape[1]),
    "expected reg * sum_j", named=False)


def _kl_without_reg(h, rho, reg_):
    rho_hat = h.mean(axis=0)
    return float(np.sum(_KL_TERMS(rho, rho_hat))), reg_ * _KL_GRAD(h, rho, rho_hat)


add("regularization", "kl_sparsity_penalty", "strength_forgotten", _kl_without_reg,
    "multiply the summed divergence by reg")


# ======================================================================== optim

def _momentum(name, update):
    """A momentum-style rule whose region is ``update(w, dw, v, lr, mu) -> (next_w, v)``."""
    def rule(w, dw, config=None):
        config = optim._setup(name, config)
        lr, mu = optim._hyper(config, "learning_rate", "momentum")
        v = optim._state(config, "velocity", w)
        next_w, v = update(w, dw, v, lr, mu)
        return optim._finish(w, next_w, config, velocity=v)
    return rule


def _cached(name, update):
    """An AdaGrad/RMSProp-style rule: ``update(w, dw, cache, config) -> (next_w, cache)``."""
    def rule(w, dw, config=None):
        config = optim._setup(name, config)
        cache = optim._state(config, "cache", w)
        next_w, cache = update(w, dw, cache, config)
        return optim._finish(w, next_w, config, cache=cache)
    return rule


def _adam_like(name, update, second="v"):
    """An Adam-family rule: ``update(w, dw, m, s, t, lr, b1, b2, eps) -> (next_w, m, s, t)``."""
    def rule(w, dw, config=None):
        config = optim._setup(name, config)
        lr, b1, b2, eps = optim._hyper(config, "learning_rate", "beta1", "beta2", "epsilon")
        m, s = optim._state(config, "m", w), optim._state(config, second, w)
        t = int(config.get("t", 0))
        next_w, m, s, t = update(w, dw, m, s, t, lr, b1, b2, eps)
        return optim._finish(w, next_w, config, m=m, t=t, **{second: s})
    return rule


def _in_place(name):
    reference = getattr(optim, name)

    def rule(w, dw, config=None):
        next_w, config = reference(w, dw, config)
        w[...] = next_w
        return w, config
    return rule


def _upcast(name):
    reference = getattr(optim, name)

    def rule(w, dw, config=None):
        return reference(w.astype(np.float64), dw.astype(np.float64), config)
    return rule


def _swapped(name):
    reference = getattr(optim, name)

    def rule(w, dw, config=None):
        next_w, config = reference(w, dw, config)
        return config, next_w
    return rule


for _name in ("sgd_momentum", "sgd_nesterov", "adagrad", "rmsprop", "adadelta", "adam", "nadam",
              "adamax", "adamw"):
    add("optim", _name, "update_made_in_place", _in_place(_name), "in place")
    add("optim", _name, "float64_for_float32", _upcast(_name), "float32")

add("optim", "adam", "pair_swapped", _swapped("adam"), "wrong order", "(next_w, config)")
add("optim", "sgd_momentum", "uphill_step",
    _momentum("sgd_momentum", lambda w, dw, v, lr, mu: (w + (mu * v + lr * dw), mu * v + lr * dw)),
    "uphill")


def _pytorch_velocity(w, dw, v, lr, mu):
    b = mu * v + dw
    return w - lr * b, b


def _velocity_not_stored(w, dw, v, lr, mu):
    velocity = mu * v - lr * dw
    return w + velocity, v          # the new velocity never reaches config


def _plain_sgd(w, dw, v, lr, mu):
    v = mu * v - lr * dw
    return w - lr * dw, v


def _hard_coded_lr(w, dw, v, lr, mu):
    v = mu * v - 0.1 * dw
    return w + v, v


def _velocity_with_the_other_sign(w, dw, v, lr, mu):
    v = mu * v + lr * dw
    return w - v, v


add("optim", "sgd_momentum", "pytorch_velocity", _momentum("sgd_momentum", _pytorch_velocity),
    "pytorch", "velocity")
add("optim", "sgd_momentum", "velocity_not_stored",
    _momentum("sgd_momentum", _velocity_not_stored), "carried over")
add("optim", "sgd_momentum", "plain_sgd", _momentum("sgd_momentum", _plain_sgd), "old velocity")
add("optim", "sgd_momentum", "hard_coded_learning_rate",
    _momentum("sgd_momentum", _hard_coded_lr), "default")
add("optim", "sgd_momentum", "velocity_stored_with_the_other_sign",
    _momentum("sgd_momentum", _velocity_with_the_other_sign), "opposite sign",
    "v = mu * v - lr * dw")


def _heavy_ball(w, dw, v, lr, mu):
    v = mu * v - lr * dw
    return w + v, v


def _nesterov_uphill(w, dw, v, lr, mu):
    v_prev = v
    v = mu * v + lr * dw
    return w - mu * v_prev + (1 + mu) * v, v


def _nesterov_look_back_sign(w, dw, v, lr, mu):
    v_prev = v
    v = mu * v - lr * dw
    return w + mu * v_prev + (1 + mu) * v, v     # sign slip on the look-back term


add("optim", "sgd_nesterov", "heavy_ball_momentum", _momentum("sgd_nesterov", _heavy_ball),
    "heavy-ball", "v_prev")
add("optim", "sgd_nesterov", "uphill_step", _momentum("sgd_nesterov", _nesterov_uphill), "uphill")
add("optim", "sgd_nesterov", "look_back_with_the_wrong_sign",
    _momentum("sgd_nesterov", _nesterov_look_back_sign), "step 2", named=False)


def _adagrad(update):
    def region(w, dw, cache, config):
        lr, eps = optim._hyper(config, "learning_rate", "epsilon")
        return update(w, dw, cache, lr, eps)
    return _cached("adagrad", region)


add("optim", "adagrad", "square_root_missing",
    _adagrad(lambda w, dw, c, lr, eps: (w - lr * dw / (c + dw ** 2 + eps), c + dw ** 2)),
    "square root")
add("optim", "adagrad", "cache_does_not_accumulate",
    _adagrad(lambda w, dw, c, lr, eps: (w - lr * dw / (np.sqrt(dw ** 2) + eps), dw ** 2)),
    "accumulates")
add("optim", "adagrad", "epsilon_inside_the_root",
    _adagrad(lambda w, dw, c, lr, eps: (w - lr * dw / np.sqrt(c + dw ** 2 + eps), c + dw ** 2)),
    "inside the square root")


def _rmsprop(update):
    def region(w, dw, cache, config):
        lr, rho, eps = optim._hyper(config, "learning_rate", "decay_rate", "epsilon")
        return update(w, dw, cache, lr, rho, eps)
    return _cached("rmsprop", region)


def _rms_swapped(w, dw, cache, lr, rho, eps):
    cache = (1 - rho) * cache + rho * dw ** 2
    return w - lr * dw / (np.sqrt(cache) + eps), cache


def _rms_adagrad(w, dw, cache, lr, rho, eps):
    cache = cache + dw ** 2
    return w - lr * dw / (np.sqrt(cache) + eps), cache


def _rms_not_carried(w, dw, cache, lr, rho, eps):
    new_cache = rho * cache + (1 - rho) * dw ** 2
    return w - lr * dw / (np.sqrt(new_cache) + eps), cache


def _rms_without_root(w, dw, cache, lr, rho, eps):
    cache = rho * cache + (1 - rho) * dw ** 2
    return w - lr * dw / (cache + eps), cache


add("optim", "rmsprop", "decay_rate_swapped", _rmsprop(_rms_swapped), "swapped")
add("optim", "rmsprop", "adagrad_cache", _rmsprop(_rms_adagrad), "does not leak")
add("optim", "rmsprop", "cache_not_carried_over", _rmsprop(_rms_not_carried),
    "forgot the first gradient")
add("optim", "rmsprop", "square_root_missing", _rmsprop(_rms_without_root), "square root")


def _adam(m_hat, v_hat, increment_first=True, square=True):
    def update(w, dw, m, v, t, lr, b1, b2, eps):
        if increment_first:
            t = t + 1
        m = b1 * m + (1 - b1) * dw
        v = b2 * v + (1 - b2) * (dw ** 2 if square else dw)
        next_w = w - lr * m_hat(m, b1, t) / (np.sqrt(v_hat(v, b2, t)) + eps)
        if not increment_first:
            t = t + 1
        return next_w, m, v, t
    return _adam_like("adam", update)


def _corrected(x, beta, t):
    return x / (1 - beta ** t)


def _raw(x, beta, t):
    return x


def _counter_never_moves(w, dw, m, v, t, lr, b1, b2, eps):
    step = t + 1
    m = b1 * m + (1 - b1) * dw
    v = b2 * v + (1 - b2) * dw ** 2
    return w - lr * (m / (1 - b1 ** step)) / (np.sqrt(v / (1 - b2 ** step)) + eps), m, v, t


add("optim", "adam", "bias_correction_missing", _adam(_raw, _raw), "bias correction is missing")
add("optim", "adam", "v_not_corrected", _adam(_corrected, _raw), "only m", "v_hat")
add("optim", "adam", "m_not_corrected", _adam(_raw, _corrected), "only v", "m_hat")
add("optim", "adam", "t_incremented_after_use", _adam(_corrected, _corrected,
                                                      increment_first=False),
    "incremented before", "1 - beta**0")
add("optim", "adam", "step_counter_never_moves", _adam_like("adam", _counter_never_moves),
    "config['t'] is 0", "increment t")
add("optim", "adam", "v_of_the_unsquared_gradient", _adam(_corrected, _corrected, square=False),
    "SQUARED gradient")


def _adam_step(w, dw, m, v, t, lr, b1, b2, eps):
    next_w, config = optim.adam(w, dw, {"learning_rate": lr, "beta1": b1, "beta2": b2,
                                        "epsilon": eps, "m": m, "v": v, "t": t})
    return next_w, config["m"], config["v"], config["t"]


def _nadam_late_t(w, dw, m, v, t, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * dw
    v = b2 * v + (1 - b2) * dw ** 2
    m_hat = b1 * m / (1 - b1 ** (t + 1)) + (1 - b1) * dw / (1 - b1 ** t)
    next_w = w - lr * m_hat / (np.sqrt(v / (1 - b2 ** t)) + eps)
    return next_w, m, v, t + 1


add("optim", "nadam", "plain_adam", _adam_like("nadam", _adam_step), "adam's step", "look")
add("optim", "nadam", "t_incremented_after_use", _adam_like("nadam", _nadam_late_t),
    "incremented before")


def _adamax(correct=True, eps_inside=True, absolute=True):
    def update(w, dw, m, u, t, lr, b1, b2, eps):
        t = t + 1
        m = b1 * m + (1 - b1) * dw
        g = np.abs(dw) if absolute else dw
        u = np.maximum(b2 * u, g + eps) if eps_inside else np.maximum(b2 * u, g) + eps
        rate = lr / (1 - b1 ** t) if correct else lr
        return w - rate * m / u, m, u, t
    return _adam_like("adamax", update, second="u")


add("optim", "adamax", "bias_correction_missing", _adamax(correct=False), "bias correction",
    "1 - beta1**t")
add("optim", "adamax", "epsilon_after_the_maximum", _adamax(eps_inside=False), "epsilon",
    "inside")
add("optim", "adamax", "abs_missing", _adamax(absolute=False), "abs(dw)")


def _adadelta(update):
    """An Adadelta rule whose region is ``update(w, dw, cache, delta, lr, rho, eps)``."""
    def rule(w, dw, config=None):
        config = optim._setup("adadelta", config)
        lr, rho, eps = optim._hyper(config, "learning_rate", "rho", "epsilon")
        cache, delta = optim._state(config, "cache", w), optim._state(config, "delta", w)
        next_w, cache, delta = update(w, dw, cache, delta, lr, rho, eps)
        return optim._finish(w, next_w, config, cache=cache, delta=delta)
    return rule


def _adadelta_with(cache_rule=None, numerator=None, delta_rule=None, sign=-1.0,
                   denominator=None):
    """Adadelta with one piece replaced (each default is the documented one)."""
    def update(w, dw, cache, delta, lr, rho, eps):
        cache = (cache_rule or (lambda c, g: rho * c + (1 - rho) * g ** 2))(cache, dw)
        top = (numerator or (lambda d: np.sqrt(d + eps)))(delta)
        bottom = (denominator or (lambda c: np.sqrt(c + eps)))(cache)
        step = top / bottom * dw
        delta = (delta_rule(delta, step, lr, rho) if delta_rule
                 else rho * delta + (1 - rho) * step ** 2)
        return w + sign * lr * step, cache, delta
    return _adadelta(update)


add("optim", "adadelta", "epsilon_only_outside_the_numerator",
    _adadelta_with(numerator=lambda d: np.sqrt(d)), "did not move", "sqrt(delta + epsilon)")
add("optim", "adadelta", "rmsprop_step", _adadelta_with(numerator=lambda d: np.ones_like(d)),
    "RMSProp's step")
add("optim", "adadelta", "rho_swapped",
    _adadelta_with(cache_rule=lambda c, g: 0.25 * c + 0.75 * g ** 2), "swapped")
add("optim", "adadelta", "epsilon_outside_the_roots",
    _adadelta_with(numerator=lambda d: np.sqrt(d) + 0.25, denominator=lambda c: np.sqrt(c) + 0.25),
    "inside both")
add("optim", "adadelta", "uphill_step", _adadelta_with(sign=1.0), "uphill")
add("optim", "adadelta", "learning_rate_in_delta",
    _adadelta_with(delta_rule=lambda d, s, lr, rho: rho * d + (1 - rho) * (lr * s) ** 2),
    "lr * step")
add("optim", "adadelta", "delta_rho_swapped",
    _adadelta_with(delta_rule=lambda d, s, lr, rho: (1 - rho) * d + rho * s ** 2), "swapped")
add("optim", "adadelta", "delta_never_updated",
    _adadelta_with(delta_rule=lambda d, s, lr, rho: d), "still 0")
add("optim", "adadelta", "delta_not_carried_over",
    _adadelta_with(delta_rule=lambda d, s, lr, rho: (1 - rho) * s ** 2), "forgot the earlier")


def _adamw(decay="beside", correct=True):
    """AdamW with the decay in another place (``decay``) or without the bias correction."""
    def rule(w, dw, config=None):
        config = optim._setup("adamw", config)
        lr, b1, b2, eps, wd = optim._hyper(config, "learning_rate", "beta1", "beta2", "epsilon",
                                           "weight_decay")
        m, v = optim._state(config, "m", w), optim._state(config, "v", w)
        t = int(config.get("t", 0)) + 1
        g = dw + wd * w if decay == "gradient" else dw
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        m_hat = m / (1 - b1 ** t) if correct else m
        v_hat = v / (1 - b2 ** t) if correct else v
        step = m_hat / (np.sqrt(v_hat) + eps)
        next_w = {"beside": w - lr * (step + wd * w), "gradient": w - lr * step,
                  "missing": w - lr * step, "without_lr": w - lr * step - wd * w,
                  "after": (w - lr * step) * (1 - lr * wd), "uphill": w - lr * step + lr * wd * w,
                  "inside": w - lr * (m_hat + wd * w) / (np.sqrt(v_hat) + eps)}[decay]
        return optim._finish(w, next_w, config, m=m, v=v, t=t)
    return rule


add("optim", "adamw", "l2_inside_adam", _adamw("gradient"), "into the gradient", "L2 penalty")
add("optim", "adamw", "decay_missing", _adamw("missing"), "without any decay")
add("optim", "adamw", "decay_not_times_learning_rate", _adamw("without_lr"),
    "not multiplied by the learning rate")
add("optim", "adamw", "decay_after_the_step", _adamw("after"), "BEFORE the step")
add("optim", "adamw", "decay_pushes_away_from_zero", _adamw("uphill"), "wrong sign")
add("optim", "adamw", "decay_inside_the_adaptive_fraction", _adamw("inside"),
    "outside the adaptive fraction")
add("optim", "adamw", "bias_correction_missing", _adamw(correct=False), "bias correction")
add("optim", "adamw", "pair_swapped", _swapped("adamw"), "wrong order", "(next_w, config)")


# ======================================================================== schedules

def _with_lr_at(name, lr_at):
    """A subclass of the reference schedule whose ``lr_at`` is replaced (a student's version)."""
    return type(name, (getattr(schedules, name),), {"lr_at": lr_at})


def _with_step(step):
    return type("ReduceLROnPlateau", (schedules.ReduceLROnPlateau,), {"step": step})


def _scalar_only(self, t):
    if t > 0:
        return t
    return t


for _name in ("piecewise_constant", "step_decay", "exponential", "power", "inverse_time",
              "cosine", "one_cycle"):
    add("schedules", _name, "python_if_on_t", _with_lr_at(_name, _scalar_only), "array",
        "np.where")

add("schedules", "piecewise_constant", "new_value_one_step_late",
    _with_lr_at("piecewise_constant", lambda self, t: np.asarray(self.values)[
        np.searchsorted(self.boundaries, t, side="left")]), "AT its boundary")
add("schedules", "piecewise_constant", "values_shifted",
    _with_lr_at("piecewise_constant", lambda self, t: np.asarray(self.values + [self.values[-1]])[
        np.searchsorted(self.boundaries, t, side="right") + 1]), "at t = [0", "expected",
    named=False)

for _slip, _wrong, _fragment in [
    ("fractional_number_of_drops", lambda s, t: s.lr0 * s.drop ** (t / s.every),
     "floor(t / every)"),
    ("ceil", lambda s, t: s.lr0 * s.drop ** np.ceil(t / s.every), "ceil"),
    ("first_drop_at_zero", lambda s, t: s.lr0 * s.drop ** (np.floor(t / s.every) + 1),
     "at t = 0 already"),
    ("drop_multiplied", lambda s, t: s.lr0 * s.drop * np.floor(t / s.every), "RAISED"),
    ("t_times_every", lambda s, t: s.lr0 * s.drop ** np.floor(t * s.every), "divided by every"),
]:
    add("schedules", "step_decay", _slip, _with_lr_at("step_decay", _wrong), _fragment)

for _slip, _wrong, _fragment in [
    ("base_e", lambda s, t: s.lr0 * np.exp(-t / s.r), "factor e"),
    ("growing", lambda s, t: s.lr0 * 10.0 ** (t / s.r), "grows"),
    ("lr0_missing", lambda s, t: 10.0 ** (-t / s.r), "start at lr0"),
    ("t_times_r", lambda s, t: s.lr0 * 10.0 ** (-t * s.r), "divided by r"),
]:
    add("schedules", "exponential", _slip, _with_lr_at("exponential", _wrong), _fragment)


def _a_column_per_step(self, t):
    return np.full((t.size, 2), self.lr0)


add("schedules", "exponential", "two_rates_per_step",
    _with_lr_at("exponential", _a_column_per_step), "one rate per entry of t")

for _slip, _wrong, _fragment in [
    ("one_missing", lambda s, t: s.lr0 * (t / s.r) ** (-s.c), "1 + t / r"),
    ("c_ignored", lambda s, t: s.lr0 * (1 + t / s.r) ** -1.0, "c is ignored"),
    ("growing", lambda s, t: s.lr0 * (1 + t / s.r) ** s.c, "grows"),
    ("c_multiplies", lambda s, t: s.lr0 * s.c / (1 + t / s.r), "c multiplies"),
]:
    add("schedules", "power", _slip, _with_lr_at("power", _wrong), _fragment)


class _power_with_c_2(schedules.power):
    def __init__(self, lr0, r, c=2):
        super().__init__(lr0, r, c)


add("schedules", "power", "wrong_default_c", _power_with_c_2, "default is c = 1")

for _slip, _wrong, _fragment in [
    ("growing", lambda s, t: s.lr0 * (1 + s.k * t), "grows"),
    ("k_divides", lambda s, t: s.lr0 / (1 + t / s.k) if s.k else np.full_like(t, s.lr0),
     "does not divide"),
    ("one_missing", lambda s, t: s.lr0 / (s.k * t), "1 + k * t"),
]:
    add("schedules", "inverse_time", _slip, _with_lr_at("inverse_time", _wrong), _fragment)


def _cosine(t, lr0, T, lr_min=0.0, W=0, clip=True, halve=True, start_at_w=True, warmup=True,
            use_min=True, scale=None, one_plus=True):
    p = (t - W) / (T - W) if start_at_w else t / (scale or T)
    if clip:
        p = np.clip(p, 0.0, 1.0)
    base = lr_min if use_min else 0.0
    cos = ((1 if one_plus else 0) + np.cos(np.pi * p)) / (2 if halve else 1)
    annealed = base + (lr0 - base) * cos
    if not warmup or W == 0:
        return annealed
    return np.where(t < W, lr0 * t / W, annealed)


def _cosine_with(**kwargs):
    def lr_at(self, t):
        return _cosine(t, self.lr0, self.total_steps, self.lr_min, self.warmup_steps, **kwargs)
    return _with_lr_at("cosine", lr_at)


for _slip, _kwargs, _fragment in [
    ("not_clipped", dict(clip=False), "stay at lr_min"),
    ("not_halved", dict(halve=False), "halved"),
    ("lr_min_ignored", dict(use_min=False), "lr_min is ignored"),
    ("warmup_missing", dict(warmup=False, start_at_w=False), "warm-up is missing"),
    ("cosine_from_zero", dict(start_at_w=False), "start at t = warmup_steps"),
]:
    add("schedules", "cosine", _slip, _cosine_with(**_kwargs), _fragment)


def _cosine_over_t_after_warmup(self, t):
    W, T = self.warmup_steps, self.total_steps
    p = np.clip((t - W) / T, 0, 1)
    annealed = self.lr_min + (self.lr0 - self.lr_min) * (1 + np.cos(np.pi * p)) / 2
    return np.where(t < W, self.lr0 * t / max(W, 1), annealed)


add("schedules", "cosine", "progress_over_t_after_warmup",
    _with_lr_at("cosine", _cosine_over_t_after_warmup), "T - W")
add("schedules", "cosine", "one_plus_missing", _cosine_with(one_plus=False), "the 1 is missing")


def _ramp(a, b, p):
    return b + (a - b) * (1 + np.cos(np.pi * p)) / 2


def _one_cycle_linear(self, t):
    P, T = self.peak_step, self.total_steps
    up = self.lr_start + (self.max_lr - self.lr_start) * np.minimum(t / P, 1)
    down = self.max_lr + (self.lr_end - self.max_lr) * np.clip((t - P) / (T - P), 0, 1)
    return np.where(t < P, up, down)


def _one_cycle_not_clipped(self, t):
    P, T = self.peak_step, self.total_steps
    return np.where(t < P, _ramp(self.lr_start, self.max_lr, t / P),
                    _ramp(self.max_lr, self.lr_end, (t - P) / (T - P)))


def _one_cycle_ending_at(end):
    def lr_at(self, t):
        P, T = self.peak_step, self.total_steps
        return np.where(t < P, _ramp(self.lr_start, self.max_lr, np.minimum(t / P, 1)),
                        _ramp(self.max_lr, end(self), np.clip((t - P) / (T - P), 0, 1)))
    return lr_at


def _one_cycle_unrounded(self, t):
    P, T = self.pct_start * self.total_steps, self.total_steps
    return np.where(t < P, _ramp(self.lr_start, self.max_lr, np.minimum(t / P, 1)),
                    _ramp(self.max_lr, self.lr_end, np.clip((t - P) / (T - P), 0, 1)))


add("schedules", "one_cycle", "linear_ramps", _with_lr_at("one_cycle", _one_cycle_linear),
    "straight lines", "half cosine")
add("schedules", "one_cycle", "not_clipped_after_the_end",
    _with_lr_at("one_cycle", _one_cycle_not_clipped), "stay at lr_end")
add("schedules", "one_cycle", "final_rate_of_max_lr",
    _with_lr_at("one_cycle", _one_cycle_ending_at(lambda s: s.max_lr / s.final_div_factor)),
    "not max_lr / final_div_factor")
add("schedules", "one_cycle", "final_rate_multiplied",
    _with_lr_at("one_cycle", _one_cycle_ending_at(lambda s: s.lr_start * s.final_div_factor)),
    "DIVIDED")
add("schedules", "one_cycle", "unrounded_peak", _with_lr_at("one_cycle", _one_cycle_unrounded),
    "self.peak_step", named=False)


def _plateau_step(cut_at=None, reset_after_cut=True, reset_on_improve=True, floor=True,
                  use_improves=True, store=True, silent=False):
    """A configurable ``step``; the defaults give the reference behaviour."""
    def step(self, metric):
        metric = float(metric)
        improved = self.improves(metric) if use_improves else metric < self.best
        if improved:
            self.best = metric
            if reset_on_improve:
                self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if not improved and self.num_bad_epochs >= (cut_at or self.patience):
            new = self.lr * self.factor
            new = max(new, self.min_lr) if floor else new
            if store:
                self.lr = new
            if reset_after_cut:
                self.num_bad_epochs = 0
        return None if silent else self.lr
    return step


for _slip, _kwargs, _fragment in [
    ("cut_one_epoch_early", dict(cut_at=2), "one epoch early"),
    ("cut_one_epoch_late", dict(cut_at=4), "not >"),
    ("count_not_restarted_after_a_cut", dict(reset_after_cut=False), "restart from 0"),
    ("count_not_reset_on_improvement", dict(reset_on_improve=False), "reset num_bad_epochs"),
    ("rate_not_stored", dict(store=False), "never cut"),
    ("no_floor", dict(floor=False), "min_lr"),
    ("mode_ignored", dict(use_improves=False), "mode 'max'"),
    ("nothing_returned", dict(silent=True), "return the new learning rate"),
]:
    add("schedules", "ReduceLROnPlateau", _slip, _with_step(_plateau_step(**_kwargs)), _fragment)


def _plateau_without_min_delta(self, metric):
    improved = metric > self.best if self.mode == "max" else metric < self.best
    if improved:
        self.best, self.num_bad_epochs = metric, 0
    else:
        self.num_bad_epochs += 1
        if self.num_bad_epochs >= self.patience:
            self.lr, self.num_bad_epochs = max(self.lr * self.factor, self.min_lr), 0
    return self.lr


add("schedules", "ReduceLROnPlateau", "min_delta_ignored", _with_step(_plateau_without_min_delta),
    "min_delta")


def _range_test(grid="geometric", bias_correct=True, swap=False, raw_min=False, divide=True,
                stop=True, record_last=True, nan_aware=True):
    """A configurable range test; the defaults give the reference behaviour."""
    def run(train_step, lr_min=1e-6, lr_max=1.0, num_steps=100, smooth=0.98, diverge_factor=4.0):
        i = np.arange(num_steps)
        lrs_all = (lr_min * (lr_max / lr_min) ** (i / (num_steps - 1)) if grid == "geometric"
                   else np.linspace(lr_min, lr_max, num_steps))
        lrs, losses_, smoothed, avg, diverged = [], [], [], 0.0, False
        for k, lr in enumerate(lrs_all):
            loss = float(train_step(float(lr)))
            a, b = (1 - smooth, smooth) if swap else (smooth, 1 - smooth)
            avg = a * avg + b * loss
            value = avg / (1 - smooth ** (k + 1)) if bias_correct else avg
            blown = not np.isfinite(loss) or (len(smoothed) > 0
                                              and value > diverge_factor * min(smoothed))
            if blown and stop and not record_last:
                diverged = True
                break
            lrs.append(float(lr))
            losses_.append(loss)
            smoothed.append(value)
            if blown and stop:
                diverged = True
                break
        pick = losses_ if raw_min else smoothed
        with np.errstate(invalid="ignore"):
            best = int(np.nanargmin(pick)) if nan_aware else int(np.argmin(pick))
        suggested = lrs[best] / (10 if divide else 1)
        return schedules.RangeTestResult(np.asarray(lrs), np.asarray(losses_),
                                         np.asarray(smoothed), float(suggested), diverged)
    return run


for _slip, _kwargs, _fragment in [
    ("evenly_spaced_rates", dict(grid="linear"), "geometrically"),
    ("no_bias_correction", dict(bias_correct=False), "1 - smooth ** (i + 1)"),
    ("weights_swapped", dict(swap=True), "swapped"),
    ("minimum_of_the_raw_loss", dict(raw_min=True), "SMOOTHED"),
    ("suggestion_not_divided", dict(divide=False), "divide it by 10"),
    ("never_stops", dict(stop=False), "ran all 6 steps"),
    ("diverged_step_not_recorded", dict(record_last=False), "record the step that diverged"),
    ("nan_not_skipped", dict(nan_aware=False), "nanargmin"),
]:
    add("schedules", "lr_range_test", _slip, _range_test(**_kwargs), _fragment)


def _range_test_blind_to_nan(train_step, lr_min=1e-6, lr_max=1.0, num_steps=100, smooth=0.98,
                             diverge_factor=4.0):
    # stops only on the smoothed-loss rule, which a NaN never triggers
    return _range_test()(lambda lr: (lambda v: 0.0 if math.isnan(v) else v)(train_step(lr)),
                         lr_min, lr_max, num_steps, smooth, diverge_factor)


def _range_test_two_steps_per_rate(train_step, **kwargs):
    return _range_test()(lambda lr: (train_step(lr), train_step(lr))[1], **kwargs)


add("schedules", "lr_range_test", "nan_does_not_stop", _range_test_blind_to_nan, "NaN")
add("schedules", "lr_range_test", "train_step_called_twice_per_rate",
    _range_test_two_steps_per_rate, "once per learning rate")


# ======================================================================== babysit

for _slip, _wrong, _fragment in [
    ("log10", math.log10, "log10"),
    ("log2", math.log2, "log2"),
    ("wrong_sign", lambda c: -math.log(c), "wrong sign"),
    ("probability_not_loss", lambda c: 1.0 / c, "1/C"),
    ("log_of_c_minus_one", lambda c: math.log(c - 1), "expected ln(10)"),
]:
    add("babysit", "expected_initial_loss", _slip, lambda c, _w=_wrong: float(_w(c)), _fragment,
        named=_slip != "log_of_c_minus_one")

add("babysit", "expected_initial_loss", "array_of_losses",
    lambda c: np.full(c, math.log(c)), "single number")


def _ratio(formula, keys=lambda before: [k for k in before if k.startswith("W")]):
    def fn(before, after):
        return {k: float(formula(after[k] - before[k], before[k], after[k])) for k in keys(before)}
    return fn


for _slip, _formula, _fragment in [
    ("upside_down", lambda d, b, a: np.linalg.norm(b) / np.linalg.norm(d), "upside down"),
    ("norm_after_the_update", lambda d, b, a: np.linalg.norm(d) / np.linalg.norm(a),
     "BEFORE the update"),
    ("squared_norms", lambda d, b, a: np.sum(d ** 2) / np.sum(b ** 2), "squared norms"),
    ("sums_of_absolute_values", lambda d, b, a: np.sum(np.abs(d)) / np.sum(np.abs(b)),
     "absolute values"),
    ("means_of_absolute_values", lambda d, b, a: np.mean(np.abs(d)) / np.mean(np.abs(b)),
     "absolute values"),
    ("mean_change_over_mean_weight", lambda d, b, a: np.mean(d) / np.mean(b),
     "mean change over the mean weight"),
]:
    add("babysit", "update_to_weight_ratio", _slip, _ratio(_formula), _fragment)

add("babysit", "update_to_weight_ratio", "largest_entries",
    _ratio(lambda d, b, a: np.max(np.abs(d)) / np.max(np.abs(b))), "Frobenius", named=False)
add("babysit", "update_to_weight_ratio", "every_parameter",
    _ratio(lambda d, b, a: np.linalg.norm(d) / max(np.linalg.norm(b), 1e-12),
           keys=lambda before: list(before)), "only the weight matrices", "b1")
add("babysit", "update_to_weight_ratio", "a_layer_missing",
    _ratio(lambda d, b, a: np.linalg.norm(d) / np.linalg.norm(b), keys=lambda _: ["W1"]),
    "no ratio for ['W2']")


@mistake("babysit", "update_to_weight_ratio", "changed the arrays")
def ratio_changes_its_inputs(before, after):
    for k in before:
        before[k] -= 0.0 if k.startswith("W") else 1.0
    return babysit.update_to_weight_ratio(before, after)


@mistake("babysit", "update_to_weight_ratio", "dict")
def ratios_in_a_list(before, after):
    return list(babysit.update_to_weight_ratio(before, after).values())


def _sampler(draw):
    def fn(rng, low, high, size=None):
        samples = draw(rng, low, high, size)
        return float(samples) if size is None else samples
    return fn


for _slip, _draw, _fragment in [
    ("uniform_in_the_values", lambda rng, lo, hi, size: rng.uniform(lo, hi, size=size),
     "top decade"),
    ("exponent_between_the_values", lambda rng, lo, hi, size: 10.0 ** rng.uniform(lo, hi,
                                                                                  size=size),
     "not from low to high"),
    ("natural_logs_base_ten", lambda rng, lo, hi, size: 10.0 ** rng.uniform(np.log(lo), np.log(hi),
                                                                            size=size),
     "do not mix the two bases"),
    ("base_ten_logs_natural_power", lambda rng, lo, hi, size: np.exp(
        rng.uniform(np.log10(lo), np.log10(hi), size=size)), "do not mix"),
    ("size_ignored", lambda rng, lo, hi, size: 10.0 ** rng.uniform(np.log10(lo), np.log10(hi),
                                                                   size=size)
     if size is None else 10.0 ** rng.uniform(np.log10(lo), np.log10(hi), size=3),
     "pass size on"),
    ("generator_of_its_own", lambda rng, lo, hi, size: 10.0 ** np.random.default_rng().uniform(
        np.log10(lo), np.log10(hi), size=size), "`rng` argument"),
]:
    add("babysit", "log_uniform", _slip, _sampler(_draw), _fragment)


def _triangular_exponent(rng, lo, hi, size):
    a, b = np.log10(lo), np.log10(hi)
    return 10.0 ** rng.triangular(a, b, b, size=size)


add("babysit", "log_uniform", "skewed_exponent", _sampler(_triangular_exponent), "about 25%",
    named=False)


@mistake("babysit", "log_uniform", "one float")
def array_for_a_single_sample(rng, low, high, size=None):
    return 10.0 ** rng.uniform(np.log10(low), np.log10(high), size=1 if size is None else size)


def _border(position, test):
    def fn(value, low, high, scale, fraction=0.1):
        return bool(test(position(value, low, high, scale), fraction))
    return fn


def _log_position(value, low, high, scale):
    if scale == "log":
        value, low, high = np.log(value), np.log(low), np.log(high)
    return (value - low) / (high - low)


def _linear_position(value, low, high, scale):
    return (value - low) / (high - low)


for _slip, _fn, _fragment in [
    ("linear_position_on_a_log_scale", _border(_linear_position, lambda p, f: p < f or p > 1 - f),
     "log space"),
    ("lower_end_only", _border(_log_position, lambda p, f: p < f), "close to high"),
    ("upper_end_only", _border(_log_position, lambda p, f: p > 1 - f), "close to low"),
    ("bounds_not_strict", _border(_log_position, lambda p, f: p <= f or p >= 1 - f), "strict"),
    ("fraction_ignored", _border(_log_position, lambda p, f: p < 0.1 or p > 0.9), "fraction"),
    ("always_true", _border(_log_position, lambda p, f: True), "middle of the range"),
]:
    add("babysit", "at_border", _slip, _fn, _fragment)

add("babysit", "at_border", "not_a_bool", lambda *args, **kwargs: "yes", "True or False")

# ======================================================================== normalization

def bn_forward(stats=None, update=None, test=None, finish=None, cache=None):
    """A batch-norm forward built from replaceable pieces (the defaults are correct)."""
    def forward(x, gamma, beta, bn_param):
        mode = bn_param.get("mode", "train")
        eps = bn_param.get("eps", 1e-5)
        momentum = bn_param.get("momentum", 0.9)
        D = x.shape[1]
        running_mean = bn_param.setdefault("running_mean", np.zeros(D, dtype=x.dtype))
        running_var = bn_param.setdefault("running_var", np.ones(D, dtype=x.dtype))
        if mode == "test":
            if test is not None:
                return test(x, gamma, beta, bn_param, eps), None
            x_hat = (x - running_mean) / np.sqrt(running_var + eps)
            return gamma * x_hat + beta, None
        mu, var = (x.mean(axis=0), x.var(axis=0)) if stats is None else stats(x)
        inv_std = 1.0 / np.sqrt(var + eps)
        x_hat = (x - mu) * inv_std
        out = gamma * x_hat + beta if finish is None else finish(x_hat, gamma, beta)
        if update is None:
            bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mu
            bn_param["running_var"] = momentum * running_var + (1 - momentum) * var
        else:
            update(bn_param, momentum, mu, var)
        right = (x_hat, gamma, x - mu, inv_std)
        return out, right if cache is None else cache(right, var, eps)
    return forward


add("normalization", "batchnorm_forward", "unbiased_variance",
    bn_forward(stats=lambda x: (x.mean(0), x.var(0, ddof=1))), "N - 1", "biased")


@mistake("normalization", "batchnorm_forward", "axis=1", "axis=0")
def statistics_per_sample(x, gamma, beta, bn_param):
    out, _ = nz.layernorm_forward(x, np.ones_like(gamma), np.zeros_like(beta),
                                  {"eps": bn_param.get("eps", 1e-5)})
    return gamma * out + beta, None


@mistake("normalization", "batchnorm_forward", "dividing by the variance", "sqrt(var + eps)")
def divided_by_the_variance(x, gamma, beta, bn_param):
    mu, var = x.mean(0), x.var(0)
    return gamma * (x - mu) / (var + bn_param.get("eps", 1e-5)) + beta, None


add("normalization", "batchnorm_forward", "gamma_and_beta_missing",
    bn_forward(finish=lambda x_hat, gamma, beta: x_hat), "without gamma and beta")
add("normalization", "batchnorm_forward", "gamma_and_beta_swapped",
    bn_forward(finish=lambda x_hat, gamma, beta: beta * x_hat + gamma), "swapped")


@mistake("normalization", "batchnorm_forward", "eps is ignored")
def eps_ignored(x, gamma, beta, bn_param):
    return bn_forward()(x, gamma, beta, {**bn_param, "eps": 0.0})


@mistake("normalization", "batchnorm_forward", "outside the square root")
def eps_outside_the_root(x, gamma, beta, bn_param):
    eps = bn_param.get("eps", 1e-5)
    mu, var = x.mean(0), x.var(0)
    x_hat = (x - mu) / (np.sqrt(var) + eps)
    return gamma * x_hat + beta, (x_hat, gamma, x - mu, 1 / (np.sqrt(var) + eps))


@mistake("normalization", "batchnorm_forward", "cache", "x_hat, gamma")
def cache_too_short(x, gamma, beta, bn_param):
    out, cache = nz.batchnorm_forward(x, gamma, beta, bn_param)
    return out, cache[:2]


add("normalization", "batchnorm_forward", "standard_deviation_cached",
    bn_forward(cache=lambda right, var, eps: right[:3] + (np.sqrt(var + eps),)),
    "standard deviation", "inverse", "inv_std = 1 / sqrt(var + eps)")
add("normalization", "batchnorm_forward", "variance_cached",
    bn_forward(cache=lambda right, var, eps: right[:3] + (var + eps,)), "variance", "inv_std")
add("normalization", "batchnorm_forward", "inv_std_cached_with_keepdims",
    bn_forward(cache=lambda right, var, eps: right[:3] + (right[3][None, :],)),
    "shape (1, 2)", "shape (D,)")
add("normalization", "batchnorm_forward", "cache_in_another_order",
    bn_forward(cache=lambda right, var, eps: (right[2], right[1], right[0], right[3])),
    "wrong order", "(x_centered, gamma, x_hat, inv_std)")
add("normalization", "batchnorm_forward", "running_averages_not_updated",
    bn_forward(update=lambda p, m, mu, var: None), "not updated in train mode",
    "bn_param['running_mean']")


def _kept_in_a_local_variable(bn_param, momentum, mu, var):
    running_mean = bn_param["running_mean"]
    running_mean = momentum * running_mean + (1 - momentum) * mu  # noqa: F841 (the slip)


add("normalization", "batchnorm_forward", "running_average_in_a_local_variable",
    bn_forward(update=_kept_in_a_local_variable), "not updated in train mode")


def _swapped_momentum(bn_param, m, mu, var):
    bn_param["running_mean"] = (1 - m) * bn_param["running_mean"] + m * mu
    bn_param["running_var"] = (1 - m) * bn_param["running_var"] + m * var


def _fixed_momentum(bn_param, m, mu, var):
    bn_param["running_mean"] = 0.9 * bn_param["running_mean"] + 0.1 * mu
    bn_param["running_var"] = 0.9 * bn_param["running_var"] + 0.1 * var


def _running_std(bn_param, m, mu, var):
    bn_param["running_mean"] = m * bn_param["running_mean"] + (1 - m) * mu
    bn_param["running_var"] = m * bn_param["running_var"] + (1 - m) * np.sqrt(var)


def _batch_mean_only(bn_param, m, mu, var):
    bn_param["running_mean"] = mu
    bn_param["running_var"] = var


def _unbiased_running_var(bn_param, m, mu, var):
    n = 4                                      # the check's batch
    bn_param["running_mean"] = m * bn_param["running_mean"] + (1 - m) * mu
    bn_param["running_var"] = m * bn_param["running_var"] + (1 - m) * var * n / (n - 1)


add("normalization", "batchnorm_forward", "momentum_swapped",
    bn_forward(update=_swapped_momentum), "swapped", "momentum * running")
add("normalization", "batchnorm_forward", "momentum_hard_coded",
    bn_forward(update=_fixed_momentum), "momentum given")
add("normalization", "batchnorm_forward", "running_average_of_the_std",
    bn_forward(update=_running_std), "averages the standard deviation")
add("normalization", "batchnorm_forward", "running_average_replaced_by_the_batch",
    bn_forward(update=_batch_mean_only), "batch mean alone", "blend")
add("normalization", "batchnorm_forward", "unbiased_running_variance",
    bn_forward(update=_unbiased_running_var), "unbiased batch variance")


def _batch_stats_in_test_mode(x, gamma, beta, bn_param, eps):
    return gamma * (x - x.mean(0)) / np.sqrt(x.var(0) + eps) + beta


def _test_mode_updates(x, gamma, beta, bn_param, eps):
    out = gamma * (x - bn_param["running_mean"]) / np.sqrt(bn_param["running_var"] + eps)
    bn_param["running_mean"] = 0.9 * bn_param["running_mean"] + 0.1 * x.mean(0)
    return out + beta


def _test_mode_without_eps(x, gamma, beta, bn_param, eps):
    return gamma * (x - bn_param["running_mean"]) / np.sqrt(bn_param["running_var"]) + beta


def _test_mode_eps_outside(x, gamma, beta, bn_param, eps):
    return gamma * (x - bn_param["running_mean"]) / (np.sqrt(bn_param["running_var"]) + eps) \
        + beta


add("normalization", "batchnorm_forward", "batch_statistics_in_test_mode",
    bn_forward(test=_batch_stats_in_test_mode), "batch statistics", "running_mean")
add("normalization", "batchnorm_forward", "test_mode_updates_the_averages",
    bn_forward(test=_test_mode_updates), "test mode changed the running averages")
add("normalization", "batchnorm_forward", "test_mode_without_eps",
    bn_forward(test=_test_mode_without_eps), "eps is ignored in test mode")
add("normalization", "batchnorm_forward", "test_mode_eps_outside_the_root",
    bn_forward(test=_test_mode_eps_outside), "outside the square root in test mode")


@mistake("normalization", "batchnorm_forward", "normalised with the running averages",
         "statistics of the batch")
def running_averages_used_in_train_mode(x, gamma, beta, bn_param):
    mode = bn_param.get("mode", "train")
    eps = bn_param.get("eps", 1e-5)
    if mode == "train" and "running_mean" in bn_param:
        x_hat = (x - bn_param["running_mean"]) / np.sqrt(bn_param["running_var"] + eps)
        nz.batchnorm_forward(x, gamma, beta, bn_param)
        return gamma * x_hat + beta, (x_hat, gamma, x - x.mean(0), 1 / np.sqrt(x.var(0) + eps))
    return nz.batchnorm_forward(x, gamma, beta, bn_param)


@mistake("normalization", "batchnorm_forward", "float32", "dtype")
def bn_forward_float64_for_float32(x, gamma, beta, bn_param):
    return nz.batchnorm_forward(x.astype(np.float64), gamma.astype(np.float64),
                                beta.astype(np.float64), bn_param)


@mistake("normalization", "batchnorm_forward", "whole array (no axis)", "axis=0")
def bn_forward_mean_of_the_whole_array(x, gamma, beta, bn_param):
    if bn_param.get("mode", "train") == "train":
        mu, var = x.mean(), x.var()
        inv_std = 1 / np.sqrt(var + bn_param.get("eps", 1e-5))
        x_hat = (x - mu) * inv_std
        nz.batchnorm_forward(x, gamma, beta, bn_param)
        return gamma * x_hat + beta, (x_hat, gamma, x - mu, np.full(x.shape[1], inv_std))
    return nz.batchnorm_forward(x, gamma, beta, bn_param)


def bn_backward(dx_of, dgamma_of=None, dbeta_of=None):
    """Correct dgamma and dbeta unless replaced; dx from ``dx_of(dout, x_hat, gamma, inv_std)``."""
    def backward(dout, cache):
        x_hat, gamma, x_centered, inv_std = cache
        dgamma = (dout * x_hat).sum(0) if dgamma_of is None else dgamma_of(dout, cache)
        dbeta = dout.sum(0) if dbeta_of is None else dbeta_of(dout, cache)
        return dx_of(dout, x_hat, gamma, inv_std), dgamma, dbeta
    return backward


def _right_dx(d, xh, g, s):
    n = len(d)
    return g * s / n * (n * d - d.sum(0) - xh * (d * xh).sum(0))


BACKWARD_SLIPS = [
    ("mu_and_var_constant", bn_backward(lambda d, xh, g, s: d * g * s),
     ("constants", "through mu and through var")),
    ("path_through_var_missing", bn_backward(lambda d, xh, g, s: g * s * (d - d.mean(0))),
     ("path through var is missing",)),
    ("path_through_mu_missing",
     bn_backward(lambda d, xh, g, s: g * s * (d - xh * (d * xh).mean(0))),
     ("path through mu is missing",)),
    ("direct_path_missing",
     bn_backward(lambda d, xh, g, s: -g * s * (d.mean(0) + xh * (d * xh).mean(0))),
     ("direct path is missing",)),
    ("gamma_missing",
     bn_backward(lambda d, xh, g, s: s * (d - d.mean(0) - xh * (d * xh).mean(0))),
     ("gamma is missing",)),
    ("one_over_n_missing", bn_backward(lambda d, xh, g, s: len(d) * _right_dx(d, xh, g, s)),
     ("5× too large", "1/N is missing")),
    ("divided_by_n_twice", bn_backward(lambda d, xh, g, s: _right_dx(d, xh, g, s) / len(d)),
     ("5× too small", "once too often")),
    ("var_path_with_the_wrong_sign",
     bn_backward(lambda d, xh, g, s: g * s * (d - d.mean(0) + xh * (d * xh).mean(0))),
     ("path through var", "wrong sign")),
    ("mu_path_with_the_wrong_sign",
     bn_backward(lambda d, xh, g, s: g * s * (d + d.mean(0) - xh * (d * xh).mean(0))),
     ("path through mu", "wrong sign")),
    ("mu_path_without_its_one_over_n",
     bn_backward(lambda d, xh, g, s: g * s * (d - d.sum(0) - xh * (d * xh).mean(0))),
     ("path through mu is 5× too large",)),
    ("var_path_without_its_one_over_n",
     bn_backward(lambda d, xh, g, s: g * s * (d - d.mean(0) - xh * (d * xh).sum(0))),
     ("path through var is 5× too large",)),
    ("dx_hat_returned", bn_backward(lambda d, xh, g, s: d * g), ("dx_hat = dout * gamma",)),
    ("dx_with_the_wrong_sign", bn_backward(lambda d, xh, g, s: -_right_dx(d, xh, g, s)),
     ("wrong sign everywhere",)),
    ("dgamma_of_x_centered",
     bn_backward(_right_dx, dgamma_of=lambda d, c: (d * c[2]).sum(0)),
     ("sum(dout * x_centered)", "x_hat")),
    ("dgamma_with_gamma_in_it",
     bn_backward(_right_dx, dgamma_of=lambda d, c: (d * c[1] * c[0]).sum(0)),
     ("gamma itself does not appear",)),
    ("dgamma_averaged", bn_backward(_right_dx, dgamma_of=lambda d, c: (d * c[0]).mean(0)),
     ("dgamma is a sum over the batch, not a mean",)),
    ("dgamma_not_summed", bn_backward(_right_dx, dgamma_of=lambda d, c: d * c[0]),
     ("not summed", "axis 0")),
    ("dbeta_summed_over_the_wrong_axis", bn_backward(_right_dx, dbeta_of=lambda d, c: d.sum(1)),
     ("dbeta has shape (5,), expected (3,)", "axis 0")),
    ("dbeta_averaged", bn_backward(_right_dx, dbeta_of=lambda d, c: d.mean(0)),
     ("dbeta is a sum over the batch, not a mean",)),
]


def _gradients_reordered(order):
    def backward(dout, cache):
        grads = nz.batchnorm_backward_alt(dout, cache)
        return tuple(grads[i] for i in order)
    return backward


for _name in ("batchnorm_backward", "batchnorm_backward_alt"):
    for _slip, _wrong, _words in BACKWARD_SLIPS:
        add("normalization", _name, _slip, _wrong, *_words)
    add("normalization", _name, "dgamma_and_dbeta_swapped", _gradients_reordered((0, 2, 1)),
        "wrong order", "(dx, dbeta, dgamma)")
    add("normalization", _name, "only_dx_returned",
        lambda dout, cache: nz.batchnorm_backward_alt(dout, cache)[0], "3 results",
        "(dx, dgamma, dbeta)")

add("normalization", "batchnorm_backward", "float64_for_float32",
    lambda dout, cache: nz.batchnorm_backward(dout.astype(np.float64),
                                              tuple(np.asarray(c, np.float64) for c in cache)),
    "float32", "dtype")


@mistake("normalization", "batchnorm_backward", "dgamma", "sum(dout * x)", "x_hat")
def dgamma_of_x(dout, cache):
    from course_lib.checks.normalization import _bn_example
    dx, _, dbeta = nz.batchnorm_backward_alt(dout, cache)
    return dx, (dout * _bn_example()[0]).sum(0), dbeta


def ln_forward(body):
    def forward(x, gamma, beta, ln_param=None):
        return body(x, gamma, beta, (ln_param or {}).get("eps", 1e-5))
    return forward


@mistake("normalization", "layernorm_forward", "axis=0", "own features (axis=1)")
def layer_norm_over_the_batch(x, gamma, beta, ln_param=None):
    return nz.batchnorm_forward(x, gamma, beta, {"mode": "train",
                                                "eps": (ln_param or {}).get("eps", 1e-5)})


def _flat_stats(x, gamma, beta, eps):
    mu = x.mean(axis=1)
    xc = x - mu
    inv_std = 1 / np.sqrt((xc ** 2).mean(axis=1) + eps)
    return gamma * xc * inv_std + beta, (xc * inv_std, gamma, xc, inv_std)


def _unbiased_ln(x, gamma, beta, eps):
    x_hat = (x - x.mean(1, keepdims=True)) / np.sqrt(x.var(1, ddof=1, keepdims=True) + eps)
    return gamma * x_hat + beta, None


def _eps_outside_ln(x, gamma, beta, eps):
    mu, sd = x.mean(1, keepdims=True), x.std(1, keepdims=True)
    x_hat = (x - mu) / (sd + eps)
    return gamma * x_hat + beta, (x_hat, gamma, x - mu, 1 / (sd + eps))


def _ln_cache(last):
    def body(x, gamma, beta, eps):
        out, cache = nz.layernorm_forward(x, gamma, beta, {"eps": eps})
        return out, cache[:3] + (last(cache[3]),)
    return body


add("normalization", "layernorm_forward", "statistics_without_keepdims",
    ln_forward(_flat_stats), "keepdims=True")
add("normalization", "layernorm_forward", "unbiased_variance", ln_forward(_unbiased_ln), "D - 1")
add("normalization", "layernorm_forward", "eps_outside_the_root", ln_forward(_eps_outside_ln),
    "outside the square root")
add("normalization", "layernorm_forward", "standard_deviation_cached",
    ln_forward(_ln_cache(lambda s: 1 / s)), "standard deviation", "inv_std")
add("normalization", "layernorm_forward", "inv_std_cached_without_keepdims",
    ln_forward(_ln_cache(lambda s: s[:, 0])), "shape (N, 1)", "keepdims")
add("normalization", "layernorm_forward", "eps_ignored",
    lambda x, gamma, beta, ln_param=None: nz.layernorm_forward(x, gamma, beta, {"eps": 0.0}),
    "eps is ignored")
add("normalization", "layernorm_forward", "gamma_and_beta_missing",
    ln_forward(lambda x, g, b, eps: nz.layernorm_forward(x, np.ones_like(g),
                                                         np.zeros_like(b), {"eps": eps})),
    "without gamma and beta")


@mistake("normalization", "layernorm_forward", "same in training and at test time")
def layer_norm_that_depends_on_the_mode(x, gamma, beta, ln_param=None):
    if (ln_param or {}).get("mode") == "test":
        return x, None
    return nz.layernorm_forward(x, gamma, beta, ln_param)


@mistake("normalization", "layernorm_forward", "float32", "dtype")
def ln_forward_float64_for_float32(x, gamma, beta, ln_param=None):
    return nz.layernorm_forward(x.astype(np.float64), gamma, beta, ln_param)


def ln_backward(dx_of, dgamma_of=None):
    def backward(dout, cache):
        x_hat, gamma, x_centered, inv_std = cache
        dgamma = (dout * x_hat).sum(0) if dgamma_of is None else dgamma_of(dout, x_hat)
        return dx_of(dout * gamma, x_hat, inv_std), dgamma, dout.sum(0)
    return backward


add("normalization", "layernorm_backward", "batch_norm_sums",
    ln_backward(lambda g, xh, s: s * (g - g.mean(axis=0) - xh * (g * xh).mean(axis=0))),
    "axis 0", "axis=1, keepdims=True")
add("normalization", "layernorm_backward", "mu_and_var_constant",
    ln_backward(lambda g, xh, s: g * s), "constants")
add("normalization", "layernorm_backward", "one_over_d_missing",
    ln_backward(lambda g, xh, s: s * (g.shape[1] * g - g.sum(1, keepdims=True)
                                      - xh * (g * xh).sum(1, keepdims=True))),
    "3× too large", "1/D")
add("normalization", "layernorm_backward", "dgamma_summed_over_features",
    ln_backward(lambda g, xh, s: s * (g - g.mean(1, keepdims=True)
                                      - xh * (g * xh).mean(1, keepdims=True)),
                dgamma_of=lambda d, xh: (d * xh).sum(axis=1)),
    "dgamma has shape (5,)", "axis 0")
add("normalization", "layernorm_backward", "var_path_with_the_wrong_sign",
    ln_backward(lambda g, xh, s: s * (g - g.mean(1, keepdims=True)
                                      + xh * (g * xh).mean(1, keepdims=True))),
    "path through var", "wrong sign")


# ======================================================================== holdout
# Written after the checks had been tuned on every entry above, to see how the
# diagnoses carry over to mistakes they were not made for (see the docstring).

@mistake("gradcheck", "numeric_gradient", "shape (4,), expected (2, 2)", "every index")
def gradient_of_the_flattened_x(f, x, h=1e-5):
    grad = np.zeros(x.size, dtype=x.dtype)
    flat = x.reshape(-1)
    for i in range(x.size):
        old = flat[i]
        flat[i] = old + h
        plus = f(x)
        flat[i] = old - h
        minus = f(x)
        flat[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad


@mistake("layers", "affine_backward", "db has shape (), expected (3,)")
def db_summed_over_everything(dout, cache):
    dx, dw, _ = layers.affine_backward(dout, cache)
    return dx, dw, dout.sum()


@mistake("losses", "softmax_loss", "subtracted from every class")
def one_subtracted_from_every_class(scores, y):
    n, rows, log_p = _softmax_pieces(scores, y)
    return float(-log_p[rows, y].mean()), (np.exp(log_p) - 1) / n


@mistake("losses", "svm_loss", "scores[:, y]", "np.arange(N), y")
def correct_scores_as_columns(scores, y, margin=1.0):
    n = len(y)
    terms = scores - scores[:, y] + margin
    terms[np.arange(n), y] = 0
    mask = (terms > 0).astype(scores.dtype)
    dscores = mask.copy()
    dscores[np.arange(n), y] -= mask.sum(1)
    return float(np.maximum(0, terms).sum() / n), dscores / n


@mistake("activations", "sigmoid_backward", "wrong sign everywhere")
def sigmoid_slope_with_the_wrong_sign(dout, cache):
    return -dout * cache * (1 - cache)


@mistake("activations", "relu_backward", "x = 0 exactly", "x > 0")
def relu_gradient_at_zero(dout, cache):
    return np.where(cache >= 0, dout, 0)


@mistake("activations", "gelu_backward", "density is not normalised")
def gelu_slope_with_an_unnormalised_density(dout, cache):
    from scipy.special import erf
    x = cache
    return dout * (0.5 * (1 + erf(x / math.sqrt(2))) + x * np.exp(-x ** 2 / 2))


@mistake("normalization", "batchnorm_backward", "wrong power of inv_std", "inv_std**3")
def var_path_with_inv_std_squared(dout, cache):
    x_hat, gamma, x_centered, inv_std = cache
    n = len(dout)
    dx_hat = dout * gamma
    dvar = -0.5 * (dx_hat * x_centered).sum(0) * inv_std ** 2
    dx_centered = dx_hat * inv_std + 2 * x_centered * dvar / n
    return dx_centered - dx_centered.mean(0), (dout * x_hat).sum(0), dout.sum(0)


add("normalization", "batchnorm_forward", "test_mode_without_gamma_and_beta",
    bn_forward(test=lambda x, g, b, p, eps: (x - p["running_mean"])
               / np.sqrt(p["running_var"] + eps)), "gamma and beta are missing")
add("init", "xavier_normal", "product_of_the_fans",
    normal_with(lambda i, o: 2.0 / (i * o)), "fan_in * fan_out", "ADDS")


@mistake("regularization", "dropout_forward", "one uniform number per entry")
def one_mask_entry_per_column(x, dropout_param):
    rate = dropout_param.get("rate", 0.5)
    if dropout_param.get("mode", "train") == "train":
        rng = reg._dropout_rng(dropout_param)
        keep = rng.random(x.shape[-1:]) >= rate
        mask = np.broadcast_to(keep.astype(x.dtype) / x.dtype.type(1 - rate), x.shape).copy()
        return x * mask, (dropout_param, mask)
    return x, (dropout_param, None)


add("regularization", "l1_penalty", "gradient_of_abs_w",
    _penalty_with(lambda w, r: r * np.abs(w).sum(), lambda w, r: r * np.abs(w)),
    "penalty itself", "sign(w)")


def _old_velocity_first(w, dw, v, lr, mu):
    next_w = w + v
    return next_w, mu * v - lr * dw


add("optim", "sgd_momentum", "old_velocity_used", _momentum("sgd_momentum", _old_velocity_first),
    "did not move", "new velocity first")
add("schedules", "exponential", "floor_division",
    _with_lr_at("exponential", lambda self, t: self.lr0 * 10.0 ** (-(t // self.r))),
    "floor division")
add("babysit", "update_to_weight_ratio", "spectral_norm",
    _ratio(lambda d, b, a: np.linalg.norm(d, 2) / np.linalg.norm(b, 2)), "singular value",
    "Frobenius")

# ======================================================================== the tests

@pytest.mark.parametrize("case", MISTAKES, ids=[m.id for m in MISTAKES])
def test_the_visible_check_rejects_the_mistake_with_the_words_that_name_it(case):
    fails_with(case.check, case.wrong, *case.words, **case.kwargs)


def test_every_entry_is_a_distinct_mistake_of_a_student_module():
    assert {m.module for m in MISTAKES} == set(MODULES)
    assert len({m.id for m in MISTAKES}) == len(MISTAKES)


def named_share() -> dict[str, tuple[int, int]]:
    """module -> (mistakes named, mistakes listed)."""
    listed = Counter(m.module for m in MISTAKES)
    named = Counter(m.module for m in MISTAKES if m.named)
    return {module: (named[module], listed[module]) for module in MODULES}


def test_every_module_names_nine_in_ten_mistakes():
    short = {module: f"{n}/{total}" for module, (n, total) in named_share().items()
             if n < 0.9 * total}
    assert not short, short


if __name__ == "__main__":
    print(f"{'module':<15} named / listed")
    for module, (n, total) in named_share().items():
        print(f"{module:<15} {n:>5} / {total}")
