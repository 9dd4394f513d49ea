"""The visible checks of the network students write in course_lib/model.py (01, 03, 04).

Each mistake below is a deliberately wrong copy of the reference module; the
check must reject it with a message naming the mistake (and, for a gradient,
the layer). The checks run the network with stand-in layers, so they judge the
wiring alone: a network whose own layer modules are stubs still passes.
"""
from __future__ import annotations

import types

import numpy as np
import pytest
from check_support import fails_with

from autograder import modules
from autograder.paths import LIB
from course_lib import checks, model

pytestmark = pytest.mark.task("fc_network")

REFERENCE = modules.reference((LIB / "model.py").read_text())


def variant(old: str, new: str) -> types.ModuleType:
    """The reference model module with ``old`` replaced by ``new`` (exactly once)."""
    assert REFERENCE.count(old) == 1, old
    module = types.ModuleType("course_lib.model_variant")
    module.__package__ = "course_lib"
    module.__file__ = str(LIB / "model.py")
    exec(compile(REFERENCE.replace(old, new), module.__file__, "exec"), module.__dict__)
    return module


def test_the_reference_network_passes_all_three_checks():
    checks.check_fc_network(model)
    checks.check_fc_network_normalization(model)
    checks.check_fc_network_regularization(model)


def test_the_checks_do_not_use_the_students_layers():
    stubbed = variant("from . import activations, layers, losses, normalization, regularization",
                      "from . import activations, layers, losses, normalization, regularization\n"
                      "layers = losses = normalization = regularization = None")
    checks.check_fc_network(stubbed)
    checks.check_fc_network_normalization(stubbed)
    checks.check_fc_network_regularization(stubbed)


def test_a_stub_method_is_named():
    stub = variant("        a, fc_cache = layers.affine_forward(h, p[f\"W{l}\"], p[f\"b{l}\"])\n",
                   "        raise NotImplementedError()\n")
    fails_with(checks.check_fc_network, stub, "_hidden_forward is not implemented yet")


def test_a_missing_activation_backward_names_the_block():
    bug = variant("        da = self._activation_backward(l, da, act_cache, grads)\n", "")
    fails_with(checks.check_fc_network, bug, "hidden block 1", "W1", "output layer passes down")


def test_an_activation_after_the_output_layer_is_named():
    bug = variant("        return scores, caches, out_cache\n",
                  "        return np.tanh(scores), caches, out_cache\n")
    fails_with(checks.check_fc_network, bug, "output layer is followed by the activation")


def test_a_gradient_stored_under_the_wrong_key_is_named():
    bug = variant("        dh, grads[f\"W{l}\"], grads[f\"b{l}\"] = layers.affine_backward(da, fc_cache)\n",
                  "        dh, grads[f\"W{l + 1}\"], grads[f\"b{l}\"] = layers.affine_backward(da, fc_cache)\n")
    fails_with(checks.check_fc_network, bug, "W")


def test_the_residual_backward_without_its_identity_branch_names_the_skip():
    bug = variant("        return dh + dout\n", "        return dh\n")
    fails_with(checks.check_fc_network_normalization, bug, "hidden block", "carries a skip",
               "branch through the identity")


def test_test_mode_that_moves_the_running_averages_is_named():
    bug = variant("            bn_param[\"mode\"] = mode\n", "")
    fails_with(checks.check_fc_network_normalization, bug, "running averages moved")


def test_missing_gamma_gradients_are_named():
    bug = variant("        da, grads[f\"gamma{l}\"], grads[f\"beta{l}\"] = backward(dout, cache)\n",
                  "        da, _, grads[f\"beta{l}\"] = backward(dout, cache)\n")
    fails_with(checks.check_fc_network_normalization, bug, "no entry for gamma1")


def test_a_missing_penalty_gradient_is_named():
    bug = variant("            grads[name] += reg * self.params[name]\n", "            pass\n")
    fails_with(checks.check_fc_network_regularization, bug, "every weight matrix",
               "L2 penalty's gradient")


def test_dropout_in_test_mode_is_named():
    bug = variant("        if self.dropout == 0 or mode != \"train\":", "        if self.dropout == 0:")
    fails_with(checks.check_fc_network_regularization, bug, "test mode", "every unit is kept")


def test_a_missing_dropout_backward_names_the_block():
    bug = variant("        return regularization.dropout_backward(dout, cache)\n",
                  "        return dout\n")
    fails_with(checks.check_fc_network_regularization, bug, "hidden block")


@pytest.mark.task("network_gradient_check")
class TestNetworkGradientCheck:
    def test_the_reference_passes(self):
        checks.check_network_gradient_check(model.network_gradient_check)

    def test_ignoring_h_is_caught(self):
        def fixed_step(model_, X, y, h=1e-6):
            return model.network_gradient_check(model_, X, y)
        fails_with(checks.check_network_gradient_check, fixed_step, "h=0.01",
                   "the h you are given")

    def test_scaling_by_each_parameter_is_caught(self):
        def per_parameter(model_, X, y, h=1e-6):
            _, grads = model_.loss(X, y)
            names = sorted(model_.params)
            errors = {}
            for k in names:
                value = model_.params[k]
                numeric = np.zeros_like(value)
                for i in np.ndindex(value.shape):
                    old = value[i]
                    value[i] = old + h
                    plus = model_.loss(X, y)[0]
                    value[i] = old - h
                    minus = model_.loss(X, y)[0]
                    value[i] = old
                    numeric[i] = (plus - minus) / (2 * h)
                scale = max(np.max(np.abs(grads[k])), np.max(np.abs(numeric)))
                errors[k] = float(np.max(np.abs(grads[k] - numeric)) / scale) if scale else 0.0
            return errors
        fails_with(checks.check_network_gradient_check, per_parameter, "1e-17",
                   "whole flat gradient")

    def test_not_restoring_the_parameters_is_caught(self):
        def leaves_them_moved(model_, X, y, h=1e-6):
            errors = model.network_gradient_check(model_, X, y, h)
            for value in model_.params.values():
                value += h
            return errors
        fails_with(checks.check_network_gradient_check, leaves_them_moved, "put every parameter back")

    def test_a_check_that_always_passes_is_caught(self):
        def always_fine(model_, X, y, h=1e-6):
            return {k: 0.0 for k in model_.params}
        fails_with(checks.check_network_gradient_check, always_fine, "h=0.01", "expected")

    def test_a_check_blind_to_a_wrong_gradient_is_caught(self):
        def hides_large_gaps(model_, X, y, h=1e-6):
            errors = model.network_gradient_check(model_, X, y, h)
            return {k: min(v, 1e-9) if h < 1e-3 else v for k, v in errors.items()}
        fails_with(checks.check_network_gradient_check, hides_large_gaps, "did not single out")
