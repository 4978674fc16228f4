"""How many cores this process may use: one answer for the process pool and the engines that
size their own threads (Piper), kept apart so neither imports the other."""

from __future__ import annotations

import os

__all__ = ["cpu_workers"]


def cpu_workers() -> int:
    """Cores this process may use (affinity-aware where the OS says)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)
