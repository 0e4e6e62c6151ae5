"""A pool of MediaPipe Tasks graphs of one model, lent one per concurrent call.

A MediaPipe graph is not re-entrant and runs on one core; holding ``instances`` graphs lets
that many threads run the model at once. In IMAGE running mode a graph keeps no state between
calls, so a frame's result does not depend on which graph ran it or what it ran before.

Close a pool (:meth:`GraphPool.close`, or the registry's ``close``) before letting go of it: a
MediaPipe Tasks object left to the garbage collector closes itself from ``__del__``, which can
run inside another MediaPipe call on the same thread, and that call then waits forever on
MediaPipe's serial dispatcher (seen 2026-12-07 with a PoseLandmarker collected during a
FaceLandmarker.detect).
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from typing import Any


class GraphPool:
    """``instances`` graphs made by ``create``; :meth:`run` lends one to ``fn``.

    Args:
        create: Builds one graph (e.g. ``vision.FaceLandmarker.create_from_options``).
        instances: Graphs to hold (at least one).
    """

    def __init__(self, create: Callable[[], Any], instances: int = 1) -> None:
        self.instances = max(1, instances)
        self._all = [create() for _ in range(self.instances)]
        self._free: queue.SimpleQueue = queue.SimpleQueue()
        for graph in self._all:
            self._free.put(graph)

    def run(self, fn: Callable[[Any], Any]) -> Any:
        """``fn(graph)`` with a graph no other thread holds meanwhile (waits for one)."""
        graph = self._free.get()
        try:
            return fn(graph)
        finally:
            self._free.put(graph)

    def close(self) -> None:
        """Close every graph (waits for calls in progress)."""
        for _ in self._all:
            self._free.get().close()
