"""One candidate's result: the :class:`Row` every layer reads, and the outcome :class:`Status`.

A row is THE definition of a candidate's result. ``results.json`` (its "candidates"
entries), ``tradeoff.csv`` / ``Result.table``, the run-history table ``candidates`` in
``store.py`` and the checkpoint files are all derived from the fields below and their
metadata; nobody lists the fields again. Rows are frozen: the worker and the climb build a
*measured* row once (``dataclasses.replace`` where a turn ends early), the judge builds one
:class:`Verdict` per candidate, and the public row is assembled once from the two
(:meth:`Row.judged`). Blobs (predictions, the pickled model) travel beside the row in :class:`Blobs`.

How to add a per-candidate field (one edit plus the code that computes it):

1. Declare it in :class:`Row` (or in :class:`Cost` for a money figure) with :func:`column`::

       predict_p99_ms: float | None = column("99th percentile predict latency, ms per 1k rows")

   ``json=True`` (default) puts it in results.json (left out while it is None, so rows
   where it does not apply stay as they were); ``table=True`` (default) makes it a column
   of ``tradeoff.csv`` / ``Result.table`` AND of the run-history table (the DuckDB column
   is added to existing history files automatically, typed from the annotation:
   float -> DOUBLE, int -> INTEGER, bool -> BOOLEAN, str / lists -> VARCHAR).
   ``table=False`` for nested or long values (dicts, text); ``json=False`` for internal
   working values (kept in checkpoints, never published).
2. Set it where it is computed: in the worker (``climb.worker``) for what is measured while
   fitting; for what is judged after, declare it with ``stage="judged"`` and put it in the
   verdict (``judge.table.tabulate``, ``judge.front.annotate``).
   Table column order is declaration order; new fields go at the end of their group.
"""

from __future__ import annotations

import dataclasses
import enum
import re
import types
import typing
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from bakeoff.core.jsonable import plain

if TYPE_CHECKING:  # numpy is not imported here: the live display imports Status before the heavy libraries
    import numpy as np


class Status(enum.StrEnum):
    """How a candidate's turn ended."""

    OK = "OK"
    SKIPPED = "SKIPPED"
    FAILED = "FAILED"
    TIMEOUT = "TIMEOUT"


def column(doc: str, *, default: Any = None, json: bool = True, table: bool = True, factory: Any = None,
           stage: str = "measured") -> Any:
    """Declare a row field.

    Args:
        doc: One line saying what the field holds (and its unit).
        default: The value before anything set it (None: "does not apply", left out of JSON).
        json: Published in the ``results.json`` candidate entry.
        table: A column of ``tradeoff.csv`` / ``Result.table`` and of the run-history table.
        factory: A zero-argument callable making the default (for mutable defaults).
        stage: Who sets it: ``"measured"`` (the worker and the climb, before any judgement) or ``"judged"``
            (the judge, in a :class:`Verdict`).
    """
    meta = {"doc": doc, "json": json, "table": table, "stage": stage}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Cost:
    """Dollars under the ``[cost]`` price and scale model (see ``cost.py``)."""

    train_usd: float = column("One retrain at production scale, USD.", default=0.0)
    per_million_predictions_usd: float = column("One million predictions, USD.", default=0.0)
    monthly_usd: float = column("Retrains plus predictions for a month, plus upkeep, USD.", default=0.0)
    train_cpu_s_scaled: float = column("Billed CPU-seconds of one retrain at production scale.", default=0.0,
                                       table=False)
    predict_fixed_ms: float | None = column("Fixed cost of one predict call, billed ms (0 in a warehouse).",
                                            table=False)
    predict_ms_per_1k_marginal: float | None = column("Marginal predict cost, billed ms per 1,000 rows.",
                                                      table=False)
    fit_fixed_s: float | None = column("Fixed cost of one fit, billed seconds (0 in a warehouse).", table=False)
    fit_s_per_1k_rows: float | None = column("Marginal fit cost, billed seconds per 1,000 training rows.",
                                             table=False)
    upkeep_usd: float | None = column("Upkeep a month ([cost] upkeep_usd_per_month), USD; part of monthly_usd.",
                                      table=False)
    estimated: bool = column("True when the per-row cost never showed at the sizes the probes could afford and "
                             "the figure is extrapolated from small data (marked in the table).", default=False,
                             table=False)


@dataclass(frozen=True)
class Value:
    """Dollars a month under the ``[value]`` policy (see ``value.py``); table columns only when set."""

    value_usd_month: float = column("Value of the decisions taken on the predictions, USD a month.", default=0.0)
    value_low: float | None = column("Lower bootstrap bound of the value a month (same resamples as the metric).")
    value_high: float | None = column("Upper bootstrap bound of the value a month.")
    net_usd_month: float = column("Value less the running cost, USD a month.", default=0.0)
    net_low: float | None = column("Lower bound of the net value a month.")
    net_high: float | None = column("Upper bound of the net value a month.")
    value_share: float | None = column("Share of attainable value: (value - nobody) / (oracle - nobody).")
    acted_share: float | None = column("Share of the holdout acted on.")
    value_threshold: float | None = column("Score threshold chosen on the training rows (threshold policy).")
    below: str | None = column("A trivial policy (acting on everybody / nobody, ordering nothing) that nets more a "
                               "month: shown at the run's confidence, or on the point estimate (then 'point').")


@dataclass(frozen=True)
class Row:
    """One candidate's result. Field order is the column order of ``tradeoff.csv``."""

    name: str = column("Registry name, unique in the ladder.", default="")
    rung: int = column("Ladder rung: 0 naive, 1 SQL rule, 2 statistical, 3 trees, 4 boosted, 5 tuned.", default=0)
    family: str = column("Candidate family (naive, sql, glm, btyd, tree, xgboost, or a plugin's).", default="")
    status: Status = column("How its turn ended: OK, SKIPPED, FAILED or TIMEOUT.", default=Status.SKIPPED)
    message: str = column("Why it was SKIPPED / FAILED / TIMEOUT (empty when OK).", default="")
    metrics: dict[str, float] | None = column(
        "Holdout metrics by name (OK rows); the table shows the primary one as 'primary' and all as metric_*.",
        stage="judged")
    ci_low: float | None = column("Lower bootstrap confidence bound of the primary metric.", stage="judged")
    ci_high: float | None = column("Upper bootstrap confidence bound of the primary metric.", stage="judged")
    vs_best: float | None = column("Primary metric minus the best candidate's (paired).", stage="judged")
    vs_best_low: float | None = column("Lower simultaneous (max-T) bound of the paired difference to the best.",
                                       stage="judged")
    vs_best_high: float | None = column("Upper simultaneous (max-T) bound of the paired difference to the best.",
                                        stage="judged")
    vs_best_p: float | None = column("Max-T adjusted bootstrap p-value of 'the best is better' (0: below 1/B).",
                                     stage="judged")
    vs_simplest: float | None = column("Primary metric minus the simplest (lowest rung > 0) candidate's.",
                                       stage="judged")
    vs_simplest_p: float | None = column("Bootstrap p-value of the difference to the simplest.", stage="judged")
    pareto: bool | None = column("On the Pareto front of accuracy, fit time and monthly cost.", stage="judged")
    dominated_by: list[str] | None = column("Candidates at least as good on all three axes, better on one.",
                                            stage="judged")
    fit_s: float | None = column("Fit wall seconds (for TIMEOUT: seconds until the kill).")
    fit_cpu_s: float | None = column("Fit CPU seconds (all threads and child processes).")
    box_s: float | None = column("The candidate's hard box, seconds: [timebox] per_candidate, or for a "
                                 "box-filling tuner [timebox] tuner (default: the rest of the total box).",
                                 table=False)
    predict_ms_per_1k: float | None = column("Predict wall milliseconds per 1,000 holdout rows.")
    model_kb: float | None = column("Model file size, KB: the safe format for built-in candidates, a pickle for "
                                    "others (None: the model cannot be written).")
    peak_rss_mb: float | None = column("Peak resident memory of the worker, MB.")
    cost: Cost | None = column("Dollars under the [cost] model (OK rows); its fields are table columns.",
                               stage="judged")
    bias_pct: float | None = column(
        "Total bias on the holdout, %: (sum of predictions - sum of actuals) / sum of actuals "
        "(customer-base, count and binary problems; for activity: expected vs actual active customers).",
        stage="judged")
    horizon_factor: float | None = column(
        "How label-window predictions were moved to the holdout horizon (bakeoff.data.horizon): the factor for "
        "counts and spend, the exponent e of 1 - (1 - p)^e for activity; None when the candidate is horizon-native.")
    best_set: bool | None = column("In the set of the best: no candidate is shown better (simultaneous max-T).",
                                   stage="judged")
    best_set_p: float | None = column("Adjusted bootstrap p-value of 'not the best' (below 1 - confidence: out).",
                                      stage="judged")
    shortfall: float | None = column("How far the primary metric falls short of the best one (>= 0).", stage="judged")
    shortfall_low: float | None = column("Lower simultaneous bound of the shortfall from the truly best.",
                                         stage="judged")
    shortfall_high: float | None = column("Upper simultaneous bound of the shortfall from the truly best.",
                                          stage="judged")
    train_rows: int | None = column("Training rows the candidate fit on (a seeded stratified sample of "
                                    "[ladder] train_sample rows from rung [ladder] sample_from_rung up).")
    threads: int | None = column("Threads the candidate was allowed.", table=False)
    params: dict[str, Any] | None = column(
        "The fitted candidate's describe() output: parameters, coefficients, SQL text.", table=False)
    summary: str = column("One line saying what the candidate is.", default="", table=False)
    vs_best_name: str | None = column("Name of the best candidate compared with.", table=False, stage="judged")
    vs_simplest_low: float | None = column("Lower bound of the paired difference to the simplest.", table=False,
                                           stage="judged")
    vs_simplest_high: float | None = column("Upper bound of the paired difference to the simplest.", table=False,
                                            stage="judged")
    vs_simplest_name: str | None = column("Name of the simplest candidate compared with.", table=False, stage="judged")
    warnings: list[str] | None = column("Distinct warnings raised while fitting (at most 5).", table=False)
    traceback: str | None = column("Full traceback of a FAILED candidate (where the exception was raised).",
                                   table=False)
    dominance: list[str] | None = column("Who dominates this candidate and by what real margin, in words.",
                                         table=False, stage="judged")
    bootstrap_rounds: int | None = column("Bootstrap resamples behind the intervals (p-values below 1/B).",
                                          table=False, stage="judged")
    inner_score: float | None = column("Primary metric on the inner validation split of train (early stop).")
    predict_s: float | None = column("Predict wall seconds over the holdout.", json=False, table=False)
    predict_cpu_s: float | None = column("Predict CPU seconds over the holdout.", json=False, table=False)
    applicable: bool = column("False when the candidate does not apply to the problem (hidden in reports).",
                              default=True, json=False, table=False)
    value: Value | None = column("Dollars a month under [value] (OK rows); its fields are table columns when set.",
                                 stage="judged")
    predict_points: list[list[float]] | None = column(
        "(rows, billed seconds) of predict calls at several sizes, for the cost model.", table=False)
    fit_points: list[list[float]] | None = column(
        "(training rows, billed seconds) of extra fits at several sizes, for the cost model.", table=False)
    fit_censored: bool | None = column(
        "True when the largest fit point is a probe cut at its allowance: its seconds are a lower bound.", table=False)
    in_warehouse: bool | None = column("Costed as a warehouse query (SQL rules): per-row part only.", table=False)
    probe_s: float | None = column("Wall seconds spent timing fit and predict for the cost model: at other "
                                   "sizes, and a fast predict again (the fastest call is kept).",
                                   table=False)
    probe_cached: bool | None = column(
        "True when those timings were reused from an earlier run with the same candidate, data, library "
        "versions and machine (bakeoff.cost.probecache; [cost] probe_cache).", table=False)

    @property
    def ok(self) -> bool:
        """True when the candidate finished (status OK)."""
        return self.status is Status.OK

    def judged(self, verdict: Verdict) -> Row:
        """This measured row with the judge's verdict: the public row, assembled once."""
        return dataclasses.replace(self, **verdict.values)

    @property
    def monthly_usd(self) -> float | None:
        """Its dollars a month (running plus upkeep; None before costing): the one reader of the cost."""
        return self.cost.monthly_usd if self.cost is not None else None

    @property
    def upkeep_usd(self) -> float:
        """Its declared upkeep a month, part of :attr:`monthly_usd` (0 when none or before costing)."""
        return (self.cost.upkeep_usd or 0.0) if self.cost is not None else 0.0

    @property
    def label(self) -> str:
        """How the row is named to people (:func:`label_of`): a champion names the model it keeps."""
        return label_of(self.name, self.family, self.params)

    def to_json(self) -> dict[str, Any]:
        """The ``results.json`` candidate entry (fields that are None are left out)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.metadata["json"] and value is not None:
                out[f.name] = plain(value)
        return out

    def to_record(self) -> dict[str, Any]:
        """Every field, JSON-ready (for checkpoints); :meth:`from_record` reverses it."""
        return {f.name: plain(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> Row:
        """A row from :meth:`to_record` or a ``results.json`` entry.

        Raises:
            TypeError: On a key that is not a field (typos fail loudly).
        """
        data = dict(data)
        if "status" in data:
            data["status"] = Status(data["status"])
        if isinstance(data.get("cost"), dict):
            data["cost"] = Cost(**data["cost"])
        if isinstance(data.get("value"), dict):
            data["value"] = Value(**data["value"])
        return cls(**data)

    def flat(self, primary: str, chosen: str | None) -> dict[str, Any]:
        """The flat table record: table fields in order, costs spread, ``chosen``, then ``metric_*``."""
        out: dict[str, Any] = {}
        for f in fields(self):
            if not f.metadata["table"]:
                continue
            value = getattr(self, f.name)
            if f.name == "metrics":
                out["primary"] = (value or {}).get(primary)
            elif f.name == "cost":
                out.update({c.name: getattr(value, c.name) if value else None for c in table_fields(Cost)})
            elif f.name == "value":
                out.update({c.name: getattr(value, c.name) for c in table_fields(Value)} if value else {})
            elif isinstance(value, list) or _is_list(f):
                out[f.name] = ";".join(value or [])
            else:
                out[f.name] = value.value if isinstance(value, Status) else value
        out["chosen"] = self.name == chosen
        out.update({f"metric_{k}": v for k, v in (self.metrics or {}).items()})
        return out


def judged_fields() -> frozenset[str]:
    """The row fields the judge sets (``column(stage="judged")``); every other field is measured."""
    return frozenset(f.name for f in fields(Row) if f.metadata["stage"] == "judged")


@dataclass(frozen=True)
class Verdict:
    """What the judge says of one candidate, built once: the values of the row's judged fields.

    Raises:
        TypeError: On a field that is not a judged field of :class:`Row` (a typo, or a measured field).
    """

    values: dict[str, Any]

    def __post_init__(self) -> None:
        stray = sorted(set(self.values) - judged_fields())
        if stray:
            raise TypeError(f"not a judged field of Row: {', '.join(stray)}")


@dataclass(frozen=True)
class Blobs:
    """What a finished candidate leaves beside its row, never inside it (kept out of JSON, CSV and history).

    Attributes:
        predictions: Holdout predictions (OK rows).
        model: The pickled fitted candidate (for export and the champion), or None when it cannot be pickled.
        validation: Inner-validation targets ``y`` and predictions ``p`` on training rows ([value] threshold /
            quantile policies), or None.
    """

    predictions: np.ndarray | None = None
    model: bytes | None = None
    validation: dict[str, list[float]] | None = None


@dataclass(frozen=True)
class Finished:
    """A candidate's turn as a worker returns it: its row and its blobs."""

    row: Row
    blobs: Blobs = field(default_factory=Blobs)


def label_of(name: str, family: str | None, params: dict[str, Any] | None) -> str:
    """A row's name for people: ``champion (pareto_nbd, run 20261207T180512)`` for a champion, else its name.

    The row's ``name`` stays the key (``results.json``'s ``chosen``, file names, history rows).
    """
    inner = (params or {}).get("candidate") if family == "champion" else None
    if not inner:
        return name
    source = str((params or {}).get("champion_of", ""))
    last = source.rstrip("/").rpartition("/")[2] or source
    where = f"from {last}" if (params or {}).get("champion_origin") == "export" else f"run {last}"
    return f"{name} ({inner}, {where})"


def keep_words(row: Row, better: list[str], shown: str = "shown better") -> str:
    """The opening of a choice that keeps the champion: ``Keep pareto_nbd from 2026-12-07: no challenger is
    shown better.`` ('' for any other row); ``better`` names the challengers the evidence puts ahead of it."""
    inner = (row.params or {}).get("candidate") if row.family == "champion" else None
    if not inner:
        return ""
    when = source_date(str((row.params or {}).get("champion_of", "")))
    if not better:
        return f"Keep {inner} from {when}: no challenger is {shown}. "
    verb = "is" if len(better) == 1 else "are"
    return f"Keep {inner} from {when}, although {', '.join(better[:3])} {verb} {shown}: "


def source_date(source: str) -> str:
    """The date of a champion's run (``2026-12-07``), or where it came from when that is not a run."""
    last = source.rstrip("/").rpartition("/")[2] or source
    stamp = re.match(r"(\d{4})(\d{2})(\d{2})T\d{6}", last)
    return f"{stamp[1]}-{stamp[2]}-{stamp[3]}" if stamp else last


def table_fields(cls: type) -> list[dataclasses.Field]:
    """The fields of ``cls`` that are table columns."""
    return [f for f in fields(cls) if f.metadata["table"]]


def column_types() -> dict[str, type]:
    """Python type of each fixed column of :meth:`Row.flat` (``metric_*`` columns vary and are left out)."""
    import numpy

    out: dict[str, type] = {}
    for cls in (Row, Cost):
        hints = typing.get_type_hints(cls, localns={"np": numpy})
        for f in table_fields(cls):
            if f.name == "metrics":
                out["primary"] = float
            elif f.name not in ("cost", "value"):
                out[f.name] = _base_type(hints[f.name])
    order = [k for k in Row.flat(Row(), "", None) if not k.startswith("metric_")]
    return {k: (bool if k == "chosen" else out[k]) for k in order}


def _base_type(hint: Any) -> type:
    args = [a for a in typing.get_args(hint) if a is not type(None)] if isinstance(hint, types.UnionType) else [hint]
    base = typing.get_origin(args[0]) or args[0]
    return str if issubclass(base, enum.Enum) or base is list else base


def _is_list(declared: dataclasses.Field) -> bool:
    return "list[" in str(declared.type)
