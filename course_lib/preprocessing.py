"""Input preprocessing beyond centring: PCA and whitening — written by you.

Centring subtracts the mean of every feature and standardising divides by its
standard deviation (``data.standardize``): each feature is treated on its own.
PCA looks at the features together. The covariance matrix of the centred
data, ``C = Xc.T @ Xc / N``, is symmetric, so it has orthonormal eigenvectors
(the *principal components*) and non-negative eigenvalues (the *variances* of
the data along them). In the coordinates of the components the features are
uncorrelated; keeping the leading ones reduces the dimension with the least
loss of variance; dividing each coordinate by its standard deviation
*whitens* the data: every direction then has variance 1.

Conventions used throughout this module:

* ``X`` is an ndarray of shape (N, D), one example per row. It is never
  modified.
* Statistics come from the TRAINING set only, as in ``data.standardize``:
  fit on ``X_train``, then transform every set with the same ``mean``,
  ``components`` and ``variances``.
* ``components`` is a (D, D) matrix whose COLUMN ``k`` is the ``k``-th
  principal direction, a unit vector; the columns are sorted by decreasing
  variance. An eigenvector is only defined up to its sign, so the sign is
  fixed: the entry of largest absolute value of every column is positive.
  (Directions of equal variance are not unique at all; the tests avoid them.)
* Output arrays have the dtype of ``X`` (float32 stays float32).

Example
-------
>>> X = np.array([[3.4, 3.8], [-1.4, 0.2], [0.4, 2.8], [1.6, 1.2]])
>>> mean, components, variances = fit_pca(X)
>>> np.round(variances, 6).tolist(), np.round(components, 6).tolist()
([4.5, 0.5], [[0.8, -0.6], [0.6, 0.8]])
"""
from __future__ import annotations

import numpy as np

__all__ = ["fit_pca", "pca_transform", "pca_reconstruct", "whiten"]


def _as_data(X, name="X"):
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[0] < 2 or not np.issubdtype(X.dtype, np.floating):
        raise ValueError(f"{name} must be a float array of shape (N, D) with N >= 2, got "
                         f"dtype {X.dtype} and shape {X.shape}")
    return X


def fit_pca(X):
    """The principal components of the rows of ``X``.

    With ``Xc = X - mean`` the centred data, the covariance matrix is the
    biased estimate ``C = Xc.T @ Xc / N`` (divided by N, like ``np.var`` and
    ``np.cov(X, rowvar=False, bias=True)``). Its eigenvectors are the
    principal directions and its eigenvalues the variances along them
    (``np.linalg.eigh`` computes both for a symmetric matrix, in increasing
    order of the eigenvalues).

    Parameters
    ----------
    X : ndarray of shape (N, D), floating point, N >= 2
        Training data, one example per row; not modified.

    Returns
    -------
    mean : ndarray of shape (D,)
        The mean of the rows.
    components : ndarray of shape (D, D)
        Column ``k`` is the ``k``-th principal direction (a unit vector), the
        columns sorted by decreasing variance, each with the sign that makes
        its entry of largest absolute value positive.
    variances : ndarray of shape (D,)
        The eigenvalues of ``C`` in decreasing order (the variance of the data
        along each column of ``components``); a negative eigenvalue that is
        only round-off is returned as 0.

    Raises
    ------
    ValueError
        If ``X`` is not a float array of shape (N, D) with N >= 2.
    """
    X = _as_data(X)
    ### BEGIN SOLUTION
    mean = X.mean(axis=0)
    centred = X - mean
    variances, components = np.linalg.eigh(centred.T @ centred / X.shape[0])
    order = np.argsort(variances)[::-1]
    variances, components = np.maximum(variances[order], 0), components[:, order]
    largest = np.abs(components).argmax(axis=0)
    components = components * np.sign(components[largest, np.arange(len(largest))])
    ### END SOLUTION
    return mean, components, variances


def pca_transform(X, mean, components, num_components=None):
    """The coordinates of the rows of ``X`` along the leading principal components.

    ::

        Z = (X - mean) @ components[:, :k]        # k = num_components

    Parameters
    ----------
    X : ndarray of shape (N, D)
        Any set to transform (training, validation, test); not modified.
    mean, components : ndarrays from :func:`fit_pca` on the training set
    num_components : int, optional
        ``k``, how many leading components to keep (1 <= k <= D); all ``D``
        when None.

    Returns
    -------
    Z : ndarray of shape (N, k), dtype of ``X``

    Raises
    ------
    ValueError
        If ``num_components`` is not between 1 and D.
    """
    X = np.asarray(X)
    D = components.shape[1]
    k = D if num_components is None else int(num_components)
    if not 1 <= k <= D:
        raise ValueError(f"num_components must be between 1 and {D}, got {num_components!r}")
    ### BEGIN SOLUTION
    Z = (X - mean) @ components[:, :k]
    ### END SOLUTION
    return Z.astype(X.dtype, copy=False)


def pca_reconstruct(Z, mean, components):
    """Back from the first ``k`` coordinates to the D features (given).

    ``X_hat = Z @ components[:, :k].T + mean`` with ``k = Z.shape[1]``: the
    point of the span of the leading ``k`` components (shifted by the mean)
    nearest to the original row. With all ``D`` components it is the row
    itself; the mean squared error of the training rows over the dropped
    components is the sum of their variances.
    """
    Z = np.asarray(Z)
    return Z @ components[:, :Z.shape[1]].T + mean


def whiten(X, mean, components, variances, eps=1e-5, kind="pca"):
    """Whitened data: uncorrelated features of (almost) unit variance.

    ``kind='pca'`` divides every PCA coordinate by its standard deviation::

        W = (X - mean) @ components / sqrt(variances + eps)

    ``kind='zca'`` (zero-phase component analysis) then rotates back to the
    original axes, ``W_zca = W @ components.T``: its features are as white
    as PCA's, and of all whitenings it stays closest to the input (a whitened
    image still looks like an image). ``eps`` is added to every variance
    *inside* the square root, so that a direction of (almost) zero variance
    is not blown up: the whitened training data have variance
    ``variances / (variances + eps)`` along each component, about 1 where
    the variance is large and about 0 where it is far below ``eps``.

    Parameters
    ----------
    X : ndarray of shape (N, D); not modified.
    mean, components, variances : ndarrays from :func:`fit_pca` on the training set
    eps : float, default 1e-5
    kind : {'pca', 'zca'}, default 'pca'

    Returns
    -------
    W : ndarray of shape (N, D), dtype of ``X``

    Raises
    ------
    ValueError
        If ``kind`` is neither ``'pca'`` nor ``'zca'``.
    """
    X = np.asarray(X)
    if kind not in ("pca", "zca"):
        raise ValueError(f"kind must be 'pca' or 'zca', got {kind!r}")
    ### BEGIN SOLUTION
    W = (X - mean) @ components / np.sqrt(variances + eps)
    if kind == "zca":
        W = W @ components.T
    ### END SOLUTION
    return W.astype(X.dtype, copy=False)
