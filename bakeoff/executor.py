"""Run work in an isolated process under a hard time box.

:func:`run_isolated` forks a worker (from a forkserver whose heavy imports are
already done), waits on a pipe until the deadline, and kills the worker when it
passes: a pure-Python loop and a long C call stop alike. A worker that dies
(segfault, out of memory) is a FAILED outcome naming the signal.
"""

from __future__ import annotations

import multiprocessing as mp
import resource
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bakeoff.row import Status

PRELOAD = ["bakeoff.worker", "numpy", "pandas", "scipy.special", "sklearn.tree", "sklearn.ensemble",
           "sklearn.metrics", "xgboost", "statsmodels.api", "duckdb", "threadpoolctl"]


@dataclass
class Outcome:
    """What came back from an isolated call."""

    status: Status
    value: Any = None
    message: str = ""
    elapsed: float = 0.0


_CONTEXTS: dict[str, Any] = {}


def context(method: str = "forkserver") -> Any:
    """The multiprocessing context; the forkserver preloads the heavy modules once."""
    if method not in _CONTEXTS:
        ctx = mp.get_context(method)
        if method == "forkserver":
            ctx.set_forkserver_preload(PRELOAD)
        _CONTEXTS[method] = ctx
    return _CONTEXTS[method]


_IN_WORKER = False
_IN_RAY = False


def nested_method() -> str:
    """How work nested inside a candidate (tuning trials) is isolated.

    ``fork`` inside an isolated worker, which has only imported its libraries (cheap,
    and the data is shared copy-on-write); ``forkserver`` anywhere else, because
    forking a process whose OpenMP runtime already started its thread pool (after an
    XGBoost or HistGradientBoosting fit) leaves the child hanging.
    """
    if _IN_RAY:
        return "ray"
    return "fork" if _IN_WORKER else "forkserver"


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


def _child(conn: Any, fn: Callable[..., Any], args: tuple, memory_mb: int | None) -> None:
    """Runs in the worker: sends ``(True, value)`` or ``(False, message)`` back."""
    global _IN_WORKER
    _IN_WORKER = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if memory_mb:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        result: tuple[bool, Any] = (True, fn(*args))
    except MemoryError:
        result = (False, f"MemoryError: exceeded the {memory_mb} MB limit")
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, never raised
        result = (False, f"{type(exc).__name__}: {exc}")
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
    ctx = context(method)
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(send, fn, args, memory_mb), daemon=False)
    start = time.monotonic()
    proc.start()
    send.close()
    ready, value = False, None
    try:
        ready = recv.poll(max(timeout, 0.0))
        value = recv.recv() if ready else None
    except (EOFError, OSError):
        ready, value = True, None
    finally:
        elapsed = time.monotonic() - start
        _stop(proc, graceful=ready and value is not None)
        recv.close()
    if not ready:
        return Outcome(Status.TIMEOUT, message=f"killed at the {timeout:.1f}s box", elapsed=elapsed)
    if value is None:
        return Outcome(Status.FAILED, message=_death(proc.exitcode), elapsed=elapsed)
    returned, payload = value
    if not returned:
        return Outcome(Status.FAILED, message=payload, elapsed=elapsed)
    return Outcome(Status.OK, value=payload, elapsed=elapsed)


def _stop(proc: Any, *, graceful: bool) -> None:
    proc.join(timeout=2.0 if graceful else 0.05)
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
