"""MLflow tracking (optional extra ``bakeoff[mlflow]``): one parent run per bake-off, one nested run per candidate.

``[track] mlflow = "<tracking uri>"`` (``sqlite:///mlflow.db``, ``http://host:5000``, ...) turns it on;
``experiment`` names the MLflow experiment (default: the bake-off's name). The parent run
carries the settings, the choice and the run folder's report, ``results.json`` and
``tradeoff.csv`` as artifacts; each nested run carries a candidate's metrics, interval,
timings, cost, status and its pickled model or rule SQL; the chosen candidate's run is
tagged ``bakeoff.chosen = true``. Everything is read from ``results.json`` (stable names).
``mlflow`` is imported only here and only when tracking is on; the client and the
``sqlite://`` store come with ``mlflow-skinny``; the UI (``mlflow ui``) with ``mlflow``.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bakeoff.config.sections import TrackSection
from bakeoff.core.errors import ConfigError
from bakeoff.core.records import label_of

if TYPE_CHECKING:
    from bakeoff.report.result import Result

INSTALL = "pip install 'bakeoff[mlflow]' (or pip install mlflow)"
RUN_STATUS = {"OK": "FINISHED", "FAILED": "FAILED", "TIMEOUT": "FAILED", "SKIPPED": "KILLED"}
CANDIDATE_METRICS = ("ci_low", "ci_high", "vs_best", "vs_best_low", "vs_best_high", "fit_s", "fit_cpu_s",
                     "predict_ms_per_1k", "model_kb", "peak_rss_mb")


def require_mlflow(track: TrackSection) -> None:
    """Refuse ``[track].mlflow`` when the package is missing (one clear message, before anything runs)."""
    if not track.mlflow:
        return
    try:
        import mlflow  # noqa: F401
    except ImportError:
        raise ConfigError(f"[track].mlflow = '{track.mlflow}' needs the mlflow package, which is not installed: "
                          f"{INSTALL}; or remove [track].") from None


def log_result(result: Result, track: TrackSection) -> str:
    """Log a written run to MLflow; returns the parent run's id."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=track.mlflow)
    doc = result.to_dict()
    exp_id = _experiment(client, track.experiment or result.experiment.name, track.mlflow or "")
    parent = client.create_run(exp_id, run_name=f"{result.experiment.name} {result.created}", tags={
        "bakeoff.experiment": result.experiment.name, "bakeoff.run_id": result.run_id,
        "bakeoff.chosen": str(result.chosen), "bakeoff.data_hash": result.data_hash,
        "mlflow.note.content": result.reason}).info.run_id
    _log(client, parent, _parent_params(doc), {"wall_s": doc["wall_s"], **_chosen_metrics(doc)})
    folder = result.out_dir
    for name in ("results.json", "tradeoff.csv", "report.md", "report.html"):
        if folder and (folder / name).is_file():
            client.log_artifact(parent, str(folder / name))
    if result.experiment.path and result.experiment.path.is_file():
        client.log_artifact(parent, str(result.experiment.path), "config")
    for cand in doc["candidates"]:
        _log_candidate(client, exp_id, parent, cand, doc, folder)
    client.set_terminated(parent, "FINISHED")
    return parent


def _experiment(client: Any, name: str, uri: str) -> str:
    found = client.get_experiment_by_name(name)
    if found is not None:
        return found.experiment_id
    location = None
    if uri.startswith("sqlite:///"):  # artifacts beside the database, not in the current folder
        location = (Path(uri.removeprefix("sqlite:///")).resolve().parent / "mlartifacts" / name).as_uri()
    return client.create_experiment(name, artifact_location=location)


def _log_candidate(client: Any, exp_id: str, parent: str, cand: dict[str, Any], doc: dict[str, Any],
                   folder: Path | None) -> None:
    chosen = cand["name"] == doc["chosen"]
    name = label_of(cand["name"], cand.get("family"), cand.get("params"))  # a champion names the model it keeps
    run = client.create_run(exp_id, run_name=name, tags={
        "mlflow.parentRunId": parent, "bakeoff.status": cand["status"], "bakeoff.family": cand["family"],
        "bakeoff.message": (cand.get("message") or "")[:4000], "bakeoff.chosen": str(chosen).lower(),
        "bakeoff.pareto": str(bool(cand.get("pareto"))).lower()}).info.run_id
    metrics = {k: cand.get(k) for k in CANDIDATE_METRICS}
    metrics.update(cand.get("metrics") or {})
    metrics.update({f"cost_{k}": v for k, v in (cand.get("cost") or {}).items()})
    params = {"rung": cand["rung"], "family": cand["family"], "summary": cand.get("summary", "")}
    described = cand.get("params") or {}
    params.update({f"param.{k}": v for k, v in (described.get("params") or {}).items()})
    _log(client, run, params, metrics)
    if described:
        client.log_dict(run, {k: v for k, v in described.items() if k != "sql"}, "describe.json")
    if described.get("sql"):
        client.log_text(run, str(described["sql"]), f"{cand['name']}.sql")
    model = folder / "models" / f"{cand['name']}.pkl" if folder else None
    if model is not None and model.is_file():
        client.log_artifact(run, str(model), "model")
    client.set_terminated(run, RUN_STATUS.get(cand["status"], "FINISHED"))


def _log(client: Any, run: str, params: dict[str, Any], metrics: dict[str, Any]) -> None:
    from mlflow.entities import Metric, Param

    now = int(time.time() * 1000)
    ps = [Param(str(k)[:250], _text(v)) for k, v in params.items() if v is not None][:100]
    ms = [Metric(str(k), float(v), now, 0) for k, v in metrics.items()
          if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)]
    client.log_batch(run, metrics=ms, params=ps)


def _text(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text[:6000]


def _parent_params(doc: dict[str, Any]) -> dict[str, Any]:
    p = doc["problem"]
    return {"seed": doc["seed"], "timebox_s": doc["timebox_s"], "per_candidate_s": doc["per_candidate_s"],
            "primary_metric": doc["primary_metric"], "kind": p["kind"], "target": p["target"],
            "n_train": doc["data"]["n_train"], "n_holdout": doc["data"]["n_holdout"], "origin": doc["data"]["origin"],
            "chosen": doc["chosen"]}


def _chosen_metrics(doc: dict[str, Any]) -> dict[str, Any]:
    cand = next((c for c in doc["candidates"] if c["name"] == doc["chosen"]), None)
    if cand is None:
        return {}
    return {f"chosen_{k}": v for k, v in (cand.get("metrics") or {}).items()}
