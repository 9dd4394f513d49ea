"""First-order update rules: how a gradient turns into a step.

Every rule has the same signature::

    next_w, config = rule(w, dw, config=None)

* ``w`` : ndarray of any shape, the current parameter values. Not modified.
* ``dw`` : ndarray of the same shape as ``w``, the gradient of the loss at ``w``.
  Not modified.
* ``config`` : dict or None, the rule's hyperparameters *and* its state (the
  optimiser's memory between steps). ``None`` means "all defaults, fresh state".
* ``next_w`` : new ndarray of the same shape and dtype as ``w``.
* the returned ``config`` is the **same dict object** that was passed in (a new
  one if ``None`` was passed), with missing hyperparameters filled in with their
  defaults and the state updated. Pass it back in on the next step.

Because the state lives in ``config``, every parameter array needs its own
dict: sharing one dict between ``W1`` and ``W2`` would mix their velocities.
(``copy.deepcopy`` an initial config to hand one to each parameter.) A state
entry that is missing is created on the first call: zeros of the shape and
dtype of ``w`` for the arrays, ``0`` for the step counter ``t``.

Config keys and defaults, stated once for the whole module
----------------------------------------------------------
============  =================================  =============================
rule          hyperparameters (default)          state (created on first call)
============  =================================  =============================
sgd           learning_rate (1e-2)               --
sgd_momentum  learning_rate (1e-2),              velocity
              momentum (0.9)
sgd_nesterov  learning_rate (1e-2),              velocity
              momentum (0.9)
adagrad       learning_rate (1e-2),              cache
              epsilon (1e-8)
rmsprop       learning_rate (1e-2),              cache
              decay_rate (0.99), epsilon (1e-8)
adadelta      learning_rate (1.0), rho (0.9),    cache, delta
              epsilon (1e-6)
adam          learning_rate (1e-3), beta1 (0.9), m, v, t
              beta2 (0.999), epsilon (1e-8)
nadam         learning_rate (2e-3), beta1 (0.9), m, v, t
              beta2 (0.999), epsilon (1e-8)
adamax        learning_rate (2e-3), beta1 (0.9), m, u, t
              beta2 (0.999), epsilon (1e-8)
adamw         learning_rate (1e-3), beta1 (0.9), m, v, t
              beta2 (0.999), epsilon (1e-8),
              weight_decay (1e-2)
============  =================================  =============================

The same table as code is :data:`DEFAULTS`. Notation in the docstrings below:
``g`` is ``dw``, ``lr`` is ``learning_rate``, ``mu`` is ``momentum``; all
operations are elementwise.

Floating point: hyperparameters are read as Python floats, so a float32 ``w``
gives a float32 ``next_w`` (and float32 state).

Example
-------
>>> import numpy as np
>>> w, config = np.array([1.0, -2.0]), None
>>> for _ in range(3):
...     w, config = sgd(w, 2 * w, config)      # gradient of ||w||^2
>>> np.round(w, 6).tolist()
[0.941192, -1.882384]
"""
from __future__ import annotations

import numpy as np

#: Default hyperparameters of each rule (the table of the module docstring).
DEFAULTS: dict[str, dict[str, float]] = {
    "sgd": {"learning_rate": 1e-2},
    "sgd_momentum": {"learning_rate": 1e-2, "momentum": 0.9},
    "sgd_nesterov": {"learning_rate": 1e-2, "momentum": 0.9},
    "adagrad": {"learning_rate": 1e-2, "epsilon": 1e-8},
    "rmsprop": {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8},
    "adadelta": {"learning_rate": 1.0, "rho": 0.9, "epsilon": 1e-6},
    "adam": {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
    "nadam": {"learning_rate": 2e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
    "adamax": {"learning_rate": 2e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
    "adamw": {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8,
              "weight_decay": 1e-2},
}


def _setup(rule: str, config: dict | None) -> dict:
    """Fill in the missing hyperparameters of ``rule`` (in place); a new dict for None."""
    if config is None:
        config = {}
    for key, value in DEFAULTS[rule].items():
        config.setdefault(key, value)
    return config


def _hyper(config: dict, *keys: str) -> list[float]:
    """Hyperparameters as Python floats, so they never change the dtype of ``w``."""
    return [float(config[key]) for key in keys]


def _state(config: dict, key: str, w: np.ndarray) -> np.ndarray:
    """The state array ``config[key]``, or zeros like ``w`` on the first step."""
    value = config.get(key)
    return np.zeros_like(w) if value is None else value


def _finish(w: np.ndarray, next_w, config: dict, **state) -> tuple[np.ndarray, dict]:
    """Store the new state and return ``(next_w, config)`` in the dtype of ``w``."""
    for key, value in state.items():
        config[key] = value if key == "t" else np.asarray(value, dtype=w.dtype)
    return np.asarray(next_w, dtype=w.dtype), config


def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent: ``next_w = w - lr * g``.

    Parameters
    ----------
    w : ndarray of any shape
        Current parameters (not modified).
    dw : ndarray of the same shape as ``w``
        Gradient of the loss with respect to ``w``.
    config : dict or None
        Keys: ``learning_rate``. See the module docstring.

    Returns
    -------
    next_w : ndarray of the shape and dtype of ``w``
    config : dict
        The same dict, defaults filled in.

    Examples
    --------
    >>> sgd(np.array([1.0, 2.0]), np.array([10.0, -10.0]), {"learning_rate": 0.1})[0].tolist()
    [0.0, 3.0]
    """
    config = _setup("sgd", config)
    (lr,) = _hyper(config, "learning_rate")
    return _finish(w, w - lr * dw, config)


def sgd_momentum(w, dw, config=None):
    """SGD with (heavy-ball) momentum, in the "velocity" form::

        v      = mu * v - lr * g
        next_w = w + v

    The velocity ``v`` starts at zero, so the first step equals an SGD step.
    (PyTorch writes the same rule as ``b = mu * b + g; w -= lr * b``: with a
    constant ``lr`` the two agree, with ``v = -lr * b``.)

    Parameters
    ----------
    w : ndarray of any shape
        Current parameters (not modified).
    dw : ndarray of the same shape as ``w``
        Gradient ``g`` of the loss at ``w``.
    config : dict or None
        Keys: ``learning_rate``, ``momentum``; state ``velocity``.

    Returns
    -------
    next_w : ndarray of the shape and dtype of ``w``
    config : dict
        The same dict, with ``config["velocity"]`` set to the new ``v``.
    """
    config = _setup("sgd_momentum", config)
    lr, mu = _hyper(config, "learning_rate", "momentum")
    v = _state(config, "velocity", w)
    ### BEGIN SOLUTION
    v = mu * v - lr * dw
    next_w = w + v
    ### END SOLUTION
    return _finish(w, next_w, config, velocity=v)


def sgd_nesterov(w, dw, config=None):
    """SGD with Nesterov momentum, in the "look-ahead" reformulation (CS231n).

    Nesterov evaluates the gradient at the look-ahead point ``w + mu * v``.
    Renaming the stored parameters to be that look-ahead point turns the rule
    into one that only needs the gradient at the stored ``w``::

        v_prev = v
        v      = mu * v - lr * g
        next_w = w - mu * v_prev + (1 + mu) * v

    With a constant ``lr`` this is exactly PyTorch's
    ``SGD(momentum=mu, nesterov=True)``.

    Parameters
    ----------
    w : ndarray of any shape
        Current (look-ahead) parameters (not modified).
    dw : ndarray of the same shape as ``w``
        Gradient ``g`` of the loss at ``w``.
    config : dict or None
        Keys: ``learning_rate``, ``momentum``; state ``velocity``.

    Returns
    -------
    next_w : ndarray of the shape and dtype of ``w``
    config : dict
        The same dict, with ``config["velocity"]`` set to the new ``v``.
    """
    config = _setup("sgd_nesterov", config)
    lr, mu = _hyper(config, "learning_rate", "momentum")
    v = _state(config, "velocity", w)
    ### BEGIN SOLUTION
    v_prev = v
    v = mu * v - lr * dw
    next_w = w - mu * v_prev + (1 + mu) * v
    ### END SOLUTION
    return _finish(w, next_w, config, velocity=v)


def adagrad(w, dw, config=None):
    """AdaGrad (Duchi et al., 2011): divide by the root of all past squared gradients::

        cache  = cache + g**2
        next_w = w - lr * g / (sqrt(cache) + epsilon)

    ``cache`` starts at zero; ``epsilon`` is added *outside* the square root
    (as in PyTorch's ``Adagrad`` with ``lr_decay=0``, ``initial_accumulator_value=0``).

    Parameters
    ----------
    w : ndarray of any shape
        Current parameters (not modified).
    dw : ndarray of the same shape as ``w``
        Gradient ``g`` of the loss at ``w``.
    config : dict or None
        Keys: ``learning_rate``, ``epsilon``; state ``cache``.

    Returns
    -------
    next_w : ndarray of the shape and dtype of ``w``
    config : dict
        The same dict, with ``config["cache"]`` set to the new ``cache``.
    """
    config = _setup("adagrad", config)
    lr, eps = _hyper(config, "learning_rate", "epsilon")
    cache = _state(config, "cache", w)
    ### BEGIN SOLUTION
    cache = cache + dw**2
    next_w = w - lr * dw / (np.sqrt(cache) + eps)
    ### END SOLUTION
    return _finish(w, next_w, config, cache=cache)


def rmsprop(w, dw, config=None):
    """RMSProp (Tieleman & Hinton, 2012): AdaGrad with a leaky cache::

        cache  = decay_rate * cache + (1 - decay_rate) * g**2
        next_w = w - lr * g / (sqrt(cache) + epsilon)

    ``cache`` starts at zero (no bias correction). PyTorch's ``RMSprop`` with
    ``alpha=decay_rate`` is the same rule.

    Parameters
    ----------
    w : ndarray of any shape
        Current parameters (not modified).
    dw : ndarray of the same shape as ``w``
        Gradient ``g`` of the loss at ``w``.
    config : dict or None
        Keys: ``learning_rate``, ``decay_rate``, ``epsilon``; state ``cache``.

    Returns
    -------
    next_w : ndarray of the shape and dtype of ``w``
    config : dict
        The same dict, with ``config["cache"]`` set to the new ``cache``.
    """
    config = _setup("rmsprop", config)
    lr, rho, eps = _hyper(config, "learning_rate", "decay_rate", "epsilon")
    cache = _state(config, "cache", w)
    ### BEGIN SOLUTION
    cache = rho * cache + (1 - rho) * dw**2
    next_w = w - lr * dw / (np.sqrt(cache) + eps)
    ### END SOLUTION
    return _finish(w, next_w, config, cache=cache)


def adadelta(w, dw, config=None):
    """Adadelta (Zeiler, 2012): RMSProp whose step is measured in the units of ``w``.

    RMSProp divides ``g`` by the root of its running mean square, so its step
    has no units and ``lr`` has to supply them. Adadelta multiplies by the
    root of the running mean square of its own past steps instead::

        cache  = rho * cache + (1 - rho) * g**2
        step   = sqrt(delta + epsilon) / sqrt(cache + epsilon) * g
        delta  = rho * delta + (1 - rho) * step**2
        next_w = w - lr * step

    ``cache`` and ``delta`` start at zero. ``delta`` is updated *after* the
    step, so each step uses the mean square of the steps before it (the
    first one only ``sqrt(epsilon)``); ``epsilon`` is added *inside* both
    square roots. ``delta`` accumulates ``step``, not ``lr * step``. With
    ``lr = 1`` this is the paper's rule; PyTorch's ``Adadelta`` is the same
    rule for every ``lr``.

    Parameters
    ----------
    w : ndarray of any shape
        Current parameters (not modified).
    dw : ndarray of the same shape as ``w``
        Gradient ``g`` of the loss at ``w``.
    config : dict or None
        Keys: ``learning_rate``, ``rho``, ``epsilon``; state ``cache``, ``delta``.

    Returns
    -------
    next_w : ndarray of the shape and dtype of ``w``
    config : dict
        The same dict, with the new ``cache`` and ``delta``.
    """
    config = _setup("adadelta", config)
    lr, rho, eps = _hyper(config, "learning_rate", "rho", "epsilon")
    cache, delta = _state(config, "cache", w), _state(config, "delta", w)
    ### BEGIN SOLUTION
    cache = rho * cache + (1 - rho) * dw**2
    step = np.sqrt(delta + eps) / np.sqrt(cache + eps) * dw
    delta = rho * delta + (1 - rho) * step**2
    next_w = w - lr * step
    ### END SOLUTION
    return _finish(w, next_w, config, cache=cache, delta=delta)


def adam(w, dw, config=None):
    """Adam (Kingma & Ba, 2015): momentum on ``g`` and an RMSProp cache of ``g**2``,
    both bias-corrected. The step counter is incremented *before* it is used::

        t      = t + 1
        m      = beta1 * m + (1 - beta1) * g
        v      = beta2 * v + (1 - beta2) * g**2
        m_hat  = m / (1 - beta1**t)
        v_hat  = v / (1 - beta2**t)
        next_w = w - lr * m_hat / (sqrt(v_hat) + epsilon)

    ``m``, ``v`` start at zero and ``t`` at 0, so the first step uses ``t = 1``.

    Parameters
    ----------
    w : ndarray of any shape
        Current parameters (not modified).
    dw : ndarray of the same shape as ``w``
        Gradient ``g`` of the loss at ``w``.
    config : dict or None
        Keys: ``learning_rate``, ``beta1``, ``beta2``, ``epsilon``; state ``m``,
        ``v``, ``t``.

    Returns
    -------
    next_w : ndarray of the shape and dtype of ``w``
    config : dict
        The same dict, with the new ``m``, ``v`` and ``t`` (an int).
    """
    config = _setup("adam", config)
    lr, beta1, beta2, eps = _hyper(config, "learning_rate", "beta1", "beta2", "epsilon")
    m, v, t = _state(config, "m", w), _state(config, "v", w), int(config.get("t", 0))
    ### BEGIN SOLUTION
    t = t + 1
    # m = beta1 * m + (1 - beta1) * g and v = beta2 * v + (1 - beta2) * g**2, each
    # computed into one new array (the m and v of the config are never changed)
    m = beta1 * m
    m += (1 - beta1) * dw
    v = beta2 * v
    v += (1 - beta2) * dw**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    # next_w = w - lr * m_hat / (sqrt(v_hat) + eps), in the memory of m_hat and v_hat
    denominator = np.sqrt(v_hat, out=v_hat)
    denominator += eps
    m_hat *= lr
    m_hat /= denominator
    next_w = w - m_hat
    ### END SOLUTION
    return _finish(w, next_w, config, m=m, v=v, t=t)


def nadam(w, dw, config=None):
    """NAdam: Adam with a Nesterov look-ahead on the first moment.

    Variant: Dozat (2016), Algorithm 2, with a *constant* momentum
    ``mu_t = beta1`` (no momentum-warming schedule). The moments are Adam's;
    only ``m_hat`` changes: it mixes the *next* bias-corrected momentum with
    the bias-corrected current gradient::

        t      = t + 1
        m      = beta1 * m + (1 - beta1) * g
        v      = beta2 * v + (1 - beta2) * g**2
        m_hat  = beta1 * m / (1 - beta1**(t + 1)) + (1 - beta1) * g / (1 - beta1**t)
        v_hat  = v / (1 - beta2**t)
        next_w = w - lr * m_hat / (sqrt(v_hat) + epsilon)

    This equals PyTorch's ``NAdam(momentum_decay=float("inf"))``; PyTorch's
    default ``momentum_decay=4e-3`` (and Keras's ``Nadam``) add Dozat's
    schedule ``mu_t = beta1 * (1 - 0.5 * 0.96**(t * momentum_decay))``.

    Parameters
    ----------
    w : ndarray of any shape
        Current parameters (not modified).
    dw : ndarray of the same shape as ``w``
        Gradient ``g`` of the loss at ``w``.
    config : dict or None
        Keys: ``learning_rate``, ``beta1``, ``beta2``, ``epsilon``; state ``m``,
        ``v``, ``t``.

    Returns
    -------
    next_w : ndarray of the shape and dtype of ``w``
    config : dict
        The same dict, with the new ``m``, ``v`` and ``t`` (an int).
    """
    config = _setup("nadam", config)
    lr, beta1, beta2, eps = _hyper(config, "learning_rate", "beta1", "beta2", "epsilon")
    m, v, t = _state(config, "m", w), _state(config, "v", w), int(config.get("t", 0))
    ### BEGIN SOLUTION
    t = t + 1
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw**2
    m_hat = beta1 * m / (1 - beta1 ** (t + 1)) + (1 - beta1) * dw / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    next_w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
    ### END SOLUTION
    return _finish(w, next_w, config, m=m, v=v, t=t)


def adamax(w, dw, config=None):
    """AdaMax (Kingma & Ba, 2015, section 7.1): Adam with the infinity norm.

    The squared-gradient average is replaced by an exponentially weighted
    maximum of ``|g|``, which needs no bias correction. ``epsilon`` is added to
    ``|g|`` inside the maximum, as PyTorch's ``Adamax`` does, so ``u`` is never
    zero::

        t      = t + 1
        m      = beta1 * m + (1 - beta1) * g
        u      = maximum(beta2 * u, abs(g) + epsilon)
        next_w = w - lr / (1 - beta1**t) * m / u

    Parameters
    ----------
    w : ndarray of any shape
        Current parameters (not modified).
    dw : ndarray of the same shape as ``w``
        Gradient ``g`` of the loss at ``w``.
    config : dict or None
        Keys: ``learning_rate``, ``beta1``, ``beta2``, ``epsilon``; state ``m``,
        ``u``, ``t``.

    Returns
    -------
    next_w : ndarray of the shape and dtype of ``w``
    config : dict
        The same dict, with the new ``m``, ``u`` and ``t`` (an int).
    """
    config = _setup("adamax", config)
    lr, beta1, beta2, eps = _hyper(config, "learning_rate", "beta1", "beta2", "epsilon")
    m, u, t = _state(config, "m", w), _state(config, "u", w), int(config.get("t", 0))
    ### BEGIN SOLUTION
    t = t + 1
    m = beta1 * m + (1 - beta1) * dw
    u = np.maximum(beta2 * u, np.abs(dw) + eps)
    next_w = w - lr / (1 - beta1**t) * m / u
    ### END SOLUTION
    return _finish(w, next_w, config, m=m, u=u, t=t)


def adamw(w, dw, config=None):
    """AdamW (Loshchilov & Hutter, 2019): Adam with *decoupled* weight decay.

    An L2 penalty ``0.5 * wd * sum(w**2)`` added to the loss puts ``wd * w``
    into the gradient, and Adam then divides it by ``sqrt(v_hat)`` like the
    rest of the gradient: a weight with large gradients is hardly decayed, one
    with tiny gradients very strongly. AdamW keeps the decay out of the
    moments: ``m`` and ``v`` see only ``g``, and the decay is subtracted
    beside Adam's step, computed from the weights *before* the step::

        t      = t + 1
        m      = beta1 * m + (1 - beta1) * g
        v      = beta2 * v + (1 - beta2) * g**2
        m_hat  = m / (1 - beta1**t)
        v_hat  = v / (1 - beta2**t)
        next_w = w - lr * (m_hat / (sqrt(v_hat) + epsilon) + weight_decay * w)

    So every weight shrinks by the same factor ``1 - lr * weight_decay`` per
    step, whatever its gradients. ``m``, ``v`` start at zero and ``t`` at 0,
    so the first step uses ``t = 1``; with ``weight_decay = 0`` this is
    :func:`adam`. PyTorch's ``AdamW`` is the same rule.

    Parameters
    ----------
    w : ndarray of any shape
        Current parameters (not modified).
    dw : ndarray of the same shape as ``w``
        Gradient ``g`` of the loss at ``w`` (without any penalty term).
    config : dict or None
        Keys: ``learning_rate``, ``beta1``, ``beta2``, ``epsilon``,
        ``weight_decay``; state ``m``, ``v``, ``t``.

    Returns
    -------
    next_w : ndarray of the shape and dtype of ``w``
    config : dict
        The same dict, with the new ``m``, ``v`` and ``t`` (an int).
    """
    config = _setup("adamw", config)
    lr, beta1, beta2, eps, wd = _hyper(config, "learning_rate", "beta1", "beta2", "epsilon",
                                       "weight_decay")
    m, v, t = _state(config, "m", w), _state(config, "v", w), int(config.get("t", 0))
    ### BEGIN SOLUTION
    t = t + 1
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw**2
    adam_step = (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
    next_w = w - lr * (adam_step + wd * w)
    ### END SOLUTION
    return _finish(w, next_w, config, m=m, v=v, t=t)


RULES = {
    "sgd": sgd,
    "sgd_momentum": sgd_momentum,
    "sgd_nesterov": sgd_nesterov,
    "adagrad": adagrad,
    "rmsprop": rmsprop,
    "adadelta": adadelta,
    "adam": adam,
    "nadam": nadam,
    "adamax": adamax,
    "adamw": adamw,
}


def get(name):
    """The update rule called ``name`` (a key of :data:`RULES`); a callable is returned as is.

    Parameters
    ----------
    name : str or callable
        ``"sgd"``, ``"sgd_momentum"``, ``"sgd_nesterov"``, ``"adagrad"``,
        ``"rmsprop"``, ``"adadelta"``, ``"adam"``, ``"nadam"``, ``"adamax"`` or
        ``"adamw"``; or a rule.

    Returns
    -------
    rule : callable ``(w, dw, config=None) -> (next_w, config)``

    Examples
    --------
    >>> get("adam") is adam
    True
    """
    if callable(name):
        return name
    try:
        return RULES[name]
    except (KeyError, TypeError):
        known = ", ".join(sorted(RULES))
        raise ValueError(f"unknown update rule {name!r}; known rules: {known}") from None
