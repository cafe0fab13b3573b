"""Same config, same seed, twice: are the flags, the set of the best and the choice the same?

Runs each example config twice through the real CLI (``bakeoff run CONFIG --out DIR``) and
prints, per config: the chosen and the best candidate (best net value under
``rule = "max_net_value"``, whose front is drawn on net value), whether both are on the Pareto front,
the set of the best, the dominated candidates, and whether the two runs agree on all of that
(timings aside).

Usage: ``python benchmarks/verdict_repeat.py [CONFIG ...]`` (default: experiments/*.toml and
experiments/cdnow/{purchases,active,spend}.toml).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

DEFAULT = sorted(Path("experiments").glob("*.toml")) + [Path(f"experiments/cdnow/{t}.toml")
                                                         for t in ("purchases", "active", "spend")]


def _net(c: dict) -> float | None:
    """A candidate's net value a month in results.json (flat or under ``value``)."""
    v = c.get("net_usd_month")
    return v if v is not None else (c.get("value") or {}).get("net_usd_month")


def verdict(config: Path, out: Path) -> dict:
    """Run the CLI once and read back what the verdict says."""
    subprocess.run(["bakeoff", "run", str(config), "--out", str(out), "--db", str(out / "h.duckdb"), "-q"],
                   check=True, capture_output=True, text=True)
    res = json.loads((out / "results.json").read_text())
    ok = [c for c in res["candidates"] if c["status"] == "OK"]
    best = next((c["vs_best_name"] for c in ok if c.get("vs_best_name")), None)
    rule = tomllib.loads(config.read_text()).get("choose", {}).get("rule")
    if rule == "max_net_value":  # the front and the best are on net value under this rule
        net = {c["name"]: _net(c) for c in ok if _net(c) is not None}
        best = max(net, key=lambda n: net[n]) if net else best
    pareto = {c["name"] for c in ok if c.get("pareto")}
    return {"chosen": res["chosen"], "best": best,
            "on_front": res["chosen"] in pareto and best in pareto,
            "best_set": sorted(c["name"] for c in ok if c.get("best_set")),
            "flags": sorted((c["name"], bool(c.get("pareto")), tuple(c.get("dominated_by") or ()),
                             bool(c.get("best_set"))) for c in ok),
            "statuses": sorted((c["name"], c["status"]) for c in res["candidates"]),
            "reason": res["choice_reason"]}


def main(configs: list[Path]) -> None:
    """Print one block per config."""
    with tempfile.TemporaryDirectory() as tmp:
        for config in configs:
            a = verdict(config, Path(tmp) / f"{config.stem}-a")
            b = verdict(config, Path(tmp) / f"{config.stem}-b")
            same = all(a[k] == b[k] for k in ("chosen", "best", "best_set", "flags", "statuses"))
            dominated = [f"{n} by {'/'.join(d)}" for n, _, d, _ in a["flags"] if d]
            print(f"{config}: chosen {a['chosen']}, best {a['best']}, both on the Pareto front: {a['on_front']}"
                  f" / {b['on_front']}; runs agree: {same}")
            print(f"  set of the best: {', '.join(a['best_set'])}")
            print(f"  dominated: {'; '.join(dominated) or 'none'}")
            print(f"  reason: {a['reason']}")
            if not same:
                print(f"  run 2: chosen {b['chosen']}, set {b['best_set']}, flags {b['flags']}")


if __name__ == "__main__":
    main([Path(p) for p in sys.argv[1:]] or DEFAULT)
