"""What an exported folder needs to score new rows: the rendered rule SQL and a scorer.

A rule's exported SQL has every placeholder filled (target, key, horizon) and, when
the rule predicts for the training label window, the same horizon scaling the
bake-off applied wrapped around it, so running it reproduces the stored predictions.
:func:`score_folder` scores new feature rows from an exported folder alone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from bakeoff.candidates.contract import Capabilities
from bakeoff.candidates.modelfile import load_model
from bakeoff.core.errors import DataError
from bakeoff.data.coltypes import as_numbers, conform
from bakeoff.data.horizon import factor_sql
from bakeoff.query.render import placeholders, problem_values, substitute
from bakeoff.query.sandbox import run_rule

SCORE_PY = '''"""Score new rows with the exported candidate (needs `pip install bakeoff` and this folder only).

    python score.py NEW_FEATURES.parquet predictions.csv     # or a .csv; one row per {key_label}
"""

import sys
from pathlib import Path

import pandas as pd

from bakeoff.export.deploy import score_folder

source = sys.argv[1]
new = pd.read_parquet(source) if source.endswith(".parquet") else pd.read_csv(source)
score_folder(Path(__file__).parent, new).to_csv(sys.argv[2], header=["prediction"])
'''


def horizon_scale(problem: dict[str, Any]) -> float:
    """Holdout horizon over the training label window (1 when either is missing)."""
    h, label = problem.get("horizon_weeks"), problem.get("label_weeks")
    return float(h) / float(label) if h and label else 1.0


def horizon_factor(problem: dict[str, Any]) -> float | None:
    """The factor (or activity exponent) the run applied: the candidate's ``horizon_factor``, or for
    folders written before horizon alignment the run-rate scale; None when nothing was applied."""
    if "horizon_factor" in problem:
        return problem["horizon_factor"]
    scale = horizon_scale(problem)
    return None if scale == 1.0 else scale


def render_rule(sql: str, problem: dict[str, Any], *, horizon_native: bool) -> str:
    """The rule's SQL with ``{target}``, ``{key}``, ``{target_name}``, ``{horizon_weeks}`` filled.

    Raises:
        DataError: If a placeholder is left that the run does not provide.
    """
    values = problem_values(problem["target"], problem["key"], problem.get("horizon_weeks"))
    text = substitute(sql.strip().rstrip(";"), values)
    left = placeholders(text)
    if left:
        raise DataError(f"The rule's SQL uses placeholder(s) {', '.join(left)} that the run does not record.")
    scale = horizon_factor(problem)
    if horizon_native or scale is None:
        return text + "\n"
    expr = factor_sql(problem["task"], scale)
    how = "as the run did (1 - (1 - p)^e)" if problem["task"] == "binary" else "as the run did (one factor)"
    return (f"-- The rule predicts for the {problem['label_weeks']:.4g}-week training label window; aligned "
            f"{how} to the {problem['horizon_weeks']:.4g}-week horizon.\n"
            f"SELECT key, {expr} AS prediction FROM (\n{text}\n) AS rule\n")


def score_folder(folder: str | Path, new: pd.DataFrame) -> pd.Series:
    """Predictions for ``new`` feature rows from an exported folder (rule SQL or pickled model).

    Args:
        folder: A folder written by ``bakeoff export``.
        new: One row per key: the key column (or index) and the feature columns.
    """
    folder = Path(folder)
    problem = json.loads((folder / "problem.json").read_text())
    key = problem["key"]
    rows = new.set_index(key) if key in new.columns else new.rename_axis(key)
    rows = conform(rows, problem.get("columns") or {})  # typed as the training rows were
    rules = sorted(folder.glob("*.sql"))
    if rules:
        train = pd.read_parquet(folder / "train.parquet")
        train = train.reset_index() if key not in train.columns else train
        pred = run_rule(rules[0].read_text(), as_numbers(train.set_index(key)), as_numbers(rows),
                        name=rules[0].stem)
        return pred.reindex(rows.index)
    return _score_model(folder / "model.pkl", problem, rows)


def _score_model(path: Path, problem: dict[str, Any], rows: pd.DataFrame) -> pd.Series:
    from bakeoff.data.frame import Frame, Problem
    from bakeoff.data.horizon import apply_factor

    model = load_model(path.read_bytes())
    prob = Problem(kind=problem["kind"], task=problem["task"], target=problem["target"], key=problem["key"],
                   horizon_weeks=problem.get("horizon_weeks"), label_weeks=problem.get("label_weeks"))
    features = tuple(problem.get("features") or rows.columns)
    frame = Frame(prob, rows.iloc[:0].assign(**{prob.target: []}), rows[list(features)], features)
    pred = model.predict(frame).reindex(rows.index).to_numpy(float)
    factor = horizon_factor(problem)
    if not Capabilities.of(model).horizon_native and factor is not None:
        pred = apply_factor(pred, prob.task, factor)
    return pd.Series(pred, index=rows.index, name="prediction")
