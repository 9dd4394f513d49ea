"""Specification of course_lib.data (given code)."""
from __future__ import annotations

import numpy as np
import pytest

from course_lib import data
from course_lib._hidden import numeric_gradient, rel_error


@pytest.fixture(scope="module")
def digits():
    return data.load_digits()


# ------------------------------------------------------------------ digits
def test_load_digits_default_sizes(digits):
    assert digits.X_train.shape == (1197, 64)
    assert digits.X_val.shape == (300, 64)
    assert digits.X_test.shape == (300, 64)
    assert digits.y_train.shape == (1197,) and digits.y_test.shape == (300,)


def test_load_digits_parts_are_disjoint_and_cover_the_set(digits):
    rows = np.vstack([digits.X_train, digits.X_val, digits.X_test])
    unique_rows = np.unique(rows, axis=0)
    from sklearn.datasets import load_digits
    assert len(unique_rows) == len(np.unique(load_digits().data, axis=0))
    assert len(rows) == 1797


def test_load_digits_unit_scale_is_in_zero_one(digits):
    assert digits.X_train.min() == 0.0 and digits.X_train.max() == 1.0
    assert np.all(np.isin(digits.X_train * 16, np.arange(17)))


def test_load_digits_raw_scale_keeps_0_to_16():
    raw = data.load_digits(scale="raw")
    assert raw.X_train.max() == 16.0
    np.testing.assert_allclose(raw.X_train / 16, data.load_digits().X_train)


def test_load_digits_rejects_unknown_scale():
    with pytest.raises(ValueError):
        data.load_digits(scale="minmax")


def test_load_digits_is_stratified(digits):
    # 10 classes of about 180 images: 300 images give each class 30 ± 1.
    for labels in (digits.y_val, digits.y_test):
        counts = np.bincount(labels, minlength=10)
        assert counts.min() >= 29 and counts.max() <= 31


def test_load_digits_is_reproducible_and_seeded(digits):
    again = data.load_digits(seed=0)
    np.testing.assert_array_equal(again.y_train, digits.y_train)
    other = data.load_digits(seed=1)
    assert not np.array_equal(other.y_train, digits.y_train)


def test_load_digits_custom_sizes():
    split = data.load_digits(val_size=100, test_size=200)
    assert (len(split.y_train), len(split.y_val), len(split.y_test)) == (1497, 100, 200)


def test_split_is_dict_like(digits):
    assert digits["X_val"] is digits.X_val
    assert set(dict(digits)) == {"X_train", "y_train", "X_val", "y_val", "X_test", "y_test"}
    assert digits.num_classes == 10
    with pytest.raises(KeyError):
        digits["X_nope"]


# ------------------------------------------------------------- standardize
def test_standardize_uses_training_statistics_only():
    train = np.array([[0.0, 10.0], [2.0, 30.0]])
    other = np.array([[4.0, 20.0]])
    train_z, other_z, mean, std = data.standardize(train, other)
    np.testing.assert_allclose(mean, [1.0, 20.0])
    np.testing.assert_allclose(std, [1.0, 10.0])
    np.testing.assert_allclose(train_z, [[-1.0, -1.0], [1.0, 1.0]])
    np.testing.assert_allclose(other_z, [[3.0, 0.0]])


def test_standardize_maps_constant_features_to_zero_not_nan():
    train = np.array([[5.0, 1.0], [5.0, 3.0]])
    train_z, mean, std = data.standardize(train)
    assert np.all(np.isfinite(train_z))
    np.testing.assert_array_equal(train_z[:, 0], 0.0)
    assert std[0] == 1.0


def test_standardize_gives_zero_mean_unit_std_on_digits(digits):
    train_z, val_z, test_z, _, _ = data.standardize(digits.X_train, digits.X_val, digits.X_test)
    varying = digits.X_train.std(axis=0) > 0
    np.testing.assert_allclose(train_z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(train_z.std(axis=0)[varying], 1, rtol=1e-12)
    assert val_z.shape == (300, 64) and test_z.shape == (300, 64)


def test_standardize_keeps_float32():
    train_z, _, std = data.standardize(np.array([[1.0], [3.0]], dtype=np.float32))
    assert train_z.dtype == np.float32


# ----------------------------------------------------------------- spirals
def test_make_spirals_shapes_labels_and_radius():
    X, y = data.make_spirals(n_per_class=50, n_classes=4, noise=0.1, seed=0)
    assert X.shape == (200, 2) and y.shape == (200,)
    np.testing.assert_array_equal(np.bincount(y), [50] * 4)
    assert np.all(np.hypot(X[:, 0], X[:, 1]) <= 1.0 + 1e-12)


def test_make_spirals_without_noise_follows_the_arm_formula():
    X, y = data.make_spirals(n_per_class=5, n_classes=2, noise=0.0)
    r = np.linspace(0, 1, 5)
    t = 4.0 + 4.0 * np.linspace(0, 1, 5)        # arm 1
    np.testing.assert_allclose(X[y == 1], np.column_stack([r * np.sin(t), r * np.cos(t)]))


def test_make_spirals_is_seeded():
    a = data.make_spirals(seed=3)[0]
    np.testing.assert_array_equal(a, data.make_spirals(seed=3)[0])
    assert not np.array_equal(a, data.make_spirals(seed=4)[0])


# ------------------------------------------------------------------- moons
def test_make_moons_without_noise_lies_on_the_two_half_circles():
    X, y = data.make_moons(n=101, noise=0.0, seed=0)
    assert X.shape == (101, 2)
    assert np.sum(y == 0) == 51 and np.sum(y == 1) == 50
    up, low = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(up[:, 0], up[:, 1]), 1.0)
    assert np.all(up[:, 1] >= -1e-12)
    np.testing.assert_allclose(np.hypot(low[:, 0] - 1.0, low[:, 1] - 0.5), 1.0)
    assert np.all(low[:, 1] <= 0.5 + 1e-12)


def test_make_moons_is_shuffled_and_seeded():
    X, y = data.make_moons(n=200, seed=1)
    assert 0 < np.sum(y[:100]) < 100
    np.testing.assert_array_equal(X, data.make_moons(n=200, seed=1)[0])


# --------------------------------------------------------- toy objectives
def test_quadratic_value_gradient_and_eigenvalues():
    f, grad, eigs = data.ill_conditioned_quadratic([2.0, 50.0])
    w = np.array([1.0, -0.5])
    assert float(f(w)) == pytest.approx(0.5 * (2.0 + 50.0 * 0.25))
    np.testing.assert_allclose(grad(w), [2.0, -25.0])
    np.testing.assert_array_equal(eigs, [2.0, 50.0])


def test_quadratic_gradient_matches_numeric_gradient():
    obj = data.ill_conditioned_quadratic([1.0, 3.0, 30.0])
    w = np.array([0.3, -1.2, 0.7])
    assert rel_error(obj.grad(w), numeric_gradient(lambda v: obj.f(v), w.copy())) < 1e-7


def test_quadratic_condition_number_and_batched_points():
    obj = data.ill_conditioned_quadratic([1.0, 25.0])
    assert obj.condition_number == 25.0
    grid = np.stack(np.meshgrid(np.linspace(-1, 1, 4), np.linspace(-1, 1, 3)), axis=-1)
    assert obj.f(grid).shape == (3, 4)


def test_quadratic_rejects_nonpositive_curvature():
    with pytest.raises(ValueError):
        data.ill_conditioned_quadratic([1.0, 0.0])


def test_saddle_value_gradient_and_eigenvalues():
    f, grad, eigs = data.saddle()
    w = np.array([1.5, -2.0])
    assert float(f(w)) == pytest.approx(2.25 - 4.0)
    assert rel_error(grad(w), numeric_gradient(lambda v: f(v), w.copy())) < 1e-7
    np.testing.assert_array_equal(grad(np.zeros(2)), [0.0, 0.0])
    assert sorted(eigs.tolist()) == [-2.0, 2.0]
