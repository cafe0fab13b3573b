"""Data in: sources (CSV/Parquet/DuckDB/Spark), CSV checks, column types, splits, the frame, customer summaries,
horizon alignment, drift, the training sample."""
