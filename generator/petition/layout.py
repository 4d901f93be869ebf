"""The annex's pages planned before any layout, and the finished PDF joined.

In: the public signatories and the paper. Out: the page `Geometry`, entries measured with the
font's advance widths (`break_lines`, `line_count`), groups by country in collation order
(`groups_of`), the entries dealt into pages of columns (`plan`), and the letter and annex joined
into one PDF with page labels (`join`, `labelled`).
"""

from __future__ import annotations

import io
import re
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from ..core.errors import RenderError
from ..core.letter import Signatory
from ..load.collation import collate

PT_PER_MM = 72 / 25.4


PX_PER_PT = 96 / 72


PAPER_MM = {"A4": (210.0, 297.0), "letter": (215.9, 279.4)}


@dataclass(frozen=True)
class Geometry:
    """One annex page: sizes in mm and pt; everything the template and the planner share."""

    width: float
    height: float
    margin_top: float = 18.0
    margin_bottom: float = 15.0
    margin_side: float = 16.0
    columns: int = 3
    gap: float = 6.0
    font_pt: float = 8.0
    line_pt: float = 10.0
    intro_lines: int = 9  # lines of the first page kept for the heading and the count
    spare_lines: int = 1  # lines kept free at the bottom of every column

    @property
    def column_width(self) -> float:
        return (self.width - 2 * self.margin_side - (self.columns - 1) * self.gap) / self.columns

    @property
    def content_height(self) -> float:
        return self.height - self.margin_top - self.margin_bottom

    @property
    def lines(self) -> int:
        return int(self.content_height * PT_PER_MM // self.line_pt) - self.spare_lines

    @property
    def column_pt(self) -> float:
        return self.column_width * PT_PER_MM

    def column_left(self, index: int) -> float:
        return index * (self.column_width + self.gap)


def geometry(paper: str) -> Geometry:
    width, height = PAPER_MM[paper]
    return Geometry(width, height)


@lru_cache(maxsize=4)
def _advances(family: str) -> tuple[dict[int, float], float]:
    """{code point: advance in em} of the font fontconfig picks for `family`; CJK and other
    scripts missing from it fall back to fonts whose glyphs are at most about 1 em wide."""
    try:
        path = subprocess.run(["fc-match", "-f", "%{file}", family], capture_output=True, text=True, check=True, timeout=20).stdout
        from fontTools.ttLib import TTFont

        with TTFont(path, lazy=True) as font:
            upem = font["head"].unitsPerEm
            metrics = font["hmtx"].metrics
            return {cp: metrics[glyph][0] / upem for cp, glyph in font.getBestCmap().items()}, 1.0
    except (OSError, subprocess.SubprocessError, KeyError, ImportError):
        return {}, 1.0


@lru_cache(maxsize=65536)
def text_width(text: str, bold: bool = False) -> float:
    """Width of `text` in em (a slight overestimate: no kerning, 1 em for fallback glyphs)."""
    table, fallback = _advances("Noto Serif:bold" if bold else "Noto Serif")
    return sum(table.get(ord(ch), fallback) if table else 0.62 for ch in text) * 1.02


_TOKENS = re.compile(
    r"\s+|[\u1100-\u11ff\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]|[^\s\u1100-\u11ff\u2e80-\u9fff\uac00-\ud7af]+"
)


def break_lines(text: str, width_em: float, bold: bool = False) -> list[str]:
    """`text` broken into the lines it takes in a column `width_em` wide: greedy breaking at
    spaces and between CJK characters; a word longer than the column breaks anywhere
    (``overflow-wrap: anywhere``). Spaces at the ends of lines are dropped (``pre-line``)."""
    lines: list[list[str]] = [[]]
    used = 0.0
    for token in _TOKENS.findall(text):
        w = text_width(token, bold)
        if token.isspace() or used + w <= width_em:
            lines[-1].append(token)
            used += w
            continue
        if used > 0:
            lines.append([])
            used = 0.0
        for part in [token] if w <= width_em else list(token):
            w = text_width(part, bold)
            if used > 0 and used + w > width_em:
                lines.append([])
                used = 0.0
            lines[-1].append(part)
            used += w
    return ["".join(line).strip() for line in lines]


def line_count(text: str, width_em: float, bold: bool = False) -> int:
    """Lines `text` takes in a column `width_em` wide (`break_lines`)."""
    if text_width(text, bold) <= width_em:  # most names: one line, measured whole
        return 1
    return len(break_lines(text, width_em, bold))


@dataclass(frozen=True)
class Entry:
    text: str
    lines: int
    heading: bool = False
    continued: bool = False  # a heading repeated at the top of a column
    tall: bool = False  # has CJK characters: their fallback font makes the line box ~4% taller

    def height(self, geo: Geometry) -> float:
        """Height in pt."""
        return self.lines * geo.line_pt * (TALL if self.tall else 1.0)


TALL = 1.05  # measured: a line of Noto Serif CJK in a Noto Serif 8pt/10pt block is 10.38-10.4 pt high


_WIDE = re.compile(r"[\u1100-\u11ff\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\U00020000-\U0003ffff]")


def entry(text: str, width_em: float, heading: bool = False) -> Entry:
    return Entry(text, line_count(text, width_em, bold=heading), heading=heading, tall=bool(_WIDE.search(text)))


@dataclass(frozen=True)
class Group:
    label: str  # the country's name in the letter's language, or "" when no country was given
    heading: str  # the heading printed (name and count)
    people: list[str]  # "Name, City", in collation order


Page = list[list[Entry]]


def groups_of(
    signatories: Sequence[Signatory],
    lang: str,
    country_name: Callable[[str], str],
    heading: Callable[[str, int], str],
    no_country: str,
) -> list[Group]:
    """Public signatories grouped by country, groups by country name and names in collation order;
    the group without a country last."""


    by_code: dict[str, list[Signatory]] = {}
    for s in signatories:
        by_code.setdefault(s.country, []).append(s)
    named = collate([(country_name(c), people) for c, people in by_code.items() if c], lang, key=lambda item: item[0])
    if "" in by_code:
        named.append(("", by_code[""]))
    groups = []
    for label, people in named:
        ordered = collate(people, lang, key=lambda s: s.name)
        groups.append(
            Group(label, heading(label or no_country, len(people)), [f"{s.name}, {s.city}" if s.city else s.name for s in ordered])
        )
    return groups


def plan(groups: list[Group], geo: Geometry) -> list[Page]:
    """Deal the entries into pages of `geo.columns` columns of at most `geo.lines` lines. A
    heading never ends a column; a group going on in a new column repeats its heading there."""
    width_em = geo.column_pt / geo.font_pt
    pages: list[Page] = [[[]]]
    full = geo.lines * geo.line_pt
    room = full - geo.intro_lines * geo.line_pt  # pt

    def new_column() -> None:
        nonlocal room
        page = pages[-1]
        if len(page) == geo.columns:
            pages.append([[]])
        else:
            page.append([])
        room = full - (geo.intro_lines * geo.line_pt if len(pages) == 1 else 0)  # the first page's columns start below the intro

    for number, group in enumerate(groups):
        head = entry(group.heading, width_em, heading=True)
        gap = geo.line_pt if number and pages[-1][-1] else 0.0
        if room < gap + head.height(geo) + 2 * geo.line_pt * TALL:  # a heading never ends a column
            new_column()
            gap = 0.0
        if gap:
            pages[-1][-1].append(Entry("", 1))
        pages[-1][-1].append(head)
        room -= gap + head.height(geo)
        for text in group.people:
            item = entry(text, width_em)
            if item.height(geo) > room:
                new_column()
                again = replace(head, continued=True)
                pages[-1][-1].append(again)
                room -= again.height(geo)
            pages[-1][-1].append(item)
            room -= item.height(geo)
    return pages


def join(letter_pdf: bytes, chunks: list[bytes], annex_prefix: str = "A-") -> bytes:
    """The letter followed by the annex chunks: the letter's metadata, language, outline and
    signature fields kept; page labels 1, 2, ... for the letter and A-1, A-2, ... for the annex."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(letter_pdf)))
    refuse_untagged_annex(writer)
    letter_pages = len(writer.pages)
    for chunk in chunks:
        writer.append(PdfReader(io.BytesIO(chunk)), import_outline=False)
    return labelled(writer, letter_pages, annex_prefix)


def refuse_untagged_annex(writer: Any) -> None:
    """Stop when the letter in `writer` declares an accessible structure (PDF/UA, PDF/A level A):
    the annex laid out by WeasyPrint is joined without its structure tree (only the drawn annex
    is tagged)."""
    metadata = writer.root_object.get("/Metadata")
    xmp = metadata.get_object().get_data().decode("utf-8", "replace") if metadata is not None else ""
    if "pdfuaid:part" in xmp or re.search(r'pdfaid:conformance="A"', xmp):
        raise RenderError(
            "--pdf-variant: the signatory annex laid out by WeasyPrint is not tagged, and an accessible PDF (PDF/UA-1, PDF/A-2a/3a) "
            "may not end in untagged pages",
            hint="unset ADVOCATE_ANNEX=weasyprint (a name with a character no font here prints also needs it): "
            "or choose --pdf-variant pdf/a-2u",
        )


def labelled(writer: Any, letter_pages: int, annex_prefix: str = "A-") -> bytes:
    """`writer`'s PDF (a `pypdf.PdfWriter`: the letter's `letter_pages` pages, then the annex)
    with page labels 1, 2, ... for the letter and A-1, A-2, ... for the annex."""
    from pypdf.constants import PageLabelStyle

    total = len(writer.pages)
    writer.set_page_label(0, letter_pages - 1, style=PageLabelStyle.DECIMAL, start=1)
    if total > letter_pages:
        writer.set_page_label(letter_pages, total - 1, style=PageLabelStyle.DECIMAL, prefix=annex_prefix, start=1)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
