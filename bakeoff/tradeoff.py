"""The trade-off table: CIs, paired comparisons, Pareto flags, the choice and its sentences."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from bakeoff.config import ChooseSection
from bakeoff.money import usd
from bakeoff.row import Row
from bakeoff.scoring import Scores


@dataclass(frozen=True)
class Choice:
    """The chosen candidate and the plain sentence saying why."""

    name: str | None
    reason: str


def annotate(rows: list[Row], scores: Scores) -> None:
    """Add CI, vs-best, vs-simplest, Pareto and dominated-by fields to OK rows (in place)."""
    ok = [r for r in rows if r.ok]
    if not ok:
        return
    m = scores.primary
    best = _best(ok, m.name, m.higher_is_better)
    simplest = next((r for r in sorted(ok, key=lambda r: r.rung) if r.rung > 0), None)
    for r in ok:
        r.ci_low, r.ci_high = scores.ci(r.name)
        r.vs_best, r.vs_best_low, r.vs_best_high, r.vs_best_p = scores.diff(r.name, best.name)
        r.vs_best_name = best.name
        if simplest is not None:
            r.vs_simplest, r.vs_simplest_low, r.vs_simplest_high, r.vs_simplest_p = scores.diff(
                r.name, simplest.name)
            r.vs_simplest_name = simplest.name
    for r in ok:
        r.dominated_by = [o.name for o in ok if o is not r and _dominates(o, r, scores)]
        r.pareto = not r.dominated_by


def _metric(row: Row, name: str) -> float:
    assert row.metrics is not None, f"{row.name} has no metrics"
    return row.metrics[name]


def _usd_of(row: Row) -> float:
    assert row.cost is not None, f"{row.name} has no cost"
    return row.cost.monthly_usd


def _best(ok: list[Row], metric: str, higher: bool) -> Row:
    return sorted(ok, key=lambda r: (-_metric(r, metric) if higher else _metric(r, metric), r.rung))[0]


def _dominates(a: Row, b: Row, scores: Scores) -> bool:
    m = scores.primary
    ma, mb = _metric(a, m.name), _metric(b, m.name)
    tie = scores.tied(a.name, b.name) if scores.replicates else ma == mb
    acc_ge = tie or m.better(ma, mb)
    acc_gt = (not tie) and m.better(ma, mb)
    ca, cb = _usd_of(a), _usd_of(b)
    fa, fb = a.fit_s, b.fit_s
    assert fa is not None and fb is not None
    if not (acc_ge and fa <= fb and ca <= cb):
        return False
    return acc_gt or fa < fb or ca < cb


def choose(rows: list[Row], scores: Scores, rule: ChooseSection) -> Choice:
    """Apply the ``[choose]`` rule and say why in one sentence."""
    m = scores.primary
    ok = [r for r in rows if r.ok]
    allowed = [r for r in ok if _within_limits(r, rule)]
    if not allowed:
        return Choice(None, "No candidate finished within the limits of [choose]; nothing was chosen.")
    best = _best(allowed, m.name, m.higher_is_better)
    bval = _metric(best, m.name)
    if rule.rule == "best":
        return Choice(best.name, f"Chose {best.name}: the best {m.label} ({bval:.4g}).")
    slack = abs(bval) * rule.tolerance if rule.relative else rule.tolerance
    near = [r for r in allowed if abs(_metric(r, m.name) - bval) <= slack + 1e-12
            or (m.better(_metric(r, m.name), bval))]
    tol = f"{rule.tolerance:.0%}" if rule.relative else f"{rule.tolerance:g}"
    if rule.rule == "simplest_within":
        pick = sorted(near, key=lambda r: (r.rung, _usd_of(r)))[0]
        how = "the simplest"
    else:
        pick = sorted(near, key=lambda r: (_usd_of(r), r.rung))[0]
        how = "the cheapest"
    if pick is best:
        other = "cheaper" if rule.rule == "cheapest_within" else "simpler"
        return Choice(pick.name, f"Chose {pick.name}: it has the best {m.label} ({bval:.4g}) and no "
                      f"{other} candidate comes within {tol} of it.")
    return Choice(pick.name, f"Chose {pick.name}: {how} candidate within {tol} of the best {m.label} "
                  f"({best.name}, {bval:.4g}); its {m.label} is {_metric(pick, m.name):.4g} and it costs "
                  f"{usd(_usd_of(pick))} a month against {usd(_usd_of(best))}.")


def _within_limits(r: Row, rule: ChooseSection) -> bool:
    if rule.max_monthly_usd is not None and _usd_of(r) > rule.max_monthly_usd:
        return False
    limit = rule.max_predict_ms_per_1k
    return limit is None or (r.predict_ms_per_1k is not None and r.predict_ms_per_1k <= limit)


def sentences(rows: list[Row], scores: Scores, confidence: float) -> list[str]:
    """One plain sentence per OK candidate comparing it with the best one."""
    m = scores.primary
    out = []
    for r in rows:
        if not r.ok or r.vs_best_name is None or r.vs_best_name == r.name:
            continue
        assert r.vs_best is not None and r.vs_best_low is not None and r.vs_best_high is not None
        best = next(o for o in rows if o.name == r.vs_best_name)
        gap = abs(r.vs_best)
        worse = "higher" if r.vs_best > 0 else "lower"
        if r.vs_best == 0:
            worse = "the same"
        lo, hi = sorted((abs(r.vs_best_low), abs(r.vs_best_high)))
        real = not (r.vs_best_low <= 0 <= r.vs_best_high)
        verdict = _verdict(real, gap, abs(_metric(best, m.name)))
        ci = f" ({confidence:.0%} CI of the difference {r.vs_best_low:+.3g} to {r.vs_best_high:+.3g})" \
            if math.isfinite(lo) and math.isfinite(hi) else ""
        diff = f"has the same {m.label}" if gap == 0 else f"its {m.label} is {gap:.3g} {worse}{ci}"
        ratio = _ratio(best, r)
        joiner = "as" if ratio.endswith("as cheap to run") else "than"
        out.append(f"{r.name} is {ratio} {joiner} {best.name} and {diff}: {verdict}.")
    return out


def _verdict(real: bool, gap: float, scale: float) -> str:
    if not real:
        return "the difference is not significant"
    small = scale > 0 and gap / scale < 0.02
    return "the difference is real but small" if small else "the difference is real"


def _ratio(best: Row, r: Row) -> str:
    a, b = _usd_of(r), _usd_of(best)
    if a <= 0 or b <= 0:
        return "as cheap to run"
    ratio = b / a
    if ratio >= 1.05:
        return f"{ratio:,.0f}× cheaper to run" if ratio >= 10 else f"{ratio:.1f}× cheaper to run"
    if ratio <= 1 / 1.05:
        inv = 1 / ratio
        return f"{inv:,.0f}× more expensive to run" if inv >= 10 else f"{inv:.1f}× more expensive to run"
    return "about as cheap to run"


def to_frame(rows: list[Row], primary: str, chosen: str | None) -> pd.DataFrame:
    """The flat table: one row per candidate, metrics and costs as columns (see :meth:`Row.flat`)."""
    return pd.DataFrame([r.flat(primary, chosen) for r in rows]).set_index("name")
