"""Render: a template and its context to HTML, then to PDF.

In: a letter template and the context `compose` made. Out: an HTML string (`render`, a Jinja
sandbox with per-language typesetting; `webpage` for --format html) and PDF bytes (`pdf`, through
WeasyPrint as changed in `weasy`, `weasy_inline`, `weasy_block`); where footnotes landed
(`footnote_pages`).
"""
