"""Numerically robust Pareto/NBD and BG/NBD formulas on weighted (x, t_x, T) triples.

lifetimes' Pareto/NBD log-likelihood takes the difference of two Gauss
hypergeometric terms with ``logsumexp``; when ``t_x == T`` the difference is zero
and, with large ``x``, the terms overflow, giving NaN. Here each term uses Euler's
transformation 2F1(a, b; a+1; z) = (1-z)^(1-b) 2F1(1, a+1-b; a+1; z), whose series
stays bounded, and the difference is taken in log space (``log1p``) with an exact
zero when ``t_x == T``. Formulas: Fader, Hardie & Lee (2005), "A note on deriving
the Pareto/NBD model and related expressions".
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln, hyp2f1, roots_genlaguerre


def _log_2f1_shifted(a: np.ndarray, b: np.ndarray, z: np.ndarray) -> np.ndarray:
    """log 2F1(a, b; a+1; z) for 0 <= z < 1 via Euler's transformation."""
    return (1.0 - b) * np.log1p(-z) + np.log(hyp2f1(1.0, a + 1.0 - b, a + 1.0, z))


def pareto_log_a0(params: tuple[float, float, float, float], x: np.ndarray, t_x: np.ndarray,
                  T: np.ndarray) -> np.ndarray:
    """log A0 of the Pareto/NBD likelihood (``-inf`` where t_x == T); ``params`` is (r, alpha, s, beta)."""
    r, alpha, s, beta = params
    a = r + s + x
    if alpha >= beta:
        b, big, d = s + 1.0, alpha, alpha - beta
    else:
        b, big, d = r + x, beta, beta - alpha
    l1 = _log_2f1_shifted(a, b, d / (big + t_x)) - a * np.log(big + t_x)
    l2 = _log_2f1_shifted(a, b, d / (big + T)) - a * np.log(big + T)
    diff = np.clip(l2 - l1, None, 0.0)
    with np.errstate(divide="ignore"):
        return np.where(t_x < T, l1 + np.log(-np.expm1(np.minimum(diff, -1e-300))), -np.inf)


def pareto_log_likelihood(params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Per-triple Pareto/NBD log-likelihood."""
    r, alpha, s, beta = params
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    first = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    second = np.log(s / (r + s + x)) + pareto_log_a0((r, alpha, s, beta), x, t_x, T)
    return head + np.logaddexp(first, second)


def pareto_p_alive(params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """P(alive at T | x, t_x, T)."""
    r, alpha, s, beta = params
    log_ratio = (np.log(s / (r + s + x)) + (r + x) * np.log(alpha + T) + s * np.log(beta + T)
                 + pareto_log_a0((r, alpha, s, beta), x, t_x, T))
    return 1.0 / (1.0 + np.exp(np.clip(log_ratio, -700, 700)))


def pareto_expected(params: np.ndarray, t: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """E[purchases in (T, T + t] | x, t_x, T]."""
    r, alpha, s, beta = params
    if abs(s - 1.0) < 1e-9:
        tail = np.log((beta + T + t) / (beta + T))
    else:
        tail = (1.0 - ((beta + T) / (beta + T + t)) ** (s - 1.0)) / (s - 1.0)
    return pareto_p_alive(params, x, t_x, T) * (r + x) * (beta + T) / (alpha + T) * tail


def pareto_p_active(params: np.ndarray, t: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray,
                    nodes: int = 48) -> np.ndarray:
    """P(at least one purchase in (T, T + t] | x, t_x, T).

    Alive at T, the customer's (lambda, mu) posterior is Gamma(r + x, alpha + T) x
    Gamma(s, beta + T); given them, P(a purchase before dying and before T + t) is
    lambda / (lambda + mu) (1 - exp(-(lambda + mu) t)). The expectation is taken by
    generalised Gauss-Laguerre quadrature per unique (x, T).
    """
    r, alpha, s, beta = params
    keys = np.stack([x, T], axis=1)
    uniq, inv = np.unique(keys, axis=0, return_inverse=True)
    v, wv = roots_genlaguerre(nodes, s - 1.0)
    wv = wv / np.exp(gammaln(s))
    out = np.empty(len(uniq))
    for i, (xi, Ti) in enumerate(uniq):
        u, wu = roots_genlaguerre(nodes, r + xi - 1.0)
        wu = wu / np.exp(gammaln(r + xi))
        lam = u[:, None] / (alpha + Ti)
        mu = v[None, :] / (beta + Ti)
        inner = lam / (lam + mu) * -np.expm1(-(lam + mu) * t)
        out[i] = wu @ inner @ wv
    return pareto_p_alive(params, x, t_x, T) * out[inv.ravel()]


def bgnbd_p_active(params: np.ndarray, t: float, x: np.ndarray, p_alive: np.ndarray, T: np.ndarray) -> np.ndarray:
    """BG/NBD P(at least one purchase in (T, T + t]).

    Alive at T, lambda's posterior is Gamma(r + x, alpha + T), and the next purchase
    comes before any dropout, so P(none in t | alive) = ((alpha+T)/(alpha+T+t))^(r+x).
    """
    r, alpha = params[0], params[1]
    return p_alive * (1.0 - ((alpha + T) / (alpha + T + t)) ** (r + x))


class ParetoLikelihood:
    """Weighted Pareto/NBD log-likelihood of many (x, t_x, T) rows, fast for repeated calls.

    The hypergeometric terms depend on (x, t_x) and on (x, T) only, which take far fewer
    distinct values than the triples; they are computed once per distinct pair.
    """

    def __init__(self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, w: np.ndarray) -> None:
        self.x, self.t_x, self.T, self.w = x, t_x, T, w
        self.p1, self.i1 = _pairs(x, t_x)
        self.p2, self.i2 = _pairs(x, T)
        self.same = t_x >= T

    def total(self, params: np.ndarray) -> float:
        """Sum of weighted log-likelihoods."""
        r, alpha, s, beta = params
        x, T = self.x, self.T
        a1, a2 = r + s + self.p1[:, 0], r + s + self.p2[:, 0]
        if alpha >= beta:
            b1, b2, big, d = s + 1.0, s + 1.0, alpha, alpha - beta
        else:
            b1, b2, big, d = r + self.p1[:, 0], r + self.p2[:, 0], beta, beta - alpha
        l1 = (_log_2f1_shifted(a1, b1, d / (big + self.p1[:, 1])) - a1 * np.log(big + self.p1[:, 1]))[self.i1]
        l2 = (_log_2f1_shifted(a2, b2, d / (big + self.p2[:, 1])) - a2 * np.log(big + self.p2[:, 1]))[self.i2]
        diff = np.minimum(np.clip(l2 - l1, None, 0.0), -1e-300)
        with np.errstate(divide="ignore"):
            log_a0 = np.where(self.same, -np.inf, l1 + np.log(-np.expm1(diff)))
        head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        first = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        ll = head + np.logaddexp(first, np.log(s / (r + s + x)) + log_a0)
        return float(np.dot(self.w, ll))


def _pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    uniq, inv = np.unique(np.stack([a, b], axis=1), axis=0, return_inverse=True)
    return uniq, inv.ravel()
