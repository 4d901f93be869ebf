"""Treaty text in a letter (generator.compose.compose.Runtime.quote): a verified text in the letter's
language is quoted, labelled when it is a translation; a language without one states the rule in
its own words and gives the English text in the footnote, never in the body."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest
from markupsafe import Markup

from generator.compose.build import compose_html
from generator.compose.compose import Runtime
from generator.core.letter import LetterRequest
from generator.core.models import Article, Treaty
from generator.core.workspace import open_workspace
from generator.load.library import Library
from generator.load.loaded import load
from generator.translate.runtime import recorder

DATE = dt.date(2026, 11, 23)
LOADED = load(open_workspace())
# The bundled letters in a language whose catalogue has no verified text of the articles they quote.
LETTERS = [
    ("signon-xi", "cn-president", "zh", "sample-signatories.csv"),
    ("dprk-whereabouts", "kp-mfa", "ko", None),
    ("third-committee-missions", "pm-kr-ny", "ar", None),
    ("china-nonrefoulement", "cn-president", "ru", None),
]


def _english_texts(lib: Library) -> list[str]:
    """The opening words of every English article text in the library."""
    return [art.text["en"][:30] for t in lib.treaties.values() for art in t.articles.values() if "en" in art.text]


def _plain(text: str) -> str:
    """`text` without the invisible marks the typesetting adds (word joiners, direction isolates)."""
    return re.sub("[\u2060\u2066-\u2069\u200e\u200f]", "", text)


def _render(letter: str, to: str, lang: str, signatories: str | None) -> tuple[str, list[str]]:
    """The letter's body text (footnotes cut out) and its footnotes' texts."""
    sigs = None
    if signatories:
        from generator.petition.signatories import load_signatories

        sigs, _ = load_signatories(LOADED.letters[letter].path / signatories)
    rendered = compose_html(LOADED, LetterRequest(letter=letter, addressee=to, lang=lang, date=DATE, signatories=sigs))
    notes = [_plain(n.text) for n in rendered.notes]
    text = _plain(Markup(rendered.html).striptags())
    for note in notes:
        text = text.replace(note, "")
    return text, notes


@pytest.mark.parametrize(("letter", "to", "lang", "signatories"), LETTERS, ids=[x[2] for x in LETTERS])
def test_no_english_treaty_text_in_the_body(letter: str, to: str, lang: str, signatories: str | None) -> None:
    body, notes = _render(letter, to, lang, signatories)
    english = [t for t in _english_texts(LOADED.library) if t in body]
    assert english == [], f"English treaty text in the body of the {lang} letter: {english}"
    # the rule is stated in the letter's language, and its footnote carries the English text
    cat_or_iccpr = "No State Party shall expel" if letter != "dprk-whereabouts" else "No one shall be subjected to torture"
    assert any(cat_or_iccpr in n for n in notes)


def test_footnote_names_the_authentic_english_text() -> None:
    _, notes = _render("signon-xi", "cn-president", "zh", "sample-signatories.csv")
    note = next(n for n in notes if "No State Party shall expel" in n)
    assert "上文为释义；作准英文本：“No State Party shall expel, return (‘refouler’)" in note
    # the ICCPR's authentic texts are not recorded: its English text is not called authentic
    _, ko_notes = _render("dprk-whereabouts", "kp-mfa", "ko", None)
    assert any("영어 원문: “No one shall be subjected to torture" in n for n in ko_notes)
    assert not any("영어 정본" in n for n in ko_notes)


def _runtime(lang: str, library: Library | None = None) -> Runtime:
    return Runtime(library or LOADED.library, lang, DATE, "CN", terms=recorder(LOADED.ws, lang))


def test_official_translation_is_quoted_and_labelled() -> None:
    runtime = _runtime("ja")
    html = runtime.quote("cat", "3(1)")
    assert "「締約国は、いずれの者をも、その者に対する拷問が行われるおそれがある" in html
    assert "（日本語公定訳）" in runtime.citer.notes[-1].text
    assert runtime.problems == []


def test_refugee_convention_in_spanish_is_labelled_a_translation() -> None:
    runtime = _runtime("es")
    html = runtime.quote("refugee_1951", "33(1)")
    assert "«Ningún Estado Contratante podrá" in html
    assert runtime.citer.notes[-1].text.endswith("(traducción al español).")


def test_authentic_french_text_has_no_label() -> None:
    runtime = _runtime("fr")
    html = runtime.quote("cat", "3(1)")
    assert "«\u202fAucun Etat partie n’expulsera" in html
    assert "traduction" not in runtime.citer.notes[-1].text


def _with_article(treaty: str, number: str, article: Article) -> Library:
    original = LOADED.library.treaties[treaty]
    changed: Treaty = dataclasses.replace(original, articles={**original.articles, number: article})
    return dataclasses.replace(LOADED.library, treaties={**LOADED.library.treaties, treaty: changed})


def test_unverified_text_is_never_quoted() -> None:
    art = LOADED.library.treaties["cat"].articles["3(1)"]
    unverified = dataclasses.replace(
        art,
        text={**art.text, "zh": "未经核实的文本"},
        text_flags={**art.text_flags, "zh": "U"},
        text_sources={**art.text_sources, "zh": "memory"},
    )
    runtime = _runtime("zh", _with_article("cat", "3(1)", unverified))
    html = runtime.quote("cat", "3(1)")
    assert "未经核实的文本" not in html
    assert html.startswith("任何缔约国均不得将任何人驱逐、遣返或引渡")  # the paraphrase, not in quotation marks


def test_fragment_is_not_quoted_as_the_article() -> None:
    runtime = _runtime("ja")
    html = runtime.quote("iccpr", "7")  # only the opening words of the official translation are verified
    assert "品位を傷つける」" not in html
    assert "No one shall be subjected to torture" in runtime.citer.notes[-1].text


def test_english_text_in_a_non_english_body_is_refused() -> None:
    art = LOADED.library.treaties["cat"].articles["3(1)"]
    runtime = _runtime("ru", _with_article("cat", "3(1)", dataclasses.replace(art, paraphrase=None)))
    assert runtime.quote("cat", "3(1)") == ""
    assert [p.severity for p in runtime.problems] == ["error"]
    assert "no verified 'ru' text of cat art 3(1) and no paraphrase" in runtime.problems[0].message


def test_untranslated_paraphrase_is_an_untranslated_message() -> None:
    terms = recorder(LOADED.ws, "ru")
    terms.translations = None  # a catalogue without the paraphrase
    runtime = Runtime(LOADED.library, "ru", DATE, "CN", terms=terms)
    html = runtime.quote("cat", "3(1)")
    assert html.startswith("No State Party may expel")  # the rule, never the treaty's English text in quotation marks
    assert "No State Party may expel, return or extradite" in terms.missing[0]  # a warning; an error under --strict


def test_text_without_flag_or_source_is_refused_by_the_schema() -> None:
    with pytest.raises(ValueError, match="needs its flag in text_flags and its source"):
        Article(text={"en": "x", "zh": "y"}, flag="V")
