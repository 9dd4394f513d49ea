"""The visible checks of assignment 05: pass on correct update rules, name the mistake otherwise.

Each wrong rule below is a plausible slip written with the module's own helpers
(``_setup``, ``_hyper``, ``_state``, ``_finish``), exactly as a student's
solution region would sit between them.
"""
from __future__ import annotations

import numpy as np
import pytest

from course_lib import checks, optim

from check_support import fails_with as _fails_with

RULES = ["sgd_momentum", "sgd_nesterov", "adagrad", "rmsprop", "adam", "nadam", "adamax"]
TAGGED = [pytest.param(name, marks=pytest.mark.task(name), id=name) for name in RULES]


def _momentum(name, update):
    """A momentum-style rule whose region is ``update(w, dw, v, lr, mu) -> (next_w, v)``."""
    def rule(w, dw, config=None):
        config = optim._setup(name, config)
        lr, mu = optim._hyper(config, "learning_rate", "momentum")
        v = optim._state(config, "velocity", w)
        next_w, v = update(w, dw, v, lr, mu)
        return optim._finish(w, next_w, config, velocity=v)
    return rule


def _cached(name, update):
    """An AdaGrad/RMSProp-style rule: ``update(w, dw, cache, config) -> (next_w, cache)``."""
    def rule(w, dw, config=None):
        config = optim._setup(name, config)
        cache = optim._state(config, "cache", w)
        next_w, cache = update(w, dw, cache, config)
        return optim._finish(w, next_w, config, cache=cache)
    return rule


def _adam_like(name, update, second="v"):
    """An Adam-family rule: ``update(w, dw, m, s, t, lr, b1, b2, eps) -> (next_w, m, s, t)``."""
    def rule(w, dw, config=None):
        config = optim._setup(name, config)
        lr, b1, b2, eps = optim._hyper(config, "learning_rate", "beta1", "beta2", "epsilon")
        m, s = optim._state(config, "m", w), optim._state(config, second, w)
        t = int(config.get("t", 0))
        next_w, m, s, t = update(w, dw, m, s, t, lr, b1, b2, eps)
        return optim._finish(w, next_w, config, m=m, t=t, **{second: s})
    return rule


# ------------------------------------------------------------------ general
@pytest.mark.parametrize("name", TAGGED)
def test_check_passes_on_the_reference_and_prints_a_pass_line(name, capsys):
    getattr(checks, f"check_{name}")(getattr(optim, name))
    assert capsys.readouterr().out.strip() == f"✔ {name}: visible check passed."


@pytest.mark.parametrize("name", TAGGED)
def test_check_turns_a_stub_into_not_implemented_yet(name):
    def stub(w, dw, config=None):
        raise NotImplementedError()

    _fails_with(getattr(checks, f"check_{name}"), stub, "not implemented yet", f"def {name}",
                "course_lib/optim.py")


@pytest.mark.parametrize("name", TAGGED)
def test_check_names_an_update_made_in_place(name):
    reference = getattr(optim, name)

    def in_place(w, dw, config=None):
        next_w, config = reference(w, dw, config)
        w[...] = next_w
        return w, config

    _fails_with(getattr(checks, f"check_{name}"), in_place, "in place")


@pytest.mark.parametrize("name", TAGGED)
def test_check_names_a_float32_upcast(name):
    reference = getattr(optim, name)

    def upcast(w, dw, config=None):
        next_w, config = reference(w.astype(np.float64), dw.astype(np.float64), config)
        return next_w, config

    _fails_with(getattr(checks, f"check_{name}"), upcast, "float32")


# ------------------------------------------------------------------ momentum
@pytest.mark.task("sgd_momentum")
def test_momentum_check_names_an_uphill_step():
    rule = _momentum("sgd_momentum", lambda w, dw, v, lr, mu: (w + (mu * v + lr * dw),
                                                               mu * v + lr * dw))
    _fails_with(checks.check_sgd_momentum, rule, "uphill")


@pytest.mark.task("sgd_momentum")
def test_momentum_check_names_the_pytorch_velocity():
    def update(w, dw, v, lr, mu):
        b = mu * v + dw
        return w - lr * b, b
    _fails_with(checks.check_sgd_momentum, _momentum("sgd_momentum", update), "pytorch",
                "velocity")


@pytest.mark.task("sgd_momentum")
def test_momentum_check_names_a_velocity_that_is_not_stored():
    def update(w, dw, v, lr, mu):
        velocity = mu * v - lr * dw
        return w + velocity, v          # the new velocity never reaches config
    _fails_with(checks.check_sgd_momentum, _momentum("sgd_momentum", update), "carried over")


@pytest.mark.task("sgd_momentum")
def test_momentum_check_names_plain_sgd():
    def update(w, dw, v, lr, mu):
        v = mu * v - lr * dw
        return w - lr * dw, v
    _fails_with(checks.check_sgd_momentum, _momentum("sgd_momentum", update), "old velocity")


@pytest.mark.task("sgd_momentum")
def test_momentum_check_names_ignored_defaults():
    def update(w, dw, v, lr, mu):
        v = mu * v - 0.1 * dw             # a hard-coded learning rate
        return w + v, v
    _fails_with(checks.check_sgd_momentum, _momentum("sgd_momentum", update), "default")


# ------------------------------------------------------------------ Nesterov
@pytest.mark.task("sgd_nesterov")
def test_nesterov_check_names_heavy_ball_momentum():
    def update(w, dw, v, lr, mu):
        v = mu * v - lr * dw
        return w + v, v
    _fails_with(checks.check_sgd_nesterov, _momentum("sgd_nesterov", update), "heavy-ball",
                "v_prev")


@pytest.mark.task("sgd_nesterov")
def test_nesterov_check_names_an_uphill_step():
    def update(w, dw, v, lr, mu):
        v_prev = v
        v = mu * v + lr * dw
        return w - mu * v_prev + (1 + mu) * v, v
    _fails_with(checks.check_sgd_nesterov, _momentum("sgd_nesterov", update), "uphill")


@pytest.mark.task("sgd_nesterov")
def test_nesterov_check_names_a_wrong_later_step():
    def update(w, dw, v, lr, mu):
        v_prev = v
        v = mu * v - lr * dw
        return w + mu * v_prev + (1 + mu) * v, v     # sign slip on the look-back term
    _fails_with(checks.check_sgd_nesterov, _momentum("sgd_nesterov", update), "step 2")


# ------------------------------------------------------------------ AdaGrad
def _adagrad(update):
    def region(w, dw, cache, config):
        lr, eps = optim._hyper(config, "learning_rate", "epsilon")
        return update(w, dw, cache, lr, eps)
    return _cached("adagrad", region)


@pytest.mark.task("adagrad")
def test_adagrad_check_names_a_missing_square_root():
    def update(w, dw, cache, lr, eps):
        cache = cache + dw ** 2
        return w - lr * dw / (cache + eps), cache
    _fails_with(checks.check_adagrad, _adagrad(update), "square root")


@pytest.mark.task("adagrad")
def test_adagrad_check_names_a_cache_that_does_not_accumulate():
    def update(w, dw, cache, lr, eps):
        cache = dw ** 2
        return w - lr * dw / (np.sqrt(cache) + eps), cache
    _fails_with(checks.check_adagrad, _adagrad(update), "accumulates")


@pytest.mark.task("adagrad")
def test_adagrad_check_names_epsilon_inside_the_root():
    def update(w, dw, cache, lr, eps):
        cache = cache + dw ** 2
        return w - lr * dw / np.sqrt(cache + eps), cache
    _fails_with(checks.check_adagrad, _adagrad(update), "inside the square root")


# ------------------------------------------------------------------ RMSProp
def _rmsprop(update):
    def region(w, dw, cache, config):
        lr, rho, eps = optim._hyper(config, "learning_rate", "decay_rate", "epsilon")
        return update(w, dw, cache, lr, rho, eps)
    return _cached("rmsprop", region)


@pytest.mark.task("rmsprop")
def test_rmsprop_check_names_a_swapped_decay_rate():
    def update(w, dw, cache, lr, rho, eps):
        cache = (1 - rho) * cache + rho * dw ** 2
        return w - lr * dw / (np.sqrt(cache) + eps), cache
    _fails_with(checks.check_rmsprop, _rmsprop(update), "swapped")


@pytest.mark.task("rmsprop")
def test_rmsprop_check_names_an_adagrad_cache():
    def update(w, dw, cache, lr, rho, eps):
        cache = cache + dw ** 2
        return w - lr * dw / (np.sqrt(cache) + eps), cache
    _fails_with(checks.check_rmsprop, _rmsprop(update), "does not leak")


@pytest.mark.task("rmsprop")
def test_rmsprop_check_names_a_cache_that_is_not_carried_over():
    def update(w, dw, cache, lr, rho, eps):
        new_cache = rho * cache + (1 - rho) * dw ** 2
        return w - lr * dw / (np.sqrt(new_cache) + eps), cache
    _fails_with(checks.check_rmsprop, _rmsprop(update), "forgot the first gradient")


# ------------------------------------------------------------------ Adam
def _adam(m_hat, v_hat, increment_first=True):
    def update(w, dw, m, v, t, lr, b1, b2, eps):
        if increment_first:
            t = t + 1
        m = b1 * m + (1 - b1) * dw
        v = b2 * v + (1 - b2) * dw ** 2
        next_w = w - lr * m_hat(m, b1, t) / (np.sqrt(v_hat(v, b2, t)) + eps)
        if not increment_first:
            t = t + 1
        return next_w, m, v, t
    return _adam_like("adam", update)


def _corrected(x, beta, t):
    return x / (1 - beta ** t)


def _raw(x, beta, t):
    return x


@pytest.mark.task("adam")
def test_adam_check_names_the_missing_bias_correction():
    _fails_with(checks.check_adam, _adam(_raw, _raw), "bias correction is missing")


@pytest.mark.task("adam")
def test_adam_check_names_a_missing_correction_of_v():
    _fails_with(checks.check_adam, _adam(_corrected, _raw), "only m", "v_hat")


@pytest.mark.task("adam")
def test_adam_check_names_a_missing_correction_of_m():
    _fails_with(checks.check_adam, _adam(_raw, _corrected), "only v", "m_hat")


@pytest.mark.task("adam")
def test_adam_check_names_t_incremented_after_use():
    _fails_with(checks.check_adam, _adam(_corrected, _corrected, increment_first=False),
                "incremented before", "1 - beta**0")


@pytest.mark.task("adam")
def test_adam_check_names_a_step_counter_that_never_moves():
    def update(w, dw, m, v, t, lr, b1, b2, eps):
        step = t + 1
        m = b1 * m + (1 - b1) * dw
        v = b2 * v + (1 - b2) * dw ** 2
        return w - lr * (m / (1 - b1 ** step)) / (np.sqrt(v / (1 - b2 ** step)) + eps), m, v, t
    _fails_with(checks.check_adam, _adam_like("adam", update), "config['t'] is 0", "increment t")


# ------------------------------------------------------------------ NAdam, AdaMax
@pytest.mark.task("nadam")
def test_nadam_check_names_plain_adam():
    def update(w, dw, m, v, t, lr, b1, b2, eps):
        next_w, config = optim.adam(w, dw, {"learning_rate": lr, "beta1": b1, "beta2": b2,
                                            "epsilon": eps, "m": m, "v": v, "t": t})
        return next_w, config["m"], config["v"], config["t"]
    _fails_with(checks.check_nadam, _adam_like("nadam", update), "adam's step", "look")


@pytest.mark.task("nadam")
def test_nadam_check_names_t_incremented_after_use():
    def update(w, dw, m, v, t, lr, b1, b2, eps):
        m = b1 * m + (1 - b1) * dw
        v = b2 * v + (1 - b2) * dw ** 2
        m_hat = b1 * m / (1 - b1 ** (t + 1)) + (1 - b1) * dw / (1 - b1 ** t)
        next_w = w - lr * m_hat / (np.sqrt(v / (1 - b2 ** t)) + eps)
        return next_w, m, v, t + 1
    _fails_with(checks.check_nadam, _adam_like("nadam", update), "incremented before")


def _adamax(correct=True, eps_inside=True):
    def update(w, dw, m, u, t, lr, b1, b2, eps):
        t = t + 1
        m = b1 * m + (1 - b1) * dw
        u = (np.maximum(b2 * u, np.abs(dw) + eps) if eps_inside
             else np.maximum(b2 * u, np.abs(dw)) + eps)
        rate = lr / (1 - b1 ** t) if correct else lr
        return w - rate * m / u, m, u, t
    return _adam_like("adamax", update, second="u")


@pytest.mark.task("adamax")
def test_adamax_check_names_the_missing_bias_correction():
    _fails_with(checks.check_adamax, _adamax(correct=False), "bias correction",
                "1 - beta1**t")


@pytest.mark.task("adamax")
def test_adamax_check_names_epsilon_after_the_maximum():
    _fails_with(checks.check_adamax, _adamax(eps_inside=False), "epsilon", "inside")
