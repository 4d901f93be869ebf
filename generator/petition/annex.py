"""The signatory annex of a petition, for lists of up to 100,000 names.

In: a composed letter (its PDF from the normal pipeline), the public signatories, the letter's
``annex.html.j2`` template and the workspace. Out: one PDF, the letter followed by the annex.

WeasyPrint lays a whole document out in memory and its CSS columns are slow, so the annex is
paginated here, not by the browser engine: names are grouped by country (country names in the
letter's language, groups and names in the language's collation order), each entry's width is
measured with the font's advance widths, and entries are dealt into pages of three columns of a
fixed number of lines (`plan`). Page numbers and the total are therefore known before any layout.
The pages are rendered in chunks (`CHUNK_PAGES` pages each) across a process pool; every chunk
starts its page counter where the previous one ends and prints "page N of M" with the true total.
After layout each chunk is verified: it must have exactly the planned pages and every column must
end above the bottom margin (an end marker's position); if not, the plan is redone with fewer
lines per column. The chunks are then joined after the letter with pypdf, keeping the letter's
metadata, language and signature fields, with page labels (letter 1, 2, ...; annex A-1, A-2, ...).
The output is deterministic: the same input gives the same bytes.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from markupsafe import Markup

from ..core.errors import RenderError
from ..core.workspace import Workspace
from .signatories import Signatory

CHUNK_PAGES = 24  # pages per WeasyPrint document: small enough to lay out fast, large enough to share fonts
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


# -- measuring --------------------------------------------------------------------------------


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


# -- planning ---------------------------------------------------------------------------------


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
    from ..load.collation import collate

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


# -- rendering --------------------------------------------------------------------------------


def header_css(template: str, total: int) -> Markup:
    """CSS `content` from a translated "... page %(page)s of %(pages)s": the page from the page
    counter (each chunk resets it to its first page), the total as text."""
    css = []
    for part in re.split(r"(%\((?:page|pages)\)s)", template):
        if part == "%(page)s":
            css.append("counter(page)")
        elif part == "%(pages)s":
            css.append(f'"{total}"')
        elif part:
            css.append('"' + part.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ") + '"')
    return Markup(" ".join(css) or '""')


@dataclass(frozen=True)
class Chunk:
    index: int
    first_page: int  # 1-based page number within the annex
    pages: int
    html: str
    ends: dict[int, list[str]]  # page index in the chunk -> the end markers of its columns


def _render_chunk(ws: Workspace, base: Path, paper: str, chunk: Chunk, bottom_px: float) -> tuple[int, bytes, int, list[str]]:
    """Lay out one chunk (in a worker process) and verify it: (index, PDF, pages, overflowing columns)."""
    import logging

    from ..core.errors import Where
    from ..render.pdf import fetch_refused, refuse_attachments, resources

    fetcher, fonts, sheets = resources(ws.roots, paper)  # imports WeasyPrint the quick way first
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    where = Where(base / ANNEX_TEMPLATE)
    try:
        source = HTML(string=chunk.html, base_url=str(base) + "/", url_fetcher=fetcher)
        refuse_attachments(source.etree_element, where)
        document = source.render(stylesheets=sheets, font_config=fonts)
    except FatalURLFetchingError as exc:
        raise fetch_refused(exc, where, "the annex template may use only files inside letters/") from None
    overflow = []
    for index, page in enumerate(document.pages):
        found = {a: box for a, box in page.anchors.items() if a.startswith("annex-end-")}
        for anchor in chunk.ends.get(index, []):
            box = found.get(anchor)
            if box is None or box[3] > bottom_px + 0.5:  # the column ran onto another page, or below the margin
                overflow.append(anchor)
    pdf: bytes = document.write_pdf()
    return chunk.index, pdf, len(document.pages), overflow


def render_chunks(
    ws: Workspace, base: Path, paper: str, chunks: list[Chunk], geo: Geometry, workers: int
) -> list[tuple[bytes, int, list[str]]]:
    """Every chunk's (PDF, pages, overflowing columns), in order; a process pool when there are several."""
    bottom_px = (geo.height - geo.margin_bottom) * PT_PER_MM * PX_PER_PT
    if workers <= 1 or len(chunks) <= 1:
        results = [_render_chunk(ws, base, paper, c, bottom_px) for c in chunks]
    else:
        import multiprocessing

        context = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = [pool.submit(_render_chunk, ws, base, paper, c, bottom_px) for c in chunks]
            results = [f.result() for f in futures]
    return [(pdf, pages, overflow) for _i, pdf, pages, overflow in sorted(results, key=lambda r: r[0])]


def end_marker(page: int, column: int) -> str:
    """The id of the empty element that ends a column (the template writes it)."""
    return f"annex-end-{page}-{column}"


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, int(os.environ.get("ADVOCATE_WORKERS", "0") or 0) or (os.cpu_count() or 1)))


@dataclass
class Annex:
    chunks: list[bytes]
    pages: int


def build_annex(
    ws: Workspace,
    base: Path,
    paper: str,
    groups: list[Group],
    fill: Callable[[list[Page], int, int, Geometry], str],
    workers: int | None = None,
) -> Annex:
    """Plan, render in chunks, verify; `fill(pages, first_page, total, geo)` makes a chunk's HTML."""
    geo = geometry(paper)
    for _attempt in range(3):
        pages = plan(groups, geo)
        total = len(pages)
        chunks = []
        for i, start in enumerate(range(0, total, CHUNK_PAGES)):
            part = pages[start : start + CHUNK_PAGES]
            ends = {p: [end_marker(start + p + 1, c) for c in range(len(page))] for p, page in enumerate(part)}
            chunks.append(Chunk(i, start + 1, len(part), fill(part, start + 1, total, geo), ends))
        results = render_chunks(ws, base, paper, chunks, geo, workers or default_workers())
        wrong = [c.index for c, (_pdf, n, overflow) in zip(chunks, results, strict=True) if n != c.pages or overflow]
        if not wrong:
            return Annex([pdf for pdf, _n, _o in results], total)
        geo = replace(geo, spare_lines=geo.spare_lines + 3)  # a column ran over: plan with fewer lines
    raise RenderError("the signatory annex does not fit its planned pages", hint="report this with the signatory list (--debug)")


# -- joining ----------------------------------------------------------------------------------


def join(letter_pdf: bytes, chunks: list[bytes], annex_prefix: str = "A-") -> bytes:
    """The letter followed by the annex chunks: the letter's metadata, language, outline and
    signature fields kept; page labels 1, 2, ... for the letter and A-1, A-2, ... for the annex."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(letter_pdf)))
    letter_pages = len(writer.pages)
    for chunk in chunks:
        writer.append(PdfReader(io.BytesIO(chunk)), import_outline=False)
    return labelled(writer, letter_pages, annex_prefix)


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


def context_pages(pages: list[Page], geo: Geometry, first_page: int) -> list[dict[str, Any]]:
    """The template's view of a chunk's pages: columns with their offsets (mm) and entries."""
    top = round(geo.intro_lines * geo.line_pt / PT_PER_MM, 3)
    return [
        {
            "number": first_page + p,
            "first": first_page + p == 1,
            "columns": [
                {"index": c, "left": round(geo.column_left(c), 3), "top": top if first_page + p == 1 else 0, "entries": column}
                for c, column in enumerate(page)
            ],
        }
        for p, page in enumerate(pages)
    ]


# -- the letter's annex -----------------------------------------------------------------------

ANNEX_TEMPLATE = "annex.html.j2"


def has_annex(ws: Workspace, letter: str) -> bool:
    return bool(ws.find("letters", letter, ANNEX_TEMPLATE))


def letter_with_annex(loaded: Any, letter: Any, workers: int | None = None) -> bytes:
    """`letter.pdf` (a `build.RenderedLetter`) followed by its signatory annex."""
    import jinja2
    from jinja2.sandbox import SecurityError

    from ..core import i18n
    from ..load.countries import country_name
    from ..render.render import TemplateFunction, environment, refused
    from ..translate.catalog import recorder

    request, ws, lang = letter.request, loaded.ws, letter.request.lang
    signatories = request.signatories or []
    public = [s for s in signatories if s.public]
    if not public or letter.pdf is None:
        return letter.pdf  # type: ignore[no-any-return]
    messages = recorder(ws, lang)
    env = environment(ws)
    messages.install(env)
    name = f"{letter.spec.name}/{ANNEX_TEMPLATE}"
    try:
        template = env.get_template(name)
    except jinja2.TemplateSyntaxError as exc:
        from ..core.errors import Where

        raise RenderError(f"template syntax: {exc.message}", Where(exc.filename or name, exc.lineno)) from None
    number = TemplateFunction(lambda n: i18n.format_number(n, lang))
    base = {
        "lang": lang,
        "dir": i18n.direction(lang),
        "html_lang": i18n.html_lang(lang),
        "letter": letter.spec,
        "signatories": range(len(public)),
        "hidden_signatory_count": len(signatories) - len(public),
        "number": number,
    }
    paper = request.paper or ws.config.paper
    try:
        macros: Any = template.make_module({**base, "pages": [], "geo": geometry(paper), "first_page": 1, "header": Markup('""')})
    except SecurityError as exc:
        raise refused(exc, name) from None
    heading = lambda label, count: Markup(macros.group_heading(label, count)).striptags()  # noqa: E731
    groups = groups_of(
        public, lang, lambda code: country_name(code, lang, loaded.library), heading, Markup(macros.no_country()).striptags()
    )
    header_template = Markup(macros.running_header()).striptags()

    def fill(pages: list[Page], first_page: int, total: int, geo: Geometry) -> str:
        context = {**base, "pages": context_pages(pages, geo, first_page), "geo": geo, "first_page": first_page}
        context["header"] = header_css(header_template, total)
        try:
            return template.render(context)
        except SecurityError as exc:
            raise refused(exc, name) from None
        except jinja2.TemplateError as exc:
            raise RenderError(f"{name}: {exc}") from None

    drawn = draw(letter.pdf, groups, paper, lang, template.render({**base, **intro_context(paper)}), header_template)
    if drawn is None:
        drawn = join(letter.pdf, build_annex(ws, letter.spec.path, paper, groups, fill, workers).chunks)
    if messages.missing:  # the annex's own messages, like the letter's, never fall back silently
        from ..compose.build import untranslated
        from ..core.errors import CheckFailed

        problem = untranslated(ws, request, messages.missing)
        if request.strict:
            raise CheckFailed([problem])
        letter.warnings.append(problem)
    return drawn


def intro_context(paper: str) -> dict[str, Any]:
    """The template's values for a first page without columns: its title and introduction."""
    return {"pages": [{"number": 1, "first": True, "columns": []}], "geo": geometry(paper), "first_page": 1, "header": Markup('""')}


class _Intro(HTMLParser):
    """The text of the first ``h1`` and ``p`` inside the template's ``annex-intro``."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # > 0 inside the annex-intro element
        self.tag = ""
        self.found: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth:
            self.depth += 1
            self.tag = tag if tag in ("h1", "p") and tag not in self.found else self.tag
        elif "annex-intro" in (dict(attrs).get("class") or "").split():
            self.depth = 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1
            self.tag = "" if tag == self.tag else self.tag

    def handle_data(self, data: str) -> None:
        if self.tag:
            self.found[self.tag] = self.found.get(self.tag, "") + data


def draw(letter_pdf: bytes, groups: list[Group], paper: str, lang: str, first_page_html: str, header: str) -> bytes | None:
    """The letter with the annex drawn directly (`annex_draw`); None when ADVOCATE_ANNEX=weasyprint
    asks for WeasyPrint or when a name has a character no font found here prints."""
    if os.environ.get("ADVOCATE_ANNEX", "draw") == "weasyprint":
        return None
    from ..core import i18n
    from . import annex_draw

    parser = _Intro()
    parser.feed(first_page_html)
    title, intro = (" ".join(parser.found.get(tag, "").split()) for tag in ("h1", "p"))
    texts = annex_draw.Texts(title, intro, header, lang, i18n.direction(lang) == "rtl")
    families = re.findall(r'"([^"]+)"', i18n.font_family(lang))
    geo = geometry(paper)
    try:
        return annex_draw.letter_with_annex(letter_pdf, plan(groups, geo), geo, texts, families)
    except annex_draw.Unsupported:
        return None
