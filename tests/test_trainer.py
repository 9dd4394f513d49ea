"""Tests of course_lib.trainer.Trainer (given code).

Most behaviours are pinned with a scripted toy model whose loss, gradient and
validation numbers are known in advance, so the expected values follow by
hand; one test trains a real network on the digits.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from course_lib import data as data_module
from course_lib.model import FullyConnectedNet
from course_lib.regularization import EarlyStopping
from course_lib.schedules import ReduceLROnPlateau
from course_lib.trainer import Trainer


class ToyModel:
    """Loss ``0.5 * ||W||^2`` (gradient ``W``), or a scripted constant gradient.

    ``val_losses`` scripts what :meth:`evaluate` returns, epoch after epoch;
    ``nan_at`` makes the loss NaN from that call of :meth:`loss` on.
    """

    def __init__(self, w0=(3.0, 4.0), grad=None, val_losses=None, nan_at=None):
        self.params = {"W1": np.array([w0], dtype=np.float64).reshape(1, -1),
                       "b1": np.zeros(1)}
        self.grad = None if grad is None else np.asarray(grad, dtype=np.float64).reshape(1, -1)
        self.val_losses = list(val_losses or [])
        self.nan_at = nan_at
        self.calls = 0

    def loss(self, X, y=None):
        if y is None:
            return np.zeros((len(X), 2))
        self.calls += 1
        W = self.params["W1"]
        loss = 0.5 * float(np.sum(W * W))
        if self.nan_at is not None and self.calls >= self.nan_at:
            loss = float("nan")
        dW = W.copy() if self.grad is None else self.grad.copy()
        return loss, {"W1": dW, "b1": np.zeros(1)}

    def evaluate(self, X, y):
        value = self.val_losses.pop(0) if self.val_losses else 1.0
        return value, 0.5

    def accuracy(self, X, y):
        return 0.5


def toy_data(n=40):
    X = np.zeros((n, 3))
    y = np.zeros(n, dtype=np.int64)
    return {"X_train": X, "y_train": y, "X_val": X[:10], "y_val": y[:10]}


def toy_trainer(model, **kwargs):
    options = dict(batch_size=10, num_epochs=1, progress=False)
    options.update(kwargs)
    return Trainer(model, toy_data(), **options)


# ------------------------------------------------------------------ real training

def test_two_layer_relu_net_with_adam_and_batchnorm_reaches_97_percent_on_digits():
    split = data_module.load_digits()
    model = FullyConnectedNet([128, 64], 64, 10, activation="relu", normalization="batchnorm",
                              seed=0)
    trainer = Trainer(model, split, update_rule="adam", optim_config={"learning_rate": 1e-2},
                      batch_size=100, num_epochs=15, seed=0, progress=False)
    history = trainer.train()
    assert history["stopped_reason"] is None
    assert model.accuracy(split.X_test, split.y_test) >= 0.97


def test_history_has_one_entry_per_step_and_per_epoch():
    split = data_module.load_digits()
    model = FullyConnectedNet([20], 64, 10, seed=0)
    trainer = Trainer(model, split, batch_size=200, num_epochs=3, progress=False,
                      num_train_samples=100, ratio_every=2)
    history = trainer.train()
    steps = 3 * (len(split.X_train) // 200)
    assert len(history["loss"]) == len(history["lr"]) == len(history["grad_norm"]) == steps
    for key in ("train_acc", "val_acc", "val_loss"):
        assert len(history[key]) == 3
    assert history["epoch_step"] == [steps // 3, 2 * steps // 3, steps]
    assert history["update_ratio_step"] == list(range(0, steps, 2))
    assert all(len(r) == len(history["update_ratio_step"])
               for r in history["update_ratio"].values())
    assert set(history["update_ratio"]) == {"W1", "W2"}


def test_progress_bar_and_float32_model_work_together():
    split = data_module.load_digits()
    model = FullyConnectedNet([20], 64, 10, dtype=np.float32, seed=0)
    Trainer(model, split, batch_size=300, num_epochs=1, progress=True).train()
    assert model.params["W1"].dtype == np.float32


# ------------------------------------------------------------------ update mechanics

def test_each_parameter_gets_its_own_optimizer_config():
    model = ToyModel()
    trainer = toy_trainer(model, update_rule="sgd_momentum",
                          optim_config={"learning_rate": 0.1, "momentum": 0.9})
    trainer.train()
    assert trainer.configs["W1"] is not trainer.configs["b1"]
    assert trainer.configs["W1"]["velocity"].shape == (1, 2)
    assert trainer.configs["b1"]["velocity"].shape == (1,)


def test_custom_update_rule_is_called_with_each_parameter():
    seen = []

    def rule(w, dw, config):
        seen.append(w.shape)
        return w - dw, config

    toy_trainer(ToyModel(), update_rule=rule).train()
    assert seen == [(1, 2), (1,)] * 4


def test_grad_norm_is_the_global_norm_before_clipping():
    model = ToyModel(grad=(3.0, 4.0))
    trainer = toy_trainer(model, optim_config={"learning_rate": 1.0}, clip_norm=1.0)
    history = trainer.train()
    assert history["grad_norm"] == pytest.approx([5.0] * 4)


def test_clip_norm_rescales_the_gradient_to_the_given_norm():
    model = ToyModel(w0=(0.0, 0.0), grad=(3.0, 4.0))
    toy_trainer(model, optim_config={"learning_rate": 1.0}, clip_norm=1.0).train()
    # four SGD steps of the unit vector (0.6, 0.8)
    assert np.allclose(model.params["W1"], [[-2.4, -3.2]])


def test_clip_value_clips_every_entry():
    model = ToyModel(w0=(0.0, 0.0), grad=(3.0, -0.5))
    toy_trainer(model, optim_config={"learning_rate": 1.0}, clip_value=1.0).train()
    assert np.allclose(model.params["W1"], [[-4.0, 2.0]])


def test_max_norm_caps_every_column_of_the_weights():
    model = ToyModel(w0=(0.0, 0.0), grad=(-3.0, 0.5))
    toy_trainer(model, optim_config={"learning_rate": 1.0}, max_norm=2.0).train()
    # each column is one unit's incoming weights (one entry here): |W[0, j]| <= 2
    assert np.allclose(model.params["W1"], [[2.0, -2.0]])


def test_update_ratio_is_step_size_over_weight_size():
    model = ToyModel(w0=(3.0, 4.0), grad=(0.003, 0.004))
    history = toy_trainer(model, optim_config={"learning_rate": 1.0}, ratio_every=1).train()
    first = history["update_ratio"]["W1"][0]
    assert first == pytest.approx(0.005 / 5.0)
    assert history["update_ratio_step"] == [0, 1, 2, 3]


# ------------------------------------------------------------------ schedules

def test_schedule_sets_the_learning_rate_of_every_step():
    model = ToyModel(w0=(0.0, 0.0), grad=(1.0, 1.0))

    def schedule(t):
        return 0.1 / (1 + t)

    history = toy_trainer(model, lr_schedule=schedule, num_epochs=2).train()
    expected = [0.1 / (1 + t) for t in range(8)]
    assert history["lr"] == pytest.approx(expected)
    assert np.allclose(model.params["W1"], -sum(expected))


def test_epoch_schedule_is_constant_within_an_epoch():
    history = toy_trainer(ToyModel(), lr_schedule=lambda e: 0.1 * 0.5 ** e, num_epochs=3,
                          schedule_unit="epoch").train()
    assert history["lr"] == pytest.approx([0.1] * 4 + [0.05] * 4 + [0.025] * 4)


def test_plateau_schedule_cuts_the_rate_when_val_loss_stalls():
    model = ToyModel(val_losses=[1.0, 1.0, 1.0, 1.0])
    plateau = ReduceLROnPlateau(0.1, factor=0.5, patience=2)
    history = toy_trainer(model, lr_schedule=plateau, num_epochs=4).train()
    # epoch 1 sets the best, epochs 2 and 3 do not improve: the rate halves after epoch 3
    assert history["lr"] == pytest.approx([0.1] * 12 + [0.05] * 4)


def test_without_schedule_the_rules_default_rate_is_recorded():
    history = toy_trainer(ToyModel(), update_rule="sgd").train()
    assert history["lr"] == pytest.approx([1e-2] * 4)


# ------------------------------------------------------------------ stopping

def test_nan_loss_stops_training_with_a_clear_reason():
    model = ToyModel(nan_at=3)
    trainer = toy_trainer(model, optim_config={"learning_rate": 0.1}, num_epochs=5)
    before = model.params["W1"].copy()
    history = trainer.train()
    assert len(history["loss"]) == 3 and math.isnan(history["loss"][-1])
    assert "diverged" in history["stopped_reason"] and "step 2" in history["stopped_reason"]
    assert "learning rate" in history["stopped_reason"]
    # two updates happened, the NaN step made none
    assert np.allclose(model.params["W1"], before * 0.9 ** 2)


def test_a_far_too_large_learning_rate_is_caught_without_warnings():
    split = data_module.load_digits()
    model = FullyConnectedNet([50, 50], 64, 10, activation="leaky_relu", seed=0)
    trainer = Trainer(model, split, optim_config={"learning_rate": 1e8}, batch_size=100,
                      num_epochs=5, progress=False)
    history = trainer.train()
    assert history["stopped_reason"].startswith("diverged")
    assert not math.isfinite(history["loss"][-1])
    assert len(history["loss"]) < 5 * (len(split.X_train) // 100)


def test_callback_sees_steps_and_epochs_and_can_stop_training():
    events = []

    def callback(trainer, event, info):
        events.append((event, info["step"]))
        return event == "step" and info["step"] == 6

    history = toy_trainer(ToyModel(), callbacks=[callback], num_epochs=3).train()
    assert events == [("step", 1), ("step", 2), ("step", 3), ("step", 4), ("epoch", 4),
                      ("step", 5), ("step", 6)]
    assert len(history["loss"]) == 6
    assert "callback" in history["stopped_reason"]


def test_callback_can_stop_through_the_stop_training_flag():
    def callback(trainer, event, info):
        if event == "epoch":
            trainer.stop_training = True

    history = toy_trainer(ToyModel(), callbacks=[callback], num_epochs=3).train()
    assert len(history["val_loss"]) == 1 and len(history["loss"]) == 4


def test_early_stopping_stops_and_restores_the_best_parameters():
    model = ToyModel(val_losses=[1.0, 0.5, 0.7, 0.8, 0.9, 0.3])
    snapshots = []

    def snapshot(trainer, event, info):
        if event == "epoch":
            snapshots.append(trainer.model.params["W1"].copy())

    stopper = EarlyStopping(patience=2)
    trainer = toy_trainer(model, optim_config={"learning_rate": 0.1}, num_epochs=6,
                          early_stopping=stopper, callbacks=[snapshot])
    history = trainer.train()
    assert len(history["val_loss"]) == 4                     # epochs 3 and 4 did not improve
    assert history["stopped_reason"].startswith("early stopping")
    assert history["best_epoch"] == 2
    assert np.array_equal(model.params["W1"], snapshots[1])   # the parameters after epoch 2
    assert not np.array_equal(model.params["W1"], snapshots[2])


def test_early_stopping_on_a_real_run_leaves_the_best_validation_loss():
    split = data_module.load_digits()
    model = FullyConnectedNet([64], 64, 10, seed=0)
    trainer = Trainer(model, split, update_rule="adam", optim_config={"learning_rate": 3e-2},
                      batch_size=50, num_epochs=12, early_stopping=EarlyStopping(patience=2),
                      progress=False)
    history = trainer.train()
    loss, _ = model.evaluate(split.X_val, split.y_val)
    assert loss == pytest.approx(min(history["val_loss"]))


def test_monitoring_val_acc_follows_the_stoppers_mode():
    trainer = toy_trainer(ToyModel(), early_stopping=EarlyStopping(patience=1, mode="max"))
    assert trainer.monitor == "val_acc"
    assert toy_trainer(ToyModel(), early_stopping=EarlyStopping(patience=1)).monitor == "val_loss"


def test_train_step_runs_one_update_at_a_given_rate():
    model = ToyModel(w0=(0.0, 0.0), grad=(1.0, 2.0))
    trainer = toy_trainer(model)
    loss = trainer.train_step(lr=0.5)
    assert loss == 0.0 and trainer.step_count == 1
    assert np.allclose(model.params["W1"], [[-0.5, -1.0]])


def test_data_may_be_a_split_or_a_dict():
    split = data_module.load_digits()
    as_dict = {k: split[k] for k in ("X_train", "y_train", "X_val", "y_val")}
    runs = []
    for data in (split, as_dict):
        model = FullyConnectedNet([10], 64, 10, seed=0)
        runs.append(Trainer(model, data, batch_size=300, num_epochs=1, progress=False).train())
    assert runs[0]["loss"] == runs[1]["loss"]
