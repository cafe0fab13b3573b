"""The cost probes' allowance: CPU seconds a candidate's probes may spend, and the box that holds a probe fit to it.

All probes of one candidate share ``max(1 s, 10%`` of its own fit + predict) of CPU (:class:`Allowance`): the
probes are measurement the user asked for, but they may not be what makes a small example slow. A probe fit
runs inside :func:`boxed`, which stops it when it has used what is left, on the process's CPU clock like the
allowance, with a wall-clock box :data:`WALL_SLACK` times as long for a probe that waits instead of working.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

MIN_PROBE_S = 1.0
PROBE_SHARE = 0.10
WALL_SLACK = 3.0  # a boxed probe may wait for a core (or for I/O) up to this many times its CPU seconds
_TIMERS = ((signal.SIGPROF, "ITIMER_PROF", True), (signal.SIGALRM, "ITIMER_REAL", False))


@dataclass(frozen=True)
class Allowance:
    """CPU seconds all cost probes of one candidate may spend: ``max(1 s, 10%`` of its own fit + predict).

    Counted on the worker's CPU clock (``time.process_time``: every thread of the process, DuckDB's
    included), from when the probes start.
    """

    seconds: float
    started: float = field(default_factory=time.process_time)

    @classmethod
    def of(cls, fit_s: float, predict_s: float) -> Allowance:
        """The allowance of a candidate whose fit and predict were billed ``fit_s`` and ``predict_s``."""
        return cls(max(MIN_PROBE_S, PROBE_SHARE * (max(fit_s, 0.0) + max(predict_s, 0.0))))

    def left(self) -> float:
        """CPU seconds still to spend (never negative)."""
        return max(0.0, self.seconds - (time.process_time() - self.started))


class ProbeCut(BaseException):
    """A probe fit stopped by :func:`boxed` (a BaseException: a candidate's own ``except Exception`` cannot
    swallow it and run on unboxed). ``on_cpu``: stopped by the CPU box (its seconds are the allowance spent),
    not by the wall-clock one (a probe that waited)."""

    def __init__(self, on_cpu: bool = True) -> None:
        super().__init__("probe cut at its allowance")
        self.on_cpu = on_cpu


@contextlib.contextmanager
def boxed(seconds: float) -> Iterator[None]:
    """Raise :class:`ProbeCut` inside the block once it has used ``seconds`` of CPU, or waited three times as long.

    Timer signals work in the main thread only (a worker process runs its candidate there); elsewhere the block
    runs unboxed. A call that stays in C code is stopped when it returns to Python (between trees, boosting
    rounds or queries). The handlers and timers found on entry are put back on exit, with both signals blocked
    meanwhile, and a signal that arrives after the block is ignored: a late cut can never escape it.
    """
    if seconds <= 0:
        raise ProbeCut
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return
    active = [True]

    def cut(signum: int, frame: Any) -> None:
        if active[0]:
            active[0] = False
            raise ProbeCut(on_cpu=signum == signal.SIGPROF)

    limits = {signal.SIGPROF: seconds, signal.SIGALRM: WALL_SLACK * seconds + 1.0}
    handlers = {sig: signal.signal(sig, cut) for sig, _, _ in _TIMERS}
    timers = {sig: signal.setitimer(getattr(signal, which), limits[sig]) for sig, which, _ in _TIMERS}
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_BLOCK, set(handlers))
        active[0] = False
        for sig, which, _ in _TIMERS:
            signal.setitimer(getattr(signal, which), *timers[sig])
            signal.signal(sig, handlers[sig])
        signal.pthread_sigmask(signal.SIG_UNBLOCK, set(handlers))
