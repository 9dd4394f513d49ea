"""The visible checks of assignment 04: pass on the reference, name each plausible mistake."""
from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from course_lib import checks
from course_lib import regularization as reg

from check_support import fails_with as _fails_with

FUNCTIONS = {
    "dropout_forward": reg.dropout_forward,
    "dropout_backward": reg.dropout_backward,
    "l1_penalty": reg.l1_penalty,
    "l2_penalty": reg.l2_penalty,
    "elastic_net_penalty": reg.elastic_net_penalty,
    "max_norm": reg.max_norm,
    "clip_by_value": reg.clip_by_value,
    "clip_by_global_norm": reg.clip_by_global_norm,
    "EarlyStopping": reg.EarlyStopping,
}


# ------------------------------------------------------------------ general
def _tagged(names):
    return [pytest.param(name, marks=pytest.mark.task(name), id=name) for name in sorted(names)]


@pytest.mark.parametrize("name", _tagged(FUNCTIONS))
def test_check_passes_on_the_reference_and_prints_a_pass_line(name, capsys):
    getattr(checks, f"check_{name}")(FUNCTIONS[name])
    assert capsys.readouterr().out.strip() == f"✔ {name}: visible check passed."


@pytest.mark.parametrize("name", _tagged(set(FUNCTIONS) - {"EarlyStopping"}))
def test_check_turns_a_stub_into_not_implemented_yet(name):
    def stub(*args, **kwargs):
        raise NotImplementedError()

    _fails_with(getattr(checks, f"check_{name}"), stub, "not implemented yet", f"def {name}",
                "course_lib/regularization.py")


@pytest.mark.task("EarlyStopping")
def test_early_stopping_check_turns_a_stub_into_not_implemented_yet():
    class Stub(reg.EarlyStopping):
        def step(self, metric, params=None):
            raise NotImplementedError()

    _fails_with(checks.check_EarlyStopping, Stub, "not implemented yet", "def step",
                "class EarlyStopping")


# ------------------------------------------------------------------ dropout
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


@pytest.mark.task("dropout_forward")
def test_dropout_forward_check_names_a_missing_rescale():
    _fails_with(checks.check_dropout_forward,
                _dropout(lambda u, r: u >= r, lambda r: 1.0), "not rescaled", "1 - rate")


@pytest.mark.task("dropout_forward")
def test_dropout_forward_check_names_multiplying_by_the_keep_probability():
    _fails_with(checks.check_dropout_forward,
                _dropout(lambda u, r: u >= r, lambda r: 1.0 - r), "divides")


@pytest.mark.task("dropout_forward")
def test_dropout_forward_check_names_dividing_by_the_rate():
    _fails_with(checks.check_dropout_forward,
                _dropout(lambda u, r: u >= r, lambda r: 1.0 / r), "divided by rate")


@pytest.mark.task("dropout_forward")
def test_dropout_forward_check_names_rate_taken_as_keep_probability():
    _fails_with(checks.check_dropout_forward,
                _dropout(lambda u, r: u < r, _inverted), "probability of dropping")


@pytest.mark.task("dropout_forward")
def test_dropout_forward_check_names_a_mask_without_the_rescale():
    def forward(x, dropout_param):
        rate = dropout_param.get("rate", 0.5)
        if dropout_param.get("mode", "train") == "train":
            mask = (reg._dropout_rng(dropout_param).random(x.shape) >= rate).astype(x.dtype)
            return x * mask / x.dtype.type(1 - rate), (dropout_param, mask)
        return x, (dropout_param, None)
    _fails_with(checks.check_dropout_forward, forward, "x * mask")


@pytest.mark.task("dropout_forward")
def test_dropout_forward_check_names_a_generator_of_its_own():
    state = np.random.default_rng(12345)

    def forward(x, dropout_param):
        rate = dropout_param.get("rate", 0.5)
        if dropout_param.get("mode", "train") == "train":
            mask = (state.random(x.shape) >= rate).astype(x.dtype) / x.dtype.type(1 - rate)
            return x * mask, (dropout_param, mask)
        return x, (dropout_param, None)
    _fails_with(checks.check_dropout_forward, forward, "same seed", "rng")


@pytest.mark.task("dropout_forward")
def test_dropout_forward_check_names_ignoring_the_shared_generator():
    def forward(x, dropout_param):
        rate = dropout_param.get("rate", 0.5)
        if dropout_param.get("mode", "train") == "train":
            rng = np.random.default_rng(dropout_param.get("seed"))
            if dropout_param.get("rng") is not None:
                rng = np.random.default_rng(0)         # a fresh generator every call
            mask = (rng.random(x.shape) >= rate).astype(x.dtype) / x.dtype.type(1 - rate)
            return x * mask, (dropout_param, mask)
        return x, (dropout_param, None)
    _fails_with(checks.check_dropout_forward, forward, "repeats its mask")


@pytest.mark.task("dropout_forward")
def test_dropout_forward_check_names_dropping_in_test_mode():
    def forward(x, dropout_param):
        param = dict(dropout_param, mode="train", seed=0)
        return reg.dropout_forward(x, param)
    _fails_with(checks.check_dropout_forward, forward, "test mode", "x itself")


@pytest.mark.task("dropout_forward")
def test_dropout_forward_check_names_a_float32_upcast():
    def forward(x, dropout_param):
        return reg.dropout_forward(x.astype(np.float64), dropout_param)
    _fails_with(checks.check_dropout_forward, forward, "float32")


@pytest.mark.task("dropout_backward")
def test_dropout_backward_check_names_a_gradient_that_is_not_rescaled():
    def backward(dout, cache):
        param, mask = cache
        return dout * (mask > 0) if param.get("mode", "train") == "train" else dout
    _fails_with(checks.check_dropout_backward, backward, "not rescaled")


@pytest.mark.task("dropout_backward")
def test_dropout_backward_check_names_a_crash_in_test_mode():
    def backward(dout, cache):
        return dout * cache[1]
    _fails_with(checks.check_dropout_backward, backward, "test mode", "return dout")


@pytest.mark.task("dropout_backward")
def test_dropout_backward_check_names_a_missing_default_mode():
    def backward(dout, cache):
        param, mask = cache
        return dout * mask if param.get("mode") == "train" else dout
    _fails_with(checks.check_dropout_backward, backward, "defaults to 'train'")


# ------------------------------------------------------------------ penalties
@pytest.mark.task("l1_penalty")
def test_l1_check_names_a_penalty_over_one_array_only():
    def l1(weights, strength):
        w = next(iter(weights.values()))
        return float(strength * np.abs(w).sum()), {k: strength * np.sign(v)
                                                   for k, v in weights.items()}
    _fails_with(checks.check_l1_penalty, l1, "only one of the arrays")


@pytest.mark.task("l1_penalty")
def test_l1_check_names_a_stray_one_half():
    def l1(weights, strength):
        loss, grads = reg.l1_penalty(weights, strength)
        return 0.5 * loss, grads
    _fails_with(checks.check_l1_penalty, l1, "no 0.5")


@pytest.mark.task("l1_penalty")
def test_l1_check_names_a_gradient_without_the_strength():
    def l1(weights, strength):
        loss, _ = reg.l1_penalty(weights, strength)
        return loss, {k: np.sign(w) for k, w in weights.items()}
    _fails_with(checks.check_l1_penalty, l1, "reg * sign(w)")


@pytest.mark.task("l1_penalty")
def test_l1_check_names_a_nonzero_subgradient_at_zero():
    def l1(weights, strength):
        loss, _ = reg.l1_penalty(weights, strength)
        return loss, {k: strength * np.where(w >= 0, 1.0, -1.0) for k, w in weights.items()}
    _fails_with(checks.check_l1_penalty, l1, "exactly zero", "np.sign(0)")


@pytest.mark.task("l2_penalty")
def test_l2_check_names_a_missing_one_half():
    def l2(weights, strength):
        loss, grads = reg.l2_penalty(weights, strength)
        return 2 * loss, grads
    _fails_with(checks.check_l2_penalty, l2, "twice", "0.5")


@pytest.mark.task("l2_penalty")
def test_l2_check_names_a_doubled_gradient():
    def l2(weights, strength):
        loss, _ = reg.l2_penalty(weights, strength)
        return loss, {k: 2 * strength * w for k, w in weights.items()}
    _fails_with(checks.check_l2_penalty, l2, "2 * reg * w")


@pytest.mark.task("l2_penalty")
def test_l2_check_names_an_update_in_place():
    def l2(weights, strength):
        loss, grads = reg.l2_penalty(weights, strength)
        for w in weights.values():
            w *= 1.0 - strength
        return loss, grads
    _fails_with(checks.check_l2_penalty, l2, "in place")


@pytest.mark.task("l2_penalty")
def test_l2_check_names_a_float32_upcast():
    def l2(weights, strength):
        return reg.l2_penalty({k: w.astype(np.float64) for k, w in weights.items()}, strength)
    _fails_with(checks.check_l2_penalty, l2, "float32")


@pytest.mark.task("elastic_net_penalty")
def test_elastic_net_check_names_swapped_ratios():
    def net(weights, strength, l1_ratio):
        return reg.elastic_net_penalty(weights, strength, 1 - l1_ratio)
    _fails_with(checks.check_elastic_net_penalty, net, "swapped")


@pytest.mark.task("elastic_net_penalty")
def test_elastic_net_check_names_an_l2_part_without_one_half():
    def net(weights, strength, l1_ratio):
        l1 = sum(np.abs(w).sum() for w in weights.values())
        l2 = sum((w * w).sum() for w in weights.values())
        loss = strength * (l1_ratio * l1 + (1 - l1_ratio) * l2)
        _, grads = reg.elastic_net_penalty(weights, strength, l1_ratio)
        return float(loss), grads
    _fails_with(checks.check_elastic_net_penalty, net, "needs its 0.5")


@pytest.mark.task("elastic_net_penalty")
def test_elastic_net_check_names_a_wrong_gradient():
    def net(weights, strength, l1_ratio):
        loss, _ = reg.elastic_net_penalty(weights, strength, l1_ratio)
        return loss, {k: strength * (l1_ratio * np.sign(w) + (1 - l1_ratio) * 2 * w)
                      for k, w in weights.items()}
    _fails_with(checks.check_elastic_net_penalty, net, "grads['W1']",
                "reg * (l1_ratio * sign(w) + (1 - l1_ratio) * w)")


# ------------------------------------------------------------------ max-norm
@pytest.mark.task("max_norm")
def test_max_norm_check_names_scaling_every_column_to_the_cap():
    def capped(w, c, axis=0):
        norms = np.sqrt((w * w).sum(axis=axis, keepdims=True))
        return w * (c / np.where(norms > 0, norms, 1.0))
    _fails_with(checks.check_max_norm, capped, "every column", "longer")


@pytest.mark.task("max_norm")
def test_max_norm_check_names_norms_of_rows():
    def capped(w, c, axis=0):
        return reg.max_norm(w, c, axis=1 - axis)
    _fails_with(checks.check_max_norm, capped, "rows")


@pytest.mark.task("max_norm")
def test_max_norm_check_names_a_division_by_a_zero_norm():
    def capped(w, c, axis=0):
        norms = np.sqrt((w * w).sum(axis=axis, keepdims=True))
        return w * np.minimum(1.0, c / norms)
    _fails_with(checks.check_max_norm, capped, "divides by zero")


@pytest.mark.task("max_norm")
def test_max_norm_check_names_an_ignored_axis():
    def capped(w, c, axis=0):
        return reg.max_norm(w, c)
    _fails_with(checks.check_max_norm, capped, "axis=1", "`axis` argument")


@pytest.mark.task("max_norm")
def test_max_norm_check_names_a_change_in_place():
    def capped(w, c, axis=0):
        w *= reg.max_norm(w, c, axis) / np.where(w == 0, 1.0, w)
        return w
    _fails_with(checks.check_max_norm, capped, "in place")


# ------------------------------------------------------------------ clipping
@pytest.mark.task("clip_by_value")
def test_clip_by_value_check_names_one_sided_clipping():
    def clip(grads, c):
        return {k: np.minimum(g, c) for k, g in grads.items()}
    _fails_with(checks.check_clip_by_value, clip, "only from above")


@pytest.mark.task("clip_by_value")
def test_clip_by_value_check_names_a_float32_upcast():
    def clip(grads, c):
        return {k: np.clip(g.astype(np.float64), -c, c) for k, g in grads.items()}
    _fails_with(checks.check_clip_by_value, clip, "float32")


@pytest.mark.task("clip_by_global_norm")
def test_global_norm_check_names_clipping_each_array_on_its_own():
    def clip(grads, max_norm):
        clipped = {}
        for k, g in grads.items():
            n = float(np.linalg.norm(g))
            clipped[k] = g * (max_norm / max(n, max_norm))
        total = math.sqrt(sum(float((g * g).sum()) for g in grads.values()))
        return clipped, total
    _fails_with(checks.check_clip_by_global_norm, clip, "on its own", "ALL")


@pytest.mark.task("clip_by_global_norm")
def test_global_norm_check_names_the_norm_after_clipping():
    def clip(grads, max_norm):
        clipped, _ = reg.clip_by_global_norm(grads, max_norm)
        return clipped, math.sqrt(sum(float((g * g).sum()) for g in clipped.values()))
    _fails_with(checks.check_clip_by_global_norm, clip, "after clipping", "BEFORE")


@pytest.mark.task("clip_by_global_norm")
def test_global_norm_check_names_scaling_small_gradients_up():
    def clip(grads, max_norm):                     # the sample bug of the course's demo class
        norm = math.sqrt(sum(float((g * g).sum()) for g in grads.values()))
        return {k: g * (max_norm / norm) for k, g in grads.items()}, norm
    _fails_with(checks.check_clip_by_global_norm, clip, "below max_norm", "never scale")


@pytest.mark.task("clip_by_global_norm")
def test_global_norm_check_names_a_division_by_a_zero_norm():
    def clip(grads, max_norm):
        norm = math.sqrt(sum(float((g * g).sum()) for g in grads.values()))
        scale = np.minimum(1.0, max_norm / np.float64(norm))
        return {k: g * g.dtype.type(scale) for k, g in grads.items()}, norm
    _fails_with(checks.check_clip_by_global_norm, clip, "divides by zero")


@pytest.mark.task("clip_by_global_norm")
def test_global_norm_check_names_a_float32_upcast():
    def clip(grads, max_norm):
        norm = math.sqrt(sum(float((g * g).sum()) for g in grads.values()))
        scale = np.float64(max_norm / max(norm, max_norm))
        return {k: g * scale for k, g in grads.items()}, norm
    _fails_with(checks.check_clip_by_global_norm, clip, "float32")


# ------------------------------------------------------------------ early stopping
class _Stopper(reg.EarlyStopping):
    """An EarlyStopping whose ``step`` core is ``self.core(metric, params) -> improved``."""

    def step(self, metric, params=None):
        metric = float(metric)
        if params is not None:
            self._last_params = params
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


@pytest.mark.task("EarlyStopping")
def test_the_early_stopping_test_double_passes_the_check():
    checks.check_EarlyStopping(_Stopper)


@pytest.mark.task("EarlyStopping")
def test_early_stopping_check_names_stopping_one_call_too_early():
    class Early(_Stopper):
        def stop_rule(self):
            return self.wait >= self.patience - 1 and self.wait > 0
    _fails_with(checks.check_EarlyStopping, Early, "one call too early")


@pytest.mark.task("EarlyStopping")
def test_early_stopping_check_names_never_stopping():
    class Never(_Stopper):
        def stop_rule(self):
            return self.wait > self.patience
    _fails_with(checks.check_EarlyStopping, Never, "never returned True")


@pytest.mark.task("EarlyStopping")
def test_early_stopping_check_names_a_wait_that_is_not_reset():
    class NoReset(_Stopper):
        def step(self, metric, params=None):
            wait = self.wait
            result = super().step(metric, params)
            if self.wait == 0 and self.num_steps > 1:
                self.wait = wait
                self.stopped = self.wait >= self.patience
                return self.stopped
            return result
    _fails_with(checks.check_EarlyStopping, NoReset, "sets wait back to 0")


@pytest.mark.task("EarlyStopping")
def test_early_stopping_check_names_an_ignored_min_delta():
    class NoDelta(_Stopper):
        def core(self, metric):
            return metric < self.best_value if self.mode == "min" else metric > self.best_value
    _fails_with(checks.check_EarlyStopping, NoDelta, "min_delta")


@pytest.mark.task("EarlyStopping")
def test_early_stopping_check_names_an_ignored_mode():
    class AlwaysMin(_Stopper):
        def core(self, metric):
            return metric < self.best_value - self.min_delta or math.isinf(self.best_value)
    _fails_with(checks.check_EarlyStopping, AlwaysMin, "mode='max'", "higher is better")


@pytest.mark.task("EarlyStopping")
def test_early_stopping_check_names_nan_counted_as_an_improvement():
    class NanImproves(_Stopper):
        def core(self, metric):
            if self.mode == "min":
                return not metric >= self.best_value - self.min_delta
            return not metric <= self.best_value + self.min_delta
    _fails_with(checks.check_EarlyStopping, NanImproves, "nan")


@pytest.mark.task("EarlyStopping")
def test_early_stopping_check_names_best_params_kept_by_reference():
    class Reference(_Stopper):
        def keep(self, params):
            return params
    _fails_with(checks.check_EarlyStopping, Reference, "deep copy")


@pytest.mark.task("EarlyStopping")
def test_early_stopping_check_names_a_shallow_copy():
    class Shallow(_Stopper):
        def keep(self, params):
            return dict(params) if params is not None else None
    _fails_with(checks.check_EarlyStopping, Shallow, "deep copy")


@pytest.mark.task("EarlyStopping")
def test_early_stopping_check_names_steps_counted_from_one():
    class FromOne(_Stopper):
        def step(self, metric, params=None):
            result = super().step(metric, params)
            if self.wait == 0:
                self.best_step = self.num_steps
            return result
    _fails_with(checks.check_EarlyStopping, FromOne, "best_step 1", "count from 0")
