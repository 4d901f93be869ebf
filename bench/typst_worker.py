"""Runs inside the bench's own environment (.bench/venv, where `typst` is installed; never
advocate's). Two modes:

  typst_worker.py once SOURCE.typ OUT.pdf   compile once in this new process (the cold annex)
  typst_worker.py warm SOURCE.typ           one Compiler (fonts loaded once); then for every line
                                            "compile" read on stdin: change the file (a comment
                                            with a counter), compile, answer the seconds taken
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import typst


def warm(source: Path) -> None:
    text = source.read_text(encoding="utf-8")
    compiler = typst.Compiler(str(source))
    compiler.compile()  # warm-up: fonts scanned and loaded, the document laid out once
    for number, _line in enumerate(sys.stdin):
        source.write_text(f"{text}\n// call {number}\n", encoding="utf-8")
        start = time.perf_counter()
        compiler.compile(str(source))
        print(time.perf_counter() - start, flush=True)


def main() -> None:
    mode, source = sys.argv[1], Path(sys.argv[2])
    if mode == "once":
        Path(sys.argv[3]).write_bytes(typst.compile(str(source)))  # type: ignore[arg-type]
    else:
        warm(source)


if __name__ == "__main__":
    main()
