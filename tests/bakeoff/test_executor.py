"""The hard box: hanging candidates are killed, crashes become FAILED rows."""

from __future__ import annotations

import ctypes
import time

import numpy as np

from bakeoff.candidates.contract import Status
from bakeoff.candidates.isolation import run_isolated


def python_loop() -> None:
    while True:
        pass


def c_bound() -> None:
    a = np.random.default_rng(0).random((3000, 3000))
    while True:
        a = a @ a.T / 3000.0  # long BLAS calls: the kill must land inside C code


def segfault() -> None:
    ctypes.string_at(0)


def boom() -> None:
    raise ValueError("bad candidate")


def answer() -> int:
    return 42


def test_ok_value():
    out = run_isolated(answer, (), 20)
    assert out.status is Status.OK and out.value == 42


def test_python_loop_is_killed_within_box():
    start = time.monotonic()
    out = run_isolated(python_loop, (), 1.0)
    assert out.status is Status.TIMEOUT
    assert time.monotonic() - start < 1.0 + 2.0


def test_c_bound_call_is_killed_within_box():
    start = time.monotonic()
    out = run_isolated(c_bound, (), 1.5)
    assert out.status is Status.TIMEOUT
    assert time.monotonic() - start < 1.5 + 2.0


def test_segfault_is_failed_with_signal():
    out = run_isolated(segfault, (), 20)
    assert out.status is Status.FAILED and "SIGSEGV" in out.message


def test_exception_is_reported():
    out = run_isolated(boom, (), 20)
    assert out.status is Status.FAILED and "ValueError: bad candidate" in out.message


def test_memory_limit_fails_cleanly():
    out = run_isolated(_allocate, (), 20, memory_mb=600)
    assert out.status is Status.FAILED and "MemoryError" in out.message


def _allocate() -> int:
    return len(bytearray(2_000_000_000))
