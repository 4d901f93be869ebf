"""The changes to WeasyPrint in generator/render/weasy.py. The layout changes (footnote areas measured
once per footnote, right-to-left lines laid out once) leave the PDFs byte for byte as WeasyPrint
makes them, both where footnotes are measured one by one and where WeasyPrint's own method runs.
Each change is made only over the exact function it was written against, and nothing outside
WeasyPrint's own functions is changed."""

from __future__ import annotations

import ctypes.util
import datetime as dt
import logging
import os
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest

from generator.compose.build import build_letter
from generator.core.letter import LetterRequest
from generator.core.workspace import open_workspace
from generator.load.loaded import load
from generator.render import weasy
from generator.render.weasy import AS_PUBLISHED_ENV, CHANGES, Change, as_published, import_weasyprint

import_weasyprint()
from weasyprint import HTML  # noqa: E402
from weasyprint.layout import LayoutContext, inline  # noqa: E402

DATE = dt.date(2026, 11, 23)


class Counts:
    fallbacks = 0  # footnote areas measured by WeasyPrint's own method
    lines = 0  # text boxes split into lines


def _both(render: Any) -> tuple[bytes, bytes, Counts, Counts]:
    """render() with the layout changes, then with WeasyPrint's own layout; and what each counted.
    Both are compressed and subset alike (those changes stay), so the bytes can be compared."""
    assert set(CHANGES) == {"footnotes", "footnote-policy", "rtl-lines", "font-subsets"}, "a change to WeasyPrint is not installed"
    footnotes: Any = LayoutContext._update_footnote_area
    original, split = footnotes.original, inline.split_first_line
    counts = Counts()

    def fallback(context: Any) -> Any:
        counts.fallbacks += 1
        return original(context)

    def counting_split(*args: Any, **kwargs: Any) -> Any:
        counts.lines += 1
        return split(*args, **kwargs)

    footnotes.original, inline.split_first_line = fallback, counting_split
    try:
        changed = render()
        changed_counts, counts = counts, Counts()
        with as_published("footnotes", "rtl-lines"):
            plain = render()
    finally:
        footnotes.original, inline.split_first_line = original, split
    return changed, plain, changed_counts, counts


@pytest.mark.parametrize(
    ("letter", "to", "lang"),
    [
        ("china-nonrefoulement", "cn-president", "en"),
        ("china-nonrefoulement", "cn-president", "ar"),
        ("dprk-whereabouts", "kp-mfa", "ko"),
        ("un-special-procedures", "sr-dprk", "en"),
        ("third-committee-missions", "pm-jp-ny", "ja"),
    ],
)
def test_letters_are_byte_identical(letter: str, to: str, lang: str) -> None:
    loaded = load(open_workspace(None))
    request = LetterRequest(letter=letter, addressee=to, lang=lang, variables={}, date=DATE)
    changed, plain, counts, _ = _both(lambda: build_letter(loaded, request).pdf)
    assert changed == plain
    assert counts.fallbacks == 0  # the bundled stylesheet's footnotes are all measured one by one


def _many_notes(style: str) -> str:
    """Forty paragraphs with footnotes of different lengths: notes move to the next page, pages
    end on a footnote call."""
    paragraphs = []
    for i in range(40):
        note = " ".join(["A footnote that runs over several lines to fill the area."] * (1 + i % 6))
        words = " ".join(["Body text of the letter, long enough to be set on a few lines."] * (2 + i % 3))
        paragraphs.append(f'<p>{words}<span class="fn">{note}</span> {words}<span class="fn">Ibid.</span></p>')
    area = "border-top: 0.5pt solid; padding-top: 2pt"
    css = f"@page {{ size: A5; margin: 15mm; @footnote {{ {area} }} }} .fn {{ float: footnote; {style} }}"
    return f"<html lang='en'><head><style>{css}</style></head><body>{''.join(paragraphs)}</body></html>"


def _pdf(html: str) -> bytes:
    return HTML(string=html).write_pdf()


def test_many_footnotes_across_pages() -> None:
    changed, plain, counts, _ = _both(lambda: _pdf(_many_notes("")))
    assert changed == plain
    assert counts.fallbacks == 0


@pytest.mark.parametrize("style", ["margin-top: 3pt", "margin-bottom: 2pt", "footnote-display: inline"])
def test_footnotes_with_margins_or_inline_fall_back(style: str) -> None:
    """Vertical margins collapse between footnotes, inline footnotes share lines: heights do not
    add up, WeasyPrint's method runs."""
    changed, plain, counts, _ = _both(lambda: _pdf(_many_notes(style)))
    assert changed == plain
    assert counts.fallbacks > 0


def test_area_with_a_maximum_height_falls_back() -> None:
    html = _many_notes("").replace("padding-top: 2pt", "padding-top: 2pt; max-height: 40mm")
    changed, plain, counts, _ = _both(lambda: _pdf(html))
    assert changed == plain
    assert counts.fallbacks > 0


@pytest.mark.parametrize(("lang", "share"), [("ar", 0.6), ("en", 1.0)])
def test_right_to_left_lines_are_laid_out_once(lang: str, share: float) -> None:
    """WeasyPrint splits every Arabic line twice; with the change, once (English is unchanged)."""
    loaded = load(open_workspace(None))
    request = LetterRequest(letter="china-nonrefoulement", addressee="cn-president", lang=lang, variables={}, date=DATE)
    changed, plain, counts, plain_counts = _both(lambda: build_letter(loaded, request).pdf)
    assert changed == plain
    assert counts.lines <= plain_counts.lines * share


def test_nothing_outside_weasyprints_functions_is_changed() -> None:
    import pydyf

    assert pydyf.zlib is zlib
    assert ctypes.util.find_library.__module__ == "ctypes.util"
    for owner, attribute, original in CHANGES.values():
        assert getattr(owner, "__module__", getattr(owner, "__name__", "")).startswith("weasyprint.")
        assert getattr(owner, attribute) is not original


def test_a_change_over_a_different_function_is_not_made(caplog: pytest.LogCaptureFixture) -> None:
    """A WeasyPrint release whose function differs (here: a hash that cannot match) keeps its own."""

    class Owner:
        @staticmethod
        def function() -> str:
            return "published"

    change = Change("test", lambda: Owner, "function", "0" * 64, lambda original: lambda: "changed")
    with caplog.at_level(logging.DEBUG, logger="advocate.weasy"):
        weasy._make(change)
    assert Owner.function() == "published" and "test" not in CHANGES
    assert "running it as published" in caplog.text

    digest = weasy._source_sha256(Owner.function)
    assert digest is not None
    weasy._make(Change("test", lambda: Owner, "function", digest, lambda original: lambda: "changed"))
    try:
        assert Owner.function() == "changed"  # the same function, hashed alike: changed
    finally:
        del CHANGES["test"]


def test_environment_switch_runs_weasyprint_as_published() -> None:
    code = "from generator.render.weasy import CHANGES, import_weasyprint; import_weasyprint(); print(sorted(CHANGES))"
    env = {**os.environ, AS_PUBLISHED_ENV: "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    env.pop(AS_PUBLISHED_ENV)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['font-subsets', 'footnote-policy', 'footnotes', 'rtl-lines']"


def _pages(pdf: bytes, folder: Path, name: str) -> list[bytes]:
    (folder / f"{name}.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(folder / f"{name}.pdf"), str(folder / name)], check=True)
    return [page.read_bytes() for page in sorted(folder.glob(f"{name}-*.png"))]


@pytest.mark.parametrize("lang", ["ko", "ja", "ar"])
def test_fonts_are_subset_in_one_pass(lang: str, tmp_path: Path) -> None:
    """The regular Korean (CFF) face comes out as from WeasyPrint's two passes, table for table, less
    the vertical metrics (VORG, vhea, vmtx: a quarter of a megabyte per face, unused in horizontal
    text); TrueType fonts (Arabic, and Noto Serif for the Latin runs of CJK letters) keep a few more
    glyphs (components past the last glyph used), and so do the Japanese faces (glyph slots up to
    the Japanese forms HarfBuzz's closure adds past the last glyph used); every page looks the same."""
    loaded = load(open_workspace(None))
    request = LetterRequest(letter="dprk-whereabouts", addressee="kp-mfa", lang=lang, variables={}, date=DATE)
    changed = build_letter(loaded, request).pdf
    with as_published("font-subsets"):
        plain = build_letter(loaded, request).pdf
    assert changed is not None and plain is not None
    assert len(plain) * 0.97 < len(changed) < len(plain) * 1.04  # ar: +0.3%; ja: +3.1% (Noto Serif's composite glyphs)
    if lang == "ko":
        ours, theirs = _cff_fonts(changed), _cff_fonts(plain)
        assert ours.keys() == theirs.keys() != set()
        for name, tables in ours.items():
            assert {"VORG", "vhea", "vmtx"} <= theirs[name].keys()
            assert tables == {tag: data for tag, data in theirs[name].items() if tag not in ("VORG", "vhea", "vmtx")}
    assert _pages(changed, tmp_path, "changed") == _pages(plain, tmp_path, "plain")


@pytest.mark.parametrize("lang", ["zh", "ja", "ko"])
def test_cjk_fonts_carry_no_vertical_metrics(lang: str) -> None:
    """Each CJK face (regular and bold) is embedded without VORG, vhea and vmtx, which kept a
    vertical metric for every one of its 65,000 glyph ids; and its subset is smaller for it."""
    loaded = load(open_workspace(None))
    request = LetterRequest(letter="china-nonrefoulement", addressee="cn-president", lang=lang, variables={}, date=DATE)
    pdf = build_letter(loaded, request).pdf
    assert pdf is not None
    programs = _cff_programs(pdf)
    assert {name.endswith("-Bold") for name in programs} == {True, False}  # both faces are embedded
    for data in programs.values():
        assert not {"VORG", "vhea", "vmtx"} & _tables(data).keys()
        assert len(data) < 700_000  # 879,000 and 771,000 bytes (ja) with the vertical metrics


def _cff_programs(pdf: bytes, bold: bool = True) -> dict[str, bytes]:
    """The embedded CFF font programs (FontFile3) of `pdf`'s first page by name (bold ones only if `bold`)."""
    import io

    from pypdf import PdfReader

    fonts = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"]
    descriptors = [font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"] for font in fonts.values()]
    return {
        str(d["/FontName"]): d["/FontFile3"].get_object().get_data()
        for d in descriptors
        if "/FontFile3" in d and (bold or not str(d["/FontName"]).endswith("-Bold"))
    }


def _tables(data: bytes) -> dict[str, bytes]:
    """The tables of an OpenType font program, raw, by tag; `head` without its whole-file checksum."""
    import io

    from fontTools.ttLib import TTFont

    reader = TTFont(io.BytesIO(data), lazy=True).reader
    tables = {str(tag): reader[tag] for tag in reader.keys()}
    tables["head"] = tables["head"][:8] + tables["head"][12:]  # checkSumAdjustment covers the whole file
    return tables


def _cff_fonts(pdf: bytes) -> dict[str, dict[str, bytes]]:
    """The tables of the embedded regular (not bold) CFF font programs of `pdf`'s first page, by name."""
    return {name: _tables(data) for name, data in _cff_programs(pdf, bold=False).items()}


def test_first_page_with_its_own_footnote_area() -> None:
    """A page type that styles its footnote area differently (more padding on the first page)."""
    first = "@page :first { @footnote { padding-top: 36pt; border-top: 2pt solid } } "  # a note moves from page 1 to page 2
    html = _many_notes("").replace("@page {", first + "@page {", 1)
    changed, plain, counts, _ = _both(lambda: _pdf(html))
    assert changed == plain
    assert counts.fallbacks == 0
