"""Wall time and peak memory of a command's whole process tree, for the benches.

`measured(cmd)` starts the command and samples, every INTERVAL seconds with psutil, the resident
memory of the process and of all its descendants (worker pools included) added up; the peak of
those sums is the tree's peak. A short peak between two samples can be missed, so the largest
single process's own maximum (getrusage of the waited-for children) is reported beside it and the
tree's figure is never below it. Both in MiB.
"""

from __future__ import annotations

import resource
import subprocess
import threading
import time
from dataclasses import dataclass
from typing import Any

import psutil

INTERVAL = 0.02


@dataclass
class Measured:
    seconds: float
    tree_mib: float  # peak of the summed resident memory of the process and its descendants
    largest_mib: float  # the largest single process's own peak (getrusage)
    stdout: str
    stderr: str


def _tree_rss(root: psutil.Process) -> int:
    total = 0
    try:
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    for proc in procs:
        try:
            total += proc.memory_info().rss
        except psutil.Error:  # ended between listing and reading
            continue
    return total


def measured(cmd: list[str], **popen: Any) -> Measured:
    """Run `cmd` to the end (check: non-zero exit raises SystemExit with its output)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        root = psutil.Process(proc.pid)
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss(root))
            done.wait(INTERVAL)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{out}\n{err}")
    largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    largest_mib = (largest if largest > before else 0) / 1024
    return Measured(seconds, max(peak[0] / 2**20, largest_mib), largest_mib, out, err)
