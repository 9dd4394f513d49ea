"""Visible checks of assignment 07: babysitting the learning process, hyperparameter search.

The expected values were worked out by hand (``ln 10``, a 3-4-5 triangle for
the norms, the refined ranges of :func:`check_refine_space`) or computed inline
from the definitions. The checks that train bring their own model
(:class:`SoftmaxModel`, softmax regression written here) and their own update
rule (:func:`sgd_rule`), so they never run a network, loss or optimizer of an
earlier assignment. :func:`check_log_uniform` is statistical: it draws many samples and
compares the share that lands in each decade with binomial bounds at a tiny
false-alarm rate, so it does not depend on how the generator is called.
"""
from __future__ import annotations

import contextlib
import copy
import json
import math

import numpy as np

from . import _network
from .core import *  # noqa: F401,F403
from .core import _call, _call_strict, _as_pair  # noqa: F401

__all__ = ["check_expected_initial_loss", "check_update_to_weight_ratio", "check_log_uniform",
           "check_at_border", "check_initial_loss_check", "check_overfit_tiny_subset",
           "check_random_search", "check_refine_space", "check_capstone_model",
           "SoftmaxModel", "sgd_rule"]

_MODULE = "babysit"


def _number(value, what: str) -> float:
    if np.ndim(value) != 0:
        fail(f"{what} should be a single number, got shape {np.shape(value)}.")
    try:
        return float(value)
    except (TypeError, ValueError):
        fail(f"{what} should be a number, got {type(value).__name__}.")


# ---------------------------------------------------------------- initial loss


@visible_check("expected_initial_loss")
def check_expected_initial_loss(fn):
    """Check ``expected_initial_loss``: ``ln C`` (2.302585... for ten classes)."""
    for num_classes, expected in ((10, 2.302585092994046), (2, 0.6931471805599453),
                                  (1000, 6.907755278982137)):
        what = f"expected_initial_loss({num_classes})"
        got = _number(_call("expected_initial_loss", _MODULE, fn, num_classes), what)
        if math.isclose(got, expected, rel_tol=1e-9):
            continue
        if math.isclose(got, math.log10(num_classes), rel_tol=1e-9):
            fail(f"{what} is {got:.6g} = log10({num_classes}); the softmax loss uses the "
                 "NATURAL logarithm: math.log or np.log.")
        if math.isclose(got, math.log2(num_classes), rel_tol=1e-9):
            fail(f"{what} is {got:.6g} = log2({num_classes}); the softmax loss uses the "
                 "NATURAL logarithm: math.log or np.log.")
        if math.isclose(got, -expected, rel_tol=1e-9):
            fail(f"{what} is {got:.6g}: wrong sign. The loss is the NEGATIVE log of the "
                 f"probability 1/C: -ln(1/C) = ln C > 0.")
        if math.isclose(got, 1.0 / num_classes, rel_tol=1e-9):
            fail(f"{what} is {got:.6g} = 1/C, the probability of each class; the loss is its "
                 "negative logarithm, -ln(1/C).")
        fail(f"{what} is {got:.6g}, expected ln({num_classes}) = {expected:.6f}.")


# ---------------------------------------------------------------- update-to-weight ratio


def _ratio_case():
    before = {
        "W1": np.array([[3.0, 0.0], [0.0, 4.0]]),    # ||W1|| = 5
        "b1": np.zeros(2),
        "gamma1": np.ones(2),
        "W2": np.array([[1.0], [2.0], [2.0]]),       # ||W2|| = 3
        "b2": np.zeros(1),
    }
    after = {
        "W1": np.array([[3.0, 0.0], [0.0, 4.005]]),  # ||dW1|| = 0.005
        "b1": np.ones(2),
        "gamma1": np.full(2, 1.5),
        "W2": np.array([[1.03], [2.0], [1.96]]),     # ||dW2|| = 0.05
        "b2": np.ones(1),
    }
    return before, after


@visible_check("update_to_weight_ratio")
def check_update_to_weight_ratio(fn):
    """Check ``update_to_weight_ratio``: Frobenius norms, one ratio per weight matrix."""
    before, after = _ratio_case()
    copies = ({k: v.copy() for k, v in before.items()}, {k: v.copy() for k, v in after.items()})
    with np.errstate(divide="ignore", invalid="ignore"):
        got = _call("update_to_weight_ratio", _MODULE, fn, *copies)
    what = "update_to_weight_ratio(before, after) with W1 (norm 5, update 0.005) and W2 " \
           "(norm 3, update 0.05)"
    if not isinstance(got, dict):
        fail(f"{what} should return a dict name -> ratio, got {type(got).__name__}.")
    for params, original in zip(copies, (before, after)):
        if any(not np.array_equal(params[k], original[k]) for k in original):
            fail(f"{what} changed the arrays it was given; only read them.")
    extra = sorted(set(got) - {"W1", "W2"})
    if extra:
        fail(f"{what} returned ratios for {extra}: only the weight matrices count (the keys "
             "that start with 'W', listed in `names`); biases often start at 0.")
    missing = sorted({"W1", "W2"} - set(got))
    if missing:
        fail(f"{what} has no ratio for {missing}: return one for every weight matrix.")
    expected = {"W1": 0.001, "W2": 0.05 / 3}
    values = {name: _number(got[name], f"{what}: the ratio of {name}") for name in expected}
    slips = [
        ({"W1": 1000.0, "W2": 60.0}, "the ratio is upside down: ||W_after - W_before|| divided "
                                     "by ||W_before||, not the other way round."),
        ({"W1": 0.005 / np.linalg.norm(after["W1"]), "W2": 0.05 / np.linalg.norm(after["W2"])},
         "divide by the norm of the weights BEFORE the update."),
        ({"W1": 1e-6, "W2": (0.05 / 3) ** 2}, "these are squared norms: take the square root "
                                              "(np.linalg.norm does)."),
        ({"W1": 0.005 / 7, "W2": 0.07 / 5}, "these are sums (or means) of absolute values; "
                                             "use the Frobenius norm, sqrt(sum of squares) "
                                             "(np.linalg.norm)."),
        ({"W1": 0.005 / 4.0, "W2": 0.05 / 3},
         "W1's ratio uses the largest singular value (np.linalg.norm(a, 2) of a matrix); use "
         "the Frobenius norm, np.linalg.norm(a) without ord."),
        ({"W1": 0.00125 / 1.75, "W2": -0.002},
         "this is the mean change over the mean weight; use the Frobenius norm of the update "
         "over the Frobenius norm of the weights (np.linalg.norm)."),
    ]
    if all(math.isclose(values[n], expected[n], rel_tol=1e-9) for n in expected):
        return
    for slip, message in slips:
        if all(math.isclose(values[n], slip[n], rel_tol=1e-6) for n in expected):
            fail(f"{what}: got W1 -> {values['W1']:.6g}, W2 -> {values['W2']:.6g}; {message}")
    fail(f"{what}: got W1 -> {values['W1']:.6g}, W2 -> {values['W2']:.6g}, expected "
         f"W1 -> 0.001, W2 -> {expected['W2']:.6g} (Frobenius norm of the change over the "
         "Frobenius norm of the weights before).")


# ---------------------------------------------------------------- log-uniform sampling

_N = 20000
# Hoeffding: a share of n = 20000 independent samples strays more than 0.025 from its
# probability with chance at most 2 exp(-2 n 0.025^2) = 2 exp(-25) < 1e-10.
_TOL = 0.025


def _samples(fn, rng, low, high, size):
    return _call("log_uniform", _MODULE, fn, rng, low, high, size=size)


@visible_check("log_uniform")
def check_log_uniform(fn):
    """Check ``log_uniform``: shapes, range, the same share of samples in every decade, the rng used."""
    one = _call("log_uniform", _MODULE, fn, np.random.default_rng(0), 1e-3, 1e-1)
    if not isinstance(one, float):
        fail(f"log_uniform(rng, 1e-3, 1e-1) without size should give one float, got "
             f"{type(one).__name__}.")
    for size, shape in ((5, (5,)), ((3, 4), (3, 4))):
        got = np.asarray(_samples(fn, np.random.default_rng(0), 1e-3, 1e-1, size))
        if got.shape != shape:
            fail(f"log_uniform(rng, 1e-3, 1e-1, size={size!r}) has shape {got.shape}, expected "
                 f"{shape}: pass size on to the generator.")

    low, high = 1e-6, 1e-2
    x = np.asarray(_samples(fn, np.random.default_rng(2024), low, high, _N), dtype=np.float64)
    call = f"log_uniform(rng, {low:g}, {high:g}, size={_N})"
    if x.shape != (_N,):
        fail(f"{call} has shape {x.shape}, expected ({_N},).")
    if not np.all(np.isfinite(x)):
        fail(f"{call} contains NaN or inf.")
    if x.min() < low * (1 - 1e-9) or x.max() > high * (1 + 1e-9):
        if np.all(x > 0.05):
            fail(f"{call} gives values between {x.min():.3g} and {x.max():.3g}: the exponent "
                 "should run from log10(low) to log10(high), not from low to high.")
        fail(f"{call} gives values between {x.min():.3g} and {x.max():.3g}, outside [low, high]. "
             "Raise 10 to exponents drawn between log10(low) and log10(high) (or e to natural "
             "logs): do not mix the two bases.")
    shares = [float(np.mean((x >= low * 10.0 ** k) & (x < low * 10.0 ** (k + 1))))
              for k in range(4)]
    if any(abs(s - 0.25) > _TOL for s in shares):
        share_text = ", ".join(f"{100 * s:.1f}%" for s in shares)
        if shares[-1] > 0.8:
            fail(f"{call}: the decades 1e-6..1e-5, ..., 1e-3..1e-2 get {share_text} of the "
                 "samples; almost all land in the top decade, as with rng.uniform(low, high). "
                 "Draw the EXPONENT uniformly: 10 ** rng.uniform(log10(low), log10(high)).")
        fail(f"{call}: the decades 1e-6..1e-5, ..., 1e-3..1e-2 get {share_text} of the samples; "
             "each should get about 25%: the logarithm of the samples must be uniform.")
    # a range that is not a whole number of decades: the geometric mean splits it in half
    y = np.asarray(_samples(fn, np.random.default_rng(7), 0.5, 8.0, _N), dtype=np.float64)
    below = float(np.mean(y < 2.0))
    if abs(below - 0.5) > _TOL:
        fail(f"log_uniform(rng, 0.5, 8.0, size={_N}): {100 * below:.1f}% of the samples are "
             "below 2 (the geometric mean of 0.5 and 8), expected about 50%.")
    # the generator passed in is the only source of randomness
    a = np.asarray(_samples(fn, np.random.default_rng(11), 1e-4, 1e-1, 50))
    b = np.asarray(_samples(fn, np.random.default_rng(11), 1e-4, 1e-1, 50))
    if not np.array_equal(a, b):
        fail("log_uniform called twice with generators of the same seed gave different samples: "
             "draw from the `rng` argument (rng.uniform), not from np.random.")


# ---------------------------------------------------------------- border of a search range

# (value, low, high, scale, fraction or None, expected, tag)
_BORDER_CASES = [
    # linear scale: position (value - low) / (high - low)
    (0.5, 0.0, 10.0, "linear", None, True, "lower"),
    (5.0, 0.0, 10.0, "linear", None, False, "middle"),
    (9.5, 0.0, 10.0, "linear", None, True, "upper"),
    (95.0, 0.0, 100.0, "linear", None, True, "upper"),
    (1.0, 0.0, 10.0, "linear", None, False, "strict"),    # position exactly 0.1
    (9.0, 0.0, 10.0, "linear", None, False, "strict"),    # position exactly 0.9
    (2.0, 0.0, 10.0, "linear", 0.25, True, "fraction"),
    (7.0, 0.0, 10.0, "linear", 0.25, False, "fraction"),
    (8.0, 0.0, 10.0, "linear", 0.25, True, "fraction"),
    # log scale: the same, in log space
    (2e-6, 1e-6, 1e-2, "log", None, True, "lower"),
    (1e-4, 1e-6, 1e-2, "log", None, False, "linear"),     # log position 0.5, linear 0.01
    (5e-4, 1e-6, 1e-2, "log", None, False, "linear"),     # log position 0.68, linear 0.05
    (9e-3, 1e-6, 1e-2, "log", None, True, "linear"),      # log position 0.99, linear 0.9
    (1.2, 1.0, 100.0, "log", None, True, "lower"),
    (1e-7, 1e-6, 1e-2, "log", None, True, "lower"),       # below the range
]

_BORDER_HINTS = {
    "linear": "for scale='log' measure the position in log space: "
              "(log(value) - log(low)) / (log(high) - log(low)).",
    "lower": "a value close to low (or below it) is at the border: position < fraction, with "
             "position = (value - low) / (high - low) ('linear') or the same with logs ('log').",
    "upper": "a value close to high is at the border too: position > 1 - fraction, with "
             "position = (value - low) / (high - low) for 'linear'.",
    "middle": "a value in the middle of the range is not at the border; for 'linear' the "
              "position is (value - low) / (high - low).",
    "strict": "the border is position < fraction or position > 1 - fraction (strict): a "
              "position of exactly 0.1 or 0.9 is not at the border.",
    "fraction": "use the `fraction` argument instead of a fixed 0.1.",
}


@visible_check("at_border")
def check_at_border(fn):
    """Check ``at_border`` on both scales, both ends, the strict bounds and a custom fraction."""
    for value, low, high, scale, fraction, expected, tag in _BORDER_CASES:
        kwargs = {} if fraction is None else {"fraction": fraction}
        with np.errstate(divide="ignore", invalid="ignore"):
            got = _call("at_border", _MODULE, fn, value, low, high, scale, **kwargs)
        call = (f"at_border({value!r}, {low!r}, {high!r}, {scale!r}"
                + ("" if fraction is None else f", fraction={fraction!r}") + ")")
        if not isinstance(got, (bool, np.bool_)):
            fail(f"{call} returned {got!r}; it should return True or False.")
        if bool(got) != expected:
            fail(f"{call} is {bool(got)}, expected {expected}: {_BORDER_HINTS[tag]}")


# ---------------------------------------------------------------- a model of the checks' own


class SoftmaxModel:
    """Softmax regression that follows the course's model contract (the checks' own model).

    ``params`` holds ``W1`` (D, C) and ``b1`` (C,); ``loss(X, y)`` returns the
    mean softmax loss plus ``0.5 * reg * sum(W1**2)`` and the gradients,
    ``loss(X)`` the scores. With ``track_state=True`` it also has
    ``bn_params``, whose ``running_mean`` every train-mode pass moves (as batch
    norm's does), so a check can see whether a function restores it.
    """

    def __init__(self, W, reg=0.0, track_state=False, fail_with=None):
        W = np.asarray(W, dtype=np.float64)
        self.params = {"W1": W.copy(), "b1": np.zeros(W.shape[1])}
        self.reg = float(reg)
        self.num_classes = W.shape[1]
        self.bn_params = ([{"mode": "train", "running_mean": np.zeros(W.shape[1])}]
                          if track_state else [])
        self.fail_with = fail_with
        self.loss_calls = 0

    def loss(self, X, y=None):
        X = np.asarray(X, dtype=np.float64)
        scores = X @ self.params["W1"] + self.params["b1"]
        if y is None:
            return scores
        self.loss_calls += 1
        if self.fail_with is not None:
            raise self.fail_with
        for state in self.bn_params:
            state["running_mean"] = 0.9 * state["running_mean"] + 0.1 * scores.mean(axis=0)
        # The checks' own layers (forward formulas, numeric backward passes): no answer
        # of another assignment hides in a check.
        W = self.params["W1"]
        scores, cache = _network.affine_forward(X, W, self.params["b1"])
        data_loss, dscores = _network.softmax_loss(scores, np.asarray(y))
        _, dW, db = _network.affine_backward(dscores, cache)
        loss = data_loss + 0.5 * self.reg * float(np.sum(W * W))
        return float(loss), {"W1": dW + self.reg * W, "b1": db}

    def accuracy(self, X, y):
        return float(np.mean(np.argmax(self.loss(X), axis=1) == np.asarray(y)))

    def evaluate(self, X, y):
        saved, self.fail_with = self.fail_with, None
        try:
            scores = self.loss(X)
        finally:
            self.fail_with = saved
        return (float(_network._per_sample_softmax(scores, np.asarray(y)).mean()),
                self.accuracy(X, y))


def sgd_rule(w, dw, config=None):
    """Plain gradient descent, ``w - learning_rate * dw`` (the checks' own update rule)."""
    config = {} if config is None else config
    return w - config.get("learning_rate", 1e-2) * dw, config


def _softmax_loss(W, b, X, y):
    return float(_network._per_sample_softmax(X @ W + b, np.asarray(y)).mean())


# ---------------------------------------------------------------- the initial-loss check


def _fields(result, what):
    for field in ("expected", "measured", "ok", "message"):
        if not hasattr(result, field):
            fail(f"{what} should return an InitialLossCheck (expected, measured, ok, "
                 f"message); got {type(result).__name__} without `{field}`.")
    return result


@visible_check("initial_loss_check")
def check_initial_loss_check(fn):
    """Check ``initial_loss_check``: data loss without the penalty, state restored, the verdict."""
    rng = np.random.default_rng(70)
    X = rng.standard_normal((50, 8))
    y = rng.integers(0, 5, size=50)
    ln5 = math.log(5)

    W = 1e-3 * rng.standard_normal((8, 5))
    what = "initial_loss_check on a softmax model with weights of std 1e-3 (5 classes)"
    result = _fields(_call("initial_loss_check", _MODULE, fn, SoftmaxModel(W), X, y), what)
    if not math.isclose(float(result.expected), ln5, rel_tol=1e-12):
        fail(f"{what}: expected is {result.expected!r}, should be ln 5 = {ln5:.6f} "
             "(the model's num_classes is 5).")
    true_loss = _softmax_loss(W, np.zeros(5), X, y)
    if not math.isclose(float(result.measured), true_loss, rel_tol=1e-9):
        fail(f"{what}: measured is {result.measured!r}, but model.loss(X, y)[0] is "
             f"{true_loss:.6f}: measure the model's loss on the data you are given.")
    if result.ok is not True:
        fail(f"{what}: measured {true_loss:.4f} against ln 5 = {ln5:.4f} should give ok=True "
             "(a bool): |measured - expected| <= tol * expected.")

    W_big = 0.7 * rng.standard_normal((8, 5))
    model = SoftmaxModel(W_big, reg=3.0, track_state=True)
    what = "initial_loss_check on a model with reg = 3.0 and batch-norm-like state"
    result = _fields(_call("initial_loss_check", _MODULE, fn, model, X, y), what)
    data_loss = _softmax_loss(W_big, np.zeros(5), X, y)
    with_penalty = data_loss + 1.5 * float(np.sum(W_big ** 2))
    if math.isclose(float(result.measured), with_penalty, rel_tol=1e-9):
        fail(f"{what}: measured {result.measured:.4f} includes the L2 penalty; set "
             "model.reg = 0 for the measurement (the check is about the data loss).")
    if not math.isclose(float(result.measured), data_loss, rel_tol=1e-9):
        fail(f"{what}: measured is {result.measured!r}, expected the data loss "
             f"{data_loss:.6f} (model.loss with reg 0).")
    if model.reg != 3.0:
        fail(f"{what}: afterwards model.reg is {model.reg!r}; restore it to 3.0.")
    if not np.array_equal(model.bn_params[0]["running_mean"], np.zeros(5)):
        fail(f"{what}: the train-mode pass changed the running averages in model.bn_params "
             "and they were not restored; save a deep copy (copy.deepcopy) before the call "
             "and put it back afterwards.")
    expected_ok = abs(data_loss - ln5) <= 0.1 * ln5
    if bool(result.ok) != expected_ok:
        fail(f"{what}: measured {data_loss:.4f} against ln 5 = {ln5:.4f} should give "
             f"ok={expected_ok}.")
    loose = _call("initial_loss_check", _MODULE, fn, SoftmaxModel(W_big), X, y, tol=10.0)
    if _fields(loose, what).ok is not True:
        fail(f"initial_loss_check(..., tol=10.0) with measured {data_loss:.4f} should pass: "
             "use the tol argument.")

    model = SoftmaxModel(W, reg=0.25, fail_with=RuntimeError("the loss broke"))
    try:
        fn(model, X, y)
    except RuntimeError:
        pass
    except NotImplementedError:
        _call("initial_loss_check", _MODULE, fn, model, X, y)
    else:
        fail("initial_loss_check swallowed the error that model.loss raised; let it "
             "through (and restore model.reg on the way out: try/finally).")
    if model.reg != 0.25:
        fail(f"when model.loss raises, initial_loss_check leaves model.reg at {model.reg!r}; "
             "restore it in a `finally:` block.")

    nan_model = SoftmaxModel(np.full((8, 5), np.nan))
    with np.errstate(invalid="ignore"):
        result = _fields(_call("initial_loss_check", _MODULE, fn, nan_model, X, y),
                         "initial_loss_check on a model whose loss is NaN")
    if result.ok is not False:
        fail("initial_loss_check on a model whose loss is NaN should give ok=False: a NaN "
             "loss is never close to ln C (check math.isfinite).")


# ---------------------------------------------------------------- overfitting a tiny subset


def _overfit_data(seed=71):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((60, 12))
    y = rng.integers(0, 3, size=60)
    return {"X_train": X, "y_train": y, "X_val": X[:5], "y_val": y[:5]}


@visible_check("overfit_tiny_subset")
def check_overfit_tiny_subset(fn):
    """Check ``overfit_tiny_subset``: the documented subset, the arguments passed on, the verdict."""
    data = _overfit_data()
    W0 = 0.01 * np.random.default_rng(72).standard_normal((12, 3))
    made = []

    def factory(reg=2.0):
        def make():
            model = SoftmaxModel(W0, reg=reg)
            made.append(model)
            return model
        return make

    what = "overfit_tiny_subset(factory, data, n=10, epochs=150, update_rule=sgd, lr 0.5)"
    result = _call("overfit_tiny_subset", _MODULE, fn, factory(), data, n=10, epochs=150,
                   update_rule=sgd_rule, optim_config={"learning_rate": 0.5}, seed=3)
    for field in ("train_acc", "loss_history", "ok", "model"):
        if not hasattr(result, field):
            fail(f"{what} should return an OverfitResult; `{field}` is missing.")
    if len(made) != 1:
        fail(f"{what} called model_factory {len(made)} times; build ONE fresh model.")
    if result.model is not made[0]:
        fail(f"{what}: the result's model is not the one model_factory built and trained.")
    if made[0].reg != 0.0:
        fail(f"{what}: the model still has reg = {made[0].reg}; with no_reg=True set "
             "model.reg = 0 before training.")
    history = list(result.loss_history)
    if len(history) != 150:
        fail(f"{what}: loss_history has {len(history)} entries, expected one per step, 150 "
             "(one batch of the whole subset per epoch, num_epochs=epochs).")
    idx = np.random.default_rng(3).choice(60, size=10, replace=False)
    first = _softmax_loss(W0, np.zeros(3), data["X_train"][idx], data["y_train"][idx])
    if not math.isclose(float(history[0]), first, rel_tol=1e-9):
        fail(f"{what}: the first loss is {history[0]:.6f}, but a fresh model's loss on the "
             f"subset the docstring names is {first:.6f}: draw it with "
             "np.random.default_rng(seed).choice(N, size=min(n, N), replace=False) and train "
             "on all of it in every step (batch_size = the subset's size), without reg.")
    if not history[-1] < 0.5 * history[0]:
        fail(f"{what}: the loss went from {history[0]:.4f} to {history[-1]:.4f}; pass "
             "update_rule and optim_config on to the Trainer.")
    acc = SoftmaxModel(W0)
    acc.params = made[0].params
    expected_acc = acc.accuracy(data["X_train"][idx], data["y_train"][idx])
    if not math.isclose(float(result.train_acc), expected_acc):
        fail(f"{what}: train_acc is {result.train_acc!r}, but the trained model classifies "
             f"{expected_acc:.0%} of the subset correctly.")
    if expected_acc != 1.0 or result.ok is not True:
        fail(f"{what}: 10 examples in 12 dimensions can be fitted exactly; got train_acc "
             f"{result.train_acc!r}, ok {result.ok!r} (ok is train_acc == 1.0, a bool).")

    made.clear()
    frozen = _call("overfit_tiny_subset", _MODULE, fn, factory(reg=0.0), data, n=10, epochs=5,
                   update_rule=sgd_rule, optim_config={"learning_rate": 0.0}, seed=3)
    if frozen.ok is not False or len(frozen.loss_history) != 5:
        fail("overfit_tiny_subset with learning rate 0 for 5 epochs should report ok=False "
             f"and 5 losses; got ok={frozen.ok!r} with {len(frozen.loss_history)} losses.")
    kept = _call("overfit_tiny_subset", _MODULE, fn, factory(reg=0.5), data, n=10, epochs=2,
                 update_rule=sgd_rule, optim_config={"learning_rate": 0.1}, seed=3,
                 no_reg=False)
    if kept.model.reg != 0.5:
        fail("overfit_tiny_subset(..., no_reg=False) must leave the model's reg as it is.")


# ---------------------------------------------------------------- random search


@contextlib.contextmanager
def _without_border_warnings(fn):
    """Run ``fn`` with ``border_warnings`` replaced: this check is about the search alone."""
    namespace = getattr(fn, "__globals__", {})
    if "border_warnings" not in namespace:
        yield
        return
    saved = namespace["border_warnings"]
    namespace["border_warnings"] = lambda *args, **kwargs: []
    try:
        yield
    finally:
        namespace["border_warnings"] = saved


_SEARCH_SPACE = {"a": (0.0, 1.0, "linear"), "b": (-2.0, 2.0, "linear")}


def _objective(params):
    return -((params["a"] - 0.3) ** 2) - 0.1 * params["b"] ** 2


def _expected_points(seed, budget):
    rng = np.random.default_rng(seed)
    return [{name: float(rng.uniform(low, high)) for name, (low, high, _) in
             _SEARCH_SPACE.items()} for _ in range(budget)]


@visible_check("random_search")
def check_random_search(fn):
    """Check ``random_search``: one point per trial in order, every trial scored, best first."""
    points = _expected_points(5, 12)
    calls = []

    def objective(params):
        calls.append(dict(params))
        return _objective(params)

    what = "random_search(objective, space, budget=12, rng=default_rng(5))"
    with _without_border_warnings(fn):
        result = _call("random_search", _MODULE, fn, objective, dict(_SEARCH_SPACE), 12,
                       np.random.default_rng(5), warn=False)
    if len(calls) != 12:
        fail(f"{what} called the objective {len(calls)} times, expected once per trial (12).")
    for i, (got, want) in enumerate(zip(calls, points)):
        if set(got) != set(want) or any(not math.isclose(got[k], want[k]) for k in want):
            fail(f"{what}: trial {i} was {got}, expected {want}: draw each trial's point with "
                 "sample_space(space, rng), one call per trial, in order.")
    trials = getattr(result, "trials", None)
    if not isinstance(trials, list) or len(trials) != 12:
        fail(f"{what} should return a SearchResult whose trials is a list of the 12 trials.")
    for trial in trials:
        if not isinstance(trial, dict) or set(trial) != {"params", "score", "index"}:
            fail(f"{what}: every trial is a dict with keys 'params', 'score' and 'index'; got "
                 f"{trial!r}.")
    order = sorted(range(12), key=lambda i: -_objective(points[i]))
    if [t["index"] for t in trials] == list(range(12)):
        fail(f"{what}: the trials are in the order they ran; sort them best first.")
    if [t["index"] for t in trials] == order[::-1]:
        fail(f"{what}: the trials are sorted worst first; higher scores are better when "
             "maximize=True.")
    if [t["index"] for t in trials] != order:
        fail(f"{what}: the trials should be sorted best first, i.e. by index {order}, got "
             f"{[t['index'] for t in trials]}.")
    for trial in trials:
        if not math.isclose(trial["score"], _objective(points[trial["index"]])):
            fail(f"{what}: trial {trial['index']} has score {trial['score']!r}, but the "
                 "objective gave its point another score.")
    if result.best is not trials[0]:
        fail(f"{what}: best should be trials[0], the best trial.")

    with _without_border_warnings(fn):
        low = _call("random_search", _MODULE, fn, _objective, dict(_SEARCH_SPACE), 12,
                    np.random.default_rng(5), maximize=False, warn=False)
    if [t["index"] for t in low.trials] != order[::-1]:
        fail("random_search(..., maximize=False) should put the LOWEST score first (a loss).")

    def with_nan(params):
        return float("nan") if params["a"] > 0.5 else _objective(params)

    for maximize in (True, False):
        with _without_border_warnings(fn):
            got = _call("random_search", _MODULE, fn, with_nan, dict(_SEARCH_SPACE), 12,
                        np.random.default_rng(5), maximize=maximize, warn=False)
        scores = [t["score"] for t in got.trials]
        first_nan = next((i for i, s in enumerate(scores) if math.isnan(s)), len(scores))
        if any(not math.isnan(s) for s in scores[first_nan:]):
            fail(f"random_search(..., maximize={maximize}) with some NaN scores: every NaN "
                 "must come after every number (a diverged run is the worst trial).")

    with _without_border_warnings(fn):
        tied = _call("random_search", _MODULE, fn, lambda p: 1.0, dict(_SEARCH_SPACE), 6,
                     np.random.default_rng(5), warn=False)
    if [t["index"] for t in tied.trials] != list(range(6)):
        fail("random_search with equal scores must keep the trials in the order they ran "
             "(a stable sort, e.g. list.sort with a key).")


# ---------------------------------------------------------------- coarse to fine


def _trials(values):
    return [{"params": dict(v), "score": float(-i), "index": i} for i, v in enumerate(values)]


# (trials' params best first, top_k, space, expand, expected ranges, hint)
_REFINE_CASES = [
    ([{"lr": 1e-3}, {"lr": 1e-1}, {"lr": 1e-6}], 2, {"lr": (1e-6, 1.0, "log")}, 0.1,
     {"lr": (10 ** -3.2, 10 ** -0.8)}, "log"),
    ([{"x": 0.2}, {"x": 0.5}, {"x": 0.9}], 2, {"x": (0.0, 1.0, "linear")}, 0.1,
     {"x": (0.17, 0.53)}, "linear"),
    ([{"x": 0.4}, {"x": 0.4}, {"x": 0.9}], 2, {"x": (0.0, 1.0, "linear")}, 0.25,
     {"x": (0.15, 0.65)}, "coincide"),
    ([{"lr": 1e-4}, {"lr": 1e-4}], 2, {"lr": (1e-6, 1e-2, "log")}, 0.25,
     {"lr": (1e-5, 1e-3)}, "coincide"),
    ([{"lr": 1e-3, "reg": 0.5}, {"lr": 10 ** -3.5, "reg": 0.3}, {"lr": 1e-6, "reg": 0.0}], 2,
     {"lr": (1e-6, 1e-3, "log"), "reg": (0.0, 0.5, "linear")}, 0.5,
     {"lr": (10 ** -3.75, 10 ** -2.75), "reg": (0.2, 0.6)}, "border"),
    ([{"x": 0.2}, {"x": 0.5}, {"x": 0.9}], 3, {"x": (0.0, 1.0, "linear")}, 0.0,
     {"x": (0.2, 0.9)}, "top_k"),
]

_REFINE_HINTS = {
    "log": "for a 'log' parameter widen in log space: take log10 of the values, widen by "
           "expand * (hi - lo), and raise 10 to the result.",
    "linear": "the range spans the top_k best values, widened by expand * (hi - lo) on each "
              "side.",
    "coincide": "when the top values coincide, widen by expand times the OLD range's width "
                "(on the search scale) on each side.",
    "border": "do not clip the new range to the old one: when the best trials sit at a "
              "border, the range must move past it.",
    "top_k": "use exactly the top_k best trials (the first top_k of the list).",
}


@visible_check("refine_space")
def check_refine_space(fn):
    """Check ``refine_space`` on both scales, coinciding values, a border and ``top_k``."""
    for values, top_k, space, expand, expected, tag in _REFINE_CASES:
        trials = _trials(values)
        snapshot = copy.deepcopy(trials)
        got = _call("refine_space", _MODULE, fn, trials, top_k, dict(space), expand=expand)
        call = (f"refine_space(trials with {json.dumps(values)}, top_k={top_k}, space="
                f"{space}, expand={expand})")
        if trials != snapshot:
            fail(f"{call} changed the trials it was given; only read them.")
        if not isinstance(got, dict) or list(got) != list(space):
            fail(f"{call} should return a dict with the keys of space, in order; got "
                 f"{got!r}.")
        for name, (low, high) in expected.items():
            entry = got[name]
            if not (isinstance(entry, tuple) and len(entry) == 3):
                fail(f"{call}[{name!r}] should be a tuple (low, high, scale), got {entry!r}.")
            if entry[2] != space[name][2]:
                fail(f"{call}[{name!r}] has scale {entry[2]!r}; keep the old scale "
                     f"{space[name][2]!r}.")
            if not (math.isclose(entry[0], low, rel_tol=1e-9, abs_tol=1e-12)
                    and math.isclose(entry[1], high, rel_tol=1e-9, abs_tol=1e-12)):
                fail(f"{call}[{name!r}] is ({entry[0]:.6g}, {entry[1]:.6g}), expected "
                     f"({low:.6g}, {high:.6g}): {_REFINE_HINTS[tag]}")
    from types import SimpleNamespace

    wrapped = SimpleNamespace(trials=_trials(_REFINE_CASES[0][0]))
    namespace = getattr(fn, "__globals__", {})
    result_type = namespace.get("SearchResult")
    if result_type is not None:
        wrapped = result_type(wrapped.trials, wrapped.trials[0], [], dict(_REFINE_CASES[0][2]))
        got = _call("refine_space", _MODULE, fn, wrapped, 2, dict(_REFINE_CASES[0][2]))
        if not math.isclose(got["lr"][0], 10 ** -3.2, rel_tol=1e-9):
            fail("refine_space(search_result, ...) should work on a SearchResult as on its "
                 "list of trials.")


# ---------------------------------------------------------------- the capstone's saved model


@visible_check("capstone_model")
def check_capstone_model(path=None):
    """Check the saved capstone model: it loads, and its arrays fit its configuration.

    Reads the file the way the grader does (``capstone.read_model``: arrays
    only, no pickle, no network built), so it needs none of your code. The
    grader then measures the accuracy on its own MNIST-1D test set.
    """
    from .. import capstone

    path = capstone.MODEL_FILE if path is None else path
    try:
        loaded = capstone.read_model(path)
    except capstone.ModelFileError as exc:
        fail(f"{capstone.STATUSES[exc.status]} ({exc.status}): {exc}")
    config = loaded.config
    print(f"{path}: hidden_dims {config['hidden_dims']}, {config['activation']}, "
          f"normalization {config['normalization']}, {loaded.num_parameters:,} parameters.")
