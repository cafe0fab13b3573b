"""Rung 2: "buy till you die" customer models — Pareto/NBD and BG/NBD (+ Gamma-Gamma for spend).

Models are fit on the calibration summary as of ``calibration_end`` (the holdout
rows' x, t_x, T), compressed to unique triples with weights. Guards: at least two
starting points that must agree, a finite log-likelihood, parameters away from
their bounds, and refusal of degenerate data (no repeat buyers) — each a FAILED row
with the reason rather than a silently wrong model.
"""

from __future__ import annotations

import re
import warnings
from typing import Any, Self

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from bakeoff.candidates.contract import Budget, Candidate
from bakeoff.candidates.state import State
from bakeoff.core.errors import CandidateError, NotApplicable
from bakeoff.data.frame import Frame, Problem
from baselines import btyd_math as bm

LOG_BOUND = 9.0          # parameters live in [e^-9, e^9]
AGREE_RTOL = 1e-2        # starts must agree on every parameter within 1%
STARTS = (np.array([0.5, 5.0, 0.5, 5.0]), np.array([1.5, 20.0, 1.0, 20.0]), np.array([0.2, 2.0, 2.0, 2.0]))


def triples(frame: Frame, round_weeks: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Unique (x, t_x, T) of the calibration summary with their counts as weights.

    With ``round_weeks`` t_x and T are rounded to whole weeks first (fewer distinct triples,
    slightly different estimates; predictions still use the exact values).
    """
    h = frame.holdout[["x", "t_x", "T"]].astype(float)
    if round_weeks:
        h = h.assign(T=h["T"].round(), t_x=np.minimum(h["t_x"].round(), h["T"].round()))
    g = h.groupby(["x", "t_x", "T"], sort=True).size().reset_index(name="w")
    return g["x"].to_numpy(), g["t_x"].to_numpy(), g["T"].to_numpy(), g["w"].to_numpy(float)


def check_data(x: np.ndarray, w: np.ndarray) -> None:
    """Refuse data these models cannot identify."""
    if w.sum() < 10:
        raise CandidateError(f"only {int(w.sum())} customers; BTYD models need at least 10")
    if not (x > 0).any():
        raise CandidateError("no repeat buyers in the calibration period: the model is not identified")


HOMOGENEOUS_R = 100.0   # a gamma shape above this: rates vary by under 10% between customers


def homogeneous_rates(message: str, x: np.ndarray, T: np.ndarray, w: np.ndarray) -> str:
    """``message`` of a failed fit, explained when the data's purchase rates look the same for everyone.

    With identical Poisson buyers the gamma mixing of purchase rates degenerates: its shape r and
    rate alpha grow together without bound (the maximum likelihood is at infinity, along a ridge
    of nearly equal likelihood at r / alpha = the common rate), so starts stop at different points
    of the ridge or at the search bound. The model's parameters are then not identified.
    """
    rs = [float(v) for v in re.findall(r"\br=([0-9.e+]+)", message)]
    if not rs or min(rs) < HOMOGENEOUS_R:
        return message
    rate = float((w * x).sum() / (w * T).sum())
    return (f"purchase rates look the same for every customer (gamma shape r above {HOMOGENEOUS_R:.0f} where "
            f"the starts stopped; about {rate:.3g} repeat purchases a week): the heterogeneity this model "
            f"assumes is not in the data, its parameters are not identified ({message})")


def fit_multistart(nll: Any, starts: tuple[np.ndarray, ...], names: tuple[str, ...],
                   budget: Budget) -> tuple[np.ndarray, float, list[dict[str, Any]]]:
    """Minimise ``nll(params)`` over log-parameters from several starts; the starts must agree.

    Returns:
        The best parameters, the maximised log-likelihood and one record per start.
    """
    runs = []
    for start in starts:
        if budget.expired():
            break
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            res = minimize(lambda lp: _safe(nll, np.exp(lp)), np.log(start), method="L-BFGS-B",
                           bounds=[(-LOG_BOUND, LOG_BOUND)] * len(start))
        runs.append({"start": start.tolist(), "params": np.exp(res.x).tolist(), "ll": -float(res.fun),
                     "converged": bool(res.success)})
    finite = [r for r in runs if np.isfinite(r["ll"])]
    if len(finite) < 2:
        raise CandidateError(f"fewer than two starts reached a finite log-likelihood ({len(finite)} of {len(runs)})")
    best = max(finite, key=lambda r: r["ll"])
    params = np.array(best["params"])
    for r in finite:
        if r is not best and not np.allclose(r["params"], params, rtol=AGREE_RTOL):
            raise CandidateError(f"starts disagree: {_fmt(names, params)} vs {_fmt(names, r['params'])}")
    at_bound = [n for n, p in zip(names, params, strict=True) if abs(np.log(p)) > LOG_BOUND - 0.05]
    if at_bound:
        raise CandidateError(f"parameter(s) {', '.join(at_bound)} at the search bound: {_fmt(names, params)}")
    return params, best["ll"], runs


def _safe(nll: Any, params: np.ndarray) -> float:
    value = float(nll(params))
    return value if np.isfinite(value) else 1e300


def _fmt(names: tuple[str, ...], params: Any) -> str:
    return ", ".join(f"{n}={p:.4g}" for n, p in zip(names, params, strict=True))


class _BTYD(Candidate):
    family = "btyd"
    rung = 2
    kinds = ("customer_base",)
    horizon_native = True
    names: tuple[str, ...] = ()

    def __init__(self, *, round_weeks: bool = False) -> None:
        self.round_weeks = round_weeks

    def check_applicable(self, problem: Problem) -> None:
        super().check_applicable(problem)
        if not problem.horizon_weeks:
            raise NotApplicable("needs a holdout horizon")

    def fit(self, frame: Frame, *, budget: Budget, seed: int) -> Self:
        x, t_x, T, w = triples(frame, self.round_weeks)
        check_data(x, w)
        self.n_triples_, self.n_customers_ = len(x), int(w.sum())
        try:
            self.params_, self.ll_, self.starts_ = self.fit_params(x, t_x, T, w, budget)
        except CandidateError as exc:
            raise CandidateError(homogeneous_rates(str(exc), x, T, w)) from exc
        self.horizon_ = float(frame.problem.horizon_weeks or 0.0)
        self.spend_ = frame.problem.target == "spend"
        if self.spend_:
            self.gg_ = GammaGamma().fit(frame.holdout, budget)
        return self

    def fit_params(self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, w: np.ndarray,
                   budget: Budget) -> tuple[np.ndarray, float, list[dict[str, Any]]]:
        raise NotImplementedError

    def expected(self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def p_active(self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def predict(self, frame: Frame) -> pd.Series:
        h = frame.holdout
        x, t_x, T = (h[c].to_numpy(float) for c in ("x", "t_x", "T"))
        if frame.problem.task == "binary":
            pred = self.p_active(x, t_x, T)
        else:
            pred = self.expected(x, t_x, T)
            if self.spend_:
                pred = pred * self.gg_.expected_spend(h)
        return pd.Series(pred, index=h.index)

    def describe(self) -> dict[str, Any]:
        out = {"params": dict(zip(self.names, map(float, self.params_), strict=True)),
               "log_likelihood": self.ll_, "customers": self.n_customers_, "triples": self.n_triples_,
               "round_weeks": self.round_weeks,
               "starts": self.starts_}
        if self.spend_:
            out["gamma_gamma"] = self.gg_.describe()
        return out

    def to_state(self) -> State:
        """The model file's content: the fitted parameters (and Gamma-Gamma's for spend), as numbers."""
        values = {"round_weeks": self.round_weeks, "params": [float(p) for p in self.params_], "ll": self.ll_,
                  "starts": self.starts_, "triples": self.n_triples_, "customers": self.n_customers_,
                  "horizon_weeks": self.horizon_, "spend": self.spend_}
        if self.spend_:
            values["gamma_gamma"] = self.gg_.to_values()
        return State(values)

    @classmethod
    def from_state(cls, state: State) -> Self:
        """The fitted candidate :meth:`to_state` described."""
        values = state.values
        out = cls(round_weeks=bool(values["round_weeks"]))
        out.params_, out.ll_, out.starts_ = np.asarray(values["params"], dtype=float), values["ll"], values["starts"]
        out.n_triples_, out.n_customers_ = int(values["triples"]), int(values["customers"])
        out.horizon_, out.spend_ = float(values["horizon_weeks"]), bool(values["spend"])
        if out.spend_:
            out.gg_ = GammaGamma.from_values(values["gamma_gamma"])
        return out


class ParetoNBD(_BTYD):
    """Pareto/NBD with a numerically robust likelihood (see ``btyd_math``)."""

    names = ("r", "alpha", "s", "beta")
    summary = "Pareto/NBD (purchases, P(any purchase in horizon); spend x Gamma-Gamma)"

    def fit_params(self, x, t_x, T, w, budget):  # see base
        scale = w.sum()
        lik = bm.ParetoLikelihood(x, t_x, T, w)
        return _rescale_ll(fit_multistart(lambda p: -lik.total(p) / scale, STARTS, self.names, budget), scale)

    def expected(self, x, t_x, T):
        return bm.pareto_expected(self.params_, self.horizon_, x, t_x, T)

    def p_active(self, x, t_x, T):
        return bm.pareto_p_active(self.params_, self.horizon_, x, t_x, T)


class BGNBD(_BTYD):
    """BG/NBD through lifetimes' BetaGeoFitter (weighted triples)."""

    names = ("r", "alpha", "a", "b")
    summary = "BG/NBD via lifetimes (purchases, P(any purchase in horizon); spend x Gamma-Gamma)"

    def fit_params(self, x, t_x, T, w, budget):
        from lifetimes import BetaGeoFitter

        scale = w.sum()

        def nll(p: np.ndarray) -> float:
            return BetaGeoFitter._negative_log_likelihood(np.log(p), x, t_x, T, w, 0.0)

        return _rescale_ll(fit_multistart(nll, tuple(s[[0, 1, 2, 3]] for s in STARTS), self.names, budget), scale)

    def _fitter(self) -> Any:
        from lifetimes import BetaGeoFitter

        f = BetaGeoFitter()
        f.params_ = pd.Series(dict(zip(self.names, self.params_, strict=True)))
        return f

    def expected(self, x, t_x, T):
        return np.asarray(self._fitter().conditional_expected_number_of_purchases_up_to_time(
            self.horizon_, x, t_x, T), dtype=float)

    def p_active(self, x, t_x, T):
        alive = np.asarray(self._fitter().conditional_probability_alive(x, t_x, T), dtype=float)
        return bm.bgnbd_p_active(self.params_, self.horizon_, x, alive, T)


def _rescale_ll(fit: tuple[np.ndarray, float, list], scale: float) -> tuple[np.ndarray, float, list]:
    params, ll, runs = fit
    for r in runs:
        r["ll"] *= scale
    return params, ll * scale, runs


class GammaGamma:
    """Gamma-Gamma spend per purchase through lifetimes, fit on repeat buyers."""

    names = ("p", "q", "v")

    def fit(self, summary: pd.DataFrame, budget: Budget) -> GammaGamma:
        from lifetimes import GammaGammaFitter

        rep = summary[(summary["x"] > 0) & (summary["monetary_value"] > 0)]
        if len(rep) < 10:
            raise CandidateError(f"Gamma-Gamma needs at least 10 repeat buyers with spend; found {len(rep)}")
        g = rep.groupby(["x", "monetary_value"]).size().reset_index(name="w")
        x, m, w = (g[c].to_numpy(float) for c in ("x", "monetary_value", "w"))

        def nll(p: np.ndarray) -> float:
            return GammaGammaFitter._negative_log_likelihood(np.log(p), x, m, w, 0.0)

        starts = (np.array([1.0, 1.0, 1.0]), np.array([5.0, 3.0, 10.0]), np.array([10.0, 5.0, 30.0]))
        self.params_, self.ll_, self.starts_ = _rescale_ll(fit_multistart(nll, starts, self.names, budget), w.sum())
        self.n_ = len(rep)
        return self

    def expected_spend(self, summary: pd.DataFrame) -> np.ndarray:
        """E[spend per purchase]; the population mean for customers without repeat purchases."""
        x = summary["x"].to_numpy(float)
        m = summary["monetary_value"].fillna(0.0).to_numpy(float)
        p, q, v = self.params_
        population = p * v / (q - 1.0) if q > 1 else np.nan
        individual = (q - 1.0) / (p * x + q - 1.0) * population + p * x / (p * x + q - 1.0) * m
        return np.where(x > 0, individual, population)

    def describe(self) -> dict[str, Any]:
        return {"params": dict(zip(self.names, map(float, self.params_), strict=True)),
                "repeat_buyers": self.n_, "log_likelihood": self.ll_}

    def to_values(self) -> dict[str, Any]:
        """The fitted parameters as JSON values (:meth:`from_values` rebuilds the model)."""
        return {"params": [float(p) for p in self.params_], "ll": self.ll_, "starts": self.starts_,
                "repeat_buyers": self.n_}

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> GammaGamma:
        """The fitted model :meth:`to_values` described."""
        out = cls()
        out.params_, out.ll_ = np.asarray(values["params"], dtype=float), values["ll"]
        out.starts_, out.n_ = values["starts"], int(values["repeat_buyers"])
        return out
