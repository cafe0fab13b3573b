"""Workers started ahead of their turn: each candidate still gets a fresh process, without waiting for one.

Starting a worker from the forkserver and loading the frame files into it take 40 to 50 ms,
paid before every candidate's fit. On a ladder of fast candidates that is most of the time the
framework adds. A :class:`Launcher` keeps one *spare* worker per frame file: started and warmed
(the frame loaded) while the other candidates run, then handed the next task whose frame it
holds, and replaced at once by a new spare. Isolation is unchanged: a spare runs exactly one
task, under the same hard box, which counts from the hand-over; a spare that died while waiting
is simply not used.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from bakeoff.candidates.isolation import Launched, collect, context, hidden_main, launch, run_child
from bakeoff.climb.executor import Collect, Launch, make_executor


def _spare_main(tasks: Any, results: Any, warm: Callable[[str], Any], key: str) -> None:
    """Runs in the spare: warm up for ``key``, wait for the one task, run it like any worker."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        warm(key)
    except Exception:  # noqa: BLE001 - the task loads what it needs itself and reports any failure
        pass
    try:
        fn, args, memory_mb = tasks.recv()
    except (EOFError, OSError):
        return  # never needed: the climb ended
    run_child(results, fn, args, memory_mb)


@dataclass
class Spare:
    """A started worker waiting for its task: its process and both ends the parent keeps."""

    proc: BaseProcess
    tasks: Connection
    results: Connection

    def discard(self, wait_s: float = 0.05) -> None:
        """Close its pipes (a waiting spare then exits) and kill it if it has not exited within ``wait_s``."""
        self.tasks.close()
        self.results.close()
        self.proc.join(timeout=wait_s)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(timeout=5.0)


class Launcher:
    """``launch(fn, args, timeout, key=...)`` in a spare warmed for ``key`` when there is one, else a fresh worker.

    Args:
        warm: Called in a spare with its key before it waits (loads the frame at that path).
        upcoming: Whether another task for a key is still to come (no spare is started for it otherwise).
        method: The multiprocessing start method.
    """

    def __init__(self, warm: Callable[[str], Any], upcoming: Callable[[str], bool],
                 method: str = "forkserver") -> None:
        self.warm, self.upcoming, self.method = warm, upcoming, method
        self.spares: dict[str, Spare] = {}

    def launch(self, fn: Callable[..., Any], args: tuple, timeout: float, *, key: str,
               memory_mb: int | None = None) -> Launched:
        """Start ``fn(*args)`` under a box of ``timeout`` seconds; a new spare for ``key`` starts behind it."""
        handle = self._hand_over(key, (fn, args, memory_mb), timeout)
        if handle is None:
            handle = launch(fn, args, timeout, method=self.method, memory_mb=memory_mb)
        try:
            if self.upcoming(key):
                self.spares[key] = self._start(key)
        except BaseException:  # Ctrl-C while the next spare starts: the task just handed over has no owner yet
            handle.proc.kill()
            raise
        return handle

    def _hand_over(self, key: str, task: tuple, timeout: float) -> Launched | None:
        """Give ``task`` to the spare for ``key``; None when there is none or it died while waiting."""
        spare = self.spares.pop(key, None)
        if spare is None:
            return None
        try:
            if not spare.proc.is_alive():
                raise OSError("the spare exited")
            spare.tasks.send(task)
        except (OSError, ValueError):
            spare.discard()
            return None
        spare.tasks.close()
        start = time.monotonic()
        return Launched(spare.proc, spare.results, start, start + max(timeout, 0.0), timeout)

    def _start(self, key: str) -> Spare:
        ctx = context(self.method)
        task_recv, task_send = ctx.Pipe(duplex=False)
        result_recv, result_send = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_spare_main, args=(task_recv, result_send, self.warm, key), daemon=False)
        with hidden_main():
            proc.start()
        task_recv.close()
        result_send.close()
        return Spare(proc, task_send, result_recv)

    def close(self) -> None:
        """Stop every spare still waiting (the climb is over)."""
        spares, self.spares = list(self.spares.values()), {}
        for spare in spares:
            spare.tasks.close()  # all at once: each exits on its own while the others are closed
        for spare in spares:
            spare.discard()


def make_launcher(exp: Any, frames: dict[str, Any],
                  upcoming: Callable[[str], bool]) -> tuple[Launch, Collect, Callable[[], None]]:
    """(launch, collect, close) for the engine: non-blocking forkserver workers locally, started ahead of
    their turn with the frame loaded (``upcoming``: whether a task for a frame path is still to come);
    one blocking call otherwise (:func:`bakeoff.climb.executor.make_executor`)."""
    from bakeoff.climb.worker import execute, load_frame

    if exp.executor.engine == "local":
        spares = Launcher(load_frame, upcoming)
        return (lambda task, box: spares.launch(execute, (task,), box, key=task.frame_path,
                                                memory_mb=task.memory_mb)), collect, spares.close
    engine = make_executor(exp, frames)
    return engine, lambda handles, _wait: [(h, h) for h in handles], lambda: None
