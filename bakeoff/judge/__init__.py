"""Scoring the holdout and judging it: bootstrap intervals, selection-aware comparisons (max-T), the front,
value in dollars, the choice, diagnostics."""
