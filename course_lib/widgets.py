"""Interactive explorers for the notebooks (given: nothing to implement here).

Each explorer is an object that holds its controls, one matplotlib figure and
an ``update`` method. The controls call ``update`` when they change; a test
(or a notebook cell) can call ``update`` directly with values, or set a
control's ``value``, and read the plotted data back from the figure's lines.
Displaying the object in a notebook shows the controls above the figure.

The explorers draw whatever the student's ``course_lib`` functions compute; a
function that is not implemented yet shows a message instead of a curve.
"""
from __future__ import annotations

import numpy as np
import ipywidgets as w
from IPython.display import clear_output, display
from matplotlib.figure import Figure

from . import activations, gradcheck
from .plots import activation_curve

__all__ = ["ActivationExplorer", "activation_explorer",
           "FiniteDifferenceExplorer", "finite_difference_explorer"]


def _maxout_leaky_forward(x, alpha=0.01):
    """Maxout of the two pieces ``x`` and ``alpha * x``: leaky ReLU for alpha < 1."""
    pieces_w = np.array([[[1.0]], [[alpha]]], dtype=x.dtype)
    pieces_b = np.zeros((2, 1), dtype=x.dtype)
    out, cache = activations.maxout_forward(x[:, None], pieces_w, pieces_b)
    return out[:, 0], cache


def _maxout_leaky_backward(dout, cache):
    return activations.maxout_backward(dout[:, None], cache)[0][:, 0]


def _prelu_forward(x, alpha=0.25):
    return activations.prelu_forward(x, np.asarray(alpha))


# name -> (forward, backward, takes alpha). Looked up at call time, so a
# reloaded (autoreload) activations module is used.
def _catalogue():
    a = activations
    return {
        "sigmoid": (a.sigmoid_forward, a.sigmoid_backward, False),
        "tanh": (a.tanh_forward, a.tanh_backward, False),
        "arctan": (a.arctan_forward, a.arctan_backward, False),
        "relu": (a.relu_forward, a.relu_backward, False),
        "leaky_relu": (a.leaky_relu_forward, a.leaky_relu_backward, True),
        "prelu": (_prelu_forward, a.prelu_backward, True),
        "elu": (a.elu_forward, a.elu_backward, True),
        "selu": (a.selu_forward, a.selu_backward, False),
        "softplus": (a.softplus_forward, a.softplus_backward, False),
        "gelu": (a.gelu_forward, a.gelu_backward, False),
        "binary_step": (a.binary_step_forward, None, False),
        "maxout(x, alpha*x)": (_maxout_leaky_forward, _maxout_leaky_backward, True),
    }


ACTIVATION_NAMES = tuple(_catalogue())


class ActivationExplorer:
    """A dropdown of activations and a slider for ``alpha``, drawing ``f`` and ``f'``.

    Attributes
    ----------
    dropdown : ipywidgets.Dropdown
        The activation's name (see :data:`ACTIVATION_NAMES`).
    slider : ipywidgets.FloatSlider
        ``alpha`` of leaky ReLU, PReLU, ELU and of the maxout of ``x`` and
        ``alpha * x``; disabled for the other activations.
    fig : matplotlib.figure.Figure
    ax : matplotlib Axes
    f_line, slope_line : matplotlib Line2D
        The plotted ``f(x)`` and ``f'(x)``; their ``get_ydata()`` is the data.
    x : ndarray of shape (P,)
        The grid of inputs.
    """

    def __init__(self, name="leaky_relu", alpha=0.1, x=None):
        self.x = np.linspace(-4.0, 4.0, 401) if x is None else np.asarray(x, dtype=np.float64)
        self.dropdown = w.Dropdown(options=ACTIVATION_NAMES, value=name, description="activation")
        self.slider = w.FloatSlider(value=alpha, min=0.0, max=2.0, step=0.01,
                                    description="alpha", continuous_update=False)
        self.output = w.Output()
        # A pyplot-free Figure: the inline backend does not show it on its own,
        # so the explorer is drawn once, inside its output area.
        self.fig = Figure(figsize=(6, 3.6))
        self.ax = self.fig.add_subplot()
        (self.f_line,) = self.ax.plot(self.x, np.zeros_like(self.x), lw=2, label="f(x)")
        (self.slope_line,) = self.ax.plot(self.x, np.zeros_like(self.x), lw=2, ls="--",
                                          label="f'(x)")
        self.ax.axhline(0, color="0.6", lw=0.8)
        self.ax.axvline(0, color="0.6", lw=0.8)
        self.ax.set_xlabel("x")
        self.ax.legend(loc="upper left")
        self.dropdown.observe(self._on_change, names="value")
        self.slider.observe(self._on_change, names="value")
        self.widget = w.VBox([w.HBox([self.dropdown, self.slider]), self.output])
        self.update()

    def _on_change(self, _change):
        self.update()

    def update(self, name=None, alpha=None):
        """Recompute and redraw; ``name``/``alpha`` override the controls' values.

        Returns
        -------
        out, slope : ndarray of shape (P,)
            The plotted ``f(x)`` and ``f'(x)`` (NaN where not available).
        """
        name = self.dropdown.value if name is None else name
        alpha = self.slider.value if alpha is None else float(alpha)
        forward, backward, takes_alpha = _catalogue()[name]
        self.slider.disabled = not takes_alpha
        params = {"alpha": alpha} if takes_alpha else {}
        nan = np.full_like(self.x, np.nan)
        try:
            _, out, slope = activation_curve(forward, backward, self.x, **params)
            title = f"{name} (alpha = {alpha:.2f})" if takes_alpha else name
        except NotImplementedError:
            out, slope = nan, None
            title = f"{name}: not implemented yet (see course_lib/activations.py)"
        slope = nan if slope is None else slope
        self.f_line.set_ydata(out)
        self.slope_line.set_ydata(slope)
        shown = np.concatenate([out, slope])
        shown = shown[np.isfinite(shown)]
        low, high = (shown.min(), shown.max()) if shown.size else (-1.0, 1.0)
        pad = 0.1 * max(high - low, 1.0)
        self.ax.set_ylim(low - pad, high + pad)
        self.ax.set_title(title)
        with self.output:
            clear_output(wait=True)
            display(self.fig)
        return out, slope

    def _ipython_display_(self):
        display(self.widget)


def activation_explorer(name="leaky_relu", alpha=0.1):
    """Build an :class:`ActivationExplorer`; display it by ending a cell with it."""
    return ActivationExplorer(name=name, alpha=alpha)


class FiniteDifferenceExplorer:
    """A log slider for ``h`` showing the secants that approximate ``f'(x0)``.

    Draws ``f`` near ``x0``, the tangent, the one-sided secant through
    ``x0`` and ``x0 + h`` and the centred one through ``x0 - h`` and
    ``x0 + h``, and reports each slope's error. The centred slope comes from
    the student's :func:`course_lib.gradcheck.numeric_gradient`, the one-sided
    slope from the given :func:`course_lib.gradcheck.forward_difference`.

    Parameters
    ----------
    f, df : callable
        A scalar function of a scalar (vectorised over arrays) and its exact
        derivative. Default: ``sin`` and ``cos``.
    x0 : float
    """

    def __init__(self, f=np.sin, df=np.cos, x0=1.0, log10_h=-0.5):
        self.f, self.df, self.x0 = f, df, float(x0)
        self.slider = w.FloatSlider(value=log10_h, min=-8.0, max=0.3, step=0.1,
                                    description="log10 h", continuous_update=False)
        self.output = w.Output()
        self.fig = Figure(figsize=(6, 3.6))
        self.ax = self.fig.add_subplot()
        grid = np.linspace(self.x0 - 2.5, self.x0 + 2.5, 300)
        self.ax.plot(grid, f(grid), color="k", lw=2, label="f")
        tangent = f(self.x0) + df(self.x0) * (grid - self.x0)
        self.ax.plot(grid, tangent, color="0.5", lw=1, label="tangent")
        self._grid = grid
        (self.forward_line,) = self.ax.plot(grid, tangent, lw=1.5, label="one-sided")
        (self.centred_line,) = self.ax.plot(grid, tangent, lw=1.5, ls="--", label="centred")
        self.ax.set_ylim(float(f(grid).min()) - 0.5, float(f(grid).max()) + 0.5)
        self.ax.legend(loc="lower left")
        self.slider.observe(lambda _change: self.update(), names="value")
        self.widget = w.VBox([self.slider, self.output])
        self.update()

    def update(self, log10_h=None):
        """Redraw for ``h = 10**log10_h`` (default: the slider's value).

        Returns
        -------
        errors : dict
            ``{"one-sided": abs error, "centred": abs error}`` of the slopes
            (NaN for the centred one while ``numeric_gradient`` is a stub).
        """
        h = 10.0 ** (self.slider.value if log10_h is None else float(log10_h))
        point = np.array([self.x0])
        exact = float(self.df(self.x0))

        def scalar_f(v):
            return float(self.f(v[0]))

        one_sided = gradcheck.forward_difference(self.f, self.x0, h)
        try:
            centred = float(gradcheck.numeric_gradient(scalar_f, point.copy(), h=h)[0])
        except NotImplementedError:
            centred = float("nan")
        f0 = float(self.f(self.x0))
        self.forward_line.set_ydata(f0 + one_sided * (self._grid - self.x0))
        self.centred_line.set_ydata(f0 + centred * (self._grid - self.x0))
        errors = {"one-sided": abs(one_sided - exact), "centred": abs(centred - exact)}
        self.ax.set_title(f"h = {h:.1e}: error one-sided {errors['one-sided']:.1e}, "
                          f"centred {errors['centred']:.1e}", fontsize=10)
        with self.output:
            clear_output(wait=True)
            display(self.fig)
        return errors

    def _ipython_display_(self):
        display(self.widget)


def finite_difference_explorer(f=np.sin, df=np.cos, x0=1.0):
    """Build a :class:`FiniteDifferenceExplorer`; display it by ending a cell with it."""
    return FiniteDifferenceExplorer(f=f, df=df, x0=x0)
