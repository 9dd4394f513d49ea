"""Tests of course_lib.babysit: sanity checks and hyperparameter search.

Statistical tests use a fixed seed and a small alpha (1e-6); expected values are
worked out by hand in the comments.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import stats

from course_lib import babysit
from course_lib import data as data_module
from course_lib.model import FullyConnectedNet

ALPHA = 1e-6


# ===================================================================== initial loss

@pytest.mark.task("expected_initial_loss")
@pytest.mark.parametrize("num_classes, expected", [(2, 0.6931471805599453),
                                                   (10, 2.302585092994046),
                                                   (100, 4.605170185988092)])
def test_expected_initial_loss_is_ln_C(num_classes, expected):
    assert babysit.expected_initial_loss(num_classes) == pytest.approx(expected, rel=1e-12)


@pytest.mark.task("expected_initial_loss")
def test_expected_initial_loss_is_a_python_float():
    assert type(babysit.expected_initial_loss(np.int64(10))) is float


def test_initial_loss_check_passes_for_small_weights():
    split = data_module.load_digits()
    model = FullyConnectedNet([50], 64, 10, init=1e-3, reg=5.0, seed=0)
    result = babysit.initial_loss_check(model, split.X_train, split.y_train)
    assert result.ok, result.message
    assert result.expected == pytest.approx(math.log(10))
    assert abs(result.measured - math.log(10)) < 1e-3
    assert model.reg == 5.0                                 # switched off only for the check


def test_initial_loss_check_flags_large_weights():
    split = data_module.load_digits()
    model = FullyConnectedNet([50], 64, 10, init=3.0, seed=0)
    expected, measured, ok, message = babysit.initial_loss_check(model, split.X_train,
                                                                 split.y_train)
    assert not ok and measured > 2 * expected
    assert "above" in message


def test_initial_loss_check_leaves_batchnorm_running_stats_alone():
    split = data_module.load_digits()
    model = FullyConnectedNet([20], 64, 10, init=1e-3, normalization="batchnorm", seed=0)
    babysit.initial_loss_check(model, split.X_train, split.y_train)
    assert np.all(model.bn_params[0].get("running_mean", np.zeros(1)) == 0)


# ===================================================================== overfitting

def test_overfit_helper_reaches_100_percent_on_20_examples():
    split = data_module.load_digits()
    result = babysit.overfit_tiny_subset(lambda: FullyConnectedNet([50, 50], 64, 10, seed=0),
                                         split, n=20, epochs=100)
    assert result.ok and result.train_acc == 1.0
    assert len(result.loss_history) == 100
    assert result.loss_history[-1] < 0.05 < result.loss_history[0]


# ===================================================================== update ratio

@pytest.mark.task("update_to_weight_ratio")
def test_update_ratio_by_hand():
    before = {"W1": np.array([[1.0, 2.0], [2.0, 4.0]]),   # norm sqrt(1 + 4 + 4 + 16) = 5
              "b1": np.zeros(2),
              "W2": np.array([[0.0, -2.0]])}              # norm 2
    after = {"W1": before["W1"] + np.array([[0.0, 0.003], [0.004, 0.0]]),   # step norm 0.005
             "b1": np.array([0.1, 0.1]),
             "W2": np.array([[0.3, -2.4]])}               # step (0.3, -0.4): norm 0.5
    ratios = babysit.update_to_weight_ratio(before, after)
    assert list(ratios) == ["W1", "W2"]
    assert ratios["W1"] == pytest.approx(1e-3)
    assert ratios["W2"] == pytest.approx(0.25)
    assert all(type(r) is float for r in ratios.values())


@pytest.mark.task("update_to_weight_ratio")
def test_update_ratio_of_an_unchanged_weight_is_zero():
    w = {"W1": np.arange(1.0, 7.0).reshape(2, 3)}
    assert babysit.update_to_weight_ratio(w, {"W1": w["W1"].copy()}) == {"W1": 0.0}


@pytest.mark.task("update_to_weight_ratio")
def test_update_ratio_of_sgd_step_is_lr_times_grad_over_weight_norm():
    rng = np.random.default_rng(0)
    W, dW = rng.standard_normal((30, 20)), rng.standard_normal((30, 20))
    ratio = babysit.update_to_weight_ratio({"W": W}, {"W": W - 1e-3 * dW})["W"]
    assert ratio == pytest.approx(1e-3 * math.sqrt(np.sum(dW ** 2) / np.sum(W ** 2)))


@pytest.mark.parametrize("ratio, verdict", [(1e-3, "ok"), (1e-6, "too small"),
                                            (0.5, "too large"), (float("nan"), "too large")])
def test_ratio_verdict_bands(ratio, verdict):
    assert babysit.ratio_verdict(ratio) == verdict


# ===================================================================== loss curves

def test_nan_in_the_loss_means_learning_rate_too_large():
    verdict, reason = babysit.diagnose_learning_rate([2.3, 5.0, 80.0, float("nan")])
    assert verdict == "too large" and "step 3" in reason


def test_rising_loss_means_learning_rate_too_large():
    assert babysit.diagnose_learning_rate(np.linspace(2.3, 9.0, 100)).verdict == "too large"


def test_flat_loss_means_learning_rate_too_small():
    losses = 2.3026 - 1e-5 * np.arange(100)
    assert babysit.diagnose_learning_rate(losses).verdict == "too small"


def test_decaying_loss_is_ok():
    losses = 0.2 + 2.1 * np.exp(-np.arange(200) / 30)
    diagnosis = babysit.diagnose_learning_rate(losses)
    assert diagnosis.verdict == "ok" and str(diagnosis).startswith("ok:")


# ===================================================================== log-uniform sampling

@pytest.mark.task("log_uniform")
def test_log_uniform_samples_have_uniform_exponents():
    x = babysit.log_uniform(np.random.default_rng(0), 1e-6, 1e-2, size=20000)
    assert x.shape == (20000,)
    assert x.min() >= 1e-6 and x.max() <= 1e-2
    exponents = np.log10(x)
    p = stats.kstest(exponents, stats.uniform(loc=-6, scale=4).cdf).pvalue
    assert p > ALPHA, f"log10 of the samples is not uniform on [-6, -2] (KS p = {p:.2g})"


@pytest.mark.task("log_uniform")
def test_log_uniform_puts_a_quarter_in_each_decade():
    x = babysit.log_uniform(np.random.default_rng(1), 1e-6, 1e-2, size=8000)
    counts = np.histogram(np.log10(x), bins=[-6, -5, -4, -3, -2])[0]
    lo, hi = stats.binom.interval(1 - ALPHA, x.size, 0.25)
    assert np.all((lo <= counts) & (counts <= hi)), counts


@pytest.mark.task("log_uniform")
def test_plain_uniform_sampling_would_fail_the_same_test():
    # the control: a linear uniform sample is far from log-uniform
    x = np.random.default_rng(0).uniform(1e-6, 1e-2, 20000)
    assert stats.kstest(np.log10(x), stats.uniform(loc=-6, scale=4).cdf).pvalue < ALPHA


@pytest.mark.task("log_uniform")
def test_log_uniform_without_size_is_one_float():
    value = babysit.log_uniform(np.random.default_rng(0), 0.1, 10.0)
    assert type(value) is float and 0.1 <= value <= 10.0


@pytest.mark.task("log_uniform")
def test_log_uniform_takes_a_shape():
    x = babysit.log_uniform(np.random.default_rng(0), 1.0, 2.0, size=(3, 4))
    assert x.shape == (3, 4) and np.all((1.0 <= x) & (x <= 2.0))


# ===================================================================== border detection

@pytest.mark.task("at_border")
@pytest.mark.parametrize("value, expected", [
    (1.5e-6, True),     # log position 0.044
    (5e-3, True),       # log position 0.92
    (1e-4, False),      # log position 0.5
    (1e-5, False),      # log position 0.25: far from the lower end in log space
])
def test_at_border_measures_position_in_log_space(value, expected):
    assert babysit.at_border(value, 1e-6, 1e-2, "log") is expected


@pytest.mark.task("at_border")
@pytest.mark.parametrize("value, expected", [(0.05, True), (0.95, True), (0.5, False),
                                             (0.15, False)])
def test_at_border_linear(value, expected):
    assert babysit.at_border(value, 0.0, 1.0, "linear") is expected


@pytest.mark.task("at_border")
def test_at_border_is_scale_dependent():
    # 1e-5 sits at 0.1% of [1e-6, 1e-2] on a linear scale but at 25% on a log scale
    assert babysit.at_border(1e-5, 1e-6, 1e-2, "linear")
    assert not babysit.at_border(1e-5, 1e-6, 1e-2, "log")


@pytest.mark.task("at_border")
def test_at_border_uses_the_given_fraction():
    assert babysit.at_border(0.15, 0.0, 1.0, "linear", fraction=0.2)
    assert not babysit.at_border(0.15, 0.0, 1.0, "linear", fraction=0.1)


# ===================================================================== random search

SPACE = {"learning_rate": (1e-6, 1e-2, "log"), "momentum": (0.5, 0.99, "linear")}


def bowl(lr_peak, momentum_peak=0.75):
    """A smooth score with its maximum at (lr_peak, momentum_peak)."""
    def objective(params):
        return -((math.log10(params["learning_rate"]) - math.log10(lr_peak)) ** 2
                 + 10 * (params["momentum"] - momentum_peak) ** 2)
    return objective


def test_random_search_warns_when_the_best_value_is_at_the_border():
    with pytest.warns(UserWarning, match="learning_rate"):
        result = babysit.random_search(bowl(1e-7), SPACE, budget=40,
                                       rng=np.random.default_rng(0))
    assert len(result.warnings) == 1 and "lower" in result.warnings[0]
    assert "momentum" not in result.warnings[0]


def test_random_search_is_quiet_when_the_optimum_is_inside():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = babysit.random_search(bowl(1e-4), SPACE, budget=40,
                                       rng=np.random.default_rng(0))
    assert result.warnings == []


def test_random_search_can_keep_border_messages_out_of_stderr():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = babysit.random_search(bowl(1e-2), SPACE, budget=40,
                                       rng=np.random.default_rng(0), warn=False)
    assert "upper" in result.warnings[0]


def test_random_search_returns_trials_sorted_best_first():
    result = babysit.random_search(bowl(1e-4), SPACE, budget=25, rng=np.random.default_rng(1),
                                   warn=False)
    scores = [t["score"] for t in result.trials]
    assert len(scores) == 25 and scores == sorted(scores, reverse=True)
    assert result.best is result.trials[0]
    assert sorted(t["index"] for t in result.trials) == list(range(25))
    for trial in result.trials:
        lr, momentum = trial["params"]["learning_rate"], trial["params"]["momentum"]
        assert 1e-6 <= lr <= 1e-2 and 0.5 <= momentum <= 0.99


def test_random_search_minimizes_and_puts_nan_scores_last():
    scores = iter([3.0, float("nan"), 1.0, 2.0])
    result = babysit.random_search(lambda p: next(scores), {"x": (0.0, 1.0, "linear")}, 4,
                                   np.random.default_rng(0), maximize=False, warn=False)
    ranked = [t["score"] for t in result.trials]
    assert ranked[:3] == [1.0, 2.0, 3.0] and math.isnan(ranked[3])


def test_random_search_rejects_a_malformed_space():
    with pytest.raises(ValueError):
        babysit.random_search(bowl(1e-4), {"learning_rate": (0.0, 1.0, "log")}, 3,
                              np.random.default_rng(0))


def test_refine_space_spans_the_top_trials_with_a_margin():
    trials = [{"params": {"lr": 1e-4, "m": 0.8}, "score": 3.0},
              {"params": {"lr": 1e-3, "m": 0.6}, "score": 2.0},
              {"params": {"lr": 1e-6, "m": 0.9}, "score": 1.0}]
    space = {"lr": (1e-7, 1e-1, "log"), "m": (0.5, 0.99, "linear")}
    refined = babysit.refine_space(trials, 2, space, expand=0.1)
    # log10 span [-4, -3] widened by 0.1 decade on each side; linear [0.6, 0.8] by 0.02
    lo, hi, scale = refined["lr"]
    assert scale == "log"
    assert lo == pytest.approx(10 ** -4.1) and hi == pytest.approx(10 ** -2.9)
    lo, hi, scale = refined["m"]
    assert scale == "linear" and (lo, hi) == pytest.approx((0.58, 0.82))


def test_coarse_to_fine_moves_towards_the_optimum():
    coarse = babysit.random_search(bowl(3e-4), SPACE, budget=30, rng=np.random.default_rng(0),
                                   warn=False)
    fine_space = babysit.refine_space(coarse, 5, SPACE)
    fine = babysit.random_search(bowl(3e-4), fine_space, budget=30,
                                 rng=np.random.default_rng(1), warn=False)
    low, high, _ = fine_space["learning_rate"]
    assert 1e-6 < low < 3e-4 < high < 1e-2 and math.log10(high / low) < 4
    assert fine.best["score"] >= coarse.best["score"]


# ===================================================================== grid versus random

def test_grid_tries_few_distinct_values_random_search_tries_all():
    grid, random = babysit.grid_and_random_points(9, np.random.default_rng(0), num_params=2)
    assert grid.shape == (9, 2) and random.shape == (9, 2)
    assert babysit.distinct_values(grid) == [3, 3]
    assert babysit.distinct_values(random) == [9, 9]


def test_grid_rounds_the_budget_down_to_a_full_grid():
    grid, _ = babysit.grid_and_random_points(30, np.random.default_rng(0), num_params=3)
    assert grid.shape == (27, 3)
