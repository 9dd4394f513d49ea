"""Babysitting the learning process and searching for hyperparameters.

Before a long run, a few cheap checks catch most bugs and bad settings:

1. **Initial loss.** With small random weights and no regularization the
   scores are nearly equal, the softmax is close to uniform, and the loss is
   ``-ln(1/C) = ln C`` (2.303 for ten classes), or a bit more.
2. **Overfit a tiny subset.** A network that cannot reach 100 % training
   accuracy on 20 examples has a bug (or far too small a learning rate).
3. **Update-to-weight ratio.** ``||ΔW|| / ||W||`` after one update should be
   around ``1e-3``: much smaller and the weights barely move (learning rate
   too low), much larger and the run is unstable (too high).
4. **The loss curve.** NaN or a rising loss means a learning rate that is too
   large; a loss that barely moves, one that is too small.

Then search for hyperparameters by **random search in log space**, coarse to
fine: sample e.g. the learning rate as ``10**uniform(-6, -3)``, train each
trial for a few epochs, narrow the ranges around the best trials and search
again with longer runs. Be careful when the best value sits at the border of
its range: the optimum may lie outside it.

Student functions (solution regions): :func:`expected_initial_loss`,
:func:`initial_loss_check`, :func:`overfit_tiny_subset`,
:func:`update_to_weight_ratio`, :func:`log_uniform`, :func:`at_border`,
:func:`random_search` and :func:`refine_space`. Everything else is given.
"""
from __future__ import annotations

import copy
import math
import warnings
from typing import NamedTuple

import numpy as np

__all__ = [
    "expected_initial_loss", "InitialLossCheck", "initial_loss_check",
    "OverfitResult", "overfit_tiny_subset",
    "update_to_weight_ratio", "ratio_verdict",
    "LRDiagnosis", "diagnose_learning_rate",
    "log_uniform", "sample_space", "at_border", "border_warnings",
    "SearchResult", "random_search", "refine_space",
    "grid_and_random_points", "distinct_values",
]


# ---------------------------------------------------------------------------
# 1. The initial loss
# ---------------------------------------------------------------------------

def expected_initial_loss(num_classes):
    """Softmax loss of a classifier that gives every class the same probability.

    With ``C`` classes each class gets probability ``1 / C``, and the softmax
    loss is the negative log-probability of the correct class.

    Parameters
    ----------
    num_classes : int >= 2
        Number of classes ``C``.

    Returns
    -------
    float
        ``-ln(1 / C) = ln C`` (natural logarithm).

    Raises
    ------
    ValueError
        For fewer than 2 classes.

    Examples
    --------
    >>> round(expected_initial_loss(10), 3)
    2.303
    """
    if int(num_classes) < 2:
        raise ValueError(f"need at least 2 classes, got {num_classes!r}")
    ### BEGIN SOLUTION
    loss = math.log(num_classes)
    ### END SOLUTION
    return float(loss)


class InitialLossCheck(NamedTuple):
    """Result of :func:`initial_loss_check` (a tuple; fields by name too)."""

    expected: float
    measured: float
    ok: bool
    message: str

    def __str__(self):
        return self.message


def initial_loss_check(model, X, y, num_classes=None, tol=0.1):
    """Compare the loss of an untrained model with ``ln C``.

    ``measured`` is the data loss alone: ``model.loss(X, y)[0]`` (train mode,
    as the first training step sees it) with the model's ``reg`` set to 0 for
    the call. Afterwards the model is exactly as it was: its ``reg`` and, if it
    has them, its batch-norm states ``model.bn_params`` (whose running averages
    a train-mode pass updates) are restored, also when ``model.loss`` raises.
    Overflow in a badly initialised model gives an inf or NaN ``measured``, not a
    warning. The check passes (``ok``) when ``measured`` is finite and
    ``|measured - expected| <= tol * expected``.

    Parameters
    ----------
    model : FullyConnectedNet
        Freshly initialised.
    X : ndarray of shape (N, D)
    y : ndarray of shape (N,), int
    num_classes : int, optional
        Number of classes ``C``; by default ``model.num_classes``.
    tol : float, default 0.1
        Accepted relative deviation: ``ok`` when
        ``|measured - expected| <= tol * expected``.

    Returns
    -------
    InitialLossCheck
        ``expected`` (``ln C``), ``measured``, ``ok`` and a one-sentence ``message``.
    """
    if num_classes is None:
        num_classes = model.num_classes
    expected = math.log(num_classes)
    ### BEGIN SOLUTION
    saved_reg = getattr(model, "reg", 0.0)
    saved_bn = copy.deepcopy(getattr(model, "bn_params", None))
    try:
        model.reg = 0.0
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            measured = float(model.loss(X, y)[0])
    finally:
        model.reg = saved_reg
        if saved_bn is not None:
            model.bn_params = saved_bn
    ok = math.isfinite(measured) and abs(measured - expected) <= tol * expected
    ### END SOLUTION
    if ok:
        message = (f"initial loss {measured:.4f} is close to ln({num_classes}) = {expected:.4f}: "
                   "the scores start out nearly uniform, as they should.")
    elif not math.isfinite(measured) or measured > expected:
        message = (f"initial loss {measured:.4f} is well above ln({num_classes}) = "
                   f"{expected:.4f}: the initial scores are too large (weights too big?) "
                   "or the loss is wrong.")
    else:
        message = (f"initial loss {measured:.4f} is well below ln({num_classes}) = "
                   f"{expected:.4f}: an untrained model should not beat chance; look for a "
                   "bug in the loss or labels leaking into the inputs.")
    return InitialLossCheck(expected, measured, bool(ok), message)


# ---------------------------------------------------------------------------
# 2. Overfitting a tiny subset
# ---------------------------------------------------------------------------

class OverfitResult(NamedTuple):
    """Result of :func:`overfit_tiny_subset`."""

    train_acc: float
    loss_history: list
    ok: bool
    model: object


def overfit_tiny_subset(model_factory, data, n=20, epochs=200, update_rule="adam",
                        optim_config=None, seed=0, no_reg=True):
    """Train a fresh model on ``n`` training examples and report how well it fits them.

    A working network and training loop drive the training accuracy on a
    handful of examples to 100 % (and the loss towards 0) quickly. The recipe,
    which makes runs comparable (and lets the grader repeat yours):

    * the subset: ``idx = np.random.default_rng(seed).choice(N, size=min(n, N),
      replace=False)`` over the ``N`` training examples, in that order;
    * a fresh ``model = model_factory()``, its ``reg`` set to 0 when ``no_reg``
      (and the model has a ``reg``);
    * one ``trainer.Trainer`` whose training AND validation sets are the
      subset, with the given ``update_rule`` and ``optim_config``,
      ``batch_size`` the subset's size (every step sees the whole subset),
      ``num_epochs=epochs``, ``seed=seed`` and ``progress=False``, trained once;
    * ``train_acc``: the trainer's ``check_accuracy`` on the subset after training.

    Parameters
    ----------
    model_factory : callable ``() -> model``
        Builds a fresh model.
    data : dict or data.Split
        ``X_train`` and ``y_train`` are used.
    n : int, default 20
        Number of examples (a random subset, fixed by ``seed``).
    epochs : int, default 200
        Number of updates (one batch of ``n`` examples per epoch).
    update_rule : str or callable, default 'adam'
    optim_config : dict, optional
        Default ``{'learning_rate': 1e-2}``.
    seed : int, default 0
    no_reg : bool, default True
        Set the model's ``reg`` to 0 first (the lecture: check without
        regularization).

    Returns
    -------
    OverfitResult
        ``train_acc`` reached on the subset, ``loss_history`` (one loss per
        step), ``ok`` (accuracy 1.0) and the trained ``model``.
    """
    from .trainer import Trainer, _get

    X, y = np.asarray(_get(data, "X_train")), np.asarray(_get(data, "y_train"))
    optim_config = optim_config or {"learning_rate": 1e-2}
    ### BEGIN SOLUTION
    idx = np.random.default_rng(seed).choice(len(X), size=min(n, len(X)), replace=False)
    tiny = {"X_train": X[idx], "y_train": y[idx], "X_val": X[idx], "y_val": y[idx]}
    model = model_factory()
    if no_reg and hasattr(model, "reg"):
        model.reg = 0.0
    trainer = Trainer(model, tiny, update_rule=update_rule, optim_config=optim_config,
                      batch_size=len(idx), num_epochs=epochs, seed=seed, progress=False)
    history = trainer.train()
    train_acc = trainer.check_accuracy(tiny["X_train"], tiny["y_train"])
    ### END SOLUTION
    return OverfitResult(float(train_acc), list(history["loss"]), train_acc == 1.0, model)


# ---------------------------------------------------------------------------
# 3. Update-to-weight ratio
# ---------------------------------------------------------------------------

def update_to_weight_ratio(params_before, params_after):
    """Relative size of one update, ``||W_after - W_before|| / ||W_before||``, per weight matrix.

    Norms are Frobenius norms (the square root of the sum of the squared
    entries). Only weight matrices count, i.e. the keys that start with
    ``'W'``; biases often start at 0 and would divide by zero.

    Parameters
    ----------
    params_before : dict of str -> ndarray
        Parameters before the update, e.g. a copy of ``model.params``.
    params_after : dict of str -> ndarray
        Parameters after it (same keys and shapes).

    Returns
    -------
    dict of str -> float
        One ratio per key of ``params_before`` starting with ``'W'``, in the
        same order. A healthy ratio is around 1e-3. Neither dict is modified.

    Examples
    --------
    >>> ratios = update_to_weight_ratio({"W1": np.array([3.0, 4.0]), "b1": np.zeros(2)},
    ...                                 {"W1": np.array([3.0, 4.005]), "b1": np.ones(2)})
    >>> {name: round(r, 6) for name, r in ratios.items()}
    {'W1': 0.001}
    """
    names = [name for name in params_before if name.startswith("W")]
    ### BEGIN SOLUTION
    ratios = {name: float(np.linalg.norm(params_after[name] - params_before[name])
                          / np.linalg.norm(params_before[name])) for name in names}
    ### END SOLUTION
    return ratios


def ratio_verdict(ratio, low=1e-4, high=1e-2):
    """Read an update-to-weight ratio: ``'too small'``, ``'ok'`` or ``'too large'``.

    Parameters
    ----------
    ratio : float
    low, high : float, default 1e-4 and 1e-2
        The healthy band around 1e-3.

    Returns
    -------
    str
    """
    if not ratio >= low:  # also NaN
        return "too small" if ratio == ratio else "too large"
    return "too large" if ratio > high else "ok"


# ---------------------------------------------------------------------------
# 4. Reading the loss curve
# ---------------------------------------------------------------------------

class LRDiagnosis(NamedTuple):
    """Result of :func:`diagnose_learning_rate`: unpacks as ``verdict, reason``."""

    verdict: str
    reason: str

    def __str__(self):
        return f"{self.verdict}: {self.reason}"


def diagnose_learning_rate(loss_history, window=None, explode_factor=1.5, min_decrease=0.01):
    """Guess from a loss curve whether the learning rate is too small, too large or ok.

    The rules, in this order:

    * a NaN or inf loss: ``'too large'`` (the run diverged);
    * the mean loss of the last ``window`` steps exceeds ``explode_factor``
      times that of the first ``window`` steps: ``'too large'`` (the loss rose);
    * the loss fell by less than ``min_decrease`` (relative to its start):
      ``'too small'`` (it barely moves);
    * otherwise ``'ok'``.

    A learning rate that is large but not divergent can also make the loss
    drop fast and then stall at a high value; no simple rule tells that apart
    from a hard problem, so it shows up as ``'ok'`` here: compare runs.

    Parameters
    ----------
    loss_history : sequence of float
        Loss per step.
    window : int, optional
        Steps averaged at each end; default ``max(1, len // 10)``.
    explode_factor : float, default 1.5
    min_decrease : float, default 0.01

    Returns
    -------
    LRDiagnosis
        ``verdict`` in ``{'too small', 'too large', 'ok'}`` and a ``reason``.
    """
    losses = np.asarray(loss_history, dtype=np.float64)
    if losses.size == 0:
        raise ValueError("the loss history is empty")
    bad = np.flatnonzero(~np.isfinite(losses))
    if bad.size:
        return LRDiagnosis("too large", f"the loss became {losses[bad[0]]} at step {bad[0]}: "
                                        "the run diverged")
    if losses.size < 2:
        return LRDiagnosis("ok", "a single step says nothing about the trend")
    window = max(1, losses.size // 10) if window is None else max(1, int(window))
    start = float(losses[:window].mean())
    end = float(losses[-window:].mean())
    if end > explode_factor * start:
        return LRDiagnosis("too large", f"the loss rose from {start:.4g} to {end:.4g}")
    decrease = (start - end) / abs(start) if start != 0 else 0.0
    if decrease < min_decrease:
        return LRDiagnosis("too small", f"the loss barely moved: from {start:.4g} to {end:.4g} "
                                        f"({100 * decrease:.2f} %)")
    return LRDiagnosis("ok", f"the loss fell from {start:.4g} to {end:.4g} "
                             f"({100 * decrease:.1f} %)")


# ---------------------------------------------------------------------------
# 5. Random search in log space, coarse to fine
# ---------------------------------------------------------------------------

def log_uniform(rng, low, high, size=None):
    """Samples whose LOGARITHM is uniform between ``log(low)`` and ``log(high)``.

    Every factor of 10 between ``low`` and ``high`` gets the same share of
    the samples: drawing ``uniform(1e-6, 1e-2)`` would put 99 % of them
    above 1e-4; drawing the exponent uniformly puts a quarter in each decade.

    Parameters
    ----------
    rng : np.random.Generator
        Source of the random numbers (one ``rng.uniform`` call).
    low, high : float, 0 < low < high
    size : int or tuple of int, optional
        Output shape; None gives a single float.

    Returns
    -------
    float or ndarray of shape ``size``
        Values in ``[low, high]``.

    Raises
    ------
    ValueError
        Unless ``0 < low < high``.

    Examples
    --------
    >>> x = log_uniform(np.random.default_rng(0), 1e-6, 1e-2, size=1000)
    >>> bool(x.min() >= 1e-6 and x.max() <= 1e-2)
    True
    """
    if not 0 < low < high:
        raise ValueError(f"need 0 < low < high, got low={low!r}, high={high!r}")
    ### BEGIN SOLUTION
    samples = 10.0 ** rng.uniform(np.log10(low), np.log10(high), size=size)
    ### END SOLUTION
    return float(samples) if size is None else samples


def _check_space(space):
    for name, spec in space.items():
        if len(spec) != 3 or spec[2] not in ("log", "linear"):
            raise ValueError(f"space[{name!r}] must be (low, high, 'log' | 'linear'), got {spec!r}")
        low, high, scale = spec
        if not low < high or (scale == "log" and not low > 0):
            raise ValueError(f"space[{name!r}]: need low < high (and low > 0 for 'log'), "
                             f"got {spec!r}")


def sample_space(space, rng):
    """One random point of a search space: ``{name: value}``.

    Parameters
    ----------
    space : dict of str -> (low, high, 'log' | 'linear')
        ``'log'`` samples with :func:`log_uniform`, ``'linear'`` uniformly.
    rng : np.random.Generator

    Returns
    -------
    dict of str -> float
    """
    point = {}
    for name, (low, high, scale) in space.items():
        point[name] = (log_uniform(rng, low, high) if scale == "log"
                       else float(rng.uniform(low, high)))
    return point


def at_border(value, low, high, scale, fraction=0.1):
    """Whether ``value`` lies in the outer ``fraction`` of ``[low, high]`` at either end.

    The position is measured on the scale the range is searched on: for
    ``scale='log'`` in log space (``log(value)`` between ``log(low)`` and
    ``log(high)``), for ``'linear'`` directly. ``value`` is at the border when
    its relative position ``p`` (0 at ``low``, 1 at ``high``) satisfies
    ``p < fraction`` or ``p > 1 - fraction``.

    Parameters
    ----------
    value, low, high : float
        ``low < high``; for 'log' all three positive.
    scale : {'log', 'linear'}
    fraction : float in (0, 0.5), default 0.1

    Returns
    -------
    bool

    Raises
    ------
    ValueError
        For a ``scale`` other than ``'log'`` and ``'linear'``.

    Examples
    --------
    >>> at_border(2e-6, 1e-6, 1e-2, "log"), at_border(1e-4, 1e-6, 1e-2, "log")
    (True, False)
    """
    if scale not in ("log", "linear"):
        raise ValueError(f"scale must be 'log' or 'linear', got {scale!r}")
    ### BEGIN SOLUTION
    if scale == "log":
        value, low, high = np.log(value), np.log(low), np.log(high)
    position = (value - low) / (high - low)
    border = position < fraction or position > 1 - fraction
    ### END SOLUTION
    return bool(border)


def border_warnings(best_params, space, fraction=0.1):
    """One message for every hyperparameter whose best value sits at the border of its range.

    Parameters
    ----------
    best_params : dict of str -> float
    space : dict of str -> (low, high, 'log' | 'linear')
    fraction : float, default 0.1

    Returns
    -------
    list of str
    """
    messages = []
    for name, (low, high, scale) in space.items():
        value = best_params[name]
        if at_border(value, low, high, scale, fraction):
            where = "log " if scale == "log" else ""
            mid = math.sqrt(low * high) if scale == "log" else (low + high) / 2
            side = "lower" if value < mid else "upper"
            bound = low if side == "lower" else high
            messages.append(
                f"best {name} = {value:.3g} lies in the {side} {100 * fraction:.0f}% of its "
                f"range [{low:.3g}, {high:.3g}] ({where}scale): the optimum may lie beyond "
                f"{bound:.3g}; move the range past it and search again.")
    return messages


class SearchResult(NamedTuple):
    """Result of :func:`random_search`.

    Attributes
    ----------
    trials : list of dict
        ``{'params': {...}, 'score': float, 'index': int}``, best first
        (a NaN score counts as the worst).
    best : dict
        ``trials[0]``.
    warnings : list of str
        Border warnings for the best trial (also issued with ``warnings.warn``).
    space : dict
        The space searched.
    """

    trials: list
    best: dict
    warnings: list
    space: dict


def random_search(objective, space, budget, rng, maximize=True, border_fraction=0.1,
                  warn=True, verbose=False):
    """Random search: evaluate ``objective`` at ``budget`` random points of ``space``.

    Parameters
    ----------
    objective : callable ``(params: dict) -> float``
        E.g. the validation accuracy after a short training run with
        ``params`` (``{'learning_rate': ..., 'reg': ...}``).
    space : dict of str -> (low, high, 'log' | 'linear')
        Range and sampling scale of every hyperparameter.
    budget : int
        Number of trials.
    rng : np.random.Generator
    maximize : bool, default True
        Higher scores are better (set False for a loss).
    border_fraction : float, default 0.1
        A best value in the outer ``border_fraction`` of its range (in log
        space for 'log' parameters) triggers a warning.
    warn : bool, default True
        Also issue the border messages with ``warnings.warn`` (a UserWarning);
        they are in the result either way.
    verbose : bool, default False
        Print one line per trial.

    Returns
    -------
    SearchResult
        ``trials`` sorted best first, ``best``, ``warnings``, ``space``.

    Notes
    -----
    Trial ``i`` (from 0) draws its point with ``sample_space(space, rng)``,
    one call per trial and in order (so the same ``rng`` seed gives the same
    trials), scores it with ``float(objective(params))`` and becomes
    ``{'params': params, 'score': score, 'index': i}``. The sort is stable:
    trials with equal scores keep their order, and every NaN score comes after
    every number, whichever way ``maximize`` points.
    """
    _check_space(space)
    if int(budget) < 1:
        raise ValueError(f"budget must be at least 1, got {budget!r}")
    ### BEGIN SOLUTION
    trials = []
    for i in range(int(budget)):
        params = sample_space(space, rng)
        score = float(objective(params))
        trials.append({"params": params, "score": score, "index": i})
        if verbose:
            shown = ", ".join(f"{k}={v:.3g}" for k, v in params.items())
            print(f"trial {i + 1}/{budget}: score {score:.4f}  ({shown})")

    def rank(trial):
        score = trial["score"]
        if math.isnan(score):
            return math.inf
        return -score if maximize else score

    trials.sort(key=rank)
    ### END SOLUTION
    messages = border_warnings(trials[0]["params"], space, border_fraction)
    if warn:
        for message in messages:
            warnings.warn(message, UserWarning, stacklevel=2)
    return SearchResult(trials, trials[0], messages, dict(space))


def refine_space(trials, top_k, space, expand=0.1):
    """A narrower search space around the best trials (coarse → fine).

    For every hyperparameter the new range spans the values of the ``top_k``
    best trials, widened on each side by ``expand`` times its width (in log
    space for 'log' parameters); the scale is kept. The new range is NOT
    clipped to the old one: when the best trials sit at a border, the range
    moves past it, which is what that warning asks for.

    Parameters
    ----------
    trials : list of dict or SearchResult
        As returned by :func:`random_search` (sorted best first).
    top_k : int >= 1
    space : dict of str -> (low, high, 'log' | 'linear')
        The space those trials were drawn from.
    expand : float >= 0, default 0.1

    Returns
    -------
    dict of str -> (low, high, scale)
        The keys and order of ``space``; ``low`` and ``high`` are floats. On
        the search scale, with ``lo`` and ``hi`` the smallest and largest
        value among the top trials and ``w = hi - lo``: ``(lo - expand * w,
        hi + expand * w)``. When the top values coincide (``w = 0``), ``w`` is
        the width of the old range instead.

    Examples
    --------
    >>> trials = [{"params": {"lr": 1e-3}}, {"params": {"lr": 1e-1}}, {"params": {"lr": 1e-6}}]
    >>> low, high, scale = refine_space(trials, 2, {"lr": (1e-6, 1.0, "log")})["lr"]
    >>> round(low, 9), round(high, 9), scale
    (0.000630957, 0.158489319, 'log')
    """
    if isinstance(trials, SearchResult):
        trials = trials.trials
    ### BEGIN SOLUTION
    top = trials[:max(1, int(top_k))]
    refined = {}
    for name, (low, high, scale) in space.items():
        values = np.array([t["params"][name] for t in top], dtype=np.float64)
        old = np.array([low, high], dtype=np.float64)
        if scale == "log":
            values, old = np.log10(values), np.log10(old)
        lo, hi = values.min(), values.max()
        width = hi - lo if hi > lo else old[1] - old[0]
        lo, hi = lo - expand * width, hi + expand * width
        if scale == "log":
            lo, hi = 10.0 ** lo, 10.0 ** hi
        refined[name] = (float(lo), float(hi), scale)
    ### END SOLUTION
    return refined


# ---------------------------------------------------------------------------
# Grid versus random search
# ---------------------------------------------------------------------------

def grid_and_random_points(budget, rng, num_params=2):
    """Points of a grid search and of a random search with (about) the same budget.

    The grid has ``k = floor(budget ** (1 / num_params))`` values per axis,
    evenly spaced in [0, 1] (``k**num_params <= budget`` points); the random
    search draws ``budget`` points uniformly in the unit cube.

    Returns
    -------
    grid : ndarray of shape (k**num_params, num_params)
    random : ndarray of shape (budget, num_params)
    """
    k = int(math.floor(budget ** (1.0 / num_params) + 1e-9))
    axis = np.linspace(0.0, 1.0, k) if k > 1 else np.array([0.5])
    grid = np.stack(np.meshgrid(*([axis] * num_params), indexing="ij"), axis=-1)
    grid = grid.reshape(-1, num_params)
    return grid, rng.uniform(0.0, 1.0, size=(int(budget), num_params))


def distinct_values(points):
    """Number of distinct values each hyperparameter (column) takes among ``points``.

    If only one hyperparameter matters, this is how many different values of
    it a search really tried: ``k`` for a grid, ``budget`` for random search.

    Returns
    -------
    list of int, one per column
    """
    points = np.asarray(points)
    return [int(np.unique(points[:, j]).size) for j in range(points.shape[1])]
