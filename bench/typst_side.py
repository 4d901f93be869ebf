"""The same letter and the same petition annex in Typst, for the benches' ratios.

Typst is not a dependency of advocate: it is installed with pip into the bench's own environment,
.bench/venv (created on first use; BENCH_TYPST=0 skips it, as does a failed install, with a
message). The letter: advocate's composed HTML turned into Typst markup (letterhead, address,
subject, paragraphs, headings, footnotes, closing: the same text, Typst's own styling). The
annex: the same groups (advocate's collation and country names) in three columns on A4 with the
same margins, font size, line height and running header "page N of M", after the letter.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
VENV = REPO / ".bench" / "venv"
PYTHON = VENV / "bin" / "python"
WORKER = Path(__file__).with_name("typst_worker.py")
FONTS = '("Noto Serif", "Noto Naskh Arabic", "Noto Serif CJK KR", "Noto Serif CJK SC", "Noto Serif CJK JP")'


def typst_python() -> Path | None:
    """The bench environment's Python with `typst` importable, installing it the first time; None
    (and a message saying why) when Typst cannot be had."""
    if os.environ.get("BENCH_TYPST") == "0":
        print("  (Typst comparison skipped: BENCH_TYPST=0)")
        return None
    check = [str(PYTHON), "-c", "import typst"]
    if PYTHON.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return PYTHON
    print(f"  installing typst into {VENV.relative_to(REPO)} (the bench's own environment) ...", flush=True)
    steps = [[sys.executable, "-m", "venv", "--clear", str(VENV)], [str(PYTHON), "-m", "pip", "install", "-q", "typst"]]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True)
        if done.returncode != 0:
            print(f"  (Typst comparison skipped: `{' '.join(step[-3:])}` failed: {done.stderr.strip().splitlines()[-1:]})")
            return None
    return PYTHON


def escape(text: str) -> str:
    """Text for Typst markup: every character with a meaning there escaped, spaces collapsed."""
    return re.sub(r"([\\#*_\[\]$<>@`~=\-+/\"'])", r"\\\1", " ".join(text.split()))


BLOCKS = {"p", "div", "h1", "h2", "h3", "li", "header"}


class _Letter(HTMLParser):
    """advocate's letter HTML to Typst markup: blocks become paragraphs, h2 headings, footnote
    spans #footnote[...]; style and title are dropped."""

    def __init__(self) -> None:
        super().__init__()
        self.out: list[str] = []
        self.skip = 0
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag in ("style", "title", "head"):
            self.skip += 1
        elif tag == "span" and "footnote" in classes:
            self.out.append("#footnote[")
            self.stack.append("]")
            return
        elif tag == "span":
            self.out.append(" ")
        elif tag in BLOCKS:
            self.out.append("\n\n== " if tag in ("h1", "h2") else "\n\n")
        self.stack.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "title", "head"):
            self.skip -= 1
        if self.stack:
            self.out.append(self.stack.pop())

    def handle_data(self, data: str) -> None:
        if not self.skip and data.strip():
            self.out.append((" " if data[:1].isspace() else "") + escape(data) + (" " if data[-1:].isspace() else ""))


def letter_typ(html: str, lang: str) -> str:
    """A Typst document with the letter's text."""
    parser = _Letter()
    parser.feed(html)
    body = re.sub(r"\n{3,}", "\n\n", "".join(parser.out)).strip()
    return (
        f'#set page(paper: "a4", margin: (x: 25mm, top: 20mm, bottom: 22mm), numbering: "1")\n'
        f'#set text(font: {FONTS}, size: 10.5pt, lang: "{lang}")\n'
        "#set par(justify: true, leading: 0.6em)\n"
        "#show heading: set text(size: 11pt)\n\n"
        f"{body}\n"
    )


def annex_typ(groups: list[Any], lang: str, title: str, intro: str, header: str) -> str:
    """The annex: `groups` (advocate's `annex.Group`s) in three columns, 8 pt on 10 pt lines,
    with `header` ("... page %(page)s of %(pages)s") at the top of every page."""
    running = escape(header).replace("%(page)s", "#counter(page).display()").replace("%(pages)s", "#counter(page).final().first()")
    lines = [
        '#set page(paper: "a4", margin: (top: 18mm, x: 16mm, bottom: 15mm), columns: 3, numbering: none,',
        f"  header: context align(center + bottom, text(8.5pt, fill: luma(68))[{running}]))",
        "#set columns(gutter: 6mm)",
        f'#set text(font: {FONTS}, size: 8pt, lang: "{lang}")',
        "#set par(leading: 10pt - 0.7em, spacing: 10pt - 0.7em, justify: false)",
        "#counter(page).update(1)",
        f"#place(top, scope: \"parent\", float: true)[#text(12pt, weight: \"bold\")[{escape(title)}] \\ #text(9.5pt)[{escape(intro)}]]",
    ]
    for group in groups:
        lines.append(f"\n*{escape(group.heading)}* \\")
        lines.extend(escape(person) + " \\" for person in group.people)
    return "\n".join(lines) + "\n"
