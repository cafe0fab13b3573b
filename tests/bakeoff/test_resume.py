"""Crash-safe runs: kill -9 loses no finished candidate; --resume gives the same table; Ctrl-C is clean."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

CONFIG = """
[experiment]
name = "crashy"
seed = 3
[data]
builtin = "breast_cancer"
[problem]
kind = "binary"
target = "benign"
key = "row_id"
[score]
bootstrap = 200
[timebox]
total = "5m"
per_candidate = "2m"
[executor]
workers = 1  # ladder order, so which candidates finished before the kill is known
[ladder]
include = ["mean", "glm", "decision_tree", "slow", "xgboost"]
[[candidate]]
name = "slow"
family = "naive"
rung = 3
"""

COLS = ["status", "primary", "ci_low", "ci_high", "vs_best", "vs_best_p", "vs_simplest", "metric_log_loss",
        "metric_brier"]  # Pareto flags and the choice weigh timings, which may differ


def _config(tmp_path: Path, seconds: float) -> Path:
    text = CONFIG.replace('[[candidate]]\nname = "slow"\nfamily = "naive"\nrung = 3\n',
                          f'[[candidate]]\nname = "slow"\nfamily = "test_sleep"\nrung = 3\nseconds = {seconds}\n')
    cfg = tmp_path / "crashy.toml"
    cfg.write_text(text)
    return cfg


def _cmd(*args: str) -> list[str]:
    plugin = ("import bakeoff.candidates.registry as r; "
              "r.LADDER['test_sleep'] = ('bakeoff.candidates.testing:Sleep', {});"
              "from bakeoff.cli import main; import sys; sys.argv = ['bakeoff'] + sys.argv[1:]; main()")
    return [sys.executable, "-c", plugin, *args]


def test_kill_9_then_resume_gives_the_same_table(tmp_path):
    cfg = _config(tmp_path, 60.0)
    env = {**os.environ, "BAKEOFF_TEST_SLEEP": "0"}
    ref = subprocess.run(_cmd("run", str(cfg), "--out", str(tmp_path / "ref")), cwd=tmp_path,
                         capture_output=True, text=True, timeout=300, env=env)
    assert ref.returncode == 0, ref.stderr
    proc = subprocess.Popen(_cmd("run", str(cfg), "--out", str(tmp_path / "a")), cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    ckpt_root = tmp_path / "runs" / "crashy"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        done = list(ckpt_root.glob(".checkpoint-*/*.json"))
        if len(done) >= 3:
            break
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)  # the bake-off and its workers, mid-"slow"
    proc.wait()
    names = sorted(p.stem for p in ckpt_root.glob(".checkpoint-*/*.json"))
    assert names == ["decision_tree", "glm", "mean"]
    assert not (tmp_path / "a").exists()
    # same config, so the same checkpoint key; the helper is told to stop sleeping
    env = {**os.environ, "BAKEOFF_TEST_SLEEP": "0"}
    resumed = subprocess.run(_cmd("run", str(cfg), "--out", str(tmp_path / "b"), "--resume"), cwd=tmp_path,
                             capture_output=True, text=True, timeout=300, env=env)
    assert resumed.returncode == 0, resumed.stderr
    a = pd.read_csv(tmp_path / "ref" / "tradeoff.csv", index_col=0)[COLS]
    b = pd.read_csv(tmp_path / "b" / "tradeoff.csv", index_col=0)[COLS]
    pd.testing.assert_frame_equal(a, b)
    assert not list(ckpt_root.glob(".checkpoint-*"))  # removed after the completed run


def test_ctrl_c_stops_cleanly_with_partial_result(tmp_path):
    cfg = _config(tmp_path, 60.0)
    proc = subprocess.Popen(_cmd("run", str(cfg), "--out", str(tmp_path / "p")), cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    ckpt_root = tmp_path / "runs" / "crashy"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(ckpt_root.glob(".checkpoint-*/*.json"))) < 3:
        time.sleep(0.2)
    time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C sends to the foreground group
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    table = pd.read_csv(tmp_path / "p" / "tradeoff.csv", index_col=0)
    assert table.loc["glm", "status"] == "OK"
    assert table.loc["slow", "status"] == "SKIPPED" and table.loc["xgboost", "status"] == "SKIPPED"
    assert "--resume" in err
    deadline = time.monotonic() + 10  # the forkserver and resource tracker exit once the parent is gone
    while _children(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _children(proc.pid)


def _children(pid: int) -> list[int]:
    try:
        out = subprocess.run(["pgrep", "-g", str(pid)], capture_output=True, text=True).stdout
    except FileNotFoundError:
        return []
    return [int(x) for x in out.split()]
