"""Visible checks: run a student's function on small cases and say what is wrong.

Every check raises :class:`CheckFailed` with one or two plain sentences when the
function misbehaves, and returns quietly when it passes. In a notebook the
failure prints as a short message instead of a long traceback.

The expected values used here were worked out by hand or come from an
independent formula written inline; no check calls another student function.
"""
from __future__ import annotations

import functools
import itertools
import re
import sys
import types
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
    """Call ``fn``; the stub's NotImplementedError and a missing ``return`` become a sentence."""
    try:
        result = fn(*args, **kwargs)
    except NotImplementedError:
        fail(f"{name} is not implemented yet: open course_lib/{module}.py, find "
             f"`def {name}` and replace `raise NotImplementedError()` with your code.")
    if result is None:
        fail(f"{name} returned None: a bare `return`, or no `return` at all. Keep the "
             f"`return ...` line of the stub at the end of `def {name}` in "
             f"course_lib/{module}.py and let your code reach it.")
    return result


def _number(value) -> str:
    return f"{float(value):.6g}"


def _index(idx: tuple) -> str:
    return "[" + ", ".join(str(int(i)) for i in idx) + "]"


def _first_difference(got: np.ndarray, expected: np.ndarray, wrong: np.ndarray) -> str:
    """Where the first wrong entry is, with both values."""
    if expected.ndim == 0:
        return f"expected {_number(expected)}, got {_number(got)}"
    idx = tuple(np.argwhere(wrong)[0])
    return (f"the first is at index {_index(idx)}: expected {_number(expected[idx])}, "
            f"got {_number(got[idx])}")


def _constant_factor(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float):
    """The c with got == c * expected everywhere, or None."""
    norm = float(np.sum(expected * expected))
    if norm == 0.0:
        return None
    c = float(np.sum(got * expected)) / norm
    if np.allclose(got, c * expected, rtol=rtol, atol=atol) and not np.isclose(c, 1.0):
        return c
    return None


def _factor_text(c: float) -> str:
    for n in range(2, 1001):
        if np.isclose(c, n, rtol=1e-6):
            return f"{n}× too large"
        if np.isclose(c, 1.0 / n, rtol=1e-6):
            return f"{n}× too small"
    return f"{c:.6g} times the expected value"


def diagnose(got, expected, what: str, factors: dict | None = None,
             rtol: float = 1e-6, atol: float = 1e-9) -> str | None:
    """Explain how ``got`` differs from ``expected``; None when they agree.

    Recognises, in this order: None or a non-array, a wrong or transposed
    shape, NaN/inf, a constant factor (``factors`` maps a factor the check
    expects, such as the batch size N or 1/N, to the sentence that explains
    it), the wrong sign, a transposed result, zeros where values should flow,
    values that flow where they should be zero, a sign wrong at some places, a
    constant offset and an offset shared by a whole row or column (a missing or
    extra term). Every other mismatch is reported by its first wrong entry.
    """
    expected = np.asarray(expected, dtype=np.float64)
    if got is None:
        return f"{what} is None: the function returned None in its place."
    try:
        got_arr = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return f"{what} should be an array of shape {expected.shape}, got {type(got).__name__}."
    if got_arr.shape != expected.shape:
        if (got_arr.ndim == 2 and got_arr.shape == expected.shape[::-1]
                and np.allclose(got_arr.T, expected, rtol=rtol, atol=atol)):
            return (f"{what} has shape {got_arr.shape}, expected {expected.shape}: it is the "
                    "transpose of the right result (swap the operands of the product, or "
                    "transpose the other factor).")
        return f"{what} has shape {got_arr.shape}, expected {expected.shape}."
    if not np.all(np.isfinite(got_arr)):
        return (f"{what} contains NaN or inf. Large inputs overflow np.exp: "
                "shift or split the computation so it never exponentiates a big positive number.")
    close = np.isclose(got_arr, expected, rtol=rtol, atol=atol)
    if close.all():
        return None
    wrong = ~close
    where = _first_difference(got_arr, expected, wrong)
    size = expected.size
    places = f"at {int(wrong.sum())} of {size} places" if size > 1 else ""
    c = _constant_factor(got_arr, expected, rtol, atol)
    if c is not None and size == 1 and not any(np.isclose(c, f, rtol=1e-6)
                                               for f in [-1.0, *(factors or {})]):
        c = None                     # any two numbers differ by a factor: no evidence
    if c is not None:
        for factor, reason in (factors or {}).items():
            if np.isclose(c, factor, rtol=1e-6):
                return f"{what} is {_factor_text(c)} ({where}): {reason}"
        if np.isclose(c, -1.0):
            return f"{what} has the wrong sign{' everywhere' if size > 1 else ''} ({where})."
        if np.isclose(c, 0.0, atol=1e-12):
            return f"{what} is zero everywhere; {where}."
        return (f"{what} is {_factor_text(c)} everywhere ({where}): a constant factor is off; "
                "look for a missing or extra scale (a 2, an N, a rate).")
    if got_arr.ndim == 2 and got_arr.shape[0] == got_arr.shape[1] and size > 1 and \
            np.allclose(got_arr.T, expected, rtol=rtol, atol=atol):
        return f"{what} is the transpose of the right result ({where})."
    gradient = re.search(r": d\w*\b", what) is not None
    flows = np.abs(expected) > atol
    stuck = flows & (np.abs(got_arr) <= atol)
    if stuck.any() and not (~flows & (np.abs(got_arr) > atol)).any():
        idx = tuple(np.argwhere(stuck)[0]) if expected.ndim else ()
        should = "the gradient should flow" if gradient else "it should not be"
        return (f"{what} is zero at {int(stuck.sum())} of {int(flows.sum())} places where "
                f"{should} (the first is at index {_index(idx)}, expected "
                f"{_number(expected[idx])}).")
    leaks = ~flows & (np.abs(got_arr) > atol)
    if stuck.any() and leaks.any() and (stuck | leaks | close).all():
        return (f"{what} is zero where it should not be and non-zero where it should be zero "
                f"({where}): the condition that "
                f"{'blocks the gradient' if gradient else 'picks the entries'} is reversed.")
    if leaks.any() and not stuck.any():
        idx = tuple(np.argwhere(leaks)[0]) if expected.ndim else ()
        count = int(leaks.sum())
        return (f"{what} is non-zero at {count} place{'s' if count != 1 else ''} where it "
                "should be exactly "
                f"zero (the first is at index {_index(idx)}, got {_number(got_arr[idx])}"
                + ("; look at the condition that blocks the gradient)." if gradient else ")."))
    flipped = np.isclose(got_arr, -expected, rtol=rtol, atol=atol) & wrong
    if size > 1 and (flipped | close).all():
        return f"{what} has the wrong sign {places} ({where}); the other places are right."
    diff = got_arr - expected
    tol = max(atol, rtol * float(np.abs(expected).max()))
    if size > 1 and np.allclose(diff, diff.flat[0], rtol=0, atol=tol):
        return (f"{what} is off by the same amount {_number(diff.flat[0])} everywhere ({where}): "
                "a term that is the same for every entry is missing or extra.")
    if got_arr.ndim == 2 and min(got_arr.shape) > 1:
        if np.allclose(diff, diff[:1], rtol=0, atol=tol):
            return (f"{what} is off by the same row of values in every row ({where}): a term "
                    "with one value per column (shape (1, D)) is missing or extra.")
        if np.allclose(diff, diff[:, :1], rtol=0, atol=tol):
            return (f"{what} is off by the same amount along each row ({where}): a term with "
                    "one value per row (shape (N, 1)) is missing or extra.")
    if size > 1 and close.any():
        return f"{what} is wrong {places}, right elsewhere; {where}."
    return f"{what} is wrong{' ' + places if places else ''}: {where}."


def expect_close(got, expected, what: str, hint: str = "", **kwargs):
    message = diagnose(got, expected, what, **kwargs)
    if message:
        fail(message + (" " + hint if hint else ""))


def expect_outputs(result, name: str, labels: tuple[str, ...], expected: tuple,
                   rtol: float = 1e-6, atol: float = 1e-9, cache: bool = False):
    """A function returning several arrays: the right number, in the right order.

    ``expected`` holds the right value of each output (None where unknown). A
    permutation of ``result`` that puts the known values in place is reported
    as a wrong order, before any value is compared.
    """
    count = len(labels)
    listed = ", ".join(labels)
    if not (isinstance(result, tuple) and len(result) == count):
        got = (f"a tuple of {len(result)}" if isinstance(result, tuple)
               else type(result).__name__)
        fail(f"{name} must return {count} results ({listed}); got {got}.")

    def same(got, want):
        if want is None:
            return False
        try:
            got = np.asarray(got, dtype=np.float64)
        except (TypeError, ValueError):
            return False
        want = np.asarray(want, dtype=np.float64)
        return got.shape == want.shape and bool(np.allclose(got, want, rtol=rtol, atol=atol))

    if all(same(g, w) for g, w in zip(result, expected) if w is not None):
        return result
    for order in itertools.permutations(range(count)):
        moved = [i for i in range(count) if order[i] != i]
        if moved and all(same(result[order[i]], expected[i]) for i in moved):
            returned = ", ".join(labels[order.index(i)] for i in range(count))
            if cache:
                fail(f"{name} holds its entries in the wrong order, ({returned}): store "
                     f"({listed}), the order of the docstring.")
            fail(f"{name} returns its results in the wrong order, ({returned}): return "
                 f"({listed}), the order of the docstring.")
    return result


def expect_pair(result, name: str, first: str = "out", second: str = "cache"):
    """A forward must return a pair ``(out, cache)``."""
    if not (isinstance(result, tuple) and len(result) == 2):
        fail(f"{name} must return a pair ({first}, {second}); got {type(result).__name__}.")
    if second == "cache" and isinstance(result[0], tuple) and isinstance(result[1], np.ndarray):
        fail(f"{name} returns ({second}, {first}), the wrong order: return ({first}, {second}).")
    return result


def passed(name: str):
    print(f"✔ {name}: visible check passed.")


# path -> ((mtime, size), the compiled module or its SyntaxError), the latest version only
_COMPILED: dict[str, tuple] = {}


def _codes_of(obj) -> list:
    """The code objects of a function, of the methods a class defines itself, or of every
    function and class a module defines itself."""
    if isinstance(obj, types.ModuleType):
        own = [v for v in vars(obj).values() if getattr(v, "__module__", None) == obj.__name__]
        return [code for v in own if isinstance(v, type) or hasattr(v, "__code__")
                for code in _codes_of(v)]
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
    if isinstance(obj, types.ModuleType):  # the network's checks take the model module
        module = obj
    else:
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
        def run(*args, **kwargs):
            notice = stale_module_notice(args[0]) if args else None
            try:
                check(*args, **kwargs)
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
