"""Trusted re-checks of student functions, run outside the notebook's kernel.

Why: a student module is imported into the grading kernel, and from then on it
can change how every later cell runs (``np.allclose = lambda *a, **k: True``
was measured to score full marks). So after nbgrader has scored the notebook,
each graded function is run again here, on inputs the notebook never shows:

* this file is executed as a script in a fresh process that imports the
  *student's* ``course_lib`` (inside the grading sandbox) and writes the raw
  outputs of every probe to an ``.npz`` file — numbers only;
* the same script runs on the instructor's source copy in another process;
* the grader, which never imports student code, loads both files with
  ``allow_pickle=False`` and compares them (:func:`judge`).

The student's process can return any numbers it likes, but it cannot see the
reference outputs, the reference code or the grader: the only way to match is
to compute the right answer. A cell whose function fails its probe loses the
points nbgrader gave it.

This file imports only NumPy and the standard library, since it is copied
into the sandbox on its own.
"""
from __future__ import annotations

import importlib
import json
import sys
from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Probe:
    task: str
    run: Callable
    rtol: float = 1e-6
    atol: float = 1e-9
    check_dtype: bool = True
    # "close": every output equals the reference's; "moments": outputs are random
    # samples, compared with the reference's samples by their moments.
    compare: str = "close"
    # compare == "custom": check(reference_outputs, student_outputs) -> reason or None,
    # each a dict of this task's outputs by key.
    check: Callable | None = None


PROBES: dict[str, Probe] = {}

#: Graded cells a trusted step other than a probe confirms: cell -> where.
GRADED_ELSEWHERE = {"capstone_model": "autograder/capstone.py (the saved model on the grader's "
                                      "hidden test set)"}


def probe(task: str, **options):
    def register(fn):
        PROBES[task] = Probe(task, fn, **options)
        return fn
    return register


class Lib:
    """``lib.activations`` etc.: modules of the ``course_lib`` on ``sys.path``."""

    def __getattr__(self, name):
        return importlib.import_module(f"course_lib.{name}")


# ------------------------------------------------------------------ 00
def _smooth(x):
    return float(np.sum(np.sin(x) * x ** 2 + 0.5 * x))


@probe("numeric_gradient", rtol=1e-5, atol=1e-7)
def _numeric_gradient(lib, rng):
    x = rng.standard_normal((3, 4))
    grad = lib.gradcheck.numeric_gradient(_smooth, x)
    return {"grad": np.asarray(grad, dtype=np.float64), "x_restored": x}


@probe("numeric_gradient_array", rtol=1e-5, atol=1e-7)
def _numeric_gradient_array(lib, rng):
    x = rng.standard_normal((2, 5))
    dout = rng.standard_normal((2, 5))
    grad = lib.gradcheck.numeric_gradient_array(lambda v: np.tanh(v) * v, x, dout)
    return {"grad": np.asarray(grad, dtype=np.float64), "x_restored": x}


def _affine_inputs(rng, dtype=np.float64):
    x = rng.standard_normal((4, 3, 2)).astype(dtype)
    w = rng.standard_normal((6, 5)).astype(dtype)
    b = rng.standard_normal(5).astype(dtype)
    return x, w, b


@probe("affine_forward")
def _affine_forward(lib, rng):
    out, _ = lib.layers.affine_forward(*_affine_inputs(rng))
    out32, _ = lib.layers.affine_forward(*_affine_inputs(rng, np.float32))
    return {"out": out, "out32": out32}


@probe("affine_backward")
def _affine_backward(lib, rng):
    x, w, b = _affine_inputs(rng)
    out, cache = lib.layers.affine_forward(x, w, b)
    dx, dw, db = lib.layers.affine_backward(rng.standard_normal(out.shape), cache)
    return {"dx": dx, "dw": dw, "db": db}


def _loss_probe(name):
    def run(lib, rng):
        fn = getattr(lib.losses, name)
        scores = rng.standard_normal((7, 5)) * 3
        y = rng.integers(0, 5, size=7)
        loss, dscores = fn(scores, y)
        big = scores * 1000.0
        loss_big, dbig = fn(big, y)
        return {"loss": np.float64(loss), "dscores": dscores,
                "loss_big": np.float64(loss_big), "dscores_big": dbig}
    return run


probe("softmax_loss", rtol=1e-6, atol=1e-8)(_loss_probe("softmax_loss"))
probe("svm_loss", rtol=1e-6, atol=1e-8)(_loss_probe("svm_loss"))


# ------------------------------------------------------------------ 01
ELEMENTWISE = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "softplus",
               "arctan", "gelu")


def _away_from_kinks(rng, shape, dtype=np.float64):
    x = rng.standard_normal(shape) * 3
    x[np.abs(x) < 1e-3] += 0.5
    return x.astype(dtype)


def _elementwise_forward(name):
    def run(lib, rng):
        forward = getattr(lib.activations, f"{name}_forward")
        x = _away_from_kinks(rng, (3, 4, 2))
        out, _ = forward(x)
        out32, _ = forward(x.astype(np.float32))
        extreme, _ = forward(np.array([-800.0, -30.0, 0.0, 30.0, 800.0]))
        return {"out": out, "out32": out32, "extreme": extreme}
    return run


def _elementwise_backward(name):
    def run(lib, rng):
        forward = getattr(lib.activations, f"{name}_forward")
        backward = getattr(lib.activations, f"{name}_backward")
        x = _away_from_kinks(rng, (5, 3))
        dout = rng.standard_normal((5, 3))
        _, cache = forward(x)
        return {"dx": backward(dout, cache)}
    return run


for _name in ELEMENTWISE:
    probe(f"{_name}_forward", rtol=1e-5, atol=1e-7)(_elementwise_forward(_name))
    probe(f"{_name}_backward", rtol=1e-5, atol=1e-7)(_elementwise_backward(_name))


@probe("prelu_forward")
def _prelu_forward(lib, rng):
    x = _away_from_kinks(rng, (4, 3))
    out, _ = lib.activations.prelu_forward(x, np.array([0.1, 0.2, 0.3]))
    shared, _ = lib.activations.prelu_forward(x, np.array(0.25))
    return {"out": out, "shared": shared}


@probe("prelu_backward")
def _prelu_backward(lib, rng):
    x = _away_from_kinks(rng, (4, 3))
    alpha = np.array([0.1, 0.2, 0.3])
    _, cache = lib.activations.prelu_forward(x, alpha)
    dx, dalpha = lib.activations.prelu_backward(rng.standard_normal((4, 3)), cache)
    return {"dx": dx, "dalpha": np.asarray(dalpha)}


@probe("binary_step_forward")
def _binary_step(lib, rng):
    x = np.array([-2.0, -1e-9, 0.0, 1e-9, 3.0])
    out = lib.activations.binary_step_forward(x)
    out = out[0] if isinstance(out, tuple) else out
    return {"out": np.asarray(out, dtype=np.float64)}


def _maxout_inputs(rng):
    return rng.standard_normal((5, 4)), rng.standard_normal((3, 4, 2)), rng.standard_normal((3, 2))


@probe("maxout_forward")
def _maxout_forward(lib, rng):
    out, _ = lib.activations.maxout_forward(*_maxout_inputs(rng))
    return {"out": out}


@probe("maxout_backward")
def _maxout_backward(lib, rng):
    x, w, b = _maxout_inputs(rng)
    out, cache = lib.activations.maxout_forward(x, w, b)
    dx, dw, db = lib.activations.maxout_backward(rng.standard_normal(out.shape), cache)
    return {"dx": dx, "dw": dw, "db": db}


# ------------------------------------------------------------------ 02
INITIALISERS = ("normal", "xavier_normal", "xavier_uniform", "he_normal", "he_uniform",
                "lecun_normal")


def _init_probe(name):
    def run(lib, rng):
        fn = getattr(lib.init, name)
        # fan_in != fan_out, so a formula that swaps them has another variance
        tall = fn(600, 200, np.random.default_rng(rng.integers(2**31)))
        wide = fn(150, 900, np.random.default_rng(rng.integers(2**31)))
        small32 = fn(300, 100, np.random.default_rng(rng.integers(2**31)), dtype=np.float32)
        return {"tall": tall, "wide": wide, "small32": small32}
    return run


for _name in INITIALISERS:
    probe(_name, compare="moments")(_init_probe(_name))


@probe("zeros")
def _zeros(lib, rng):
    return {"w": lib.init.zeros(7, 3, rng), "w32": lib.init.zeros(2, 5, rng, dtype=np.float32)}


# ------------------------------------------------------------------ 03
def _bn_inputs(rng, n=6, d=4):
    x = rng.standard_normal((n, d)) * 3 + 2
    return x, rng.standard_normal(d), rng.standard_normal(d), rng.standard_normal((n, d))


@probe("batchnorm_forward")
def _batchnorm_forward(lib, rng):
    x, gamma, beta, _ = _bn_inputs(rng)
    param = {"mode": "train", "momentum": 0.8}
    out, _ = lib.normalization.batchnorm_forward(x, gamma, beta, param)
    lib.normalization.batchnorm_forward(x * 2 - 1, gamma, beta, param)
    param["mode"] = "test"
    test_out, _ = lib.normalization.batchnorm_forward(x[:2], gamma, beta, param)
    return {"out": out, "running_mean": param["running_mean"],
            "running_var": param["running_var"], "test_out": test_out}


def _norm_backward(kind, backward_name):
    def run(lib, rng):
        x, gamma, beta, dout = _bn_inputs(rng)
        if kind == "batch":
            _, cache = lib.normalization.batchnorm_forward(x, gamma, beta, {"mode": "train"})
        else:
            _, cache = lib.normalization.layernorm_forward(x, gamma, beta, {})
        dx, dgamma, dbeta = getattr(lib.normalization, backward_name)(dout, cache)
        return {"dx": dx, "dgamma": dgamma, "dbeta": dbeta}
    return run


probe("batchnorm_backward")(_norm_backward("batch", "batchnorm_backward"))
probe("batchnorm_backward_alt")(_norm_backward("batch", "batchnorm_backward_alt"))
probe("layernorm_backward")(_norm_backward("layer", "layernorm_backward"))


@probe("layernorm_forward")
def _layernorm_forward(lib, rng):
    x, gamma, beta, _ = _bn_inputs(rng)
    out, _ = lib.normalization.layernorm_forward(x, gamma, beta, {})
    return {"out": out}


def _pca_data(rng, n=30, d=5):
    rotation = np.linalg.qr(rng.standard_normal((d, d)))[0]
    scales = np.linspace(3.0, 0.3, d)
    return rng.standard_normal((n, d)) * scales @ rotation + rng.standard_normal(d)


@probe("fit_pca", rtol=1e-4, atol=1e-6)   # float32 eigenvectors carry ~1e-6 of round-off
def _fit_pca(lib, rng):
    X = _pca_data(rng)
    mean, components, variances = lib.preprocessing.fit_pca(X)
    _, components32, variances32 = lib.preprocessing.fit_pca(X.astype(np.float32))
    return {"mean": mean, "components": components, "variances": variances,
            "variances32": variances32, "components32_abs": np.abs(components32)}


@probe("pca_transform")
def _pca_transform(lib, rng):
    X, mean = _pca_data(rng), rng.standard_normal(5)
    components = np.linalg.qr(rng.standard_normal((5, 5)))[0]
    fn = lib.preprocessing.pca_transform
    return {"all": fn(X, mean, components), "two": fn(X, mean, components, num_components=2),
            "two32": fn(X.astype(np.float32), mean, components, num_components=2)}


@probe("whiten")
def _whiten(lib, rng):
    X, mean = _pca_data(rng), rng.standard_normal(5)
    components = np.linalg.qr(rng.standard_normal((5, 5)))[0]
    variances = np.linspace(2.0, 0.01, 5)
    fn = lib.preprocessing.whiten
    return {"pca": fn(X, mean, components, variances, eps=1e-3),
            "zca": fn(X, mean, components, variances, eps=1e-3, kind="zca"),
            "defaults": fn(X, mean, components, variances),
            "zca32": fn(X.astype(np.float32), mean, components, variances, kind="zca")}


# ------------------------------------------------------------------ 04
def _flat(prefix, value):
    """Outputs may be dicts of arrays (penalty gradients): flatten them to keys."""
    if isinstance(value, dict):
        return {f"{prefix}.{k}": np.asarray(v) for k, v in sorted(value.items())}
    return {prefix: np.asarray(value)}


def _weights(rng):
    return {"W1": rng.standard_normal((4, 3)), "W2": rng.standard_normal((3, 2)) * 0.5}


DROP_RATE, DROP_N = 0.3, 40000


def _dropout_keep_ok(ref, got, out_key):
    x = ref["x"]
    out = got[out_key].astype(np.float64)
    kept = out != 0
    if not np.allclose(out[kept], x[kept] / (1 - DROP_RATE), rtol=1e-5):
        return "kept units are not scaled by 1 / (1 - rate)"
    p_keep, n = 1 - DROP_RATE, x.size
    if abs(kept.mean() - p_keep) > 6 * np.sqrt(p_keep * (1 - p_keep) / n):
        return f"keeps {kept.mean():.3f} of the units, expected {p_keep:.3f} (rate is the DROP probability)"
    return None


def _check_dropout_forward(ref, got):
    if got["test"].shape != ref["test"].shape or not np.array_equal(got["test"], ref["test"]):
        return "test mode must return x unchanged"
    return _dropout_keep_ok(ref, got, "train")


def _check_dropout_backward(ref, got):
    problem = _dropout_keep_ok(ref, got, "out")
    if problem:
        return f"forward: {problem}"
    x, dout = ref["x"], ref["dout"]
    if got["dx"].shape != x.shape or not np.allclose(got["dx"] * x, dout * got["out"],
                                                     rtol=1e-5, atol=1e-9):
        return "dx is not dout times the mask used in the forward pass"
    return None


@probe("dropout_forward", compare="custom", check=_check_dropout_forward)
def _dropout_forward(lib, rng):
    x = rng.standard_normal(DROP_N) + 3.0
    out, _ = lib.regularization.dropout_forward(x, {"rate": DROP_RATE, "mode": "train",
                                                    "seed": 11})
    test, _ = lib.regularization.dropout_forward(x, {"rate": DROP_RATE, "mode": "test"})
    return {"x": x, "train": out, "test": test}


@probe("dropout_backward", compare="custom", check=_check_dropout_backward)
def _dropout_backward(lib, rng):
    x = rng.standard_normal(DROP_N) + 3.0
    dout = rng.standard_normal(DROP_N)
    out, cache = lib.regularization.dropout_forward(x, {"rate": DROP_RATE, "mode": "train",
                                                        "seed": 5})
    return {"x": x, "dout": dout, "out": out,
            "dx": lib.regularization.dropout_backward(dout, cache)}


def _penalty_probe(name, *args):
    def run(lib, rng):
        loss, grads = getattr(lib.regularization, name)(_weights(rng), *args)
        return {"loss": np.float64(loss), **_flat("grad", grads)}
    return run


probe("l1_penalty")(_penalty_probe("l1_penalty", 0.3))
probe("l2_penalty")(_penalty_probe("l2_penalty", 0.3))
probe("elastic_net_penalty")(_penalty_probe("elastic_net_penalty", 0.3, 0.25))


@probe("dropconnect_forward")
def _dropconnect_forward(lib, rng):
    # with a seed the mask is fixed by the docstring: (rng.random(w.shape) >= rate) / (1 - rate)
    x, w, b = rng.standard_normal((6, 5)), rng.standard_normal((5, 4)), rng.standard_normal(4)
    fn = lib.regularization.dropconnect_forward
    out, cache = fn(x, w, b, {"rate": 0.3, "mode": "train", "seed": 17})
    test, _ = fn(x, w, b, {"rate": 0.3, "mode": "test"})
    out32, _ = fn(x.astype(np.float32), w.astype(np.float32), b.astype(np.float32),
                  {"rate": 0.3, "mode": "train", "seed": 17})
    return {"out": out, "mask": cache[4], "test": test, "out32": out32}


@probe("dropconnect_backward")
def _dropconnect_backward(lib, rng):
    x, w, b = rng.standard_normal((6, 5)), rng.standard_normal((5, 4)), rng.standard_normal(4)
    dout = rng.standard_normal((6, 4))
    mask = (rng.random(w.shape) >= 0.4) / 0.6
    fn = lib.regularization.dropconnect_backward
    dx, dw, db = fn(dout, (x, w, b, {"rate": 0.4, "mode": "train"}, mask))
    test_dx, test_dw, test_db = fn(dout, (x, w, b, {"rate": 0.4, "mode": "test"}, None))
    return {"dx": dx, "dw": dw, "db": db, "test_dx": test_dx, "test_dw": test_dw,
            "test_db": test_db}


@probe("activity_l1_penalty")
def _activity_l1_penalty(lib, rng):
    h = np.maximum(rng.standard_normal((7, 6)), 0.0) - 0.3 * (rng.random((7, 6)) < 0.2)
    loss, dh = lib.regularization.activity_l1_penalty(h, 0.2)
    return {"loss": np.float64(loss), "dh": dh}


@probe("kl_sparsity_penalty")
def _kl_sparsity_penalty(lib, rng):
    h = 1.0 / (1.0 + np.exp(-2.0 * rng.standard_normal((8, 5))))
    loss, dh = lib.regularization.kl_sparsity_penalty(h, 0.1, 0.5)
    return {"loss": np.float64(loss), "dh": dh}


@probe("max_norm")
def _max_norm(lib, rng):
    w = rng.standard_normal((5, 6)) * np.array([0.1, 1, 3, 0.2, 5, 1.5])
    return {"w": lib.regularization.max_norm(w, 2.0)}


@probe("clip_by_value")
def _clip_by_value(lib, rng):
    return _flat("grads", lib.regularization.clip_by_value(
        {k: v * 3 for k, v in _weights(rng).items()}, 0.7))


@probe("clip_by_global_norm")
def _clip_by_global_norm(lib, rng):
    grads = {k: v * 4 for k, v in _weights(rng).items()}
    clipped, norm = lib.regularization.clip_by_global_norm(grads, 1.5)
    small, small_norm = lib.regularization.clip_by_global_norm(
        {k: v * 1e-3 for k, v in grads.items()}, 1.5)
    return {**_flat("clipped", clipped), "norm": np.float64(norm),
            **_flat("small", small), "small_norm": np.float64(small_norm)}


@probe("EarlyStopping")
def _early_stopping(lib, rng):
    metrics = [5.0, 4.0, 4.02, 3.5, 3.48, 3.6, 3.7, 2.0, 2.5, 2.6, 2.7, 2.8]
    stopper = lib.regularization.EarlyStopping(patience=3, min_delta=0.05)
    decisions, params = [], {"W": np.zeros(3)}
    for i, m in enumerate(metrics):
        params["W"][:] = i  # mutated in place: the stopper must keep a copy
        decisions.append(bool(stopper.step(m, params)))
    return {"decisions": np.array(decisions), "best_value": np.float64(stopper.best_value),
            "best_step": np.int64(stopper.best_step), "best_W": stopper.best_params["W"]}


probe("EarlyStopping_step")(PROBES["EarlyStopping"].run)


# ------------------------------------------------------------------ 05
def _rule_probe(name):
    def run(lib, rng):
        rule = getattr(lib.optim, name)
        a = np.diag([1.0, 4.0, 10.0])
        target = rng.standard_normal(3)
        trajectories = {}
        for dtype in (np.float64, np.float32):
            w = (rng.standard_normal(3) * 2).astype(dtype)
            config = {"learning_rate": 0.05}
            steps = []
            for _ in range(8):
                w, config = rule(w, (a @ (w - target)).astype(dtype), config)
                steps.append(np.array(w, copy=True))
            trajectories["w64" if dtype is np.float64 else "w32"] = np.stack(steps)
        return trajectories
    return run


for _name in ("sgd_momentum", "sgd_nesterov", "adagrad", "rmsprop", "adadelta", "adam", "nadam",
              "adamax", "adamw"):
    probe(_name, rtol=1e-5, atol=1e-7)(_rule_probe(_name))


# ------------------------------------------------------------------ 06
T_GRID = np.array([0, 1, 2, 5, 9, 10, 11, 30, 49, 50, 77, 99, 100, 150], dtype=np.float64)
SCHEDULES = {
    "piecewise_constant": lambda s: s.piecewise_constant([10, 50], [0.1, 0.01, 0.001]),
    "step_decay": lambda s: s.step_decay(0.1, 0.5, 10),
    "exponential": lambda s: s.exponential(0.1, 20),
    "power": lambda s: s.power(0.1, 20, c=0.7),
    "inverse_time": lambda s: s.inverse_time(0.1, 0.05),
    "cosine": lambda s: s.cosine(0.1, 100, lr_min=0.001, warmup_steps=10),
    "one_cycle": lambda s: s.one_cycle(0.5, 100, pct_start=0.3),
}


def _schedule_probe(name):
    def run(lib, rng):
        schedule = SCHEDULES[name](lib.schedules)
        return {"lr": np.array([float(schedule(t)) for t in T_GRID])}
    return run


for _name in SCHEDULES:
    probe(_name, rtol=1e-6, atol=1e-12)(_schedule_probe(_name))


@probe("ReduceLROnPlateau")
def _plateau(lib, rng):
    plateau = lib.schedules.ReduceLROnPlateau(0.1, factor=0.5, patience=2, min_delta=0.01)
    metrics = [1.0, 0.9, 0.895, 0.899, 0.7, 0.71, 0.72, 0.73, 0.74, 0.5, 0.6, 0.6, 0.6]
    return {"lr": np.array([float(plateau.step(m)) for m in metrics])}


probe("ReduceLROnPlateau_step")(PROBES["ReduceLROnPlateau"].run)


@probe("lr_range_test", rtol=1e-6, atol=1e-12)
def _lr_range_test(lib, rng):
    state = {"w": np.array([3.0, -2.0])}
    curvature = np.array([1.0, 20.0])

    def train_step(lr):
        grad = curvature * state["w"]
        state["w"] = state["w"] - lr * grad
        return float(0.5 * np.sum(curvature * state["w"] ** 2))

    result = lib.schedules.lr_range_test(train_step, lr_min=1e-4, lr_max=1.0, num_steps=60)
    return {"suggested": np.float64(result.suggested_lr), "lrs": np.asarray(result.lrs),
            "losses": np.asarray(result.losses)}


# ------------------------------------------------------------------ 07
@probe("expected_initial_loss")
def _expected_initial_loss(lib, rng):
    return {"loss": np.array([float(lib.babysit.expected_initial_loss(c)) for c in (2, 10, 37)])}


@probe("update_to_weight_ratio")
def _update_ratio(lib, rng):
    before = {"W1": rng.standard_normal((4, 3)), "W2": rng.standard_normal((3, 2)),
              "b1": rng.standard_normal(3)}
    after = {k: v + 1e-3 * rng.standard_normal(v.shape) for k, v in before.items()}
    return _flat("ratio", lib.babysit.update_to_weight_ratio(before, after))


def _check_log_uniform(ref, got):
    low, high = 1e-5, 1e-1
    v = got["samples"].astype(np.float64)
    if v.shape != ref["samples"].shape:
        return f"shape {v.shape}, expected {ref['samples'].shape}"
    if np.any(v < low) or np.any(v > high):
        return "samples outside [low, high]"
    u = (np.log10(v) - np.log10(low)) / (np.log10(high) - np.log10(low))
    # uniform on [0, 1]: mean 1/2 (sd 1/sqrt(12 n)), and a flat histogram
    if abs(u.mean() - 0.5) > 6 / np.sqrt(12 * u.size):
        return "the logarithm of the samples is not uniform (mean off)"
    counts = np.histogram(u, bins=10, range=(0, 1))[0]
    expected = u.size / 10
    if np.max(np.abs(counts - expected)) > 6 * np.sqrt(expected):
        return "the logarithm of the samples is not uniform"
    return None


@probe("log_uniform", compare="custom", check=_check_log_uniform)
def _log_uniform(lib, rng):
    return {"samples": np.asarray(lib.babysit.log_uniform(np.random.default_rng(4), 1e-5, 1e-1,
                                                          size=20000))}


@probe("at_border")
def _at_border(lib, rng):
    cases = [(1.5e-5, 1e-5, 1e-1, "log"), (3e-3, 1e-5, 1e-1, "log"), (0.09, 1e-5, 1e-1, "log"),
             (0.05, 0.0, 1.0, "linear"), (0.5, 0.0, 1.0, "linear"), (0.97, 0.0, 1.0, "linear")]
    return {"flags": np.array([bool(lib.babysit.at_border(v, lo, hi, sc))
                               for v, lo, hi, sc in cases])}


# ------------------------------------------------------------- the network (01, 03, 04)
def _network_outputs(lib, rng, hidden, **options):
    """Scores, loss and every gradient of a small network on a random batch.

    The network runs on the checks' stand-in layers (``course_lib.checks._network``,
    given code the grader restores): the network's cells grade its wiring, not
    the layers, so a bug in a layer module never costs the network's points too.
    """
    stand_ins = importlib.import_module("course_lib.checks._network")
    with stand_ins.stand_ins(lib.model):
        net = lib.model.FullyConnectedNet(hidden, 5, 3, activation=stand_ins.TANH, init=0.5,
                                          seed=int(rng.integers(1 << 16)), **options)
        for key, value in net.params.items():
            if key.startswith(("b", "beta")):
                value[...] = 0.1 * rng.standard_normal(value.shape)
        X, y = rng.standard_normal((6, 5)), rng.integers(0, 3, size=6)
        scores = net.loss(X, mode="train")
        loss, grads = net.loss(X, y)
        out = {"scores": np.asarray(scores), "loss": np.float64(loss),
               "test_scores": np.asarray(net.loss(X))}
    out.update({f"grad_{key}": np.asarray(value) for key, value in sorted(grads.items())})
    return out


def _prefixed(label, outputs):
    return {f"{label}_{key}": value for key, value in outputs.items()}


@probe("fc_network", rtol=1e-6, atol=1e-9)
def _fc_network(lib, rng):
    out = {}
    for label, hidden in (("deep", [5, 4, 3]), ("one", [6]), ("two", [4, 4]), ("none", [])):
        out.update(_prefixed(label, _network_outputs(lib, rng, hidden)))
    return out


@probe("network_gradient_check", rtol=1e-3, atol=1e-9)
def _network_gradient_check(lib, rng):
    net = lib.model.FullyConnectedNet([4, 3], 5, 3, activation="tanh", init=0.5, seed=5)
    X, y = rng.standard_normal((4, 5)), rng.integers(0, 3, size=4)
    errors = lib.model.network_gradient_check(net, X, y, h=1e-2)
    keys = sorted(net.params)
    # with h = 1e-2 the truncation error is far above round-off: it must match exactly
    return {"errors": np.array([errors[k] for k in keys], dtype=np.float64)}


@probe("fc_network_normalization", rtol=1e-6, atol=1e-9)
def _fc_network_normalization(lib, rng):
    out = {}
    for label, options in (("bn", {"normalization": "batchnorm"}),
                           ("ln", {"normalization": "layernorm"}),
                           ("skip", {"residual": True}),
                           ("bn_skip", {"normalization": "batchnorm", "residual": "unscaled"})):
        out.update(_prefixed(label, _network_outputs(lib, rng, [5, 5, 5], **options)))
    return out


@probe("fc_network_regularization", rtol=1e-6, atol=1e-9)
def _fc_network_regularization(lib, rng):
    out = {}
    for label, options in (("drop", {"dropout": 0.3, "dropout_seed": 4}),
                           ("l2", {"reg": 0.2}),
                           ("both", {"dropout": 0.2, "dropout_seed": 1, "reg": 0.1,
                                     "residual": True})):
        out.update(_prefixed(label, _network_outputs(lib, rng, [5, 5], **options)))
    return out


# ------------------------------------------------------------- 07
class _ProbeModel:
    """Softmax regression on the course's model contract: the probes' own model, so that
    re-checking 07 runs no network of another assignment."""

    def __init__(self, W, reg=0.0):
        self.params = {"W1": np.array(W, dtype=np.float64), "b1": np.zeros(np.shape(W)[1])}
        self.reg = float(reg)
        self.num_classes = np.shape(W)[1]
        self.bn_params = [{"mode": "train", "running_mean": np.zeros(self.num_classes)}]

    def loss(self, X, y=None):
        scores = np.asarray(X, dtype=np.float64) @ self.params["W1"] + self.params["b1"]
        if y is None:
            return scores
        state = self.bn_params[0]
        state["running_mean"] = 0.9 * state["running_mean"] + 0.1 * scores.mean(axis=0)
        n = len(y)
        shifted = scores - scores.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        W = self.params["W1"]
        loss = -log_probs[np.arange(n), y].mean() + 0.5 * self.reg * float(np.sum(W * W))
        d = np.exp(log_probs)
        d[np.arange(n), y] -= 1
        d /= n
        return float(loss), {"W1": np.asarray(X).T @ d + self.reg * W, "b1": d.sum(axis=0)}

    def accuracy(self, X, y):
        return float(np.mean(np.argmax(self.loss(X), axis=1) == np.asarray(y)))

    def evaluate(self, X, y):
        scores = self.loss(X)
        shifted = scores - scores.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return float(-log_probs[np.arange(len(y)), y].mean()), self.accuracy(X, y)


def _probe_sgd(w, dw, config=None):
    config = {} if config is None else config
    return w - config.get("learning_rate", 1e-2) * dw, config


@probe("initial_loss_check")
def _initial_loss_check(lib, rng):
    X = rng.standard_normal((40, 6))
    y = rng.integers(0, 4, size=40)
    out = {}
    for i, (scale, reg, tol) in enumerate(((1e-3, 0.0, 0.1), (0.8, 2.0, 0.1), (0.8, 2.0, 9.0))):
        model = _ProbeModel(scale * rng.standard_normal((6, 4)), reg=reg)
        result = lib.babysit.initial_loss_check(model, X, y, tol=tol)
        out[f"case{i}"] = np.array([float(result.expected), float(result.measured),
                                    float(result.ok is True), model.reg])
        out[f"state{i}"] = model.bn_params[0]["running_mean"]
    return out


@probe("overfit_tiny_subset")
def _overfit_tiny_subset(lib, rng):
    X = rng.standard_normal((50, 10))
    data = {"X_train": X, "y_train": rng.integers(0, 3, size=50), "X_val": X[:4],
            "y_val": np.zeros(4, dtype=np.int64)}
    W0 = 0.01 * rng.standard_normal((10, 3))
    out = {}
    for name, lr in (("fit", 0.5), ("frozen", 0.0)):
        result = lib.babysit.overfit_tiny_subset(lambda: _ProbeModel(W0, reg=1.0), data, n=8,
                                                 epochs=60, update_rule=_probe_sgd,
                                                 optim_config={"learning_rate": lr},
                                                 seed=int(rng.integers(1000)))
        out[f"{name}.flags"] = np.array([float(result.train_acc), float(result.ok is True),
                                         result.model.reg])
        out[f"{name}.losses"] = np.asarray(result.loss_history, dtype=np.float64)
        out[f"{name}.W"] = result.model.params["W1"]
    return out


def _search_objective(params):
    return float(-(params["a"] - 0.3) ** 2 - 0.1 * params["b"] ** 2)


@probe("random_search")
def _random_search(lib, rng):
    # The border warnings use at_border, re-checked on its own: set them aside here.
    module = lib.babysit
    saved = module.border_warnings
    module.border_warnings = lambda *args, **kwargs: []
    space = {"a": (0.0, 1.0, "linear"), "b": (-2.0, 2.0, "linear")}
    seed = int(rng.integers(2**31))
    out = {}
    try:
        for name, objective, maximize in (
                ("max", _search_objective, True), ("min", _search_objective, False),
                ("nan", lambda p: float("nan") if p["a"] > 0.6 else _search_objective(p), True),
                ("ties", lambda p: round(p["a"]), False)):
            result = module.random_search(objective, space, 15, np.random.default_rng(seed),
                                          maximize=maximize, warn=False)
            out[f"{name}.index"] = np.array([t["index"] for t in result.trials])
            out[f"{name}.params"] = np.array([[t["params"]["a"], t["params"]["b"]]
                                              for t in result.trials])
    finally:
        module.border_warnings = saved
    return out


@probe("refine_space")
def _refine_space(lib, rng):
    space = {"lr": (1e-5, 1e-1, "log"), "reg": (0.0, 1.0, "linear"),
             "wd": (1e-6, 1e-2, "log")}
    trials = [{"params": {"lr": 10 ** rng.uniform(-5, -1), "reg": rng.uniform(0, 1),
                          "wd": 1e-4}, "score": float(-i), "index": i} for i in range(8)]
    out = {}
    for top_k, expand in ((3, 0.2), (1, 0.5), (8, 0.0)):
        refined = lib.babysit.refine_space(trials, top_k, space, expand=expand)
        out[f"top{top_k}"] = np.array([[refined[k][0], refined[k][1]] for k in space])
    return out


# ------------------------------------------------------------- running
def run_probes(tasks: list[str], seed: int, done=None) -> tuple[dict, dict]:
    """Run ``tasks`` in order; ``done(task, outputs, errors)`` after each one."""
    lib = Lib()
    outputs, errors = {}, {}
    for task in tasks:
        mine, error = {}, {}
        try:
            result = PROBES[task].run(lib, np.random.default_rng([seed, len(task)]))
            for key, value in result.items():
                mine[f"{task}::{key}"] = np.asarray(value)
        except BaseException as exc:  # noqa: BLE001 - student code may raise anything
            error[task] = f"{type(exc).__name__}: {str(exc)[:200]}"
        outputs.update(mine)
        errors.update(error)
        if done is not None:
            done(task, mine, error)
    return outputs, errors


def save(path, outputs: dict, errors: dict) -> None:
    np.savez(path, __errors__=np.array(json.dumps(errors)), **outputs)


def main(argv=None) -> int:
    """``python probes.py LIB_PARENT OUT_DIR SEED TASK...``: one ``TASK.npz`` per task,
    written as soon as it finishes, so a run that hangs or dies keeps what it did."""
    argv = sys.argv[1:] if argv is None else argv
    lib_parent, out_dir, seed, *tasks = argv
    sys.path.insert(0, lib_parent)
    run_probes([t for t in tasks if t in PROBES], int(seed),
               done=lambda task, outputs, errors: save(f"{out_dir}/{task}.npz", outputs, errors))
    return 0


def load(path) -> tuple[dict, dict]:
    """Read a probe file written by :func:`save` without unpickling anything."""
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    errors = json.loads(str(arrays.pop("__errors__")))
    return arrays, errors


def same_distribution(ref: np.ndarray, got: np.ndarray) -> str | None:
    """Moments of two large samples of one distribution agree (else: which differs).

    With n >= 30000 draws the sample variance has a relative standard error of
    sqrt(2/n) < 1%; a 6% band is over 6 standard errors wide, while the mistakes
    it must catch (fan_out for fan_in, a uniform limit that is the normal's std)
    move the variance by 33% or more. Kurtosis (3 normal, 1.8 uniform) tells
    the two families apart.
    """
    ref = ref.astype(np.float64).ravel()
    got = got.astype(np.float64).ravel()
    var_ref, var_got = ref.var(), got.var()
    if var_ref == 0:
        return None if np.all(got == 0) else "should be all zeros"
    if abs(var_got / var_ref - 1) > 0.06:
        return f"variance {var_got:.3g}, expected about {var_ref:.3g}"
    if abs(got.mean()) > 6 * np.sqrt(var_ref / got.size):
        return f"mean {got.mean():.3g}, expected about 0"

    def kurtosis(v):
        return float(np.mean((v - v.mean()) ** 4) / v.var() ** 2)

    if abs(kurtosis(got) - kurtosis(ref)) > 0.3:
        return "the distribution has the wrong shape (normal and uniform mixed up?)"
    return None


def judge(task: str, reference: dict, student: dict, student_errors: dict) -> str | None:
    """None if the student's outputs for ``task`` match the reference, else why not."""
    spec = PROBES[task]
    if task in student_errors:
        return f"raised {student_errors[task]}"
    keys = [k for k in reference if k.startswith(f"{task}::")]
    if not keys:
        return None
    if spec.compare == "custom":
        prefix = len(task) + 2
        ref = {k[prefix:]: v for k, v in reference.items() if k.startswith(f"{task}::")}
        got = {k[prefix:]: v for k, v in student.items() if k.startswith(f"{task}::")}
        missing = [k for k in ref if k not in got]
        if missing:
            return f"no output for {missing[0]}"
        if any(v.dtype.kind not in "biuf" for v in got.values()):
            return "outputs are not numbers"
        return spec.check(ref, got)
    for key in keys:
        name = key.split("::", 1)[1]
        if key not in student:
            return f"no output for {name}"
        ref, got = reference[key], student[key]
        if got.shape != ref.shape:
            return f"{name}: shape {got.shape}, expected {ref.shape}"
        if spec.check_dtype and ref.dtype.kind == "f" and got.dtype != ref.dtype:
            return f"{name}: dtype {got.dtype}, expected {ref.dtype}"
        if got.dtype.kind not in "biuf":
            return f"{name}: not numbers"
        if spec.compare == "moments":
            problem = same_distribution(ref, got)
            if problem:
                return f"{name}: {problem}"
            continue
        if not np.allclose(
                got.astype(np.float64), ref.astype(np.float64), rtol=spec.rtol,
                atol=spec.atol, equal_nan=False):
            return f"{name}: values differ from the reference"
    return None


if __name__ == "__main__":
    raise SystemExit(main())
