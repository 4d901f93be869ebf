"""The PDF of the bundled letter china-nonrefoulement to cn-president: metadata, reproducibility,
paper size, footnotes on the page of their call, fonts."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from _helpers import letters_only, set_template, write
from click.testing import CliRunner
from pypdf import PdfReader

from generator.cli import main
from generator.compose.build import build_letter
from generator.core.letter import LetterRequest
from generator.core.workspace import BUNDLED, open_workspace
from generator.load.loaded import load

LETTER, TO, DATE = "china-nonrefoulement", "cn-president", "2026-11-23"


@dataclass
class Rendered:
    a4: Path
    again: Path
    us_letter: Path
    pages: list[str]


def _render(out: Path, *extra: str) -> Path:
    result = CliRunner().invoke(main, ["render", LETTER, "--to", TO, "--date", DATE, "--out", str(out), *extra], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return out


def _page_texts(pdf: Path) -> list[str]:
    count = len(PdfReader(pdf).pages)
    return [subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), "-layout", str(pdf), "-"], check=True, capture_output=True,
                           text=True).stdout for n in range(1, count + 1)]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    folder = tmp_path_factory.mktemp("pdf")
    a4 = _render(folder / "a4.pdf")
    again = _render(folder / "again.pdf")
    us = _render(folder / "letter.pdf", "--paper", "letter")
    return Rendered(a4, again, us, _page_texts(a4))


@pytest.fixture(scope="module")
def notes():  # type: ignore[no-untyped-def]
    request = LetterRequest(letter=LETTER, addressee=TO, date=dt.date.fromisoformat(DATE))
    return build_letter(load(open_workspace(None)), request, "html").notes


def _subject() -> str:
    text = (BUNDLED / "letters" / LETTER / "letter.html.j2").read_text(encoding="utf-8")
    m = re.search(r"{% block subject %}(.*?){% endblock %}", text, re.S)
    assert m
    return re.sub(r"{#.*?#}|{%-? *(end)?trans[^%]*%}", "", m.group(1), flags=re.S).strip()


def test_metadata(rendered: Rendered) -> None:
    reader = PdfReader(rendered.a4)
    meta = reader.metadata
    sender = tomllib.loads((BUNDLED / "advocate.toml").read_text(encoding="utf-8"))["sender"]["name"]
    subject = _subject()
    assert meta.title and meta.title.startswith(subject)
    assert meta.author == sender
    assert meta.subject == subject
    assert str(reader.trailer["/Root"]["/Lang"]).split("-")[0] == "en"  # "en" or a regional tag ("en-GB")
    assert meta.creation_date is not None
    assert meta.creation_date.date() == dt.date(2026, 11, 23)
    assert meta["/CreationDate"].startswith("D:20261123")


def test_rendering_twice_gives_identical_bytes(rendered: Rendered) -> None:
    assert rendered.a4.read_bytes() == rendered.again.read_bytes()


def test_paper_sizes(rendered: Rendered) -> None:
    for page in PdfReader(rendered.a4).pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    for page in PdfReader(rendered.us_letter).pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (612, 792)


def test_page_numbers(rendered: Rendered) -> None:
    total = len(rendered.pages)
    assert total >= 2
    for n, text in enumerate(rendered.pages, 1):
        assert re.search(rf"\bPage {n} of {total}\b", text), f"page {n}"


def _footnote_line(lines: list[str], number: int, first_words: str) -> int | None:
    for i, line in enumerate(lines):
        if re.match(rf"^{number} {re.escape(first_words)}", line.strip()):
            return i
    return None


CALL_BEFORE = r"[A-Za-z.,;:’”)\]]"


def test_footnotes_are_on_the_page_of_their_call(rendered: Rendered, notes) -> None:  # type: ignore[no-untyped-def]
    assert len(notes) >= 10
    for note in notes:
        first_words = " ".join(note.text.split()[:2]).replace("'", "’")  # typeset: typographic apostrophes
        found = [(p, i) for p, text in enumerate(rendered.pages) if (i := _footnote_line(text.splitlines(), note.number, first_words)) is not None]  # noqa: E501
        assert len(found) == 1, f"footnote {note.number} ({first_words!r}) found on pages {[p + 1 for p, _ in found]}"
        page, index = found[0]
        lines = rendered.pages[page].splitlines()
        call = re.compile(rf"{CALL_BEFORE}{note.number}(?![\d)])")
        calls = [i for i, line in enumerate(lines[:index]) if call.search(line)]
        assert calls, f"no call of footnote {note.number} above its text on page {page + 1}"
        assert max(calls) < index


def test_footnotes_are_in_order_below_the_body(rendered: Rendered, notes) -> None:  # type: ignore[no-untyped-def]
    numbers_by_page = []
    for text in rendered.pages:
        numbers = [int(m.group(1)) for line in text.splitlines() if (m := re.match(r"^(\d+) (\S+)", line))
                   and any(n.number == int(m.group(1)) and n.text.startswith(m.group(2)[:3]) for n in notes)]
        numbers_by_page.append(numbers)
    flat = [n for numbers in numbers_by_page for n in numbers]
    assert flat == list(range(1, len(notes) + 1))


def test_every_note_text_is_in_the_pdf(rendered: Rendered, notes) -> None:  # type: ignore[no-untyped-def]
    whole = letters_only("".join(rendered.pages))
    for note in notes:
        assert letters_only(note.text) in whole, f"footnote {note.number}: {note.text}"


def test_body_text_is_in_the_pdf(rendered: Rendered) -> None:
    whole = letters_only("".join(rendered.pages))
    for phrase in ("We write to express our grave concern", "Your Excellency", "highest consideration", "23 November 2026",
                   "Xi Jinping", "A. N. Example"):
        assert letters_only(phrase) in whole, phrase


def test_fonts_are_embedded_noto_serif(rendered: Rendered) -> None:
    listing = subprocess.run(["pdffonts", str(rendered.a4)], check=True, capture_output=True, text=True).stdout
    rows = [line.split() for line in listing.splitlines()[2:] if line.strip()]
    assert rows
    names = [row[0] for row in rows]
    assert any("Noto-Serif" in name or "NotoSerif" in name for name in names), names
    for row in rows:
        # name type... encoding emb sub uni object ID: emb is the 5th column from the end
        assert row[-5] == "yes", row
        assert "Noto" in row[0], row


@pytest.mark.parametrize(("lang", "cjk"), [("zh", "SC"), ("ja", "JP"), ("ko", "KR")])
def test_cjk_letters_embed_the_bold_face_and_set_latin_in_noto_serif(tmp_path: Path, lang: str, cjk: str) -> None:
    pdf = _render(tmp_path / f"{lang}.pdf", "--lang", lang)
    listing = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout
    names = {line.split()[0].partition("+")[2] for line in listing.splitlines()[2:] if line.strip()}
    assert {f"Noto-Serif-CJK-{cjk}", f"Noto-Serif-CJK-{cjk}-Bold", "Noto-Serif"} <= names, names
    fonts: dict[str, str] = {}  # text -> the font it is shown in

    def seen(text, cm, tm, font, size):  # type: ignore[no-untyped-def]
        if font is not None and text.strip():
            fonts[text.strip()] = str(font.get("/BaseFont"))

    for page in PdfReader(pdf).pages:
        page.extract_text(visitor_text=seen)
    latin = [font for text, font in fonts.items() if "Forcible Repatriation" in text or "The Peninsula" in text]
    assert latin and all(font.endswith("+Noto-Serif") for font in latin), fonts
    # an English title's quotation marks in the notes are the English text's: the Latin face, not wide CJK marks
    quoted = [font for text, font in fonts.items() if text.startswith("‘") and "North Korea" in text]
    assert quoted and all(font.endswith("+Noto-Serif") for font in quoted), fonts
    assert not [text for text, font in fonts.items() if text in ("‘", "’") and "CJK" in font], fonts


def test_font_programs_are_compressed_at_their_level(tmp_path: Path) -> None:
    """Each embedded font program is zlib at FONT_PROGRAM_LEVEL (not pydyf's 9), and decodes to
    the font; the pages' content streams keep pydyf's level 9."""
    import zlib

    from generator.render.pdf import FONT_PROGRAM_LEVEL

    reader = PdfReader(_render(tmp_path / "ja.pdf", "--lang", "ja"))
    descriptors = {id(d): d for page in reader.pages for f in page["/Resources"]["/Font"].values()
                   for d in [f.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()]}  # fmt: skip
    programs = [d.get("/FontFile3") or d["/FontFile2"] for d in descriptors.values()]
    assert len(programs) == 4  # Noto Serif CJK JP and Noto Serif, regular and bold
    for program in programs:
        stream = program.get_object()
        font = zlib.decompress(stream._data)
        assert font[:4] in (b"OTTO", b"\x00\x01\x00\x00") and zlib.compress(font, FONT_PROGRAM_LEVEL) == stream._data
    content = reader.pages[0]["/Contents"].get_object()
    assert zlib.compress(zlib.decompress(content._data), 9) == content._data


# -- nothing embedded, every refusal one clear error ---------------------------------------------------


@pytest.mark.parametrize(
    ("body", "url"),
    [
        ('<p><a rel="attachment" href="signers.csv">list</a></p>', "signers.csv"),
        ('<p><a rel="noopener Attachment" href="../../letters/example/signers.csv">list</a></p>', "../../letters/example/signers.csv"),
        ('<link rel="attachment" href="signers.csv"><p>Hello.</p>', "signers.csv"),
        ('<link rel="attachment" href="file:///etc/passwd"><p>Hello.</p>', "file:///etc/passwd"),
    ],
    ids=["a", "a-mixed-case-rel", "link", "link-file-url"],
)
def test_an_attachment_in_a_template_is_refused(workspace: Path, run, tmp_path: Path, body: str, url: str) -> None:  # type: ignore[no-untyped-def]

    write(workspace / "letters" / "example" / "signers.csv", "name,email\nJane Roe,jane@example.org\n")
    set_template(workspace, body)
    out = tmp_path / "x.pdf"
    code, stdout, err = run("-w", workspace, "render", "example", "--to", "cn-mfa", "--date", DATE, "--out", out)
    assert code == 5 and not out.exists()
    (line,) = [ln for ln in err.splitlines() if ln.startswith("error: ")]
    assert line.endswith(f"letters/example/letter.html.j2: refused to embed {url!r}: letters may not embed files (rel=\"attachment\")")
    assert "Traceback" not in stdout + err


def test_a_refused_fetch_names_the_url_and_the_template(workspace: Path, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]

    set_template(workspace, '<p><img src="file:///etc/passwd" alt="x"></p>')
    code, stdout, err = run("-w", workspace, "render", "example", "--to", "cn-mfa", "--date", DATE, "--out", tmp_path / "x.pdf")
    assert code == 5
    assert "letters/example/letter.html.j2: refused to fetch 'file:///etc/passwd'" in err
    assert "Traceback" not in stdout + err


# -- the confidential marking --------------------------------------------------------------------------


def test_a_confidential_pdf_is_marked_and_named_as_such(workspace: Path, run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from generator.render.pdf import confidential_for

    monkeypatch.chdir(tmp_path)
    code, stdout, err = run("-w", workspace, "render", "example", "--to", "cn-mfa", "--date", DATE, "--confidential")
    assert code == 0, err
    confidential = tmp_path / "out" / "example-cn-mfa-en-confidential.pdf"
    assert f"wrote {Path('out') / confidential.name}" in stdout
    meta = dict(PdfReader(confidential).metadata or {})
    assert meta["/AdvocateConfidential"] == "cn-mfa" and meta["/Keywords"] == "example, cn-mfa, confidential"
    assert confidential_for(meta) == "cn-mfa"
    code, _stdout, err = run("-w", workspace, "render", "example", "--to", "cn-mfa", "--date", DATE)
    assert code == 0, err
    public = dict(PdfReader(tmp_path / "out" / "example-cn-mfa-en.pdf").metadata or {})
    assert "/AdvocateConfidential" not in public and public["/Keywords"] == "example, cn-mfa" and confidential_for(public) is None


# -- tagged by default; PDF/A variants, checked as a validator would (no veraPDF here) ---------------


def _structure_roles(reader: PdfReader) -> dict[str, int]:
    """How many structure elements of each role the PDF's structure tree has."""
    roles: dict[str, int] = {}

    def walk(node) -> None:  # type: ignore[no-untyped-def]
        node = node.get_object()
        if isinstance(node, list):
            for each in node:
                walk(each)
        elif isinstance(node, dict) and "/K" in node:
            if "/S" in node:
                roles[str(node["/S"])] = roles.get(str(node["/S"]), 0) + 1
            walk(node["/K"])

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return roles


def test_the_pdf_is_tagged_by_default(rendered: Rendered) -> None:
    reader = PdfReader(rendered.a4)
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"]) and str(root["/Lang"]) == "en-GB"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    roles = _structure_roles(reader)
    assert roles.get("/Document") == 1 and roles.get("/H2", 0) >= 3 and roles.get("/P", 0) >= 10 and roles.get("/LI", 0) >= 3, roles
    assert "/ParentTree" in root["/StructTreeRoot"]
    assert all(page["/Tabs"] == "/S" and "/StructParents" in page for page in reader.pages)  # tab order: the structure's


def _xmp(reader: PdfReader) -> str:
    return reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")


def _check_pdf_a(pdf: Path, part: str, level: str) -> None:
    """What a PDF/A validator checks that can be checked here: the XMP identification, the
    output intent with its ICC profile, every font embedded (with a Unicode map for level U), no
    encryption, /Lang, title in XMP and document information alike, printable widgets with appearances."""
    reader = PdfReader(pdf)
    root, xmp = reader.trailer["/Root"], _xmp(reader)
    assert f'pdfaid:part="{part}"' in xmp and f'pdfaid:conformance="{level}"' in xmp, xmp[:400]
    (intent,) = root["/OutputIntents"]
    assert intent["/S"] == "/GTS_PDFA1" and intent["/DestOutputProfile"].get_object()["/N"] == 3
    assert "/Encrypt" not in reader.trailer and str(root["/Lang"]) == "en-GB"
    assert f"<rdf:li xml:lang=\"x-default\">{reader.metadata.title}</rdf:li>" in xmp
    listing = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout
    for row in (line.split() for line in listing.splitlines()[2:] if line.strip()):
        assert row[-5] == "yes" and (level != "U" or row[-3] == "yes"), row  # emb, uni
    for page in reader.pages:
        for annot in (a.get_object() for a in page.get("/Annots", [])):
            assert int(annot["/F"]) & 4 and "/N" in annot["/AP"], annot  # printable, with an appearance


@pytest.mark.parametrize("variant", ["pdf/a-2b", "pdf/a-3u"])
def test_pdf_a_variants_declare_and_satisfy_what_a_validator_checks(tmp_path: Path, variant: str) -> None:
    pdf = _render(tmp_path / "a.pdf", "--pdf-variant", variant)
    _check_pdf_a(pdf, variant[6], variant[7].upper())
    assert "/StructTreeRoot" in PdfReader(pdf).trailer["/Root"]  # still tagged


def test_a_signed_pdf_a_still_declares_and_satisfies_it(tmp_path: Path) -> None:
    from tests.pki import PASS_A, make_pki

    pki = make_pki(tmp_path / "pki")
    pdf = _render(tmp_path / "a.pdf", "--pdf-variant", "pdf/a-2b")
    signed = tmp_path / "signed.pdf"
    result = CliRunner().invoke(
        main, ["sign", str(pdf), "--key", str(pki.a_p12), "--out", str(signed)], env={"ADVOCATE_KEY_PASSPHRASE": PASS_A}
    )
    assert result.exit_code == 0, result.stderr
    assert signed.read_bytes().startswith(pdf.read_bytes())  # an incremental update: the PDF/A file is kept as it was
    _check_pdf_a(signed, "2", "B")
    reader = PdfReader(signed)
    xmp, info = _xmp(reader), reader.metadata
    assert 'pdf:Producer="' + str(info["/Producer"]) + '"' in xmp  # Info and XMP agree after signing too
    modified = str(info["/ModDate"])  # D:YYYYMMDDHHmmSS
    assert f'xmp:ModifyDate="{modified[2:6]}-{modified[6:8]}-{modified[8:10]}T{modified[10:12]}:{modified[12:14]}:{modified[14:16]}' in xmp
