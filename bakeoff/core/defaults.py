"""Defaults that several layers share, written once (cheap to import: the CLI reads them for --help)."""

from __future__ import annotations

from pathlib import Path

RUNS = Path("runs")
DEFAULT_DB = RUNS / "bakeoff.duckdb"  # the run history every written run is recorded in
