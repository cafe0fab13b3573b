"""Money in words: one format per place, ratios only between costs a business would budget (hand-computed cases)."""

from __future__ import annotations

import pytest

from bakeoff.core.money import cost_comparison, usd_cell, usd_rounded


@pytest.mark.parametrize(("amount", "text"), [
    (0.0, "$0"), (2.3e-7, "<$0.01"), (-2.3e-7, "-<$0.01"), (0.004, "<$0.01"), (0.12, "$0.12"), (12.4, "$12.40"),
    (999.999, "$1,000"), (1234.0, "$1.23k"), (405_000.0, "$405k"), (-1.2e6, "-$1.2M"), (None, ""),
])
def test_table_cells_never_print_scientific_notation_or_more_than_seven_characters(amount, text):
    assert usd_cell(amount) == text
    assert "e-" not in usd_cell(amount) and len(usd_cell(amount)) <= 7


def test_rounded_values_under_a_cent_read_as_such():
    assert usd_rounded(-1.2e-7) == "-<$0.01" and usd_rounded(0.0) == "$0" and usd_rounded(41_234.0) == "$41.2k"


@pytest.mark.parametrize(("first", "second", "text"), [
    (5.0, 140.0, "costs 28× less to run than glm"),          # 140 / 5 = 28: both at least $1, a ratio
    (140.0, 5.0, "costs 28× more to run than glm"),
    (2.0, 5.0, "costs 2.5× less to run than glm"),
    (3.69, 3.7, "costs about as much to run as glm"),       # within 5%
    (2.3e-7, 3.69, "costs under $0.01 a month to run (glm: $3.69)"),   # never "16,000,000× cheaper"
    (0.5, 0.004, "costs $0.50 a month to run (glm: under $0.01)"),
    (0.004, 0.002, "costs about as much to run as glm (both under $0.01 a month)"),
])
def test_cost_ratios_only_when_both_costs_are_at_least_a_dollar(first, second, text):
    assert cost_comparison(first, second, "glm") == text
