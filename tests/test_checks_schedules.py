"""The visible checks of assignment 06: pass on correct code, name the mistake otherwise."""
from __future__ import annotations

import math

import numpy as np
import pytest

from course_lib import checks, schedules

from check_support import check_named as _check, fails_with as _fails_with

SCHEDULES = ["piecewise_constant", "step_decay", "exponential", "power", "inverse_time", "cosine",
             "one_cycle"]
ALL = SCHEDULES + ["ReduceLROnPlateau", "lr_range_test"]


def _with_lr_at(name, lr_at):
    """A subclass of the reference schedule whose ``lr_at`` is replaced (a student's version)."""
    return type(name, (getattr(schedules, name),), {"lr_at": lr_at})


def _with_step(step):
    return type("ReduceLROnPlateau", (schedules.ReduceLROnPlateau,), {"step": step})


# ------------------------------------------------------------------ general
@pytest.mark.parametrize("name", ALL)
def test_check_passes_on_the_reference_and_prints_a_pass_line(name, capsys):
    with np.errstate(all="raise"):
        _check(name)(getattr(schedules, name))
    assert capsys.readouterr().out.strip() == f"✔ {name}: visible check passed."


@pytest.mark.parametrize("name", SCHEDULES)
def test_schedule_stub_is_reported_as_not_implemented_in_its_lr_at(name):
    def stub(self, t):
        raise NotImplementedError()

    message = _fails_with(name, _with_lr_at(name, stub), "not implemented yet", f"class {name}",
                          "lr_at")
    assert "Traceback" not in message


def test_plateau_stub_is_reported_as_not_implemented_in_its_step():
    def stub(self, metric):
        raise NotImplementedError()

    _fails_with("ReduceLROnPlateau", _with_step(stub), "not implemented yet",
                "class ReduceLROnPlateau", "step")


def test_range_test_stub_is_reported_as_not_implemented():
    def stub(*args, **kwargs):
        raise NotImplementedError()

    _fails_with("lr_range_test", stub, "not implemented yet", "def lr_range_test")


@pytest.mark.parametrize("name", SCHEDULES)
def test_a_python_if_on_t_is_explained(name):
    def scalar_only(self, t):
        if t > 0:
            return t
        return t

    _fails_with(name, _with_lr_at(name, scalar_only), "array", "np.where")


def test_check_does_not_warn_when_the_formula_divides_by_zero():
    def no_one(self, t):
        return self.lr0 / (self.k * t)

    with np.errstate(all="raise"):
        _fails_with("inverse_time", _with_lr_at("inverse_time", no_one), "1 + k * t")


# ------------------------------------------------------------------ piecewise_constant
@pytest.mark.task("piecewise_constant")
def test_piecewise_constant_new_value_one_step_late_is_named():
    def late(self, t):
        return np.asarray(self.values)[np.searchsorted(self.boundaries, t, side="left")]

    _fails_with("piecewise_constant", _with_lr_at("piecewise_constant", late), "AT its boundary")


@pytest.mark.task("piecewise_constant")
def test_piecewise_constant_shifted_values_are_reported_with_the_steps():
    def shifted(self, t):
        values = np.asarray(self.values + [self.values[-1]])
        return values[np.searchsorted(self.boundaries, t, side="right") + 1]

    _fails_with("piecewise_constant", _with_lr_at("piecewise_constant", shifted), "at t = [0",
                "expected")


# ------------------------------------------------------------------ step_decay
@pytest.mark.task("step_decay")
@pytest.mark.parametrize("wrong, fragment", [
    (lambda s, t: s.lr0 * s.drop ** (t / s.every), "floor(t / every)"),
    (lambda s, t: s.lr0 * s.drop ** np.ceil(t / s.every), "ceil"),
    (lambda s, t: s.lr0 * s.drop ** (np.floor(t / s.every) + 1), "at t = 0 already"),
    (lambda s, t: s.lr0 * s.drop * np.floor(t / s.every), "RAISED"),
    (lambda s, t: s.lr0 * s.drop ** np.floor(t * s.every), "divided by every"),
])
def test_step_decay_slips_are_named(wrong, fragment):
    _fails_with("step_decay", _with_lr_at("step_decay", wrong), fragment)


# ------------------------------------------------------------------ exponential
@pytest.mark.task("exponential")
@pytest.mark.parametrize("wrong, fragment", [
    (lambda s, t: s.lr0 * np.exp(-t / s.r), "factor e"),
    (lambda s, t: s.lr0 * 10.0 ** (t / s.r), "grows"),
    (lambda s, t: 10.0 ** (-t / s.r), "start at lr0"),
    (lambda s, t: s.lr0 * 10.0 ** (-t * s.r), "divided by r"),
])
def test_exponential_slips_are_named(wrong, fragment):
    _fails_with("exponential", _with_lr_at("exponential", wrong), fragment)


# ------------------------------------------------------------------ power
@pytest.mark.task("power")
@pytest.mark.parametrize("wrong, fragment", [
    (lambda s, t: s.lr0 * (t / s.r) ** (-s.c), "1 + t / r"),
    (lambda s, t: s.lr0 * (1 + t / s.r) ** -1.0, "c is ignored"),
    (lambda s, t: s.lr0 * (1 + t / s.r) ** s.c, "grows"),
    (lambda s, t: s.lr0 * s.c / (1 + t / s.r), "c multiplies"),
])
def test_power_slips_are_named(wrong, fragment):
    with np.errstate(divide="ignore"):
        _fails_with("power", _with_lr_at("power", wrong), fragment)


@pytest.mark.task("power")
def test_power_wrong_default_c_is_named():
    class power(schedules.power):
        def __init__(self, lr0, r, c=2):
            super().__init__(lr0, r, c)

    _fails_with("power", power, "default is c = 1")


# ------------------------------------------------------------------ inverse_time
@pytest.mark.task("inverse_time")
@pytest.mark.parametrize("wrong, fragment", [
    (lambda s, t: s.lr0 * (1 + s.k * t), "grows"),
    (lambda s, t: s.lr0 / (1 + t / s.k) if s.k else np.full_like(t, s.lr0), "does not divide"),
])
def test_inverse_time_slips_are_named(wrong, fragment):
    _fails_with("inverse_time", _with_lr_at("inverse_time", wrong), fragment)


# ------------------------------------------------------------------ cosine
def _cosine(t, lr0, T, lr_min=0.0, W=0, clip=True, halve=True, start_at_w=True, warmup=True,
            use_min=True, scale=None):
    p = (t - W) / (T - W) if start_at_w else t / (scale or T)
    if clip:
        p = np.clip(p, 0.0, 1.0)
    base = lr_min if use_min else 0.0
    cos = (1 + np.cos(np.pi * p)) / (2 if halve else 1)
    annealed = base + (lr0 - base) * cos
    if not warmup or W == 0:
        return annealed
    return np.where(t < W, lr0 * t / W, annealed)


@pytest.mark.task("cosine")
@pytest.mark.parametrize("kwargs, fragment", [
    (dict(clip=False), "stay at lr_min"),
    (dict(halve=False), "halved"),
    (dict(use_min=False), "lr_min is ignored"),
    (dict(warmup=False, start_at_w=False), "warm-up is missing"),
    (dict(start_at_w=False), "start at t = warmup_steps"),
])
def test_cosine_slips_are_named(kwargs, fragment):
    def wrong(self, t):
        return _cosine(t, self.lr0, self.total_steps, self.lr_min, self.warmup_steps, **kwargs)

    _fails_with("cosine", _with_lr_at("cosine", wrong), fragment)


@pytest.mark.task("cosine")
def test_cosine_over_the_whole_length_after_warmup_is_named():
    def wrong(self, t):
        W, T = self.warmup_steps, self.total_steps
        p = np.clip((t - W) / T, 0, 1)
        annealed = self.lr_min + (self.lr0 - self.lr_min) * (1 + np.cos(np.pi * p)) / 2
        return np.where(t < W, self.lr0 * t / max(W, 1), annealed)

    _fails_with("cosine", _with_lr_at("cosine", wrong), "T - W")


# ------------------------------------------------------------------ one_cycle
def _ramp(a, b, p):
    return b + (a - b) * (1 + np.cos(np.pi * p)) / 2


@pytest.mark.task("one_cycle")
def test_one_cycle_linear_ramps_are_named():
    def linear(self, t):
        P, T = self.peak_step, self.total_steps
        up = self.lr_start + (self.max_lr - self.lr_start) * np.minimum(t / P, 1)
        down = self.max_lr + (self.lr_end - self.max_lr) * np.clip((t - P) / (T - P), 0, 1)
        return np.where(t < P, up, down)

    _fails_with("one_cycle", _with_lr_at("one_cycle", linear), "straight lines", "half cosine")


@pytest.mark.task("one_cycle")
def test_one_cycle_without_clip_after_the_end_is_named():
    def no_clip(self, t):
        P, T = self.peak_step, self.total_steps
        return np.where(t < P, _ramp(self.lr_start, self.max_lr, t / P),
                        _ramp(self.max_lr, self.lr_end, (t - P) / (T - P)))

    _fails_with("one_cycle", _with_lr_at("one_cycle", no_clip), "stay at lr_end")


@pytest.mark.task("one_cycle")
@pytest.mark.parametrize("end, fragment", [
    (lambda s: s.max_lr / s.final_div_factor, "not max_lr / final_div_factor"),
    (lambda s: s.lr_start * s.final_div_factor, "DIVIDED"),
])
def test_one_cycle_wrong_final_rate_is_named(end, fragment):
    def wrong(self, t):
        P, T = self.peak_step, self.total_steps
        return np.where(t < P, _ramp(self.lr_start, self.max_lr, np.minimum(t / P, 1)),
                        _ramp(self.max_lr, end(self), np.clip((t - P) / (T - P), 0, 1)))

    _fails_with("one_cycle", _with_lr_at("one_cycle", wrong), fragment)


@pytest.mark.task("one_cycle")
def test_one_cycle_unrounded_peak_is_pointed_to_peak_step():
    def unrounded(self, t):
        P, T = self.pct_start * self.total_steps, self.total_steps
        return np.where(t < P, _ramp(self.lr_start, self.max_lr, np.minimum(t / P, 1)),
                        _ramp(self.max_lr, self.lr_end, np.clip((t - P) / (T - P), 0, 1)))

    _fails_with("one_cycle", _with_lr_at("one_cycle", unrounded), "self.peak_step")


# ------------------------------------------------------------------ ReduceLROnPlateau
def _plateau_step(cut_at=None, reset_after_cut=True, reset_on_improve=True, floor=True,
                  use_improves=True, store=True):
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
        return self.lr
    return step


@pytest.mark.task("ReduceLROnPlateau")
def test_plateau_reference_like_step_passes():
    checks.check_ReduceLROnPlateau(_with_step(_plateau_step()))


@pytest.mark.task("ReduceLROnPlateau")
@pytest.mark.parametrize("kwargs, fragment", [
    (dict(cut_at=2), "one epoch early"),
    (dict(cut_at=4), "not >"),
    (dict(reset_after_cut=False), "restart from 0"),
    (dict(reset_on_improve=False), "reset num_bad_epochs"),
    (dict(store=False), "never cut"),
    (dict(floor=False), "min_lr"),
    (dict(use_improves=False), "mode 'max'"),
])
def test_plateau_slips_are_named(kwargs, fragment):
    _fails_with("ReduceLROnPlateau", _with_step(_plateau_step(**kwargs)), fragment)


@pytest.mark.task("ReduceLROnPlateau")
def test_plateau_ignoring_min_delta_is_named():
    def step(self, metric):
        improved = metric > self.best if self.mode == "max" else metric < self.best
        if improved:
            self.best, self.num_bad_epochs = metric, 0
        else:
            self.num_bad_epochs += 1
            if self.num_bad_epochs >= self.patience:
                self.lr, self.num_bad_epochs = max(self.lr * self.factor, self.min_lr), 0
        return self.lr

    _fails_with("ReduceLROnPlateau", _with_step(step), "min_delta")


@pytest.mark.task("ReduceLROnPlateau")
def test_plateau_that_returns_nothing_is_named():
    step = _plateau_step()

    def silent(self, metric):
        step(self, metric)

    _fails_with("ReduceLROnPlateau", _with_step(silent), "return the new learning rate")


# ------------------------------------------------------------------ lr_range_test
def _range_test(grid="geometric", bias_correct=True, swap=False, raw_min=False, divide=True,
                stop=True, record_last=True, nan_aware=True):
    """A configurable range test; the defaults give the reference behaviour."""
    def run(train_step, lr_min=1e-6, lr_max=1.0, num_steps=100, smooth=0.98, diverge_factor=4.0):
        i = np.arange(num_steps)
        lrs_all = (lr_min * (lr_max / lr_min) ** (i / (num_steps - 1)) if grid == "geometric"
                   else np.linspace(lr_min, lr_max, num_steps))
        lrs, losses, smoothed, avg, diverged = [], [], [], 0.0, False
        for k, lr in enumerate(lrs_all):
            loss = float(train_step(float(lr)))
            a, b = (1 - smooth, smooth) if swap else (smooth, 1 - smooth)
            avg = a * avg + b * loss
            value = avg / (1 - smooth ** (k + 1)) if bias_correct else avg
            blown = not np.isfinite(loss) or (len(smoothed) > 0 and value > diverge_factor * min(smoothed))
            if blown and stop and not record_last:
                diverged = True
                break
            lrs.append(float(lr))
            losses.append(loss)
            smoothed.append(value)
            if blown and stop:
                diverged = True
                break
        pick = losses if raw_min else smoothed
        best = int(np.nanargmin(pick)) if nan_aware else int(np.argmin(pick))
        suggested = lrs[best] / (10 if divide else 1)
        return schedules.RangeTestResult(np.asarray(lrs), np.asarray(losses), np.asarray(smoothed),
                                         float(suggested), diverged)
    return run


@pytest.mark.task("lr_range_test")
def test_range_test_reference_like_version_passes():
    checks.check_lr_range_test(_range_test())


@pytest.mark.task("lr_range_test")
@pytest.mark.parametrize("kwargs, fragment", [
    (dict(grid="linear"), "geometrically"),
    (dict(bias_correct=False), "1 - smooth ** (i + 1)"),
    (dict(swap=True), "swapped"),
    (dict(raw_min=True), "SMOOTHED"),
    (dict(divide=False), "divide it by 10"),
    (dict(stop=False), "ran all 6 steps"),
    (dict(record_last=False), "record the step that diverged"),
    (dict(nan_aware=False), "nanargmin"),
])
def test_range_test_slips_are_named(kwargs, fragment):
    with np.errstate(invalid="ignore"):
        _fails_with("lr_range_test", _range_test(**kwargs), fragment)


@pytest.mark.task("lr_range_test")
def test_range_test_that_ignores_nan_is_named():
    def run(train_step, lr_min=1e-6, lr_max=1.0, num_steps=100, smooth=0.98, diverge_factor=4.0):
        # stops only on the smoothed-loss rule, which a NaN never triggers
        return _range_test()(lambda lr: (lambda v: 0.0 if math.isnan(v) else v)(train_step(lr)),
                             lr_min, lr_max, num_steps, smooth, diverge_factor)

    _fails_with("lr_range_test", run, "NaN")


@pytest.mark.task("lr_range_test")
def test_range_test_calling_train_step_twice_per_rate_is_named():
    def run(train_step, **kwargs):
        return _range_test()(lambda lr: (train_step(lr), train_step(lr))[1], **kwargs)

    _fails_with("lr_range_test", run, "once per learning rate")


def test_a_result_of_the_wrong_shape_is_explained():
    def column(self, t):
        return np.full((t.size, 2), self.lr0)

    _fails_with("exponential", _with_lr_at("exponential", column), "one rate per entry of t")
