"""The instructor's ``course_lib`` (``paths.LIB``), for the grader's own trusted uses.

The installed ``tdn`` deliberately does not make ``course_lib`` importable (a kernel
must import only the copy beside the notebook it runs), so the grader's process
imports the reference copy by path when it needs it: 07's reference configuration
and model for the sample class, the capstone's hidden test set.

:data:`LOCK` is held whenever this process imports a ``course_lib`` from anywhere
but its own path (here, and in the re-check's reference side), so that a worker
running jobs in several threads never imports one copy in place of the other.
"""
from __future__ import annotations

import importlib
import sys
import threading
from types import ModuleType

from .paths import LIB

LOCK = threading.Lock()


def module(name: str) -> ModuleType:
    """``course_lib.<name>`` of the instructor's copy, imported into this process once."""
    full = f"course_lib.{name}"
    with LOCK:
        if full in sys.modules:
            return sys.modules[full]
        where = str(LIB.parent)
        added = where not in sys.path
        if added:
            sys.path.insert(0, where)
        try:
            return importlib.import_module(full)
        finally:
            if added:
                sys.path.remove(where)
