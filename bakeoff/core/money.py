"""The one dollar formatter, shared by the choice sentence, the tables and the plain-language summary."""

from __future__ import annotations


def usd(x: float | None) -> str:
    """Dollars: ``$1,234.50``, ``$0.42``, ``$0.0042``, ``<$0.0001``, ``$0``; empty for None."""
    if x is None:
        return ""
    if x == 0:
        return "$0"
    if 0 < x < 0.0001:
        return "<$0.0001"
    return f"${x:,.2f}" if x >= 1 else f"${x:.2g}"
