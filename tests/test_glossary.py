"""`advocate i18n glossary`: the library's terms as CSV (Weblate's column names) and TBX-Basic."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from xml.etree import ElementTree as ET

from _helpers import set_template, write

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
TREATY = """
key: test-treaty
short_title: "=TT"
title:
  en: Convention on Testing
  fr: Convention sur les essais
  de: Übereinkommen über Prüfungen
title_flags: {fr: V2, de: U}
adopted: {date: 2000-01-01, flag: V, source: test}
"""


def _glossary(run, ws: Path, out: Path, *langs: str):  # type: ignore[no-untyped-def]
    args = [a for lang in langs for a in ("--lang", lang)]
    code, stdout, err = run("-w", ws, "i18n", "glossary", *args, "--out", out)
    assert code == 0, err
    return stdout


def test_csv_gives_official_titles_with_flags_and_never_a_u_title_as_target(workspace: Path, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(workspace / "citations" / "treaties" / "test-treaty.yaml", TREATY)
    set_template(workspace, "<p>{% trans %}An enforced disappearance.{% endtrans %}</p>")
    out = tmp_path / "glossary.csv"
    assert "terms)" in _glossary(run, workspace, out, "fr", "de")
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert list(rows[0])[:4] == ["source", "target", "context", "developer_comments"]  # translate-toolkit's (Weblate's) names
    titles = {r["language"]: r for r in rows if r["key"] == "test-treaty" and r["kind"] == "treaty title"}
    assert (titles["fr"]["target"], titles["fr"]["flag"]) == ("Convention sur les essais", "V2")
    assert titles["de"]["target"] == "" and titles["de"]["flag"] == "U"
    assert "NOT VERIFIED" in titles["de"]["developer_comments"] and "Übereinkommen über Prüfungen" in titles["de"]["developer_comments"]
    short = next(r for r in rows if r["key"] == "test-treaty" and r["kind"] == "treaty short title")
    assert short["source"] == "'=TT"  # a spreadsheet never runs a library text as a formula
    state = next(r for r in rows if r["key"] == "KP" and r["kind"] == "state name" and r["language"] == "de")
    assert state["target"] == "Nordkorea" and "CLDR" in state["developer_comments"]
    assert any(r["kind"] == "mandate title" and r["key"] == "sr-dprk" for r in rows)
    assert any(r["kind"] == "citation term" and r["source"] == "Ibid" for r in rows)
    assert any(r["kind"] == "legal term" and r["source"] == "enforced disappearance" for r in rows)


def test_tbx_basic_has_one_entry_per_concept_and_no_u_term(workspace: Path, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(workspace / "citations" / "treaties" / "test-treaty.yaml", TREATY)
    out = tmp_path / "glossary.tbx"
    _glossary(run, workspace, out, "fr", "de")
    assert out.read_bytes().startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE martif SYSTEM "TBXBasiccoreStructV02.dtd">')
    root = ET.parse(out).getroot()
    assert (root.tag, root.get("type"), root.get(XML_LANG)) == ("martif", "TBX-Basic", "en")
    entry = next(e for e in root.iter("termEntry") if e.findtext("note") == "treaty title test-treaty")
    terms = {ls.get(XML_LANG): ls.findtext("tig/term") for ls in entry.findall("langSet")}
    assert terms == {"en": "Convention on Testing", "fr": "Convention sur les essais"}
    fr = next(ls for ls in entry.findall("langSet") if ls.get(XML_LANG) == "fr")
    assert fr.find("tig/termNote[@type='administrativeStatus']").text == "preferredTerm-admn-sts"
    notes = [n.text for n in entry.findall("note")]
    assert any(n.startswith("de: NOT VERIFIED") for n in notes)
    children = [child.tag for child in entry]
    assert children.index("langSet") > max(i for i, tag in enumerate(children) if tag == "note")  # notes before langSets
    for tig in root.iter("tig"):  # TBX-Basic: every term has its part of speech
        assert tig[0].tag == "term" and tig.find("termNote[@type='partOfSpeech']") is not None


def test_glossary_refuses_an_unknown_format_and_english(workspace: Path, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, _out, err = run("-w", workspace, "i18n", "glossary", "--lang", "fr", "--out", tmp_path / "g.xlsx")
    assert code == 2 and "--out: cannot tell the glossary format from 'g.xlsx'" in err and not (tmp_path / "g.xlsx").exists()
    code, _out, err = run("-w", workspace, "i18n", "glossary", "--lang", "en", "--out", tmp_path / "g.csv")
    assert code == 2 and "no glossary for 'en'" in err and not (tmp_path / "g.csv").exists()
