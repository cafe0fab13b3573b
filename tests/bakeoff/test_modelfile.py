"""Models and exports written before the layered layout still load; the export fills only the problem's names."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from bakeoff.candidates.contract import Budget
from bakeoff.candidates.modelfile import MOVED, load_model
from bakeoff.export.deploy import render_rule
from bakeoff.query.files import SqlFile
from bakeoff.query.render import placeholders, problem_values, substitute


def _as_written_before(obj: object, new: str, old: str) -> bytes:
    """``obj`` pickled as the old layout wrote it: protocol 0 names each class's module in plain text."""
    data = pickle.dumps(obj, protocol=0)
    assert f"{new}\n".encode() in data
    return data.replace(f"{new}\n".encode(), f"{old}\n".encode())


def test_a_pickle_naming_an_old_module_loads_where_the_class_lives_now():
    budget = Budget(deadline=12.5, threads=2)
    old = _as_written_before(budget, "bakeoff.candidates.contract", "bakeoff.candidate")
    with pytest.raises(ModuleNotFoundError):
        pickle.loads(old)
    assert load_model(old) == budget
    rule = SqlFile(path=Path("rules/recency.sql"), text="SELECT 1", meta={"task": "binary"})
    assert load_model(_as_written_before(rule, "bakeoff.query.files", "bakeoff.sqlfiles")) == rule


def test_every_old_module_maps_to_one_that_exists():
    import importlib

    assert MOVED["bakeoff.champion"] == "bakeoff.candidates.champion"
    for new in MOVED.values():
        importlib.import_module(new)


def test_the_export_fills_only_the_problem_names_and_keeps_literal_braces():
    recorded = "SELECT {key} AS key, regexp_matches(code, '[a-z]{3}') AS prediction FROM holdout"
    values = problem_values("churned", "id", 13.0)
    assert substitute(recorded, values) == ('SELECT "id" AS key, regexp_matches(code, \'[a-z]{3}\') AS prediction '
                                            "FROM holdout")
    assert placeholders("SELECT {key}, {days} FROM t WHERE x = '{1}'") == ["days", "key"]
    problem = {"target": "churned", "key": "id", "task": "binary"}
    assert "'[a-z]{3}'" in render_rule(recorded, problem, horizon_native=True)
