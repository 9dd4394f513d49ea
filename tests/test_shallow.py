"""course_lib.shallow: the one-hidden-layer network of notebook 04's DropConnect and
activity-penalty experiments (given code, on the reference layers)."""
from __future__ import annotations

import numpy as np
import pytest

from course_lib import regularization, trainer
from course_lib._hidden import assert_network_gradient
from course_lib.shallow import ShallowNet


def _batch(seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((6, 5)), rng.integers(0, 3, size=6)


@pytest.mark.parametrize("options", [
    {},
    {"dropconnect": 0.4, "dropconnect_seed": 3},
    {"activity": ("l1", 0.3)},
    {"activation": "sigmoid", "activity": ("kl", 0.2, 0.5)},
], ids=["plain", "dropconnect", "l1-activity", "kl-sparsity"])
def test_every_gradient_matches_centred_differences(options):
    X, y = _batch()
    assert_network_gradient(ShallowNet(4, 5, 3, seed=1, **options), X, y, str(options), tol=1e-6)


def test_the_loss_adds_the_activity_penalty_of_the_hidden_layer():
    X, y = _batch(1)
    plain = ShallowNet(4, 5, 3, seed=2)
    penalised = ShallowNet(4, 5, 3, seed=2, activity=("l1", 0.7))
    loss_plain, _ = plain.loss(X, y)
    loss_penalised, _ = penalised.loss(X, y)
    expected, _ = regularization.activity_l1_penalty(penalised.last_hidden, 0.7)
    assert loss_penalised == pytest.approx(loss_plain + expected, rel=1e-12)


def test_test_mode_keeps_every_weight_and_train_mode_drops_some():
    X, y = _batch(2)
    net = ShallowNet(50, 5, 3, seed=0, dropconnect=0.5)
    test_scores = net.loss(X)
    np.testing.assert_allclose(test_scores, net.loss(X, mode="test"))
    hidden_test = net.hidden(X)
    net.loss(X, y)                                   # a train pass draws a mask
    assert not np.allclose(net.last_hidden, hidden_test)


def test_a_fresh_dropconnect_mask_every_step_reproducible_from_the_seed():
    X, y = _batch(3)
    first, second = ShallowNet(8, 5, 3, seed=4, dropconnect=0.5), ShallowNet(8, 5, 3, seed=4,
                                                                            dropconnect=0.5)
    a1, a2 = first.loss(X, y)[0], first.loss(X, y)[0]
    b1, b2 = second.loss(X, y)[0], second.loss(X, y)[0]
    assert a1 != a2 and (a1, a2) == (b1, b2)


@pytest.mark.parametrize("options, words", [
    ({"activation": "tanh"}, "activation"),
    ({"dropconnect": 1.0}, "DROP probability"),
    ({"activity": ("l2", 0.1)}, "activity"),
    ({"activity": ("kl", 0.05, 1.0)}, "sigmoid"),
])
def test_bad_options_are_refused_with_a_sentence(options, words):
    with pytest.raises(ValueError, match=words):
        ShallowNet(4, 5, 3, **options)


def test_the_trainer_trains_it():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    data = {"X_train": X, "y_train": y, "X_val": X[:40], "y_val": y[:40]}
    net = ShallowNet(16, 4, 2, seed=0, dropconnect=0.2, activity=("l1", 1e-3))
    history = trainer.Trainer(net, data, update_rule="sgd", optim_config={"learning_rate": 0.2},
                              batch_size=20, num_epochs=15, seed=0, progress=False).train()
    assert history["loss"][-1] < history["loss"][0] and net.accuracy(X, y) > 0.9
