"""Language typography applied to the finished HTML (generator/render/render.py: typeset): bidi isolates
and left-to-right spans around Latin runs in Arabic, Latin runs in the Latin face in CJK text,
no break inside UN symbols, UNTS references and pinpoints nor before a footnote call, joiners in
CJK dates but never in URLs, apostrophes, escaping; and the same checked on laid-out lines."""

from __future__ import annotations

import re
from html import escape, unescape

import pytest

from generator.core.i18n import comma
from generator.render.render import typeset

LRI, PDI, LRM, WJ, NBSP = "\u2066", "\u2069", "\u200e", "\u2060", "\u00a0"
LTR_SPAN = '<span class="ltr" dir="ltr">'


def _marked(text: str) -> str:
    return text.replace(LRI, "[").replace(PDI, "]").replace(LRM, "~").replace(LTR_SPAN, "{").replace("</span>", "}")


def _arabic(text: str) -> str:
    """`text` (plain) typeset as the body of an Arabic letter, marks made visible."""
    html = typeset(f"<body><p>{escape(text, quote=False)}</p></body>", "ar")
    return _marked(unescape(html.removeprefix("<body><p>").removesuffix("</p></body>"))).replace(NBSP, " ").replace(WJ, "")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a quoted title: a run that may wrap, in a left-to-right span (laid out LTR on every line)
        ("تقرير، ‘UN experts’ (بيان صحفي)", "تقرير، {‘UN experts’} (بيان صحفي)"),
        # publisher then an Arabic date: the opening bracket and the day number stay outside
        ("(The Peninsula, KEI، 28 نوفمبر 2023)؛", "({The Peninsula, KEI}، 28 نوفمبر 2023)؛"),
        ("(The Peninsula, KEI, 28 نوفمبر 2023)", "({The Peninsula, KEI}, 28 نوفمبر 2023)"),
        # a URL in angle brackets: the whole of it, the full stop after it outside
        ("(21 سبتمبر 2023) <https://www.hrw.org/news/2023/09/21/x>.", "(21 سبتمبر 2023) {<https://www.hrw.org/news/2023/09/21/x>}."),
        # a UNTS reference (no-break spaces: cannot wrap) between isolates; a UN symbol without the full stop
        ("1984) 1465 UNTS No 24841 (اتفاقية", "1984) [1465 UNTS No 24841] (اتفاقية"),
        ("وثيقة الأمم المتحدة A/HRC/25/63.", "وثيقة الأمم المتحدة [A/HRC/25/63]."),
        # a Latin word right after an Arabic letter (the conjunction و)
        ("وGlobal Rights Compliance، تقرير", "و{Global Rights Compliance}، تقرير"),
        # a balanced parenthesis (with its LRM) and accented Latin
        ("الإنسان (HRF)، بيان؛ Elizabeth Salmón، المقررة", "الإنسان [(HRF)~]، بيان؛ {Elizabeth Salmón}، المقررة"),
        # numbers alone are left to the Arabic text, and runs are never isolated twice
        ("في 9 أكتوبر 2023", "في 9 أكتوبر 2023"),
        (f"{LRI}UCA{PDI}، تقرير", "[UCA]، تقرير"),
        (f"{LRI}(HRF){LRM}{PDI} بيان", "[(HRF)~] بيان"),
    ],
)
def test_arabic_latin_runs_are_isolated(text: str, expected: str) -> None:
    assert _arabic(text) == expected


def test_typeset_is_idempotent_in_arabic() -> None:
    html = typeset("<body><p>تقرير (HRF) و A/HRC/25/63</p></body>", "ar")
    assert typeset(html, "ar") == html


@pytest.mark.parametrize(
    ("lang", "text", "glued"),
    [
        ("en", "UN Doc A/RES/78/218, art 3(1) of 1465 UNTS 85 (n 4)", ["A/~RES/~78/~218", "art_3(1)", "1465_UNTS_85", "n_4"]),
        ("fr", "doc. ONU A/HRC/25/63, art. 3, par. 1", ["A/~HRC/~25/~63", "art._3,_par._1"]),
        ("es", "1465 UNTS No 24841, art. 3, párr. 1", ["1465_UNTS_No_24841", "art._3,_párr._1"]),
        ("ru", "1465 UNTS No 24841, п. 1 ст. 3", ["1465_UNTS_No_24841", "п._1_ст._3"]),
        ("ar", "الفقرة 1 من المادة 3 و A/HRC/25/63", ["الفقرة_1_من_المادة_3", "A/~HRC/~25/~63"]),
        ("ko", "1465 UNTS No 24841 (고문방지협약), 제3조 제1항", ["1465_UNTS_No_24841", "제~3~조_제~1~항"]),
        ("zh", "1465 UNTS No 24841，第3条第1款", ["1465_UNTS_No_24841", "第~3~条~第~1~款"]),
        ("ja", "A/RES/78/218、第3条1", ["A/~RES/~78/~218", "第~3~条~1"]),
    ],
)
def test_no_break_inside_symbols_treaty_references_and_pinpoints(lang: str, text: str, glued: list[str]) -> None:
    out = unescape(typeset(f"<body><p>{escape(text, quote=False)}</p></body>", lang)).replace(LRI, "").replace(PDI, "").replace(LRM, "")
    out = re.sub(r"</?span[^>]*>", "", out).replace(NBSP, "_").replace(WJ, "~")
    for each in glued:
        assert each in out, (lang, out)


@pytest.mark.parametrize("lang", ["en", "ko", "zh", "ar"])
def test_urls_get_no_joiners_nor_no_break_spaces(lang: str) -> None:
    urls = ["https://undocs.org/A/RES/78/218", "undocs.org/en/A/HRC/25/63", "www.ohchr.org/en/press-releases/2023/10/x-y"]
    out = typeset(f"<body><p>UN Doc A/RES/78/218 {' '.join(urls)} 第3条</p></body>", lang)
    for url in urls:
        assert url in out, (lang, url)


@pytest.mark.parametrize("lang", ["en", "zh", "ko", "ar"])
def test_a_footnote_call_is_joined_to_the_word_before_it(lang: str) -> None:
    out = typeset('<body><p>word.<span class="footnote">n</span> end。 <span class="footnote" lang="x">m</span></p></body>', lang)
    assert out.count(f'{WJ}<span class="footnote"') == 2 and f' {WJ}<span' not in out


def test_latin_runs_in_cjk_text_are_left_to_the_latin_face_and_cjk_marks_to_the_cjk_face() -> None:
    out = typeset("<body><p>反对China's强制遣返 (The Peninsula) 2023年“不驱回”…</p></body>", "zh")
    assert "反对China’s强制遣返 (The Peninsula) 2" in out and "<span" not in out.split('<span class="cjk">“')[0]
    assert '<span class="cjk">“</span>不驱回<span class="cjk">”…</span>' in out
    korean = typeset("<body><p>UN의 ‘보고서’</p></body>", "ko")  # a run touching a Hangul word stays joined to it
    assert f"UN{WJ}의" in korean and f'<span class="cjk">‘</span>{WJ}보{WJ}고{WJ}서{WJ}<span class="cjk">’</span>' in korean
    assert "<span" not in typeset("<body><p>‘A’ “B” — C…</p></body>", "en")  # only in CJK text


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
    assert f"A/{WJ}HRC/{WJ}25/{WJ}63" in out


def test_english_apostrophes_in_other_languages() -> None:
    assert "China’s" in typeset("<body><p>‘Opposing China's Forcible Repatriation’</p></body>", "ko")
    assert "experts’ press" in typeset("<body><p>UN experts' press release</p></body>", "en")


@pytest.mark.parametrize(("lang", "expected"), [("en", ", "), ("ar", "، "), ("zh", "，"), ("ja", "、")])
def test_comma_between_parts_of_an_item(lang: str, expected: str) -> None:
    assert comma(lang) == expected


def _lines(html: str, width_mm: int) -> list[list[tuple[bool, str]]]:
    """Each laid-out line of `html` (typeset for its language, with the bundle's stylesheet, on a
    page `width_mm` wide) as its (inside a footnote call?, text) leaves in order."""
    from generator.core.workspace import BUNDLED
    from generator.render.weasy import import_weasyprint

    weasyprint = import_weasyprint()
    page = weasyprint.CSS(string=f"@page {{ size: {width_mm}mm 400mm; margin: 5mm }}")
    style = weasyprint.CSS(filename=str(BUNDLED / "letters" / "_base" / "style.css"))
    document = weasyprint.HTML(string=html).render(stylesheets=[style, page])
    lines: list[list[tuple[bool, str]]] = []

    def walk(box, line, call):  # type: ignore[no-untyped-def]
        call = call or (box.element_tag or "").endswith("::footnote-call")
        if type(box).__name__ == "LineBox":
            line = []
            lines.append(line)
        if line is not None and hasattr(box, "text"):
            line.append((call, box.text))
        for child in getattr(box, "children", ()):
            walk(child, line, call)

    for page_ in document.pages:
        walk(page_._page_box, None, False)
    return lines


@pytest.mark.parametrize("lang", ["en", "ko", "zh", "ar"])
def test_laid_out_lines_never_break_a_symbol_nor_start_with_a_call(lang: str) -> None:
    words = {"en": "the report of the", "ko": "유엔 인권이사회 보고서", "zh": "联合国人权理事会的报告"}.get(lang, "تقرير مجلس حقوق الإنسان")
    sentence = f'{words} A/RES/78/218 {words} 1465 UNTS No 24841, art 3(1)。<span class="footnote">note</span> '
    html = typeset(f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}"><body><p>{sentence * 6}</p></body></html>', lang)
    for width in range(40, 90, 3):
        lines = _lines(html, width)
        texts = ["".join(text for _, text in line).replace(WJ, "") for line in lines]
        assert sum(text.count("A/RES/78/218") for text in texts) == 6, (width, texts)
        assert sum(text.count("1465\u00a0UNTS\u00a0No\u00a024841") for text in texts) == 6, (width, texts)
        assert not any(line and line[0][0] for line in lines), (width, texts)


def test_french_spacing_before_double_punctuation_is_narrow_and_unbreakable() -> None:
    """French: a narrow no-break space before ; : ! ? » and after «, where a space was typed and
    before a semicolon between items (notes, the mandates in a subject); never in a URL, an
    English title's colon or an entity written as text; other languages, Canadian French's
    semicolons, unchanged."""
    html = (
        "<p>Objet : Lettre ; « Aucun » ! Quoi ? Corée; Groupe (13 octobre 2023); Yonhap</p>"
        "<p><span lang=\"en\">China: No Letup</span> &lt;https://example.org/a?b=1;c&gt;; fin &amp;gt; x</p>"
    )
    french = typeset(html, "fr")
    assert "Objet\u202f: Lettre\u202f; «\u202fAucun\u202f»\u202f! Quoi\u202f? Corée\u202f; Groupe (13 octobre 2023)\u202f; Yonhap" in french
    assert "China: No Letup" in french and "https://example.org/a?b=1;c&gt;\u202f; fin &amp;gt; x" in french
    assert "\u202f" not in typeset(html, "en") and "Corée; Groupe" in typeset(html, "fr_CA")
