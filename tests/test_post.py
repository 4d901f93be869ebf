"""`advocate post`: addresses in the envelope window, checked by the text positions poppler finds."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from _helpers import write

from generator.core.models import Addressee
from generator.core.schema import convert
from generator.core.workspace import open_workspace
from generator.delivery.post import ENVELOPES, postal_lines
from generator.load.loaded import load

MM = 72 / 25.4
DIN_WINDOW = (20 * MM, 45 * MM, 105 * MM, 90 * MM)  # left, top, right, bottom in points
US10_WINDOW = (0.875 * 72, 792 / 3 - 1.625 * 72, 5.375 * 72, 792 / 3 - 0.5 * 72)
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


def words(pdf: Path, page: int) -> list[tuple[float, float, float, float, str]]:
    out = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"], check=True, capture_output=True, text=True
    )
    return [(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in WORD.findall(out.stdout)]


def inside(word: tuple[float, float, float, float, str], box: tuple[float, float, float, float]) -> bool:
    x0, y0, x1, y1, _ = word
    left, top, right, bottom = box
    return x0 >= left and x1 <= right and y0 >= top and y1 <= bottom


def overlaps(word: tuple[float, float, float, float, str], box: tuple[float, float, float, float]) -> bool:
    x0, y0, x1, y1, _ = word
    left, top, right, bottom = box
    return x0 < right and x1 > left and y0 < bottom and y1 > top


def pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]


def letter_pdf(path: Path, keywords: str, top_mm: float, size: str = "A4", lines: int = 12) -> Path:
    """A letter whose first page leaves the window free when top_mm > 95."""
    from weasyprint import HTML

    body = "".join(f"<p>Paragraph {n} of the letter body.</p>" for n in range(lines))
    html = (
        f'<html lang="en"><head><meta name="keywords" content="{keywords}"><meta name="description" content="Test letter">'
        f"<style>@page {{ size: {size}; margin: 15mm 20mm }} .body {{ margin-top: {top_mm - 25}mm }}</style></head>"
        f"<body><div>Letterhead of the sender</div><div class='body'>{body}</div></body></html>"
    )
    path.write_bytes(HTML(string=html).write_pdf())
    return path


@pytest.mark.parametrize("key", ["cn-president", "kp-mfa", "kr-mou", "us-state", "jp-mofa", "pm-cn-geneva", "pm-us-geneva", "pm-kr-ny"])
def test_shipped_addresses_format_for_their_country(key):
    addressee = load(open_workspace(None)).addressees[key]
    assert "post" in addressee.channels and addressee.address is not None
    lines, problems = postal_lines(addressee)
    assert not [p for p in problems if p.startswith("error:")]
    assert problems == [f"no street address on record ({addressee.address.source}); the letter may not arrive"]
    assert lines[0] == addressee.title["en"] or lines[0] == (addressee.name or {}).get("en")
    assert lines[-1] in {"CHINA", "NORTH KOREA", "SOUTH KOREA", "UNITED STATES", "JAPAN", "SWITZERLAND"}
    city = addressee.address.locality or ""
    assert [ln.casefold() for ln in lines].count(city.casefold()) == 1, lines  # the JP quirk drops it; RU repeats it
    assert all(re.search(r"\w", ln) and not ln.endswith((",", "-")) and "〒" not in ln and "CH-" not in ln for ln in lines), lines


def test_japan_city_and_moscow_once():
    def one(country: str, city: str, postal_code: str | None = None) -> list[str]:
        address = {"lines": ["1-2 Example Street"], "locality": city, "postal_code": postal_code, "country": country, "source": "test"}
        data = {"key": "x", "kind": "ministry", "title": {"en": "Ministry"}, "salutation": {"en": "Sir"}, "address": address}
        return postal_lines(convert(Addressee, data))[0]

    assert one("JP", "Tokyo", "100-8919") == ["Ministry", "1-2 Example Street", "100-8919", "TOKYO", "JAPAN"]
    assert [ln.upper() for ln in one("RU", "Moscow", "119200")].count("MOSCOW") == 1
    assert one("CH", "Geneva", "1211")[-2:] == ["CH-1211 Geneva", "SWITZERLAND"]


def test_invalid_postal_address_stops_before_writing(workspace, run, tmp_path):
    write(
        workspace / "letters" / "addressees.yaml",
        """
        bad-ch:
          kind: foreign_ministry
          title: {en: Fictional Ministry}
          salutation: {en: Dear Sir or Madam}
          address: {lines: [Example Street 1], locality: Geneva, postal_code: "ABCDE", country: CH, source: test}
          channels: [post]
        """,
    )
    pdf = letter_pdf(tmp_path / "bad.pdf", "example, bad-ch", 110)
    out = tmp_path / "batch.pdf"
    code, _, err = run("-w", workspace, "post", pdf, "--envelope", "dl", "--out", out)
    assert code == 6
    assert err.startswith("error: invalid postal address: ") and "bad-ch: postal code invalid: 'ABCDE'" in err
    assert not out.exists()


def test_real_letter_gets_an_address_sheet_and_duplex_blanks(workspace, run, tmp_path):
    letter = tmp_path / "letter.pdf"
    code, _, err = run("-w", workspace, "render", "example", "--to", "cn-president", "--date", "2026-11-23", "--out", letter)
    assert code == 0, err
    on_page_1 = words(letter, 1)
    assert any(overlaps(w, DIN_WINDOW) for w in on_page_1)  # the shared layout writes into the window
    out = tmp_path / "batch.pdf"
    code, stdout, err = run("-w", workspace, "post", letter, "--envelope", "c5-din", "--duplex", "--out", out)
    assert code == 0, err
    assert "cn-president: no street address on record" in err
    n = pages(letter)
    expected = 2 + 2 + n + n % 2  # batch page + blank, address sheet + blank, letter padded to even
    assert pages(out) == expected and f"{expected} pages" in stdout
    assert "Post batch: 1 letter(s)" in " ".join(w[4] for w in words(out, 1))
    assert words(out, 2) == []  # the batch page's blank back
    sheet = words(out, 3)
    in_window = [w for w in sheet if overlaps(w, DIN_WINDOW)]
    assert all(inside(w, DIN_WINDOW) for w in in_window)
    text = " ".join(w[4] for w in in_window)
    assert "President of the People" in text and "Beijing" in text and text.endswith("CHINA")
    assert text.startswith("Your Organisation")  # the return line above the address
    assert words(out, 4) == []
    assert [w[4] for w in words(out, 5)] == [w[4] for w in on_page_1]  # the letter itself, untouched


def test_overlay_on_a_first_page_that_leaves_the_window_free(workspace, run, tmp_path):
    letter = letter_pdf(tmp_path / "free.pdf", "example, kr-mou", 110)
    out = tmp_path / "batch.pdf"
    code, stdout, err = run("-w", workspace, "post", letter, "--envelope", "dl", "--out", out)
    assert code == 0, err
    assert pages(out) == 1 + pages(letter)  # no sheet, no blanks (simplex)
    first = words(out, 2)
    window = [w for w in first if overlaps(w, DIN_WINDOW)]
    assert window and all(inside(w, DIN_WINDOW) for w in window)
    assert " ".join(w[4] for w in window).endswith("Minister of Unification of the Republic of Korea Seoul SOUTH KOREA")
    assert "Paragraph 0 of the letter body." in " ".join(w[4] for w in first)
    letter_words = {w[4] for w in words(letter, 1)}
    assert not [w for w in window if w[4] in {"Paragraph", "Letterhead"}]
    assert letter_words <= {w[4] for w in first}


def test_overlay_refused_when_the_letter_writes_into_the_window(workspace, run, tmp_path):
    letter = letter_pdf(tmp_path / "busy.pdf", "example, kr-mou", 50)
    code, _, err = run("-w", workspace, "post", letter, "--envelope", "dl", "--address-page", "overlay", "--out", tmp_path / "b.pdf")
    assert code == 6 and "the first page has its own text in the envelope window: 'Paragraph 0" in err


def test_us10_window_on_letter_paper(workspace, run, tmp_path):
    letter = letter_pdf(tmp_path / "us.pdf", "example, us-state", 110, size="letter")
    out = tmp_path / "batch.pdf"
    code, _, err = run("-w", workspace, "post", letter, "--envelope", "us10", "--duplex", "--out", out)
    assert code == 0, err
    assert ENVELOPES["us10"].window(792) == pytest.approx(US10_WINDOW)
    window = [w for w in words(out, 3) if overlaps(w, US10_WINDOW)]
    assert " ".join(w[4] for w in window) == "Secretary of State of the United States of America WASHINGTON, D.C. UNITED STATES"
    assert all(inside(w, US10_WINDOW) for w in window)


def test_addressee_without_post_channel_is_skipped(workspace, run, tmp_path):
    email_only = letter_pdf(tmp_path / "ohchr.pdf", "example, ohchr-urgent-action", 110)
    by_post = letter_pdf(tmp_path / "kr.pdf", "example, kr-mou", 110)
    code, stdout, err = run("-w", workspace, "post", email_only, by_post, "--envelope", "dl", "--out", tmp_path / "b.pdf")
    assert code == 0
    assert f"skipped {email_only}: addressee 'ohchr-urgent-action' has no post channel (channels: email)" in err
    assert "1 letter(s)" in stdout
    code, _, err = run("-w", workspace, "post", email_only, "--envelope", "dl", "--out", tmp_path / "c.pdf")
    assert code == 6 and "no letter to post" in err


def test_pdf_without_addressee_is_refused(workspace, run, tmp_path):
    pdf = letter_pdf(tmp_path / "anon.pdf", "", 110)
    code, _, err = run("-w", workspace, "post", pdf, "--envelope", "dl", "--out", tmp_path / "b.pdf")
    assert code == 3 and "this PDF does not name its addressee" in err


# -- a confidential version goes only to its mandate -------------------------------------------------

UN_BY_POST = """
sr-test:
  kind: un_mandate
  title: {en: Special Rapporteur on testing}
  salutation: {en: Dear Special Rapporteur}
  address: {lines: [Palais des Nations], locality: Geneva, postal_code: "1211", country: CH, source: test}
  languages: [en]
  channels: [post]
"""
SUBMISSION_YAML = """
title: Test submission
kind: un_submission
purpose: a test
languages: [en]
addressee_kinds: [un_mandate, foreign_ministry]
"""


def _confidential(workspace: Path, run, out: Path, to: str) -> Path:  # type: ignore[no-untyped-def]
    write(workspace / "letters" / "addressees.yaml", UN_BY_POST)
    write(workspace / "letters" / "submission" / "letter.yaml", SUBMISSION_YAML)
    template = '{% extends "_base/base.html.j2" %}{% block body %}<p>Names.</p>{% endblock %}'
    write(workspace / "letters" / "submission" / "letter.html.j2", template)
    code, _, err = run("-w", workspace, "render", "submission", "--to", to, "--confidential", "--date", "2026-11-23", "--out", out)
    assert code == 0, err
    return out


def test_a_confidential_pdf_is_posted_only_to_its_mandate(workspace, run, tmp_path):
    from pypdf import PdfReader, PdfWriter

    letter = _confidential(workspace, run, tmp_path / "un.pdf", "sr-test")
    code, stdout, err = run("-w", workspace, "post", letter, "--envelope", "dl", "--out", tmp_path / "ok.pdf")
    assert code == 0, err
    assert "1 letter(s)" in stdout
    writer = PdfWriter(clone_from=PdfReader(letter))  # the same PDF, its keywords edited to name a ministry
    writer.add_metadata({"/Keywords": "submission, kr-mou, confidential"})
    edited = tmp_path / "edited.pdf"
    writer.write(edited)
    out = tmp_path / "b.pdf"
    code, _, err = run("-w", workspace, "post", edited, "--envelope", "dl", "--out", out)
    assert code == 6 and not out.exists()
    assert err.splitlines()[0] == f"error: {edited}: a confidential version written for 'sr-test' may not be sent to 'kr-mou' (ministry)"


def test_a_confidential_pdf_for_a_ministry_is_never_posted(workspace, run, tmp_path):
    letter = _confidential(workspace, run, tmp_path / "mfa.pdf", "cn-mfa")
    out = tmp_path / "b.pdf"
    code, _, err = run("-w", workspace, "post", letter, "--envelope", "dl", "--out", out)
    assert code == 6 and not out.exists() and "Traceback" not in err
    assert f"error: {letter}: a confidential version may not be sent to 'cn-mfa': a foreign ministry is not a UN mandate" in err
