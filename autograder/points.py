"""How many points each graded code cell is worth, and why: the course's one point scheme.

Points follow difficulty, not the number of functions. Every graded code cell of
the notebooks belongs to one difficulty class (:data:`CLASSES`), and the class
alone sets its points; :data:`CELLS` says, for each cell, its class, the functions
it grades and the reason for the class. ``tests/test_points.py`` keeps the
notebooks' nbgrader ``points`` equal to what this table gives, checks that every
function with a solution region is graded by exactly one cell, and checks each
class against the size of the solution regions it grades (:func:`region_size`).

One-line formulas that a notebook teaches together are graded in one cell (all
their visible checks, then all their hidden tests): a group of them is worth what a
single short formula is worth. The assignments' totals differ (02 has less to write
than 01); each assignment weighs the same in the course grade all the same, because
``tdn export`` averages the assignments' percentages (:mod:`autograder.course_grade`).

This module is the grader's: it never runs in the sandbox, and ``probes.py``
(which does) keeps its probes per function; :func:`probe_tasks` maps a cell to them.
"""
from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass
from pathlib import Path

from .modules import BEGIN_SOLUTION, END_SOLUTION, region_functions
from .paths import LIB


@dataclass(frozen=True)
class Difficulty:
    points: int
    what: str


#: Difficulty classes, from the lightest to the heaviest.
CLASSES: dict[str, Difficulty] = {
    "formula": Difficulty(1, "a formula of at most four statements, or a group of such formulas "
                             "the notebook teaches together"),
    "stateful": Difficulty(2, "a forward pass or an update rule with numerics, a cache, modes or "
                              "state kept between calls"),
    "algorithm": Difficulty(2, "a short algorithm: a loop over entries, a decomposition, a "
                               "schedule or a stopping rule with its state"),
    "backward": Difficulty(3, "a backward pass, or a loss with its gradient, derived by the "
                              "student and checked against numeric gradients"),
    "procedure": Difficulty(3, "a procedure that trains or probes a model through its contract "
                               "and leaves it as it found it"),
    "long_algorithm": Difficulty(4, "an algorithm of a dozen lines or more with many branches"),
    "network_step": Difficulty(5, "a step of the student's network, wired into the forward and "
                                  "the backward of every block"),
    "network": Difficulty(10, "the network itself: the block's forward and backward, the loop "
                              "over layers, the loss"),
    "capstone": Difficulty(10, "the capstone: a trained model scored on the grader's hidden test "
                               "set, 0 to 10 points by accuracy"),
}


@dataclass(frozen=True)
class Cell:
    """One graded code cell: its class, the functions it grades (``module:qualname``), why."""

    assignment: str
    kind: str
    functions: tuple[str, ...]
    why: str

    @property
    def points(self) -> int:
        return CLASSES[self.kind].points


def _in(module: str, *names: str) -> tuple[str, ...]:
    return tuple(f"{module}:{name}" for name in names)


_NET = "FullyConnectedNet."

#: grade_id -> the cell's class, functions and reason, in course order.
CELLS: dict[str, Cell] = {
    # 00 gradient checking
    "numeric_gradient": Cell("00_gradient_checking", "algorithm",
                             _in("gradcheck", "numeric_gradient"),
                             "a loop over the entries of an array of any shape, each probed and "
                             "restored"),
    "numeric_gradient_array": Cell("00_gradient_checking", "algorithm",
                                   _in("gradcheck", "numeric_gradient_array"),
                                   "the same loop for a function with an array output, "
                                   "weighted by its upstream gradient"),
    "affine_forward": Cell("00_gradient_checking", "formula", _in("layers", "affine_forward"),
                           "one reshape and one matrix product"),
    "affine_backward": Cell("00_gradient_checking", "backward", _in("layers", "affine_backward"),
                            "three gradients, the input's reshaped back"),
    "softmax_loss": Cell("00_gradient_checking", "backward", _in("losses", "softmax_loss"),
                         "a loss that survives huge scores, and its gradient"),
    "svm_loss": Cell("00_gradient_checking", "backward", _in("losses", "svm_loss"),
                     "margins, the hinge and a gradient that counts the active margins"),
    # 01 activations
    "saturating_activations": Cell("01_activations", "formula", _in(
        "activations", "sigmoid_forward", "sigmoid_backward", "tanh_forward", "tanh_backward",
        "arctan_forward", "arctan_backward"),
        "six one-line formulas of section 2.1 (sigmoid's stable form is one np.where)"),
    "relu_activations": Cell("01_activations", "formula", _in(
        "activations", "binary_step_forward", "relu_forward", "relu_backward",
        "leaky_relu_forward", "leaky_relu_backward"),
        "five one-line formulas of sections 2.2 and 2.3: a comparison and a where each"),
    "prelu": Cell("01_activations", "backward", _in("activations", "prelu_forward", "prelu_backward"),
                  "the slope's gradient summed over every axis it is broadcast along"),
    "elu_selu": Cell("01_activations", "formula", _in(
        "activations", "elu_forward", "elu_backward", "selu_forward", "selu_backward"),
        "four one-line formulas of section 2.4"),
    "softplus_gelu": Cell("01_activations", "formula", _in(
        "activations", "softplus_forward", "softplus_backward", "gelu_forward", "gelu_backward"),
        "four short formulas of section 2.5"),
    "maxout": Cell("01_activations", "backward", _in("activations", "maxout_forward",
                                                      "maxout_backward"),
                   "k affine pieces, and the gradient routed through the winning piece to x, "
                   "w and b"),
    "fc_network": Cell("01_activations", "network", _in(
        "model", _NET + "_hidden_forward", _NET + "_hidden_backward", _NET + "_forward",
        _NET + "loss"),
        "the block forward and backward, the loop over any number of layers, the loss and "
        "every gradient"),
    "network_gradient_check": Cell("01_activations", "long_algorithm",
                                   _in("model", "network_gradient_check"),
                                   "every parameter flattened into one vector, centred "
                                   "differences, a relative error per parameter"),
    # 02 initialization
    "zeros_normal": Cell("02_initialization", "formula", _in("init", "zeros", "normal"),
                         "two one-line initialisers of section 1"),
    "xavier": Cell("02_initialization", "formula", _in("init", "xavier_normal", "xavier_uniform"),
                   "Glorot's scale, drawn from a normal and from a uniform"),
    "he_lecun": Cell("02_initialization", "formula", _in("init", "he_normal", "he_uniform",
                                                          "lecun_normal"),
                     "the fan-in family: He's and LeCun's scales, one line each"),
    # 03 batch normalization
    "batchnorm_forward": Cell("03_batch_normalization", "stateful",
                              _in("normalization", "batchnorm_forward"),
                              "train and test modes, running averages, the cache"),
    "batchnorm_backward": Cell("03_batch_normalization", "backward",
                               _in("normalization", "batchnorm_backward"),
                               "the gradient through the batch mean and variance, step by step"),
    "batchnorm_backward_alt": Cell("03_batch_normalization", "backward",
                                   _in("normalization", "batchnorm_backward_alt"),
                                   "the same gradient in a closed form the student derives"),
    "layernorm_forward": Cell("03_batch_normalization", "stateful",
                              _in("normalization", "layernorm_forward"),
                              "statistics over features, the cache"),
    "layernorm_backward": Cell("03_batch_normalization", "backward",
                               _in("normalization", "layernorm_backward"),
                               "the normalization gradient along the other axis"),
    "fc_network_normalization": Cell("03_batch_normalization", "network_step", _in(
        "model", _NET + "_normalize_forward", _NET + "_normalize_backward",
        _NET + "_skip_forward", _NET + "_skip_backward"),
        "normalization and residual branches in the forward and backward of every block"),
    "fit_pca": Cell("03_batch_normalization", "algorithm", _in("preprocessing", "fit_pca"),
                    "centring, a decomposition, components sorted and signed"),
    "pca_transform": Cell("03_batch_normalization", "formula", _in("preprocessing", "pca_transform"),
                          "a centred projection"),
    "whiten": Cell("03_batch_normalization", "algorithm", _in("preprocessing", "whiten"),
                   "PCA and ZCA whitening with eps, one rotation apart"),
    # 04 regularization
    "dropout_forward": Cell("04_regularization", "stateful", _in("regularization", "dropout_forward"),
                            "inverted dropout: a seeded mask, modes, the rescaling"),
    "dropout_backward": Cell("04_regularization", "formula", _in("regularization", "dropout_backward"),
                             "the forward's mask again"),
    "dropconnect_forward": Cell("04_regularization", "stateful",
                                _in("regularization", "dropconnect_forward"),
                                "a seeded mask on the weights, modes, the rescaling"),
    "dropconnect_backward": Cell("04_regularization", "backward",
                                 _in("regularization", "dropconnect_backward"),
                                 "gradients to x, w and b through a masked weight matrix"),
    "weight_penalties": Cell("04_regularization", "formula", _in(
        "regularization", "l1_penalty", "l2_penalty", "elastic_net_penalty"),
        "the three weight penalties of section 2, each a sum and its gradient"),
    "fc_network_regularization": Cell("04_regularization", "network_step", _in(
        "model", _NET + "_dropout_forward", _NET + "_dropout_backward", _NET + "_penalty"),
        "dropout in the forward and backward of every block, the penalty in the loss and in "
        "every weight's gradient"),
    "activity_l1_penalty": Cell("04_regularization", "formula",
                                _in("regularization", "activity_l1_penalty"),
                                "a mean absolute activation and its sign"),
    "kl_sparsity_penalty": Cell("04_regularization", "backward",
                                _in("regularization", "kl_sparsity_penalty"),
                                "a KL divergence of mean activations, differentiated through "
                                "the mean"),
    "max_norm": Cell("04_regularization", "formula", _in("regularization", "max_norm"),
                     "norms along an axis, rescaled where too large"),
    "clipping": Cell("04_regularization", "formula", _in(
        "regularization", "clip_by_value", "clip_by_global_norm"),
        "the two clipping rules of section 4"),
    "EarlyStopping": Cell("04_regularization", "algorithm", _in("regularization", "EarlyStopping.step"),
                          "patience, min_delta and the best parameters kept across calls"),
    # 05 optimizers
    "sgd_momentum": Cell("05_optimizers", "formula", _in("optim", "sgd_momentum"),
                         "a velocity and a step"),
    "sgd_nesterov": Cell("05_optimizers", "formula", _in("optim", "sgd_nesterov"),
                         "the look-ahead form of momentum"),
    "adagrad": Cell("05_optimizers", "formula", _in("optim", "adagrad"),
                    "a sum of squares and a scaled step"),
    "rmsprop": Cell("05_optimizers", "formula", _in("optim", "rmsprop"),
                    "a decaying mean of squares and a scaled step"),
    "adadelta": Cell("05_optimizers", "stateful", _in("optim", "adadelta"),
                     "two running averages, the step in the units of the weights"),
    "adam": Cell("05_optimizers", "stateful", _in("optim", "adam"),
                 "two moments, the step count and their bias correction"),
    "nadam": Cell("05_optimizers", "stateful", _in("optim", "nadam"),
                  "Adam with a Nesterov look-ahead in the first moment"),
    "adamax": Cell("05_optimizers", "stateful", _in("optim", "adamax"),
                   "a first moment and an infinity-norm second moment"),
    "adamw": Cell("05_optimizers", "stateful", _in("optim", "adamw"),
                  "Adam with the weight decay taken out of the moments"),
    # 06 learning-rate schedules
    "piecewise_constant": Cell("06_lr_schedules", "formula",
                               _in("schedules", "piecewise_constant.lr_at"),
                               "a sorted lookup of boundaries"),
    "step_decay": Cell("06_lr_schedules", "formula", _in("schedules", "step_decay.lr_at"),
                       "one closed form"),
    "decay_formulas": Cell("06_lr_schedules", "formula", _in(
        "schedules", "exponential.lr_at", "power.lr_at", "inverse_time.lr_at"),
        "the three closed-form decays of section 2.3, one line each"),
    "cosine": Cell("06_lr_schedules", "algorithm", _in("schedules", "cosine.lr_at"),
                   "a linear warm-up, then a cosine to a floor"),
    "one_cycle": Cell("06_lr_schedules", "algorithm", _in("schedules", "one_cycle.lr_at"),
                      "a climb and a fall, each a cosine ramp, then a floor"),
    "ReduceLROnPlateau": Cell("06_lr_schedules", "algorithm",
                              _in("schedules", "ReduceLROnPlateau.step"),
                              "patience, min_delta and a minimum rate kept across calls"),
    "lr_range_test": Cell("06_lr_schedules", "procedure", _in("schedules", "lr_range_test"),
                          "a run with a growing rate, a smoothed loss, a divergence stop and "
                          "a suggestion"),
    # 07 babysitting
    "expected_initial_loss": Cell("07_babysitting", "formula",
                                  _in("babysit", "expected_initial_loss"), "ln C"),
    "initial_loss_check": Cell("07_babysitting", "procedure", _in("babysit", "initial_loss_check"),
                               "the loss of an untrained model with its penalty off, its state "
                               "put back"),
    "overfit_tiny_subset": Cell("07_babysitting", "procedure",
                                _in("babysit", "overfit_tiny_subset"),
                                "training a fresh model on a few examples without its penalty "
                                "until it memorises them"),
    "update_to_weight_ratio": Cell("07_babysitting", "formula",
                                   _in("babysit", "update_to_weight_ratio"),
                                   "two norms and their ratio"),
    "log_uniform": Cell("07_babysitting", "formula", _in("babysit", "log_uniform"),
                        "a uniform draw of the exponent"),
    "at_border": Cell("07_babysitting", "formula", _in("babysit", "at_border"),
                      "where a value lies in its range, on its scale"),
    "random_search": Cell("07_babysitting", "long_algorithm", _in("babysit", "random_search"),
                          "sampling each scale, scoring, NaN and ties, ranking"),
    "refine_space": Cell("07_babysitting", "long_algorithm", _in("babysit", "refine_space"),
                         "the best trials' spread, widened on the right scale, kept valid"),
    "capstone_model": Cell("07_babysitting", "capstone", (),
                           "a model trained and tuned on MNIST-1D; points grow with the "
                           "hidden test accuracy"),
}


def points(grade_id: str) -> int:
    return CELLS[grade_id].points


def cells_of(assignment: str) -> dict[str, Cell]:
    return {g: c for g, c in CELLS.items() if c.assignment == assignment}


def functions_of(grade_id: str) -> tuple[str, ...]:
    """The short names of the functions a cell grades (``tanh_backward``, ``EarlyStopping``)."""
    return tuple(dict.fromkeys(f.split(":")[1].split(".")[0] for f in CELLS[grade_id].functions))


def cell_of(function: str) -> str:
    """The grade_id of the cell that grades ``function`` (a short name, as :func:`functions_of`)."""
    for grade_id in CELLS:
        if function in functions_of(grade_id):
            return grade_id
    raise KeyError(f"no graded cell grades {function!r}: see autograder/points.py")


def is_group(grade_id: str) -> bool:
    return len(functions_of(grade_id)) > 1 and grade_id not in functions_of(grade_id)


def probe_tasks(grade_id: str) -> tuple[str, ...]:
    """The probes of :mod:`autograder.probes` that re-check a cell: one per function of a group,
    else the cell's own."""
    return functions_of(grade_id) if is_group(grade_id) else (grade_id,)


def region_size(function: str, lib: Path = LIB) -> tuple[int, int]:
    """``(statements, branches)`` inside the solution regions of ``module:qualname``.

    Statements are counted on the parsed code (a comprehension spread over two lines is
    one statement); a branch is an ``if``, ``for``, ``while``, conditional expression,
    comprehension condition or ``np.where``."""
    module, qualname = function.split(":")
    text = (lib / f"{module}.py").read_text(encoding="utf-8")
    owners = iter(region_functions(text))
    regions, current = [], None
    for line in text.split("\n"):
        if BEGIN_SOLUTION in line:
            current = [] if next(owners) == qualname else None
            continue
        if END_SOLUTION in line:
            if current is not None:
                regions.append(textwrap.dedent("\n".join(current)))
            current = None
            continue
        if current is not None:
            current.append(line)
    statements = branches = 0
    for region in regions:
        for node in ast.walk(ast.parse(region)):
            statements += isinstance(node, ast.stmt)
            branches += isinstance(node, (ast.If, ast.For, ast.While, ast.IfExp))
            branches += len(node.ifs) if isinstance(node, ast.comprehension) else 0
            branches += (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                         and node.func.attr == "where")
    return statements, branches


def describe() -> str:
    """The scheme as a table: every class, then every cell with its points
    (``python -m autograder.points``)."""
    out = ["class           points  what"]
    out += [f"{name:<15} {c.points:>6}  {c.what}" for name, c in CLASSES.items()]
    assignment = None
    for grade_id, cell in CELLS.items():
        if cell.assignment != assignment:
            assignment = cell.assignment
            total = sum(c.points for c in cells_of(assignment).values())
            out.append(f"\n{assignment} ({total} points graded automatically)")
        size = [region_size(f) for f in cell.functions]
        statements = sum(s[0] for s in size)
        out.append(f"  {grade_id:<26} {cell.points:>2}  {cell.kind:<15} {statements:>3} statements"
                   f"  {cell.why}")
    return "\n".join(out)


if __name__ == "__main__":
    print(describe())
