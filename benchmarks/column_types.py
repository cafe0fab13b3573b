"""Print the column-type matrix: every built-in candidate on the tables teams bring.

Rows are cells (target × split), columns are candidates; each entry is OK, skip (not applicable,
with the reason in the list below) or FAIL (with its message). Usage::

    python benchmarks/column_types.py [--targets yes/no,count] [--splits snapshot]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bakeoff.typematrix import SPLITS, TARGETS, ladder_specs, run_cell


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", default=",".join(TARGETS))
    parser.add_argument("--splits", default=",".join(SPLITS))
    args = parser.parse_args()
    specs = ladder_specs()
    short = {"OK": "OK", "SKIPPED": "skip", "FAILED": "FAIL"}
    print("| target | split | " + " | ".join(s.name for s in specs) + " |")
    print("|---|---|" + "---|" * len(specs))
    failures, started = [], time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        for target in args.targets.split(","):
            for split in args.splits.split(","):
                cell = run_cell(Path(tmp), target, split, specs)
                print(f"| {target} | {split} | " + " | ".join(short[o.status] for o in cell) + " |", flush=True)
                failures += [o for o in cell if o.status == "FAILED"]
    print(f"\n{len(failures)} FAILED cells in {time.monotonic() - started:.0f}s")
    for o in failures:
        print(f"- {o.target} × {o.split} × {o.candidate}: {o.message}")


if __name__ == "__main__":
    main()
