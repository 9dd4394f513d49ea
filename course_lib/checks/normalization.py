"""Visible checks of assignment 03: batch normalization, layer normalization, and the input
preprocessing of ``course_lib.preprocessing`` (PCA and whitening).

Forward passes are checked on small batches whose means and variances are
whole numbers, so the expected outputs were worked out by hand. Backward
passes are checked against centred differences (``grouped_slopes``, never the
student's own ``course_lib.gradcheck``) of the normalisation formula written
inline here;
their cache is built inline too, in the layout the docstrings fix::

    cache = (x_hat, gamma, x_centered, inv_std)

so a backward check never depends on the student's forward pass. When a
result is wrong, the check compares it with what typical slips produce (the
unbiased variance, eps outside the root, the wrong axis, a missing path
through mu or var, swapped momentum, ...) and names the one it matches.
"""
from __future__ import annotations

import numpy as np

from .core import *  # noqa: F401,F403
from .core import _call, _call_strict, _as_pair  # noqa: F401

__all__ = ["check_batchnorm_forward", "check_batchnorm_backward", "check_batchnorm_backward_alt",
           "check_layernorm_forward", "check_layernorm_backward",
           "check_fc_network_normalization", "check_fit_pca", "check_pca_transform",
           "check_whiten"]

_MODULE = "normalization"


def _same(got, expected, rtol=1e-6, atol=1e-9):
    """True when ``got`` has ``expected``'s shape and values (no exception on junk)."""
    try:
        got = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    expected = np.asarray(expected, dtype=np.float64)
    return got.shape == expected.shape and bool(np.allclose(got, expected, rtol=rtol, atol=atol))


def _expect(got, expected, what, slips=(), hint="", **kwargs):
    """Like ``expect_close``, but first names a slip whose result ``got`` matches.

    ``slips`` is a sequence of ``(value the slip gives, message)``; ``hint`` is
    added to the message of a mismatch that no slip explains.
    """
    if diagnose(got, expected, what, **kwargs) is None:
        return
    for value, message in slips:
        if _same(got, value):
            fail(f"{what} is wrong. {message}")
    expect_close(got, expected, what, hint=hint, **kwargs)


def _cache_slips(inv_std, what_shape):
    """What a wrong last entry of the cache typically holds, given the right ``inv_std``."""
    inv_std = np.asarray(inv_std, dtype=np.float64)
    return [
        (1.0 / inv_std, "It holds the standard deviation sqrt(var + eps); the cache stores its "
                        "inverse, inv_std = 1 / sqrt(var + eps), which the backward passes "
                        "multiply by."),
        (1.0 / inv_std ** 2, "It holds the variance (var + eps); the cache stores "
                             "inv_std = 1 / sqrt(var + eps)."),
        (inv_std ** 2, "It holds 1 / (var + eps); the cache stores its square root, "
                       "inv_std = 1 / sqrt(var + eps)."),
    ]


def _expect_inv_std(got, inv_std, what, shape_hint):
    """cache[3]: named slips, and a shape hint only when the shape is wrong."""
    expected = np.asarray(inv_std, dtype=np.float64)
    try:
        shape = np.shape(got)
    except (TypeError, ValueError):
        shape = None
    if shape is not None and shape != expected.shape and np.size(got) == expected.size:
        fail(f"{what} has shape {shape}, expected {expected.shape}: {shape_hint}")
    _expect(got, expected, what, _cache_slips(expected, shape_hint))


def _normalise(x, axis, eps, ddof=0):
    """Inline normalisation: (x - mean) / sqrt(var + eps) along ``axis``."""
    mu = x.mean(axis=axis, keepdims=True)
    var = x.var(axis=axis, ddof=ddof, keepdims=True)
    return (x - mu) / np.sqrt(var + eps)


def _call_forward(name, fn, *args):
    """Run a forward pass; a broadcasting error becomes a hint about keepdims."""
    try:
        return _as_pair(_call(name, _MODULE, fn, *args), name)
    except ValueError as err:
        if "broadcast" not in str(err):
            raise
        fail(f"{name} raised '{err}'. A statistic of shape (N,) does not line up with x of "
             "shape (N, D): keep the reduced axis with keepdims=True (shape (N, 1) or (1, D)).")


# ====================================================================== batch norm
# Column 0 is [1, 1, 3, 3] (mean 2, biased variance 1, unbiased 4/3), column 1
# is [0, 0, 4, 4] (mean 2, variance 4): x_hat is -1 on the first two rows and
# +1 on the last two, in both columns.
_BN_X = np.array([[1.0, 0.0], [1.0, 0.0], [3.0, 4.0], [3.0, 4.0]])
_BN_GAMMA = np.array([2.0, 0.5])
_BN_BETA = np.array([0.5, -1.0])
_BN_OUT = np.array([[-1.5, -1.5], [-1.5, -1.5], [2.5, -0.5], [2.5, -0.5]])
_BN_MU = np.array([2.0, 2.0])
_BN_VAR = np.array([1.0, 4.0])


def _bn_train_slips(x, gamma, beta, eps):
    return [
        (gamma * _normalise(x, 0, eps, ddof=1) + beta,
         "It matches the unbiased variance (divide by N - 1): batch norm uses the biased one, "
         "mean((x - mu)**2, axis=0), i.e. divide by N."),
        (gamma * (x - x.mean(0)) / (x.var(0) + eps) + beta,
         "It matches dividing by the variance: divide by the standard deviation "
         "sqrt(var + eps)."),
        (gamma * _normalise(x, 1, eps) + beta,
         "It matches statistics over the features of each sample (axis=1): batch norm "
         "averages over the batch, one mean and one variance per feature (axis=0)."),
        (gamma * (x - x.mean()) / np.sqrt(x.var() + eps) + beta,
         "It matches one mean and one variance for the whole array (no axis): batch norm has "
         "one per feature, over the batch (axis=0)."),
        (_normalise(x, 0, eps),
         "It matches x_hat without gamma and beta: finish with out = gamma * x_hat + beta."),
        (beta * _normalise(x, 0, eps) + gamma,
         "gamma and beta are swapped: gamma scales, beta shifts (out = gamma * x_hat + beta)."),
    ]


@visible_check("batchnorm_forward")
def check_batchnorm_forward(fn):
    """Check ``batchnorm_forward``: train mode by hand, eps, running averages, test mode, float32."""
    name = "batchnorm_forward"

    # train mode, numbers worked out by hand
    bn_param = {"mode": "train", "eps": 0.0}
    out, cache = _call_forward(name, fn, _BN_X.copy(), _BN_GAMMA, _BN_BETA, bn_param)
    _expect(out, _BN_OUT, f"{name}: train-mode out for x = {_BN_X.tolist()}",
            _bn_train_slips(_BN_X, _BN_GAMMA, _BN_BETA, 0.0))
    if not (isinstance(cache, tuple) and len(cache) == 4):
        fail(f"{name}: in train mode the cache must be the tuple (x_hat, gamma, x_centered, "
             "inv_std), which the backward passes unpack.")
    # x_hat and x_centered coincide on this batch's first column: compare the whole tuple
    right = (np.array([[-1.0, -1.0], [-1.0, -1.0], [1.0, 1.0], [1.0, 1.0]]), _BN_GAMMA,
             _BN_X - _BN_MU, np.array([1.0, 0.5]))
    expect_outputs(cache, f"{name}: the cache", ("x_hat", "gamma", "x_centered", "inv_std"),
                   right, cache=True)
    x_hat, cache_gamma, x_centered, inv_std = cache
    expect_close(x_hat, right[0], f"{name}: cache[0] (x_hat)")
    expect_close(cache_gamma, _BN_GAMMA, f"{name}: cache[1] (gamma)")
    expect_close(x_centered, right[2], f"{name}: cache[2] (x_centered = x - mu)")
    _expect_inv_std(inv_std, right[3], f"{name}: cache[3] (inv_std = 1 / sqrt(var + eps))",
                    "inv_std has one entry per feature, shape (D,), like gamma.")

    # eps belongs inside the square root: var 1 + eps 3 -> x_hat = +-1/2
    x = np.array([[1.0], [1.0], [3.0], [3.0]])
    one, zero = np.ones(1), np.zeros(1)
    out, _ = _call_forward(name, fn, x.copy(), one, zero, {"mode": "train", "eps": 3.0})
    _expect(out, [[-0.5], [-0.5], [0.5], [0.5]],
            f"{name}: out for x = [1, 1, 3, 3] with eps = 3 (var + eps = 4)",
            [([[-1.0], [-1.0], [1.0], [1.0]],
              "eps is ignored: divide by sqrt(var + eps) with eps = bn_param['eps']."),
             ([[-0.25], [-0.25], [0.25], [0.25]],
              "eps is added outside the square root: it belongs inside, sqrt(var + eps).")])

    # running averages after one train step: momentum 0.8 on given starting values
    start_mean, start_var = np.array([1.0, -1.0]), np.array([2.0, 0.5])
    bn_param = {"mode": "train", "eps": 0.0, "momentum": 0.8,
                "running_mean": start_mean.copy(), "running_var": start_var.copy()}
    out, _ = _call_forward(name, fn, _BN_X.copy(), _BN_GAMMA, _BN_BETA, bn_param)
    running_slips = [
        (_BN_GAMMA * (_BN_X - start_mean) / np.sqrt(start_var) + _BN_BETA,
         "It is normalised with the running averages: train mode uses the statistics of the "
         "batch (the running averages are only updated)."),
        (_BN_GAMMA * (_BN_X - (0.8 * start_mean + 0.2 * _BN_MU))
         / np.sqrt(0.8 * start_var + 0.2 * _BN_VAR) + _BN_BETA,
         "It is normalised with the updated running averages: train mode uses the statistics "
         "of the batch."),
    ]
    _expect(out, _BN_OUT, f"{name}: train-mode out when running averages are present",
            running_slips, hint="Train mode normalises with the statistics of the batch, "
                                "whatever the running averages hold.")
    new_mean = np.asarray(bn_param.get("running_mean"))
    new_var = np.asarray(bn_param.get("running_var"))
    if _same(new_mean, start_mean) and _same(new_var, start_var):
        fail(f"{name}: the running averages are not updated in train mode. Store the new "
             "values back in bn_param['running_mean'] and bn_param['running_var'].")
    mean_slips = [
        (0.2 * start_mean + 0.8 * _BN_MU,
         "momentum and 1 - momentum are swapped: the OLD running average keeps the weight "
         "momentum, running = momentum * running + (1 - momentum) * batch."),
        (0.9 * start_mean + 0.1 * _BN_MU,
         "It matches momentum 0.9, but bn_param['momentum'] was 0.8: use the momentum given."),
        (_BN_MU, "It holds the batch mean alone: blend it with the old running mean, "
                 "momentum * running_mean + (1 - momentum) * mu."),
    ]
    _expect(new_mean, 0.8 * start_mean + 0.2 * _BN_MU,
            f"{name}: bn_param['running_mean'] after one train step (momentum 0.8)", mean_slips)
    var_slips = [
        (0.2 * start_var + 0.8 * _BN_VAR,
         "momentum and 1 - momentum are swapped: running = momentum * running + "
         "(1 - momentum) * batch."),
        (0.8 * start_var + 0.2 * _BN_VAR * 4 / 3,
         "It averages the unbiased batch variance (divide by N - 1): use the biased one."),
        (0.8 * start_var + 0.2 * np.sqrt(_BN_VAR),
         "It averages the standard deviation: running_var averages the variance."),
    ]
    _expect(new_var, 0.8 * start_var + 0.2 * _BN_VAR,
            f"{name}: bn_param['running_var'] after one train step (momentum 0.8)", var_slips)

    # test mode: the running averages, not the batch; they stay unchanged. With
    # eps = 0.09 the variances 3.91 and 0.16 become 4 and 0.25 (standard deviations 2, 0.5).
    eps = 0.09
    running_mean, running_var = np.array([1.0, -1.0]), np.array([3.91, 0.16])
    bn_param = {"mode": "test", "eps": eps,
                "running_mean": running_mean.copy(), "running_var": running_var.copy()}
    x = np.array([[3.0, 0.5], [-1.0, -1.25]])
    out, _ = _call_forward(name, fn, x.copy(), _BN_GAMMA, _BN_BETA, bn_param)
    centred = x - running_mean
    _expect(out, [[2.5, 0.5], [-1.5, -1.25]],
            f"{name}: test-mode out with running_mean = [1, -1], running_var = [3.91, 0.16], "
            "eps = 0.09",
            [(_BN_GAMMA * _normalise(x, 0, eps) + _BN_BETA,
              "It matches the batch statistics: test mode normalises with "
              "bn_param['running_mean'] and bn_param['running_var']."),
             (_BN_GAMMA * centred / np.sqrt(running_var) + _BN_BETA,
              "eps is ignored in test mode: divide by sqrt(running_var + eps) there too."),
             (_BN_GAMMA * centred / (np.sqrt(running_var) + eps) + _BN_BETA,
              "eps is added outside the square root in test mode: sqrt(running_var + eps)."),
             (_BN_GAMMA * centred / (running_var + eps) + _BN_BETA,
              "In test mode it divides by the variance: divide by the standard deviation "
              "sqrt(running_var + eps)."),
             (centred / np.sqrt(running_var + eps),
              "In test mode gamma and beta are missing: out = gamma * x_hat + beta there too.")])
    if not (_same(bn_param.get("running_mean"), running_mean)
            and _same(bn_param.get("running_var"), running_var)):
        fail(f"{name}: test mode changed the running averages; only train mode updates them.")
    single, _ = _call_forward(name, fn, x[:1].copy(), _BN_GAMMA, _BN_BETA, dict(
        mode="test", eps=eps, running_mean=running_mean.copy(), running_var=running_var.copy()))
    expect_close(single, [[2.5, 0.5]], f"{name}: test-mode out for the first sample alone",
                 hint="In test mode a sample's output must not depend on the rest of the batch.")

    # float32 in, float32 out (train and test)
    x32 = _BN_X.astype(np.float32)
    g32, b32 = _BN_GAMMA.astype(np.float32), _BN_BETA.astype(np.float32)
    out32, _ = _call_forward(name, fn, x32, g32, b32, {"mode": "train"})
    expect_dtype(out32, np.float32, f"{name}: train-mode out for float32 inputs")
    expect_close(out32, _BN_OUT, f"{name}: train-mode out for float32 inputs", rtol=1e-4,
                 atol=1e-4)
    out32, _ = _call_forward(name, fn, x32, g32, b32, {"mode": "test"})
    expect_dtype(out32, np.float32, f"{name}: test-mode out for float32 inputs")


def _bn_example(dtype=np.float64):
    rng = np.random.default_rng(30)
    x = rng.standard_normal((5, 3)) * np.array([1.0, 3.0, 0.5]) + np.array([0.0, 2.0, -1.0])
    gamma = np.array([1.5, -0.5, 2.0])
    beta = np.array([0.2, 0.0, -0.3])
    dout = rng.standard_normal((5, 3))
    return tuple(np.asarray(a, dtype=dtype) for a in (x, gamma, beta, dout))


def _norm_cache(x, gamma, axis, eps):
    """The documented cache (x_hat, gamma, x_centered, inv_std), built inline."""
    centred = x - x.mean(axis=axis, keepdims=True)
    inv_std = 1.0 / np.sqrt((centred ** 2).mean(axis=axis, keepdims=True) + eps)
    if axis == 0:
        inv_std = inv_std[0]
    return (centred * inv_std, gamma, centred, inv_std)


def _expect_parameter_gradient(got, expected, what, n, slips=(), hint=""):
    """dgamma or dbeta: one entry per feature, a sum over the batch."""
    shape = np.shape(got) if isinstance(got, np.ndarray) else None
    label = what.rsplit(" ", 1)[-1]
    if shape == (n, expected.size):
        fail(f"{what} has shape {shape}, expected {expected.shape}: it is not summed. {label} "
             "has one entry per feature: sum over the batch (axis 0).")
    if shape is not None and len(shape) == 1 and shape != expected.shape and shape[0] == n:
        fail(f"{what} has shape {shape}, expected {expected.shape}: it sums over the features "
             f"(axis 1). {label} has one entry per feature: sum over the batch (axis 0).")
    _expect(got, expected, what, slips, hint=hint, factors={
        1.0 / n: f"{label} is a sum over the batch, not a mean (N = {n})."})


def _check_norm_backward(name, fn, axis):
    """Shared check of the three backward passes; ``axis`` holds the statistics."""
    eps = 1e-5
    x, gamma, beta, dout = _bn_example()
    cache = _norm_cache(x, gamma, axis, eps)
    result = _call(name, _MODULE, fn, dout.copy(), cache)

    def forward(x_, gamma_, beta_):
        return gamma_ * _normalise(x_, axis, eps) + beta_

    # The statistics run along ``axis``; lines across it never meet (batch norm's
    # features, layer norm's samples), and gamma_j, beta_j only reach feature j.
    apart = 1 - axis
    num_dx = grouped_slopes(lambda v: forward(v, gamma, beta), x, dout, apart, apart)
    num_dgamma = grouped_slopes(lambda v: forward(x, v, beta), gamma, dout, 0, 1)
    num_dbeta = grouped_slopes(lambda v: forward(x, gamma, v), beta, dout, 0, 1)
    dx, dgamma, dbeta = expect_outputs(result, name, ("dx", "dgamma", "dbeta"),
                                       (num_dx, num_dgamma, num_dbeta), rtol=1e-6, atol=1e-8)

    x_hat, _, x_centered, inv_std = cache
    batch = x.shape[0]
    _expect_parameter_gradient(dbeta, num_dbeta, f"{name}: dbeta", batch,
                               hint="dbeta sums dout over the batch (axis 0).")
    upstream = dout * gamma                  # the gradient that reaches x_hat
    _expect_parameter_gradient(dgamma, num_dgamma, f"{name}: dgamma", batch, [
        ((dout * x).sum(axis=0), "It matches sum(dout * x): gamma multiplies x_hat, so "
                                 "dgamma = sum(dout * x_hat, axis=0)."),
        ((dout * x_centered).sum(axis=0), "It matches sum(dout * x_centered): gamma multiplies "
                                          "x_hat, so dgamma = sum(dout * x_hat, axis=0)."),
        ((upstream * x_hat).sum(axis=0), "It is gamma times too large: gamma itself does not "
                                         "appear in dgamma = sum(dout * x_hat, axis=0)."),
        (num_dbeta, "It equals dbeta: weigh dout by x_hat before summing."),
    ], hint="dgamma sums dout * x_hat over the batch (axis 0).")

    n = x.shape[axis]
    size = "N" if axis == 0 else "D"
    counted = f"{size} = {n}, the number of {'samples' if axis == 0 else 'features'}"
    closed_form = name != "batchnorm_backward"
    factors = {
        n: f"{counted}: a factor 1/{size} is missing"
           + (f" (the closed form of the docstring starts with (1 / {size}))."
              if closed_form else " (mu and var are means: what flows back through them "
                                  "carries 1/N)."),
        1.0 / n: f"{counted}: it is divided by {size} once too often.",
    }
    # The three ways x reaches out: directly through x_hat, through mu, through var.
    direct = upstream * inv_std
    via_mu = -inv_std * upstream.mean(axis=axis, keepdims=True)
    via_var = num_dx - direct - via_mu
    without_gamma = grouped_slopes(lambda v: _normalise(v, axis, eps), x, dout, apart, apart)
    slips = [
        (direct, "It treats mu and var as constants. They depend on x too: add the "
                 "gradients that flow back through mu and through var."),
        (direct + via_mu, "The path through var is missing (the term with x_hat)."),
        (direct + via_var, "The path through mu is missing (the term with the mean of the "
                           "upstream gradient)."),
        (via_mu + via_var, "The direct path is missing: x_hat depends on x directly "
                           "(x_centered * inv_std), not only through mu and var."),
        (without_gamma, "gamma is missing: the gradient reaching x_hat is dout * gamma."),
        (upstream, "It is dx_hat = dout * gamma, the gradient that reaches x_hat; carry it "
                   "on to x, through x_hat = (x - mu) * inv_std and through mu and var."),
        (direct - via_mu + via_var, "The path through mu has the wrong sign: x_centered = "
                                    "x - mu, so mu enters with a minus."),
        (direct + via_mu - via_var, "The path through var (the term with x_hat) has the wrong "
                                    "sign: inv_std falls when var grows."),
        (direct + n * via_mu + via_var, f"The path through mu is {n}× too large: mu is a "
                                        f"mean over {n} values, so each gets 1/{size} of "
                                        "its gradient."),
        (direct + via_mu + n * via_var, f"The path through var is {n}× too large: var is a "
                                        f"mean over {n} values, so each gets 1/{size} of "
                                        "its gradient."),
        (direct + via_mu + via_var / inv_std,
         "The path through var has the wrong power of inv_std: inv_std = (var + eps)**-0.5, "
         "so d inv_std / d var = -0.5 * inv_std**3."),
    ]
    if axis == 1:
        bn_like = inv_std * (upstream - upstream.mean(axis=0)
                             - x_hat * (upstream * x_hat).mean(axis=0))
        slips.append((bn_like, "It sums over the batch (axis 0) like batch norm: layer norm's "
                               "statistics are per sample, so the sums that flow back through "
                               "mu and var run over the features (axis=1, keepdims=True)."))
    _expect(dx, num_dx, f"{name}: dx", slips, factors=factors, rtol=1e-6, atol=1e-8)

    # float32 in, float32 out
    x32, gamma32, _, dout32 = _bn_example(np.float32)
    cache32 = tuple(np.asarray(a, dtype=np.float32) for a in _norm_cache(x32, gamma32, axis,
                                                                          np.float32(eps)))
    result32 = _call(name, _MODULE, fn, dout32, cache32)
    for label, got in zip(("dx", "dgamma", "dbeta"), result32):
        expect_dtype(got, np.float32, f"{name}: {label} for float32 inputs")


@visible_check("batchnorm_backward")
def check_batchnorm_backward(fn):
    """Check ``batchnorm_backward`` against numeric gradients of the batch-norm formula."""
    _check_norm_backward("batchnorm_backward", fn, axis=0)


@visible_check("batchnorm_backward_alt")
def check_batchnorm_backward_alt(fn):
    """Check ``batchnorm_backward_alt`` against numeric gradients of the batch-norm formula."""
    _check_norm_backward("batchnorm_backward_alt", fn, axis=0)


# ====================================================================== layer norm
# Row 0 is [1, 1, 3, 3] (mean 2, variance 1), row 1 is [0, 4, 0, 4] (mean 2,
# variance 4): x_hat is [-1, -1, 1, 1] and [-1, 1, -1, 1].
_LN_X = np.array([[1.0, 1.0, 3.0, 3.0], [0.0, 4.0, 0.0, 4.0]])
_LN_GAMMA = np.array([1.0, 2.0, 0.5, -1.0])
_LN_BETA = np.array([0.0, 0.5, 1.0, -0.5])
_LN_OUT = np.array([[-1.0, -1.5, 1.5, -1.5], [-1.0, 2.5, 0.5, -1.5]])


@visible_check("layernorm_forward")
def check_layernorm_forward(fn):
    """Check ``layernorm_forward``: per-sample statistics by hand, eps, no modes, float32."""
    name = "layernorm_forward"
    x, gamma, beta = _LN_X, _LN_GAMMA, _LN_BETA
    slips = [
        (gamma * _normalise(x, 0, 0.0) + beta,
         "It matches statistics over the batch (axis=0), which is batch norm: layer norm "
         "normalises every sample with the mean and variance of its own features (axis=1)."),
        (gamma * _normalise(x, 1, 0.0, ddof=1) + beta,
         "It matches the unbiased variance (divide by D - 1): use the biased one, divide by D."),
        (gamma * (x - x.mean(1, keepdims=True)) / x.var(1, keepdims=True) + beta,
         "It matches dividing by the variance: divide by sqrt(var + eps)."),
        (_normalise(x, 1, 0.0), "It matches x_hat without gamma and beta: finish with "
                                "out = gamma * x_hat + beta."),
    ]
    out, cache = _call_forward(name, fn, x.copy(), gamma, beta, {"eps": 0.0})
    _expect(out, _LN_OUT, f"{name}: out for x = {x.tolist()}", slips)
    if not (isinstance(cache, tuple) and len(cache) == 4):
        fail(f"{name}: the cache must be the tuple (x_hat, gamma, x_centered, inv_std).")
    right = (np.array([[-1.0, -1.0, 1.0, 1.0], [-1.0, 1.0, -1.0, 1.0]]), gamma,
             x - 2.0, np.array([[1.0], [0.5]]))
    expect_outputs(cache, f"{name}: the cache", ("x_hat", "gamma", "x_centered", "inv_std"),
                   right, cache=True)
    _expect_inv_std(cache[3], right[3], f"{name}: cache[3] (inv_std)",
                    "inv_std holds one value per sample, shape (N, 1) (keepdims=True).")

    # eps inside the root: variance 1 + eps 3 -> x_hat = +-1/2
    row = np.array([[1.0, 1.0, 3.0, 3.0]])
    one, zero = np.ones(4), np.zeros(4)
    out, _ = _call_forward(name, fn, row.copy(), one, zero, {"eps": 3.0})
    _expect(out, [[-0.5, -0.5, 0.5, 0.5]], f"{name}: out for x = [1, 1, 3, 3] with eps = 3",
            [([[-1.0, -1.0, 1.0, 1.0]], "eps is ignored: divide by sqrt(var + eps)."),
             ([[-0.25, -0.25, 0.25, 0.25]], "eps is added outside the square root.")])

    # a square batch: a per-sample mean of shape (N,) broadcasts along the features
    sq = np.array([[1.0, 1.0, 4.0], [0.0, 3.0, 6.0], [2.0, 2.0, 2.0]])
    ones, zeros = np.ones(3), np.zeros(3)
    mu = sq.mean(axis=1)
    wrong = (sq - mu) / np.sqrt(((sq - mu) ** 2).mean(axis=1) + 1.0)
    out, _ = _call_forward(name, fn, sq.copy(), ones, zeros, {"eps": 1.0})
    _expect(out, _normalise(sq, 1, 1.0), f"{name}: out for a 3 x 3 batch with eps = 1",
            [(wrong, "The per-sample statistics have shape (N,) and broadcast along the "
                     "features: keep them as a column with keepdims=True.")])

    # no modes, no running averages, and the default eps
    out_test, _ = _call_forward(name, fn, x.copy(), gamma, beta, {"mode": "test", "eps": 0.0})
    expect_close(out_test, _LN_OUT, f"{name}: out with ln_param['mode'] = 'test'",
                 hint="Layer norm behaves the same in training and at test time.")
    out_default, _ = _call_forward(name, fn, x.copy(), gamma, beta)
    expected_default = gamma * _normalise(x, 1, 1e-5) + beta
    expect_close(out_default, expected_default, f"{name}: out with ln_param=None (eps = 1e-5)")

    out32, _ = _call_forward(name, fn, x.astype(np.float32), gamma.astype(np.float32),
                             beta.astype(np.float32))
    expect_dtype(out32, np.float32, f"{name}: out for float32 inputs")


@visible_check("layernorm_backward")
def check_layernorm_backward(fn):
    """Check ``layernorm_backward`` against numeric gradients of the layer-norm formula."""
    _check_norm_backward("layernorm_backward", fn, axis=1)


# ====================================================================== the network (03)
@visible_check("fc_network_normalization")
def check_fc_network_normalization(model_module):
    """Check the network's normalization and skip steps of ``course_lib/model.py``.

    Networks with batch norm or layer norm and identity skips, run with
    stand-ins for every layer (your earlier assignments play no part): the
    forward pass, each parameter's gradient against the loss's slope along
    random directions, and batch norm's test mode.
    """
    from . import _network as net_check

    with net_check.stand_ins(model_module):
        for seed, options in ((0, {"normalization": "batchnorm"}),
                              (1, {"normalization": "layernorm"}),
                              (2, {"residual": True}),
                              (3, {"normalization": "batchnorm", "residual": True}),
                              (4, {"normalization": "layernorm", "residual": "unscaled"})):
            what = f"fc_network with {', '.join(f'{k}={v!r}' for k, v in options.items())}"
            net = net_check.build(model_module, [5, 5, 4], seed=seed, **options)
            X, y = net_check.batch(seed)
            net_check.check_forward(net, X, what)
            net_check.judge_gradients(net, X, y, what)
        net = net_check.build(model_module, [5, 4], seed=5, normalization="batchnorm")
        X, y = net_check.batch(5)
        net_check.student_call(net.loss, X, y)
        running = [dict(p) for p in net.bn_params]
        scores = net_check.student_call(net.loss, X)
        for before, after in zip(running, net.bn_params):
            if not np.array_equal(before["running_mean"], after["running_mean"]):
                fail("In test mode (loss(X) without labels) the running averages moved: "
                     "_normalize_forward must put the mode it is given into the layer's bn_param.")
        expected, _ = net_check.expected_test_scores(net, X)
        if not np.allclose(np.asarray(scores, dtype=np.float64), expected, rtol=1e-6, atol=1e-9):
            fail("In test mode the scores should use each layer's running averages "
                 "(bn_param['mode'] = 'test').")


# ====================================================================== preprocessing (03)
# Four points, mean (1, 2), spread along the unit vectors u = (0.8, 0.6) and v = (-0.6, 0.8):
# rows mean + 3u, mean - 3u, mean + v, mean - v. The covariance (divided by N = 4) is
# (9 + 9) / 4 u u^T + (1 + 1) / 4 v v^T = 4.5 u u^T + 0.5 v v^T: variances 4.5 and 0.5,
# components u and v (each with its largest entry, 0.8, positive). In those coordinates the
# rows are (3, 0), (-3, 0), (0, 1), (0, -1).
_PCA_X = np.array([[3.4, 3.8], [-1.4, 0.2], [0.4, 2.8], [1.6, 1.2]])
_PCA_MEAN = np.array([1.0, 2.0])
_PCA_COMPONENTS = np.array([[0.8, -0.6], [0.6, 0.8]])
_PCA_VARIANCES = np.array([4.5, 0.5])
_PCA_Z = np.array([[3.0, 0.0], [-3.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
_PRE = "preprocessing"


@visible_check("fit_pca")
def check_fit_pca(fn):
    """Check ``fit_pca`` on four points of known covariance, on a constant feature, and float32."""
    name = "fit_pca"
    X = _PCA_X.copy()
    result = expect_outputs(_call(name, _PRE, fn, X), name, ("mean", "components", "variances"),
                            (_PCA_MEAN, _PCA_COMPONENTS, _PCA_VARIANCES))
    if not np.array_equal(X, _PCA_X):
        fail(f"{name} changed X in place: centre a copy (X - mean is a new array).")
    mean, components, variances = result
    expect_close(mean, _PCA_MEAN, f"{name}: mean", hint="The mean of the rows: X.mean(axis=0).")
    if _same(variances, [6.0, 2.0 / 3.0]):
        fail(f"{name}: the variances are {np.round(variances, 4).tolist()}, 4/3 of the expected "
             "[4.5, 0.5]: the covariance is divided by N - 1; the course uses the biased "
             "estimate, Xc.T @ Xc / N.")
    if _same(variances, [0.5, 4.5]):
        fail(f"{name}: the variances are in increasing order (the order np.linalg.eigh returns); "
             "sort them, and the columns of components with them, in DECREASING order.")
    if _same(variances, np.sqrt([4.5, 0.5])):
        fail(f"{name}: the variances are the square roots of the expected ones: return the "
             "eigenvalues of the covariance themselves.")
    if _same(np.sort(np.ravel(variances))[::-1] if np.size(variances) == 2 else None,
             np.linalg.eigvalsh(_PCA_X.T @ _PCA_X / 4)[::-1]):
        fail(f"{name}: the variances are those of the uncentred data: subtract the mean before "
             "forming Xc.T @ Xc / N.")
    expect_close(variances, _PCA_VARIANCES, f"{name}: variances")
    got = np.asarray(components, dtype=np.float64) if np.shape(components) == (2, 2) else None
    if got is not None and _same(got, _PCA_COMPONENTS.T):
        fail(f"{name}: the principal directions are in the ROWS of components; the docstring "
             "puts direction k in COLUMN k (np.linalg.eigh returns them that way).")
    if got is not None and _same(got, _PCA_COMPONENTS[:, ::-1]):
        fail(f"{name}: the columns of components are in increasing order of variance; reorder "
             "them with the variances (the same index array for both).")
    if got is not None and _same(np.abs(got), np.abs(_PCA_COMPONENTS)) and \
            not _same(got, _PCA_COMPONENTS):
        fail(f"{name}: a column of components has the wrong sign: flip each column so that its "
             "entry of largest absolute value is positive.")
    expect_close(components, _PCA_COMPONENTS, f"{name}: components",
                 hint="Column k is the unit eigenvector of the k-th largest variance.")
    # a third feature that never changes: a direction of variance 0, never a negative one
    X3 = np.column_stack([_PCA_X, np.full(4, 7.0)])
    mean3, components3, variances3 = _call(name, _PRE, fn, X3)
    expect_close(variances3, [4.5, 0.5, 0.0], f"{name}: variances with a constant third feature",
                 atol=1e-12, hint="Round-off can make a zero eigenvalue slightly negative: "
                                  "return 0 for it (np.maximum(variances, 0)).")
    if np.min(np.asarray(variances3, dtype=np.float64)) < 0:
        fail(f"{name}: a variance is negative ({float(np.min(variances3)):.3g}), round-off "
             "from np.linalg.eigh: return 0 for it (np.maximum(variances, 0)).")
    expect_close(components3, [[0.8, -0.6, 0.0], [0.6, 0.8, 0.0], [0.0, 0.0, 1.0]],
                 f"{name}: components with a constant third feature", atol=1e-9)
    # four features that are combinations of two: two zero eigenvalues, which np.linalg.eigh
    # returns as round-off of either sign
    A = np.random.default_rng(3).standard_normal((6, 2))
    _, _, variances4 = _call(name, _PRE, fn, np.column_stack([A, A[:, 0] + A[:, 1], 2 * A[:, 0]]))
    if np.shape(variances4) == (4,) and np.min(np.asarray(variances4, dtype=np.float64)) < 0:
        fail(f"{name}: a variance is negative ({float(np.min(variances4)):.3g}) for data of rank 2 "
             "in 4 dimensions: that is round-off of a zero eigenvalue; return 0 for it "
             "(np.maximum(variances, 0)).")
    for got32, what in zip(_call(name, _PRE, fn, _PCA_X.astype(np.float32)),
                           ("mean", "components", "variances")):
        expect_dtype(got32, np.float32, f"{name}: {what} for float32 X")


@visible_check("pca_transform")
def check_pca_transform(fn):
    """Check ``pca_transform`` with the components of ``check_fit_pca``'s points, k = 2 and 1."""
    name = "pca_transform"
    X = _PCA_X.copy()
    Z = _call(name, _PRE, fn, X, _PCA_MEAN, _PCA_COMPONENTS)
    if not np.array_equal(X, _PCA_X):
        fail(f"{name} changed X in place: X - mean is a new array.")
    got = np.asarray(Z, dtype=np.float64) if np.shape(Z) == (4, 2) else None
    if got is not None and _same(got, _PCA_X @ _PCA_COMPONENTS):
        fail(f"{name}: X is not centred: subtract the training mean first, (X - mean) @ ...")
    if got is not None and _same(got, (_PCA_X - _PCA_MEAN) @ _PCA_COMPONENTS.T):
        fail(f"{name} projects on the ROWS of components; the directions are its COLUMNS: "
             "(X - mean) @ components[:, :k].")
    expect_close(Z, _PCA_Z, f"{name}: Z with every component",
                 hint="Z = (X - mean) @ components[:, :k].")
    Z1 = _call(name, _PRE, fn, X, _PCA_MEAN, _PCA_COMPONENTS, num_components=1)
    if np.shape(Z1) == (4, 2):
        fail(f"{name}: with num_components=1 Z should have 1 column, got 2: keep "
             "components[:, :k].")
    if np.shape(Z1) == (4, 1) and _same(Z1, (_PCA_X - _PCA_MEAN) @ _PCA_COMPONENTS[:1].T):
        fail(f"{name} keeps the first ROW of components; the first k components are its first "
             "k COLUMNS, components[:, :k].")
    expect_close(Z1, _PCA_Z[:, :1], f"{name}: Z with num_components=1")
    Z32 = _call(name, _PRE, fn, _PCA_X.astype(np.float32), _PCA_MEAN.astype(np.float32),
                _PCA_COMPONENTS.astype(np.float32))
    expect_dtype(Z32, np.float32, f"{name}: Z for float32 inputs")


@visible_check("whiten")
def check_whiten(fn):
    """Check ``whiten`` (PCA and ZCA) with the statistics of ``check_fit_pca``'s points."""
    name = "whiten"
    stats = (_PCA_MEAN, _PCA_COMPONENTS, _PCA_VARIANCES)
    X = _PCA_X.copy()
    # eps = 0: the coordinates (3, 0), (0, 1), ... divided by sqrt(4.5) and sqrt(0.5)
    r = np.sqrt(2.0)
    white = np.array([[r, 0.0], [-r, 0.0], [0.0, r], [0.0, -r]])
    W = _call(name, _PRE, fn, X, *stats, eps=0.0)
    if not np.array_equal(X, _PCA_X):
        fail(f"{name} changed X in place: X - mean is a new array.")
    got = np.asarray(W, dtype=np.float64) if np.shape(W) == (4, 2) else None
    if got is not None and _same(got, _PCA_Z / _PCA_VARIANCES):
        fail(f"{name} divides by the variances; whitening divides by the standard deviations, "
             "sqrt(variances + eps).")
    if got is not None and _same(got, _PCA_Z):
        fail(f"{name} returns the PCA coordinates without dividing them by the standard "
             "deviations sqrt(variances + eps).")
    if got is not None and _same(got, _PCA_X @ _PCA_COMPONENTS / np.sqrt(_PCA_VARIANCES)):
        fail(f"{name}: X is not centred: subtract the training mean first.")
    expect_close(W, white, f"{name}: kind='pca', eps=0",
                 hint="W = (X - mean) @ components / sqrt(variances + eps).")
    zca = white @ _PCA_COMPONENTS.T
    W = _call(name, _PRE, fn, X, *stats, eps=0.0, kind="zca")
    got = np.asarray(W, dtype=np.float64) if np.shape(W) == (4, 2) else None
    if got is not None and _same(got, white):
        fail(f"{name}: kind='zca' returned the PCA-whitened data; ZCA rotates them back to the "
             "original axes: W @ components.T.")
    if got is not None and _same(got, white @ _PCA_COMPONENTS):
        fail(f"{name}: kind='zca' multiplies by components; rotating back to the original axes "
             "is the inverse rotation, components.T.")
    expect_close(W, zca, f"{name}: kind='zca', eps=0", hint="W_zca = W_pca @ components.T.")
    # eps = 0.5 goes inside the root: 3 / sqrt(5) and 1 / sqrt(1)
    W = _call(name, _PRE, fn, X, *stats, eps=0.5)
    got = np.asarray(W, dtype=np.float64) if np.shape(W) == (4, 2) else None
    if got is not None and _same(got, _PCA_Z / (np.sqrt(_PCA_VARIANCES) + 0.5)):
        fail(f"{name}: eps is added outside the square root; add it to the variances inside: "
             "sqrt(variances + eps).")
    if got is not None and _same(got, white):
        fail(f"{name} ignores eps: divide by sqrt(variances + eps).")
    expect_close(W, _PCA_Z / np.sqrt(_PCA_VARIANCES + 0.5), f"{name}: kind='pca', eps=0.5")
    W = _call(name, _PRE, fn, X, *stats)
    expect_close(W, _PCA_Z / np.sqrt(_PCA_VARIANCES + 1e-5), f"{name}: the defaults (eps=1e-5, pca)",
                 hint="The defaults are eps=1e-5 and kind='pca'.")
    W32 = _call(name, _PRE, fn, _PCA_X.astype(np.float32), *(a.astype(np.float32) for a in stats))
    expect_dtype(W32, np.float32, f"{name}: W for float32 inputs")
