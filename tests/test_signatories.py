"""Signatory lists: cleaning, checks, duplicates, collation, the CLI commands, refusal and
--skip-invalid, names printed literally, the petition annex (page numbering, chunks, a 10,000-name
render checked by its extracted text)."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from pypdf import PdfReader

from generator.core.workspace import open_workspace
from generator.load.collation import collate
from generator.load.countries import parse_country
from generator.load.loaded import load
from generator.petition import annex, layout
from generator.petition.signatories import clean_csv, clean_text, neutralise, read_signatories

REPO = Path(__file__).resolve().parent.parent
HEADER = "name,organisation,country,city,email,public\n"
LIBRARY = load(open_workspace()).library


def csv_file(tmp_path: Path, rows: str, name: str = "s.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes((HEADER + rows).encode(encoding))
    return path


def pdf_text(path: Path, *args: str) -> str:
    return subprocess.run(["pdftotext", *args, str(path), "-"], capture_output=True, text=True, check=True).stdout


# -- cleaning -----------------------------------------------------------------------------------


def test_nfc() -> None:
    assert clean_text("Jose\u0301") == "José" and len(clean_text("Jose\u0301")) == 4


def test_whitespace_trimmed_and_collapsed() -> None:
    assert clean_text("  Anna \t\u00a0 Example\u3000 ") == "Anna Example"


@pytest.mark.parametrize("control", ["\u202e", "\u202a", "\u2066", "\u2069", "\u200f", "\u200e", "\u061c"])
def test_bidi_controls_removed(control: str) -> None:
    assert clean_text(f"Eve{control}lyn") == "Evelyn"


@pytest.mark.parametrize("invisible", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"])
def test_zero_width_removed(invisible: str) -> None:
    assert clean_text(f"Ad{invisible}am") == "Adam"


def test_names_otherwise_kept_as_written() -> None:
    for name in ["o'Brien-SMITH Jr.", "<b>x</b>", "{{ x }}", "=1+1", "김 민준", "Ṣọ̀já"]:
        assert clean_text(name) == __import__("unicodedata").normalize("NFC", name)


def test_rows_cleaned_on_read(tmp_path: Path) -> None:
    found = read_signatories(csv_file(tmp_path, "  Mal\u202eory  Example ,, fr ,  Lyon ,,YES\n"), LIBRARY)
    (s,) = found.signatories
    assert (s.name, s.country, s.city, s.public, s.line) == ("Malory Example", "FR", "Lyon", True, 2)


# -- reading and rejecting ----------------------------------------------------------------------


def test_utf8_bom_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + "Anna,,KR,,,yes\n").encode())
    assert [s.name for s in read_signatories(path).signatories] == ["Anna"]


def test_utf16_named(tmp_path: Path, run) -> None:  # type: ignore[no-untyped-def]
    path = csv_file(tmp_path, "Anna,,KR,,,yes\n", encoding="utf-16")
    code, _out, err = run("signatories", "check", path)
    assert code == 3 and "UTF-16" in err and "s.csv" in err


def test_latin1_named_with_line(tmp_path: Path, run) -> None:  # type: ignore[no-untyped-def]
    path = csv_file(tmp_path, "Anna,,KR,,,yes\nJosé,,FR,,,yes\n", encoding="latin-1")
    code, _out, err = run("signatories", "check", path)
    assert code == 3 and "s.csv:3:" in err and "Latin-1" in err


def test_rejected_rows_listed_with_lines(tmp_path: Path) -> None:
    rows = (
        "Good One,,KR,,,yes\n"
        ",,KR,,,yes\n"  # 3 empty name
        "Bad Land,,Atlantis,,,yes\n"  # 4 unknown country
        f"{'x' * 201},,KR,,,yes\n"  # 5 over-long
        "Bell\x07Ringer,,KR,,,yes\n"  # 6 control character
        "Maybe,,KR,,,perhaps\n"  # 7 public neither yes nor no
        "Mail,,KR,,not-an-address,yes\n"  # 8 malformed email
        "Short,,KR\n"  # 9 wrong number of fields
    )
    found = read_signatories(csv_file(tmp_path, rows), LIBRARY)
    assert [s.name for s in found.signatories] == ["Good One"]
    lines = {p.where.line: p.message for p in found.rejected}  # type: ignore[union-attr]
    assert sorted(lines) == [3, 4, 5, 6, 7, 8, 9]
    assert lines[3] == "empty name" and "Atlantis" in lines[4] and "201 characters" in lines[5]
    assert "U+0007" in lines[6] and "perhaps" in lines[7] and "email" in lines[8] and "fields" in lines[9]


def test_header_problems(tmp_path: Path, run) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "h.csv"
    path.write_text("name,country,city\nAnna,KR,Seoul\n", encoding="utf-8")
    code, _out, err = run("signatories", "check", path)
    assert code == 3 and "h.csv:1: the header lacks column(s) public" in err


@pytest.mark.parametrize(
    ("typed", "code"),
    [("kr", "KR"), ("South Korea", "KR"), ("Corée du Sud", "KR"), ("대한민국", "KR"), ("中国", "CN"), ("Deutschland", "DE"),
     ("the United Kingdom", "GB"), ("USA", "US"), ("Côte d’Ivoire", "CI"), ("日本", "JP"), ("Atlantis", None), ("EU", None)],
)  # fmt: skip
def test_country_names_typed_by_humans(typed: str, code: str | None) -> None:
    assert parse_country(typed, LIBRARY) == code


# -- duplicates ---------------------------------------------------------------------------------


def test_duplicates_counted_once_and_reported(tmp_path: Path) -> None:
    rows = (
        "Anna Example,,FR,Paris,anna@example.org,yes\n"  # 2
        "Someone Else,,DE,,ANNA@example.org,yes\n"  # 3 same email
        "anna  EXAMPLE,,fr,,,yes\n"  # 4 same name and country, case and spacing aside
        "Ａｎｎａ Example,,France,,,no\n"  # 5 full-width letters
        "Anna Example,,DE,,,yes\n"  # 6 same name, other country: another person
    )
    found = read_signatories(csv_file(tmp_path, rows), LIBRARY)
    assert [(s.name, s.country) for s in found.signatories] == [("Anna Example", "FR"), ("Anna Example", "DE")]
    assert [(p.where.line, p.message) for p in found.duplicates] == [  # type: ignore[union-attr]
        (3, "duplicate of line 2: 'Someone Else' counted once"),
        (4, "duplicate of line 2: 'anna EXAMPLE' counted once"),
        (5, "duplicate of line 2: 'Ａｎｎａ Example' counted once"),
    ]


# -- collation ----------------------------------------------------------------------------------


def test_collation_english() -> None:
    assert collate(["zoe", "Émile", "adam", "Eve", "Zoë", "emile"], "en") == ["adam", "emile", "Émile", "Eve", "zoe", "Zoë"]


def test_collation_french_accents_after_base_letters() -> None:
    # CLDR French (France): accents compared forwards, after the base letters; case last; Œ as OE
    names = ["côté", "Zoé", "cote", "Œdipe", "Côte", "zèbre", "coté", "école", "Oeuvre", "Ecole"]
    assert collate(names, "fr") == ["cote", "coté", "Côte", "côté", "Ecole", "école", "Œdipe", "Oeuvre", "zèbre", "Zoé"]


def test_collation_korean_dictionary_order() -> None:
    names = ["최수아", "김민준", "Adam", "박지훈", "이서연", "강하은", "정예준"]
    assert collate(names, "ko") == ["강하은", "김민준", "박지훈", "이서연", "정예준", "최수아", "Adam"]


def test_collation_chinese_by_pinyin() -> None:
    # 阿 a, 陈 chen, 李 li, 王 wang, 张 zhang: pinyin order, not code-point order (张 < 李 < 王 < 阿 < 陈)
    names = ["张伟", "李娜", "王芳", "阿明", "陈静"]
    assert sorted(names) != collate(names, "zh")
    assert collate(names, "zh") == ["阿明", "陈静", "李娜", "王芳", "张伟"]


# -- names are data -----------------------------------------------------------------------------


def test_clean_csv_neutralises_formulas_and_reads_back(tmp_path: Path) -> None:
    hostile = ['=HYPERLINK("http://x.example","click")', "+1-2", "-3", "@SUM(A1)"]
    rows = "".join(f'"{h.replace(chr(34), chr(34) * 2)}",,KR,,,yes\n' for h in hostile)
    found = read_signatories(csv_file(tmp_path, rows), LIBRARY)
    text = clean_csv(found.signatories)
    cells = [row[0] for row in csv.reader(io.StringIO(text))][1:]
    assert all(c.startswith("'") for c in cells) and neutralise("Anna") == "Anna"
    again = tmp_path / "again.csv"
    again.write_text(text, encoding="utf-8")
    assert [s.name for s in read_signatories(again, LIBRARY).signatories] == hostile


def test_cli_clean_stats(tmp_path: Path, run) -> None:  # type: ignore[no-untyped-def]
    path = csv_file(tmp_path, "Anna,Org A,KR,,a@example.org,yes\nBen,,KR,,,no\nAnna,,KR,,A@EXAMPLE.ORG,yes\n,,JP,,,yes\n")
    out = tmp_path / "clean.csv"
    code, _stdout, err = run("signatories", "clean", path, "--out", out)
    assert code == 4 and "s.csv:5: empty name" in err and "--skip-invalid" in err and not out.exists()
    code, stdout, err = run("signatories", "clean", path, "--out", out, "--skip-invalid")
    assert code == 0 and "s.csv:5: left out: empty name" in err
    assert f"read 4 row(s) from {path}; wrote 2 signatories to {out} (left out: 1 rejected, 1 duplicate(s))" in stdout
    assert out.read_text(encoding="utf-8-sig").splitlines()[1:] == ["Anna,Org A,KR,,a@example.org,yes", "Ben,,KR,,,no"]
    code, stdout, _err = run("signatories", "stats", path)
    assert code == 0 and "public 1" in stdout and "not public 1" in stdout
    assert any(line.startswith("KR Republic of Korea") and line.split()[-4:] == ["2", "1", "1", "1"] for line in stdout.splitlines())


HOSTILE = ["<b>Bold</b> Person", "{{ 7 * 7 }} Curly", '=HYPERLINK("http://evil.example","x")', "Mal\u202eory Reversed"]


def hostile_csv(tmp_path: Path, invalid: bool) -> Path:
    rows = "".join(f'"{h.replace(chr(34), chr(34) * 2)}",,FR,Paris,h{i}@example.org,yes\n' for i, h in enumerate(HOSTILE))
    rows += "Hidden Person,,FR,,secret@example.org,no\n"
    if invalid:
        rows += ",,FR,,,yes\nBad Land,,Atlantis,,,yes\n"
    return csv_file(tmp_path, rows)


def test_refusal_then_skip_invalid_and_names_printed_literally(tmp_path: Path, run) -> None:  # type: ignore[no-untyped-def]
    path = hostile_csv(tmp_path, invalid=True)
    out = tmp_path / "p.pdf"
    code, _out, err = run("render", "petition", "--to", "cn-president", "--signatories", path, "--out", out, "--date", "2026-11-23")
    assert code == 4 and "s.csv:7: empty name" in err and "s.csv:8: unknown country 'Atlantis'" in err and "--skip-invalid" in err
    assert not out.exists()
    code, _out, err = run(
        "render", "petition", "--to", "cn-president", "--signatories", path, "--out", out, "--date", "2026-11-23", "--skip-invalid"
    )
    assert code == 0, err
    assert "s.csv:7: left out: empty name" in err and "2 rejected row(s) left out" in err
    text = pdf_text(out)
    for name in ["<b>Bold</b> Person", "{{ 7 * 7 }} Curly", '=HYPERLINK("http://evil.example","x")', "Malory Reversed"]:
        assert name in text
    assert "49 Curly" not in text and "Hidden Person" not in text and "h0@example.org" not in text and "secret@" not in text
    assert "This petition has been signed by 5 people, 1 of whom asked not to be named publicly." in " ".join(text.split())


def test_signon_lists_organisations_in_collation_order(tmp_path: Path, run) -> None:  # type: ignore[no-untyped-def]
    orgs = ["Zeta Rights", "Émile Foundation", "alpha Aid", "Eagle Watch", "Hidden Org"]
    rows = "".join(f"P{i},{o},FR,,,{'no' if o == 'Hidden Org' else 'yes'}\n" for i, o in enumerate(orgs))
    out = tmp_path / "s.html"
    code, _o, err = run(
        "render", "signon-xi", "--to", "cn-president", "--signatories", csv_file(tmp_path, rows), "--format", "html", "--out", out
    )
    assert code == 0, err
    html = out.read_text(encoding="utf-8")
    positions = [html.index(f"<b>{o}</b>") for o in ["alpha Aid", "Eagle Watch", "Émile Foundation", "Zeta Rights"]]
    assert positions == sorted(positions) and "Hidden Org" not in html
    assert "the undersigned 5 organisations" in html and "by one further organisation" in html


# -- the annex ----------------------------------------------------------------------------------


def test_line_count_measures_wrapping() -> None:
    assert layout.line_count("Anna Example, Paris", 30) == 1
    assert layout.line_count("Anna " * 20, 15) >= 3
    assert layout.line_count("x" * 200, 30) >= 4  # one long word breaks anywhere
    assert layout.line_count("김" * 40, 21) == 2  # CJK: 1 em each, breaks between characters


def test_plan_never_overfills_a_column() -> None:
    geo = layout.geometry("A4")
    people = [f"Person {i}, City" for i in range(1000)] + ["Very long name " * 12] + [f"黄娜 {i}" for i in range(300)]
    groups = [layout.Group("A", "A (600)", people[:600]), layout.Group("B", "B (701)", people[600:])]
    pages = layout.plan(groups, geo)
    for p, page in enumerate(pages):
        assert len(page) <= geo.columns
        for c, column in enumerate(page):
            budget = (geo.lines - (geo.intro_lines if p == 0 else 0)) * geo.line_pt
            assert sum(e.height(geo) for e in column) <= budget
            assert not column[-1].heading
            if (p, c) != (0, 0):
                assert column[0].heading  # a group going on repeats its heading
    listed = [e.text for page in pages for column in page for e in column if not e.heading and e.text]
    assert listed == people


def test_annex_page_numbering_across_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(annex, "CHUNK_PAGES", 2)  # several chunks, rendered in this process
    monkeypatch.setenv("ADVOCATE_WORKERS", "1")
    rows = "".join(f"Person {i:04d},,{['FR', 'KR', 'JP'][i % 3]},,,yes\n" for i in range(1300))
    out = tmp_path / "p.pdf"
    code, _o, err = run("render", "petition", "--to", "cn-president", "--signatories", csv_file(tmp_path, rows), "--out", out)
    assert code == 0, err
    reader = PdfReader(out)
    letter_pages = next(i for i, page in enumerate(reader.pages) if "Annex: signatories" in page.extract_text())
    annex_pages = len(reader.pages) - letter_pages
    assert annex_pages >= 5  # at least three chunks
    for n in range(1, annex_pages + 1):
        text = pdf_text(out, "-f", str(letter_pages + n), "-l", str(letter_pages + n))
        assert f"Annex: signatories, page {n} of {annex_pages}" in text
    assert reader.page_labels[: letter_pages + 2] == [*(str(i) for i in range(1, letter_pages + 1)), "A-1", "A-2"]
    assert reader.metadata is not None and reader.metadata.title.startswith("Petition")
    assert reader.get_fields()  # the letter's signature fields survive the join


def test_annex_output_is_deterministic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ADVOCATE_WORKERS", "1")
    path = csv_file(tmp_path, "".join(f"Person {i},,KR,,,yes\n" for i in range(300)))
    outs = [tmp_path / "a.pdf", tmp_path / "b.pdf"]
    for out in outs:
        assert run("render", "petition", "--to", "cn-president", "--signatories", path, "--out", out, "--date", "2026-11-23")[0] == 0
    assert outs[0].read_bytes() == outs[1].read_bytes()


def test_ten_thousand_name_petition(tmp_path: Path) -> None:
    """Rendered by the real command (a process pool, several chunks): every public name exactly once."""
    sys.path.insert(0, str(REPO / "bench"))
    from signatories import make_csv  # type: ignore[import-not-found]

    path = tmp_path / "10k.csv"
    make_csv(path, 10_000)
    found = read_signatories(path, LIBRARY)
    public = [s.name for s in found.public]
    assert len(found.signatories) == 10_000 and 8_500 < len(public) < 9_500
    out = tmp_path / "10k.pdf"
    exe = Path(sys.executable).with_name("advocate")
    done = subprocess.run(
        [str(exe), "render", "petition", "--to", "cn-president", "--signatories", str(path), "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    extracted = [clean_text(line) for line in pdf_text(out, "-raw").splitlines()]
    lines = Counter(extracted) + Counter(_letters(line) for line in extracted if _rtl(line))
    missing = [n for n in public if lines[n] != 1 and lines[_letters(n)] != 1]
    assert not missing, missing[:10]
    hidden = [s.name for s in found.signatories if not s.public]
    assert not [n for n in hidden if lines[n] or lines[_letters(n)]]
    assert f"This petition has been signed by {10_000:,} people" in " ".join(pdf_text(out, "-f", "1", "-l", "3").split())


def _rtl(text: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in text)


def _letters(text: str) -> str:
    """An Arabic name as pdftotext gives it back: words in visual order and the lam-alef ligature
    as two letters in either order; compared by its letters and its number."""
    number = "".join(ch for ch in text if ch.isdigit())
    digits = [w for w in text.split() if w.isdigit()]
    number = digits[0] if digits else number
    return "rtl:" + number + ":" + "".join(sorted(ch for ch in text if not ch.isdigit() and not ch.isspace()))


# -- a damaged file is refused whole ------------------------------------------------------------


def broken_203(tmp_path: Path) -> Path:
    """203 lines: the header, 202 signatories, and an opening quote never closed on line 3."""
    rows = [f"Person {i:03d},,FR,Paris,,yes" for i in range(202)]
    rows[1] = '"Person 001,,FR,Paris,,yes'
    path = csv_file(tmp_path, "\n".join(rows) + "\n", name="x.csv")
    assert len(path.read_text(encoding="utf-8").splitlines()) == 203
    return path


def test_unterminated_quote_in_203_lines_is_an_error_at_its_line(tmp_path: Path, run) -> None:  # type: ignore[no-untyped-def]
    path = broken_203(tmp_path)
    code, out, err = run("signatories", "check", path)
    assert code == 3 and "rejected" not in out
    assert err.startswith("error: ") and "x.csv:3: unterminated quote" in err and "200 line(s)" in err and "hint:" in err
    pdf = tmp_path / "p.pdf"
    code, _out, err = run("render", "petition", "--to", "cn-president", "--signatories", path, "--out", pdf, "--skip-invalid")
    assert code == 3 and "x.csv:3: unterminated quote" in err and "signed by" not in err and not pdf.exists()
    before = path.read_bytes()
    code, _out, err = run("signatories", "clean", path, "--out", tmp_path / "clean.csv", "--skip-invalid")
    assert code == 3 and "x.csv:3:" in err and not (tmp_path / "clean.csv").exists()
    code, _out, err = run("signatories", "clean", path, "--out", path, "--skip-invalid")
    assert code == 3 and "--out" in err and path.read_bytes() == before


@pytest.mark.parametrize(
    ("rows", "line", "says"),
    [
        # a quote closed three lines further down, followed by text
        ('Anna,,FR,,,yes\n"Ben,,FR,,,yes\nCarl,,FR,,,yes\n"Dana",,FR,,,yes\nEve,,FR,,,yes\n', 3, "runs to line 5, swallowing 2 line(s)"),
        # a quote in organisation closed on the next row, leaving the right number of fields
        ('Anna,"Org,FR,Paris,,yes\nBen,Org2",FR,Paris,,yes\nCarl,,FR,,,yes\n', 2, "runs over 2 lines (to line 3) and swallows"),
        # a quoted cell over many lines (blank lines inside, so no comma betrays it)
        ('Anna,"Org\n\n\n\nEnd",FR,Paris,,yes\nCarl,,FR,,,yes\n', 2, "runs over 5 lines"),
        # a quoted cell over two lines leaving too many fields
        ('Anna,"Org\nBen",FR,Paris,,yes,more\nCarl,,FR,,,yes\n', 2, "runs over 2 lines"),
        ('Anna,,FR,,,yes\n"Carl,,FR,,,yes\n', 3, "unterminated quote"),
        ('Anna,,FR,,,yes\n"Carl" Jr,,FR,,,yes\n', 3, "misplaced quote"),
    ],
)
def test_quote_damage_named_where_it_starts(tmp_path: Path, run, rows: str, line: int, says: str) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("signatories", "check", csv_file(tmp_path, rows))
    assert code == 3 and out == ""
    (first, hint) = err.splitlines()
    assert first.startswith(f"error: {tmp_path / 's.csv'}:{line}: ") and says in first and hint.startswith("  hint: ")


def test_a_line_break_inside_a_cell_is_a_space(tmp_path: Path) -> None:
    rows = 'Anna,"Amnesty International\r\nKorea Section",KR,Seoul,,yes\nCarl,,FR,,,yes\n'
    found = read_signatories(csv_file(tmp_path, rows), LIBRARY)
    assert [(s.organisation, s.line) for s in found.signatories] == [("Amnesty International Korea Section", 2), ("", 4)]


def test_columns_shifting_from_a_row_on_is_an_error(tmp_path: Path, run) -> None:  # type: ignore[no-untyped-def]
    rows = "Anna,,FR,,,yes\nKim, Anna,,KR,,,yes\nLee, Ben,,KR,,,yes\nPark, Chan,,KR,,,yes\nCarl,,FR,,,yes\n"
    code, _out, err = run("signatories", "check", csv_file(tmp_path, rows))
    assert code == 3 and "s.csv:3: the columns shift here: 3 rows in a row (to line 5) have 7 fields, the header 6" in err
    two = "Anna,,FR,,,yes\nKim, Anna,,KR,,,yes\nLee, Ben,,KR,,,yes\nCarl,,FR,,,yes\nShort,,FR\n"
    found = read_signatories(csv_file(tmp_path, two, name="two.csv"), LIBRARY)
    assert [p.where.line for p in found.rejected] == [3, 4, 6]  # type: ignore[union-attr]


MIXED = (
    "Anna Example,,FR,Paris,anna@example.org,yes\n"
    ",,FR,,,yes\n"  # empty name
    "Bad Land,,Atlantis,,,yes\n"
    "\u3164,,KR,,,yes\n"  # a filler for a name
    "Ben,,Congo,,,yes\n"  # ambiguous, no choice
    "Short,,FR\n"
    "Maybe,,FR,,,perhaps\n"
    "anna example,,France,,,yes\n"  # duplicate
    "Chloe,,Korea,,,no\n"  # ambiguous, read as KR: a warning
    "Dev,\u2800,IN,,,yes\n"  # organisation of a blank
    "Emil,,DE,,,yes\n"
)


@pytest.mark.parametrize("rows", [MIXED, MIXED + 'Fay,"Org,FR,Paris,,yes\nGus,Org2",FR,Paris,,yes\n'])
def test_skip_invalid_drops_only_the_rows_it_lists(tmp_path: Path, run, rows: str) -> None:  # type: ignore[no-untyped-def]
    path = csv_file(tmp_path, rows)
    out = tmp_path / "p.html"
    code, _out, err = run(
        "render", "petition", "--to", "cn-president", "--signatories", path, "--format", "html", "--out", out, "--skip-invalid"
    )
    if code != 0:  # a file that cannot be read whole is refused whole
        assert code == 3 and not out.exists() and len(err.splitlines()) == 2
        return
    in_file = len(path.read_text(encoding="utf-8").splitlines()) - 1
    rejected = [line for line in err.splitlines() if ": left out: " in line]
    duplicates = [line for line in err.splitlines() if ": duplicate of line " in line]
    accepted = int(re.search(r"signed by (\d+) (?:person|people)", out.read_text(encoding="utf-8")).group(1))  # type: ignore[union-attr]
    assert in_file == accepted + len(rejected) + len(duplicates) and (accepted, len(rejected), len(duplicates)) == (3, 7, 1)
    assert f"7 rejected row(s) left out (--skip-invalid); {in_file} row(s): 3 used, 1 duplicate(s) counted once" in err


# -- names with nothing to see ------------------------------------------------------------------

INVISIBLE_NAMES = [
    "\u3164", "\u115f", "\u1160", "\uffa0", "\u2800", "\ufffc", "\U0001d159", "\u3164\u3164 \u3164", "\u115f\u200b\u1160",
    "\ufe0f", "\U000e0041\U000e0042", "\u00ad", "\u034f", "\u180e", "\u0301", "\u17b4", "\ue000", "\u2800\u3000\u2800",
]  # fmt: skip


@pytest.mark.parametrize("name", INVISIBLE_NAMES)
def test_names_with_no_visible_character_rejected(tmp_path: Path, name: str) -> None:
    found = read_signatories(csv_file(tmp_path, f"{name},,KR,,,yes\n"), LIBRARY)
    assert not found.signatories
    (problem,) = found.rejected
    assert problem.where.line == 2 and problem.message.startswith("name has no visible character (U+")  # type: ignore[union-attr]


def test_invisible_names_listed_one_line_each(tmp_path: Path, run) -> None:  # type: ignore[no-untyped-def]
    rows = "\u3164,,KR,,,yes\nAnna,,KR,,,yes\n\u2800,,KR,,,yes\nBen,\u115f,KR,,,yes\nCara,,KR,\ufffc,,yes\n"
    code, out, err = run("signatories", "check", csv_file(tmp_path, rows))
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert code == 4 and "5 row(s): 1 accepted" in out and "4 rejected" in out
    assert [e.split(": ")[1].rsplit(":", 1)[1] for e in errors] == ["2", "4", "5", "6"]
    assert "(U+3164 HANGUL FILLER)" in errors[0] and "(U+2800 BRAILLE PATTERN BLANK)" in errors[1]
    assert "organisation has no visible character" in errors[2] and "city has no visible character" in errors[3]


def test_real_names_are_visible(tmp_path: Path) -> None:
    names = ["Ṣọ̀já", "김민준", "김\u3164민준", "李", "ا", "Ｘ", "O'Brien", "Zoë\ufe0f", "𠀋𠀋", "आ", "ⵣ", "—", "🙂"]
    rows = "".join(f"{n},,KR,,,yes\n" for n in names)
    found = read_signatories(csv_file(tmp_path, rows), LIBRARY)
    assert not found.rejected and len(found.signatories) == len(names)


# -- ambiguous countries ------------------------------------------------------------------------


def test_ambiguous_country_warns_with_the_code_chosen_or_rejects(tmp_path: Path, run) -> None:  # type: ignore[no-untyped-def]
    rows = "Anna,,Korea,,,yes\nBen,,Congo,,,yes\nCara,,Guinée,,,yes\nDev,,DR Congo,,,yes\nEla,,South Korea,,,yes\n"
    path = csv_file(tmp_path, rows)
    found = read_signatories(path, LIBRARY)
    assert [(s.name, s.country) for s in found.signatories] == [("Anna", "KR"), ("Cara", "GN"), ("Dev", "CD"), ("Ela", "KR")]
    assert [(p.where.line, p.message) for p in found.rejected] == [  # type: ignore[union-attr]
        (3, "country 'Congo' is ambiguous: CG (Congo - Brazzaville) or CD (Congo - Kinshasa)")
    ]
    warnings = {p.where.line: p.message for p in found.warnings}  # type: ignore[union-attr]
    assert sorted(warnings) == [2, 4]
    assert warnings[2].startswith("country 'Korea' is ambiguous: read as KR (Republic of Korea); it may also mean KP")
    assert "read as GN (Guinea)" in warnings[4] and "GW (Guinea-Bissau)" in warnings[4]
    code, _out, err = run("signatories", "check", path)
    assert code == 4 and "s.csv:2: country 'Korea' is ambiguous: read as KR" in err and "hint: write the ISO code (CG, CD)" in err


@pytest.mark.parametrize(
    ("typed", "code"), [("Korea", "KR"), ("Congo", None), ("kongo", None), ("Guinea", "GN"), ("Sudan", "SD"), ("CG", "CG")]
)
def test_parse_country_ambiguous_names(typed: str, code: str | None) -> None:
    assert parse_country(typed, LIBRARY) == code


def test_clean_never_overwrites_its_input(tmp_path: Path, run) -> None:  # type: ignore[no-untyped-def]
    path = csv_file(tmp_path, "Anna,,KR,,,yes\nAnna,,KR,,,yes\n")
    (tmp_path / "d").mkdir()
    link = tmp_path / "link.csv"
    link.symlink_to(path)
    before = path.read_bytes()
    for out in [path, tmp_path / "d" / ".." / "s.csv", link]:
        code, stdout, err = run("signatories", "clean", path, "--out", out)
        assert (code, stdout) == (3, "") and err.startswith("error: --out: names the input file") and path.read_bytes() == before



def test_an_ordinary_letter_loads_no_petition_machinery(tmp_path, monkeypatch):
    """A cold `advocate render` of a letter without signatories imported the annex, the signatory
    reader and ICU (through a collation of the empty signatory list) and Babel's catalogue
    checkers: about 0.1 s of a 0.9 s start. They are imported only when needed now."""
    monkeypatch.delenv("ADVOCATE_WORKSPACE", raising=False)
    out = tmp_path / "letter.pdf"
    code = (
        "import sys\nfrom generator.cli import main\n"
        f"try:\n    main(['render', 'china-nonrefoulement', '--to', 'cn-president', '--out', {str(out)!r}])\n"
        "except SystemExit as exc:\n    assert not exc.code, exc.code\n"
        "heavy = ('icu', 'generator.petition.annex', 'generator.petition.signatories', 'babel.messages.checkers')\n"
        "print('LOADED:', *sorted(m for m in heavy if m in sys.modules), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"%PDF")
    assert done.stderr.strip().splitlines()[-1] == "LOADED:"
