"""Work folders of runs killed outright are removed by the next run; live runs' and foreign folders are kept."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from bakeoff.data.framefile import OWNER, remove_orphans, work_folder


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_dead_runs_folder_goes_and_the_others_stay(tmp_path):
    host = socket.gethostname()
    dead = tmp_path / "bakeoff-dead"
    live = tmp_path / "bakeoff-live"
    other_host = tmp_path / "bakeoff-elsewhere"
    foreign = tmp_path / "bakeoff-bench"  # a benchmark cache: no owner file
    for folder, owner in ((dead, f"{host} {_dead_pid()}"), (live, f"{host} {os.getpid()}"),
                          (other_host, "another-machine 1"), (foreign, None)):
        (folder / "frame").mkdir(parents=True)
        if owner:
            (folder / OWNER).write_text(owner)
    assert remove_orphans(tmp_path) == [dead]
    assert not dead.exists() and live.exists() and other_host.exists() and foreign.exists()


def test_a_new_work_folder_names_its_owner_and_clears_orphans(tmp_path):
    dead = tmp_path / "bakeoff-dead"
    dead.mkdir()
    (dead / OWNER).write_text(f"{socket.gethostname()} {_dead_pid()}")
    path = work_folder(tmp_path)
    assert path.parent == tmp_path and path.name.startswith("bakeoff-")
    assert (path / OWNER).read_text() == f"{socket.gethostname()} {os.getpid()}"
    assert not dead.exists()
