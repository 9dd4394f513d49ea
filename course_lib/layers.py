"""Layers with parameters: the affine (fully connected) layer.

Contract (the same for every layer in ``course_lib``):

* ``affine_forward(x, w, b) -> (out, cache)``
* ``affine_backward(dout, cache) -> (dx, dw, db)``, gradients in the order of
  the forward's array arguments, each of the shape of its argument.
* every output array has the dtype of the inputs: float32 in, float32 out.

Student functions: ``affine_forward``, ``affine_backward``.
"""
from __future__ import annotations

import numpy as np


def affine_forward(x, w, b):
    """Affine layer: flatten each sample, then ``out = x_flat @ w + b``.

    Each of the ``N`` samples may be an array of any shape ``(d1, ..., dk)``;
    it is flattened (row-major, ``reshape``) to a vector of length
    ``D = d1 * ... * dk`` before the product.

    Parameters
    ----------
    x : ndarray of shape (N, d1, ..., dk)
        Input batch.
    w : ndarray of shape (D, M)
        Weights, ``D = d1 * ... * dk``.
    b : ndarray of shape (M,)
        Biases.

    Returns
    -------
    out : ndarray of shape (N, M)
    cache : tuple ``(x, w, b)``
        The inputs, unchanged (``x`` in its original shape).

    Examples
    --------
    >>> out, _ = affine_forward(np.ones((2, 3)), np.ones((3, 1)), np.zeros(1))
    >>> out.ravel().tolist()
    [3.0, 3.0]
    """
    ### BEGIN SOLUTION
    out = x.reshape(x.shape[0], -1) @ w + b
    cache = (x, w, b)
    ### END SOLUTION
    return out, cache


def affine_backward(dout, cache):
    """Backward pass of :func:`affine_forward`.

    Parameters
    ----------
    dout : ndarray of shape (N, M)
        Upstream gradient of the loss with respect to ``out``.
    cache : tuple ``(x, w, b)``
        As returned by :func:`affine_forward`.

    Returns
    -------
    dx : ndarray of shape (N, d1, ..., dk)
        Gradient with respect to ``x``, in ``x``'s original shape.
    dw : ndarray of shape (D, M)
    db : ndarray of shape (M,)
    """
    x, w, b = cache
    ### BEGIN SOLUTION
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T @ dout
    db = dout.sum(axis=0)
    ### END SOLUTION
    return dx, dw, db
