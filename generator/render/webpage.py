"""A rendered letter as one HTML file that a browser shows as the PDF shows it.

In: the letter's HTML (from render.py: typeset, footnotes as ``<span class="footnote">``) and the
workspace. Out: one self-contained HTML string: the workspace's stylesheet inline (the same
right-to-left and CJK rules as the PDF; fonts are referenced by name from the system), a screen
layout of the page, and the footnotes as endnotes linked both ways (call -> note -> back to the
call). A Content-Security-Policy in the head forbids the browser to fetch anything: nothing
outside the file is loaded, whatever the stylesheet or a template asks for.
"""

from __future__ import annotations

import re

from ..core.workspace import Workspace
from .pdf import stylesheet

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
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


def web_page(ws: Workspace, html: str) -> str:
    """`html` made one file for a browser (see the module's docstring)."""
    body, notes = endnotes(html)
    path = stylesheet(ws.roots)
    css = (path.read_text(encoding="utf-8") if path is not None else "") + SCREEN_CSS
    css = css.replace("</", "<\\/")  # the stylesheet is workspace data: it cannot close the style element
    head = f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n<style>\n{css}</style>\n'
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
