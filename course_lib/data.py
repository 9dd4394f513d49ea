"""Data for the course: real digits, synthetic 2-D sets and toy objectives.

Everything here works offline and is seeded, so every notebook run sees the
same numbers. Given code (no solution regions).

Sections
--------
* Splits and preprocessing: :class:`Split`, :func:`load_digits`,
  :func:`standardize`.
* MNIST-1D, the capstone's data (generated offline from a seed):
  :func:`load_mnist1d`, :func:`make_mnist1d`.
* Synthetic classification sets in the plane: :func:`make_spirals`,
  :func:`make_moons`.
* Toy objectives for optimizer plots: :class:`Objective`,
  :func:`ill_conditioned_quadratic`, :func:`saddle`.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Callable, NamedTuple

import numpy as np

# ====================================================== splits and preprocessing


@dataclass
class Split:
    """Train / validation / test arrays of one data set.

    Attribute access (``split.X_train``) and dict-style access
    (``split["X_train"]``, ``dict(split)``) both work.

    Attributes
    ----------
    X_train, X_val, X_test : ndarray of shape (n_part, D)
    y_train, y_val, y_test : ndarray of shape (n_part,), int
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray

    def keys(self):
        return [f.name for f in fields(self)]

    def __getitem__(self, key):
        if key not in self.keys():
            raise KeyError(key)
        return getattr(self, key)

    @property
    def num_classes(self) -> int:
        """Number of classes, ``max label + 1`` over all three parts."""
        return int(max(self.y_train.max(), self.y_val.max(), self.y_test.max())) + 1

    def __repr__(self):
        parts = ", ".join(f"{k}={self[k].shape}" for k in self.keys())
        return f"Split({parts})"


def load_digits(val_size=300, test_size=300, seed=0, scale="unit"):
    """The scikit-learn handwritten digits, split into train / val / test.

    1797 grey-scale 8×8 images of the digits 0–9 (shipped with scikit-learn,
    no download), each flattened to 64 pixel values in 0..16. The split is
    stratified (every part has about the same share of each digit) and fixed
    by ``seed``; the training set gets the remaining 1797 - val - test images
    (1197 with the defaults).

    Parameters
    ----------
    val_size, test_size : int, default 300
        Number of validation / test images.
    seed : int, default 0
        Seed of the shuffle.
    scale : {'unit', 'raw'}, default 'unit'
        'unit' divides the pixels by 16 (values in [0, 1]); 'raw' keeps 0..16.

    Returns
    -------
    split : Split
        ``X_*`` float64 of shape (n_part, 64), ``y_*`` int64 of shape (n_part,).

    Examples
    --------
    >>> split = load_digits()
    >>> split.X_train.shape, split.X_val.shape, split.X_test.shape
    ((1197, 64), (300, 64), (300, 64))
    """
    from sklearn.datasets import load_digits as sklearn_digits
    from sklearn.model_selection import train_test_split

    if scale not in ("unit", "raw"):
        raise ValueError(f"scale must be 'unit' or 'raw', got {scale!r}")
    digits = sklearn_digits()
    X = digits.data.astype(np.float64)
    y = digits.target.astype(np.int64)
    if scale == "unit":
        X = X / 16.0
    n_train = len(y) - val_size - test_size
    if min(val_size, test_size, n_train) < 1:
        raise ValueError(f"val_size={val_size} and test_size={test_size} leave no room "
                         f"in {len(y)} images")
    X_rest, X_test, y_rest, y_test = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=seed)
    X_train, X_val, y_train, y_val = train_test_split(
        X_rest, y_rest, test_size=val_size, stratify=y_rest, random_state=seed)
    return Split(X_train, y_train, X_val, y_val, X_test, y_test)


def standardize(train, *others, eps=1e-8):
    """Zero-mean, unit-variance features using TRAINING statistics only.

    The validation and test sets are transformed with the mean and standard
    deviation of the training set: using their own statistics would leak
    information about them into the model. A feature that is constant in the
    training set (std below ``eps``, e.g. an always-blank pixel) is divided by
    1 instead, so it becomes 0 rather than NaN.

    Parameters
    ----------
    train : ndarray of shape (N, D)
    *others : ndarrays of shape (N_i, D)
        Further sets to transform with the training statistics.
    eps : float, default 1e-8

    Returns
    -------
    tuple ``(train_std, *others_std, mean, std)``
        The transformed arrays in the order given, then ``mean`` and ``std``
        (shape (D,); ``std`` with the 1-substitution applied).

    Examples
    --------
    >>> a, b, mean, std = standardize(np.array([[0.0], [2.0]]), np.array([[4.0]]))
    >>> a.ravel().tolist(), b.ravel().tolist(), mean.tolist(), std.tolist()
    ([-1.0, 1.0], [3.0], [1.0], [1.0])
    """
    mean = train.mean(axis=0)
    std = train.std(axis=0)
    std = np.where(std < eps, 1.0, std).astype(train.dtype, copy=False)
    transformed = [(a - mean) / std for a in (train, *others)]
    return (*transformed, mean, std)


# ============================================================= MNIST-1D

#: Length of an MNIST-1D sequence with the package's default arguments.
MNIST1D_LENGTH = 40
#: The seed of ``mnist1d.data.get_dataset_args()``: the data set its authors publish.
MNIST1D_SEED = 42

_MNIST1D_CACHE: dict = {}


def make_mnist1d(num_samples, seed):
    """``num_samples`` MNIST-1D sequences generated from ``seed``, in random order.

    MNIST-1D (Greydanus, 2020; the ``mnist1d`` package, Apache-2.0) turns ten
    1-D digit templates into sequences of length 40 by random padding,
    stretching, translation, correlated and i.i.d. noise and shear, so that a
    linear model gets about a third of them right and depth pays. The
    package's ``make_dataset`` generates them offline and deterministically
    from ``seed`` with its default arguments (never its ``get_dataset``, which
    downloads). The global NumPy and ``random`` states, which the package
    seeds, are restored afterwards. Generation takes about a second per 5,000
    sequences; results are cached per ``(num_samples, seed)`` in this process.

    Parameters
    ----------
    num_samples : int >= 10
        A multiple of 10 (the package draws ``num_samples // 10`` per digit).
    seed : int

    Returns
    -------
    X : ndarray of shape (num_samples, 40), float64
        Scaled by the package to mean 0 and standard deviation 1 over the set.
    y : ndarray of shape (num_samples,), int64
        Digits 0-9, every digit ``num_samples // 10`` times.

    Raises
    ------
    ImportError
        With one sentence saying how to install the package, when it is missing.
    """
    num_samples, seed = int(num_samples), int(seed)
    if num_samples < 10 or num_samples % 10:
        raise ValueError(f"num_samples must be a positive multiple of 10, got {num_samples}")
    key = (num_samples, seed)
    if key not in _MNIST1D_CACHE:
        try:
            from mnist1d.data import get_dataset_args, make_dataset
        except ImportError:
            raise ImportError("MNIST-1D needs the mnist1d package: pip install mnist1d "
                              "(it is in requirements.txt; `make venv` installs it)") from None
        import random

        args = get_dataset_args()
        args.num_samples, args.seed = num_samples, seed
        np_state, py_state = np.random.get_state(), random.getstate()
        try:
            generated = make_dataset(args)
        finally:
            np.random.set_state(np_state)
            random.setstate(py_state)
        X = np.concatenate([generated["x"], generated["x_test"]]).astype(np.float64)
        y = np.concatenate([generated["y"], generated["y_test"]]).astype(np.int64)
        X.flags.writeable = False
        y.flags.writeable = False
        _MNIST1D_CACHE[key] = (X, y)
    X, y = _MNIST1D_CACHE[key]
    return X.copy(), y.copy()


def load_mnist1d(val_size=1000, seed=MNIST1D_SEED):
    """MNIST-1D with the package's default arguments, split into train / val / test.

    The package's 5,000 sequences of seed 42 (its published data set): the
    first 4,000 are its training set, of which the last ``val_size`` become
    the validation set here, and the last 1,000 are its test set, unchanged.

    Parameters
    ----------
    val_size : int, default 1000
        Number of validation sequences taken from the 4,000 training ones.
    seed : int, default 42
        Generation seed (42 gives the package's published set).

    Returns
    -------
    split : Split
        ``X_*`` float64 of shape (n_part, 40), ``y_*`` int64 of shape (n_part,);
        with the defaults 3,000 / 1,000 / 1,000.

    Examples
    --------
    >>> split = load_mnist1d()  # doctest: +SKIP
    >>> split.X_train.shape, split.X_val.shape, split.X_test.shape  # doctest: +SKIP
    ((3000, 40), (1000, 40), (1000, 40))
    """
    X, y = make_mnist1d(5000, seed)
    n_train = 4000 - int(val_size)
    if not 1 <= n_train < 4000:
        raise ValueError(f"val_size must lie in [1, 3999], got {val_size}")
    return Split(X[:n_train], y[:n_train], X[n_train:4000], y[n_train:4000],
                 X[4000:], y[4000:])


# ================================================= synthetic 2-D classification


def make_spirals(n_per_class=100, n_classes=3, noise=0.2, seed=0):
    """Interleaved spiral arms in the plane, one arm per class.

    The classic set that no linear classifier separates. Arm ``c`` has radii
    evenly spaced in [0, 1] and angles running over an interval of length 4
    starting at ``4c``, plus Gaussian noise of std ``noise`` on the angle.

    Parameters
    ----------
    n_per_class : int, default 100
    n_classes : int, default 3
    noise : float, default 0.2
        Standard deviation of the angular noise (radians).
    seed : int, default 0

    Returns
    -------
    X : ndarray of shape (n_per_class * n_classes, 2), float64
        Points inside the unit disc.
    y : ndarray of shape (n_per_class * n_classes,), int64
        Arm index, in blocks of ``n_per_class``.
    """
    rng = np.random.default_rng(seed)
    radius = np.tile(np.linspace(0.0, 1.0, n_per_class), n_classes)
    y = np.repeat(np.arange(n_classes), n_per_class)
    start = 4.0 * y
    angle = (start + 4.0 * np.tile(np.linspace(0.0, 1.0, n_per_class), n_classes)
             + noise * rng.standard_normal(n_per_class * n_classes))
    X = np.column_stack([radius * np.sin(angle), radius * np.cos(angle)])
    return X, y.astype(np.int64)


def make_moons(n=200, noise=0.1, seed=0):
    """Two interleaving half circles (the scikit-learn 'moons'), in NumPy.

    Class 0: upper half of the unit circle centred at (0, 0); class 1: lower
    half circle centred at (1, 0.5). Gaussian noise of std ``noise`` is added
    to both coordinates; the points are returned in random order.

    Parameters
    ----------
    n : int, default 200
        Total number of points; class 0 gets ``ceil(n / 2)``.
    noise : float, default 0.1
    seed : int, default 0

    Returns
    -------
    X : ndarray of shape (n, 2), float64
    y : ndarray of shape (n,), int64, values 0 and 1
    """
    rng = np.random.default_rng(seed)
    n_upper = n - n // 2
    t_upper = np.linspace(0.0, np.pi, n_upper)
    t_lower = np.linspace(0.0, np.pi, n // 2)
    upper = np.column_stack([np.cos(t_upper), np.sin(t_upper)])
    lower = np.column_stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)])
    X = np.vstack([upper, lower]) + noise * rng.standard_normal((n, 2))
    y = np.concatenate([np.zeros(n_upper, np.int64), np.ones(n // 2, np.int64)])
    order = rng.permutation(n)
    return X[order], y[order]


# ======================================================= toy objectives


class Objective(NamedTuple):
    """A differentiable toy objective ``f`` with its gradient.

    Unpacks as ``f, grad, hessian_eigs = objective``.

    Attributes
    ----------
    f : callable
        ``f(w) -> value``; ``w`` of shape (..., d), the value of shape (...),
        so a stack of points (e.g. a meshgrid for a contour plot) evaluates
        at once.
    grad : callable
        ``grad(w) -> ndarray`` of the shape of ``w``.
    hessian_eigs : ndarray of shape (d,)
        Eigenvalues of the (constant) Hessian, along the coordinate axes.
    """

    f: Callable
    grad: Callable
    hessian_eigs: np.ndarray

    @property
    def condition_number(self) -> float:
        """``max |eig| / min |eig|`` of the Hessian: how elongated the valleys are."""
        magnitudes = np.abs(self.hessian_eigs)
        return float(magnitudes.max() / magnitudes.min())


def ill_conditioned_quadratic(lambdas=(1.0, 10.0)):
    """Axis-aligned quadratic bowl ``f(w) = 1/2 * sum_i lambdas[i] * w_i**2``.

    Minimum 0 at the origin; the Hessian is ``diag(lambdas)``. With very
    different ``lambdas`` the valley is long and narrow: plain gradient descent
    must use a step below ``2 / max(lambdas)`` to stay stable and then crawls
    along the flat direction, which momentum and adaptive methods fix.

    Parameters
    ----------
    lambdas : sequence of float, default (1.0, 10.0)
        Curvatures along the axes, all positive.

    Returns
    -------
    Objective
        ``f(w)`` and ``grad(w) = lambdas * w`` for ``w`` of shape (..., d),
        ``hessian_eigs = lambdas``.

    Examples
    --------
    >>> f, grad, eigs = ill_conditioned_quadratic([1.0, 100.0])
    >>> float(f(np.array([1.0, 1.0]))), grad(np.array([1.0, 1.0])).tolist()
    (50.5, [1.0, 100.0])
    """
    lambdas = np.asarray(lambdas, dtype=np.float64)
    if lambdas.ndim != 1 or np.any(lambdas <= 0):
        raise ValueError("lambdas must be a 1-D sequence of positive curvatures")

    def f(w):
        return 0.5 * np.sum(lambdas * np.asarray(w) ** 2, axis=-1)

    def grad(w):
        return lambdas * np.asarray(w)

    return Objective(f, grad, lambdas.copy())


def saddle():
    """The saddle ``f(x, y) = x**2 - y**2``, a stationary point that is no minimum.

    At the origin the gradient vanishes, yet ``f`` decreases along ``y``:
    gradient descent started exactly on the x-axis stalls there, and a tiny
    perturbation in ``y`` escapes only slowly.

    Returns
    -------
    Objective
        ``f(w)`` and ``grad(w) = (2x, -2y)`` for ``w`` of shape (..., 2),
        ``hessian_eigs = [2, -2]``.

    Examples
    --------
    >>> f, grad, _ = saddle()
    >>> float(f(np.array([1.0, 2.0]))), grad(np.array([1.0, 2.0])).tolist()
    (-3.0, [2.0, -4.0])
    """
    def f(w):
        w = np.asarray(w)
        return w[..., 0] ** 2 - w[..., 1] ** 2

    def grad(w):
        w = np.asarray(w)
        return np.stack([2 * w[..., 0], -2 * w[..., 1]], axis=-1)

    return Objective(f, grad, np.array([2.0, -2.0]))
