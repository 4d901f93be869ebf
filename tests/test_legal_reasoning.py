"""The legal reasoning of the bundled letters (issue 15 item 5), read from the rendered HTML: each
statement is followed by a footnote to the source that supports it, and no duty of China is drawn
from a treaty China is not bound by."""

from __future__ import annotations

import datetime as dt
import re
from functools import cache

import pytest

from generator.compose.build import build_letter
from generator.core.letter import LetterRequest
from generator.core.workspace import open_workspace
from generator.load.loaded import load

DATE = dt.date(2026, 3, 2)
TO_CHINA = [  # (letter, addressee, variables): the letters that assert obligations against China
    ("china-nonrefoulement", "cn-president", {}),
    ("signon-xi", "cn-president", {}),
    ("third-government", "jp-mofa", {}),
    ("third-committee-missions", "pm-jp-ny", {}),
    ("petition", "cn-president", {}),
    ("un-special-procedures", "sr-torture", {}),
]


@cache
def _html(letter: str, to: str, lang: str = "en", variables: tuple[tuple[str, str], ...] = ()) -> tuple[str, list[str]]:
    """The letter's HTML with its footnotes at the end, and the messages of its warnings."""
    loaded = load(open_workspace(None))
    signatories = None
    if loaded.letters[letter].signatories == "required":
        from generator.petition.signatories import load_signatories

        signatories, _ = load_signatories(loaded.letters[letter].path / "sample-signatories.csv")
    request = LetterRequest(letter=letter, addressee=to, lang=lang, variables=dict(variables), date=DATE, signatories=signatories)
    result = build_letter(loaded, request, "html")
    return re.sub("[\u2060\u2066-\u2069]", "", result.html.replace("\u00a0", " ")), [p.message for p in result.warnings]


def _note_after(html: str, sentence: str) -> str:
    """The text of the footnote whose call follows `sentence` (tags removed)."""
    note = re.search(re.escape(sentence) + r'<span class="footnote">(.*?)</span>', html, re.S)
    assert note, f"no footnote after {sentence!r}"
    return re.sub(r"<[^>]+>", "", note.group(1))


@pytest.mark.parametrize(("letter", "to", "variables"), TO_CHINA)
def test_no_obligation_is_asserted_against_china_under_a_treaty_it_is_not_bound_by(letter: str, to: str, variables: dict[str, str]) -> None:
    html, warnings = _html(letter, to, "en", tuple(variables.items()))
    assert not [w for w in warnings if "not bound" in w or "not ratified" in w or "not a party" in w], warnings
    assert "must take these risks into account" not in html  # the duty drawn from the DPRK's Covenant


@pytest.mark.parametrize("letter", ["china-nonrefoulement", "signon-xi", "third-government", "third-committee-missions"])
def test_china_s_status_is_cited_to_the_treaty_collection_and_worded_as_recorded(letter: str) -> None:
    to = dict((row[0], row[1]) for row in TO_CHINA)[letter]
    html, _warnings = _html(letter, to)
    assert "has been a party to the Convention against Torture since" not in html  # "party since" with the ratification date
    cat = _note_after(
        html,
        "China ratified the Convention against Torture on 4 October 1988, "
        "and the Convention has been in force for China since 3 November 1988.",
    )
    assert "treaties.un.org" in cat and "mtdsg_no=IV-9" in cat and "UNTS" not in cat
    refugee = _note_after(
        html,
        "China acceded to the 1951 Refugee Convention and its 1967 Protocol on 24 September 1982; "
        "the Convention has been in force for China since 23 December 1982.",
    )
    assert "mtdsg_no=V-2" in refugee and "mtdsg_no=V-5" in refugee and "UNTS" not in refugee


def test_sur_place_rests_on_imputed_political_opinion_with_a_source() -> None:
    html, _warnings = _html("china-nonrefoulement", "cn-president")
    assert "for that departure alone" not in html
    note = _note_after(html, "when a well-founded fear of persecution for such a reason arises after departure.")
    assert "art 1A(2)" in note and "Invisible Exodus" in note and "ch III" in note
    interrogation = _note_after(html, "face torture, detention in political prison camps or even execution.")
    assert "Hidden Gulag" in interrogation and "ch I" in interrogation


def test_china_letters_cite_the_coi_the_cat_committee_and_the_icj_at_their_paragraphs() -> None:
    html, _warnings = _html("china-nonrefoulement", "cn-president")
    assert "para 90" in _note_after(html, "may be aiding and abetting crimes against humanity.")
    assert "paras 75, 77" in _note_after(html, "an attack that amounts to crimes against humanity.")
    assert "CAT/C/CHN/CO/5 para 46" in _note_after(html, "are systematically subjected to torture and ill-treatment.")
    icj = _note_after(html, "as the International Court of Justice has held;")
    assert "[2012] ICJ Rep 422, para 99" in icj and "Belgium v Senegal" in icj


def test_the_submission_about_china_draws_no_duty_of_china_from_the_dprk_s_covenant() -> None:
    html, _warnings = _html("un-special-procedures", "sr-torture")
    text = re.sub(r"<[^>]+>", "", html)
    assert "arises from its own obligations under the Convention against Torture and the 1951 Refugee Convention" in text
    assert "is itself bound to respect under articles 6, 7 and 9 of the Covenant" in text
    assert "a party since" not in text


def test_freedom_to_leave_is_argued_with_article_12_3_and_general_comment_27() -> None:
    html, _warnings = _html("dprk-whereabouts", "kp-mfa")
    note = _note_after(html, "and by the need for consistency with the other rights recognised in the Covenant.")
    assert "art 12(3)" in note and "CCPR/C/21/Rev.1/Add.9" in note and "para 2" in note
    assert "[2012] ICJ Rep 422" in _note_after(html, "binding on every State irrespective of its treaty obligations.")
    assert "treaties.un.org" in _note_after(
        html, "acceded to the International Covenant on Civil and Political Rights on 14 September 1981."
    )
