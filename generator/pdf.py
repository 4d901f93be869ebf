"""HTML to PDF with WeasyPrint.

In: an HTML string and the workspace. Out: PDF bytes. Resources are fetched only from the
workspace's ``letters/`` folders (templates, stylesheet, images): any other URL, ``file:`` path
outside them, ``http:`` or ``data:`` reference stops the render with an error. The stylesheet and
font configuration are parsed once per process. Metadata comes from the HTML head (title,
author, description, language, dcterms.created pinned to the letter date), so the same input
gives byte-identical output.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlparse

from .errors import RenderError
from .workspace import Workspace

PAPER = {"A4": "A4", "letter": "letter"}


class _Refused(BaseException):
    pass


def _make_fetcher(allowed: tuple[Path, ...]):  # type: ignore[no-untyped-def]
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    class SandboxFetcher(URLFetcher):
        """Serves files under the allowed folders; refuses everything else and stops the render."""

        def fetch(self, url: str, headers=None):  # type: ignore[no-untyped-def,override]
            parsed = urlparse(url)
            if parsed.scheme == "file":
                path = Path(unquote(parsed.path)).resolve()
                if any(path.is_relative_to(root) for root in allowed) and path.is_file():
                    return super().fetch(url, headers)
            raise FatalURLFetchingError(f"refused to fetch {url!r}: only files inside the workspace's letters/ folders may be used")

    return SandboxFetcher()


@lru_cache(maxsize=8)
def _resources(roots: tuple[Path, ...], paper: str):  # type: ignore[no-untyped-def]
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    allowed = tuple((r / "letters").resolve() for r in roots)
    fetcher = _make_fetcher(allowed)
    fonts = FontConfiguration()
    css_path = next((r / "letters" / "_base" / "style.css" for r in roots if (r / "letters" / "_base" / "style.css").is_file()), None)
    sheets = []
    if css_path is not None:
        sheets.append(CSS(filename=str(css_path), font_config=fonts, url_fetcher=fetcher))
    sheets.append(CSS(string=f"@page {{ size: {PAPER[paper]}; }}", font_config=fonts))
    return fetcher, fonts, sheets


def write_pdf(ws: Workspace, html: str, base: Path, paper: str | None = None) -> bytes:
    """Lay out `html` (relative URLs resolve against `base`) and return the PDF bytes."""
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    fetcher, fonts, sheets = _resources(ws.roots, paper or ws.config.paper)
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    try:
        document = HTML(string=html, base_url=str(base) + "/", url_fetcher=fetcher).render(stylesheets=sheets, font_config=fonts)
        return document.write_pdf()  # type: ignore[no-any-return]
    except FatalURLFetchingError as exc:
        raise RenderError(
            str(exc), hint="put images and stylesheets inside letters/ of the workspace; nothing is fetched from elsewhere"
        ) from None
