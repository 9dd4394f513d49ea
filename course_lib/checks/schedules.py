"""Visible checks of assignment 06: learning-rate schedules, plateau scheduling, range test.

A schedule is a class whose ``lr_at(self, t)`` the student writes; the given
``__call__`` validates ``t`` and calls it with a float64 array. A check builds a
few schedules, evaluates them on an array of steps chosen to sit on both sides
of every boundary, and compares with values worked out by hand. When they
differ, it tries the usual slips (a wrong base, a missing floor, a missing
clip, a new value that starts one step late, ...) and names the one it finds.
"""
from __future__ import annotations

import math

import numpy as np

from .core import *  # noqa: F401,F403
from .core import _call, _call_strict, _as_pair  # noqa: F401

__all__ = [
    "check_piecewise_constant", "check_step_decay", "check_exponential", "check_power",
    "check_inverse_time", "check_cosine", "check_one_cycle", "check_ReduceLROnPlateau",
    "check_lr_range_test",
]

_MODULE = "schedules"


def _not_implemented(name: str, method: str):
    fail(f"{name} is not implemented yet: open course_lib/{_MODULE}.py, find `class {name}` "
         f"and replace `raise NotImplementedError()` in its `{method}` method with your code.")


def _rates(name: str, cls, t, *args, **kwargs):
    """``cls(*args, **kwargs)(t)`` as a float64 array, with the usual failures explained."""
    schedule = cls(*args, **kwargs)
    t = np.asarray(t, dtype=np.float64)
    try:
        # a wrong formula may divide by zero at t = 0: report the value, not a warning
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            lr = schedule(t)
    except NotImplementedError:
        _not_implemented(name, "lr_at")
    except ValueError as err:
        if "truth value of an array" in str(err):
            fail(f"{name}.lr_at receives t as an ARRAY of steps, so a Python `if`, `min` or "
                 "`max` on t fails: use np.where, np.minimum / np.maximum or np.clip instead.")
        if "broadcast" in str(err) or "remapping" in str(err):
            fail(f"{name}.lr_at must return one rate per entry of t, an array of t's shape "
                 f"{t.shape}; it returned something of another shape.")
        raise
    return np.asarray(lr, dtype=np.float64)


def _show(values) -> str:
    return "[" + ", ".join(f"{v:.6g}" for v in np.asarray(values, dtype=np.float64).ravel()) + "]"


def _matches(got, expected, rtol=1e-9, atol=1e-12) -> bool:
    got, expected = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    return got.shape == expected.shape and bool(
        np.allclose(got, expected, rtol=rtol, atol=atol, equal_nan=True))


def _expect_rates(got, expected, t, what: str, slips=(), hint: str = ""):
    """Compare ``got`` with ``expected`` at steps ``t``; name a known slip if one matches.

    ``slips`` is a sequence of ``(values, message)``: the values a typical
    mistake produces at ``t``.
    """
    expected = np.asarray(expected, dtype=np.float64)
    got = np.asarray(got, dtype=np.float64)
    if got.shape != expected.shape:
        fail(f"{what}: for t of shape {np.shape(t)} the rates have shape {got.shape}; "
             "lr_at must return one rate per entry of t.")
    if _matches(got, expected):
        return
    for values, message in slips:
        values = np.asarray(values, dtype=np.float64)
        if _matches(got, values):
            fail(f"{what}: {message}")
    wrong = ~np.isclose(got, expected, rtol=1e-9, atol=1e-12, equal_nan=True)
    idx = np.flatnonzero(wrong)[:3]
    tt = np.asarray(t, dtype=np.float64).ravel()
    fail(f"{what}: at t = {_show(tt[idx])} the rate is {_show(got.ravel()[idx])}, expected "
         f"{_show(expected.ravel()[idx])}." + (" " + hint if hint else ""))


# ---------------------------------------------------------------- time-based


@visible_check("piecewise_constant")
def check_piecewise_constant(fn):
    """Check ``piecewise_constant``: the right value on every interval, switching AT a boundary."""
    t = np.array([0.0, 9.0, 9.5, 10.0, 15.0, 19.99, 20.0, 100.0])
    got = _rates("piecewise_constant", fn, t, [10, 20], [1.0, 0.5, 0.1])
    _expect_rates(got, [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.1, 0.1], t,
                  "piecewise_constant([10, 20], [1.0, 0.5, 0.1])",
                  slips=[([1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.1],
                          "at t = 10 and t = 20 you still return the previous value; a new value "
                          "takes effect AT its boundary (t >= boundary), e.g. "
                          "np.searchsorted(boundaries, t, side='right').")],
                  hint="values[i] applies for boundaries[i-1] <= t < boundaries[i].")
    got = _rates("piecewise_constant", fn, np.array([[0.0, 4.0], [5.0, 6.0]]), [5], [0.3, 0.03])
    _expect_rates(got, [[0.3, 0.3], [0.03, 0.03]], np.array([[0.0, 4.0], [5.0, 6.0]]),
                  "piecewise_constant([5], [0.3, 0.03]) on a 2-D array of steps")


@visible_check("step_decay")
def check_step_decay(fn):
    """Check ``step_decay``: constant within an interval, times ``drop`` at every multiple of ``every``."""
    t = np.array([0.0, 5.0, 9.9, 10.0, 19.0, 20.0, 35.0])
    got = _rates("step_decay", fn, t, 0.8, drop=0.5, every=10)
    what = "step_decay(0.8, drop=0.5, every=10)"
    _expect_rates(got, [0.8, 0.8, 0.8, 0.4, 0.4, 0.2, 0.1], t, what, slips=[
        (0.8 * 0.5 ** (t / 10), "the rate changes inside an interval: the number of drops so far "
                                "is a whole number, floor(t / every)."),
        (0.8 * 0.5 ** np.ceil(t / 10), "the rate drops too early (ceil instead of floor): "
                                       "lr(t) = lr0 for 0 <= t < every."),
        (0.8 * 0.5 ** (np.floor(t / 10) + 1), "the first drop is applied at t = 0 already: "
                                              "lr(t) = lr0 for 0 <= t < every."),
        (0.8 * 0.5 * np.floor(t / 10), "drop must be RAISED to the number of drops "
                                       "(drop ** floor(t / every)), not multiplied by it."),
        (0.8 * 0.5 ** np.floor(t * 10), "t must be divided by every, not multiplied."),
    ])


@visible_check("exponential")
def check_exponential(fn):
    """Check ``exponential``: ``lr0 * 10 ** (-t / r)``, a 10-fold drop every ``r`` steps."""
    t = np.array([0.0, 2.0, 4.0, 8.0, 12.0])
    got = _rates("exponential", fn, t, 2.0, r=4)
    _expect_rates(got, [2.0, 2.0 / math.sqrt(10.0), 0.2, 0.02, 0.002], t,
                  "exponential(2.0, r=4)", slips=[
                      (2.0 * np.exp(-t / 4), "the rate drops by a factor e every r steps; it "
                                             "should drop 10-fold: use 10 ** (-t / r)."),
                      (2.0 * 10.0 ** (-(t // 4)), "the rate falls in steps: t // r is a floor "
                                                  "division; the exponent is -t / r, a float."),
                      (2.0 * 10.0 ** (t / 4), "the rate grows with t: the exponent is -t / r."),
                      (10.0 ** (-t / 4), "the rate should start at lr0 (multiply by lr0)."),
                      (2.0 * 10.0 ** (-t * 4), "t must be divided by r, not multiplied."),
                  ])


@visible_check("power")
def check_power(fn):
    """Check ``power``: ``lr0 * (1 + t / r) ** (-c)``, with ``c = 1`` by default."""
    t = np.array([0.0, 5.0, 15.0, 45.0])
    got = _rates("power", fn, t, 3.0, r=5, c=2)
    with np.errstate(divide="ignore"):
        no_one = 3.0 * (t / 5) ** -2.0
    _expect_rates(got, [3.0, 0.75, 0.1875, 0.03], t, "power(3.0, r=5, c=2)", slips=[
        (no_one, "lr(0) should be lr0: the base is 1 + t / r, not t / r."),
        (3.0 * (1 + t / 5) ** -1.0, "the power c is ignored: raise (1 + t / r) to -c."),
        (3.0 * (1 + t / 5) ** 2.0, "the rate grows with t: the power is -c."),
        (3.0 * 2 / (1 + t / 5), "c multiplies instead of being the power: "
                                "(1 + t / r) ** (-c)."),
    ])
    got = _rates("power", fn, np.array([0.0, 30.0]), 1.0, r=10)
    _expect_rates(got, [1.0, 0.25], np.array([0.0, 30.0]), "power(1.0, r=10) with the default c",
                  hint="The default is c = 1.")


@visible_check("inverse_time")
def check_inverse_time(fn):
    """Check ``inverse_time``: ``lr0 / (1 + k t)``; ``k = 0`` is a constant rate."""
    t = np.array([0.0, 4.0, 12.0])
    got = _rates("inverse_time", fn, t, 2.0, k=0.25)
    with np.errstate(divide="ignore"):
        no_one = 2.0 / (0.25 * t)
    _expect_rates(got, [2.0, 1.0, 0.5], t, "inverse_time(2.0, k=0.25)", slips=[
        (no_one, "lr(0) should be lr0: the denominator is 1 + k * t."),
        (2.0 * (1 + 0.25 * t), "the rate grows with t: DIVIDE lr0 by (1 + k * t)."),
        (2.0 / (1 + t / 0.25), "k multiplies t (the rate halves at t = 1 / k); it does not "
                               "divide it."),
    ])
    got = _rates("inverse_time", fn, np.array([0.0, 100.0]), 0.3, k=0)
    _expect_rates(got, [0.3, 0.3], np.array([0.0, 100.0]), "inverse_time(0.3, k=0)",
                  hint="With k = 0 the rate never changes.")


@visible_check("cosine")
def check_cosine(fn):
    """Check ``cosine``: the half-cosine from ``lr0`` to ``lr_min``, warm-up, flat after the end."""
    c45 = math.cos(math.pi / 4)
    t = np.array([0.0, 2.0, 4.0, 8.0, 9.0, 16.0])
    got = _rates("cosine", fn, t, 2.0, total_steps=8)
    what = "cosine(2.0, total_steps=8)"
    _expect_rates(got, [2.0, 1.0 + c45, 1.0, 0.0, 0.0, 0.0], t, what, slips=[
        (1.0 + np.cos(np.pi * t / 8), "after total_steps the rate must stay at lr_min: clip the "
                                      "progress p to at most 1."),
        (2.0 * (1 + np.cos(np.pi * np.minimum(t / 8, 1))), "the cosine term (1 + cos(pi p)) "
                                                            "must be halved."),
        (2.0 * np.cos(np.pi * np.minimum(t / 8, 1) / 2), "use (1 + cos(pi p)) / 2, not a "
                                                         "quarter cosine."),
        (np.cos(np.pi * np.minimum(t / 8, 1)), "the 1 is missing: the factor is "
                                               "(1 + cos(pi p)) / 2, which runs from 1 to 0."),
    ])
    # lr_min and a warm-up: W = 2, T = 10
    t = np.array([0.0, 1.0, 2.0, 4.0, 6.0, 10.0, 14.0])
    got = _rates("cosine", fn, t, 1.0, total_steps=10, lr_min=0.2, warmup_steps=2)
    what = "cosine(1.0, total_steps=10, lr_min=0.2, warmup_steps=2)"
    p_from_zero = np.minimum(t / 10, 1.0)
    _expect_rates(got, [0.0, 0.5, 1.0, 0.2 + 0.4 * (1 + c45), 0.6, 0.2, 0.2], t, what, slips=[
        (np.where(t < 2, t / 2, 0.2 + 0.4 * (1 + np.cos(np.pi * np.clip((t - 2) / 10, 0, 1)))),
         "the cosine runs over total_steps - warmup_steps steps: p = (t - W) / (T - W)."),
        (np.where(t < 2, t / 2, 0.2 + 0.4 * (1 + np.cos(np.pi * p_from_zero))),
         "the cosine must start at t = warmup_steps: p = (t - W) / (T - W), not t / T."),
        (0.2 + 0.4 * (1 + np.cos(np.pi * p_from_zero)),
         "the warm-up is missing: for t < warmup_steps the rate climbs linearly, lr0 * t / W."),
        (np.where(t < 2, t / 2, 0.5 * (1 + np.cos(np.pi * np.clip((t - 2) / 8, 0, 1)))),
         "lr_min is ignored: the cosine goes from lr0 down to lr_min, "
         "lr_min + (lr0 - lr_min) * (1 + cos(pi p)) / 2."),
    ])


@visible_check("one_cycle")
def check_one_cycle(fn):
    """Check ``one_cycle``: start, peak and end values, cosine ramps, flat after the end."""
    c45 = math.cos(math.pi / 4)
    lr_start, lr_end = 0.04, 4e-6
    # T = 100, P = 30
    t = np.array([0.0, 7.5, 15.0, 30.0, 47.5, 65.0, 100.0, 150.0])
    got = _rates("one_cycle", fn, t, 1.0, total_steps=100)
    what = "one_cycle(1.0, total_steps=100) (peak at t = 30)"
    up = 1.0 + (lr_start - 1.0) * (1 + c45) / 2
    down = lr_end + (1.0 - lr_end) * (1 + c45) / 2
    expected = [lr_start, up, 0.52, 1.0, down, (1.0 + lr_end) / 2, lr_end, lr_end]
    lin_up = np.clip(lr_start + (1.0 - lr_start) * t / 30, None, 1.0)
    lin_down = 1.0 + (lr_end - 1.0) * np.clip((t - 30) / 70, 0, 1)
    wrong_end = lr_start * 1e4
    _expect_rates(got, expected, t, what, slips=[
        (np.where(t < 30, lin_up, lin_down),
         "the ramps are straight lines; they should follow a half cosine: "
         "ramp(a, b, p) = b + (a - b) * (1 + cos(pi p)) / 2."),
        (np.where(t < 30, 1.0 + (lr_start - 1.0) * (1 + np.cos(np.pi * t / 30)) / 2,
                  lr_end + (1.0 - lr_end) * (1 + np.cos(np.pi * (t - 30) / 70)) / 2),
         "after total_steps the rate must stay at lr_end: clip the progress of the second ramp "
         "to at most 1."),
        (np.where(t < 30, 1.0 + (lr_start - 1.0) * (1 + np.cos(np.pi * t / 30)) / 2,
                  1.0 / 1e4 + (1.0 - 1.0 / 1e4) * (1 + np.cos(np.pi * np.clip((t - 30) / 70,
                                                                             0, 1))) / 2),
         "the final rate is lr_start / final_div_factor = max_lr / div_factor / "
         "final_div_factor (use self.lr_end), not max_lr / final_div_factor."),
        (np.where(t < 30, 1.0 + (lr_start - 1.0) * (1 + np.cos(np.pi * t / 30)) / 2,
                  wrong_end + (1.0 - wrong_end) * (1 + np.cos(np.pi * np.clip((t - 30) / 70,
                                                                             0, 1))) / 2),
         "the final rate is lr_start DIVIDED by final_div_factor (self.lr_end)."),
    ], hint="The cycle climbs from max_lr / div_factor to max_lr at peak_step, then falls to "
            "lr_end at total_steps.")
    # a peak step that needs rounding: round(0.25 * 15) = 4
    t = np.array([0.0, 2.0, 4.0, 15.0])
    got = _rates("one_cycle", fn, t, 2.0, total_steps=15, pct_start=0.25, div_factor=4,
                 final_div_factor=5)
    _expect_rates(got, [0.5, 1.25, 2.0, 0.1], t,
                  "one_cycle(2.0, total_steps=15, pct_start=0.25, div_factor=4, "
                  "final_div_factor=5) (peak at t = round(3.75) = 4)",
                  hint="Use self.peak_step (the rounded peak), self.lr_start and self.lr_end.")


# ---------------------------------------------------------------- performance scheduling


def _plateau_run(fn, metrics, **kwargs):
    plateau = fn(**kwargs)
    lrs = []
    for m in metrics:
        try:
            lr = plateau.step(m)
        except NotImplementedError:
            _not_implemented("ReduceLROnPlateau", "step")
        lrs.append(lr)
    return plateau, lrs


def _args(kwargs):
    return ", ".join(f"{k}={v!r}" for k, v in kwargs.items())


@visible_check("ReduceLROnPlateau")
def check_ReduceLROnPlateau(fn):
    """Check ``ReduceLROnPlateau.step``: patience counting, resets, ``min_lr``, ``mode``, ``min_delta``."""
    kwargs = dict(lr0=1.0, factor=0.5, patience=3)
    metrics = [5.0, 4.0, 4.5, 4.2, 4.1, 4.3, 3.9, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0]
    expected = [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125]
    plateau, got = _plateau_run(fn, metrics, **kwargs)
    intro = f"ReduceLROnPlateau({_args(kwargs)}) fed the losses {metrics}"
    if any(not isinstance(lr, (int, float)) for lr in got):
        fail(f"{intro}: step returned {got[:3]}...; it must return the new learning rate "
             "(self.lr), a float.")
    if not _matches(got, expected):
        first = int(np.flatnonzero(~np.isclose(got, expected))[0])
        epoch = first + 1
        where = f"{intro}: after epoch {epoch} step returned {got[first]:g}, expected " \
                f"{expected[first]:g}."
        if all(lr == 1.0 for lr in got):
            fail(f"{where} The rate is never cut: when num_bad_epochs reaches patience, multiply "
                 "self.lr by factor (store it in self.lr, which step returns).")
        if epoch == 4:
            fail(f"{where} The cut comes one epoch early: epochs 3 and 4 are only the 1st and "
                 "2nd non-improving epochs; cut on the 3rd (num_bad_epochs >= patience).")
        if epoch == 5:
            fail(f"{where} Epochs 3, 4 and 5 did not improve on the best loss 4.0, so the third "
                 "of them (epoch 5) must cut the rate (num_bad_epochs >= patience, not >).")
        if epoch == 6:
            fail(f"{where} After a cut the count must restart from 0 (num_bad_epochs = 0), so "
                 "the next cut needs patience more bad epochs.")
        if epoch == 7:
            fail(f"{where} Epoch 7 improved (3.9 < 4.0): an improving epoch never changes the "
                 "rate.")
        if epoch in (8, 9):
            fail(f"{where} Epoch 7 improved the best loss, so it must reset num_bad_epochs to 0 "
                 "(and store best = 3.9); the next cut is then due at epoch 10.")
        fail(f"{where} Rates returned: {got}; expected {expected}. Compare with the rules in the "
             "docstring: count non-improving epochs, cut at patience, reset the count.")
    if not math.isclose(float(plateau.best), 3.9):
        fail(f"{intro}: best is {plateau.best!r} at the end, expected 3.9: store every "
             "improving metric in self.best (and keep it across cuts).")
    if plateau.num_bad_epochs != 0:
        fail(f"{intro}: num_bad_epochs is {plateau.num_bad_epochs} right after the cut at epoch "
             "13, expected 0: restart the count after every cut.")

    kwargs = dict(lr0=1.0, factor=0.1, patience=1, min_lr=0.05)
    _, got = _plateau_run(fn, [1.0, 1.0, 1.0, 1.0], **kwargs)
    if not _matches(got, [1.0, 0.1, 0.05, 0.05]):
        fail(f"ReduceLROnPlateau({_args(kwargs)}) fed [1, 1, 1, 1] returned {got}, expected "
             "[1.0, 0.1, 0.05, 0.05]: the rate never goes below min_lr "
             "(max(lr * factor, min_lr)).")

    kwargs = dict(lr0=1.0, factor=0.5, patience=1, mode="max", min_delta=0.01)
    accs = [0.5, 0.6, 0.605, 0.62, 0.62]
    _, got = _plateau_run(fn, accs, **kwargs)
    if not _matches(got, [1.0, 1.0, 0.5, 0.5, 0.25]):
        hint = ("0.605 is not an improvement on 0.6 because it beats it by less than "
                "min_delta = 0.01" if _matches(got, [1.0, 1.0, 1.0, 1.0, 0.5]) else
                "in mode 'max' a HIGHER metric is better")
        fail(f"ReduceLROnPlateau({_args(kwargs)}) fed the accuracies {accs} returned {got}, "
             f"expected [1.0, 1.0, 0.5, 0.5, 0.25]: {hint}. Decide with self.improves(metric), "
             "which handles mode and min_delta.")


# ---------------------------------------------------------------- range test


class _ScriptedStep:
    """A fake ``train_step(lr)``: records the rates it gets and returns scripted losses."""

    def __init__(self, losses):
        self.losses = list(losses)
        self.lrs = []

    def __call__(self, lr):
        self.lrs.append(lr)
        i = len(self.lrs) - 1
        return self.losses[i] if i < len(self.losses) else self.losses[-1]


def _range_test(fn, step, **kwargs):
    result = _call("lr_range_test", _MODULE, fn, step, **kwargs)
    for name in ("lrs", "losses", "smoothed", "suggested_lr", "diverged"):
        if not hasattr(result, name):
            fail(f"lr_range_test must return the RangeTestResult built at its end; the result "
                 f"has no `{name}`.")
    return result


@visible_check("lr_range_test")
def check_lr_range_test(fn):
    """Check ``lr_range_test`` against a scripted ``train_step``: rates, smoothing, stop, suggestion."""
    # 3 steps from 1e-3 to 1e-1, smooth = 0.75: worked out by hand
    #   avg = 1, 1.25, 1.125   ->   smoothed = 1 / 0.25, 1.25 / 0.4375, 1.125 / 0.578125
    kwargs = dict(lr_min=1e-3, lr_max=1e-1, num_steps=3, smooth=0.75)
    step = _ScriptedStep([4.0, 1.0, 1.5])
    result = _range_test(fn, step, **kwargs)
    call = f"lr_range_test(train_step, {_args(kwargs)}) with losses [4.0, 1.0, 1.5]"
    if not _matches(step.lrs, [1e-3, 1e-2, 1e-1]):
        if len(step.lrs) != 3:
            fail(f"{call}: train_step was called {len(step.lrs)} times, expected 3 (once per "
                 "learning rate, when the loss never blows up).")
        if _matches(step.lrs, np.linspace(1e-3, 1e-1, 3)):
            fail(f"{call}: train_step got the rates {_show(step.lrs)}, evenly spaced; they must "
                 "grow geometrically (evenly spaced on a log scale): "
                 "lr_min * (lr_max / lr_min) ** (i / (num_steps - 1)).")
        fail(f"{call}: train_step got the rates {_show(step.lrs)}, expected [0.001, 0.01, 0.1].")
    expect_close(result.lrs, [1e-3, 1e-2, 1e-1], f"{call}: lrs", rtol=1e-9)
    expect_close(result.losses, [4.0, 1.0, 1.5], f"{call}: losses (the values train_step "
                                                 "returned)")
    smoothed = [4.0, 16.0 / 7.0, 72.0 / 37.0]
    if _matches(result.smoothed, [1.0, 1.25, 1.125]):
        fail(f"{call}: smoothed is {_show(result.smoothed)}, the raw moving average. It starts at "
             "0 and is biased towards 0 early on: divide by 1 - smooth ** (i + 1).")
    if _matches(result.smoothed, [4.0, 1.0, 1.5]):
        fail(f"{call}: smoothed equals the raw losses; average them: "
             "avg = smooth * avg + (1 - smooth) * loss.")
    if _matches(result.smoothed, [12.0, 1.5 / 0.4375, 1.5 / 0.578125]):
        fail(f"{call}: smoothed is {_show(result.smoothed)}: the two weights are swapped. "
             "smooth weighs the PAST: avg = smooth * avg + (1 - smooth) * loss.")
    expect_close(result.smoothed, smoothed, f"{call}: smoothed", rtol=1e-9,
                 hint="avg = smooth * avg + (1 - smooth) * loss_i (smooth weighs the PAST), "
                      "smoothed_i = avg / (1 - smooth ** (i + 1)).")
    if result.diverged:
        fail(f"{call}: diverged is True although the smoothed loss never exceeded 4 times its "
             "minimum.")
    suggested = float(result.suggested_lr)
    if not math.isclose(suggested, 1e-2, rel_tol=1e-9):
        if math.isclose(suggested, 1e-3, rel_tol=1e-9):
            fail(f"{call}: suggested_lr is 0.001, a tenth of the rate at the lowest RAW loss; "
                 "use the minimum of the SMOOTHED loss (0.1 here), divided by 10.")
        if math.isclose(suggested, 1e-1, rel_tol=1e-9):
            fail(f"{call}: suggested_lr is 0.1, the rate at the minimum of the smoothed loss; "
                 "divide it by 10.")
        fail(f"{call}: suggested_lr is {suggested:g}, expected 0.01 (the rate at the minimum of "
             "the smoothed loss, 0.1, divided by 10).")

    # divergence: no smoothing, the loss 5 exceeds 4 x the best 1 at the 4th step
    kwargs = dict(lr_min=1.0, lr_max=1e5, num_steps=6, smooth=0.0)
    step = _ScriptedStep([2.0, 1.0, 3.0, 5.0, 0.5, 0.5])
    result = _range_test(fn, step, **kwargs)
    call = f"lr_range_test(train_step, {_args(kwargs)}) with losses [2, 1, 3, 5, 0.5, 0.5]"
    n = len(step.lrs)
    if n != 4 or len(result.lrs) != 4:
        if n == 6:
            fail(f"{call}: the test ran all 6 steps; it must stop right after step 4, whose "
                 "smoothed loss 5 exceeds diverge_factor * (best so far) = 4 * 1.")
        if n == 4 and len(result.lrs) == 3:
            fail(f"{call}: record the step that diverged before stopping: lrs, losses and "
                 "smoothed should hold 4 entries.")
        fail(f"{call}: train_step was called {n} times and lrs has {len(result.lrs)} entries; "
             "expected 4 (stop right after the 4th step, where 5 > 4 * 1).")
    if not result.diverged:
        fail(f"{call}: the test stopped because the loss blew up, so diverged must be True.")
    expect_close(result.smoothed, [2.0, 1.0, 3.0, 5.0], f"{call}: smoothed (smooth = 0 means "
                                                         "no smoothing)")
    if not math.isclose(float(result.suggested_lr), 1.0, rel_tol=1e-9):
        fail(f"{call}: suggested_lr is {float(result.suggested_lr):g}, expected 1 (the rate "
             "10 at the lowest smoothed loss, divided by 10).")

    # a NaN loss stops the test, and the suggestion ignores it
    kwargs = dict(lr_min=1e-2, lr_max=1.0, num_steps=3, smooth=0.0)
    step = _ScriptedStep([2.0, float("nan"), 1.0])
    with np.errstate(invalid="ignore"):
        result = _range_test(fn, step, **kwargs)
    call = f"lr_range_test(train_step, {_args(kwargs)}) with losses [2, nan, 1]"
    if len(step.lrs) != 2 or not result.diverged:
        fail(f"{call}: a NaN (or inf) loss must stop the test right after that step with "
             f"diverged = True; train_step was called {len(step.lrs)} times and diverged is "
             f"{result.diverged}.")
    if not math.isclose(float(result.suggested_lr), 1e-3, rel_tol=1e-9):
        fail(f"{call}: suggested_lr is {float(result.suggested_lr)!r}, expected 0.001: skip NaN "
             "when looking for the minimum (np.nanargmin).")
