"""The ladder from the config: parameters checked against each candidate, names filtered before imports."""

from __future__ import annotations

import pytest

from bakeoff.candidates import registry
from bakeoff.candidates.registry import FAMILIES, LADDER, load_class, resolve_ladder
from bakeoff.config.experiment import experiment_from_dict
from bakeoff.core.errors import ConfigError

BASE = {"data": {"builtin": "breast_cancer"}, "problem": {"kind": "binary", "target": "benign"}}


def exp_with(*candidates: dict, include: tuple[str, ...] = ()) -> object:
    return experiment_from_dict({**BASE, "candidate": list(candidates), "ladder": {"include": list(include)}})


def test_bundled_families_agree_with_the_classes():
    for name, (target, _) in LADDER.items():
        assert FAMILIES[name] == load_class(target).family, name


@pytest.mark.parametrize("candidate,expected", [
    ({"name": "deep", "family": "decision_tree", "max_dept": 8}, "Did you mean 'max_depth'?"),
    ({"name": "many", "family": "xgboost_tuned", "n_trails": 9}, "Did you mean 'n_trials'?"),
    ({"name": "boost", "family": "xgboost", "learning_rat": 0.1}, "Did you mean 'learning_rate'?"),
    ({"name": "avg", "family": "mean", "window": 3}, "expected no parameters"),
    ({"name": "cut", "family": "sql_quantile_buckets", "bucket": 4}, "Did you mean 'buckets'?"),
    ({"name": "bt", "family": "bg_nbd", "round_week": True}, "Did you mean 'round_weeks'?"),
])
def test_a_misspelled_parameter_is_a_config_error(candidate, expected):
    with pytest.raises(ConfigError, match=f"'{candidate['name']}'.*is not a parameter.*{expected}"):
        resolve_ladder(exp_with(candidate))


def test_good_parameters_pass_and_the_rung_stays_on_the_spec():
    specs = resolve_ladder(exp_with({"name": "deep", "family": "decision_tree", "max_depth": 8, "rung": 7},
                                    {"name": "cut", "family": "sql_quantile_buckets", "buckets": 4},
                                    {"name": "many", "family": "xgboost_tuned", "n_trials": 3, "max_depth": 3}))
    deep = next(s for s in specs if s.name == "deep")
    assert deep.rung == 7 and "rung" not in deep.params and specs[-1] is deep  # sorted by its rung
    assert deep.build().params == {"max_depth": 8}


def test_include_by_name_never_imports_a_broken_plugin(monkeypatch):
    monkeypatch.setattr(registry, "plugins", lambda: {"broken": "no_such_module_anywhere:Model"})
    specs = resolve_ladder(exp_with(include=("mean", "glm")))
    assert [s.name for s in specs] == ["mean", "glm"]
    with pytest.raises(ConfigError, match=r"Candidate 'broken' cannot be loaded from "
                                          r"'no_such_module_anywhere:Model': ModuleNotFoundError"):
        resolve_ladder(exp_with(include=("broken",)))
    with pytest.raises(ConfigError, match="Candidate 'broken' cannot be loaded"):
        resolve_ladder(exp_with())  # in the ladder by default: named, exit 2, not an internal error
