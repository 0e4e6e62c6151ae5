"""Process plumbing for the supervisor and its children (Linux; elsewhere a no-op)."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal

PR_SET_PDEATHSIG = 1
PARENT_ENV = "CAA_SUPERVISOR_PID"


def die_with_parent(sig: int = signal.SIGTERM, expected_parent: int | None = None) -> None:
    """Ask the kernel to send ``sig`` to this process when its parent dies (prctl
    PR_SET_PDEATHSIG), so that no child of a killed supervisor lives on holding a job or a
    port. If the parent is already gone (it died before this call), exit now."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name, use_errno=True) if name else None
    except OSError:
        libc = None
    if libc is None or not hasattr(libc, "prctl"):
        return
    libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    if expected_parent is not None and os.getppid() != expected_parent:
        os.kill(os.getpid(), sig)


def supervised() -> int | None:
    """The supervisor's pid when this process was started by service.serve."""
    value = os.environ.get(PARENT_ENV)
    return int(value) if value and value.isdigit() else None
