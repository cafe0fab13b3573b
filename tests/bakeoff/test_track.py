"""MLflow tracking against a real local sqlite store: parent run, nested runs, metrics, artifacts, tags."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from bakeoff import run
from bakeoff.config.experiment import experiment_from_dict
from bakeoff.config.sections import TrackSection
from bakeoff.core.errors import ConfigError
from bakeoff.store.track import require_mlflow


def test_missing_package_is_one_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "mlflow", None)  # import mlflow -> ImportError
    with pytest.raises(ConfigError, match=r"\[track\].mlflow = 'sqlite:///x.db' needs the mlflow package.*"
                                          r"pip install 'bakeoff\[mlflow\]'"):
        require_mlflow(TrackSection(mlflow="sqlite:///x.db"))
    require_mlflow(TrackSection())  # tracking off: nothing to check


@pytest.fixture(scope="module")
def tracked(tmp_path_factory: pytest.TempPathFactory):
    pytest.importorskip("mlflow", reason="the mlflow extra is not installed")
    tmp = tmp_path_factory.mktemp("mlflow")
    uri = f"sqlite:///{tmp / 'mlflow.db'}"
    raw = {"experiment": {"name": "tracked"}, "data": {"builtin": "breast_cancer"},
           "problem": {"kind": "binary", "target": "benign", "key": "row_id"},
           "score": {"bootstrap": 50}, "executor": {"engine": "inline"},
           "ladder": {"include": ["mean", "sql_threshold", "decision_tree"]}, "track": {"mlflow": uri}}
    res = run(experiment_from_dict(raw), out=tmp / "run", history=tmp / "h.duckdb")
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    exp = client.get_experiment_by_name("tracked")
    runs = client.search_runs([exp.experiment_id])
    return res, client, runs, tmp


def test_one_parent_and_one_nested_run_per_candidate(tracked) -> None:
    res, _, runs, _ = tracked
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    assert len(parents) == 1
    nested = {r.info.run_name: r for r in runs if r.data.tags.get("mlflow.parentRunId") == parents[0].info.run_id}
    assert set(nested) == {r.name for r in res.rows}
    assert any("MLflow: logged parent run" in n for n in res.notes)


def test_metrics_match_results_json(tracked) -> None:
    res, _, runs, tmp = tracked
    doc = json.loads((tmp / "run" / "results.json").read_text())
    by_name = {r.info.run_name: r for r in runs}
    for cand in doc["candidates"]:
        logged = by_name[cand["name"]]
        assert logged.data.tags["bakeoff.status"] == cand["status"]
        if cand["status"] == "OK":
            assert logged.data.metrics["roc_auc"] == pytest.approx(cand["metrics"]["roc_auc"])
            assert logged.data.metrics["ci_low"] == pytest.approx(cand["ci_low"])
            assert logged.data.metrics["fit_s"] == pytest.approx(cand["fit_s"])
            assert logged.data.metrics["cost_monthly_usd"] == pytest.approx(cand["cost"]["monthly_usd"])
            assert logged.info.status == "FINISHED"
    chosen = [r.info.run_name for r in runs if r.data.tags.get("bakeoff.chosen") == "true"]
    assert chosen == [res.chosen]
    parent = next(r for r in runs if "mlflow.parentRunId" not in r.data.tags)
    assert parent.data.params["primary_metric"] == "roc_auc" and parent.data.tags["bakeoff.chosen"] == res.chosen


def test_artifacts_report_results_model_and_sql(tracked) -> None:
    _, client, runs, tmp = tracked
    by_name = {r.info.run_name: r for r in runs}
    parent = next(r for r in runs if "mlflow.parentRunId" not in r.data.tags)
    top = {a.path for a in client.list_artifacts(parent.info.run_id)}
    assert {"results.json", "report.md", "report.html", "tradeoff.csv"} <= top
    tree = by_name["decision_tree"].info.run_id
    assert [a.path for a in client.list_artifacts(tree, "model")] == ["model/decision_tree.pkl"]
    rule = by_name["sql_threshold"].info.run_id
    sql = Path(client.download_artifacts(rule, "sql_threshold.sql", str(tmp)))
    assert sql.read_text().lower().lstrip().startswith(("select", "with", "--"))
    assert str(tmp / "mlartifacts") in parent.info.artifact_uri  # beside the sqlite file, not in the cwd
