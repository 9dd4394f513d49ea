"""A classifier with one hidden layer whose connections or activity can be regularised (given).

Notebook 04's experiments on DropConnect and on activity penalties need a
network in which the hidden layer's *weights* are dropped, or its *outputs*
penalised; :class:`course_lib.model.FullyConnectedNet` does neither. This one
is built from the functional layers students write::

    hidden:  a = x @ W1 + b1          (regularization.dropconnect_forward in train
                                        mode when dropconnect > 0, else layers.affine_forward)
             h = activation(a)         ('relu' or 'sigmoid', from course_lib.activations)
    output:  scores = h @ W2 + b2      (layers.affine_forward)

    loss = softmax loss of the scores (losses.softmax_loss)
           + the activity penalty of h, if one is set:
             activity=("l1", reg)       -> regularization.activity_l1_penalty(h, reg)
             activity=("kl", rho, reg)  -> regularization.kl_sparsity_penalty(h, rho, reg)

It follows the course's model contract (``params``, ``loss(X, y) -> (loss,
grads)``, ``loss(X) -> scores``), so :class:`course_lib.trainer.Trainer` trains
it. Its weights are drawn here (He's scale ``sqrt(2 / fan_in)`` for ReLU,
LeCun's ``sqrt(1 / fan_in)`` for the sigmoid), so it needs no ``init`` module.

Examples
--------
>>> net = ShallowNet(8, input_dim=4, num_classes=3, seed=0)
>>> sorted(net.params)
['W1', 'W2', 'b1', 'b2']
"""
from __future__ import annotations

import math

import numpy as np

from . import activations, layers, losses, regularization

__all__ = ["ShallowNet"]

_ACTIVATIONS = ("relu", "sigmoid")


class ShallowNet:
    """One hidden layer with optional DropConnect on its weights and an activity penalty.

    Parameters
    ----------
    hidden_dim : int
        Number of hidden units ``M``.
    input_dim : int
        Number of input features ``D``.
    num_classes : int
        Number of classes ``C``.
    activation : {'relu', 'sigmoid'}, default 'relu'
    dropconnect : float in [0, 1), default 0.0
        Probability of dropping each weight of ``W1`` at every training step;
        0 trains the plain affine layer.
    activity : tuple or None, default None
        ``("l1", reg)`` or ``("kl", rho, reg)``: the penalty on the hidden
        activations ``h`` (the KL penalty needs ``activation='sigmoid'``).
    seed : int or None
        Seeds the weights and the stream of DropConnect masks.
    dropconnect_seed : int or None
        If set, every training pass uses the SAME DropConnect mask (for a
        gradient check); do not train with it.

    Attributes
    ----------
    params : dict of str -> ndarray
        ``W1`` (D, M), ``b1`` (M,), ``W2`` (M, C), ``b2`` (C,).
    last_hidden : ndarray of shape (N, M) or None
        The hidden activations ``h`` of the last call of :meth:`loss`.
    """

    def __init__(self, hidden_dim, input_dim, num_classes, activation="relu", dropconnect=0.0,
                 activity=None, seed=None, dropconnect_seed=None):
        if activation not in _ACTIVATIONS:
            raise ValueError(f"activation must be 'relu' or 'sigmoid', got {activation!r}")
        if not 0.0 <= float(dropconnect) < 1.0:
            raise ValueError(f"dropconnect is the DROP probability and must lie in [0, 1), "
                             f"got {dropconnect!r}")
        if activity is not None:
            kind = activity[0] if isinstance(activity, tuple) and activity else None
            if not ((kind == "l1" and len(activity) == 2) or (kind == "kl" and len(activity) == 3)):
                raise ValueError("activity must be None, ('l1', reg) or ('kl', rho, reg), "
                                 f"got {activity!r}")
            if kind == "kl" and activation != "sigmoid":
                raise ValueError("the KL sparsity penalty needs activations in (0, 1): "
                                 "use activation='sigmoid'")
        self.hidden_dim, self.input_dim = int(hidden_dim), int(input_dim)
        self.num_classes = int(num_classes)
        self.activation = activation
        self.dropconnect = float(dropconnect)
        self.activity = activity
        self.dropconnect_seed = dropconnect_seed
        rng = np.random.default_rng(seed)
        gain = 2.0 if activation == "relu" else 1.0
        self.params = {
            "W1": math.sqrt(gain / self.input_dim) * rng.standard_normal((self.input_dim,
                                                                         self.hidden_dim)),
            "b1": np.zeros(self.hidden_dim),
            "W2": math.sqrt(gain / self.hidden_dim) * rng.standard_normal((self.hidden_dim,
                                                                          self.num_classes)),
            "b2": np.zeros(self.num_classes),
        }
        self._mask_rng = np.random.default_rng(None if seed is None else [seed, 2])
        self.last_hidden = None

    # ------------------------------------------------------------------ passes
    def _dc_param(self, mode):
        if mode != "train" or self.dropconnect == 0:
            return None
        if self.dropconnect_seed is not None:
            return {"rate": self.dropconnect, "mode": "train", "seed": int(self.dropconnect_seed)}
        return {"rate": self.dropconnect, "mode": "train", "rng": self._mask_rng}

    def hidden(self, X, mode="test"):
        """The hidden activations ``h`` of a batch (test mode: every weight kept)."""
        return self._forward(X, mode)[1]

    def _forward(self, X, mode):
        p = self.params
        X = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
        dc_param = self._dc_param(mode)
        if dc_param is None:
            a, fc_cache = layers.affine_forward(X, p["W1"], p["b1"])
        else:
            a, fc_cache = regularization.dropconnect_forward(X, p["W1"], p["b1"], dc_param)
        forward = getattr(activations, f"{self.activation}_forward")
        h, act_cache = forward(a)
        scores, out_cache = layers.affine_forward(h, p["W2"], p["b2"])
        return scores, h, (dc_param is not None, fc_cache, act_cache, out_cache)

    def loss(self, X, y=None, mode=None):
        """Scores, or the loss (softmax plus the activity penalty) and its gradients.

        Parameters
        ----------
        X : ndarray of shape (N, D)
        y : ndarray of shape (N,), int, optional
        mode : {'train', 'test'}, optional
            Default ``'train'`` with labels, ``'test'`` without.

        Returns
        -------
        scores : ndarray of shape (N, C), when ``y`` is None
        loss, grads : float and dict of ndarray, when ``y`` is given
        """
        if mode is None:
            mode = "test" if y is None else "train"
        if mode not in ("train", "test"):
            raise ValueError(f"mode must be 'train' or 'test', got {mode!r}")
        scores, h, (dropped, fc_cache, act_cache, out_cache) = self._forward(X, mode)
        self.last_hidden = h
        if y is None:
            return scores
        loss, dscores = losses.softmax_loss(scores, np.asarray(y))
        grads = {}
        dh, grads["W2"], grads["b2"] = layers.affine_backward(dscores, out_cache)
        if self.activity is not None:
            if self.activity[0] == "l1":
                penalty, dh_penalty = regularization.activity_l1_penalty(h, self.activity[1])
            else:
                penalty, dh_penalty = regularization.kl_sparsity_penalty(h, *self.activity[1:])
            loss += penalty
            dh = dh + dh_penalty
        backward = getattr(activations, f"{self.activation}_backward")
        da = backward(dh, act_cache)
        if dropped:
            _, grads["W1"], grads["b1"] = regularization.dropconnect_backward(da, fc_cache)
        else:
            _, grads["W1"], grads["b1"] = layers.affine_backward(da, fc_cache)
        return float(loss), grads

    # ------------------------------------------------------------------ evaluation
    def accuracy(self, X, y):
        """Test-mode accuracy on ``(X, y)``, a float."""
        return float(np.mean(np.argmax(self.loss(X), axis=1) == np.asarray(y)))
