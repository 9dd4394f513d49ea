"""Mini-batch training loop with the usual instruments (given).

:class:`Trainer` runs mini-batch gradient descent on a model that follows the
course's model contract (``model.params``, ``model.loss(X, y) -> (loss,
grads)``, ``model.loss(X) -> scores``; :class:`course_lib.model.FullyConnectedNet`
does) and records what the lecture says to watch while babysitting a run.

One step = one mini-batch::

    loss, grads = model.loss(X_batch, y_batch)         # train mode
    [stop if loss is NaN/inf]
    grad_norm = global L2 norm of all gradients         # recorded before clipping
    [clip_value: clip every entry] [clip_norm: rescale to global norm <= clip_norm]
    lr = lr_schedule(t)                                  # if a schedule is given
    params[k], configs[k] = update_rule(params[k], grads[k], configs[k])   # for every k
    [max_norm: cap the norm of every column of every weight matrix]

One epoch = ``max(1, N_train // batch_size)`` steps over a fresh shuffle of
the training set; after each epoch the trainer measures the training accuracy
(on a fixed random subset of ``num_train_samples`` examples), the validation
loss and accuracy (test mode), then runs the early stopping, the plateau
schedule and the callbacks.

Learning-rate schedules are called PER STEP by default: ``lr_schedule(t)``
with ``t`` the number of updates done so far (0 for the first step).
``schedule_unit='epoch'`` calls ``lr_schedule(epoch)`` instead (``epoch``
counted from 0, constant within an epoch). A
``schedules.ReduceLROnPlateau`` works as ``lr_schedule`` too: the trainer
calls its ``step(metric)`` after every epoch with the validation loss (mode
``'min'``) or accuracy (mode ``'max'``).

The history (``trainer.history``, also returned by :meth:`Trainer.train`)::

    loss, lr, grad_norm          one entry per step
    train_acc, val_acc, val_loss one entry per epoch; epoch_step: the step count at its end
    update_ratio                 dict 'W1' -> list of ||ΔW|| / ||W||, every
                                 ``ratio_every`` steps (update_ratio_step: at which steps)
    stopped_reason               None when every epoch ran, else why training stopped
    best_epoch                   epoch (1-based) whose parameters early stopping restored
"""
from __future__ import annotations

import copy
import math

import numpy as np

__all__ = ["Trainer"]


def _get(data, key):
    """``data[key]`` for a dict or a ``data.Split``, else the attribute ``key``."""
    try:
        return data[key]
    except (TypeError, KeyError):
        return getattr(data, key)


class Trainer:
    """Train a model with mini-batch updates and record the run.

    Parameters
    ----------
    model : object
        Has ``params`` (dict of arrays) and ``loss(X, y=None)`` as in
        :class:`course_lib.model.FullyConnectedNet`.
    data : dict or data.Split
        Holds ``X_train``, ``y_train``, ``X_val``, ``y_val``.
    update_rule : str or callable, default 'sgd'
        A name from ``course_lib.optim`` (``'sgd'``, ``'adam'``, ...) or a
        function ``(w, dw, config) -> (next_w, config)``.
    optim_config : dict, optional
        Hyperparameters of the rule, e.g. ``{'learning_rate': 1e-3}``. Every
        parameter array gets its own deep copy (its own state).
    lr_schedule : callable ``t -> lr`` or ReduceLROnPlateau, optional
        Overrides ``learning_rate`` at every step (see the module docstring).
    batch_size : int, default 100
    num_epochs : int, default 10
    clip_norm : float, optional
        Rescale the gradients so that their global norm is at most this.
    clip_value : float, optional
        Clip every gradient entry to ``[-clip_value, clip_value]`` (before ``clip_norm``).
    early_stopping : regularization.EarlyStopping, optional
        Stepped once per epoch with the monitored metric and ``model.params``;
        its ``True`` stops training. At the end of training the best
        parameters it saw are restored into the model.
    max_norm : float, optional
        After every update, every column (incoming weights of one unit) of
        every weight matrix ``W*`` longer than this is scaled down to it.
    seed : int, default 0
        Seeds the shuffling and the choice of the training-accuracy subset.
    progress : bool, default True
        Show a ``tqdm`` progress bar (a widget in notebooks).
    callbacks : sequence of callables, default ()
        ``callback(trainer, event, info)`` with ``event`` ``'step'`` (after
        every update; ``info`` has ``step`` (updates done), ``epoch`` (epochs
        completed), ``loss``, ``lr``, ``grad_norm``) or ``'epoch'`` (after
        every epoch; ``info`` adds ``train_acc``, ``val_acc``, ``val_loss``).
        Returning True, or setting ``trainer.stop_training = True``, stops
        training.
    verbose : bool, default False
        Print one line per epoch.
    num_train_samples : int or None, default 1000
        Size of the training subset used for the training accuracy (None: all).
    schedule_unit : {'step', 'epoch'}, default 'step'
        What ``t`` counts in ``lr_schedule(t)``.
    monitor : {'val_loss', 'val_acc'}, optional
        Metric for early stopping and plateau scheduling; by default
        ``'val_loss'`` for an object in mode ``'min'``, ``'val_acc'`` for mode ``'max'``.
    num_val_samples : int or None, default None
        Evaluate on the first ``num_val_samples`` validation examples only (None: all).
    ratio_every : int, default 10
        Record the update-to-weight ratios every this many steps.

    Attributes
    ----------
    history : dict
        See the module docstring.
    configs : dict of str -> dict
        The update rule's config (hyperparameters and state) of each parameter.
    step_count : int
        Updates done so far (``t``).
    epoch : int
        Epochs completed so far.
    stop_training : bool
        Set it to True (e.g. from a callback) to stop after the current step.
    """

    def __init__(self, model, data, update_rule="sgd", optim_config=None, lr_schedule=None,
                 batch_size=100, num_epochs=10, clip_norm=None, clip_value=None,
                 early_stopping=None, max_norm=None, seed=0, progress=True, callbacks=(),
                 verbose=False, num_train_samples=1000, *, schedule_unit="step", monitor=None,
                 num_val_samples=None, ratio_every=10):
        self.model = model
        dtype = getattr(model, "dtype", None)
        self.X_train = np.asarray(_get(data, "X_train"), dtype=dtype)
        self.y_train = np.asarray(_get(data, "y_train"))
        self.X_val = np.asarray(_get(data, "X_val"), dtype=dtype)
        self.y_val = np.asarray(_get(data, "y_val"))
        if num_val_samples is not None:
            self.X_val = self.X_val[:num_val_samples]
            self.y_val = self.y_val[:num_val_samples]
        if len(self.X_train) != len(self.y_train) or len(self.X_val) != len(self.y_val):
            raise ValueError("X and y of a part of the data have different lengths")

        if isinstance(update_rule, str):
            from . import optim
            self.update_rule = optim.get(update_rule)
        elif callable(update_rule):
            self.update_rule = update_rule
        else:
            raise TypeError(f"update_rule must be a name or a callable, got {update_rule!r}")
        self.optim_config = dict(optim_config or {})
        self.configs = {name: copy.deepcopy(self.optim_config) for name in model.params}

        if schedule_unit not in ("step", "epoch"):
            raise ValueError(f"schedule_unit must be 'step' or 'epoch', got {schedule_unit!r}")
        if lr_schedule is not None and not callable(lr_schedule):
            raise TypeError("lr_schedule must be a callable t -> lr (or a ReduceLROnPlateau)")
        self.lr_schedule = lr_schedule
        self.schedule_unit = schedule_unit
        self._plateau = lr_schedule is not None and callable(getattr(lr_schedule, "step", None))

        self.batch_size = max(1, min(int(batch_size), len(self.X_train)))
        self.num_epochs = int(num_epochs)
        for name, value in (("clip_norm", clip_norm), ("clip_value", clip_value),
                            ("max_norm", max_norm)):
            if value is not None and not value > 0:
                raise ValueError(f"{name} must be positive, got {value!r}")
        self.clip_norm, self.clip_value, self.max_norm = clip_norm, clip_value, max_norm
        self.early_stopping = early_stopping
        if monitor is None:
            watcher = early_stopping if early_stopping is not None else lr_schedule
            monitor = "val_acc" if getattr(watcher, "mode", "min") == "max" else "val_loss"
        if monitor not in ("val_loss", "val_acc"):
            raise ValueError(f"monitor must be 'val_loss' or 'val_acc', got {monitor!r}")
        self.monitor = monitor
        self.progress = progress
        self.callbacks = list(callbacks)
        self.verbose = verbose
        self.ratio_every = max(1, int(ratio_every))

        self.rng = np.random.default_rng(seed)
        n = len(self.X_train)
        if num_train_samples is not None and num_train_samples < n:
            self._train_subset = np.sort(self.rng.choice(n, size=num_train_samples, replace=False))
        else:
            self._train_subset = None
        self._order = self.rng.permutation(n)
        self._position = 0

        self.step_count = 0
        self.epoch = 0
        self.stop_training = False
        self._diverged = None
        self.weight_names = [k for k in model.params if k.startswith("W")]
        self.history = {
            "loss": [], "lr": [], "grad_norm": [],
            "train_acc": [], "val_acc": [], "val_loss": [], "epoch_step": [],
            "update_ratio": {name: [] for name in self.weight_names}, "update_ratio_step": [],
            "stopped_reason": None, "best_epoch": None,
        }

    # ------------------------------------------------------------------ one step
    def next_batch(self):
        """The next mini-batch ``(X_batch, y_batch)`` of the shuffled training set."""
        if self._position + self.batch_size > len(self._order):
            self._order = self.rng.permutation(len(self.X_train))
            self._position = 0
        idx = self._order[self._position:self._position + self.batch_size]
        self._position += self.batch_size
        return self.X_train[idx], self.y_train[idx]

    def current_lr(self):
        """Learning rate the next step will use (None if the rule's default applies)."""
        if self.lr_schedule is None:
            return self.optim_config.get("learning_rate")
        t = self.step_count if self.schedule_unit == "step" else self.epoch
        return float(self.lr_schedule(t))

    def train_step(self, lr=None, X_batch=None, y_batch=None):
        """One update on one mini-batch; returns the batch loss (a float).

        Parameters
        ----------
        lr : float, optional
            Learning rate for this step only (overrides the schedule), e.g. for
            ``schedules.lr_range_test(lambda lr: trainer.train_step(lr))``.
        X_batch, y_batch : ndarray, optional
            The batch to use; by default the next one of the shuffled training set.

        Returns
        -------
        loss : float
            The loss before the update. When it is NaN or inf, or the gradient
            is, no update is made: :meth:`train` then stops.
        """
        if X_batch is None:
            X_batch, y_batch = self.next_batch()
        model, params, history = self.model, self.model.params, self.history
        if lr is None:
            lr = self.current_lr()
        # Overflow in a diverging run is reported through stopped_reason, not warnings.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            loss, grads = model.loss(X_batch, y_batch)
            loss = float(loss)
            grad_norm = math.sqrt(sum(float(np.vdot(g, g)) for g in grads.values()))
            history["loss"].append(loss)
            history["grad_norm"].append(grad_norm)
            if not (math.isfinite(loss) and math.isfinite(grad_norm)):
                if lr is None and params:
                    lr = self.configs[next(iter(params))].get("learning_rate")
                history["lr"].append(float("nan") if lr is None else float(lr))
                self._diverged = (loss, grad_norm)
                return loss
            if self.clip_value is not None:
                grads = {k: np.clip(g, -self.clip_value, self.clip_value) for k, g in grads.items()}
            if self.clip_norm is not None:
                norm = (grad_norm if self.clip_value is None else
                        math.sqrt(sum(float(np.vdot(g, g)) for g in grads.values())))
                if norm > self.clip_norm:
                    scale = self.clip_norm / norm
                    grads = {k: g * g.dtype.type(scale) for k, g in grads.items()}

            record = self.step_count % self.ratio_every == 0
            before = {k: params[k].copy() for k in self.weight_names} if record else None
            for name in params:
                config = self.configs[name]
                if lr is not None:
                    config["learning_rate"] = lr
                params[name], self.configs[name] = self.update_rule(params[name], grads[name],
                                                                    config)
            if self.max_norm is not None:
                for name in self.weight_names:
                    w = params[name]
                    norms = np.sqrt((w * w).sum(axis=0, keepdims=True))
                    params[name] = w * (self.max_norm / np.maximum(norms, self.max_norm)).astype(
                        w.dtype, copy=False)
            if record:
                for name in self.weight_names:
                    w_norm = float(np.linalg.norm(before[name]))
                    delta = float(np.linalg.norm(params[name] - before[name]))
                    history["update_ratio"][name].append(delta / w_norm if w_norm > 0
                                                         else float("inf"))
                history["update_ratio_step"].append(self.step_count)
        used = self.configs[next(iter(params))].get("learning_rate", lr) if params else lr
        history["lr"].append(float("nan") if used is None else float(used))
        self.step_count += 1
        return loss

    # ------------------------------------------------------------------ evaluation
    def _evaluate(self, X, y):
        """Test-mode ``(loss, accuracy)`` of the model on ``(X, y)``."""
        model = self.model
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            if hasattr(model, "evaluate"):
                loss, acc = model.evaluate(X, y)
                return float(loss), float(acc)
            from . import losses
            scores = model.loss(X)
            loss, _ = losses.softmax_loss(scores, y)
            return float(loss), float(np.mean(np.argmax(scores, axis=1) == y))

    def check_accuracy(self, X, y):
        """Test-mode accuracy of the model on ``(X, y)``, a float."""
        if hasattr(self.model, "accuracy"):
            with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
                return float(self.model.accuracy(X, y))
        return self._evaluate(X, y)[1]

    def _run_callbacks(self, event, info):
        for callback in self.callbacks:
            if callback(self, event, info) is True:
                self.stop_training = True
        return self.stop_training

    # ------------------------------------------------------------------ the loop
    def train(self):
        """Run ``num_epochs`` epochs (fewer if something stops the run).

        Calling it again continues the run: the step and epoch counts, the
        optimiser states and the history carry on.

        Returns
        -------
        history : dict
            ``self.history`` (see the module docstring).
        """
        history = self.history
        history["stopped_reason"] = None
        self.stop_training = False
        self._diverged = None
        steps_per_epoch = max(1, len(self.X_train) // self.batch_size)
        bar = None
        if self.progress:
            from tqdm.auto import tqdm
            bar = tqdm(total=steps_per_epoch * self.num_epochs, desc="training", unit="step",
                       leave=False)
        try:
            for _ in range(self.num_epochs):
                for _ in range(steps_per_epoch):
                    loss = self.train_step()
                    if self._diverged is not None:
                        self._stop_diverged()
                        break
                    if bar is not None:
                        bar.update(1)
                        if self.step_count % 20 == 0:
                            bar.set_postfix(loss=f"{loss:.4f}", refresh=False)
                    info = {"step": self.step_count, "epoch": self.epoch, "loss": loss,
                            "lr": history["lr"][-1], "grad_norm": history["grad_norm"][-1]}
                    if self.callbacks and self._run_callbacks("step", info):
                        history["stopped_reason"] = (
                            f"a callback asked to stop at step {self.step_count} "
                            f"(epoch {self.epoch + 1})")
                        break
                if history["stopped_reason"] is not None:
                    break
                self._end_of_epoch(bar)
                if history["stopped_reason"] is not None:
                    break
        finally:
            if bar is not None:
                bar.close()
        self._restore_best()
        return history

    def _stop_diverged(self):
        loss, grad_norm = self._diverged
        lr = self.history["lr"][-1]
        what = f"loss is {loss}" if not math.isfinite(loss) else f"gradient norm is {grad_norm}"
        self.history["stopped_reason"] = (
            f"diverged: the {what} at step {self.step_count} (epoch {self.epoch + 1}, "
            f"learning rate {lr:.3g}). The learning rate is probably too large: lower it, "
            "or clip the gradients (clip_norm).")
        if self.verbose:
            print(self.history["stopped_reason"])

    def _end_of_epoch(self, bar):
        history = self.history
        self.epoch += 1
        if self._train_subset is None:
            X_sub, y_sub = self.X_train, self.y_train
        else:
            X_sub, y_sub = self.X_train[self._train_subset], self.y_train[self._train_subset]
        train_acc = self.check_accuracy(X_sub, y_sub)
        val_loss, val_acc = self._evaluate(self.X_val, self.y_val)
        history["train_acc"].append(train_acc)
        history["val_acc"].append(val_acc)
        history["val_loss"].append(val_loss)
        history["epoch_step"].append(self.step_count)
        metric = val_loss if self.monitor == "val_loss" else val_acc

        if self._plateau:
            self.lr_schedule.step(metric)
        if self.verbose:
            print(f"epoch {self.epoch}/{self.num_epochs}: loss {history['loss'][-1]:.4f}, "
                  f"train acc {train_acc:.3f}, val acc {val_acc:.3f}, val loss {val_loss:.4f}, "
                  f"lr {history['lr'][-1]:.3g}")
        if bar is not None:
            bar.set_postfix(loss=f"{history['loss'][-1]:.4f}", val_acc=f"{val_acc:.3f}")

        stopper = self.early_stopping
        if stopper is not None and stopper.step(metric, self.model.params):
            best = stopper.best_value
            history["stopped_reason"] = (
                f"early stopping: {self.monitor} did not improve for {stopper.patience} "
                f"epoch(s) (best {best:.4g} after epoch {self.epoch - stopper.wait})")
            return
        info = {"step": self.step_count, "epoch": self.epoch, "loss": history["loss"][-1],
                "lr": history["lr"][-1], "grad_norm": history["grad_norm"][-1],
                "train_acc": train_acc, "val_acc": val_acc, "val_loss": val_loss}
        if self.callbacks and self._run_callbacks("epoch", info):
            history["stopped_reason"] = f"a callback asked to stop after epoch {self.epoch}"

    def _restore_best(self):
        stopper = self.early_stopping
        if stopper is None or getattr(stopper, "best_params", None) is None:
            return
        stopper.restore(self.model.params)
        self.history["best_epoch"] = self.epoch - stopper.wait
