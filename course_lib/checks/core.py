"""Visible checks: run a student's function on small cases and say what is wrong.

Every check raises :class:`CheckFailed` with one or two plain sentences when the
function misbehaves, and returns quietly when it passes. In a notebook the
failure prints as a short message instead of a long traceback.

The expected values used here were worked out by hand or come from an
independent formula written inline; no check calls another student function.
"""
from __future__ import annotations

import functools
import sys
from pathlib import Path

import numpy as np


class CheckFailed(AssertionError):
    """A visible check found a mistake; the message says what and where to look."""

    def _render_traceback_(self):
        # IPython calls this instead of printing the traceback: the student
        # sees the diagnosis, not the checking machinery.
        return [f"\x1b[31mCheckFailed\x1b[0m: {self}"]


def fail(message: str):
    raise CheckFailed(message)


def _call(name: str, module: str, fn, *args, **kwargs):
    """Call ``fn`` and turn the stub's NotImplementedError into a friendly message."""
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        fail(f"{name} is not implemented yet: open course_lib/{module}.py, find "
             f"`def {name}` and replace `raise NotImplementedError()` with your code.")


def diagnose(got, expected, what: str, batch_size: int | None = None,
             rtol: float = 1e-6, atol: float = 1e-9) -> str | None:
    """Explain how ``got`` differs from ``expected``; None when they agree.

    Recognises, in this order: a non-array or wrong shape, NaN/inf, a result off
    by the batch size, the wrong sign, zeros where values should flow, values
    that flow where they should be zero, and a plain mismatch.
    """
    expected = np.asarray(expected, dtype=np.float64)
    try:
        got_arr = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return f"{what} should be an array of shape {expected.shape}, got {type(got).__name__}."
    if got_arr.shape != expected.shape:
        return f"{what} has shape {got_arr.shape}, expected {expected.shape}."
    if not np.all(np.isfinite(got_arr)):
        return (f"{what} contains NaN or inf. Large inputs overflow np.exp: "
                "shift or split the computation so it never exponentiates a big positive number.")
    if np.allclose(got_arr, expected, rtol=rtol, atol=atol):
        return None
    if batch_size and batch_size > 1:
        if np.allclose(got_arr, expected * batch_size, rtol=rtol, atol=atol):
            return (f"{what} is {batch_size}× too large, the batch size: "
                    "the loss is a mean over the batch, so its gradient is divided by N.")
        if np.allclose(got_arr * batch_size, expected, rtol=rtol, atol=atol):
            return f"{what} is {batch_size}× too small: did you divide by N twice?"
    if np.any(expected != 0) and np.allclose(got_arr, -expected, rtol=rtol, atol=atol):
        return f"{what} has the wrong sign everywhere."
    flows = np.abs(expected) > atol
    stuck = flows & (np.abs(got_arr) <= atol)
    if stuck.any():
        return (f"{what} is zero at {int(stuck.sum())} of {int(flows.sum())} places where the "
                "gradient should flow.")
    leaks = ~flows & (np.abs(got_arr) > atol)
    if leaks.any():
        return (f"{what} is non-zero at {int(leaks.sum())} places where it should be exactly "
                "zero (look at the condition that blocks the gradient).")
    worst = float(np.max(np.abs(got_arr - expected)))
    return f"{what} is wrong: largest difference from the expected value is {worst:.3g}."


def expect_close(got, expected, what: str, hint: str = "", **kwargs):
    message = diagnose(got, expected, what, **kwargs)
    if message:
        fail(message + (" " + hint if hint else ""))


def expect_pair(result, name: str, first: str = "out", second: str = "cache"):
    """A forward must return a pair ``(out, cache)``."""
    if not (isinstance(result, tuple) and len(result) == 2):
        fail(f"{name} must return a pair ({first}, {second}); got {type(result).__name__}.")
    return result


def passed(name: str):
    print(f"✔ {name}: visible check passed.")


# path -> ((mtime, size), the compiled module or its SyntaxError), the latest version only
_COMPILED: dict[str, tuple] = {}


def _codes_of(obj) -> list:
    """The code objects of a function, or of the methods a class defines itself."""
    if isinstance(obj, type):
        return [v.__code__ for v in vars(obj).values() if hasattr(v, "__code__")]
    code = getattr(obj, "__code__", None)
    return [code] if code is not None else []


def _find_code(code, qualname: str):
    for const in code.co_consts:
        if hasattr(const, "co_code"):
            if const.co_qualname == qualname:
                return const
            found = _find_code(const, qualname)
            if found is not None:
                return found
    return None


def stale_module_notice(obj) -> str | None:
    """A sentence when ``obj`` is not what its ``course_lib`` file on disk now defines.

    Autoreload keeps the previous version of a module whose new version fails
    to import (a syntax error, a NameError at the top of the file), so a check
    would silently run old code. Only modules of ``course_lib`` are compared:
    the file is compiled (never run) and the function's code compared with the
    code it is running.
    """
    module = sys.modules.get(getattr(obj, "__module__", None) or "")
    path = getattr(module, "__file__", None)
    if not path or not str(path).endswith(".py") or Path(path).parent.name != "course_lib":
        return None
    path = Path(path)
    shown = f"course_lib/{path.name}"
    try:
        stat = path.stat()
        version = (stat.st_mtime_ns, stat.st_size)
        if _COMPILED.get(str(path), (None,))[0] != version:
            source = path.read_text(encoding="utf-8")
            try:
                compiled = compile(source, str(path), "exec", dont_inherit=True)
            except SyntaxError as err:
                compiled = err
            _COMPILED[str(path)] = (version, compiled)
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    compiled = _COMPILED[str(path)][1]
    if isinstance(compiled, SyntaxError):
        return (f"Your {shown} has a syntax error at line {compiled.lineno} ({compiled.msg}); "
                "the check below ran your previous version, the last one that imported. Fix "
                "that line and run this cell again.")
    for code in _codes_of(obj):
        on_disk = _find_code(compiled, code.co_qualname)
        if on_disk is not None and on_disk != code:
            return (f"Your {shown} has changed since it was last imported, and importing the "
                    "new version failed (the error is printed above, where the cell started); "
                    "the check below ran your previous version. Fix the error and run this "
                    "cell again.")
    return None


def visible_check(name: str):
    """Decorator for a check function: prints a pass line when it returns.

    When the student's module did not reload (see :func:`stale_module_notice`),
    that is said first: at the start of the failure message, or before the pass
    line.
    """
    def wrap(check):
        @functools.wraps(check)
        def run(fn, *args, **kwargs):
            notice = stale_module_notice(fn)
            try:
                check(fn, *args, **kwargs)
            except CheckFailed as failure:
                if notice:
                    raise CheckFailed(f"{notice}\n{failure}") from None
                raise
            except BaseException:
                if notice:
                    print(notice)
                raise
            if notice:
                print(notice)
            passed(name)
        return run
    return wrap


# ============================================================ check helpers


def expect_dtype(got, dtype, what: str):
    """``got`` must be an array of ``dtype`` (float32 in, float32 out)."""
    actual = getattr(got, "dtype", None)
    if actual != np.dtype(dtype):
        fail(f"{what} has dtype {actual}, expected {np.dtype(dtype)}: keep the input's dtype. "
             "A NumPy float64 constant (np.sqrt(2.0), np.pi) or an array made without "
             "dtype= (np.zeros(shape)) turns float32 into float64; plain Python numbers don't.")


def expect_scalar(value, what: str):
    """A loss must be one number, not an array of per-sample losses."""
    if np.ndim(value) != 0:
        fail(f"{what} should be a single number (the mean over the batch), got shape "
             f"{np.shape(value)}.")
    try:
        return float(value)
    except (TypeError, ValueError):
        fail(f"{what} should be a number, got {type(value).__name__}.")


def grouped_slopes(f, x, dout, x_axis: int, out_axis: int, h: float = 1e-6):
    """Numeric gradient of ``sum(dout * f(x))`` for a function made of independent groups.

    Only valid when the ``i``-th entry of ``x`` along ``x_axis`` can change the
    output only at index ``i`` along ``out_axis`` (the columns of a batch norm,
    the rows of a layer norm, the output units of maxout). Then a whole line of
    ``x`` along ``x_axis`` is moved at once, and summing ``dout * f`` over every
    output axis but ``out_axis`` keeps the groups apart: one pair of calls gives
    as many slopes as the line is long. This is the checks' own tool, not a
    general numeric gradient: on a function whose entries interact it is wrong.
    """
    x = np.array(x, dtype=np.float64)
    dout = np.asarray(dout, dtype=np.float64)
    grad = np.empty_like(x)
    lines = np.moveaxis(grad, x_axis, -1)

    def per_group(shift):
        out = dout * np.asarray(f(x + shift), dtype=np.float64)
        return np.moveaxis(out, out_axis, -1).reshape(-1, out.shape[out_axis]).sum(axis=0)

    for index in np.ndindex(lines.shape[:-1]):
        shift = np.zeros_like(x)
        np.moveaxis(shift, x_axis, -1)[index] = h
        lines[index] = (per_group(shift) - per_group(-shift)) / (2 * h)
    return grad


def _call_strict(name: str, module: str, fn, *args, **kwargs):
    """Like :func:`_call`, but a floating-point overflow is a failed check.

    In the grader any warning printed by a test cell costs its points, so an
    ``overflow encountered in exp`` is reported here, with the fix.
    """
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            return _call(name, module, fn, *args, **kwargs)
    except FloatingPointError as err:
        fail(f"{name} triggers a floating-point warning ({err}) on inputs like "
             "x = ±1000. Never call np.exp on a large positive number: rewrite the formula "
             "so the exponent is <= 0 (e.g. with exp(-|x|) or np.minimum(x, 0)).")


def _as_pair(result, name):
    out, cache = expect_pair(result, name)
    return out, cache
