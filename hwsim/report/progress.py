"""Progress bars: on stderr, and only when stderr is a terminal (never in a pipe, a log file
or CI), so stdout stays the command's result and logs stay clean.

Example: ``tqdm(total=n, disable=not progress_enabled(args.no_progress))``.
"""
from __future__ import annotations

import sys


def progress_enabled(disabled: bool = False, stream=None) -> bool:
    """True when bars should show: not ``disabled`` (``--no-progress``) and ``stream``
    (stderr by default) is a terminal."""
    stream = sys.stderr if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    return not disabled and callable(isatty) and bool(isatty())


def progress_bar_factory(desc: str, unit: str = "it"):
    """A ``factory(total, initial)`` of tqdm bars on stderr (what ``run_sweep`` takes)."""
    def factory(total: int, initial: int):
        from tqdm import tqdm
        tqdm.monitor_interval = 0  # no monitor thread: a sweep's pool then forks its workers
        return tqdm(total=total, initial=initial, unit=unit, desc=desc, file=sys.stderr,
                    smoothing=0.1)
    return factory


__all__ = ["progress_bar_factory", "progress_enabled"]
