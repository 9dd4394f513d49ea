"""Activation functions: forward and backward passes.

Contract (the same for every layer in ``course_lib``):

* ``<name>_forward(x, ...) -> (out, cache)``;
* ``<name>_backward(dout, cache)`` returns the gradient(s) with respect to the
  forward's array arguments, in the same order (``prelu``: ``dx, dalpha``;
  ``maxout``: ``dx, dw, db``).

The elementwise activations accept ``x`` of ANY shape (a 0-d array, an empty
one), and ``out``/``dx`` have the shape and dtype of ``x`` (float32 stays
float32). Every forward and backward pass is finite and warns about nothing
for inputs as large as ``±1000``. The cache of each function is listed in its
docstring; the backward may rely on exactly that and receives nothing else.

Where a function has a kink at 0 (ReLU, leaky ReLU, PReLU), the backward uses
the slope of the NEGATIVE side at exactly ``x == 0`` (so ReLU passes no
gradient at 0, as in the CS231n code). Any value between the two slopes is a
valid subgradient; this one is the course's convention.

Student functions: every ``*_forward`` / ``*_backward`` below.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.special import erf

# Self-normalising constants of SELU (Klambauer et al., 2017, eq. 14),
# to the precision printed in the paper.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


# ---------------------------------------------------------------- sigmoid
def sigmoid_forward(x):
    """Logistic sigmoid ``1 / (1 + exp(-x))``, computed without overflow.

    ``np.exp(-x)`` overflows for ``x = -1000``: use ``z = exp(-|x|)`` (never
    larger than 1) and ``1 / (1 + z)`` for ``x >= 0``, ``z / (1 + z)`` for
    ``x < 0``. No warnings for ``x = ±1000``.

    Parameters
    ----------
    x : ndarray of any shape

    Returns
    -------
    out : ndarray, shape and dtype of ``x``, values in [0, 1]
    cache : ndarray
        ``out`` itself.

    Examples
    --------
    >>> sigmoid_forward(np.array([0.0]))[0]
    array([0.5])
    """
    ### BEGIN SOLUTION
    z = np.exp(-np.abs(x))
    out = np.where(x >= 0, 1 / (1 + z), z / (1 + z))
    cache = out
    ### END SOLUTION
    return out, cache


def sigmoid_backward(dout, cache):
    """Backward pass of :func:`sigmoid_forward`.

    Parameters
    ----------
    dout : ndarray, shape of ``x``
    cache : ndarray
        The sigmoid output ``out``.

    Returns
    -------
    dx : ndarray, shape and dtype of ``dout``
    """
    ### BEGIN SOLUTION
    out = cache
    dx = dout * out * (1 - out)
    ### END SOLUTION
    return dx


# ---------------------------------------------------------------- tanh
def tanh_forward(x):
    """Hyperbolic tangent ``tanh(x)`` (use ``np.tanh``).

    Parameters
    ----------
    x : ndarray of any shape

    Returns
    -------
    out : ndarray, shape and dtype of ``x``, values in [-1, 1]
    cache : ndarray
        ``out`` itself.
    """
    ### BEGIN SOLUTION
    out = np.tanh(x)
    cache = out
    ### END SOLUTION
    return out, cache


def tanh_backward(dout, cache):
    """Backward pass of :func:`tanh_forward`.

    Parameters
    ----------
    dout : ndarray, shape of ``x``
    cache : ndarray
        The tanh output ``out``.

    Returns
    -------
    dx : ndarray, shape and dtype of ``dout``
    """
    ### BEGIN SOLUTION
    dx = dout * (1 - cache ** 2)
    ### END SOLUTION
    return dx


# ---------------------------------------------------------------- ReLU
def relu_forward(x):
    """Rectified linear unit ``max(x, 0)``.

    Parameters
    ----------
    x : ndarray of any shape

    Returns
    -------
    out : ndarray, shape and dtype of ``x``
    cache : ndarray
        The input ``x``.

    Examples
    --------
    >>> relu_forward(np.array([-2.0, 0.0, 3.0]))[0]
    array([0., 0., 3.])
    """
    ### BEGIN SOLUTION
    out = np.maximum(x, 0)
    cache = x
    ### END SOLUTION
    return out, cache


def relu_backward(dout, cache):
    """Backward pass of :func:`relu_forward`.

    At the kink, ``x == 0`` exactly, ``dx`` is 0 (the slope of the negative
    side, the module's convention).

    Parameters
    ----------
    dout : ndarray, shape of ``x``
    cache : ndarray
        The input ``x``.

    Returns
    -------
    dx : ndarray, shape and dtype of ``dout``
    """
    ### BEGIN SOLUTION
    x = cache
    dx = dout * (x > 0)
    ### END SOLUTION
    return dx


# ---------------------------------------------------------------- leaky ReLU
def leaky_relu_forward(x, alpha=0.01):
    """Leaky ReLU: ``x`` where ``x > 0``, ``alpha * x`` elsewhere.

    Parameters
    ----------
    x : ndarray of any shape
    alpha : float, default 0.01
        Slope on the negative side (a fixed hyperparameter).

    Returns
    -------
    out : ndarray, shape and dtype of ``x``
    cache : tuple ``(x, alpha)``

    Examples
    --------
    >>> leaky_relu_forward(np.array([-2.0, 3.0]), alpha=0.1)[0]
    array([-0.2,  3. ])
    """
    ### BEGIN SOLUTION
    out = np.where(x > 0, x, alpha * x)
    cache = (x, alpha)
    ### END SOLUTION
    return out, cache


def leaky_relu_backward(dout, cache):
    """Backward pass of :func:`leaky_relu_forward`.

    At the kink, ``x == 0`` exactly, the slope of the negative side is used
    (the module's convention).

    Parameters
    ----------
    dout : ndarray, shape of ``x``
    cache : tuple ``(x, alpha)``

    Returns
    -------
    dx : ndarray, shape and dtype of ``dout``
    """
    x, alpha = cache
    ### BEGIN SOLUTION
    dx = np.where(x > 0, dout, alpha * dout)
    ### END SOLUTION
    return dx


# ---------------------------------------------------------------- PReLU
def prelu_forward(x, alpha):
    """Parametric ReLU: like leaky ReLU, but the slope ``alpha`` is learned.

    ``out = x`` where ``x > 0``, ``alpha * x`` elsewhere. ``alpha`` is either
    one slope shared by all units (shape ``()``) or one slope per feature
    (shape ``(D,)``), broadcast along the LAST axis of ``x``.

    Parameters
    ----------
    x : ndarray of shape (N, ..., D)
    alpha : ndarray of shape () or (D,)
        Converted to ``x``'s dtype before use.

    Returns
    -------
    out : ndarray, shape and dtype of ``x``
    cache : tuple ``(x, alpha)``
        ``alpha`` as converted.
    """
    alpha = np.asarray(alpha, dtype=x.dtype)
    ### BEGIN SOLUTION
    out = np.where(x > 0, x, alpha * x)
    cache = (x, alpha)
    ### END SOLUTION
    return out, cache


def prelu_backward(dout, cache):
    """Backward pass of :func:`prelu_forward`.

    At the kink, ``x == 0`` exactly, ``dx`` uses the slope of the negative
    side (the module's convention). The forward used one ``alpha`` for every
    entry of ``x`` (shared slope) or one per feature of the last axis, and
    ``dalpha`` is the gradient with respect to that array: of ``alpha``'s
    shape, ``()`` or ``(D,)``.

    Parameters
    ----------
    dout : ndarray, shape of ``x``
    cache : tuple ``(x, alpha)``

    Returns
    -------
    dx : ndarray, shape and dtype of ``x``
    dalpha : ndarray, shape of ``alpha`` (``()`` or ``(D,)``)
    """
    x, alpha = cache
    ### BEGIN SOLUTION
    dx = np.where(x > 0, dout, alpha * dout)
    leading_axes = tuple(range(x.ndim - alpha.ndim))
    dalpha = np.sum(dout * np.minimum(x, 0), axis=leading_axes)
    ### END SOLUTION
    return dx, dalpha


# ---------------------------------------------------------------- ELU
def elu_forward(x, alpha=1.0):
    """Exponential linear unit: ``x`` where ``x > 0``, ``alpha * (exp(x) - 1)``
    elsewhere.

    ``np.where`` evaluates both branches, so exponentiate ``min(x, 0)`` (and
    prefer ``np.expm1``): ``exp(1000)`` would overflow with a warning.

    Parameters
    ----------
    x : ndarray of any shape
    alpha : float, default 1.0
        The value ``-alpha`` is the output's lower limit.

    Returns
    -------
    out : ndarray, shape and dtype of ``x``
    cache : tuple ``(x, out, alpha)``
    """
    ### BEGIN SOLUTION
    out = np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))
    cache = (x, out, alpha)
    ### END SOLUTION
    return out, cache


def elu_backward(dout, cache):
    """Backward pass of :func:`elu_forward`.

    Parameters
    ----------
    dout : ndarray, shape of ``x``
    cache : tuple ``(x, out, alpha)``

    Returns
    -------
    dx : ndarray, shape and dtype of ``dout``
    """
    x, out, alpha = cache
    ### BEGIN SOLUTION
    dx = np.where(x > 0, dout, dout * (out + alpha))
    ### END SOLUTION
    return dx


# ---------------------------------------------------------------- SELU
def selu_forward(x):
    """Scaled ELU: ``SELU_SCALE * elu(x, alpha=SELU_ALPHA)``.

    ``SELU_SCALE`` (λ ≈ 1.0507) and ``SELU_ALPHA`` (α ≈ 1.6733) are the
    module constants: with them, unit-variance zero-mean inputs to a layer
    with LeCun-normal weights give unit-variance zero-mean outputs.
    Exponentiate ``min(x, 0)`` only, as in :func:`elu_forward`.

    Parameters
    ----------
    x : ndarray of any shape

    Returns
    -------
    out : ndarray, shape and dtype of ``x``
    cache : ndarray
        The input ``x``.
    """
    ### BEGIN SOLUTION
    out = SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(np.minimum(x, 0)))
    cache = x
    ### END SOLUTION
    return out, cache


def selu_backward(dout, cache):
    """Backward pass of :func:`selu_forward`.

    Parameters
    ----------
    dout : ndarray, shape of ``x``
    cache : ndarray
        The input ``x``.

    Returns
    -------
    dx : ndarray, shape and dtype of ``dout``
    """
    x = cache
    ### BEGIN SOLUTION
    dx = SELU_SCALE * dout * np.where(x > 0, 1, SELU_ALPHA * np.exp(np.minimum(x, 0)))
    ### END SOLUTION
    return dx


# ---------------------------------------------------------------- softplus
def softplus_forward(x):
    """Softplus ``log(1 + exp(x))``, a smooth ReLU; use ``np.logaddexp(0, x)``.

    The naive formula overflows for large ``x``; ``np.logaddexp`` does not.

    Parameters
    ----------
    x : ndarray of any shape

    Returns
    -------
    out : ndarray, shape and dtype of ``x``, values >= 0
    cache : tuple ``(x, out)``
    """
    ### BEGIN SOLUTION
    out = np.logaddexp(0, x)
    cache = (x, out)
    ### END SOLUTION
    return out, cache


def softplus_backward(dout, cache):
    """Backward pass of :func:`softplus_forward`.

    Parameters
    ----------
    dout : ndarray, shape of ``x``
    cache : tuple ``(x, out)``

    Returns
    -------
    dx : ndarray, shape and dtype of ``dout``
    """
    x, out = cache
    ### BEGIN SOLUTION
    dx = dout * np.exp(x - out)
    ### END SOLUTION
    return dx


# ---------------------------------------------------------------- arctan
def arctan_forward(x):
    """Inverse tangent ``arctan(x)``, values in (-π/2, π/2).

    Parameters
    ----------
    x : ndarray of any shape

    Returns
    -------
    out : ndarray, shape and dtype of ``x``
    cache : ndarray
        The input ``x``.
    """
    ### BEGIN SOLUTION
    out = np.arctan(x)
    cache = x
    ### END SOLUTION
    return out, cache


def arctan_backward(dout, cache):
    """Backward pass of :func:`arctan_forward`.

    Parameters
    ----------
    dout : ndarray, shape of ``x``
    cache : ndarray
        The input ``x``.

    Returns
    -------
    dx : ndarray, shape and dtype of ``dout``
    """
    x = cache
    ### BEGIN SOLUTION
    dx = dout / (1 + x ** 2)
    ### END SOLUTION
    return dx


# ---------------------------------------------------------------- GELU
def gelu_forward(x):
    """Gaussian error linear unit, EXACT form: ``x * Phi(x)``.

    ``Phi`` is the standard normal CDF, ``Phi(x) = (1 + erf(x / sqrt(2))) / 2``
    with ``erf`` from ``scipy.special`` (imported in this module). This is
    not the tanh approximation ``0.5 x (1 + tanh(sqrt(2/π)(x + 0.044715 x³)))``
    some libraries use; the two differ by up to about 1e-3.

    Parameters
    ----------
    x : ndarray of any shape

    Returns
    -------
    out : ndarray, shape and dtype of ``x``
    cache : ndarray
        The input ``x``.
    """
    ### BEGIN SOLUTION
    out = 0.5 * x * (1 + erf(x / math.sqrt(2)))
    cache = x
    ### END SOLUTION
    return out, cache


def gelu_backward(dout, cache):
    """Backward pass of :func:`gelu_forward` (the exact form).

    Parameters
    ----------
    dout : ndarray, shape of ``x``
    cache : ndarray
        The input ``x``.

    Returns
    -------
    dx : ndarray, shape and dtype of ``dout``
    """
    x = cache
    ### BEGIN SOLUTION
    cdf = 0.5 * (1 + erf(x / math.sqrt(2)))
    pdf = np.exp(-0.5 * x ** 2) / math.sqrt(2 * math.pi)
    dx = dout * (cdf + x * pdf)
    ### END SOLUTION
    return dx


# ---------------------------------------------------------------- binary step
def binary_step_forward(x):
    """Binary step (the perceptron's threshold): 1 where ``x >= 0``, else 0.

    Convention at 0: ``step(0) = 1``. There is deliberately no
    ``binary_step_backward``: the derivative is 0 wherever it exists (and
    undefined at 0), so gradient descent through a step unit receives no
    signal at all — the reason smooth or piecewise-linear activations
    replaced it.

    Parameters
    ----------
    x : ndarray of any shape

    Returns
    -------
    out : ndarray, shape and dtype of ``x``, values 0 and 1
    cache : ndarray
        The input ``x`` (kept for the layer contract).

    Examples
    --------
    >>> binary_step_forward(np.array([-2.0, 0.0, 3.0]))[0]
    array([0., 1., 1.])
    """
    ### BEGIN SOLUTION
    out = (x >= 0).astype(x.dtype)
    cache = x
    ### END SOLUTION
    return out, cache


# ---------------------------------------------------------------- maxout
def maxout_forward(x, w, b):
    """Maxout: the elementwise maximum of ``k`` affine maps of ``x``.

    ``out[n, m] = max_j (x @ w[j] + b[j])[n, m]``, ``j = 0 .. k-1``. With
    ``k = 2`` pieces it can represent ReLU (one piece zero) and leaky ReLU.

    Parameters
    ----------
    x : ndarray of shape (N, D)
    w : ndarray of shape (k, D, M)
        Weights of the ``k`` pieces.
    b : ndarray of shape (k, M)
        Biases of the ``k`` pieces.

    Returns
    -------
    out : ndarray of shape (N, M), dtype of ``x``
    cache : tuple ``(x, w, b, winner)``
        ``winner`` of shape (N, M), int: the index ``j`` of the piece that
        attains the maximum (the first one in a tie, as ``np.argmax``).
    """
    ### BEGIN SOLUTION
    z = x @ w + b[:, None, :]                      # (k, N, M)
    winner = z.argmax(axis=0)
    out = z.max(axis=0)
    cache = (x, w, b, winner)
    ### END SOLUTION
    return out, cache


def maxout_backward(dout, cache):
    """Backward pass of :func:`maxout_forward`.

    Where pieces tie for the maximum, the output counts as coming from the
    piece recorded in ``winner`` (the first of them): the other tied pieces
    get no gradient from it.

    Parameters
    ----------
    dout : ndarray of shape (N, M)
    cache : tuple ``(x, w, b, winner)``

    Returns
    -------
    dx : ndarray of shape (N, D)
    dw : ndarray of shape (k, D, M)
    db : ndarray of shape (k, M)
        All three in the dtype of ``x``.
    """
    x, w, b, winner = cache
    ### BEGIN SOLUTION
    pieces = np.arange(w.shape[0])[:, None, None]
    dz = np.where(pieces == winner, dout, 0)       # (k, N, M)
    dx = np.sum(dz @ w.transpose(0, 2, 1), axis=0)
    dw = x.T @ dz
    db = dz.sum(axis=1)
    ### END SOLUTION
    return dx, dw, db
