"""Champion vs challengers: last run's chosen model scored as-is on the new holdout."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bakeoff import prepare, run
from bakeoff.candidates.contract import Budget, derive_seed
from bakeoff.candidates.modelfile import load_model
from bakeoff.config.experiment import experiment_from_dict
from bakeoff.core.errors import ConfigError
from bakeoff.export.pack import export


def exp(tmp_path: Path, include: list[str], champion: str | None = "previous", retrain: bool = False,
        seed: int = 0, shift: float = 0.0):
    raw = {"experiment": {"name": "champ", "seed": seed}, "data": {"builtin": "breast_cancer"},
           "problem": {"kind": "binary", "target": "benign", "key": "row_id"},
           "score": {"bootstrap": 200}, "executor": {"engine": "inline"},
           "ladder": {"include": include, "champion_retrain": retrain, **({"champion": champion} if champion else {})},
           "choose": {"rule": "best"}}
    return experiment_from_dict(raw, path=tmp_path / "exp.toml")


def rows(res) -> dict:
    return {r.name: r for r in res.rows}


def test_first_run_says_so_second_run_scores_the_champion_as_is(tmp_path: Path) -> None:
    db = tmp_path / "h.duckdb"
    first = run(exp(tmp_path, ["mean", "decision_tree"]), out=tmp_path / "r1", history=db)
    assert "champion" not in rows(first) and "champ has no earlier run" in first.notes[0]
    assert first.chosen == "decision_tree"
    second = run(exp(tmp_path, ["mean", "decision_tree"], seed=1), out=tmp_path / "r2", history=db)  # a new split
    champ = rows(second)["champion"]
    assert champ.status == "OK" and champ.params["candidate"] == "decision_tree" and champ.params["retrained"] is False
    assert champ.params["champion_of"] == "champ/r1"
    # independent reference: last run's model file, loaded on its own, asked for this run's holdout
    old = load_model((tmp_path / "r1" / "models" / "decision_tree.pkl").read_bytes())
    frame, _ = prepare(exp(tmp_path, ["mean", "decision_tree"], seed=1))
    np.testing.assert_allclose(second.predictions["champion"], old.predict(frame.without_truth()).to_numpy())
    assert not np.allclose(second.predictions["champion"], second.predictions["decision_tree"])  # not refitted
    assert second.champion is not None and second.champion["champion"] == "champion"
    saved = json.loads((tmp_path / "r2" / "results.json").read_text())
    assert saved["champion"]["beaten_by"] == second.champion["beaten_by"]
    assert "Champion: decision_tree from champ/r1, scored as-is" in " ".join(second.notes)


def test_a_better_challenger_beats_a_weak_champion(tmp_path: Path) -> None:
    db = tmp_path / "h.duckdb"
    run(exp(tmp_path, ["mean"]), out=tmp_path / "r1", history=db)  # last sprint shipped the base rate
    res = run(exp(tmp_path, ["mean", "decision_tree"]), out=tmp_path / "r2", history=db)
    assert rows(res)["champion"].metrics["roc_auc"] == pytest.approx(0.5)
    assert res.champion["beaten_by"] == ["decision_tree"]  # mean ties the champion (same predictions): not "better"
    assert res.sentences[0].startswith("Challengers beat the champion (mean, not retrained)")


def test_retrained_champion_refits_the_same_model(tmp_path: Path) -> None:
    db = tmp_path / "h.duckdb"
    run(exp(tmp_path, ["decision_tree"]), out=tmp_path / "r1", history=db)
    res = run(exp(tmp_path, ["decision_tree"], retrain=True, seed=3), out=tmp_path / "r2", history=db)
    old = load_model((tmp_path / "r1" / "models" / "decision_tree.pkl").read_bytes())
    frame, _ = prepare(exp(tmp_path, ["decision_tree"], seed=3))
    truthless = frame.without_truth()
    ref = old.fit(truthless, budget=Budget.of(60), seed=derive_seed(3, "champion_retrained")).predict(truthless)
    np.testing.assert_allclose(res.predictions["champion_retrained"], ref.to_numpy())  # same model, new rows
    assert not np.allclose(res.predictions["champion"], res.predictions["champion_retrained"])


def test_champion_from_an_exported_folder_and_a_run_id(tmp_path: Path) -> None:
    db = tmp_path / "h.duckdb"
    first = run(exp(tmp_path, ["decision_tree"]), out=tmp_path / "r1", history=db)
    export(tmp_path / "r1", "decision_tree", tmp_path / "deploy")
    by_folder = run(exp(tmp_path, ["mean"], champion="deploy"), out=tmp_path / "r2", history=None)
    assert rows(by_folder)["champion"].params["champion_of"] == str(tmp_path / "deploy")
    np.testing.assert_allclose(by_folder.predictions["champion"], first.predictions["decision_tree"])
    by_id = run(exp(tmp_path, ["mean"], champion=first.run_id), out=tmp_path / "r3", history=db)
    np.testing.assert_allclose(by_id.predictions["champion"], first.predictions["decision_tree"])
    with pytest.raises(ConfigError, match=r"\[ladder\].champion = 'champ/nope'"):
        run(exp(tmp_path, ["mean"], champion="champ/nope"), out=tmp_path / "r4", history=db)


def test_a_kept_champion_is_unwrapped_next_sprint(tmp_path: Path) -> None:
    db = tmp_path / "h.duckdb"
    run(exp(tmp_path, ["decision_tree"]), out=tmp_path / "r1", history=db)
    second = run(exp(tmp_path, ["mean"]), out=tmp_path / "r2", history=db)
    assert second.chosen == "champion"  # the tree from last sprint beats this sprint's only challenger
    third = run(exp(tmp_path, ["mean"]), out=tmp_path / "r3", history=db)
    assert rows(third)["champion"].params["candidate"] == "decision_tree"
    np.testing.assert_allclose(third.predictions["champion"], second.predictions["champion"])


def test_the_champion_keeps_its_name(tmp_path: Path) -> None:
    """Second sprint, same split: the champion and the refitted tree predict alike; the kept model is named
    everywhere a person reads it (table, choice, history, compare, model card)."""
    from bakeoff.store.history import compare, history

    db = tmp_path / "h.duckdb"
    run(exp(tmp_path, ["mean", "decision_tree"]), out=tmp_path / "r1", history=db)
    second = run(exp(tmp_path, ["mean", "decision_tree"]), out=tmp_path / "r2", history=db)
    label = "champion (decision_tree, run r1)"
    assert rows(second)["champion"].label == label and rows(second)["decision_tree"].label == "decision_tree"
    assert second.chosen == "champion"  # the key stays stable for tools reading results.json
    assert second.reason.startswith("Keep decision_tree from r1: no challenger is shown better. Chose " + label)
    assert f"| {label} ✔ |" in (tmp_path / "r2" / "report.md").read_text()
    assert history("champ", db)["chosen"].tolist() == [label, "decision_tree"]
    assert f"The chosen candidate changed: decision_tree → {label}." in compare("champ/r1", "champ/r2", db)[1]
    card = (export(tmp_path / "r2", "decision_tree", tmp_path / "dt") / "MODEL_CARD.md").read_text()
    assert f"Chosen in this run: yes — the run kept it as {label}" in card
