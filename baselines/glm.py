"""Rung 2: statsmodels GLMs with coefficients, standard errors and p-values.

Binary -> Logit, regression -> Gaussian (OLS), count -> Poisson, customer spend ->
a two-part model (Logit for any spend x Gamma with log link for the amount when
positive). When the plain fit is singular or does not converge (e.g. perfect
separation), a ridge-penalised fit is used instead and the report says so.

Above :data:`CHUNKED_FROM_ROWS` training rows the maximum-likelihood fit runs as IRLS over
row chunks (:mod:`baselines.glm_irls`, the same estimates as statsmodels' IRLS in bounded
memory: statsmodels' own fit peaks at about fourteen copies of the design matrix, 10.8 GB
on 5.8M customers); every row is used. Predictions are row-wise, so a large holdout is
predicted in chunks.
"""

from __future__ import annotations

import time
import warnings
from typing import Any, Self

import numpy as np
import pandas as pd

from bakeoff.candidates.contract import Budget, Candidate
from bakeoff.candidates.state import State
from bakeoff.data.frame import Frame
from baselines._features import Design
from baselines.glm_irls import IrlsControl, fit_chunked, with_constant

RIDGE_ALPHA = 1e-2
MAX_COEFS = 40
CHUNKED_FROM_ROWS = 250_000
RIDGE_ROWS = 250_000  # a ridge fallback above this many rows fits on a seeded sample of them
FALLBACK_AT = 0.7  # share of the box after which a chunked fit gives up for the ridge fallback


def _family(name: str) -> Any:
    import statsmodels.api as sm

    fams = sm.families
    return {"binary": fams.Binomial(), "regression": fams.Gaussian(), "count": fams.Poisson(),
            "gamma": fams.Gamma(fams.links.Log())}[name]


def fit_glm(actual: np.ndarray, features: pd.DataFrame, family: str, *, seed: int,
            deadline: float | None = None) -> tuple[Any, str]:
    """Fit a GLM with an intercept; fall back to a ridge fit. Returns (fitted, how).

    Args:
        y: The target.
        X: The features (full column rank, :func:`full_rank`), without the constant.
        family: ``binary``, ``regression``, ``count`` or ``gamma``.
        seed: The ridge fallback's sample above :data:`RIDGE_ROWS` rows.
        deadline: ``time.monotonic()`` after which the chunked fit gives up for the fallback.
    """
    if len(actual) > CHUNKED_FROM_ROWS:
        names = ["const", *map(str, features.columns)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=RuntimeWarning)  # as on the statsmodels path
            try:
                fitted = fit_chunked(actual, with_constant(features), names, _family(family),
                                     IrlsControl(deadline=deadline))
                return fitted, "maximum likelihood (IRLS over row chunks)"
            except (ValueError, np.linalg.LinAlgError):  # NotConverged is a ValueError
                return _ridge(actual, features, family, seed)
    return _statsmodels_fit(actual, features, family, seed)


def _statsmodels_fit(actual: np.ndarray, features: pd.DataFrame, family: str, seed: int) -> tuple[Any, str]:
    """statsmodels' own IRLS (up to :data:`CHUNKED_FROM_ROWS` rows), else the ridge fallback."""
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

    model = sm.GLM(actual, sm.add_constant(features, has_constant="add"), family=_family(family))
    with warnings.catch_warnings():
        warnings.simplefilter("error", category=PerfectSeparationWarning)
        warnings.simplefilter("error", category=ConvergenceWarning)
        warnings.simplefilter("ignore", category=RuntimeWarning)
        try:
            fitted = model.fit()
            if np.isfinite(fitted.params).all() and np.isfinite(fitted.bse).all():
                return fitted, "maximum likelihood"
        except (np.linalg.LinAlgError, ValueError, PerfectSeparationWarning, ConvergenceWarning):
            pass
    return _ridge(actual, features, family, seed)


def _ridge(actual: np.ndarray, features: pd.DataFrame, family: str, seed: int) -> tuple[Any, str]:
    """The ridge-penalised fit after the plain one failed (on a seeded sample above RIDGE_ROWS rows)."""
    import statsmodels.api as sm

    how = f"ridge-penalised (alpha={RIDGE_ALPHA}) after the plain fit failed"
    if len(actual) > RIDGE_ROWS:
        rows = np.sort(np.random.default_rng(seed).choice(len(actual), RIDGE_ROWS, replace=False))
        actual, features = actual[rows], features.iloc[rows]
        how += f", on a seeded sample of {RIDGE_ROWS:,} rows"
    design = sm.add_constant(features, has_constant="add")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = sm.GLM(actual, design, family=_family(family)).fit_regularized(alpha=RIDGE_ALPHA, L1_wt=0.0)
    return fitted, how


def full_rank(features: pd.DataFrame, tol: float = 1e-8) -> pd.DataFrame:
    """Drop columns that are (near) linear combinations of the columns before them, keeping order.

    Unpivoted QR: ``|R[j, j]|`` is the part of column ``j`` outside the span of the columns before
    it, so of two collinear features the first in the configured order is kept. (Pivoted QR chose
    by the largest remaining norm, whose ties between collinear standardised columns were broken by
    BLAS rounding: the kept column, and with it the holdout predictions, changed with the thread count.)
    """
    if features.shape[1] == 0:
        return features
    r = np.linalg.qr(features.to_numpy(dtype=float), mode="r")  # only the p x p factor
    diag = np.abs(np.diag(r))
    keep = np.flatnonzero(diag > tol * max(diag.max(), 1.0))
    return features.iloc[:, keep]


def coef_table(fitted: Any) -> list[dict[str, Any]]:
    """Coefficients with SE, z and p (SE/p absent for penalised fits), largest |z| first."""
    params = pd.Series(fitted.params)
    try:
        bse = getattr(fitted, "bse", None)
    except Exception:  # penalised fits have no standard errors
        bse = None
    rows = []
    for name, coef in params.items():
        row: dict[str, Any] = {"term": str(name), "coef": float(coef)}
        if bse is not None:
            se = float(pd.Series(bse)[name])
            row.update(se=se, z=float(coef) / se if se > 0 else None,
                       p=float(pd.Series(fitted.pvalues)[name]))
        rows.append(row)
    rows.sort(key=lambda r: -abs(r.get("z") or r["coef"]))
    return rows[:MAX_COEFS]


class GLM(Candidate):
    """A generalised linear model on standardised features."""

    family = "glm"
    rung = 2
    summary = "statsmodels GLM: Logit / OLS / Poisson (customer spend: Logit x Gamma), coefficients and p-values"
    predicts_rowwise = True

    def fit(self, frame: Frame, *, budget: Budget, seed: int) -> Self:
        self.design_ = Design(impute=True, standardize=True).fit(frame.train, frame.features)
        X = self.design_.transform(frame.train)
        X = full_rank(X.loc[:, X.std() > 0])
        self.columns_ = list(X.columns)
        y = frame.y_train.to_numpy(float)
        self.spend_ = frame.problem.kind == "customer_base" and frame.problem.target == "spend"
        # a chunked fit still running at 70% of the box gives way to the (sampled) ridge fallback
        when = {"seed": seed, "deadline": time.monotonic() + FALLBACK_AT * budget.remaining()}
        if self.spend_:
            self.families_ = {"any": "binary", "amount": "gamma"}
            self.parts_ = {"any": fit_glm((y > 0).astype(float), X, "binary", **when)}
            pos = y > 0
            self.parts_["amount"] = fit_glm(y[pos], X[pos], "gamma", **when)
        else:
            self.families_ = {"mean": frame.problem.task}
            self.parts_ = {"mean": fit_glm(y, X, frame.problem.task, **when)}
        self.summary_ = {part: _summary(f, how) for part, (f, how) in self.parts_.items()}
        for fitted, _ in self.parts_.values():
            if hasattr(fitted, "remove_data"):
                fitted.remove_data()
        return self

    def predict(self, frame: Frame) -> pd.Series:
        import statsmodels.api as sm

        X = sm.add_constant(self.design_.transform(frame.holdout)[self.columns_], has_constant="add")
        preds = [np.asarray(f.predict(X), dtype=float) for f, _ in self.parts_.values()]
        return pd.Series(np.prod(preds, axis=0), index=frame.holdout.index)

    def describe(self) -> dict[str, Any]:
        encoding = self.design_.encoding()
        return {**self.summary_, **({"encoding": encoding} if encoding else {})}

    def to_state(self) -> State:
        """The model file's content: the design, and per part its family and coefficients, as numbers."""
        parts = {part: {"family": self.families_[part], "how": how,
                        "terms": [str(t) for t in pd.Series(f.params).index],
                        "coefficients": [float(c) for c in np.asarray(f.params, dtype=float)]}
                 for part, (f, how) in self.parts_.items()}
        return State({"design": self.design_.to_dict(), "columns": self.columns_, "spend": self.spend_,
                      "summary": self.summary_, "parts": parts})

    @classmethod
    def from_state(cls, state: State) -> Self:
        """The fitted GLM :meth:`to_state` described: its means computed as statsmodels computes them."""
        values = state.values
        out = cls()
        out.design_, out.columns_ = Design.from_dict(values["design"]), list(values["columns"])
        out.spend_, out.summary_ = bool(values["spend"]), values["summary"]
        out.families_ = {part: p["family"] for part, p in values["parts"].items()}
        out.parts_ = {part: (FittedGLM(p["family"], np.asarray(p["coefficients"], dtype=float)), p["how"])
                      for part, p in values["parts"].items()}
        return out


class FittedGLM:
    """A GLM's means from its coefficients alone: ``g^-1(X b)``, computed as statsmodels' ``GLM.predict`` does."""

    def __init__(self, family: str, params: np.ndarray) -> None:
        self.family, self.params = family, params

    def predict(self, exog: pd.DataFrame | np.ndarray) -> np.ndarray:
        """The mean response for ``exog`` (with the constant column)."""
        return _family(self.family).fitted(np.dot(np.asarray(exog, dtype=float), self.params) + 0.0 + 0.0)


def _summary(fitted: Any, how: str) -> dict[str, Any]:
    out: dict[str, Any] = {"fit": how, "coefficients": coef_table(fitted)}
    try:
        out["aic"] = float(fitted.aic)
    except Exception:  # penalised fits have no AIC
        pass
    return out
