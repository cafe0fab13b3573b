"""A numeric design matrix learned on the training part and applied to any part.

Number columns pass through. A two-level column (a yes/no flag, Python booleans, any text
with two values; see :mod:`bakeoff.data.coltypes`) becomes one 0/1 column, 1 for its second level
(``intl_plan=yes``; a value that is neither level is missing). Other text columns are either

* one-hot indicators of their ``TOP_LEVELS`` most frequent training values, the rest sharing
  all-zero rows (``categories = "onehot"``: the GLM, the single tree, the forest), or
* one column of category codes, the ``NATIVE_LEVELS`` most frequent training values each
  a code, rarer values one shared "other" code (unseen values too; when no level was pooled,
  unseen values are missing), missing as missing
  (``categories = "native"``: histogram boosting and XGBoost, which split on sets of categories).

Optional median imputation and standardisation for linear models. :meth:`Design.encoding`
says in words how each non-number column was used, for the report.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from bakeoff.data.coltypes import indicator

TOP_LEVELS = 20
NATIVE_LEVELS = 200  # histogram boosting bins categories into at most 255 codes


@dataclass
class Design:
    """Learns the columns on ``fit`` and builds the same matrix for any part."""

    impute: bool = False
    standardize: bool = False
    categories: str = "onehot"
    columns_: list[str] = field(default_factory=list)
    flags_: dict[str, str] = field(default_factory=dict)
    others_: dict[str, str] = field(default_factory=dict)  # a flag's first level (0)
    levels_: dict[str, list[str]] = field(default_factory=dict)
    codes_: dict[str, list[str]] = field(default_factory=dict)
    medians_: dict[str, float] = field(default_factory=dict)
    scale_: dict[str, tuple[float, float]] = field(default_factory=dict)
    counts_: dict[str, int] = field(default_factory=dict)

    def fit(self, df: pd.DataFrame, features: tuple[str, ...]) -> Design:
        """Learn the columns, levels, medians and scales from ``df``."""
        for col in features:
            s = df[col]
            if isinstance(s.dtype, pd.CategoricalDtype) and len(s.dtype.categories) == 2:
                self.flags_[col] = str(s.dtype.categories[1])
                self.others_[col] = str(s.dtype.categories[0])
            elif pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
                self.columns_.append(col)
            else:
                native = self.categories == "native"
                counts = (s.dropna() if native else s).astype(str).value_counts()
                self.counts_[col] = len(counts)
                if native:
                    self.codes_[col] = counts.index[:NATIVE_LEVELS].tolist()
                else:
                    self.levels_[col] = counts.index[:TOP_LEVELS].tolist()
        raw = self._raw(df)
        numeric = [c for c in raw.columns if c not in self.codes_]
        self.medians_ = {c: float(np.nan_to_num(raw[c].median())) for c in numeric}
        filled = raw[numeric].fillna(self.medians_)
        self.scale_ = {c: (float(filled[c].mean()), float(filled[c].std() or 1.0)) for c in numeric}
        return self

    def _raw(self, df: pd.DataFrame) -> pd.DataFrame:
        out = df[self.columns_].astype(float)
        for col, level in self.flags_.items():
            out[f"{col}={level}"] = indicator(df[col], level, self.others_.get(col))
        for col, levels in self.levels_.items():
            s = df[col].astype(str)
            for lv in levels:
                out[f"{col}={lv}"] = (s == lv).astype(float)
        for col, levels in self.codes_.items():
            out[col] = _codes(df[col], levels, pooled=self.counts_[col] > len(levels))
        return out

    def transform(self, df: pd.DataFrame) -> pd.DataFrame:
        """The matrix for ``df``, columns in training order."""
        out = self._raw(df)
        if self.impute or self.standardize:
            out = out.fillna(self.medians_)
        if self.standardize:
            for c, (mu, sd) in self.scale_.items():
                out[c] = (out[c] - mu) / sd
        return out

    def to_dict(self) -> dict[str, Any]:
        """What the design learned, as JSON values (:meth:`from_dict` rebuilds it)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Design:
        """The design :meth:`to_dict` described."""
        scale = {c: (float(mu), float(sd)) for c, (mu, sd) in values.get("scale_", {}).items()}
        return cls(**{**values, "scale_": scale})

    @property
    def names(self) -> list[str]:
        """Output column names."""
        return [*self.columns_, *(f"{c}={lv}" for c, lv in self.flags_.items()),
                *(f"{c}={lv}" for c, levels in self.levels_.items() for lv in levels), *self.codes_]

    @property
    def categorical(self) -> list[bool]:
        """Per output column: True for a column of category codes (``categories = "native"``)."""
        return [name in self.codes_ for name in self.names]

    def encoding(self) -> list[str]:
        """How each non-number column was used, one sentence each (empty when all are numbers)."""
        out = [f"{c}: 0/1, 1 = {lv!r}" for c, lv in self.flags_.items()]
        for col, levels in self.levels_.items():
            rest = self.counts_[col] - len(levels)
            out.append(f"{col}: one-hot of {len(levels)} levels" + (
                f" (the {len(levels)} most frequent; the other {rest} share the all-zero row)" if rest else ""))
        for col, levels in self.codes_.items():
            rest = self.counts_[col] - len(levels)
            out.append(f"{col}: native categories, {len(levels)} levels" + (
                f" (the other {rest} rarer levels and unseen ones pooled)" if rest else
                " (levels unseen in training read as missing)"))
        return out


def _codes(series: pd.Series, levels: list[str], *, pooled: bool) -> np.ndarray:
    """Category codes: a level's rank among ``levels``, ``len(levels)`` for the rest when ``pooled``, NaN if missing."""
    lookup = {lv: float(i) for i, lv in enumerate(levels)}
    other = float(len(levels)) if pooled else np.nan
    codes = np.array(series.astype(str).map(lookup), dtype=float)  # a writable copy
    codes[np.isnan(codes)] = other
    codes[series.isna().to_numpy()] = np.nan
    return codes
