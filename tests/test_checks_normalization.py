"""The visible checks of assignment 03: pass on correct code, name the mistake otherwise.

Each wrong implementation below is the reference with one plausible slip.
"""
from __future__ import annotations

import numpy as np
import pytest

from course_lib import checks
from course_lib import normalization as nz

from check_support import check_named as _check, fails_with as _fails_with

FUNCTIONS = {name: getattr(nz, name) for name in
             ("batchnorm_forward", "batchnorm_backward", "batchnorm_backward_alt",
              "layernorm_forward", "layernorm_backward")}


# ------------------------------------------------------------------ general
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_check_passes_on_the_reference_and_prints_a_pass_line(name, capsys):
    _check(name)(FUNCTIONS[name])
    assert capsys.readouterr().out.strip() == f"✔ {name}: visible check passed."


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_check_turns_a_stub_into_not_implemented_yet(name):
    def stub(*args, **kwargs):
        raise NotImplementedError()

    message = _fails_with(_check(name), stub, "not implemented yet", f"def {name}",
                          "normalization.py")
    assert "Traceback" not in message


# ------------------------------------------------------------------ batchnorm_forward
def bn_forward(stats=None, update=None, test=None, finish=None):
    """A batch-norm forward built from replaceable pieces (defaults: the correct ones)."""
    def forward(x, gamma, beta, bn_param):
        mode = bn_param.get("mode", "train")
        eps = bn_param.get("eps", 1e-5)
        momentum = bn_param.get("momentum", 0.9)
        D = x.shape[1]
        running_mean = bn_param.setdefault("running_mean", np.zeros(D, dtype=x.dtype))
        running_var = bn_param.setdefault("running_var", np.ones(D, dtype=x.dtype))
        if mode == "test":
            if test is not None:
                return test(x, gamma, beta, bn_param, eps), None
            x_hat = (x - running_mean) / np.sqrt(running_var + eps)
            return gamma * x_hat + beta, None
        mu, var = (x.mean(axis=0), x.var(axis=0)) if stats is None else stats(x)
        inv_std = 1.0 / np.sqrt(var + eps)
        x_hat = (x - mu) * inv_std
        out = gamma * x_hat + beta if finish is None else finish(x_hat, gamma, beta)
        if update is None:
            bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mu
            bn_param["running_var"] = momentum * running_var + (1 - momentum) * var
        else:
            update(bn_param, momentum, mu, var)
        return out, (x_hat, gamma, x - mu, inv_std)
    return forward


def test_batchnorm_forward_check_passes_on_the_piecewise_reference():
    checks.check_batchnorm_forward(bn_forward())


def test_batchnorm_forward_check_names_the_unbiased_variance():
    _fails_with(checks.check_batchnorm_forward,
                bn_forward(stats=lambda x: (x.mean(0), x.var(0, ddof=1))), "N - 1", "biased")


def test_batchnorm_forward_check_names_the_wrong_axis():
    def per_sample(x, gamma, beta, bn_param):
        out, _ = nz.layernorm_forward(x, np.ones_like(gamma), np.zeros_like(beta),
                                      {"eps": bn_param.get("eps", 1e-5)})
        return gamma * out + beta, None

    _fails_with(checks.check_batchnorm_forward, per_sample, "axis=1", "axis=0")


def test_batchnorm_forward_check_names_dividing_by_the_variance():
    def by_variance(x, gamma, beta, bn_param):
        mu, var = x.mean(0), x.var(0)
        return gamma * (x - mu) / (var + bn_param.get("eps", 1e-5)) + beta, None

    _fails_with(checks.check_batchnorm_forward, by_variance, "dividing by the variance",
                "sqrt(var + eps)")


def test_batchnorm_forward_check_names_missing_gamma_and_beta():
    _fails_with(checks.check_batchnorm_forward,
                bn_forward(finish=lambda x_hat, gamma, beta: x_hat), "without gamma and beta")


def test_batchnorm_forward_check_names_swapped_gamma_and_beta():
    _fails_with(checks.check_batchnorm_forward,
                bn_forward(finish=lambda x_hat, gamma, beta: beta * x_hat + gamma), "swapped")


def test_batchnorm_forward_check_names_an_ignored_eps():
    def no_eps(x, gamma, beta, bn_param):
        return bn_forward()(x, gamma, beta, {**bn_param, "eps": 0.0})

    _fails_with(checks.check_batchnorm_forward, no_eps, "eps is ignored")


def test_batchnorm_forward_check_names_eps_outside_the_root():
    def outside(x, gamma, beta, bn_param):
        eps = bn_param.get("eps", 1e-5)
        mu, var = x.mean(0), x.var(0)
        x_hat = (x - mu) / (np.sqrt(var) + eps)
        return gamma * x_hat + beta, (x_hat, gamma, x - mu, 1 / (np.sqrt(var) + eps))

    _fails_with(checks.check_batchnorm_forward, outside, "outside the square root")


def test_batchnorm_forward_check_names_a_bad_cache():
    def short_cache(x, gamma, beta, bn_param):
        out, cache = nz.batchnorm_forward(x, gamma, beta, bn_param)
        return out, cache[:2]

    _fails_with(checks.check_batchnorm_forward, short_cache, "cache", "x_hat, gamma")


def test_batchnorm_forward_check_names_running_averages_not_updated():
    _fails_with(checks.check_batchnorm_forward,
                bn_forward(update=lambda p, m, mu, var: None), "not updated in train mode",
                "bn_param['running_mean']")


def test_batchnorm_forward_check_names_running_averages_kept_in_a_local_variable():
    def local(bn_param, momentum, mu, var):
        running_mean = bn_param["running_mean"]
        running_mean = momentum * running_mean + (1 - momentum) * mu  # noqa: F841 (the slip)

    _fails_with(checks.check_batchnorm_forward, bn_forward(update=local),
                "not updated in train mode")


def test_batchnorm_forward_check_names_swapped_momentum():
    def swapped(bn_param, m, mu, var):
        bn_param["running_mean"] = (1 - m) * bn_param["running_mean"] + m * mu
        bn_param["running_var"] = (1 - m) * bn_param["running_var"] + m * var

    _fails_with(checks.check_batchnorm_forward, bn_forward(update=swapped), "swapped",
                "momentum * running")


def test_batchnorm_forward_check_names_a_hard_coded_momentum():
    def fixed(bn_param, m, mu, var):
        bn_param["running_mean"] = 0.9 * bn_param["running_mean"] + 0.1 * mu
        bn_param["running_var"] = 0.9 * bn_param["running_var"] + 0.1 * var

    _fails_with(checks.check_batchnorm_forward, bn_forward(update=fixed), "momentum given")


def test_batchnorm_forward_check_names_running_var_of_the_std():
    def of_std(bn_param, m, mu, var):
        bn_param["running_mean"] = m * bn_param["running_mean"] + (1 - m) * mu
        bn_param["running_var"] = m * bn_param["running_var"] + (1 - m) * np.sqrt(var)

    _fails_with(checks.check_batchnorm_forward, bn_forward(update=of_std),
                "averages the standard deviation")


def test_batchnorm_forward_check_names_batch_statistics_in_test_mode():
    def batch_stats(x, gamma, beta, bn_param, eps):
        return gamma * (x - x.mean(0)) / np.sqrt(x.var(0) + eps) + beta

    _fails_with(checks.check_batchnorm_forward, bn_forward(test=batch_stats),
                "batch statistics", "running_mean")


def test_batchnorm_forward_check_names_test_mode_that_updates_the_averages():
    def updates(x, gamma, beta, bn_param, eps):
        out = gamma * (x - bn_param["running_mean"]) / np.sqrt(bn_param["running_var"] + eps)
        bn_param["running_mean"] = 0.9 * bn_param["running_mean"] + 0.1 * x.mean(0)
        return out + beta

    _fails_with(checks.check_batchnorm_forward, bn_forward(test=updates),
                "test mode changed the running averages")


def test_batchnorm_forward_check_names_a_float64_result_for_float32_input():
    def upcast(x, gamma, beta, bn_param):
        return nz.batchnorm_forward(x.astype(np.float64), gamma.astype(np.float64),
                                    beta.astype(np.float64), bn_param)

    _fails_with(checks.check_batchnorm_forward, upcast, "float32", "dtype")


# ------------------------------------------------------------------ backward passes
def bn_backward(dx_of):
    """Correct dgamma and dbeta; dx from ``dx_of(dout, x_hat, gamma, inv_std)``."""
    def backward(dout, cache):
        x_hat, gamma, x_centered, inv_std = cache
        return dx_of(dout, x_hat, gamma, inv_std), (dout * x_hat).sum(0), dout.sum(0)
    return backward


BACKWARDS = ["batchnorm_backward", "batchnorm_backward_alt"]


@pytest.mark.parametrize("name", BACKWARDS)
def test_backward_check_names_mu_and_var_treated_as_constants(name):
    wrong = bn_backward(lambda d, xh, g, s: d * g * s)
    _fails_with(_check(name), wrong, "constants", "through mu and through var")


@pytest.mark.parametrize("name", BACKWARDS)
def test_backward_check_names_the_missing_path_through_var(name):
    wrong = bn_backward(lambda d, xh, g, s: g * s * (d - d.mean(0)))
    _fails_with(_check(name), wrong, "path through var is missing")


@pytest.mark.parametrize("name", BACKWARDS)
def test_backward_check_names_the_missing_path_through_mu(name):
    wrong = bn_backward(lambda d, xh, g, s: g * s * (d - xh * (d * xh).mean(0)))
    _fails_with(_check(name), wrong, "path through mu is missing")


@pytest.mark.parametrize("name", BACKWARDS)
def test_backward_check_names_a_missing_gamma(name):
    wrong = bn_backward(lambda d, xh, g, s: s * (d - d.mean(0) - xh * (d * xh).mean(0)))
    _fails_with(_check(name), wrong, "gamma is missing")


@pytest.mark.parametrize("name", BACKWARDS)
def test_backward_check_names_a_result_n_times_too_large(name):
    wrong = bn_backward(lambda d, xh, g, s: g * s * (len(d) * d - d.sum(0) - xh * (d * xh).sum(0)))
    _fails_with(_check(name), wrong, "5× too large")


@pytest.mark.parametrize("name", BACKWARDS)
def test_backward_check_names_dgamma_of_x_instead_of_x_hat(name):
    def wrong(dout, cache):
        dx, _, dbeta = nz.batchnorm_backward_alt(dout, cache)
        x = cache[2] + _example_mean()      # the cache holds x - mu; add the check's mu back
        return dx, (dout * x).sum(0), dbeta

    _fails_with(_check(name), wrong, "sum(dout * x)", "x_hat")


def _example_mean():
    from course_lib.checks.normalization import _bn_example
    return _bn_example()[0].mean(axis=0)


@pytest.mark.parametrize("name", BACKWARDS)
def test_backward_check_names_dbeta_summed_over_the_wrong_axis(name):
    def wrong(dout, cache):
        dx, dgamma, _ = nz.batchnorm_backward_alt(dout, cache)
        return dx, dgamma, dout.sum(axis=1)

    _fails_with(_check(name), wrong, "dbeta has shape (5,), expected (3,)", "axis 0")


@pytest.mark.parametrize("name", BACKWARDS)
def test_backward_check_asks_for_three_gradients(name):
    _fails_with(_check(name), lambda dout, cache: nz.batchnorm_backward_alt(dout, cache)[0],
                "three gradients")


@pytest.mark.parametrize("name", BACKWARDS)
def test_backward_check_names_a_float64_result_for_float32_input(name):
    def upcast(dout, cache):
        return nz.batchnorm_backward_alt(dout.astype(np.float64),
                                         tuple(np.asarray(c, np.float64) for c in cache))

    _fails_with(_check(name), upcast, "float32", "dtype")


# ------------------------------------------------------------------ layer norm
def test_layernorm_forward_check_names_batch_statistics():
    def over_batch(x, gamma, beta, ln_param=None):
        out, cache = nz.batchnorm_forward(x, gamma, beta, {"mode": "train",
                                                          "eps": (ln_param or {}).get("eps", 1e-5)})
        return out, cache

    _fails_with(checks.check_layernorm_forward, over_batch, "axis=0", "own features (axis=1)")


def test_layernorm_forward_check_names_a_missing_keepdims_on_a_square_batch():
    def flat_stats(x, gamma, beta, ln_param=None):
        eps = (ln_param or {}).get("eps", 1e-5)
        mu = x.mean(axis=1)
        xc = x - mu
        inv_std = 1 / np.sqrt((xc ** 2).mean(axis=1) + eps)
        return gamma * xc * inv_std + beta, (xc * inv_std, gamma, xc, inv_std)

    _fails_with(checks.check_layernorm_forward, flat_stats, "keepdims=True")


def test_layernorm_forward_check_names_the_unbiased_variance():
    def unbiased(x, gamma, beta, ln_param=None):
        eps = (ln_param or {}).get("eps", 1e-5)
        x_hat = (x - x.mean(1, keepdims=True)) / np.sqrt(x.var(1, ddof=1, keepdims=True) + eps)
        return gamma * x_hat + beta, None

    _fails_with(checks.check_layernorm_forward, unbiased, "D - 1")


def test_layernorm_forward_check_names_eps_outside_the_root():
    def outside(x, gamma, beta, ln_param=None):
        eps = (ln_param or {}).get("eps", 1e-5)
        mu, sd = x.mean(1, keepdims=True), x.std(1, keepdims=True)
        x_hat = (x - mu) / (sd + eps)
        return gamma * x_hat + beta, (x_hat, gamma, x - mu, 1 / (sd + eps))

    _fails_with(checks.check_layernorm_forward, outside, "outside the square root")


def test_layernorm_forward_check_names_a_mode_dependent_result():
    def modal(x, gamma, beta, ln_param=None):
        if (ln_param or {}).get("mode") == "test":
            return x, None
        return nz.layernorm_forward(x, gamma, beta, ln_param)

    _fails_with(checks.check_layernorm_forward, modal, "same in training and at test time")


def test_layernorm_forward_check_names_a_float64_result_for_float32_input():
    def upcast(x, gamma, beta, ln_param=None):
        return nz.layernorm_forward(x.astype(np.float64), gamma, beta, ln_param)

    _fails_with(checks.check_layernorm_forward, upcast, "float32", "dtype")


def test_layernorm_backward_check_names_batch_norm_sums():
    def batch_sums(dout, cache):
        x_hat, gamma, x_centered, inv_std = cache
        g = dout * gamma
        dx = inv_std * (g - g.mean(axis=0) - x_hat * (g * x_hat).mean(axis=0))
        return dx, (dout * x_hat).sum(0), dout.sum(0)

    _fails_with(checks.check_layernorm_backward, batch_sums, "axis 0", "axis=1, keepdims=True")


def test_layernorm_backward_check_names_mu_and_var_treated_as_constants():
    def constants(dout, cache):
        x_hat, gamma, x_centered, inv_std = cache
        return dout * gamma * inv_std, (dout * x_hat).sum(0), dout.sum(0)

    _fails_with(checks.check_layernorm_backward, constants, "constants")


def test_layernorm_backward_check_names_dgamma_summed_over_features():
    def per_sample(dout, cache):
        dx, _, dbeta = nz.layernorm_backward(dout, cache)
        x_hat = cache[0]
        return dx, (dout * x_hat).sum(axis=1), dbeta

    _fails_with(checks.check_layernorm_backward, per_sample, "dgamma has shape (5,)")
