"""Checking a student's network on its own: stand-in layers and directional slopes.

The network (``course_lib/model.py``) calls the layers of earlier assignments.
Its checks must judge the wiring that this assignment asks for, never the
student's earlier work, so while a check runs the model module's ``layers``,
``losses``, ``normalization`` and ``regularization`` are replaced by stand-ins:
each forward is the lectures' formula, each backward is centred differences
of that formula (``grouped_slopes``), and every cache is a labelled tuple, so a
cache handed to the wrong backward is caught. Gradients of the whole network
are judged parameter by parameter against the loss's slope along random
directions in that parameter's space: a slope that disagrees names the
parameter, and so the layer, whose gradient is wrong.
"""
from __future__ import annotations

import contextlib
import types

import numpy as np

from .core import fail, grouped_slopes

_H = 1e-6


class _Cache(tuple):
    """A stand-in layer's cache: ``(kind, inputs...)``."""


def _expect_cache(cache, kind, function):
    if not (isinstance(cache, _Cache) and cache[0] == kind):
        got = cache[0] if isinstance(cache, _Cache) else type(cache).__name__
        fail(f"{function} received the cache of {got!r}, not of a {kind} step: hand every "
             "backward the cache its own forward returned (in reverse order).")
    return cache[1:]


# ----------------------------------------------------------------- stand-in layers
def _affine(x, w, b):
    return x.reshape(x.shape[0], -1) @ w + b


def affine_forward(x, w, b):
    return _affine(x, w, b), _Cache(("affine", x, w, b))


def affine_backward(dout, cache):
    x, w, b = _expect_cache(cache, "affine", "affine_backward")
    flat = x.reshape(x.shape[0], -1)
    dx = grouped_slopes(lambda v: _affine(v, w, b), flat, dout, 0, 0).reshape(x.shape)
    dw = grouped_slopes(lambda v: _affine(flat, v, b), w, dout, 1, 1)
    db = grouped_slopes(lambda v: _affine(flat, w, v), b, dout, 0, 1)
    return dx.astype(x.dtype), dw.astype(w.dtype), db.astype(b.dtype)


def _per_sample_softmax(scores, y):
    top = np.max(scores, axis=1, keepdims=True)
    log_z = np.log(np.sum(np.exp(scores - top), axis=1))
    return log_z - (scores - top)[np.arange(len(y)), y]


def softmax_loss(scores, y):
    scores = np.asarray(scores, dtype=np.float64)
    n = len(y)
    loss = float(_per_sample_softmax(scores, y).mean())
    per_row = grouped_slopes(lambda v: _per_sample_softmax(v, y)[:, None], scores,
                             np.ones((n, 1)), 0, 0)
    return loss, per_row / n


def tanh_forward(x):
    return np.tanh(x), _Cache(("tanh", x))


def tanh_backward(dout, cache):
    (x,) = _expect_cache(cache, "tanh", "the activation's backward")
    return grouped_slopes(np.tanh, x, dout, -1, -1).astype(x.dtype)


def _normalise(x, gamma, beta, axis, eps):
    mu = x.mean(axis=axis, keepdims=True)
    var = x.var(axis=axis, keepdims=True)
    return gamma * (x - mu) / np.sqrt(var + eps) + beta


def batchnorm_forward(x, gamma, beta, bn_param):
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    d = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(d))
    running_var = bn_param.get("running_var", np.ones(d))
    if bn_param.get("mode", "train") == "test":
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
        return out, None
    bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * x.mean(axis=0)
    bn_param["running_var"] = momentum * running_var + (1 - momentum) * x.var(axis=0)
    return _normalise(x, gamma, beta, 0, eps), _Cache(("batchnorm", x, gamma, beta, eps))


def _norm_backward(kind, axis, dout, cache):
    x, gamma, beta, eps = _expect_cache(cache, kind, f"{kind}'s backward")
    apart = 1 - axis
    dx = grouped_slopes(lambda v: _normalise(v, gamma, beta, axis, eps), x, dout, apart, apart)
    dgamma = grouped_slopes(lambda v: _normalise(x, v, beta, axis, eps), gamma, dout, 0, 1)
    dbeta = grouped_slopes(lambda v: _normalise(x, gamma, v, axis, eps), beta, dout, 0, 1)
    return dx, dgamma, dbeta


def batchnorm_backward(dout, cache):
    return _norm_backward("batchnorm", 0, dout, cache)


def layernorm_forward(x, gamma, beta, ln_param):
    eps = ln_param.get("eps", 1e-5)
    return _normalise(x, gamma, beta, 1, eps), _Cache(("layernorm", x, gamma, beta, eps))


def layernorm_backward(dout, cache):
    return _norm_backward("layernorm", 1, dout, cache)


def dropout_mask(x, dropout_param):
    """The mask of inverted dropout: kept units scaled by ``1 / (1 - rate)``."""
    rate = dropout_param["rate"]
    rng = dropout_param.get("rng") or np.random.default_rng(dropout_param.get("seed"))
    return (rng.random(x.shape) >= rate) / (1.0 - rate)


def dropout_forward(x, dropout_param):
    if dropout_param.get("mode", "train") != "train":
        return x, None
    mask = dropout_mask(x, dropout_param)
    return x * mask, _Cache(("dropout", mask))


def dropout_backward(dout, cache):
    (mask,) = _expect_cache(cache, "dropout", "dropout_backward")
    return grouped_slopes(lambda v: v * mask, np.zeros_like(dout), dout, -1, -1)


STAND_INS = {
    "layers": types.SimpleNamespace(affine_forward=affine_forward,
                                    affine_backward=affine_backward),
    "losses": types.SimpleNamespace(softmax_loss=softmax_loss),
    "normalization": types.SimpleNamespace(
        batchnorm_forward=batchnorm_forward, batchnorm_backward=batchnorm_backward,
        batchnorm_backward_alt=batchnorm_backward, layernorm_forward=layernorm_forward,
        layernorm_backward=layernorm_backward),
    "regularization": types.SimpleNamespace(dropout_forward=dropout_forward,
                                            dropout_backward=dropout_backward),
}
TANH = (tanh_forward, tanh_backward)


@contextlib.contextmanager
def stand_ins(model_module):
    """Replace the modules the network calls with the stand-ins, for one check."""
    saved = {name: getattr(model_module, name, None) for name in STAND_INS}
    try:
        for name, fake in STAND_INS.items():
            setattr(model_module, name, fake)
        yield
    finally:
        for name, module in saved.items():
            setattr(model_module, name, module)


# ----------------------------------------------------------------- the expected network
def expected_scores(net, X, mode="train"):
    """The lectures' forward pass of ``net`` with the stand-ins, and the hidden outputs.

    Uses the same dropout masks as the network will (the check sets
    ``dropout_seed``), and leaves ``bn_params`` untouched.
    """
    p = net.params
    hidden = X.reshape(X.shape[0], -1)
    outputs = []
    for l in range(1, net.num_layers):
        a = _affine(hidden, p[f"W{l}"], p[f"b{l}"])
        if net.normalization == "batchnorm":
            a = _normalise(a, p[f"gamma{l}"], p[f"beta{l}"], 0, 1e-5)
        elif net.normalization == "layernorm":
            a = _normalise(a, p[f"gamma{l}"], p[f"beta{l}"], 1, 1e-5)
        a = np.tanh(a)
        if net.dropout > 0 and mode == "train":
            a = a * dropout_mask(a, {"rate": net.dropout, "seed": net.dropout_seed + l})
        hidden = hidden + a if l in net.residual_layers else a
        outputs.append(hidden)
    L = net.num_layers
    return _affine(hidden, p[f"W{L}"], p[f"b{L}"]), outputs


def expected_test_scores(net, X):
    """Test-mode scores of a batch-norm network from its layers' running averages."""
    p = net.params
    hidden = X.reshape(X.shape[0], -1)
    for l in range(1, net.num_layers):
        bn = net.bn_params[l - 1]
        a = _affine(hidden, p[f"W{l}"], p[f"b{l}"])
        a = p[f"gamma{l}"] * (a - bn["running_mean"]) / np.sqrt(bn["running_var"] + 1e-5)
        a = np.tanh(a + p[f"beta{l}"])
        hidden = hidden + a if l in net.residual_layers else a
    L = net.num_layers
    return _affine(hidden, p[f"W{L}"], p[f"b{L}"]), None


def expected_loss(net, X, y):
    scores, _ = expected_scores(net, X)
    weights = sum(float(np.sum(p ** 2)) for k, p in net.params.items() if k.startswith("W"))
    return float(_per_sample_softmax(scores, y).mean()) + 0.5 * net.reg * weights


def slope_errors(net, X, y, grads, rng, directions=3):
    """For each parameter, the largest relative gap between ``sum(grad * v)`` and the
    loss's centred-difference slope along ``directions`` random directions ``v``.

    A gap is relative to the larger of the two slopes, but never to less than a
    thousandth of the steepest slope of the whole network: a parameter whose
    true gradient is 0 (a bias in front of batch norm) only carries round-off.
    """
    pairs = {}
    for name, value in net.params.items():
        pairs[name] = []
        for _ in range(directions):
            v = rng.standard_normal(value.shape)
            old = value.copy()
            value[...] = old + _H * v
            plus = net.loss(X, y)[0]
            value[...] = old - _H * v
            minus = net.loss(X, y)[0]
            value[...] = old
            analytic = float(np.sum(np.asarray(grads[name], dtype=np.float64) * v))
            pairs[name].append((analytic, (plus - minus) / (2 * _H)))
    steepest = max(max(abs(a), abs(n)) for found in pairs.values() for a, n in found)
    floor = max(1e-3 * steepest, 1e-12)
    return {name: max(abs(a - n) / max(abs(a), abs(n), floor) for a, n in found)
            for name, found in pairs.items()}


def block_of(name):
    """``'W2' -> 2``, ``'gamma3' -> 3``: the layer a parameter belongs to."""
    return int("".join(ch for ch in name if ch.isdigit()))


def judge_gradients(net, X, y, what):
    """Fail with the layer whose gradient is wrong, counted from the output."""
    loss, grads = net.loss(X, y)
    if not isinstance(grads, dict):
        fail(f"{what}: loss(X, y) must return (loss, grads) with grads a dict, got "
             f"{type(grads).__name__}.")
    missing = sorted(set(net.params) - set(grads), key=lambda k: (block_of(k), k))
    if missing:
        fail(f"{what}: grads has no entry for {', '.join(missing)}: every key of params needs "
             "its gradient.")
    for name, value in net.params.items():
        shape = np.shape(grads[name])
        if shape != value.shape:
            fail(f"{what}: grads[{name!r}] has shape {shape}, the parameter {value.shape}.")
    want = expected_loss(net, X, y)
    if not np.isclose(float(loss), want, rtol=1e-6, atol=1e-9):
        fail(f"{what}: the loss is {float(loss):.6g}, expected {want:.6g} (the mean softmax loss "
             f"of the scores{' plus the L2 penalty' if net.reg else ''}).")
    errors = slope_errors(net, X, y, grads, np.random.default_rng(7))
    wrong = [name for name, err in errors.items() if err > 1e-5]
    if not wrong:
        return errors
    top = max(block_of(name) for name in wrong)
    names = sorted((n for n in wrong if block_of(n) == top), key=str)
    gap = max(errors[n] for n in names)
    weights = {f"W{l}" for l in range(1, net.num_layers + 1)}
    if net.reg and set(wrong) == weights:
        fail(f"{what}: the gradient of every weight matrix ({', '.join(sorted(weights))}) is off "
             f"(relative gap up to {max(errors.values()):.2g}) while every other parameter is "
             "right: the L2 penalty's gradient is missing or wrong.")
    if top == net.num_layers:
        fail(f"{what}: the gradient of {', '.join(names)} (the output layer) disagrees with the "
             f"loss's slope (relative gap {gap:.2g}): look at the gradient of the softmax loss and "
             "the output layer's affine backward.")
    above = "the output layer" if top + 1 == net.num_layers else f"block {top + 1}"
    message = (f"{what}: the gradient of {', '.join(names)} (hidden block {top}) is wrong while "
               f"every layer above block {top} is right: the mistake is in the gradient {above} "
               f"passes down or in block {top}'s own backward.")
    if top + 1 in net.residual_layers:
        message += (f" Block {top + 1} carries a skip: the gradient with respect to its input "
                    "is the sum of the branch through the block and the branch through the "
                    "identity.")
    fail(message)


# ----------------------------------------------------------------- running the checks
def _unfinished(exc):
    """The innermost function of course_lib that raised ``NotImplementedError``."""
    tb, name = exc.__traceback__, None
    while tb is not None:
        code = tb.tb_frame.f_code
        if "course_lib" in code.co_filename.replace("\\", "/"):
            name = getattr(code, "co_qualname", code.co_name)
        tb = tb.tb_next
    return name or "a function"


def student_call(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except NotImplementedError as exc:
        fail(f"{_unfinished(exc)} is not implemented yet: open course_lib/model.py, find it and "
             "replace `raise NotImplementedError()` with your code.")


def build(model_module, hidden, input_dim=5, num_classes=3, seed=0, **options):
    cls = getattr(model_module, "FullyConnectedNet", None)
    if cls is None:
        fail("Pass the model module to the check: checks.check_...(model).")
    net = student_call(cls, hidden, input_dim, num_classes, activation=TANH, init=0.5,
                       seed=seed, **options)
    rng = np.random.default_rng(100 + seed)
    for name, value in net.params.items():
        if name.startswith(("b", "beta")):
            value[...] = 0.2 * rng.standard_normal(value.shape)
        elif name.startswith("gamma"):
            value[...] = rng.uniform(0.5, 1.5, value.shape)
    return net


def batch(seed, shape=(5,), n=6, num_classes=3):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n,) + tuple(shape)), rng.integers(0, num_classes, size=n)


def check_forward(net, X, what):
    """Train-mode scores against the lectures' forward pass of the same network."""
    scores = student_call(net.loss, X, None, "train")
    expected, hidden = expected_scores(net, X)
    scores = np.asarray(scores, dtype=np.float64)
    if scores.shape != expected.shape:
        fail(f"{what}: the scores have shape {scores.shape}, expected {expected.shape} "
             "(N samples by C classes).")
    if np.allclose(scores, expected, rtol=1e-6, atol=1e-9):
        recorded = getattr(net, "last_activations", [])
        if len(recorded) != len(hidden) or not all(
                np.allclose(a, b, rtol=1e-6, atol=1e-9) for a, b in zip(recorded, hidden)):
            fail(f"{what}: last_activations should hold each hidden block's output h_l (after "
                 "the skip): return that output from _hidden_forward.")
        return
    if np.allclose(scores, np.tanh(expected), rtol=1e-6, atol=1e-9):
        fail(f"{what}: the output layer is followed by the activation: the scores are the "
             "output layer's affine map alone (the softmax loss comes after).")
    fail(f"{what}: the scores differ from the forward pass affine -> [normalization] -> "
         "activation -> [dropout] (+ skip) in every hidden block, then the output layer's "
         f"affine map (largest difference {float(np.max(np.abs(scores - expected))):.3g}).")
