"""Data checks and drift: a profile of train and holdout, expectations that refuse a run, PSI flags.

A profile holds, per column of the problem frame: rows, null rate, min, max, mean, sd
and the shares of ten bins cut at the column's deciles (numeric), or the shares of its
20 most frequent values plus "other" (categorical). Each run stores it in the run
history. Drift is the population stability index (PSI) of a column's values against a
reference profile's bins, missing values counted as a bin of their own::

    PSI = sum over bins of (actual - expected) * ln(actual / expected)

The usual reading: below 0.1 stable, 0.1-0.25 moderate, above 0.25 a real shift. A
feature is flagged when its PSI reaches ``[checks].psi`` (default 0.2) between train
and holdout, or against the same part of the previous run of the same experiment.

``[checks]`` expectations (``min_rows``, ``max_null_rate``, ``ranges``) refuse the run
with exit 2 and one message naming the column.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from bakeoff.config.sections import ChecksSection
from bakeoff.core.errors import DataError, did_you_mean

BINS = 10
TOP_LEVELS = 20
EPS = 1e-4  # share given to an empty bin so the logarithm stays finite


def column_profile(values: pd.Series) -> dict[str, Any]:
    """Rows, null rate, range, mean and the bin shares of one column."""
    n = len(values)
    present = values.dropna()
    out: dict[str, Any] = {"n": n, "null_rate": 1.0 - len(present) / n if n else 0.0}
    if pd.api.types.is_bool_dtype(present):
        present = present.astype(float)
    if pd.api.types.is_numeric_dtype(present):
        x = present.to_numpy(float)
        out["type"] = "numeric"
        if len(x):
            out.update(min=float(x.min()), max=float(x.max()), mean=float(x.mean()),
                       sd=float(x.std(ddof=1)) if len(x) > 1 else 0.0)
            edges = np.unique(np.quantile(x, np.linspace(0, 1, BINS + 1)[1:-1]))
            out["edges"] = edges.tolist()
            out["shares"] = _numeric_shares(x, edges).tolist()
        return out
    text = present.astype(str)
    shares = text.value_counts(normalize=True, sort=True)
    out["type"] = "category"
    out["shares"] = {str(k): float(v) for k, v in shares.iloc[:TOP_LEVELS].items()}
    return out


def _numeric_shares(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    counts = np.bincount(np.searchsorted(edges, values, side="right"), minlength=len(edges) + 1)
    return counts / max(len(values), 1)


def profile(df: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """The profile of every column of ``df``."""
    return {str(c): column_profile(df[c]) for c in df.columns}


def frame_profile(train: pd.DataFrame, holdout: pd.DataFrame) -> dict[str, Any]:
    """Profiles of the training part (features and target) and the holdout part (features)."""
    return {"train": {"rows": len(train), "columns": profile(train)},
            "holdout": {"rows": len(holdout), "columns": profile(holdout)}}


def psi(reference: dict[str, Any], values: pd.Series) -> float | None:
    """PSI of ``values`` against a column profile (None when the column cannot be compared)."""
    out = psi_bins(reference, values)
    return None if out is None else out[0]


def noise_level(df: int, n_ref: int, n_cur: int, alpha: float) -> float:
    """The PSI that two samples of one distribution exceed with probability ``alpha``.

    Under no change, PSI x n_ref n_cur / (n_ref + n_cur) is about chi-square with ``df``
    degrees of freedom (PSI is the Jeffreys divergence of the binned shares), so small
    samples have a PSI well above zero by chance alone.
    """
    from scipy.stats import chi2

    if df < 1 or n_ref < 1 or n_cur < 1:
        return float("inf")
    return float(chi2.ppf(1.0 - alpha, df) * (1.0 / n_ref + 1.0 / n_cur))


def psi_bins(reference: dict[str, Any], values: pd.Series) -> tuple[float, int] | None:
    """PSI of ``values`` against a column profile and the number of bins used (minus one)."""
    present = values.dropna()
    null = 1.0 - len(present) / len(values) if len(values) else 0.0
    ref_null = reference.get("null_rate", 0.0)
    if reference.get("type") == "numeric":
        if "edges" not in reference or not (pd.api.types.is_numeric_dtype(present)
                                            or pd.api.types.is_bool_dtype(present)):
            return None
        expected = np.asarray(reference["shares"], float) * (1.0 - ref_null)
        actual = _numeric_shares(present.to_numpy(float), np.asarray(reference["edges"], float)) * (1.0 - null)
    else:
        levels = list(reference.get("shares", {}))
        counts = present.astype(str).value_counts(normalize=True)
        expected = np.array([reference["shares"][lv] for lv in levels]) * (1.0 - ref_null)
        actual = np.array([counts.get(lv, 0.0) for lv in levels]) * (1.0 - null)
        expected = np.r_[expected, max(0.0, (1.0 - ref_null) - expected.sum())]
        actual = np.r_[actual, max(0.0, (1.0 - null) - actual.sum())]
    expected, actual = np.r_[expected, ref_null], np.r_[actual, null]
    used = int(np.sum((expected > 0) | (actual > 0)))
    e, a = np.maximum(expected, EPS), np.maximum(actual, EPS)
    return float(np.sum((a - e) * np.log(a / e))), used - 1


def drift_flags(train: pd.DataFrame, holdout: pd.DataFrame, current: dict[str, Any],
                previous: dict[str, Any] | None, checks: ChecksSection, within: bool = True) -> list[dict[str, Any]]:
    """Columns whose PSI reaches ``checks.psi``: holdout vs train, and each part vs the previous run's part.

    A column is flagged only when its PSI also exceeds what sampling noise alone gives at
    these sample sizes (:func:`noise_level` at ``checks.alpha``, Bonferroni-divided by the number of
    columns compared), so a 100-row holdout does not flag features that did not move.

    Args:
        within: Compare holdout with train (False for customer-base frames, whose training
            features are cut at an earlier date by design, so tenure-like columns always differ).

    Returns:
        One dict per flag: column, comparison, psi, mean_before, mean_after and a sentence.
    """
    threshold, alpha = checks.psi, checks.alpha
    pairs = [("holdout vs train", current["train"]["columns"], holdout)] if within else []
    if previous:
        pairs += [("train vs previous run", previous.get("train", {}).get("columns", {}), train),
                  ("holdout vs previous run", previous.get("holdout", {}).get("columns", {}), holdout)]
    flags = []
    for comparison, ref, part in pairs:
        tests = max(1, sum(str(c) in ref for c in part.columns))
        for col in part.columns:
            if str(col) not in ref:
                continue
            out = psi_bins(ref[str(col)], part[col])
            if out is None or out[0] < threshold:
                continue
            value = out[0]
            if value < noise_level(out[1], int(ref[str(col)].get("n", 0)), len(part), alpha / tests):
                continue
            before = ref[str(col)].get("mean")
            after = column_profile(part[col]).get("mean")
            flags.append({"column": str(col), "comparison": comparison, "psi": value, "mean_before": before,
                          "mean_after": after, "sentence": _sentence(str(col), comparison, value, before, after)})
    return sorted(flags, key=lambda f: -f["psi"])


def _sentence(col: str, comparison: str, value: float, before: float | None, after: float | None) -> str:
    level = "a real shift" if value > 0.25 else "a moderate shift"
    means = f" (mean {before:.4g} → {after:.4g})" if before is not None and after is not None else ""
    return f"'{col}' moved, {comparison}: PSI {value:.2f}, {level}{means}."


def check_expectations(checks: ChecksSection, parts: dict[str, pd.DataFrame], origin: str) -> None:
    """Refuse the data when ``[checks]`` expectations fail (one message naming the column).

    Args:
        checks: The ``[checks]`` section.
        parts: ``{"train": ..., "holdout": ...}`` frames (features, and the target where known).
        origin: Where the data came from, for the message.

    Raises:
        DataError: On the first failed expectation.
    """
    rows = sum(len(p) for p in parts.values())
    if checks.min_rows is not None and rows < checks.min_rows:
        raise DataError(f"{origin}: the data has {rows:,} rows; [checks].min_rows expects at least "
                        f"{checks.min_rows:,}.")
    both = pd.concat([p for p in parts.values()], axis=0, ignore_index=True, sort=False)
    limits = _null_limits(checks.max_null_rate, list(both.columns), origin)
    for col, limit in limits.items():
        rate = float(both[col].isna().mean())
        if rate > limit:
            raise DataError(f"{origin}: column '{col}' is {rate:.1%} missing; [checks].max_null_rate allows "
                            f"{limit:.1%}.")
    for col, (lo, hi) in checks.ranges.items():
        _known(col, list(both.columns), origin, "ranges")
        x = pd.to_numeric(both[col], errors="coerce")
        out = x[(x < lo) | (x > hi)]
        if len(out):
            raise DataError(f"{origin}: column '{col}' has {len(out):,} values outside [{lo:g}, {hi:g}] "
                            f"(e.g. {out.iloc[0]:g}); [checks].ranges.{col} expects them inside.")


def _null_limits(spec: float | dict[str, float] | None, cols: list[str], origin: str) -> dict[str, float]:
    if spec is None:
        return {}
    if isinstance(spec, dict):
        for col in spec:
            _known(col, cols, origin, "max_null_rate")
        return dict(spec)
    return {c: float(spec) for c in cols}


def _known(col: str, cols: list[str], origin: str, field: str) -> None:
    if col not in cols:
        raise DataError(f"{origin}: [checks].{field} names column '{col}', which the problem frame does not have."
                        f"{did_you_mean(col, cols)} Columns: {', '.join(cols[:12])}.")


def drift_lines(flags: list[dict[str, Any]], most: int = 8) -> list[str]:
    """Sentences for the terminal and the report."""
    lines = [f["sentence"] for f in flags[:most]]
    if len(flags) > most:
        lines.append(f"... and {len(flags) - most} more (results.json, drift).")
    return lines

