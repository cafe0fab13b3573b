"""Dollars as people read them: the one home of every money format in tables, sentences, reports and plots.

Four styles, each for one place: :func:`usd` exact (tables, costs), :func:`usd_cents` for a running
cost in a sentence, :func:`usd_rounded` for values a month (``$41k``), :func:`usd_tick` for axis ticks.
"""

from __future__ import annotations

import math
from typing import Any


def usd(amount: float | None) -> str:
    """Dollars: ``$1,234.50``, ``$0.42``, ``$0.0042``, ``<$0.0001``, ``$0``; empty for None."""
    if amount is None:
        return ""
    if amount == 0:
        return "$0"
    if 0 < amount < 0.0001:
        return "<$0.0001"
    return f"${amount:,.2f}" if amount >= 1 else f"${amount:.2g}"


def usd_cents(amount: float) -> str:
    """A running cost in a sentence: ``$1,234.50``, ``$0.42``, ``under $0.01``."""
    if amount >= 1:
        return f"${amount:,.2f}"
    return "under $0.01" if amount < 0.01 else f"${amount:.2f}"


def usd_rounded(amount: float | None) -> str:
    """Dollars rounded for reading: ``$41k``, ``-$1.2M``, ``$950``, ``$0.42``."""
    if amount is None or not math.isfinite(amount):
        return ""
    sign, a = ("-" if amount < 0 else ""), abs(amount)
    for size, unit in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if a >= size:
            v = a / size
            return f"{sign}${v:.3g}{unit}" if v < 100 else f"{sign}${v:,.0f}{unit}"
    return f"{sign}${a:,.0f}" if a >= 10 else f"{sign}${a:.2g}"


def usd_tick(amount: float, _pos: Any = None) -> str:
    """A dollar tick label: ``$0.01``, ``$0.0001``, ``$12``, ``$1.5k``."""
    if amount >= 1000:
        return f"${amount / 1000:g}k"
    if amount >= 1:
        return f"${amount:g}"
    if amount >= 0.01:
        return f"${amount:.2f}"
    return f"${amount:.{min(-math.floor(math.log10(amount)), 9)}f}"
