"""The structure tree of every PDF (pdf_tags.py, annex_draw.AnnexTags), checked as a PDF/UA
validator would where pypdf can: every bundled letter in English, Arabic and Chinese; the
accessible variants pdf/ua-1 and pdf/a-2a; signing them; the petition's annex; refusals."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from _helpers import DATE, set_template
from click.testing import CliRunner
from pypdf import PdfReader
from pypdf.generic import ContentStream, DictionaryObject, IndirectObject, NullObject

from generator.cli import main
from generator.compose.build import build_letter, example_requests
from generator.core.workspace import open_workspace
from generator.load.loaded import load

STANDARD = set(
    "Document Part Art Sect Div BlockQuote Caption TOC TOCI Index NonStruct Private P H H1 H2 H3 H4 H5 H6 L LI Lbl LBody "
    "Table TR TH TD THead TBody TFoot Span Quote Note Reference BibEntry Code Link Annot Ruby RB RT RP Warichu WT WP "
    "Figure Formula Form".split()
)  # PDF 1.7 (ISO 32000-1) 14.8.4
TEXT_OPS = {b"Tj", b"TJ", b"'", b'"'}


@dataclass
class Tree:
    """What a walk of the structure tree found."""

    roles: list[tuple[str, int]] = field(default_factory=list)  # (role, page index) in reading order
    holders: dict[tuple[int, int], int] = field(default_factory=dict)  # (page, MCID) -> id of the element holding it
    objrs: dict[int, int] = field(default_factory=dict)  # id of an annotation -> id of the element with its OBJR
    elements: list[DictionaryObject] = field(default_factory=list)


def _id(obj: Any) -> int:
    """The object number of `obj` (a reference, or an object pypdf resolved)."""
    return int(obj.idnum) if isinstance(obj, IndirectObject) else int(obj.indirect_reference.idnum)


def walk(reader: PdfReader) -> Tree:
    """Walk the structure tree from the root (kids: elements, MCIDs, MCRs, OBJRs)."""
    pages = {page.indirect_reference.idnum: n for n, page in enumerate(reader.pages)}
    tree = Tree()

    def visit(ref: Any, page: int | None) -> None:
        node = ref.get_object()
        if node.get("/Type") == "/OBJR":
            tree.objrs[_id(node["/Obj"])] = _id(parent_stack[-1])
            return
        page = pages[_id(node["/Pg"])] if "/Pg" in node else page
        tree.elements.append(node)
        tree.roles.append((str(node["/S"])[1:], page if page is not None else -1))
        parent_stack.append(node)
        kids = node.get("/K", [])
        for kid in kids if isinstance(kids, list) else [kids]:
            if isinstance(kid, int):
                assert page is not None, node
                tree.holders[(page, int(kid))] = _id(node)
            elif isinstance(kid.get_object(), DictionaryObject) and kid.get_object().get("/Type") == "/MCR":
                mcr = kid.get_object()
                tree.holders[(pages[_id(mcr["/Pg"])], int(mcr["/MCID"]))] = _id(node)
            else:
                visit(kid, page)
        parent_stack.pop()

    parent_stack: list[Any] = []
    root = reader.trailer["/Root"]["/StructTreeRoot"]
    for kid in root["/K"] if isinstance(root["/K"], list) else [root["/K"]]:
        visit(kid, None)
    return tree


def marked_content(reader: PdfReader, index: int) -> tuple[set[int], int]:
    """The MCIDs of page `index`'s content, and how many text-showing operators are outside any
    tagged or artifact sequence."""
    page = reader.pages[index]
    stack: list[Any] = []
    mcids, loose = set(), 0
    for operands, op in ContentStream(page.get_contents(), reader).operations:
        if op == b"BDC":
            props = operands[1]
            mcid = props.get("/MCID") if isinstance(props, dict) else None
            stack.append(mcid if mcid is not None else str(operands[0]))
            if mcid is not None:
                mcids.add(int(mcid))
        elif op == b"BMC":
            stack.append(str(operands[0]))
        elif op == b"EMC":
            stack.pop()
        elif op in TEXT_OPS and not any(isinstance(m, int) or m == "/Artifact" for m in stack):
            loose += 1
    return mcids, loose


def parent_tree(reader: PdfReader) -> dict[int, Any]:
    nums = reader.trailer["/Root"]["/StructTreeRoot"]["/ParentTree"].get_object()["/Nums"]
    return {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}


def structure_problems(pdf: bytes) -> list[str]:
    """What a PDF/UA validator would find wrong with the tagging of `pdf` (empty: nothing)."""
    reader = PdfReader(io.BytesIO(pdf))
    root, tree, problems = reader.trailer["/Root"], walk(reader), []
    if not (root.get("/MarkInfo") and bool(root["/MarkInfo"]["/Marked"])) or not str(root.get("/Lang") or ""):
        problems.append("catalog: not /Marked or no /Lang")
    if not bool(root["/ViewerPreferences"]["/DisplayDocTitle"]) or "/Encrypt" in reader.trailer:
        problems.append("catalog: no DisplayDocTitle, or encrypted")
    if "/RoleMap" in root["/StructTreeRoot"] or not {r for r, _ in tree.roles} <= STANDARD:
        problems.append(f"non-standard roles: {sorted({r for r, _ in tree.roles} - STANDARD)}")
    numbers = parent_tree(reader)
    for n, page in enumerate(reader.pages):
        problems += _page_problems(reader, tree, numbers, n, page)
    levels = [int(r[1:]) for r, _ in tree.roles if re.fullmatch(r"H[1-6]", r)]
    if levels and (levels[0] != 1 or any(b > a + 1 for a, b in zip(levels, levels[1:], strict=False))):
        problems.append(f"heading levels {levels}: the first is not H1 or one is skipped")
    return problems


def _page_problems(reader: PdfReader, tree: Tree, numbers: dict[int, Any], n: int, page: Any) -> list[str]:
    """The parent tree, marked content and annotations of page `n`, against the tree."""
    problems = []
    mcids, loose = marked_content(reader, n)
    if loose:
        problems.append(f"page {n + 1}: {loose} text operators neither tagged nor artifacts")
    reached = {m for (p, m) in tree.holders if p == n}
    if mcids != reached:
        problems.append(f"page {n + 1}: MCIDs in the content not reached from the tree: {sorted(mcids - reached)[:5]}")
    entries = numbers.get(int(page.get("/StructParents", -1)))
    by_mcid = {i: _id(e) for i, e in enumerate(entries or []) if not isinstance(e, NullObject) and e is not None}
    if by_mcid != {m: tree.holders[(n, m)] for m in reached}:
        problems.append(f"page {n + 1}: the parent tree does not name the elements holding its MCIDs")
    for annot in (a.get_object() for a in page.get("/Annots", [])):
        key = annot.get("/StructParent")
        holder = numbers.get(int(key)) if key is not None else None
        if holder is None or tree.objrs.get(annot.indirect_reference.idnum) != _id(holder):
            problems.append(f"page {n + 1}: a {annot['/Subtype']} annotation not in the tree through an OBJR and /StructParent")
        elif annot["/Subtype"] == "/Link" and not str(annot.get("/Contents") or ""):
            problems.append(f"page {n + 1}: a link without /Contents")
    if page.get("/Annots") and page.get("/Tabs") != "/S":
        problems.append(f"page {n + 1}: tab order not the structure's")
    return problems


# -- every bundled letter in en, ar, zh ----------------------------------------------------------------


@dataclass
class Letter:
    name: str
    lang: str
    pdf: bytes
    notes: int
    html: str


@pytest.fixture(scope="module")
def letters() -> list[Letter]:
    loaded = load(open_workspace(None))
    requests = {}
    for _label, request in example_requests(loaded, dt.date.fromisoformat(DATE)):
        requests.setdefault(request.letter, request)
    out = []
    for request in requests.values():
        accepted = loaded.letters[request.letter].accepted_languages
        for lang in [x for x in ("en", "ar", "zh") if not accepted or x in accepted]:
            built = build_letter(loaded, replace(request, lang=lang))
            assert built.pdf is not None
            out.append(Letter(request.letter, lang, built.pdf, len(built.notes), built.html))
    assert {letter.name for letter in out} >= {"china-nonrefoulement", "petition", "signon-xi", "un-special-procedures"}
    return out


def test_every_letter_passes_the_structure_checks(letters: list[Letter]) -> None:
    for letter in letters:
        assert structure_problems(letter.pdf) == [], (letter.name, letter.lang)


def test_every_footnote_call_is_a_reference_linked_to_its_note_on_the_same_page(letters: list[Letter]) -> None:
    for letter in letters:
        reader = PdfReader(io.BytesIO(letter.pdf))
        tree = walk(reader)
        notes = {str(e["/ID"]): page for e, (role, page) in zip(tree.elements, tree.roles, strict=True) if role == "Note"}
        firsts = {k: page for k, page in notes.items() if k.count("-") == 1}
        calls = [(e, page) for e, (role, page) in zip(tree.elements, tree.roles, strict=True) if role == "Reference"]
        assert len(firsts) == len(calls) == letter.notes, (letter.name, letter.lang, len(firsts), len(calls))
        for number, (call, page) in enumerate(calls, 1):
            assert firsts[f"note-{number}"] == page, (letter.name, letter.lang, number)
            (link,) = [k.get_object() for k in call["/K"]]
            assert link["/S"] == "/Link"
            objr = next(k.get_object() for k in link["/K"] if not isinstance(k, int))
            annot = objr["/Obj"].get_object()
            target = _id(annot["/Dest"][0])
            assert target == reader.pages[page].indirect_reference.idnum and str(annot["/Contents"])
        per_page = {p: sum(1 for _c, q in calls if q == p) for p in range(len(reader.pages))}
        assert per_page == {p: sum(1 for q in firsts.values() if q == p) for p in range(len(reader.pages))}


def test_a_footnote_link_lies_over_its_call(letters: list[Letter]) -> None:
    letter = next(x for x in letters if x.name == "china-nonrefoulement" and x.lang == "en")
    reader = PdfReader(io.BytesIO(letter.pdf))
    page = reader.pages[0]
    rects = [[float(v) for v in a.get_object()["/Rect"]] for a in page["/Annots"] if a.get_object()["/Subtype"] == "/Link"]
    digits: list[tuple[str, float, float]] = []

    def seen(text, cm, tm, font, size):  # type: ignore[no-untyped-def]
        if text.strip().isdigit() and size * tm[0] * cm[0] < 8:  # the calls are set small
            digits.append((text.strip(), cm[4] + tm[4] * cm[0], cm[5] + tm[5] * cm[3]))

    page.extract_text(visitor_text=seen)
    assert len(rects) >= 3 and digits
    for _text, x, y in digits[: len(rects)]:
        assert any(r[0] - 1 <= x <= r[2] and r[1] <= y <= r[3] for r in rects), (x, y, rects)


def test_runs_in_another_language_are_marked(letters: list[Letter]) -> None:
    for letter in letters:
        langs = {str(e["/Lang"]) for e in walk(PdfReader(io.BytesIO(letter.pdf))).elements if "/Lang" in e}
        foreign = set(re.findall(r'<span lang="([^"]+)"', letter.html))
        assert langs == foreign, (letter.name, letter.lang, langs, foreign)
    assert any("en" in re.findall(r'<span lang="([^"]+)"', x.html) for x in letters if x.lang != "en")


def test_signature_fields_are_form_elements(letters: list[Letter]) -> None:
    checked = 0
    for letter in letters:
        reader = PdfReader(io.BytesIO(letter.pdf))
        tree, numbers = walk(reader), parent_tree(reader)
        for field_ref in reader.trailer["/Root"].get("/AcroForm", {}).get("/Fields", []):
            widget = field_ref.get_object()
            form = numbers[int(widget["/StructParent"])].get_object()
            assert form["/S"] == "/Form" and form["/P"].get_object()["/S"] == "/Div" and str(widget["/TU"])
            assert tree.objrs[widget.indirect_reference.idnum] == _id(form)
            checked += 1
    assert checked >= len(letters)


def test_running_headers_and_page_numbers_are_artifacts(letters: list[Letter]) -> None:
    letter = next(x for x in letters if x.name == "china-nonrefoulement" and x.lang == "en")
    reader = PdfReader(io.BytesIO(letter.pdf))
    for page in reader.pages:
        ops = ContentStream(page.get_contents(), reader).operations
        pagination = [o for o in ops if o[1] == b"BDC" and o[0][0] == "/Artifact" and o[0][1].get("/Type") == "/Pagination"]
        assert pagination, "the page number is not a pagination artifact"


def test_weasyprint_alone_fails_the_checks(tmp_path: Path) -> None:
    """The checks can fail: WeasyPrint's own tags (without pdf_tags.py) break them."""
    from weasyprint import HTML

    html = (
        '<html lang="ar"><head><title>T</title><style>@page { @bottom-center { content: counter(page) } }'
        " .fn { float: footnote }</style></head><body><h2>X</h2><p>نص<span class=fn>ملاحظة</span>"
        ' <span lang="en">English</span></p></body></html>'
    )
    problems = structure_problems(HTML(string=html).write_pdf(pdf_tags=True))
    assert any("not reached from the tree" in p for p in problems) and any("H1" in p for p in problems), problems


# -- the accessible variants, signed; images; the annex ------------------------------------------------


def _render(out: Path, *extra: str, letter: str = "china-nonrefoulement", to: str = "cn-president") -> Path:
    result = CliRunner().invoke(main, ["render", letter, "--to", to, "--date", DATE, "--out", str(out), *extra], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return out


def _xmp(reader: PdfReader) -> str:
    return reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")


def _fonts_embedded(pdf: Path) -> bool:
    listing = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout
    rows = [line.split() for line in listing.splitlines()[2:] if line.strip()]
    return bool(rows) and all(row[-5] == "yes" and row[-3] == "yes" for row in rows)  # embedded, with a Unicode map


@pytest.mark.parametrize(("variant", "declared"), [("pdf/ua-1", 'pdfuaid:part="1"'), ("pdf/a-2a", 'pdfaid:conformance="A"')])
def test_an_accessible_variant_declares_and_satisfies_it_signed_too(tmp_path: Path, variant: str, declared: str) -> None:
    from tests.pki import PASS_A, make_pki

    pdf = _render(tmp_path / "a.pdf", "--pdf-variant", variant, "--lang", "ar")
    signed = tmp_path / "signed.pdf"
    key = make_pki(tmp_path / "pki").a_p12
    result = CliRunner().invoke(main, ["sign", str(pdf), "--key", str(key), "--out", str(signed)], env={"ADVOCATE_KEY_PASSPHRASE": PASS_A})
    assert result.exit_code == 0, result.stderr
    assert signed.read_bytes().startswith(pdf.read_bytes())  # an incremental update
    for each in (pdf, signed):
        reader = PdfReader(each)
        assert declared in _xmp(reader) and re.search("<dc:title[ >]", _xmp(reader)), each.name
        assert structure_problems(each.read_bytes()) == [], each.name
        assert _fonts_embedded(each) and "/Encrypt" not in reader.trailer
    reader = PdfReader(signed)
    (widget,) = [f.get_object() for f in reader.trailer["/Root"]["/AcroForm"]["/Fields"]]
    assert "/V" in widget and parent_tree(reader)[int(widget["/StructParent"])].get_object()["/S"] == "/Form"


def test_the_drawn_annex_is_tagged_as_lists_of_names(tmp_path: Path) -> None:
    csv = Path(__file__).parent.parent / "letters" / "petition" / "sample-signatories.csv"
    pdf = _render(tmp_path / "p.pdf", "--pdf-variant", "pdf/ua-1", "--signatories", str(csv), letter="petition")
    assert structure_problems(pdf.read_bytes()) == []
    reader = PdfReader(pdf)
    roles = [r for r, _ in walk(reader).roles]
    annex = roles[roles.index("Sect") :]
    public = sum(1 for line in csv.read_text(encoding="utf-8").splitlines()[1:] if line.strip()) - 2  # two asked not to be named
    assert annex[:3] == ["Sect", "H2", "P"] and annex.count("LBody") == public and annex.count("H3") == annex.count("L") >= 5
    text = reader.pages[-1].extract_text()
    assert "Annex" in text


def test_an_accessible_variant_refuses_the_untagged_annex(tmp_path: Path, run, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ADVOCATE_ANNEX", "weasyprint")
    csv = Path(__file__).parent.parent / "letters" / "petition" / "sample-signatories.csv"
    out = tmp_path / "p.pdf"
    args = ("--date", DATE, "--signatories", csv, "--pdf-variant", "pdf/ua-1", "--out", out)
    code, stdout, err = run("render", "petition", "--to", "cn-president", *args)
    assert code == 5 and not out.exists() and "Traceback" not in stdout + err
    assert "error: --pdf-variant: the signatory annex laid out by WeasyPrint is not tagged" in err


def test_an_image_needs_alt_text_in_an_accessible_pdf(workspace: Path, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from PIL import Image

    Image.new("RGB", (4, 4), "navy").save(workspace / "letters" / "example" / "logo.png")
    set_template(workspace, '<p><img src="logo.png" style="width: 20px"> Hello.</p>')
    out = tmp_path / "x.pdf"
    ua = ("--date", DATE, "--pdf-variant", "pdf/ua-1", "--out", out)
    code, _stdout, err = run("-w", workspace, "render", "example", "--to", "cn-mfa", *ua)
    assert code == 5 and not out.exists()
    assert "letters/example/letter.html.j2: the image 'logo.png' has no alt text" in err
    set_template(workspace, '<p><img src="logo.png" alt="Example Coalition" style="width: 20px"> Hello.</p>')
    code, _stdout, err = run("-w", workspace, "render", "example", "--to", "cn-mfa", *ua)
    assert code == 0, err
    figures = [e for e in walk(PdfReader(out)).elements if e["/S"] == "/Figure"]
    assert [str(f["/Alt"]) for f in figures] == ["Example Coalition"]
    assert structure_problems(out.read_bytes()) == []
