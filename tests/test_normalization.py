"""Tests of course_lib.normalization: batch norm and layer norm, forward and backward.

Expected values come from NumPy's own mean/var written inline; gradients are
checked against centred differences (course_lib._hidden) in float64.
"""
from __future__ import annotations

import numpy as np
import pytest

from course_lib import normalization as nz
from course_lib._hidden import assert_gradient, rel_error

EPS = 1e-5


def batch(N=8, D=5, seed=0, dtype=np.float64):
    """Features with different means and scales, so that normalising visibly matters."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, D)) * np.linspace(0.5, 4.0, D) + np.linspace(-3.0, 5.0, D)
    gamma = rng.uniform(0.5, 2.0, D)
    beta = rng.standard_normal(D)
    return x.astype(dtype), gamma.astype(dtype), beta.astype(dtype)


def grad_case(shape, seed):
    """Well-scaled data for gradient checks.

    The check compares entry by entry (``rel_error`` is a maximum over entries), and
    centred differences carry an absolute round-off error near 1e-10: an entry of the
    true gradient that happens to lie near 0 would fail a correct backward pass. The
    seeds used below give every entry a size well above that; with them the reference
    passes with errors below 1e-8, also when the forward pass is written differently.
    """
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape), rng.uniform(0.5, 2.0, shape[1]),
            rng.standard_normal(shape[1])]


def reference_batchnorm(x, gamma, beta, mean, var, eps=EPS):
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


# --- batch norm forward, train mode -------------------------------------------------------

@pytest.mark.task("batchnorm_forward")
def test_batchnorm_train_output_has_zero_mean_unit_std_per_feature():
    x, _, _ = batch(N=64, D=6)
    D = x.shape[1]
    out, _ = nz.batchnorm_forward(x, np.ones(D), np.zeros(D), {"mode": "train"})
    assert np.allclose(out.mean(axis=0), 0.0, atol=1e-10)
    assert np.allclose(out.std(axis=0), 1.0, atol=1e-4)


@pytest.mark.task("batchnorm_forward")
def test_batchnorm_train_output_has_mean_beta_and_std_gamma():
    x, gamma, beta = batch(N=64, D=6)
    out, _ = nz.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    assert np.allclose(out.mean(axis=0), beta, atol=1e-10)
    assert np.allclose(out.std(axis=0), gamma, rtol=1e-4)


@pytest.mark.task("batchnorm_forward")
def test_batchnorm_train_matches_the_formula_with_biased_variance():
    x, gamma, beta = batch(N=4, D=3)      # small N: the unbiased variance would be 4/3 larger
    out, _ = nz.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    expected = reference_batchnorm(x, gamma, beta, x.mean(axis=0), x.var(axis=0))
    assert np.allclose(out, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.task("batchnorm_forward")
def test_batchnorm_adds_eps_to_the_variance_inside_the_root():
    x, gamma, beta = batch(N=6, D=3)
    out, _ = nz.batchnorm_forward(x, gamma, beta, {"mode": "train", "eps": 0.5})
    expected = reference_batchnorm(x, gamma, beta, x.mean(axis=0), x.var(axis=0), eps=0.5)
    assert np.allclose(out, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.task("batchnorm_forward")
def test_batchnorm_creates_running_averages_of_shape_D():
    x, gamma, beta = batch(N=6, D=3)
    bn_param = {"mode": "train"}
    nz.batchnorm_forward(x, gamma, beta, bn_param)
    assert bn_param["running_mean"].shape == (3,)
    assert bn_param["running_var"].shape == (3,)


@pytest.mark.task("batchnorm_forward")
def test_batchnorm_running_averages_follow_the_momentum_formula_over_two_steps():
    x1, gamma, beta = batch(N=10, D=4, seed=1)
    x2, _, _ = batch(N=10, D=4, seed=2)
    m = 0.8
    bn_param = {"mode": "train", "momentum": m}
    nz.batchnorm_forward(x1, gamma, beta, bn_param)
    nz.batchnorm_forward(x2, gamma, beta, bn_param)
    # start: running_mean = 0, running_var = 1
    mean_1 = (1 - m) * x1.mean(axis=0)
    var_1 = m * 1.0 + (1 - m) * x1.var(axis=0)
    mean_2 = m * mean_1 + (1 - m) * x2.mean(axis=0)
    var_2 = m * var_1 + (1 - m) * x2.var(axis=0)
    assert np.allclose(bn_param["running_mean"], mean_2, rtol=1e-12, atol=1e-14)
    assert np.allclose(bn_param["running_var"], var_2, rtol=1e-12, atol=1e-14)


@pytest.mark.task("batchnorm_forward")
def test_batchnorm_default_momentum_is_0_9():
    x, gamma, beta = batch(N=10, D=4)
    bn_param = {"mode": "train"}
    nz.batchnorm_forward(x, gamma, beta, bn_param)
    assert np.allclose(bn_param["running_mean"], 0.1 * x.mean(axis=0), rtol=1e-12)
    assert np.allclose(bn_param["running_var"], 0.9 + 0.1 * x.var(axis=0), rtol=1e-12)


@pytest.mark.task("batchnorm_forward")
def test_batchnorm_train_output_ignores_the_running_averages():
    x, gamma, beta = batch(N=6, D=3)
    fresh, _ = nz.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    warm, _ = nz.batchnorm_forward(x, gamma, beta, {"mode": "train",
                                                    "running_mean": np.full(3, 7.0),
                                                    "running_var": np.full(3, 9.0)})
    assert np.allclose(fresh, warm, rtol=1e-12, atol=1e-14)


# --- batch norm forward, test mode --------------------------------------------------------

@pytest.mark.task("batchnorm_forward")
def test_batchnorm_test_mode_uses_the_running_averages():
    x, gamma, beta = batch(N=6, D=3)
    rm, rv = np.array([0.5, -1.0, 2.0]), np.array([4.0, 0.25, 1.5])
    bn_param = {"mode": "test", "running_mean": rm.copy(), "running_var": rv.copy()}
    out, _ = nz.batchnorm_forward(x, gamma, beta, bn_param)
    assert np.allclose(out, reference_batchnorm(x, gamma, beta, rm, rv), rtol=1e-12, atol=1e-14)


@pytest.mark.task("batchnorm_forward")
def test_batchnorm_test_mode_leaves_the_running_averages_unchanged():
    x, gamma, beta = batch(N=6, D=3)
    rm, rv = np.array([0.5, -1.0, 2.0]), np.array([4.0, 0.25, 1.5])
    bn_param = {"mode": "test", "running_mean": rm.copy(), "running_var": rv.copy()}
    nz.batchnorm_forward(x, gamma, beta, bn_param)
    assert np.array_equal(bn_param["running_mean"], rm)
    assert np.array_equal(bn_param["running_var"], rv)


@pytest.mark.task("batchnorm_forward")
def test_batchnorm_test_mode_treats_each_sample_on_its_own():
    x, gamma, beta = batch(N=6, D=3)
    bn_param = {"mode": "test", "running_mean": np.array([0.5, -1.0, 2.0]),
                "running_var": np.array([4.0, 0.25, 1.5])}
    whole, _ = nz.batchnorm_forward(x, gamma, beta, bn_param)
    single, _ = nz.batchnorm_forward(x[2:3], gamma, beta, bn_param)
    assert np.allclose(single, whole[2:3], rtol=1e-12, atol=1e-14)


@pytest.mark.task("batchnorm_forward")
def test_batchnorm_test_mode_after_training_on_one_batch_many_times():
    """With the same batch over and over, the running averages converge to its statistics,
    and test mode then matches train mode."""
    x, gamma, beta = batch(N=32, D=4)
    bn_param = {"mode": "train", "momentum": 0.5}
    for _ in range(60):
        train_out, _ = nz.batchnorm_forward(x, gamma, beta, bn_param)
    bn_param["mode"] = "test"
    test_out, _ = nz.batchnorm_forward(x, gamma, beta, bn_param)
    assert np.allclose(test_out, train_out, rtol=1e-8, atol=1e-10)


# --- batch norm backward ------------------------------------------------------------------

def _bn_train(x, gamma, beta):
    return nz.batchnorm_forward(x, gamma, beta, {"mode": "train"})


@pytest.mark.task("batchnorm_backward")
@pytest.mark.parametrize("shape, seed", [((8, 5), 1), ((3, 1), 29), ((16, 3), 20)])
def test_batchnorm_backward_matches_numeric_gradient(shape, seed):
    assert_gradient(_bn_train, nz.batchnorm_backward, grad_case(shape, seed),
                    wrt=[(0, 0), (1, 1), (2, 2)], what="batchnorm_backward")


@pytest.mark.task("batchnorm_backward")
def test_batchnorm_backward_dbeta_and_dgamma_by_formula():
    x, gamma, beta = batch(N=7, D=3)
    dout = np.random.default_rng(5).standard_normal(x.shape)
    _, cache = _bn_train(x, gamma, beta)
    dx, dgamma, dbeta = nz.batchnorm_backward(dout, cache)
    x_hat = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + EPS)
    assert np.allclose(dbeta, dout.sum(axis=0), rtol=1e-12)
    assert np.allclose(dgamma, (dout * x_hat).sum(axis=0), rtol=1e-10)


@pytest.mark.task("batchnorm_backward")
def test_batchnorm_backward_dx_sums_to_zero_per_feature():
    """Shifting a whole feature by a constant does not change the output."""
    x, gamma, beta = batch(N=7, D=3)
    dout = np.random.default_rng(6).standard_normal(x.shape)
    dx, _, _ = nz.batchnorm_backward(dout, _bn_train(x, gamma, beta)[1])
    assert np.allclose(dx.sum(axis=0), 0.0, atol=1e-10)


@pytest.mark.task("batchnorm_backward_alt")
@pytest.mark.parametrize("shape, seed", [((8, 5), 1), ((3, 1), 29), ((16, 3), 20)])
def test_batchnorm_backward_alt_matches_numeric_gradient(shape, seed):
    assert_gradient(_bn_train, nz.batchnorm_backward_alt, grad_case(shape, seed),
                    wrt=[(0, 0), (1, 1), (2, 2)], what="batchnorm_backward_alt")


@pytest.mark.task("batchnorm_backward_alt")
def test_batchnorm_backward_alt_equals_the_graph_version():
    x, gamma, beta = batch(N=16, D=6, seed=7)
    dout = np.random.default_rng(8).standard_normal(x.shape)
    _, cache = _bn_train(x, gamma, beta)
    for got, expected in zip(nz.batchnorm_backward_alt(dout, cache),
                             nz.batchnorm_backward(dout, cache)):
        assert rel_error(got, expected) < 1e-10


# --- batch norm float32 -------------------------------------------------------------------

@pytest.mark.task("batchnorm_forward")
@pytest.mark.parametrize("mode", ["train", "test"])
def test_batchnorm_forward_keeps_float32(mode):
    x, gamma, beta = batch(N=6, D=3, dtype=np.float32)
    bn_param = {"mode": mode}
    out, _ = nz.batchnorm_forward(x, gamma, beta, bn_param)
    assert out.dtype == np.float32
    assert bn_param["running_mean"].dtype == np.float32
    assert bn_param["running_var"].dtype == np.float32


@pytest.mark.task("batchnorm_forward")
def test_batchnorm_float32_output_is_close_to_float64():
    x, gamma, beta = batch(N=6, D=3)
    out64, _ = nz.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    out32, _ = nz.batchnorm_forward(x.astype(np.float32), gamma.astype(np.float32),
                                    beta.astype(np.float32), {"mode": "train"})
    assert np.allclose(out32, out64, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("backward", [
    pytest.param(nz.batchnorm_backward, marks=pytest.mark.task("batchnorm_backward"),
                 id="graph"),
    pytest.param(nz.batchnorm_backward_alt, marks=pytest.mark.task("batchnorm_backward_alt"),
                 id="alt"),
])
def test_batchnorm_backward_keeps_float32(backward):
    x, gamma, beta = batch(N=6, D=3, dtype=np.float32)
    _, cache = _bn_train(x, gamma, beta)
    grads = backward(np.ones_like(x), cache)
    assert [g.dtype for g in grads] == [np.float32] * 3
    assert [g.shape for g in grads] == [(6, 3), (3,), (3,)]


# --- layer norm ---------------------------------------------------------------------------

@pytest.mark.task("layernorm_forward")
def test_layernorm_output_has_zero_mean_unit_std_per_sample():
    x, _, _ = batch(N=5, D=64)
    out, _ = nz.layernorm_forward(x, np.ones(64), np.zeros(64), {})
    assert np.allclose(out.mean(axis=1), 0.0, atol=1e-10)
    assert np.allclose(out.std(axis=1), 1.0, atol=1e-4)


@pytest.mark.task("layernorm_forward")
def test_layernorm_matches_the_formula():
    x, gamma, beta = batch(N=4, D=3)
    out, _ = nz.layernorm_forward(x, gamma, beta, {"eps": 0.1})
    mu = x.mean(axis=1, keepdims=True)
    var = x.var(axis=1, keepdims=True)
    expected = gamma * (x - mu) / np.sqrt(var + 0.1) + beta
    assert np.allclose(out, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.task("layernorm_forward")
def test_layernorm_treats_each_sample_on_its_own():
    x, gamma, beta = batch(N=6, D=4)
    whole, _ = nz.layernorm_forward(x, gamma, beta, {})
    single, _ = nz.layernorm_forward(x[3:4], gamma, beta, {})
    assert np.allclose(single, whole[3:4], rtol=1e-12, atol=1e-14)


@pytest.mark.task("layernorm_forward")
def test_layernorm_is_the_same_in_train_and_test_mode():
    x, gamma, beta = batch(N=6, D=4)
    train, _ = nz.layernorm_forward(x, gamma, beta, {"mode": "train"})
    test, _ = nz.layernorm_forward(x, gamma, beta, {"mode": "test"})
    assert np.array_equal(train, test)


@pytest.mark.task("layernorm_forward")
def test_layernorm_keeps_float32():
    x, gamma, beta = batch(N=6, D=4, dtype=np.float32)
    out, _ = nz.layernorm_forward(x, gamma, beta, {})
    assert out.dtype == np.float32


def _ln(x, gamma, beta):
    return nz.layernorm_forward(x, gamma, beta, {})


@pytest.mark.task("layernorm_backward")
@pytest.mark.parametrize("shape, seed", [((4, 7), 5), ((1, 3), 10), ((3, 16), 13)])
def test_layernorm_backward_matches_numeric_gradient(shape, seed):
    assert_gradient(_ln, nz.layernorm_backward, grad_case(shape, seed),
                    wrt=[(0, 0), (1, 1), (2, 2)], what="layernorm_backward")


@pytest.mark.task("layernorm_backward")
def test_layernorm_backward_dx_sums_to_zero_per_sample():
    x, gamma, beta = batch(N=5, D=6)
    dout = np.random.default_rng(10).standard_normal(x.shape)
    dx, _, _ = nz.layernorm_backward(dout, _ln(x, gamma, beta)[1])
    assert np.allclose(dx.sum(axis=1), 0.0, atol=1e-10)


@pytest.mark.task("layernorm_backward")
def test_layernorm_backward_keeps_float32():
    x, gamma, beta = batch(N=6, D=4, dtype=np.float32)
    grads = nz.layernorm_backward(np.ones_like(x), _ln(x, gamma, beta)[1])
    assert [g.dtype for g in grads] == [np.float32] * 3
    assert [g.shape for g in grads] == [(6, 4), (4,), (4,)]
