"""Dollars as people read them: the one home of every money format in tables, sentences, reports and plots.

Four styles, each for one place: :func:`usd_cell` for a table cell (never wider than 7 characters),
:func:`usd_cents` for a running cost in a sentence, :func:`usd_rounded` for values a month (``$41k``),
:func:`usd_axis` for axis ticks. :func:`cost_comparison` is the one way two running costs are compared in
words: a ratio only when both are at least $1 a month (a ratio of sub-cent costs, "93,300× cheaper",
measures timing noise, not money).
"""

from __future__ import annotations

import math
from typing import Any


def usd_cents(amount: float) -> str:
    """A running cost in a sentence: ``$1,234.50``, ``$0.42``, ``under $0.01``."""
    if amount >= 1:
        return f"${amount:,.2f}"
    return "under $0.01" if amount < 0.01 else f"${amount:.2f}"


CENT = 0.01  # the smallest amount a table shows; below it, "<$0.01"


def usd_cell(amount: float | None) -> str:
    """A table cell: ``$0``, ``<$0.01``, ``$0.42``, ``$12.40``, ``$1.2k``, ``$41k``, ``-$1.2M``; empty for None."""
    if amount is None or not math.isfinite(amount):
        return ""
    if amount == 0:
        return "$0"
    if abs(amount) < CENT:
        return "<$0.01" if amount > 0 else "-<$0.01"
    if abs(amount) < 999.995:
        return f"{'-' if amount < 0 else ''}${abs(amount):.2f}"
    return usd_rounded(amount)


def cost_comparison(first: float | None, second: float | None, other: str = "") -> str:
    """How ``first``'s running cost a month compares with ``second``'s (``other`` names the second), in words.

    ``costs 27× less to run than glm`` when both are at least $1 a month; otherwise the two amounts:
    ``costs under $0.01 a month to run (glm: $3.69)``, or ``costs about as much to run as glm (both under $0.01
    a month)``.
    """
    a, b = max(first or 0.0, 0.0), max(second or 0.0, 0.0)
    than = f" than {other}" if other else ""
    if a >= 1 and b >= 1:
        ratio = a / b
        if 1 / 1.05 < ratio < 1.05:
            return f"costs about as much to run{' as ' + other if other else ''}"
        word, ratio = ("more", ratio) if ratio > 1 else ("less", 1 / ratio)
        return f"costs {ratio:,.0f}× {word} to run{than}" if ratio >= 10 else f"costs {ratio:.1f}× {word} to run{than}"
    if usd_cents(a) == usd_cents(b):
        both = f"both {usd_cents(a)} a month"
        return f"costs about as much to run{' as ' + other if other else ''} ({both})"
    return f"costs {usd_cents(a)} a month to run ({other or 'the other'}: {usd_cents(b)})"


def usd_rounded(amount: float | None) -> str:
    """Dollars rounded for reading: ``$41k``, ``-$1.2M``, ``$950``, ``$0.42``, ``<$0.01``."""
    if amount is None or not math.isfinite(amount):
        return ""
    if amount != 0 and abs(amount) < 0.01:
        return "<$0.01" if amount > 0 else "-<$0.01"
    sign, a = ("-" if amount < 0 else ""), abs(amount)
    for size, unit in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if a >= size:
            v = a / size
            return f"{sign}${v:.3g}{unit}" if v < 100 else f"{sign}${v:,.0f}{unit}"
    return f"{sign}${a:,.0f}" if a >= 10 else f"{sign}${a:.2g}"


def usd_axis(amount: float, _pos: Any = None) -> str:
    """A cost-axis tick for people: ``$0.01``, ``$0.10``, ``$1``, ``$100``, ``$1.5k``, ``$2M``; ``<$0.01`` under a cent.

    Never scientific notation and never more than two decimals: a cost under a cent a month is, to a
    reader, "less than a cent" (the axis draws such costs at one place left of ``$0.01``).
    """
    if not math.isfinite(amount):
        return ""
    if amount <= 0:
        return "$0"
    if amount < 0.01 * (1 - 1e-9):
        return "<$0.01"
    if amount < 1:
        return f"${amount:.2f}"
    amount = float(f"{amount:.3g}")  # 999.7 reads $1k, not $1e+03
    for size, unit in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if amount >= size:
            return f"${amount / size:g}{unit}"
    return f"${amount:g}"
