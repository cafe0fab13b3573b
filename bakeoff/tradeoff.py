"""The trade-off table: CIs, paired comparisons, Pareto flags, the choice and its sentences."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from bakeoff.config import ChooseSection
from bakeoff.scoring import Scores


@dataclass(frozen=True)
class Choice:
    """The chosen candidate and the plain sentence saying why."""

    name: str | None
    reason: str


def annotate(rows: list[dict], scores: Scores) -> None:
    """Add CI, vs-best, vs-simplest, Pareto and dominated-by fields to OK rows (in place)."""
    ok = [r for r in rows if r["status"] == "OK"]
    if not ok:
        return
    m = scores.primary
    best = _best(ok, m.name, m.higher_is_better)
    simplest = next((r for r in sorted(ok, key=lambda r: r["rung"]) if r["rung"] > 0), None)
    for r in ok:
        r["ci_low"], r["ci_high"] = scores.ci(r["name"])
        _compare(r, "vs_best", best, scores)
        _compare(r, "vs_simplest", simplest, scores)
    for r in ok:
        r["dominated_by"] = [o["name"] for o in ok if o is not r and _dominates(o, r, scores)]
        r["pareto"] = not r["dominated_by"]


def _best(ok: list[dict], metric: str, higher: bool) -> dict:
    return sorted(ok, key=lambda r: (-r["metrics"][metric] if higher else r["metrics"][metric], r["rung"]))[0]


def _compare(row: dict, prefix: str, other: dict | None, scores: Scores) -> None:
    if other is None:
        return
    point, lo, hi, p = scores.diff(row["name"], other["name"])
    row[prefix] = point
    row[f"{prefix}_low"], row[f"{prefix}_high"], row[f"{prefix}_p"] = lo, hi, p
    row[f"{prefix}_name"] = other["name"]


def _dominates(a: dict, b: dict, scores: Scores) -> bool:
    m = scores.primary
    ma, mb = a["metrics"][m.name], b["metrics"][m.name]
    tie = scores.tied(a["name"], b["name"]) if scores.replicates else ma == mb
    acc_ge = tie or m.better(ma, mb)
    acc_gt = (not tie) and m.better(ma, mb)
    ca, cb = a["cost"]["monthly_usd"], b["cost"]["monthly_usd"]
    fa, fb = a["fit_s"], b["fit_s"]
    if not (acc_ge and fa <= fb and ca <= cb):
        return False
    return acc_gt or fa < fb or ca < cb


def choose(rows: list[dict], scores: Scores, rule: ChooseSection) -> Choice:
    """Apply the ``[choose]`` rule and say why in one sentence."""
    m = scores.primary
    ok = [r for r in rows if r["status"] == "OK"]
    allowed = [r for r in ok if _within_limits(r, rule)]
    if not allowed:
        return Choice(None, "No candidate finished within the limits of [choose]; nothing was chosen.")
    best = _best(allowed, m.name, m.higher_is_better)
    bval = best["metrics"][m.name]
    if rule.rule == "best":
        return Choice(best["name"], f"Chose {best['name']}: the best {m.label} ({bval:.4g}).")
    slack = abs(bval) * rule.tolerance if rule.relative else rule.tolerance
    near = [r for r in allowed if abs(r["metrics"][m.name] - bval) <= slack + 1e-12
            or (m.better(r["metrics"][m.name], bval))]
    tol = f"{rule.tolerance:.0%}" if rule.relative else f"{rule.tolerance:g}"
    if rule.rule == "simplest_within":
        pick = sorted(near, key=lambda r: (r["rung"], r["cost"]["monthly_usd"]))[0]
        how = "the simplest"
    else:
        pick = sorted(near, key=lambda r: (r["cost"]["monthly_usd"], r["rung"]))[0]
        how = "the cheapest"
    if pick is best:
        other = "cheaper" if rule.rule == "cheapest_within" else "simpler"
        return Choice(pick["name"], f"Chose {pick['name']}: it has the best {m.label} ({bval:.4g}) and no "
                      f"{other} candidate comes within {tol} of it.")
    return Choice(pick["name"], f"Chose {pick['name']}: {how} candidate within {tol} of the best {m.label} "
                  f"({best['name']}, {bval:.4g}); its {m.label} is {pick['metrics'][m.name]:.4g} and it costs "
                  f"{_usd(pick['cost']['monthly_usd'])} a month against {_usd(best['cost']['monthly_usd'])}.")


def _within_limits(r: dict, rule: ChooseSection) -> bool:
    if rule.max_monthly_usd is not None and r["cost"]["monthly_usd"] > rule.max_monthly_usd:
        return False
    return rule.max_predict_ms_per_1k is None or r["predict_ms_per_1k"] <= rule.max_predict_ms_per_1k


def _usd(x: float) -> str:
    if x >= 1:
        return f"${x:,.2f}"
    return f"${x:.3g}" if x > 0 else "$0"


def sentences(rows: list[dict], scores: Scores, confidence: float) -> list[str]:
    """One plain sentence per OK candidate comparing it with the best one."""
    m = scores.primary
    out = []
    for r in rows:
        if r["status"] != "OK" or "vs_best_name" not in r or r["vs_best_name"] == r["name"]:
            continue
        best = next(o for o in rows if o["name"] == r["vs_best_name"])
        gap = abs(r["vs_best"])
        worse = "higher" if r["vs_best"] > 0 else "lower"
        if r["vs_best"] == 0:
            worse = "the same"
        lo, hi = sorted((abs(r["vs_best_low"]), abs(r["vs_best_high"])))
        real = not (r["vs_best_low"] <= 0 <= r["vs_best_high"])
        verdict = _verdict(real, gap, abs(best["metrics"][m.name]))
        ci = f" ({confidence:.0%} CI of the difference {r['vs_best_low']:+.3g} to {r['vs_best_high']:+.3g})" \
            if math.isfinite(lo) and math.isfinite(hi) else ""
        diff = f"has the same {m.label}" if gap == 0 else f"its {m.label} is {gap:.3g} {worse}{ci}"
        ratio = _ratio(best, r)
        joiner = "as" if ratio.endswith("as cheap to run") else "than"
        out.append(f"{r['name']} is {ratio} {joiner} {best['name']} and {diff}: {verdict}.")
    return out


def _verdict(real: bool, gap: float, scale: float) -> str:
    if not real:
        return "the difference is not significant"
    small = scale > 0 and gap / scale < 0.02
    return "the difference is real but small" if small else "the difference is real"


def _ratio(best: dict, r: dict) -> str:
    a, b = r["cost"]["monthly_usd"], best["cost"]["monthly_usd"]
    if a <= 0 or b <= 0:
        return "as cheap to run"
    ratio = b / a
    if ratio >= 1.05:
        return f"{ratio:,.0f}× cheaper to run" if ratio >= 10 else f"{ratio:.1f}× cheaper to run"
    if ratio <= 1 / 1.05:
        inv = 1 / ratio
        return f"{inv:,.0f}× more expensive to run" if inv >= 10 else f"{inv:.1f}× more expensive to run"
    return "about as cheap to run"


COLUMNS = ["name", "rung", "family", "status", "message", "primary", "ci_low", "ci_high", "vs_best", "vs_best_low",
           "vs_best_high", "vs_best_p", "vs_simplest", "vs_simplest_p", "pareto", "dominated_by", "fit_s",
           "fit_cpu_s", "predict_ms_per_1k", "model_kb", "peak_rss_mb", "train_usd",
           "per_million_predictions_usd", "monthly_usd", "chosen"]


def to_frame(rows: list[dict], primary: str, chosen: str | None) -> pd.DataFrame:
    """The flat table: one row per candidate, metrics and costs as columns."""
    flat = []
    for r in rows:
        d = {k: r.get(k) for k in COLUMNS if k not in ("primary", "chosen")}
        d["primary"] = (r.get("metrics") or {}).get(primary)
        d["dominated_by"] = ";".join(r.get("dominated_by") or [])
        d.update({k: v for k, v in (r.get("cost") or {}).items() if k in COLUMNS})
        d.update({f"metric_{k}": v for k, v in (r.get("metrics") or {}).items()})
        d["chosen"] = r["name"] == chosen
        flat.append(d)
    return pd.DataFrame(flat).set_index("name")
