"""Weight initialisation schemes for fully connected layers.

Every initialiser has the same contract::

    W = scheme(fan_in, fan_out, rng, dtype=np.float64)

* ``fan_in`` is the number of inputs of the layer, ``fan_out`` the number of
  its units, and ``W`` has shape ``(fan_in, fan_out)`` so that ``x @ W`` maps
  a batch ``x`` of shape ``(N, fan_in)`` to shape ``(N, fan_out)``. Column
  ``j`` of ``W`` holds the incoming weights of unit ``j``.
* ``rng`` is a ``np.random.Generator`` (``np.random.default_rng(seed)``).
  Draw every random number from it, never from ``np.random.*``: then the
  same seed gives the same weights.
* the weights have mean 0; the schemes differ only in their spread:

  ==================  ============  ==========================================
  scheme              distribution  variance of each weight
  ==================  ============  ==========================================
  ``zeros``           constant 0    0
  ``normal``          normal        ``std**2`` (``std=0.01`` by default)
  ``xavier_normal``   normal        ``2 / (fan_in + fan_out)``
  ``xavier_uniform``  U(-r, r)      ``r**2 / 3`` with ``r = sqrt(6 / (fan_in + fan_out))``
  ``he_normal``       normal        ``2 / fan_in``
  ``he_uniform``      U(-r, r)      ``r**2 / 3`` with ``r = sqrt(6 / fan_in)``
  ``lecun_normal``    normal        ``1 / fan_in``
  ==================  ============  ==========================================

  A uniform distribution on ``[-r, r]`` has variance ``r**2 / 3``, which is why
  ``xavier_uniform`` has the same variance as ``xavier_normal`` and
  ``he_uniform`` the same as ``he_normal``.

Given (not part of the exercise): :data:`INIT_TABLE` and
:func:`recommended_scale` / :func:`recommended_std`, the per-activation table
of the lecture, and :func:`get`, which looks an initialiser up by name.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = [
    "zeros", "normal", "xavier_normal", "xavier_uniform", "he_normal", "he_uniform",
    "lecun_normal", "INIT_TABLE", "recommended_scale", "recommended_std", "get", "NAMES",
]


def zeros(fan_in, fan_out, rng=None, dtype=np.float64):
    """All-zero weights: the initialisation that never breaks the symmetry.

    Parameters
    ----------
    fan_in, fan_out : int
        Number of inputs and of units of the layer.
    rng : np.random.Generator or None
        Unused; accepted so that every initialiser has the same signature.
    dtype : numpy dtype, default np.float64

    Returns
    -------
    W : ndarray of shape (fan_in, fan_out) and dtype ``dtype``, every entry 0.

    Examples
    --------
    >>> zeros(2, 3).tolist()
    [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    """
    ### BEGIN SOLUTION
    W = np.zeros((fan_in, fan_out))
    ### END SOLUTION
    return np.asarray(W, dtype=dtype)


def normal(fan_in, fan_out, rng, std=0.01, dtype=np.float64):
    """Small Gaussian weights with a fixed standard deviation (the "naive" scheme).

    Each weight is drawn independently from N(0, std**2), whatever the size of
    the layer.

    Parameters
    ----------
    fan_in, fan_out : int
        Number of inputs and of units of the layer.
    rng : np.random.Generator
        Source of all random numbers.
    std : float, default 0.01
        Standard deviation of every weight (variance ``std**2``).
    dtype : numpy dtype, default np.float64

    Returns
    -------
    W : ndarray of shape (fan_in, fan_out) and dtype ``dtype``.
    """
    ### BEGIN SOLUTION
    W = std * rng.standard_normal((fan_in, fan_out))
    ### END SOLUTION
    return np.asarray(W, dtype=dtype)


def xavier_normal(fan_in, fan_out, rng, dtype=np.float64):
    """Xavier/Glorot normal initialisation.

    Each weight is drawn independently from N(0, sigma**2) with
    ``sigma**2 = 2 / (fan_in + fan_out)``: the compromise between keeping the
    variance of the activations (which asks for ``1 / fan_in``) and of the
    gradients (which asks for ``1 / fan_out``) constant from layer to layer.

    Parameters
    ----------
    fan_in, fan_out : int
        Number of inputs and of units of the layer.
    rng : np.random.Generator
        Source of all random numbers.
    dtype : numpy dtype, default np.float64

    Returns
    -------
    W : ndarray of shape (fan_in, fan_out) and dtype ``dtype``.
    """
    ### BEGIN SOLUTION
    std = np.sqrt(2.0 / (fan_in + fan_out))
    W = std * rng.standard_normal((fan_in, fan_out))
    ### END SOLUTION
    return np.asarray(W, dtype=dtype)


def xavier_uniform(fan_in, fan_out, rng, dtype=np.float64):
    """Xavier/Glorot uniform initialisation.

    Each weight is drawn independently from the uniform distribution on
    ``[-r, r]`` with ``r = sqrt(6 / (fan_in + fan_out))``, so its variance
    ``r**2 / 3 = 2 / (fan_in + fan_out)`` equals that of :func:`xavier_normal`.

    Parameters
    ----------
    fan_in, fan_out : int
        Number of inputs and of units of the layer.
    rng : np.random.Generator
        Source of all random numbers.
    dtype : numpy dtype, default np.float64

    Returns
    -------
    W : ndarray of shape (fan_in, fan_out) and dtype ``dtype``; ``|W| <= r``.
    """
    ### BEGIN SOLUTION
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    W = rng.uniform(-limit, limit, size=(fan_in, fan_out))
    ### END SOLUTION
    return np.asarray(W, dtype=dtype)


def he_normal(fan_in, fan_out, rng, dtype=np.float64):
    """He (Kaiming) normal initialisation, made for ReLU units.

    Each weight is drawn independently from N(0, sigma**2) with
    ``sigma**2 = 2 / fan_in``. Only the number of inputs counts: a ReLU zeroes
    about half of its inputs, and the factor 2 makes up for the lost variance.

    Parameters
    ----------
    fan_in, fan_out : int
        Number of inputs and of units of the layer.
    rng : np.random.Generator
        Source of all random numbers.
    dtype : numpy dtype, default np.float64

    Returns
    -------
    W : ndarray of shape (fan_in, fan_out) and dtype ``dtype``.
    """
    ### BEGIN SOLUTION
    std = np.sqrt(2.0 / fan_in)
    W = std * rng.standard_normal((fan_in, fan_out))
    ### END SOLUTION
    return np.asarray(W, dtype=dtype)


def he_uniform(fan_in, fan_out, rng, dtype=np.float64):
    """He (Kaiming) uniform initialisation.

    Each weight is drawn independently from the uniform distribution on
    ``[-r, r]`` with ``r = sqrt(6 / fan_in)``, so its variance
    ``r**2 / 3 = 2 / fan_in`` equals that of :func:`he_normal`.

    Parameters
    ----------
    fan_in, fan_out : int
        Number of inputs and of units of the layer.
    rng : np.random.Generator
        Source of all random numbers.
    dtype : numpy dtype, default np.float64

    Returns
    -------
    W : ndarray of shape (fan_in, fan_out) and dtype ``dtype``; ``|W| <= r``.
    """
    ### BEGIN SOLUTION
    limit = np.sqrt(6.0 / fan_in)
    W = rng.uniform(-limit, limit, size=(fan_in, fan_out))
    ### END SOLUTION
    return np.asarray(W, dtype=dtype)


def lecun_normal(fan_in, fan_out, rng, dtype=np.float64):
    """LeCun normal initialisation (the scheme SELU networks expect).

    Each weight is drawn independently from N(0, sigma**2) with
    ``sigma**2 = 1 / fan_in``; this is ``np.random.randn(fan_in, fan_out) /
    np.sqrt(fan_in)`` of the lecture slides, written with a Generator.

    Parameters
    ----------
    fan_in, fan_out : int
        Number of inputs and of units of the layer.
    rng : np.random.Generator
        Source of all random numbers.
    dtype : numpy dtype, default np.float64

    Returns
    -------
    W : ndarray of shape (fan_in, fan_out) and dtype ``dtype``.
    """
    ### BEGIN SOLUTION
    std = np.sqrt(1.0 / fan_in)
    W = std * rng.standard_normal((fan_in, fan_out))
    ### END SOLUTION
    return np.asarray(W, dtype=dtype)


# ---------------------------------------------------------------------------
# Given: the lecture's per-activation table and the lookup by name.
# ---------------------------------------------------------------------------

#: The per-activation scaling table of the lecture "Training Deep Networks"
#: (Lecture 11, slide "He Initialization"). For each activation, the factor
#: that multiplies the Glorot scale: uniform on ``[-r, r]`` with
#: ``r = factor * sqrt(6 / (fan_in + fan_out))``, or normal with
#: ``sigma = factor * sqrt(2 / (fan_in + fan_out))``.
#:
#: Note: the table is reproduced as the lecture gives it. Glorot & Bengio
#: derived ``sqrt(6 / (fan_in + fan_out))`` for tanh (slope 1 at 0), and the
#: usual advice (e.g. the Theano deep-learning tutorials) puts the factor 4 on
#: the *logistic* function, whose slope at 0 is 1/4 -- the lecture's table has
#: the 4 on tanh instead. Notebook 02 lets students measure which one keeps
#: the activations alive.
INIT_TABLE = {
    "logistic": 1.0,
    "tanh": 4.0,
    "relu": math.sqrt(2.0),
}

_ACTIVATION_ALIASES = {"sigmoid": "logistic", "leaky_relu": "relu", "elu": "relu",
                       "prelu": "relu"}


def recommended_scale(activation, fan_in, fan_out, distribution="normal"):
    """The lecture table's scale for ``activation``: sigma (normal) or r (uniform).

    Parameters
    ----------
    activation : {'logistic', 'tanh', 'relu'}
        ``'sigmoid'`` is accepted for ``'logistic'``; ``'leaky_relu'``,
        ``'prelu'`` and ``'elu'`` count as ReLU variants.
    fan_in, fan_out : int
    distribution : {'normal', 'uniform'}

    Returns
    -------
    float
        ``factor * sqrt(2 / (fan_in + fan_out))`` (the standard deviation) for
        ``'normal'``, ``factor * sqrt(6 / (fan_in + fan_out))`` (the half-width
        ``r`` of ``U(-r, r)``) for ``'uniform'``, with ``factor`` from
        :data:`INIT_TABLE`.

    Examples
    --------
    >>> round(recommended_scale("tanh", 300, 100, "uniform"), 4)
    0.4899
    """
    key = _ACTIVATION_ALIASES.get(activation, activation)
    if key not in INIT_TABLE:
        raise ValueError(f"unknown activation {activation!r}; known: {sorted(INIT_TABLE)}")
    if distribution == "normal":
        base = math.sqrt(2.0 / (fan_in + fan_out))
    elif distribution == "uniform":
        base = math.sqrt(6.0 / (fan_in + fan_out))
    else:
        raise ValueError(f"distribution must be 'normal' or 'uniform', got {distribution!r}")
    return INIT_TABLE[key] * base


def recommended_std(activation, fan_in, fan_out, distribution="normal"):
    """Standard deviation of the weights the lecture table recommends.

    Same as :func:`recommended_scale` for ``'normal'``; for ``'uniform'`` the
    standard deviation ``r / sqrt(3)`` of ``U(-r, r)``. Both distributions give
    the same value: ``factor * sqrt(2 / (fan_in + fan_out))``.

    Returns
    -------
    float
    """
    scale = recommended_scale(activation, fan_in, fan_out, distribution)
    return scale if distribution == "normal" else scale / math.sqrt(3.0)


#: Initialisers by name; ``'glorot_*'`` and ``'kaiming_*'`` are aliases.
NAMES = ("zeros", "normal", "xavier_normal", "xavier_uniform", "he_normal", "he_uniform",
         "lecun_normal")

_ALIASES = {
    "glorot_normal": "xavier_normal", "glorot_uniform": "xavier_uniform",
    "kaiming_normal": "he_normal", "kaiming_uniform": "he_uniform",
}


def get(name):
    """The initialiser called ``name``, e.g. ``get("he_normal")(784, 100, rng)``.

    Parameters
    ----------
    name : str or callable
        One of :data:`NAMES` (or an alias ``'glorot_normal'``,
        ``'glorot_uniform'``, ``'kaiming_normal'``, ``'kaiming_uniform'``).
        A callable is returned unchanged, so a custom
        ``f(fan_in, fan_out, rng, dtype=...)`` works wherever a name does.

    Returns
    -------
    callable ``(fan_in, fan_out, rng, dtype=np.float64) -> W``

    Raises
    ------
    ValueError
        For an unknown name.
    """
    if callable(name):
        return name
    key = _ALIASES.get(name, name)
    if key not in NAMES:
        known = ", ".join(NAMES + tuple(_ALIASES))
        raise ValueError(f"unknown initialiser {name!r}; known: {known}")
    return globals()[key]
