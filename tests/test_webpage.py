"""`render --format html` (generator/render/webpage.py and the render command's --format/--out): one
self-contained file with the stylesheet inline and the footnotes as endnotes linked both ways;
the format follows --out's extension; --out DIR/ takes the default file name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.core.workspace import BUNDLED
from generator.render.webpage import endnotes

LETTER, TO, DATE = "china-nonrefoulement", "cn-president", "2026-11-23"


def _render(run, *args: str) -> str:  # type: ignore[no-untyped-def]
    code, out, err = run("render", LETTER, "--to", TO, "--date", DATE, *args)
    assert code == 0, err
    return out


@pytest.mark.parametrize("lang", ["en", "ar", "zh"])
def test_html_is_one_file_with_the_stylesheet_and_endnotes_linked_both_ways(run, tmp_path: Path, lang: str) -> None:  # type: ignore[no-untyped-def]
    out = _render(run, "--lang", lang, "--out", tmp_path / "letter.html")
    found = re.search(r"\((\d+) footnotes\)", out)
    assert found is not None and int(found.group(1)) > 10, out
    count = int(found.group(1))
    html = (tmp_path / "letter.html").read_text(encoding="utf-8")
    stylesheet = (BUNDLED / "letters" / "_base" / "style.css").read_text(encoding="utf-8")
    assert stylesheet in html and "html:lang(ar)" in html  # the PDF's right-to-left and CJK rules
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert 'class="footnote"' not in html and not re.search(r"<(link|script|img)\b", html)
    calls = re.findall(r'<a class="call" id="call-(\d+)" href="#note-(\d+)"', html)
    notes = re.findall(r'<li id="note-(\d+)"[^>]*>.*?<a class="back" href="#call-(\d+)"', html, re.S)
    assert calls == notes == [(str(n), str(n)) for n in range(1, count + 1)]
    assert html.index('<section class="endnotes"') > html.index('class="signoff"')


def test_endnotes_keep_nested_markup_and_the_notes_language() -> None:
    html = '<p>a<span class="footnote" lang="en" dir="ltr"><i>T</i> <span class="latin">x</span>.</span> b</p>'
    body, notes = endnotes(html)
    assert body == '<p>a<a class="call" id="call-1" href="#note-1" role="doc-noteref">1</a> b</p>'
    assert notes[0].startswith('<li id="note-1" lang="en" dir="ltr"><i>T</i> <span class="latin">x</span>. <a class="back"')


def test_the_stylesheet_cannot_close_the_style_element(workspace: Path, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    css = workspace / "letters" / "_base" / "style.css"
    css.parent.mkdir(exist_ok=True)
    css.write_text("p { color: red }\n/* </style><script>alert(1)</script> */\n", encoding="utf-8")
    code, _, err = run("--workspace", workspace, "render", "example", "--to", "cn-mfa", "--out", tmp_path / "x.html")
    assert code == 0, err
    html = (tmp_path / "x.html").read_text(encoding="utf-8")
    assert "p { color: red }" in html and "</style><script>" not in html


@pytest.mark.parametrize(("name", "magic"), [("x.html", b"<!DOCTYPE html>"), ("x.HTM", b"<!DOCTYPE html>"), ("x.pdf", b"%PDF-")])
def test_the_format_follows_the_extension(run, tmp_path: Path, name: str, magic: bytes) -> None:  # type: ignore[no-untyped-def]
    _render(run, "--out", tmp_path / name)
    assert (tmp_path / name).read_bytes().lstrip().startswith(magic)


@pytest.mark.parametrize("fmt", ["pdf", "html"])
def test_out_folder_takes_the_default_name(run, tmp_path: Path, fmt: str) -> None:  # type: ignore[no-untyped-def]
    name = f"china-nonrefoulement-cn-president-en.{fmt}"
    out = _render(run, "--out", f"{tmp_path / 'new'}/", *(("--format", "html") if fmt == "html" else ()))
    assert f"wrote {tmp_path / 'new' / name}" in out and (tmp_path / "new" / name).is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--out", "x.txt"), "cannot tell the format of 'x.txt' from its extension"),
        (("--out", "x.pdf", "--format", "html"), "does not match --format html"),
    ],
)
def test_a_format_that_cannot_be_told_is_one_error(run, tmp_path: Path, monkeypatch, args: tuple[str, ...], message: str) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    code, _, err = run("render", LETTER, "--to", TO, *args)
    assert code != 0 and message in err and "Traceback" not in err and "hint:" in err
    assert list(tmp_path.iterdir()) == []
