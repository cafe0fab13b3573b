"""Prove that a refactor changed no outputs: run every bundled example through the real CLI, then compare.

``produce OUTDIR [--repo DIR]`` runs ``bakeoff run <toml> --seed 7 --workers 2`` for every
``experiments/**/*.toml`` of a checkout (from the checkout's root, with ``PYTHONPATH`` set to it, through the
``bakeoff`` entry point its own ``pyproject.toml`` declares) into ``OUTDIR/<experiment name>/``, with the history
in ``OUTDIR/history.duckdb`` and the cost-probe cache in ``OUTDIR/cache/<name>/`` (nothing goes to the checkout's
``runs/bakeoff.duckdb`` or to ``~/.cache``). Each run reads a copy of its TOML in ``OUTDIR/configs/`` (relative
paths made absolute, sibling ``*.py`` linked for ``class = "module:Class"``) in which ``xgboost_tuned`` gets
``max_trials = 4``: unpinned, the tuned rung searches until its box is spent and its model depends on the
machine's speed. Four trials rather than eight: with eight its fit took 7-31 s here and crossed bakeoff's 10 s
fit-time noise margin between two runs of the same code, which flipped its Pareto flag and dominance. The worker
count is pinned because the tuner's trial window is that count.

``compare DIR_A DIR_B`` checks, per example: every field of ``results.json`` (timing fields excluded: ``EXCLUDED``
lists them with the reason), ``tradeoff.csv`` (the columns in their order, every non-timing cell),
``holdout.parquet`` (features, actual and every candidate's prediction), the set of files in the run folder, and
the history file (tables, columns and types from ``information_schema.columns``, and the non-timing values of its
rows, the JSON columns field by field). Floats must be equal exactly (same seed, same code: same numbers); where
they are not, the largest absolute difference is printed. Paths are compared with OUTDIR and the checkout replaced
by placeholders. Exit 1 on any difference.

What still depends on timing (and how this script handles it):

* Digits in sentences built from measured costs or fit times (``TIMING_PHRASES``) become ``$N`` / ``N×``; the two
  raw cost ratios with no noise margin (``RAW_COST_RATIOS``) become ``<cost ratio>``.
* Value sentences of leaders with the same value are ordered by running cost: printed as a note (``_value_tie``).
* Pareto flags, ``dominated_by``, ``dominance``, the choice and their sentences follow bakeoff's noise margins
  (2x and 10 s of fitting, 2x and ``[cost] negligible_usd`` a month). They are compared; ``produce`` warns when a
  run comes within half a margin, and ``compare`` prints the margin relations that differ between the two runs when
  something differs, so a difference caused by a busy machine says so. Run ``produce`` on a quiet machine.

Run it (the code under test is the checkout given by ``--repo``; default: the one holding this script)::

    python benchmarks/same_outputs.py produce /tmp/outs/base --repo /tmp/base   # the commit before the refactor
    python benchmarks/same_outputs.py produce /tmp/outs/new                      # this checkout
    python benchmarks/same_outputs.py compare /tmp/outs/base /tmp/outs/new

Stdlib, pandas and duckdb only: this script never imports bakeoff.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

SEED = 7
WORKERS = 2
MAX_TRIALS = 4  # see the module docstring: with 8 the tuned fit crossed the 10 s fit-time margin between runs
TUNED = "xgboost_tuned"
MANIFEST = "produce.json"
HISTORY = "history.duckdb"

# ---------------------------------------------------------------------------------------------------------------
# What is not compared, and why. Keys are matched anywhere in results.json (and, where they exist, as tradeoff.csv
# columns and history columns); every other field is compared exactly.
# ---------------------------------------------------------------------------------------------------------------
EXCLUDED: dict[str, str] = {
    # when the run happened and how long it took
    "created": "timestamp of the run",
    "wall_s": "wall seconds of the whole run",
    # the scoring reserve is timed on samples of the holdout before the climb (the report says so)
    "reserve_s": "seconds kept back for scoring, timed before the climb",
    # a candidate's measured speed and footprint
    "fit_s": "fit wall seconds",
    "fit_cpu_s": "fit CPU seconds",
    "predict_ms_per_1k": "predict wall ms per 1k rows",
    "peak_rss_mb": "peak resident memory of the worker process",
    "model_kb": "size of the pickled model: pickles name the classes' module paths, which a module move changes",
    # the cost probes: (rows, seconds) pairs, and the seconds spent on them. Not even the rows are compared: which
    # sizes are probed depends on how fast the smaller ones ran (two runs of the same code probe different sizes)
    "fit_points": "cost probes of fit: (rows, seconds); the sizes probed depend on the timings",
    "predict_points": "cost probes of predict: (rows, seconds); the sizes probed depend on the timings",
    "probe_s": "seconds spent timing the cost probes",
    # money derived from those timings (every field of a row's "cost" except upkeep_usd, which is configured)
    "train_usd": "cost from fit seconds",
    "per_million_predictions_usd": "cost from predict seconds",
    "monthly_usd": "cost from fit and predict seconds",
    "train_cpu_s_scaled": "fit CPU seconds scaled to production rows",
    "predict_fixed_ms": "fixed part of the predict timings",
    "predict_ms_per_1k_marginal": "per-row part of the predict timings",
    "fit_fixed_s": "fixed part of the fit timings",
    "fit_s_per_1k_rows": "per-row part of the fit timings",
    # xgboost_tuned's describe(): seconds of the search (its trials, values and rounds are compared)
    "tuning_s": "seconds the search ran",
    "refit_margin_s": "refit time estimated from the trials' seconds",
    "predict_margin_s": "holdout predict time estimated from the trials' seconds",
    "seconds": "seconds of one tuning trial (params.history)",
}
# net value = value - running cost (bakeoff/judge/value.py). The value and its interval (value_usd_month, value_low,
# value_high) are compared exactly; the net fields are compared after adding back the row's timing-derived
# monthly_usd, to within floating-point rounding of that subtraction.
NET = {"net_usd_month", "net_low", "net_high"}
# Sentences (choice_reason, sentences, dominance, notes, ...) are compared as text, except inside the phrases below,
# which are made of timing-derived costs and fit times. Each pattern names its template in bakeoff; the phrase must
# still be there with the same words, only the parts marked here become "$N" / "N×" / "<cost ratio>". Nothing else
# in a sentence is touched.
_USD = r"(?:under )?<?\$[\d.,]*\d"  # bakeoff.core.money.usd / usd_cents: "$0.00013", "<$0.0001", "under $0.01"
_RATIO = r"\d[\d,]*(?:\.\d+)?×"  # bakeoff.judge.front.cost_ratio: "38×", "2.5×", "15,335×"
# Two templates state the raw ratio of two measured monthly costs with a 5% band and no noise margin, so even the
# direction word follows the timings ("1.1× cheaper" / "about as cheap" / "1.1× more expensive" between two runs
# of the same code): the whole ratio is replaced, the rest of the sentence is compared.
RAW_COST_RATIOS = [
    # judge.front._ratio and its joiner, the pairwise sentences: "mean is 15,335× cheaper to run than random_forest",
    # "glm is about as cheap to run as random_forest"
    re.compile(rf"\b(?:{_RATIO} cheaper|{_RATIO} more expensive|about as cheap|as cheap) to run (?:than|as)\b"),
    # judge.words._ratio, the value sentences: "and it costs 4.5× more to run"
    re.compile(rf"\bit costs (?:{_RATIO} more|{_RATIO} less|about as much) to run\b"),
]
TIMING_PHRASES = [
    # ratios that are stated only when the noise margin says one is cheaper / faster (their words are compared):
    # "fits 71× faster", "3× cheaper a month" (judge.front.dominance), "(2.5× cheaper)", "(1.4× dearer)" (choice.py)
    re.compile(rf"{_RATIO} (?:cheaper|dearer|faster)\b"),
    # choice.py, cheapest_within: "It costs $0.0042 a month against $0.35 ("
    re.compile(rf"It costs {_USD} a month against {_USD} \("),
    # choice.py, a cost tie: "(<$0.0001 against $0.00013 a month, a tie within the cost noise margin"
    re.compile(rf"\({_USD} against {_USD} a month, a tie within the cost noise margin"),
    # judge/choice.py, max_net_value: "after under $0.01 of running cost", "after $3.21 of running cost"
    re.compile(rf"after {_USD} of running cost"),
    # report/words.py summary: "glm (glm), ROC AUC 0.9923 at $0.00083 a month"
    re.compile(rf"\bat {_USD} a month\b"),
]


def _timing_digits(match: re.Match[str]) -> str:
    return re.sub(_RATIO, "N×", re.sub(_USD, "$N", match.group(0)))


def _raw_ratio(match: re.Match[str]) -> str:
    return "it costs <cost ratio> to run" if match.group(0).startswith("it costs") else "<cost ratio> to run than/as"


# The noise margins bakeoff judges timings with (bakeoff/judge/front.py; mirrored here only to explain differences and
# to warn when a run is close to them): a fit is faster only when over 2x faster AND more than 10 s faster; a cost
# is lower only when over 2x lower AND more than [cost] negligible_usd (default $1) a month lower.
COST_RATIO = 2.0
FIT_FLOOR_S = 10.0
USD_FLOOR = 1.0


def margin_facts(doc: dict[str, Any], negligible_usd: float = USD_FLOOR) -> dict[str, str]:
    """What the noise margins decide in one run: ``{relation: the timings behind it}``.

    A relation present in one run and not in another of the same code is a timing difference, and the Pareto
    flags, dominance, choice and sentences that depend on it may differ with it.
    """
    rows = [c for c in doc.get("candidates", []) if c.get("status") == "OK" and c.get("fit_s") is not None]
    out: dict[str, str] = {}
    for a in rows:
        usd_a = (a.get("cost") or {}).get("monthly_usd")
        if usd_a is not None and usd_a >= negligible_usd:
            out[f"{a['name']}'s running cost counts (at least ${negligible_usd:g} a month)"] = f"${usd_a:.3g}"
        for b in rows:
            fa, fb = a["fit_s"], b["fit_s"]
            if fb > COST_RATIO * fa and fb - fa > FIT_FLOOR_S:
                out[f"{a['name']} fits faster than {b['name']} (over {COST_RATIO:g}x and {FIT_FLOOR_S:g} s)"] = \
                    f"{fa:.3g} s vs {fb:.3g} s"
            usd_b = (b.get("cost") or {}).get("monthly_usd")
            if usd_a is not None and usd_b is not None and usd_b - usd_a > negligible_usd:
                keep_a = (a.get("cost") or {}).get("upkeep_usd") or 0.0
                keep_b = (b.get("cost") or {}).get("upkeep_usd") or 0.0
                if keep_b - keep_a > negligible_usd or usd_b - keep_b > COST_RATIO * (usd_a - keep_a):
                    out[f"{a['name']} is cheaper than {b['name']} (over {COST_RATIO:g}x and "
                        f"${negligible_usd:g} a month)"] = f"${usd_a:.3g} vs ${usd_b:.3g} a month"
    return out


def closest_to_margins(doc: dict[str, Any]) -> tuple[str, float, str, float]:
    """The slowest fit and the dearest monthly cost of a run: (name, seconds, name, dollars)."""
    rows = [c for c in doc.get("candidates", []) if c.get("status") == "OK" and c.get("fit_s") is not None]
    slow = max(rows, key=lambda c: c["fit_s"], default={"name": "-", "fit_s": 0.0})
    dear = max(rows, key=lambda c: (c.get("cost") or {}).get("monthly_usd") or 0.0,
               default={"name": "-", "cost": {}})
    return slow["name"], slow["fit_s"], dear["name"], (dear.get("cost") or {}).get("monthly_usd") or 0.0


def negligible_of(config: str | None) -> float:
    """``[cost] negligible_usd`` of a pinned config (bakeoff's default when unset or unreadable)."""
    try:
        return float(tomllib.loads(Path(config or "").read_text(encoding="utf-8"))
                     .get("cost", {}).get("negligible_usd", USD_FLOOR))
    except (OSError, ValueError):
        return USD_FLOOR


# History columns that are identifiers or locations, not results: normalised, not excluded (run_id is
# "<experiment>/<folder name>", the same in both trees; out_dir is the run folder under OUTDIR).
PATH_COLUMNS = {"out_dir"}


# ---------------------------------------------------------------------------------------------------------------
# produce
# ---------------------------------------------------------------------------------------------------------------
def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {value!r} as TOML")


def dump_toml(doc: dict[str, Any]) -> str:
    """A parsed experiment file written back (tables, arrays of tables; deeper tables inline)."""
    lines = [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in doc.items()
             if not isinstance(v, dict) and not (isinstance(v, list) and v and all(isinstance(x, dict) for x in v))]
    for key, value in doc.items():
        if isinstance(value, dict):
            lines += ["", f"[{_toml_key(key)}]", *(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())]
        elif isinstance(value, list) and value and all(isinstance(x, dict) for x in value):
            for item in value:
                lines += ["", f"[[{_toml_key(key)}]]", *(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in item.items())]
    return "\n".join(lines) + "\n"


def _absolute(value: Any, base: Path) -> Any:
    """A relative path in the file, made absolute when it names something next to the original file."""
    if isinstance(value, str) and value and not Path(value).is_absolute() and (base / value).exists():
        return str((base / value).resolve())
    return value


def pinned_config(src: Path, max_trials: int) -> tuple[dict[str, Any], str]:
    """The experiment of ``src`` with relative paths made absolute and ``xgboost_tuned`` capped at ``max_trials``.

    Returns the document and a note saying what was changed about the tuned rung.
    """
    doc = tomllib.loads(src.read_text(encoding="utf-8"))
    base = src.parent
    data = doc.get("data", {})
    for key in ("source", "database", "temp_directory"):
        if key in data:
            data[key] = _absolute(data[key], base)
    split = doc.get("problem", {}).get("split")
    if isinstance(split, dict) and "file" in split:
        split["file"] = _absolute(split["file"], base)
    cands = doc.get("candidate", [])
    for cand in cands:
        if "file" in cand:
            cand["file"] = _absolute(cand["file"], base)  # SQL rule files: relative to the config file first
    ladder = doc.get("ladder", {})
    tuned = [c for c in cands if c.get("name") == TUNED or c.get("family") == TUNED]
    for cand in tuned:
        if "max_trials" not in cand and "n_trials" not in cand:
            cand["max_trials"] = max_trials
    if tuned:
        return doc, f"max_trials set on {len(tuned)} [[candidate]] table(s) of family {TUNED}"
    include, exclude = ladder.get("include", []), ladder.get("exclude", [])
    if (not include or TUNED in include) and TUNED not in exclude:
        doc["candidate"] = [*cands, {"name": TUNED, "family": TUNED, "max_trials": max_trials}]
        return doc, f"[[candidate]] {TUNED} with max_trials = {max_trials} added"
    return doc, f"{TUNED} is not in this ladder; nothing added"


def entry_point(repo: Path) -> str:
    """``module:function`` of the ``bakeoff`` script the checkout's pyproject.toml declares."""
    project = tomllib.loads((repo / "pyproject.toml").read_text(encoding="utf-8"))
    return project["project"]["scripts"]["bakeoff"]


def example_tomls(repo: Path) -> list[Path]:
    """The bundled example files: ``experiments/**/*.toml`` outside run folders."""
    root = repo / "experiments"
    return sorted(p for p in root.rglob("*.toml") if "runs" not in p.relative_to(root).parts)


def _git_head(repo: Path) -> str | None:
    proc = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True)
    return proc.stdout.strip() if proc.returncode == 0 else None


def _git_dirty(repo: Path) -> bool | None:
    proc = subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"],
                          capture_output=True, text=True)
    return bool(proc.stdout.strip()) if proc.returncode == 0 else None


def produce(out: Path, repo: Path, max_trials: int, timebox: str | None, only: list[str] | None,
            force: bool) -> int:
    out, repo = out.resolve(), repo.resolve()
    if out.exists() and any(out.iterdir()):
        if not force:
            print(f"error: {out} exists and is not empty (--force replaces it)", file=sys.stderr)
            return 2
        shutil.rmtree(out)
    (out / "configs").mkdir(parents=True)
    (out / "logs").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BAKEOFF_")}
    env["PYTHONPATH"] = str(repo)  # the checkout under test, before any installed copy
    where = subprocess.run([sys.executable, "-c", "import bakeoff, baselines; print(bakeoff.__file__); "
                            "print(baselines.__file__)"], cwd=repo, env=env, capture_output=True, text=True)
    found = [Path(p).resolve() for p in where.stdout.split()]
    if where.returncode != 0 or len(found) != 2 or not all(p.is_relative_to(repo) for p in found):
        print(f"error: with PYTHONPATH={repo}, bakeoff/baselines import from {found or where.stderr.strip()}",
              file=sys.stderr)
        return 2
    module, func = entry_point(repo).split(":")
    cli = [sys.executable, "-c", f"import sys; from {module} import {func} as m; sys.argv[0] = 'bakeoff'; "
           "sys.exit(m())"]
    tomls = example_tomls(repo)
    names = [tomllib.loads(p.read_text(encoding="utf-8")).get("experiment", {}).get("name", p.stem) for p in tomls]
    if len(set(names)) != len(names):
        print(f"error: experiment names are not unique: {names}", file=sys.stderr)
        return 2
    manifest: dict[str, Any] = {"repo": str(repo), "out": str(out), "commit": _git_head(repo),
                                "dirty": _git_dirty(repo), "python": sys.executable, "entry_point": f"{module}:{func}",
                                "seed": SEED, "workers": WORKERS, "max_trials": max_trials, "timebox": timebox,
                                "examples": {}}
    failed = 0
    t_all = time.perf_counter()
    print(f"produce: {len(tomls)} examples from {repo} (commit {manifest['commit']}"
          f"{', uncommitted changes' if manifest['dirty'] else ''}) into {out}")
    for src, name in zip(tomls, names, strict=True):
        if only and name not in only:
            continue
        doc, note = pinned_config(src, max_trials)
        cfg = out / "configs" / src.relative_to(repo / "experiments")
        cfg.parent.mkdir(parents=True, exist_ok=True)
        cfg.write_text(f"# {src.relative_to(repo)} for benchmarks/same_outputs.py: {note}\n" + dump_toml(doc),
                       encoding="utf-8")
        for sibling in src.parent.iterdir():  # `class = "module:Class"` imports from the config's folder
            if sibling.suffix == ".py" and not (cfg.parent / sibling.name).exists():
                (cfg.parent / sibling.name).symlink_to(sibling)
        cmd = [*cli, "run", str(cfg), "--seed", str(SEED), "--workers", str(WORKERS), "--out", str(out / name),
               "--db", str(out / HISTORY), "--quiet", "--width", "200"]
        if timebox:
            cmd += ["--timebox", timebox]
        run_env = {**env, "BAKEOFF_CACHE_DIR": str(out / "cache" / name)}  # cold cost probes, never ~/.cache
        # bakeoff keeps its checkpoint in <cwd>/runs/<experiment>/.checkpoint-*/ (no flag moves it) and removes it
        # when the run completes; the folders it had to create for that are removed again if they stay empty
        made = [d for d in (repo / "runs", repo / "runs" / name) if not d.exists()]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=repo, env=run_env, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        for folder in reversed(made):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        (out / "logs" / f"{name}.log").write_text(f"$ {' '.join(cmd)}\n# exit {proc.returncode}, {wall:.1f}s\n"
                                                  f"{proc.stdout}\n--- stderr ---\n{proc.stderr}", encoding="utf-8")
        info: dict[str, Any] = {"toml": str(src.relative_to(repo)), "config": str(cfg), "tuned": note,
                                "exit": proc.returncode, "wall_s": round(wall, 1)}
        statuses: dict[str, str] = {}
        res = out / name / "results.json"
        if proc.returncode == 0 and res.is_file():
            doc = json.loads(res.read_text(encoding="utf-8"))
            for cand in doc.get("candidates", []):
                statuses[cand["name"]] = cand.get("status", "?")
                if cand["name"] == TUNED and cand.get("status") == "OK":
                    info["tuned_stopped_by"] = (cand.get("params") or {}).get("stopped_by")
            info["chosen"] = doc.get("chosen")
            neg = negligible_of(str(cfg))
            slow, fit_s, dear, usd = closest_to_margins(doc)
            info["slowest_fit"] = [slow, round(fit_s, 2)]
            info["dearest_month"] = [dear, usd]
            info["margin_facts"] = margin_facts(doc, neg)
            near = fit_s > FIT_FLOOR_S / 2 or usd > neg / 2
            info["near_margins"] = near
        info["statuses"] = statuses
        manifest["examples"][name] = info
        bad = {n: s for n, s in statuses.items() if s not in ("OK", "SKIPPED")}
        counts = {s: list(statuses.values()).count(s) for s in sorted(set(statuses.values()))}
        stopped = info.get("tuned_stopped_by")
        print(f"  {name}: exit {proc.returncode} in {wall:.1f}s; {counts}; chosen {info.get('chosen')}"
              + (f"; {TUNED} stopped by {stopped}" if stopped else "") + (f"; NOT OK: {bad}" if bad else ""))
        if info.get("near_margins") or info.get("margin_facts"):
            print(f"    timing-sensitive: slowest fit {info['slowest_fit'][0]} {info['slowest_fit'][1]:.1f} s "
                  f"(fit-time margin {FIT_FLOOR_S:g} s), dearest {info['dearest_month'][0]} "
                  f"${info['dearest_month'][1]:.3g} a month (cost margin ${neg:g}); the margins decide "
                  f"{len(info['margin_facts'])} relation(s) here: Pareto flags, dominance and the choice may differ "
                  "on a slower or busier machine (run produce again when the machine is quiet)")
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            print("    " + "\n    ".join(tail))
        if proc.returncode != 0 or bad or (stopped not in (None, "max_trials")):
            failed += 1
    manifest["wall_s"] = round(time.perf_counter() - t_all, 1)
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    print(f"produce: {manifest['wall_s']:.0f}s in all; {failed} example(s) with a problem; logs in {out / 'logs'}")
    return 1 if failed else 0


# ---------------------------------------------------------------------------------------------------------------
# compare
# ---------------------------------------------------------------------------------------------------------------
class Diff:
    """Differences and counts of one comparison."""

    def __init__(self) -> None:
        self.compared = 0
        self.skipped = 0
        self.diffs: list[str] = []
        self.notes: list[str] = []  # differences explained by a tie broken by timings (printed, not failed)
        self.max_abs = 0.0

    def same(self) -> bool:
        return not self.diffs


def _roots(manifest: dict[str, Any], folder: Path) -> list[tuple[str, str]]:
    """(absolute path, placeholder) pairs to normalise in strings: the output folder (where produce wrote it and where
    it is now) and the checkout under test."""
    pairs = [(manifest.get("out", ""), "<OUT>"), (str(folder.resolve()), "<OUT>"), (manifest.get("repo", ""), "<REPO>")]
    return [(p, tag) for p, tag in sorted(pairs, key=lambda x: -len(x[0])) if p]


def _norm_str(text: str, roots: list[tuple[str, str]], sentence: bool) -> str:
    for path, tag in roots:
        text = text.replace(path, tag)
    if sentence:
        for pattern in RAW_COST_RATIOS:
            text = pattern.sub(_raw_ratio, text)
        for pattern in TIMING_PHRASES:
            text = pattern.sub(_timing_digits, text)
    return text


def _flatten(value: Any, path: str, out: dict[str, Any], roots: list[tuple[str, str]], diff: Diff) -> None:
    """``{path: leaf}`` of a JSON document, with timing fields skipped (counted in ``diff.skipped``)."""
    key = path.rsplit("/", 1)[-1].split("[", 1)[0]
    if key in EXCLUDED:
        diff.skipped += _leaves(value)
        return
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(v, f"{path}/{k}", out, roots, diff)
        if not value:
            out[path] = {}
    elif isinstance(value, list):
        named = all(isinstance(v, dict) and isinstance(v.get("name"), str) for v in value) and value and \
            len({v["name"] for v in value}) == len(value)
        if named:  # candidates: keyed by name (readable paths), their order compared as a field of its own
            out[path + "#order"] = [v["name"] for v in value]
            for v in value:
                _flatten(v, f"{path}[{v['name']}]", out, roots, diff)
        else:
            out[path + "#len"] = len(value)
            for i, v in enumerate(value):
                _flatten(v, f"{path}/{i}", out, roots, diff)
    elif isinstance(value, str):
        out[path] = _norm_str(value, roots, sentence=True)
    else:
        out[path] = value


def _leaves(value: Any) -> int:
    if isinstance(value, dict):
        return sum(_leaves(v) for v in value.values()) or 1
    if isinstance(value, list):
        return sum(_leaves(v) for v in value) or 1
    return 1


def _num(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _equal(a: Any, b: Any) -> bool:
    if _num(a) and _num(b):
        return (math.isnan(a) and math.isnan(b)) if (math.isnan(a) or math.isnan(b)) else a == b
    return type(a) is type(b) and a == b


def _show(x: Any) -> str:
    text = json.dumps(x, default=str) if not isinstance(x, float) else repr(x)
    return text if len(text) <= 300 else text[:300] + "..."


def compare_docs(a: Any, b: Any, roots_a: list, roots_b: list, diff: Diff, where: str) -> None:
    """Every non-timing leaf of two JSON documents."""
    fa: dict[str, Any] = {}
    fb: dict[str, Any] = {}
    # the net fields need the row's monthly_usd, which is excluded from the comparison: read it separately
    costs_a = _costs(a)
    costs_b = _costs(b)
    _flatten(a, "", fa, roots_a, diff)
    skipped = diff.skipped
    _flatten(b, "", fb, roots_b, Diff())
    diff.skipped = skipped
    for path in sorted(set(fa) | set(fb)):
        if path not in fa or path not in fb:
            diff.diffs.append(f"{where}{path}: only in {'B' if path not in fa else 'A'} "
                              f"({_show(fb.get(path, fa.get(path)))})")
            continue
        va, vb = fa[path], fb[path]
        diff.compared += 1
        if path.rsplit("/", 1)[-1] in NET and _num(va) and _num(vb):
            row = path.split("/value/")[0]
            xa, xb = va + costs_a.get(row, 0.0), vb + costs_b.get(row, 0.0)
            scale = max(abs(xa), abs(xb), costs_a.get(row, 0.0), costs_b.get(row, 0.0), 1.0)
            if not math.isclose(xa, xb, rel_tol=0, abs_tol=1e-12 * scale):
                diff.diffs.append(f"{where}{path} (+ monthly_usd): A {xa!r} != B {xb!r}")
                diff.max_abs = max(diff.max_abs, abs(xa - xb))
            continue
        if not _equal(va, vb):
            tie = _value_tie(path, va, vb, a, b)
            if tie:
                diff.notes.append(f"{where}{path}: {tie}")
                continue
            if _num(va) and _num(vb):
                diff.max_abs = max(diff.max_abs, abs(va - vb))
            diff.diffs.append(f"{where}{path}: A {_show(va)} != B {_show(vb)}")


# The value sentences (bakeoff/judge/words.value_sentences) name up to four leaders in order of net value = value -
# running cost. Leaders with the SAME value (e.g. two that act on nobody: $0) are therefore ordered by their measured
# running costs alone, so which of them gets a sentence, and in which place, follows the timings. Such a sentence is
# accepted when it differs only in the candidate's name and the two candidates' value fields are identical in both
# runs; the compare prints it as a note (never silently).
_VALUE_SENTENCE = re.compile(r"^(Acting where |Acting on |Ordering )(\S+?)'s ")
_VALUE_FIELDS = ("value_usd_month", "value_low", "value_high", "value_share", "acted_share", "value_threshold")


def _value_tie(path: str, va: Any, vb: Any, doc_a: Any, doc_b: Any) -> str | None:
    if not (re.fullmatch(r"/sentences/\d+", path) and isinstance(va, str) and isinstance(vb, str)):
        return None
    ma, mb = _VALUE_SENTENCE.match(va), _VALUE_SENTENCE.match(vb)
    if not (ma and mb) or ma.group(2) == mb.group(2):
        return None
    name_a, name_b = ma.group(2), mb.group(2)
    if va.replace(f"{name_a}'s ", "<name>'s ", 1) != vb.replace(f"{name_b}'s ", "<name>'s ", 1):
        return None

    def value(doc: Any, name: str) -> tuple | None:
        for cand in doc.get("candidates", []) if isinstance(doc, dict) else []:
            if cand.get("name") == name and isinstance(cand.get("value"), dict):
                return tuple(cand["value"].get(k) for k in _VALUE_FIELDS)
        return None

    values = [value(doc_a, name_a), value(doc_a, name_b), value(doc_b, name_a), value(doc_b, name_b)]
    if values[0] is None or any(v != values[0] for v in values):
        return None
    return (f"names {name_a} in A and {name_b} in B: the two have the same value (a tie ordered by their "
            "measured running costs), the sentences are otherwise equal")


def _costs(doc: Any) -> dict[str, float]:
    """``{"/candidates[name]": monthly_usd}`` of a results document (for the net fields)."""
    out: dict[str, float] = {}
    if isinstance(doc, dict):
        for cand in doc.get("candidates", []) or []:
            cost = (cand.get("cost") or {}).get("monthly_usd") if isinstance(cand, dict) else None
            if _num(cost):
                out[f"/candidates[{cand['name']}]"] = float(cost)
    return out


def compare_results(a: Path, b: Path, roots_a: list, roots_b: list) -> Diff:
    diff = Diff()
    compare_docs(json.loads(a.read_text(encoding="utf-8")), json.loads(b.read_text(encoding="utf-8")),
                 roots_a, roots_b, diff, "")
    return diff


def _timing_column(col: str) -> bool:
    return col in EXCLUDED


def _cells(frame_a: Any, frame_b: Any, key: str, diff: Diff, where: str, roots_a: list, roots_b: list,
           path_cols: set[str] = frozenset()) -> None:
    """Cell by cell, rows matched by position, timing columns skipped; NET columns corrected as in results."""
    import pandas as pd

    cols_a, cols_b = list(frame_a.columns), list(frame_b.columns)
    if cols_a != cols_b:
        diff.diffs.append(f"{where}: columns differ: A {cols_a} != B {cols_b}")
    if len(frame_a) != len(frame_b):
        diff.diffs.append(f"{where}: {len(frame_a)} rows in A, {len(frame_b)} in B")
        return
    for col in [c for c in cols_a if c in cols_b]:
        if _timing_column(col):
            diff.skipped += len(frame_a)
            continue
        for i in range(len(frame_a)):
            va, vb = frame_a[col].iloc[i], frame_b[col].iloc[i]
            label = f"{where}[{frame_a[key].iloc[i] if key in cols_a else i}].{col}"
            va = None if va is None or (not isinstance(va, str) and pd.api.types.is_scalar(va) and pd.isna(va)) \
                else va
            vb = None if vb is None or (not isinstance(vb, str) and pd.api.types.is_scalar(vb) and pd.isna(vb)) \
                else vb
            va, vb = _py(va), _py(vb)
            if col in NET and _num(va) and _num(vb) and "monthly_usd" in cols_a:
                ca, cb = _py(frame_a["monthly_usd"].iloc[i]), _py(frame_b["monthly_usd"].iloc[i])
                xa, xb = va + (ca if _num(ca) and not math.isnan(ca) else 0.0), \
                    vb + (cb if _num(cb) and not math.isnan(cb) else 0.0)
                diff.compared += 1
                if not math.isclose(xa, xb, rel_tol=0, abs_tol=1e-12 * max(abs(xa), abs(xb), 1.0)):
                    diff.diffs.append(f"{label} (+ monthly_usd): A {xa!r} != B {xb!r}")
                    diff.max_abs = max(diff.max_abs, abs(xa - xb))
                continue
            if isinstance(va, str) and isinstance(vb, str) and va[:1] in "[{" and vb[:1] in "[{":
                try:
                    ja, jb = json.loads(va), json.loads(vb)
                except ValueError:
                    pass
                else:
                    compare_docs(ja, jb, roots_a, roots_b, diff, f"{label}:")
                    continue
            if isinstance(va, str):
                va = _norm_str(va, roots_a, sentence=col not in path_cols)
            if isinstance(vb, str):
                vb = _norm_str(vb, roots_b, sentence=col not in path_cols)
            diff.compared += 1
            if not _equal(va, vb):
                if _num(va) and _num(vb):
                    diff.max_abs = max(diff.max_abs, abs(va - vb))
                diff.diffs.append(f"{label}: A {_show(va)} != B {_show(vb)}")


def _py(x: Any) -> Any:
    """numpy scalars as Python ones (ints stay ints, so 3 == 3.0 is not a type difference)."""
    if hasattr(x, "item") and not isinstance(x, str | bytes):
        try:
            return x.item()
        except (ValueError, AttributeError):
            return x
    return x


def compare_csv(a: Path, b: Path, roots_a: list, roots_b: list) -> Diff:
    import pandas as pd

    diff = Diff()
    _cells(pd.read_csv(a, keep_default_na=False, na_values=[""]), pd.read_csv(b, keep_default_na=False,
                                                                                 na_values=[""]),
           "name", diff, "", roots_a, roots_b)
    return diff


def compare_parquet(a: Path, b: Path) -> Diff:
    import duckdb

    diff = Diff()
    con = duckdb.connect()
    fa = con.execute("SELECT * FROM read_parquet(?)", [str(a)]).df()
    fb = con.execute("SELECT * FROM read_parquet(?)", [str(b)]).df()
    _cells(fa, fb, "", diff, "", [], [])
    return diff


def files_of(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def history_schema(db: Path) -> list[tuple]:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT table_schema, table_name, ordinal_position, column_name, data_type "
                           "FROM information_schema.columns ORDER BY table_schema, table_name, "
                           "ordinal_position").fetchall()
    finally:
        con.close()


def history_rows(db: Path, experiment: str) -> dict[str, Any]:
    """The history rows of one experiment, per table (ordered by their run and columns)."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for (table,) in con.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall():
            cols = [r[0] for r in con.execute("SELECT column_name FROM information_schema.columns WHERE "
                                              "table_name = ? ORDER BY ordinal_position", [table]).fetchall()]
            where = "WHERE starts_with(run_id, ? || '/')" if "run_id" in cols else ""
            order = ", ".join(f'"{c}"' for c in cols if c in ("run_id", "name")) or "1"
            args = [experiment] if where else []
            frame = con.execute(f'SELECT * FROM "{table}" {where} ORDER BY {order}', args).df()
            out[table] = frame
        return out
    finally:
        con.close()


def compare(dir_a: Path, dir_b: Path) -> int:
    ma = json.loads((dir_a / MANIFEST).read_text(encoding="utf-8")) if (dir_a / MANIFEST).is_file() else {}
    mb = json.loads((dir_b / MANIFEST).read_text(encoding="utf-8")) if (dir_b / MANIFEST).is_file() else {}
    roots_a, roots_b = _roots(ma, dir_a), _roots(mb, dir_b)
    names_a = {p.parent.name for p in dir_a.glob("*/results.json")}
    names_b = {p.parent.name for p in dir_b.glob("*/results.json")}
    print(f"A: {dir_a} (commit {ma.get('commit')}, repo {ma.get('repo')})\n"
          f"B: {dir_b} (commit {mb.get('commit')}, repo {mb.get('repo')})")
    for key in ("seed", "workers", "max_trials", "timebox"):
        if ma.get(key) != mb.get(key):
            print(f"note: produced with different {key}: A {ma.get(key)!r}, B {mb.get(key)!r}")
    bad = 0
    if names_a != names_b:
        print(f"examples differ: only in A {sorted(names_a - names_b)}, only in B {sorted(names_b - names_a)}")
        bad += 1
    schema_a = history_schema(dir_a / HISTORY) if (dir_a / HISTORY).is_file() else None
    schema_b = history_schema(dir_b / HISTORY) if (dir_b / HISTORY).is_file() else None
    schema_same = schema_a == schema_b and schema_a is not None
    if not schema_same:
        bad += 1
        print("history schema differs:")
        for row in sorted(set(schema_a or []) ^ set(schema_b or [])):
            print(f"  {'A' if row in (schema_a or []) else 'B'} only: {row}")
    for name in sorted(names_a & names_b):
        ra, rb = dir_a / name, dir_b / name
        parts, lines = [], []
        for label, diff in (("results.json", compare_results(ra / "results.json", rb / "results.json",
                                                             roots_a, roots_b)),
                            ("tradeoff.csv", compare_csv(ra / "tradeoff.csv", rb / "tradeoff.csv", roots_a, roots_b)),
                            ("holdout.parquet", compare_parquet(ra / "holdout.parquet", rb / "holdout.parquet")
                             if (ra / "holdout.parquet").is_file() and (rb / "holdout.parquet").is_file()
                             else None),
                            ("history rows", _compare_history(dir_a, dir_b, name, roots_a, roots_b))):
            if diff is None:
                continue
            unit = "cells" if label != "results.json" else "fields"
            what = f"{diff.compared} {unit} compared, {diff.skipped} timing {unit} skipped"
            lines += [f"    {label}: note: {n}" for n in diff.notes]
            if diff.same():
                parts.append(f"{label} same ({what}" + (f"; {len(diff.notes)} timing tie(s), see notes)"
                                                         if diff.notes else ")"))
            else:
                bad += 1
                worst = f", max abs difference {diff.max_abs:.3g}" if diff.max_abs else ""
                parts.append(f"{label} DIFFERS ({len(diff.diffs)} of {what}{worst})")
                lines += [f"    {label}: {d}" for d in diff.diffs[:40]]
                if len(diff.diffs) > 40:
                    lines.append(f"    {label}: ... {len(diff.diffs) - 40} more")
        fa, fb = files_of(ra), files_of(rb)
        if fa == fb:
            parts.append(f"files same ({len(fa)})")
        else:
            bad += 1
            parts.append("files DIFFER")
            lines.append(f"    files: only in A {sorted(fa - fb)}, only in B {sorted(fb - fa)}")
        parts.append("history schema same" if schema_same else "history schema DIFFERS")
        print(f"{name}: " + "; ".join(parts))
        for line in lines:
            print(line)
        if any(" note: " not in line for line in lines):
            for line in _timing_context(ra, rb, ma, mb, name):
                print(line)
    print("SAME" if not bad else f"DIFFERENT ({bad} difference group(s))")
    return 1 if bad else 0


def _timing_context(ra: Path, rb: Path, ma: dict[str, Any], mb: dict[str, Any], name: str) -> list[str]:
    """The noise-margin relations that hold in one run and not the other (what timing alone can change)."""
    doc_a = json.loads((ra / "results.json").read_text(encoding="utf-8"))
    doc_b = json.loads((rb / "results.json").read_text(encoding="utf-8"))
    neg_a = negligible_of(ma.get("examples", {}).get(name, {}).get("config"))
    neg_b = negligible_of(mb.get("examples", {}).get(name, {}).get("config"))
    fa, fb = margin_facts(doc_a, neg_a), margin_facts(doc_b, neg_b)
    only = [f"A only: {k} ({fa[k]})" for k in sorted(set(fa) - set(fb))] + \
        [f"B only: {k} ({fb[k]})" for k in sorted(set(fb) - set(fa))]
    if not only:
        return ["    timing context: the noise margins decide the same relations in A and B "
                f"({len(fa)}), so timing does not explain these differences"]
    return ["    timing context: these margin relations differ, so Pareto flags, dominance, the choice and their "
            "sentences may differ from timing alone:"] + [f"      {line}" for line in only[:20]]


def _compare_history(dir_a: Path, dir_b: Path, name: str, roots_a: list, roots_b: list) -> Diff | None:
    if not (dir_a / HISTORY).is_file() or not (dir_b / HISTORY).is_file():
        return None
    experiment = json.loads((dir_a / name / "results.json").read_text(encoding="utf-8")).get("experiment", name)
    ha, hb = history_rows(dir_a / HISTORY, experiment), history_rows(dir_b / HISTORY, experiment)
    diff = Diff()
    for table in sorted(set(ha) | set(hb)):
        if table not in ha or table not in hb:
            diff.diffs.append(f"table {table} only in {'A' if table in ha else 'B'}")
            continue
        key = "name" if "name" in ha[table].columns else "run_id"
        _cells(ha[table], hb[table], key, diff, table, roots_a, roots_b, PATH_COLUMNS)
    return diff


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("produce", help="run every bundled example into OUTDIR")
    p.add_argument("outdir", type=Path)
    p.add_argument("--repo", type=Path, default=Path(__file__).resolve().parents[1],
                   help="checkout under test (default: the one holding this script)")
    p.add_argument("--max-trials", type=int, default=MAX_TRIALS, help=f"trials of {TUNED} (default {MAX_TRIALS})")
    p.add_argument("--timebox", help="total box of each run (default: each file's own)")
    p.add_argument("--only", nargs="*", help="experiment names to run (default: all)")
    p.add_argument("--force", action="store_true", help="replace OUTDIR if it is not empty")
    c = sub.add_parser("compare", help="compare two OUTDIRs written by produce")
    c.add_argument("dir_a", type=Path)
    c.add_argument("dir_b", type=Path)
    args = ap.parse_args(argv)
    if args.cmd == "produce":
        return produce(args.outdir, args.repo, args.max_trials, args.timebox, args.only, args.force)
    return compare(args.dir_a, args.dir_b)


if __name__ == "__main__":
    sys.exit(main())
