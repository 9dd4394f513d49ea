"""Tests of course_lib.regularization.

Dropout is tested through its statistics (binomial bounds on the number of kept
units, a CLT bound on the mean), never against a hard-coded mask, so any
correct use of the generator passes. ALPHA = 1e-6 throughout.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import stats

from course_lib import regularization as reg
from course_lib._hidden import assert_gradient, numeric_gradient, rel_error

ALPHA = 1e-6
Z = stats.norm.isf(ALPHA / 2)       # about 4.9


def signal(shape=(200, 500), seed=0, dtype=np.float64):
    """Inputs bounded away from 0, so a dropped entry is recognisable as an exact 0."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
    return x.astype(dtype)


# ===================================================================== dropout forward

@pytest.mark.task("dropout_forward")
@pytest.mark.parametrize("rate", [0.1, 0.5, 0.8])
def test_dropout_keeps_a_binomial_share_of_the_units(rate):
    x = signal()
    out, _ = reg.dropout_forward(x, {"rate": rate, "mode": "train", "seed": 1})
    kept = int(np.count_nonzero(out))
    lo, hi = stats.binom.interval(1 - ALPHA, x.size, 1 - rate)
    assert lo <= kept <= hi, (f"kept {kept} of {x.size} units with rate={rate} (drop probability); "
                              f"expected between {lo:.0f} and {hi:.0f}")


@pytest.mark.task("dropout_forward")
@pytest.mark.parametrize("rate", [0.2, 0.5])
def test_dropout_scales_kept_units_by_one_over_keep_probability(rate):
    x = signal((50, 40))
    out, _ = reg.dropout_forward(x, {"rate": rate, "mode": "train", "seed": 2})
    kept = out != 0
    assert kept.any() and not kept.all()
    assert np.allclose(out[kept], x[kept] / (1 - rate), rtol=1e-12, atol=0)


@pytest.mark.task("dropout_forward")
@pytest.mark.parametrize("rate", [0.3, 0.6])
def test_dropout_output_has_the_input_as_expectation(rate):
    """out_i - x_i has mean 0 and variance x_i**2 * rate / (1 - rate); the CLT bounds their average."""
    x = signal()
    out, _ = reg.dropout_forward(x, {"rate": rate, "mode": "train", "seed": 3})
    sd_of_mean = math.sqrt(float(np.sum(x ** 2)) * rate / (1 - rate)) / x.size
    assert abs(float(np.mean(out - x))) <= 5 * sd_of_mean


@pytest.mark.task("dropout_forward")
def test_dropout_same_seed_gives_same_mask():
    x = signal((30, 20))
    p = {"rate": 0.5, "mode": "train", "seed": 11}
    out1, _ = reg.dropout_forward(x, p)
    out2, _ = reg.dropout_forward(x, dict(p))
    assert np.array_equal(out1, out2)


@pytest.mark.task("dropout_forward")
def test_dropout_different_seeds_give_different_masks():
    x = signal((30, 20))
    out1, _ = reg.dropout_forward(x, {"rate": 0.5, "mode": "train", "seed": 11})
    out2, _ = reg.dropout_forward(x, {"rate": 0.5, "mode": "train", "seed": 12})
    assert not np.array_equal(out1 != 0, out2 != 0)


@pytest.mark.task("dropout_forward")
def test_dropout_without_seed_draws_a_new_mask_each_call():
    x = signal((30, 20))
    out1, _ = reg.dropout_forward(x, {"rate": 0.5, "mode": "train"})
    out2, _ = reg.dropout_forward(x, {"rate": 0.5, "mode": "train"})
    assert not np.array_equal(out1 != 0, out2 != 0)


@pytest.mark.task("dropout_forward")
def test_dropout_with_a_generator_continues_its_stream():
    x = signal((30, 20))
    rng_a, rng_b = np.random.default_rng(5), np.random.default_rng(5)
    a1, _ = reg.dropout_forward(x, {"rate": 0.5, "rng": rng_a})
    a2, _ = reg.dropout_forward(x, {"rate": 0.5, "rng": rng_a})
    b1, _ = reg.dropout_forward(x, {"rate": 0.5, "rng": rng_b})
    assert not np.array_equal(a1, a2)
    assert np.array_equal(a1, b1)


@pytest.mark.task("dropout_forward")
def test_dropout_test_mode_is_the_identity():
    x = signal((30, 20))
    out, (_, mask) = reg.dropout_forward(x, {"rate": 0.7, "mode": "test", "seed": 1})
    assert np.array_equal(out, x)
    assert mask is None


@pytest.mark.task("dropout_forward")
def test_dropout_rate_zero_is_the_identity():
    x = signal((30, 20))
    out, _ = reg.dropout_forward(x, {"rate": 0.0, "mode": "train", "seed": 1})
    assert np.array_equal(out, x)


@pytest.mark.task("dropout_forward")
def test_dropout_cache_holds_param_and_mask():
    x = signal((6, 4))
    p = {"rate": 0.5, "mode": "train", "seed": 4}
    out, (cached_param, mask) = reg.dropout_forward(x, p)
    assert cached_param is p
    assert mask.shape == x.shape
    assert np.allclose(out, x * mask, rtol=1e-12, atol=0)
    assert set(np.unique(mask)) <= {0.0, 2.0}


@pytest.mark.task("dropout_forward")
def test_dropout_does_not_modify_its_input():
    x = signal((6, 4))
    before = x.copy()
    reg.dropout_forward(x, {"rate": 0.5, "mode": "train", "seed": 4})
    assert np.array_equal(x, before)


@pytest.mark.task("dropout_forward")
@pytest.mark.parametrize("mode", ["train", "test"])
def test_dropout_keeps_float32(mode):
    x = signal((6, 4), dtype=np.float32)
    out, (_, mask) = reg.dropout_forward(x, {"rate": 0.5, "mode": mode, "seed": 4})
    assert out.dtype == np.float32
    if mask is not None:
        assert mask.dtype == np.float32


def test_dropout_rejects_rate_one():
    with pytest.raises(ValueError):
        reg.dropout_forward(signal((2, 2)), {"rate": 1.0, "mode": "train"})


# ==================================================================== dropout backward

@pytest.mark.task("dropout_backward")
@pytest.mark.parametrize("rate", [0.25, 0.6])
def test_dropout_backward_matches_numeric_gradient(rate):
    x = signal((7, 9), seed=5)

    def forward(x):
        return reg.dropout_forward(x, {"rate": rate, "mode": "train", "seed": 21})

    assert_gradient(forward, reg.dropout_backward, [x], wrt=[(0, 0)], what="dropout_backward")


@pytest.mark.task("dropout_backward")
def test_dropout_backward_blocks_dropped_units():
    x = signal((20, 10))
    out, cache = reg.dropout_forward(x, {"rate": 0.5, "mode": "train", "seed": 6})
    dx = reg.dropout_backward(np.ones_like(x), cache)
    assert np.array_equal(dx == 0, out == 0)
    assert np.allclose(dx[out != 0], 2.0, rtol=1e-12)


@pytest.mark.task("dropout_backward")
def test_dropout_backward_in_test_mode_passes_the_gradient_through():
    x = signal((5, 3))
    dout = signal((5, 3), seed=9)
    _, cache = reg.dropout_forward(x, {"rate": 0.5, "mode": "test"})
    assert np.array_equal(reg.dropout_backward(dout, cache), dout)


@pytest.mark.task("dropout_backward")
def test_dropout_backward_keeps_float32():
    x = signal((6, 4), dtype=np.float32)
    _, cache = reg.dropout_forward(x, {"rate": 0.5, "mode": "train", "seed": 4})
    assert reg.dropout_backward(np.ones_like(x), cache).dtype == np.float32


# ========================================================================= DropConnect

def _layer(seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    x, w, b = rng.standard_normal((8, 6)), rng.standard_normal((6, 5)), rng.standard_normal(5)
    return x.astype(dtype), w.astype(dtype), b.astype(dtype)


@pytest.mark.task("dropconnect_forward")
@pytest.mark.parametrize("rate", [0.2, 0.7])
def test_dropconnect_keeps_a_binomial_share_of_the_weights(rate):
    w = signal((300, 400))
    _, cache = reg.dropconnect_forward(np.ones((1, 300)), w, np.zeros(400),
                                       {"rate": rate, "mode": "train", "seed": 2})
    kept = int(np.count_nonzero(cache[4]))
    lo, hi = stats.binom.interval(1 - ALPHA, w.size, 1 - rate)
    assert lo <= kept <= hi


@pytest.mark.task("dropconnect_forward")
def test_dropconnect_output_is_the_affine_layer_of_the_masked_weights():
    x, w, b = _layer()
    out, cache = reg.dropconnect_forward(x, w, b, {"rate": 0.4, "mode": "train", "seed": 3})
    mask = cache[4]
    assert set(np.unique(mask)) <= {0.0, 1 / 0.6}
    np.testing.assert_allclose(out, x @ (w * mask) + b, rtol=1e-12)


@pytest.mark.task("dropconnect_forward")
def test_dropconnect_has_the_affine_layer_as_expectation():
    # the mean over 4000 masks of each output lies within Z standard errors of x @ w + b;
    # one output's standard deviation is sqrt(p / (1 - p) * sum_i x_i**2 w_ij**2)
    x, w, b = _layer(1)
    x = x[:1]
    rng = np.random.default_rng(4)
    outs = np.array([reg.dropconnect_forward(x, w, b, {"rate": 0.5, "rng": rng})[0][0]
                     for _ in range(4000)])
    sd = np.sqrt(((x[0][:, None] * w) ** 2).sum(axis=0))
    z = (outs.mean(axis=0) - (x @ w + b)[0]) / (sd / math.sqrt(4000))
    assert np.max(np.abs(z)) < Z


@pytest.mark.task("dropconnect_forward")
def test_dropconnect_draws_one_mask_for_the_whole_batch():
    x, w, b = _layer()
    out, _ = reg.dropconnect_forward(np.tile(x[:1], (4, 1)), w, b, {"rate": 0.5, "seed": 1})
    np.testing.assert_array_equal(out, np.tile(out[:1], (4, 1)))


@pytest.mark.task("dropconnect_forward")
def test_dropconnect_test_mode_and_rate_zero_are_the_affine_layer():
    x, w, b = _layer()
    for param in ({"rate": 0.5, "mode": "test"}, {"rate": 0.0, "mode": "train", "seed": 0}):
        out, _ = reg.dropconnect_forward(x, w, b, param)
        np.testing.assert_allclose(out, x @ w + b, rtol=1e-12)


@pytest.mark.task("dropconnect_forward")
def test_dropconnect_same_seed_same_mask_and_a_generator_continues_its_stream():
    x, w, b = _layer()
    first, _ = reg.dropconnect_forward(x, w, b, {"rate": 0.5, "seed": 5})
    again, _ = reg.dropconnect_forward(x, w, b, {"rate": 0.5, "seed": 5})
    np.testing.assert_array_equal(first, again)
    rng = np.random.default_rng(5)
    one, _ = reg.dropconnect_forward(x, w, b, {"rate": 0.5, "rng": rng})
    two, _ = reg.dropconnect_forward(x, w, b, {"rate": 0.5, "rng": rng})
    assert not np.array_equal(one, two)


@pytest.mark.task("dropconnect_forward")
def test_dropconnect_keeps_float32_and_leaves_its_inputs_alone():
    x, w, b = _layer(dtype=np.float32)
    copies = (x.copy(), w.copy(), b.copy())
    out, cache = reg.dropconnect_forward(x, w, b, {"rate": 0.3, "seed": 1})
    assert out.dtype == np.float32 and cache[4].dtype == np.float32
    for array, before in zip((x, w, b), copies):
        np.testing.assert_array_equal(array, before)


@pytest.mark.task("dropconnect_forward")
@pytest.mark.parametrize("param", [{"rate": 1.0}, {"rate": -0.1}, {"rate": 0.5, "mode": "eval"}])
def test_dropconnect_rejects_a_bad_rate_or_mode(param):
    with pytest.raises(ValueError):
        reg.dropconnect_forward(*_layer(), param)


@pytest.mark.task("dropconnect_backward")
@pytest.mark.parametrize("mode", ["train", "test"])
def test_dropconnect_backward_matches_numeric_gradients(mode):
    x, w, b = _layer(2)
    param = {"rate": 0.45, "mode": mode, "seed": 6}
    assert_gradient(lambda *a: reg.dropconnect_forward(*a, param), reg.dropconnect_backward,
                    [x, w, b], wrt=[(0, 0), (1, 1), (2, 2)], what="DropConnect")


@pytest.mark.task("dropconnect_backward")
def test_dropconnect_backward_gives_dropped_weights_no_gradient():
    x, w, b = _layer(3)
    out, cache = reg.dropconnect_forward(x, w, b, {"rate": 0.5, "seed": 2})
    _, dw, _ = reg.dropconnect_backward(np.ones_like(out), cache)
    assert np.all(dw[cache[4] == 0] == 0) and np.all(dw[cache[4] != 0] != 0)


@pytest.mark.task("dropconnect_backward")
def test_dropconnect_backward_keeps_float32():
    x, w, b = _layer(dtype=np.float32)
    out, cache = reg.dropconnect_forward(x, w, b, {"rate": 0.3, "seed": 1})
    for grad in reg.dropconnect_backward(np.ones_like(out), cache):
        assert grad.dtype == np.float32


# ================================================================== activity penalties

@pytest.mark.task("activity_l1_penalty")
def test_activity_l1_penalty_by_hand():
    # sum |h| = 0 + 2 + 1 + 1 + 0 + 3 = 7 over N = 2 examples
    h = np.array([[0.0, 2.0, -1.0], [1.0, 0.0, 3.0]])
    loss, dh = reg.activity_l1_penalty(h, 0.1)
    assert loss == pytest.approx(0.35, rel=1e-12) and type(loss) is float
    np.testing.assert_allclose(dh, 0.05 * np.sign(h), rtol=1e-12)


@pytest.mark.task("activity_l1_penalty")
def test_activity_l1_penalty_gradient_matches_numeric_away_from_zero():
    h = signal((6, 5), seed=3)
    _, dh = reg.activity_l1_penalty(h, 0.4)
    numeric = numeric_gradient(lambda v: reg.activity_l1_penalty(v, 0.4)[0], h.copy())
    assert rel_error(dh, numeric) < 1e-8


@pytest.mark.task("activity_l1_penalty")
def test_activity_l1_penalty_keeps_float32_and_leaves_h_alone():
    h = signal((4, 3), seed=1, dtype=np.float32)
    before = h.copy()
    _, dh = reg.activity_l1_penalty(h, 0.1)
    assert dh.dtype == np.float32
    np.testing.assert_array_equal(h, before)


def _sigmoid_activations(shape=(8, 5), seed=0):
    rng = np.random.default_rng(seed)
    return 1.0 / (1.0 + np.exp(-2.0 * rng.standard_normal(shape)))


@pytest.mark.task("kl_sparsity_penalty")
def test_kl_sparsity_penalty_by_hand():
    # unit 0: mean 0.2 against rho = 0.05; unit 1: mean 0.05 = rho costs nothing
    h = np.array([[0.1, 0.02], [0.3, 0.08], [0.2, 0.05], [0.2, 0.05]])
    loss, dh = reg.kl_sparsity_penalty(h, 0.05, 2.0)
    kl = 0.05 * math.log(0.05 / 0.2) + 0.95 * math.log(0.95 / 0.8)
    assert loss == pytest.approx(2.0 * kl, rel=1e-12) and type(loss) is float
    np.testing.assert_allclose(dh, [[2.0 * (0.95 / 0.8 - 0.05 / 0.2) / 4, 0.0]] * 4, atol=1e-15)


@pytest.mark.task("kl_sparsity_penalty")
def test_kl_sparsity_penalty_gradient_matches_numeric():
    h = _sigmoid_activations()
    _, dh = reg.kl_sparsity_penalty(h, 0.1, 0.7)
    numeric = numeric_gradient(lambda v: reg.kl_sparsity_penalty(v, 0.1, 0.7)[0], h.copy())
    assert rel_error(dh, numeric) < 1e-8


@pytest.mark.task("kl_sparsity_penalty")
def test_kl_sparsity_penalty_is_zero_when_every_mean_is_the_target():
    loss, dh = reg.kl_sparsity_penalty(np.array([[0.05, 0.1], [0.15, 0.1]]), 0.1, 3.0)
    assert abs(loss) < 1e-15 and np.all(np.abs(dh) < 1e-15)


@pytest.mark.task("kl_sparsity_penalty")
@pytest.mark.parametrize("rho", [0.0, 1.0, 1.5])
def test_kl_sparsity_penalty_rejects_a_target_outside_zero_one(rho):
    with pytest.raises(ValueError, match="rho"):
        reg.kl_sparsity_penalty(_sigmoid_activations(), rho, 1.0)


@pytest.mark.task("kl_sparsity_penalty")
def test_kl_sparsity_penalty_rejects_a_unit_that_is_never_active():
    h = _sigmoid_activations()
    h[:, 2] = 0.0
    with pytest.raises(ValueError, match="mean activation"):
        reg.kl_sparsity_penalty(h, 0.1, 1.0)


@pytest.mark.task("kl_sparsity_penalty")
def test_kl_sparsity_penalty_keeps_float32():
    _, dh = reg.kl_sparsity_penalty(_sigmoid_activations().astype(np.float32), 0.1, 0.7)
    assert dh.dtype == np.float32


# ============================================================================ penalties

def small_weights(dtype=np.float64):
    # sum |w| = 8, sum w**2 = 16.5
    return {"W1": np.array([[1.0, -2.0], [3.0, 0.0]], dtype=dtype),
            "W2": np.array([[0.5, -1.5]], dtype=dtype)}


@pytest.mark.task("weight_penalties")
def test_l1_penalty_by_hand():
    loss, grads = reg.l1_penalty(small_weights(), 0.1)
    assert loss == pytest.approx(0.8, rel=1e-12)
    assert np.allclose(grads["W1"], [[0.1, -0.1], [0.1, 0.0]], rtol=1e-12, atol=0)
    assert np.allclose(grads["W2"], [[0.1, -0.1]], rtol=1e-12, atol=0)


@pytest.mark.task("weight_penalties")
def test_l2_penalty_by_hand_uses_the_half_convention():
    loss, grads = reg.l2_penalty(small_weights(), 0.1)
    assert loss == pytest.approx(0.5 * 0.1 * 16.5, rel=1e-12)
    assert np.allclose(grads["W1"], [[0.1, -0.2], [0.3, 0.0]], rtol=1e-12, atol=0)
    assert np.allclose(grads["W2"], [[0.05, -0.15]], rtol=1e-12, atol=0)


@pytest.mark.task("weight_penalties")
def test_elastic_net_penalty_by_hand():
    loss, grads = reg.elastic_net_penalty(small_weights(), 0.1, 0.25)
    assert loss == pytest.approx(0.1 * (0.25 * 8 + 0.75 * 0.5 * 16.5), rel=1e-12)
    assert np.allclose(grads["W1"], [[0.1, -0.175], [0.25, 0.0]], rtol=1e-12, atol=1e-15)
    assert np.allclose(grads["W2"], [[0.0625, -0.1375]], rtol=1e-12, atol=0)


@pytest.mark.task("weight_penalties")
@pytest.mark.parametrize("l1_ratio, expected_loss", [(1.0, 0.1 * 8), (0.0, 0.1 * 0.5 * 16.5)])
def test_elastic_net_penalty_ends_are_l1_and_l2(l1_ratio, expected_loss):
    loss, _ = reg.elastic_net_penalty(small_weights(), 0.1, l1_ratio)
    assert loss == pytest.approx(expected_loss, rel=1e-12)


PENALTIES = [
    pytest.param(lambda w, r: reg.l1_penalty(w, r), id="l1", marks=pytest.mark.task("weight_penalties")),
    pytest.param(lambda w, r: reg.l2_penalty(w, r), id="l2", marks=pytest.mark.task("weight_penalties")),
    pytest.param(lambda w, r: reg.elastic_net_penalty(w, r, 0.3), id="elastic_net",
                 marks=pytest.mark.task("weight_penalties")),
]


@pytest.mark.parametrize("penalty", PENALTIES)
def test_penalty_gradient_matches_numeric_gradient(penalty):
    rng = np.random.default_rng(7)
    # entries away from 0, where |w| is differentiable
    weights = {"W1": signal((4, 3), seed=1), "W2": signal((3, 2), seed=2) * rng.uniform(1, 3)}
    _, grads = penalty(weights, 0.37)
    for name in weights:
        num = numeric_gradient(lambda _: penalty(weights, 0.37)[0], weights[name])
        assert rel_error(grads[name], num) < 1e-7, name


@pytest.mark.parametrize("penalty", PENALTIES)
def test_penalty_returns_float_and_grads_with_the_same_structure(penalty):
    weights = small_weights()
    loss, grads = penalty(weights, 0.1)
    assert isinstance(loss, float)
    assert set(grads) == set(weights)
    assert all(grads[k].shape == weights[k].shape for k in weights)


@pytest.mark.parametrize("penalty", PENALTIES)
def test_penalty_does_not_modify_the_weights(penalty):
    weights = small_weights()
    penalty(weights, 0.1)
    for k, v in small_weights().items():
        assert np.array_equal(weights[k], v)


@pytest.mark.parametrize("penalty", PENALTIES)
def test_penalty_with_zero_strength_is_zero(penalty):
    loss, grads = penalty(small_weights(), 0.0)
    assert loss == 0.0
    assert all(not np.any(g) for g in grads.values())


@pytest.mark.parametrize("penalty", PENALTIES)
def test_penalty_keeps_float32(penalty):
    _, grads = penalty(small_weights(np.float32), 0.1)
    assert all(g.dtype == np.float32 for g in grads.values())


# ============================================================================= max-norm

@pytest.mark.task("max_norm")
def test_max_norm_by_hand():
    w = np.array([[3.0, 0.3], [4.0, 0.4]])           # column norms 5 and 0.5
    assert np.allclose(reg.max_norm(w, 1.0), [[0.6, 0.3], [0.8, 0.4]], rtol=1e-12, atol=0)


@pytest.mark.task("max_norm")
def test_max_norm_caps_every_column_norm():
    w = np.random.default_rng(3).standard_normal((50, 20)) * np.linspace(0.05, 0.5, 20)
    out = reg.max_norm(w, 1.5)
    norms_before = np.linalg.norm(w, axis=0)
    norms_after = np.linalg.norm(out, axis=0)
    assert (norms_before > 1.5).any() and (norms_before < 1.5).any()
    assert np.all(norms_after <= 1.5 * (1 + 1e-12))
    big = norms_before > 1.5
    assert np.allclose(norms_after[big], 1.5, rtol=1e-12)


@pytest.mark.task("max_norm")
def test_max_norm_leaves_short_columns_unchanged():
    w = np.random.default_rng(3).standard_normal((50, 20)) * np.linspace(0.05, 0.5, 20)
    out = reg.max_norm(w, 1.5)
    small = np.linalg.norm(w, axis=0) <= 1.5
    assert np.allclose(out[:, small], w[:, small], rtol=1e-14, atol=0)


@pytest.mark.task("max_norm")
def test_max_norm_keeps_the_direction():
    w = np.random.default_rng(4).standard_normal((10, 6))
    out = reg.max_norm(w, 0.5)
    factors = out / w
    assert np.all(factors > 0)
    assert np.allclose(factors, factors[0], rtol=1e-12)


@pytest.mark.task("max_norm")
def test_max_norm_axis_1_caps_rows():
    w = np.array([[3.0, 4.0], [0.3, 0.4]])           # row norms 5 and 0.5
    assert np.allclose(reg.max_norm(w, 1.0, axis=1), [[0.6, 0.8], [0.3, 0.4]], rtol=1e-12, atol=0)


@pytest.mark.task("max_norm")
def test_max_norm_handles_a_zero_column_without_warnings():
    w = np.array([[0.0, 3.0], [0.0, 4.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = reg.max_norm(w, 1.0)
    assert np.array_equal(out[:, 0], [0.0, 0.0])


@pytest.mark.task("max_norm")
def test_max_norm_returns_a_new_array_in_the_input_dtype():
    w = np.array([[3.0, 0.3], [4.0, 0.4]], dtype=np.float32)
    before = w.copy()
    out = reg.max_norm(w, 1.0)
    assert np.array_equal(w, before)
    assert out.dtype == np.float32


# ============================================================================= clipping

def some_grads(dtype=np.float64):
    rng = np.random.default_rng(8)
    return {"W1": (rng.standard_normal((5, 4)) * 3).astype(dtype),
            "b1": (rng.standard_normal(4) * 3).astype(dtype)}


@pytest.mark.task("clipping")
def test_clip_by_value_bounds_every_entry():
    clipped = reg.clip_by_value(some_grads(), 1.0)
    assert all(np.all(np.abs(g) <= 1.0) for g in clipped.values())


@pytest.mark.task("clipping")
def test_clip_by_value_by_hand():
    clipped = reg.clip_by_value({"g": np.array([-3.0, -0.5, 0.0, 0.7, 2.0])}, 1.0)
    assert np.array_equal(clipped["g"], [-1.0, -0.5, 0.0, 0.7, 1.0])


@pytest.mark.task("clipping")
def test_clip_by_value_keeps_entries_inside_the_range():
    grads = some_grads()
    clipped = reg.clip_by_value(grads, 2.0)
    for k, g in grads.items():
        inside = np.abs(g) <= 2.0
        assert np.array_equal(clipped[k][inside], g[inside])


@pytest.mark.task("clipping")
def test_clip_by_value_returns_new_arrays_with_same_keys_and_dtype():
    grads = some_grads(np.float32)
    before = {k: v.copy() for k, v in grads.items()}
    clipped = reg.clip_by_value(grads, 1.0)
    assert set(clipped) == set(grads)
    assert all(clipped[k].dtype == np.float32 for k in grads)
    assert all(np.array_equal(grads[k], before[k]) for k in grads)


@pytest.mark.task("clipping")
def test_clip_by_global_norm_by_hand():
    clipped, norm = reg.clip_by_global_norm({"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}, 1.0)
    assert norm == pytest.approx(5.0, rel=1e-12)
    assert isinstance(norm, float)
    assert np.allclose(clipped["a"], [0.6, 0.0], rtol=1e-12)
    assert np.allclose(clipped["b"], [[0.8]], rtol=1e-12)


@pytest.mark.task("clipping")
def test_clip_by_global_norm_brings_the_norm_down_to_the_maximum():
    grads = some_grads()
    expected_norm = math.sqrt(sum(float(np.sum(g ** 2)) for g in grads.values()))
    clipped, norm = reg.clip_by_global_norm(grads, 2.0)
    assert expected_norm > 2.0
    assert norm == pytest.approx(expected_norm, rel=1e-12)
    after = math.sqrt(sum(float(np.sum(g ** 2)) for g in clipped.values()))
    assert after <= 2.0 * (1 + 1e-12)
    assert after == pytest.approx(2.0, rel=1e-12)


@pytest.mark.task("clipping")
def test_clip_by_global_norm_scales_all_arrays_by_the_same_factor():
    grads = some_grads()
    clipped, _ = reg.clip_by_global_norm(grads, 2.0)
    factors = np.concatenate([(clipped[k] / grads[k]).ravel() for k in grads])
    assert np.allclose(factors, factors[0], rtol=1e-12)
    assert 0 < factors[0] < 1


@pytest.mark.task("clipping")
def test_clip_by_global_norm_leaves_small_gradients_unchanged():
    grads = some_grads()
    clipped, norm = reg.clip_by_global_norm(grads, 1e3)
    assert norm < 1e3
    assert all(np.allclose(clipped[k], grads[k], rtol=1e-15, atol=0) for k in grads)


@pytest.mark.task("clipping")
def test_clip_by_global_norm_returns_new_arrays_in_the_input_dtype():
    grads = some_grads(np.float32)
    before = {k: v.copy() for k, v in grads.items()}
    clipped, _ = reg.clip_by_global_norm(grads, 1.0)
    assert all(clipped[k].dtype == np.float32 for k in grads)
    assert all(np.array_equal(grads[k], before[k]) for k in grads)


# ======================================================================= early stopping

def run(stopper, values, params=None):
    return [stopper.step(v, params) for v in values]


@pytest.mark.task("EarlyStopping")
def test_early_stopping_waits_patience_steps_without_improvement():
    stopper = reg.EarlyStopping(patience=3)
    assert run(stopper, [1.0, 0.9, 0.95, 0.92, 0.91]) == [False] * 4 + [True]


@pytest.mark.task("EarlyStopping")
def test_early_stopping_improvement_resets_the_wait():
    stopper = reg.EarlyStopping(patience=2)
    assert run(stopper, [1.0, 1.1, 0.8, 0.9, 0.85]) == [False, False, False, False, True]
    assert stopper.best_value == 0.8
    assert stopper.best_step == 2


@pytest.mark.task("EarlyStopping")
def test_early_stopping_an_equal_value_is_no_improvement():
    stopper = reg.EarlyStopping(patience=1)
    assert run(stopper, [1.0, 1.0]) == [False, True]
    assert stopper.best_step == 0


@pytest.mark.task("EarlyStopping")
def test_early_stopping_respects_min_delta():
    stopper = reg.EarlyStopping(patience=2, min_delta=0.1)
    # 0.95 beats 1.0 by less than 0.1, 0.85 by more; 0.8 and 0.78 do not beat 0.85 by 0.1
    assert run(stopper, [1.0, 0.95, 0.85, 0.8, 0.78]) == [False, False, False, False, True]
    assert stopper.best_value == 0.85
    assert stopper.best_step == 2


@pytest.mark.task("EarlyStopping")
def test_early_stopping_mode_max_looks_for_larger_values():
    stopper = reg.EarlyStopping(patience=2, mode="max")
    assert run(stopper, [0.5, 0.7, 0.6, 0.65]) == [False, False, False, True]
    assert stopper.best_value == 0.7
    assert stopper.best_step == 1


@pytest.mark.task("EarlyStopping")
def test_early_stopping_nan_is_no_improvement():
    stopper = reg.EarlyStopping(patience=1)
    assert run(stopper, [1.0, float("nan")]) == [False, True]
    assert stopper.best_value == 1.0


@pytest.mark.task("EarlyStopping")
def test_early_stopping_keeps_a_copy_of_the_best_params():
    params = {"W": np.array([1.0, 2.0]), "b": np.array([0.5])}
    stopper = reg.EarlyStopping(patience=5)
    stopper.step(1.0, params)
    params["W"] += 10.0                     # in-place updates, as an optimizer makes them
    params["b"][0] = -7.0
    stopper.step(2.0, params)               # worse: the best params must not follow
    assert np.array_equal(stopper.best_params["W"], [1.0, 2.0])
    assert np.array_equal(stopper.best_params["b"], [0.5])


@pytest.mark.task("EarlyStopping")
def test_early_stopping_best_params_follow_improvements():
    params = {"W": np.array([1.0])}
    stopper = reg.EarlyStopping(patience=5)
    stopper.step(1.0, params)
    params["W"][0] = 3.0
    stopper.step(0.5, params)
    params["W"][0] = 4.0
    assert np.array_equal(stopper.best_params["W"], [3.0])


@pytest.mark.task("EarlyStopping")
def test_early_stopping_restore_puts_the_best_params_back():
    params = {"W": np.array([1.0, 2.0])}
    stopper = reg.EarlyStopping(patience=5)
    stopper.step(1.0, params)
    params["W"] = params["W"] * 3
    stopper.step(2.0, params)
    restored = stopper.restore()
    assert restored is params
    assert np.array_equal(params["W"], [1.0, 2.0])
    params["W"][0] = 9.0                    # restoring hands out a copy, not the stored one
    assert stopper.best_params["W"][0] == 1.0


def test_early_stopping_restore_before_any_step_fails():
    with pytest.raises(RuntimeError):
        reg.EarlyStopping(patience=1).restore({})


@pytest.mark.parametrize("kwargs", [{"patience": 0}, {"patience": 2, "mode": "best"},
                                    {"patience": 2, "min_delta": -1.0}])
def test_early_stopping_rejects_bad_settings(kwargs):
    with pytest.raises(ValueError):
        reg.EarlyStopping(**kwargs)
