"""The visible checks of assignment 07: pass on correct code, name the mistake otherwise."""
from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from course_lib import babysit, checks

from check_support import check_named as _check, fails_with as _fails_with

ALL = ["expected_initial_loss", "update_to_weight_ratio", "log_uniform", "at_border",
       "initial_loss_check", "overfit_tiny_subset", "random_search", "refine_space"]


# ------------------------------------------------------------------ general
@pytest.mark.parametrize("name", ALL)
def test_check_passes_on_the_reference_and_prints_a_pass_line(name, capsys):
    with np.errstate(all="raise"):
        _check(name)(getattr(babysit, name))
    assert capsys.readouterr().out.strip() == f"✔ {name}: visible check passed."


@pytest.mark.parametrize("name", ALL)
def test_check_turns_a_stub_into_not_implemented_yet(name):
    def stub(*args, **kwargs):
        raise NotImplementedError()

    message = _fails_with(name, stub, "not implemented yet", f"def {name}", "babysit.py")
    assert "Traceback" not in message


# ------------------------------------------------------------------ log_uniform
@pytest.mark.task("log_uniform")
def test_log_uniform_check_accepts_any_way_of_drawing_the_exponent():
    # natural logs, a different number of generator calls: still a correct sampler
    def sampler(rng, lo, hi, size=None):
        u = rng.random(size=size)
        samples = np.exp(np.log(lo) + u * (np.log(hi) - np.log(lo)))
        return float(samples) if size is None else samples

    checks.check_log_uniform(sampler)


# Each plausible mistake and the words its message must hold: test_check_mistakes.py.


# ------------------------------------------------------------------ initial_loss_check
def _initial_loss(measure):
    def fn(model, X, y, num_classes=None, tol=0.1):
        expected = math.log(num_classes or model.num_classes)
        measured = float(measure(model, X, y))
        ok = math.isfinite(measured) and abs(measured - expected) <= tol * expected
        return babysit.InitialLossCheck(expected, measured, ok, "")
    return fn


def _without_reg_no_restore(model, X, y):
    model.reg = 0.0
    return model.loss(X, y)[0]


def _state_not_restored(model, X, y):
    saved = model.reg
    model.reg = 0.0
    try:
        return model.loss(X, y)[0]
    finally:
        model.reg = saved


def _shallow_copy_of_state(model, X, y):
    saved, state = model.reg, list(model.bn_params)
    model.reg = 0.0
    try:
        return model.loss(X, y)[0]
    finally:
        model.reg, model.bn_params = saved, state


@pytest.mark.task("initial_loss_check")
@pytest.mark.parametrize("measure, fragment", [
    (lambda m, X, y: m.loss(X, y)[0], "includes the L2 penalty"),
    (_without_reg_no_restore, "restore it to 3.0"),
    (_state_not_restored, "running averages"),
    (_shallow_copy_of_state, "deep copy"),
    (lambda m, X, y: m.loss(X[:10], y[:10])[0], "the data you are given"),
])
def test_initial_loss_check_slips_are_named(measure, fragment):
    _fails_with("initial_loss_check", _initial_loss(measure), fragment)


@pytest.mark.task("initial_loss_check")
def test_initial_loss_check_must_restore_reg_when_the_loss_raises():
    def no_finally(model, X, y, num_classes=None, tol=0.1):
        saved, state = model.reg, copy.deepcopy(model.bn_params)
        model.reg = 0.0
        measured = float(model.loss(X, y)[0])
        model.reg, model.bn_params = saved, state
        expected = math.log(model.num_classes)
        return babysit.InitialLossCheck(expected, measured,
                                        abs(measured - expected) <= tol * expected, "")
    _fails_with("initial_loss_check", no_finally, "finally")


@pytest.mark.task("initial_loss_check")
def test_initial_loss_check_must_fail_a_nan_loss():
    def nan_ok(model, X, y, num_classes=None, tol=0.1):
        result = babysit.initial_loss_check(model, X, y, num_classes, tol)
        return result._replace(ok=not result.measured > 0 or result.ok)
    _fails_with("initial_loss_check", nan_ok, "NaN", "isfinite")


# ------------------------------------------------------------------ overfit_tiny_subset
def _overfit_variant(**changes):
    """The reference with one argument of its Trainer or subset changed."""
    from course_lib.trainer import Trainer, _get

    def fn(model_factory, data, n=20, epochs=200, update_rule="adam", optim_config=None,
           seed=0, no_reg=True):
        X, y = np.asarray(_get(data, "X_train")), np.asarray(_get(data, "y_train"))
        rng = np.random.default_rng(changes.get("subset_seed", seed))
        idx = rng.choice(len(X), size=min(n, len(X)), replace=False)
        tiny = {"X_train": X[idx], "y_train": y[idx], "X_val": X[idx], "y_val": y[idx]}
        model = model_factory()
        if no_reg and not changes.get("keep_reg"):
            model.reg = 0.0
        trainer = Trainer(model, tiny, update_rule=update_rule,
                          optim_config=changes.get("optim_config", optim_config),
                          batch_size=changes.get("batch_size", len(idx)),
                          num_epochs=changes.get("epochs", epochs), seed=seed, progress=False)
        history = trainer.train()
        acc = trainer.check_accuracy(tiny["X_train"], tiny["y_train"])
        return babysit.OverfitResult(acc, list(history["loss"]), acc == 1.0, model)
    return fn


@pytest.mark.task("overfit_tiny_subset")
@pytest.mark.parametrize("changes, fragment", [
    ({"subset_seed": 1}, "default_rng(seed).choice"),
    ({"keep_reg": True}, "model.reg = 0"),
    ({"epochs": 10}, "one per step"),
    ({"batch_size": 5}, "one per step"),
    ({"optim_config": {"learning_rate": 1e-6}}, "pass update_rule and optim_config"),
])
def test_overfit_slips_are_named(changes, fragment):
    _fails_with("overfit_tiny_subset", _overfit_variant(**changes), fragment)


@pytest.mark.task("overfit_tiny_subset")
def test_overfit_reference_variant_passes():
    """The variants above differ from the reference only by the change they name."""
    checks.check_overfit_tiny_subset(_overfit_variant())


@pytest.mark.task("overfit_tiny_subset")
def test_overfit_must_use_the_factory_once():
    def twice(model_factory, *args, **kwargs):
        model_factory()
        return babysit.overfit_tiny_subset(model_factory, *args, **kwargs)
    _fails_with("overfit_tiny_subset", twice, "2 times")


# ------------------------------------------------------------------ random_search
def _search_variant(order=None, sampler=None):
    def fn(objective, space, budget, rng, maximize=True, border_fraction=0.1, warn=True,
           verbose=False):
        trials = []
        for i in range(budget):
            params = (sampler or babysit.sample_space)(space, rng)
            trials.append({"params": params, "score": float(objective(params)), "index": i})
        if order is not None:
            trials = order(trials, maximize)
        return babysit.SearchResult(trials, trials[0], [], dict(space))
    return fn


def _worst_first(trials, maximize):
    return sorted(trials, key=lambda t: t["score"] if maximize else -t["score"])


def _nan_first(trials, maximize):
    return sorted(trials, key=lambda t: (not math.isnan(t["score"]),
                                         -t["score"] if maximize else t["score"]))


def _ignores_maximize(trials, maximize):
    return sorted(trials, key=lambda t: -t["score"])


def _reversed_ties(trials, maximize):
    ranked = sorted(trials, key=lambda t: math.inf if math.isnan(t["score"])
                    else -t["score"] if maximize else t["score"])
    return ranked if len({t["score"] for t in trials}) > 1 else ranked[::-1]


@pytest.mark.task("random_search")
@pytest.mark.parametrize("variant, fragment", [
    (_search_variant(), "the order they ran"),
    (_search_variant(_worst_first), "worst first"),
    (_search_variant(_ignores_maximize), "LOWEST score first"),
    (_search_variant(_nan_first), "after every number"),
    (_search_variant(_reversed_ties), "stable sort"),
    (_search_variant(sampler=lambda space, rng: babysit.sample_space(space, np.random.default_rng(0))),
     "one call per trial"),
])
def test_random_search_slips_are_named(variant, fragment):
    _fails_with("random_search", variant, fragment)


@pytest.mark.task("random_search")
def test_random_search_check_does_not_need_at_border(monkeypatch):
    """A stub at_border must not sink the search's check (the border warnings are set aside)."""
    def stub(*args, **kwargs):
        raise NotImplementedError()

    monkeypatch.setattr(babysit, "at_border", stub)
    checks.check_random_search(babysit.random_search)
    assert babysit.border_warnings.__name__ == "border_warnings"


# ------------------------------------------------------------------ refine_space
def _refine_variant(log=True, clip=False, coincide_width="old", all_trials=False):
    def fn(trials, top_k, space, expand=0.1):
        trials = getattr(trials, "trials", trials)
        top = trials if all_trials else trials[:top_k]
        out = {}
        for name, (low, high, scale) in space.items():
            values = np.array([t["params"][name] for t in top], dtype=float)
            old = np.array([low, high], dtype=float)
            if scale == "log" and log:
                values, old = np.log10(values), np.log10(old)
            lo, hi = values.min(), values.max()
            width = hi - lo if hi > lo else (old[1] - old[0] if coincide_width == "old" else 0.0)
            lo, hi = lo - expand * width, hi + expand * width
            if scale == "log" and log:
                lo, hi = 10.0 ** lo, 10.0 ** hi
            if clip:
                lo, hi = max(lo, low), min(hi, high)
            out[name] = (float(lo), float(hi), scale)
        return out
    return fn


@pytest.mark.task("refine_space")
@pytest.mark.parametrize("variant, fragment", [
    (_refine_variant(log=False), "log space"),
    (_refine_variant(clip=True), "do not clip"),
    (_refine_variant(coincide_width="zero"), "OLD range's width"),
    (_refine_variant(all_trials=True), "top_k"),
])
def test_refine_space_slips_are_named(variant, fragment):
    _fails_with("refine_space", variant, fragment)


@pytest.mark.task("refine_space")
def test_refine_space_must_not_change_its_input():
    def sorts_in_place(trials, top_k, space, expand=0.1):
        trials.reverse()
        trials.reverse()
        trials[0]["params"] = dict(trials[0]["params"], extra=1.0)
        return babysit.refine_space(copy.deepcopy(trials), top_k, space, expand)
    _fails_with("refine_space", sorts_in_place, "changed the trials")
