"""Learning-rate schedules: the learning rate as a function of time.

A *schedule* is a callable ``schedule(t) -> lr``:

* ``t`` is the step (or epoch) index counted from 0: an int, a float, or an
  ndarray of them (handy for plotting a whole schedule at once). ``t < 0`` is
  an error.
* a scalar ``t`` gives a Python ``float``; an array ``t`` gives a float64
  ndarray of the same shape.

Each schedule is a small class whose ``repr`` shows how it was built, e.g.
``exponential(lr0=0.1, r=20)``; instances can be pickled and copied. The
classes have function-style lowercase names (PEP 8 allows this for classes
"used primarily as a callable"), so a schedule is built like a function call.

What students write is the formula in each ``lr_at(self, t)``: it receives
``t`` as a float64 ndarray (always, even for one step) and returns the learning
rates as an array of the same shape, without Python loops over ``t``
(``np.where``, ``np.floor``, ``np.cos`` and ``np.searchsorted`` work on whole
arrays).

Besides these functions of time there is performance scheduling
(:class:`ReduceLROnPlateau`, which reacts to a validation metric) and the
learning-rate range test (:func:`lr_range_test`), which picks a learning rate
by trying many of them in one short run.

Examples
--------
>>> s = exponential(lr0=0.1, r=20)
>>> s
exponential(lr0=0.1, r=20.0)
>>> round(s(20), 12), round(s(40), 12)
(0.01, 0.001)
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


class Schedule:
    """Base class of the schedules: validates ``t``, calls ``lr_at``, formats the result.

    Subclasses set ``_fields`` (the constructor arguments, for ``repr``) and
    implement ``lr_at(t)`` for a float64 ndarray ``t``.
    """

    _fields: tuple[str, ...] = ()

    def lr_at(self, t: np.ndarray) -> np.ndarray:
        raise NotImplementedError()

    def __call__(self, t):
        t_arr = np.asarray(t, dtype=np.float64)
        if np.any(t_arr < 0):
            raise ValueError(f"{self!r}: t must be >= 0, got {t!r}")
        lr = np.broadcast_to(np.asarray(self.lr_at(t_arr), dtype=np.float64), t_arr.shape)
        return float(lr) if lr.ndim == 0 else lr.copy()

    def __repr__(self):
        args = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__name__}({args})"


def _positive(name: str, value) -> float:
    value = float(value)
    if not value > 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return value


class constant(Schedule):
    """The same learning rate at every step: ``lr(t) = lr0``.

    Parameters
    ----------
    lr0 : float
        The learning rate.

    Examples
    --------
    >>> constant(0.1)(7)
    0.1
    """

    _fields = ("lr0",)

    def __init__(self, lr0):
        self.lr0 = float(lr0)

    def lr_at(self, t):
        return np.full_like(t, self.lr0)


class piecewise_constant(Schedule):
    """Hand-picked learning rates on fixed intervals of ``t``.

    ``values[0]`` is used for ``t < boundaries[0]``, ``values[i]`` for
    ``boundaries[i-1] <= t < boundaries[i]``, and ``values[-1]`` from
    ``boundaries[-1]`` on: a new value takes effect *at* its boundary (like
    PyTorch's ``MultiStepLR`` milestones).

    Parameters
    ----------
    boundaries : sequence of float, strictly increasing, length K
        The steps at which the learning rate changes.
    values : sequence of float, length K + 1
        The learning rate on each interval.

    Examples
    --------
    >>> s = piecewise_constant([50], [0.1, 0.001])
    >>> s(49), s(50)
    (0.1, 0.001)
    """

    _fields = ("boundaries", "values")

    def __init__(self, boundaries, values):
        self.boundaries = [float(b) for b in boundaries]
        self.values = [float(v) for v in values]
        if len(self.values) != len(self.boundaries) + 1:
            raise ValueError(f"need one more value than boundaries, got {len(self.boundaries)} "
                             f"boundaries and {len(self.values)} values")
        if np.any(np.diff(self.boundaries) <= 0):
            raise ValueError(f"boundaries must be strictly increasing, got {self.boundaries}")

    def lr_at(self, t):
        ### BEGIN SOLUTION
        interval = np.searchsorted(self.boundaries, t, side="right")
        lr = np.asarray(self.values)[interval]
        ### END SOLUTION
        return lr


class step_decay(Schedule):
    """Multiply the learning rate by ``drop`` every ``every`` steps::

        lr(t) = lr0 * drop ** floor(t / every)

    Parameters
    ----------
    lr0 : float
        Learning rate for ``0 <= t < every``.
    drop : float
        The factor applied at each drop, e.g. 0.5 to halve the learning rate.
    every : float > 0
        Steps (or epochs) between two drops.

    Examples
    --------
    >>> s = step_decay(0.1, drop=0.5, every=10)
    >>> s(9), s(10), s(25)
    (0.1, 0.05, 0.025)
    """

    _fields = ("lr0", "drop", "every")

    def __init__(self, lr0, drop, every):
        self.lr0, self.drop, self.every = float(lr0), float(drop), _positive("every", every)

    def lr_at(self, t):
        ### BEGIN SOLUTION
        lr = self.lr0 * self.drop ** np.floor(t / self.every)
        ### END SOLUTION
        return lr


class exponential(Schedule):
    """Exponential scheduling: the learning rate drops 10-fold every ``r`` steps::

        lr(t) = lr0 * 10 ** (-t / r)

    Parameters
    ----------
    lr0 : float
        Learning rate at ``t = 0``.
    r : float > 0
        Steps per factor-10 drop.

    Examples
    --------
    >>> round(exponential(1.0, r=5)(10), 12)
    0.01
    """

    _fields = ("lr0", "r")

    def __init__(self, lr0, r):
        self.lr0, self.r = float(lr0), _positive("r", r)

    def lr_at(self, t):
        ### BEGIN SOLUTION
        lr = self.lr0 * 10.0 ** (-t / self.r)
        ### END SOLUTION
        return lr


class power(Schedule):
    """Power scheduling: a polynomial decay, much slower than exponential in the long run::

        lr(t) = lr0 * (1 + t / r) ** (-c)

    After ``r`` steps the rate is ``lr0 / 2**c``, after ``3r`` steps ``lr0 / 4**c``.

    Parameters
    ----------
    lr0 : float
        Learning rate at ``t = 0``.
    r : float > 0
        Time scale of the decay.
    c : float > 0, default 1
        Power of the decay.

    Examples
    --------
    >>> power(1.0, r=10)(30)
    0.25
    """

    _fields = ("lr0", "r", "c")

    def __init__(self, lr0, r, c=1):
        self.lr0, self.r, self.c = float(lr0), _positive("r", r), _positive("c", c)

    def lr_at(self, t):
        ### BEGIN SOLUTION
        lr = self.lr0 * (1.0 + t / self.r) ** (-self.c)
        ### END SOLUTION
        return lr


class inverse_time(Schedule):
    """1/t decay (CS231n)::

        lr(t) = lr0 / (1 + k * t)

    (the power schedule with ``c = 1``, ``r = 1 / k``).

    Parameters
    ----------
    lr0 : float
        Learning rate at ``t = 0``.
    k : float >= 0
        Decay rate: the rate halves at ``t = 1 / k``.

    Examples
    --------
    >>> inverse_time(1.0, k=0.5)(2)
    0.5
    """

    _fields = ("lr0", "k")

    def __init__(self, lr0, k):
        self.lr0, self.k = float(lr0), float(k)
        if self.k < 0:
            raise ValueError(f"k must be >= 0, got {self.k}")

    def lr_at(self, t):
        ### BEGIN SOLUTION
        lr = self.lr0 / (1.0 + self.k * t)
        ### END SOLUTION
        return lr


class cosine(Schedule):
    """Cosine annealing from ``lr0`` to ``lr_min``, after an optional linear warm-up.

    With ``W = warmup_steps`` and ``T = total_steps``::

        lr(t) = lr0 * t / W                                            for t < W
        lr(t) = lr_min + (lr0 - lr_min) * (1 + cos(pi * p)) / 2        for t >= W
                with p = min((t - W) / (T - W), 1)

    The warm-up climbs from 0 at ``t = 0`` to ``lr0`` at ``t = W``; the cosine
    then falls to exactly ``lr_min`` at ``t = T`` and stays there.

    Parameters
    ----------
    lr0 : float
        Peak learning rate (reached at ``t = warmup_steps``).
    total_steps : int > warmup_steps
        Step at which the schedule reaches ``lr_min``.
    lr_min : float, default 0.0
        Final learning rate.
    warmup_steps : int >= 0, default 0
        Length of the linear warm-up.

    Examples
    --------
    >>> s = cosine(1.0, total_steps=100)
    >>> s(0), s(50), s(100)
    (1.0, 0.5, 0.0)
    """

    _fields = ("lr0", "total_steps", "lr_min", "warmup_steps")

    def __init__(self, lr0, total_steps, lr_min=0.0, warmup_steps=0):
        self.lr0, self.lr_min = float(lr0), float(lr_min)
        self.total_steps, self.warmup_steps = int(total_steps), int(warmup_steps)
        if not 0 <= self.warmup_steps < self.total_steps:
            raise ValueError(f"need 0 <= warmup_steps < total_steps, got warmup_steps="
                             f"{self.warmup_steps}, total_steps={self.total_steps}")

    def lr_at(self, t):
        ### BEGIN SOLUTION
        W, T = self.warmup_steps, self.total_steps
        p = np.clip((t - W) / (T - W), 0.0, 1.0)
        annealed = self.lr_min + (self.lr0 - self.lr_min) * (1 + np.cos(np.pi * p)) / 2
        lr = np.where(t < W, self.lr0 * t / max(W, 1), annealed)
        ### END SOLUTION
        return lr


class one_cycle(Schedule):
    """Smith's 1cycle policy, with cosine ramps (as in PyTorch's ``OneCycleLR``).

    The rate climbs from ``lr_start = max_lr / div_factor`` to ``max_lr`` at the
    peak step ``P = round(pct_start * total_steps)``, then falls to
    ``lr_end = lr_start / final_div_factor`` at ``t = total_steps`` (and stays
    there). With ``ramp(a, b, p) = b + (a - b) * (1 + cos(pi * p)) / 2``, which
    goes from ``a`` at ``p = 0`` to ``b`` at ``p = 1``::

        lr(t) = ramp(lr_start, max_lr, t / P)                       for t < P
        lr(t) = ramp(max_lr, lr_end, min((t - P) / (T - P), 1))     for t >= P

    Parameters
    ----------
    max_lr : float
        Peak learning rate.
    total_steps : int
        Length of the cycle ``T``.
    pct_start : float in (0, 1), default 0.3
        Fraction of the cycle spent climbing.
    div_factor : float, default 25
        ``lr_start = max_lr / div_factor``.
    final_div_factor : float, default 1e4
        ``lr_end = lr_start / final_div_factor``.

    Examples
    --------
    >>> s = one_cycle(1.0, total_steps=100, pct_start=0.3)
    >>> [round(s(t), 9) for t in (0, 30, 100)]
    [0.04, 1.0, 4e-06]
    """

    _fields = ("max_lr", "total_steps", "pct_start", "div_factor", "final_div_factor")

    def __init__(self, max_lr, total_steps, pct_start=0.3, div_factor=25, final_div_factor=1e4):
        self.max_lr, self.total_steps = float(max_lr), int(total_steps)
        self.pct_start = float(pct_start)
        self.div_factor = _positive("div_factor", div_factor)
        self.final_div_factor = _positive("final_div_factor", final_div_factor)
        if not 0 < self.peak_step < self.total_steps:
            raise ValueError(f"round(pct_start * total_steps) = {self.peak_step} must lie strictly "
                             f"between 0 and total_steps = {self.total_steps}")

    @property
    def peak_step(self) -> int:
        """``round(pct_start * total_steps)``: the step with the largest learning rate."""
        return int(round(self.pct_start * self.total_steps))

    @property
    def lr_start(self) -> float:
        return self.max_lr / self.div_factor

    @property
    def lr_end(self) -> float:
        return self.lr_start / self.final_div_factor

    def lr_at(self, t):
        ### BEGIN SOLUTION
        P, T = self.peak_step, self.total_steps

        def ramp(a, b, p):
            return b + (a - b) * (1 + np.cos(np.pi * p)) / 2

        up = ramp(self.lr_start, self.max_lr, np.minimum(t / P, 1.0))
        down = ramp(self.max_lr, self.lr_end, np.clip((t - P) / (T - P), 0.0, 1.0))
        lr = np.where(t < P, up, down)
        ### END SOLUTION
        return lr


class ReduceLROnPlateau:
    """Performance scheduling: cut the learning rate when a metric stops improving.

    Call :meth:`step` once per epoch with the validation metric. An epoch
    *improves* when the metric beats the best value so far by more than
    ``min_delta`` (``metric < best - min_delta`` in mode ``'min'``,
    ``metric > best + min_delta`` in mode ``'max'``); since ``best`` starts at
    ``inf``, resp. ``-inf``, a finite first metric always improves. Every
    non-improving epoch adds one to ``num_bad_epochs``; an improving one
    resets it to 0. When ``num_bad_epochs`` reaches ``patience`` the learning
    rate is multiplied by ``factor`` (but not below ``min_lr``) and the count
    restarts from 0, so the next cut needs ``patience`` more bad epochs.
    ``best`` is kept across cuts.

    So with ``patience = 3`` the rate stays put for two non-improving epochs
    in a row and is cut on the third. (PyTorch's ``ReduceLROnPlateau`` counts
    one epoch later: ours with ``patience = p`` behaves like PyTorch's with
    ``patience = p - 1``, ``threshold_mode='abs'``, ``threshold=min_delta``.)

    Calling the object like a schedule, ``plateau(t)``, returns the current
    ``lr`` whatever ``t`` is, so a trainer can treat it like the others.

    Parameters
    ----------
    lr0 : float
        Initial learning rate.
    factor : float in (0, 1), default 0.1
        Multiplier applied at each cut.
    patience : int >= 1, default 10
        Number of consecutive non-improving epochs that triggers a cut.
    min_delta : float >= 0, default 0.0
        Smallest change that counts as an improvement.
    mode : {'min', 'max'}, default 'min'
        Whether a lower (a loss) or a higher (an accuracy) metric is better.
    min_lr : float, default 0
        The learning rate never goes below this.

    Attributes
    ----------
    lr : float
        The current learning rate (use it for the next epoch).
    best : float
        Best metric seen so far.
    num_bad_epochs : int
        Consecutive non-improving epochs since the last improvement or cut.

    Examples
    --------
    >>> plateau = ReduceLROnPlateau(1.0, factor=0.5, patience=2)
    >>> [plateau.step(m) for m in [3.0, 2.0, 2.5, 2.1, 2.2]]
    [1.0, 1.0, 1.0, 0.5, 0.5]
    """

    def __init__(self, lr0, factor=0.1, patience=10, min_delta=0.0, mode="min", min_lr=0):
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        if not 0 < factor < 1:
            raise ValueError(f"factor must lie in (0, 1), got {factor!r}")
        if int(patience) < 1:
            raise ValueError(f"patience must be >= 1, got {patience!r}")
        self.lr0, self.factor, self.patience = float(lr0), float(factor), int(patience)
        self.min_delta, self.mode, self.min_lr = float(min_delta), mode, float(min_lr)
        self.lr = self.lr0
        self.best = np.inf if mode == "min" else -np.inf
        self.num_bad_epochs = 0

    def improves(self, metric: float) -> bool:
        """Whether ``metric`` beats ``best`` by more than ``min_delta``."""
        if self.mode == "min":
            return metric < self.best - self.min_delta
        return metric > self.best + self.min_delta

    def step(self, metric) -> float:
        """Record one epoch's metric and return the learning rate for the next epoch.

        Parameters
        ----------
        metric : float
            The monitored value (e.g. the validation loss) of the epoch just done.

        Returns
        -------
        lr : float
            ``self.lr`` after this epoch was taken into account.
        """
        metric = float(metric)
        ### BEGIN SOLUTION
        if self.improves(metric):
            self.best = metric
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
            if self.num_bad_epochs >= self.patience:
                self.lr = max(self.lr * self.factor, self.min_lr)
                self.num_bad_epochs = 0
        ### END SOLUTION
        return self.lr

    def __call__(self, t=None) -> float:
        return self.lr

    def __repr__(self):
        return (f"ReduceLROnPlateau(lr0={self.lr0!r}, factor={self.factor!r}, "
                f"patience={self.patience!r}, min_delta={self.min_delta!r}, mode={self.mode!r}, "
                f"min_lr={self.min_lr!r}) [lr={self.lr!r}, best={self.best!r}, "
                f"num_bad_epochs={self.num_bad_epochs}]")


@dataclass
class RangeTestResult:
    """What :func:`lr_range_test` measured.

    Attributes
    ----------
    lrs : ndarray of shape (S,)
        The learning rates tried, in order (S <= num_steps: the test may stop early).
    losses : ndarray of shape (S,)
        The loss ``train_step`` returned at each of them.
    smoothed : ndarray of shape (S,)
        Bias-corrected exponential moving average of ``losses``.
    suggested_lr : float
        The learning rate at the minimum of ``smoothed``, divided by 10.
    diverged : bool
        Whether the run stopped because the loss blew up (rather than reaching ``lr_max``).
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    suggested_lr: float
    diverged: bool = field(default=False)


def lr_range_test(train_step, lr_min=1e-6, lr_max=1.0, num_steps=100, smooth=0.98,
                  diverge_factor=4.0):
    """Learning-rate range test (Smith, 2015; fastai's ``lr_find``).

    Train for at most ``num_steps`` steps, one step per learning rate, with the
    learning rate growing geometrically from ``lr_min`` to ``lr_max``::

        lr_i = lr_min * (lr_max / lr_min) ** (i / (num_steps - 1)),   i = 0, 1, ...

    After each step the loss is smoothed with a bias-corrected exponential
    moving average (``avg`` starts at 0)::

        avg        = smooth * avg + (1 - smooth) * loss_i
        smoothed_i = avg / (1 - smooth ** (i + 1))

    The test stops right after recording step ``i`` if ``loss_i`` is not
    finite or ``smoothed_i > diverge_factor * min(smoothed_0..i)``.
    The suggestion is ``lrs[argmin(smoothed)] / 10``: a learning rate well
    below the point where the loss stops falling.

    The function never sees the model: ``train_step`` closes over it. Run the
    test on a copy of the model (or restore its weights afterwards) since the
    last steps may have wrecked it.

    Parameters
    ----------
    train_step : callable ``train_step(lr) -> loss``
        Performs ONE training step (one mini-batch) with learning rate ``lr``
        on the same model every time, and returns that batch's loss (>= 0).
    lr_min, lr_max : float, 0 < lr_min < lr_max
        First and last learning rate.
    num_steps : int >= 2
        Number of learning rates (and steps) at most.
    smooth : float in [0, 1)
        Weight of the past in the moving average (0: no smoothing).
    diverge_factor : float > 1
        How many times the best smoothed loss counts as divergence.

    Returns
    -------
    result : RangeTestResult
        ``lrs`` (the rates tried, in order), ``losses`` (what ``train_step``
        returned at each), ``smoothed`` (arrays of the same length),
        ``suggested_lr`` and ``diverged`` (whether the test stopped because
        the loss blew up, rather than at ``lr_max``).

    Raises
    ------
    ValueError
        If not ``0 < lr_min < lr_max``, ``num_steps < 2`` or ``smooth`` is
        not in [0, 1).
    """
    if not 0 < lr_min < lr_max:
        raise ValueError(f"need 0 < lr_min < lr_max, got lr_min={lr_min}, lr_max={lr_max}")
    if int(num_steps) < 2:
        raise ValueError(f"num_steps must be >= 2, got {num_steps}")
    if not 0 <= smooth < 1:
        raise ValueError(f"smooth must lie in [0, 1), got {smooth}")
    num_steps = int(num_steps)
    lrs, losses, smoothed = [], [], []
    diverged = False
    ### BEGIN SOLUTION
    avg = 0.0
    for i, lr in enumerate(lr_min * (lr_max / lr_min) ** (np.arange(num_steps) / (num_steps - 1))):
        loss = float(train_step(float(lr)))
        avg = smooth * avg + (1 - smooth) * loss
        lrs.append(float(lr))
        losses.append(loss)
        smoothed.append(avg / (1 - smooth ** (i + 1)))
        if not np.isfinite(loss) or smoothed[-1] > diverge_factor * min(smoothed):
            diverged = True
            break
    suggested_lr = lrs[int(np.nanargmin(smoothed))] / 10
    ### END SOLUTION
    return RangeTestResult(np.asarray(lrs), np.asarray(losses), np.asarray(smoothed),
                           float(suggested_lr), diverged)
