"""Score a finished climb: metrics, costs, the judgement, the value report and the :class:`Result`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from bakeoff.candidates.metrics import METRICS
from bakeoff.config.experiment import Experiment
from bakeoff.core.records import Blobs, Row
from bakeoff.cost.model import cost_of
from bakeoff.data.frame import Frame, Problem
from bakeoff.judge.champion import verdict
from bakeoff.judge.choice import Choice, choose, choose_net_value, keep_above_trivial
from bakeoff.judge.diagnostics import calibration_tables, ranking_flips, segment_scores
from bakeoff.judge.front import JudgedValues, Margins, annotate, sentences, to_frame, with_verdicts
from bakeoff.judge.scoring import Scores, score_all
from bakeoff.judge.value import Decision, Resamples, ValueReport, evaluate_rows
from bakeoff.judge.words import below_sentences, value_sentences


def reports_bias(problem: Problem) -> bool:
    """True where a total bias (predicted vs actual total) means something: customer-base, count, binary."""
    return problem.kind == "customer_base" or problem.task in ("count", "binary")


@dataclass
class Judged:
    """What the judge adds to a finished climb: the table, the choice and its reasons, and the evidence."""

    rows: list[Row]
    table: pd.DataFrame
    primary: str
    chosen: str | None
    reason: str
    sentences: list[str]
    holdout_y: np.ndarray
    predictions: dict[str, np.ndarray]
    models: dict[str, bytes]
    segments: pd.DataFrame | None
    segment_notes: list[str]
    calibration: dict[str, list[dict[str, Any]]]
    champion: dict[str, Any] | None
    value: Any


def tabulate(exp: Experiment, frame: Frame, rows: list[Row], names: tuple[str, ...],
             blobs: dict[str, Blobs]) -> Judged:
    """Score OK rows on the holdout, add costs, CIs, dominance, the choice and the sentences.

    Args:
        exp, frame: The run's experiment and frame.
        rows: Every candidate's row, in ladder order.
        names: The metrics to score, the primary one first.
        blobs: The OK candidates' predictions, models and validation data, by name.
    """
    assert frame.holdout_y is not None
    y = frame.holdout_y.to_numpy(dtype=float)
    kept = [(r.name, blobs[r.name]) for r in rows if r.name in blobs]  # in ladder order
    preds = {n: b.predictions for n, b in kept if b.predictions is not None}
    models = {n: b.model for n, b in kept if b.model}
    scores = score_all(y, preds, names, rounds=exp.score.bootstrap, confidence=exp.score.confidence,
                       seed=exp.seed)
    # one verdict per candidate, gathered step by step; each step reads the rows with what is judged so far
    verdicts: JudgedValues = {r.name: _scored(exp, frame, r, scores, preds.get(r.name), y) for r in rows if r.ok}
    value = _value(exp, frame, with_verdicts(rows, verdicts), {n: b for n, b in blobs.items() if n in preds}, y)
    for name in value.candidates if value is not None else ():
        verdicts[name]["value"] = value.value_of(name)
    margins = Margins.of(exp.cost)
    _merge(verdicts, annotate(with_verdicts(rows, verdicts), scores, margins))
    view = with_verdicts(rows, verdicts)
    champion = verdict(view, scores)
    said = [champion["sentence"]] if champion else []
    choice = choose(view, scores, exp.choose, margins)
    lines: list[str] = []
    if value is not None:
        choice, lines = _value_verdict(exp, value, view, choice, margins, scores)
        _merge(verdicts, choice.judged)
    rows = with_verdicts(rows, verdicts)  # each measured row with its one verdict: the public rows
    chosen, reason = choice.name, choice.reason
    table = to_frame(rows, names[0], chosen)
    best = next((r.vs_best_name for r in rows if r.vs_best_name), None)
    seg = segment_scores(frame.segments, y, preds, scores.primary)
    return Judged(rows=rows, table=table, primary=names[0], chosen=chosen, reason=reason,
                  sentences=said + lines + sentences(rows, scores, exp.score.confidence), holdout_y=y,
                  predictions=preds, models=models, segments=seg,
                  segment_notes=ranking_flips(seg, scores.primary, best),
                  calibration=calibration_tables(frame.problem, frame.holdout, y, preds), champion=champion,
                  value=value)


def _scored(exp: Experiment, frame: Frame, row: Row, scores: Scores, pred: np.ndarray | None,
            actual: np.ndarray) -> dict[str, Any]:
    """The first judged fields of an OK row: its holdout metrics, its cost and (where it means something) its bias."""
    out: dict[str, Any] = {"metrics": scores.metrics[row.name],
                           "cost": cost_of(row, exp.cost, len(frame.train), len(frame.holdout))}
    if reports_bias(frame.problem) and pred is not None:
        out["bias_pct"] = METRICS["bias_pct"](actual, pred)
    return out


def _merge(verdicts: JudgedValues, more: JudgedValues) -> None:
    for name, values in more.items():
        verdicts.setdefault(name, {}).update(values)


def _value(exp: Experiment, frame: Frame, rows: list[Row], blobs: dict[str, Blobs],
           actual: np.ndarray) -> ValueReport | None:
    """The ``[value]`` report (None without the section)."""
    if exp.value is None:
        return None
    from bakeoff.judge.scoring import bootstrap_chunks

    rounds = exp.score.bootstrap
    decision = Decision(exp.value, frame.problem.kind, frame.problem.target,
                        exp.value.population_per_month or exp.cost.predictions_per_month)
    resamples = Resamples(lambda: bootstrap_chunks(len(actual), rounds, exp.seed) if rounds else [],
                          exp.score.confidence)
    return evaluate_rows(decision, rows, actual, blobs, resamples)


def _value_verdict(exp: Experiment, value: ValueReport, rows: list[Row], choice: Choice, margins: Margins,
                   scores: Scores) -> tuple[Choice, list[str]]:
    """With ``[value]``: the dollar sentences, and the choice when ``rule = "max_net_value"``."""
    ok = [r for r in rows if r.ok]
    verdict = choose_net_value(value, ok, exp.choose, confidence=exp.score.confidence, margins=margins)
    value.leaders = verdict.leaders
    lines = value_sentences(value, ok, verdict.leaders, exp.score.confidence, margins)
    lines += below_sentences(value, with_verdicts(ok, verdict.judged), exp.score.confidence)
    if exp.choose.rule == "max_net_value":
        return verdict, lines
    chosen, reason = keep_above_trivial(value, ok, choice.name, choice.reason,
                                        lambda keep: choose(keep, scores, exp.choose, margins))
    return Choice(chosen, reason, judged=verdict.judged), lines
