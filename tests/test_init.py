"""Tests of course_lib.init: shapes, dtypes, and the statistics of every scheme.

Statistical tests draw one large matrix from a fixed seed and compare it with
the scheme's target distribution through a real confidence bound at
ALPHA = 1e-6, so a correct initialiser fails them with probability about 1e-6
whatever order it consumes the generator in.

Variance: every scheme has mean 0, so ``sum(W**2) / var`` of n independent
normal weights follows a chi-square distribution with n degrees of freedom; the
test checks that ``mean(W**2)`` lies in the matching interval. For uniform
weights the same interval is conservative (``w**2`` of a uniform spreads less
than that of a normal: Var = 0.8 var**2 instead of 2 var**2).
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from autograder.points import cell_of
from course_lib import init

ALPHA = 1e-6
FAN_IN, FAN_OUT = 400, 150          # 60 000 weights; He (2/400) and Xavier (2/550) differ by 27 %


def variance_interval(n, target_var, alpha=ALPHA):
    """Two-sided (1 - alpha) interval for mean(w**2) of n weights with mean 0 and variance target_var."""
    lo, hi = stats.chi2.ppf([alpha / 2, 1 - alpha / 2], df=n)
    return target_var * lo / n, target_var * hi / n


def assert_variance(W, target_var):
    lo, hi = variance_interval(W.size, target_var)
    got = float(np.mean(np.asarray(W, dtype=np.float64) ** 2))
    assert lo <= got <= hi, (f"mean of W**2 is {got:.6g}, outside the {1 - ALPHA} interval "
                             f"[{lo:.6g}, {hi:.6g}] around the target variance {target_var:.6g}")


def xavier_var(fan_in, fan_out):
    return 2.0 / (fan_in + fan_out)


def he_var(fan_in, fan_out):
    return 2.0 / fan_in


def lecun_var(fan_in, fan_out):
    return 1.0 / fan_in


# (name, target variance, distribution, uniform limit r or None)
RANDOM_SCHEMES = [
    ("normal", lambda i, o: 0.01 ** 2, "normal", None),
    ("xavier_normal", xavier_var, "normal", None),
    ("xavier_uniform", xavier_var, "uniform", lambda i, o: math.sqrt(6.0 / (i + o))),
    ("he_normal", he_var, "normal", None),
    ("he_uniform", he_var, "uniform", lambda i, o: math.sqrt(6.0 / i)),
    ("lecun_normal", lecun_var, "normal", None),
]
ALL_NAMES = ["zeros"] + [s[0] for s in RANDOM_SCHEMES]


def random_cases():
    return [pytest.param(*case, id=case[0], marks=pytest.mark.task(cell_of(case[0])))
            for case in RANDOM_SCHEMES]


def all_cases():
    return [pytest.param(name, id=name, marks=pytest.mark.task(cell_of(name))) for name in ALL_NAMES]


def draw(name, fan_in=FAN_IN, fan_out=FAN_OUT, seed=0, **kwargs):
    return getattr(init, name)(fan_in, fan_out, np.random.default_rng(seed), **kwargs)


# --- contract: shape and dtype ------------------------------------------------------------

@pytest.mark.parametrize("name", all_cases())
def test_weights_have_shape_fan_in_by_fan_out(name):
    W = draw(name, 3, 5)
    assert isinstance(W, np.ndarray)
    assert W.shape == (3, 5)


@pytest.mark.parametrize("name", all_cases())
def test_default_dtype_is_float64(name):
    assert draw(name, 3, 5).dtype == np.float64


@pytest.mark.parametrize("name", all_cases())
def test_dtype_keyword_gives_float32(name):
    assert draw(name, 3, 5, dtype=np.float32).dtype == np.float32


# --- zeros --------------------------------------------------------------------------------

@pytest.mark.task("zeros_normal")
def test_zeros_are_exactly_zero():
    W = init.zeros(7, 4, np.random.default_rng(0))
    assert np.array_equal(W, np.zeros((7, 4)))


@pytest.mark.task("zeros_normal")
def test_zeros_accepts_no_generator():
    assert np.array_equal(init.zeros(2, 3), np.zeros((2, 3)))


# --- reproducibility: all randomness comes from rng ---------------------------------------

@pytest.mark.parametrize("name, target_var, dist, limit", random_cases())
def test_same_seed_gives_same_weights(name, target_var, dist, limit):
    assert np.array_equal(draw(name, 20, 10, seed=3), draw(name, 20, 10, seed=3))


@pytest.mark.parametrize("name, target_var, dist, limit", random_cases())
def test_different_seeds_give_different_weights(name, target_var, dist, limit):
    assert not np.array_equal(draw(name, 20, 10, seed=3), draw(name, 20, 10, seed=4))


# --- statistics ---------------------------------------------------------------------------

@pytest.mark.parametrize("name, target_var, dist, limit", random_cases())
def test_weights_have_mean_zero(name, target_var, dist, limit):
    W = draw(name)
    sd_of_mean = math.sqrt(target_var(FAN_IN, FAN_OUT) / W.size)
    z = stats.norm.isf(ALPHA / 2)
    assert abs(float(W.mean())) <= z * sd_of_mean


@pytest.mark.parametrize("name, target_var, dist, limit", random_cases())
def test_sample_variance_matches_the_scheme(name, target_var, dist, limit):
    assert_variance(draw(name), target_var(FAN_IN, FAN_OUT))


@pytest.mark.parametrize("name, target_var, dist, limit", random_cases())
def test_variance_holds_in_float32(name, target_var, dist, limit):
    assert_variance(draw(name, dtype=np.float32), target_var(FAN_IN, FAN_OUT))


@pytest.mark.parametrize("name, target_var, dist, limit", random_cases())
def test_weights_follow_the_scheme_distribution(name, target_var, dist, limit):
    """Kolmogorov-Smirnov against the exact target: a uniform of the right variance
    passed off as a normal (or the reverse) is rejected."""
    W = draw(name).ravel()
    if dist == "normal":
        result = stats.kstest(W, "norm", args=(0.0, math.sqrt(target_var(FAN_IN, FAN_OUT))))
    else:
        r = limit(FAN_IN, FAN_OUT)
        result = stats.kstest(W, "uniform", args=(-r, 2 * r))
    assert result.pvalue > ALPHA, f"KS statistic {result.statistic:.4g} (p = {result.pvalue:.2g})"


@pytest.mark.parametrize("name, target_var, dist, limit",
                         [c for c in random_cases() if c.values[2] == "uniform"])
def test_uniform_weights_are_bounded_by_r(name, target_var, dist, limit):
    W = draw(name)
    r = limit(FAN_IN, FAN_OUT)
    assert float(np.max(np.abs(W))) <= r
    # and they use the whole range: with 60 000 draws the largest |w| is within 0.1 % of r
    assert float(np.max(np.abs(W))) >= 0.999 * r


@pytest.mark.task("zeros_normal")
def test_normal_uses_the_given_std():
    W = init.normal(FAN_IN, FAN_OUT, np.random.default_rng(1), std=0.5)
    assert_variance(W, 0.25)


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.task(cell_of(n)))
                                  for n in ("he_normal", "he_uniform")])
def test_he_variance_depends_on_fan_in_only(name):
    """Swapping fan_in and fan_out changes He's variance from 2/400 to 2/150."""
    assert_variance(draw(name, 400, 150), 2.0 / 400)
    assert_variance(draw(name, 150, 400), 2.0 / 150)


@pytest.mark.task("he_lecun")
def test_lecun_variance_depends_on_fan_in_only():
    assert_variance(draw("lecun_normal", 400, 150), 1.0 / 400)
    assert_variance(draw("lecun_normal", 150, 400), 1.0 / 150)


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.task(cell_of(n)))
                                  for n in ("xavier_normal", "xavier_uniform")])
def test_xavier_variance_is_symmetric_in_the_fans(name):
    assert_variance(draw(name, 400, 150), 2.0 / 550)
    assert_variance(draw(name, 150, 400), 2.0 / 550)


# --- given: the lecture table and the lookup ----------------------------------------------

@pytest.mark.parametrize("activation, factor", [("logistic", 1.0), ("sigmoid", 1.0),
                                                ("tanh", 4.0), ("relu", math.sqrt(2.0))])
def test_recommended_scale_follows_the_lecture_table(activation, factor):
    fan_in, fan_out = 300, 100
    assert init.recommended_scale(activation, fan_in, fan_out, "uniform") == pytest.approx(
        factor * math.sqrt(6.0 / 400))
    assert init.recommended_scale(activation, fan_in, fan_out, "normal") == pytest.approx(
        factor * math.sqrt(2.0 / 400))


@pytest.mark.parametrize("activation", ["logistic", "tanh", "relu"])
def test_recommended_std_is_the_same_for_both_distributions(activation):
    assert init.recommended_std(activation, 300, 100, "uniform") == pytest.approx(
        init.recommended_std(activation, 300, 100, "normal"))


def test_recommended_scale_rejects_unknown_names():
    with pytest.raises(ValueError):
        init.recommended_scale("swish", 3, 4)
    with pytest.raises(ValueError):
        init.recommended_scale("relu", 3, 4, "laplace")


@pytest.mark.parametrize("name", ALL_NAMES)
def test_get_returns_the_initialiser_of_that_name(name):
    assert init.get(name) is getattr(init, name)


def test_get_knows_the_glorot_and_kaiming_aliases():
    assert init.get("glorot_uniform") is init.xavier_uniform
    assert init.get("kaiming_normal") is init.he_normal


def test_get_passes_callables_through():
    def custom(fan_in, fan_out, rng, dtype=np.float64):
        return np.ones((fan_in, fan_out), dtype=dtype)
    assert init.get(custom) is custom


def test_get_rejects_unknown_names():
    with pytest.raises(ValueError, match="unknown initialiser"):
        init.get("orthogonal")
