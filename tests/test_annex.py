"""The petition annex drawn directly (generator/petition/annex_draw.py): 1,000 names in six scripts read
back by pdftotext in reading order, the plan and the drawing agreeing on every line, the
WeasyPrint path still selectable, a character no font prints falling back to it, and the same
bytes for the same input."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from generator.core.workspace import open_workspace
from generator.load.countries import country_name
from generator.load.loaded import load
from generator.petition import annex_draw, layout
from generator.petition.signatories import read_signatories

REPO = Path(__file__).resolve().parent.parent
LIBRARY = load(open_workspace()).library
BIDI_MARKS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def render(run, csv_path: Path, out: Path) -> PdfReader:  # type: ignore[no-untyped-def]
    code, _out, err = run("render", "petition", "--to", "cn-president", "--signatories", csv_path, "--out", out, "--date", "2026-11-23")
    assert code == 0, err
    return PdfReader(out)


def annex_text(out: Path, reader: PdfReader, *mode: str) -> list[str]:
    """pdftotext's lines of the annex pages: with "-raw" in the order the PDF draws them, else in
    the order its layout analysis finds (which right-to-left words need, and columns can confuse)."""
    first = next(i for i, page in enumerate(reader.pages) if "Annex: signatories" in page.extract_text()) + 1
    text = subprocess.run(["pdftotext", *mode, "-f", str(first), str(out), "-"], capture_output=True, text=True, check=True).stdout
    return [BIDI_MARKS.sub("", line).strip() for line in text.splitlines() if line.strip()]


def as_read(name: str) -> str:
    """A name as pdftotext's layout analysis gives it back: right-to-left words in logical order,
    a number that ends them first ("59 أحمد الحسن")."""
    if not annex_draw.RTL.search(name):
        return name
    words = name.split()
    return " ".join([w for w in words if w.isdigit()] + [w for w in words if not w.isdigit()])


def as_drawn(name: str) -> str:
    """A name as pdftotext -raw gives it back: a right-to-left name by its number and letters
    (-raw takes its words in visual order and splits the lam-alef ligature)."""
    if not annex_draw.RTL.search(name):
        return name
    return "".join(ch for ch in name if ch.isdigit()) + ":" + "".join(sorted(ch for ch in name if not ch.isdigit() and not ch.isspace()))


def thousand_names(tmp_path: Path) -> tuple[Path, list[str]]:
    """bench's generated list of 1,000 (Latin, Cyrillic, Arabic, Chinese, Japanese, Korean) and its
    public names in the annex's order (groups by English country name, names collated)."""
    sys.path.insert(0, str(REPO / "bench"))
    from signatories import make_csv  # type: ignore[import-not-found]

    path = tmp_path / "1k.csv"
    make_csv(path, 1000)
    public = read_signatories(path, LIBRARY).public
    groups = layout.groups_of(public, "en", lambda code: country_name(code, "en", LIBRARY), lambda label, n: label, "none")
    return path, [name for group in groups for name in group.people]


def test_thousand_names_in_six_scripts_read_back_in_order(tmp_path: Path, run) -> None:  # type: ignore[no-untyped-def]
    path, names = thousand_names(tmp_path)
    scripts = {s: any(re.search(p, n) for n in names) for s, p in [("arabic", "[\u0600-\u06ff]"), ("cyrillic", "[\u0400-\u04ff]"),
               ("hangul", "[\uac00-\ud7af]"), ("kana", "[\u3040-\u30ff]"), ("han", "[\u4e00-\u9fff]"), ("latin", "[a-z]")]}  # fmt: skip
    assert all(scripts.values()), scripts
    out = tmp_path / "p.pdf"
    reader = render(run, path, out)
    drawn = {as_drawn(n): n for n in names}
    in_order = [drawn[as_drawn(line)] for line in annex_text(out, reader, "-raw") if as_drawn(line) in drawn]
    assert in_order == names  # every public name, once, in the annex's order
    rtl = [as_read(n) for n in names if annex_draw.RTL.search(n)]
    assert len(rtl) > 20 and sorted(line for line in annex_text(out, reader) if line in set(rtl)) == sorted(rtl)


def test_plan_and_drawing_break_lines_alike() -> None:
    """The plan counts lines with `line_count`, the drawing breaks them with `break_lines`."""
    width = layout.geometry("A4").column_pt / 8
    texts = ["Anna Example, Paris", "Very long name " * 6, "x" * 120, "김" * 60, "Anna " + "y" * 70 + " Example", "محمد " * 12]
    for text in texts:
        lines = layout.break_lines(text, width)
        assert layout.line_count(text, width) == len(lines)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        assert all(layout.text_width(line) <= width for line in lines)
    assert len(layout.break_lines("x" * 120, width)) >= 3


def test_drawn_and_weasyprint_annex_alike(tmp_path: Path, run, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """ADVOCATE_ANNEX=weasyprint still lays the annex out with WeasyPrint: same pages, labels,
    running header and names as the drawn annex."""
    monkeypatch.setenv("ADVOCATE_WORKERS", "1")
    rows = "".join(f"Person {i:04d},,{['FR', 'KR', 'JP'][i % 3]},,,yes\n" for i in range(700))
    path = tmp_path / "s.csv"
    path.write_text("name,organisation,country,city,email,public\n" + rows, encoding="utf-8")
    readers, texts = [], []
    for mode in ("draw", "weasyprint"):
        monkeypatch.setenv("ADVOCATE_ANNEX", mode)
        out = tmp_path / f"{mode}.pdf"
        readers.append(render(run, path, out))
        texts.append(annex_text(out, readers[-1]))
    drawn, weasy = readers
    assert len(drawn.pages) == len(weasy.pages) and drawn.page_labels == weasy.page_labels
    assert "A-1" in drawn.page_labels
    fonts = [{str(f["/BaseFont"]) for p in r.pages[-2:] for f in p["/Resources"]["/Font"].values()} for r in readers]
    assert fonts[0] != fonts[1]  # two different renderers really ran
    for lines in texts:
        pages = len(drawn.pages) - drawn.page_labels.index("A-1")
        assert [f"Annex: signatories, page {n} of {pages}" for n in range(1, pages + 1)] == [x for x in lines if "page" in x]
        assert sorted(x for x in lines if x.startswith("Person")) == [f"Person {i:04d}" for i in range(700)]


def test_a_character_no_font_prints_goes_to_weasyprint(tmp_path: Path, run) -> None:  # type: ignore[no-untyped-def]
    """A name in a script none of the fonts has (Egyptian hieroglyphs) is not dropped: the
    annex falls back to WeasyPrint's layout, which keeps the other names."""
    shaper = annex_draw.Shaper(["Noto Serif"], "en")
    with pytest.raises(annex_draw.Unsupported, match="U\\+13000"):
        shaper.line("\U00013000 Ra", False, shaper.faces("\U00013000", False))
    path = tmp_path / "s.csv"
    path.write_text("name,organisation,country,city,email,public\nAnna Example,,FR,,,yes\n\U00013000 Ra,,EG,,,yes\n", encoding="utf-8")
    out = tmp_path / "p.pdf"
    lines = annex_text(out, render(run, path, out))
    assert "Anna Example" in lines and "Egypt (1)" in lines


def test_same_input_same_bytes(tmp_path: Path, run) -> None:  # type: ignore[no-untyped-def]
    path, _names = thousand_names(tmp_path)
    outs = [tmp_path / "a.pdf", tmp_path / "b.pdf"]
    for out in outs:
        render(run, path, out)
    assert outs[0].read_bytes() == outs[1].read_bytes()
