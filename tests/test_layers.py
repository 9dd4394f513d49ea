"""Specification of course_lib.layers (the affine layer)."""
from __future__ import annotations

import numpy as np
import pytest

from course_lib import layers
from course_lib._hidden import numeric_gradient, rel_error


def _affine_inputs(shape=(4, 2, 3), m=5, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    d = int(np.prod(shape[1:]))
    w = rng.standard_normal((d, m)).astype(dtype)
    b = rng.standard_normal(m).astype(dtype)
    return x, w, b


@pytest.mark.task("affine_forward")
def test_affine_forward_hand_computed_values():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    w = np.array([[1.0, 0.0, -1.0], [0.5, 2.0, 1.0]])
    b = np.array([0.1, 0.2, 0.3])
    out, _ = layers.affine_forward(x, w, b)
    expected = [[1 + 1 + 0.1, 0 + 4 + 0.2, -1 + 2 + 0.3],
                [3 + 2 + 0.1, 0 + 8 + 0.2, -3 + 4 + 0.3]]
    np.testing.assert_allclose(out, expected, rtol=1e-12)


@pytest.mark.task("affine_forward")
def test_affine_forward_flattens_each_sample_row_major():
    x = np.arange(8, dtype=np.float64).reshape(2, 2, 2)   # samples [0 1 2 3], [4 5 6 7]
    w = np.array([[1.0], [10.0], [100.0], [1000.0]])
    out, _ = layers.affine_forward(x, w, np.zeros(1))
    np.testing.assert_allclose(out, [[3210.0], [4 + 50 + 600 + 7000.0]])


@pytest.mark.task("affine_forward")
def test_affine_forward_returns_inputs_as_cache():
    x, w, b = _affine_inputs()
    out, cache = layers.affine_forward(x, w, b)
    assert out.shape == (4, 5)
    assert len(cache) == 3
    assert cache[0] is x and cache[1] is w and cache[2] is b


@pytest.mark.task("affine_forward")
def test_affine_forward_keeps_float32():
    out, _ = layers.affine_forward(*_affine_inputs(dtype=np.float32))
    assert out.dtype == np.float32


@pytest.mark.task("affine_backward")
def test_affine_backward_hand_computed_values():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    w = np.array([[1.0, 0.0, -1.0], [0.5, 2.0, 1.0]])
    b = np.zeros(3)
    dout = np.array([[1.0, 0.0, 2.0], [0.0, -1.0, 1.0]])
    dx, dw, db = layers.affine_backward(dout, (x, w, b))
    np.testing.assert_allclose(dx, [[1 - 2, 0.5 + 2], [0 - 1, -2 + 1]])
    np.testing.assert_allclose(dw, [[1, -3, 2 + 3], [2, -4, 4 + 4]])
    np.testing.assert_allclose(db, [1, -1, 3])


@pytest.mark.task("affine_backward")
@pytest.mark.parametrize("shape", [(3, 4), (4, 2, 3), (2, 2, 3, 2)])
def test_affine_backward_matches_numeric_gradient(shape):
    x, w, b = _affine_inputs(shape)
    dout = np.random.default_rng(7).standard_normal((shape[0], 5))
    _, cache = layers.affine_forward(x, w, b)
    dx, dw, db = layers.affine_backward(dout, cache)

    def f(_):
        return layers.affine_forward(x, w, b)[0]

    # The output is linear in each argument, so a larger step has no
    # truncation error and less round-off.
    for got, arg in [(dx, x), (dw, w), (db, b)]:
        assert rel_error(got, numeric_gradient(f, arg, dout, h=1e-3)) < 1e-7


@pytest.mark.task("affine_backward")
def test_affine_backward_returns_dx_in_original_shape():
    x, w, b = _affine_inputs((4, 2, 3))
    dx, dw, db = layers.affine_backward(np.ones((4, 5)), (x, w, b))
    assert dx.shape == (4, 2, 3)
    assert dw.shape == (6, 5)
    assert db.shape == (5,)


@pytest.mark.task("affine_backward")
def test_affine_backward_keeps_float32():
    x, w, b = _affine_inputs(dtype=np.float32)
    grads = layers.affine_backward(np.ones((4, 5), dtype=np.float32), (x, w, b))
    assert all(g.dtype == np.float32 for g in grads)
