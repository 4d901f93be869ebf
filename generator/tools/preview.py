"""`advocate preview`: a letter's pages in a browser, rendered again whenever a file it uses is saved.

In: a `PreviewRequest` (workspace, letter, addressee, language, variables, date, paper). Out: a
local web application (Starlette, served by uvicorn on 127.0.0.1) with one page that shows the
rendered pages as PNG images (pdftoppm), the render's warnings and errors, and, for each block of
translated prose, its message: clicking a paragraph shows the msgid, the msgstr and the catalogue's
file and line. `watchfiles` watches the workspace's letters/, citations/, locales/ and
advocate.toml; each change renders again and tells the page through server-sent events. The
application serves nothing but this page, its JSON state and the page images it rendered itself,
held in memory: no file is ever served, and the renderer reads only the workspace and the bundle.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..compose.build import compose_html
from ..core.errors import AdvocateError, CheckFailed, Problem, RenderError, Where
from ..core.letter import LetterRequest
from ..core.locales import SOURCE_LANG, po_path
from ..core.workspace import open_workspace
from ..load.loaded import load
from ..render.pdf import lay_out
from ..translate.catalog import read_catalog
from ..translate.runtime import recorder
from ..translate.workflow import template_path

WATCHED_SUFFIXES = (".j2", ".html", ".css", ".po", ".yaml", ".yml", ".toml", ".csv")
DPI = 96  # one image pixel per CSS pixel: the layout's boxes need no scaling


@dataclass(kw_only=True, frozen=True)
class PreviewRequest:
    workspace: str | None
    letter: str
    to: str
    lang: str
    variables: dict[str, Any] = field(default_factory=dict)
    date: dt.date | None = None
    paper: str | None = None


@dataclass
class Rendered:
    """One render: the page images and what the page shows beside them."""

    version: int
    pages: list[bytes] = field(default_factory=list)
    layout: list[dict[str, Any]] = field(default_factory=list)  # per page: width, height, boxes
    messages: list[dict[str, Any]] = field(default_factory=list)  # per marked block: msgid, msgstr, where
    problems: list[dict[str, str]] = field(default_factory=list)  # severity, where, message, hint
    seconds: float = 0.0

    def state(self) -> dict[str, Any]:
        """What the page fetches as JSON (the images by URL)."""
        return {
            "version": self.version,
            "pages": [{**page, "src": f"/page/{self.version}/{i}.png"} for i, page in enumerate(self.layout)],
            "messages": self.messages,
            "problems": self.problems,
            "seconds": round(self.seconds, 2),
        }


def _problem(p: Problem) -> dict[str, str]:
    return {"severity": p.severity, "where": str(p.where or ""), "message": p.message, "hint": p.hint or ""}


def render_preview(request: PreviewRequest, version: int, previous: Rendered | None = None) -> Rendered:
    """Render the request from the files as they are now (the workspace is opened afresh: a saved
    advocate.toml counts). A failed render keeps the previous pages and lists its errors."""
    import time


    start = time.perf_counter()
    result = Rendered(version)
    try:
        ws = open_workspace(request.workspace)
        loaded = load(ws)
        marks: list[tuple[str | None, str]] = []
        messages = recorder(ws, request.lang, marks)
        letter_request = LetterRequest(
            letter=request.letter,
            addressee=request.to,
            lang=request.lang,
            variables=dict(request.variables),
            date=request.date,
            paper=request.paper,
        )
        letter = compose_html(loaded, letter_request, messages)
        result.pages, result.layout = _pages(ws, letter.html, letter.spec.path, request.paper)
        index = catalogue_index(ws, request.lang)
        result.messages = describe_messages(index, marks, messages.missing)
        result.problems = [_problem(p) for p in letter.warnings]
        result.problems += [_untranslated(index, msgid) for msgid in messages.missing]
    except CheckFailed as exc:
        result.problems = [_problem(p) for p in exc.problems]
    except AdvocateError as exc:
        result.problems = [{"severity": "error", "where": str(exc.where or ""), "message": exc.msg, "hint": exc.hint or ""}]
    if not result.pages and previous is not None:
        result.pages, result.layout = previous.pages, previous.layout
    result.seconds = time.perf_counter() - start
    return result


def _untranslated(index: dict[tuple[str | None, str], tuple[str, str]], msgid: str) -> dict[str, str]:
    where = index.get((None, msgid), (NOT_IN_CATALOGUE, ""))[0]
    return {"severity": "warning", "where": where, "message": f"untranslated: {msgid!r}", "hint": ""}


def _pages(ws: Any, html: str, base: Path, paper: str | None) -> tuple[list[bytes], list[dict[str, Any]]]:
    """The laid-out letter as one PNG per page, and per page its size and the boxes of its
    marked messages (CSS pixels)."""
    document, _labels = lay_out(ws, html, base, paper)
    from weasyprint.formatting_structure.boxes import InlineBox  # (imported by lay_out first: weasy.py)

    layout = []
    for page in document.pages:
        boxes = []
        for box in page._page_box.descendants():
            element = box.element if isinstance(box, InlineBox) else None  # the span's fragment on each line
            mark = element.get("data-msg") if element is not None and box.element_tag == "span" else None
            if mark is not None and box.border_width() > 0:
                x, y, w, h = box.border_box_x(), box.border_box_y(), box.border_width(), box.border_height()
                boxes.append({"msg": int(mark), "x": x, "y": y, "w": w, "h": h})
        layout.append({"width": page.width, "height": page.height, "boxes": boxes})
    return _png_pages(document.write_pdf()), layout


def _png_pages(pdf: bytes) -> list[bytes]:
    """Each page of `pdf` as a PNG, by poppler's pdftoppm (in a private temporary folder)."""
    with tempfile.TemporaryDirectory(prefix="advocate-preview-") as tmp:
        source = Path(tmp) / "letter.pdf"
        source.write_bytes(pdf)
        try:
            subprocess.run(["pdftoppm", "-png", "-r", str(DPI), str(source), str(Path(tmp) / "page")], check=True, capture_output=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            raise RenderError(f"pdftoppm could not draw the pages: {exc}", hint="install poppler-utils (`make setup` does)") from None
        return [path.read_bytes() for path in sorted(Path(tmp).glob("page-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))]


NOT_IN_CATALOGUE = "not in the catalogue yet: run `advocate i18n update`"


def describe_messages(
    index: dict[tuple[str | None, str], tuple[str, str]], marks: list[tuple[str | None, str]], missing: list[str]
) -> list[dict[str, Any]]:
    """Per marked block: its context, msgid, msgstr, the catalogue's file:line (`catalogue_index`)
    and whether it fell back to English."""
    out = []
    for context, msgid in marks:
        entry = index.get((context, msgid)) or index.get((None, msgid))
        where, msgstr = (entry[0], entry[1]) if entry else (NOT_IN_CATALOGUE, "")
        out.append({"context": context or "", "msgid": msgid, "msgstr": msgstr, "where": where, "missing": msgid in missing})
    return out


def catalogue_index(ws: Any, lang: str) -> dict[tuple[str | None, str], tuple[str, str]]:
    """(context, msgid) -> ("file:line", msgstr) from the language's catalogues, the workspace's
    over the bundle's; for English, the template's place from locales/messages.pot."""
    paths = [template_path(ws)] if lang == SOURCE_LANG else [po_path(root, lang) for root in ws.roots]
    index: dict[tuple[str | None, str], tuple[str, str]] = {}
    for path in reversed([p for p in paths if p.is_file()]):
        for message in read_catalog(path):
            if not message.id:
                continue
            msgid = message.id[0] if isinstance(message.id, (list, tuple)) else message.id
            msgstr = message.string[0] if isinstance(message.string, (list, tuple)) else message.string
            where = str(Where(path, message.lineno or 0))
            if lang == SOURCE_LANG and message.locations:
                where = ", ".join(f"{file}:{line}" for file, line in message.locations[:3])
            for key in ((message.context, msgid), (None, msgid)):
                index[key] = (where, "" if message.fuzzy else str(msgstr or ""))
    return index


def watched_paths(ws: Any) -> list[Path]:
    """The workspace's files a render reads: letters/, citations/, locales/ and advocate.toml."""
    root = ws.roots[0]
    candidates = [root / "letters", root / "citations", root / "locales", root / "advocate.toml"]
    return [p for p in candidates if p.exists()]


class Hub:
    """The current render, and the page's wait for the next one."""

    def __init__(self, request: PreviewRequest):
        self.request = request
        self.current = Rendered(0)
        self.changed = asyncio.Condition()
        self.lock = asyncio.Lock()

    async def rerender(self) -> None:
        async with self.lock:
            result = await asyncio.to_thread(render_preview, self.request, self.current.version + 1, self.current)
        async with self.changed:
            self.current = result
            self.changed.notify_all()

    async def versions(self) -> AsyncIterator[int]:
        """Each new version, as it is rendered (the current one first)."""
        seen = [-1]
        while True:
            async with self.changed:
                await self.changed.wait_for(lambda: self.current.version != seen[0])
                seen[0] = self.current.version
            yield seen[0]

    async def watch(self, paths: list[Path]) -> None:
        """Render again after each saved change under `paths` (watchfiles: inotify, no polling)."""
        from watchfiles import awatch

        def relevant(_change: Any, path: str) -> bool:
            return path.endswith(WATCHED_SUFFIXES) and not Path(path).name.startswith(".")

        # the caches (catalogues, stylesheet, library) are keyed on their files: nothing to clear
        async for _changes in awatch(*paths, watch_filter=relevant, debounce=50, step=10):
            await self.rerender()
