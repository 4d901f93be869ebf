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

import logging
import os
import re
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SecurityError
from markupsafe import Markup

from ..core import i18n
from ..core.errors import CheckFailed, RenderError, Where
from ..core.letter import RenderedLetter
from ..core.workspace import Workspace
from ..load.countries import country_name
from ..load.loaded import Loaded
from ..render.pdf import fetch_refused, refuse_attachments, resources
from ..render.render import TemplateFunction, environment, refused
from ..translate.runtime import Recorder, recorder, untranslated
from . import annex_draw
from .layout import PT_PER_MM, PX_PER_PT, Geometry, Group, Page, geometry, groups_of, join, plan

CHUNK_PAGES = 24  # pages per WeasyPrint document: small enough to lay out fast, large enough to share fonts
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
    fetcher, fonts, sheets = resources(ws.roots, paper)  # imports WeasyPrint the quick way first
    from weasyprint import HTML  # (lazy, like every WeasyPrint import: only a chunk rendered by it needs it)
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


def letter_with_annex(loaded: Loaded, letter: RenderedLetter, workers: int | None = None) -> bytes | None:
    """`letter.pdf` followed by its signatory annex (the letter's PDF alone when no signatory is public)."""
    request, ws, lang = letter.request, loaded.ws, letter.request.lang
    signatories = request.signatories or []
    public = [s for s in signatories if s.public]
    if not public or letter.pdf is None:
        return letter.pdf
    messages = recorder(ws, lang)
    name = f"{letter.spec.name}/{ANNEX_TEMPLATE}"
    template = _annex_template(ws, messages, name)
    base = {
        "lang": lang,
        "dir": i18n.direction(lang),
        "html_lang": i18n.html_lang(lang),
        "letter": letter.spec,
        "signatories": range(len(public)),
        "hidden_signatory_count": len(signatories) - len(public),
        "number": TemplateFunction(lambda n: i18n.format_number(n, lang)),
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
        problem = untranslated(ws, request, messages.missing)
        if request.strict:
            raise CheckFailed([problem])
        letter.warnings.append(problem)
    return drawn


def _annex_template(ws: Workspace, messages: Recorder, name: str) -> jinja2.Template:
    """The letter's annex.html.j2 in the sandbox, with the language's messages installed."""
    env = environment(ws)
    messages.install(env)
    try:
        return env.get_template(name)
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"template syntax: {exc.message}", Where(exc.filename or name, exc.lineno)) from None


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
