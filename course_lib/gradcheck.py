"""Numeric gradients: the ground truth every backward pass is checked against.

A backward pass is a derivation done by hand, and hand derivations go wrong. The
centred difference

    df/dx_i ≈ (f(x + h e_i) - f(x - h e_i)) / (2h)

needs nothing but the forward function, and its error shrinks like h², so it is
the referee for every analytic gradient in this course. It is slow (two forward
passes per entry of ``x``), which is why it checks gradients instead of
replacing them.

Student functions: ``numeric_gradient``, ``numeric_gradient_array``.
Given: ``rel_error`` (how to compare two gradients) and
``forward_difference`` (the one-sided formula, for comparison).
"""
from __future__ import annotations

import numpy as np


def numeric_gradient(f, x, h=1e-5):
    """Centred-difference gradient of a scalar function ``f`` at ``x``.

    For every entry ``x[i]`` (any number of dimensions), evaluate ``f`` with
    that entry moved to ``x[i] + h`` and to ``x[i] - h`` and return
    ``(f_plus - f_minus) / (2 * h)``. The array ``x`` is changed in place while
    probing and each entry is put back to its original value before the next
    one is probed, so ``x`` is unchanged when the function returns.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``; a function of the whole array ``x``.
    x : ndarray of shape (d1, ..., dk), floating point
        The point at which to differentiate. Modified during the call, restored
        afterwards.
    h : float, default 1e-5
        Step size of the centred difference.

    Returns
    -------
    grad : ndarray of shape (d1, ..., dk), same dtype as ``x``
        ``grad[i]`` approximates ``df/dx[i]``.

    Examples
    --------
    >>> x = np.array([1.0, -2.0])
    >>> np.round(numeric_gradient(lambda v: np.sum(v ** 2), x), 6)
    array([ 2., -4.])
    """
    ### BEGIN SOLUTION
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    ### END SOLUTION
    return grad


def numeric_gradient_array(f, x, dout, h=1e-5):
    """Centred-difference gradient of ``sum(f(x) * dout)`` with respect to ``x``.

    This is what a backward pass computes: ``f`` is a layer's forward
    (array in, array out) and ``dout`` the upstream gradient of the loss with
    respect to its output. For every entry ``x[i]``,

        grad[i] = sum((f(x + h e_i) - f(x - h e_i)) * dout) / (2 * h).

    ``f`` may return a view of ``x`` (a reshape, a slice): copy its output
    before changing ``x`` again. ``x`` is changed in place while probing and
    restored entry by entry, so it is unchanged when the function returns.

    Parameters
    ----------
    f : callable
        ``f(x) -> ndarray`` of the shape of ``dout``.
    x : ndarray of shape (d1, ..., dk), floating point
        Modified during the call, restored afterwards.
    dout : ndarray of the shape of ``f(x)``
        Upstream gradient.
    h : float, default 1e-5
        Step size of the centred difference.

    Returns
    -------
    grad : ndarray of shape (d1, ..., dk), same dtype as ``x``

    Examples
    --------
    >>> x = np.array([1.0, 2.0])
    >>> np.round(numeric_gradient_array(lambda v: 3 * v, x, np.array([1.0, -1.0])), 6)
    array([ 3., -3.])
    """
    ### BEGIN SOLUTION
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        out_plus = np.array(f(x), copy=True)
        x[i] = old - h
        out_minus = np.array(f(x), copy=True)
        x[i] = old
        grad[i] = np.sum((out_plus - out_minus) * dout) / (2 * h)
    ### END SOLUTION
    return grad


def rel_error(x, y):
    """Largest elementwise relative error between two arrays.

    ``max(|x - y| / max(1e-8, |x| + |y|))``: scale-free, and the floor keeps two
    exact zeros from dividing by zero. As a rule of thumb in float64: below
    1e-7 the gradients agree; around 1e-4 look for a kink or a bug; above 1e-2
    the analytic gradient is wrong.

    Parameters
    ----------
    x, y : array_like of the same shape

    Returns
    -------
    error : float

    Examples
    --------
    >>> rel_error(np.array([1.0, 0.0]), np.array([1.0, 0.0]))
    0.0
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def forward_difference(f, x0, h):
    """One-sided difference quotient ``(f(x0 + h) - f(x0)) / h`` of a function of one variable.

    Given for comparison with the centred difference of :func:`numeric_gradient`:
    its error shrinks only like ``h`` (the centred one like ``h²``), which the
    notebook shows on a log-log plot of error against ``h``. Deliberately a
    one-variable formula, vectorised over ``h``: looping over the entries of an
    array is the exercise of ``numeric_gradient``.

    Parameters
    ----------
    f : callable
        A NumPy function of one variable, ``f(float or ndarray) -> same shape``.
    x0 : float
    h : float or ndarray of step sizes

    Returns
    -------
    slope : float or ndarray of the shape of ``h``

    Examples
    --------
    >>> float(forward_difference(lambda v: v ** 2, 3.0, 1e-3))  # 6 + h
    6.000999999999479
    """
    h = np.asarray(h, dtype=np.float64)
    slope = (f(x0 + h) - f(x0)) / h
    return float(slope) if slope.ndim == 0 else slope
