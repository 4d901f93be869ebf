"""Importing WeasyPrint quickly, with two layout costs of WeasyPrint 70 removed.

In: nothing. Out: the `weasyprint` module, imported once per process. Import it through
`import_weasyprint` only (never ``import weasyprint`` first), so that the changes below apply.

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

Right-to-left lines: `weasyprint.layout.inline.get_next_linebox` lays a line out, then asks
whether floats push it elsewhere and, if the line moved, lays it out again. For right-to-left
text it compares the line's right edge (cursor + width) with the first cursor plus a width that
is still 0, so the test fails on every line and every Arabic line was laid out twice (Arabic
letters took 1.45 times as long as English ones). The cursor `avoid_collisions` returns is the
right bound in both directions, so the comparison is made as for left-to-right text. The change
is made in WeasyPrint's own source text of that function, and only if the text is found as
expected; otherwise WeasyPrint runs unchanged. Both changes are reported upstream in
docs/weasyprint.md; tests/test_weasy.py renders with and without them and compares the PDFs byte
for byte.
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
    _lay_out_rtl_lines_once(weasyprint)
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


_RTL_TEST = """\
        if containing_block.style['direction'] == 'ltr':
            condition = (position_x, position_y) == (
                original_position_x, original_position_y)
        else:
            condition = (position_x + line.width, position_y) == (
                original_position_x + original_width, original_position_y)
"""
_CURSOR_TEST = """\
        # advocate (generator/weasy.py): avoid_collisions gives the cursor in both directions
        condition = (position_x, position_y) == (original_position_x, original_position_y)
"""


def _lay_out_rtl_lines_once(weasyprint: ModuleType) -> None:
    import inspect

    from weasyprint.layout import inline

    original = inline.get_next_linebox
    if getattr(original, "advocate", False):
        return
    try:
        lines, first = inspect.getsourcelines(original)
    except (OSError, TypeError):  # no source installed: leave WeasyPrint as it is
        return
    source = "".join(lines)
    if source.count(_RTL_TEST) != 1:  # another WeasyPrint: leave it as it is
        return
    padding = "\n" * (first - 1)  # tracebacks keep WeasyPrint's line numbers (one line fewer after the change)
    namespace: dict[str, object] = {}
    exec(compile(padding + source.replace(_RTL_TEST, _CURSOR_TEST), inline.__file__, "exec"), inline.__dict__, namespace)  # noqa: S102
    changed = namespace["get_next_linebox"]
    changed.advocate = True  # type: ignore[attr-defined]
    changed.original = original  # type: ignore[attr-defined]
    inline.get_next_linebox = changed
