"""The visible checks of assignment 02: pass on correct initialisers, name the mistake otherwise."""
from __future__ import annotations

import math

import numpy as np
import pytest

from course_lib import checks, init

from check_support import check_named as _check, fails_with as _fails_with

SCHEMES = {name: getattr(init, name) for name in
           ("zeros", "normal", "xavier_normal", "xavier_uniform", "he_normal", "he_uniform",
            "lecun_normal")}


def normal_with(variance):
    """A normal initialiser with the given variance formula (fan_in, fan_out) -> var."""
    def draw(fan_in, fan_out, rng, dtype=np.float64):
        W = math.sqrt(variance(fan_in, fan_out)) * rng.standard_normal((fan_in, fan_out))
        return np.asarray(W, dtype=dtype)
    return draw


def uniform_with(limit):
    """A uniform initialiser on [-r, r] with r = limit(fan_in, fan_out)."""
    def draw(fan_in, fan_out, rng, dtype=np.float64):
        r = limit(fan_in, fan_out)
        return np.asarray(rng.uniform(-r, r, size=(fan_in, fan_out)), dtype=dtype)
    return draw


# ------------------------------------------------------------------ general
@pytest.mark.parametrize("name", sorted(SCHEMES))
def test_check_passes_on_the_reference_and_prints_a_pass_line(name, capsys):
    _check(name)(SCHEMES[name])
    assert capsys.readouterr().out.strip() == f"✔ {name}: visible check passed."


@pytest.mark.parametrize("name", sorted(SCHEMES))
def test_check_turns_a_stub_into_not_implemented_yet(name):
    def stub(*args, **kwargs):
        raise NotImplementedError()

    message = _fails_with(_check(name), stub, "not implemented yet", f"def {name}", "init.py")
    assert "Traceback" not in message


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_check_does_not_depend_on_how_the_generator_is_consumed(seed):
    """A correct He initialiser that draws the transposed matrix and skips some numbers."""
    def he_other_order(fan_in, fan_out, rng, dtype=np.float64):
        rng.standard_normal(seed)
        W = rng.normal(0.0, math.sqrt(2.0 / fan_in), size=(fan_out, fan_in)).T
        return np.asarray(W, dtype=dtype)

    checks.check_he_normal(he_other_order)


# ------------------------------------------------------------------ shapes, generator, dtype
def test_transposed_weights_are_named():
    def transposed(fan_in, fan_out, rng, dtype=np.float64):
        return init.he_normal(fan_out, fan_in, rng, dtype=dtype)

    _fails_with(checks.check_he_normal, transposed, "transposed", "(fan_in, fan_out)")


def test_a_wrong_shape_is_reported():
    def square(fan_in, fan_out, rng, dtype=np.float64):
        return init.he_normal(fan_in, fan_in, rng, dtype=dtype)

    _fails_with(checks.check_he_normal, square, "returned shape", "expected (3, 5)")


def test_drawing_from_np_random_is_named():
    def global_rng(fan_in, fan_out, rng, dtype=np.float64):
        return np.asarray(np.random.randn(fan_in, fan_out) * math.sqrt(2.0 / fan_in), dtype=dtype)

    _fails_with(checks.check_he_normal, global_rng, "same seed", "np.random")


def test_ignoring_the_generator_is_named():
    def own_generator(fan_in, fan_out, rng, dtype=np.float64):
        return init.he_normal(fan_in, fan_out, np.random.default_rng(0), dtype=dtype)

    _fails_with(checks.check_he_normal, own_generator, "two different seeds", "rng argument")


def test_ignoring_the_dtype_is_reported():
    def always_float64(fan_in, fan_out, rng, dtype=np.float64):
        return init.he_normal(fan_in, fan_out, rng)

    _fails_with(checks.check_he_normal, always_float64, "float32", "dtype")


# ------------------------------------------------------------------ zeros
def test_zeros_that_are_not_zero_are_reported():
    def ones(fan_in, fan_out, rng=None, dtype=np.float64):
        return np.ones((fan_in, fan_out), dtype=dtype)

    _fails_with(checks.check_zeros, ones, "non-zero", "exactly 0")


def test_zeros_that_need_a_generator_are_reported():
    def needs_rng(fan_in, fan_out, rng, dtype=np.float64):
        return np.zeros((fan_in, fan_out), dtype=dtype)

    with pytest.raises(TypeError):
        checks.check_zeros(needs_rng)


# ------------------------------------------------------------------ distribution shape and mean
def test_a_uniform_where_a_normal_belongs_is_named():
    _fails_with(checks.check_he_normal, uniform_with(lambda i, o: math.sqrt(6.0 / i)),
                "look uniform", "standard_normal")


def test_a_normal_where_a_uniform_belongs_is_named():
    _fails_with(checks.check_he_uniform, normal_with(lambda i, o: 2.0 / i),
                "normal-looking tail", "uniform")


def test_weights_that_are_not_centred_are_named():
    def half_interval(fan_in, fan_out, rng, dtype=np.float64):
        r = math.sqrt(6.0 / (fan_in + fan_out))
        return np.asarray(rng.uniform(0.0, r, size=(fan_in, fan_out)), dtype=dtype)

    _fails_with(checks.check_xavier_uniform, half_interval, "mean", "centred on 0",
                "uniform(-r, r")


def test_weights_beyond_the_limit_are_reported():
    _fails_with(checks.check_he_uniform, uniform_with(lambda i, o: 1.01 * math.sqrt(6.0 / i)),
                "|w|", "[-r, r]")


# ------------------------------------------------------------------ variance slips
@pytest.mark.parametrize("name, wrong, fragments", [
    ("he_normal", normal_with(lambda i, o: 2.0 / o), ["fan_out", "inputs"]),
    ("he_uniform", uniform_with(lambda i, o: math.sqrt(6.0 / o)), ["fan_out", "inputs"]),
    ("lecun_normal", normal_with(lambda i, o: 1.0 / o), ["fan_out", "inputs"]),
    ("he_normal", normal_with(lambda i, o: 1.0 / i), ["factor 2 is missing"]),
    ("xavier_normal", normal_with(lambda i, o: 1.0 / (i + o)), ["factor 2 is missing"]),
    ("xavier_normal", normal_with(lambda i, o: 2.0 / i), ["He variance"]),
    ("lecun_normal", normal_with(lambda i, o: 2.0 / i), ["He variance", "without the 2"]),
    ("he_normal", normal_with(lambda i, o: 2.0 / (i + o)), ["Xavier variance"]),
    ("xavier_normal", normal_with(lambda i, o: 6.0 / (i + o)), ["uniform limit"]),
    ("he_normal", normal_with(lambda i, o: 6.0 / i), ["uniform limit"]),
    ("xavier_normal", normal_with(lambda i, o: (2.0 / (i + o)) ** 2), ["square root"]),
    ("he_normal", normal_with(lambda i, o: (2.0 / i) ** 2), ["square root"]),
    ("lecun_normal", normal_with(lambda i, o: (1.0 / i) ** 2), ["square root"]),
    ("xavier_uniform", uniform_with(lambda i, o: math.sqrt(2.0 / (i + o))), ["r**2 / 3"]),
    ("he_uniform", uniform_with(lambda i, o: math.sqrt(2.0 / i)), ["r**2 / 3"]),
    ("xavier_uniform", uniform_with(lambda i, o: 6.0 / (i + o)), ["square root"]),
    ("he_uniform", uniform_with(lambda i, o: 6.0 / i), ["square root"]),
    ("he_uniform", uniform_with(lambda i, o: math.sqrt(6.0 / (i + o))), ["Xavier limit"]),
    ("xavier_uniform", uniform_with(lambda i, o: math.sqrt(6.0 / i)), ["fan_in + fan_out"]),
])
def test_a_typical_variance_slip_is_named(name, wrong, fragments):
    _fails_with(_check(name), wrong, "variance", *fragments)


def test_an_unrecognised_variance_gets_the_ratio():
    _fails_with(checks.check_he_normal, normal_with(lambda i, o: 5.0 / i), "(ratio 2.",
                "docstring")


def test_normal_that_ignores_std_is_named():
    def fixed_std(fan_in, fan_out, rng, std=0.01, dtype=np.float64):
        return np.asarray(0.01 * rng.standard_normal((fan_in, fan_out)), dtype=dtype)

    _fails_with(checks.check_normal, fixed_std, "std argument")


def test_normal_that_uses_the_variance_as_std_is_named():
    def squared(fan_in, fan_out, rng, std=0.01, dtype=np.float64):
        return np.asarray(std ** 2 * rng.standard_normal((fan_in, fan_out)), dtype=dtype)

    _fails_with(checks.check_normal, squared, "std**2")


def test_normal_that_forgets_to_scale_is_named():
    def unscaled(fan_in, fan_out, rng, std=0.01, dtype=np.float64):
        return np.asarray(rng.standard_normal((fan_in, fan_out)), dtype=dtype)

    _fails_with(checks.check_normal, unscaled, "variance 1", "multiply")
