"""Specification of course_lib.activations."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, special, stats

from autograder.points import cell_of
from course_lib import activations as act
from course_lib._hidden import numeric_gradient, rel_error

# name -> (forward keyword arguments, independent reference for the forward)
ELEMENTWISE = {
    "sigmoid": ({}, special.expit),
    "tanh": ({}, lambda x: (np.exp(2 * x) - 1) / (np.exp(2 * x) + 1)),
    "relu": ({}, lambda x: x * (x > 0)),
    "leaky_relu": ({"alpha": 0.1}, lambda x: np.where(x > 0, x, 0.1 * x)),
    "elu": ({"alpha": 0.7}, lambda x: np.where(x > 0, x, 0.7 * (np.exp(np.minimum(x, 0)) - 1))),
    "selu": ({}, lambda x: 1.0507009873554805 * np.where(
        x > 0, x, 1.6732632423543772 * (np.exp(np.minimum(x, 0)) - 1))),
    "softplus": ({}, lambda x: np.log1p(np.exp(x))),
    "arctan": ({}, lambda x: np.arcsin(x / np.sqrt(1 + x ** 2))),
    "gelu": ({}, lambda x: x * stats.norm.cdf(x)),
}


def _forward(name):
    return getattr(act, f"{name}_forward")


def _backward(name):
    return getattr(act, f"{name}_backward")


def _params(suffix):
    return [pytest.param(name, marks=pytest.mark.task(cell_of(f"{name}_{suffix}")), id=name)
            for name in ELEMENTWISE]


def _away_from_zero(shape, seed=0):
    """Gaussian entries pushed at least 0.1 away from the kink at 0."""
    x = np.random.default_rng(seed).standard_normal(shape)
    return x + 0.1 * np.sign(x)


# ------------------------------------------------- generic elementwise specs
@pytest.mark.parametrize("name", _params("forward"))
def test_forward_matches_independent_formula(name):
    kwargs, reference = ELEMENTWISE[name]
    x = np.linspace(-4, 4, 17)
    out, _ = _forward(name)(x, **kwargs)
    np.testing.assert_allclose(out, reference(x), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", _params("forward"))
def test_forward_keeps_any_shape(name):
    kwargs, _ = ELEMENTWISE[name]
    x = _away_from_zero((2, 3, 4))
    out, _ = _forward(name)(x, **kwargs)
    assert out.shape == (2, 3, 4)
    out0, _ = _forward(name)(x.ravel(), **kwargs)
    np.testing.assert_array_equal(out.ravel(), out0)


@pytest.mark.parametrize("name", _params("forward"))
def test_forward_keeps_float32(name):
    kwargs, reference = ELEMENTWISE[name]
    x = np.array([[-1.5, 0.25], [2.0, -0.5]], dtype=np.float32)
    out, _ = _forward(name)(x, **kwargs)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, reference(x.astype(np.float64)), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", _params("forward"))
def test_forward_is_finite_and_silent_at_plus_minus_1000(name):
    kwargs, _ = ELEMENTWISE[name]
    x = np.array([-1000.0, -50.0, 50.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out, cache = _forward(name)(x, **kwargs)
        dx = _backward(name)(np.ones(4), cache)
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(dx))


@pytest.mark.parametrize("name", _params("backward"))
def test_backward_matches_numeric_gradient(name):
    kwargs, _ = ELEMENTWISE[name]
    x = _away_from_zero((3, 4), seed=1)
    dout = np.random.default_rng(2).standard_normal((3, 4))
    _, cache = _forward(name)(x, **kwargs)
    dx = _backward(name)(dout, cache)
    num = numeric_gradient(lambda _: _forward(name)(x, **kwargs)[0], x, dout)
    assert dx.shape == x.shape
    assert rel_error(dx, num) < 1e-7


@pytest.mark.parametrize("name", _params("backward"))
def test_backward_works_for_3d_batches(name):
    kwargs, _ = ELEMENTWISE[name]
    x = _away_from_zero((2, 3, 2), seed=3)
    dout = np.random.default_rng(4).standard_normal((2, 3, 2))
    _, cache = _forward(name)(x, **kwargs)
    dx = _backward(name)(dout, cache)
    num = numeric_gradient(lambda _: _forward(name)(x, **kwargs)[0], x, dout)
    assert rel_error(dx, num) < 1e-7


@pytest.mark.parametrize("name", _params("backward"))
def test_backward_keeps_float32(name):
    kwargs, _ = ELEMENTWISE[name]
    x = np.array([-1.5, 0.25, 2.0], dtype=np.float32)
    _, cache = _forward(name)(x, **kwargs)
    dx = _backward(name)(np.ones(3, dtype=np.float32), cache)
    assert dx.dtype == np.float32


# --------------------------------------------------------- specific values
@pytest.mark.task("saturating_activations")
def test_sigmoid_hand_values():
    out, _ = act.sigmoid_forward(np.array([0.0, -1000.0, 1000.0, math.log(3)]))
    np.testing.assert_allclose(out, [0.5, 0.0, 1.0, 0.75], rtol=1e-15)


@pytest.mark.task("saturating_activations")
def test_sigmoid_slope_is_one_quarter_at_zero():
    _, cache = act.sigmoid_forward(np.array([0.0]))
    np.testing.assert_allclose(act.sigmoid_backward(np.array([1.0]), cache), [0.25])


@pytest.mark.task("saturating_activations")
def test_tanh_slope_is_one_at_zero_and_vanishes_in_saturation():
    _, cache = act.tanh_forward(np.array([0.0, 30.0]))
    np.testing.assert_allclose(act.tanh_backward(np.ones(2), cache), [1.0, 0.0], atol=1e-15)


@pytest.mark.task("relu_activations")
def test_relu_hand_values():
    out, _ = act.relu_forward(np.array([-2.0, 0.0, 3.0]))
    np.testing.assert_array_equal(out, [0.0, 0.0, 3.0])


@pytest.mark.task("relu_activations")
def test_relu_blocks_gradient_where_x_is_not_positive_including_zero():
    _, cache = act.relu_forward(np.array([-2.0, 0.0, 3.0]))
    np.testing.assert_array_equal(act.relu_backward(np.array([5.0, 6.0, 7.0]), cache),
                                  [0.0, 0.0, 7.0])


@pytest.mark.task("relu_activations")
def test_leaky_relu_default_slope_is_one_hundredth():
    out, _ = act.leaky_relu_forward(np.array([-2.0, 3.0]))
    np.testing.assert_allclose(out, [-0.02, 3.0])


@pytest.mark.task("relu_activations")
def test_leaky_relu_uses_negative_slope_at_zero():
    _, cache = act.leaky_relu_forward(np.array([-1.0, 0.0, 1.0]), alpha=0.2)
    np.testing.assert_allclose(act.leaky_relu_backward(np.ones(3), cache), [0.2, 0.2, 1.0])


@pytest.mark.task("elu_selu")
def test_elu_approaches_minus_alpha():
    out, _ = act.elu_forward(np.array([-50.0, 0.0, 2.0]), alpha=1.5)
    np.testing.assert_allclose(out, [-1.5, 0.0, 2.0], rtol=1e-15)


@pytest.mark.task("elu_selu")
def test_elu_slope_is_out_plus_alpha_on_the_negative_side():
    x = np.array([-1.0])
    _, cache = act.elu_forward(x, alpha=2.0)
    np.testing.assert_allclose(act.elu_backward(np.array([1.0]), cache), [2.0 * math.exp(-1)])


def test_selu_constants_match_the_closed_form():
    # Klambauer et al. (2017): the fixed point (mean 0, variance 1).
    c = special.erfc(1 / math.sqrt(2))
    e = math.e
    alpha = -math.sqrt(2 / math.pi) / (c * math.exp(0.5) - 1)
    scale = ((1 - c * math.sqrt(e)) * math.sqrt(2 * math.pi)
             * (2 * special.erfc(math.sqrt(2)) * e ** 2 + math.pi * c ** 2 * e
                - 2 * (2 + math.pi) * c * math.sqrt(e) + math.pi + 2) ** -0.5)
    assert act.SELU_ALPHA == pytest.approx(alpha, rel=1e-14)
    assert act.SELU_SCALE == pytest.approx(scale, rel=1e-14)


@pytest.mark.task("elu_selu")
def test_selu_keeps_standard_normal_input_at_mean_zero_variance_one():
    def moment(power):
        integrand = lambda z: (act.selu_forward(np.array([z]))[0][0] ** power
                               * math.exp(-z * z / 2) / math.sqrt(2 * math.pi))
        return (integrate.quad(integrand, -np.inf, 0)[0]
                + integrate.quad(integrand, 0, np.inf)[0])

    assert moment(1) == pytest.approx(0.0, abs=1e-9)
    assert moment(2) == pytest.approx(1.0, abs=1e-9)


@pytest.mark.task("softplus_gelu")
def test_softplus_hand_values_and_large_inputs():
    out, _ = act.softplus_forward(np.array([0.0, 1000.0, -1000.0]))
    np.testing.assert_allclose(out, [math.log(2), 1000.0, 0.0], rtol=1e-15, atol=1e-300)


@pytest.mark.task("softplus_gelu")
def test_softplus_slope_is_the_sigmoid():
    x = np.array([-3.0, 0.0, 2.0, 800.0, -800.0])
    _, cache = act.softplus_forward(x)
    np.testing.assert_allclose(act.softplus_backward(np.ones(5), cache), special.expit(x),
                               rtol=1e-12, atol=1e-300)


@pytest.mark.task("saturating_activations")
def test_arctan_hand_values():
    out, _ = act.arctan_forward(np.array([1.0, math.sqrt(3), -1.0]))
    np.testing.assert_allclose(out, [math.pi / 4, math.pi / 3, -math.pi / 4], rtol=1e-15)


@pytest.mark.task("saturating_activations")
def test_arctan_slope_hand_values():
    _, cache = act.arctan_forward(np.array([0.0, 1.0, 3.0]))
    np.testing.assert_allclose(act.arctan_backward(np.ones(3), cache), [1.0, 0.5, 0.1])


@pytest.mark.task("softplus_gelu")
def test_gelu_is_the_exact_erf_form_not_the_tanh_approximation():
    x = np.linspace(-3, 3, 61)
    out, _ = act.gelu_forward(x)
    tanh_approx = 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    np.testing.assert_allclose(out, x * stats.norm.cdf(x), rtol=1e-13, atol=1e-15)
    assert np.max(np.abs(out - tanh_approx)) > 1e-5


@pytest.mark.task("softplus_gelu")
def test_gelu_slope_is_one_half_at_zero():
    _, cache = act.gelu_forward(np.array([0.0]))
    np.testing.assert_allclose(act.gelu_backward(np.array([1.0]), cache), [0.5])


# ------------------------------------------------------------- binary step
@pytest.mark.task("relu_activations")
def test_binary_step_is_one_from_zero_upwards():
    out, _ = act.binary_step_forward(np.array([-2.0, -1e-12, 0.0, 1e-12, 3.0]))
    np.testing.assert_array_equal(out, [0, 0, 1, 1, 1])


@pytest.mark.task("relu_activations")
def test_binary_step_keeps_shape_and_dtype():
    x = np.array([[-1.0, 2.0]], dtype=np.float32)
    out, _ = act.binary_step_forward(x)
    assert out.shape == (1, 2) and out.dtype == np.float32


# ------------------------------------------------------------------- PReLU
@pytest.mark.task("prelu")
def test_prelu_forward_shared_and_per_feature_slopes():
    x = np.array([[-2.0, 3.0], [-1.0, -4.0]])
    out, _ = act.prelu_forward(x, np.array(0.5))
    np.testing.assert_allclose(out, [[-1.0, 3.0], [-0.5, -2.0]])
    out, _ = act.prelu_forward(x, np.array([0.1, 0.2]))
    np.testing.assert_allclose(out, [[-0.2, 3.0], [-0.1, -0.8]])


@pytest.mark.task("prelu")
def test_prelu_forward_keeps_float32_with_float64_alpha():
    out, _ = act.prelu_forward(np.array([-1.0, 1.0], dtype=np.float32), np.array([0.25, 0.25]))
    assert out.dtype == np.float32


@pytest.mark.task("prelu")
def test_prelu_backward_hand_values():
    x = np.array([[-2.0, 3.0], [-1.0, -4.0]])
    dout = np.array([[1.0, 2.0], [3.0, 4.0]])
    _, cache = act.prelu_forward(x, np.array([0.1, 0.2]))
    dx, dalpha = act.prelu_backward(dout, cache)
    np.testing.assert_allclose(dx, [[0.1, 2.0], [0.3, 0.8]])
    np.testing.assert_allclose(dalpha, [1 * -2.0 + 3 * -1.0, 4 * -4.0])


@pytest.mark.task("prelu")
@pytest.mark.parametrize("alpha_shape", [(), (4,)])
@pytest.mark.parametrize("x_shape", [(3, 4), (2, 3, 4)])
def test_prelu_backward_matches_numeric_gradient(alpha_shape, x_shape):
    x = _away_from_zero(x_shape, seed=5)
    alpha = np.array(0.3 + 0.1 * np.arange(np.prod(alpha_shape, dtype=int)).reshape(alpha_shape))
    dout = np.random.default_rng(6).standard_normal(x_shape)
    _, cache = act.prelu_forward(x, alpha)
    dx, dalpha = act.prelu_backward(dout, cache)

    def f(_):
        return act.prelu_forward(x, alpha)[0]

    assert np.shape(dalpha) == alpha_shape
    assert rel_error(dx, numeric_gradient(f, x, dout)) < 1e-7
    assert rel_error(dalpha, numeric_gradient(f, alpha, dout)) < 1e-7


@pytest.mark.task("prelu")
def test_prelu_backward_keeps_float32():
    x = np.array([[-1.0, 2.0]], dtype=np.float32)
    _, cache = act.prelu_forward(x, np.array([0.1, 0.2], dtype=np.float32))
    dx, dalpha = act.prelu_backward(np.ones((1, 2), dtype=np.float32), cache)
    assert dx.dtype == np.float32 and dalpha.dtype == np.float32


# ------------------------------------------------------------------ maxout
def _maxout_inputs(n=4, d=3, m=2, k=3, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, d)).astype(dtype),
            rng.standard_normal((k, d, m)).astype(dtype),
            rng.standard_normal((k, m)).astype(dtype))


@pytest.mark.task("maxout")
def test_maxout_forward_hand_values():
    x = np.array([[1.0, 2.0]])
    w = np.array([[[1.0], [0.0]], [[0.0], [1.0]]])     # piece 0 picks x0, piece 1 picks x1
    b = np.array([[0.5], [-1.0]])
    out, _ = act.maxout_forward(x, w, b)
    np.testing.assert_allclose(out, [[max(1.0 + 0.5, 2.0 - 1.0)]])


@pytest.mark.task("maxout")
def test_maxout_with_a_zero_piece_is_relu_of_the_other():
    x, w, b = _maxout_inputs(k=2)
    w[1] = 0.0
    b[1] = 0.0
    out, _ = act.maxout_forward(x, w, b)
    np.testing.assert_allclose(out, np.maximum(x @ w[0] + b[0], 0))


@pytest.mark.task("maxout")
def test_maxout_forward_shape_and_float32():
    out, _ = act.maxout_forward(*_maxout_inputs(n=5, d=3, m=7, k=4, dtype=np.float32))
    assert out.shape == (5, 7) and out.dtype == np.float32


@pytest.mark.task("maxout")
def test_maxout_backward_matches_numeric_gradient():
    x, w, b = _maxout_inputs(seed=1)
    dout = np.random.default_rng(8).standard_normal((4, 2))
    _, cache = act.maxout_forward(x, w, b)
    dx, dw, db = act.maxout_backward(dout, cache)

    def f(_):
        return act.maxout_forward(x, w, b)[0]

    z = x @ w + b[:, None, :]
    gap = np.sort(z, axis=0)[-1] - np.sort(z, axis=0)[-2]
    assert gap.min() > 1e-3, "test inputs must stay away from ties"
    for got, arg in [(dx, x), (dw, w), (db, b)]:
        assert got.shape == arg.shape
        assert rel_error(got, numeric_gradient(f, arg, dout)) < 1e-7


@pytest.mark.task("maxout")
def test_maxout_backward_sends_gradient_only_to_the_winning_piece():
    x = np.array([[1.0, 2.0]])
    w = np.array([[[1.0], [0.0]], [[0.0], [1.0]]])
    b = np.array([[0.5], [-1.0]])
    _, cache = act.maxout_forward(x, w, b)
    dx, dw, db = act.maxout_backward(np.array([[3.0]]), cache)
    np.testing.assert_allclose(dx, [[3.0, 0.0]])
    np.testing.assert_allclose(dw, [[[3.0], [6.0]], [[0.0], [0.0]]])
    np.testing.assert_allclose(db, [[3.0], [0.0]])


@pytest.mark.task("maxout")
def test_maxout_backward_keeps_float32():
    x, w, b = _maxout_inputs(dtype=np.float32)
    _, cache = act.maxout_forward(x, w, b)
    grads = act.maxout_backward(np.ones((4, 2), dtype=np.float32), cache)
    assert all(g.dtype == np.float32 for g in grads)
