"""Specification of course_lib.gradcheck."""
from __future__ import annotations

import numpy as np
import pytest

from course_lib import gradcheck


def _cubic(v):
    return float(np.sum(v ** 3))


# ------------------------------------------------------------- numeric_gradient
@pytest.mark.task("numeric_gradient")
def test_numeric_gradient_of_sum_of_squares_is_twice_x():
    x = np.array([1.0, -2.0, 0.5])
    grad = gradcheck.numeric_gradient(lambda v: float(np.sum(v ** 2)), x)
    np.testing.assert_allclose(grad, [2.0, -4.0, 1.0], rtol=1e-9)


@pytest.mark.task("numeric_gradient")
def test_numeric_gradient_is_centred_error_is_h_squared():
    # For a cubic the centred difference is exactly 3x² + h² (the one-sided
    # difference would be 3x² + 3xh + h²).
    x = np.array([1.0, 2.0, -3.0])
    h = 1e-2
    grad = gradcheck.numeric_gradient(_cubic, x, h=h)
    np.testing.assert_allclose(grad, 3 * x ** 2 + h ** 2, rtol=1e-10)


@pytest.mark.task("numeric_gradient")
def test_numeric_gradient_restores_x_exactly():
    x = np.random.default_rng(0).standard_normal((3, 4))
    before = x.copy()
    gradcheck.numeric_gradient(_cubic, x)
    np.testing.assert_array_equal(x, before)


@pytest.mark.task("numeric_gradient")
def test_numeric_gradient_handles_multidimensional_x():
    x = np.arange(24, dtype=np.float64).reshape(2, 3, 4) / 10
    weights = np.linspace(-1, 1, 24).reshape(2, 3, 4)
    grad = gradcheck.numeric_gradient(lambda v: float(np.sum(weights * v)), x)
    assert grad.shape == (2, 3, 4)
    np.testing.assert_allclose(grad, weights, atol=1e-9)


@pytest.mark.task("numeric_gradient")
def test_numeric_gradient_sees_couplings_between_entries():
    a = np.array([[2.0, 1.0], [1.0, 3.0]])
    x = np.array([0.5, -1.0])
    grad = gradcheck.numeric_gradient(lambda v: float(0.5 * v @ a @ v), x)
    np.testing.assert_allclose(grad, [2 * 0.5 - 1.0, 0.5 - 3.0], rtol=1e-8)


@pytest.mark.task("numeric_gradient")
def test_numeric_gradient_keeps_float32():
    x = np.array([1.0, 2.0], dtype=np.float32)
    grad = gradcheck.numeric_gradient(lambda v: float(np.sum(v)), x, h=1e-2)
    assert grad.dtype == np.float32


# ------------------------------------------------------- numeric_gradient_array
@pytest.mark.task("numeric_gradient_array")
def test_numeric_gradient_array_of_linear_map_is_transpose_times_dout():
    a = np.array([[1.0, 2.0, 0.0], [-1.0, 0.5, 3.0]])
    x = np.array([0.3, -0.2, 1.0])
    dout = np.array([2.0, -1.0])
    grad = gradcheck.numeric_gradient_array(lambda v: a @ v, x, dout)
    # a.T @ dout worked out by hand:
    np.testing.assert_allclose(grad, [3.0, 3.5, -3.0], rtol=1e-8)


@pytest.mark.task("numeric_gradient_array")
def test_numeric_gradient_array_is_centred():
    x = np.array([1.0, -2.0])
    dout = np.array([1.0, 0.5])
    h = 1e-2
    grad = gradcheck.numeric_gradient_array(lambda v: v ** 3, x, dout, h=h)
    np.testing.assert_allclose(grad, (3 * x ** 2 + h ** 2) * dout, rtol=1e-10)


@pytest.mark.task("numeric_gradient_array")
def test_numeric_gradient_array_copes_with_f_returning_a_view_of_x():
    x = np.array([1.0, 2.0, 3.0])
    dout = np.array([10.0, 20.0, 30.0])
    grad = gradcheck.numeric_gradient_array(lambda v: v[::-1], x, dout)
    np.testing.assert_allclose(grad, [30.0, 20.0, 10.0], rtol=1e-8)


@pytest.mark.task("numeric_gradient_array")
def test_numeric_gradient_array_restores_x_exactly():
    x = np.random.default_rng(1).standard_normal((2, 3))
    before = x.copy()
    gradcheck.numeric_gradient_array(np.tanh, x, np.ones((2, 3)))
    np.testing.assert_array_equal(x, before)


@pytest.mark.task("numeric_gradient_array")
def test_numeric_gradient_array_output_shape_may_differ_from_input_shape():
    x = np.arange(6, dtype=np.float64).reshape(2, 3)
    dout = np.array([1.0, -1.0])
    grad = gradcheck.numeric_gradient_array(lambda v: v.sum(axis=1), x, dout)
    np.testing.assert_allclose(grad, [[1, 1, 1], [-1, -1, -1]], atol=1e-9)


# ------------------------------------------------------------- given helpers
def test_rel_error_is_zero_for_equal_arrays_including_zeros():
    assert gradcheck.rel_error(np.array([0.0, 1.5]), np.array([0.0, 1.5])) == 0.0


def test_rel_error_is_largest_scaled_difference():
    # |1 - 1.1| / 2.1 and |100 - 100| / 200: the first wins.
    err = gradcheck.rel_error(np.array([1.0, 100.0]), np.array([1.1, 100.0]))
    assert err == pytest.approx(0.1 / 2.1, rel=1e-12)


def test_rel_error_floor_keeps_tiny_values_from_dividing_by_zero():
    assert gradcheck.rel_error(np.array([1e-12]), np.array([0.0])) == pytest.approx(1e-4)


def test_rel_error_returns_python_float():
    assert type(gradcheck.rel_error(np.ones(2), np.ones(2))) is float


def test_forward_difference_has_error_of_order_h():
    h = 1e-3
    slope = gradcheck.forward_difference(lambda v: v ** 3, 2.0, h)
    # ((x+h)³ - x³)/h = 3x² + 3xh + h²
    assert slope == pytest.approx(12.0 + 6.0 * h + h ** 2, rel=1e-9)


def test_forward_difference_is_vectorised_over_h():
    hs = np.array([1e-1, 1e-2])
    slopes = gradcheck.forward_difference(lambda v: v ** 2, 1.0, hs)
    np.testing.assert_allclose(slopes, 2.0 + hs, rtol=1e-9)
