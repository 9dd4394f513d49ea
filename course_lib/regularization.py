"""Regularization: dropout, DropConnect, weight and activity penalties, max-norm, gradient
clipping, early stopping.

Conventions used throughout this module:

* **Parameter collections are dicts** ``name -> ndarray`` (the same dicts the
  model keeps in ``model.params`` and returns as ``grads``). Functions that
  take such a dict return a *new* dict with the same keys; they never modify
  the arrays they are given. Pass only the arrays you want regularised
  (usually the weights, not the biases or the batch-norm parameters).
* **Penalties** return ``(loss, grads)``: ``loss`` a Python float to add to the
  data loss, ``grads`` a dict with the gradient of ``loss`` with respect to
  every array, to add to the data gradients. With ``reg`` the strength::

      l1_penalty:          loss = reg * sum(|w|)
      l2_penalty:          loss = 0.5 * reg * sum(w**2)     (note the 0.5)
      elastic_net_penalty: loss = reg * (l1_ratio * sum(|w|)
                                         + (1 - l1_ratio) * 0.5 * sum(w**2))

  ``|w|`` has a kink at ``w = 0``, where the course uses the subgradient 0.
* **Activity penalties** act on a layer's activations ``h`` of shape (N, M)
  instead of on weights and return ``(loss, dh)``: ``loss`` a Python float,
  ``dh`` the gradient with respect to ``h``, to add to the gradient flowing
  back into the layer. Both are means over the batch, like the data loss.
* **Dropout** uses ``rate`` = the probability of DROPPING a unit (Keras'
  convention; ``1 - rate`` is the keep probability) and is *inverted*: kept
  units are divided by ``1 - rate`` during training, so the expected output
  equals the input and nothing needs rescaling at test time. **DropConnect**
  drops weights instead of units, with the same ``rate``, the same inversion
  and the same ``dropout_param`` keys.
* Output arrays keep the dtype of the input arrays (float32 stays float32).
"""
from __future__ import annotations

import copy
import math

import numpy as np

__all__ = ["dropout_forward", "dropout_backward", "dropconnect_forward", "dropconnect_backward",
           "l1_penalty", "l2_penalty", "elastic_net_penalty", "activity_l1_penalty",
           "kl_sparsity_penalty", "max_norm", "clip_by_value", "clip_by_global_norm",
           "EarlyStopping"]


# ---------------------------------------------------------------------------
# Dropout
# ---------------------------------------------------------------------------

def _dropout_rng(dropout_param):
    """The generator a dropout layer draws its mask from (given)."""
    if dropout_param.get("rng") is not None:
        return dropout_param["rng"]
    return np.random.default_rng(dropout_param.get("seed"))


def dropout_forward(x, dropout_param):
    """Forward pass of (inverted) dropout.

    Train mode: every entry of ``x`` is dropped (set to 0) independently with
    probability ``rate`` and kept otherwise; kept entries are divided by
    ``1 - rate``. With ``u = rng.random(x.shape)`` (uniform on [0, 1))::

        mask = (u >= rate) / (1 - rate)      # in x's dtype
        out = x * mask

    so that ``E[out] = x``. Test mode returns ``x`` unchanged (``mask`` is
    None); so does train mode with ``rate = 0`` (every ``u >= 0``).

    Parameters
    ----------
    x : ndarray of any shape, typically (N, D)
    dropout_param : dict
        ``'rate'``: float in [0, 1), probability of dropping an entry, default 0.5;
        ``'mode'``: ``'train'`` (default) or ``'test'``;
        ``'seed'``: int, optional. With a seed every call draws the same mask
        (``rng = np.random.default_rng(seed)``), which makes gradient checks
        possible; without one each call draws a fresh mask.
        ``'rng'``: np.random.Generator, optional; if given it is used instead of
        ``'seed'`` and its stream continues from call to call (reproducible
        training with a new mask at every step).
        The generator is provided as ``rng`` at the top of the function.

    Returns
    -------
    out : ndarray, same shape and dtype as ``x``
    cache : tuple ``(dropout_param, mask)``; ``mask`` has the shape and dtype
        of ``x`` (entries 0 or ``1 / (1 - rate)``), or is None in test mode.

    Raises
    ------
    ValueError
        If ``rate`` is not in [0, 1), or ``mode`` is neither ``'train'`` nor
        ``'test'``.
    """
    rate = dropout_param.get("rate", 0.5)
    mode = dropout_param.get("mode", "train")
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"dropout rate must be in [0, 1), got {rate!r}")
    if mode not in ("train", "test"):
        raise ValueError(f"dropout_param['mode'] must be 'train' or 'test', got {mode!r}")
    rng = _dropout_rng(dropout_param) if mode == "train" else None
    ### BEGIN SOLUTION
    if mode == "train":
        keep = rng.random(x.shape) >= rate
        mask = keep.astype(x.dtype) / x.dtype.type(1.0 - rate)
        out = x * mask
    else:
        mask = None
        out = x
    ### END SOLUTION
    cache = (dropout_param, mask)
    return out, cache


def dropout_backward(dout, cache):
    """Backward pass of (inverted) dropout, in train mode (with the cached
    ``mask``) and in test mode (``mask`` is None).

    Parameters
    ----------
    dout : ndarray, shape of the forward's ``x``
    cache : tuple ``(dropout_param, mask)`` from :func:`dropout_forward`

    Returns
    -------
    dx : ndarray, same shape and dtype as ``dout``
    """
    dropout_param, mask = cache
    mode = dropout_param.get("mode", "train")
    ### BEGIN SOLUTION
    if mode == "train":
        dx = dout * mask
    else:
        dx = dout
    ### END SOLUTION
    return dx


def dropconnect_forward(x, w, b, dc_param):
    """Forward pass of an affine layer with (inverted) DropConnect (Wan et al., 2013).

    DropConnect drops *connections* instead of units. Train mode: every entry
    of the weight matrix ``w`` is dropped (set to 0) independently with
    probability ``rate`` and kept otherwise; kept entries are divided by
    ``1 - rate``. With ``u = rng.random(w.shape)`` (uniform on [0, 1))::

        mask = (u >= rate) / (1 - rate)      # in w's dtype, shape of w
        out = x @ (w * mask) + b

    so that ``E[out] = x @ w + b``. One mask serves the whole batch (Wan et
    al. draw one per example, which costs a weight matrix per example). The
    bias is never dropped. Test mode is the plain affine layer
    ``out = x @ w + b`` (``mask`` is None); so is train mode with
    ``rate = 0`` (every ``u >= 0``).

    Parameters
    ----------
    x : ndarray of shape (N, D)
    w : ndarray of shape (D, M)
    b : ndarray of shape (M,)
    dc_param : dict
        The keys of ``dropout_param`` (see :func:`dropout_forward`):
        ``'rate'``, probability of dropping a weight, float in [0, 1),
        default 0.5; ``'mode'``: ``'train'`` (default) or ``'test'``;
        ``'seed'`` (the same mask at every call) or ``'rng'`` (a generator,
        used instead of ``'seed'``, whose stream continues from call to call).
        The generator is provided as ``rng`` at the top of the function.
        ``x``, ``w`` and ``b`` are not modified.

    Returns
    -------
    out : ndarray of shape (N, M), dtype of ``x``
    cache : tuple ``(x, w, b, dc_param, mask)``; ``mask`` has the shape and
        dtype of ``w`` (entries 0 or ``1 / (1 - rate)``), or is None in test mode.

    Raises
    ------
    ValueError
        If ``rate`` is not in [0, 1), or ``mode`` is neither ``'train'`` nor
        ``'test'``.
    """
    rate = dc_param.get("rate", 0.5)
    mode = dc_param.get("mode", "train")
    if not (0.0 <= rate < 1.0):
        raise ValueError(f"DropConnect rate must be in [0, 1), got {rate!r}")
    if mode != "train" and mode != "test":
        raise ValueError(f"dc_param['mode'] must be 'train' or 'test', got {mode!r}")
    rng = _dropout_rng(dc_param) if mode == "train" else None
    ### BEGIN SOLUTION
    if mode == "train":
        kept = rng.random(w.shape) >= rate
        mask = kept.astype(w.dtype) / w.dtype.type(1.0 - rate)
        out = x @ (w * mask) + b
    else:
        out = x @ w + b
        mask = None
    ### END SOLUTION
    cache = (x, w, b, dc_param, mask)
    return out, cache


def dropconnect_backward(dout, cache):
    """Backward pass of :func:`dropconnect_forward`, in train mode (through the
    cached ``mask``: a dropped weight gets no gradient) and in test mode
    (``mask`` is None: the plain affine layer).

    Parameters
    ----------
    dout : ndarray of shape (N, M)
    cache : tuple ``(x, w, b, dc_param, mask)`` from :func:`dropconnect_forward`

    Returns
    -------
    dx : ndarray of shape (N, D)
    dw : ndarray of shape (D, M)
    db : ndarray of shape (M,)
        The gradients in the order of the forward's array arguments, each in
        the dtype of ``dout``.
    """
    x, w, b, dc_param, mask = cache
    ### BEGIN SOLUTION
    used = w if mask is None else w * mask
    dx = dout @ used.T
    dw = x.T @ dout if mask is None else (x.T @ dout) * mask
    db = dout.sum(axis=0)
    ### END SOLUTION
    return dx, dw, db


# ---------------------------------------------------------------------------
# Weight penalties
# ---------------------------------------------------------------------------

def l1_penalty(weights, reg):
    """L1 penalty ``reg * sum(|w|)`` over every array, and its gradient.

    Parameters
    ----------
    weights : dict of str -> ndarray
        The arrays to penalise, e.g. ``{"W1": W1, "W2": W2}``.
    reg : float
        Regularization strength (lambda).

    Returns
    -------
    loss : float
        ``reg * sum over all arrays and entries of |w|``.
    grads : dict of str -> ndarray
        Same keys, shapes and dtypes as ``weights``: the gradient of ``loss``
        with respect to each array, with the subgradient 0 where ``w == 0``.

    Examples
    --------
    >>> loss, grads = l1_penalty({"W": np.array([[1.0, -2.0]])}, reg=0.1)
    >>> round(loss, 10)
    0.3
    """
    ### BEGIN SOLUTION
    loss = reg * sum(np.abs(w).sum() for w in weights.values())
    grads = {name: reg * np.sign(w) for name, w in weights.items()}
    ### END SOLUTION
    return float(loss), grads


def l2_penalty(weights, reg):
    """L2 penalty (weight decay) ``0.5 * reg * sum(w**2)``, and its gradient.

    Note the factor 0.5 (``lambda/2 * w^T w``).

    Parameters
    ----------
    weights : dict of str -> ndarray
        The arrays to penalise, e.g. ``{"W1": W1, "W2": W2}``.
    reg : float
        Regularization strength (lambda).

    Returns
    -------
    loss : float
        ``0.5 * reg * sum over all arrays and entries of w**2``.
    grads : dict of str -> ndarray
        Same keys, shapes and dtypes as ``weights``: the gradient of ``loss``
        with respect to each array.

    Examples
    --------
    >>> loss, grads = l2_penalty({"W": np.array([[1.0, -2.0]])}, reg=0.1)
    >>> round(loss, 10)
    0.25
    """
    ### BEGIN SOLUTION
    loss = 0.5 * reg * sum((w * w).sum() for w in weights.values())
    grads = {name: reg * w for name, w in weights.items()}
    ### END SOLUTION
    return float(loss), grads


def elastic_net_penalty(weights, reg, l1_ratio):
    """Elastic net: a mix of the L1 and the (0.5-scaled) L2 penalty.

    ::

        loss = reg * (l1_ratio * sum(|w|) + (1 - l1_ratio) * 0.5 * sum(w**2))

    ``l1_ratio = 1`` gives :func:`l1_penalty`, ``l1_ratio = 0`` gives
    :func:`l2_penalty`.

    Parameters
    ----------
    weights : dict of str -> ndarray
    reg : float
        Overall strength.
    l1_ratio : float in [0, 1]
        Share of the L1 part.

    Returns
    -------
    loss : float
    grads : dict of str -> ndarray
        Same keys, shapes and dtypes as ``weights``: the gradient of ``loss``
        with respect to each array, with the subgradient 0 of ``|w|`` where
        ``w == 0``.
    """
    ### BEGIN SOLUTION
    l1 = sum(np.abs(w).sum() for w in weights.values())
    l2 = 0.5 * sum((w * w).sum() for w in weights.values())
    loss = reg * (l1_ratio * l1 + (1 - l1_ratio) * l2)
    grads = {name: reg * (l1_ratio * np.sign(w) + (1 - l1_ratio) * w)
             for name, w in weights.items()}
    ### END SOLUTION
    return float(loss), grads


# ---------------------------------------------------------------------------
# Activity penalties
# ---------------------------------------------------------------------------

def activity_l1_penalty(h, reg):
    """L1 penalty on a layer's activations, and its gradient.

    A weight penalty pushes the *weights* towards 0; an activity penalty pushes
    the *outputs* of a layer towards 0, so that each example is represented by
    a few active units (a sparse code). For a batch ``h`` of N rows::

        loss = reg * sum(|h|) / N
        dh   = reg * sign(h) / N

    i.e. the sum of ``|h|`` of each example, averaged over the batch, with the
    subgradient 0 where ``h == 0`` (a ReLU unit that is off).

    Parameters
    ----------
    h : ndarray of shape (N, M)
        Activations of a layer for a batch of N examples; not modified.
    reg : float
        Strength (lambda).

    Returns
    -------
    loss : float
    dh : ndarray, shape and dtype of ``h``
        The gradient of ``loss`` with respect to ``h``.

    Examples
    --------
    >>> loss, dh = activity_l1_penalty(np.array([[0.0, 2.0], [1.0, 0.0]]), reg=0.1)
    >>> round(loss, 10), dh.tolist()
    (0.15, [[0.0, 0.05], [0.05, 0.0]])
    """
    ### BEGIN SOLUTION
    n = h.shape[0]
    loss = reg * np.abs(h).sum() / n
    dh = (reg / n) * np.sign(h)
    ### END SOLUTION
    return float(loss), dh


def kl_sparsity_penalty(h, rho, reg):
    """The sparse-autoencoder penalty: keep each unit's mean activation near ``rho``.

    For activations in (0, 1) (sigmoid units), ``rho_hat[j]`` is the mean
    activation of unit ``j`` over the batch, and the penalty is the
    Kullback-Leibler divergence of Bernoulli(``rho_hat[j]``) from
    Bernoulli(``rho``), summed over the units (Ng's notes on sparse
    autoencoders)::

        rho_hat = mean of h over the batch                      # shape (M,)
        loss = reg * sum_j [rho * log(rho / rho_hat[j])
                            + (1 - rho) * log((1 - rho) / (1 - rho_hat[j]))]
        dh[n, j] = reg * ((1 - rho) / (1 - rho_hat[j]) - rho / rho_hat[j]) / N

    The loss is 0 when every unit's mean is ``rho`` and grows without bound as
    a mean approaches 0 or 1. Unlike :func:`activity_l1_penalty` it constrains
    each unit's *average* over the batch: every example of the batch gets the
    same gradient for unit ``j``. ``rho_hat`` is computed for you (and
    checked) above the solution region.

    Parameters
    ----------
    h : ndarray of shape (N, M), entries in (0, 1)
        Activations of a layer for a batch of N examples; not modified.
    rho : float in (0, 1)
        The target mean activation (e.g. 0.05).
    reg : float
        Strength (beta in Ng's notes).

    Returns
    -------
    loss : float
    dh : ndarray, shape and dtype of ``h``
        The gradient of ``loss`` with respect to ``h``.

    Raises
    ------
    ValueError
        If ``rho`` is not in (0, 1), or a unit's mean activation is not in
        (0, 1) (ReLU units, or sigmoids saturated over the whole batch).
    """
    if not 0.0 < rho < 1.0:
        raise ValueError(f"rho is a target mean activation and must lie in (0, 1), got {rho!r}")
    rho_hat = h.mean(axis=0)
    if not np.all((rho_hat > 0) & (rho_hat < 1)):
        raise ValueError("every unit's mean activation must lie in (0, 1) (sigmoid units); got "
                         f"means from {float(np.min(rho_hat))} to {float(np.max(rho_hat))}")
    ### BEGIN SOLUTION
    n = h.shape[0]
    loss = reg * np.sum(rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat)))
    dh = np.zeros_like(h) + (reg / n) * ((1 - rho) / (1 - rho_hat) - rho / rho_hat)
    ### END SOLUTION
    return float(loss), dh


# ---------------------------------------------------------------------------
# Max-norm constraint
# ---------------------------------------------------------------------------

def max_norm(w, max_norm_value, axis=0):
    """Max-norm constraint: shrink every weight vector longer than the cap to the cap.

    With ``W`` of shape (fan_in, fan_out), column ``j`` holds the incoming
    weights of unit ``j``; its L2 norm is taken over ``axis=0``. A vector whose
    norm exceeds ``max_norm_value`` is rescaled to norm exactly
    ``max_norm_value`` (same direction); shorter vectors are left unchanged.
    Usually applied to the weights after every update.

    Parameters
    ----------
    w : ndarray of shape (fan_in, fan_out)
    max_norm_value : float > 0
        The cap ``c``.
    axis : int, default 0
        Axis along which the norms are taken (0: one norm per column).

    Returns
    -------
    ndarray, same shape and dtype as ``w`` (a new array; ``w`` is not modified).

    Raises
    ------
    ValueError
        If ``max_norm_value`` is not positive.

    Examples
    --------
    >>> np.round(max_norm(np.array([[3.0, 0.3], [4.0, 0.4]]), 1.0), 12).tolist()
    [[0.6, 0.3], [0.8, 0.4]]
    """
    if not max_norm_value > 0:
        raise ValueError(f"max_norm_value must be positive, got {max_norm_value!r}")
    ### BEGIN SOLUTION
    norms = np.sqrt((w * w).sum(axis=axis, keepdims=True))
    # max(norms, c) >= c > 0: no division by zero, and the factor is 1 below the cap
    out = w * (max_norm_value / np.maximum(norms, max_norm_value))
    ### END SOLUTION
    return out


# ---------------------------------------------------------------------------
# Gradient clipping
# ---------------------------------------------------------------------------

def clip_by_value(grads, clip_value):
    """Clip every gradient entry to ``[-clip_value, clip_value]``.

    Quick and dirty: each entry is clipped on its own, which can change the
    direction of the gradient.

    Parameters
    ----------
    grads : dict of str -> ndarray
    clip_value : float > 0

    Returns
    -------
    dict of str -> ndarray
        Same keys, shapes and dtypes; entries inside the range are unchanged.
    """
    ### BEGIN SOLUTION
    clipped = {name: np.clip(g, -clip_value, clip_value) for name, g in grads.items()}
    ### END SOLUTION
    return clipped


def clip_by_global_norm(grads, max_norm):
    """Rescale all gradients together so that their global norm is at most ``max_norm``.

    The global norm is the L2 norm of all entries of all arrays taken as one
    long vector: ``sqrt(sum over arrays of sum(g**2))``. If it exceeds
    ``max_norm`` every array is multiplied by ``max_norm / global_norm`` (the
    direction of the update is kept); otherwise the gradients are unchanged.

    Parameters
    ----------
    grads : dict of str -> ndarray
    max_norm : float > 0

    Returns
    -------
    clipped : dict of str -> ndarray
        Same keys, shapes and dtypes as ``grads``.
    global_norm : float
        The global norm *before* clipping.
    """
    ### BEGIN SOLUTION
    global_norm = math.sqrt(sum(float((g * g).sum()) for g in grads.values()))
    scale = max_norm / max(global_norm, max_norm)
    clipped = {name: g * scale for name, g in grads.items()}
    ### END SOLUTION
    return clipped, float(global_norm)


# ---------------------------------------------------------------------------
# Early stopping
# ---------------------------------------------------------------------------

class EarlyStopping:
    """Stop training when a monitored metric has stopped improving; keep the best parameters.

    Call :meth:`step` once per evaluation (e.g. per epoch) with the validation
    metric and the current parameters. A call *improves* when the metric beats
    the best value so far by more than ``min_delta`` (lower is better for
    ``mode='min'``, higher for ``mode='max'``; since ``best_value`` starts at
    ``inf``, resp. ``-inf``, a finite first metric always improves).
    On an improvement the best value, the step and a deep copy of the
    parameters are stored and the counter of calls without improvement goes
    back to 0; otherwise the counter goes up by one. :meth:`step` returns True
    once the counter reaches ``patience``.

    Parameters
    ----------
    patience : int >= 1
        Number of calls in a row without improvement before stopping.
    min_delta : float >= 0, default 0.0
        Smallest change that counts as an improvement.
    mode : {'min', 'max'}, default 'min'

    Attributes
    ----------
    best_value : float
        Best metric so far (``inf`` for 'min' / ``-inf`` for 'max' before the first call).
    best_params : dict or None
        Deep copy of the parameters passed with the best metric.
    best_step : int or None
        Index of the call (0 for the first) that gave the best metric.
    wait : int
        Calls since the last improvement.
    num_steps : int
        Number of calls so far.
    stopped : bool
        What the last call returned.

    Examples
    --------
    >>> stopper = EarlyStopping(patience=2)
    >>> [stopper.step(v) for v in [1.0, 0.8, 0.9, 0.85]]
    [False, False, False, True]
    >>> stopper.best_value, stopper.best_step
    (0.8, 1)
    """

    def __init__(self, patience, min_delta=0.0, mode="min"):
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        if patience < 1:
            raise ValueError(f"patience must be at least 1, got {patience!r}")
        if min_delta < 0:
            raise ValueError(f"min_delta must be >= 0, got {min_delta!r}")
        self.patience = int(patience)
        self.min_delta = float(min_delta)
        self.mode = mode
        self.best_value = math.inf if mode == "min" else -math.inf
        self.best_params = None
        self.best_step = None
        self.wait = 0
        self.num_steps = 0
        self.stopped = False
        self._last_params = None

    def step(self, metric, params=None):
        """Record one evaluation; return True when training should stop.

        Parameters
        ----------
        metric : float
            The monitored value (e.g. validation loss for ``mode='min'``).
            NaN never counts as an improvement.
        params : dict of str -> ndarray, optional
            Current parameters; deep-copied into ``best_params`` on an
            improvement (a copy: later in-place updates must not change it).

        Returns
        -------
        bool
            True once ``patience`` calls in a row brought no improvement.
        """
        metric = float(metric)
        if params is not None:
            self._last_params = params
        ### BEGIN SOLUTION
        if self.mode == "min":
            improved = metric < self.best_value - self.min_delta
        else:
            improved = metric > self.best_value + self.min_delta
        if improved:
            self.best_value = metric
            self.best_params = copy.deepcopy(params)
            self.best_step = self.num_steps
            self.wait = 0
        else:
            self.wait += 1
        should_stop = self.wait >= self.patience
        ### END SOLUTION
        self.num_steps += 1
        self.stopped = bool(should_stop)
        return self.stopped

    def restore(self, params=None):
        """Put copies of the best parameters back into ``params`` (in place) and return it.

        Parameters
        ----------
        params : dict of str -> ndarray, optional
            Typically ``model.params``; by default the dict passed to the last
            :meth:`step`. Every key of ``best_params`` is replaced by a copy of
            its best value.

        Returns
        -------
        dict
            ``params``.
        """
        if self.best_params is None:
            raise RuntimeError("no best parameters recorded: call step(metric, params) first")
        target = self._last_params if params is None else params
        if target is None:
            target = {}
        for name, value in self.best_params.items():
            target[name] = copy.deepcopy(value)
        return target
