"""Importing WeasyPrint quickly, with four costs of WeasyPrint 70 removed.

In: nothing. Out: the `weasyprint` module, imported once per process, with the changes below
made. Call `import_weasyprint` before using WeasyPrint anywhere (a plain ``import weasyprint``
first would make the import slow; the changes are made on the first call either way).

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
where that is not certain (an inline footnote, which shares lines with others; a footnote with
vertical margins, which collapse; an area with a minimum or maximum height; floats in the
formatting context; a footnote that overflows alone)
WeasyPrint's own method runs. The final layout of the area, the one drawn, is WeasyPrint's.

Right-to-left lines: `weasyprint.layout.inline.get_next_linebox` lays a line out, then asks
whether floats push it elsewhere and, if the line moved, lays it out again. For right-to-left
text it compares the line's right edge (cursor + width) with the first cursor plus a width that
is still 0, so the test fails on every line and every Arabic line was laid out twice (Arabic
letters took 1.45 times as long as English ones). The cursor `avoid_collisions` returns is the
right bound in both directions, so the comparison is made as for left-to-right text. The change
is made in WeasyPrint's own source text of that function, and only if the text is found as
expected; otherwise WeasyPrint runs unchanged.

Compression: pydyf, WeasyPrint's PDF writer, compresses every stream at zlib level 9. Level 6,
zlib's default, makes files 0.4% larger and the whole render 3% faster (measured on the bundled
letters in eight languages).

Font subsets: WeasyPrint subsets each embedded font twice with HarfBuzz, first keeping the glyph
ids of the glyphs used, then again keeping every glyph up to the last one used, to drop the
trailing ones and the hinting. HarfBuzz (6.0 here) already ends a retained-ids subset at the last
glyph it keeps, so the second pass only re-encodes a font of tens of thousands of (mostly empty)
glyphs for CJK: 20 ms of each Chinese, Japanese or Korean letter. Here one pass does both (ids
kept, hinting and the same tables dropped). CJK and Latin fonts come out byte for byte the same;
TrueType fonts with composite glyphs keep the components HarfBuzz adds after the last glyph used,
which the second pass would cut off.

The layout changes do not change a byte of any PDF, nor does the subset change for CFF fonts:
tests/test_weasy.py renders with and without them (`as_published`) and compares.
docs/weasyprint.md has the upstream reports.
"""

from __future__ import annotations

import re
import subprocess
import sys
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

TESTED_WITH = "70."
"""The WeasyPrint release the changes below were written against and tested with; with any other,
WeasyPrint runs as published (slower), until the changes are checked again (tests/test_weasy.py
fails on the missing changes)."""

CHANGES: dict[str, tuple[Any, str, Any]] = {}
"""The changes made: name -> (object, attribute, WeasyPrint's own value)."""


def _change(name: str, owner: Any, attribute: str, value: Any) -> None:
    CHANGES[name] = (owner, attribute, getattr(owner, attribute))
    setattr(owner, attribute, value)


@contextmanager
def as_published(*names: str) -> Iterator[None]:
    """WeasyPrint without advocate's changes (all, or those named), while the block runs; for tests."""
    undone = {name: CHANGES[name] for name in names or CHANGES}
    changed = {name: getattr(owner, attribute) for name, (owner, attribute, _) in undone.items()}
    for owner, attribute, original in undone.values():
        setattr(owner, attribute, original)
    try:
        yield
    finally:
        for name, (owner, attribute, _) in undone.items():
            setattr(owner, attribute, changed[name])


def import_weasyprint() -> ModuleType:
    if "weasyprint" not in sys.modules:
        _import_quickly()
    if not CHANGES and sys.modules["weasyprint"].__version__.startswith(TESTED_WITH):
        _measure_footnotes_once()
        _lay_out_rtl_lines_once()
        _compress_at_zlib_default()
        _subset_fonts_in_one_pass()
    return sys.modules["weasyprint"]


def _import_quickly() -> None:
    import ctypes.util
    from importlib import import_module

    original = ctypes.util.find_library
    ctypes.util.find_library = _listed_library(_ldconfig_sonames())
    try:
        import_module("weasyprint")
    except OSError:
        for name in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
            del sys.modules[name]
        ctypes.util.find_library = original
        import_module("weasyprint")
    finally:
        ctypes.util.find_library = original


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


def _measure_footnotes_once() -> None:
    from math import inf

    from weasyprint.formatting_structure import build
    from weasyprint.layout import LayoutContext
    from weasyprint.layout.block import block_level_layout

    def alone(context, area, footnote):  # type: ignore[no-untyped-def]
        """(content height, height of the area's margins, borders and padding) of `area` holding
        `footnote` alone, or None when heights may not add up. Cached per layout, page size and
        area style (a page type may style its footnote area differently)."""
        cache = context.__dict__.setdefault("_advocate_footnotes", {})
        key = (id(footnote), id(area.style), area.page.width, area.page.height)
        if key not in cache and footnote.style["footnote_display"] != "block":  # inline notes share lines
            cache[key] = (footnote, area.style, None)
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
            # the footnote and the style are kept in the entry, so that their ids cannot be reused meanwhile
            cache[key] = (footnote, area.style, (laid.height, laid.margin_height() - laid.height) if additive else None)
        return cache[key][2]

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

    update_footnote_area.original = LayoutContext._update_footnote_area  # type: ignore[attr-defined]
    _change("footnotes", LayoutContext, "_update_footnote_area", update_footnote_area)


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


def _lay_out_rtl_lines_once() -> None:
    import inspect

    from weasyprint.layout import inline

    try:
        lines, first = inspect.getsourcelines(inline.get_next_linebox)
    except (OSError, TypeError):  # no source installed: leave WeasyPrint as it is
        return
    source = "".join(lines)
    if source.count(_RTL_TEST) != 1:  # another WeasyPrint: leave it as it is
        return
    padding = "\n" * (first - 1)  # tracebacks keep WeasyPrint's line numbers (one line fewer after the change)
    namespace: dict[str, object] = {}
    exec(compile(padding + source.replace(_RTL_TEST, _CURSOR_TEST), inline.__file__, "exec"), inline.__dict__, namespace)  # noqa: S102
    _change("rtl-lines", inline, "get_next_linebox", namespace["get_next_linebox"])


class _ZlibAtDefaultLevel:
    """zlib, except that compressobj() ignores the level asked for and uses zlib's default (6)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(zlib, name)

    @staticmethod
    def compressobj(level: int = -1, *args: Any, **kwargs: Any) -> Any:
        return zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, *args, **kwargs)


def _compress_at_zlib_default() -> None:
    import pydyf

    _change("compression", pydyf, "zlib", _ZlibAtDefaultLevel())


_DROPPED_TABLES = (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF", b"LTSH", b"PCLT", b"SVG ")


def _subset_fonts_in_one_pass() -> None:
    from weasyprint.logger import LOGGER
    from weasyprint.pdf.fonts import Font
    from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset
    from weasyprint.text.fonts import get_hb_object_data

    if harfbuzz_subset is None or not hasattr(Font, "_harfbuzz_subset"):  # fontTools does the subsetting
        return
    hb = harfbuzz_subset

    def subset(self, to_unicode, hinting):  # type: ignore[no-untyped-def]
        """WeasyPrint's Font._harfbuzz_subset in one HarfBuzz pass (see the module's docstring)."""
        subset_input = ffi.gc(hb.hb_subset_input_create_or_fail(), hb.hb_subset_input_destroy)
        glyphs = sorted(to_unicode)
        harfbuzz.hb_set_add_sorted_array(
            hb.hb_subset_input_glyph_set(subset_input), ffi.new(f"hb_codepoint_t[{len(glyphs)}]", glyphs), len(glyphs)
        )
        flags = hb.HB_SUBSET_FLAGS_RETAIN_GIDS | hb.HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED | hb.HB_SUBSET_FLAGS_DESUBROUTINIZE
        if not hinting:
            flags |= hb.HB_SUBSET_FLAGS_NO_HINTING
        if self.missing:
            flags |= hb.HB_SUBSET_FLAGS_NOTDEF_OUTLINE
        hb.hb_subset_input_set_flags(subset_input, flags)
        tags = [harfbuzz.hb_tag_from_string(name, -1) for name in _DROPPED_TABLES]
        harfbuzz.hb_set_add_sorted_array(
            hb.hb_subset_input_set(subset_input, hb.HB_SUBSET_SETS_DROP_TABLE_TAG), ffi.new(f"hb_codepoint_t[{len(tags)}]", tags), len(tags)
        )
        face = ffi.gc(hb.hb_subset_or_fail(self.hb_face, subset_input), harfbuzz.hb_face_destroy)
        content = get_hb_object_data(face) if face else None
        if content:
            self.file_content = content
        else:
            LOGGER.warning('Unable to subset "%s" with HarfBuzz', self.family)

    _change("font-subsets", Font, "_harfbuzz_subset", subset)
