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


def _embedded_faces(html: str) -> dict[tuple[str, str], set[int]]:
    """{(family, weight): the code points its embedded WOFF2 maps} from the @font-face rules of `html`."""
    import base64
    import io

    from fontTools.ttLib import TTFont

    faces = {}
    for family, weight, data in re.findall(
        r'@font-face \{ font-family: "([^"]+)"; font-weight: (\d+);[^}]*url\("data:font/woff2;base64,([^"]+)"\)', html
    ):
        font = TTFont(io.BytesIO(base64.b64decode(data)))
        assert font.flavor == "woff2"
        faces[family, weight] = set(font.getBestCmap())
    return faces


def test_embedded_fonts_carry_the_glyphs_of_the_text_and_fetch_nothing(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """--embed-fonts: a WOFF2 subset per face the letter uses, in data: URLs; the CSP lets fonts come
    from data: only; the Hangul of the text is in the Korean regular face, that of the subject in
    the bold one (and all of it in one or the other), the Latin runs' letters in Noto Serif; the
    default file embeds none."""
    _render(run, "--lang", "ko", "--embed-fonts", "--out", tmp_path / "letter.html")
    html = (tmp_path / "letter.html").read_text(encoding="utf-8")
    faces = _embedded_faces(html)
    assert {("Noto Serif CJK KR", "400"), ("Noto Serif CJK KR", "700"), ("Noto Serif", "400")} <= faces.keys()
    assert "font-src data:" in html and not re.search(r"url\((?!\"data:)|@import|https?://[^\s\"<>]*\"\)", html)
    assert not re.search(r'<(link|script|img|iframe)\b|\b(src|href)="(?!#)', html)
    text = re.sub(r"<[^>]+>", "", html.split("<body", 1)[1])
    hangul = {ord(c) for c in text if "\uac00" <= c <= "\ud7a3"}
    regular, bold = faces["Noto Serif CJK KR", "400"], faces["Noto Serif CJK KR", "700"]
    assert len(hangul) > 200 and hangul <= regular | bold
    notes = re.sub(r"<[^>]+>", "", html.split('<section class="endnotes"', 1)[1])  # set in the regular face
    assert {ord(c) for c in notes if "\uac00" <= c <= "\ud7a3"} <= regular
    subject = re.sub(r"<[^>]+>", "", re.search(r'class="subject">(.*?)</', html, re.S).group(1))  # type: ignore[union-attr]
    assert {ord(c) for c in subject if "\uac00" <= c <= "\ud7a3"} <= faces["Noto Serif CJK KR", "700"]
    latin = {ord(c) for c in text if c.isascii() and c.isalpha()}  # the Latin face comes first in the CJK letters' fonts
    assert latin and latin <= set().union(*(chars for (family, _), chars in faces.items() if family == "Noto Serif"))
    assert len(regular) < len(hangul) * 1.5  # a subset, not the face's 22,000 characters

    plain = _render(run, "--lang", "ko", "--format", "html", "--out", tmp_path / "plain.html")
    assert "wrote" in plain and "@font-face" not in (tmp_path / "plain.html").read_text(encoding="utf-8")


def test_embed_fonts_needs_html(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run("render", LETTER, "--to", TO, "--embed-fonts", "--out", tmp_path / "x.pdf")
    assert code != 0 and "--embed-fonts" in err and "applies to HTML only" in err and "hint:" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []
