"""Visible checks of assignment 02: the weight initialisers.

An initialiser is random, so its check is statistical: it draws a large matrix
from a seeded generator and compares the sample with the scheme's target
distribution through bounds at z = 5.3 (about 1e-7 two-sided for each of the
few comparisons). A correct initialiser passes whatever order it consumes the
generator in. Expected variances come from the formulas in the module
docstring of ``course_lib/init.py``, written inline here.

When the variance is off, the check compares it with the variances that
typical slips produce (``fan_out`` instead of ``fan_in``, a missing factor 2,
the standard deviation used as the uniform limit, a missing square root, ...)
and names the slip it matches.
"""
from __future__ import annotations

import math

import numpy as np

from .core import *  # noqa: F401,F403
from .core import _call, _call_strict, _as_pair  # noqa: F401

__all__ = ["check_zeros", "check_normal", "check_xavier_normal", "check_xavier_uniform",
           "check_he_normal", "check_he_uniform", "check_lecun_normal"]

# two layer shapes with fan_in != fan_out, so a swapped fan shows; 28 800 and
# 24 000 weights make the sample variance accurate to a few percent
_SHAPES = ((320, 90), (80, 300))
_Z = 5.3
# Var(w**2) / var**2 for mean-zero weights: 2 for a normal, 4/5 for a uniform
_KURTOSIS_EXCESS = {"normal": 2.0, "uniform": 0.8}
# P(|w| > 1.7 sigma): 0.089 for a normal, 0.018 for a uniform of the same variance
_TAIL = 1.7


def _draw(name, fn, fan_in, fan_out, seed, **kwargs):
    rng = np.random.default_rng(seed)
    W = _call(name, "init", fn, fan_in, fan_out, rng, **kwargs)
    if not isinstance(W, np.ndarray):
        fail(f"{name} must return a NumPy array, got {type(W).__name__}.")
    return W


def _expect_shape(name, W, fan_in, fan_out):
    if W.shape == (fan_out, fan_in) and fan_in != fan_out:
        fail(f"{name}({fan_in}, {fan_out}, rng) returned shape {W.shape}: the matrix is "
             f"transposed. W has shape (fan_in, fan_out) so that x @ W maps (N, fan_in) "
             "to (N, fan_out).")
    if W.shape != (fan_in, fan_out):
        fail(f"{name}({fan_in}, {fan_out}, rng) returned shape {W.shape}, expected "
             f"{(fan_in, fan_out)}.")


def _expect_uses_rng(name, fn, fan_in, fan_out, **kwargs):
    """Same seed, same weights; another seed, other weights."""
    first = _draw(name, fn, fan_in, fan_out, 7, **kwargs)
    again = _draw(name, fn, fan_in, fan_out, 7, **kwargs)
    other = _draw(name, fn, fan_in, fan_out, 8, **kwargs)
    if not np.array_equal(first, again):
        fail(f"{name} gave different weights for two generators with the same seed: draw "
             "every random number from the rng argument (rng.standard_normal, rng.uniform), "
             "never from np.random.*.")
    if np.array_equal(first, other):
        fail(f"{name} gave the same weights for two different seeds: the weights must "
             "come from the rng argument.")


def _expect_dtype_keyword(name, fn, **kwargs):
    W32 = _draw(name, fn, 4, 3, 0, dtype=np.float32, **kwargs)
    expect_dtype(W32, np.float32, f"{name}(4, 3, rng, dtype=np.float32)")
    W64 = _draw(name, fn, 4, 3, 0, **kwargs)
    expect_dtype(W64, np.float64, f"{name}(4, 3, rng) (default dtype)")


def _variance_bounds(target_var, n, distribution):
    half_width = _Z * math.sqrt(_KURTOSIS_EXCESS[distribution] / n)
    return target_var * (1 - half_width), target_var * (1 + half_width)


def _check_random_scheme(name, fn, distribution, variance, slips, limit=None, **kwargs):
    """Shape, generator use, dtype, mean 0, the distribution's shape, the variance.

    ``variance(fan_in, fan_out)`` is the target; ``slips`` is a list of
    ``(variance_of_the_slip(fan_in, fan_out), message)``; ``limit(fan_in,
    fan_out)`` is the bound r of a uniform scheme.
    """
    for fan_in, fan_out in ((3, 5), (1, 1)):
        _expect_shape(name, _draw(name, fn, fan_in, fan_out, 0, **kwargs), fan_in, fan_out)
    _expect_uses_rng(name, fn, 20, 10, **kwargs)
    _expect_dtype_keyword(name, fn, **kwargs)
    for fan_in, fan_out in _SHAPES:
        W = _draw(name, fn, fan_in, fan_out, 2024, **kwargs)
        _expect_shape(name, W, fan_in, fan_out)
        W = np.asarray(W, dtype=np.float64)
        call = f"{name}({fan_in}, {fan_out}, rng)"
        if not np.all(np.isfinite(W)):
            fail(f"{call} contains NaN or inf.")
        target = variance(fan_in, fan_out)
        n = W.size
        mean = float(W.mean())
        if abs(mean) > _Z * math.sqrt(float(np.mean(W ** 2)) / n):
            fail(f"{call}: the weights have mean {mean:.3g}, but they should be centred on 0. "
                 + ("Draw from U(-r, r) (rng.uniform(-r, r, size=...)), not from [0, r) or "
                    "rng.random()." if distribution == "uniform" else
                    "Draw from rng.standard_normal (mean 0) and only scale it."))
        spread = float(np.sqrt(np.mean(W ** 2)))
        tail = float(np.mean(np.abs(W) > _TAIL * spread)) if spread > 0 else 0.0
        if distribution == "normal" and tail < 0.05:
            fail(f"{call}: the weights look uniform (no tail beyond {_TAIL} standard "
                 "deviations), but this scheme is normal: use rng.standard_normal.")
        if distribution == "uniform" and tail > 0.05:
            fail(f"{call}: the weights have a normal-looking tail, but this scheme draws "
                 "from a uniform distribution U(-r, r): use rng.uniform(-r, r, size=...).")
        got = float(np.mean(W ** 2))
        lo, hi = _variance_bounds(target, n, distribution)
        if not lo <= got <= hi:
            for slip_variance, message in slips:
                s_lo, s_hi = _variance_bounds(slip_variance(fan_in, fan_out), n, distribution)
                if s_lo <= got <= s_hi:
                    fail(f"{call}: the weights have variance {got:.3g} instead of "
                         f"{target:.3g}. {message}")
            fail(f"{call}: the weights have variance {got:.3g}, expected {target:.3g} "
                 f"(ratio {got / target:.3g}). Compare your formula with the table in the "
                 "docstring of course_lib/init.py.")
        if limit is not None:
            r = limit(fan_in, fan_out)
            biggest = float(np.max(np.abs(W)))
            if biggest > r * (1 + 1e-12):
                fail(f"{call}: a weight has |w| = {biggest:.4g} > r = {r:.4g}; "
                     "U(-r, r) never leaves [-r, r].")


def _sqrt_missing(variance):
    """The variance of weights drawn with std = variance (the square root forgotten)."""
    return lambda i, o: variance(i, o) ** 2


_SQRT = "Did you forget the square root? The standard deviation is the square root of the variance."
_FAN_OUT = ("It matches fan_out in place of fan_in: the scheme depends on the number of INPUTS "
            "of the layer (fan_in, the first dimension of W).")


@visible_check("zeros")
def check_zeros(fn):
    """Check ``zeros``: the right shape, every entry exactly 0, no generator needed."""
    name = "zeros"
    W = _call(name, "init", fn, 3, 5, np.random.default_rng(0))
    if not isinstance(W, np.ndarray):
        fail(f"{name} must return a NumPy array, got {type(W).__name__}.")
    _expect_shape(name, W, 3, 5)
    if np.any(W != 0):
        fail(f"{name}(3, 5, rng) has {int(np.count_nonzero(W))} non-zero entries: every "
             "weight must be exactly 0.")
    W = _call(name, "init", fn, 2, 4)
    if np.shape(W) != (2, 4):
        fail(f"{name}(2, 4) (no rng) returned shape {np.shape(W)}, expected (2, 4).")
    expect_dtype(_call(name, "init", fn, 2, 4, None, dtype=np.float32), np.float32,
                 f"{name}(2, 4, dtype=np.float32)")


@visible_check("normal")
def check_normal(fn):
    """Check ``normal`` with its default ``std=0.01`` and with ``std=0.5``."""
    name = "normal"
    _check_random_scheme(name, fn, "normal", lambda i, o: 0.01 ** 2, [
        (lambda i, o: 0.01 ** 4, "You seem to pass std**2 (the variance) where the standard "
                                 "deviation goes: the weights are std * standard normal."),
        (lambda i, o: 1.0, "The weights have variance 1: multiply the standard normal draws "
                           "by std."),
    ])
    _check_random_scheme(name, fn, "normal", lambda i, o: 0.25, [
        (lambda i, o: 0.01 ** 2, "That is the default std=0.01: use the std argument."),
        (lambda i, o: 0.5 ** 4, "You seem to pass std**2 (the variance) where the standard "
                                "deviation goes."),
        (lambda i, o: 1.0, "The weights have variance 1: multiply the draws by std."),
    ], std=0.5)


def _xavier(i, o):
    return 2.0 / (i + o)


def _he(i, o):
    return 2.0 / i


def _lecun(i, o):
    return 1.0 / i


@visible_check("xavier_normal")
def check_xavier_normal(fn):
    """Check ``xavier_normal``: normal, variance ``2 / (fan_in + fan_out)``."""
    _check_random_scheme("xavier_normal", fn, "normal", _xavier, [
        (lambda i, o: 1.0 / (i + o), "The factor 2 is missing: sigma**2 = 2 / (fan_in + fan_out)."),
        (_he, "That is the He variance 2 / fan_in: Xavier averages both fans, "
              "2 / (fan_in + fan_out)."),
        (lambda i, o: 2.0 / o, "That is 2 / fan_out: Xavier uses fan_in + fan_out."),
        (_lecun, "That is 1 / fan_in: Xavier uses 2 / (fan_in + fan_out)."),
        (lambda i, o: 2.0 / (i * o), "That is 2 / (fan_in * fan_out): Xavier ADDS the fans, "
                                     "2 / (fan_in + fan_out)."),
        (lambda i, o: 6.0 / (i + o), "You used the uniform limit r = sqrt(6 / (fan_in + fan_out)) "
                                     "as the standard deviation; the normal scheme uses "
                                     "sqrt(2 / (fan_in + fan_out))."),
        (_sqrt_missing(_xavier), _SQRT),
    ])


@visible_check("xavier_uniform")
def check_xavier_uniform(fn):
    """Check ``xavier_uniform``: U(-r, r) with ``r = sqrt(6 / (fan_in + fan_out))``."""
    _check_random_scheme("xavier_uniform", fn, "uniform", _xavier, [
        (lambda i, o: _xavier(i, o) / 3.0, "The limit r looks like sqrt(2 / (fan_in + fan_out)), "
                                           "the normal scheme's standard deviation: a uniform "
                                           "U(-r, r) has variance r**2 / 3, so "
                                           "r = sqrt(6 / (fan_in + fan_out))."),
        (lambda i, o: 2.0 / i, "That is 6 / fan_in under the root: Xavier uses fan_in + fan_out."),
        (lambda i, o: (6.0 / (i + o)) ** 2 / 3.0, "Did you forget the square root in "
                                                  "r = sqrt(6 / (fan_in + fan_out))?"),
    ], limit=lambda i, o: math.sqrt(6.0 / (i + o)))


@visible_check("he_normal")
def check_he_normal(fn):
    """Check ``he_normal``: normal, variance ``2 / fan_in``."""
    _check_random_scheme("he_normal", fn, "normal", _he, [
        (lambda i, o: 2.0 / o, _FAN_OUT),
        (_lecun, "The factor 2 is missing: He uses sigma**2 = 2 / fan_in (a ReLU zeroes half "
                 "its inputs, the 2 makes up for it)."),
        (_xavier, "That is the Xavier variance 2 / (fan_in + fan_out): He uses 2 / fan_in."),
        (lambda i, o: 6.0 / i, "You used the uniform limit sqrt(6 / fan_in) as the standard "
                               "deviation; the normal scheme uses sqrt(2 / fan_in)."),
        (_sqrt_missing(_he), _SQRT),
    ])


@visible_check("he_uniform")
def check_he_uniform(fn):
    """Check ``he_uniform``: U(-r, r) with ``r = sqrt(6 / fan_in)``."""
    _check_random_scheme("he_uniform", fn, "uniform", _he, [
        (lambda i, o: 2.0 / o, _FAN_OUT),
        (lambda i, o: _he(i, o) / 3.0, "The limit r looks like sqrt(2 / fan_in), the normal "
                                       "scheme's standard deviation: U(-r, r) has variance "
                                       "r**2 / 3, so r = sqrt(6 / fan_in)."),
        (lambda i, o: 2.0 / (i + o), "That is the Xavier limit sqrt(6 / (fan_in + fan_out)): "
                                     "He uses sqrt(6 / fan_in)."),
        (lambda i, o: (6.0 / i) ** 2 / 3.0, "Did you forget the square root in "
                                            "r = sqrt(6 / fan_in)?"),
        (_lecun, "That is the LeCun limit sqrt(3 / fan_in) (variance 1 / fan_in): He uses "
                 "sqrt(6 / fan_in), twice the variance."),
    ], limit=lambda i, o: math.sqrt(6.0 / i))


@visible_check("lecun_normal")
def check_lecun_normal(fn):
    """Check ``lecun_normal``: normal, variance ``1 / fan_in``."""
    _check_random_scheme("lecun_normal", fn, "normal", _lecun, [
        (lambda i, o: 1.0 / o, _FAN_OUT),
        (_he, "That is the He variance 2 / fan_in: LeCun uses 1 / fan_in, without the 2."),
        (_xavier, "That is the Xavier variance 2 / (fan_in + fan_out): LeCun uses 1 / fan_in."),
        (_sqrt_missing(_lecun), _SQRT),
    ])
