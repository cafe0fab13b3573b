"""Spare workers: started and warmed ahead, one task each, the same hard box, never used when dead."""

from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

import pytest

from bakeoff.candidates.isolation import collect
from bakeoff.climb.prestart import Launcher
from bakeoff.core.records import Status


def warm(key: str) -> None:
    """Record which process warmed up for ``key`` (the key is a folder here)."""
    (Path(key) / f"warm-{os.getpid()}").write_text("")


def pid() -> int:
    return os.getpid()


def sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def wait(handle, box: float = 30.0):
    deadline = time.monotonic() + box + 5
    while time.monotonic() < deadline:
        done = collect([handle], 0.5)
        if done:
            return done[0][1]
    raise AssertionError("no outcome")


def countdown(n: int):
    """``upcoming`` for a launcher that will get ``n`` tasks for any key."""
    left = [n]

    def upcoming(_key: str) -> bool:
        left[0] -= 1
        return left[0] > 0
    return upcoming


def broken_warm(key: str) -> None:
    raise RuntimeError("cannot warm up")


def test_the_next_task_runs_in_a_warmed_spare_and_each_process_runs_one_task(tmp_path):
    key = str(tmp_path)
    launcher = Launcher(warm, countdown(3))
    try:
        pids = [wait(launcher.launch(pid, (), 30, key=key)).value for _ in range(3)]
    finally:
        launcher.close()
    warmed = {int(p.name.split("-")[1]) for p in tmp_path.glob("warm-*")}
    assert len(set(pids)) == 3                       # a fresh process for every task
    assert pids[0] not in warmed                     # the first had no spare yet
    assert set(pids[1:]) <= warmed                   # the next ones ran where the frame was already loaded
    assert len(warmed) == 2                          # no spare after the last task for this key
    assert not launcher.spares


def test_a_spare_runs_under_the_same_hard_box(tmp_path):
    key = str(tmp_path)
    launcher = Launcher(warm, countdown(2))
    try:
        assert wait(launcher.launch(pid, (), 30, key=key)).status is Status.OK
        time.sleep(0.5)  # the spare is ready
        out = wait(launcher.launch(sleep, (30.0,), 1.0, key=key), box=1.0)
    finally:
        launcher.close()
    assert out.status is Status.TIMEOUT and 0.9 < out.elapsed < 3.0


def test_a_dead_spare_is_not_used_and_close_stops_the_waiting_ones(tmp_path):
    key = str(tmp_path)
    launcher = Launcher(warm, countdown(3))
    try:
        first = wait(launcher.launch(pid, (), 30, key=key)).value
        spare = launcher.spares[key]
        spare.proc.kill()
        spare.proc.join(5)
        second = wait(launcher.launch(pid, (), 30, key=key))
        assert second.status is Status.OK and second.value not in (first, spare.proc.pid)
        waiting = launcher.spares[key].proc
    finally:
        launcher.close()
    waiting.join(5)
    assert not waiting.is_alive() and not launcher.spares


def test_a_spare_whose_warm_up_failed_still_runs_its_task(tmp_path):
    launcher = Launcher(broken_warm, countdown(2))
    try:
        first = wait(launcher.launch(pid, (), 30, key="k")).value
        second = wait(launcher.launch(pid, (), 30, key="k"))
    finally:
        launcher.close()
    assert second.status is Status.OK and second.value != first


def test_ctrl_c_while_the_next_spare_starts_kills_the_task_just_handed_over(tmp_path, monkeypatch):
    key = str(tmp_path)
    launcher = Launcher(warm, lambda _key: True)
    try:
        wait(launcher.launch(pid, (), 30, key=key))
        handed = launcher.spares[key].proc

        def interrupted(self, key):
            raise KeyboardInterrupt
        monkeypatch.setattr(Launcher, "_start", interrupted)
        with pytest.raises(KeyboardInterrupt):
            launcher.launch(sleep, (30.0,), 30, key=key)
    finally:
        launcher.close()
    handed.join(5)
    assert not handed.is_alive()


def test_a_climb_uses_spares_and_leaves_no_process_behind(monkeypatch):
    from bakeoff import prepare
    from bakeoff.candidates.registry import Spec
    from bakeoff.climb.ladder import climb
    from bakeoff.config.experiment import experiment_from_dict

    raw = {"data": {"builtin": "breast_cancer"}, "problem": {"kind": "binary", "target": "benign", "key": "row_id"},
           "score": {"bootstrap": 0}, "timebox": {"total": "2m", "per_candidate": "30s"}, "executor": {"workers": 1},
           "cost": {"probe_cache": False}}
    exp = experiment_from_dict(raw)
    frame = prepare(exp)[0]
    started = []
    real = Launcher._start
    monkeypatch.setattr(Launcher, "_start", lambda self, key: started.append(key) or real(self, key))
    specs = [Spec(f"mean{i}", "baselines.naive:Mean") for i in range(3)]
    rows = climb(exp, frame, specs, lambda *_: None).rows
    assert [r.status for r in rows] == [Status.OK] * 3
    assert len(started) == 2                 # a spare behind the first and the second, none after the last
    deadline = time.monotonic() + 5
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert multiprocessing.active_children() == []
