"""Classification losses on a batch of class scores.

Both losses take ``scores`` of shape (N, C) and integer labels ``y`` of shape
(N,) and return ``(loss, dscores)``:

* ``loss`` is the MEAN over the batch, returned as a Python ``float``;
* ``dscores`` is the gradient of that mean, so it carries a factor ``1 / N``,
  and has the shape and dtype of ``scores``.

Student functions: ``softmax_loss``, ``svm_loss``.
"""
from __future__ import annotations

import numpy as np


def softmax_loss(scores, y):
    """Softmax cross-entropy loss, averaged over the batch, and its gradient.

    With ``p[n] = softmax(scores[n])`` the loss is ``mean_n(-log p[n, y[n]])``.

    Numerically stable: scores as large as 1e4 (either sign) give a finite
    loss and gradient and no warning (notebook 00, section 6, shows how).

    Parameters
    ----------
    scores : ndarray of shape (N, C)
        Class scores (logits), float32 or float64.
    y : ndarray of shape (N,), int
        Correct classes, ``0 <= y[n] < C``.

    Returns
    -------
    loss : float
        Mean cross-entropy over the N samples.
    dscores : ndarray of shape (N, C), same dtype as ``scores``
        Gradient of ``loss`` with respect to ``scores``.

    Examples
    --------
    >>> loss, _ = softmax_loss(np.zeros((2, 4)), np.array([0, 3]))
    >>> round(loss, 6) == round(float(np.log(4)), 6)
    True
    """
    ### BEGIN SOLUTION
    n = scores.shape[0]
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(n), y].mean()
    dscores = np.exp(log_probs)
    dscores[np.arange(n), y] -= 1
    dscores /= n
    ### END SOLUTION
    return float(loss), dscores


def svm_loss(scores, y, margin=1.0):
    """Multiclass SVM (hinge) loss, averaged over the batch, and its gradient.

    For sample ``n`` every wrong class ``j != y[n]`` contributes
    ``max(0, scores[n, j] - scores[n, y[n]] + margin)``; the loss is the sum
    over ``j`` averaged over ``n``. A term at exactly 0 (on the hinge's kink)
    counts as inactive: it contributes no gradient.

    Parameters
    ----------
    scores : ndarray of shape (N, C)
        Class scores, float32 or float64.
    y : ndarray of shape (N,), int
        Correct classes, ``0 <= y[n] < C``.
    margin : float, default 1.0
        How far the correct score must lead every other score to cost nothing.

    Returns
    -------
    loss : float
        Mean hinge loss over the N samples.
    dscores : ndarray of shape (N, C), same dtype as ``scores``
        Gradient of ``loss`` with respect to ``scores``.

    Examples
    --------
    >>> loss, _ = svm_loss(np.array([[1.0, 0.5, 3.0]]), np.array([0]))
    >>> loss
    3.5
    """
    ### BEGIN SOLUTION
    n = scores.shape[0]
    rows = np.arange(n)
    margins = np.maximum(0, scores - scores[rows, y][:, None] + margin)
    margins[rows, y] = 0
    loss = margins.sum() / n
    dscores = (margins > 0).astype(scores.dtype)
    dscores[rows, y] -= dscores.sum(axis=1)
    dscores /= n
    ### END SOLUTION
    return float(loss), dscores
