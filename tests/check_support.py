"""Helpers shared by the tests of ``course_lib.checks``."""
from __future__ import annotations

import pytest

from course_lib import checks
from course_lib.checks import CheckFailed


def check_named(name: str):
    """The visible check of a graded function: ``check_<name>``."""
    return getattr(checks, f"check_{name}")


def fails_with(check, fn, *fragments, **kwargs):
    """Assert that ``check`` (a check or a graded function's name) rejects ``fn``
    with a message holding every fragment (case-insensitive); return the message."""
    if isinstance(check, str):
        check = check_named(check)
    with pytest.raises(CheckFailed) as info:
        check(fn, **kwargs)
    message = str(info.value)
    for fragment in fragments:
        assert fragment.lower() in message.lower(), message
    return message
