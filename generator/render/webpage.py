"""A rendered letter as one HTML file that a browser shows as the PDF shows it.

In: the letter's HTML (from render.py: typeset, footnotes as ``<span class="footnote">``) and the
workspace. Out: one self-contained HTML string: the workspace's stylesheet inline (the same
right-to-left and CJK rules as the PDF; fonts are referenced by name from the system), a screen
layout of the page, and the footnotes as endnotes linked both ways (call -> note -> back to the
call). A Content-Security-Policy in the head forbids the browser to fetch anything: nothing
outside the file is loaded, whatever the stylesheet or a template asks for.

On request (`embedded_fonts`, `render --embed-fonts`) the file carries the fonts it uses: each
face the PDF layout used (family, weight, style), subset by fontTools to the characters set in it
(with the OpenType features a browser applies by default: Arabic forms, kerning, marks),
compressed as WOFF2, as a base64 ``data:`` URL in an ``@font-face`` rule under the family name
the stylesheet asks for.
"""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path
from typing import Any

from ..core.workspace import Workspace
from .pdf import lay_out, stylesheet

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
FONT_CSP = "; font-src data:"  # added when the fonts are embedded
SCREEN_CSS = """
/* advocate: the letter in a browser (the PDF's page box, the footnotes as endnotes) */
@media screen {
  html { background: #e8e8e8; }
  body { box-sizing: border-box; max-width: 210mm; margin: 2em auto; padding: 22mm 22mm 24mm 25mm; background: #fff; }
}
.signature-box { border-bottom: 0.6pt solid #111; }
a.call { vertical-align: super; font-size: 65%; line-height: 0; text-decoration: none; }
.endnotes { margin-top: 24pt; border-top: 0.5pt solid #666; padding-top: 3pt; font-size: 8.2pt; line-height: 1.3; }
.endnotes ol { margin: 0; padding-inline-start: 18pt; }
.endnotes li { margin: 0 0 2pt 0; }
.endnotes a.back { text-decoration: none; }
"""
_FOOTNOTE = re.compile(r'<span class="footnote"([^>]*)>')
_SPAN_TAG = re.compile(r"<span\b[^>]*>|</span>")


def web_page(ws: Workspace, html: str, fonts: str = "") -> str:
    """`html` made one file for a browser (see the module's docstring); `fonts` is the CSS of
    `embedded_fonts`, or "" to reference the fonts by name from the reader's system."""
    body, notes = endnotes(html)
    path = stylesheet(ws.roots)
    css = fonts + (path.read_text(encoding="utf-8") if path is not None else "") + SCREEN_CSS
    css = css.replace("</", "<\\/")  # the stylesheet is workspace data: it cannot close the style element
    csp = CSP + (FONT_CSP if fonts else "")
    head = f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n<style>\n{css}</style>\n'
    body = body.replace("<head>", "<head>\n" + head, 1) if "<head>" in body else head + body
    if notes:
        items = "\n".join(notes)
        section = f'<section class="endnotes" role="doc-endnotes">\n<ol>\n{items}\n</ol>\n</section>\n'
        body = body.replace("</body>", section + "</body>", 1) if "</body>" in body else body + section
    return body


def endnotes(html: str) -> tuple[str, list[str]]:
    """(`html` with each footnote replaced by a numbered link to its note, the notes as ``<li>``
    elements linking back to their calls), in document order."""
    out: list[str] = []
    notes: list[str] = []
    pos = 0
    while match := _FOOTNOTE.search(html, pos):
        inner_end, end = _span_end(html, match.end())
        number = len(notes) + 1
        out += [html[pos : match.start()], f'<a class="call" id="call-{number}" href="#note-{number}" role="doc-noteref">{number}</a>']
        back = f'<a class="back" href="#call-{number}" role="doc-backlink" aria-label="{number}">\u21a9</a>'
        notes.append(f'<li id="note-{number}"{match.group(1)}>{html[match.end() : inner_end]} {back}</li>')
        pos = end
    return "".join(out) + html[pos:], notes


def _span_end(html: str, start: int) -> tuple[int, int]:
    """(where the closing tag of the span whose content starts at `start` begins, where it ends)."""
    depth = 1
    for tag in _SPAN_TAG.finditer(html, start):
        depth += -1 if tag.group(0) == "</span>" else 1
        if depth == 0:
            return tag.start(), tag.end()
    return len(html), len(html)


def embedded_fonts(ws: Workspace, html: str, base: Path) -> str:
    """``@font-face`` rules carrying, as WOFF2 ``data:`` URLs, the faces that laying `html` out as
    a PDF uses (relative URLs resolve against `base`, the letter's folder), each subset to the
    characters set in it. In: the letter's HTML. Out: CSS, one rule per face, in a stable order."""
    from weasyprint.text.fonts import get_hb_object_data

    document, _ = lay_out(ws, html, base)
    document.write_pdf()  # drawing the pages records each face used and the text set in it
    faces: dict[tuple[str, int, int], tuple[Any, set[str]]] = {}
    for font in document.fonts.values():
        _, chars = faces.setdefault((font.family, int(font.weight), int(font.style)), (font, set()))
        chars.update("".join(font.to_unicode.values()))
    rules = []
    for (family, weight, style), (font, chars) in sorted(faces.items(), key=lambda item: item[0]):
        woff2 = subset_woff2(get_hb_object_data(font.hb_face), font.index, chars)
        rules.append(
            f'@font-face {{ font-family: "{_css_string(family)}"; font-weight: {weight}; font-style: {_STYLES.get(style, "normal")}; '
            f'src: url("data:font/woff2;base64,{base64.b64encode(woff2).decode()}") format("woff2"); }}\n'
        )
    return "".join(rules)


_STYLES = {0: "normal", 1: "oblique", 2: "italic"}  # Pango's PangoStyle


def subset_woff2(data: bytes, index: int, chars: set[str]) -> bytes:
    """The font `index` of the font file `data` (a collection or a single font) subset to `chars`,
    with the layout features a browser applies by default (Arabic joining forms, ligatures, kerning,
    marks), as WOFF2."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options(notdef_outline=True, ignore_missing_unicodes=True)
    font = TTFont(io.BytesIO(data), fontNumber=index if data[:4] == b"ttcf" else -1)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes={ord(char) for char in chars})
    subsetter.subset(font)
    font.flavor = "woff2"
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _css_string(text: str) -> str:
    """`text` for a double-quoted CSS string (a family name is the system's data)."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ").replace("\n", " ")
