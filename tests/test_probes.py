"""The grader's own re-check of student functions (autograder/probes.py, verify.py)."""
from __future__ import annotations

import numpy as np
import nbformat
import pytest

from autograder import points, probes, verify
from autograder.paths import LIB, NOTEBOOKS
from autograder.sandbox import Limits

# Graded cells whose function has no probe yet: their notebook tests stand alone.
NOT_PROBED_YET: set[str] = set()
# Graded cells that grade no function: the capstone's saved model is scored by the grader's
# own evaluation (autograder/capstone.py), not re-checked by a probe.
GRADED_ELSEWHERE = set(probes.GRADED_ELSEWHERE)


def _graded_code_ids(nb_path):
    nb = nbformat.read(nb_path, as_version=4)
    return [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")]


@pytest.mark.parametrize("nb_path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.stem)
def test_every_graded_function_has_a_probe(nb_path):
    if nb_path.stem in NOT_PROBED_YET:
        pytest.skip(f"probes for {nb_path.stem} are not written yet")
    missing = [g for g in _graded_code_ids(nb_path)
               if not verify.probes_of(g) and g not in GRADED_ELSEWHERE]
    assert missing == []


@pytest.mark.parametrize("grade_id", sorted(g for g in points.CELLS if points.is_group(g)))
def test_every_function_of_a_grouped_cell_has_its_own_probe(grade_id):
    assert verify.probes_of(grade_id) == points.functions_of(grade_id)


@pytest.fixture(scope="module")
def reference():
    outputs, errors = probes.run_probes(list(probes.PROBES), seed=7)
    return outputs, errors


def test_reference_passes_every_probe(reference):
    outputs, errors = reference
    assert errors == {}
    for task in probes.PROBES:
        assert probes.judge(task, outputs, outputs, {}) is None, task


def _with(outputs, key, value):
    changed = dict(outputs)
    changed[key] = value
    return changed


def test_gradient_not_divided_by_n_is_caught(reference):
    outputs, _ = reference
    wrong = _with(outputs, "softmax_loss::dscores", outputs["softmax_loss::dscores"] * 7)
    assert "dscores" in probes.judge("softmax_loss", outputs, wrong, {})


def test_wrong_dtype_and_shape_are_caught(reference):
    outputs, _ = reference
    wrong = _with(outputs, "relu_forward::out32", outputs["relu_forward::out32"].astype(float))
    assert "dtype" in probes.judge("relu_forward", outputs, wrong, {})
    wrong = _with(outputs, "relu_forward::out", outputs["relu_forward::out"][:1])
    assert "shape" in probes.judge("relu_forward", outputs, wrong, {})


def test_an_exception_in_student_code_fails_the_probe(reference):
    outputs, _ = reference
    verdict = probes.judge("relu_forward", outputs, {}, {"relu_forward": "NotImplementedError"})
    assert verdict.startswith("raised NotImplementedError")


def test_he_with_fan_out_fails_the_variance_comparison(reference):
    outputs, _ = reference
    rng = np.random.default_rng(1)
    wrong = _with(outputs, "he_normal::tall", rng.normal(0, np.sqrt(2 / 200), (600, 200)))
    assert "variance" in probes.judge("he_normal", outputs, wrong, {})


def test_uniform_drawn_from_a_normal_fails_the_shape_comparison(reference):
    outputs, _ = reference
    rng = np.random.default_rng(2)
    std = float(np.std(outputs["he_uniform::tall"]))
    wrong = _with(outputs, "he_uniform::tall", rng.normal(0, std, (600, 200)))
    assert "shape" in probes.judge("he_uniform", outputs, wrong, {})


def test_a_second_sample_of_the_right_distribution_passes(reference):
    outputs, _ = reference
    again, _ = probes.run_probes(["he_uniform", "xavier_normal"], seed=99)
    for task in ("he_uniform", "xavier_normal"):
        assert probes.judge(task, outputs, again, {}) is None


def test_result_files_are_read_without_unpickling(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, **{"__errors__": np.array("{}"), "x::y": np.array([object()], dtype=object)})
    with pytest.raises(ValueError):
        probes.load(path)


def _patched_submission(tmp_path, module, old, new):
    import shutil

    submission = tmp_path / "submission"
    shutil.copytree(LIB, submission / "course_lib")
    path = submission / "course_lib" / f"{module}.py"
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))
    return submission


def test_verify_passes_the_reference_and_catches_relu_gradient_leaking(tmp_path):
    submission = _patched_submission(tmp_path, "activations", "dx = dout * (x > 0)",
                                     "dx = dout.copy()")
    verdicts = verify.verify(LIB.parent, submission, ["relu_backward", "relu_forward"], seed=3,
                             limits=Limits(sandbox=True))
    assert verdicts["relu_forward"] is None
    assert "dx" in verdicts["relu_backward"]


def test_verify_catches_dropout_without_rescaling(tmp_path):
    submission = _patched_submission(
        tmp_path, "regularization", "mask = keep.astype(x.dtype) / x.dtype.type(1.0 - rate)",
        "mask = keep.astype(x.dtype)")
    verdicts = verify.verify(LIB.parent, submission, ["dropout_forward", "weight_penalties"],
                             seed=3, limits=Limits(sandbox=True))
    assert "scaled" in verdicts["dropout_forward"]
    assert verdicts["weight_penalties"] is None


def test_a_grouped_cell_fails_naming_the_function_that_failed(tmp_path):
    submission = _patched_submission(tmp_path, "activations", "dx = dout * (x > 0)",
                                     "dx = dout.copy()")
    verdicts = verify.verify(LIB.parent, submission, ["relu_activations", "elu_selu"], seed=3,
                             limits=Limits(sandbox=True))
    assert verdicts["relu_activations"].startswith("relu_backward: dx")
    assert verdicts["elu_selu"] is None


def test_verify_catches_adam_without_bias_correction(tmp_path):
    submission = _patched_submission(tmp_path, "optim", "    m_hat = m / (1 - beta1**t)\n"
                                     "    v_hat = v / (1 - beta2**t)\n",
                                     "    m_hat = m.copy()\n    v_hat = v.copy()\n")
    verdicts = verify.verify(LIB.parent, submission, ["adam", "rmsprop"], seed=3,
                             limits=Limits(sandbox=True))
    assert "differ" in verdicts["adam"]
    assert verdicts["rmsprop"] is None


def test_dropout_keeping_the_drop_probability_is_caught(reference):
    outputs, _ = reference
    x = outputs["dropout_forward::x"]
    rng = np.random.default_rng(0)
    keep = rng.random(x.shape) < probes.DROP_RATE  # keeps with probability `rate`
    wrong = _with(outputs, "dropout_forward::train", x * keep / (1 - probes.DROP_RATE))
    assert "keeps" in probes.judge("dropout_forward", outputs, wrong, {})


@pytest.mark.parametrize("kill", ["hang", "exit"])
def test_a_function_that_hangs_or_kills_its_process_costs_only_its_own_check(
        tmp_path, monkeypatch, kill):
    """The functions checked after it are still checked (in a fresh process)."""
    body = ("    while True:\n        try:\n            while True:\n                pass\n"
            "        except KeyboardInterrupt:\n            pass\n" if kill == "hang"
            else "    import os\n    os._exit(3)\n")
    submission = _patched_submission(tmp_path, "activations", "def relu_backward(dout, cache):\n",
                                     "def relu_backward(dout, cache):\n" + body)
    monkeypatch.setattr(verify, "PROBE_STALL_SECONDS", 3)
    tasks = ["sigmoid_forward", "relu_backward", "relu_forward", "tanh_forward"]
    verdicts = verify.verify(LIB.parent, submission, tasks, seed=3, limits=Limits(sandbox=True))
    assert "without results" in verdicts["relu_backward"], verdicts
    assert {t: verdicts[t] for t in tasks if t != "relu_backward"} == {
        "sigmoid_forward": None, "relu_forward": None, "tanh_forward": None}


def _babysit_probe_with(monkeypatch, reference, task, name, replacement):
    """Judge ``task`` with ``babysit.<name>`` replaced by a plausible mistake."""
    from course_lib import babysit

    monkeypatch.setattr(babysit, name, replacement)
    outputs, errors = probes.run_probes([task], seed=7)
    return probes.judge(task, reference[0], outputs, errors)


def test_refine_space_clipped_to_the_old_range_is_caught(monkeypatch, reference):
    from course_lib import babysit

    original = babysit.refine_space

    def clipped(trials, top_k, space, expand=0.1):
        refined = original(trials, top_k, space, expand)
        return {k: (max(lo, space[k][0]), min(hi, space[k][1]), s)
                for k, (lo, hi, s) in refined.items()}

    verdict = _babysit_probe_with(monkeypatch, reference, "refine_space", "refine_space", clipped)
    assert verdict is not None and "values differ" in verdict


def test_overfit_on_another_subset_is_caught(monkeypatch, reference):
    from course_lib import babysit

    original = babysit.overfit_tiny_subset

    def other_subset(model_factory, data, n=20, epochs=200, update_rule="adam",
                     optim_config=None, seed=0, no_reg=True):
        return original(model_factory, data, n=n, epochs=epochs, update_rule=update_rule,
                        optim_config=optim_config, seed=seed + 1, no_reg=no_reg)

    verdict = _babysit_probe_with(monkeypatch, reference, "overfit_tiny_subset",
                                  "overfit_tiny_subset", other_subset)
    assert verdict is not None


def test_random_search_sorted_worst_first_is_caught(monkeypatch, reference):
    from course_lib import babysit

    original = babysit.random_search

    def worst_first(*args, **kwargs):
        result = original(*args, **kwargs)
        trials = result.trials[::-1]
        return babysit.SearchResult(trials, trials[0], result.warnings, result.space)

    verdict = _babysit_probe_with(monkeypatch, reference, "random_search", "random_search",
                                  worst_first)
    assert verdict is not None


def test_initial_loss_check_keeping_the_penalty_is_caught(monkeypatch, reference):
    from course_lib import babysit

    def with_penalty(model, X, y, num_classes=None, tol=0.1):
        import math
        expected = math.log(num_classes or model.num_classes)
        measured = float(model.loss(X, y)[0])
        return babysit.InitialLossCheck(expected, measured,
                                        abs(measured - expected) <= tol * expected, "")

    verdict = _babysit_probe_with(monkeypatch, reference, "initial_loss_check",
                                  "initial_loss_check", with_penalty)
    assert verdict is not None
