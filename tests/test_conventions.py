"""Diplomatic conventions per recipient and language (compose.closing_of, the catalogues' audience
and gender variants, state names in their case, the sender per language) and the prose rules
(one attribution, the DPRK after its definition, counts in words)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import pytest

from generator.compose.addressee import official_salutation, usage_of
from generator.compose.build import build_letter
from generator.core.letter import LetterRequest
from generator.core.models import Addressee
from generator.core.schema import convert
from generator.core.workspace import open_workspace
from generator.load.loaded import load
from generator.translate.runtime import recorder

DATE = dt.date(2026, 3, 2)
LANGS = ["en", "fr", "es", "zh", "ja", "ko", "ru", "ar"]
# What marks the diplomatic formula, and every complimentary close, in each language.
FORMULA = {
    "en": "highest consideration",
    "fr": "très haute considération",
    "es": "más alta consideración",
    "zh": "崇高的敬意",
    "ja": "最高の敬意",
    "ko": "최고의 경의",
    "ru": "самом высоком уважении",
    "ar": "فائق الاحترام والتقدير",
}
CLOSES = ["Yours sincerely", "Sincerely", "Respectueusement", "Atentamente", "此致", "敬礼", "삼가 드림"]
CLOSES += ["С уважением", "مع خالص التحية"]


def html_of(letter: str, to: str, lang: str, **variables: object) -> str:
    request = LetterRequest(letter=letter, addressee=to, lang=lang, variables=dict(variables), date=DATE)
    return build_letter(load(open_workspace(None)), request, "html").html


def closing_paragraphs(html: str) -> list[str]:
    closing = re.search(r'<div class="closing">(.*?)</div>', html, re.S)
    assert closing is not None
    return [p.replace("\u202f", " ").replace("\u2060", "") for p in re.findall(r"<p>(.*?)</p>", closing.group(1), re.S)]


def body_text(html: str) -> str:
    """The letter's body without its footnotes and tags."""
    body = re.search(r'<div class="body">(.*?)</div>\s*<div class="signoff">', html, re.S)
    assert body is not None
    return re.sub(r"<[^>]+>", "", without_footnotes(body.group(1))).replace("\u2060", "")


def without_footnotes(html: str) -> str:
    """`html` without its footnote elements (which hold spans of their own)."""
    out, pos, start = [], 0, '<span class="footnote">'
    while (i := html.find(start, pos)) >= 0:
        out.append(html[pos:i])
        depth, j = 0, i
        for tag in re.finditer(r"<span\b|</span>", html[i:]):
            depth += 1 if tag.group() == "<span" else -1
            if depth == 0:
                j = i + tag.end()
                break
        pos = j
    return "".join(out) + html[pos:]


@pytest.mark.parametrize("lang", LANGS)
def test_a_letter_to_a_government_closes_once_with_the_formula(lang: str) -> None:
    paragraphs = closing_paragraphs(html_of("third-government", "jp-mofa", lang))
    assert len(paragraphs) == 1 and FORMULA[lang] in paragraphs[0], paragraphs
    assert not any(close in paragraphs[0] for close in CLOSES)
    assert paragraphs[0].count("敬具") == (1 if lang == "ja" else 0)  # (closes the 拝啓 of the opening, once)


def test_a_letter_to_a_un_mandate_closes_with_the_complimentary_close_only() -> None:
    paragraphs = closing_paragraphs(html_of("un-special-procedures", "sr-dprk", "en"))
    assert paragraphs == ["Yours sincerely,"]


def test_us_official_in_english_is_written_to_in_us_usage() -> None:
    html = html_of("third-government", "us-state", "en")
    assert '<p class="salutation">Dear Mr. Secretary:</p>' in html
    assert closing_paragraphs(html) == ["Sincerely,"]


def test_us_usage_follows_state_kind_and_language_not_the_key() -> None:
    woman = convert(Addressee,
        {"key": "any-key", "kind": "ministry", "state": "US", "gender": "female",
         "title": {"en": "Secretary of Homeland Security of the United States of America"}, "salutation": {"en": "Your Excellency"}}
    )  # fmt: skip
    usage = usage_of(woman, "en")
    assert usage is not None and official_salutation(woman, usage) == "Dear Madam Secretary:"
    assert usage_of(woman, "fr") is None  # a French letter keeps the diplomatic forms
    mission = dataclasses.replace(woman, kind="permanent_mission")
    assert usage_of(mission, "en") is None
    assert closing_paragraphs(html_of("third-committee-missions", "pm-us-ny", "en")) == [
        "Please accept, Excellency, the assurances of our highest consideration."
    ]


def test_korean_terms_follow_the_audience() -> None:
    to_seoul = body_text(html_of("third-government", "kr-mou", "ko"))
    assert "북한" in to_seoul and "조선민주주의인민공화국" not in to_seoul
    assert '<p class="salutation">존경하는 장관님,</p>' in html_of("third-government", "kr-mou", "ko").replace("\u2060", "")
    to_pyongyang = body_text(html_of("dprk-whereabouts", "kp-mfa", "ko"))
    assert "조선민주주의인민공화국" in to_pyongyang and "북한" not in to_pyongyang and "탈북" not in to_pyongyang


def test_japanese_letter_to_the_dprk_never_says_kita_chosen() -> None:
    to_pyongyang = body_text(html_of("dprk-whereabouts", "kp-mfa", "ja"))
    assert "北朝鮮" not in to_pyongyang and "朝鮮民主主義人民共和国の国民" in to_pyongyang
    assert "北朝鮮出身者" in body_text(html_of("third-government", "jp-mofa", "ja"))  # Japan's own usage, to Tokyo


def test_russian_state_names_take_the_case_of_the_sentence() -> None:
    text = body_text(html_of("third-government", "jp-mofa", "ru"))
    assert "из Китая в Корейскую Народно-Демократическую Республику (КНДР)" in text
    text = body_text(html_of("dprk-whereabouts", "kp-mfa", "ru"))
    assert "с гражданами Корейской Народно-Демократической Республики (КНДР)" in text
    assert "в КНДР, в которой" in text
    assert "в государстве Корейская" not in text


def test_an_unknown_case_is_an_error_at_its_template_line() -> None:
    from generator.compose.compose import Runtime

    runtime = Runtime(load(open_workspace(None)).library, "ru", DATE, None)
    assert runtime.state("CN", case="genitive") == "Китая"
    assert runtime.state("CN", case="locative") == "Китай"
    assert any("unknown case 'locative'" in p.message for p in runtime.problems)


def test_arabic_agrees_with_a_woman_special_rapporteur() -> None:
    # the submission itself is refused in Arabic (OHCHR takes en, fr, es): its French salutation
    # agrees; the Arabic letters name her in the feminine
    assert "Madame la Rapporteuse spéciale" in html_of("un-special-procedures", "sr-dprk", "fr")
    assert "المقررة الخاصة المعنية بحالة حقوق الإنسان" in html_of("third-committee-missions", "pm-th-ny", "ar")
    messages = recorder(open_workspace(None), "ar")
    assert messages.pgettext("salutation", "Dear Special Rapporteur") == "السيد المقرر الخاص المحترم"
    messages.variants = ("feminine",)
    assert messages.pgettext("salutation", "Dear Special Rapporteur") == "السيدة المقررة الخاصة المحترمة"


def test_the_sender_prints_in_the_letters_language() -> None:
    html = html_of("china-nonrefoulement", "cn-president", "zh")
    assert "朝鲜难民问题示例联盟" in html and '<div class="signer-title">执行主任</div>' in html
    assert "Example Coalition for North Korean Refugees" not in html
    assert "Example Coalition for North Korean Refugees" in html_of("china-nonrefoulement", "cn-president", "en")


def test_check_warns_about_a_letter_language_without_a_sender_entry(workspace: Path, run) -> None:  # type: ignore[no-untyped-def]
    from _helpers import set_languages

    assert run("--workspace", workspace, "i18n", "init", "zh")[0] == 0
    set_languages(workspace, "[en, zh]")
    _code, out, err = run("--workspace", workspace, "check")
    assert re.search(r"advocate\.toml:\d+: no \[sender\.lang\.XX\] for [a-z, ]*zh", out + err), out + err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('[sender.lang.xx-bad]\nname = "X"\n', "is not a language tag"),
        ('[sender.lang.fr]\nname = "X"\n[[sender.lang.fr.signers]]\nname = "A"\n[[sender.lang.fr.signers]]\nname = "B"\n', "signer(s)"),
    ],
)
def test_a_bad_sender_language_entry_is_one_error_line(workspace: Path, run, extra: str, message: str) -> None:  # type: ignore[no-untyped-def]
    config = workspace / "advocate.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n" + extra, encoding="utf-8")
    code, _out, err = run("--workspace", workspace, "check")
    assert code != 0 and "advocate.toml:" in err and message in err and "Traceback" not in err


@pytest.mark.parametrize("lang", LANGS)
def test_the_attribution_is_not_repeated(lang: str) -> None:
    text = body_text(html_of("china-nonrefoulement", "cn-president", lang))
    marker = "جيه إم" if lang == "ar" else "J.M."
    assert text.count(marker) == 1, text[:600]


@pytest.mark.parametrize(("letter", "to"), [("china-nonrefoulement", "cn-president"), ("third-government", "us-state"),
                                            ("third-committee-missions", "pm-kr-ny"), ("dprk-whereabouts", "kp-mfa")])  # fmt: skip
def test_the_dprk_is_not_spelled_out_again_after_its_definition(letter: str, to: str) -> None:
    text = body_text(html_of(letter, to, "en"))
    after = text.split("(DPRK)", 1)[1]
    unquoted = re.sub(r"“[^”]*”", "", after)
    facts = unquoted.split("The obligations of")[0]  # (the obligations sections state the respondent's name in full)
    assert "Democratic People’s Republic of Korea" not in facts


@pytest.mark.parametrize(
    ("lang", "hidden", "expected"),
    [("en", 1, "by one further organisation that"), ("en", 3, "by three further organisations"),
     ("fr", 1, "par une autre organisation"), ("es", 2, "por dos organizaciones más"), ("ru", 3, "еще 3 организации")],
)  # fmt: skip
def test_counts_of_organisations_read_as_words(tmp_path: Path, run, lang: str, hidden: int, expected: str) -> None:  # type: ignore[no-untyped-def]
    hidden_rows = "".join(f"H{i},Hidden {i},FR,,,no\n" for i in range(hidden))
    rows = "name,organisation,country,city,email,public\nP,Listed Org,FR,,,yes\n" + hidden_rows
    (tmp_path / "s.csv").write_text(rows, encoding="utf-8")
    out = tmp_path / "s.html"
    code, _o, err = run("render", "signon-xi", "--to", "cn-president", "--lang", lang, "--signatories", tmp_path / "s.csv",
                        "--date", "2026-03-02", "--format", "html", "--out", out)  # fmt: skip
    assert code == 0, err
    assert expected in out.read_text(encoding="utf-8").replace("\u2060", "")
