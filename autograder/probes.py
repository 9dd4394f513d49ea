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


PROBES: dict[str, Probe] = {}


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


# ------------------------------------------------------------- running
def run_probes(tasks: list[str], seed: int) -> tuple[dict, dict]:
    lib = Lib()
    outputs, errors = {}, {}
    for task in tasks:
        try:
            result = PROBES[task].run(lib, np.random.default_rng([seed, len(task)]))
            for key, value in result.items():
                outputs[f"{task}::{key}"] = np.asarray(value)
        except BaseException as exc:  # noqa: BLE001 - student code may raise anything
            errors[task] = f"{type(exc).__name__}: {str(exc)[:200]}"
    return outputs, errors


def main(argv=None) -> int:
    """``python probes.py LIB_PARENT OUT.npz SEED TASK...``"""
    argv = sys.argv[1:] if argv is None else argv
    lib_parent, out_path, seed, *tasks = argv
    sys.path.insert(0, lib_parent)
    outputs, errors = run_probes([t for t in tasks if t in PROBES], int(seed))
    outputs["__errors__"] = np.array(json.dumps(errors))
    np.savez(out_path, **outputs)
    return 0


def load(path) -> tuple[dict, dict]:
    """Read a probe file written by :func:`main` without unpickling anything."""
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
