"""Batch normalization and layer normalization for fully connected layers.

Both layers take activations ``x`` of shape ``(N, D)`` (N samples, D features)
and a learnable scale ``gamma`` and shift ``beta`` of shape ``(D,)``. They first
normalise, then scale and shift::

    x_hat = (x - mu) / sqrt(var + eps)
    out   = gamma * x_hat + beta

They differ in *which* numbers ``mu`` and ``var`` average over:

* batch norm: over the batch, one mean and one variance per feature (axis 0);
  at test time the layer uses running averages collected during training;
* layer norm: over the features, one mean and one variance per sample
  (axis 1); it behaves the same in training and at test time.

Variances are the biased ones (divide by N, resp. D), as in the lecture.
Every array these functions return (``out``, the gradients, the running
averages) has the dtype of ``x``: float32 in, float32 out.

Cache of both layers (what the forward pass hands to the backward pass)::

    cache = (x_hat, gamma, x_centered, inv_std)

``x_centered = x - mu`` and ``inv_std = 1 / sqrt(var + eps)``; for batch norm
``inv_std`` has shape ``(D,)``, for layer norm ``(N, 1)``.
"""
from __future__ import annotations

import numpy as np

__all__ = ["batchnorm_forward", "batchnorm_backward", "batchnorm_backward_alt",
           "layernorm_forward", "layernorm_backward"]


def batchnorm_forward(x, gamma, beta, bn_param):
    """Forward pass of batch normalization.

    Train mode normalises every feature with the mean and the (biased)
    variance of the current batch::

        mu  = mean(x, axis=0)                    # shape (D,)
        var = mean((x - mu)**2, axis=0)          # shape (D,)
        x_hat = (x - mu) / sqrt(var + eps)
        out = gamma * x_hat + beta

    and updates the running averages in ``bn_param``::

        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var  = momentum * running_var  + (1 - momentum) * var

    Test mode uses the running averages instead of the batch statistics (so the
    output of a sample does not depend on the rest of the batch) and leaves
    them unchanged.

    Parameters
    ----------
    x : ndarray of shape (N, D)
    gamma : ndarray of shape (D,)
        Scale.
    beta : ndarray of shape (D,)
        Shift.
    bn_param : dict
        ``'mode'``: ``'train'`` (default) or ``'test'``;
        ``'eps'``: float, default 1e-5, added to the variance;
        ``'momentum'``: float, default 0.9;
        ``'running_mean'``, ``'running_var'``: ndarrays of shape (D,). When
        absent they are created here as zeros and ones in ``x``'s dtype. Train
        mode stores the updated arrays back under the same keys.

    Returns
    -------
    out : ndarray of shape (N, D), dtype of ``x``
    cache : tuple ``(x_hat, gamma, x_centered, inv_std)`` in train mode,
        ``x_hat`` and ``x_centered`` of shape (N, D), ``inv_std =
        1 / sqrt(var + eps)`` of shape (D,); None in test mode (the backward
        pass is only defined in train mode).

    Raises
    ------
    ValueError
        If ``bn_param['mode']`` is neither ``'train'`` nor ``'test'``.
    """
    mode = bn_param.get("mode", "train")
    if mode not in ("train", "test"):
        raise ValueError(f"bn_param['mode'] must be 'train' or 'test', got {mode!r}")
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    D = x.shape[1]
    running_mean = bn_param.setdefault("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.setdefault("running_var", np.ones(D, dtype=x.dtype))
    ### BEGIN SOLUTION
    if mode == "train":
        mu = x.mean(axis=0)
        x_centered = x - mu
        var = (x_centered ** 2).mean(axis=0)
        inv_std = 1.0 / np.sqrt(var + eps)
        x_hat = x_centered * inv_std
        out = gamma * x_hat + beta
        bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mu
        bn_param["running_var"] = momentum * running_var + (1 - momentum) * var
        cache = (x_hat, gamma, x_centered, inv_std)
    else:
        x_hat = (x - running_mean) / np.sqrt(running_var + eps)
        out = gamma * x_hat + beta
        cache = None
    ### END SOLUTION
    return out, cache


def batchnorm_backward(dout, cache):
    """Backward pass of batch normalization (train mode), node by node.

    Staged: back through the nodes of the forward's computation graph one at
    a time (``out``, ``x_hat``, ``inv_std``, ``std``, ``var``, ``x_centered``,
    ``mu``), as notebook 03 sets them out. :func:`batchnorm_backward_alt`
    returns the same values.

    Parameters
    ----------
    dout : ndarray of shape (N, D)
        Upstream gradient.
    cache : tuple
        ``(x_hat, gamma, x_centered, inv_std)`` from :func:`batchnorm_forward`.

    Returns
    -------
    dx : ndarray of shape (N, D)
    dgamma : ndarray of shape (D,)
    dbeta : ndarray of shape (D,)
    """
    x_hat, gamma, x_centered, inv_std = cache
    N = dout.shape[0]
    ### BEGIN SOLUTION
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    # x_hat = x_centered * inv_std
    dinv_std = (dx_hat * x_centered).sum(axis=0)
    dx_centered = dx_hat * inv_std
    # inv_std = 1 / std,  std = sqrt(var + eps)
    std = 1.0 / inv_std
    dstd = -dinv_std / std ** 2
    dvar = 0.5 * dstd / std
    # var = mean(x_centered**2): the second use of x_centered
    dx_centered += 2.0 * x_centered * dvar / N
    # x_centered = x - mu,  mu = mean(x)
    dmu = -dx_centered.sum(axis=0)
    dx = dx_centered + dmu / N
    ### END SOLUTION
    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout, cache):
    """Backward pass of batch normalization (train mode) in closed form.

    Same inputs and outputs as :func:`batchnorm_backward` and the same values
    up to round-off, but ``dx`` comes from one expression derived on paper,
    without the intermediate gradients of the graph: fewer passes over the
    ``(N, D)`` arrays.

    Parameters
    ----------
    dout : ndarray of shape (N, D)
    cache : tuple
        ``(x_hat, gamma, x_centered, inv_std)`` from :func:`batchnorm_forward`.

    Returns
    -------
    dx : ndarray of shape (N, D)
    dgamma : ndarray of shape (D,)
    dbeta : ndarray of shape (D,)
    """
    x_hat, gamma, x_centered, inv_std = cache
    N = dout.shape[0]
    ### BEGIN SOLUTION
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx = (gamma * inv_std / N) * (N * dout - dbeta - x_hat * dgamma)
    ### END SOLUTION
    return dx, dgamma, dbeta


def layernorm_forward(x, gamma, beta, ln_param=None):
    """Forward pass of layer normalization.

    Every sample is normalised with the mean and the (biased) variance of its
    own features::

        mu  = mean(x, axis=1, keepdims=True)                 # shape (N, 1)
        var = mean((x - mu)**2, axis=1, keepdims=True)       # shape (N, 1)
        x_hat = (x - mu) / sqrt(var + eps)
        out = gamma * x_hat + beta

    No running averages: training and test behave the same, and
    ``ln_param['mode']`` is ignored if present.

    Parameters
    ----------
    x : ndarray of shape (N, D)
    gamma : ndarray of shape (D,)
    beta : ndarray of shape (D,)
    ln_param : dict or None
        ``'eps'``: float, default 1e-5.

    Returns
    -------
    out : ndarray of shape (N, D), dtype of ``x``
    cache : tuple ``(x_hat, gamma, x_centered, inv_std)``; ``inv_std =
        1 / sqrt(var + eps)`` has shape (N, 1).
    """
    eps = (ln_param or {}).get("eps", 1e-5)
    ### BEGIN SOLUTION
    mu = x.mean(axis=1, keepdims=True)
    x_centered = x - mu
    var = (x_centered ** 2).mean(axis=1, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = x_centered * inv_std
    out = gamma * x_hat + beta
    cache = (x_hat, gamma, x_centered, inv_std)
    ### END SOLUTION
    return out, cache


def layernorm_backward(dout, cache):
    """Backward pass of layer normalization.

    The cache is laid out as batch norm's, with ``inv_std`` of shape (N, 1):
    one mean and variance per sample. ``gamma`` and ``beta`` are still one
    per feature.

    Parameters
    ----------
    dout : ndarray of shape (N, D)
    cache : tuple
        ``(x_hat, gamma, x_centered, inv_std)`` from :func:`layernorm_forward`.

    Returns
    -------
    dx : ndarray of shape (N, D)
    dgamma : ndarray of shape (D,)
    dbeta : ndarray of shape (D,)
    """
    x_hat, gamma, x_centered, inv_std = cache
    D = dout.shape[1]
    ### BEGIN SOLUTION
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    g = dout * gamma
    dx = (inv_std / D) * (D * g - g.sum(axis=1, keepdims=True)
                          - x_hat * (g * x_hat).sum(axis=1, keepdims=True))
    ### END SOLUTION
    return dx, dgamma, dbeta
