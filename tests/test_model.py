"""Tests of course_lib.model.FullyConnectedNet (the reference of the network students write).

The whole network is gradient-checked against centred differences
(``course_lib._hidden.numeric_gradient``, float64) in every configuration the
notebooks use. The comparison is a relative error per parameter array,
``max|analytic - numeric| / max(max|analytic|, max|numeric|)``: centred
differences carry an absolute round-off near 1e-10, which an entry-by-entry
ratio would blow up for entries that happen to lie near 0.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from course_lib._hidden import numeric_gradient
from course_lib.model import FullyConnectedNet

ALPHA = 1e-6
N, D, C = 5, 4, 3


def small_batch(seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((N, D)), rng.integers(0, C, size=N)


def jitter(model, seed=1):
    """Non-zero biases/shifts and non-unit scales: no unit sits exactly on a kink."""
    rng = np.random.default_rng(seed)
    for name, value in model.params.items():
        if name.startswith(("b", "beta")):
            model.params[name] = 0.1 * rng.standard_normal(value.shape)
        elif name.startswith("gamma"):
            model.params[name] = rng.uniform(0.5, 1.5, value.shape)
    return model


def array_rel_error(analytic, numeric):
    scale = max(np.max(np.abs(analytic)), np.max(np.abs(numeric)))
    return float(np.max(np.abs(analytic - numeric)) / scale)


def check_gradients(model, X, y, skip=()):
    loss, grads = model.loss(X, y)
    assert sorted(grads) == sorted(model.params)
    for name, value in model.params.items():
        assert grads[name].shape == value.shape, name
        if name in skip:
            continue
        numeric = numeric_gradient(lambda _: model.loss(X, y)[0], value)
        err = array_rel_error(grads[name], numeric)
        assert err < 1e-7, f"{name}: relative error {err:.2e}"
    return grads


CONFIGS = {
    "relu": dict(),
    "tanh": dict(activation="tanh"),
    "sigmoid": dict(activation="sigmoid"),
    "leaky_relu": dict(activation="leaky_relu", activation_params={"alpha": 0.1}),
    "prelu": dict(activation="prelu"),
    "elu": dict(activation="elu"),
    "selu": dict(activation="selu"),
    "gelu": dict(activation="gelu"),
    "softplus": dict(activation="softplus"),
    "arctan": dict(activation="arctan"),
    "layernorm": dict(normalization="layernorm"),
    "dropout": dict(dropout=0.3, dropout_seed=3),
    "l2": dict(reg=0.3),
    "everything": dict(activation="tanh", normalization="layernorm", dropout=0.2,
                       dropout_seed=5, reg=0.1),
}


@pytest.mark.parametrize("name", list(CONFIGS))
def test_whole_network_gradient_matches_centred_differences(name):
    X, y = small_batch()
    model = jitter(FullyConnectedNet([7, 6], D, C, init=0.5, seed=0, **CONFIGS[name]))
    check_gradients(model, X, y)


def test_batchnorm_network_gradient_matches_and_hidden_biases_get_none():
    X, y = small_batch()
    model = jitter(FullyConnectedNet([7, 6], D, C, init=0.5, normalization="batchnorm", seed=0))
    grads = check_gradients(model, X, y, skip=("b1", "b2"))
    # batch norm subtracts the batch mean: a bias in front of it has no effect at all
    assert np.allclose(grads["b1"], 0, atol=1e-12)
    assert np.allclose(grads["b2"], 0, atol=1e-12)


@pytest.mark.parametrize("residual", [True, "unscaled"])
def test_residual_network_gradient_matches_centred_differences(residual):
    X, y = small_batch()
    model = jitter(FullyConnectedNet([6, 6, 6], D, C, init=0.5, residual=residual, seed=0))
    assert model.residual_layers == [2, 3]
    check_gradients(model, X, y)


def test_residual_with_batchnorm_and_dropout_gradient_matches():
    X, y = small_batch()
    model = jitter(FullyConnectedNet([D, D], D, C, init=0.5, residual=True,
                                     normalization="batchnorm", dropout=0.25, dropout_seed=0,
                                     seed=0))
    assert model.residual_layers == [1, 2]
    check_gradients(model, X, y, skip=("b1", "b2"))


def test_network_without_hidden_layers_is_softmax_regression():
    X, y = small_batch()
    model = jitter(FullyConnectedNet([], D, C, init=0.5, reg=0.2, seed=0))
    assert sorted(model.params) == ["W1", "b1"]
    check_gradients(model, X, y)


def test_params_have_the_documented_keys_and_shapes():
    model = FullyConnectedNet([7, 6], D, C, normalization="batchnorm", activation="prelu",
                              init=0.1, seed=0)
    shapes = {k: v.shape for k, v in model.params.items()}
    assert shapes == {"W1": (4, 7), "b1": (7,), "gamma1": (7,), "beta1": (7,), "alpha1": (),
                      "W2": (7, 6), "b2": (6,), "gamma2": (6,), "beta2": (6,), "alpha2": (),
                      "W3": (6, 3), "b3": (3,)}
    assert np.all(model.params["gamma1"] == 1) and np.all(model.params["beta2"] == 0)
    assert np.all(model.params["b3"] == 0) and float(model.params["alpha1"]) == 0.25


def test_initial_loss_is_close_to_ln_C_with_small_weights():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((200, 50)), rng.integers(0, 10, 200)
    model = FullyConnectedNet([40, 30], 50, 10, init=1e-3, seed=0)
    loss, _ = model.loss(X, y)
    assert abs(loss - math.log(10)) < 1e-3


def test_l2_penalty_is_half_reg_times_sum_of_squared_weights_only():
    X, y = small_batch()
    plain = jitter(FullyConnectedNet([7, 6], D, C, init=0.5, seed=0))
    penalised = jitter(FullyConnectedNet([7, 6], D, C, init=0.5, reg=0.3, seed=0))
    loss0, grads0 = plain.loss(X, y)
    loss1, grads1 = penalised.loss(X, y)
    weights = [penalised.params[k] for k in ("W1", "W2", "W3")]
    assert loss1 - loss0 == pytest.approx(0.5 * 0.3 * sum(np.sum(w * w) for w in weights))
    for k in grads0:
        extra = 0.3 * penalised.params[k] if k.startswith("W") else 0.0
        assert np.allclose(grads1[k] - grads0[k], extra), k


@pytest.mark.parametrize("init", ["he_normal", 0.05])
def test_weight_variance_follows_the_init_option(init):
    fan_in, fan_out = 300, 200
    model = FullyConnectedNet([fan_out], fan_in, 2, init=init, seed=0)
    W = model.params["W1"]
    variance = 2.0 / fan_in if init == "he_normal" else 0.05 ** 2
    n = W.size
    lo, hi = stats.chi2.ppf([ALPHA / 2, 1 - ALPHA / 2], df=n) * variance / n
    assert lo <= np.sum(W ** 2) / n <= hi
    assert abs(W.mean()) < stats.norm.isf(ALPHA / 2) * math.sqrt(variance / n)


def test_callable_init_gets_fan_in_fan_out_and_a_generator():
    calls = []

    def constant(fan_in, fan_out, rng):
        calls.append((fan_in, fan_out, isinstance(rng, np.random.Generator)))
        return np.full((fan_in, fan_out), 0.5)

    model = FullyConnectedNet([7, 6], D, C, init=constant, seed=0)
    assert calls == [(4, 7, True), (7, 6, True), (6, 3, True)]
    assert np.all(model.params["W2"] == 0.5)


def test_same_seed_gives_same_weights_and_different_seed_different():
    a = FullyConnectedNet([7], D, C, init=0.1, seed=3)
    b = FullyConnectedNet([7], D, C, init=0.1, seed=3)
    c = FullyConnectedNet([7], D, C, init=0.1, seed=4)
    assert np.array_equal(a.params["W1"], b.params["W1"])
    assert not np.array_equal(a.params["W1"], c.params["W1"])


def test_residual_blocks_start_scaled_by_one_over_sqrt_of_their_number():
    plain = FullyConnectedNet([6, 6, 6], D, C, init=0.5, seed=0)
    scaled = FullyConnectedNet([6, 6, 6], D, C, init=0.5, residual=True, seed=0)
    unscaled = FullyConnectedNet([6, 6, 6], D, C, init=0.5, residual="unscaled", seed=0)
    for k in ("W1", "W4"):   # not blocks with a skip (widths differ)
        assert np.array_equal(scaled.params[k], plain.params[k])
    for k in ("W2", "W3"):
        assert np.allclose(scaled.params[k], plain.params[k] / math.sqrt(2))
        assert np.array_equal(unscaled.params[k], plain.params[k])


def test_unscaled_skips_make_activations_grow_with_depth_scaled_ones_do_not():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 32))
    stds = {}
    for residual in (True, "unscaled"):
        model = FullyConnectedNet([32] * 20, 32, 10, residual=residual, seed=0)
        model.loss(X)
        stds[residual] = np.std(model.last_activations[-1])
    assert stds["unscaled"] > 100 * stds[True]
    assert stds[True] < 10


def test_scores_without_labels_use_test_mode_and_are_deterministic():
    X, _ = small_batch()
    model = FullyConnectedNet([7, 6], D, C, init=0.5, dropout=0.5, seed=0)
    same = FullyConnectedNet([7, 6], D, C, init=0.5, seed=0)
    scores = model.loss(X)
    assert scores.shape == (N, C)
    assert np.array_equal(scores, model.loss(X))
    assert np.allclose(scores, same.loss(X))


def test_training_draws_fresh_dropout_masks_unless_dropout_seed_is_set():
    X, y = small_batch()
    model = FullyConnectedNet([50, 50], D, C, init=0.5, dropout=0.5, seed=0)
    assert model.loss(X, y)[0] != model.loss(X, y)[0]
    model.dropout_seed = 7
    assert model.loss(X, y)[0] == model.loss(X, y)[0]


def test_dropout_stream_is_reproducible_for_a_seed():
    X, y = small_batch()
    runs = [[FullyConnectedNet([50], D, C, init=0.5, dropout=0.5, seed=1)] for _ in range(2)]
    losses = [[r[0].loss(X, y)[0] for _ in range(3)] for r in runs]
    assert losses[0] == losses[1]


def test_batchnorm_running_stats_move_in_train_mode_only():
    X, y = small_batch()
    model = FullyConnectedNet([7, 6], D, C, init=0.5, normalization="batchnorm", seed=0)
    model.loss(X, y)
    mean_after_train = model.bn_params[0]["running_mean"].copy()
    assert not np.allclose(mean_after_train, 0)
    model.loss(X)
    model.predict(X)
    assert np.array_equal(model.bn_params[0]["running_mean"], mean_after_train)


def test_batchnorm_gradients_in_test_mode_are_refused():
    X, y = small_batch()
    model = FullyConnectedNet([7], D, C, init=0.5, normalization="batchnorm", seed=0)
    with pytest.raises(ValueError, match="test mode"):
        model.loss(X, y, mode="test")


def test_mode_override_turns_dropout_off_for_a_loss():
    X, y = small_batch()
    model = FullyConnectedNet([7, 6], D, C, init=0.5, dropout=0.5, seed=0)
    plain = FullyConnectedNet([7, 6], D, C, init=0.5, seed=0)
    assert model.loss(X, y, mode="test")[0] == pytest.approx(plain.loss(X, y)[0])


def test_float32_model_computes_in_float32():
    X, y = small_batch()
    model = FullyConnectedNet([7, 6], D, C, normalization="batchnorm", dropout=0.2, reg=0.1,
                              activation="prelu", dtype=np.float32, seed=0)
    assert all(v.dtype == np.float32 for v in model.params.values())
    loss, grads = model.loss(X, y)
    assert np.isfinite(loss)
    assert all(g.dtype == np.float32 for g in grads.values()), {k: g.dtype for k, g in grads.items()}
    assert model.loss(X).dtype == np.float32


def test_inputs_of_any_sample_shape_are_flattened():
    rng = np.random.default_rng(0)
    images, y = rng.standard_normal((N, 2, 2)), rng.integers(0, C, N)
    model = FullyConnectedNet([7], D, C, init=0.5, seed=0)
    assert np.array_equal(model.loss(images), model.loss(images.reshape(N, D)))
    loss, grads = model.loss(images, y)
    assert grads["W1"].shape == (D, 7)


def test_predict_and_accuracy_agree_with_the_scores():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((30, D)), rng.integers(0, C, 30)
    model = FullyConnectedNet([7], D, C, init=0.5, seed=0)
    pred = np.argmax(model.loss(X), axis=1)
    assert np.array_equal(model.predict(X), pred)
    assert model.accuracy(X, y) == pytest.approx(np.mean(pred == y))
    assert np.array_equal(model.predict(X, batch_size=7), pred)


def test_evaluate_returns_test_mode_loss_with_penalty_and_accuracy():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((30, D)), rng.integers(0, C, 30)
    model = FullyConnectedNet([7], D, C, init=0.5, reg=0.1, seed=0)
    scores = model.loss(X)
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    penalty = 0.05 * (np.sum(model.params["W1"] ** 2) + np.sum(model.params["W2"] ** 2))
    loss, acc = model.evaluate(X, y)
    assert loss == pytest.approx(-log_p[np.arange(30), y].mean() + penalty)
    assert acc == pytest.approx(np.mean(scores.argmax(axis=1) == y))


def test_last_activations_hold_every_hidden_layer_output():
    X, y = small_batch()
    model = FullyConnectedNet([7, 6], D, C, activation="relu", init=0.5, seed=0)
    model.loss(X, y)
    assert [a.shape for a in model.last_activations] == [(N, 7), (N, 6)]
    assert [a.shape for a in model.last_preactivations] == [(N, 7), (N, 6)]
    for pre, out in zip(model.last_preactivations, model.last_activations):
        assert np.array_equal(out, np.maximum(pre, 0))


def test_layer_grad_norms_are_frobenius_norms_of_weight_gradients():
    X, y = small_batch()
    model = FullyConnectedNet([7, 6], D, C, init=0.5, seed=0)
    _, grads = model.loss(X, y)
    norms = model.layer_grad_norms(grads)
    assert list(norms) == ["W1", "W2", "W3"]
    for k, value in norms.items():
        assert value == pytest.approx(math.sqrt(np.sum(grads[k] ** 2)))


@pytest.mark.parametrize("kwargs", [dict(activation="swish"), dict(normalization="groupnorm"),
                                    dict(dropout=1.0), dict(residual="yes"), dict(init="nope")])
def test_bad_options_are_rejected(kwargs):
    with pytest.raises((ValueError, TypeError)):
        FullyConnectedNet([7], D, C, seed=0, **kwargs)


@pytest.mark.parametrize("normalization", ["batchnorm", "layernorm"])
def test_the_students_own_whole_network_check_passes_the_reference_with_every_option_on(
        normalization):
    """network_gradient_check (the reference of the student's function) on the reference
    network with normalization, skips, PReLU, fixed dropout masks and an L2 penalty."""
    from course_lib.model import network_gradient_check

    X, y = small_batch()
    model = jitter(FullyConnectedNet([D, D, D], D, C, init=0.5, activation="prelu",
                                     normalization=normalization, residual=True, dropout=0.2,
                                     dropout_seed=3, reg=0.1, seed=0))
    before = model.copy_params()
    errors = network_gradient_check(model, X, y)
    assert set(errors) == set(model.params)
    assert max(errors.values()) < 1e-7, errors
    assert all(np.array_equal(before[k], model.params[k]) for k in before)


def test_the_whole_network_check_names_the_parameter_whose_gradient_is_wrong():
    from course_lib.model import network_gradient_check

    class SkipBranchMissing(FullyConnectedNet):
        def _skip_backward(self, l, dout, dh):
            return dh

    X, y = small_batch()
    model = jitter(SkipBranchMissing([D, D, D], D, C, init=0.5, residual=True, seed=0))
    errors = network_gradient_check(model, X, y)
    assert model.residual_layers == [1, 2, 3]
    assert max(errors[k] for k in ("W4", "b4", "W3", "b3")) < 1e-7, errors
    assert min(errors[k] for k in ("W1", "W2")) > 1e-3, errors
