"""Visible checks of assignment 07: babysitting the learning process, hyperparameter search.

The expected values were worked out by hand (``ln 10``, a 3-4-5 triangle for
the norms). :func:`check_log_uniform` is statistical: it draws many samples and
compares the share that lands in each decade with binomial bounds at a tiny
false-alarm rate, so it does not depend on how the generator is called.
"""
from __future__ import annotations

import math

import numpy as np

from .core import *  # noqa: F401,F403
from .core import _call, _call_strict, _as_pair  # noqa: F401

__all__ = ["check_expected_initial_loss", "check_update_to_weight_ratio", "check_log_uniform",
           "check_at_border"]

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
