"""Reports: the terminal table, the output files."""
