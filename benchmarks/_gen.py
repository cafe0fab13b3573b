"""Generated transaction logs for the benchmarks, drawn from a Pareto/NBD process (seeded)."""

from __future__ import annotations

import numpy as np
import pandas as pd

DAYS = 546  # 1997-01-01 .. 1998-06-30
PARAMS = {"r": 2.0, "alpha": 8.0, "s": 0.6, "beta": 12.0}


def _draw(n_cust: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    lam = rng.gamma(PARAMS["r"], 1.0 / PARAMS["alpha"], n_cust) / 7.0  # purchases per day
    mu = rng.gamma(PARAMS["s"], 1.0 / PARAMS["beta"], n_cust) / 7.0    # dropout rate per day
    first = rng.integers(0, 90, n_cust)
    alive = np.minimum(rng.exponential(1.0 / mu), DAYS - 1 - first)
    repeats = rng.poisson(lam * alive)
    cust = np.repeat(np.arange(n_cust), repeats)
    day = first[cust] + (rng.random(len(cust)) * alive[cust]).astype(np.int64)
    return np.concatenate([np.arange(n_cust), cust]), np.concatenate([first, day])


def transactions(n_tx: int, seed: int = 0) -> pd.DataFrame:
    """About ``n_tx`` transactions (customers acquired in the first quarter, like CDNOW)."""
    rng = np.random.default_rng(seed)
    probe_cust, _ = _draw(10_000, np.random.default_rng(seed + 1))
    per_customer = len(probe_cust) / 10_000
    cust, day = _draw(max(1, int(n_tx / per_customer)), rng)
    dates = np.datetime64("1997-01-01") + day.astype("timedelta64[D]")
    return pd.DataFrame({"customer_id": cust.astype(np.int64), "date": dates,
                         "amount": np.round(rng.gamma(2.0, 15.0, len(cust)) + 1.0, 2)})
