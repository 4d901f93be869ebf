"""OSCOLA footnotes (generator.compose.citing.Citer) on the bundled library."""

from __future__ import annotations

import datetime as dt

import pytest

from generator.compose.citing import Citer
from generator.core.i18n import format_date
from generator.core.models import Document, PartialDate
from generator.core.schema import convert
from generator.core.workspace import open_workspace
from generator.load.library import Library, load_library

CAT_TITLE = "Convention against Torture and Other Cruel, Inhuman or Degrading Treatment or Punishment"
COI_TITLE = "Report of the commission of inquiry on human rights in the Democratic People’s Republic of Korea"
OHCHR_URL = "https://www.ohchr.org/en/press-releases/2023/10/china-must-not-forcibly-repatriate-north-korean-escapees-un-experts"


@pytest.fixture(scope="module")
def library() -> Library:
    lib, problems = load_library(open_workspace(None))
    assert [p for p in problems if p.severity == "error"] == []
    return lib


@pytest.fixture
def citer(library: Library) -> Citer:
    return Citer(library)


def test_treaty_first_citation_is_full(citer: Citer) -> None:
    note = citer.cite([("cat", "art 3(1)")])
    assert note.number == 1
    assert f"<i>{CAT_TITLE}</i>" in note.html
    assert note.text.startswith(f"{CAT_TITLE} (adopted 10 December 1984, entered into force 26 June 1987) 1465 UNTS")
    assert "(CAT)" in note.text
    assert note.text.endswith("art 3(1).")
    # OSCOLA: volume and first page (1465 UNTS 85, V2 in facts-2 UNTS-cat)
    assert "1465 UNTS 85 (CAT), art 3(1)" in note.text


def test_immediate_repeat_is_ibid_with_its_own_pinpoint(citer: Citer) -> None:
    citer.cite([("cat", "art 3(1)")])
    assert citer.cite([("cat", "art 3(2)")]).text == "Ibid art 3(2)."
    assert citer.cite([("cat", None)]).text == "Ibid."
    assert citer.cite([("cat", "art 3(1)")]).html == "Ibid art 3(1)."


def test_after_another_source_the_short_form_refers_back(citer: Citer) -> None:
    citer.cite([("cat", "art 3(1)")])
    citer.cite([("coi-report-2014", None)])
    note = citer.cite([("cat", "art 3(2)")])
    assert note.number == 3
    assert note.text == "CAT (n 1) art 3(2)."
    assert citer.cite([("coi-report-2014", "para 4")]).text == "COI report (n 2) para 4."
    assert citer.notes[1].text.endswith("UN Doc A/HRC/25/63 (COI report).")  # the short form is defined where first cited


def test_multi_source_note_is_never_ibid(citer: Citer) -> None:
    citer.cite([("cat", "art 3(1)")])
    note = citer.cite([("cat", "art 3(2)"), ("coi-report-2014", None)])
    assert "Ibid" not in note.text
    assert note.text.startswith("CAT (n 1) art 3(2); Human Rights Council, ")
    # the same single source twice in a row in a multi-source note is not Ibid either
    again = citer.cite([("cat", None), ("coi-report-2014", None)])
    assert "Ibid" not in again.text
    assert again.text == "CAT (n 1); COI report (n 2)."


def test_note_after_multi_source_note_is_not_ibid(citer: Citer) -> None:
    citer.cite([("cat", None), ("coi-report-2014", None)])
    note = citer.cite([("coi-report-2014", "para 10")])
    assert note.text == "COI report (n 1) para 10."


def test_explanatory_note_breaks_the_ibid_chain(citer: Citer) -> None:
    citer.cite([("cat", None)])
    assert citer.explain("See also below").text == "See also below."
    assert citer.cite([("cat", "art 3(1)")]).text == "CAT (n 1) art 3(1)."


def test_explanatory_note_is_escaped(citer: Citer) -> None:
    note = citer.explain("a <b> c")
    assert "<b>" not in note.html
    assert note.text == "a <b> c."


def test_every_note_ends_with_a_full_stop(citer: Citer, library: Library) -> None:
    keys = sorted([*library.treaties, *library.documents])
    for key in keys:
        citer.cite([(key, None)])
        citer.cite([(key, "para 2")])
        citer.explain("x")
        citer.cite([(key, "p 7")])
        citer.explain("y")
    citer.cite([(k, None) for k in keys[:4]])
    assert len(citer.notes) == 5 * len(keys) + 1
    for note in citer.notes:
        assert note.text.endswith("."), note.text
        assert not note.text.endswith(".."), note.text


def test_un_document(citer: Citer) -> None:
    note = citer.cite([("coi-report-2014", "para 4")])
    title = COI_TITLE.replace("’", "'")
    assert note.text.replace("’", "'") == f"Human Rights Council, {title} (7 February 2014) UN Doc A/HRC/25/63 (COI report), para 4."
    assert note.html.startswith("Human Rights Council, <i>Report of the commission")


def test_english_titles_get_typographic_apostrophes(citer: Citer) -> None:
    note = citer.cite([("coi-report-2014", "para 4")])
    html = note.html.replace("\u00a0", " ")  # dates carry no-break spaces
    assert html == f"Human Rights Council, <i>{COI_TITLE}</i> (7 February 2014) UN Doc A/HRC/25/63 (COI report), para 4."


def test_press_release(citer: Citer) -> None:
    note = citer.cite([("ohchr-press-2023-10-17", None)])
    assert note.text == (
        "UN experts, ‘China must not forcibly repatriate North Korean escapees: UN experts’ "
        f"(press release, OHCHR, 17 October 2023) <{OHCHR_URL}>."
    )
    assert f"&lt;{OHCHR_URL}&gt;" in note.html  # the URL is text, not markup


def test_press_release_short_form_text_is_unescaped(citer: Citer) -> None:
    citer.cite([("ohchr-press-2023-10-17", None)])
    citer.cite([("cat", None)])
    note = citer.cite([("ohchr-press-2023-10-17", None)])
    assert note.text == "UN experts (n 1)."  # OSCOLA: the author and a cross-reference


def test_document_without_title_uses_its_description(citer: Citer, library: Library) -> None:
    doc = library.documents["hrw-letter-xi-2023-09-21"]
    assert doc.title is None
    note = citer.cite([("hrw-letter-xi-2023-09-21", None)])
    assert note.text == (
        "Human Rights Watch and others, letter to President Xi Jinping (21 September 2023) "
        "<https://www.hrw.org/news/2023/09/21/letter-human-rights-watch-president-xi-jinping>."
    )


def test_declaration(citer: Citer) -> None:
    note = citer.cite([("udhr", "art 14(1)")])
    html = note.html.replace("\u00a0", " ")
    assert html.startswith("<i>Universal Declaration of Human Rights</i> (adopted 10 December 1948 UNGA Res 217 A (III)) (UDHR)")
    assert "entered into force" not in note.text
    assert "UNTS" not in note.text
    assert note.text.endswith("art 14(1).")


def test_cross_reference_numbers_follow_first_citation(citer: Citer) -> None:
    citer.explain("intro")
    citer.cite([("coi-report-2014", None)])
    citer.cite([("cat", None)])
    citer.cite([("coi-report-2014", None), ("cat", "art 3(1)")])
    assert citer.notes[-1].text == "COI report (n 2); CAT (n 3) art 3(1)."
    assert citer.first_note == {"coi-report-2014": 2, "cat": 3}


# -- dates printed to their precision ------------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        (PartialDate(2023, 10, 9), "9 October 2023"),
        (PartialDate(2023, 10), "October 2023"),
        (PartialDate(2023), "2023"),
        (PartialDate.parse("2014-02"), "February 2014"),
        (PartialDate.parse(1951), "1951"),
        (dt.date(1988, 10, 4), "4 October 1988"),
    ],
)
def test_format_date_precision(date: PartialDate | dt.date, expected: str) -> None:
    assert format_date(date) == expected.replace(" ", "\u00a0")  # a date never breaks across lines


def _doc_library(**fields: object) -> Library:
    data = {"key": "d", "kind": "ngo_report", "author": "Some NGO", "title": {"en": "A Report"}, "flag": "V", **fields}
    doc = convert(Document, data)
    return Library(states={}, treaties={}, documents={"d": doc}, incidents={}, origin={})


@pytest.mark.parametrize(
    ("date", "printed"),
    [("2023-10", "October 2023"), ("2023", "2023"), ("2023-10-09", "9 October 2023")],
)
def test_document_date_printed_to_its_precision(date: str, printed: str) -> None:
    note = Citer(_doc_library(date=date)).cite([("d", None)])
    assert note.text == f"Some NGO, ‘A Report’ (report, {printed})."


def test_document_short_form_falls_back_to_symbol() -> None:
    lib = _doc_library(date="2023", symbol="A/78/1", kind="un_report")
    citer = Citer(lib)
    citer.cite([("d", None)])
    citer.explain("x")
    assert citer.cite([("d", "para 3")]).text == "A/78/1 (n 1) para 3."


def test_news_report_has_no_kind_label_but_its_publisher() -> None:
    lib = _doc_library(date="2023-10-11", kind="news", title={"en": "Story"}, publisher="Daily", url="https://x.example/a")
    assert Citer(lib).cite([("d", "para 2")]).text == "Some NGO, ‘Story’ (Daily, 11 October 2023) para 2 <https://x.example/a>."


def test_accessed_date() -> None:
    lib = _doc_library(date="2023-10-11", url="https://x.example/a", accessed=dt.date(2024, 1, 5))
    assert Citer(lib).cite([("d", None)]).text.endswith("<https://x.example/a> accessed 5 January 2024.")


# -- OSCOLA to professional standard (issue 15 item 6) --------------------------------------------


def _plain(text: str) -> str:
    """A note's text with its no-break spaces and word joiners (dates, symbols) made plain."""
    return text.replace("\u00a0", " ").replace("\u2060", "")


def test_treaty_without_a_verified_first_page_has_no_half_unts_reference(citer: Citer) -> None:
    note = citer.cite([("cedaw", "art 2")])  # UNTS vol 1249 verified, first page not
    assert "UNTS" not in note.text
    assert note.text.endswith("(adopted 18 December 1979, entered into force 3 September 1981) (CEDAW), art 2.")


def test_resolution_cited_by_its_number(citer: Citer) -> None:
    note = citer.cite([("unga-res-78-218", "para 5")])
    assert _plain(note.text) == (
        "UNGA Res 78/218 ‘Situation of human rights in the Democratic People’s Republic of Korea’ "
        "(19 December 2023) UN Doc A/RES/78/218, para 5."
    )
    hrc = citer.cite([("hrc-res-55-21", None)])
    assert hrc.text.startswith("HRC Res 55/21 (4")
    citer.explain("x")
    assert citer.cite([("unga-res-78-218", "para 7")]).text == "UNGA Res 78/218 (n 1) para 7."


def test_later_citation_of_a_person_uses_the_surname(citer: Citer) -> None:
    citer.cite([("kei-2023-11-28", None)])
    citer.explain("x")
    assert citer.cite([("kei-2023-11-28", None)]).text == "King (n 1)."
    assert "(King)" not in citer.notes[0].text  # evident from the full citation: not defined


def test_two_works_of_one_author_are_told_apart_by_title(citer: Citer) -> None:
    citer.cite([("hrw-2024-05-08", None)])
    citer.cite([("hrw-2025-10-15", None)])
    note = citer.cite([("hrw-2024-05-08", None)])
    assert note.text == "Human Rights Watch, ‘China Forcibly Returns 60 Refugees to North Korea’ (n 1)."


def test_un_document_with_url_gives_it_with_the_access_date(citer: Citer) -> None:
    note = citer.cite([("ohchr-report-women-2020", "p 5")])
    assert _plain(note.text).endswith(
        "(OHCHR report on women detained), p 5 "
        "<https://www.ohchr.org/en/stories/2020/07/report-women-detainees-face-serious-human-rights-violations> "
        "accessed 6 December 2026."
    )


def test_oscola_forms_in_other_languages(library: Library) -> None:
    from generator.translate.runtime import recorder

    fr = Citer(library, "fr", recorder(open_workspace(None), "fr"))
    fr.cite([("unga-res-78-218", None)])
    fr.cite([("kei-2023-11-28", None)])
    fr.explain("x")
    assert fr.cite([("kei-2023-11-28", "p 2")]).text == "King (note 2), p. 2."
    assert fr.notes[0].text.startswith("AGNU, rés. 78/218 ")
    zh = Citer(library, "zh", recorder(open_workspace(None), "zh"))
    assert zh.cite([("hrc-res-55-21", None)]).text.startswith("人权理事会第55/21号决议")
