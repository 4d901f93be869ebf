"""WeasyPrint 70.0, with three of its costs removed and footnotes kept with their calls, each
change contained and checked.

In: nothing. Out: the `weasyprint` module with the changes below made. Call `import_weasyprint`
before using WeasyPrint anywhere (the changes are made on its first call).

Each change replaces one WeasyPrint function, and only when the installed function's source has
the SHA-256 of the one the change was written and tested against (`Change.sha256`, WeasyPrint
70.0; pyproject.toml pins weasyprint and pydyf exactly). A release that changes the function
runs WeasyPrint as published for that change and logs one debug line ("advocate.weasy").
``ADVOCATE_WEASYPRINT_AS_PUBLISHED=1`` runs WeasyPrint as published, with none of the changes.
Nothing outside WeasyPrint's own functions is changed: no module of the standard library, no
other package. docs/weasyprint.md has each change as an upstream bug report, ready to file.

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
right bound in both directions, so the comparison is made as for left-to-right text: a copy of
the function with that one change, in its own module (generator/render/weasy_inline.py).

Footnotes with their calls: when a line does not fit and widows or orphans forbid breaking
before it, WeasyPrint moves the page's last footnotes to the next page, away from their calls,
whatever `footnote-policy` says. The stylesheet asks for `footnote-policy: line`; a copy of
`weasyprint.layout.block._linebox_layout` (generator/render/weasy_block.py) honours it there too.

Font subsets: WeasyPrint subsets each embedded font twice with HarfBuzz, first keeping the glyph
ids of the glyphs used, then again keeping every glyph up to the last one used, to drop the
trailing ones and the hinting. HarfBuzz (6.0 here) already ends a retained-ids subset at the last
glyph it keeps, so the second pass only re-encodes a font of tens of thousands of (mostly empty)
glyphs for CJK: 20 ms of each Chinese, Japanese or Korean letter. Here one pass does both (ids
kept, hinting and the same tables dropped), and the vertical metrics (VORG, vhea, vmtx) are
dropped too: with glyph ids kept, vmtx holds a metric for each of a CJK face's 65,000 glyph ids
(250 KB per face, subset and then compressed at level 9 for every letter) that horizontal text
never uses (a PDF takes vertical metrics from /W2, not from the font program): about 20 ms of
each CJK letter. The regular Korean face comes out table for table the same, less those three;
TrueType fonts with composite glyphs keep the components HarfBuzz adds after the last glyph used,
which the second pass would cut off, and the Japanese faces keep about 7% more glyph slots, up to
the Japanese forms HarfBuzz's closure adds (the pages look the same).

The layout changes do not change a byte of any PDF, and the subset change no table of a regular
CFF font but the vertical ones: tests/test_weasy.py renders with and without them (`as_published`)
and compares.

Two earlier changes were given up because they reached outside WeasyPrint: pydyf's `zlib`
replaced by one compressing at level 6 (3% faster renders), and `ctypes.util.find_library`
answered from one ``ldconfig -p`` listing during the import (0.3 s of a cold start on a machine
with a compiler; ctypes starts ``gcc`` and ``ld`` for each library name WeasyPrint tries).
"""

from __future__ import annotations

import hashlib
import linecache
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import CodeType, ModuleType
from typing import Any

AS_PUBLISHED_ENV = "ADVOCATE_WEASYPRINT_AS_PUBLISHED"
LOG = logging.getLogger("advocate.weasy")


@dataclass(frozen=True)
class Change:
    """One WeasyPrint function replaced: `owner.attribute`, whose source must hash to `sha256`;
    `guards` are further functions the replacement relies on, checked the same way."""

    name: str
    owner: Callable[[], Any]
    attribute: str
    sha256: str
    replacement: Callable[[Any], Any]  # WeasyPrint's function -> advocate's
    guards: tuple[tuple[Callable[[], Any], str], ...] = ()


CHANGES: dict[str, tuple[Any, str, Any]] = {}
"""The changes made: name -> (object, attribute, WeasyPrint's own value)."""


def _source_sha256(function: Any) -> str | None:
    """The SHA-256 of `function`'s source: its file's lines from its first (the `def` or its first
    decorator) to the last that holds code, nested functions included. The lines are found from
    the code object, not by tokenizing the file as `inspect.getsource` does (19 ms of every cold
    start for the five functions checked)."""
    code = getattr(function, "__code__", None)
    lines = linecache.getlines(code.co_filename) if isinstance(code, CodeType) else []
    if not lines or not isinstance(code, CodeType):  # no source installed
        return None
    last = max(line for each in _code_objects(code) for *_, line in each.co_lines() if line is not None)
    return hashlib.sha256("".join(lines[code.co_firstlineno - 1 : last]).encode()).hexdigest()


def _code_objects(code: CodeType) -> Iterator[CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, CodeType):
            yield from _code_objects(const)


def _make(change: Change) -> None:
    owner = change.owner()
    original = getattr(owner, change.attribute)
    checks = [(original, change.sha256), *((getter(), digest) for getter, digest in change.guards)]
    for function, digest in checks:
        if _source_sha256(function) != digest:
            LOG.debug("weasyprint %s: %s differs from 70.0's; running it as published", change.name, function.__qualname__)
            return
    CHANGES[change.name] = (owner, change.attribute, original)
    setattr(owner, change.attribute, change.replacement(original))


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


_made = False


def import_weasyprint() -> ModuleType:
    global _made
    import weasyprint

    if not _made:
        _made = True
        if not os.environ.get(AS_PUBLISHED_ENV):
            for change in _CHANGE_LIST:
                _make(change)
    return weasyprint


def _footnote_areas_measured_once(original: Any) -> Any:
    from math import inf

    from weasyprint.formatting_structure import build
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

    update_footnote_area.original = original  # type: ignore[attr-defined]
    return update_footnote_area


_DROPPED_TABLES = (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF", b"LTSH", b"PCLT", b"SVG ")
_VERTICAL_TABLES = (b"VORG", b"vhea", b"vmtx")  # after _DROPPED_TABLES in tag order (the array must be sorted)


def _fonts_subset_in_one_pass(original: Any) -> Any:
    from weasyprint.logger import LOGGER
    from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset
    from weasyprint.text.fonts import get_hb_object_data

    if harfbuzz_subset is None:  # fontTools does the subsetting: WeasyPrint's own method stays
        return original
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
        tags = [harfbuzz.hb_tag_from_string(name, -1) for name in (*_DROPPED_TABLES, *_VERTICAL_TABLES)]
        harfbuzz.hb_set_add_sorted_array(
            hb.hb_subset_input_set(subset_input, hb.HB_SUBSET_SETS_DROP_TABLE_TAG), ffi.new(f"hb_codepoint_t[{len(tags)}]", tags), len(tags)
        )
        face = ffi.gc(hb.hb_subset_or_fail(self.hb_face, subset_input), harfbuzz.hb_face_destroy)
        content = get_hb_object_data(face) if face else None
        if content:
            self.file_content = content
        else:
            LOGGER.warning('Unable to subset "%s" with HarfBuzz', self.family)

    return subset


def _footnotes_kept_with_their_calls(original: Any) -> Any:
    from .weasy_block import _linebox_layout

    return _linebox_layout


def _block() -> Any:
    from weasyprint.layout import block

    return block


def _rtl_lines_laid_out_once(original: Any) -> Any:
    from .weasy_inline import get_next_linebox

    return get_next_linebox


def _layout_context() -> Any:
    from weasyprint.layout import LayoutContext

    return LayoutContext


def _block_level_layout() -> Any:
    from weasyprint.layout.block import block_level_layout

    return block_level_layout


def _inline() -> Any:
    from weasyprint.layout import inline

    return inline


def _font() -> Any:
    from weasyprint.pdf.fonts import Font

    return Font


_CHANGE_LIST = (
    Change(
        "footnote-policy",
        _block,
        "_linebox_layout",
        "e07bbe000974787ee370be1f419a01a21b327a1a1e3025a65afd47589060883d",
        _footnotes_kept_with_their_calls,
    ),
    Change(
        "footnotes",
        _layout_context,
        "_update_footnote_area",
        "2e317e4b066fb80cb369a41cd6f054a127722f9961c18ef4d6e1eef93673c4c1",
        _footnote_areas_measured_once,
        guards=((_block_level_layout, "c1301dde9284e24519ee0432b508d6cd79768018d2564d4066f0fdf103982dd6"),),
    ),
    Change(
        "rtl-lines",
        _inline,
        "get_next_linebox",
        "67af458c2545e74f0803072103c6c5d392d5e353dfdaa4f5bac5a96e20ed024d",
        _rtl_lines_laid_out_once,
    ),
    Change(
        "font-subsets",
        _font,
        "_harfbuzz_subset",
        "f80805663ede8080a3e1ffff831e20c74bd25fa3b8e4410334ba807158dc685f",
        _fonts_subset_in_one_pass,
    ),
)
