"""The config sections whose code lives in later layers: ``[checks]``, ``[track]``, ``[value]``, and the split keys.

Each section is declared here, in the config layer, so that loading an experiment needs nothing
from the layers that act on it (drift checks, MLflow tracking, the value of a decision).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ChecksSection(BaseModel):
    """``[checks]``: expectations that refuse a run, and the drift threshold that flags features."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_rows: int | None = Field(None, ge=1)
    max_null_rate: float | dict[str, float] | None = None
    ranges: dict[str, tuple[float, float]] = {}
    psi: float = Field(0.2, gt=0)
    alpha: float = Field(0.01, gt=0, lt=1)
    drift: bool = True


class TrackSection(BaseModel):
    """``[track]``: where runs are logged (nothing by default)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mlflow: str | None = None
    experiment: str | None = None


BINARY_PAYOFFS = ("value_per_true_positive", "cost_per_action", "value_per_false_positive", "cost_per_false_negative")
ORDER_PAYOFFS = ("cost_per_unit_under", "cost_per_unit_over", "quantile")
CUSTOMER_PAYOFFS = ("margin", "value_per_active_customer", "value_per_purchase", "cost_per_contact")
CUSTOMER_UNIT = {"spend": "margin", "active": "value_per_active_customer", "purchases": "value_per_purchase"}

class ValueSection(BaseModel):
    """``[value]``: the decision taken on each candidate's predictions and what it pays."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    policy: Literal["top_fraction", "threshold", "order"] | None = None
    fraction: float | None = Field(None, gt=0, le=1)
    value_per_true_positive: float | None = None
    cost_per_action: float | None = Field(None, ge=0)
    value_per_false_positive: float | None = None
    cost_per_false_negative: float | None = Field(None, ge=0)
    cost_per_unit_under: float | None = Field(None, ge=0)
    cost_per_unit_over: float | None = Field(None, ge=0)
    quantile: float | None = Field(None, gt=0, lt=1)
    margin: float | None = Field(None, gt=0, le=1)
    value_per_active_customer: float | None = None
    value_per_purchase: float | None = None
    cost_per_contact: float | None = Field(None, ge=0)
    population_per_month: float | None = Field(None, gt=0)

    def resolved_policy(self, kind: str) -> str:
        """The policy named, or the kind's default (``order``; ``top_fraction`` when a fraction is set)."""
        if self.policy:
            return self.policy
        if kind in ("regression", "count"):
            return "order"
        return "top_fraction" if self.fraction is not None or kind == "customer_base" else "threshold"

    def needs_validation(self, kind: str) -> bool:
        """True when the policy is tuned on the training data (a threshold, or a residual quantile)."""
        return self.resolved_policy(kind) == "threshold" or self.quantile is not None


def problems(section: ValueSection, kind: str, target: str) -> str | None:
    """The first mistake in ``[value]`` for a ``kind`` problem (one sentence), or None."""
    policy = section.resolved_policy(kind)
    given = {k for k, v in section.model_dump().items() if v is not None}
    own = {"binary": BINARY_PAYOFFS, "regression": ORDER_PAYOFFS, "count": ORDER_PAYOFFS,
           "customer_base": CUSTOMER_PAYOFFS}[kind]
    for name in (*BINARY_PAYOFFS, *ORDER_PAYOFFS, *CUSTOMER_PAYOFFS):
        if name in given and name not in own:
            return (f"The '{name}' field of [value] does not apply to a {kind} problem; "
                    f"use {', '.join(own)} instead.")
    allowed = {"binary": ("top_fraction", "threshold"), "regression": ("order",), "count": ("order",),
               "customer_base": ("top_fraction",)}[kind]
    if policy not in allowed:
        return (f"The 'policy' field of [value] must be {' or '.join(repr(a) for a in allowed)} for a {kind} "
                f"problem. Got {policy!r} instead.")
    if policy == "top_fraction" and section.fraction is None:
        return "[value] with policy = \"top_fraction\" needs fraction = <share acted on, e.g. 0.1>."
    if policy in ("threshold", "order") and section.fraction is not None:
        return f"The 'fraction' field of [value] does not apply to policy = {policy!r}; remove it."
    needed = {"binary": ("value_per_true_positive",), "regression": ORDER_PAYOFFS[:2], "count": ORDER_PAYOFFS[:2],
              "customer_base": (CUSTOMER_UNIT.get(target, "margin"),)}[kind]
    missing = [n for n in needed if n not in given]
    if missing:
        return f"[value] for a {kind} problem{_for(kind, target)} needs {' and '.join(missing)}."
    wrong = [CUSTOMER_UNIT[t] for t in CUSTOMER_UNIT if t != target and CUSTOMER_UNIT[t] in given]
    if kind == "customer_base" and wrong:
        return (f"The '{wrong[0]}' field of [value] does not fit target = {target!r}; "
                f"use {CUSTOMER_UNIT[target]} instead.")
    return None


def _for(kind: str, target: str) -> str:
    return f" with target = {target!r}" if kind == "customer_base" else ""


def check_split_keys(method: str, column: str | None, cutoff: dt.date | None, file: str | None,
                     table: str | None) -> None:
    """Refuse a ``[problem].split`` whose keys do not fit its method (a ValueError for the config layer)."""
    if method == "time" and (column is None or cutoff is None):
        raise ValueError('method = "time" needs column = "<date column>" and cutoff = "YYYY-MM-DD"')
    if method == "group" and column is None:
        raise ValueError('method = "group" needs column = "<entity column>" (all its rows go to one side)')
    if method == "fixed" and sum(x is not None for x in (column, file, table)) != 1:
        raise ValueError('method = "fixed" needs exactly one of column = "<holdout flag column>", '
                         'file = "<holdout file>" or table = "<holdout table>"')
    if method != "fixed" and (file is not None or table is not None):
        raise ValueError(f'file and table give a fixed holdout; they need method = "fixed", not "{method}"')
