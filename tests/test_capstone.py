"""The capstone of 07: MNIST-1D, the saved model, its thresholds and the grader's evaluation."""
from __future__ import annotations

import json
import random
import re

import nbformat
import numpy as np
import pytest

from autograder import capstone as grading
from autograder import leaks
from autograder.paths import NOTEBOOKS, REPO, Course
from autograder.sandbox import Limits
from course_lib import capstone, data

TINY = {"hidden_dims": [16, 16], "epochs": 1}


@pytest.fixture(scope="module")
def mnist():
    return data.load_mnist1d()


@pytest.fixture(scope="module")
def tiny_model(mnist, tmp_path_factory):
    trained = capstone.train({**TINY, "normalization": "batchnorm"}, mnist, seed=3)
    path = capstone.save_model(trained, tmp_path_factory.mktemp("model") / capstone.MODEL_FILE)
    return trained, path


# ------------------------------------------------------------------ data
def test_mnist1d_split_is_the_packages_published_set(mnist):
    from mnist1d.data import get_dataset_args, make_dataset

    published = make_dataset(get_dataset_args())
    assert (mnist.X_train.shape, mnist.X_val.shape, mnist.X_test.shape) == (
        (3000, 40), (1000, 40), (1000, 40))
    assert np.array_equal(np.concatenate([mnist.X_train, mnist.X_val]), published["x"])
    assert np.array_equal(mnist.X_test, published["x_test"])
    assert np.array_equal(mnist.y_test, published["y_test"])


def test_mnist1d_is_deterministic_and_leaves_the_global_random_state_alone():
    np.random.seed(123)
    random.seed(5)
    expected_np, expected_py = np.random.random(), random.random()
    np.random.seed(123)
    random.seed(5)
    X1, y1 = data.make_mnist1d(100, seed=9)
    assert (np.random.random(), random.random()) == (expected_np, expected_py)
    X2, y2 = data.make_mnist1d(100, seed=9)
    X3, _ = data.make_mnist1d(100, seed=10)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2) and not np.array_equal(X1, X3)
    assert np.bincount(y1).tolist() == [10] * 10


def test_mnist1d_copies_are_independent():
    X, _ = data.make_mnist1d(100, seed=9)
    X[:] = 0
    assert np.any(data.make_mnist1d(100, seed=9)[0] != 0)


def test_mnist1d_without_the_package_says_how_to_install_it(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "mnist1d.data", None)
    monkeypatch.setattr(data, "_MNIST1D_CACHE", {})
    with pytest.raises(ImportError, match="pip install mnist1d"):
        data.make_mnist1d(100, seed=1)


# ------------------------------------------------------------------ thresholds
def test_points_grow_with_accuracy():
    grid = np.linspace(0, 1, 1001)
    points = [capstone.points_for(a) for a in grid]
    assert points == sorted(points) and points[0] == 0 and points[-1] == capstone.MAX_POINTS
    for threshold, earned in capstone.THRESHOLDS:
        assert capstone.points_for(threshold) == earned
        assert capstone.points_for(np.nextafter(threshold, 0)) < earned


def _stated_thresholds(text):
    rows = re.findall(r"\|\s*(\d+)%(?: or more)?\s*\|\s*(\d+)\s*\|", text)
    return tuple((int(a) / 100, int(p)) for a, p in rows)


def test_notebook_and_readme_state_the_thresholds_in_force():
    expected = tuple((round(a, 2), p) for a, p in capstone.THRESHOLDS)
    nb = nbformat.read(NOTEBOOKS / "07_babysitting.ipynb", as_version=4)
    stated = [_stated_thresholds(c.source) for c in nb.cells if c.cell_type == "markdown"]
    assert expected in stated
    assert _stated_thresholds((REPO / "README.md").read_text()) == expected


# ------------------------------------------------------------------ the saved model
def test_saved_model_predicts_exactly_like_the_trained_one(mnist, tiny_model):
    trained, path = tiny_model
    predict, loaded = capstone.load_model(path)
    direct = np.argmax(trained.model.loss((mnist.X_val - trained.mean) / trained.std), axis=1)
    assert np.array_equal(predict(mnist.X_val), direct)
    assert loaded.config["normalization"] == "batchnorm"
    assert loaded.num_parameters == sum(v.size for v in trained.model.params.values())


def _status(path):
    with pytest.raises(capstone.ModelFileError) as info:
        capstone.read_model(path)
    return info.value.status, str(info.value)


def _rewrite(source, target, edit):
    with np.load(source, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    edit(arrays)
    with open(target, "wb") as fh:
        np.savez(fh, **arrays)
    return target


def test_missing_file_is_no_model(tmp_path):
    assert _status(tmp_path / capstone.MODEL_FILE)[0] == "no model"


def test_text_file_is_not_a_model(tmp_path):
    path = tmp_path / capstone.MODEL_FILE
    path.write_text("three layers of 256")
    assert _status(path)[0] == "not a model"


def test_a_pickled_configuration_is_refused_without_unpickling(tmp_path, tiny_model):
    witness = tmp_path / "unpickled"

    class Trap:
        def __reduce__(self):
            return (open, (str(witness), "w"))

    path = _rewrite(tiny_model[1], tmp_path / "m.npz",
                    lambda a: a.__setitem__("config", np.array([Trap()], dtype=object)))
    status, message = _status(path)
    assert status == "not a model" and "pickle" in message.lower()
    assert not witness.exists()


@pytest.mark.parametrize("edit, status, fragment", [
    (lambda a: a.__setitem__("param.W1", np.zeros((64, 16))), "wrong shape", "40 values"),
    (lambda a: a.pop("param.b2"), "wrong shape", "param.b2"),
    (lambda a: a.__setitem__("param.W9", np.zeros(3)), "wrong shape", "param.W9"),
    (lambda a: a.__setitem__("param.W3", np.zeros((16, 9))), "wrong shape", "one score per class"),
    (lambda a: a.__setitem__("param.W2", np.full((16, 16), np.nan)), "not a model", "NaN"),
    (lambda a: a.__setitem__("config", np.array(json.dumps({"hidden_dims": [16, 16],
                                                            "activation": "swish"}))),
     "bad configuration", "swish"),
    (lambda a: a.__setitem__("config", np.array(json.dumps({"hidden_dims": [10**5] * 3}))),
     "bad configuration", "weights"),
    (lambda a: a.pop("format"), "not a model", "save_model"),
])
def test_damaged_models_get_a_named_status(tmp_path, tiny_model, edit, status, fragment):
    path = _rewrite(tiny_model[1], tmp_path / "m.npz", edit)
    got, message = _status(path)
    assert got == status and fragment in message, message


def test_save_model_refuses_an_activation_it_cannot_name(mnist, tmp_path):
    trained = capstone.train(TINY, mnist)
    trained = trained._replace(config={**trained.config, "activation": (abs, abs)})
    with pytest.raises(ValueError, match="named activation"):
        capstone.save_model(trained, tmp_path / "m.npz")


# ------------------------------------------------------------------ the grader's evaluation
def test_grader_scores_a_model_on_its_own_test_set(tiny_model, tmp_path):
    source = tmp_path / "source"
    (source / "course_lib").mkdir(parents=True)
    import shutil

    from autograder.paths import LIB

    shutil.copytree(LIB, source / "course_lib", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__"))
    submitted = tmp_path / "submitted"
    submitted.mkdir()
    shutil.copy2(tiny_model[1], submitted / capstone.MODEL_FILE)
    limits = Limits(sandbox=False)
    verdict = grading.evaluate(source, submitted, seed=1234, limits=limits, size=200)
    predict, _ = capstone.load_model(tiny_model[1])
    X, y = data.make_mnist1d(200, 1234)
    assert verdict["status"] == "scored"
    assert verdict["accuracy"] == float(np.mean(predict(X) == y))
    assert verdict["points"] == capstone.points_for(verdict["accuracy"])
    (submitted / capstone.MODEL_FILE).unlink()
    assert grading.evaluate(source, submitted, 1234, limits, 200)["status"] == "no model"
    (submitted / capstone.MODEL_FILE).symlink_to(tiny_model[1])
    linked = grading.evaluate(source, submitted, 1234, limits, 200)
    assert linked["status"] == "not a model" and "link" in linked["message"]


def test_the_seed_is_drawn_once_per_course_and_kept(tmp_path):
    course = Course(tmp_path)
    seed = grading.ensure_secret(course)
    assert grading.ensure_secret(course) == seed == grading.read_seed(tmp_path)
    assert len(str(seed)) >= 9
    assert grading.secret_tokens(course) == {str(seed): "the capstone's hidden test seed"}


def test_a_file_holding_the_seed_is_a_leak_even_inside_a_line(tmp_path):
    course = Course(tmp_path / "course")
    seed = grading.ensure_secret(course)
    release = tmp_path / "release"
    release.mkdir()
    (release / "ok.py").write_text("x = 1\n")
    assert leaks.scan(release, {}, grading.secret_tokens(course)) == []
    (release / "notes.md").write_text(f"line one\nthe grader uses seed={seed}!\n")
    problems = leaks.scan(release, {}, grading.secret_tokens(course))
    assert problems == [f"{release / 'notes.md'}:2: holds the capstone's hidden test seed"]
    with pytest.raises(leaks.LeakFound, match="hidden test seed"):
        leaks.refuse_leaks([release], {}, "this release", tokens=grading.secret_tokens(course))


def test_nbgrader_neither_releases_nor_copies_the_secret(tmp_path):
    from traitlets.config import Config

    from autograder.nbgrader_config import configure

    config = Config()
    configure(config, tmp_path)
    assert grading.SECRET_FILE in config.CourseDirectory.ignore
    assert "__pycache__" in config.CourseDirectory.ignore
