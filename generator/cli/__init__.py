"""The command line: parses options, calls one library function per command, prints the result.

In: argv. Out: what the command prints and writes, and an exit code (docs/checks.md lists them).

The only package that imports click. `root` (the `advocate` group) holds the application state
and the one error boundary; each command module registers its commands on it and is imported
only when one of them runs (generator/cli/root.py). `main` is the console script.
"""

from __future__ import annotations

from .root import root as main

__all__ = ["main"]
