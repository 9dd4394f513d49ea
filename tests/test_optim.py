"""Specification of course_lib.optim.

Expected values come from arithmetic written out in the tests (chosen so the
square roots are exact), from hand-written references of the documented
formulas, or from ``torch.optim`` when PyTorch is installed.
"""
from __future__ import annotations

import copy

import numpy as np
import pytest

from autograder.points import cell_of
from course_lib import optim

STUDENT_RULES = ["sgd_momentum", "sgd_nesterov", "adagrad", "rmsprop", "adadelta", "adam", "nadam",
                 "adamax", "adamw"]
ALL_RULES = ["sgd"] + STUDENT_RULES


def _rule_params(names=STUDENT_RULES):
    # sgd is given (no solution region), so it carries no task marker
    return [pytest.param(name, marks=() if name == "sgd" else pytest.mark.task(cell_of(name)), id=name)
            for name in names]


def _run(rule, w, grads, config):
    """Apply ``rule`` once per gradient in ``grads``; return every iterate."""
    iterates = []
    for g in grads:
        w, config = rule(w, np.asarray(g, dtype=np.float64), config)
        iterates.append(w)
    return iterates, config


W0 = np.array([1.0, -2.0])


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch", reason="PyTorch not installed: comparison against "
                                               "torch.optim skipped")


# --------------------------------------------------------------------------- sgd (given)

def test_sgd_takes_a_plain_gradient_step():
    # w - lr * g = [1 - 0.1 * 10, -2 - 0.1 * (-10)] = [0, -1]
    w, config = optim.sgd(W0, np.array([10.0, -10.0]), {"learning_rate": 0.1})
    np.testing.assert_allclose(w, [0.0, -1.0], atol=1e-15)
    assert config == {"learning_rate": 0.1}


def test_sgd_default_learning_rate_is_1e_2():
    w, config = optim.sgd(W0, np.array([1.0, 1.0]))
    np.testing.assert_allclose(w, [0.99, -2.01])
    assert config == {"learning_rate": 1e-2}


# --------------------------------------------------------------------------- hand-computed steps

@pytest.mark.task("sgd_momentum")
def test_sgd_momentum_two_steps_by_hand():
    # lr = 0.1, mu = 0.9
    # step 1: v = 0 - 0.1 * [1, 2]                 = [-0.1, -0.2];  w = [0.9, -2.2]
    # step 2: v = 0.9 * [-0.1, -0.2] - 0.1 * [0.5, -1]
    #           = [-0.09 - 0.05, -0.18 + 0.1]      = [-0.14, -0.08]; w = [0.76, -2.28]
    (w1, w2), config = _run(optim.sgd_momentum, W0, [[1, 2], [0.5, -1]],
                            {"learning_rate": 0.1, "momentum": 0.9})
    np.testing.assert_allclose(w1, [0.9, -2.2], rtol=1e-12)
    np.testing.assert_allclose(w2, [0.76, -2.28], rtol=1e-12)
    np.testing.assert_allclose(config["velocity"], [-0.14, -0.08], rtol=1e-12)


@pytest.mark.task("sgd_nesterov")
def test_sgd_nesterov_two_steps_by_hand():
    # lr = 0.1, mu = 0.9; w += -mu * v_prev + (1 + mu) * v
    # step 1: v_prev = 0, v = [-0.1, -0.2]
    #         w = [1, -2] + 1.9 * [-0.1, -0.2]                      = [0.81, -2.38]
    # step 2: v_prev = [-0.1, -0.2], v = [-0.14, -0.08]
    #         w = [0.81, -2.38] + [0.09, 0.18] + 1.9 * [-0.14, -0.08]
    #           = [0.81 + 0.09 - 0.266, -2.38 + 0.18 - 0.152]       = [0.634, -2.352]
    (w1, w2), config = _run(optim.sgd_nesterov, W0, [[1, 2], [0.5, -1]],
                            {"learning_rate": 0.1, "momentum": 0.9})
    np.testing.assert_allclose(w1, [0.81, -2.38], rtol=1e-12)
    np.testing.assert_allclose(w2, [0.634, -2.352], rtol=1e-12)
    np.testing.assert_allclose(config["velocity"], [-0.14, -0.08], rtol=1e-12)


@pytest.mark.task("adagrad")
def test_adagrad_two_steps_by_hand():
    # lr = 0.1, epsilon = 0 so the square roots are exact
    # step 1: g = [3, 4],  cache = [9, 16],  sqrt = [3, 4]
    #         w = [1 - 0.1 * 3/3, -2 - 0.1 * 4/4]             = [0.9, -2.1]
    # step 2: g = [4, -3], cache = [25, 25], sqrt = [5, 5]
    #         w = [0.9 - 0.1 * 4/5, -2.1 + 0.1 * 3/5]         = [0.82, -2.04]
    (w1, w2), config = _run(optim.adagrad, W0, [[3, 4], [4, -3]],
                            {"learning_rate": 0.1, "epsilon": 0.0})
    np.testing.assert_allclose(w1, [0.9, -2.1], rtol=1e-12)
    np.testing.assert_allclose(w2, [0.82, -2.04], rtol=1e-12)
    np.testing.assert_allclose(config["cache"], [25.0, 25.0], rtol=1e-12)


@pytest.mark.task("rmsprop")
def test_rmsprop_two_steps_by_hand():
    # lr = 0.1, decay_rate = 0.75, epsilon = 0
    # step 1: g = [2, 4],  cache = 0.25 * [4, 16]                  = [1, 4]
    #         w = [1 - 0.1 * 2/1, -2 - 0.1 * 4/2]                  = [0.8, -2.2]
    # step 2: g = [-1, 2], cache = 0.75 * [1, 4] + 0.25 * [1, 4]   = [1, 4]
    #         w = [0.8 + 0.1 * 1/1, -2.2 - 0.1 * 2/2]              = [0.9, -2.3]
    (w1, w2), config = _run(optim.rmsprop, W0, [[2, 4], [-1, 2]],
                            {"learning_rate": 0.1, "decay_rate": 0.75, "epsilon": 0.0})
    np.testing.assert_allclose(w1, [0.8, -2.2], rtol=1e-12)
    np.testing.assert_allclose(w2, [0.9, -2.3], rtol=1e-12)
    np.testing.assert_allclose(config["cache"], [1.0, 4.0], rtol=1e-12)


ADAM_HAND = {"learning_rate": 0.1, "beta1": 0.5, "beta2": 0.75, "epsilon": 0.0}


@pytest.mark.task("adam")
def test_adam_two_steps_by_hand():
    # lr = 0.1, beta1 = 0.5, beta2 = 0.75, epsilon = 0
    # step 1 (t = 1): g = [2, -4]
    #   m = 0.5 * g = [1, -2];     m_hat = m / 0.5  = [2, -4]
    #   v = 0.25 * g**2 = [1, 4];  v_hat = v / 0.25 = [4, 16], sqrt = [2, 4]
    #   w = [1 - 0.1 * 2/2, -2 + 0.1 * 4/4]                         = [0.9, -1.9]
    # step 2 (t = 2): g = [2, 4]
    #   m = 0.5 * [1, -2] + 0.5 * [2, 4]  = [1.5, 1];  m_hat = m / 0.75   = [2, 4/3]
    #   v = 0.75 * [1, 4] + 0.25 * [4, 16] = [1.75, 7]; v_hat = v / 0.4375 = [4, 16]
    #   w = [0.9 - 0.1 * 2/2, -1.9 - 0.1 * (4/3)/4]                 = [0.8, -1.9 - 1/30]
    (w1, w2), config = _run(optim.adam, W0, [[2, -4], [2, 4]], dict(ADAM_HAND))
    np.testing.assert_allclose(w1, [0.9, -1.9], rtol=1e-12)
    np.testing.assert_allclose(w2, [0.8, -1.9 - 1 / 30], rtol=1e-12)
    np.testing.assert_allclose(config["m"], [1.5, 1.0], rtol=1e-12)
    np.testing.assert_allclose(config["v"], [1.75, 7.0], rtol=1e-12)
    assert config["t"] == 2


@pytest.mark.task("nadam")
def test_nadam_two_steps_by_hand():
    # same hyperparameters and gradients as the Adam test; only m_hat differs:
    # m_hat = beta1 * m / (1 - beta1**(t+1)) + (1 - beta1) * g / (1 - beta1**t)
    # step 1: m = [1, -2], v_hat = [4, 16]
    #   m_hat = 0.5 * [1, -2] / 0.75 + 0.5 * [2, -4] / 0.5 = [2/3 + 2, -4/3 - 4] = [8/3, -16/3]
    #   w = [1 - 0.1 * (8/3)/2, -2 + 0.1 * (16/3)/4]          = [1 - 0.4/3, -2 + 0.4/3]
    # step 2: m = [1.5, 1], v_hat = [4, 16]
    #   m_hat = 0.5 * [1.5, 1] / 0.875 + 0.5 * [2, 4] / 0.75  = [6/7 + 4/3, 4/7 + 8/3]
    #         = [46/21, 68/21]
    #   w = w1 - 0.1 * [(46/21)/2, (68/21)/4]                 = w1 - [2.3/21, 1.7/21]
    (w1, w2), config = _run(optim.nadam, W0, [[2, -4], [2, 4]], dict(ADAM_HAND))
    np.testing.assert_allclose(w1, [1 - 0.4 / 3, -2 + 0.4 / 3], rtol=1e-12)
    np.testing.assert_allclose(w2, [1 - 0.4 / 3 - 2.3 / 21, -2 + 0.4 / 3 - 1.7 / 21], rtol=1e-12)
    np.testing.assert_allclose(config["m"], [1.5, 1.0], rtol=1e-12)
    np.testing.assert_allclose(config["v"], [1.75, 7.0], rtol=1e-12)
    assert config["t"] == 2


@pytest.mark.task("adamax")
def test_adamax_two_steps_by_hand():
    # lr = 0.1, beta1 = 0.5, beta2 = 0.75, epsilon = 0
    # step 1 (t = 1): g = [2, -4]; m = [1, -2]; u = max(0, |g|) = [2, 4]
    #   w = w - 0.1 / (1 - 0.5) * [1/2, -2/4] = w - [0.1, -0.1]     = [0.9, -1.9]
    # step 2 (t = 2): g = [1, 4]; m = 0.5 * [1, -2] + 0.5 * [1, 4]  = [1, 1]
    #   u = max(0.75 * [2, 4], [1, 4]) = max([1.5, 3], [1, 4])      = [1.5, 4]
    #   (the decayed maximum wins in the first coordinate, the new |g| in the second)
    #   w = w - 0.1 / 0.75 * [1/1.5, 1/4] = w - [4/45, 1/30]
    (w1, w2), config = _run(optim.adamax, W0, [[2, -4], [1, 4]], dict(ADAM_HAND))
    np.testing.assert_allclose(w1, [0.9, -1.9], rtol=1e-12)
    np.testing.assert_allclose(w2, [0.9 - 4 / 45, -1.9 - 1 / 30], rtol=1e-12)
    np.testing.assert_allclose(config["u"], [1.5, 4.0], rtol=1e-12)
    assert config["t"] == 2


@pytest.mark.task("adadelta")
def test_adadelta_two_steps_by_hand():
    # lr = 2, rho = 0.5, epsilon = 1 (large, so the roots come out simple)
    # step 1: g = [2, -4]; cache = 0.5 * g**2 = [2, 8]; numerator sqrt(0 + 1) = 1,
    #   denominators sqrt([3, 9]): step = [2 / sqrt(3), -4 / 3]; w1 = w0 - 2 * step
    #   delta = 0.5 * step**2
    # step 2: g = [0, 1]: cache = 0.5 * [2, 8] + 0.5 * [0, 1] = [1, 4.5]
    #   numerator sqrt(delta + 1), denominator sqrt([2, 5.5]): step = [0, sqrt(delta_2 + 1) / sqrt(5.5)]
    (w1, w2), config = _run(optim.adadelta, W0, [[2, -4], [0, 1]],
                            {"learning_rate": 2.0, "rho": 0.5, "epsilon": 1.0})
    step1 = np.array([2 / np.sqrt(3), -4 / 3])
    np.testing.assert_allclose(w1, W0 - 2 * step1, rtol=1e-12)
    step2 = np.array([0.0, np.sqrt(0.5 * (4 / 3) ** 2 + 1) / np.sqrt(5.5)])
    np.testing.assert_allclose(w2, W0 - 2 * step1 - 2 * step2, rtol=1e-12)
    np.testing.assert_allclose(config["cache"], [1.0, 4.5], rtol=1e-12)
    np.testing.assert_allclose(config["delta"], 0.25 * step1 ** 2 + 0.5 * step2 ** 2, rtol=1e-12)


@pytest.mark.task("adamw")
def test_adamw_two_steps_by_hand():
    # lr = 0.1, beta1 = 0.5, beta2 = 0.75, epsilon = 0, weight_decay = 0.5
    # step 1: Adam's step is lr * sign(g) = [0.1, -0.1]; decay lr * wd * w0 = 0.05 * [1, -2]
    #   w1 = [1, -2] - [0.1, -0.1] - [0.05, -0.1] = [0.85, -1.8]
    # step 2: g = [1, 4]: m = 0.5 * [1, -2] + 0.5 * [1, 4] = [1, 1],
    #   v = 0.75 * [1, 4] + 0.25 * [1, 16] = [1, 7]; m_hat = m / 0.75, v_hat = v / 0.4375
    #   step = m_hat / sqrt(v_hat); w2 = w1 - 0.1 * (step + 0.5 * w1)
    (w1, w2), config = _run(optim.adamw, W0, [[2, -4], [1, 4]],
                            dict(ADAM_HAND, weight_decay=0.5))
    np.testing.assert_allclose(w1, [0.85, -1.8], rtol=1e-12)
    step = (np.array([1.0, 1.0]) / 0.75) / np.sqrt(np.array([1.0, 7.0]) / 0.4375)
    np.testing.assert_allclose(w2, np.array([0.85, -1.8]) - 0.1 * (step + 0.5 * np.array([0.85, -1.8])),
                               rtol=1e-12)
    assert config["t"] == 2


# --------------------------------------------------------------------------- properties

@pytest.mark.task("sgd_momentum")
def test_sgd_momentum_first_step_equals_an_sgd_step():
    g = np.array([0.3, -1.2])
    w, _ = optim.sgd_momentum(W0, g, {"learning_rate": 0.05})
    np.testing.assert_allclose(w, W0 - 0.05 * g, rtol=1e-12)


@pytest.mark.task("sgd_momentum")
def test_sgd_momentum_equals_the_pytorch_formulation_for_a_constant_lr():
    # PyTorch: b = mu * b + g; w -= lr * b. With v = -lr * b both write
    # v = mu * v - lr * g; w += v, so the iterates coincide.
    rng = np.random.default_rng(0)
    grads = rng.standard_normal((15, 4))
    lr, mu = 0.03, 0.8
    ours, _ = _run(optim.sgd_momentum, np.ones(4), grads, {"learning_rate": lr, "momentum": mu})
    w, b = np.ones(4), np.zeros(4)
    for g, got in zip(grads, ours):
        b = mu * b + g
        w = w - lr * b
        np.testing.assert_allclose(got, w, rtol=1e-12, atol=1e-14)


@pytest.mark.task("sgd_nesterov")
def test_sgd_nesterov_tracks_the_look_ahead_point_of_classic_nesterov():
    # Classic Nesterov on f(x) = 1/2 x^T H x: gradient at x + mu * v, then x += v.
    # The stored parameters of the reformulation are the look-ahead x + mu * v.
    H = np.array([[3.0, 0.5], [0.5, 1.0]])
    lr, mu = 0.1, 0.9
    x, v = np.array([1.0, -1.0]), np.zeros(2)
    w, config = x.copy(), {"learning_rate": lr, "momentum": mu}
    for _ in range(10):
        w, config = optim.sgd_nesterov(w, H @ w, config)
        v = mu * v - lr * H @ (x + mu * v)
        x = x + v
        np.testing.assert_allclose(w, x + mu * v, rtol=1e-12, atol=1e-14)


@pytest.mark.task("adagrad")
def test_adagrad_adds_epsilon_outside_the_square_root():
    # g = 1e-8, eps = 1e-8: outside the root the step is lr * 1e-8 / 2e-8 = lr / 2;
    # inside, lr * 1e-8 / sqrt(1e-16 + 1e-8) would be about lr * 1e-4.
    w, _ = optim.adagrad(np.zeros(1), np.array([1e-8]), {"learning_rate": 0.1, "epsilon": 1e-8})
    np.testing.assert_allclose(w, [-0.05], rtol=1e-9)


@pytest.mark.task("adagrad")
def test_adagrad_step_sizes_shrink_under_a_constant_gradient():
    # cache = t * g**2, so step t has size lr / sqrt(t)
    iterates, _ = _run(optim.adagrad, np.zeros(1), [[2.0]] * 4, {"learning_rate": 1.0})
    steps = -np.diff(np.concatenate([[0.0], np.ravel(iterates)]))
    np.testing.assert_allclose(steps, 1 / np.sqrt([1, 2, 3, 4]), rtol=1e-7)


@pytest.mark.task("rmsprop")
def test_rmsprop_step_settles_at_learning_rate_under_a_constant_gradient():
    # cache -> g**2, so the step tends to lr * g / |g| = lr
    iterates, _ = _run(optim.rmsprop, np.zeros(1), [[5.0]] * 2000,
                       {"learning_rate": 1e-3, "decay_rate": 0.9})
    np.testing.assert_allclose(iterates[-2] - iterates[-1], [1e-3], rtol=1e-6)


@pytest.mark.task("adam")
def test_adam_first_step_moves_each_coordinate_by_learning_rate():
    # t = 1: m_hat = g and v_hat = g**2, so the step is lr * g / (|g| + eps) = lr * sign(g)
    g = np.array([1e-2, -3.0, 250.0, 0.0])
    w, _ = optim.adam(np.zeros(4), g, {"learning_rate": 1e-3})
    np.testing.assert_allclose(w, [-1e-3, 1e-3, -1e-3, 0.0], rtol=1e-5, atol=0)


@pytest.mark.task("adam")
def test_adam_counts_steps_from_one():
    _, config = optim.adam(W0, np.ones(2))
    assert config["t"] == 1
    _, config = optim.adam(W0, np.ones(2), config)
    assert config["t"] == 2


@pytest.mark.task("adamax")
def test_adamax_gradient_that_is_zero_from_the_start_gives_no_nan():
    # u = max(0, |0| + eps) = eps, m = 0: the coordinate stays put instead of 0 / 0
    w, config = optim.adamax(W0, np.array([0.0, 1.0]))
    assert np.all(np.isfinite(w))
    assert w[0] == W0[0]
    np.testing.assert_allclose(config["u"], [1e-8, 1.0 + 1e-8], rtol=1e-12)


@pytest.mark.task("adadelta")
def test_adadelta_first_step_is_about_sqrt_epsilon_over_the_root_mean_square():
    # delta = 0 and cache = (1 - rho) g**2: step = sqrt(eps) / sqrt((1 - rho) g**2 + eps) * g
    g = np.array([4.0, -0.5])
    w, _ = optim.adadelta(np.zeros(2), g)
    np.testing.assert_allclose(w, -np.sqrt(1e-6) / np.sqrt(0.1 * g ** 2 + 1e-6) * g, rtol=1e-12)


@pytest.mark.task("adadelta")
def test_adadelta_steps_grow_under_a_constant_gradient():
    # the numerator is the root mean square of the past steps: each step feeds the next
    iterates, _ = _run(optim.adadelta, np.zeros(1), [[1.0]] * 60, None)
    steps = -np.diff(np.concatenate([[0.0], np.ravel(iterates)]))
    assert np.all(np.diff(steps) > 0)


@pytest.mark.task("adadelta")
def test_adadelta_steps_do_not_depend_on_the_scale_of_the_gradient_once_running():
    # scaling every gradient by c scales cache by c**2: once delta >> eps the steps agree
    grads = np.random.default_rng(3).standard_normal((300, 2))
    small, _ = _run(optim.adadelta, np.zeros(2), grads, {"epsilon": 1e-12})
    large, _ = _run(optim.adadelta, np.zeros(2), 1e3 * grads, {"epsilon": 1e-12})
    np.testing.assert_allclose(small[-1], large[-1], rtol=1e-3)


@pytest.mark.task("adamw")
def test_adamw_without_weight_decay_is_adam():
    grads = np.random.default_rng(4).standard_normal((10, 3))
    ours, _ = _run(optim.adamw, np.ones(3), grads, {"learning_rate": 0.05, "weight_decay": 0.0})
    adam, _ = _run(optim.adam, np.ones(3), grads, {"learning_rate": 0.05})
    np.testing.assert_allclose(ours[-1], adam[-1], rtol=1e-12)


@pytest.mark.task("adamw")
def test_adamw_decays_a_weight_without_gradient_by_one_minus_lr_times_decay_per_step():
    # g = 0 keeps m = v = 0, Adam's step is 0 / (0 + eps) = 0: only the decay acts
    iterates, _ = _run(optim.adamw, np.array([3.0]), [[0.0]] * 50,
                       {"learning_rate": 0.01, "weight_decay": 0.2})
    np.testing.assert_allclose(iterates[-1], [3.0 * (1 - 0.01 * 0.2) ** 50], rtol=1e-12)


@pytest.mark.task("adamw")
def test_adamw_differs_from_an_l2_gradient_inside_adam():
    # the decay put into the gradient is rescaled by Adam: a weight without data gradient
    # then moves by about lr per step whatever the strength; AdamW's decay scales with it
    moved_l2, moved_decoupled = {}, {}
    for wd in (0.02, 0.2):
        w, config = np.array([3.0]), {"learning_rate": 0.01}
        for _ in range(50):
            w, config = optim.adam(w, wd * w, config)
        moved_l2[wd] = 3.0 - w[0]
        decoupled, _ = _run(optim.adamw, np.array([3.0]), [[0.0]] * 50,
                            {"learning_rate": 0.01, "weight_decay": wd})
        moved_decoupled[wd] = 3.0 - decoupled[-1][0]
    np.testing.assert_allclose([moved_l2[0.02], moved_l2[0.2]], 50 * 0.01, rtol=3e-2)
    assert moved_decoupled[0.2] > 9 * moved_decoupled[0.02]


# --------------------------------------------------------------------------- the config contract

DEFAULTS = {  # written out from the module docstring, not read from optim.DEFAULTS
    "sgd_momentum": {"learning_rate": 1e-2, "momentum": 0.9},
    "sgd_nesterov": {"learning_rate": 1e-2, "momentum": 0.9},
    "adagrad": {"learning_rate": 1e-2, "epsilon": 1e-8},
    "rmsprop": {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8},
    "adam": {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
    "nadam": {"learning_rate": 2e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
    "adamax": {"learning_rate": 2e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
    "adadelta": {"learning_rate": 1.0, "rho": 0.9, "epsilon": 1e-6},
    "adamw": {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8,
              "weight_decay": 1e-2},
}
STATE = {
    "sgd_momentum": {"velocity"}, "sgd_nesterov": {"velocity"}, "adagrad": {"cache"},
    "rmsprop": {"cache"}, "adam": {"m", "v", "t"}, "nadam": {"m", "v", "t"},
    "adamax": {"m", "u", "t"}, "adadelta": {"cache", "delta"}, "adamw": {"m", "v", "t"},
}


@pytest.mark.parametrize("name", _rule_params())
def test_rule_fills_in_the_documented_defaults_and_state(name):
    _, config = getattr(optim, name)(W0, np.ones(2))
    assert set(config) == set(DEFAULTS[name]) | STATE[name]
    for key, value in DEFAULTS[name].items():
        assert config[key] == value, key


@pytest.mark.parametrize("name", _rule_params())
def test_rule_returns_the_config_it_was_given_and_keeps_its_hyperparameters(name):
    config = {"learning_rate": 0.123}
    _, returned = getattr(optim, name)(W0, np.ones(2), config)
    assert returned is config
    assert config["learning_rate"] == 0.123


@pytest.mark.parametrize("name", _rule_params())
def test_rule_modifies_neither_w_nor_dw(name):
    w, dw = W0.copy(), np.array([0.5, -0.25])
    config = None
    for _ in range(3):
        next_w, config = getattr(optim, name)(w, dw, config)
    np.testing.assert_array_equal(w, W0)
    np.testing.assert_array_equal(dw, [0.5, -0.25])
    assert next_w is not w


@pytest.mark.parametrize("name", _rule_params())
def test_rule_continues_from_a_deep_copied_config(name):
    # the state is all in config: resuming from a copy gives the same iterates
    rule = getattr(optim, name)
    rng = np.random.default_rng(1)
    grads = rng.standard_normal((6, 3))
    straight, _ = _run(rule, np.ones(3), grads, {"learning_rate": 0.05})
    first, config = _run(rule, np.ones(3), grads[:3], {"learning_rate": 0.05})
    resumed, _ = _run(rule, first[-1], grads[3:], copy.deepcopy(config))
    np.testing.assert_allclose(resumed[-1], straight[-1], rtol=1e-12)


@pytest.mark.parametrize("name", _rule_params(ALL_RULES))
def test_rule_keeps_float32_in_the_parameters_and_the_state(name):
    rng = np.random.default_rng(2)
    w = rng.standard_normal((3, 2)).astype(np.float32)
    config = None
    for _ in range(3):
        w, config = getattr(optim, name)(w, rng.standard_normal((3, 2)).astype(np.float32), config)
    assert w.dtype == np.float32
    for key, value in config.items():
        if isinstance(value, np.ndarray):
            assert value.dtype == np.float32, key


@pytest.mark.parametrize("name", _rule_params())
def test_rule_works_on_any_shape(name):
    w = np.ones((2, 3, 4))
    next_w, _ = getattr(optim, name)(w, np.full((2, 3, 4), 0.5))
    assert next_w.shape == (2, 3, 4)
    assert np.all(next_w < 1)


def test_get_maps_names_to_rules():
    for name in ALL_RULES:
        assert optim.get(name) is getattr(optim, name)


def test_get_passes_a_callable_through():
    def rule(w, dw, config=None):
        return w, config
    assert optim.get(rule) is rule


def test_get_names_the_known_rules_for_an_unknown_name():
    with pytest.raises(ValueError, match="adamw"):
        optim.get("adam_w")


# --------------------------------------------------------------------------- against torch.optim

def _quadratic_gradient(seed=0, dim=5):
    """g(w, k) = H w - b + noise_k: a fixed ill-conditioned quadratic with fixed noise."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
    H = q @ np.diag(np.logspace(0, 2, dim)) @ q.T
    b = rng.standard_normal(dim)
    noise = 0.1 * rng.standard_normal((20, dim))
    return (lambda w, k: H @ w - b + noise[k]), rng.standard_normal(dim)


def _compare_with_torch(torch, rule, config, make_optimizer, steps=20):
    grad, w0 = _quadratic_gradient()
    w = w0.copy()
    # torch keeps some scalar state (NAdam's running product of momenta) in the
    # default dtype: float32 would cost 1e-7 of relative precision
    default_dtype = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        param = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
        optimizer = make_optimizer([param])
        for k in range(steps):
            w, config = rule(w, grad(w, k), config)
            param.grad = torch.from_numpy(grad(param.detach().numpy().copy(), k))
            optimizer.step()
            np.testing.assert_allclose(w, param.detach().numpy(), rtol=1e-9, atol=1e-12,
                                       err_msg=f"step {k + 1}")
    finally:
        torch.set_default_dtype(default_dtype)


@pytest.mark.task("sgd_momentum")
def test_sgd_momentum_matches_torch_sgd_with_momentum(torch):
    # different bookkeeping (b = mu * b + g; w -= lr * b), same iterates: see the test above
    _compare_with_torch(torch, optim.sgd_momentum, {"learning_rate": 5e-3, "momentum": 0.9},
                        lambda p: torch.optim.SGD(p, lr=5e-3, momentum=0.9, foreach=False))


@pytest.mark.task("sgd_nesterov")
def test_sgd_nesterov_matches_torch_sgd_with_nesterov(torch):
    _compare_with_torch(torch, optim.sgd_nesterov, {"learning_rate": 5e-3, "momentum": 0.9},
                        lambda p: torch.optim.SGD(p, lr=5e-3, momentum=0.9, nesterov=True,
                                                  foreach=False))


@pytest.mark.task("adagrad")
def test_adagrad_matches_torch_adagrad(torch):
    _compare_with_torch(torch, optim.adagrad, {"learning_rate": 0.1, "epsilon": 1e-8},
                        lambda p: torch.optim.Adagrad(p, lr=0.1, eps=1e-8, lr_decay=0,
                                                      initial_accumulator_value=0,
                                                      foreach=False))


@pytest.mark.task("rmsprop")
def test_rmsprop_matches_torch_rmsprop_with_alpha_equal_to_decay_rate(torch):
    _compare_with_torch(torch, optim.rmsprop,
                        {"learning_rate": 1e-2, "decay_rate": 0.95, "epsilon": 1e-8},
                        lambda p: torch.optim.RMSprop(p, lr=1e-2, alpha=0.95, eps=1e-8,
                                                      foreach=False))


@pytest.mark.task("adam")
def test_adam_matches_torch_adam(torch):
    _compare_with_torch(torch, optim.adam, {"learning_rate": 0.05},
                        lambda p: torch.optim.Adam(p, lr=0.05, betas=(0.9, 0.999), eps=1e-8,
                                                   foreach=False))


@pytest.mark.task("nadam")
def test_nadam_matches_torch_nadam_without_momentum_schedule(torch):
    # torch's NAdam uses mu_t = beta1 * (1 - 0.5 * 0.96**(t * momentum_decay)); our
    # variant keeps mu_t = beta1, which is the limit momentum_decay -> inf
    # (0.96**inf == 0). Its default momentum_decay=4e-3 would differ on purpose.
    _compare_with_torch(torch, optim.nadam, {"learning_rate": 0.05},
                        lambda p: torch.optim.NAdam(p, lr=0.05, betas=(0.9, 0.999), eps=1e-8,
                                                    momentum_decay=float("inf"),
                                                    foreach=False))


@pytest.mark.task("adamax")
def test_adamax_matches_torch_adamax(torch):
    _compare_with_torch(torch, optim.adamax, {"learning_rate": 0.05},
                        lambda p: torch.optim.Adamax(p, lr=0.05, betas=(0.9, 0.999), eps=1e-8,
                                                     foreach=False))


@pytest.mark.task("adadelta")
def test_adadelta_matches_torch_adadelta(torch):
    _compare_with_torch(torch, optim.adadelta, {"learning_rate": 0.5, "rho": 0.8, "epsilon": 1e-6},
                        lambda p: torch.optim.Adadelta(p, lr=0.5, rho=0.8, eps=1e-6,
                                                       foreach=False))


@pytest.mark.task("adamw")
def test_adamw_matches_torch_adamw(torch):
    _compare_with_torch(torch, optim.adamw, {"learning_rate": 0.05, "weight_decay": 0.3},
                        lambda p: torch.optim.AdamW(p, lr=0.05, betas=(0.9, 0.999), eps=1e-8,
                                                    weight_decay=0.3, foreach=False))
