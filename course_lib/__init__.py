"""course_lib: the NumPy library behind the *Training Deep Networks* course.

One module per concept. Functions that students implement keep their core in a
solution region; the released copy of the course replaces each region with
``raise NotImplementedError()`` (see the README, "For course authors").

Layer contract (stated once, followed everywhere):

* ``*_forward(x, ...)`` returns ``(out, cache)``;
* ``*_backward(dout, cache)`` returns the gradient(s) with respect to the
  forward's array arguments, in the same order;
* arrays are float64 in the checks, and every function also works in float32.
"""

__all__ = [
    "gradcheck", "layers", "losses", "activations", "init", "normalization",
    "regularization", "optim", "schedules", "babysit", "model", "trainer",
    "data", "plots", "widgets", "checks",
]
