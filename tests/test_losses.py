"""Specification of course_lib.losses."""
from __future__ import annotations

import math

import numpy as np
import pytest

from course_lib import losses
from course_lib._hidden import numeric_gradient, rel_error


def _scores(n=5, c=4, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, c)).astype(dtype), rng.integers(0, c, size=n)


# ----------------------------------------------------------------- softmax
@pytest.mark.task("softmax_loss")
def test_softmax_loss_of_equal_scores_is_log_of_class_count():
    loss, _ = losses.softmax_loss(np.full((3, 7), 2.5), np.array([0, 3, 6]))
    assert loss == pytest.approx(math.log(7), rel=1e-12)


@pytest.mark.task("softmax_loss")
def test_softmax_loss_hand_computed_probabilities():
    # exp(scores) rows: [1, 3, 4] and [2, 1, 5]; both sum to 8.
    scores = np.log(np.array([[1.0, 3.0, 4.0], [2.0, 1.0, 5.0]]))
    y = np.array([2, 0])
    loss, dscores = losses.softmax_loss(scores, y)
    assert loss == pytest.approx((math.log(2) + math.log(4)) / 2, rel=1e-12)
    expected = np.array([[1 / 8, 3 / 8, 4 / 8 - 1], [2 / 8 - 1, 1 / 8, 5 / 8]]) / 2
    np.testing.assert_allclose(dscores, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.task("softmax_loss")
def test_softmax_loss_returns_a_scalar_loss():
    loss, _ = losses.softmax_loss(*_scores())
    assert np.ndim(loss) == 0
    assert isinstance(float(loss), float)


@pytest.mark.task("softmax_loss")
def test_softmax_gradient_matches_numeric_gradient():
    scores, y = _scores()
    _, dscores = losses.softmax_loss(scores, y)
    num = numeric_gradient(lambda s: losses.softmax_loss(s, y)[0], scores)
    assert rel_error(dscores, num) < 1e-7


@pytest.mark.task("softmax_loss")
def test_softmax_gradient_rows_sum_to_zero():
    _, dscores = losses.softmax_loss(*_scores())
    np.testing.assert_allclose(dscores.sum(axis=1), 0, atol=1e-15)


@pytest.mark.task("softmax_loss")
@pytest.mark.parametrize("big", [1e3, 1e4, -1e4])
def test_softmax_loss_is_stable_for_large_scores(big):
    scores, y = _scores()
    loss_big, d_big = losses.softmax_loss(scores + big, y)
    loss, d = losses.softmax_loss(scores, y)
    assert np.isfinite(loss_big) and np.all(np.isfinite(d_big))
    assert loss_big == pytest.approx(loss, rel=1e-9)
    np.testing.assert_allclose(d_big, d, atol=1e-9)


@pytest.mark.task("softmax_loss")
def test_softmax_loss_of_a_confident_mistake_is_the_score_gap():
    # log-sum-exp keeps log p finite even when p underflows to 0.
    scores = np.array([[0.0, 2000.0]])
    loss, _ = losses.softmax_loss(scores, np.array([0]))
    assert loss == pytest.approx(2000.0, rel=1e-12)


@pytest.mark.task("softmax_loss")
def test_softmax_loss_keeps_float32():
    scores, y = _scores(dtype=np.float32)
    _, dscores = losses.softmax_loss(scores, y)
    assert dscores.dtype == np.float32


@pytest.mark.task("softmax_loss")
def test_softmax_loss_does_not_modify_scores():
    scores, y = _scores()
    before = scores.copy()
    losses.softmax_loss(scores, y)
    np.testing.assert_array_equal(scores, before)


# ----------------------------------------------------------------- SVM
@pytest.mark.task("svm_loss")
def test_svm_loss_hand_computed_values():
    scores = np.array([[3.0, 1.0, 2.5], [0.0, 2.0, -3.0]])
    y = np.array([0, 0])
    loss, dscores = losses.svm_loss(scores, y)
    # row 0: max(0, 1-3+1) + max(0, 2.5-3+1) = 0.5; row 1: 3 + 0 = 3.
    assert loss == pytest.approx(1.75, rel=1e-12)
    np.testing.assert_allclose(dscores, np.array([[-1, 0, 1], [-1, 1, 0]]) / 2)


@pytest.mark.task("svm_loss")
def test_svm_loss_uses_the_margin_argument():
    scores = np.array([[3.0, 1.0, 2.5], [0.0, 2.0, -3.0]])
    loss, dscores = losses.svm_loss(scores, np.array([0, 0]), margin=0.25)
    assert loss == pytest.approx(2.25 / 2, rel=1e-12)
    np.testing.assert_allclose(dscores, np.array([[0, 0, 0], [-1, 1, 0]]) / 2)


@pytest.mark.task("svm_loss")
def test_svm_loss_of_equal_scores_is_margin_times_wrong_classes():
    loss, _ = losses.svm_loss(np.zeros((4, 5)), np.array([0, 1, 2, 3]))
    assert loss == pytest.approx(4.0)


@pytest.mark.task("svm_loss")
def test_svm_loss_is_zero_when_correct_class_leads_by_the_margin():
    loss, dscores = losses.svm_loss(np.array([[5.0, 1.0, 2.0]]), np.array([0]))
    assert loss == 0.0
    np.testing.assert_array_equal(dscores, 0)


@pytest.mark.task("svm_loss")
def test_svm_gradient_matches_numeric_gradient():
    scores, y = _scores(n=6, c=5, seed=3)
    _, dscores = losses.svm_loss(scores, y)
    num = numeric_gradient(lambda s: losses.svm_loss(s, y)[0], scores)
    assert rel_error(dscores, num) < 1e-7


@pytest.mark.task("svm_loss")
def test_svm_loss_returns_a_scalar_loss_and_keeps_float32():
    scores, y = _scores(dtype=np.float32)
    loss, dscores = losses.svm_loss(scores, y)
    assert np.ndim(loss) == 0
    assert dscores.dtype == np.float32


@pytest.mark.task("svm_loss")
def test_svm_loss_does_not_modify_scores():
    scores, y = _scores()
    before = scores.copy()
    losses.svm_loss(scores, y)
    np.testing.assert_array_equal(scores, before)
