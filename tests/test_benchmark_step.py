"""Smoke test of ``benchmarks/step.py`` on a tiny network (no timing is asserted).

The comparison with PyTorch is fair only if both steps do the same work: from
the same initial weights and batch they must give the same loss and the same
updated weights. That is checked here, with tolerances for the dtype.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from benchmarks import step

TINY = (6, 5, 4, 3)
BATCH = 8


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch", reason="PyTorch not installed: the comparison with "
                                               "torch is skipped")


def test_parse_sizes_reads_input_hidden_and_classes():
    assert step.parse_sizes("784-512-256-10") == (784, 512, 256, 10)
    with pytest.raises(ValueError):
        step.parse_sizes("784")


def test_gemm_flops_of_a_tiny_network_by_hand():
    # forward 2*8*(6*5 + 5*4 + 4*3) = 992, dW the same 992,
    # dh of layers 2 and 3 (not of the input): 2*8*(5*4 + 4*3) = 512
    assert step.gemm_flops(TINY, BATCH) == 992 + 992 + 512


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_course_lib_step_changes_the_weights_and_keeps_the_dtype(dtype):
    X, y = step.make_batch(TINY, BATCH, dtype)
    ours = step.CourseLibStep(TINY, X, y, dtype)
    before = [(W.copy(), b.copy()) for W, b in ours.layers()]
    loss = ours()
    assert np.isfinite(loss)
    for (W0, _), (W1, b1) in zip(before, ours.layers()):
        assert W1.dtype == b1.dtype == np.dtype(dtype)
        # Adam's first step moves every coordinate with a nonzero gradient by about lr
        assert 0 < np.max(np.abs(W1 - W0)) <= 1.01 * step.ADAM["learning_rate"]


def test_numpy_gemm_floor_runs():
    products = step.numpy_gemm_floor(TINY, BATCH, "float64")
    assert products() is None


@pytest.mark.parametrize("dtype, loss_rtol, param_atol", [("float64", 1e-12, 1e-13),
                                                          ("float32", 1e-5, 1e-6)])
def test_course_lib_and_torch_steps_compute_the_same_loss_and_weights(torch, dtype, loss_rtol,
                                                                      param_atol):
    X, y = step.make_batch(TINY, BATCH, dtype)
    ours = step.CourseLibStep(TINY, X, y, dtype, seed=3)
    theirs = step.TorchStep(ours.layers(), X, y)
    start = [(W.copy(), b.copy()) for W, b in ours.layers()]
    for (W, b), (Wt, bt) in zip(start, theirs.layers()):
        np.testing.assert_array_equal(W, Wt)                  # the same initial weights
        np.testing.assert_array_equal(b, bt)
    for k in range(3):
        loss_ours = ours()
        loss_theirs = float(theirs().detach())
        np.testing.assert_allclose(loss_ours, loss_theirs, rtol=loss_rtol,
                                   err_msg=f"loss of step {k + 1}")
        for l, ((W, b), (Wt, bt)) in enumerate(zip(ours.layers(), theirs.layers()), start=1):
            np.testing.assert_allclose(W, Wt, rtol=0, atol=param_atol,
                                       err_msg=f"W{l} after step {k + 1}")
            np.testing.assert_allclose(b, bt, rtol=0, atol=param_atol,
                                       err_msg=f"b{l} after step {k + 1}")
    moved = max(float(np.max(np.abs(W - W0))) for (W, _), (W0, _) in zip(ours.layers(), start))
    assert moved > 100 * param_atol                           # the steps did change the weights


def test_equivalence_report_is_small_in_float64(torch):
    report = step.check_equivalence(TINY, "float64", batch=BATCH, steps=2)
    assert len(report["losses_course_lib"]) == len(report["losses_torch"]) == 2
    assert report["max_loss_rel_diff"] < 1e-12
    assert report["max_param_diff_in_lr"] < 1e-9


def test_benchmark_command_prints_a_table_and_writes_json(tmp_path, capsys):
    out = tmp_path / "step.json"
    result = step.main(["--quick", "--sizes", "-".join(map(str, TINY)), "--batch", str(BATCH),
                        "--repeats", "2", "--threads", "1", "--target-ms", "0.1",
                        "--json", str(out)])
    printed = capsys.readouterr().out
    assert "6-5-4-3" in printed and "load average" in printed
    saved = json.loads(out.read_text())
    assert [row["dtype"] for row in saved["results"]] == ["float32", "float64"]
    for row in saved["results"]:
        assert row["threads"] == 1 and row["repeats"] == 2
        for name in ("course_lib", "numpy_gemm"):
            assert len(row["samples_ms"][name]) == 2
            assert row["times"][name]["min_ms"] > 0
        assert row["course_lib_vs_numpy_gemm"]["median"] > 0
        if "torch" in row["times"]:
            assert row["course_lib_vs_torch"]["median"] > 0
    assert saved["environment"]["numpy"] == np.__version__
    assert len(result["results"]) == 2
