"""Specification of course_lib.schedules.

Expected values are worked out by hand in the tests, or come from
``torch.optim.lr_scheduler`` when PyTorch is installed.
"""
from __future__ import annotations

import copy
import math
import pickle
import warnings

import numpy as np
import pytest

from autograder.points import cell_of
from course_lib import schedules as sch
from course_lib.schedules import (ReduceLROnPlateau, constant, cosine, exponential,
                                  inverse_time, lr_range_test, one_cycle, piecewise_constant,
                                  power, step_decay)

# one example of every schedule of time, tagged with its task id (None: given)
EXAMPLES = [
    ("constant", lambda: constant(0.1)),
    ("piecewise_constant", lambda: piecewise_constant([10, 20], [1.0, 0.1, 0.01])),
    ("step_decay", lambda: step_decay(0.1, drop=0.5, every=10)),
    ("exponential", lambda: exponential(0.1, r=20)),
    ("power", lambda: power(0.1, r=20, c=2)),
    ("inverse_time", lambda: inverse_time(0.1, k=0.3)),
    ("cosine", lambda: cosine(0.1, total_steps=50, lr_min=1e-3, warmup_steps=5)),
    ("one_cycle", lambda: one_cycle(1.0, total_steps=60)),
]


def _example_params():
    return [pytest.param(make, id=name,
                         marks=() if name == "constant" else pytest.mark.task(cell_of(name)))
            for name, make in EXAMPLES]


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch", reason="PyTorch not installed: comparison against "
                                               "torch.optim.lr_scheduler skipped")


def _approx(values, rel=1e-12, abs=1e-15):
    return pytest.approx(values, rel=rel, abs=abs)


# --------------------------------------------------------------------------- the callable contract

def test_constant_gives_a_float_for_a_scalar_and_an_array_for_an_array():
    s = constant(0.1)
    assert s(3) == 0.1 and isinstance(s(3), float)
    out = s(np.arange(6).reshape(2, 3))
    assert isinstance(out, np.ndarray) and out.shape == (2, 3) and out.dtype == np.float64
    assert np.all(out == 0.1)


def test_a_negative_step_is_rejected():
    with pytest.raises(ValueError, match="t must be >= 0"):
        constant(0.1)(-1)


@pytest.mark.parametrize("make", _example_params())
def test_schedule_on_an_array_equals_the_schedule_at_each_step(make):
    s = make()
    t = np.linspace(0, 70, 141)
    out = s(t)
    assert out.shape == t.shape
    assert out == _approx([s(float(ti)) for ti in t])
    assert isinstance(s(7), float) and isinstance(s(7.5), float)


@pytest.mark.parametrize("make", _example_params())
def test_schedule_survives_pickle_and_its_repr_rebuilds_it(make):
    s = make()
    t = np.arange(70)
    namespace = {name: getattr(sch, name) for name, _ in EXAMPLES}
    for clone in (pickle.loads(pickle.dumps(s)), copy.deepcopy(s), eval(repr(s), namespace)):
        assert type(clone) is type(s)
        assert clone(t) == _approx(s(t))


# --------------------------------------------------------------------------- values by hand

@pytest.mark.task("piecewise_constant")
def test_piecewise_constant_switches_value_at_each_boundary():
    s = piecewise_constant([10, 20], [1.0, 0.1, 0.01])
    assert [s(t) for t in (0, 9.5, 10, 19, 20, 1000)] == [1.0, 1.0, 0.1, 0.1, 0.01, 0.01]


def test_piecewise_constant_checks_its_arguments():
    with pytest.raises(ValueError):
        piecewise_constant([10, 20], [1.0, 0.1])
    with pytest.raises(ValueError):
        piecewise_constant([20, 10], [1.0, 0.1, 0.01])


@pytest.mark.task("step_decay")
def test_step_decay_multiplies_by_drop_every_few_steps():
    # 0.1 * 0.5**floor(t / 10)
    s = step_decay(0.1, drop=0.5, every=10)
    assert [s(t) for t in (0, 9.99, 10, 19, 20, 35)] == _approx(
        [0.1, 0.1, 0.05, 0.05, 0.025, 0.0125])


@pytest.mark.task("decay_formulas")
def test_exponential_by_hand():
    # 2 * 10**(-t / 4)
    s = exponential(2.0, r=4)
    assert [s(0), s(2), s(4), s(8)] == _approx([2.0, 2 / math.sqrt(10), 0.2, 0.02])


@pytest.mark.task("decay_formulas")
def test_exponential_drops_tenfold_every_r_steps():
    s = exponential(0.3, r=7)
    t = np.linspace(0, 100, 37)
    assert s(t + 7) / s(t) == _approx(np.full(t.shape, 0.1), rel=1e-12)


@pytest.mark.task("decay_formulas")
def test_power_by_hand():
    # 1 * (1 + t / 10)**(-c): at t = 10 it is 2**-c, at t = 30 it is 4**-c
    assert [power(1.0, r=10)(t) for t in (0, 10, 30)] == _approx([1.0, 0.5, 0.25])
    assert [power(1.0, r=10, c=2)(t) for t in (10, 30)] == _approx([0.25, 0.0625])
    assert power(3.0, r=4, c=0.5)(12) == _approx(1.5)     # 3 * 4**-0.5


@pytest.mark.task("decay_formulas")
def test_power_eventually_decays_more_slowly_than_exponential():
    # same lr0 and r: past a few r the ratio power / exponential keeps growing
    t = np.linspace(50, 1000, 96)
    ratio = power(0.1, r=10)(t) / exponential(0.1, r=10)(t)
    assert np.all(ratio > 1)
    assert np.all(np.diff(ratio) > 0)


@pytest.mark.task("decay_formulas")
def test_inverse_time_by_hand():
    # 0.6 / (1 + 0.5 t)
    s = inverse_time(0.6, k=0.5)
    assert [s(0), s(2), s(4), s(10)] == _approx([0.6, 0.3, 0.2, 0.1])


@pytest.mark.task("cosine")
def test_cosine_by_hand():
    # lr_min + (lr0 - lr_min) * (1 + cos(pi t / T)) / 2 with lr0 = 1.1, lr_min = 0.1, T = 12
    s = cosine(1.1, total_steps=12, lr_min=0.1)
    assert [s(0), s(4), s(6), s(8), s(12)] == _approx([1.1, 0.85, 0.6, 0.35, 0.1])


@pytest.mark.task("cosine")
def test_cosine_ends_at_lr_min_and_stays_there():
    s = cosine(0.5, total_steps=40, lr_min=0.01, warmup_steps=4)
    assert s(np.array([40, 41, 100, 1e6])) == _approx([0.01] * 4)
    assert np.all(np.diff(s(np.arange(4, 41))) < 0)


@pytest.mark.task("cosine")
def test_cosine_warms_up_linearly_from_zero_to_lr0():
    # W = 4: lr0 * t / 4, then the cosine starts from lr0 at t = W
    s = cosine(0.8, total_steps=20, warmup_steps=4)
    assert [s(t) for t in (0, 1, 2, 3, 4)] == _approx([0.0, 0.2, 0.4, 0.6, 0.8])
    assert s(12) == _approx(0.4)             # halfway through the cosine part


@pytest.mark.task("one_cycle")
def test_one_cycle_by_hand():
    # max_lr = 1, div_factor = 25 -> lr_start = 0.04; final_div_factor = 1e4 -> lr_end = 4e-6
    # T = 100, pct_start = 0.3 -> P = 30; halfway up (t = 15) is the mean of 0.04 and 1,
    # halfway down (t = 65) the mean of 1 and 4e-6
    s = one_cycle(1.0, total_steps=100)
    assert [s(t) for t in (0, 15, 30, 65, 100)] == _approx(
        [0.04, 0.52, 1.0, 0.500002, 4e-6], rel=1e-9)


@pytest.mark.task("one_cycle")
def test_one_cycle_peaks_at_the_requested_step():
    # round(0.3 * 97) = round(29.1) = 29
    s = one_cycle(0.5, total_steps=97, pct_start=0.3)
    lrs = s(np.arange(98))
    assert int(np.argmax(lrs)) == 29
    assert lrs[29] == _approx(0.5)
    assert np.all(np.diff(lrs[:30]) > 0) and np.all(np.diff(lrs[29:]) < 0)


@pytest.mark.task("one_cycle")
def test_one_cycle_ends_far_below_its_start():
    s = one_cycle(0.5, total_steps=200, pct_start=0.25, div_factor=10, final_div_factor=100)
    assert s(0) == _approx(0.05)
    assert s(200) == _approx(5e-4)
    assert s(200) < s(0) / 50


# --------------------------------------------------------------------------- performance scheduling

@pytest.mark.task("ReduceLROnPlateau")
def test_plateau_waits_exactly_patience_non_improving_epochs_before_reducing():
    plateau = ReduceLROnPlateau(1.0, factor=0.5, patience=3)
    # epoch 1 improves on inf; epochs 2, 3 do not (lr kept); epoch 4 is the 3rd: cut
    assert [plateau.step(m) for m in (2.0, 2.0, 2.5, 2.0)] == [1.0, 1.0, 1.0, 0.5]


@pytest.mark.task("ReduceLROnPlateau")
def test_plateau_needs_patience_more_bad_epochs_after_a_cut():
    plateau = ReduceLROnPlateau(1.0, factor=0.5, patience=2)
    lrs = [plateau.step(m) for m in (1.0, 1.0, 1.0, 1.0, 1.0, 1.0)]
    assert lrs == [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]


@pytest.mark.task("ReduceLROnPlateau")
def test_plateau_improvement_resets_the_count():
    plateau = ReduceLROnPlateau(1.0, factor=0.1, patience=2)
    lrs = [plateau.step(m) for m in (1.0, 1.5, 0.9, 1.5, 0.8, 1.0, 1.0)]
    assert lrs == _approx([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.1])
    assert plateau.best == 0.8


@pytest.mark.task("ReduceLROnPlateau")
def test_plateau_ignores_improvements_not_larger_than_min_delta():
    plateau = ReduceLROnPlateau(1.0, factor=0.5, patience=2, min_delta=0.1)
    # 0.95 and 0.9 beat 1.0 by 0.05 and 0.1: not more than min_delta
    assert [plateau.step(m) for m in (1.0, 0.95, 0.9)] == [1.0, 1.0, 0.5]
    assert plateau.best == 1.0


@pytest.mark.task("ReduceLROnPlateau")
def test_plateau_in_max_mode_treats_a_rise_as_improvement():
    plateau = ReduceLROnPlateau(1.0, factor=0.5, patience=1, mode="max")
    assert [plateau.step(m) for m in (0.5, 0.6, 0.6, 0.7, 0.65)] == [1.0, 1.0, 0.5, 0.5, 0.25]


@pytest.mark.task("ReduceLROnPlateau")
def test_plateau_never_goes_below_min_lr():
    plateau = ReduceLROnPlateau(1.0, factor=0.1, patience=1, min_lr=0.005)
    lrs = [plateau.step(1.0) for _ in range(5)]
    assert lrs == _approx([1.0, 0.1, 0.01, 0.005, 0.005])


@pytest.mark.task("ReduceLROnPlateau")
def test_plateau_called_like_a_schedule_returns_the_current_lr():
    plateau = ReduceLROnPlateau(0.3, factor=0.5, patience=1)
    assert plateau(0) == 0.3
    plateau.step(1.0)
    plateau.step(1.0)
    assert plateau(17) == plateau.lr == 0.15
    assert pickle.loads(pickle.dumps(plateau)).lr == 0.15


# --------------------------------------------------------------------------- range test

def _quadratic_train_step(curvatures):
    """One gradient step on f(w) = 1/2 sum(lam * w**2); returns the loss before the step."""
    state = {"w": np.ones(len(curvatures))}
    lam = np.asarray(curvatures, dtype=np.float64)

    def train_step(lr):
        w = state["w"]
        loss = 0.5 * float(np.sum(lam * w**2))
        state["w"] = w - lr * lam * w
        return loss
    return train_step


@pytest.mark.task("lr_range_test")
def test_range_test_suggests_a_stable_learning_rate_on_a_quadratic():
    # gradient descent on this quadratic diverges for lr > 2 / lam_max = 0.02
    result = lr_range_test(_quadratic_train_step([1.0, 10.0, 100.0]), lr_min=1e-5, lr_max=1.0,
                           num_steps=100)
    assert result.diverged
    assert 1e-3 < result.suggested_lr < 2 / 100


@pytest.mark.task("lr_range_test")
def test_range_test_tries_geometrically_spaced_learning_rates():
    seen = []

    def train_step(lr):
        seen.append(lr)
        return 1.0
    result = lr_range_test(train_step, lr_min=1e-4, lr_max=1e-1, num_steps=4)
    # 1e-4 * 1000**(i / 3)
    assert seen == _approx([1e-4, 1e-3, 1e-2, 1e-1])
    assert all(isinstance(lr, float) for lr in seen)
    assert result.lrs == _approx(seen)
    assert not result.diverged


@pytest.mark.task("lr_range_test")
def test_range_test_smooths_with_a_bias_corrected_moving_average():
    losses = iter([4.0, 2.0, 1.0])
    result = lr_range_test(lambda lr: next(losses), num_steps=3, smooth=0.5)
    # avg: 0.5 * 4 = 2                  -> / (1 - 0.5)   = 4
    #      0.5 * 2 + 0.5 * 2 = 2        -> / (1 - 0.25)  = 8/3
    #      0.5 * 2 + 0.5 * 1 = 1.5      -> / (1 - 0.125) = 12/7
    assert result.smoothed == _approx([4.0, 8 / 3, 12 / 7])
    assert result.losses == _approx([4.0, 2.0, 1.0])


@pytest.mark.task("lr_range_test")
def test_range_test_stops_when_the_smoothed_loss_exceeds_diverge_factor_times_best():
    losses = iter([3.0, 1.0, 2.0, 4.0, 4.5, 1.0, 1.0])
    result = lr_range_test(lambda lr: next(losses), num_steps=7, smooth=0.0, diverge_factor=4)
    # best = 1; 4.0 is not > 4 * 1, 4.5 is: stop after the 5th step
    assert result.losses == _approx([3.0, 1.0, 2.0, 4.0, 4.5])
    assert result.diverged
    # the minimum (1.0) is at the 2nd learning rate
    assert result.suggested_lr == _approx(result.lrs[1] / 10)


@pytest.mark.task("lr_range_test")
def test_range_test_stops_at_a_non_finite_loss():
    losses = iter([1.0, 0.5, float("nan"), 0.1])
    result = lr_range_test(lambda lr: next(losses), num_steps=4, smooth=0.0)
    assert len(result.lrs) == 3 and result.diverged
    assert result.suggested_lr == _approx(result.lrs[1] / 10)


# --------------------------------------------------------------------------- against torch.optim.lr_scheduler

def _torch_lrs(torch, make_scheduler, lr0, epochs, metrics=None):
    param = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([param], lr=lr0)
    scheduler = make_scheduler(optimizer)
    lrs = [optimizer.param_groups[0]["lr"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for epoch in range(epochs):
            optimizer.step()
            scheduler.step(*([] if metrics is None else [metrics[epoch]]))
            lrs.append(optimizer.param_groups[0]["lr"])
    return lrs


@pytest.mark.task("step_decay")
def test_step_decay_matches_torch_steplr(torch):
    expected = _torch_lrs(torch, lambda o: torch.optim.lr_scheduler.StepLR(o, 7, gamma=0.3),
                          0.2, 40)
    assert step_decay(0.2, drop=0.3, every=7)(np.arange(41)) == _approx(expected, rel=1e-12)


@pytest.mark.task("decay_formulas")
def test_exponential_matches_torch_exponentiallr_with_gamma_ten_to_minus_one_over_r(torch):
    expected = _torch_lrs(
        torch, lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=10 ** (-1 / 15)), 0.2, 40)
    assert exponential(0.2, r=15)(np.arange(41)) == _approx(expected, rel=1e-12)


@pytest.mark.task("cosine")
def test_cosine_matches_torch_cosineannealinglr(torch):
    expected = _torch_lrs(
        torch, lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=30, eta_min=0.01),
        0.5, 30)
    assert cosine(0.5, total_steps=30, lr_min=0.01)(np.arange(31)) == _approx(
        expected, rel=1e-9, abs=1e-12)


@pytest.mark.task("ReduceLROnPlateau")
def test_plateau_matches_torch_with_patience_one_less(torch):
    # torch cuts when the count EXCEEDS its patience, ours when it REACHES patience
    rng = np.random.default_rng(3)
    metrics = list(np.minimum.accumulate(rng.uniform(0.5, 1.5, 60)) + rng.uniform(0, 0.2, 60))
    expected = _torch_lrs(torch, lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(
        o, mode="min", factor=0.5, patience=2, threshold=0.01, threshold_mode="abs", min_lr=1e-3),
        1.0, 60, metrics)
    plateau = ReduceLROnPlateau(1.0, factor=0.5, patience=3, min_delta=0.01, min_lr=1e-3)
    got = [plateau.lr] + [plateau.step(m) for m in metrics]
    assert got == _approx(expected, rel=1e-12)
    assert len(set(got)) > 3
