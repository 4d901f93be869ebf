"""Importing WeasyPrint quickly, with footnote areas measured in linear time.

In: nothing. Out: the `weasyprint` module, imported once per process. Import it through
`import_weasyprint` only (never ``import weasyprint`` first), so that both changes below apply.

WeasyPrint opens Pango, HarfBuzz and fontconfig through cffi, trying several names per library
(``libgobject-2.0-0``, ``gobject-2.0-0``, ... ``libgobject-2.0.so.0``). Each name that does not
open directly makes cffi call `ctypes.util.find_library`, which on Linux starts ``ldconfig``,
``gcc`` and ``ld`` as subprocesses: about 50 processes and 0.3 s of every cold ``advocate render``.
Here `find_library` is answered, for the duration of the import only, from one ``ldconfig -p``
listing read once; the real function is restored afterwards. If the import fails that way, it is
retried with the real `find_library`, so the result is never worse than a plain import.

Footnotes: each time a footnote call is laid out (or a footnote is moved to the next page),
WeasyPrint lays out the whole footnote area again, every footnote of the page so far, only to
learn its height. A page with k footnotes costs k(k+1)/2 footnote layouts; in a letter with
eleven notes that was about a quarter of the render time. `_update_footnote_area` below keeps
WeasyPrint's meaning but measures each footnote once, alone in a copy of the area, and adds the
heights. Heights add up only when nothing can make a footnote's layout depend on its neighbours;
where that is not certain (a footnote with vertical margins, which collapse; an area with a
minimum or maximum height; floats in the formatting context; a footnote that overflows alone)
WeasyPrint's own method runs. The final layout of the area, the one drawn, is WeasyPrint's.
tests/test_pdf.py renders letters with and without the change and compares the PDFs byte for byte.
"""

from __future__ import annotations

import re
import subprocess
import sys
from types import ModuleType


def import_weasyprint() -> ModuleType:
    if "weasyprint" in sys.modules:
        return sys.modules["weasyprint"]
    import ctypes.util

    original = ctypes.util.find_library
    ctypes.util.find_library = _listed_library(_ldconfig_sonames())
    try:
        import weasyprint
    except OSError:
        for name in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
            del sys.modules[name]
        ctypes.util.find_library = original
        import weasyprint
    finally:
        ctypes.util.find_library = original
    _measure_footnotes_once(weasyprint)
    return weasyprint


def _ldconfig_sonames() -> list[str]:
    """The shared libraries the dynamic linker knows (``ldconfig -p``), or none if it cannot run."""
    for exe in ("/sbin/ldconfig", "/usr/sbin/ldconfig", "ldconfig"):
        try:
            listing = subprocess.run([exe, "-p"], capture_output=True, text=True, timeout=10, check=False).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        return re.findall(r"^\s+(lib\S+\.so[^\s]*)\s", listing, re.M)
    return []


def _listed_library(sonames: list[str]):  # type: ignore[no-untyped-def]
    def find_library(name: str) -> str | None:
        """Like ctypes.util.find_library on Linux: 'gobject-2.0' -> 'libgobject-2.0.so.0'."""
        prefix = f"lib{name}.so"
        return next((s for s in sonames if s == prefix or s.startswith(prefix + ".")), None)

    return find_library


def _measure_footnotes_once(weasyprint: ModuleType) -> None:
    from math import inf

    from weasyprint.formatting_structure import build
    from weasyprint.layout import LayoutContext
    from weasyprint.layout.block import block_level_layout

    original = LayoutContext._update_footnote_area
    if getattr(original, "advocate", False):
        return

    def alone(context, area, footnote):  # type: ignore[no-untyped-def]
        """(content height, height of the area's margins, borders and padding) of `area` holding
        `footnote` alone, or None when heights may not add up. Cached per layout and page size."""
        cache = context.__dict__.setdefault("_advocate_footnotes", {})
        key = (id(footnote), area.page.width, area.page.height)
        if key not in cache:
            copy = build.create_anonymous_boxes(area.copy_with_children([footnote]).deepcopy())
            laid = block_level_layout(context, copy, -inf, None, area.page)[0]
            child = laid.children[-1] if laid is not None and len(laid.children) == 1 else None
            additive = (
                child is not None
                and laid.min_height == 0
                and laid.max_height == inf
                and child.margin_top == 0
                and child.margin_bottom == 0
                and child.position_y + child.margin_height() <= laid.content_box_y() + laid.height
            )
            # the footnote itself is kept in the entry, so that its id cannot be reused meanwhile
            cache[key] = (footnote, (laid.height, laid.margin_height() - laid.height) if additive else None)
        return cache[key][1]

    def update_footnote_area(context):  # type: ignore[no-untyped-def]
        area = context.current_footnote_area
        if not context.current_page_footnotes or context.excluded_shapes:
            return update_footnote_area.original(context)
        sizes = [alone(context, area, footnote) for footnote in context.current_page_footnotes]
        if any(size is None for size in sizes):
            return update_footnote_area.original(context)
        if area.height != "auto" and not context.in_column:
            context.page_bottom += area.margin_height()
        area.children = context.current_page_footnotes
        area.height = sum(height for height, _ in sizes)
        if not context.in_column:
            context.page_bottom -= area.height + sizes[0][1]
        return False  # no overflow: each footnote fits its area alone, and the area has no maximum height

    update_footnote_area.advocate = True  # type: ignore[attr-defined]
    update_footnote_area.original = original  # type: ignore[attr-defined]
    LayoutContext._update_footnote_area = update_footnote_area
