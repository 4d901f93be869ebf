"""`make bench`: render times of the sample letters.

Warm: every example of every letter rendered to PDF in one process, after one warm-up render,
median of REPEAT runs. Cold: one `advocate render` as a new process, median of COLD_RUNS runs,
interleaved with `python -c "import weasyprint"` (the floor no WeasyPrint program goes below) and
reported as a ratio to it, with the user's cache folder filled and with it off, beside a bare
WeasyPrint program that only renders the same letter's final HTML. Typst: the same letter in
English and Korean, advocate and Typst both warm (fonts loaded) with a changed file on each call
(the letter's template in a temporary workspace; the .typ file), calls interleaved, median of
LETTER_ROUNDS (bench/typst_side.py).
Batch: `advocate batch` of a generated campaign (BENCH_BATCH_PAIRS letter-addressee pairs that
render, 25 by default, each in every language: 200 letters), from an empty output folder,
BENCH_BATCH_RUNS times (3): this VM's speed varies by up to 20% from minute to minute, so the
median and the range are printed.
Prints a table; writes nothing but temporary files.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import typst_side

REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))
COLD_RUNS = int(os.environ.get("BENCH_COLD_RUNS", "5"))
LETTER_ROUNDS = int(os.environ.get("BENCH_LETTER_ROUNDS", "15"))
REPO = Path(__file__).resolve().parent.parent
LANG_ROUNDS = int(os.environ.get("BENCH_LANG_ROUNDS", "15"))
DATE = dt.date(2026, 11, 23)


def warm() -> list[tuple[str, float]]:
    from generator.compose.build import example_requests
    from generator.core.workspace import open_workspace
    from generator.load.loaded import load

    loaded = load(open_workspace())
    rows = []
    for stem, request in example_requests(loaded, DATE):
        rows.append((stem, _median_render(loaded, request)))
    return rows


def _median_render(loaded, request) -> float:  # type: ignore[no-untyped-def]
    from generator.compose.build import build_letter

    build_letter(loaded, request)  # warm-up: fonts, stylesheet, templates, catalogue
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        build_letter(loaded, request)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def languages() -> list[tuple[str, float]]:
    """The same letter in every language (warm), for the 1.3x-of-English target."""
    from generator.compose.build import build_letter
    from generator.core.letter import LetterRequest
    from generator.core.workspace import open_workspace
    from generator.load.loaded import load

    loaded = load(open_workspace())
    spec = loaded.letters["china-nonrefoulement"]
    requests = {
        lang: LetterRequest(letter=spec.name, addressee="cn-president", lang=lang, variables={}, date=DATE) for lang in spec.languages
    }
    for request in requests.values():
        build_letter(loaded, request)  # warm-up: fonts, catalogue
    times: dict[str, list[float]] = {lang: [] for lang in requests}
    for _ in range(LANG_ROUNDS):  # round-robin, so that the machine's noise falls on every language alike
        for lang, request in requests.items():
            start = time.perf_counter()
            build_letter(loaded, request)
            times[lang].append(time.perf_counter() - start)
    return [(lang, statistics.median(values)) for lang, values in times.items()]


def _timed(cmd: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


# A WeasyPrint program that does nothing but lay out and write the letter advocate composed (its
# final HTML and the layout's stylesheet, WeasyPrint as published): what this letter costs any
# program that renders it with WeasyPrint.
BARE_WEASYPRINT = """
import sys
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
html, css, base, out = sys.argv[1:]
fonts = FontConfiguration()
sheets = [CSS(filename=css, font_config=fonts), CSS(string="@page { size: A4; }", font_config=fonts)]
HTML(filename=html, base_url=base).write_pdf(out, stylesheets=sheets, font_config=fonts)
"""


def cold() -> dict[str, float]:
    """Medians, interleaved: a cold `advocate render` (English) with its cache folder filled (every
    command but the first after an install or a change of the workspace), the same with the cache
    off (that first command), `BARE_WEASYPRINT` on the same letter, and `python -c "import
    weasyprint"`."""
    from generator.compose.build import compose_html
    from generator.core.letter import LetterRequest
    from generator.core.workspace import open_workspace
    from generator.load.loaded import load

    exe = Path(sys.executable).with_name("advocate")
    times: dict[str, list[float]] = {"advocate": [], "advocate, no cache": [], "bare WeasyPrint": [], "import weasyprint": []}
    with tempfile.TemporaryDirectory() as tmp:
        cached = {**os.environ, "ADVOCATE_CACHE_DIR": str(Path(tmp) / "cache")}
        off = {**os.environ, "ADVOCATE_CACHE_DIR": "off"}
        render = [str(exe), "render", "china-nonrefoulement", "--to", "cn-president", "--date", DATE.isoformat()]
        render += ["--out", str(Path(tmp) / "cold.pdf")]
        loaded = load(open_workspace())
        request = LetterRequest(letter="china-nonrefoulement", addressee="cn-president", lang="en", variables={}, date=DATE)
        (Path(tmp) / "letter.html").write_text(compose_html(loaded, request).html, encoding="utf-8")
        css, base = REPO / "letters" / "_base" / "style.css", loaded.letters["china-nonrefoulement"].path
        bare = [sys.executable, "-c", BARE_WEASYPRINT, str(Path(tmp) / "letter.html"), str(css), f"{base}/", str(Path(tmp) / "bare.pdf")]
        _timed(render, cached)  # fills the cache folder
        for _ in range(COLD_RUNS):
            times["advocate"].append(_timed(render, cached))
            times["advocate, no cache"].append(_timed(render, off))
            times["bare WeasyPrint"].append(_timed(bare))
            times["import weasyprint"].append(_timed([sys.executable, "-c", "import weasyprint"]))
    return {name: statistics.median(values) for name, values in times.items()}


def versus_typst() -> None:
    """The same letter, warm, advocate and Typst calls interleaved, each on a changed file."""
    python = typst_side.typst_python()
    if python is None:
        return
    from generator.compose.build import build_letter, compose_html
    from generator.core.letter import LetterRequest
    from generator.core.workspace import open_workspace
    from generator.load.loaded import load

    letter = "china-nonrefoulement"
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "ws"
        shutil.copytree(REPO / "letters" / letter, ws / "letters" / letter)
        shutil.copy(REPO / "advocate.toml", ws / "advocate.toml")
        loaded = load(open_workspace(ws))
        template = ws / "letters" / letter / "letter.html.j2"
        text = template.read_text(encoding="utf-8")
        for lang in ("en", "ko"):
            request = LetterRequest(letter=letter, addressee="cn-president", lang=lang, variables={}, date=DATE)
            source = Path(tmp) / f"letter-{lang}.typ"
            source.write_text(typst_side.letter_typ(compose_html(loaded, request).html, lang), encoding="utf-8")
            cmd = [str(python), str(typst_side.WORKER), "warm", str(source)]
            worker = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            assert worker.stdin and worker.stdout
            build_letter(loaded, request)  # warm-up
            ours, theirs = [], []
            for number in range(LETTER_ROUNDS):
                template.write_text(f"{text}{{# call {number} #}}\n", encoding="utf-8")
                start = time.perf_counter()
                build_letter(loaded, request)
                ours.append(time.perf_counter() - start)
                worker.stdin.write("compile\n")
                worker.stdin.flush()
                theirs.append(float(worker.stdout.readline()))
            worker.stdin.close()
            worker.wait()
            a, b = statistics.median(ours), statistics.median(theirs)
            print(f"  {lang}  advocate {a * 1000:6.1f} ms  Typst {b * 1000:6.1f} ms  advocate/Typst {a / b:4.1f}x")


BATCH_PAIRS = int(os.environ.get("BENCH_BATCH_PAIRS", "25"))
BATCH_RUNS = int(os.environ.get("BENCH_BATCH_RUNS", "3"))


def batch_campaign(folder: Path) -> tuple[Path, int]:
    """A campaign of BATCH_PAIRS (letter, addressee) pairs that render, each in every language of
    its letter (25 x 8 = 200 letters with the bundled library), written into `folder`."""
    import json

    from generator.compose.build import compose_html
    from generator.core.errors import AdvocateError
    from generator.core.letter import LetterRequest
    from generator.core.workspace import open_workspace
    from generator.load.loaded import load

    loaded = load(open_workspace())
    chosen: dict[str, list[str]] = {}
    count = letters = 0
    for spec in loaded.letters.values():
        if spec.signatories != "none":
            continue
        for a in loaded.addressees.values():
            if count == BATCH_PAIRS or a.kind not in spec.addressee_kinds or (a.state and a.state in spec.excluded_states):
                continue
            try:
                compose_html(loaded, LetterRequest(letter=spec.name, addressee=a.key, lang="en", variables={}, date=DATE))
            except AdvocateError:  # e.g. an obligation the library cannot verify for that state
                continue
            chosen.setdefault(spec.name, []).append(a.key)
            count += 1
            letters += len(spec.languages)
    entries = [{"name": name, "addressees": keys} for name, keys in chosen.items()]
    text = f"name: bench\nletters: {json.dumps(entries)}\nlanguages: all\ndate: {DATE.isoformat()}\n"
    text += "output: '{lang}/{letter}-{addressee}.pdf'\n"
    path = folder / "bench-campaign.yaml"
    path.write_text(text, encoding="utf-8")
    return path, letters


def batch() -> tuple[int, float]:
    """`advocate batch` of the generated campaign into an empty folder: (letters, wall seconds)."""
    exe = Path(sys.executable).with_name("advocate")
    with tempfile.TemporaryDirectory() as tmp:
        campaign, letters = batch_campaign(Path(tmp))
        start = time.perf_counter()
        done = subprocess.run([str(exe), "batch", str(campaign), "--out", str(Path(tmp) / "out")], capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"advocate batch failed:\n{done.stdout}\n{done.stderr}")
    return letters, seconds


def main() -> None:
    print(f"advocate bench on {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(f"\nwarm render, PDF, median of {REPEAT} (after one warm-up):")
    rows = warm()
    width = max(len(r[0]) for r in rows)
    for stem, seconds in rows:
        print(f"  {stem.ljust(width)}  {seconds * 1000:7.1f} ms")
    print(f"  {'median of all letters'.ljust(width)}  {statistics.median(r[1] for r in rows) * 1000:7.1f} ms")
    print(f"\nthe same letter (china-nonrefoulement to cn-president) in each language, warm, median of {LANG_ROUNDS} rounds:")
    langs = languages()
    english = dict(langs)["en"]
    for lang, seconds in langs:
        print(f"  {lang}  {seconds * 1000:7.1f} ms  {seconds / english:4.2f}x English")
    print(f"\ncold `advocate render china-nonrefoulement --to cn-president` (en), median of {COLD_RUNS}, interleaved,")
    print("against a bare WeasyPrint program rendering the same final HTML, and `python -c 'import weasyprint'`:")
    medians = cold()
    for name, seconds in medians.items():
        print(f"  {name.ljust(20)} {seconds:.2f} s  {seconds / medians['import weasyprint']:.2f}x the import")
    print(f"\nthe same letter in Typst, both warm (fonts loaded), a changed file on each call, median of {LETTER_ROUNDS}:")
    versus_typst()
    campaign = f"{BATCH_PAIRS} letter-addressee pairs x their languages"
    print(f"\n`advocate batch` of a campaign ({campaign}) on {os.cpu_count()} cores, {BATCH_RUNS} runs:")
    rates = []
    for _ in range(BATCH_RUNS):
        letters, seconds = batch()
        rates.append(letters / seconds)
        print(f"  {letters} letters in {seconds:.1f} s: {letters / seconds:.1f} letters/s")
    print(f"  median {statistics.median(rates):.1f} letters/s (range {min(rates):.1f}-{max(rates):.1f})")


if __name__ == "__main__":
    main()
