"""HTML to PDF with WeasyPrint.

In: an HTML string and the workspace. Out: PDF bytes. Resources are fetched only from the
workspace's ``letters/`` folders (templates, stylesheet, images): any other URL, ``file:`` path
outside them, ``http:`` or ``data:`` reference stops the render with an error naming the URL and
the template. Nothing is embedded: an ``<a rel="attachment">`` or ``<link rel="attachment">``
(which WeasyPrint turns into a file embedded in the PDF) stops the render too. The stylesheet and
font configuration are parsed once per process. Metadata comes from the HTML head (title,
author, description, language, dcterms.created pinned to the letter date), so the same input
gives byte-identical output. A confidential version is marked in its document information:
``/AdvocateConfidential`` names the addressee it was written for and the keywords end with
``confidential``; `confidential_for` reads the marking back and `refuse_confidential` stops its
delivery to anyone else (mail, post). Every element with class ``signature-box`` and a ``data-signer``
attribute becomes an empty signature field over the box's laid-out position (see signing.py).
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from ..core.errors import DeliveryError, RenderError, Where
from ..core.files import Stamp, stamp
from ..core.workspace import Workspace
from ..signing.fields import SignatureBox, signature_field_finisher

if TYPE_CHECKING:
    from ..core.models import Addressee

PAPER = {"A4": "A4", "letter": "letter"}
CONFIDENTIAL_KEY = "/AdvocateConfidential"
CONFIDENTIAL_KEYWORD = "confidential"
UN_KINDS = ("un_mandate", "un_office")


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


GC_THRESHOLD = (50_000, 20, 100)
"""Layout allocates millions of short-lived objects, few in reference cycles: with CPython's default
first threshold (700) the cycle collector ran thousands of times per letter. At 50,000 rendering is
about 4% faster (measured over 16 letters in 8 languages); memory peaks stay the same (make bench)."""


def stylesheet(roots: tuple[Path, ...]) -> Path | None:
    """The layout's stylesheet: ``letters/_base/style.css`` of the first root that has one."""
    return next((r / "letters" / "_base" / "style.css" for r in roots if (r / "letters" / "_base" / "style.css").is_file()), None)


def resources(roots: tuple[Path, ...], paper: str):  # type: ignore[no-untyped-def]
    """`_resources` for the stylesheet as it is now (a saved stylesheet is parsed again)."""
    css = stylesheet(roots)
    return _resources(roots, paper, stamp(css) if css is not None else ())


@lru_cache(maxsize=8)
def _resources(roots: tuple[Path, ...], paper: str, _css: Stamp = ()):  # type: ignore[no-untyped-def]
    """What a process needs to render, made once: WeasyPrint imported (and changed, see weasy.py),
    the garbage collector set for layout, the stylesheet parsed, the fonts configured."""
    import gc

    from .weasy import import_weasyprint

    import_weasyprint()  # before any other weasyprint import: advocate's changes made (weasy.py)
    gc.set_threshold(*GC_THRESHOLD)
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    allowed = tuple((r / "letters").resolve() for r in roots)
    fetcher = _make_fetcher(allowed)
    fonts = FontConfiguration()
    css_path = stylesheet(roots)
    sheets = []
    if css_path is not None:
        sheets.append(CSS(filename=str(css_path), font_config=fonts, url_fetcher=fetcher))
    sheets.append(CSS(string=f"@page {{ size: {PAPER[paper]}; }}", font_config=fonts))
    return fetcher, fonts, sheets


def lay_out(ws: Workspace, html: str, base: Path, paper: str | None = None, template: str = "letter.html.j2"):  # type: ignore[no-untyped-def]
    """Lay `html` out (relative URLs resolve against `base`, the letter's folder; `template` names
    the file it came from in errors): (the WeasyPrint document, the labels of its signature boxes)."""
    fetcher, fonts, sheets = resources(ws.roots, paper or ws.config.paper)
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    where = Where(base / template)
    try:
        source = HTML(string=html, base_url=str(base) + "/", url_fetcher=fetcher)
        refuse_attachments(source.etree_element, where)
        labels = _mark_signature_boxes(source.etree_element)
        document = source.render(stylesheets=sheets, font_config=fonts)
    except FatalURLFetchingError as exc:
        raise fetch_refused(exc, where) from None
    return document, labels


PDF_VARIANTS = ("pdf/a-2b", "pdf/a-3b", "pdf/a-2u", "pdf/a-3u", "pdf/a-2a", "pdf/a-3a", "pdf/ua-1")
"""The variants offered (`render --pdf-variant`): the PDF/A levels B and U WeasyPrint 70 makes
correctly, and the accessible ones (PDF/A level A, PDF/UA-1) that its tree completed by
pdf_tags.py satisfies (docs/typesetting.md says why the others are not offered)."""
ACCESSIBLE_VARIANTS = ("pdf/a-2a", "pdf/a-3a", "pdf/ua-1")
"""The variants that declare an accessible structure (an untagged page may not join them)."""


def write_pdf(
    ws: Workspace,
    html: str,
    base: Path,
    paper: str | None = None,
    confidential_for: str | None = None,
    template: str = "letter.html.j2",
    variant: str | None = None,
) -> bytes:
    """Lay out `html` (see `lay_out`) and return the PDF bytes: tagged (a structure tree of
    headings, paragraphs, lists, notes linked to their calls, signature fields, /Lang where a run's
    language changes, artifacts for running headers: pdf_tags.py), of the `variant` (one of
    PDF_VARIANTS) when given, marked confidential for the addressee key `confidential_for`."""
    from weasyprint.urls import FatalURLFetchingError

    from .pdf_tags import tag_finisher

    document, labels = lay_out(ws, html, base, paper, template)
    finishers = []
    if labels:  # the fields are written with the PDF itself (no pyHanko import, no second pass)

        finishers.append(signature_field_finisher(signature_boxes(document, labels)))
    finishers.append(tag_finisher(list(labels), variant in ACCESSIBLE_VARIANTS, Where(base / template)))
    finishers.append(font_programs_compressed_fast)
    if confidential_for is not None:
        finishers.append(_mark_confidential(document, confidential_for))
    if variant is not None:
        finishers.append(_no_info_producer)
    try:  # fetches can happen while the PDF is written too
        pdf: bytes = document.write_pdf(finisher=_chain(finishers), pdf_tags=True, pdf_variant=variant)
    except FatalURLFetchingError as exc:
        raise fetch_refused(exc, Where(base / template)) from None
    return pdf


FONT_PROGRAM_LEVEL = 1
"""The zlib level of the embedded font programs. pydyf compresses every stream at level 9. A
Chinese, Japanese or Korean letter embeds about 1.2 MB of font programs (its subsets keep the glyph
ids, so a CJK face keeps an empty slot for each of its 65,000 glyphs), where level 9 took 36 ms a
letter and level 1 takes 18 ms, for 1.5% more bytes (416 KB, 422 KB: the Japanese
china-nonrefoulement). The pages' content streams keep level 9."""


def font_programs_compressed_fast(_document, pdf) -> None:  # type: ignore[no-untyped-def]
    """A finisher compressing the embedded font programs (the streams a font descriptor's
    ``FontFile``, ``FontFile2`` or ``FontFile3`` names) at FONT_PROGRAM_LEVEL instead of pydyf's 9."""
    import zlib

    programs = {
        obj[key]
        for obj in pdf.objects
        if isinstance(obj, dict) and obj.get("Type") == "/FontDescriptor"
        for key in ("FontFile", "FontFile2", "FontFile3")
        if key in obj
    }
    for obj in pdf.objects:
        if getattr(obj, "compress", False) and getattr(obj, "reference", None) in programs:
            obj.stream = [zlib.compress(b"\n".join(obj.stream), FONT_PROGRAM_LEVEL)]
            obj.extra["Filter"] = "/FlateDecode"
            obj.compress = False


def _no_info_producer(document, pdf) -> None:  # type: ignore[no-untyped-def]
    """A finisher for PDF/A: no /Producer in the document information (the XMP keeps it). pyHanko
    signs by appending "; pyHanko x.y" to an Info /Producer but writes only "pyHanko x.y" to the
    XMP, which PDF/A forbids (Info and XMP must agree); with no Info /Producer both say the same."""
    pdf.info.pop("Producer", None)


def _chain(finishers: list[Any]):  # type: ignore[no-untyped-def]
    """One WeasyPrint finisher calling `finishers` in order."""

    def finish(document, pdf) -> None:  # type: ignore[no-untyped-def]
        for each in finishers:
            each(document, pdf)

    return finish


FETCH_HINT = "put images and stylesheets inside letters/ of the workspace; nothing is fetched from elsewhere"


def fetch_refused(exc: Exception, where: Where, hint: str = FETCH_HINT) -> RenderError:
    """The one error for a fetch the sandbox refused (`exc` names the URL)."""
    return RenderError(str(exc), where, hint=hint)


def refuse_attachments(root, where: Where) -> None:  # type: ignore[no-untyped-def]
    """Stop at the first element WeasyPrint would embed as a file (``<a>`` or ``<link>`` with the
    link type ``attachment``): a letter embeds nothing, whatever its template or a translation says."""
    from weasyprint.html import element_has_link_type

    for element in root.iter():
        if element.tag in ("a", "link") and element_has_link_type(element, "attachment"):
            raise RenderError(
                f'refused to embed {element.get("href") or "(no href)"!r}: letters may not embed files (rel="attachment")',
                where,
                hint='remove rel="attachment" from the template; send annexes as separate documents',
            )


def _mark_confidential(document, addressee: str):  # type: ignore[no-untyped-def]
    """A finisher writing the confidential marking into the document information (the keywords
    are WeasyPrint's, from the HTML head, with ``confidential`` added)."""
    import pydyf

    document.metadata.keywords = [*document.metadata.keywords, CONFIDENTIAL_KEYWORD]

    def finish(_document, pdf) -> None:  # type: ignore[no-untyped-def]
        pdf.info[CONFIDENTIAL_KEY[1:]] = pydyf.String(addressee)

    return finish


def confidential_for(info: dict[str, Any]) -> str | None:
    """The addressee key a PDF's document information (pypdf's metadata, keys with the slash)
    marks it confidential for: None when it is not marked, "" when it is marked without one."""
    keywords = [k.strip().lower() for k in str(info.get("/Keywords") or "").split(",")]
    if CONFIDENTIAL_KEY in info:
        return str(info[CONFIDENTIAL_KEY]).strip()
    return "" if CONFIDENTIAL_KEYWORD in keywords else None


def confidential_name(name: str, confidential: bool) -> str:
    """`name` with ``-confidential`` before its extension when `confidential` (once)."""
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    if not confidential or stem.endswith("-confidential"):
        return name
    return f"{stem}-confidential{dot}{ext}"


def refuse_confidential(where: Where | str, marked: str | None, addressee: Addressee) -> None:
    """Stop delivery of a confidential version (`marked`: see `confidential_for`) to anyone but
    the UN mandate it was written for."""
    if marked is None or (marked == addressee.key and addressee.kind in UN_KINDS):
        return
    kind = addressee.kind.replace("_", " ")
    if marked == addressee.key:
        why = f"a confidential version may not be sent to {addressee.key!r}: a {kind} is not a UN mandate"
    else:
        written_for = repr(marked) if marked else "an unrecorded addressee"
        why = f"a confidential version written for {written_for} may not be sent to {addressee.key!r} ({kind})"
    raise DeliveryError(
        why,
        where,
        hint="a confidential submission goes only to the UN mandate it was written for; send the public version instead",
    )


SIGNATURE_BOX = "signature-box"
PX_TO_PT = 0.75


def _mark_signature_boxes(root) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Give every ``class="signature-box"`` element an id (WeasyPrint reports the position of
    elements with ids as anchors) and return {id: signer label from data-signer}."""
    labels: dict[str, str] = {}
    for element in root.iter():
        if SIGNATURE_BOX not in (element.get("class") or "").split():
            continue
        label = (element.get("data-signer") or "").strip()
        if not label:
            raise RenderError(
                "a signature-box element has no data-signer attribute", hint='write <div class="signature-box" data-signer="NAME">'
            )
        anchor = element.get("id") or f"advocate-signature-box-{len(labels) + 1}"
        element.set("id", anchor)
        labels[anchor] = label
    return labels


def signature_boxes(document, labels: dict[str, str]) -> list:  # type: ignore[no-untyped-def,type-arg]
    """Where the layout put each signature box: page and rectangle in PDF points (WeasyPrint
    anchors are CSS px from the top-left; PDF points are px * 0.75 from the bottom-left)."""
    boxes = []
    for anchor, label in labels.items():
        found = next(((i, page) for i, page in enumerate(document.pages) if anchor in page.anchors), None)
        if found is None:
            raise RenderError(
                f"the signature box for {label!r} was not laid out", hint="a signature-box must be visible (not display: none)"
            )
        index, page = found
        x1, y1, x2, y2 = page.anchors[anchor]
        if x2 - x1 < 20 or y2 - y1 < 10:
            raise RenderError(
                f"the signature box for {label!r} is too small ({x2 - x1:.0f} x {y2 - y1:.0f} px)",
                hint="give .signature-box a width and a height in the stylesheet",
            )
        rect = (x1 * PX_TO_PT, (page.height - y2) * PX_TO_PT, x2 * PX_TO_PT, (page.height - y1) * PX_TO_PT)
        boxes.append(SignatureBox(label, index, rect))
    return boxes
