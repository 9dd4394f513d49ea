"""Visible checks of assignment 05: the update rules of ``course_lib.optim``.

Each check feeds a rule a short, scripted sequence of gradients (they do not
depend on ``w``, so the trajectory can be followed by hand) and compares every
step with values worked out by hand; the arithmetic of the first steps is in
the comments. Then it tries the defaults (``config=None``) and float32.
The checks never run another update rule of the assignment.
"""
from __future__ import annotations

import numpy as np

from .core import *  # noqa: F401,F403
from .core import _call  # noqa: F401

__all__ = ["check_sgd_momentum", "check_sgd_nesterov", "check_adagrad", "check_rmsprop",
           "check_adadelta", "check_adam", "check_nadam", "check_adamax", "check_adamw"]

_MODULE = "optim"
_W0 = np.array([1.0, 1.0])


def _step(name, fn, w, g, config):
    """One update through the student's rule, with the contract checked."""
    w_before, g_before = w.copy(), g.copy()
    with np.errstate(divide="raise", invalid="raise", over="raise"):
        try:
            result = _call(name, _MODULE, fn, w, g, config)
        except FloatingPointError as err:
            hint = ""
            if "sqrt" in str(err) and name in ("adam", "nadam", "rmsprop", "adagrad",
                                               "adadelta", "adamw"):
                hint = (" A square root of a negative number: the second moment averages the "
                        "SQUARED gradient, dw**2, which is never negative.")
            elif name == "adamax" and "divide" in str(err):
                hint = (" u must stay positive: u = maximum(beta2 * u, abs(dw) + epsilon), with "
                        "abs(dw) (a negative dw makes u 0). And is t incremented BEFORE it is "
                        "used? With t = 0 the bias correction divides by 1 - beta1**0 = 0.")
            elif name in ("adam", "nadam", "adamax", "adamw"):
                hint = (" Is t incremented BEFORE it is used? With t = 0 the bias correction "
                        "divides by 1 - beta**0 = 0.")
            fail(f"{name} hit a floating-point error ({err}) on a small, harmless input.{hint}")
    if (isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], dict)
            and isinstance(result[1], np.ndarray)):
        fail(f"{name} returns (config, next_w), the wrong order: return the pair "
             "(next_w, config).")
    if not (isinstance(result, tuple) and len(result) == 2):
        fail(f"{name} must return a pair (next_w, config).")
    next_w, config = result
    if not np.array_equal(w, w_before) or not np.array_equal(g, g_before):
        fail(f"{name} changed w or dw in place: compute next_w as a new array.")
    if np.shape(next_w) != w.shape:
        fail(f"{name}: next_w has shape {np.shape(next_w)}, expected {w.shape}.")
    return np.asarray(next_w), config


def _trajectory(name, fn, grads, config, expected, hints=None, counts_steps=False):
    """Run the scripted gradients and compare each step; ``hints[k](got)`` may explain step k.

    With ``counts_steps`` the step counter ``config['t']`` must equal k after step k.
    """
    w = _W0.copy()
    for k, (g, want) in enumerate(zip(grads, expected), start=1):
        w, config = _step(name, fn, w, np.array(g), config)
        if counts_steps:
            _expect_t(name, config, k)
        hint = hints.get(k) if hints else None
        if hint is not None:
            message = hint(np.asarray(w, dtype=np.float64), config)
            if message:
                fail(f"{name}, step {k}: {message}")
        expect_close(w, want, f"{name}: w after step {k} (gradients {grads[:k]})",
                     rtol=1e-6, atol=1e-9)
    return config


def _near(got, values, rtol=1e-6):
    return np.shape(got) == np.shape(values) and np.allclose(got, values, rtol=rtol, atol=1e-9)


def _check_defaults_and_dtype(name, fn, default_step):
    """``config=None`` must work with the defaults; float32 in, float32 out."""
    g = np.array([0.5, -2.0])
    w, config = _step(name, fn, _W0.copy(), g, None)
    expect_close(w, _W0 - default_step(g), f"{name}(w, dw, None): w after one step",
                 rtol=1e-5, atol=1e-9,
                 hint="With config=None the defaults of the module's table apply.")
    w32, config = _step(name, fn, _W0.astype(np.float32), g.astype(np.float32), None)
    expect_dtype(w32, np.float32, f"{name}: next_w for float32 w")
    w32, _ = _step(name, fn, w32, g.astype(np.float32), config)
    expect_dtype(w32, np.float32, f"{name}: next_w after a second float32 step")


# ------------------------------------------------------------ momentum

# gradients shared by both momentum checks; lr = 0.1, mu = 0.5, w0 = [1, 1]
_G_MOMENTUM = [[1.0, -2.0], [1.0, 2.0], [-2.0, 0.0]]


@visible_check("sgd_momentum")
def check_sgd_momentum(fn):
    """Check ``sgd_momentum`` on three scripted steps with lr = 0.1, momentum = 0.5."""
    name = "sgd_momentum"
    # v1 = -0.1 * [1, -2] = [-0.1, 0.2]                  w1 = [0.9, 1.2]
    # v2 = 0.5 * v1 - 0.1 * [1, 2] = [-0.15, -0.1]       w2 = [0.75, 1.1]
    # v3 = 0.5 * v2 - 0.1 * [-2, 0] = [0.125, -0.05]     w3 = [0.875, 1.05]
    expected = [[0.9, 1.2], [0.75, 1.1], [0.875, 1.05]]

    def first(w, config):
        if _near(w, [1.1, 0.8]):
            return "w moved uphill (along +dw): the velocity is v = mu * v - lr * dw."
        if _near(w, _W0):
            return ("w did not move: it was updated with the old velocity (0 at the start); "
                    "compute the new velocity first, then next_w = w + v.")
        v = np.asarray(config.get("velocity"), dtype=np.float64)
        if _near(w, expected[0]) and _near(v, [1.0, -2.0]):
            return ("w is right but config['velocity'] holds mu * v + dw (the PyTorch form); "
                    "this module stores v = mu * v - lr * dw and adds it: next_w = w + v.")
        if _near(w, expected[0]) and _near(v, [0.1, -0.2]):
            return ("w is right but config['velocity'] has the opposite sign; this module "
                    "stores v = mu * v - lr * dw and adds it: next_w = w + v.")
        return None

    def second(w, config):
        if _near(w, [0.8, 1.0]):
            v = np.asarray(config.get("velocity"), dtype=np.float64)
            if np.allclose(v, 0.0):
                return ("the velocity is not carried over: assign the new velocity to `v`, "
                        "which is what gets stored in config['velocity'].")
            return "the step ignores the old velocity (that is plain SGD): v = mu * v - lr * dw."
        return None

    _trajectory(name, fn, _G_MOMENTUM, {"learning_rate": 0.1, "momentum": 0.5}, expected,
                {1: first, 2: second})
    _check_defaults_and_dtype(name, fn, lambda g: 0.01 * g)


@visible_check("sgd_nesterov")
def check_sgd_nesterov(fn):
    """Check ``sgd_nesterov`` on three scripted steps with lr = 0.1, momentum = 0.5."""
    name = "sgd_nesterov"
    # v1 = [-0.1, 0.2]     w1 = w0 - 0.5 * 0 + 1.5 * v1 = [0.85, 1.3]
    # v2 = [-0.15, -0.1]   w2 = w1 - 0.5 * v1 + 1.5 * v2 = [0.675, 1.05]
    # v3 = [0.125, -0.05]  w3 = w2 - 0.5 * v2 + 1.5 * v3 = [0.9375, 1.025]
    expected = [[0.85, 1.3], [0.675, 1.05], [0.9375, 1.025]]

    def first(w, config):
        if _near(w, [0.9, 1.2]):
            return ("this is the plain (heavy-ball) momentum step w + v, which is also what "
                    "you get when v_prev is overwritten before it is used. Nesterov's "
                    "look-ahead form is next_w = w - mu * v_prev + (1 + mu) * v.")
        if _near(w, [1.15, 0.7]):
            return "w moved uphill: v = mu * v - lr * dw, and v is added to w."
        return None

    _trajectory(name, fn, _G_MOMENTUM, {"learning_rate": 0.1, "momentum": 0.5}, expected,
                {1: first})
    _check_defaults_and_dtype(name, fn, lambda g: 0.01 * 1.9 * g)


# ------------------------------------------------------------ AdaGrad, RMSProp

_G_ADAPTIVE = [[3.0, -4.0], [4.0, 3.0]]


@visible_check("adagrad")
def check_adagrad(fn):
    """Check ``adagrad`` on two scripted steps with lr = 0.1, and epsilon's place."""
    name = "adagrad"
    # cache1 = [9, 16]    w1 = [1, 1] - 0.1 * [3/3, -4/4] = [0.9, 1.1]
    # cache2 = [25, 25]   w2 = w1 - 0.1 * [4/5, 3/5] = [0.82, 1.04]
    expected = [[0.9, 1.1], [0.82, 1.04]]

    def first(w, config):
        if _near(w, [1 - 0.1 / 3, 1 + 0.1 / 4]):
            return "the step divides by the cache; divide by its square root: sqrt(cache) + eps."
        return None

    def second(w, config):
        if _near(w, [0.8, 1.0]):
            return ("the cache forgot the first gradient: AdaGrad ACCUMULATES, "
                    "cache = cache + dw**2.")
        return None

    _trajectory(name, fn, _G_ADAPTIVE, {"learning_rate": 0.1, "epsilon": 1e-8}, expected,
                {1: first, 2: second})
    # epsilon = 1 makes its place visible: -0.1 * 3 / (sqrt(9) + 1) = -0.075
    w, _ = _step(name, fn, np.zeros(1), np.array([3.0]), {"learning_rate": 0.1, "epsilon": 1.0})
    if _near(w, [-0.3 / np.sqrt(10.0)]):
        fail(f"{name}: epsilon is added inside the square root; add it outside: "
             "sqrt(cache) + epsilon.")
    expect_close(w, [-0.075], f"{name}: w after one step from 0 with dw = 3, epsilon = 1",
                 hint="next_w = w - lr * dw / (sqrt(cache) + epsilon).")
    _check_defaults_and_dtype(name, fn, lambda g: 0.01 * np.sign(g))


@visible_check("rmsprop")
def check_rmsprop(fn):
    """Check ``rmsprop`` on two scripted steps with lr = 0.1, decay_rate = 0.75."""
    name = "rmsprop"
    # cache1 = 0.25 * [9, 16] = [2.25, 4]        w1 = [1, 1] - 0.1 * [3/1.5, -4/2] = [0.8, 1.2]
    # cache2 = 0.75 * cache1 + 0.25 * [16, 9] = [5.6875, 5.25]
    # w2 = w1 - 0.1 * [4/sqrt(5.6875), 3/sqrt(5.25)] = [0.632274428, 1.069069265]
    expected = [[0.8, 1.2], [0.632274428161, 1.06906926543]]

    def first(w, config):
        if _near(w, [0.884529946607, 1.115470053505]):
            return ("decay_rate and 1 - decay_rate are swapped: decay_rate weighs the OLD "
                    "cache, cache = decay_rate * cache + (1 - decay_rate) * dw**2.")
        if _near(w, [0.9, 1.1]):
            return ("the cache does not leak (that is AdaGrad): "
                    "cache = decay_rate * cache + (1 - decay_rate) * dw**2.")
        if _near(w, [1 - 0.3 / 2.25, 1.1]):
            return ("the step divides by the cache; divide by its square root: "
                    "sqrt(cache) + eps.")
        return None

    def second(w, config):
        if _near(w, [0.6, 1.0]):
            return "the cache forgot the first gradient: carry it over, decay it, add the new one."
        return None

    _trajectory(name, fn, _G_ADAPTIVE, {"learning_rate": 0.1, "decay_rate": 0.75,
                                        "epsilon": 1e-8}, expected, {1: first, 2: second})
    _check_defaults_and_dtype(name, fn, lambda g: 0.01 * np.sign(g) / 0.1)


@visible_check("adadelta")
def check_adadelta(fn):
    """Check ``adadelta`` on three scripted steps with lr = 0.5, rho = 0.75, epsilon = 0.25."""
    name = "adadelta"
    # step 1: cache = 0.25 * [1, 4] = [0.25, 1]; delta = 0, so the numerator is sqrt(0.25) = 0.5
    #         step = 0.5 / sqrt([0.5, 1.25]) * [1, -2] = [0.707107, -0.894427]
    #         w1 = [1, 1] - 0.5 * step = [0.646447, 1.447214]
    #         delta = 0.25 * step**2 = [0.125, 0.2]
    # step 2: cache = 0.75 * [0.25, 1] + 0.25 * [9, 4] = [2.4375, 1.75]
    #         step = sqrt(delta + 0.25) / sqrt(cache + 0.25) * [3, 2]
    expected = [[0.646446609407, 1.4472135955], [0.086131083679, 0.972871946475],
                [0.351886380796, 0.817828528238]]
    config = {"learning_rate": 0.5, "rho": 0.75, "epsilon": 0.25}

    def first(w, config):
        if _near(w, _W0):
            return ("w did not move: delta starts at 0, so the numerator is "
                    "sqrt(delta + epsilon), with epsilon INSIDE the root; sqrt(delta) alone is 0.")
        if _near(w, [0.292893218813, 1.894427191]):
            return ("this is RMSProp's step, g / sqrt(cache + epsilon): Adadelta multiplies it "
                    "by sqrt(delta + epsilon), the root of the mean square of the past steps.")
        if _near(w, [0.75, 1.277350098113]):
            return ("rho and 1 - rho are swapped: rho weighs the OLD average, "
                    "cache = rho * cache + (1 - rho) * dw**2.")
        if _near(w, [0.833333333333, 1.2]):
            return ("epsilon is added outside the square roots; Adadelta adds it inside both: "
                    "sqrt(delta + epsilon) / sqrt(cache + epsilon).")
        if _near(w, [1.353553390593, 0.552786404500]):
            return "w moved uphill (along +dw): next_w = w - lr * step."
        return None

    def second(w, config):
        if _near(w, [0.161199129991, 1.059915260879]):
            return ("delta accumulated lr * step; it accumulates step itself: "
                    "delta = rho * delta + (1 - rho) * step**2, then next_w = w - lr * step.")
        if _near(w, [-0.076917623849, 0.79529335498]):
            return ("in delta, rho and 1 - rho are swapped: "
                    "delta = rho * delta + (1 - rho) * step**2.")
        delta = np.asarray(config.get("delta"), dtype=np.float64)
        if np.shape(delta) == (2,) and _near(delta, [0.0, 0.0]):
            return ("config['delta'] is still 0 after two steps: update it after the step, "
                    "delta = rho * delta + (1 - rho) * step**2, and let it be stored.")
        return None

    def third(w, config):
        if _near(w, [0.332217986727, 0.837708228084]):
            return ("delta forgot the earlier steps: carry it over, "
                    "delta = rho * delta + (1 - rho) * step**2.")
        return None

    _trajectory(name, fn, _G_ADAM, config, expected, {1: first, 2: second, 3: third})
    # defaults: lr 1, rho 0.9, epsilon 1e-6; the first step is sqrt(1e-6) / sqrt(0.1 g**2 + 1e-6) * g
    _check_defaults_and_dtype(name, fn, lambda g: np.sqrt(1e-6) / np.sqrt(0.1 * g**2 + 1e-6) * g)


# ------------------------------------------------------------ Adam family

# lr = 0.1, beta1 = 0.5, beta2 = 0.9375 (1 - beta2 = 1/16); w0 = [1, 1]
_G_ADAM = [[1.0, -2.0], [3.0, 2.0], [-1.0, 0.5]]
_ADAM_CONFIG = {"learning_rate": 0.1, "beta1": 0.5, "beta2": 0.9375, "epsilon": 1e-8}


def _expect_t(name, config, t):
    got = config.get("t") if isinstance(config, dict) else None
    if got != t:
        fail(f"{name}: config['t'] is {got!r} after {t} step(s), expected {t}: increment t "
             "(t = t + 1) at the start of every step; the new t is what gets stored.")


@visible_check("adam")
def check_adam(fn):
    """Check ``adam`` on three scripted steps, and the size of its first step."""
    name = "adam"
    # step 1: m = 0.5 * g, v = g**2 / 16; m_hat = g, v_hat = g**2: a step of lr * sign(g)
    # step 2: m = [1.75, 0.5], v = [0.62109375, 0.484375]; m_hat = m / 0.75, v_hat = v / 0.12109375
    expected = [[0.9, 1.1], [0.796971099795, 1.066666666333], [0.774578390391, 1.031686083024]]

    def first(w, config):
        if _near(w, [0.8, 1.2]):
            return ("the step is twice lr: the bias correction is missing. m and v start at 0, "
                    "so divide m by (1 - beta1**t) and v by (1 - beta2**t).")
        if _near(w, [0.6, 1.4]):
            return "only m is bias-corrected; v needs it too: v_hat = v / (1 - beta2**t)."
        if _near(w, [0.95, 1.05]):
            return "only v is bias-corrected; m needs it too: m_hat = m / (1 - beta1**t)."
        return None

    def second(w, config):
        if _near(w, [0.577945566817, 1.128157876222]):
            return "the bias correction is missing (the first step was lucky)."
        return None

    _trajectory(name, fn, _G_ADAM, dict(_ADAM_CONFIG), expected, {1: first, 2: second},
                counts_steps=True)
    _check_defaults_and_dtype(name, fn, lambda g: 1e-3 * np.sign(g))


@visible_check("nadam")
def check_nadam(fn):
    """Check ``nadam`` on three scripted steps (beta1 = 0.5, beta2 = 0.9375)."""
    name = "nadam"
    # step 1: m_hat = 0.5 * m / (1 - 0.25) + 0.5 * g / 0.5 = g / 3 + g = 4/3 g, v_hat = g**2
    expected = [[0.866666668, 1.133333332667], [0.734200937879, 1.052380952119],
                [0.753607952697, 1.018566388253]]

    def first(w, config):
        if _near(w, [0.9, 1.1]):
            return ("this is Adam's step; NAdam looks ahead: m_hat = beta1 * m / "
                    "(1 - beta1**(t + 1)) + (1 - beta1) * dw / (1 - beta1**t).")
        return None

    _trajectory(name, fn, _G_ADAM, dict(_ADAM_CONFIG), expected, {1: first}, counts_steps=True)
    # defaults: lr 2e-3; first m_hat = (0.9 * 0.1 / 0.19 + 1) g = (1 + 9/19) g
    _check_defaults_and_dtype(name, fn, lambda g: 2e-3 * (1 + 9 / 19) * np.sign(g))


@visible_check("adamax")
def check_adamax(fn):
    """Check ``adamax`` on three scripted steps (beta1 = 0.5, beta2 = 0.75) and epsilon's place."""
    name = "adamax"
    # step 1: m = 0.5 * g, u = |g|; w -= 0.1 / 0.5 * m / u = 0.1 * sign(g)
    # step 2: m = [1.75, 0.5], u = [3, 2]; w -= 0.1 / 0.75 * m / u
    expected = [[0.9, 1.1], [0.822222223481, 1.066666666333], [0.803174604497, 1.028571428429]]
    config = dict(_ADAM_CONFIG, beta2=0.75)

    def first(w, config):
        if _near(w, [0.95, 1.05]):
            return ("the step is half of lr: the first moment m needs its bias correction, "
                    "lr / (1 - beta1**t).")
        return None

    _trajectory(name, fn, _G_ADAM, config, expected, {1: first}, counts_steps=True)
    # epsilon = 0.5: u1 = max(0, 2 + 0.5) = 2.5, u2 = max(0.75 * 2.5, 0.5 + 0.5) = 1.875
    w = np.zeros(1)
    config = {"learning_rate": 0.1, "beta1": 0.5, "beta2": 0.75, "epsilon": 0.5}
    for g in (2.0, 0.5):
        w, config = _step(name, fn, w, np.array([g]), config)
    if _near(w, [-0.122105263158]):
        fail(f"{name}: epsilon is added after the maximum; add it to |dw| inside: "
             "u = maximum(beta2 * u, abs(dw) + epsilon).")
    expect_close(w, [-0.08 - 0.1 / 0.75 * 0.75 / 1.875],
                 f"{name}: w after dw = 2 then 0.5 from 0 with epsilon = 0.5",
                 hint="u = maximum(beta2 * u, abs(dw) + epsilon).")
    _check_defaults_and_dtype(name, fn, lambda g: 2e-3 * np.sign(g))


@visible_check("adamw")
def check_adamw(fn):
    """Check ``adamw`` on three scripted steps (Adam's settings of its check, weight_decay 0.5)."""
    name = "adamw"
    # step 1: Adam's first step is lr * sign(g) = 0.1 * [1, -1]; the decay is
    #         lr * weight_decay * w = 0.1 * 0.5 * [1, 1] = [0.05, 0.05]
    #         w1 = [1 - 0.1 - 0.05, 1 + 0.1 - 0.05] = [0.85, 1.05]
    expected = [[0.850000001, 1.0499999995], [0.704471099745, 0.964166666358],
                [0.646854835353, 0.880977749731]]
    config = dict(_ADAM_CONFIG, weight_decay=0.5)

    def first(w, config):
        m = np.asarray(config.get("m"), dtype=np.float64)
        if np.shape(m) == (2,) and _near(m, [0.75, -0.75]):
            return ("the weight decay went into the gradient (config['m'] averages "
                    "dw + weight_decay * w): that is an L2 penalty inside Adam, which the "
                    "adaptive step then rescales. AdamW keeps m and v for dw alone and "
                    "subtracts lr * weight_decay * w beside the step.")
        if _near(w, [0.9, 1.1]):
            return ("this is Adam's step without any decay: subtract lr * weight_decay * w "
                    "as well, next_w = w - lr * (m_hat / (sqrt(v_hat) + eps) + weight_decay * w).")
        if _near(w, [0.4, 0.6]):
            return ("the decay is weight_decay * w, not multiplied by the learning rate: "
                    "every weight shrinks by lr * weight_decay * w per step.")
        if _near(w, [0.855, 1.045]):
            return ("the decay was applied to the weights after Adam's step; AdamW decays the "
                    "weights BEFORE the step: next_w = w - lr * (step + weight_decay * w).")
        if _near(w, [0.95, 1.15]):
            return "the decay has the wrong sign: it must pull w towards 0."
        if _near(w, [0.85, 1.075]):
            return ("the decay was divided by sqrt(v_hat) with the gradient; it stays outside "
                    "the adaptive fraction: lr * (m_hat / (sqrt(v_hat) + eps) + weight_decay * w).")
        if _near(w, [0.75, 1.15]):
            return ("the bias correction is missing. m and v start at 0, so divide m by "
                    "(1 - beta1**t) and v by (1 - beta2**t).")
        return None

    _trajectory(name, fn, _G_ADAM, config, expected, {1: first}, counts_steps=True)
    # with weight_decay = 0 AdamW is Adam: the trajectory of check_adam
    _trajectory(name, fn, _G_ADAM, dict(_ADAM_CONFIG, weight_decay=0.0),
                [[0.9, 1.1], [0.796971099795, 1.066666666333], [0.774578390391, 1.031686083024]],
                counts_steps=True)
    _, defaults = _step(name, fn, _W0.copy(), np.array([0.5, -2.0]), None)
    if not isinstance(defaults, dict) or defaults.get("weight_decay") != 1e-2:
        got = defaults.get("weight_decay") if isinstance(defaults, dict) else None
        fail(f"{name}(w, dw, None) left config['weight_decay'] = {got!r}; the module's table "
             "says its default is 1e-2 (fill in every missing hyperparameter).")
    # defaults: lr 1e-3, weight_decay 1e-2: Adam's first step 1e-3 * sign(g) plus 1e-5 * w
    _check_defaults_and_dtype(name, fn, lambda g: 1e-3 * np.sign(g) + 1e-5)
