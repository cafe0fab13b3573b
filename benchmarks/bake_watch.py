"""The 1e8 bake-off through the real CLI, watched: summed RSS, summed PSS and machine memory in use every 5 s.

Run: ``python benchmarks/bake_watch.py FOLDER``. The config is ``scale.py``'s (``memory_limit = "4GB"``, a
30-minute box, defaults otherwise). PSS counts a page shared by several processes (the memory-mapped frame files)
once in all, where summed RSS counts it once per process; "used" is machine-wide, so run it on a quiet machine.
The watchdog kills the run at 17 GB in use, or when less than 3 GB is left, to protect the machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import config, make_log  # noqa: E402 - the benchmark folder is not a package

GB = 2**30


def sample(root: psutil.Process, base_used: int) -> dict[str, float]:
    """Driver RSS, summed RSS and PSS of the process tree, and machine memory in use above ``base_used``."""
    procs = [root, *root.children(recursive=True)]
    rss = [p.memory_info().rss for p in procs]
    pss = 0
    for p in procs:
        try:
            pss += p.memory_full_info().pss
        except psutil.Error:
            pass
    return {"driver_rss": rss[0], "rss": sum(rss), "pss": pss, "used": psutil.virtual_memory().used - base_used}


def mb(values: dict[str, float]) -> str:
    return ", ".join(f"{k} {v / 2**20:.0f} MB" for k, v in values.items())


def main() -> None:
    folder = Path(sys.argv[1])
    cfg = config(make_log(int(1e8)), folder, limit="4GB", box="30m")
    env = {**os.environ, "BAKEOFF_CACHE_DIR": tempfile.mkdtemp(prefix="bakeoff-bench-cache-")}
    cli = str(Path(sys.executable).with_name("bakeoff"))
    base_used, start = psutil.virtual_memory().used, time.perf_counter()
    proc = subprocess.Popen([cli, "run", str(cfg), "--quiet", "--out", str(folder / "run"), "--db",
                             str(folder / "h.duckdb")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    root, peak, killed, last = psutil.Process(proc.pid), {"driver_rss": 0.0, "rss": 0.0, "pss": 0.0, "used": 0.0}, \
        False, 0.0
    while proc.poll() is None:
        try:
            now = sample(root, base_used)
        except psutil.Error:
            now = {}
        peak = {k: max(v, now.get(k, 0.0)) for k, v in peak.items()}
        if now.get("used", 0) > 17 * GB or psutil.virtual_memory().available < 3 * GB:
            for p in [root, *root.children(recursive=True)]:
                p.kill()
            killed = True
        if time.perf_counter() - start - last >= 60:
            last = time.perf_counter() - start
            print(f"t={last:6.0f}s now: {mb(now)} | peaks {mb(peak)}", flush=True)
        time.sleep(5)
    _, err = proc.communicate()
    print(f"1e8 bake-off, box 30m: process wall {time.perf_counter() - start:.1f}s rc {proc.returncode} killed "
          f"{killed} | peaks {mb(peak)}\n{err[-3000:]}", flush=True)
    results = folder / "run" / "results.json"
    if results.exists():
        doc = json.loads(results.read_text())
        print("wall_s", doc["wall_s"], "reserve_s", doc.get("reserve_s"))
        for c in doc["candidates"]:
            trials = (c.get("params") or {}).get("trials_complete", "")
            print(f"  {c['name']:22s} {c['status']:8s} worker peak {c.get('peak_rss_mb') or 0:6.0f} MB | box "
                  f"{c.get('box_s') or 0:6.1f}s fit {c.get('fit_s') or 0:6.1f}s | train rows {c.get('train_rows')}"
                  f"{f' | {trials} trials' if trials != '' else ''} {(c.get('message') or '')[:120]}")


if __name__ == "__main__":
    main()
