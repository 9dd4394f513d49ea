"""The given plotting helpers and widget explorers: they draw what they are given."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib import activations, plots, widgets  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _relu_forward(x):
    return np.maximum(x, 0.0), x


def _relu_backward(dout, x):
    return dout * (x > 0)


# ------------------------------------------------------------------ plots
def test_activation_curve_returns_values_and_slopes_of_the_given_functions():
    x, out, slope = plots.activation_curve(_relu_forward, _relu_backward,
                                           np.array([-2.0, -0.5, 0.5, 3.0]))
    np.testing.assert_array_equal(out, [0.0, 0.0, 0.5, 3.0])
    np.testing.assert_array_equal(slope, [0.0, 0.0, 1.0, 1.0])


def test_activation_curve_takes_the_first_gradient_of_a_tuple_and_passes_params():
    def forward(x, alpha):
        return alpha * x, x

    def backward(dout, cache):
        return 3.0 * dout, np.sum(dout)

    _, out, slope = plots.activation_curve(forward, backward, np.array([1.0, 2.0]), alpha=2.0)
    np.testing.assert_array_equal(out, [2.0, 4.0])
    np.testing.assert_array_equal(slope, [3.0, 3.0])


def test_activation_curve_without_backward_has_no_slope():
    _, _, slope = plots.activation_curve(_relu_forward, None, np.array([1.0]))
    assert slope is None


def test_plot_activation_draws_f_and_its_slope():
    fig, ax = plots.plot_activation(_relu_forward, _relu_backward, np.linspace(-1, 1, 5))
    f_line, slope_line = ax.get_lines()[:2]
    np.testing.assert_array_equal(f_line.get_ydata(), [0, 0, 0, 0.5, 1])
    np.testing.assert_array_equal(slope_line.get_ydata(), [0, 0, 0, 1, 1])
    assert ax.get_title() == "_relu"
    assert fig is ax.figure


def test_plot_activation_draws_into_a_given_axes():
    fig, ax = plt.subplots()
    got_fig, got_ax = plots.plot_activation(_relu_forward, None, ax=ax, title="ReLU")
    assert (got_fig, got_ax) == (fig, ax)
    assert ax.get_title() == "ReLU"


def test_gradient_norm_bars_have_the_given_heights_on_a_log_axis():
    _, ax = plots.plot_gradient_norms([0.003, 0.017, 0.07, 0.285], labels=["W1", "W2", "W3", "W4"])
    heights = [bar.get_height() for bar in ax.patches]
    np.testing.assert_allclose(heights, [0.003, 0.017, 0.07, 0.285])
    assert ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["W1", "W2", "W3", "W4"]


def test_gradient_norms_of_several_series_are_grouped_side_by_side():
    _, ax = plots.plot_gradient_norms({"sigmoid": [1, 2, 3], "relu": [4, 5, 6]}, log=False)
    assert len(ax.patches) == 6
    lefts = [bar.get_x() for bar in ax.patches]
    assert lefts[0] < lefts[3] < lefts[1]  # layer 1 of both series come before layer 2
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["sigmoid", "relu"]


def test_gradient_norm_series_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="one value per layer"):
        plots.plot_gradient_norms({"a": [1, 2], "b": [1, 2, 3]})


@pytest.mark.parametrize("power", [1.0, 2.0, -0.5])
def test_loglog_slope_recovers_the_power_of_a_power_law(power):
    h = np.logspace(-6, -1, 11)
    assert plots.loglog_slope(h, 3.0 * h ** power) == pytest.approx(power, abs=1e-12)


def test_error_vs_h_plot_is_log_log_and_labels_the_fitted_slopes():
    h = np.logspace(-5, -1, 9)
    _, ax = plots.plot_error_vs_h(h, {"one-sided": h, "centred": h ** 2}, fit_range=(1e-4, 1e-1))
    assert ax.get_xscale() == ax.get_yscale() == "log"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "one-sided (slope 1.00)" in labels
    assert "centred (slope 2.00)" in labels


def test_error_vs_h_plot_leaves_out_exact_zeros():
    h = np.array([1e-3, 1e-2, 1e-1])
    _, ax = plots.plot_error_vs_h(h, {"centred": [0.0, 1e-4, 1e-2]})
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), [1e-2, 1e-1])


def test_training_curves_are_drawn_one_line_per_label():
    _, ax = plots.plot_training_curves({"lr 0.1": [3, 2, 1], "lr 2.0": [3, 3, 3]})
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["lr 0.1", "lr 2.0"]
    np.testing.assert_array_equal(lines[0].get_ydata(), [3, 2, 1])


def test_training_curves_smoothing_is_a_running_mean_aligned_to_its_last_step():
    _, ax = plots.plot_training_curves([0.0, 2.0, 4.0, 6.0], smooth=2)
    line = ax.get_lines()[0]
    np.testing.assert_array_equal(line.get_ydata(), [1.0, 3.0, 5.0])
    np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3])


def test_unit_activity_histogram_counts_the_units():
    _, ax = plots.plot_unit_activity({"run": [0.0, 0.0, 0.0, 0.5, 1.0]}, bins=4)
    counts = [bar.get_height() for bar in ax.patches]
    assert counts == [3, 0, 1, 1]


def test_sign_plot_shows_signs_only():
    _, ax = plots.plot_signs(np.array([[2.0, -0.1], [0.0, 5.0]]))
    np.testing.assert_array_equal(ax.get_images()[0].get_array(), [[1, -1], [0, 1]])


# ------------------------------------------------------------------ activation explorer
def test_explorer_update_draws_the_chosen_activation():
    explorer = widgets.activation_explorer(name="relu")
    out, slope = explorer.update()
    np.testing.assert_array_equal(out, np.maximum(explorer.x, 0))
    np.testing.assert_array_equal(explorer.f_line.get_ydata(), out)
    np.testing.assert_array_equal(explorer.slope_line.get_ydata(), explorer.x > 0)


def test_moving_the_alpha_slider_changes_the_plotted_leaky_relu():
    explorer = widgets.activation_explorer(name="leaky_relu", alpha=0.1)
    negative = explorer.x < 0
    before = np.array(explorer.f_line.get_ydata())
    np.testing.assert_allclose(before[negative], 0.1 * explorer.x[negative])
    explorer.slider.value = 0.3  # the observer calls update
    after = np.array(explorer.f_line.get_ydata())
    np.testing.assert_allclose(after[negative], 0.3 * explorer.x[negative])
    np.testing.assert_allclose(np.array(explorer.slope_line.get_ydata())[negative], 0.3)
    assert "0.30" in explorer.ax.get_title()


def test_update_called_with_values_overrides_the_controls():
    explorer = widgets.activation_explorer(name="leaky_relu", alpha=0.1)
    out, _ = explorer.update(name="elu", alpha=2.0)
    assert out.min() == pytest.approx(2.0 * np.expm1(explorer.x.min()))
    np.testing.assert_array_equal(explorer.f_line.get_ydata(), out)


def test_choosing_an_activation_without_alpha_disables_the_slider():
    explorer = widgets.activation_explorer(name="leaky_relu")
    assert not explorer.slider.disabled
    explorer.dropdown.value = "sigmoid"
    assert explorer.slider.disabled
    np.testing.assert_allclose(explorer.f_line.get_ydata(), 1 / (1 + np.exp(-explorer.x)))


def test_maxout_of_x_and_alpha_x_draws_leaky_relu():
    explorer = widgets.activation_explorer(name="maxout(x, alpha*x)", alpha=0.2)
    np.testing.assert_allclose(explorer.f_line.get_ydata(),
                               np.where(explorer.x > 0, explorer.x, 0.2 * explorer.x))


def test_binary_step_has_no_slope_curve():
    explorer = widgets.activation_explorer(name="binary_step")
    assert np.all(np.isnan(explorer.slope_line.get_ydata()))
    np.testing.assert_array_equal(explorer.f_line.get_ydata(), explorer.x >= 0)


def test_every_listed_activation_can_be_drawn():
    explorer = widgets.activation_explorer()
    for name in widgets.ACTIVATION_NAMES:
        out, _ = explorer.update(name=name)
        assert np.all(np.isfinite(out)), name


def test_an_unimplemented_activation_shows_a_message_instead_of_a_curve(monkeypatch):
    def stub(x):
        raise NotImplementedError()

    monkeypatch.setattr(activations, "relu_forward", stub)
    explorer = widgets.activation_explorer(name="relu")
    assert "not implemented" in explorer.ax.get_title()
    assert np.all(np.isnan(explorer.f_line.get_ydata()))


def test_explorer_shows_its_controls_when_displayed():
    explorer = widgets.activation_explorer()
    assert explorer.dropdown in explorer.widget.children[0].children
    assert explorer.slider in explorer.widget.children[0].children


# ------------------------------------------------------------------ finite differences
def test_finite_difference_explorer_reports_a_smaller_centred_error():
    explorer = widgets.finite_difference_explorer()
    errors = explorer.update(log10_h=-3)
    assert errors["one-sided"] == pytest.approx(0.5 * np.sin(1.0) * 1e-3, rel=1e-2)
    assert errors["centred"] == pytest.approx(np.cos(1.0) / 6 * 1e-6, rel=1e-2)


def test_moving_the_h_slider_turns_the_secants():
    explorer = widgets.finite_difference_explorer()
    explorer.slider.value = -0.2
    wide = np.array(explorer.forward_line.get_ydata())
    explorer.slider.value = -4.0
    narrow = np.array(explorer.forward_line.get_ydata())
    assert not np.allclose(wide, narrow)
    tangent = np.sin(1.0) + np.cos(1.0) * (explorer._grid - 1.0)
    np.testing.assert_allclose(narrow, tangent, atol=1e-3)


def test_plot_images_draws_one_image_per_row_and_hides_the_spare_axes():
    images = np.arange(5 * 4, dtype=float).reshape(5, 4)
    fig, axes = plots.plot_images(images, (2, 2), ncols=3, titles=list("abcde"))
    assert len(axes) == 6 and not axes[5].get_visible()
    np.testing.assert_array_equal(axes[4].images[0].get_array(), images[4].reshape(2, 2))
    assert axes[1].get_title() == "b"
    plt.close(fig)


def test_plot_weight_images_shows_columns_on_one_symmetric_scale():
    W = np.array([[1.0, -3.0], [0.5, 0.0], [-2.0, 1.0], [0.0, 2.0]])
    fig, axes = plots.plot_weight_images(W, (2, 2))
    np.testing.assert_array_equal(axes[1].images[0].get_array(), W[:, 1].reshape(2, 2))
    for ax in axes:
        assert ax.images[0].get_clim() == (-3.0, 3.0)
    plt.close(fig)


def test_plot_images_rejects_images_of_another_size():
    with pytest.raises(ValueError, match="shape"):
        plots.plot_images(np.zeros((3, 5)), (2, 2))
