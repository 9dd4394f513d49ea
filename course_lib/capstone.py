"""The capstone of assignment 07: a network trained on MNIST-1D, saved for the grader (given).

The student chooses a configuration (with the sanity checks and the search of
``babysit``), trains it with :func:`train` and saves it with :func:`save_model`
into ``capstone_model.npz`` beside the notebook. The grader loads that file
with :func:`load_model` — NumPy arrays only, never a pickle — into the
instructor's own :class:`~course_lib.model.FullyConnectedNet`, measures its
accuracy on an MNIST-1D test set generated from a seed students never see, and
gives :func:`points_for` that accuracy. No student code runs in that step.

A configuration is a dict::

    hidden_dims        list of int        widths of the hidden layers (required)
    activation         str                a name of model.ACTIVATIONS ('relu')
    activation_params  dict of numbers    e.g. {'alpha': 0.1} ({})
    normalization      None | 'batchnorm' | 'layernorm'                 (None)
    residual           False | True | 'unscaled'                         (False)
    dropout            float in [0, 1)    drop probability in training   (0.0)
    reg                float >= 0         L2 strength                    (0.0)
    init               str or float       weight initialisation   ('he_normal')
    learning_rate      float > 0          Adam's (peak) rate            (1e-3)
    schedule           'constant' | 'cosine'   per step over the run ('constant')
    epochs             int >= 1                                            (20)
    batch_size         int >= 1                                           (100)

The first five describe the network and are all the grader needs; the others
describe how it was trained and are saved with it for the record.
"""
from __future__ import annotations

import json
import math
import zipfile
from numbers import Real
from pathlib import Path
from typing import NamedTuple

import numpy as np

__all__ = ["MODEL_FILE", "INPUT_DIM", "NUM_CLASSES", "DEFAULTS", "BASELINE", "THRESHOLDS",
           "MAX_POINTS", "points_for", "full_config", "Trained", "train", "save_model",
           "ModelFileError", "STATUSES", "LoadedModel", "read_model", "load_model",
           "expected_shapes"]

#: The file the notebook writes and the grader reads, beside the notebook.
MODEL_FILE = "capstone_model.npz"
#: MNIST-1D sequences have 40 values and 10 classes.
INPUT_DIM, NUM_CLASSES = 40, 10
#: What a saved model may be at most: larger files or networks are not evaluated.
MAX_FILE_BYTES = 64 * 1024**2
MAX_PARAMETERS = 4_000_000
MAX_HIDDEN_LAYERS = 12

DEFAULTS = {
    "hidden_dims": None, "activation": "relu", "activation_params": {},
    "normalization": None, "residual": False, "dropout": 0.0, "reg": 0.0,
    "init": "he_normal", "learning_rate": 1e-3, "schedule": "constant", "epochs": 20,
    "batch_size": 100,
}
ARCHITECTURE_KEYS = ("hidden_dims", "activation", "activation_params", "normalization",
                     "residual")

#: The given starting point: two hidden layers of 256 ReLUs, Adam at 1e-3, nothing else.
BASELINE = {"hidden_dims": [256, 256], "activation": "relu", "learning_rate": 1e-3,
            "epochs": 20, "batch_size": 100}

#: ``(accuracy, points)``: the points of the highest threshold the hidden test accuracy
#: reaches (0 below the first). Calibrated in BENCHMARKS.md ("The capstone").
THRESHOLDS = ((0.45, 2), (0.52, 4), (0.58, 6), (0.63, 8), (0.68, 10))
MAX_POINTS = THRESHOLDS[-1][1]


def points_for(accuracy):
    """Points for a test accuracy: those of the highest threshold of :data:`THRESHOLDS` reached.

    Examples
    --------
    >>> points_for(0.2), points_for(0.5), points_for(0.651), points_for(0.9)
    (0, 2, 8, 10)
    >>> points_for(0.68), points_for(0.6799)
    (10, 8)
    """
    accuracy = float(accuracy)
    earned = 0
    for threshold, points in THRESHOLDS:
        if accuracy >= threshold:
            earned = points
    return earned


def full_config(config):
    """``config`` with every missing key set to its default (see the module docstring)."""
    unknown = sorted(set(config) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"unknown configuration keys {unknown}; known: {sorted(DEFAULTS)}")
    full = {**DEFAULTS, **config}
    if full["hidden_dims"] is None:
        raise ValueError("the configuration needs hidden_dims, e.g. [256, 256]")
    full["hidden_dims"] = [int(h) for h in full["hidden_dims"]]
    full["activation_params"] = dict(full["activation_params"] or {})
    if full["schedule"] not in ("constant", "cosine"):
        raise ValueError(f"schedule must be 'constant' or 'cosine', got {full['schedule']!r}")
    return full


# ------------------------------------------------------------------ training

class Trained(NamedTuple):
    """Result of :func:`train`: what :func:`save_model` writes, and how the run went."""

    model: object
    mean: np.ndarray
    std: np.ndarray
    config: dict
    history: dict
    val_acc: float


def _get(data, key):
    try:
        return data[key]
    except (TypeError, KeyError):
        return getattr(data, key)


def train(config, data, seed=0, merge_val=False, progress=False):
    """Train a :class:`~course_lib.model.FullyConnectedNet` on MNIST-1D with ``config``.

    The recipe: standardise every input feature with the training set's mean
    and standard deviation (``data.standardize``), build the network, and run
    Adam on mini-batches (``trainer.Trainer``) for ``epochs`` epochs, with a
    constant learning rate or a cosine decay to 0 over the run.

    Parameters
    ----------
    config : dict
        See the module docstring; missing keys take their defaults.
    data : dict or data.Split
        ``X_train``, ``y_train``, ``X_val``, ``y_val`` (raw, not standardised).
    seed : int, default 0
        Seeds the weights, the dropout masks and the order of the batches.
    merge_val : bool, default False
        Train on the training AND validation sets (the final model, once the
        configuration is chosen); ``val_acc`` is then measured on the
        validation set the model was trained on, i.e. it is no estimate.
    progress : bool, default False
        Show the trainer's progress bar.

    Returns
    -------
    Trained
        The trained ``model``, the ``mean`` and ``std`` its inputs are
        standardised with, the full ``config``, the trainer's ``history`` and
        the final validation accuracy ``val_acc``.
    """
    from . import model as model_module
    from . import schedules, trainer
    from .data import standardize

    config = full_config(config)
    X_train, y_train = np.asarray(_get(data, "X_train")), np.asarray(_get(data, "y_train"))
    X_val, y_val = np.asarray(_get(data, "X_val")), np.asarray(_get(data, "y_val"))
    if merge_val:
        X_train = np.concatenate([X_train, X_val])
        y_train = np.concatenate([y_train, y_val])
    X_train, X_val, mean, std = standardize(X_train, X_val)
    net = model_module.FullyConnectedNet(
        config["hidden_dims"], input_dim=X_train.shape[1], num_classes=NUM_CLASSES,
        activation=config["activation"], activation_params=config["activation_params"],
        init=config["init"], normalization=config["normalization"],
        dropout=config["dropout"], reg=config["reg"], residual=config["residual"], seed=seed)
    steps = max(1, len(X_train) // int(config["batch_size"])) * int(config["epochs"])
    schedule = (schedules.cosine(config["learning_rate"], steps)
                if config["schedule"] == "cosine" else None)
    run = trainer.Trainer(net, {"X_train": X_train, "y_train": y_train, "X_val": X_val,
                                "y_val": y_val},
                          update_rule="adam", optim_config={"learning_rate":
                                                            config["learning_rate"]},
                          lr_schedule=schedule, batch_size=config["batch_size"],
                          num_epochs=config["epochs"], seed=seed, progress=progress)
    history = run.train()
    val_acc = history["val_acc"][-1] if history["val_acc"] else float("nan")
    return Trained(net, mean, std, config, history, float(val_acc))


# ------------------------------------------------------------------ the saved model

def expected_shapes(config):
    """Every array a saved model of ``config`` holds, with its shape.

    ``param.<name>`` for every key of the network's ``params`` (the names of
    ``course_lib.model``: ``W1``, ``b1``, ..., ``gamma<l>``/``beta<l>`` with
    a normalization, ``alpha<l>`` for PReLU), ``bn<l>.running_mean`` and
    ``bn<l>.running_var`` with batch norm, and ``mean``/``std`` of the input
    standardisation.

    Returns
    -------
    dict of str -> tuple of int
    """
    dims = [INPUT_DIM] + list(config["hidden_dims"]) + [NUM_CLASSES]
    shapes = {}
    num_layers = len(dims) - 1
    for l in range(1, num_layers + 1):
        shapes[f"param.W{l}"] = (dims[l - 1], dims[l])
        shapes[f"param.b{l}"] = (dims[l],)
        if l == num_layers:
            continue
        if config["normalization"] is not None:
            shapes[f"param.gamma{l}"] = (dims[l],)
            shapes[f"param.beta{l}"] = (dims[l],)
        if config["activation"] == "prelu":
            shapes[f"param.alpha{l}"] = ()
        if config["normalization"] == "batchnorm":
            shapes[f"bn{l}.running_mean"] = (dims[l],)
            shapes[f"bn{l}.running_var"] = (dims[l],)
    shapes["mean"] = shapes["std"] = (INPUT_DIM,)
    return shapes


def save_model(trained, path=MODEL_FILE):
    """Write a trained capstone model to ``path`` (an ``.npz`` of plain arrays, no pickle).

    Parameters
    ----------
    trained : Trained
        As returned by :func:`train` (or any object with the same ``model``,
        ``mean``, ``std`` and ``config``).
    path : str or Path, default ``'capstone_model.npz'``
        Keep the default: the grader looks for this file beside the notebook.

    Returns
    -------
    Path
        The file written. It is read back with :func:`read_model` before this
        returns, so a model that would not load fails here, not at grading.
    """
    net, config = trained.model, full_config(trained.config)
    if not isinstance(config["activation"], str):
        raise ValueError("only a named activation can be saved (the grader rebuilds the "
                         "network from the name), not a pair of functions")
    arrays = {"format": np.array(FORMAT), "config": np.array(json.dumps(config)),
              "mean": np.asarray(trained.mean, dtype=np.float64).ravel(),
              "std": np.asarray(trained.std, dtype=np.float64).ravel()}
    for name, value in net.params.items():
        arrays[f"param.{name}"] = np.asarray(value, dtype=np.float64)
    for l, bn_param in enumerate(getattr(net, "bn_params", []) or [], start=1):
        for key in ("running_mean", "running_var"):
            if key not in bn_param:
                raise ValueError(f"batch norm of hidden layer {l} has no {key}: train the "
                                 "model before saving it")
            arrays[f"bn{l}.{key}"] = np.asarray(bn_param[key], dtype=np.float64)
    path = Path(path)
    with path.open("wb") as fh:
        np.savez(fh, **arrays)
    read_model(path)
    return path


FORMAT = "course-capstone-model-1"

#: The named outcomes of reading a submitted model, as the grader reports them.
STATUSES = {
    "no model": "no saved model",
    "not a model": "the file is not a saved model",
    "bad configuration": "the saved configuration is not one the grader can build",
    "wrong shape": "the saved arrays do not fit the saved configuration",
}


class ModelFileError(ValueError):
    """A submitted model that cannot be evaluated; ``status`` is a key of :data:`STATUSES`."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class LoadedModel(NamedTuple):
    """A model read by :func:`read_model`: its configuration and arrays, checked."""

    config: dict
    arrays: dict

    @property
    def num_parameters(self):
        return int(sum(v.size for k, v in self.arrays.items() if k.startswith("param.")))


def _config_problem(config):
    """Why a saved configuration cannot be built, or None."""
    from .model import ACTIVATIONS

    if not isinstance(config, dict):
        return f"the configuration is a {type(config).__name__}, not a dict"
    unknown = sorted(set(config) - set(DEFAULTS))
    if unknown:
        return f"unknown configuration keys {unknown}"
    config = {**DEFAULTS, **config}
    dims = config.get("hidden_dims")
    if (not isinstance(dims, list) or not 1 <= len(dims) <= MAX_HIDDEN_LAYERS
            or not all(isinstance(h, int) and not isinstance(h, bool) and h >= 1
                       for h in dims)):
        return (f"hidden_dims must be a list of 1 to {MAX_HIDDEN_LAYERS} positive integers, "
                f"got {dims!r}")
    if config.get("activation") not in ACTIVATIONS:
        return f"unknown activation {config.get('activation')!r}; known: {', '.join(ACTIVATIONS)}"
    extra = config.get("activation_params", {})
    if not isinstance(extra, dict) or not all(
            isinstance(k, str) and isinstance(v, Real) and not isinstance(v, bool)
            and math.isfinite(v) for k, v in extra.items()):
        return f"activation_params must map names to finite numbers, got {extra!r}"
    if config.get("normalization") not in (None, "batchnorm", "layernorm"):
        return f"normalization must be null, 'batchnorm' or 'layernorm', got " \
               f"{config.get('normalization')!r}"
    if config.get("residual") not in (False, True, "unscaled"):
        return f"residual must be false, true or 'unscaled', got {config.get('residual')!r}"
    dims = [INPUT_DIM] + dims + [NUM_CLASSES]
    weights = sum(a * b for a, b in zip(dims, dims[1:]))
    if weights > MAX_PARAMETERS:
        return f"{weights:,} weights is more than the {MAX_PARAMETERS:,} the grader evaluates"
    return None


def _fail(status, message):
    raise ModelFileError(status, message)


def read_model(path=MODEL_FILE):
    """Read and check a saved capstone model, without building or running any network.

    Only NumPy arrays are read (``allow_pickle=False``): a file that needs
    unpickling is refused, never executed.

    Returns
    -------
    LoadedModel

    Raises
    ------
    ModelFileError
        With ``status`` ``'no model'`` (no file), ``'not a model'`` (not an
        ``.npz`` of numbers written by :func:`save_model`, too large, NaN or
        inf), ``'bad configuration'`` (a configuration the network cannot take)
        or ``'wrong shape'`` (an array missing, left over, or of the wrong
        shape for the configuration), and one sentence saying what is wrong.
    """
    path = Path(path)
    if not path.is_file():
        _fail("no model", f"there is no {path.name} beside the notebook: train your model "
                          "and save it with capstone.save_model(trained)")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        _fail("not a model", f"{path.name} has {size:,} bytes, more than the "
                             f"{MAX_FILE_BYTES:,} a saved model may have")
    with path.open("rb") as fh:
        if fh.read(4) != b"PK\x03\x04":
            _fail("not a model", f"{path.name} is not an .npz archive (the zip file of arrays "
                                 "that capstone.save_model writes)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            names = list(archive.files)
            arrays = {name: archive[name] for name in names}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        _fail("not a model", f"{path.name} is not an .npz archive of numbers "
                             f"({type(exc).__name__}: {str(exc)[:120]})")
    if "format" not in arrays or str(arrays["format"]) != FORMAT or "config" not in arrays:
        _fail("not a model", f"{path.name} was not written by capstone.save_model (no "
                             f"'{FORMAT}' marker and configuration in it)")
    try:
        config = json.loads(str(arrays.pop("config")))
    except ValueError:
        _fail("not a model", f"the configuration in {path.name} is not valid JSON")
    arrays.pop("format")
    problem = _config_problem(config)
    if problem:
        _fail("bad configuration", problem)
    try:
        config = full_config(config)
    except (ValueError, TypeError) as exc:
        _fail("bad configuration", str(exc))
    shapes = expected_shapes(config)
    missing = [name for name in shapes if name not in arrays]
    if missing:
        _fail("wrong shape", f"{path.name} has no array {missing[0]!r}, which the saved "
                             f"configuration (hidden_dims {config['hidden_dims']}, "
                             f"normalization {config['normalization']!r}) needs")
    extra = sorted(set(arrays) - set(shapes))
    if extra:
        _fail("wrong shape", f"{path.name} holds {extra[0]!r}, which the saved configuration "
                             f"(hidden_dims {config['hidden_dims']}) has no place for")
    for name, shape in shapes.items():
        got = arrays[name]
        if got.shape != shape:
            hint = ""
            if name == "param.W1" or name in ("mean", "std"):
                hint = f": MNIST-1D sequences have {INPUT_DIM} values"
            elif name.startswith("param.W") and shape[1] == NUM_CLASSES:
                hint = f": the output layer has one score per class ({NUM_CLASSES})"
            _fail("wrong shape", f"{name} has shape {got.shape}, the saved configuration "
                                 f"needs {shape}{hint}")
        if got.dtype.kind not in "fiu":
            _fail("not a model", f"{name} holds {got.dtype}, not numbers")
        if not np.all(np.isfinite(got)):
            _fail("not a model", f"{name} holds NaN or inf")
    if np.any(arrays["std"] <= 0):
        _fail("not a model", "std (the input standardisation) must be positive")
    return LoadedModel(config, {k: np.asarray(v, dtype=np.float64) for k, v in arrays.items()})


def load_model(path=MODEL_FILE):
    """Read a saved model (:func:`read_model`) and rebuild its network.

    Returns
    -------
    predict : callable ``X -> ndarray of shape (N,)``
        Test-mode class predictions for raw MNIST-1D sequences (standardised
        with the saved mean and std).
    loaded : LoadedModel
    """
    from .model import FullyConnectedNet

    loaded = read_model(path)
    config, arrays = loaded.config, loaded.arrays
    net = FullyConnectedNet(config["hidden_dims"], input_dim=INPUT_DIM,
                            num_classes=NUM_CLASSES, activation=config["activation"],
                            activation_params=config["activation_params"], init=0.0,
                            normalization=config["normalization"],
                            residual=config["residual"], seed=0)
    saved = {name[len("param."):] for name in arrays if name.startswith("param.")}
    if set(net.params) != saved:
        raise RuntimeError(f"the network's parameters {sorted(net.params)} are not those "
                           f"capstone.expected_shapes lists {sorted(saved)}: update it")
    for name in saved:
        net.params[name] = arrays[f"param.{name}"].astype(net.params[name].dtype)
    for l, bn_param in enumerate(getattr(net, "bn_params", []) or [], start=1):
        bn_param["running_mean"] = arrays[f"bn{l}.running_mean"]
        bn_param["running_var"] = arrays[f"bn{l}.running_var"]
    mean, std = arrays["mean"], arrays["std"]

    def predict(X):
        X = (np.asarray(X, dtype=np.float64) - mean) / std
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            return np.argmax(net.loss(X), axis=1)

    return predict, loaded
