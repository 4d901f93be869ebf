"""The command line: parses options, calls one library function per command, prints the result.

In: argv. Out: what the command prints and writes, and an exit code (docs/checks.md lists them).

The only package that imports click. `root` (the `advocate` group) holds the application state
and the one error boundary; each command module registers its commands on it and is imported
only when one of them runs (generator/cli/root.py). `main` is the group (what tests invoke);
`run` is the console script and ``python -m generator.cli``.
"""

from __future__ import annotations

import gc

from .root import root as main

__all__ = ["main", "run"]


def run() -> None:
    """`main` as a program: the command runs and exits as usual (atexit handlers, streams flushed
    and closed), but the interpreter's last full garbage collection at exit is skipped
    (`gc.freeze` moves every object to the permanent generation): a laid-out letter leaves a few
    hundred thousand objects, many in reference cycles, and collecting them only to end the
    process took about 0.15 s of a cold `advocate render` (make bench). Cycles are left to the
    operating system, as at any exit."""
    try:
        main()
    finally:
        gc.freeze()
