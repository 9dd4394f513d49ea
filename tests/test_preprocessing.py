"""Specification of course_lib.preprocessing: PCA and whitening.

Expected values come from data built along known directions (so the components and
variances are known by construction) or from NumPy's own covariance and eigen-solvers.
"""
from __future__ import annotations

import numpy as np
import pytest

from course_lib import data, preprocessing as pre


def _known(seed=0, n=200):
    """Data spread along the columns of a known rotation with known variances."""
    rng = np.random.default_rng(seed)
    rotation = np.linalg.qr(rng.standard_normal((4, 4)))[0]
    scales = np.array([3.0, 2.0, 1.0, 0.5])
    Z = rng.standard_normal((n, 4))
    Z = (Z - Z.mean(0)) @ np.linalg.inv(np.linalg.cholesky(np.cov(Z, rowvar=False, bias=True))).T
    return Z * scales @ rotation.T + np.array([1.0, -2.0, 0.5, 3.0]), rotation, scales ** 2


@pytest.mark.task("fit_pca")
def test_fit_pca_recovers_the_directions_and_variances_the_data_were_built_with():
    X, rotation, variances = _known()
    mean, components, got = pre.fit_pca(X)
    np.testing.assert_allclose(mean, [1.0, -2.0, 0.5, 3.0], atol=1e-12)
    np.testing.assert_allclose(got, variances, rtol=1e-10)
    np.testing.assert_allclose(np.abs(components.T @ rotation), np.eye(4), atol=1e-10)


@pytest.mark.task("fit_pca")
def test_fit_pca_matches_numpy_covariance_divided_by_n():
    X = np.random.default_rng(1).standard_normal((30, 6)) @ np.random.default_rng(2).standard_normal((6, 6))
    _, components, variances = pre.fit_pca(X)
    cov = np.cov(X, rowvar=False, bias=True)
    np.testing.assert_allclose(components @ np.diag(variances) @ components.T, cov, atol=1e-10)
    np.testing.assert_allclose(variances, np.sort(np.linalg.eigvalsh(cov))[::-1], rtol=1e-10)


@pytest.mark.task("fit_pca")
def test_fit_pca_fixes_the_sign_of_every_component():
    for seed in range(5):
        _, components, _ = pre.fit_pca(np.random.default_rng(seed).standard_normal((20, 5)))
        largest = np.abs(components).argmax(axis=0)
        assert np.all(components[largest, np.arange(5)] > 0)


@pytest.mark.task("fit_pca")
def test_fit_pca_returns_no_negative_variance_for_rank_deficient_data():
    A = np.random.default_rng(3).standard_normal((6, 2))
    _, _, variances = pre.fit_pca(np.column_stack([A, A[:, 0] + A[:, 1], 2 * A[:, 0]]))
    assert np.all(variances >= 0) and np.all(variances[2:] < 1e-12)


@pytest.mark.task("fit_pca")
def test_fit_pca_keeps_float32_and_leaves_X_alone():
    X, _, _ = _known()
    X32 = X.astype(np.float32)
    before = X32.copy()
    for array in pre.fit_pca(X32):
        assert array.dtype == np.float32
    np.testing.assert_array_equal(X32, before)


@pytest.mark.task("fit_pca")
@pytest.mark.parametrize("X", [np.arange(5.0), np.ones((1, 3)), np.ones((4, 2), dtype=int)],
                         ids=["1-d", "one-row", "int"])
def test_fit_pca_refuses_what_is_not_float_data_of_shape_n_d(X):
    with pytest.raises(ValueError, match="shape"):
        pre.fit_pca(X)


@pytest.mark.task("pca_transform")
def test_pca_transform_gives_uncorrelated_coordinates_with_the_variances_as_their_variance():
    X, _, variances = _known(4)
    mean, components, got_variances = pre.fit_pca(X)
    Z = pre.pca_transform(X, mean, components)
    np.testing.assert_allclose(Z.T @ Z / len(Z), np.diag(variances), atol=1e-10)
    np.testing.assert_allclose(pre.pca_transform(X, mean, components, num_components=2), Z[:, :2])


@pytest.mark.task("pca_transform")
def test_reconstruction_error_of_the_training_rows_is_the_sum_of_the_dropped_variances():
    X, _, variances = _known(5)
    mean, components, _ = pre.fit_pca(X)
    for k in (1, 2, 3, 4):
        X_hat = pre.pca_reconstruct(pre.pca_transform(X, mean, components, k), mean, components)
        error = np.mean(np.sum((X - X_hat) ** 2, axis=1))
        assert error == pytest.approx(variances[k:].sum(), abs=1e-10)


@pytest.mark.task("pca_transform")
@pytest.mark.parametrize("k", [0, 5])
def test_pca_transform_refuses_a_number_of_components_outside_one_to_d(k):
    X, _, _ = _known()
    mean, components, _ = pre.fit_pca(X)
    with pytest.raises(ValueError, match="num_components"):
        pre.pca_transform(X, mean, components, k)


@pytest.mark.task("whiten")
@pytest.mark.parametrize("kind", ["pca", "zca"])
def test_whitened_training_data_have_covariance_variances_over_variances_plus_eps(kind):
    X, _, _ = _known(6)
    mean, components, variances = pre.fit_pca(X)
    W = pre.whiten(X, mean, components, variances, eps=0.1, kind=kind)
    white = np.diag(variances / (variances + 0.1))
    if kind == "zca":
        white = components @ white @ components.T
    np.testing.assert_allclose(W.T @ W / len(W), white, atol=1e-10)


@pytest.mark.task("whiten")
def test_zca_is_the_pca_whitening_rotated_back_and_stays_closer_to_the_input():
    X, _, _ = _known(7)
    mean, components, variances = pre.fit_pca(X)
    pca = pre.whiten(X, mean, components, variances)
    zca = pre.whiten(X, mean, components, variances, kind="zca")
    np.testing.assert_allclose(zca, pca @ components.T, atol=1e-12)
    assert np.linalg.norm(zca - (X - mean)) < np.linalg.norm(pca - (X - mean))


@pytest.mark.task("whiten")
def test_eps_keeps_a_blank_pixel_of_the_digits_at_zero_instead_of_blowing_it_up():
    digits = data.load_digits()
    mean, components, variances = pre.fit_pca(digits.X_train)
    W = pre.whiten(digits.X_val, mean, components, variances)
    assert np.all(np.isfinite(W)) and variances[-1] < 1e-12
    assert np.max(np.abs(W[:, variances < 1e-12])) < 1e-3


@pytest.mark.task("whiten")
def test_whiten_refuses_an_unknown_kind_and_keeps_float32():
    X, _, _ = _known()
    mean, components, variances = pre.fit_pca(X)
    with pytest.raises(ValueError, match="kind"):
        pre.whiten(X, mean, components, variances, kind="PCA")
    assert pre.whiten(X.astype(np.float32), mean, components, variances).dtype == np.float32
