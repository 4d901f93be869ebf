"""`make bench`: render times of the sample letters.

Warm: every example of every letter rendered to PDF in one process, after one warm-up render,
median of REPEAT runs. Cold: one `advocate render` as a new process, median of COLD_RUNS runs.
Prints a table; writes nothing but temporary files.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))
COLD_RUNS = int(os.environ.get("BENCH_COLD_RUNS", "3"))
DATE = dt.date(2026, 11, 23)


def warm() -> list[tuple[str, float]]:
    from generator.build import example_requests, load
    from generator.workspace import open_workspace

    loaded = load(open_workspace())
    rows = []
    for stem, request in example_requests(loaded, DATE):
        rows.append((stem, _median_render(loaded, request)))
    return rows


def _median_render(loaded, request) -> float:  # type: ignore[no-untyped-def]
    from generator.build import build_letter

    build_letter(loaded, request)  # warm-up: fonts, stylesheet, templates, catalogue
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        build_letter(loaded, request)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def languages() -> list[tuple[str, float]]:
    """The same letter in every language (warm), for the 1.3x-of-English target."""
    from generator.build import load
    from generator.compose import LetterRequest
    from generator.workspace import open_workspace

    loaded = load(open_workspace())
    spec = loaded.letters["china-nonrefoulement"]
    return [(lang, _median_render(loaded, LetterRequest(spec.name, "cn-president", lang, {}, DATE))) for lang in spec.languages]


def cold() -> float:
    exe = Path(sys.executable).with_name("advocate")
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(COLD_RUNS):
            start = time.perf_counter()
            subprocess.run(
                [
                    str(exe),
                    "render",
                    "china-nonrefoulement",
                    "--to",
                    "cn-president",
                    "--date",
                    DATE.isoformat(),
                    "--out",
                    str(Path(tmp) / "cold.pdf"),
                ],
                check=True,
                capture_output=True,
            )
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    print(f"advocate bench on {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(f"\nwarm render, PDF, median of {REPEAT} (after one warm-up):")
    rows = warm()
    width = max(len(r[0]) for r in rows)
    for stem, seconds in rows:
        print(f"  {stem.ljust(width)}  {seconds * 1000:7.1f} ms")
    print(f"  {'median of all letters'.ljust(width)}  {statistics.median(r[1] for r in rows) * 1000:7.1f} ms")
    print("\nthe same letter (china-nonrefoulement to cn-president) in each language, warm:")
    langs = languages()
    english = dict(langs)["en"]
    for lang, seconds in langs:
        print(f"  {lang}  {seconds * 1000:7.1f} ms  {seconds / english:4.2f}x English")
    print(f"\ncold `advocate render china-nonrefoulement --to cn-president`, median of {COLD_RUNS}: {cold():.2f} s")


if __name__ == "__main__":
    main()
