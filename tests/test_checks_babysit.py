"""The visible checks of assignment 07: pass on correct code, name the mistake otherwise."""
from __future__ import annotations

import math

import numpy as np
import pytest

from course_lib import babysit, checks

from check_support import check_named as _check, fails_with as _fails_with

ALL = ["expected_initial_loss", "update_to_weight_ratio", "log_uniform", "at_border"]


# ------------------------------------------------------------------ general
@pytest.mark.parametrize("name", ALL)
def test_check_passes_on_the_reference_and_prints_a_pass_line(name, capsys):
    with np.errstate(all="raise"):
        _check(name)(getattr(babysit, name))
    assert capsys.readouterr().out.strip() == f"✔ {name}: visible check passed."


@pytest.mark.parametrize("name", ALL)
def test_check_turns_a_stub_into_not_implemented_yet(name):
    def stub(*args, **kwargs):
        raise NotImplementedError()

    message = _fails_with(name, stub, "not implemented yet", f"def {name}", "babysit.py")
    assert "Traceback" not in message


# ------------------------------------------------------------------ expected_initial_loss
@pytest.mark.task("expected_initial_loss")
@pytest.mark.parametrize("wrong, fragment", [
    (math.log10, "log10"),
    (math.log2, "log2"),
    (lambda c: -math.log(c), "wrong sign"),
    (lambda c: 1.0 / c, "1/C"),
    (lambda c: math.log(c - 1), "expected ln(10)"),
])
def test_initial_loss_slips_are_named(wrong, fragment):
    _fails_with("expected_initial_loss", lambda c: float(wrong(c)), fragment)


@pytest.mark.task("expected_initial_loss")
def test_initial_loss_array_is_rejected():
    _fails_with("expected_initial_loss", lambda c: np.full(c, math.log(c)), "single number")


# ------------------------------------------------------------------ update_to_weight_ratio
def _ratio(formula, keys=lambda before: [k for k in before if k.startswith("W")]):
    def fn(before, after):
        return {k: float(formula(after[k] - before[k], before[k], after[k])) for k in keys(before)}
    return fn


@pytest.mark.task("update_to_weight_ratio")
@pytest.mark.parametrize("formula, fragment", [
    (lambda d, b, a: np.linalg.norm(b) / np.linalg.norm(d), "upside down"),
    (lambda d, b, a: np.linalg.norm(d) / np.linalg.norm(a), "BEFORE the update"),
    (lambda d, b, a: np.sum(d ** 2) / np.sum(b ** 2), "squared norms"),
    (lambda d, b, a: np.sum(np.abs(d)) / np.sum(np.abs(b)), "absolute values"),
    (lambda d, b, a: np.mean(np.abs(d)) / np.mean(np.abs(b)), "absolute values"),
    (lambda d, b, a: np.mean(d) / np.mean(b), "mean change over the mean weight"),
    (lambda d, b, a: np.max(np.abs(d)) / np.max(np.abs(b)), "Frobenius"),
])
def test_ratio_slips_are_named(formula, fragment):
    _fails_with("update_to_weight_ratio", _ratio(formula), fragment)


@pytest.mark.task("update_to_weight_ratio")
def test_ratio_over_every_parameter_is_named():
    every = _ratio(lambda d, b, a: np.linalg.norm(d) / max(np.linalg.norm(b), 1e-12),
                   keys=lambda before: list(before))
    _fails_with("update_to_weight_ratio", every, "only the weight matrices", "b1")


@pytest.mark.task("update_to_weight_ratio")
def test_ratio_missing_a_layer_is_named():
    _fails_with("update_to_weight_ratio",
                _ratio(lambda d, b, a: np.linalg.norm(d) / np.linalg.norm(b), keys=lambda _: ["W1"]),
                "no ratio for ['W2']")


@pytest.mark.task("update_to_weight_ratio")
def test_ratio_that_modifies_its_inputs_is_named():
    def fn(before, after):
        for k in before:
            before[k] -= 0.0 if k.startswith("W") else 1.0
        return babysit.update_to_weight_ratio(before, after)

    _fails_with("update_to_weight_ratio", fn, "changed the arrays")


@pytest.mark.task("update_to_weight_ratio")
def test_ratio_list_instead_of_dict_is_named():
    _fails_with("update_to_weight_ratio",
                lambda b, a: list(babysit.update_to_weight_ratio(b, a).values()), "dict")


# ------------------------------------------------------------------ log_uniform
def _sampler(draw):
    def fn(rng, low, high, size=None):
        samples = draw(rng, low, high, size)
        return float(samples) if size is None else samples
    return fn


@pytest.mark.task("log_uniform")
@pytest.mark.parametrize("draw, fragment", [
    (lambda rng, lo, hi, size: rng.uniform(lo, hi, size=size), "top decade"),
    (lambda rng, lo, hi, size: 10.0 ** rng.uniform(lo, hi, size=size), "not from low to high"),
    (lambda rng, lo, hi, size: 10.0 ** rng.uniform(np.log(lo), np.log(hi), size=size),
     "do not mix the two bases"),
    (lambda rng, lo, hi, size: np.exp(rng.uniform(np.log10(lo), np.log10(hi), size=size)),
     "do not mix"),
    (lambda rng, lo, hi, size: 10.0 ** rng.uniform(np.log10(lo), np.log10(hi), size=size)
     if size is None else 10.0 ** rng.uniform(np.log10(lo), np.log10(hi), size=3),
     "pass size on"),
    (lambda rng, lo, hi, size: 10.0 ** np.random.default_rng().uniform(np.log10(lo),
                                                                       np.log10(hi), size=size),
     "`rng` argument"),
])
def test_log_uniform_slips_are_named(draw, fragment):
    _fails_with("log_uniform", _sampler(draw), fragment)


@pytest.mark.task("log_uniform")
def test_log_uniform_with_a_skewed_exponent_is_caught():
    # the exponent is drawn from a triangle distribution: in range, but not log-uniform
    def draw(rng, lo, hi, size):
        a, b = np.log10(lo), np.log10(hi)
        return 10.0 ** rng.triangular(a, b, b, size=size)

    _fails_with("log_uniform", _sampler(draw), "about 25%")


@pytest.mark.task("log_uniform")
def test_log_uniform_check_accepts_any_way_of_drawing_the_exponent():
    # natural logs, a different number of generator calls: still a correct sampler
    def draw(rng, lo, hi, size):
        u = rng.random(size=size)
        return np.exp(np.log(lo) + u * (np.log(hi) - np.log(lo)))

    checks.check_log_uniform(_sampler(draw))


# ------------------------------------------------------------------ at_border
def _border(position, test):
    def fn(value, low, high, scale, fraction=0.1):
        return bool(test(position(value, low, high, scale), fraction))
    return fn


def _log_position(value, low, high, scale):
    if scale == "log":
        value, low, high = np.log(value), np.log(low), np.log(high)
    return (value - low) / (high - low)


def _linear_position(value, low, high, scale):
    return (value - low) / (high - low)


@pytest.mark.task("at_border")
@pytest.mark.parametrize("fn, fragment", [
    (_border(_linear_position, lambda p, f: p < f or p > 1 - f), "log space"),
    (_border(_log_position, lambda p, f: p < f), "close to high"),
    (_border(_log_position, lambda p, f: p > 1 - f), "close to low"),
    (_border(_log_position, lambda p, f: p <= f or p >= 1 - f), "strict"),
    (_border(_log_position, lambda p, f: p < 0.1 or p > 0.9), "fraction"),
    (_border(_log_position, lambda p, f: True), "middle of the range"),
])
def test_at_border_slips_are_named(fn, fragment):
    _fails_with("at_border", fn, fragment)


@pytest.mark.task("at_border")
def test_at_border_non_bool_is_named():
    _fails_with("at_border", lambda *args, **kwargs: "yes", "True or False")
