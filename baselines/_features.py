"""A numeric design matrix learned on the training part and applied to any part.

Numeric and boolean columns pass through; text columns become one-hot indicators of
their most frequent training values (the rest grouped as ``other``). Optional
median imputation and standardisation for linear models.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

TOP_LEVELS = 20


@dataclass
class Design:
    """Learns the columns on ``fit`` and builds the same matrix for any part."""

    impute: bool = False
    standardize: bool = False
    columns_: list[str] = field(default_factory=list)
    levels_: dict[str, list[str]] = field(default_factory=dict)
    medians_: dict[str, float] = field(default_factory=dict)
    scale_: dict[str, tuple[float, float]] = field(default_factory=dict)

    def fit(self, df: pd.DataFrame, features: tuple[str, ...]) -> Design:
        """Learn the columns, levels, medians and scales from ``df``."""
        for col in features:
            s = df[col]
            if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
                self.columns_.append(col)
            else:
                self.levels_[col] = s.astype(str).value_counts().index[:TOP_LEVELS].tolist()
        raw = self._raw(df)
        self.medians_ = {c: float(np.nan_to_num(raw[c].median())) for c in raw.columns}
        filled = raw.fillna(self.medians_)
        self.scale_ = {c: (float(filled[c].mean()), float(filled[c].std() or 1.0)) for c in raw.columns}
        return self

    def _raw(self, df: pd.DataFrame) -> pd.DataFrame:
        out = df[self.columns_].astype(float)
        for col, levels in self.levels_.items():
            s = df[col].astype(str)
            for lv in levels:
                out[f"{col}={lv}"] = (s == lv).astype(float)
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

    @property
    def names(self) -> list[str]:
        """Output column names."""
        return [*self.columns_, *(f"{c}={lv}" for c, levels in self.levels_.items() for lv in levels)]
