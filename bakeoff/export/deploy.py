"""What an exported folder needs to score new rows: the rendered rule SQL and a scorer.

A rule's exported SQL has every placeholder filled (target, key, horizon) and, when
the rule predicts for the training label window, the same horizon scaling the
bake-off applied wrapped around it, so running it reproduces the stored predictions.
:func:`score_folder` scores new feature rows from an exported folder alone.
"""

from __future__ import annotations

import json
import re
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

predictions.csv has the key column of NEW_FEATURES and a prediction per row. A file without the key or a
feature column it reads (problem.json lists them) is refused with one line naming them (exit code 2).
"""

import sys
from pathlib import Path

from bakeoff.core.errors import BakeoffError
from bakeoff.export.deploy import read_new_rows, score_folder

if len(sys.argv) != 3:
    print("usage: python score.py NEW_FEATURES.parquet|.csv PREDICTIONS.csv", file=sys.stderr)
    sys.exit(2)
here = Path(__file__).parent
try:
    new = read_new_rows(here, sys.argv[1])
    score_folder(here, new, source=f"'{sys.argv[1]}'").to_csv(sys.argv[2])
except (BakeoffError, OSError) as exc:
    print(f"error: {exc}", file=sys.stderr)
    sys.exit(2)
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


def key_names(problem: dict[str, Any]) -> list[str]:
    """The names the key may have in new rows: as the source data names it (``source_key``), then the run's."""
    return list(dict.fromkeys(n for n in (problem.get("source_key"), problem["key"]) if n))


def read_new_rows(folder: str | Path, path: str | Path) -> pd.DataFrame:
    """New rows from a Parquet or CSV file (a CSV's key column read as text, so IDs keep their form).

    Raises:
        DataError: If the file is not there, is neither Parquet nor CSV, or cannot be read as one.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise DataError(f"'{path}' was not found; expected a Parquet or CSV file of new rows.")
    if suffix not in (".parquet", ".csv"):
        raise DataError(f"'{path}' must be a .parquet or .csv file of new rows; got '{suffix or 'no suffix'}'.")
    names = key_names(json.loads((Path(folder) / "problem.json").read_text()))
    try:
        return pd.read_parquet(path) if suffix == ".parquet" else pd.read_csv(path, dtype=dict.fromkeys(names, str))
    except (OSError, ValueError) as exc:  # pyarrow's and pandas' parse errors are ValueErrors
        lines = str(exc).splitlines() or [type(exc).__name__]
        raise DataError(f"'{path}' cannot be read as {suffix[1:].upper()}: {lines[0]}") from None


def score_folder(folder: str | Path, new: pd.DataFrame, *, source: str = "the new rows") -> pd.Series:
    """Predictions for ``new`` feature rows from an exported folder (rule SQL or pickled model).

    Args:
        folder: A folder written by ``bakeoff export``.
        new: One row per key: the key column (or a named index) and the feature columns.
        source: What ``new`` is called in messages (the file name).

    Returns:
        The predictions, named ``prediction``, indexed by the key as ``new`` names it (``customer_id``, say).

    Raises:
        DataError: If ``new`` lacks the key or a feature column the scorer reads, or repeats a key.
    """
    folder = Path(folder)
    problem = json.loads((folder / "problem.json").read_text())
    key = problem["key"]
    rules = sorted(folder.glob("*.sql"))
    rows, named = _keyed_rows(new, problem, rules, source)
    rows = conform(rows, problem.get("columns") or {})  # typed as the training rows were
    if rules:
        train = pd.read_parquet(folder / "train.parquet")
        train = train.reset_index() if key not in train.columns else train
        pred = run_rule(rules[0].read_text(), as_numbers(train.set_index(key)), as_numbers(rows),
                        name=rules[0].stem).reindex(rows.index)
    else:
        pred = _score_model(folder / "model.pkl", problem, rows)
    return pred.rename("prediction").rename_axis(named)


def _keyed_rows(new: pd.DataFrame, problem: dict[str, Any], rules: list[Path],
                source: str) -> tuple[pd.DataFrame, str]:
    """``new`` indexed by the run's key, and the key's name in ``new`` (the predictions' key column)."""
    names = key_names(problem)
    named = next((n for n in names if n in new.columns), None)
    if named is not None:
        rows = new.set_index(named)
    elif new.index.name in names:
        rows, named = new, str(new.index.name)
    elif "source_key" in problem and problem["source_key"] is None:  # no key configured: rows are numbered
        rows, named = new, problem["key"]
    else:
        rows = new
    needed = _needed_features(problem, rules[0].read_text() if rules else None, rows)
    missing = ([] if named else [f"{names[0]} (the key)"]) + [c for c in needed if c not in rows.columns]
    if missing:
        key_words = " or ".join(f"'{n}'" for n in names)
        raise DataError(f"Missing column(s) in {source}: {', '.join(missing)}; expected the key ({key_words}) and "
                        "the feature columns listed in problem.json. Add them and score again.")
    if rows.index.has_duplicates:
        repeated = rows.index[rows.index.duplicated()]
        raise DataError(f"Key column '{named}' of {source} repeats {len(repeated)} value(s) (first "
                        f"'{repeated[0]}'); expected one row per {named}.")
    return rows.rename_axis(problem["key"]), str(named)


def _needed_features(problem: dict[str, Any], rule_sql: str | None, rows: pd.DataFrame) -> list[str]:
    """The feature columns the scorer reads: a model all of the run's, a rule those its SQL names."""
    features = [str(f) for f in problem.get("features") or rows.columns]
    if rule_sql is None:
        return features
    return [f for f in features if re.search(rf"(?<!\w){re.escape(f)}(?!\w)", rule_sql)]


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
