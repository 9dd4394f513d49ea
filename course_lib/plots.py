"""Plotting helpers the notebooks call (given: nothing to implement here).

Every function draws with matplotlib only, takes an optional ``ax`` to draw
into (a new figure is made when it is None) and returns ``(fig, ax)`` so a
notebook can add a title or a reference line and end the cell with
``plt.show()``. The helpers only draw: the numbers they show are computed by
the notebook or by the student's ``course_lib`` functions.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

__all__ = [
    "activation_curve", "plot_activation", "plot_gradient_norms", "loglog_slope",
    "plot_error_vs_h", "plot_training_curves", "plot_unit_activity", "plot_signs",
    "plot_images", "plot_weight_images",
]


def _axes(ax, figsize=(6, 4)):
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
        return fig, ax
    return ax.figure, ax


def _as_series(values, default_label: str) -> dict[str, np.ndarray]:
    """A mapping ``label -> 1-D array`` from either a mapping or one sequence."""
    if isinstance(values, Mapping):
        return {str(k): np.asarray(v, dtype=np.float64).ravel() for k, v in values.items()}
    return {default_label: np.asarray(values, dtype=np.float64).ravel()}


def activation_curve(forward, backward=None, x=None, **params):
    """Values and slopes of an elementwise activation on a grid.

    Runs ``out, cache = forward(x, **params)`` and, when ``backward`` is given,
    ``backward(ones, cache)``: with an upstream gradient of ones the backward
    pass returns the local slope ``f'(x)`` at every point. A backward that
    returns a tuple (PReLU: ``dx, dalpha``) contributes its first entry.

    Parameters
    ----------
    forward : callable ``forward(x, **params) -> (out, cache)``
    backward : callable ``backward(dout, cache)`` or None
    x : ndarray of shape (P,), optional
        Grid of inputs; 801 points on [-5, 5] by default.
    **params
        Extra keyword arguments of ``forward`` (``alpha=0.1``, ...).

    Returns
    -------
    x : ndarray of shape (P,)
    out : ndarray of shape (P,)
    slope : ndarray of shape (P,) or None
        None when ``backward`` is None.
    """
    x = np.linspace(-5.0, 5.0, 801) if x is None else np.asarray(x, dtype=np.float64)
    out, cache = forward(x.copy(), **params)
    slope = None
    if backward is not None:
        grads = backward(np.ones_like(x), cache)
        slope = grads[0] if isinstance(grads, tuple) else grads
        slope = np.asarray(slope, dtype=np.float64).reshape(x.shape)
    return x, np.asarray(out, dtype=np.float64).reshape(x.shape), slope


def plot_activation(forward, backward=None, x=None, ax=None, title=None, **params):
    """Plot an activation ``f`` and its derivative ``f'`` on one set of axes.

    Parameters
    ----------
    forward, backward, x, **params
        As in :func:`activation_curve`.
    ax : matplotlib Axes, optional
    title : str, optional
        Defaults to the forward function's name without ``_forward``.

    Returns
    -------
    fig, ax
    """
    fig, ax = _axes(ax)
    x, out, slope = activation_curve(forward, backward, x, **params)
    ax.plot(x, out, lw=2, label="f(x)")
    if slope is not None:
        ax.plot(x, slope, lw=2, ls="--", label="f'(x)")
    ax.axhline(0, color="0.6", lw=0.8)
    ax.axvline(0, color="0.6", lw=0.8)
    name = getattr(forward, "__name__", "activation").removesuffix("_forward")
    ax.set_title(title if title is not None else name)
    ax.set_xlabel("x")
    ax.legend(loc="upper left")
    return fig, ax


def plot_gradient_norms(norms, labels=None, ax=None, title=None, log=True):
    """Bar chart of one gradient norm per layer, input layer on the left.

    Parameters
    ----------
    norms : sequence of float, or mapping ``series name -> sequence of float``
        One value per layer. A mapping draws its series as grouped bars
        (e.g. ``{"sigmoid": [...], "ReLU": [...]}``); all series must have the
        same length.
    labels : sequence of str, optional
        One label per layer (``"W1"``, ``"W2"``, ...). Default ``layer 1`` ... .
    ax : matplotlib Axes, optional
    title : str, optional
    log : bool, default True
        Logarithmic y axis: a constant shrink factor per layer then shows as
        equal steps.

    Returns
    -------
    fig, ax
    """
    series = _as_series(norms, "gradient norm")
    lengths = {len(v) for v in series.values()}
    if len(lengths) != 1:
        raise ValueError(f"every series needs one value per layer; got lengths {sorted(lengths)}")
    n_layers = lengths.pop()
    labels = list(labels) if labels is not None else [f"layer {i + 1}" for i in range(n_layers)]
    fig, ax = _axes(ax)
    width = 0.8 / len(series)
    positions = np.arange(n_layers)
    for k, (name, values) in enumerate(series.items()):
        ax.bar(positions + (k - (len(series) - 1) / 2) * width, values, width, label=name)
    ax.set_xticks(positions, labels)
    ax.set_ylabel("gradient norm")
    if log:
        ax.set_yscale("log")
    if len(series) > 1:
        ax.legend(fontsize="small")
    if title is not None:
        ax.set_title(title)
    return fig, ax


def loglog_slope(h, error):
    """Slope of the least-squares line through ``(log10 h, log10 error)``.

    An error that behaves like ``C * h**p`` gives slope ``p``.

    Parameters
    ----------
    h, error : array_like of shape (P,), positive

    Returns
    -------
    slope : float
    """
    h = np.asarray(h, dtype=np.float64)
    error = np.asarray(error, dtype=np.float64)
    return float(np.polyfit(np.log10(h), np.log10(error), 1)[0])


def plot_error_vs_h(h, errors, ax=None, fit_range=None, title=None):
    """Log-log plot of the error of finite-difference derivatives against ``h``.

    Parameters
    ----------
    h : array_like of shape (P,)
        Step sizes.
    errors : mapping ``label -> array_like of shape (P,)``
        Absolute (or relative) error of each formula at each ``h``. Zeros are
        left out (a log axis cannot show them).
    ax : matplotlib Axes, optional
    fit_range : tuple ``(h_min, h_max)``, optional
        When given, the fitted slope of each curve over that range of ``h``
        (:func:`loglog_slope`) is added to its legend entry and the range is
        shaded.
    title : str, optional

    Returns
    -------
    fig, ax
    """
    h = np.asarray(h, dtype=np.float64)
    fig, ax = _axes(ax)
    for label, err in _as_series(errors, "error").items():
        shown = err > 0
        if fit_range is not None:
            inside = shown & (h >= fit_range[0]) & (h <= fit_range[1])
            label = f"{label} (slope {loglog_slope(h[inside], err[inside]):.2f})"
        ax.loglog(h[shown], err[shown], marker="o", ms=3, label=label)
    if fit_range is not None:
        ax.axvspan(*fit_range, color="0.9", zorder=0, label="fitted range")
    ax.set_xlabel("step size h")
    ax.set_ylabel("error")
    ax.legend()
    if title is not None:
        ax.set_title(title)
    return fig, ax


def plot_training_curves(curves, ax=None, xlabel="step", ylabel="loss", title=None,
                         logy=False, smooth=1):
    """Line plot of one or more training curves (loss or accuracy per step/epoch).

    Parameters
    ----------
    curves : sequence of float, or mapping ``label -> sequence of float``
    ax : matplotlib Axes, optional
    xlabel, ylabel, title : str
    logy : bool, default False
    smooth : int, default 1
        Window of a running mean drawn over each curve (1: no smoothing).
        Mini-batch losses are noisy; a window of 10-20 shows the trend.

    Returns
    -------
    fig, ax
    """
    fig, ax = _axes(ax)
    for label, values in _as_series(curves, ylabel).items():
        if smooth > 1 and len(values) >= smooth:
            values = np.convolve(values, np.ones(smooth) / smooth, mode="valid")
            steps = np.arange(len(values)) + smooth - 1
        else:
            steps = np.arange(len(values))
        ax.plot(steps, values, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    if isinstance(curves, Mapping):
        ax.legend()
    if title is not None:
        ax.set_title(title)
    return fig, ax


def plot_unit_activity(active_fraction, ax=None, bins=20, title=None):
    """Histogram of how often each hidden unit is active, one series per run.

    A unit whose fraction is 0 never fires on any example: a dead ReLU.

    Parameters
    ----------
    active_fraction : sequence of float in [0, 1], or mapping ``label -> sequence``
        For each unit, the fraction of examples with a positive pre-activation.
    ax : matplotlib Axes, optional
    bins : int, default 20
    title : str, optional

    Returns
    -------
    fig, ax
    """
    fig, ax = _axes(ax)
    edges = np.linspace(0.0, 1.0, bins + 1)
    for label, values in _as_series(active_fraction, "units").items():
        ax.hist(values, bins=edges, alpha=0.6, label=label)
    ax.set_xlabel("fraction of examples on which the unit is active")
    ax.set_ylabel("number of units")
    ax.legend()
    if title is not None:
        ax.set_title(title)
    return fig, ax


def plot_signs(matrix, ax=None, title=None, xlabel="incoming weight", ylabel="example"):
    """Show the sign of every entry of a matrix: red +, blue −, white 0.

    Parameters
    ----------
    matrix : array_like of shape (R, C)
    ax : matplotlib Axes, optional
    title, xlabel, ylabel : str

    Returns
    -------
    fig, ax
    """
    fig, ax = _axes(ax)
    ax.imshow(np.sign(np.asarray(matrix, dtype=np.float64)), cmap="bwr", vmin=-1, vmax=1,
              aspect="auto", interpolation="nearest")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    return fig, ax


def plot_images(images, shape, ncols=8, titles=None, symmetric=False, vmax=None, axes=None,
                title=None):
    """Draw every row of ``images`` as a small image, in a grid.

    Parameters
    ----------
    images : array_like of shape (K, prod(shape))
        One flattened image per row (a digit, a reconstruction, a filter).
    shape : tuple of int
        The shape of one image, e.g. ``(8, 8)``.
    ncols : int, default 8
        Images per row of the grid (fewer when there are fewer images).
    titles : sequence of str, optional
        One small title per image.
    symmetric : bool, default False
        False: grey levels from white (0) to black (``vmax``), for pixel
        intensities. True: a diverging map, red for positive and blue for
        negative values, white at 0, one scale ``[-vmax, vmax]`` for every
        image (for weights, whose sign matters).
    vmax : float, optional
        The top of the colour scale; by default the largest (absolute) value.
    axes : array of matplotlib Axes, optional
        At least K axes to draw into; a new figure is made when None.
    title : str, optional
        A title over the whole grid.

    Returns
    -------
    fig, axes
        ``axes`` is the flat array of the axes drawn into (unused ones are hidden).
    """
    images = np.asarray(images, dtype=np.float64)
    count = len(images)
    if images.ndim != 2 or images.shape[1] != int(np.prod(shape)):
        raise ValueError(f"images must have shape (K, {int(np.prod(shape))}) for images of shape "
                         f"{tuple(shape)}, got {images.shape}")
    if axes is None:
        ncols = max(1, min(int(ncols), count))
        nrows = max(1, -(-count // ncols))
        fig, axes = plt.subplots(nrows, ncols, figsize=(1.1 * ncols, 1.15 * nrows + 0.3),
                                 squeeze=False)
    axes = np.asarray(axes).ravel()
    if len(axes) < count:
        raise ValueError(f"{count} images need at least {count} axes, got {len(axes)}")
    fig = axes[0].figure
    top = float(vmax) if vmax is not None else float(np.max(np.abs(images), initial=0.0)) or 1.0
    style = ({"cmap": "RdBu_r", "vmin": -top, "vmax": top} if symmetric
             else {"cmap": "gray_r", "vmin": 0.0, "vmax": top})
    for k, ax in enumerate(axes):
        ax.set_xticks([])
        ax.set_yticks([])
        if k >= count:
            ax.set_visible(False)
            continue
        ax.imshow(images[k].reshape(shape), interpolation="nearest", **style)
        if titles is not None:
            ax.set_title(str(titles[k]), fontsize=7)
    if title is not None:
        fig.suptitle(title, fontsize=10)
    return fig, axes


def plot_weight_images(W, shape, ncols=8, max_units=None, vmax=None, axes=None, title=None):
    """The incoming weights of each unit of a first layer, drawn as an image.

    Column ``j`` of ``W`` (shape ``(D, M)``, the layer computes ``x @ W``)
    holds the weights from every input pixel to unit ``j``: reshaped to the
    image ``shape``, it shows which pixels push the unit up (red) and which
    push it down (blue). One colour scale serves every unit.

    Parameters
    ----------
    W : array_like of shape (D, M), ``D = prod(shape)``
    shape : tuple of int
        The shape of one input image, e.g. ``(8, 8)``.
    ncols : int, default 8
    max_units : int, optional
        Draw only the first ``max_units`` units.
    vmax : float, optional
        The top of the colour scale (pass the same value to compare several
        matrices on one scale); by default the largest ``|w|`` drawn.
    axes : array of matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    fig, axes
    """
    W = np.asarray(W, dtype=np.float64)
    if W.ndim != 2:
        raise ValueError(f"W must be a matrix of shape (D, M), got shape {W.shape}")
    units = W.T if max_units is None else W.T[:int(max_units)]
    return plot_images(units, shape, ncols=ncols, symmetric=True, vmax=vmax, axes=axes,
                       title=title)
