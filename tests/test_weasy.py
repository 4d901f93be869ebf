"""The footnote-area change in generator/weasy.py: the PDFs are byte for byte those WeasyPrint
makes without it, both where it measures footnotes one by one and where it falls back to
WeasyPrint's own method."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from generator.build import build_letter, load
from generator.compose import LetterRequest
from generator.weasy import import_weasyprint
from generator.workspace import open_workspace

import_weasyprint()
from weasyprint import HTML  # noqa: E402
from weasyprint.layout import LayoutContext  # noqa: E402

DATE = dt.date(2026, 11, 23)


def _both(render: Any) -> tuple[bytes, bytes, int]:
    """render() with the change, then with WeasyPrint's method only; and how many times the change
    fell back to WeasyPrint's method."""
    patched: Any = LayoutContext._update_footnote_area
    assert getattr(patched, "advocate", False), "the footnote change is not installed"
    original = patched.original
    fallbacks = 0

    def counting(context: Any) -> Any:
        nonlocal fallbacks
        fallbacks += 1
        return original(context)

    patched.original = counting
    try:
        changed = render()
        LayoutContext._update_footnote_area = original
        plain = render()
    finally:
        LayoutContext._update_footnote_area = patched
        patched.original = original
    return changed, plain, fallbacks


@pytest.mark.parametrize(
    ("letter", "to", "lang"),
    [
        ("china-nonrefoulement", "cn-president", "en"),
        ("china-nonrefoulement", "cn-president", "ar"),
        ("dprk-whereabouts", "kp-mfa", "ko"),
        ("un-special-procedures", "sr-dprk", "en"),
        ("third-committee-missions", "pm-jp-geneva", "ja"),
    ],
)
def test_letters_are_byte_identical(letter: str, to: str, lang: str) -> None:
    loaded = load(open_workspace(None))
    request = LetterRequest(letter, to, lang, {}, DATE)
    changed, plain, fallbacks = _both(lambda: build_letter(loaded, request).pdf)
    assert changed == plain
    assert fallbacks == 0  # the bundled stylesheet's footnotes are all measured one by one


def _many_notes(style: str) -> str:
    """Forty paragraphs with footnotes of different lengths: notes move to the next page, pages
    end on a footnote call."""
    paragraphs = []
    for i in range(40):
        note = " ".join(["A footnote that runs over several lines to fill the area."] * (1 + i % 6))
        words = " ".join(["Body text of the letter, long enough to be set on a few lines."] * (2 + i % 3))
        paragraphs.append(f'<p>{words}<span class="fn">{note}</span> {words}<span class="fn">Ibid.</span></p>')
    css = f"@page {{ size: A5; margin: 15mm; @footnote {{ border-top: 0.5pt solid; padding-top: 2pt }} }} .fn {{ float: footnote; {style} }}"
    return f"<html lang='en'><head><style>{css}</style></head><body>{''.join(paragraphs)}</body></html>"


def _pdf(html: str) -> bytes:
    return HTML(string=html).write_pdf()


def test_many_footnotes_across_pages() -> None:
    changed, plain, fallbacks = _both(lambda: _pdf(_many_notes("")))
    assert changed == plain
    assert fallbacks == 0


@pytest.mark.parametrize("style", ["margin-top: 3pt", "margin-bottom: 2pt"])
def test_footnotes_with_margins_fall_back(style: str) -> None:
    """Vertical margins collapse between footnotes: heights do not add up, WeasyPrint's method runs."""
    changed, plain, fallbacks = _both(lambda: _pdf(_many_notes(style)))
    assert changed == plain
    assert fallbacks > 0


def test_area_with_a_maximum_height_falls_back() -> None:
    html = _many_notes("").replace("padding-top: 2pt", "padding-top: 2pt; max-height: 40mm")
    changed, plain, fallbacks = _both(lambda: _pdf(html))
    assert changed == plain
    assert fallbacks > 0
