"""Visible checks: run a student's function on small cases and say what is wrong.

Every check raises :class:`CheckFailed` with one or two plain sentences when the
function misbehaves, and returns quietly after printing a pass line. In a
notebook the failure prints as a short message instead of a long traceback.

Expected values were worked out by hand or come from an independent formula
written inline; a check never calls a reference solution (none ships) and never
trusts another student function of the same assignment. One submodule per
assignment; every ``check_<function>`` is available from ``course_lib.checks``.
"""
from .core import *  # noqa: F401,F403
from .core import CheckFailed, diagnose, expect_close, fail, passed, visible_check  # noqa: F401
from .gradients import *  # noqa: F401,F403
from .activations import *  # noqa: F401,F403
from .init import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from .regularization import *  # noqa: F401,F403
from .optim import *  # noqa: F401,F403
from .schedules import *  # noqa: F401,F403
from .babysit import *  # noqa: F401,F403
