"""Numbers in the notebooks' text that look like measurements, and where each one comes from.

The rule of the course: measured numbers live in cell outputs; a markdown cell states the
claim a cell's assert checks, with its bound, and never a number copied from a past run.
:func:`unsupported` finds every figure of a notebook's markdown (the rubrics and model
answers included) that looks like a measurement and that the notebook neither prints nor
sets, so that the text cannot drift away from what its own cells show.

What counts as a measurement-like figure:

* every percentage (``77 %``, ``13–76%``, ``$5\\%$``, "per cent");
* every number with a decimal point or in scientific notation (``0.344``, ``8e-70``,
  ``$2 \\cdot 10^{-9}$``, ``$10^{-6}$``);
* every integer that counts something a run measures: followed by steps, epochs,
  iterations, updates, seconds, times, -fold or points, and both numbers of
  "19 of 20".

A figure is supported when one of these holds:

1. **A cell prints it.** An output (stdout, a result's text) of a code cell of the
   figure's own section — or of a subsection, or of a section its cell names, such as
   "4.2" or "§5" — shows a number that rounds to it at the figure's own precision and is
   printed at least as precisely (``77 %`` is supported by ``0.773`` or ``77.3%``, ``0.2``
   by ``0.196``; ``77.31 %`` and ``78 %`` are not). A number that a string of the code
   writes (other than a plot's title or label) or that equals a literal of the code is
   not evidence that anything was measured.
2. **The code sets it.** It equals a numeric literal of a code cell that is not a graded
   test (a setting such as ``learning_rate=0.1``, a dropout rate of 50 % as ``0.5``), or a
   default or module constant of ``course_lib``. A literal that only occurs in a
   comparison (an assert's threshold) supports the figure only when the text states it as
   a bound: "above", "below", "at least", "within", ``<``, ... close before it.
3. **It is arithmetic, not a measurement.** Inside a LaTeX formula, the numbers of an
   expression and the result of an expression of numbers
   (``$0.22^{10} \\approx 3 \\cdot 10^{-7}$``) are left alone; a number alone on the right of
   a relation whose other side holds no number (``$\\|dW_1\\| / \\|dW_{10}\\| \\approx 50$``)
   is a claimed value and is checked.
4. **It is a reference or a constant.** A section number of the notebook (``4.2``,
   ``§5.7``); a mathematical constant listed in :data:`CONSTANTS`, each computed here.
5. **It is quoted, with a reason.** :data:`QUOTED` lists, per notebook, the passages that
   quote figures from the lectures or offer the choices of a prediction. Every passage
   must still occur (a stale entry fails), and a quoted passage exempts only its own
   numbers.

Run ``python tests/markdown_numbers.py [stem ...]`` to print every unsupported figure
with its context; ``--executed DIR`` reads (or, with ``--save``, writes) executed
copies of the notebooks instead of running them again.
"""
from __future__ import annotations

import ast
import math
import os
import re
import sys
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
COURSE_LIB = ROOT / "course_lib"

# ------------------------------------------------------------------ exemptions

def _gelu_minimum():
    # x * Phi(x) on a fine grid: the minimum and where it lies
    from scipy.special import ndtr
    import numpy as np
    x = np.linspace(-3.0, 0.0, 3_000_001)
    y = x * ndtr(x)
    i = int(np.argmin(y))
    return float(y[i]), float(x[i])


_GELU_MIN, _GELU_ARGMIN = _gelu_minimum()

CONSTANTS = {
    "the sigmoid's largest slope 1/4": 0.25,
    "ln 10, the initial softmax loss of ten classes": math.log(10),
    "the square root of 2": math.sqrt(2),
    "1 / sqrt(2), the per-layer factor of ReLU with Xavier weights": 1 / math.sqrt(2),
    "the minimum of GELU, x Phi(x)": _GELU_MIN,
    "where GELU has its minimum": _GELU_ARGMIN,
    "pi / 2, the limit of arctan": math.pi / 2,
    "float64's unit round-off": 2.0 ** -53,
    "float32's unit round-off": 2.0 ** -24,
}

QUOTED = {
    "01_activations": [
        ("| $\\|\\delta^l\\|$ (lecture, MNIST) | 0.003 | 0.017 | 0.070 | 0.285 |",
         "Nielsen's measurement as the lectures show it"),
        ('speak of "as much as 40%"', "the lectures' words"),
        ("(below 10%, 10–50%, 50–90% or\nabove 90%)", "the choices of a prediction"),
    ],
    "02_initialization": [
        ("**exactly 0**,\n**tiny** (rounding, around $10^{-15}$) or **clearly non-zero**, and (b) its validation "
         "accuracy:\nabout 10% (chance), somewhat above chance (up to about 50%), or above 80%.",
         "the choices of a prediction"),
    ],
    "03_batch_normalization": [
        ("(about 1, about 10, $10^3$, $10^6$ or\nmore)", "the choices of a prediction"),
    ],
    "04_regularization": [
        ("gives the lowest error, 1.05%", "the lectures' MNIST table"),
        ('dropout makes training "2–3 times slower"', "the lectures' words"),
        ("below the lectures' 2–3", "the lectures' words"),
    ],
    "05_optimizers": [
        ("$\\beta_1 = 0.9$ and $\\beta_2 = 0.9999$, and sees the loss jump up", "the setting of the question's scenario"),
    ],
    "00_gradient_checking": [
        ("| above $10^{-2}$ | the analytic gradient is almost certainly wrong |\n"
         "| $10^{-4}$ to $10^{-2}$ | suspicious: look for a bug, unless the function has kinks |\n"
         "| $10^{-7}$ to $10^{-4}$ | acceptable for functions with kinks or very deep compositions |\n"
         "| below $10^{-7}$ | right, for a smooth function |",
         "the rules of thumb of CS231n's notes on gradient checking"),
    ],
    "07_babysitting": [
        ("| below 45% | 0 |\n| 45% | 2 |\n| 52% | 4 |\n| 58% | 6 |\n| 63% | 8 |\n| 68% or more | 10 |",
         "the capstone's grading table, calibrated in benchmarks/capstone.py"),
        ("On a log scale $5 \\cdot 10^{-4}$ sits in the middle", "a worked example of the formula"),
        ('"The loss starts\nat 9.7 and after three epochs it is still 9.6. I ran a random search of 20 one-epoch trials with\n'
         '`lr = 10**uniform(-6, -3)` and `reg = 10**uniform(-5, 0)`; the best trial has lr = 9.1e-4,\n'
         'reg = 2e-5 and 31% validation accuracy."', "the scenario of the question"),
    ],
}

# ------------------------------------------------------------------ numbers

_NUM = r"(?:\d+(?:\.\d+)?)"
_DASH = r"\s*(?:–|—|-|to)\s*"
UNIT_WORDS = (r"steps?|epochs?|iterations?|updates?|seconds?|s\b|ms\b|times\b|×(?!\s*\d)|"
              r"-?fold\b|points?\b")
_BOUNDS = ("above", "below", "over", "under", "at least", "at most", "more than", "less than",
           "fewer than", "no more than", "greater", "smaller", "higher", "lower", "larger", "within",
           "beyond", "exceed\\w*", "up to", "less", "more", "<", ">", "≤", "≥", "\\\\le", "\\\\ge",
           "\\\\leq", "\\\\geq", "\\\\lt", "\\\\gt", "between", "outside", "cap\\w*", "bound\\w*",
           "threshold", "limit", "margin", "within a factor of", "by at least", "by more than",
           "better than", "worse than")
BOUND_WORDS = re.compile("(" + "|".join(w.replace(" ", r"\s+") for w in _BOUNDS) + r")\W*$",
                         re.IGNORECASE)
_APPROX_BEFORE = re.compile(r"(≈|=|about|around|roughly|nearly|almost|factor of|of about)\s*$",
                            re.IGNORECASE)


@dataclass(frozen=True)
class Figure:
    """A number of a markdown cell that looks like a measurement."""
    text: str            # as written, e.g. "77", "0.344", "2e-9"
    value: Decimal       # its value (a percentage in percent)
    percent: bool
    start: int           # position in the cell's source
    cell: int

    def context(self, source, width=60):
        a, b = max(0, self.start - width), min(len(source), self.start + width)
        return " ".join(source[a:b].split())


def _dec(text):
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _normalise(source):
    # NFKC turns thin and no-break spaces, full-width digits and per-cent signs into plain ones
    text = unicodedata.normalize("NFKC", source)
    return text.replace("\\%", "%").replace("−", "-")


_SCI_LATEX = re.compile(r"(?<![\w.^])(?:(\d+(?:\.\d+)?)\s*(?:\\cdot|\\times|×)\s*)?10\s*\^\s*\{?\s*(-?\d+)\s*\}?")
_SCI_TEXT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)[eE]([-+]?\d+)(?![\w.])")
_MATH = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$", re.DOTALL)
_RELATION = re.compile(r"\\approx|\\simeq|\\sim|=|<|>|\\le(?:q)?\b|\\ge(?:q)?\b|≈|≤|≥")
_OPERATOR = re.compile(r"\^|\\sqrt|\\frac|\\tfrac|\\dfrac|/|\\cdot|\\times|\+|(?<=[\w})\s])-|\\ln|"
                       r"\\log|\\exp|\\sum|\\prod|\\max|\\min|\\lfloor|!")


def _sci_value(mantissa, exponent):
    m = Decimal(mantissa) if mantissa else Decimal(1)
    return m.scaleb(int(exponent))


def _math_spans(text):
    """(start, end, body_start, body) of every $...$ / $$...$$ span."""
    for match in _MATH.finditer(text):
        group = 1 if match.group(1) is not None else 2
        yield match.start(), match.end(), match.start(group), match.group(group)


def _numbers_in(segment):
    """Numbers of a LaTeX segment: (text, value, start) with scientific notation folded in."""
    found, taken = [], [(m.start(), m.end()) for m in re.finditer(r"_\{[^}]*\}|_\w", segment)]
    for match in _SCI_LATEX.finditer(segment):
        found.append((match.group(0), _sci_value(match.group(1), match.group(2)), match.start()))
        taken.append((match.start(), match.end()))
    for match in re.finditer(r"(?<![\w.])\d+(?:\.\d+)?(?![\d.])", segment):
        if any(a <= match.start() < b for a, b in taken):
            continue
        found.append((match.group(0), Decimal(match.group(0)), match.start()))
    return sorted(found, key=lambda f: f[2])


def _checked_math_numbers(body):
    """Numbers of a formula that are claims, not arithmetic: (text, value, offset, percent)."""
    pieces = []
    position = 0
    for relation in _RELATION.finditer(body):
        pieces.append((position, body[position:relation.start()]))
        position = relation.end()
    pieces.append((position, body[position:]))
    checked = []
    for index, (offset, piece) in enumerate(pieces):
        numbers = _numbers_in(piece)
        percent_positions = [m.start() for m in re.finditer("%", piece)]
        for text, value, start in numbers:
            # a number followed by a per-cent sign is always a claim
            if any(p >= start + len(text) and not piece[start + len(text):p].strip() for p in percent_positions):
                checked.append((text, value, offset + start, True))
        numbers = [n for n in numbers if (n[0], n[1], offset + n[2], True) not in checked]
        if len(numbers) != 1:
            continue
        text, value, start = numbers[0]
        rest = (piece[:start] + piece[start + len(text):])
        rest = re.sub(r"\\[,;!: ]|\\quad|\\qquad|[\s{}()~]|\\text\{[^}]*\}|\\mathrm\{[^}]*\}|\\approx|-",
                      "", rest)
        if rest and (_OPERATOR.search(piece) or re.search(r"[A-Za-z\\]", rest)):
            continue                      # part of an expression: arithmetic or a symbol
        if len(pieces) == 1:
            checked.append((text, value, offset + start, False))     # a number on its own
            continue
        others = [p for i, (_, p) in enumerate(pieces) if i != index]
        if any(_numbers_in(p) for p in others[:index] or others):
            # the result of an expression of numbers (or an operand next to one)
            previous = pieces[index - 1][1] if index > 0 else ""
            if _numbers_in(previous) or index == 0:
                continue
        checked.append((text, value, offset + start, False))
    return checked


def figures(source, cell=0):
    """Every measurement-like number of a markdown source (see the module docstring)."""
    text = _normalise(source)
    found = []
    masked = list(text)
    for start, end, body_start, body in _math_spans(text):
        for number, value, offset, percent in _checked_math_numbers(body):
            found.append(Figure(number, value, percent, body_start + offset, cell))
        masked[start:end] = " " * (end - start)
    plain = "".join(masked)
    # inline code keeps its numbers (settings like `patience=5`), but not identifiers such as `W1`
    for match in _SCI_TEXT.finditer(plain):
        found.append(Figure(match.group(0), _sci_value(match.group(1), match.group(2)), False,
                            match.start(), cell))
    sci_spans = [(m.start(), m.end()) for m in _SCI_TEXT.finditer(plain)]

    def free(pos):
        return not any(a <= pos < b for a, b in sci_spans)

    percent = re.compile(rf"(?<![\w.])({_NUM})(?:\s*[–—-]\s*({_NUM}))?\s*(%|per\s?cent\b|percent\b)",
                         re.IGNORECASE)
    for match in percent.finditer(plain):
        for group in (1, 2):
            if match.group(group) and free(match.start(group)):
                found.append(Figure(match.group(group), Decimal(match.group(group)), True,
                                    match.start(group), cell))
    seen = {f.start for f in found}
    decimal = re.compile(r"(?<![\w.])(\d+\.\d+)(?!\w|\.\d)")
    for match in decimal.finditer(plain):
        if match.start(1) not in seen and free(match.start(1)):
            found.append(Figure(match.group(1), Decimal(match.group(1)), False, match.start(1), cell))
    seen = {f.start for f in found}
    counted = re.compile(rf"(?<![\w.])(\d+)(?:{_DASH}(\d+))?\s*(?:{UNIT_WORDS})", re.IGNORECASE)
    for match in counted.finditer(plain):
        for group in (1, 2):
            if match.group(group) and match.start(group) not in seen and free(match.start(group)):
                found.append(Figure(match.group(group), Decimal(match.group(group)), False,
                                    match.start(group), cell))
    seen = {f.start for f in found}
    of = re.compile(r"(?<![\w.])(\d+) of (?:the |our |its |all )?(\d+)(?![\w.])")
    for match in of.finditer(plain):
        for group in (1, 2):
            if match.start(group) not in seen:
                found.append(Figure(match.group(group), Decimal(match.group(group)), False,
                                    match.start(group), cell))
                seen.add(match.start(group))
    return sorted(found, key=lambda f: f.start), text


# ------------------------------------------------------------------ what the code sets

@dataclass
class Literals:
    settings: set       # Decimal values of literals that set something
    bounds: set         # Decimal values of literals that only occur in comparisons
    in_strings: set     # number tokens written inside string literals

    def sets(self, value):
        return value in self.settings

    def bounds_only(self, value):
        return value in self.bounds and value not in self.settings


def _strip_magics(source):
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in source.splitlines())


def _number_tokens(text):
    return set(re.findall(r"\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", text))


def _literal_value(node):
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
            and not isinstance(node.value, bool):
        return abs(Decimal(repr(node.value)))
    return None


_PLOT_CALLS = {"set_title", "set_xlabel", "set_ylabel", "suptitle", "title", "xlabel", "ylabel",
               "text", "annotate", "legend"}
_PLOT_KEYWORDS = {"title", "label", "xlabel", "ylabel", "description"}


def _collect(tree, literals, only_module_level=False):
    comparison_nodes = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Compare, ast.Assert)):
            for child in ast.walk(node):
                comparison_nodes.add(id(child))
    bare, specs = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            bare.add(id(node.value))
        if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            # a format spec such as ``:24s`` or ``.3f`` prints no number of its own
            specs |= {id(child) for child in ast.walk(node.format_spec)}
    nodes = ast.walk(tree)
    if only_module_level:
        nodes = []
        for stmt in tree.body:
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                nodes.extend(ast.walk(stmt))
            if isinstance(stmt, ast.ClassDef):
                for inner in stmt.body:
                    if isinstance(inner, (ast.Assign, ast.AnnAssign)):
                        nodes.extend(ast.walk(inner))
            for fn in ([stmt] if isinstance(stmt, ast.FunctionDef) else
                       [s for s in getattr(stmt, "body", []) if isinstance(s, ast.FunctionDef)]
                       if isinstance(stmt, ast.ClassDef) else []):
                for default in fn.args.defaults + [d for d in fn.args.kw_defaults if d is not None]:
                    nodes.extend(ast.walk(default))
    # a string can reach a printed output unless it only labels a figure (a title, an axis, a legend)
    drawn = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name in _PLOT_CALLS or name.startswith("plot_"):
                drawn |= {id(child) for arg in node.args if isinstance(arg, (ast.Constant, ast.JoinedStr))
                          for child in ast.walk(arg)}
            for keyword in node.keywords:
                if keyword.arg in _PLOT_KEYWORDS:
                    drawn |= {id(child) for child in ast.walk(keyword.value)}
    for node in nodes:
        if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "logspace":
            # np.logspace(a, b, n) sets the range 10**a to 10**b
            for arg in node.args[:2]:
                exponent = _literal_value(arg.operand if isinstance(arg, ast.UnaryOp) else arg)
                if exponent is not None:
                    sign = -1 if isinstance(arg, ast.UnaryOp) and isinstance(arg.op, ast.USub) else 1
                    literals.settings.add(Decimal(1).scaleb(sign * int(exponent)))
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in specs and id(node) not in drawn:
                literals.in_strings |= _number_tokens(node.value)
            continue
        value = _literal_value(node)
        if value is None or id(node) in bare:
            continue
        (literals.bounds if id(node) in comparison_nodes else literals.settings).add(value)


_LIBRARY_LITERALS = None


def library_literals():
    """Defaults and module constants of the given and student modules of ``course_lib``."""
    global _LIBRARY_LITERALS
    if _LIBRARY_LITERALS is None:
        literals = Literals(set(), set(), set())
        for path in sorted(COURSE_LIB.glob("*.py")):
            if path.name.startswith("_"):
                continue
            _collect(ast.parse(path.read_text()), literals, only_module_level=True)
        literals.in_strings = set()
        _LIBRARY_LITERALS = literals
    return _LIBRARY_LITERALS


def is_graded(cell):
    return bool(cell.get("metadata", {}).get("nbgrader", {}).get("grade"))


def notebook_literals(nb):
    literals = Literals(set(), set(), set())
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(_strip_magics(cell.source))
        except SyntaxError:
            continue
        if is_graded(cell):
            # a graded cell's literals are tests, not settings; its strings still print
            strings = Literals(set(), set(), set())
            _collect(tree, strings)
            literals.in_strings |= strings.in_strings
            continue
        _collect(tree, literals)
    return literals


# ------------------------------------------------------------------ what the cells print

_OUT_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)(\s*%)?")


@dataclass(frozen=True)
class Printed:
    value: Decimal      # in percent when ``percent``
    exponent: int       # the last printed digit's place
    percent: bool


def _output_text(output):
    if output.get("output_type") == "stream":
        text = output.get("text", "") if output.get("name") == "stdout" else ""
    elif output.get("output_type") in ("execute_result", "display_data"):
        text = output.get("data", {}).get("text/plain", "")
    else:
        text = ""
    return "".join(text) if isinstance(text, list) else text


def printed_numbers(cells, excluded=frozenset()):
    """Every number the outputs of ``cells`` show, except tokens the code itself writes."""
    found = set()
    for cell in cells:
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            for match in _OUT_NUMBER.finditer(_normalise(_output_text(output))):
                token = match.group(1)
                if token in excluded:
                    continue
                value = _dec(token)
                if value is None or not value.is_finite():
                    continue
                found.add(Printed(abs(value), value.as_tuple().exponent, bool(match.group(2))))
    return found


# ------------------------------------------------------------------ matching

def _rounds_to(value, exponent, figure_value):
    quantum = Decimal(1).scaleb(figure_value.as_tuple().exponent)
    if exponent > quantum.as_tuple().exponent:
        return False              # printed less precisely than the text quotes it
    try:
        return value.quantize(quantum, rounding=ROUND_HALF_UP) == figure_value
    except InvalidOperation:
        return False


def printed_supports(figure, printed):
    target = abs(figure.value)
    for p in printed:
        candidates = []
        if figure.percent:
            if p.percent:
                candidates.append((p.value, p.exponent))
            else:
                candidates.append((p.value * 100, p.exponent + 2))
        else:
            if p.percent:
                continue
            candidates.append((p.value, p.exponent))
        for value, exponent in candidates:
            if _rounds_to(value, exponent, target):
                return True
            # scientific figures (2e-9, 10^{-6}) compare at their own significant digits
            if target != 0 and target.adjusted() < -2 and value != 0:
                digits = len(target.normalize().as_tuple().digits)
                quantum = Decimal(1).scaleb(target.adjusted() - digits + 1)
                if exponent <= quantum.as_tuple().exponent and value.adjusted() == target.adjusted():
                    try:
                        if value.quantize(quantum, rounding=ROUND_HALF_UP) == target.normalize():
                            return True
                    except InvalidOperation:
                        pass
    return False


def _literal_candidates(figure):
    value = abs(figure.value)
    return [value / 100] if figure.percent else [value]


def _equals_literal(value, literals):
    if value in literals:
        return True
    digits = len(value.normalize().as_tuple().digits)
    if digits >= 3:              # a precise constant quoted with fewer digits (1.0507)
        quantum = Decimal(1).scaleb(value.as_tuple().exponent)
        for literal in literals:
            try:
                if literal.quantize(quantum, rounding=ROUND_HALF_UP) == value:
                    return True
            except InvalidOperation:
                pass
    return False


def literal_supports(figure, literals, text):
    library = library_literals()
    # the library's defaults are settings a text may name (momentum 0.9, beta2 0.999), never
    # a share of something: a percentage has to come from the notebook itself
    known = literals.settings if figure.percent else literals.settings | library.settings
    for value in _literal_candidates(figure):
        if _equals_literal(value, known):
            return True
        if _equals_literal(value, literals.bounds):
            before = text[max(0, figure.start - 50):figure.start]
            if BOUND_WORDS.search(before) or BOUND_WORDS.search(before.rstrip(" *$~\\,(")):
                return True
    return False


def constant_supports(figure):
    # a constant is recognised by its digits ("0.25", "1.414") or its size ("6e-8"), never a bare "2"
    value = abs(figure.value)
    if figure.percent or (len(value.normalize().as_tuple().digits) < 2 and -3 <= value.adjusted() <= 3):
        return False
    for constant in CONSTANTS.values():
        if _rounds_to(abs(Decimal(repr(constant))), -30, abs(figure.value)):
            return True
        if _rounds_to(abs(Decimal(repr(constant))), -30, abs(figure.value).normalize()):
            return True
    return False


_HEADING = re.compile(r"^#+\s*(\d+(?:\.\d+)*)\s*·", re.MULTILINE)


class Sections:
    """Which numbered section (``4.2``) every cell and every position of a markdown cell is in."""

    def __init__(self, nb):
        self.numbers = set()
        self.starts = []           # per cell: the section it starts in
        self.changes = []          # per cell: [(position, section)] of its headings
        current = "0"
        for cell in nb.cells:
            self.starts.append(current)
            changes = []
            if cell.cell_type == "markdown":
                for match in _HEADING.finditer(_normalise(cell.source)):
                    changes.append((match.start(), match.group(1)))
                    self.numbers.add(match.group(1))
                if changes:
                    current = changes[-1][1]
            self.changes.append(changes)

    def at(self, cell, position=0):
        section = self.starts[cell]
        for start, number in self.changes[cell]:
            if start <= position:
                section = number
        return section

    def referenced(self, text):
        """Sections a text points at: ``4.2``, ``§5``, ``section 3``."""
        found = {n for n in re.findall(r"(?<![\w.])(\d+\.\d+(?:\.\d+)*)(?!\w|\.\d)", text)
                 if n in self.numbers}
        found |= {n for n in re.findall(r"(?:§|[Ss]ections?\s+)(\d+(?:\.\d+)*)", text)
                  if n in self.numbers}
        return found

    @staticmethod
    def covers(section, other):
        return other == section or other.startswith(section + ".")


def is_reference(figure, text, sections):
    before = text[max(0, figure.start - 25):figure.start]
    after = text[figure.start + len(figure.text):figure.start + len(figure.text) + 12]
    if re.search(r"(§|\b[Ss]ections?)\s*$", before):
        return True
    if figure.percent or figure.text not in sections.numbers:
        return False
    if re.match(rf"\s*(%|{UNIT_WORDS})", after, re.IGNORECASE) or _APPROX_BEFORE.search(before):
        return False
    return True


def quoted_spans(stem, text):
    spans = []
    for passage, _reason in QUOTED.get(stem, []):
        start = text.find(_normalise(passage))
        if start >= 0:
            spans.append((start, start + len(_normalise(passage))))
    return spans


def stale_quotes(nb, stem):
    """Passages of :data:`QUOTED` that no markdown cell of the notebook holds any more."""
    texts = [_normalise(c.source) for c in nb.cells if c.cell_type == "markdown"]
    return [passage for passage, _ in QUOTED.get(stem, [])
            if not any(_normalise(passage) in t for t in texts)]


def _question_of(nb, cell):
    """The question cell a graded markdown answer belongs to, or None."""
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    if not grade_id:
        return None
    for other in nb.cells:
        if other.get("metadata", {}).get("nbgrader", {}).get("grade_id") == f"{grade_id}_question":
            return other
    return None


def unsupported(nb, stem):
    """``(cell index, figure, context)`` of every figure no cell prints or sets.

    A figure counts as printed only when a code cell of its own section (or of a
    subsection, or of a section its cell names, such as "4.2" or "§5") prints it.
    """
    literals = notebook_literals(nb)
    excluded = frozenset(literals.in_strings | {format(v, "f") for v in literals.settings | literals.bounds}
                         | {str(v) for v in literals.settings | literals.bounds})
    sections = Sections(nb)
    printed_in = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            printed_in.setdefault(sections.at(index), []).append(cell)
    printed_in = {s: printed_numbers(cells, excluded) for s, cells in printed_in.items()}
    problems = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        found, text = figures(cell.source, index)
        spans = quoted_spans(stem, text)
        referenced = sections.referenced(text)
        question = _question_of(nb, cell)
        posed = {f.text for f in figures(question.source)[0]} if question is not None else set()
        for figure in found:
            if any(a <= figure.start < b for a, b in spans) or figure.text in posed:
                continue
            if is_reference(figure, text, sections) or constant_supports(figure):
                continue
            if literal_supports(figure, literals, text):
                continue
            own = sections.at(index, figure.start)
            evidence = set()
            for section, numbers in printed_in.items():
                if Sections.covers(own, section) or any(Sections.covers(r, section) for r in referenced):
                    evidence |= numbers
            if printed_supports(figure, evidence):
                continue
            problems.append((index, figure, figure.context(text)))
    return problems


# ------------------------------------------------------------------ running the notebooks

def execute(path, timeout=900):
    """The notebook at ``path`` with every cell run in a fresh kernel, as nbval runs it."""
    from nbclient import NotebookClient
    env_defaults = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    for key, value in env_defaults.items():
        os.environ.setdefault(key, value)
    nb = nbformat.read(path, as_version=4)
    # a failing cell is nbval's business; here it only leaves its outputs out
    NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


def _with_outputs_of(nb, executed):
    """``nb`` with the outputs of an executed copy whose code cells are the same, else None."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    done = [c for c in executed.cells if c.cell_type == "code"]
    if [c.source for c in code] != [c.source for c in done]:
        return None
    for cell, ran in zip(code, done):
        cell.outputs = ran.outputs
    return nb


def main(argv=None):
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("stems", nargs="*")
    parser.add_argument("--executed", type=Path, help="folder of executed copies")
    parser.add_argument("--save", action="store_true", help="run the notebooks and save them there")
    args = parser.parse_args(argv)
    total = 0
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        if args.stems and path.stem not in args.stems:
            continue
        copy = args.executed / path.name if args.executed else None
        if copy is not None and copy.exists() and not args.save:
            nb = _with_outputs_of(nbformat.read(path, as_version=4), nbformat.read(copy, as_version=4))
            if nb is None:
                print(f"{path.stem}: the executed copy's code differs from the notebook; run with --save")
                continue
        else:
            nb = execute(path)
            if copy is not None:
                copy.parent.mkdir(parents=True, exist_ok=True)
                nbformat.write(nb, copy)
        for passage in stale_quotes(nb, path.stem):
            print(f"{path.stem}: quoted passage no longer in the text: {passage!r}")
        for index, figure, context in unsupported(nb, path.stem):
            total += 1
            print(f"{path.stem} cell {index}: {figure.text}{'%' if figure.percent else ''}  …{context}…")
    print(f"{total} unsupported figures")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
