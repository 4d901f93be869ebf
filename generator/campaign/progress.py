"""A progress line for long runs: count, rate and time left.

In: the number of items and a text stream. Out: on a terminal, one line redrawn in place
(``[#####.....] 120/200  11.3/s  0:07 left  2 failed``); elsewhere (a log, CI), a plain line at
every tenth of the work, so logs stay short.
"""

from __future__ import annotations

import time
from typing import TextIO

WIDTH = 24


class Progress:
    def __init__(self, total: int, stream: TextIO, label: str = "letters", tty: bool | None = None):
        self.total, self.stream, self.label = total, stream, label
        self.tty = stream.isatty() if tty is None else tty
        self.done = self.failed = 0
        self.start = time.perf_counter()
        self._last_tenth = 0

    def __call__(self, status: str) -> None:
        self.done += 1
        self.failed += status == "failed"
        if self.tty:
            self.stream.write("\r" + self.line())
            self.stream.flush()
        elif self.done == self.total or self.done * 10 // max(self.total, 1) > self._last_tenth:
            self._last_tenth = self.done * 10 // max(self.total, 1)
            self.stream.write(self.line() + "\n")

    def line(self) -> str:
        elapsed = max(time.perf_counter() - self.start, 1e-9)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate else 0.0
        filled = WIDTH * self.done // max(self.total, 1)
        bar = "#" * filled + "." * (WIDTH - filled)
        failed = f"  {self.failed} failed" if self.failed else ""
        return f"[{bar}] {self.done}/{self.total} {self.label}  {rate:5.1f}/s  {_clock(left)} left{failed}   "

    def close(self) -> None:
        if self.tty and self.done:
            self.stream.write("\n")
            self.stream.flush()


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else f"{seconds // 60}:{seconds % 60:02d}"
