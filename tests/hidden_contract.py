"""The contract of every student function, and where the hidden tests check each part of it.

One entry per function that holds a solution region (``module.qualname``): the
graded cell whose hidden tests specify it, and every behaviour its docstring
(or its class's or module's docstring) states. For each behaviour:

* ``tag`` -- the hidden tests mark the lines that check it with a comment
  ``# contract: <tag>`` (``tests/test_hidden_contract.py`` lists them);
* ``says`` -- the words of the docstring that state it (whitespace aside, they
  must occur verbatim: change the docstring and this table must follow);
* a mutant -- ``(old, new)`` replacements in the reference module that make an
  implementation wrong in exactly this behaviour. The test runs the cell's
  hidden tests on it and requires a failure on a line marked with the tag.

Run ``python tests/hidden_contract.py`` to print the table with the hidden-test
lines of each behaviour.
"""
from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__":  # run as a script: the repository's packages come from its root
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from contract_support import B, C  # noqa: E402

# ------------------------------------------------------------------ 00: gradcheck
_NG_LOOP = ("    grad = np.zeros_like(x)\n    for i in np.ndindex(x.shape):\n        old = x[i]\n"
            "        x[i] = old + h\n        f_plus = f(x)\n")
_NGA_LOOP = ("    grad = np.zeros_like(x)\n    for i in np.ndindex(x.shape):\n        old = x[i]\n"
             "        x[i] = old + h\n        out_plus = np.array(f(x), copy=True)\n")

GRADCHECK = {
    "gradcheck.numeric_gradient": C(
        "numeric_gradient",
        B("centred", "evaluate ``f`` with that entry moved to ``x[i] + h`` and to ``x[i] - h`` and "
                     "return ``(f_plus - f_minus) / (2 * h)``",
          "        x[i] = old - h\n        f_minus = f(x)\n        x[i] = old\n        grad[i] = (f_plus - f_minus) / (2 * h)",
          "        x[i] = old\n        f_minus = f(x)\n        grad[i] = (f_plus - f_minus) / h"),
        B("any-shape", "For every entry ``x[i]`` (any number of dimensions)",
          _NG_LOOP, _NG_LOOP.replace("np.ndindex(x.shape)", "np.ndindex(x.shape[-1:])")
          .replace("old = x[i]", "i = (0,) * (x.ndim - 1) + i\n        old = x[i]")),
        B("restores-x", "each entry is put back to its original value before the next one is "
                        "probed, so ``x`` is unchanged when the function returns",
          "        x[i] = old\n        grad[i] = (f_plus - f_minus) / (2 * h)",
          "        grad[i] = (f_plus - f_minus) / (2 * h)\n        x[i] = old if i != tuple(np.array(x.shape) - 1) else old - h"),
        B("in-place", "The array ``x`` is changed in place while probing",
          _NG_LOOP, "    x = x.copy()\n" + _NG_LOOP),
        B("step", "Step size of the centred difference.",
          _NG_LOOP, "    h = 1e-5\n" + _NG_LOOP),
        B("default-h", "h : float, default 1e-5 Step size",
          "def numeric_gradient(f, x, h=1e-5):", "def numeric_gradient(f, x, h=1e-6):"),
        B("dtype", "grad : ndarray of shape (d1, ..., dk), same dtype as ``x``",
          _NG_LOOP, _NG_LOOP.replace("np.zeros_like(x)", "np.zeros(x.shape)")),
    ),
    "gradcheck.numeric_gradient_array": C(
        "numeric_gradient_array",
        B("centred", "grad[i] = sum((f(x + h e_i) - f(x - h e_i)) * dout) / (2 * h).",
          "        x[i] = old - h\n        out_minus = np.array(f(x), copy=True)\n        x[i] = old\n"
          "        grad[i] = np.sum((out_plus - out_minus) * dout) / (2 * h)",
          "        x[i] = old\n        out_minus = np.array(f(x), copy=True)\n"
          "        grad[i] = np.sum((out_plus - out_minus) * dout) / h"),
        B("dout", "Centred-difference gradient of ``sum(f(x) * dout)`` with respect to ``x``.",
          "np.sum((out_plus - out_minus) * dout)", "np.sum(out_plus - out_minus) * np.mean(dout)"),
        B("any-shape", "x : ndarray of shape (d1, ..., dk), floating point",
          _NGA_LOOP, _NGA_LOOP.replace("np.ndindex(x.shape)", "np.ndindex(x.shape[-1:])")
          .replace("old = x[i]", "i = (0,) * (x.ndim - 1) + i\n        old = x[i]")),
        B("view", "``f`` may return a view of ``x`` (a reshape, a slice): copy its output before "
                  "changing ``x`` again.",
          "out_plus = np.array(f(x), copy=True)", "out_plus = f(x)"),
        B("restores-x", "restored entry by entry, so it is unchanged when the function returns",
          "        x[i] = old\n        grad[i] = np.sum((out_plus - out_minus) * dout) / (2 * h)",
          "        grad[i] = np.sum((out_plus - out_minus) * dout) / (2 * h)\n"
          "        x[i] = old if i != tuple(np.array(x.shape) - 1) else old - h"),
        B("in-place", "``x`` is changed in place while probing",
          _NGA_LOOP, "    x = x.copy()\n" + _NGA_LOOP),
        B("step", "Step size of the centred difference.",
          _NGA_LOOP, "    h = 1e-5\n" + _NGA_LOOP),
        B("default-h", "h : float, default 1e-5 Step size",
          "def numeric_gradient_array(f, x, dout, h=1e-5):",
          "def numeric_gradient_array(f, x, dout, h=1e-6):"),
        B("dtype", "grad : ndarray of shape (d1, ..., dk), same dtype as ``x``",
          _NGA_LOOP, _NGA_LOOP.replace("np.zeros_like(x)", "np.zeros(x.shape)")),
    ),
}

# ------------------------------------------------------------------ 00: layers
LAYERS = {
    "layers.affine_forward": C(
        "affine_forward",
        B("flatten", "it is flattened (row-major, ``reshape``) to a vector of length "
                     "``D = d1 * ... * dk`` before the product",
          "out = x.reshape(x.shape[0], -1) @ w + b", "out = x.reshape(x.shape[0], -1, order='F') @ w + b"),
        B("formula", "then ``out = x_flat @ w + b``",
          "out = x.reshape(x.shape[0], -1) @ w + b", "out = x.reshape(x.shape[0], -1) @ w + b.mean()"),
        B("cache", "The inputs, unchanged (``x`` in its original shape).",
          "cache = (x, w, b)", "cache = (x.reshape(x.shape[0], -1), w, b)"),
        B("dtype", "every output array has the dtype of the inputs: float32 in, float32 out.",
          "out = x.reshape(x.shape[0], -1) @ w + b", "out = x.reshape(x.shape[0], -1) @ w + b.astype(np.float64)"),
    ),
    "layers.affine_backward": C(
        "affine_backward",
        B("gradients", "gradients in the order of the forward's array arguments",
          "db = dout.sum(axis=0)", "db = dout.mean(axis=0)"),
        B("dx-shape", "Gradient with respect to ``x``, in ``x``'s original shape.",
          "dx = (dout @ w.T).reshape(x.shape)", "dx = dout @ w.T"),
        B("dtype", "every output array has the dtype of the inputs: float32 in, float32 out.",
          "db = dout.sum(axis=0)", "db = dout.sum(axis=0, dtype=np.float64)"),
    ),
}

# ------------------------------------------------------------------ 00: losses
LOSSES = {
    "losses.softmax_loss": C(
        "softmax_loss",
        B("loss", "the loss is ``mean_n(-log p[n, y[n]])``",
          "loss = -log_probs[np.arange(n), y].mean()", "loss = -log_probs[np.arange(n), y].sum() / (n + 1)"),
        B("float", "``loss`` is the MEAN over the batch, returned as a Python ``float``",
          "dscores[np.arange(n), y] -= 1\n    dscores /= n\n    return float(loss), dscores",
          "dscores[np.arange(n), y] -= 1\n    dscores /= n\n    return loss, dscores"),
        B("gradient", "Gradient of ``loss`` with respect to ``scores``.",
          "    dscores[np.arange(n), y] -= 1\n    dscores /= n\n", "    dscores[np.arange(n), y] -= 1\n"),
        B("stable", "scores as large as 1e4 (either sign) give a finite loss and gradient and no warning",
          "shifted = scores - scores.max(axis=1, keepdims=True)", "shifted = scores"),
        B("dtype", "dscores : ndarray of shape (N, C), same dtype as ``scores``",
          "dscores = np.exp(log_probs)", "dscores = np.exp(log_probs).astype(np.float64)"),
    ),
    "losses.svm_loss": C(
        "svm_loss",
        B("loss", "the loss is the sum over ``j`` averaged over ``n``",
          "loss = margins.sum() / n", "loss = margins.sum() / (n + 1)"),
        B("margin", "How far the correct score must lead every other score to cost nothing.",
          "scores[rows, y][:, None] + margin)", "scores[rows, y][:, None] + 1.0)"),
        B("default-margin", "margin : float, default 1.0",
          "def svm_loss(scores, y, margin=1.0):", "def svm_loss(scores, y, margin=0.5):"),
        B("gradient", "Gradient of ``loss`` with respect to ``scores``.",
          "    dscores[rows, y] -= dscores.sum(axis=1)\n", ""),
        B("kink", "A term at exactly 0 (on the hinge's kink) counts as inactive: it contributes no "
                  "gradient.",
          "dscores = (margins > 0).astype(scores.dtype)",
          "dscores = (scores - scores[rows, y][:, None] + margin >= 0).astype(scores.dtype)\n"
          "    dscores[rows, y] = 0"),
        B("float", "loss : float",
          "    dscores[rows, y] -= dscores.sum(axis=1)\n    dscores /= n\n    return float(loss), dscores",
          "    dscores[rows, y] -= dscores.sum(axis=1)\n    dscores /= n\n    return loss, dscores"),
        B("dtype", "dscores : ndarray of shape (N, C), same dtype as ``scores``",
          "dscores = (margins > 0).astype(scores.dtype)", "dscores = (margins > 0).astype(np.float64)"),
    ),
}

# ------------------------------------------------------------------ 01: activations
_ANY = "The elementwise activations accept ``x`` of ANY shape (a 0-d array, an empty one)"
_DTYPE = "``out``/``dx`` have the shape and dtype of ``x`` (float32 stays float32)"
_STABLE = ("Every forward and backward pass is finite and warns about nothing for inputs as large "
           "as ``±1000``.")


def _forward(line, formula, stable, cache, tail="", extra=()):
    """The behaviours every elementwise forward states; ``line`` computes ``out``."""
    old = line + tail
    return (
        B("formula", formula[0], *formula[1]),
        B("cache", cache[0], *cache[1]),
        B("dtype", _DTYPE, old, line + "\n    out = out.astype(np.float64)" + tail),
        B("stable", _STABLE, *stable),
        B("any-shape", _ANY, old, line + "\n    out = np.atleast_1d(out)" + tail),
    ) + tuple(extra)


def _backward(name, line, gradient, stable, tail="", extra=()):
    """The behaviours every elementwise backward states; ``line`` computes ``dx``."""
    old = line + tail
    return (
        B("gradient", f"Backward pass of :func:`{name}_forward`", *gradient),
        B("dtype", _DTYPE, old, line + "\n    dx = dx.astype(np.float64)" + tail),
        B("stable", _STABLE, *stable),
        B("any-shape", _ANY, old, line + "\n    dx = np.atleast_1d(dx)" + tail),
    ) + tuple(extra)


_SIG = "out = np.where(x >= 0, 1 / (1 + z), z / (1 + z))"
_LEAKY = '"""\n    out = np.where(x > 0, x, alpha * x)'
_LEAKY_DX = "    dx = np.where(x > 0, dout, alpha * dout)"
_ELU = "out = np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))"
_SELU = "out = SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(np.minimum(x, 0)))"
_SELU_DX = "dx = SELU_SCALE * dout * np.where(x > 0, 1, SELU_ALPHA * np.exp(np.minimum(x, 0)))"
_GELU = "out = 0.5 * x * (1 + erf(x / math.sqrt(2)))"
_PRELU = "    alpha = np.asarray(alpha, dtype=x.dtype)\n    out = np.where(x > 0, x, alpha * x)\n    cache = (x, alpha)"
_PRELU_DX = "    dx = np.where(x > 0, dout, alpha * dout)\n    leading_axes"
_WARN = " + 0 * np.exp(x)"   # a wrong implementation that overflows (with a warning) for large x

ACTIVATIONS = {
    "activations.sigmoid_forward": C("saturating_activations.sigmoid_forward", *_forward(
        _SIG,
        ("Logistic sigmoid ``1 / (1 + exp(-x))``", (_SIG, "out = np.where(x >= 0, 1 / (1 + z), 1 / (1 + z))")),
        ("    z = np.exp(-np.abs(x))\n    " + _SIG, "    out = 1 / (1 + np.exp(-x))"),
        ("cache : ndarray ``out`` itself.", ("z / (1 + z))\n    cache = out", "z / (1 + z))\n    cache = x")))),
    "activations.sigmoid_backward": C("saturating_activations.sigmoid_backward", *_backward(
        "sigmoid", "dx = dout * out * (1 - out)",
        ("dx = dout * out * (1 - out)", "dx = dout * (1 - out)"),
        ("dx = dout * out * (1 - out)", "dx = dout * np.exp(np.log(out) + np.log1p(-out))"))),
    "activations.tanh_forward": C("saturating_activations.tanh_forward", *_forward(
        "out = np.tanh(x)",
        ("Hyperbolic tangent ``tanh(x)``", ("out = np.tanh(x)", "out = np.tanh(x / 2)")),
        ("out = np.tanh(x)", "out = (np.exp(2 * x) - 1) / (np.exp(2 * x) + 1)"),
        ("cache : ndarray ``out`` itself.", ("out = np.tanh(x)\n    cache = out", "out = np.tanh(x)\n    cache = x")))),
    "activations.tanh_backward": C("saturating_activations.tanh_backward", *_backward(
        "tanh", "dx = dout * (1 - cache ** 2)",
        ("dx = dout * (1 - cache ** 2)", "dx = dout * (1 - cache)"),
        ("dx = dout * (1 - cache ** 2)", "dx = dout / np.cosh(np.arctanh(cache)) ** 2"))),
    "activations.relu_forward": C("relu_activations.relu_forward", *_forward(
        "out = np.maximum(x, 0)",
        ("Rectified linear unit ``max(x, 0)``.", ("out = np.maximum(x, 0)", "out = np.maximum(x, 0.01 * x)")),
        ("out = np.maximum(x, 0)", "out = np.maximum(x, 0)" + _WARN),
        ("cache : ndarray The input ``x``.",
         ("out = np.maximum(x, 0)\n    cache = x", "out = np.maximum(x, 0)\n    cache = out")))),
    "activations.relu_backward": C("relu_activations.relu_backward", *_backward(
        "relu", "dx = dout * (x > 0)",
        ("dx = dout * (x > 0)", "dx = dout.copy()"),
        ("dx = dout * (x > 0)", "dx = dout * (x > 0)" + _WARN),
        extra=[B("kink", "At the kink, ``x == 0`` exactly, ``dx`` is 0",
                 "dx = dout * (x > 0)", "dx = dout * (x >= 0)")])),
    "activations.leaky_relu_forward": C("relu_activations.leaky_relu_forward", *_forward(
        _LEAKY,
        ("Leaky ReLU: ``x`` where ``x > 0``, ``alpha * x`` elsewhere.",
         (_LEAKY, '"""\n    out = np.where(x > 0, x, alpha)')),
        (_LEAKY, _LEAKY + _WARN),
        ("cache : tuple ``(x, alpha)``",
         (_LEAKY + "\n    cache = (x, alpha)", _LEAKY + "\n    cache = (x, out)")),
        extra=[B("default-alpha", "alpha : float, default 0.01",
                 "def leaky_relu_forward(x, alpha=0.01):", "def leaky_relu_forward(x, alpha=0.1):")])),
    "activations.leaky_relu_backward": C("relu_activations.leaky_relu_backward", *_backward(
        "leaky_relu", _LEAKY_DX,
        (_LEAKY_DX + "\n    return dx", "    dx = np.where(x > 0, dout, alpha)\n    return dx"),
        (_LEAKY_DX + "\n    return dx", _LEAKY_DX + _WARN + "\n    return dx"),
        tail="\n    return dx",
        extra=[B("kink", "At the kink, ``x == 0`` exactly, the slope of the negative side is used",
                 _LEAKY_DX + "\n    return dx", "    dx = np.where(x >= 0, dout, alpha * dout)\n    return dx")])),
    "activations.prelu_forward": C(
        "prelu.prelu_forward",
        B("formula", "``out = x`` where ``x > 0``, ``alpha * x`` elsewhere.",
          _PRELU, _PRELU.replace("np.where(x > 0, x, alpha * x)", "np.where(x > 0, x, alpha + 0 * x)")),
        B("per-feature", "one slope per feature (shape ``(D,)``), broadcast along the LAST axis of ``x``",
          _PRELU, _PRELU.replace("alpha * x)", "alpha.mean() * x)")),
        B("any-shape", "x : ndarray of shape (N, ..., D)",
          _PRELU, _PRELU.replace("alpha * x)", "alpha * x.reshape(len(x), -1)).reshape(x.shape)")),
        B("cache", "cache : tuple ``(x, alpha)``",
          _PRELU, _PRELU.replace("cache = (x, alpha)", "cache = (x, alpha, out)")),
        B("alpha-dtype", "Converted to ``x``'s dtype before use.",
          "    alpha = np.asarray(alpha, dtype=x.dtype)\n", "    alpha = np.asarray(alpha)\n"
          "    x_dtype = x.dtype\n", ("    cache = (x, alpha)\n    return out, cache\n\n\ndef prelu_backward",
                                    "    out = out.astype(x_dtype)\n    cache = (x, alpha)\n    return out, cache\n\n\ndef prelu_backward")),
        B("dtype", "out : ndarray, shape and dtype of ``x``",
          _PRELU, _PRELU.replace("cache = (x, alpha)", "out = out.astype(np.float64)\n    cache = (x, alpha)")),
    ),
    "activations.prelu_backward": C(
        "prelu.prelu_backward",
        B("gradient", "Backward pass of :func:`prelu_forward`.",
          "np.sum(dout * np.minimum(x, 0), axis=leading_axes)", "np.sum(dout * x, axis=leading_axes)"),
        B("dalpha-shape", "of ``alpha``'s shape, ``()`` or ``(D,)``",
          "axis=leading_axes)", "axis=0)"),
        B("kink", "At the kink, ``x == 0`` exactly, ``dx`` uses the slope of the negative side",
          _PRELU_DX, "    dx = np.where(x >= 0, dout, alpha * dout)\n    leading_axes"),
        B("dtype", "dx : ndarray, shape and dtype of ``x``",
          _PRELU_DX, _PRELU_DX.replace("alpha * dout)", "alpha * dout).astype(np.float64)")),
    ),
    "activations.elu_forward": C("elu_selu.elu_forward", *_forward(
        _ELU,
        ("Exponential linear unit: ``x`` where ``x > 0``, ``alpha * (exp(x) - 1)`` elsewhere.",
         (_ELU, "out = np.where(x > 0, x, np.expm1(np.minimum(x, 0)))")),
        (_ELU, "out = np.where(x > 0, x, alpha * np.expm1(x))"),
        ("cache : tuple ``(x, out, alpha)``", ("cache = (x, out, alpha)", "cache = (x, alpha)")),
        extra=[B("default-alpha", "alpha : float, default 1.0",
                 "def elu_forward(x, alpha=1.0):", "def elu_forward(x, alpha=0.5):")])),
    "activations.elu_backward": C("elu_selu.elu_backward", *_backward(
        "elu", "dx = np.where(x > 0, dout, dout * (out + alpha))",
        ("dx = np.where(x > 0, dout, dout * (out + alpha))", "dx = np.where(x > 0, dout, dout * out)"),
        ("dx = np.where(x > 0, dout, dout * (out + alpha))", "dx = np.where(x > 0, dout, dout * alpha * np.exp(x))"))),
    "activations.selu_forward": C("elu_selu.selu_forward", *_forward(
        _SELU,
        ("Scaled ELU: ``SELU_SCALE * elu(x, alpha=SELU_ALPHA)``.",
         (_SELU, "out = np.where(x > 0, x, SELU_SCALE * SELU_ALPHA * np.expm1(np.minimum(x, 0)))")),
        (_SELU, "out = SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x))"),
        ("cache : ndarray The input ``x``.", (_SELU + "\n    cache = x", _SELU + "\n    cache = out")))),
    "activations.selu_backward": C("elu_selu.selu_backward", *_backward(
        "selu", _SELU_DX,
        (_SELU_DX, _SELU_DX.replace("dx = SELU_SCALE * dout *", "dx = dout *")),
        ("np.exp(np.minimum(x, 0))", "np.exp(x)"))),
    "activations.softplus_forward": C("softplus_gelu.softplus_forward", *_forward(
        "out = np.logaddexp(0, x)",
        ("Softplus ``log(1 + exp(x))``", ("out = np.logaddexp(0, x)", "out = np.logaddexp(0, -x)")),
        ("out = np.logaddexp(0, x)", "out = np.log1p(np.exp(x))"),
        ("cache : tuple ``(x, out)``", ("cache = (x, out)\n", "cache = (out, x)\n")))),
    "activations.softplus_backward": C("softplus_gelu.softplus_backward", *_backward(
        "softplus", "dx = dout * np.exp(x - out)",
        ("dx = dout * np.exp(x - out)", "dx = dout * np.exp(-out)"),
        ("dx = dout * np.exp(x - out)", "dx = dout / (1 + np.exp(-x))"))),
    "activations.arctan_forward": C("saturating_activations.arctan_forward", *_forward(
        "out = np.arctan(x)",
        ("Inverse tangent ``arctan(x)``", ("out = np.arctan(x)", "out = np.arctan(x) / (np.pi / 2)")),
        ("out = np.arctan(x)", "out = np.arctan(x)" + _WARN),
        ("cache : ndarray The input ``x``.",
         ("out = np.arctan(x)\n    cache = x", "out = np.arctan(x)\n    cache = out")))),
    "activations.arctan_backward": C("saturating_activations.arctan_backward", *_backward(
        "arctan", "dx = dout / (1 + x ** 2)",
        ("dx = dout / (1 + x ** 2)", "dx = dout / (1 + x ** 2) ** 2"),
        ("dx = dout / (1 + x ** 2)", "dx = dout / (1 + x ** 2)" + _WARN))),
    "activations.gelu_forward": C("softplus_gelu.gelu_forward", *_forward(
        _GELU,
        ("Gaussian error linear unit, EXACT form: ``x * Phi(x)``.",
         (_GELU, "out = 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))")),
        (_GELU, _GELU + _WARN),
        ("cache : ndarray The input ``x``.", (_GELU + "\n    cache = x", _GELU + "\n    cache = out")))),
    "activations.gelu_backward": C("softplus_gelu.gelu_backward", *_backward(
        "gelu", "dx = dout * (cdf + x * pdf)",
        ("dx = dout * (cdf + x * pdf)", "dx = dout * cdf"),
        ("pdf = np.exp(-0.5 * x ** 2) / math.sqrt(2 * math.pi)",
         "pdf = 1 / (np.exp(0.5 * x ** 2) * math.sqrt(2 * math.pi))"))),
    "activations.binary_step_forward": C(
        "relu_activations.binary_step_forward",
        B("formula", "Binary step (the perceptron's threshold): 1 where ``x >= 0``, else 0.",
          "out = (x >= 0).astype(x.dtype)", "out = np.where(x >= 0, 1, -1).astype(x.dtype)"),
        B("step-at-zero", "Convention at 0: ``step(0) = 1``.",
          "out = (x >= 0).astype(x.dtype)", "out = (x > 0).astype(x.dtype)"),
        B("cache", "The input ``x`` (kept for the layer contract).",
          "out = (x >= 0).astype(x.dtype)\n    cache = x", "out = (x >= 0).astype(x.dtype)\n    cache = out"),
        B("dtype", _DTYPE, "out = (x >= 0).astype(x.dtype)", "out = (x >= 0).astype(np.float64)"),
        B("stable", _STABLE, "out = (x >= 0).astype(x.dtype)", "out = (x + 0 * np.exp(x) >= 0).astype(x.dtype)"),
        B("any-shape", _ANY, "out = (x >= 0).astype(x.dtype)", "out = np.atleast_1d(x >= 0).astype(x.dtype)"),
    ),
    "activations.maxout_forward": C(
        "maxout.maxout_forward",
        B("formula", "``out[n, m] = max_j (x @ w[j] + b[j])[n, m]``",
          "out = z.max(axis=0)", "out = np.abs(z).max(axis=0)"),
        B("winner", "the index ``j`` of the piece that attains the maximum (the first one in a tie, "
                    "as ``np.argmax``)",
          "winner = z.argmax(axis=0)", "winner = len(z) - 1 - z[::-1].argmax(axis=0)"),
        B("cache", "cache : tuple ``(x, w, b, winner)``",
          "cache = (x, w, b, winner)", "cache = (x, w, winner)"),
        B("dtype", "out : ndarray of shape (N, M), dtype of ``x``",
          "out = z.max(axis=0)", "out = z.max(axis=0).astype(np.float64)"),
    ),
    "activations.maxout_backward": C(
        "maxout.maxout_backward",
        B("gradient", "Backward pass of :func:`maxout_forward`.",
          "db = dz.sum(axis=1)", "db = dz.mean(axis=1)"),
        B("tie", "the other tied pieces get no gradient from it",
          "dz = np.where(pieces == winner, dout, 0)",
          "z = x @ w + b[:, None, :]\n    dz = np.where(z == z.max(axis=0), dout, 0)"),
        B("dtype", "All three in the dtype of ``x``.",
          "dw = x.T @ dz", "dw = (x.T @ dz).astype(np.float64)"),
    ),
}

# ------------------------------------------------------------------ 02: init
_SHAPE = "W : ndarray of shape (fan_in, fan_out) and dtype ``dtype``"
_DTYPE_ARG = "dtype : numpy dtype, default np.float64"
_SEEDED = ("Draw every random number from it, never from ``np.random.*``: then the same seed gives "
           "the same weights.")


def _scheme(line, spread, extra=()):
    """What every random initialiser states; ``line`` draws ``W``."""
    rand = "rng.uniform" if "uniform" in line else "rng.standard_normal"
    return (spread,) + tuple(extra) + (
        B("shape", _SHAPE, line, line.replace("(fan_in, fan_out))", "(fan_out, fan_in))")),
        B("dtype", _DTYPE_ARG, line, line + "\n    dtype = np.float64"),
        B("seeded", _SEEDED, line, line.replace(rand, rand.replace("rng.", "np.random."))),
    )


_NORMAL = '"""\n    W = std * rng.standard_normal((fan_in, fan_out))'
_XN = "std = np.sqrt(2.0 / (fan_in + fan_out))\n    W = std * rng.standard_normal((fan_in, fan_out))"
_XU = "limit = np.sqrt(6.0 / (fan_in + fan_out))\n    W = rng.uniform(-limit, limit, size=(fan_in, fan_out))"
_HN = "std = np.sqrt(2.0 / fan_in)\n    W = std * rng.standard_normal((fan_in, fan_out))"
_HU = "limit = np.sqrt(6.0 / fan_in)\n    W = rng.uniform(-limit, limit, size=(fan_in, fan_out))"
_LN = "std = np.sqrt(1.0 / fan_in)\n    W = std * rng.standard_normal((fan_in, fan_out))"

INIT = {
    "init.zeros": C(
        "zeros_normal.zeros",
        B("zero", "every entry 0.", "W = np.zeros((fan_in, fan_out))", "W = np.full((fan_in, fan_out), 1e-3)"),
        B("shape", _SHAPE, "W = np.zeros((fan_in, fan_out))", "W = np.zeros((fan_out, fan_in))"),
        B("no-rng", "Unused; accepted so that every initialiser has the same signature.",
          "def zeros(fan_in, fan_out, rng=None, dtype=np.float64):",
          "def zeros(fan_in, fan_out, rng, dtype=np.float64):"),
        B("dtype", _DTYPE_ARG, "W = np.zeros((fan_in, fan_out))", "W = np.zeros((fan_in, fan_out))\n    dtype = np.float64"),
    ),
    "init.normal": C("zeros_normal.normal", *_scheme(
        _NORMAL,
        B("distribution", "Each weight is drawn independently from N(0, std**2)",
          _NORMAL, _NORMAL.replace("rng.standard_normal((fan_in, fan_out))",
                                   "np.sqrt(3.0) * rng.uniform(-1.0, 1.0, size=(fan_in, fan_out))")),
        extra=[B("std", "Standard deviation of every weight (variance ``std**2``).",
                 _NORMAL, _NORMAL.replace("W = std *", "W = 0.01 *")),
               B("default-std", "std : float, default 0.01",
                 "def normal(fan_in, fan_out, rng, std=0.01,", "def normal(fan_in, fan_out, rng, std=0.012,")])),
    "init.xavier_normal": C("xavier.xavier_normal", *_scheme(
        _XN, B("variance", "Each weight is drawn independently from N(0, sigma**2) with "
                           "``sigma**2 = 2 / (fan_in + fan_out)``",
               _XN, _XN.replace("2.0 / (fan_in + fan_out)", "2.0 / fan_in")))),
    "init.xavier_uniform": C("xavier.xavier_uniform", *_scheme(
        _XU, B("distribution", "Each weight is drawn independently from the uniform distribution on "
                               "``[-r, r]`` with ``r = sqrt(6 / (fan_in + fan_out))``",
               _XU, _XU.replace("6.0 /", "2.0 /")),
        extra=[B("bounds", "``|W| <= r``", _XU, _XU.replace("limit, limit,", "limit, 1.001 * limit,"))])),
    "init.he_normal": C("he_lecun.he_normal", *_scheme(
        _HN, B("variance", "Each weight is drawn independently from N(0, sigma**2) with "
                           "``sigma**2 = 2 / fan_in``",
               _HN, _HN.replace("2.0 / fan_in", "1.0 / fan_in")))),
    "init.he_uniform": C("he_lecun.he_uniform", *_scheme(
        _HU, B("distribution", "Each weight is drawn independently from the uniform distribution on "
                               "``[-r, r]`` with ``r = sqrt(6 / fan_in)``",
               _HU, _HU.replace("6.0 /", "2.0 /")),
        extra=[B("bounds", "``|W| <= r``", _HU, _HU.replace("limit, limit,", "limit, 1.001 * limit,"))])),
    "init.lecun_normal": C("he_lecun.lecun_normal", *_scheme(
        _LN, B("variance", "Each weight is drawn independently from N(0, sigma**2) with "
                           "``sigma**2 = 1 / fan_in``",
               _LN, _LN.replace("1.0 / fan_in", "2.0 / (fan_in + fan_out)")))),
}

# ------------------------------------------------------------------ 03: normalization
_NDTYPE = ("Every array these functions return (``out``, the gradients, the running averages) has the "
           "dtype of ``x``: float32 in, float32 out.")
_BN_VAR = "        var = (x_centered ** 2).mean(axis=0)\n        inv_std = 1.0 / np.sqrt(var + eps)"
_BN_OUT = "        x_hat = x_centered * inv_std\n        out = gamma * x_hat + beta"
_LN_OUT = "    x_hat = x_centered * inv_std\n    out = gamma * x_hat + beta"
_BN_DG = "    dgamma = (dout * x_hat).sum(axis=0)\n    dx_hat = dout * gamma"
_ALT_DG = "    dgamma = (dout * x_hat).sum(axis=0)\n    dx = (gamma * inv_std / N)"
_LN_DG = "    dgamma = (dout * x_hat).sum(axis=0)\n    g = dout * gamma"


def _backward_norm(name, gradient, dgamma_line, dx_old, dx_new):
    return (
        B("gradient", gradient[0], *gradient[1]),
        B("shapes", "dgamma : ndarray of shape (D,)", dgamma_line,
          dgamma_line.replace(".sum(axis=0)", ".sum(axis=0, keepdims=True)")),
        B("dtype", _NDTYPE, dx_old, dx_new),
    )


NORMALIZATION = {
    "normalization.batchnorm_forward": C(
        "batchnorm_forward",
        B("train", "Train mode normalises every feature with the mean and the (biased) variance of the "
                   "current batch",
          "var = (x_centered ** 2).mean(axis=0)", "var = (x_centered ** 2).sum(axis=0) / (len(x) - 1 or 1)"),
        B("cache", "``x_hat`` and ``x_centered`` of shape (N, D), ``inv_std = 1 / sqrt(var + eps)`` of shape (D,)",
          "        cache = (x_hat, gamma, x_centered, inv_std)",
          "        cache = (x_hat, gamma, x_centered, np.sqrt(var + eps))"),
        B("running", "running_mean = momentum * running_mean + (1 - momentum) * mu",
          'bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mu',
          'bn_param["running_mean"] = (1 - momentum) * running_mean + momentum * mu'),
        B("stored", "Train mode stores the updated arrays back under the same keys.",
          'bn_param["running_var"] = momentum * running_var',
          'running_var = momentum * running_var'),
        B("created", "When absent they are created here as zeros and ones in ``x``'s dtype.",
          'bn_param.setdefault("running_var", np.ones(D, dtype=x.dtype))',
          'bn_param.setdefault("running_var", np.zeros(D, dtype=x.dtype))'),
        B("default-momentum", "``'momentum'``: float, default 0.9",
          'momentum = bn_param.get("momentum", 0.9)', 'momentum = bn_param.get("momentum", 0.99)'),
        B("eps", "``'eps'``: float, default 1e-5, added to the variance",
          _BN_VAR, _BN_VAR.replace("np.sqrt(var + eps)", "np.sqrt(var + 1e-5)")),
        B("default-mode", "``'mode'``: ``'train'`` (default) or ``'test'``",
          'mode = bn_param.get("mode", "train")', 'mode = bn_param.get("mode", "test")'),
        B("test-mode", "Test mode uses the running averages instead of the batch statistics",
          "x_hat = (x - running_mean) / np.sqrt(running_var + eps)",
          "x_hat = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps)"),
        B("test-unchanged", "and leaves them unchanged.",
          "        cache = None",
          '        cache = None\n        bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * x.mean(axis=0)'),
        B("test-cache", "None in test mode", "        cache = None", "        cache = (x_hat, gamma, None, None)"),
        B("bad-mode", "If ``bn_param['mode']`` is neither ``'train'`` nor ``'test'``.",
          'if mode not in ("train", "test"):', 'if mode not in ("train", "test", "eval"):'),
        B("dtype", _NDTYPE, 'np.zeros(D, dtype=x.dtype)', 'np.zeros(D)'),
    ),
    "normalization.batchnorm_backward": C("batchnorm_backward", *_backward_norm(
        "batchnorm_backward",
        ("Backward pass of batch normalization (train mode), node by node.",
         ("dx = dx_centered + dmu / N", "dx = dx_centered")),
        _BN_DG, "dx = dx_centered + dmu / N", "dx = (dx_centered + dmu / N).astype(np.float64)")),
    "normalization.batchnorm_backward_alt": C("batchnorm_backward_alt", *_backward_norm(
        "batchnorm_backward_alt",
        ("Backward pass of batch normalization (train mode) in closed form.",
         ("(N * dout - dbeta - x_hat * dgamma)", "(N * dout - dbeta)")),
        _ALT_DG, "dx = (gamma * inv_std / N) * (N * dout - dbeta - x_hat * dgamma)",
        "dx = (gamma * inv_std / N) * (N * dout - dbeta - x_hat * dgamma)\n    dx = dx.astype(np.float64)")),
    "normalization.layernorm_forward": C(
        "layernorm_forward",
        B("formula", "Every sample is normalised with the mean and the (biased) variance of its own features",
          "var = (x_centered ** 2).mean(axis=1, keepdims=True)",
          "var = x.var(axis=1, ddof=1, keepdims=True)"),
        B("eps", "``'eps'``: float, default 1e-5.",
          'eps = (ln_param or {}).get("eps", 1e-5)', "eps = 1e-5"),
        B("no-mode", "training and test behave the same, and ``ln_param['mode']`` is ignored if present.",
          "mu = x.mean(axis=1, keepdims=True)",
          "mu = x.mean(axis=1, keepdims=True) if (ln_param or {}).get('mode') != 'test' else x.mean(axis=0)"),
        B("cache", "``inv_std = 1 / sqrt(var + eps)`` has shape (N, 1).",
          _LN_OUT + "\n    cache = (x_hat, gamma, x_centered, inv_std)",
          _LN_OUT + "\n    cache = (x_hat, gamma, x_centered, inv_std.ravel())"),
        B("dtype", _NDTYPE, _LN_OUT, _LN_OUT + ".astype(np.float64)"),
    ),
    "normalization.layernorm_backward": C("layernorm_backward", *_backward_norm(
        "layernorm_backward",
        ("Backward pass of layer normalization.",
         ("\n                          - x_hat * (g * x_hat).sum(axis=1, keepdims=True))", ")")),
        _LN_DG, "- x_hat * (g * x_hat).sum(axis=1, keepdims=True))",
        "- x_hat * (g * x_hat).sum(axis=1, keepdims=True))\n    dx = dx.astype(np.float64)")),
}

# ------------------------------------------------------------------ 03: preprocessing
_EIGH = "variances, components = np.linalg.eigh(centred.T @ centred / X.shape[0])"
_SIGNS = "components = components * np.sign(components[largest, np.arange(len(largest))])"
_WHITE = "W = (X - mean) @ components / np.sqrt(variances + eps)"

PREPROCESSING = {
    "preprocessing.fit_pca": C(
        "fit_pca",
        B("mean", "The mean of the rows.", "mean = X.mean(axis=0)", "mean = np.median(X, axis=0)"),
        B("eigen", "Its eigenvectors are the principal directions and its eigenvalues the variances "
                   "along them",
          _EIGH, _EIGH.replace("/ X.shape[0])", "/ X.shape[0] + 0.1 * np.eye(X.shape[1]))")),
        B("biased", "the biased estimate ``C = Xc.T @ Xc / N`` (divided by N",
          _EIGH, _EIGH.replace("/ X.shape[0])", "/ (X.shape[0] - 1))")),
        B("unit-columns", "Column ``k`` is the ``k``-th principal direction (a unit vector)",
          _SIGNS, _SIGNS.replace("components = components *", "components = 2 * components *")),
        B("decreasing", "the columns sorted by decreasing variance",
          "order = np.argsort(variances)[::-1]", "order = np.argsort(variances)"),
        B("signs", "each with the sign that makes its entry of largest absolute value positive",
          _SIGNS, "components = components * 1.0"),
        B("no-modify", "Training data, one example per row; not modified.",
          "centred = X - mean", "X -= mean\n    centred = X"),
        B("clip", "a negative eigenvalue that is only round-off is returned as 0",
          "np.maximum(variances[order], 0)", "variances[order]"),
        B("dtype", "Output arrays have the dtype of ``X`` (float32 stays float32).",
          "centred = X - mean", "centred = X.astype(np.float64) - mean"),
        B("errors", "If ``X`` is not a float array of shape (N, D) with N >= 2.",
          "if X.ndim != 2 or X.shape[0] < 2 or not np.issubdtype(X.dtype, np.floating):",
          "if X.ndim > 2:"),
    ),
    "preprocessing.pca_transform": C(
        "pca_transform",
        B("rule", "Z = (X - mean) @ components[:, :k] # k = num_components",
          "Z = (X - mean) @ components[:, :k]\n    return", "Z = (X - mean) @ components[:k].T\n    return"),
        B("default-k", "all ``D`` when None.",
          "k = D if num_components is None else int(num_components)",
          "k = 1 if num_components is None else int(num_components)"),
        B("no-modify", "Any set to transform (training, validation, test); not modified.",
          "Z = (X - mean) @ components[:, :k]\n    return", "X -= mean\n    Z = X @ components[:, :k]\n    return"),
        B("errors", "If ``num_components`` is not between 1 and D.",
          "if not 1 <= k <= D:", "if not 0 <= k <= D + 1:"),
        B("dtype", "Z : ndarray of shape (N, k), dtype of ``X``",
          "    return Z.astype(X.dtype, copy=False)", "    return Z"),
    ),
    "preprocessing.whiten": C(
        "whiten",
        B("pca", "W = (X - mean) @ components / sqrt(variances + eps)",
          _WHITE, _WHITE.replace("np.sqrt(variances + eps)", "(variances + eps)")),
        B("zca", "then rotates back to the original axes, ``W_zca = W @ components.T``",
          "W = W @ components.T", "W = W @ components"),
        B("eps-inside", "``eps`` is added to every variance *inside* the square root",
          _WHITE, _WHITE.replace("np.sqrt(variances + eps)", "(np.sqrt(variances) + eps)")),
        B("default-eps", "eps : float, default 1e-5",
          'def whiten(X, mean, components, variances, eps=1e-5, kind="pca"):',
          'def whiten(X, mean, components, variances, eps=1e-8, kind="pca"):'),
        B("default-kind", "kind : {'pca', 'zca'}, default 'pca'",
          'def whiten(X, mean, components, variances, eps=1e-5, kind="pca"):',
          'def whiten(X, mean, components, variances, eps=1e-5, kind="zca"):'),
        B("no-modify", "X : ndarray of shape (N, D); not modified.",
          _WHITE, "X -= mean\n    W = X @ components / np.sqrt(variances + eps)"),
        B("bad-kind", "If ``kind`` is neither ``'pca'`` nor ``'zca'``.",
          'if kind not in ("pca", "zca"):', "if kind is None:"),
        B("dtype", "W : ndarray of shape (N, D), dtype of ``X``",
          "    return W.astype(X.dtype, copy=False)", "    return W"),
    ),
}

# ------------------------------------------------------------------ 04: regularization
_NEW = ("Functions that take such a dict return a *new* dict with the same keys; they never modify "
        "the arrays they are given.")
_KEEP = "keep = rng.random(x.shape) >= rate"
_MASK = "mask = keep.astype(x.dtype) / x.dtype.type(1.0 - rate)"
_L1G = "grads = {name: reg * np.sign(w) for name, w in weights.items()}"
_L2G = "grads = {name: reg * w for name, w in weights.items()}"
_ENG = ("grads = {name: reg * (l1_ratio * np.sign(w) + (1 - l1_ratio) * w)\n"
        "             for name, w in weights.items()}")
_MAXN = "out = w * (max_norm_value / np.maximum(norms, max_norm_value))"
_CLIP = "clipped = {name: np.clip(g, -clip_value, clip_value) for name, g in grads.items()}"
_GCLIP = "clipped = {name: g * scale for name, g in grads.items()}"
_DC_KEEP = "kept = rng.random(w.shape) >= rate"
_DC_MASK = "mask = kept.astype(w.dtype) / w.dtype.type(1.0 - rate)"
_DC_OUT = "out = x @ (w * mask) + b\n    else:"
_DC_TEST = "        out = x @ w + b\n        mask = None"
_DC_DW = "dw = x.T @ dout if mask is None else (x.T @ dout) * mask"
_DC_DB = "db = dout.sum(axis=0)"
_ACT_DH = "dh = (reg / n) * np.sign(h)"
_KL_DH = "dh = np.zeros_like(h) + (reg / n) * ((1 - rho) / (1 - rho_hat) - rho / rho_hat)"


def _penalty(loss, grads, zero=None):
    """What every penalty states: ``loss`` and ``grads`` are ``(says, (old, new))``; ``grads[1][0]``
    is the whole statement that computes the gradients."""
    line = grads[1][0]
    ret = "\n    return float(loss), grads"
    behaviours = (
        B("loss", loss[0], *loss[1]),
        B("float", "loss : float", line + ret, line + ret.replace("float(loss)", "loss")),
        B("gradient", "the gradient of ``loss`` with respect to each array", *grads[1]),
        B("keys-dtypes", "Same keys, shapes and dtypes as ``weights``", line,
          line.replace("reg * ", "np.float64(reg) * ", 1)),
        B("no-modify", _NEW, line + ret,
          line + "\n    for w in weights.values():\n        w -= 1e-3 * np.sign(w)" + ret),
    )
    return behaviours + ((zero,) if zero else ())


REGULARIZATION = {
    "regularization.dropout_forward": C(
        "dropout_forward",
        B("inverted", "kept entries are divided by ``1 - rate``", _MASK, "mask = keep.astype(x.dtype)"),
        B("rate", "every entry of ``x`` is dropped (set to 0) independently with probability ``rate``",
          _KEEP, "keep = rng.random(x.shape) >= rate / 2"),
        B("mask-rule", "mask = (u >= rate) / (1 - rate)", _KEEP, "keep = rng.random(x.shape) < 1 - rate"),
        B("seed", "With a seed every call draws the same mask", _KEEP,
          "keep = np.random.default_rng().random(x.shape) >= rate"),
        B("shared-rng", "its stream continues from call to call",
          'return dropout_param["rng"]', 'return copy.deepcopy(dropout_param["rng"])'),
        B("rng-over-seed", "if given it is used instead of ``'seed'``",
          '    if dropout_param.get("rng") is not None:\n        return dropout_param["rng"]\n',
          '    if dropout_param.get("rng") is not None and dropout_param.get("seed") is None:\n'
          '        return dropout_param["rng"]\n'),
        B("cache", "cache : tuple ``(dropout_param, mask)``",
          "cache = (dropout_param, mask)", "cache = (dict(dropout_param), mask)"),
        B("any-shape", "x : ndarray of any shape, typically (N, D)",
          _KEEP, "keep = rng.random(x.shape[:2] + (1,) * (x.ndim - 2)) >= rate"),
        B("default-rate", "probability of dropping an entry, default 0.5",
          'rate = dropout_param.get("rate", 0.5)', 'rate = dropout_param.get("rate", 0.25)'),
        B("default-mode", "``'mode'``: ``'train'`` (default) or ``'test'``",
          '    mode = dropout_param.get("mode", "train")\n    if not 0.0',
          '    mode = dropout_param.get("mode", "test")\n    if not 0.0'),
        B("test-mode", "Test mode returns ``x`` unchanged (``mask`` is None)",
          "        mask = None\n        out = x", "        mask = np.ones_like(x)\n        out = x * (1 - rate)"),
        B("rate-zero", "so does train mode with ``rate = 0``", _KEEP, "keep = rng.random(x.shape) >= max(rate, 1e-3)"),
        B("bad-rate", "If ``rate`` is not in [0, 1)", "if not 0.0 <= rate < 1.0:", "if not 0.0 <= rate <= 1.0:"),
        B("bad-mode", "or ``mode`` is neither ``'train'`` nor ``'test'``.",
          'if mode not in ("train", "test"):', 'if mode not in ("train", "test", "eval"):'),
        B("dtype", "out : ndarray, same shape and dtype as ``x``", _MASK, "mask = keep / (1.0 - rate)"),
    ),
    "regularization.dropout_backward": C(
        "dropout_backward",
        B("train", "in train mode (with the cached ``mask``)", "dx = dout * mask", "dx = dout * (mask > 0)"),
        B("test", "and in test mode (``mask`` is None)", "    else:\n        dx = dout",
          "    else:\n        dx = dout * (1 - dropout_param.get(\"rate\", 0.5))"),
        B("dtype", "dx : ndarray, same shape and dtype as ``dout``", "dx = dout * mask",
          "dx = (dout * mask).astype(np.float64)"),
    ),
    "regularization.dropconnect_forward": C(
        "dropconnect_forward",
        B("test-mode", "Test mode is the plain affine layer ``out = x @ w + b`` (``mask`` is None)",
          _DC_TEST, _DC_TEST.replace("out = x @ w + b", "out = x @ (w * (1 - rate)) + b")),
        B("mask-rule", "mask = (u >= rate) / (1 - rate) # in w's dtype, shape of w",
          _DC_KEEP, "kept = rng.random(w.shape) < 1 - rate"),
        B("rule", "out = x @ (w * mask) + b", _DC_OUT, "out = x @ w * mask.mean() + b\n    else:"),
        B("inverted", "kept entries are divided by ``1 - rate``", _DC_MASK, "mask = kept.astype(w.dtype)"),
        B("one-mask", "One mask serves the whole batch",
          _DC_OUT, "out = np.einsum('nd,ndm->nm', x, w * (rng.random((len(x),) + w.shape) >= rate)"
                   " / (1.0 - rate)) + b\n    else:"),
        B("bias-kept", "The bias is never dropped.", _DC_OUT, "out = x @ (w * mask) + b * (mask[0] > 0)\n    else:"),
        B("cache", "cache : tuple ``(x, w, b, dc_param, mask)``",
          "cache = (x, w, b, dc_param, mask)", "cache = (x, w, b, dict(dc_param), mask)"),
        B("no-modify", "``x``, ``w`` and ``b`` are not modified.", _DC_OUT, "w *= mask\n        out = x @ w + b\n    else:"),
        B("default-rate", "probability of dropping a weight, float in [0, 1), default 0.5",
          'rate = dc_param.get("rate", 0.5)', 'rate = dc_param.get("rate", 0.25)'),
        B("default-mode", "``'mode'``: ``'train'`` (default) or ``'test'``",
          'mode = dc_param.get("mode", "train")', 'mode = dc_param.get("mode", "test")'),
        B("rate-zero", "so is train mode with ``rate = 0``",
          'rate = dc_param.get("rate", 0.5)', 'rate = dc_param.get("rate", 0.5) or 0.5'),
        B("seed", "``'seed'`` (the same mask at every call)", _DC_KEEP,
          "kept = np.random.default_rng().random(w.shape) >= rate"),
        B("shared-rng", "whose stream continues from call to call",
          'return dropout_param["rng"]', 'return copy.deepcopy(dropout_param["rng"])'),
        B("rng-over-seed", "used instead of ``'seed'``",
          '    if dropout_param.get("rng") is not None:\n        return dropout_param["rng"]\n',
          '    if dropout_param.get("rng") is not None and dropout_param.get("seed") is None:\n'
          '        return dropout_param["rng"]\n'),
        B("bad-rate", "If ``rate`` is not in [0, 1)", "if not (0.0 <= rate < 1.0):", "if not (0.0 <= rate <= 1.0):"),
        B("bad-mode", "or ``mode`` is neither ``'train'`` nor ``'test'``.",
          'if mode != "train" and mode != "test":', 'if mode not in ("train", "test", "eval"):'),
        B("dtype", "out : ndarray of shape (N, M), dtype of ``x``", _DC_MASK, "mask = kept / (1.0 - rate)"),
    ),
    "regularization.dropconnect_backward": C(
        "dropconnect_backward",
        B("gradient", "Backward pass of :func:`dropconnect_forward`", _DC_DB, "db = dout.mean(axis=0)"),
        B("order", "The gradients in the order of the forward's array arguments",
          "    return dx, dw, db", "    return dw, dx, db"),
        B("dropped-no-gradient", "a dropped weight gets no gradient", _DC_DW, "dw = x.T @ dout"),
        B("test", "in test mode (``mask`` is None: the plain affine layer)",
          "used = w if mask is None else w * mask",
          "used = w * (1 - dc_param.get('rate', 0.5)) if mask is None else w * mask"),
        B("dtype", "each in the dtype of ``dout``", _DC_DB, "db = dout.sum(axis=0, dtype=np.float64)"),
    ),
    "regularization.activity_l1_penalty": C(
        "activity_l1_penalty",
        B("loss", "loss = reg * sum(|h|) / N", "loss = reg * np.abs(h).sum() / n", "loss = reg * np.abs(h).mean()"),
        B("float", "loss : float", _ACT_DH + "\n    return float(loss), dh", _ACT_DH + "\n    return loss, dh"),
        B("gradient", "dh = reg * sign(h) / N", _ACT_DH, "dh = reg * np.sign(h)"),
        B("subgradient-zero", "with the subgradient 0 where ``h == 0``", _ACT_DH,
          "dh = (reg / n) * (np.sign(h) + (h == 0))"),
        B("no-modify", "Activations of a layer for a batch of N examples; not modified.",
          "loss = reg * np.abs(h).sum() / n", "loss = reg * np.abs(h, out=h).sum() / n"),
        B("dtype", "dh : ndarray, shape and dtype of ``h``", _ACT_DH, "dh = np.float64(reg / n) * np.sign(h)"),
    ),
    "regularization.kl_sparsity_penalty": C(
        "kl_sparsity_penalty",
        B("loss", "loss = reg * sum_j [rho * log(rho / rho_hat[j]) + (1 - rho) * log((1 - rho) / (1 - rho_hat[j]))]",
          "np.log(rho / rho_hat)", "np.log(rho_hat / rho)"),
        B("float", "loss : float", _KL_DH + "\n    return float(loss), dh", _KL_DH + "\n    return loss, dh"),
        B("gradient", "dh[n, j] = reg * ((1 - rho) / (1 - rho_hat[j]) - rho / rho_hat[j]) / N",
          _KL_DH, _KL_DH.replace("(reg / n)", "reg")),
        B("same-for-batch", "every example of the batch gets the same gradient for unit ``j``",
          _KL_DH, "dh = (reg / n) * ((1 - rho) / (1 - h) - rho / h)"),
        B("zero-at-target", "The loss is 0 when every unit's mean is ``rho``",
          "loss = reg * np.sum(", "loss = 1e-3 * reg + reg * np.sum("),
        B("no-modify", "Activations of a layer for a batch of N examples; not modified.",
          "loss = reg * np.sum(", "h -= 1e-3 * (h > 0.5)\n    loss = reg * np.sum("),
        B("errors", "If ``rho`` is not in (0, 1), or a unit's mean activation is not in (0, 1)",
          "if not 0.0 < rho < 1.0:", "if not 0.0 < rho <= 1.0:",
          ("if not np.all((rho_hat > 0) & (rho_hat < 1)):", "if not np.all(rho_hat < 1):")),
        B("dtype", "dh : ndarray, shape and dtype of ``h``", _KL_DH, _KL_DH.replace("np.zeros_like(h)", "np.zeros(h.shape)")),
    ),
    "regularization.l1_penalty": C("weight_penalties.l1_penalty", *_penalty(
        ("``reg * sum over all arrays and entries of |w|``",
         ("loss = reg * sum(np.abs(w).sum() for", "loss = reg * sum(np.abs(w).mean() for")),
        (_L1G, (_L1G, _L1G.replace("reg * np.sign(w)", "np.sign(w)"))),
        zero=B("subgradient-zero", "with the subgradient 0 where ``w == 0``",
               _L1G, _L1G.replace("np.sign(w)", "(np.sign(w) + (w == 0))")))),
    "regularization.l2_penalty": C("weight_penalties.l2_penalty", *_penalty(
        ("``0.5 * reg * sum over all arrays and entries of w**2``",
         ("loss = 0.5 * reg * sum((w * w).sum() for", "loss = reg * sum((w * w).sum() for")),
        (_L2G, (_L2G, _L2G.replace("reg * w", "2 * reg * w"))))),
    "regularization.elastic_net_penalty": C("weight_penalties.elastic_net_penalty", *_penalty(
        ("loss = reg * (l1_ratio * sum(|w|) + (1 - l1_ratio) * 0.5 * sum(w**2))",
         ("loss = reg * (l1_ratio * l1 + (1 - l1_ratio) * l2)", "loss = reg * ((1 - l1_ratio) * l1 + l1_ratio * l2)")),
        (_ENG, (_ENG, _ENG.replace("(1 - l1_ratio) * w)", "(1 - l1_ratio) * 2 * w)"))),
        zero=B("subgradient-zero", "with the subgradient 0 of ``|w|`` where ``w == 0``",
               _ENG, _ENG.replace("np.sign(w)", "(np.sign(w) + (w == 0))")))),
    "regularization.max_norm": C(
        "max_norm",
        B("rescale", "is rescaled to norm exactly ``max_norm_value`` (same direction)",
          _MAXN, "out = np.clip(w, -max_norm_value, max_norm_value)"),
        B("short-unchanged", "shorter vectors are left unchanged",
          _MAXN, "out = w * (max_norm_value / (norms + 1e-300))"),
        B("axis", "Axis along which the norms are taken", "sum(axis=axis, keepdims=True)", "sum(axis=0, keepdims=True)"),
        B("default-axis", "axis : int, default 0", "def max_norm(w, max_norm_value, axis=0):",
          "def max_norm(w, max_norm_value, axis=1):"),
        B("new-array", "a new array; ``w`` is not modified",
          _MAXN, "w *= max_norm_value / np.maximum(norms, max_norm_value)\n    out = w"),
        B("bad-cap", "If ``max_norm_value`` is not positive.", "if not max_norm_value > 0:", "if max_norm_value < 0:"),
        B("dtype", "ndarray, same shape and dtype as ``w``", _MAXN, _MAXN + "\n    out = out.astype(np.float64)"),
    ),
    "regularization.clip_by_value": C(
        "clipping.clip_by_value",
        B("clip", "Clip every gradient entry to ``[-clip_value, clip_value]``.",
          _CLIP, _CLIP.replace("-clip_value, clip_value", "-clip_value / 2, clip_value")),
        B("inside-unchanged", "entries inside the range are unchanged", _CLIP, _CLIP.replace("np.clip(g,", "np.clip(0.999 * g,")),
        B("new-dict", _NEW, _CLIP, _CLIP.replace("clip_value)", "clip_value, out=g)")),
        B("keys-dtypes", "Same keys, shapes and dtypes", _CLIP, _CLIP.replace("clip_value)", "clip_value).astype(np.float64)")),
    ),
    "regularization.clip_by_global_norm": C(
        "clipping.clip_by_global_norm",
        B("global", "The global norm is the L2 norm of all entries of all arrays taken as one long vector",
          _GCLIP, "clipped = {name: g * (max_norm / max(float(np.linalg.norm(g)), max_norm)) for name, g in grads.items()}"),
        B("unchanged-below", "otherwise the gradients are unchanged",
          "scale = max_norm / max(global_norm, max_norm)", "scale = max_norm / (global_norm or 1.0)"),
        B("norm-before", "The global norm *before* clipping.",
          "return clipped, float(global_norm)", "return clipped, float(min(global_norm, max_norm))"),
        B("float", "global_norm : float", "return clipped, float(global_norm)", "return clipped, np.float64(global_norm)"),
        B("no-modify", _NEW, _GCLIP, "for g in grads.values():\n        g *= scale\n    clipped = dict(grads)"),
        B("keys-dtypes", "Same keys, shapes and dtypes as ``grads``.", _GCLIP,
          _GCLIP.replace("g * scale", "(g * scale).astype(np.float64)")),
    ),
    "regularization.EarlyStopping.step": C(
        "EarlyStopping",
        B("rule", ":meth:`step` returns True once the counter reaches ``patience``.",
          "should_stop = self.wait >= self.patience", "should_stop = self.wait > self.patience"),
        B("best-value", "On an improvement the best value, the step and a deep copy of the parameters are stored",
          "self.best_step = self.num_steps", "self.best_step = self.num_steps + 1"),
        B("min-delta", "A call *improves* when the metric beats the best value so far by more than ``min_delta``",
          "improved = metric < self.best_value - self.min_delta", "improved = metric < self.best_value"),
        B("mode-max", "higher for ``mode='max'``",
          "improved = metric > self.best_value + self.min_delta", "improved = metric > self.best_value - self.min_delta"),
        B("first-improves", "a finite first metric always improves",
          "        if improved:\n            self.best_value = metric",
          "        improved = improved and self.num_steps > 0\n        if improved:\n            self.best_value = metric"),
        B("deep-copy", "deep-copied into ``best_params`` on an improvement",
          "self.best_params = copy.deepcopy(params)", "self.best_params = dict(params) if params else params"),
        B("nan", "NaN never counts as an improvement.",
          "improved = metric < self.best_value - self.min_delta",
          "improved = not metric >= self.best_value - self.min_delta"),
    ),
}

# ------------------------------------------------------------------ 05: optim
_SAME = ("the returned ``config`` is the **same dict object** that was passed in (a new one if "
         "``None`` was passed)")
_NOMOD = "the current parameter values. Not modified."
_FLOAT = "a float32 ``w`` gives a float32 ``next_w`` (and float32 state)"
_FIRST = ("A state entry that is missing is created on the first call: zeros of the shape and dtype of "
          "``w`` for the arrays, ``0`` for the step counter ``t``.")
_SETUP = ("    if config is None:\n        config = {}\n", "    config = {} if config is None else dict(config)\n")
_ZEROS = ("return np.zeros_like(w) if value is None else value", "return np.full_like(w, 0.1) if value is None else value")
_FINISH = (("    return np.asarray(next_w, dtype=w.dtype), config", "    return np.asarray(next_w), config"),
           ("else np.asarray(value, dtype=w.dtype)", "else np.asarray(value)"))
_ADAGRAD = "    cache = cache + dw**2\n    next_w = w - lr * dw / (np.sqrt(cache) + eps)"
_RMSPROP = "    cache = rho * cache + (1 - rho) * dw**2\n    next_w = w - lr * dw / (np.sqrt(cache) + eps)"
_ADAM = ("    m_hat = m / (1 - beta1**t)\n    v_hat = v / (1 - beta2**t)\n"
         "    # next_w = w - lr * m_hat / (sqrt(v_hat) + eps), in the memory of m_hat and v_hat\n"
         "    denominator = np.sqrt(v_hat, out=v_hat)\n    denominator += eps\n"
         "    m_hat *= lr\n    m_hat /= denominator\n    next_w = w - m_hat")
_NADAM = ("(1 - beta1) * dw / (1 - beta1**t)\n    v_hat = v / (1 - beta2**t)\n"
          "    next_w = w - lr * m_hat / (np.sqrt(v_hat) + eps)")
_ADAMAX = "u = np.maximum(beta2 * u, np.abs(dw) + eps)\n    next_w = w - lr / (1 - beta1**t) * m / u"
_MOMENTUM = "v = mu * v - lr * dw\n    next_w = w + v"
_ADADELTA = ("    cache = rho * cache + (1 - rho) * dw**2\n"
             "    step = np.sqrt(delta + eps) / np.sqrt(cache + eps) * dw\n"
             "    delta = rho * delta + (1 - rho) * step**2\n")
_ADAMW = ("    adam_step = (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)\n"
          "    next_w = w - lr * (adam_step + wd * w)")
_NESTEROV = "v = mu * v - lr * dw\n    next_w = w - mu * v_prev + (1 + mu) * v"


def _rule(name, formula, state, defaults, promote, next_line, extra=()):
    """What every update rule states. ``formula`` and ``state`` are ``(says, (old, new))``;
    ``defaults`` the table row (says) and its ``DEFAULTS`` line (old, new); ``promote`` an
    ``(old, new)`` that computes in float64; ``next_line`` the (unique) line computing ``next_w``."""
    return (
        B("rule", formula[0], *formula[1]),
        B("state", state[0], *state[1]),
        B("defaults", defaults[0], *defaults[1]),
        B("same-dict", _SAME, *_SETUP),
        B("no-modify", _NOMOD, next_line, next_line + "\n    w[...] = next_w"),
        B("dtype", _FLOAT, promote[0], promote[1], *_FINISH),
        B("first-step", _FIRST, *_ZEROS),
    ) + tuple(extra)


OPTIM = {
    "optim.sgd_momentum": C("sgd_momentum", *_rule(
        "sgd_momentum",
        ("v = mu * v - lr * g next_w = w + v", (_MOMENTUM, _MOMENTUM.replace("w + v", "w + mu * v"))),
        ('with ``config["velocity"]`` set to the new ``v``',
         ("next_w = w + v\n    return _finish(w, next_w, config, velocity=v)",
          "next_w = w + v\n    return _finish(w, next_w, config, velocity=0.5 * v)")),
        ("sgd_momentum learning_rate (1e-2), velocity momentum (0.9)",
         ('"sgd_momentum": {"learning_rate": 1e-2, "momentum": 0.9}',
          '"sgd_momentum": {"learning_rate": 1e-2, "momentum": 0.95}')),
        (_MOMENTUM, _MOMENTUM.replace("w + v", "w + v.astype(np.float64)")), _MOMENTUM)),
    "optim.sgd_nesterov": C("sgd_nesterov", *_rule(
        "sgd_nesterov",
        ("v_prev = v v = mu * v - lr * g next_w = w - mu * v_prev + (1 + mu) * v",
         (_NESTEROV, _NESTEROV.replace("w - mu * v_prev + (1 + mu) * v", "w + v"))),
        ('with ``config["velocity"]`` set to the new ``v``',
         ("(1 + mu) * v\n    return _finish(w, next_w, config, velocity=v)",
          "(1 + mu) * v\n    return _finish(w, next_w, config, velocity=0.5 * v)")),
        ("sgd_nesterov learning_rate (1e-2), velocity momentum (0.9)",
         ('"sgd_nesterov": {"learning_rate": 1e-2, "momentum": 0.9}',
          '"sgd_nesterov": {"learning_rate": 1e-2, "momentum": 0.95}')),
        (_NESTEROV, _NESTEROV.replace("(1 + mu) * v", "(1 + mu) * v.astype(np.float64)")), _NESTEROV)),
    "optim.adagrad": C("adagrad", *_rule(
        "adagrad",
        ("cache = cache + g**2 next_w = w - lr * g / (sqrt(cache) + epsilon)",
         (_ADAGRAD, _ADAGRAD.replace("(np.sqrt(cache) + eps)", "(cache + eps)"))),
        ('with ``config["cache"]`` set to the new ``cache``',
         (_ADAGRAD + "\n    return _finish(w, next_w, config, cache=cache)",
          _ADAGRAD + "\n    return _finish(w, next_w, config, cache=np.sqrt(cache))")),
        ("adagrad learning_rate (1e-2), cache epsilon (1e-8)",
         ('"adagrad": {"learning_rate": 1e-2, "epsilon": 1e-8}', '"adagrad": {"learning_rate": 1e-2, "epsilon": 1e-6}')),
        (_ADAGRAD, _ADAGRAD.replace("cache + dw**2", "cache + dw.astype(np.float64)**2")), _ADAGRAD,
        extra=[B("eps-outside", "``epsilon`` is added *outside* the square root",
                 _ADAGRAD, _ADAGRAD.replace("(np.sqrt(cache) + eps)", "np.sqrt(cache + eps)"))])),
    "optim.rmsprop": C("rmsprop", *_rule(
        "rmsprop",
        ("cache = decay_rate * cache + (1 - decay_rate) * g**2 next_w = w - lr * g / (sqrt(cache) + epsilon)",
         (_RMSPROP, _RMSPROP.replace("(np.sqrt(cache) + eps)", "(cache + eps)"))),
        ('with ``config["cache"]`` set to the new ``cache``',
         (_RMSPROP + "\n    return _finish(w, next_w, config, cache=cache)",
          _RMSPROP + "\n    return _finish(w, next_w, config, cache=np.sqrt(cache))")),
        ("rmsprop learning_rate (1e-2), cache decay_rate (0.99), epsilon (1e-8)",
         ('"decay_rate": 0.99', '"decay_rate": 0.9')),
        (_RMSPROP, _RMSPROP.replace("(1 - rho) * dw**2", "(1 - rho) * dw.astype(np.float64)**2")), _RMSPROP,
        extra=[B("eps-outside", "next_w = w - lr * g / (sqrt(cache) + epsilon)",
                 _RMSPROP, _RMSPROP.replace("(np.sqrt(cache) + eps)", "np.sqrt(cache + eps)"))])),
    "optim.adadelta": C("adadelta", *_rule(
        "adadelta",
        ("cache = rho * cache + (1 - rho) * g**2 step = sqrt(delta + epsilon) / sqrt(cache + epsilon) * g "
         "delta = rho * delta + (1 - rho) * step**2 next_w = w - lr * step",
         (_ADADELTA, _ADADELTA.replace("cache = rho * cache + (1 - rho) * dw**2",
                                       "cache = (1 - rho) * cache + rho * dw**2"))),
        ("The same dict, with the new ``cache`` and ``delta``.",
         ("return _finish(w, next_w, config, cache=cache, delta=delta)",
          "return _finish(w, next_w, config, cache=cache, delta=np.sqrt(delta))")),
        ("adadelta learning_rate (1.0), rho (0.9), cache, delta epsilon (1e-6)",
         ('"adadelta": {"learning_rate": 1.0, "rho": 0.9, "epsilon": 1e-6}',
          '"adadelta": {"learning_rate": 1.0, "rho": 0.95, "epsilon": 1e-6}')),
        (_ADADELTA, _ADADELTA.replace("/ np.sqrt(cache + eps) * dw", "/ np.sqrt(cache + eps) * dw.astype(np.float64)")),
        "    delta = rho * delta + (1 - rho) * step**2\n    next_w = w - lr * step",
        extra=[
            B("eps-inside", "``epsilon`` is added *inside* both square roots",
              "np.sqrt(delta + eps) / np.sqrt(cache + eps)", "(np.sqrt(delta) + eps) / (np.sqrt(cache) + eps)"),
            B("delta-after", "``delta`` is updated *after* the step, so each step uses the mean square of "
                             "the steps before it",
              _ADADELTA, "    cache = rho * cache + (1 - rho) * dw**2\n"
                         "    delta = rho * delta + (1 - rho) * (np.sqrt(delta + eps) / np.sqrt(cache + eps) * dw)**2\n"
                         "    step = np.sqrt(delta + eps) / np.sqrt(cache + eps) * dw\n"),
            B("delta-unscaled", "``delta`` accumulates ``step``, not ``lr * step``",
              "delta = rho * delta + (1 - rho) * step**2", "delta = rho * delta + (1 - rho) * (lr * step)**2"),
        ])),
    "optim.adam": C("adam", *_rule(
        "adam",
        ("next_w = w - lr * m_hat / (sqrt(v_hat) + epsilon)",
         (_ADAM, _ADAM.replace("m_hat = m / (1 - beta1**t)", "m_hat = m / (1 - beta2**t)"))),
        ("The same dict, with the new ``m``, ``v`` and ``t`` (an int).",
         (_ADAM + "\n    return _finish(w, next_w, config, m=m, v=v, t=t)",
          _ADAM + "\n    return _finish(w, next_w, config, m=m, v=v_hat, t=t)")),
        ("adam learning_rate (1e-3), beta1 (0.9), m, v, t beta2 (0.999), epsilon (1e-8)",
         ('"adam": {"learning_rate": 1e-3,', '"adam": {"learning_rate": 2e-3,')),
        (_ADAM, _ADAM.replace("m_hat = m /", "m_hat = m.astype(np.float64) /")), _ADAM,
        extra=[
            B("t-int", "The same dict, with the new ``m``, ``v`` and ``t`` (an int).",
              _ADAM + "\n    return _finish(w, next_w, config, m=m, v=v, t=t)",
              _ADAM + "\n    return _finish(w, next_w, config, m=m, v=v, t=float(t))"),
            B("t-first", "The step counter is incremented *before* it is used",
              _ADAM, _ADAM.replace("beta1**t", "beta1**(t + 1)").replace("beta2**t", "beta2**(t + 1)")),
            B("bias-correction", "both bias-corrected",
              _ADAM, _ADAM.replace("m / (1 - beta1**t)", "m.copy()").replace("v / (1 - beta2**t)",
                                                                               "v.copy()")),
            B("eps-outside", "next_w = w - lr * m_hat / (sqrt(v_hat) + epsilon)",
              _ADAM, _ADAM.replace("np.sqrt(v_hat, out=v_hat)\n    denominator += eps",
                                   "np.sqrt(v_hat + eps)")),
        ])),
    "optim.nadam": C("nadam", *_rule(
        "nadam",
        ("m_hat = beta1 * m / (1 - beta1**(t + 1)) + (1 - beta1) * g / (1 - beta1**t)",
         ("m_hat = beta1 * m / (1 - beta1 ** (t + 1)) + (1 - beta1) * dw / (1 - beta1**t)",
          "m_hat = m / (1 - beta1**t)")),
        ("The same dict, with the new ``m``, ``v`` and ``t`` (an int).",
         (_NADAM + "\n    return _finish(w, next_w, config, m=m, v=v, t=t)",
          _NADAM + "\n    return _finish(w, next_w, config, m=m, v=v_hat, t=t)")),
        ("nadam learning_rate (2e-3), beta1 (0.9), m, v, t beta2 (0.999), epsilon (1e-8)",
         ('"nadam": {"learning_rate": 2e-3,', '"nadam": {"learning_rate": 1e-3,')),
        (_NADAM, _NADAM.replace("lr * m_hat /", "lr * m_hat.astype(np.float64) /")), _NADAM,
        extra=[
            B("t-int", "The same dict, with the new ``m``, ``v`` and ``t`` (an int).",
              _NADAM + "\n    return _finish(w, next_w, config, m=m, v=v, t=t)",
              _NADAM + "\n    return _finish(w, next_w, config, m=m, v=v, t=float(t))"),
            B("t-first", "t = t + 1 m = beta1 * m + (1 - beta1) * g v = beta2 * v + (1 - beta2) * g**2 "
                         "m_hat = beta1 * m / (1 - beta1**(t + 1))",
              "(1 - beta1 ** (t + 1)) + (1 - beta1) * dw / (1 - beta1**t)\n    v_hat = v / (1 - beta2**t)",
              "(1 - beta1 ** (t + 2)) + (1 - beta1) * dw / (1 - beta1**(t + 1))\n    v_hat = v / (1 - beta2**(t + 1))"),
            B("eps-outside", "next_w = w - lr * m_hat / (sqrt(v_hat) + epsilon)",
              _NADAM, _NADAM.replace("(np.sqrt(v_hat) + eps)", "np.sqrt(v_hat + eps)")),
        ])),
    "optim.adamax": C("adamax", *_rule(
        "adamax",
        ("next_w = w - lr / (1 - beta1**t) * m / u", (_ADAMAX, _ADAMAX.replace("lr / (1 - beta1**t) * m", "lr * m"))),
        ("The same dict, with the new ``m``, ``u`` and ``t`` (an int).",
         ("return _finish(w, next_w, config, m=m, u=u, t=t)", "return _finish(w, next_w, config, m=m, u=np.abs(dw), t=t)")),
        ("adamax learning_rate (2e-3), beta1 (0.9), m, u, t beta2 (0.999), epsilon (1e-8)",
         ('"adamax": {"learning_rate": 2e-3, "beta1": 0.9,', '"adamax": {"learning_rate": 2e-3, "beta1": 0.8,')),
        (_ADAMAX, _ADAMAX.replace("* m / u", "* m.astype(np.float64) / u")), _ADAMAX,
        extra=[
            B("t-int", "The same dict, with the new ``m``, ``u`` and ``t`` (an int).",
              "return _finish(w, next_w, config, m=m, u=u, t=t)", "return _finish(w, next_w, config, m=m, u=u, t=float(t))"),
            B("t-first", "t = t + 1 m = beta1 * m + (1 - beta1) * g u = maximum(beta2 * u, abs(g) + epsilon)",
              _ADAMAX, _ADAMAX.replace("beta1**t", "beta1**(t + 1)")),
            B("eps-inside-max", "``epsilon`` is added to ``|g|`` inside the maximum",
              "u = np.maximum(beta2 * u, np.abs(dw) + eps)", "u = np.maximum(beta2 * u, np.abs(dw)) + eps"),
        ])),
    "optim.adamw": C("adamw", *_rule(
        "adamw",
        ("next_w = w - lr * (m_hat / (sqrt(v_hat) + epsilon) + weight_decay * w)",
         (_ADAMW, _ADAMW.replace("lr * (adam_step + wd * w)", "lr * adam_step - wd * w"))),
        ("The same dict, with the new ``m``, ``v`` and ``t`` (an int).",
         (_ADAMW + "\n    return _finish(w, next_w, config, m=m, v=v, t=t)",
          _ADAMW + "\n    return _finish(w, next_w, config, m=m, v=np.sqrt(v), t=t)")),
        ("adamw learning_rate (1e-3), beta1 (0.9), m, v, t beta2 (0.999), epsilon (1e-8), weight_decay (1e-2)",
         ('"weight_decay": 1e-2}', '"weight_decay": 1e-3}')),
        (_ADAMW, _ADAMW.replace("(adam_step + wd * w)", "(adam_step.astype(np.float64) + wd * w)")), _ADAMW,
        extra=[
            B("t-int", "The same dict, with the new ``m``, ``v`` and ``t`` (an int).",
              _ADAMW + "\n    return _finish(w, next_w, config, m=m, v=v, t=t)",
              _ADAMW + "\n    return _finish(w, next_w, config, m=m, v=v, t=float(t))"),
            B("t-first", "``m``, ``v`` start at zero and ``t`` at 0, so the first step uses ``t = 1``",
              _ADAMW, _ADAMW.replace("beta1**t", "beta1**(t + 1)").replace("beta2**t", "beta2**(t + 1)")),
            B("bias-correction", "m_hat = m / (1 - beta1**t) v_hat = v / (1 - beta2**t)",
              _ADAMW, _ADAMW.replace("(m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)",
                                     "m / (np.sqrt(v) + eps)")),
            B("eps-outside", "next_w = w - lr * (m_hat / (sqrt(v_hat) + epsilon) + weight_decay * w)",
              _ADAMW, _ADAMW.replace("(np.sqrt(v / (1 - beta2**t)) + eps)", "np.sqrt(v / (1 - beta2**t) + eps)")),
            B("decoupled", "``m`` and ``v`` see only ``g``",
              "    t = t + 1\n    m = beta1 * m + (1 - beta1) * dw\n    v = beta2 * v + (1 - beta2) * dw**2\n"
              "    adam_step",
              "    t = t + 1\n    dw = dw + wd * w\n    m = beta1 * m + (1 - beta1) * dw\n"
              "    v = beta2 * v + (1 - beta2) * dw**2\n    adam_step",
              ("next_w = w - lr * (adam_step + wd * w)", "next_w = w - lr * adam_step")),
            B("decay-before", "computed from the weights *before* the step",
              _ADAMW, _ADAMW.replace("w - lr * (adam_step + wd * w)", "(w - lr * adam_step) * (1 - lr * wd)")),
            B("shrink-factor", "So every weight shrinks by the same factor ``1 - lr * weight_decay`` per step, "
                               "whatever its gradients.",
              _ADAMW, _ADAMW.replace("wd * w)", "wd * np.sign(w))")),
        ])),
}

# ------------------------------------------------------------------ 06: schedules
_ARRAY = "an array ``t`` gives a float64 ndarray of the same shape"
_SCALAR = "a scalar ``t`` gives a Python ``float``"
_NEG = "``t < 0`` is an error."
_CALL_FLOAT = ("return float(lr) if lr.ndim == 0 else lr.copy()", "return lr[()] if lr.ndim == 0 else lr.copy()")
_CALL_NEG = ("if np.any(t_arr < 0):", "if np.any(t_arr < -1):")


def _schedule(formula, last_line, extra=()):
    """What every schedule states; ``last_line`` is the last line of its ``lr_at`` region."""
    return (B("formula", formula[0], *formula[1]),) + tuple(extra) + (
        B("array-t", _ARRAY, last_line, last_line + "\n        lr = float(np.asarray(lr).ravel()[0])"),
        B("scalar-t", _SCALAR, *_CALL_FLOAT),
        B("negative-t", _NEG, *_CALL_NEG),
    )


_PIECE = 'interval = np.searchsorted(self.boundaries, t, side="right")'
_STEP = "lr = self.lr0 * self.drop ** np.floor(t / self.every)"
_EXP = "lr = self.lr0 * 10.0 ** (-t / self.r)"
_POW = "lr = self.lr0 * (1.0 + t / self.r) ** (-self.c)"
_INV = "lr = self.lr0 / (1.0 + self.k * t)"
_COS = "lr = np.where(t < W, self.lr0 * t / max(W, 1), annealed)"
_ONE = "lr = np.where(t < P, up, down)"
_RLR = "            if self.num_bad_epochs >= self.patience:\n                self.lr = max(self.lr * self.factor, self.min_lr)\n                self.num_bad_epochs = 0"
_RANGE = "(np.arange(num_steps) / (num_steps - 1))"

SCHEDULES = {
    "schedules.piecewise_constant.lr_at": C("piecewise_constant", *_schedule(
        ("``values[0]`` is used for ``t < boundaries[0]``, ``values[i]`` for ``boundaries[i-1] <= t < "
         "boundaries[i]``, and ``values[-1]`` from ``boundaries[-1]`` on",
         ("lr = np.asarray(self.values)[interval]", "lr = np.asarray(self.values)[np.minimum(interval, 1)]")),
        "lr = np.asarray(self.values)[interval]",
        extra=[B("at-boundary", "a new value takes effect *at* its boundary", _PIECE, _PIECE.replace('"right"', '"left"'))])),
    "schedules.step_decay.lr_at": C("step_decay", *_schedule(
        ("lr(t) = lr0 * drop ** floor(t / every)", (_STEP, _STEP.replace("np.floor", "np.ceil"))), _STEP)),
    "schedules.exponential.lr_at": C("decay_formulas.exponential", *_schedule(
        ("lr(t) = lr0 * 10 ** (-t / r)", (_EXP, "lr = self.lr0 * np.exp(-t / self.r)")), _EXP)),
    "schedules.power.lr_at": C("decay_formulas.power", *_schedule(
        ("lr(t) = lr0 * (1 + t / r) ** (-c)", (_POW, _POW.replace("(-self.c)", "(-1.0)"))), _POW,
        extra=[B("default-c", "c : float > 0, default 1", "def __init__(self, lr0, r, c=1):",
                 "def __init__(self, lr0, r, c=2):")])),
    "schedules.inverse_time.lr_at": C("decay_formulas.inverse_time", *_schedule(
        ("lr(t) = lr0 / (1 + k * t)", (_INV, "lr = self.lr0 / (1.0 + self.k) ** t")), _INV)),
    "schedules.cosine.lr_at": C("cosine", *_schedule(
        ("lr(t) = lr_min + (lr0 - lr_min) * (1 + cos(pi * p)) / 2 for t >= W with p = min((t - W) / (T - W), 1)",
         ("(1 + np.cos(np.pi * p)) / 2\n        lr = np.where(t < W", "(1 + np.cos(np.pi * p / 2)) / 2\n        lr = np.where(t < W")),
        _COS,
        extra=[
            B("warmup", "The warm-up climbs from 0 at ``t = 0`` to ``lr0`` at ``t = W``", _COS,
              _COS.replace("self.lr0 * t / max(W, 1)", "self.lr0 * (t + 1) / (W + 1)")),
            B("stays", "the cosine then falls to exactly ``lr_min`` at ``t = T`` and stays there.",
              "p = np.clip((t - W) / (T - W), 0.0, 1.0)", "p = np.maximum((t - W) / (T - W), 0.0)"),
            B("defaults", "lr_min : float, default 0.0",
              "def __init__(self, lr0, total_steps, lr_min=0.0, warmup_steps=0):",
              "def __init__(self, lr0, total_steps, lr_min=1e-3, warmup_steps=0):"),
        ])),
    "schedules.one_cycle.lr_at": C("one_cycle", *_schedule(
        ("lr(t) = ramp(lr_start, max_lr, t / P) for t < P lr(t) = ramp(max_lr, lr_end, min((t - P) / (T - P), 1)) for t >= P",
         ("return b + (a - b) * (1 + np.cos(np.pi * p)) / 2", "return a + (b - a) * p")),
        _ONE,
        extra=[
            B("peak", "the peak step ``P = round(pct_start * total_steps)``",
              "return int(round(self.pct_start * self.total_steps))", "return int(self.pct_start * self.total_steps)"),
            B("stays", "then falls to ``lr_end = lr_start / final_div_factor`` at ``t = total_steps`` (and stays there)",
              "np.clip((t - P) / (T - P), 0.0, 1.0)", "np.maximum((t - P) / (T - P), 0.0)"),
            B("defaults", "div_factor : float, default 25",
              "pct_start=0.3, div_factor=25, final_div_factor=1e4):", "pct_start=0.3, div_factor=10, final_div_factor=1e4):"),
        ])),
    "schedules.ReduceLROnPlateau.step": C(
        "ReduceLROnPlateau",
        B("rule", "When ``num_bad_epochs`` reaches ``patience`` the learning rate is multiplied by ``factor``",
          "if self.num_bad_epochs >= self.patience:", "if self.num_bad_epochs > self.patience:"),
        B("restart", "the count restarts from 0, so the next cut needs ``patience`` more bad epochs.",
          _RLR, _RLR.replace("\n                self.num_bad_epochs = 0", "")),
        B("best-kept", "``best`` is kept across cuts.",
          _RLR, _RLR + '\n                self.best = np.inf if self.mode == "min" else -np.inf'),
        B("min-lr", "(but not below ``min_lr``)", "self.lr = max(self.lr * self.factor, self.min_lr)",
          "self.lr = self.lr * self.factor"),
        B("min-delta", "``metric < best - min_delta`` in mode ``'min'``",
          "return metric < self.best - self.min_delta", "return metric < self.best"),
        B("mode-max", "``metric > best + min_delta`` in mode ``'max'``",
          "return metric > self.best + self.min_delta", "return metric < self.best - self.min_delta"),
        B("first-improves", "a finite first metric always improves",
          "        if self.improves(metric):\n            self.best = metric",
          "        if self.improves(metric) and abs(self.best) != np.inf:\n            self.best = metric"),
        B("returns-lr", "``self.lr`` after this epoch was taken into account.",
          "        metric = float(metric)\n        if self.improves(metric):",
          "        metric = float(metric)\n        self._lr_before = self.lr\n        if self.improves(metric):",
          ("                self.num_bad_epochs = 0\n        return self.lr",
           "                self.num_bad_epochs = 0\n        return self._lr_before")),
        B("call", "Calling the object like a schedule, ``plateau(t)``, returns the current ``lr`` whatever ``t`` is",
          "    def __call__(self, t=None) -> float:\n        return self.lr",
          "    def __call__(self, t=None) -> float:\n        return self.lr0 if t else self.lr"),
    ),
    "schedules.lr_range_test": C(
        "lr_range_test",
        B("rates", "lr_i = lr_min * (lr_max / lr_min) ** (i / (num_steps - 1)), i = 0, 1, ...",
          _RANGE, "(np.arange(num_steps) / num_steps)"),
        B("smoothing", "avg = smooth * avg + (1 - smooth) * loss_i smoothed_i = avg / (1 - smooth ** (i + 1))",
          "smoothed.append(avg / (1 - smooth ** (i + 1)))", "smoothed.append(avg / (1 - smooth ** (i + 2)))"),
        B("stop", "``smoothed_i > diverge_factor * min(smoothed_0..i)``",
          "smoothed[-1] > diverge_factor * min(smoothed)", "smoothed[-1] > diverge_factor * smoothed[-2 if len(smoothed) > 1 else 0]"),
        B("diverge-factor", "How many times the best smoothed loss counts as divergence.",
          "smoothed[-1] > diverge_factor * min(smoothed)", "smoothed[-1] > 4.0 * min(smoothed)"),
        B("nan", "if ``loss_i`` is not finite", "if not np.isfinite(loss) or", "if np.isinf(loss) or"),
        B("diverged", "whether the test stopped because the loss blew up, rather than at ``lr_max``", "            diverged = True\n            break",
          "            break"),
        B("suggestion", "The suggestion is ``lrs[argmin(smoothed)] / 10``",
          "suggested_lr = lrs[int(np.nanargmin(smoothed))] / 10", "suggested_lr = lrs[int(np.nanargmin(smoothed))]"),
        B("losses", "``losses`` (what ``train_step`` returned at each)", "losses.append(loss)", "losses.append(avg)"),
        B("lengths", "``smoothed`` (arrays of the same length)",
          "np.asarray(smoothed),", "np.asarray(smoothed[1:] if diverged else smoothed),"),
        B("errors", "If not ``0 < lr_min < lr_max``, ``num_steps < 2`` or ``smooth`` is not in [0, 1).",
          "if not 0 < lr_min < lr_max:", "if not 0 <= lr_min <= lr_max:"),
    ),
}

# ------------------------------------------------------------------ 01, 03, 04: the network
# model.py is shared: the block, the loop, the loss and the gradient check are taught in 01,
# normalization and the skip in 03, dropout and the penalty in 04 (autograder/manifest.py).
_STEPS = ("        a, act_cache = self._activation_forward(l, a)\n"
          "        a, drop_cache = self._dropout_forward(l, a, mode)\n")
_BACK = ("        da = self._activation_backward(l, da, act_cache, grads)\n"
         "        da = self._normalize_backward(l, da, norm_cache, grads)\n")
_PROBE = ("        theta[i] = original[i] - h\n        set_params(theta)\n        minus = model.loss(X, y)[0]\n"
          "        theta[i] = original[i]\n        numeric[i] = (plus - minus) / (2 * h)")
_ERROR = "        errors[name] = float(np.max(gap[start:start + size]))\n"
_LOSS = "loss = data_loss + self._penalty(grads)"
_OUT = 'layers.affine_forward(h, self.params[f"W{L}"], self.params[f"b{L}"])'
_NORM_OFF = "        if self.normalization is None:\n            return a, None\n"

MODEL = {
    "model.FullyConnectedNet._hidden_forward": C(
        "fc_network",
        B("block-order", "``h_l``, in the order affine, :meth:`_normalize_forward`, :meth:`_activation_forward`, "
                         ":meth:`_dropout_forward`, :meth:`_skip_forward`.",
          _STEPS, "\n".join(_STEPS.split("\n")[::-1][1:]) + "\n"),
        B("block-params", "its parameters are ``params['W<l>']``, ``params['b<l>']``",
          'layers.affine_forward(h, p[f"W{l}"], p[f"b{l}"])', 'layers.affine_forward(h, p[f"W{l}"], 0 * p[f"b{l}"])'),
        B("block-mode", "Handed on to the steps that behave differently in training (:meth:`_normalize_forward`, "
                        ":meth:`_dropout_forward`).",
          "self._dropout_forward(l, a, mode)", 'self._dropout_forward(l, a, "train")'),
        B("block-cache", "The caches of the four steps with one, in that order (a step that is off gives None).",
          "a, drop_cache = self._dropout_forward(l, a, mode)",
          "a, drop_cache = self._dropout_forward(l, a, mode)[0], None"),
        B("block-record", "Append the activation's input to ``last_preactivations`` and the block's output to "
                          "``last_activations``",
          "        a, norm_cache = self._normalize_forward(l, a, mode)\n        pre = a\n",
          "        pre = a\n        a, norm_cache = self._normalize_forward(l, a, mode)\n"),
        B("block-skip", "``True`` adds an identity skip ``h_l = h_{l-1} + block_l(h_{l-1})``",
          "out = self._skip_forward(l, h, a)", "out = self._skip_forward(l, a, a)"),
    ),
    "model.FullyConnectedNet._hidden_backward": C(
        "fc_network",
        B("back-gradient", "Gradient with respect to the block's input ``h_{l-1}``",
          "        da = self._activation_backward(l, da, act_cache, grads)\n",
          "        self._activation_backward(l, da, act_cache, grads)\n"),
        B("back-grads", "Store the gradient of every parameter of block ``l`` here, under the parameter's own key",
          'dh, grads[f"W{l}"], grads[f"b{l}"] = layers.affine_backward(da, fc_cache)',
          'dh, grads[f"W{l}"], _ = layers.affine_backward(da, fc_cache)'),
        B("back-steps", "back through every step of :meth:`_hidden_forward` in reverse order",
          _BACK, "".join(_BACK.splitlines(keepends=True)[::-1])),
        B("back-caches", "each step's backward given the cache its own forward returned",
          "self._normalize_backward(l, da, norm_cache, grads)", "self._normalize_backward(l, da, drop_cache, grads)"),
        B("back-skip", "the skip included", "dh = self._skip_backward(l, dout, dh)", "dh = self._skip_backward(l, da, dh)"),
    ),
    "model.FullyConnectedNet._forward": C(
        "fc_network",
        B("forward-caches", "The cache of every hidden block, in layer order (block ``l`` at index ``l - 1``).",
          "caches.append(cache)", "caches.insert(0, cache)"),
        B("forward-scores", "The output layer's affine map of the last hidden block's output.",
          _OUT, _OUT.replace('self.params[f"b{L}"]', '0 * self.params[f"b{L}"]')),
        B("forward-mode", "mode : {'train', 'test'} Passed on to every :meth:`_hidden_forward`.",
          "self._hidden_forward(l, h, mode, record)", 'self._hidden_forward(l, h, "train", record)'),
        B("forward-record", "record : bool Passed on to every :meth:`_hidden_forward`.",
          "self._hidden_forward(l, h, mode, record)", "self._hidden_forward(l, h, mode, True)"),
    ),
    "model.FullyConnectedNet.loss": C(
        "fc_network",
        B("loss-data", "the mean softmax loss of the scores", _LOSS, "loss = data_loss * len(scores) + self._penalty(grads)"),
        B("loss-penalty", "plus :meth:`_penalty`", _LOSS, "self._penalty(grads)\n        loss = data_loss"),
        B("loss-float", "loss : float", _LOSS, "loss = np.float64(data_loss + self._penalty(grads))"),
        B("loss-gradient", "the gradient of ``loss`` for every key of ``params``",
          "for l in range(L - 1, 0, -1):", "for l in range(1, L):"),
        B("loss-dtype", "each of its parameter's shape and dtype",
          'grads[f"b{L}"] = layers.affine_backward(dscores, out_cache)',
          'grads[f"b{L}"] = layers.affine_backward(dscores, out_cache)\n'
          '        grads[f"W{L}"] = grads[f"W{L}"].astype(np.float64)'),
        B("loss-no-modify", "Computing the loss leaves ``params`` unchanged.",
          "data_loss, dscores = losses.softmax_loss(scores, np.asarray(y))",
          'data_loss, dscores = losses.softmax_loss(scores, np.asarray(y))\n        self.params[f"b{L}"] += 1e-3'),
        B("loss-default-mode", "Default: ``'train'`` when ``y`` is given, ``'test'`` otherwise.",
          'mode = "test" if y is None else "train"', 'mode = "train"'),
        B("loss-bn-test", "Gradients in test mode are only available without batch norm.",
          'if y is not None and mode == "test" and self.normalization == "batchnorm":', "if False:"),
        B("loss-scores", "scores : ndarray of shape (N, C) When ``y`` is None.",
          "        if y is None:\n            return scores\n", "        if y is None:\n            return scores, caches\n"),
    ),
    "model.network_gradient_check": C(
        "network_gradient_check",
        B("ngc-centred", "each entry of ``theta`` is moved by ``+h`` and ``-h`` in turn", _PROBE,
          "        theta[i] = original[i]\n        set_params(theta)\n        minus = model.loss(X, y)[0]\n"
          "        numeric[i] = (plus - minus) / h"),
        B("ngc-step", "The step of the centred differences.",
          "    shapes = [model.params[name].shape for name in names]",
          "    h = 1e-6\n    shapes = [model.params[name].shape for name in names]"),
        B("ngc-default-h", "h : float, default 1e-6",
          "def network_gradient_check(model, X, y, h=1e-6):", "def network_gradient_check(model, X, y, h=1e-5):"),
        B("ngc-restores", "Every parameter holds its original value again when the function returns.",
          "    set_params(original)\n", ""),
        B("ngc-keys", "For every key of ``model.params``", _ERROR,
          "        if size > 1:\n    " + _ERROR),
        B("ngc-float", "errors : dict of str -> float", _ERROR, _ERROR.replace("float(np.max(", "(np.max(")),
        B("ngc-scale", "relative to the whole flat gradient", _ERROR,
          "        own = max(float(np.max(np.abs(analytic[start:start + size]))),\n"
          "                  float(np.max(np.abs(numeric[start:start + size]))))\n"
          "        errors[name] = float(np.max(np.abs(analytic - numeric)[start:start + size])) / own\n"),
        B("ngc-max", "``max|a - n|`` over the parameter's entries", _ERROR, _ERROR.replace("np.max(", "np.mean(")),
        B("ngc-either", "the largest absolute entry of either flat gradient (analytic or numeric, over every "
                        "parameter)",
          "scale = max(float(np.max(np.abs(analytic))), float(np.max(np.abs(numeric))))",
          "scale = float(np.max(np.abs(analytic)))"),
        B("ngc-zero", "0.0 for every parameter when both flat gradients are zero.",
          "gap = np.abs(analytic - numeric) / scale if scale > 0 else np.zeros_like(numeric)",
          "gap = np.abs(analytic - numeric) / scale"),
        B("ngc-float64", "flattened and concatenated, in float64",
          "theta = np.concatenate([model.params[name].ravel() for name in names]).astype(np.float64)",
          "theta = np.concatenate([model.params[name].ravel() for name in names])"),
        B("ngc-dropout", "with ``dropout > 0``, ``dropout_seed`` must be set.",
          "if model.dropout > 0 and model.dropout_seed is None:",
          "if model.dropout > 0.5 and model.dropout_seed is None:"),
    ),
    "model.FullyConnectedNet._normalize_forward": C(
        "fc_network_normalization",
        B("norm-off", "``(a, None)`` when ``normalization`` is None.", _NORM_OFF, ""),
        B("bn-param", "With ``'batchnorm'`` the block's ``bn_params[l - 1]`` carries the mode and the running "
                      "statistics",
          "bn_param = self.bn_params[l - 1]", "bn_param = self.bn_params[0]"),
        B("bn-mode", "With ``'batchnorm'`` the block's ``bn_params[l - 1]`` carries the mode",
          '            bn_param["mode"] = mode\n', ""),
        B("ln-param", "with ``'layernorm'``, ``ln_params[l - 1]``", "self.ln_params[l - 1])", "{})"),
        B("gamma-beta", "The scale and shift are ``params['gamma<l>']`` and ``params['beta<l>']``.",
          'normalization.layernorm_forward(a, p[f"gamma{l}"], p[f"beta{l}"],',
          'normalization.layernorm_forward(a, p[f"beta{l}"], p[f"gamma{l}"],'),
    ),
    "model.FullyConnectedNet._normalize_backward": C(
        "fc_network_normalization",
        B("norm-back-off", "when ``cache`` is None (no normalization) returns ``dout`` unchanged.",
          "        if cache is None:\n            return dout\n        backward", "        backward"),
        B("norm-back-grads", "Stores the gradients of ``gamma<l>`` and ``beta<l>`` in ``grads``",
          'da, grads[f"gamma{l}"], grads[f"beta{l}"] = backward(dout, cache)',
          'da, grads[f"beta{l}"], grads[f"gamma{l}"] = backward(dout, cache)'),
        B("norm-back-gradient", "the gradient with respect to its input.",
          'grads[f"beta{l}"] = backward(dout, cache)\n        return da',
          'grads[f"beta{l}"] = backward(dout, cache)\n        return dout'),
    ),
    "model.FullyConnectedNet._skip_forward": C(
        "fc_network_normalization",
        B("skip-sum", "``h + a`` when ``l`` is in ``residual_layers``", "        return h + a\n", "        return a\n"),
        B("skip-off", "else ``a`` unchanged",
          "        if l not in self.residual_layers:\n            return a\n", ""),
    ),
    "model.FullyConnectedNet._skip_backward": C(
        "fc_network_normalization",
        B("skip-back-whole", "the whole gradient with respect to the block's input",
          "        return dh + dout\n", "        return dh\n"),
        B("skip-back-off", "``dh`` unchanged when ``l`` carries no skip.",
          "        if l not in self.residual_layers:\n            return dh\n", ""),
    ),
    "model.FullyConnectedNet._dropout_forward": C(
        "fc_network_regularization",
        B("drop-off", "``(a, None)`` when ``dropout`` is 0 or ``mode`` is ``'test'``.",
          'if self.dropout == 0 or mode != "train":', "if self.dropout == 0:"),
        B("drop-param", "The ``dropout_param`` of the step is :meth:`_dropout_param`",
          "return regularization.dropout_forward(a, dropout_param)",
          'return regularization.dropout_forward(a, {**dropout_param, "seed": 0})'),
        B("drop-stream", "a fresh mask from the model's stream",
          "return regularization.dropout_forward(a, dropout_param)",
          "return regularization.dropout_forward(a, dict(dropout_param, rng=np.random.default_rng(self.seed))\n"
          "                                              if self.dropout_seed is None else dropout_param)"),
    ),
    "model.FullyConnectedNet._dropout_backward": C(
        "fc_network_regularization",
        B("drop-back-gradient", "Backward of :meth:`_dropout_forward`",
          "return regularization.dropout_backward(dout, cache)", "return dout"),
        B("drop-back-off", "``dout`` unchanged when ``cache`` is None",
          "        if cache is None:\n            return dout\n        return regularization",
          "        return regularization"),
    ),
    "model.FullyConnectedNet._penalty": C(
        "fc_network_regularization",
        B("pen-value", "``0.5 * reg * sum of W**2`` over the weight matrices ``W1 .. WL``",
          "return self.l2_penalty()", "return 2 * self.l2_penalty()"),
        B("pen-float", "PReLU slopes are not penalised), a float,",
          "return self.l2_penalty()", "return np.float64(self.l2_penalty())"),
        B("pen-gradient", "adds the penalty's gradient to the entry of every weight matrix in ``grads``",
          "grads[name] += reg * self.params[name]", "grads[name] += 2 * reg * self.params[name]"),
        B("pen-weights-only", "biases, ``gamma``, ``beta`` and PReLU slopes are not penalised",
          "for name in self.weight_names:", "for name in self.params:"),
        B("pen-zero", "With ``reg == 0`` returns 0.0 and leaves ``grads`` as it is.",
          "        if self.reg == 0:\n            return 0.0\n        reg = self.dtype.type(self.reg)",
          "        reg = self.dtype.type(self.reg)"),
        B("pen-dtype", "Dtype of the parameters and of every computation (inputs are cast).",
          "grads[name] += reg * self.params[name]",
          "grads[name] = grads[name] + np.float64(self.reg) * self.params[name]"),
    ),
}

# ------------------------------------------------------------------ 07: babysit
_RATIOS = ("    ratios = {name: float(np.linalg.norm(params_after[name] - params_before[name])\n"
           "                          / np.linalg.norm(params_before[name])) for name in names}")
_SAMPLES = "samples = 10.0 ** rng.uniform(np.log10(low), np.log10(high), size=size)"
_BORDER = "border = position < fraction or position > 1 - fraction"
_SUBSET = "idx = np.random.default_rng(seed).choice(len(X), size=min(n, len(X)), replace=False)"
_REFINE = "lo, hi = lo - expand * width, hi + expand * width"

BABYSIT = {
    "babysit.expected_initial_loss": C(
        "expected_initial_loss",
        B("value", "``-ln(1 / C) = ln C`` (natural logarithm).",
          "loss = math.log(num_classes)", "loss = math.log10(num_classes)"),
        B("float", "Returns ------- float", "loss = math.log(num_classes)", "loss = np.log(num_classes)",
          ("    return float(loss)", "    return loss")),
        B("at-least-two", "For fewer than 2 classes.", "if int(num_classes) < 2:", "if int(num_classes) < 1:"),
    ),
    "babysit.update_to_weight_ratio": C(
        "update_to_weight_ratio",
        B("ratio", "``||W_after - W_before|| / ||W_before||``",
          "/ np.linalg.norm(params_before[name])) for name in names}",
          "/ np.linalg.norm(params_after[name])) for name in names}"),
        B("weights-only", "Only weight matrices count, i.e. the keys that start with ``'W'``",
          'names = [name for name in params_before if name.startswith("W")]',
          'names = [name for name in params_before if name.startswith(("W", "g"))]'),
        B("order", "in the same order", "for name in names}", "for name in sorted(names, reverse=True)}"),
        B("float", "dict of str -> float", _RATIOS, _RATIOS.replace("float(np.linalg.norm(", "(np.linalg.norm(")),
        B("no-modify", "Neither dict is modified.", _RATIOS,
          _RATIOS + "\n    for name in names:\n        params_before[name] *= 1.0 + 1e-9"),
    ),
    "babysit.log_uniform": C(
        "log_uniform",
        B("log-uniform", "Samples whose LOGARITHM is uniform between ``log(low)`` and ``log(high)``.",
          _SAMPLES, "samples = rng.uniform(low, high, size=size)"),
        B("one-call", "Source of the random numbers (one ``rng.uniform`` call).",
          _SAMPLES, "rng.random()\n    " + _SAMPLES),
        B("bounds", "Values in ``[low, high]``.", _SAMPLES,
          _SAMPLES.replace("np.log10(high), size", "np.log10(high) + 0.01, size")),
        B("size", "Output shape; None gives a single float.", _SAMPLES,
          _SAMPLES.replace("size=size)", "size=None if size is None else int(np.prod(size)))")),
        B("scalar", "Output shape; None gives a single float.",
          _SAMPLES, _SAMPLES.replace("10.0 ** rng.uniform(", "np.exp(np.log(10.0) * rng.uniform(") + ")",
          ("return float(samples) if size is None else samples", "return samples")),
        B("errors", "Unless ``0 < low < high``.", "if not 0 < low < high:", "if not 0 <= low <= high:"),
    ),
    "babysit.at_border": C(
        "at_border",
        B("position", "its relative position ``p`` (0 at ``low``, 1 at ``high``) satisfies ``p < fraction`` or "
                      "``p > 1 - fraction``",
          "position = (value - low) / (high - low)", "position = (value - low) / abs(high)"),
        B("log-scale", "for ``scale='log'`` in log space",
          "    if scale == \"log\":\n        value, low, high = np.log(value), np.log(low), np.log(high)\n", ""),
        B("strict", "``p < fraction`` or ``p > 1 - fraction``", _BORDER,
          "border = position <= fraction or position >= 1 - fraction"),
        B("default-fraction", "fraction : float in (0, 0.5), default 0.1",
          "def at_border(value, low, high, scale, fraction=0.1):", "def at_border(value, low, high, scale, fraction=0.2):"),
        B("bool", "Returns ------- bool", "    return bool(border)", "    return border"),
        B("bad-scale", "For a ``scale`` other than ``'log'`` and ``'linear'``.",
          'if scale not in ("log", "linear"):', 'if scale not in ("log", "linear", "Log"):'),
    ),
    "babysit.initial_loss_check": C(
        "initial_loss_check",
        B("reg-zero", "with the model's ``reg`` set to 0 for the call",
          "    try:\n        model.reg = 0.0\n", "    try:\n"),
        B("train-mode", "(train mode, as the first training step sees it)",
          "measured = float(model.loss(X, y)[0])", 'measured = float(model.loss(X, y, mode="test")[0])'),
        B("restores-reg", "Afterwards the model is exactly as it was: its ``reg``",
          "        model.reg = saved_reg\n", ""),
        B("restores-state", "its batch-norm states ``model.bn_params`` (whose running averages a train-mode "
                            "pass updates) are restored",
          "        if saved_bn is not None:\n            model.bn_params = saved_bn\n", ""),
        B("on-raise", "also when ``model.loss`` raises",
          "    finally:\n        model.reg = saved_reg",
          "    except ZeroDivisionError:\n        raise\n    if True:\n        model.reg = saved_reg"),
        B("no-warning", "Overflow in a badly initialised model gives an inf or NaN ``measured``, not a warning.",
          'with np.errstate(over="ignore", invalid="ignore", divide="ignore"):', "with np.errstate():"),
        B("finite", "The check passes (``ok``) when ``measured`` is finite",
          "ok = math.isfinite(measured) and abs(measured - expected) <= tol * expected",
          "ok = abs(measured - expected) <= tol * expected"),
        B("ok-rule", "``ok`` when ``|measured - expected| <= tol * expected``",
          "abs(measured - expected) <= tol * expected", "abs(measured - expected) <= tol"),
        B("default-tol", "tol : float, default 0.1",
          "def initial_loss_check(model, X, y, num_classes=None, tol=0.1):",
          "def initial_loss_check(model, X, y, num_classes=None, tol=0.2):"),
        B("num-classes", "Number of classes ``C``; by default ``model.num_classes``.",
          "        num_classes = model.num_classes\n", "        num_classes = 3\n"),
    ),
    "babysit.overfit_tiny_subset": C(
        "overfit_tiny_subset",
        B("subset", "``idx = np.random.default_rng(seed).choice(N, size=min(n, N), replace=False)`` over the "
                    "``N`` training examples, in that order",
          _SUBSET, "idx = np.sort(" + _SUBSET[len("idx = "):] + ")"),
        B("fresh", "a fresh ``model = model_factory()``", "trainer = Trainer(model, tiny,",
          "trainer = Trainer(model_factory(), tiny,"),
        B("no-reg", "its ``reg`` set to 0 when ``no_reg``",
          '    if no_reg and hasattr(model, "reg"):\n        model.reg = 0.0\n', ""),
        B("keep-reg", "its ``reg`` set to 0 when ``no_reg``",
          'if no_reg and hasattr(model, "reg"):', 'if hasattr(model, "reg"):'),
        B("has-reg", "(and the model has a ``reg``)", 'if no_reg and hasattr(model, "reg"):', "if no_reg:"),
        B("once", "trained once", "    history = trainer.train()\n",
          "    trainer.train()\n    history = trainer.train()\n"),
        B("validation", "whose training AND validation sets are the subset",
          '"X_val": X[idx], "y_val": y[idx]}', '"X_val": X[:len(idx)], "y_val": y[:len(idx)]}'),
        B("rule-config", "with the given ``update_rule`` and ``optim_config``",
          "optim_config=optim_config,", "optim_config=None,"),
        B("batch", "``batch_size`` the subset's size (every step sees the whole subset)",
          "batch_size=len(idx)", "batch_size=max(1, len(idx) // 2)"),
        B("epochs", "``num_epochs=epochs``", "num_epochs=epochs, seed", "num_epochs=epochs + 1, seed"),
        B("seed", "``seed=seed``", "seed=seed, progress=False", "seed=0, progress=False"),
        B("progress", "``progress=False``", "seed=seed, progress=False)", "seed=seed, progress=True)"),
        B("train-acc", "``train_acc``: the trainer's ``check_accuracy`` on the subset after training.",
          'train_acc = trainer.check_accuracy(tiny["X_train"], tiny["y_train"])',
          "train_acc = trainer.check_accuracy(X, y)"),
        B("loss-history", "``loss_history`` (one loss per step)",
          'list(history["loss"])', 'list(history["loss"])[1:]'),
        B("ok", "``ok`` (accuracy 1.0)", "train_acc == 1.0, model)", "train_acc > 0.5, model)"),
        B("n-default", "n : int, default 20", "n=20, epochs=200,", "n=16, epochs=200,"),
        B("epochs-default", "epochs : int, default 200", "n=20, epochs=200,", "n=20, epochs=100,"),
        B("rule-default", "update_rule : str or callable, default 'adam'",
          'epochs=200, update_rule="adam",', 'epochs=200, update_rule="sgd",'),
        B("config-default", "Default ``{'learning_rate': 1e-2}``.",
          'optim_config = optim_config or {"learning_rate": 1e-2}',
          'optim_config = optim_config or {"learning_rate": 1e-3}'),
        B("seed-default", "seed : int, default 0", "seed=0, no_reg=True):", "seed=1, no_reg=True):"),
        B("no-reg-default", "no_reg : bool, default True", "seed=0, no_reg=True):", "seed=0, no_reg=False):"),
    ),
    "babysit.random_search": C(
        "random_search",
        B("draws", "Trial ``i`` (from 0) draws its point with ``sample_space(space, rng)``, one call per "
                   "trial and in order",
          "params = sample_space(space, rng)", "params = sample_space(space, np.random.default_rng(i))"),
        B("trial-dict", "``{'params': params, 'score': score, 'index': i}``", '"index": i}', '"index": i + 1}'),
        B("score-float", "scores it with ``float(objective(params))``",
          "score = float(objective(params))", "score = objective(params)"),
        B("sort", "``trials`` sorted best first", "trials.sort(key=rank)", "trials.sort(key=rank, reverse=True)"),
        B("maximize", "Higher scores are better (set False for a loss).",
          "return -score if maximize else score", "return -score"),
        B("default-maximize", "maximize : bool, default True",
          "def random_search(objective, space, budget, rng, maximize=True,",
          "def random_search(objective, space, budget, rng, maximize=False,"),
        B("stable", "The sort is stable: trials with equal scores keep their order",
          "trials.sort(key=rank)", 'trials.sort(key=lambda t: (rank(t), -t["index"]))'),
        B("nan-last", "every NaN score comes after every number, whichever way ``maximize`` points",
          "            return math.inf", "            return -math.inf if maximize else math.inf"),
        B("best", "``trials`` sorted best first, ``best``, ``warnings``, ``space``.",
          "return SearchResult(trials, trials[0], messages, dict(space))",
          "return SearchResult(trials, trials[-1], messages, dict(space))"),
        B("border", "A best value in the outer ``border_fraction`` of its range (in log space for 'log' "
                    "parameters) triggers a warning.",
          'border_warnings(trials[0]["params"], space, border_fraction)',
          'border_warnings(trials[-1]["params"], space, border_fraction)'),
        B("border-fraction", "A best value in the outer ``border_fraction`` of its range",
          'border_warnings(trials[0]["params"], space, border_fraction)',
          'border_warnings(trials[0]["params"], space, 0.1)'),
        B("warn", "Also issue the border messages with ``warnings.warn`` (a UserWarning); they are in the "
                  "result either way.", "    if warn:\n", "    if not warn:\n"),
        B("default-warn", "warn : bool, default True", "warn=True, verbose=False):", "warn=False, verbose=False):"),
        B("verbose", "verbose : bool, default False Print one line per trial.",
          "        if verbose:\n", "        if not verbose:\n"),
        B("default-verbose", "verbose : bool, default False", "warn=True, verbose=False):",
          "warn=True, verbose=True):"),
    ),
    "babysit.refine_space": C(
        "refine_space",
        B("range", "``(lo - expand * w, hi + expand * w)``", _REFINE,
          "lo, hi = lo - expand * width / 2, hi + expand * width / 2"),
        B("top-k", "the values of the ``top_k`` best trials",
          "top = trials[:max(1, int(top_k))]", "top = trials[:max(1, int(top_k) - 1)]"),
        B("log-space", "(in log space for 'log' parameters)",
          '        if scale == "log":\n            values, old = np.log10(values), np.log10(old)\n', "",
          ('        if scale == "log":\n            lo, hi = 10.0 ** lo, 10.0 ** hi\n', "")),
        B("coincide", "When the top values coincide (``w = 0``), ``w`` is the width of the old range instead.",
          "width = hi - lo if hi > lo else old[1] - old[0]", "width = hi - lo"),
        B("not-clipped", "The new range is NOT clipped to the old one", _REFINE,
          "lo, hi = max(lo - expand * width, old[0]), min(hi + expand * width, old[1])"),
        B("order", "The keys and order of ``space``",
          "    refined = {}\n    for name, (low, high, scale) in space.items():",
          "    refined = {}\n    for name, (low, high, scale) in sorted(space.items()):"),
        B("scale-kept", "the scale is kept", "refined[name] = (float(lo), float(hi), scale)",
          'refined[name] = (float(lo), float(hi), "log")'),
        B("floats", "``low`` and ``high`` are floats", "refined[name] = (float(lo), float(hi), scale)",
          "refined[name] = (lo, hi, scale)"),
        B("search-result", "trials : list of dict or SearchResult",
          "    if isinstance(trials, SearchResult):\n        trials = trials.trials\n", ""),
        B("default-expand", "expand : float >= 0, default 0.1",
          "def refine_space(trials, top_k, space, expand=0.1):", "def refine_space(trials, top_k, space, expand=0.2):"),
    ),
}

CONTRACTS = {**GRADCHECK, **LAYERS, **LOSSES, **ACTIVATIONS, **INIT, **NORMALIZATION,
             **PREPROCESSING, **REGULARIZATION, **OPTIM, **SCHEDULES, **MODEL, **BABYSIT}


def render() -> str:
    """The table as text: function, behaviour, the docstring's words, the checking lines of the cell."""
    from contract_support import graded_cells

    out = []
    cells = graded_cells()
    for name, contract in CONTRACTS.items():
        cell = cells.get(contract.cell)
        checked = cell.checked() if cell else {}
        where_nb = cell.notebook.name if cell else "no such cell"
        out.append(f"{name}: graded cell {contract.cell!r} of {where_nb}")
        for b in contract.behaviours:
            lines = [n + cell.first_hidden_line - 1 for n in checked.get(b.tag, [])] if cell else []
            where = _ranges(lines) if lines else "NOT CHECKED"
            out.append(f"  {b.tag:<17} cell lines {where}\n  {'':<17} says: {b.says}")
    return "\n".join(out)


def _ranges(numbers):
    """``[3, 4, 5, 9]`` -> ``'3-5, 9'``."""
    spans, start = [], numbers[0]
    for prev, cur in zip(numbers, numbers[1:] + [None]):
        if cur != prev + 1:
            spans.append(f"{start}-{prev}" if prev != start else f"{start}")
            start = cur
    return ", ".join(spans)


if __name__ == "__main__":
    print(render())
