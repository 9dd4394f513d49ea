"""Grader-side helpers for the hidden tests. Never released to students.

The release build deletes this module from every student copy; ``nbgrader
autograde`` restores it from the source tree, so the hidden tests of a
submission always run the instructor's version. Nothing here calls a function
that students implement, so a wrong ``numeric_gradient`` of a student cannot
make a wrong backward pass look right.
"""
from __future__ import annotations

import numpy as np


def numeric_gradient(f, x, dout=None, h=1e-6):
    """Centred-difference gradient of ``sum(f(x) * dout)`` with respect to ``x``.

    ``f`` takes the (mutated in place) array ``x`` and returns an array or a
    scalar. ``x`` is restored after each probe. Always works in float64.
    """
    x = np.asarray(x)
    if dout is None:
        dout = np.ones_like(np.asarray(f(x), dtype=np.float64))
    grad = np.zeros(x.shape, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        plus = np.sum(np.asarray(f(x), dtype=np.float64) * dout)
        x[i] = old - h
        minus = np.sum(np.asarray(f(x), dtype=np.float64) * dout)
        x[i] = old
        grad[i] = (plus - minus) / (2 * h)
        it.iternext()
    return grad


def rel_error(a, b):
    """Norm-wise relative error ``‖a − b‖ / (‖a‖ + ‖b‖)``, 0 when both are zero.

    Entry-by-entry relative error fails a correct backward pass whenever some
    true gradient entry happens to sit near 0 (the centred difference then has
    round-off of ~1e-10 against a tiny denominator); the norm-wise ratio
    compares the whole gradient and still exposes any real mistake, which
    moves it far above 1e-7.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


def assert_close(got, expected, what, rtol=1e-7, atol=1e-10):
    """Fail with a short message if ``got`` differs from ``expected``."""
    got = np.asarray(got)
    expected = np.asarray(expected)
    if got.shape != expected.shape:
        raise AssertionError(f"{what}: shape {got.shape}, expected {expected.shape}")
    if not np.all(np.isfinite(got)):
        raise AssertionError(f"{what}: contains NaN or inf")
    if not np.allclose(got, expected, rtol=rtol, atol=atol):
        raise AssertionError(f"{what}: values differ (max abs diff "
                             f"{float(np.max(np.abs(got - expected))):.3g})")


def assert_raises(error, fn, *args, what="", **kwargs):
    """Fail unless ``fn(*args, **kwargs)`` raises ``error`` (a subclass counts)."""
    try:
        fn(*args, **kwargs)
    except error:
        return
    except Exception as exc:  # noqa: BLE001 - the wrong error is a failure too
        raise AssertionError(f"{what}: raised {type(exc).__name__}, expected {error.__name__}") from None
    raise AssertionError(f"{what}: no {error.__name__} raised")


def assert_dtype(got, dtype, what):
    got = np.asarray(got)
    if got.dtype != np.dtype(dtype):
        raise AssertionError(f"{what}: dtype {got.dtype}, expected {np.dtype(dtype)}")


def assert_gradient(forward, backward, args, wrt, dout=None, tol=1e-7, what="gradient",
                    seed=0):
    """Check ``backward`` against centred differences of ``forward``.

    Parameters
    ----------
    forward : callable ``forward(*args) -> (out, cache)``
    backward : callable ``backward(dout, cache) -> grad or tuple of grads``
    args : list of arguments to ``forward`` (arrays are probed in place)
    wrt : sequence of ``(arg_index, grad_index)`` pairs: which argument each
        returned gradient belongs to
    dout : upstream gradient; a seeded Gaussian of ``out``'s shape when None
    """
    out, cache = forward(*args)
    if dout is None:
        dout = np.random.default_rng(seed).standard_normal(np.shape(out))
    grads = backward(dout, cache)
    if not isinstance(grads, tuple):
        grads = (grads,)
    for arg_index, grad_index in wrt:
        x = args[arg_index]

        def f(_, arg_index=arg_index):
            return forward(*args)[0]

        num = numeric_gradient(f, x, dout)
        got = grads[grad_index]
        if np.shape(got) != np.shape(x):
            raise AssertionError(f"{what} #{grad_index}: shape {np.shape(got)}, "
                                 f"expected {np.shape(x)}")
        err = rel_error(got, num)
        if not err < tol:
            raise AssertionError(f"{what} #{grad_index}: relative error {err:.2e} "
                                 f"against the numeric gradient (tolerance {tol:.0e})")


def assert_network_gradient(net, X, y, what, tol=1e-7, zero=(), loss_of=None):
    """Every parameter's gradient of ``net.loss(X, y)`` against centred differences.

    ``loss_of`` computes the loss from ``net.params`` without the network's
    code (e.g. :func:`network_loss`): the centred differences are then taken of
    the loss the network should have, which costs a fraction of calling the
    network for every probe. By default they are taken of ``net.loss(X, y)``.
    ``zero`` names parameters whose true gradient is exactly 0 (a bias in front
    of batch norm): their analytic gradient must be 0 rather than match noise.
    """
    _, grads = net.loss(X, y)
    if sorted(grads) != sorted(net.params):
        raise AssertionError(f"{what}: grads has the keys {sorted(grads)}, params "
                             f"{sorted(net.params)}")
    if loss_of is None:
        def loss_of():
            return net.loss(X, y)[0]
    for name, value in net.params.items():
        got = np.asarray(grads[name])
        if got.shape != value.shape:
            raise AssertionError(f"{what}: grads[{name!r}] has shape {got.shape}, the "
                                 f"parameter {value.shape}")
        if name in zero:
            if np.max(np.abs(got), initial=0.0) > 1e-10:
                raise AssertionError(f"{what}: the gradient of {name} should be 0")
            continue
        numeric = numeric_gradient(lambda _: loss_of(), value)
        err = rel_error(got, numeric)
        if not err < tol:
            raise AssertionError(f"{what}: the gradient of {name} has relative error "
                                 f"{err:.2e} against centred differences")


def network_scores(net, X, activation, mode="train", eps=1e-5):
    """The forward pass of ``net`` written out with NumPy (no course_lib code), for
    plain, batch-norm, layer-norm, residual and dropout-free networks.

    ``eps`` is the normalization's (``normalization_params['eps']``); batch norm
    uses the batch statistics in train mode, its layers' running averages in test mode.
    """
    p = net.params
    h = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
    for l in range(1, net.num_layers):
        a = h @ p[f"W{l}"] + p[f"b{l}"]
        if net.normalization is not None:
            axis = 0 if net.normalization == "batchnorm" else 1
            if net.normalization == "batchnorm" and mode == "test":
                bn = net.bn_params[l - 1]
                mu, var = bn["running_mean"], bn["running_var"]
            else:
                mu, var = a.mean(axis=axis, keepdims=True), a.var(axis=axis, keepdims=True)
            a = p[f"gamma{l}"] * (a - mu) / np.sqrt(var + eps) + p[f"beta{l}"]
        a = activation(a, l)
        h = h + a if l in net.residual_layers else a
    L = net.num_layers
    return h @ p[f"W{L}"] + p[f"b{L}"]


def softmax_loss(scores, y):
    """Mean softmax loss of ``scores`` for labels ``y``, a float (log-sum-exp, shifted)."""
    scores = np.asarray(scores, dtype=np.float64)
    shifted = scores - scores.max(axis=1, keepdims=True)
    n = len(y)
    return float(np.mean(np.log(np.exp(shifted).sum(axis=1)) - shifted[np.arange(n), y]))


def network_loss(net, X, y, activation, mode="train", eps=1e-5):
    """The loss of a dropout-free ``net`` written out: the mean softmax loss of
    :func:`network_scores` plus ``0.5 * reg * sum of W**2`` over the weight matrices."""
    weights = sum(float(np.sum(v.astype(np.float64) ** 2))
                  for k, v in net.params.items() if k.startswith("W"))
    return (softmax_loss(network_scores(net, X, activation, mode, eps), y)
            + 0.5 * net.reg * weights)
