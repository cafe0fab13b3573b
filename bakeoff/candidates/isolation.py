"""Isolation: run work under a hard time box, one process per call.

:func:`run_isolated` forks a worker (from a forkserver whose heavy imports are
already done), waits on a pipe until the deadline, and kills the worker when it
passes: a pure-Python loop and a long C call stop alike. A worker that dies
(segfault, out of memory) is a FAILED outcome naming the signal.

Candidates isolate their own nested work (tuning trials) with :func:`run_isolated` in the way
their engine tells them through ``Budget.isolation`` (:data:`NESTED`), never through global
state. The engines that run candidates are in :mod:`bakeoff.climb.executor`.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import resource
import signal
import sys
import time
import traceback
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from bakeoff.core.records import Status

PRELOAD = ["bakeoff.climb.worker", "numpy", "pandas", "pyarrow", "pyarrow.pandas_compat", "scipy.special",
           "sklearn.tree", "sklearn.ensemble", "sklearn.metrics", "xgboost", "statsmodels.api", "duckdb",
           "threadpoolctl", "skops.io",  # pyarrow: every worker reads its frame (~11 ms to import in each);
           # skops: the trees' model files (~0.5 s to import in each)
           # the built-in ladder's own modules: 2-16 ms each to import, paid in every worker otherwise
           "baselines.naive", "baselines.sql_rules", "baselines.glm", "baselines.btyd", "baselines.trees",
           "baselines.xgb", "baselines.estimator"]


@dataclass
class Outcome:
    """What came back from an isolated call."""

    status: Status
    value: Any = None
    message: str = ""
    elapsed: float = 0.0
    traceback: str = ""


_CONTEXTS: dict[str, Any] = {}


def context(method: str = "forkserver") -> Any:
    """The multiprocessing context; the forkserver preloads the heavy modules once."""
    if method not in _CONTEXTS:
        ctx = mp.get_context(method)
        if method == "forkserver":
            ctx.set_forkserver_preload(PRELOAD)
        _CONTEXTS[method] = ctx
    return _CONTEXTS[method]


NESTED = {"local": "fork", "ray": "ray", "inline": "forkserver"}  # engine -> Budget.isolation of its candidates


def share(args: tuple, method: str) -> tuple:
    """Put large arguments into Ray's object store once (``method == "ray"``); otherwise unchanged."""
    if method != "ray":
        return args
    import ray

    return tuple(ray.put(a) for a in args)


def _run_ray(fn: Callable[..., Any], args: tuple, timeout: float) -> Outcome:
    """One Ray task under a hard box: ``ray.wait`` to the deadline, then ``ray.cancel(force=True)``."""
    import ray

    start = time.monotonic()
    ref = ray.remote(max_retries=0)(fn).remote(*args)
    ready, _ = ray.wait([ref], timeout=max(timeout, 0.0))
    if not ready:
        ray.cancel(ref, force=True)
        return Outcome(Status.TIMEOUT, message=f"killed at the {timeout:.1f}s box (ray.cancel)",
                       elapsed=time.monotonic() - start)
    try:
        return Outcome(Status.OK, value=ray.get(ref), elapsed=time.monotonic() - start)
    except ray.exceptions.RayError as exc:
        return Outcome(Status.FAILED, message=f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:200]}",
                       elapsed=time.monotonic() - start)


def run_child(conn: Any, fn: Callable[..., Any], args: tuple, memory_mb: int | None) -> None:
    """Runs in the worker: sends ``(True, value, "")`` or ``(False, message, traceback)`` back."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if memory_mb:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        result: tuple[bool, Any, str] = (True, fn(*args), "")
    except MemoryError:
        result = (False, f"MemoryError: exceeded the {memory_mb} MB limit", traceback.format_exc())
    except BaseException as exc:  # reported to the parent, never raised
        result = (False, f"{type(exc).__name__}: {exc}", traceback.format_exc())
    conn.send(result)
    conn.close()


def run_isolated(fn: Callable[..., Any], args: tuple, timeout: float, *, method: str = "forkserver",
                 memory_mb: int | None = None) -> Outcome:
    """Call ``fn(*args)`` in a fresh worker; kill it after ``timeout`` seconds.

    Returns:
        OK with the value, TIMEOUT with the elapsed time, or FAILED when ``fn`` raised or the worker died.
    """
    if method == "ray":
        return _run_ray(fn, args, timeout)
    handle = launch(fn, args, timeout, method=method, memory_mb=memory_mb)
    while True:
        finished = collect([handle], timeout + 1.0)
        if finished:
            return finished[0][1]


def _stop(proc: Any, *, graceful: bool) -> None:
    """End a worker. Its result is already in hand when ``graceful``, so it is not waited for either:
    interpreter exit in a process holding the preloaded libraries takes ~30 ms, paid per candidate."""
    proc.join(timeout=0.005 if graceful else 0.05)
    if proc.is_alive():
        proc.kill()
        proc.join(timeout=5.0)


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return f"the worker died with {name}" + (" (out of memory?)" if name == "SIGKILL" else "")
    return f"the worker exited with code {exitcode} before returning a result"


@contextlib.contextmanager
def hidden_main() -> Iterator[None]:
    """Start workers without the parent's ``__main__``: children never re-run the user's script.

    multiprocessing re-imports the parent's main module in every forkserver/spawn child, so a
    plain script (or stdin) that calls ``bakeoff.run`` at top level, without an
    ``if __name__ == "__main__":`` guard, would run again in every worker. Workers only need
    importable functions (``module:Class`` names), so the main module is hidden while a child
    starts. It also spares each child re-importing the CLI.
    """
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


@dataclass
class Launched:
    """A worker started by :func:`launch`, running until :func:`collect` returns its outcome."""

    proc: Any
    conn: Any
    started: float
    deadline: float
    timeout: float


def launch(fn: Callable[..., Any], args: tuple, timeout: float, *, method: str = "forkserver",
           memory_mb: int | None = None) -> Launched:
    """Start ``fn(*args)`` in a fresh worker and return at once (see :func:`collect`)."""
    ctx = context(method)
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=run_child, args=(send, fn, args, memory_mb), daemon=False)
    with hidden_main():
        proc.start()  # the first start waits for the forkserver's preloads: not part of the box
    start = time.monotonic()
    send.close()
    return Launched(proc, recv, start, start + max(timeout, 0.0), timeout)


def collect(running: list[Launched], wait_s: float) -> list[tuple[Launched, Outcome]]:
    """Wait up to ``wait_s`` for any worker; return those that finished, died or passed their deadline.

    A worker past its deadline is killed (TIMEOUT). Workers still running are left alone.
    """
    from multiprocessing.connection import wait

    if not running:
        return []
    now = time.monotonic()
    soonest = min(r.deadline for r in running)
    ready = set(wait([r.conn for r in running], timeout=max(0.0, min(wait_s, soonest - now))))
    out = []
    for r in running:
        if r.conn in ready:
            out.append((r, _finish(r)))
        elif time.monotonic() >= r.deadline:
            elapsed = time.monotonic() - r.started
            _stop(r.proc, graceful=False)
            r.conn.close()
            out.append((r, Outcome(Status.TIMEOUT, message=f"killed at the {r.timeout:.1f}s box", elapsed=elapsed)))
    return out


def _finish(launched: Launched) -> Outcome:
    try:
        value = launched.conn.recv()
    except (EOFError, OSError):
        value = None
    elapsed = time.monotonic() - launched.started
    _stop(launched.proc, graceful=value is not None)
    launched.conn.close()
    if value is None:
        return Outcome(Status.FAILED, message=_death(launched.proc.exitcode), elapsed=elapsed)
    returned, payload, trace = value
    if not returned:
        return Outcome(Status.FAILED, message=payload, elapsed=elapsed, traceback=trace)
    return Outcome(Status.OK, value=payload, elapsed=elapsed)


def stop_all(running: list[Launched]) -> None:
    """Kill every worker still running (Ctrl-C)."""
    for r in running:
        _stop(r.proc, graceful=False)
        r.conn.close()
