"""Languages: the translators' workflow and its checks on small fixture catalogues, then every
bundled letter rendered in every language (script, fonts, direction, line breaks, footnote terms)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from _helpers import DATE, set_languages, set_template, write
from babel.messages.pofile import read_po, write_po

from generator.core.locales import po_path

# -- the workflow on a fixture workspace ----------------------------------------------------


def _catalogue(ws: Path, lang: str = "fr"):  # type: ignore[no-untyped-def]
    with po_path(ws, lang).open("rb") as handle:
        return read_po(handle)


def _save(ws: Path, catalog, lang: str = "fr") -> None:  # type: ignore[no-untyped-def]
    buf = io.BytesIO()
    write_po(buf, catalog, width=100)
    po_path(ws, lang).write_bytes(buf.getvalue())


FRENCH = {
    "Forced returns of North Korean escapees": "Retours forcés d’évadés nord-coréens",
    "We write to you about the forced return of North Korean escapees from China.": (
        "Nous vous écrivons au sujet du retour forcé d’évadés nord-coréens depuis la Chine."
    ),
    "China has been a party to the Convention against Torture since %(date)s. Article 3(1) provides: %(quote1)s": (
        "La Chine est partie à la Convention contre la torture depuis le %(date)s. L’article 3, paragraphe 1, dispose : %(quote1)s"
    ),
    "We urge your Government to halt all forced returns and to grant UNHCR access to those detained.": (
        "Nous prions instamment votre Gouvernement de mettre fin à tous les retours forcés."
    ),
}


@pytest.fixture
def french(workspace: Path, run):  # type: ignore[no-untyped-def]
    """The init workspace with its example letter translated into French (its own messages only)."""
    set_languages(workspace, "[en, fr]")
    assert run("-w", workspace, "i18n", "extract")[0] == 0
    assert run("-w", workspace, "i18n", "init", "fr")[0] == 0
    catalog = _catalogue(workspace)
    for message in catalog:
        if message.id in FRENCH:
            message.string = FRENCH[message.id]
    _save(workspace, catalog)
    return workspace


def _set(ws: Path, msgid: str, msgstr: str) -> int:
    catalog = _catalogue(ws)
    catalog[msgid].string = msgstr
    _save(ws, catalog)
    return _catalogue(ws)[msgid].lineno


def test_extract_takes_trans_blocks_comments_and_library_texts(workspace: Path, run) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run("-w", workspace, "i18n", "extract")
    assert code == 0
    pot = (workspace / "locales" / "messages.pot").read_text(encoding="utf-8")
    assert 'msgid "We write to you about the forced return of North Korean escapees from China."' in pot
    assert "#. Prose goes in" not in pot  # only Translators: comments are kept
    assert 'msgctxt "footnote"\nmsgid "Ibid"' in pot
    assert 'msgctxt "pinpoint"\nmsgid "art %(n)s"' in pot


def test_french_render_uses_the_catalogue_and_warns_about_the_rest(french: Path, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "fr.html"
    code, _out, err = run(
        "-w", french, "render", "example", "--to", "cn-mfa", "--lang", "fr", "--date", DATE, "--format", "html", "--out", out
    )
    assert code == 0, err
    html = out.read_text(encoding="utf-8")
    assert "Nous vous écrivons au sujet du retour forcé" in html
    assert 'lang="fr"' in html
    assert "untranslated in 'fr', English used" in err  # base layout and library texts are not translated here


def test_strict_refuses_untranslated_and_writes_nothing(french: Path, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "fr.pdf"
    code, _out, err = run("-w", french, "render", "example", "--to", "cn-mfa", "--lang", "fr", "--date", DATE, "--strict", "--out", out)
    assert code != 0
    assert "untranslated in 'fr'" in err
    assert not out.exists()


def test_unknown_language_lists_the_available_ones(french: Path, run) -> None:  # type: ignore[no-untyped-def]
    code, _out, err = run("-w", french, "render", "example", "--to", "cn-mfa", "--lang", "de", "--date", DATE)
    assert code != 0
    assert "has no 'de' version" in err and "available: en, fr" in err
    assert "Traceback" not in err


def test_misnamed_locale_folder_is_an_error(french: Path, run) -> None:  # type: ignore[no-untyped-def]
    shutil.move(french / "locales" / "fr", french / "locales" / "fr-FR")  # gettext folders use "_" (fr_FR is a tag)
    code, _out, err = run("-w", french, "check")
    assert code == 4
    assert "locale folder 'fr-FR' is not a known language tag" in err and "rename it to 'fr'" in err
    code, _out, err = run("-w", french, "i18n", "check")
    assert code == 4 and "fr-FR" in err


@pytest.mark.parametrize(
    ("msgstr", "message"),
    [
        ("La Chine est partie depuis le %(date)s. %(quote1)s %(autre)s", "placeholder 'autre'"),
        ("La Chine est partie depuis le %(date)s.", "placeholder(s) quote1 missing"),
        ("La Chine est partie à la Convention : %(quote1)s", "placeholder(s) date missing from the translation"),
        ("La Chine <b>est</b> partie depuis le %(date)s : %(quote1)s", "markup differs from the source"),
        ('La Chine <img src="file:///etc/passwd"> %(date)s %(quote1)s', "markup differs from the source"),
        (" La Chine est partie depuis le %(date)s : %(quote1)s", "leading or trailing spaces differ"),
    ],
)
def test_a_bad_translation_stops_check_and_render_with_file_and_line(french: Path, run, tmp_path: Path, msgstr: str, message: str) -> None:  # type: ignore[no-untyped-def]
    msgid = "China has been a party to the Convention against Torture since %(date)s. Article 3(1) provides: %(quote1)s"
    line = _set(french, msgid, msgstr)
    code, _out, err = run("-w", french, "i18n", "check")
    assert code == 4
    assert f"locales/fr/LC_MESSAGES/messages.po:{line}:" in err and message in err
    out = tmp_path / "fr.pdf"
    code, _out, err = run("-w", french, "render", "example", "--to", "cn-mfa", "--lang", "fr", "--date", DATE, "--out", out)
    assert code == 3 and f"messages.po:{line}:" in err and message in err
    assert not out.exists() and "Traceback" not in err
    code, _out, err = run("-w", french, "i18n", "compile")
    assert code == 4 and not po_path(french, "fr").with_suffix(".mo").exists()


def test_footnote_placeholders_keep_their_order(workspace: Path, run) -> None:  # type: ignore[no-untyped-def]
    from babel.messages.catalog import Catalog

    from generator.translate.lint import check_message

    catalog = Catalog(locale="fr")
    catalog.add("A.%(note1)s B.%(note2)s", "B.%(note2)s A.%(note1)s")
    assert any("keep their order" in e for e in check_message(catalog, catalog["A.%(note1)s B.%(note2)s"]))
    catalog.add("A %(x)s B %(y)s", "B %(y)s A %(x)s")  # other placeholders may move
    assert list(check_message(catalog, catalog["A %(x)s B %(y)s"])) == []


def test_broken_po_syntax_is_one_line_with_its_line(french: Path, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = po_path(french, "fr")
    lines = path.read_text(encoding="utf-8").splitlines()
    target = next(i for i, text in enumerate(lines) if text.startswith('msgstr "Nous vous écrivons'))
    lines[target] = 'msgstr "Nous vous écrivons sans guillemet fermant'
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _out, err = run("-w", french, "render", "example", "--to", "cn-mfa", "--lang", "fr", "--date", DATE, "--out", tmp_path / "x.pdf")
    assert code == 3
    assert re.search(r"messages\.po:\d+: broken \.po file", err), err
    assert len([x for x in err.splitlines() if x.startswith("error:")]) == 1
    assert not (tmp_path / "x.pdf").exists()


def test_plural_forms_must_match_the_language(workspace: Path) -> None:
    from babel.messages.catalog import Catalog

    from generator.translate.lint import check_message

    catalog = Catalog(locale="ru")  # three plural forms
    catalog.add(("%(num)s organisation", "%(num)s organisations"), ("%(num)s организация", "%(num)s организации"))
    message = catalog[("%(num)s organisation", "%(num)s organisations")]
    assert any("plural forms" in e for e in check_message(catalog, message))


def test_update_marks_changed_messages_fuzzy_and_stats_count_them(french: Path, run) -> None:  # type: ignore[no-untyped-def]
    letter = french / "letters" / "example" / "letter.html.j2"
    text = letter.read_text(encoding="utf-8").replace("We write to you about", "We write to you today about")
    letter.write_text(text, encoding="utf-8")
    code, out, _err = run("-w", french, "i18n", "update")
    assert code == 0 and "fuzzy" in out
    catalog = _catalogue(french)
    changed = catalog["We write to you today about the forced return of North Korean escapees from China."]
    assert changed.fuzzy and changed.string.startswith("Nous vous écrivons")
    code, out, _err = run("-w", french, "i18n", "stats")
    row = next(line for line in out.splitlines() if line.startswith("fr"))
    translated, fuzzy = (int(x) for x in row.split()[1:3])
    assert (translated, fuzzy) == (3, 1)
    code, _out, err = run("-w", french, "i18n", "check")
    assert "fuzzy (needs review; not used)" in err


def test_compile_writes_mo_files_that_msgfmt_accepts(french: Path, run) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("-w", french, "i18n", "compile")
    assert code == 0, err
    mo = po_path(french, "fr").with_suffix(".mo")
    assert mo.is_file() and mo.stat().st_size > 100
    assert subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(po_path(french, "fr"))], capture_output=True).returncode == 0


def test_init_refuses_an_unknown_language_and_an_existing_catalogue(french: Path, run) -> None:  # type: ignore[no-untyped-def]
    code, _out, err = run("-w", french, "i18n", "init", "xx")
    assert code == 3 and "unknown language 'xx'" in err
    code, _out, err = run("-w", french, "i18n", "init", "fr")
    assert code == 3 and "catalogue exists already" in err


# -- hostile or careless catalogues: one error naming the file and line, before any render ------


def _render_fr(run, ws: Path, out: Path, *extra: str):  # type: ignore[no-untyped-def]
    return run("-w", ws, "render", "example", "--to", "cn-mfa", "--lang", "fr", "--date", DATE, "--out", out, *extra)


def _stops_check_and_render(run, ws: Path, out: Path, line: int, message: str) -> None:  # type: ignore[no-untyped-def]
    """`i18n check` fails (exit 4) and render refuses (exit 3, no file) with FILE:LINE: MESSAGE."""
    code, _out, err = run("-w", ws, "i18n", "check")
    assert code == 4 and f"locales/fr/LC_MESSAGES/messages.po:{line}: {message}" in err, err
    code, _out, err = _render_fr(run, ws, out)
    assert code == 3 and f"locales/fr/LC_MESSAGES/messages.po:{line}: {message}" in err, err
    assert len([x for x in err.splitlines() if x.startswith("error:")]) == 1
    assert not out.exists() and "Traceback" not in err


def _replace_header(ws: Path, name: str, value: str) -> int:
    """Set header field NAME of the French catalogue to VALUE; returns its line."""
    path = po_path(ws, "fr")
    lines = path.read_text(encoding="utf-8").splitlines()
    number = next(i for i, text in enumerate(lines) if text.startswith(f'"{name}:'))
    lines[number] = f'"{name}: {value}\\n"'
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return number + 1


def test_a_stray_percent_in_a_translation(french: Path, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Jinja formats every {% trans %} text with %: a bare '%' crashed the render after check passed."""
    line = _set(french, "Forced returns of North Korean escapees", "Retours forcés à 100% d’évadés")
    _stops_check_and_render(run, french, tmp_path / "fr.pdf", line, "'Forced returns of North Korean escapees': a '%' in the translation")
    _set(french, "Forced returns of North Korean escapees", "Retours forcés à 100 %% d’évadés")
    code, _out, err = _render_fr(run, french, tmp_path / "fr.html", "--format", "html")
    assert code == 0, err
    assert "Retours forcés à 100 % d’évadés" in (tmp_path / "fr.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("nplurals=banana; plural=(n > 1);", "invalid literal for int()"),
        ("nplurals=2; plural=n>>>;", "unexpected token in plural form"),
        ("nplurals=2; plural=n;", "plural=n gives form 2 for n=2, but nplurals=2"),
        ("nplurals=2; plural=n%0;", "integer modulo by zero"),
    ],
    ids=["nplurals", "syntax", "index", "division"],
)
def test_a_garbage_plural_forms_header(french: Path, run, tmp_path: Path, value: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    line = _replace_header(french, "Plural-Forms", value)
    _stops_check_and_render(run, french, tmp_path / "fr.pdf", line, f"malformed Plural-Forms header: {reason}")


def test_a_charset_other_than_utf8_is_refused(french: Path, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Read as Latin-1, the UTF-8 text became mojibake ("Ã©"): refused rather than decoded either way."""
    line = _replace_header(french, "Content-Type", "text/plain; charset=ISO-8859-1")
    _stops_check_and_render(run, french, tmp_path / "fr.pdf", line, "the catalogue declares charset=ISO-8859-1: only UTF-8 is read")


def test_a_latin1_catalogue_names_the_line_of_the_first_bad_byte(french: Path, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = po_path(french, "fr")
    text = path.read_text(encoding="utf-8")
    path.write_bytes(text.replace("’", "'").encode("latin-1", errors="replace"))  # others (U+202F) become "?"
    line = next(n for n, x in enumerate(text.splitlines(), 1) if any("\x80" <= ch <= "\xff" for ch in x))
    _stops_check_and_render(run, french, tmp_path / "fr.pdf", line, "not UTF-8 text")


def test_a_catalogue_linking_out_of_the_workspace(french: Path, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = po_path(french, "fr")
    outside = tmp_path / "elsewhere.po"
    outside.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(outside)
    code, _out, err = run("-w", french, "i18n", "check")
    assert code == 4 and re.search(r"^error: \S*fr/LC_MESSAGES/messages\.po: a symbolic link leads outside the workspace", err, re.M), err
    code, _out, err = _render_fr(run, french, tmp_path / "fr.pdf")
    assert code == 3 and "a symbolic link leads outside the workspace" in err and not (tmp_path / "fr.pdf").exists()


def test_update_is_all_or_nothing(french: Path, run) -> None:  # type: ignore[no-untyped-def]
    """One broken catalogue stops `i18n update` before any file is written (es was written, fr not)."""
    assert run("-w", french, "i18n", "init", "es")[0] == 0
    letter = french / "letters" / "example" / "letter.html.j2"
    letter.write_text(letter.read_text(encoding="utf-8").replace("We write to you about", "We write to you today about"), encoding="utf-8")
    line = _replace_header(french, "Plural-Forms", "nplurals=2; plural=n>>>;")
    files = [french / "locales" / "messages.pot", po_path(french, "es"), po_path(french, "fr")]
    before = [p.read_bytes() for p in files]
    code, out, err = run("-w", french, "i18n", "update")
    assert code == 3 and f"locales/fr/LC_MESSAGES/messages.po:{line}: malformed Plural-Forms header" in err, err
    assert out == "" and "Traceback" not in err
    assert [p.read_bytes() for p in files] == before
    _replace_header(french, "Plural-Forms", "nplurals=2; plural=(n > 1);")
    code, out, err = run("-w", french, "i18n", "update")
    assert code == 0, err
    assert "today about" in po_path(french, "es").read_text(encoding="utf-8")
    assert "today about" in (french / "locales" / "messages.pot").read_text(encoding="utf-8")


def test_translation_is_never_trusted_as_markup_even_when_it_matches(french: Path, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A variable's value stays text inside a translated message."""
    write(
        french / "letters" / "example" / "letter.yaml",
        (french / "letters" / "example" / "letter.yaml")
        .read_text(encoding="utf-8")
        .replace("variables:", "variables:\n  note:\n    type: str"),
    )
    out = tmp_path / "fr.html"
    code, _o, err = run(
        "-w",
        french,
        "render",
        "example",
        "--to",
        "cn-mfa",
        "--lang",
        "fr",
        "--date",
        DATE,
        "--format",
        "html",
        "--out",
        out,
        "--var",
        "reference=<b>x</b>",
    )
    assert code == 0, err
    assert "&lt;b&gt;x&lt;/b&gt;" in out.read_text(encoding="utf-8")


# -- every bundled letter in every language ---------------------------------------------------

LANGS = ["ko", "zh", "ja", "fr", "es", "ru", "ar"]
SCRIPTS = {
    "ko": r"[\uac00-\ud7a3]",
    "zh": r"[\u4e00-\u9fff]",
    "ja": r"[\u3040-\u30ff]",
    "ar": r"[\u0600-\u06ff]",
    "ru": r"[\u0400-\u04ff]",
    "fr": r"\b(?:les|des|du|une|est|pour|aux)\b",  # Latin-script languages: their common words
    "es": r"\b(?:los|las|del|una|por|que|para)\b",
}
FONTS = {"ko": "Noto-Serif-CJK-KR", "zh": "Noto-Serif-CJK-SC", "ja": "Noto-Serif-CJK-JP", "ar": "Noto-Naskh-Arabic"}


def _first_examples():  # type: ignore[no-untyped-def]
    from generator.compose.build import example_requests
    from generator.core.workspace import open_workspace
    from generator.load.loaded import load

    loaded = load(open_workspace())
    firsts = {}
    for _stem, request in example_requests(loaded):
        firsts.setdefault(request.letter, request)
    return loaded, firsts


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Every bundled letter in every language, strict (no English fallback), rendered once."""
    import dataclasses
    import datetime as dt

    from generator.compose.build import build_letter

    loaded, firsts = _first_examples()
    folder = tmp_path_factory.mktemp("langs")
    cache: dict[tuple[str, str], tuple[Path, str]] = {}

    def get(letter: str, lang: str) -> tuple[Path, str]:
        if (letter, lang) not in cache:
            request = dataclasses.replace(firsts[letter], lang=lang, strict=True, date=dt.date(2026, 11, 23))
            result = build_letter(loaded, request)
            untranslated = [p.message for p in result.warnings if "untranslated" in p.message]
            assert not untranslated, untranslated
            path = folder / f"{letter}-{lang}.pdf"
            path.write_bytes(result.pdf or b"")
            cache[(letter, lang)] = (path, result.html)
        return cache[(letter, lang)]

    return get


LETTERS = sorted(_first_examples()[1])


def _letters_in(lang: str) -> list[str]:
    """The bundled letters that have a `lang` version (un-special-procedures: en, fr, es only)."""
    loaded = _first_examples()[0]
    return [letter for letter in LETTERS if lang in loaded.letters[letter].languages]


LETTER_LANGS = [(letter, lang) for lang in LANGS for letter in _letters_in(lang)]


BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2060"))


def _text(pdf: Path, *args: str) -> str:
    """pdftotext's output without the bidi embedding marks it adds around runs of each direction."""
    out = subprocess.run(["pdftotext", *args, str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return out.translate(BIDI_CONTROLS)


@pytest.mark.parametrize(("letter", "lang"), LETTER_LANGS)
def test_letter_renders_in_the_language_with_its_script_and_fonts(rendered, letter: str, lang: str) -> None:  # type: ignore[no-untyped-def]
    pdf, _html = rendered(letter, lang)
    text = _text(pdf)
    assert len(re.findall(SCRIPTS[lang], text)) > 20, f"too little {lang} text in {letter}"
    if lang != "ja" and letter not in ("petition", "signon-xi"):  # signatories' names are data, in any script
        assert not re.search(r"[\u3040-\u30ff]", text), "kana in a non-Japanese letter"
    assert "Yours sincerely" not in text and "Page 1 of" not in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert fonts and all(" yes " in line for line in fonts), "every font embedded"
    if lang in FONTS:
        assert any(FONTS[lang] in line for line in fonts), fonts


@pytest.mark.parametrize("letter", _letters_in("ar"))
def test_arabic_runs_right_to_left(rendered, letter: str) -> None:  # type: ignore[no-untyped-def]
    pdf, html = rendered(letter, "ar")
    assert '<html lang="ar" dir="rtl">' in html
    salutation = re.search(r'<p class="salutation">([^<]*)</p>', html).group(1).strip()  # type: ignore[union-attr]
    lines = _text(pdf, "-f", "1", "-l", "1", "-layout").splitlines()
    width = max(len(line) for line in lines)
    line = next(line for line in lines if salutation in line)
    indent = len(line) - len(line.lstrip())
    assert indent > width / 2, "the salutation starts at the right margin"


@pytest.mark.parametrize("letter", _letters_in("ko"))
def test_korean_lines_never_break_inside_a_word(rendered, letter: str) -> None:  # type: ignore[no-untyped-def]
    pdf, html = rendered(letter, "ko")
    body = re.sub(r'<span class="cjk">([^<]*)</span>', r"\1", html.split("<body", 1)[1])  # quotation marks belong to their word
    body = re.sub(r"</?(?:i|b)>", "", body)  # inline italics and bold belong to their word ("(<i>jus cogens</i>)으로서")
    body = re.sub(r"<[^>]+>", " ", body).translate(BIDI_CONTROLS)  # without the word joiners
    words = {w for w in body.split() if re.search(SCRIPTS["ko"], w)}
    from generator.core.workspace import open_workspace
    from generator.translate.runtime import recorder

    annex = recorder(open_workspace(), "ko").gettext("Annex: signatories")
    letter_text = _text(pdf).split(annex)[0]  # the petition's annex is laid out by its own template
    broken = []
    for line in letter_text.splitlines():
        tokens = line.split()
        for token in tokens[:1] + tokens[-1:]:
            token = re.sub(r"(?<=[.,;:)”’])\d+$", "", token)  # a footnote call after the punctuation
            if re.search(SCRIPTS["ko"], token) and token not in words:
                broken.append(token)
    assert not broken, f"Korean words broken across lines: {broken[:10]}"


@pytest.mark.parametrize("lang", LANGS)
def test_footnote_terms_are_the_languages_own(rendered, lang: str) -> None:  # type: ignore[no-untyped-def]
    from generator.core.workspace import open_workspace
    from generator.translate.runtime import recorder

    terms = recorder(open_workspace(), lang)
    ibid = terms.pgettext("footnote", "Ibid")
    # the word before the note number; brackets stripped (pdftotext prints mirrored ones in Arabic)
    short = terms.pgettext("footnote", "(n %(n)s)").split("%(n)s")[0].strip().strip("(（").strip()
    assert ibid != "Ibid" or lang in ("fr", "es"), "Ibid translated"
    text = " ".join(_text(rendered("china-nonrefoulement", lang)[0]).split())
    assert ibid in text and short in text


@pytest.mark.parametrize("lang", LANGS)
def test_bundled_catalogues_pass_msgfmt_check(lang: str) -> None:
    path = Path(__file__).resolve().parent.parent / "locales" / lang / "LC_MESSAGES" / "messages.po"
    result = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_bundled_catalogues_pass_the_checks_and_are_complete(run) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("i18n", "check")
    assert code == 0, err
    code, out, _err = run("i18n", "stats")
    rows = [line.split() for line in out.splitlines()[1:]]
    assert sorted(r[0] for r in rows) == sorted(LANGS)
    assert all(r[-1] == "100.0%" for r in rows), out


@pytest.mark.parametrize(("lang", "closes"), [("en", ["highest consideration"]), ("fr", ["très haute considération"])])
def test_french_formula_is_the_close_of_the_letter(lang: str, closes: list[str]) -> None:
    """After the diplomatic formula a letter ends, in French and in English alike (no "Respectueusement,",
    no "Yours sincerely": tests/test_conventions.py checks every language)."""
    import datetime as dt

    from generator.compose.build import build_letter
    from generator.core.letter import LetterRequest
    from generator.core.workspace import open_workspace
    from generator.load.loaded import load

    request = LetterRequest(letter="china-nonrefoulement", addressee="cn-president", lang=lang, variables={}, date=dt.date(2026, 11, 23))
    html = build_letter(load(open_workspace(None)), request, "html").html
    closing = re.search(r'<div class="closing">(.*?)</div>', html, re.S).group(1)  # type: ignore[union-attr]
    paragraphs = re.findall(r"<p>(.*?)</p>", closing, re.S)
    assert len(paragraphs) == len(closes)
    for paragraph, expected in zip(paragraphs, closes, strict=True):
        assert expected in paragraph.replace("\u202f", " ")


@pytest.mark.parametrize(("lang", "city"), [("zh", "北京"), ("ar", "بكين"), ("fr", "Pékin"), ("en", "Beijing")])
def test_address_block_city_is_in_the_letters_language(lang: str, city: str) -> None:
    import datetime as dt

    from generator.compose.build import build_letter
    from generator.core.letter import LetterRequest
    from generator.core.workspace import open_workspace
    from generator.load.loaded import load

    request = LetterRequest(letter="china-nonrefoulement", addressee="cn-president", lang=lang, variables={}, date=dt.date(2026, 11, 23))
    html = build_letter(load(open_workspace(None)), request, "html").html
    recipient = re.search(r'<div class="recipient">(.*?)</div>\s*<div class="dateline">', html, re.S).group(1)  # type: ignore[union-attr]
    assert f"<div>{city}</div>" in recipient


# -- a translation never becomes markup -------------------------------------------------------------

WRITE_MSGID = "We write to you about the forced return of North Korean escapees from China."
URGE_MSGID = "We urge your Government to halt all forced returns and to grant UNHCR access to those detained."
TITLE_MSGID = "Forced returns of North Korean escapees"
HOSTILE = {  # the red team's catalogue: an unclosed attachment link, a comment opener, an entity
    WRITE_MSGID: 'Nous vous écrivons. <a rel="attachment" href="signers.csv" title="x',
    TITLE_MSGID: "Retours forcés <!--",
    URGE_MSGID: "Nous prions &lt;b&gt; votre Gouvernement.",
}


def _hostile(ws: Path) -> dict[str, int]:
    """The French catalogue with the HOSTILE translations; {msgid: line}."""
    catalog = _catalogue(ws)
    for msgid, msgstr in HOSTILE.items():
        catalog[msgid].string = msgstr
    _save(ws, catalog)
    return {msgid: _catalogue(ws)[msgid].lineno for msgid in HOSTILE}


def test_check_reports_every_translation_that_adds_markup_with_its_line(french: Path, run) -> None:  # type: ignore[no-untyped-def]
    lines = _hostile(french)
    code, _out, err = run("-w", french, "i18n", "check")
    assert code == 4, err
    po = "locales/fr/LC_MESSAGES/messages.po"
    assert f"{po}:{lines[WRITE_MSGID]}: " in err and 'markup the source does not have: \'<a rel="attachment"' in err
    assert f"{po}:{lines[TITLE_MSGID]}: " in err and "markup the source does not have: '<!--'" in err
    assert f"{po}:{lines[URGE_MSGID]}: " in err and "markup differs from the source: &gt; &lt; instead of none" in err
    assert err.count("error: ") == 3  # one line per message
    assert "Traceback" not in err


def test_a_translation_that_slips_past_the_check_is_rendered_as_text(
    french: Path, run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """Defence in depth: were the check to miss a catalogue, the render still treats it as text:
    nothing embedded, nothing after '<!--' lost, the markup shown as typed."""
    from pypdf import PdfReader

    from generator.translate import lint, runtime

    write(french / "letters" / "example" / "signers.csv", "name,email\nJane Roe,jane@example.org\n")
    _hostile(french)
    monkeypatch.setattr(lint, "check_message", lambda catalog, message: iter(()))
    runtime._translations.cache_clear()
    out = tmp_path / "fr.pdf"
    code, _out, err = run("-w", french, "render", "example", "--to", "cn-mfa", "--lang", "fr", "--date", DATE, "--out", out)
    runtime._translations.cache_clear()
    assert code == 0, err
    reader = PdfReader(out)
    assert "/Names" not in reader.trailer["/Root"] or "/EmbeddedFiles" not in reader.trailer["/Root"]["/Names"]
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert 'Nous vous écrivons. <a rel="attachment" href="signers.csv" title="x' in text.replace("’", "'").replace("”", '"')
    assert "Retours forcés <!--" in text and "Nous prions &lt;b&gt; votre Gouvernement." in text
    assert "highest consideration" in text and "jane@example.org" not in text  # the closing is still there


def test_a_translation_keeps_only_its_sources_tags_and_placeholders_are_escaped() -> None:
    import jinja2
    from babel.messages.catalog import Catalog

    from generator.translate.runtime import Compiled, Recorder

    catalog = Catalog(locale="fr")
    catalog.add("<b>%(name)s</b> wrote", '<b>%(name)s</b> a écrit <i>ceci</i> <img src="x"> & <!--')
    source = "{% trans name=who %}<b>{{ name }}</b> wrote{% endtrans %}"
    html_env = jinja2.Environment(autoescape=True, extensions=["jinja2.ext.i18n"])
    text_env = jinja2.Environment(autoescape=False, extensions=["jinja2.ext.i18n"])
    terms = Recorder("fr", Compiled([catalog]))
    for env in (html_env, text_env):
        terms.install(env)
    assert html_env.from_string(source).render(who="<script>") == (
        "<b>&lt;script&gt;</b> a écrit &lt;i&gt;ceci&lt;/i&gt; &lt;img src=&#34;x&#34;&gt; &amp; &lt;!--"
    )
    assert text_env.from_string(source).render(who="A & B") == '<b>A & B</b> a écrit <i>ceci</i> <img src="x"> & <!--'


# -- confidential texts stay out of the catalogues --------------------------------------------------


def test_bundled_catalogues_carry_no_victim_details() -> None:
    from generator.core.workspace import open_workspace
    from generator.translate.workflow import extract

    root = Path(__file__).resolve().parent.parent
    for path in [root / "locales" / "messages.pot", *sorted((root / "locales").glob("*/LC_MESSAGES/messages.po"))]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r'^msgctxt "victim', text, re.M), path
        assert "petition by TJWG and CSW to the WGAD" not in text, path  # the named victim's details
    assert not [m for m in extract(open_workspace(None)) if m.context and "victim" in m.context]


def test_a_confidential_render_prints_victim_details_in_english_without_a_lookup() -> None:
    import datetime as dt

    from generator.compose.build import build_letter
    from generator.core.letter import LetterRequest
    from generator.core.workspace import open_workspace
    from generator.load.loaded import load
    from generator.translate.runtime import recorder

    details = {"en": "detained in China from 5 April to 9 October 2023"}
    terms = recorder(open_workspace(None), "fr")
    assert terms.text(details, "victim details") == details["en"] and not terms.missing
    assert terms.text({**details, "fr": "détenu en Chine"}, "victim details") == "détenu en Chine"
    loaded = load(open_workspace(None))
    request = LetterRequest(
        letter="un-special-procedures", addressee="sr-dprk", lang="fr", variables={}, date=dt.date(2026, 11, 23), confidential=True
    )
    result = build_letter(loaded, request, "html")
    assert "Kim Cheol-ok" in result.html and "petition by TJWG and CSW to the WGAD" in result.html
    assert not [p for p in result.warnings if "untranslated" in p.message]


# -- catalogues checked as strictly as msgfmt (and more) ----------------------------------------

LOCALES = Path(__file__).resolve().parent.parent / "locales"
RU_RULE = re.compile(r'"Plural-Forms: nplurals=3; plural=.*?;\\n"\n', re.S)
BROKEN = {  # name: (language, what is changed in the bundled catalogue, replacement)
    "date removed": ("fr", "est en vigueur à son égard depuis le %(in_force)s%(note1)s.", "est en vigueur à son égard%(note1)s."),
    "count removed from a plural form": ("fr", "Nous, les %(count)s organisations soussignées", "Nous, les organisations soussignées"),
    "msgstr[1] deleted": ("fr", 'msgstr[1] "%(listed)s signataires nommés publiquement, par pays."\n', ""),
    "nplurals=3, two forms": ("fr", "nplurals=2; plural=(n > 1);", "nplurals=3; plural=(n > 1);"),
    "a rule beyond nplurals": ("fr", "nplurals=2; plural=(n > 1);", "nplurals=2; plural=(n > 1 ? 2 : 0);"),
    "no Plural-Forms": ("fr", '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n', ""),
    "unknown placeholder": ("fr", "notre lettre du %(date)s intitulée", "notre lettre du %(jour)s intitulée"),
    "leading newline": ("fr", 'msgstr "Veuillez trouver ci-joint', 'msgstr "\\nVeuillez trouver ci-joint'),
    "count removed, one form": ("zh", '"公开签名人%(listed)s名，按国家排列。"', '"公开签名人按国家排列。"'),
    "a rule unlike Russian's": ("ru", RU_RULE, '"Plural-Forms: nplurals=3; plural=(n==1 ? 0 : n==2 ? 1 : 2);\\n"\n'),
}


def _break(ws: Path, name: str) -> tuple[Path, str]:
    lang, old, new = BROKEN[name]
    text = (LOCALES / lang / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    broken = old.sub(lambda _match: new, text, count=1) if isinstance(old, re.Pattern) else text.replace(old, new, 1)
    assert broken != text, name
    set_languages(ws, f"[en, {lang}]")
    return write(po_path(ws, lang), broken), lang


def _entry(lines: list[str], line: int) -> tuple[int, int]:
    """The first and last line (1-based) of the .po entry holding `line` (entries end at blank lines)."""
    start = line
    while start > 1 and lines[start - 2].strip():
        start -= 1
    end = line
    while end < len(lines) and lines[end].strip():
        end += 1
    return start, end


def _msgfmt_errors(path: Path, stderr: str) -> list[set[int]]:
    """msgfmt's errors (not its warnings), each as the lines it names: an error that ends in '...'
    continues on the next line ("nplurals = 2..." / "...but some messages have only 1 plural form")."""
    errors: list[set[int]] = []
    joined = False
    for line, text in re.findall(rf"^{re.escape(str(path))}:(\d+): (.*)$", stderr, re.M):
        if text.startswith("warning:"):
            continue
        if joined:
            errors[-1].add(int(line))
        else:
            errors.append({int(line)})
        joined = text.endswith("...")
    return errors


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_i18n_check_finds_everything_msgfmt_check_finds(workspace: Path, run, name: str) -> None:  # type: ignore[no-untyped-def]
    path, _lang = _break(workspace, name)
    result = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(path)], capture_output=True, text=True)
    found_by_msgfmt = _msgfmt_errors(path, result.stderr)
    code, _out, err = run("-w", workspace, "i18n", "check")
    assert code == 4, err
    ours = {int(m) for m in re.findall(r"^error: \S*/LC_MESSAGES/messages\.po:(\d+):", err, re.M)}
    lines = path.read_text(encoding="utf-8").splitlines()
    entries = {_entry(lines, line) for line in ours}
    for lines_of_one_error in found_by_msgfmt:
        assert any(first <= line <= last for first, last in entries for line in lines_of_one_error), (result.stderr, err)
    assert ours, err


def test_msgfmt_finds_the_broken_catalogues_too(workspace: Path) -> None:
    """The set above is one msgfmt rejects (all but the Russian rule, which msgfmt cannot know)."""
    for name in sorted(BROKEN):
        path, _lang = _break(workspace, name)
        result = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(path)], capture_output=True, text=True)
        assert (result.returncode != 0) == (name != "a rule unlike Russian's"), (name, result.stderr)


@pytest.mark.parametrize("name", ["date removed", "count removed from a plural form", "msgstr[1] deleted", "nplurals=3, two forms"])
def test_render_and_compile_refuse_a_broken_catalogue(workspace: Path, run, tmp_path: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    path, _lang = _break(workspace, name)
    out = tmp_path / "fr.pdf"
    args = ("-w", workspace, "render", "example", "--to", "cn-mfa", "--lang", "fr", "--date", DATE, "--out", out)
    for strict in ((), ("--strict",)):
        code, _out, err = run(*args, *strict)
        assert code == 3 and re.search(r"locales/fr/LC_MESSAGES/messages\.po:\d+: ", err), err
        assert not out.exists() and "Traceback" not in err
    code, _out, err = run("-w", workspace, "i18n", "compile")
    assert code == 4 and not path.with_suffix(".mo").exists()


def test_plural_checks_name_the_form_and_the_numbers() -> None:
    from babel.messages.catalog import Catalog

    from generator.translate.lint import check_message

    catalog = Catalog(locale="ru")
    catalog.add(
        ("%(n)s organisation", "%(n)s organisations"), ("%(n)s организация", "%(n)s организации", "организаций"), flags=["python-format"]
    )
    errors = list(check_message(catalog, catalog["%(n)s organisation"]))
    assert any("placeholder(s) n missing from msgstr[2] (used for n = 0, 5, 6, 7, ...)" in e for e in errors), errors
    catalog = Catalog(locale="de")  # the form for n = 1 may leave the number out; the other may not
    catalog.add(("one organisation", "%(n)s organisations"), ("eine Organisation", "Organisationen"))
    errors = list(check_message(catalog, catalog["one organisation"]))
    assert errors == ["placeholder(s) n missing from msgstr[1] (used for n = 0, 2, 3, 4, ...): the letter would not print their value"]


# -- a language a translator brings (any CLDR locale) ------------------------------------------

GERMAN_TEMPLATE = """\
{% extends "_base/base.html.j2" %}
{% block subject %}{% trans %}Forced returns of North Korean escapees{% endtrans %}{% endblock %}
{% block body %}
<p>{% trans kp=state("KP"), cn=country("CN") %}We write about people returned from {{ cn }} to {{ kp }}.{% endtrans %}</p>
<p>{% trans %}We urge your Government to halt all forced returns.{% endtrans %}</p>
<p>{% trans quote1=quote("cat", "3(1)") %}Article 3(1) provides: {{ quote1 }}{% endtrans %}</p>
<p>{% trans note1=cite("cat", "art 3"), note2=cite("cat", "art 3") %}Two notes.{{ note1 }} Again.{{ note2 }}{% endtrans %}</p>
{% endblock %}
"""
GERMAN = {
    "Forced returns of North Korean escapees": "Zwangsrückführungen nordkoreanischer Geflüchteter",
    "We write about people returned from %(cn)s to %(kp)s.": (
        "Wir schreiben über Menschen, die aus %(cn)s nach %(kp)s zurückgeführt wurden."
    ),
    "We urge your Government to halt all forced returns.": "Wir fordern Ihre Regierung auf, alle Zwangsrückführungen zu beenden.",
    "Article 3(1) provides: %(quote1)s": "Artikel 3 Absatz 1 bestimmt: %(quote1)s",
    "Two notes.%(note1)s Again.%(note2)s": "Zwei Fußnoten.%(note1)s Nochmals.%(note2)s",
    "Page %(page)s of %(pages)s": "Seite %(page)s von %(pages)s",
    "Ibid": "Ebd.",
    "press release": "Pressemitteilung",
    "report": "Bericht",
    "letter": "Schreiben",
    "news report": "Nachrichtenmeldung",
    "petition": "Petition",
    "hearing": "Anhörung",
    "statement": "Erklärung",
    "art %(n)s(%(p)s)": "Art. %(n)s Abs. %(p)s",
    "art %(n)s": "Art. %(n)s",
    "para %(n)s": "Ziff. %(n)s",
    "adopted %(date)s": "angenommen am %(date)s",
    ", entered into force %(date)s": ", in Kraft getreten am %(date)s",
    "(n %(n)s)": "(Fn. %(n)s)",
    "Paraphrase; authentic English text: %(text)s": "Sinngemäß; verbindlicher englischer Wortlaut: %(text)s",
}
# No verified German text of CAT art 3(1): the letter states the rule (the library's paraphrase, which
# the bundle's messages.pot brings to a workspace's catalogue; the test bundle has no locales/).
CAT_PARAPHRASE = (
    "No State Party may expel, return or extradite a person to another State where there are substantial grounds for "
    "believing that he or she would be in danger of being subjected to torture."
)
CAT_GERMAN = (
    "Ein Vertragsstaat darf niemanden in einen anderen Staat ausweisen, zurückschieben oder ausliefern, wenn stichhaltige "
    "Gründe für die Annahme bestehen, dass der Person dort Folter droht."
)


def test_german_from_a_fresh_workspace(workspace: Path, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """`i18n init de` (a language no code names), 21 messages translated and a treaty's paraphrase, the letter rendered in
    German: German prose, date, page footer, footnote terms and CLDR's German state names."""
    write(workspace / "letters" / "example" / "letter.html.j2", GERMAN_TEMPLATE)
    set_languages(workspace, "all")
    code, out, err = run("-w", workspace, "i18n", "init", "de")
    assert code == 0, err
    header = po_path(workspace, "de").read_text()
    assert '"Language: de\\n"' in header and '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"' in header
    catalog = _catalogue(workspace, "de")
    translated = 0
    for message in catalog:
        if message.id in GERMAN:
            message.string, translated = GERMAN[message.id], translated + 1
    assert translated == 21
    catalog.add(CAT_PARAPHRASE, CAT_GERMAN, context="treaty paraphrase")
    _save(workspace, catalog, "de")
    assert run("-w", workspace, "check")[0] == 0
    assert run("-w", workspace, "i18n", "check")[0] == 0
    pdf = tmp_path / "de.pdf"
    code, _out, err = run("-w", workspace, "render", "example", "--to", "cn-mfa", "--lang", "de", "--date", DATE, "--out", pdf)
    assert code == 0, err
    text = " ".join(_text(pdf).split())
    assert "Wir schreiben über Menschen, die aus China nach Nordkorea zurückgeführt wurden." in text
    assert "23. November 2026" in text and "Seite 1 von 1" in text
    assert "Ebd. Art. 3." in text and "(angenommen am 10. Dezember 1984, in Kraft getreten am 26. Juni 1987)" in text
    assert "Beijing 100701 China 23. November" in text, "the address block's country in CLDR's German (English: People's Republic of China)"
    assert "Democratic People" not in text
    assert "Artikel 3 Absatz 1 bestimmt: Ein Vertragsstaat darf niemanden" in text
    assert "Sinngemäß; verbindlicher englischer Wortlaut: “No State Party shall expel" in text


def test_hebrew_is_laid_out_right_to_left_in_its_script(workspace: Path, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert run("-w", workspace, "i18n", "init", "he")[0] == 0
    set_languages(workspace, "[en, he]")
    msgid = "We write to you about the forced return of North Korean escapees from China."
    hebrew = "אנו כותבים אליכם בעניין ההחזרה בכפייה של נמלטים מצפון קוריאה מסין."
    catalog = _catalogue(workspace, "he")
    catalog[msgid].string = hebrew
    _save(workspace, catalog, "he")
    html_out, pdf = tmp_path / "he.html", tmp_path / "he.pdf"
    for fmt, out in (("html", html_out), ("pdf", pdf)):
        args = ("render", "example", "--to", "cn-mfa", "--lang", "he", "--date", DATE, "--format", fmt, "--out", out)
        code, _out, err = run("-w", workspace, *args)
        assert code == 0, err
    html = html_out.read_text()
    assert '<html lang="he" dir="rtl">' in html and '"Noto Serif Hebrew"' in html
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Noto-Serif-Hebrew" in fonts
    lines = _text(pdf, "-f", "1", "-l", "1", "-layout").splitlines()
    width = max(len(line) for line in lines)
    line = next(line for line in lines if "אנו כותבים" in line)
    assert len(line) - len(line.lstrip()) > width / 4, "the Hebrew line starts far from the left margin (set from the right)"


def test_compiled_catalogues_are_ignored_by_git() -> None:
    repo = Path(__file__).resolve().parent.parent
    if not (repo / ".git").exists():
        pytest.skip("not a git checkout")
    found = subprocess.run(["git", "check-ignore", "-q", "locales/de/LC_MESSAGES/messages.mo"], cwd=repo, check=False)
    assert found.returncode == 0


def test_update_leaves_unchanged_catalogues_alone(french: Path, run) -> None:  # type: ignore[no-untyped-def]
    assert run("-w", french, "i18n", "update")[0] == 0
    path = po_path(french, "fr")
    path.write_text(re.sub(r"POT-Creation-Date: [^\\]*", "POT-Creation-Date: 2020-01-01 00:00+0000", path.read_text()))
    before = path.read_bytes()
    code, out, _err = run("-w", french, "i18n", "update")
    assert code == 0 and "catalogues unchanged" in out
    assert path.read_bytes() == before, "no new header date when nothing changed"


# -- i18n todo: what one letter still needs in one language --------------------------------------


@pytest.fixture
def german(bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run) -> Path:  # type: ignore[no-untyped-def]
    """A fresh workspace with a German catalogue, over a copy of the bundle that has its template
    catalogue (so that `i18n init de` takes the layout's and the library's messages too)."""
    from generator.core import workspace as workspace_module
    from generator.tools.scaffold import init_workspace

    shutil.copytree(bundle, tmp_path / "bundle")
    monkeypatch.setattr(workspace_module, "BUNDLED", tmp_path / "bundle")
    assert run("i18n", "extract")[0] == 0
    init_workspace(tmp_path / "ws")
    assert run("-w", tmp_path / "ws", "i18n", "init", "de")[0] == 0
    return tmp_path / "ws"


def _todo(run, ws: Path, *args: str) -> tuple[int, list[dict]]:  # type: ignore[no-untyped-def]
    import json

    code, out, err = run("-w", ws, "i18n", "todo", "example", "--lang", "de", "--json", *args)
    return code, json.loads(out)["messages"]


def test_todo_lists_the_letters_messages_with_their_catalogue_lines(german: Path, run) -> None:  # type: ignore[no-untyped-def]
    workspace = german
    write(workspace / "letters" / "other" / "letter.yaml", (workspace / "letters" / "example" / "letter.yaml").read_text())
    set_template(workspace, "<p>{% trans %}A message only the other letter prints.{% endtrans %}</p>", letter="other")
    assert run("-w", workspace, "i18n", "update")[0] == 0
    code, items = _todo(run, workspace)
    assert code == 4 and items
    catalogue = {(m.context, m.id if isinstance(m.id, str) else m.id[0]): m for m in _catalogue(workspace, "de") if m.id}
    for item in items:  # each names the line of its own entry in the German catalogue
        entry = catalogue[(item["context"], item["msgid"])]
        assert item["state"] == "untranslated" and item["line"] == entry.lineno
    msgids = {item["msgid"] for item in items}
    assert "Forced returns of North Korean escapees" in msgids  # the letter's own template
    assert "Ibid" in msgids and "Confidential" in msgids  # the footnote terms and the layout
    assert any(item["used_at"]["file"].endswith("return-2023-10-09.yaml") for item in items)  # the incident it cites
    assert "A message only the other letter prints." not in msgids


def test_todo_names_fuzzy_and_absent_messages_and_exits_0_when_done(german: Path, run) -> None:  # type: ignore[no-untyped-def]
    workspace = german
    wanted = {(item["context"], item["msgid"]) for item in _todo(run, workspace)[1]}
    catalog = _catalogue(workspace, "de")
    for message in catalog:
        if message.id and (message.context, message.id if isinstance(message.id, str) else message.id[0]) in wanted:
            message.string = message.id if isinstance(message.id, str) else tuple(message.id)
    catalog.get("Forced returns of North Korean escapees").flags.add("fuzzy")
    _save(workspace, catalog, "de")
    code, items = _todo(run, workspace)
    line = _catalogue(workspace, "de").get("Forced returns of North Korean escapees").lineno
    assert code == 4
    assert [(i["state"], i["msgid"], i["line"]) for i in items] == [("fuzzy", "Forced returns of North Korean escapees", line)]

    catalog = _catalogue(workspace, "de")
    catalog.get("Forced returns of North Korean escapees").flags.discard("fuzzy")
    _save(workspace, catalog, "de")
    code, out, _err = run("-w", workspace, "i18n", "todo", "example", "--lang", "de")
    assert code == 0 and out.strip() == "0 message(s) of 'example' to translate in 'de'"

    path = set_template(workspace, "<p>{% trans %}A paragraph added after the catalogue.{% endtrans %}</p>")
    code, out, _err = run("-w", workspace, "i18n", "todo", "example", "--lang", "de")
    assert code == 4
    used = path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path
    assert f"locales/de/LC_MESSAGES/messages.po: absent: 'A paragraph added after the catalogue.' (used at {used}:4)" in out
    assert "run `advocate i18n update`" in out


def test_todo_refuses_english_and_a_language_without_catalogue(workspace: Path, run) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("-w", workspace, "i18n", "todo", "example", "--lang", "it")
    assert code == 2 and out == "" and "error: --lang: no catalogue for 'it'" in err and "advocate i18n init it" in err
    code, _out, err = run("-w", workspace, "i18n", "todo", "example", "--lang", "en")
    assert code == 2 and "source language" in err
    assert run("-w", workspace, "i18n", "init", "de")[0] == 0
    code, _out, err = run("-w", workspace, "i18n", "todo", "nope", "--lang", "de")
    assert code == 2 and "unknown letter 'nope'" in err


def test_the_compiled_catalogues_translate_as_babels_mo_files_do() -> None:
    """The render's lookups (`Compiled`, made from the catalogues read) give what gettext gives
    from the .mo file Babel compiles of the same catalogue, for every message and plural count of
    every bundled language; a message missing from both falls back to the English."""
    from babel.messages.mofile import write_mo
    from babel.support import Translations

    from generator.core.locales import po_path
    from generator.core.workspace import BUNDLED
    from generator.translate.catalog import babel_locale, read_catalog
    from generator.translate.runtime import Compiled

    for lang in ("fr", "ru", "ar", "zh"):
        catalog = read_catalog(po_path(BUNDLED, lang), babel_locale(lang))
        buf = io.BytesIO()
        write_mo(buf, catalog, use_fuzzy=False)
        buf.seek(0)
        mo, compiled = Translations(buf), Compiled([catalog])
        checked = 0
        for m in catalog:
            if not m.id:
                continue
            if isinstance(m.id, str):
                expected = mo.pgettext(m.context, m.id) if m.context else mo.gettext(m.id)
                assert (compiled.get(m.context, m.id) or m.id) == expected, (lang, m.id)
            else:
                for n in (0, 1, 2, 3, 5, 11, 21, 101):
                    fallback = m.id[0] if n == 1 else m.id[1]
                    expected = mo.npgettext(m.context, m.id[0], m.id[1], n) if m.context else mo.ngettext(m.id[0], m.id[1], n)
                    assert (compiled.get_plural(m.context, m.id[0], n) or fallback) == expected, (lang, m.id, n)
            checked += 1
        assert checked > 50 and compiled.get(None, "no such message") is None


@pytest.mark.parametrize(
    ("typed", "available", "chosen"),
    [
        ("EN", ["en"], "en"),
        ("zh-cn", ["en", "zh"], "zh"),
        ("fr_FR", ["en", "fr"], "fr"),
        ("de-AT", ["de", "en"], "de"),
        ("zh-hant", ["en", "zh", "zh_Hant"], "zh_Hant"),
        ("ZH_tw", ["en", "zh", "zh_Hant"], "zh_Hant"),
        ("zh-TW", ["en", "zh"], "zh_TW"),  # never Simplified for Taiwan: reported as not available
        ("zh_Hant", ["en", "zh"], "zh_Hant"),
        ("sr-Latn", ["en", "sr"], "sr_Latn"),  # sr is written in Cyrillic
        ("pt-br", ["en", "pt", "pt_BR"], "pt_BR"),
        ("pt-br", ["en", "pt"], "pt"),
        ("xx-yy", ["en"], "xx_YY"),
    ],
)
def test_a_typed_language_is_the_catalogue_that_writes_it(typed: str, available: list[str], chosen: str) -> None:
    from generator.core.i18n import choose_language

    assert choose_language(typed, available) == chosen


def test_lang_names_the_workspaces_own_catalogue_not_the_bundled_language(workspace: Path, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """`--lang zh-hant` with a zh_Hant catalogue in the workspace renders zh_Hant, never the bundled
    zh (Simplified), as it once did: the typed tag was lower-cased and cut to its language."""
    for tag in ("zh_Hant", "pt_BR"):
        assert run("-w", workspace, "i18n", "init", tag)[0] == 0
    set_languages(workspace, "all")
    for typed, html_lang in (("zh-hant", "zh-Hant"), ("zh-TW", "zh-Hant"), ("zh-MO", "zh-Hant"), ("pt-br", "pt-BR"), ("EN-gb", "en-GB")):
        out = tmp_path / f"{typed}.html"
        code, _out, err = run("-w", workspace, "render", "example", "--to", "cn-mfa", "--lang", typed, "--date", DATE,
                              "--format", "html", "--out", out)
        assert code == 0, err
        assert f'<html lang="{html_lang}"' in out.read_text(encoding="utf-8"), typed
    code, _out, err = run("-w", workspace, "render", "example", "--to", "cn-mfa", "--lang", "zh-CN", "--date", DATE,
                          "--out", tmp_path / "cn.pdf")
    assert code == 2 and "has no 'zh_CN' version" in err and "available: en, pt_BR, zh_Hant" in err  # (no zh catalogue here)


def test_traditional_chinese_from_a_workspace_is_set_as_chinese(workspace: Path, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A language no code names but written in a CJK script (a translator's zh_Hant) is typeset as
    the bundled Chinese is: no spaces between sentences, dates unbroken, Chinese note punctuation,
    the Latin face first in its font list and its own CJK face (TC) for the CJK text."""
    assert run("-w", workspace, "i18n", "init", "zh_Hant")[0] == 0
    set_languages(workspace, "[en, zh_Hant]")
    body = "<p>我們就朝鮮逃離者被強制遣返一事致函。\n於2023年9月18日，UN Human Rights Council 再次關注。{{ cite('cat') }}</p>"
    set_template(workspace, body)
    html_out, pdf_out = tmp_path / "hant.html", tmp_path / "hant.pdf"
    for out in (html_out, pdf_out):
        code, _out, err = run("-w", workspace, "render", "example", "--to", "cn-mfa", "--lang", "zh-hant", "--date", DATE,
                              "--format", out.suffix[1:], "--out", out)
        assert code == 0, err
    html = html_out.read_text(encoding="utf-8")
    assert '<html lang="zh-Hant"' in html
    assert "致函。於2\u20600\u20602\u20603\u2060年" in html  # no space between the sentences; the date joined
    assert 'html:lang(zh-Hant) { font-family: "Noto Serif", "Noto Serif CJK TC", serif;' in html
    note = re.search(r'id="note-1">(.*?)<a class="back"', html, re.S)
    assert note and note.group(1).rstrip().endswith("(CAT)。"), note  # a Chinese full stop, as in the bundled zh notes
    fonts = subprocess.run(["pdffonts", str(pdf_out)], check=True, capture_output=True, text=True).stdout
    assert "Noto-Serif-CJK-TC" in fonts and "+Noto-Serif " in fonts.replace("\n", " ")
    assert "我們就朝鮮逃離者被強制遣返一事致函。於2023年9月18日" in _text(pdf_out).replace("\n", "")
