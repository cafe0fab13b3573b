"""Generated transaction logs for the benchmarks (seeded)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def transactions(n_tx: int, seed: int = 0, per_customer: float = 5.0) -> pd.DataFrame:
    """``n_tx`` transactions of ``n_tx / per_customer`` customers over 1997-01-01 .. 1998-06-30."""
    rng = np.random.default_rng(seed)
    n_cust = max(1, int(n_tx / per_customer))
    cust = rng.integers(0, n_cust, n_tx)
    first = rng.integers(0, 90, n_cust)  # acquired in the first quarter, like CDNOW
    day = first[cust] + (rng.exponential(120, n_tx)).astype(np.int64)
    day = np.minimum(day, 545)
    dates = np.datetime64("1997-01-01") + day.astype("timedelta64[D]")
    return pd.DataFrame({"customer_id": cust.astype(np.int64), "date": dates,
                         "amount": np.round(rng.gamma(2.0, 15.0, n_tx) + 1.0, 2)})
