"""Language typography applied to the finished HTML (generator/render.py: typeset): bidi isolates
around Latin runs in Arabic, joiners in CJK dates but never in URLs, apostrophes, escaping."""

from __future__ import annotations

import pytest

from generator.i18n import comma
from generator.render import isolate_latin, typeset

LRI, PDI, LRM, WJ = "\u2066", "\u2069", "\u200e", "\u2060"


def _marked(text: str) -> str:
    return text.replace(LRI, "[").replace(PDI, "]").replace(LRM, "~")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a quoted title: the pair of quotation marks inside, the closing mark followed by an LRM
        ("تقرير، ‘UN experts’ (بيان صحفي)", "تقرير، [‘UN experts’~] (بيان صحفي)"),
        # publisher then an Arabic date: the opening bracket and the day number stay outside
        ("(The Peninsula, KEI، 28 نوفمبر 2023)؛", "([The Peninsula, KEI]، 28 نوفمبر 2023)؛"),
        ("(The Peninsula, KEI, 28 نوفمبر 2023)", "([The Peninsula, KEI], 28 نوفمبر 2023)"),
        # a URL in angle brackets: the whole of it, the full stop after it outside
        ("(21 سبتمبر 2023) <https://www.hrw.org/news/2023/09/21/x>.", "(21 سبتمبر 2023) [<https://www.hrw.org/news/2023/09/21/x>~]."),
        # a UNTS reference keeps its number; a UN symbol its digits, without the full stop
        ("1984) 1465 UNTS No 24841 (اتفاقية", "1984) [1465 UNTS No 24841] (اتفاقية"),
        ("وثيقة الأمم المتحدة A/HRC/25/63.", "وثيقة الأمم المتحدة [A/HRC/25/63]."),
        # a Latin word right after an Arabic letter (the conjunction و)
        ("وGlobal Rights Compliance، تقرير", "و[Global Rights Compliance]، تقرير"),
        # a balanced parenthesis and accented Latin
        ("الإنسان (HRF)، بيان؛ Elizabeth Salmón، المقررة", "الإنسان [(HRF)~]، بيان؛ [Elizabeth Salmón]، المقررة"),
        # numbers alone are left to the Arabic text, and runs are never isolated twice
        ("في 9 أكتوبر 2023", "في 9 أكتوبر 2023"),
        (f"{LRI}UCA News{PDI}، تقرير", "[UCA News]، تقرير"),
        (isolate_latin("‘UN experts’ (بيان)"), "[‘UN experts’~] (بيان)"),
    ],
)
def test_arabic_latin_runs_are_isolated(text: str, expected: str) -> None:
    assert _marked(isolate_latin(text)) == expected


def test_typeset_keeps_escaping_and_markup() -> None:
    html = "<html><head><title>A &amp; B</title></head><body><p>Tom &amp; Jerry &lt;x@example.org&gt; “People's”</p></body></html>"
    for lang in ("en", "ar", "zh", "ko"):
        out = typeset(html, lang)
        assert "<title>A &amp; B</title>" in out
        assert "&lt;" in out and "&gt;" in out and "<x@" not in out, lang
    assert "People’s" in typeset(html, "en")


def test_cjk_dates_get_joiners_and_urls_do_not() -> None:
    html = "<body><p>见2023年9月21日的信 https://www.hrw.org/news/2023/09/21/letter 及 A/HRC/25/63。</p></body>"
    out = typeset(html, "zh")
    assert f"2{WJ}0{WJ}2{WJ}3{WJ}年{WJ}9{WJ}月" in out
    assert "https://www.hrw.org/news/2023/09/21/letter" in out
    assert "A/HRC/25/63" in out


def test_english_apostrophes_in_other_languages() -> None:
    assert "China’s" in typeset("<body><p>‘Opposing China's Forcible Repatriation’</p></body>", "ko")
    assert "experts’ press" in typeset("<body><p>UN experts' press release</p></body>", "en")


@pytest.mark.parametrize(("lang", "expected"), [("en", ", "), ("ar", "، "), ("zh", "，"), ("ja", "、")])
def test_comma_between_parts_of_an_item(lang: str, expected: str) -> None:
    assert comma(lang) == expected
