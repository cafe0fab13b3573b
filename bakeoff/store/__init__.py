"""What outlives a run: the DuckDB run history, the champion lookup, MLflow tracking."""
