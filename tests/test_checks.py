"""What `advocate render` refuses (or warns about) in a letter: every error names its place, no
output file is written, and no traceback is printed (except with --debug)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from _helpers import DATE, set_languages, set_template, template, write

from generator.core.errors import CheckFailed

LETTER_YAML = """\
title: Test letter
kind: government_letter
purpose: A letter for the tests.
languages: [en]
addressee_kinds: [foreign_ministry, head_of_state]
respondent: addressee
variables:
  count:
    type: int
    required: true
  reference:
    type: str
examples:
  - to: cn-mfa
    vars: {count: 3}
"""


@pytest.fixture
def ws(workspace: Path) -> Path:
    write(workspace / "letters" / "t" / "letter.yaml", LETTER_YAML)
    set_template(workspace, "<p>Nothing cited.</p>", letter="t")
    return workspace


@pytest.fixture
def render(ws: Path, run, tmp_path: Path):  # type: ignore[no-untyped-def]
    """render(body, *args, to=..., letter=...) -> (code, stdout, stderr, out_path)."""

    def _render(body: str | None, *args: str, to: str = "cn-mfa", letter: str = "t", fmt: str = "html", date: str = DATE):  # type: ignore[no-untyped-def]
        if body is not None:
            set_template(ws, body, letter=letter)
        out = tmp_path / "out" / f"letter.{fmt}"
        code, stdout, stderr = run("--workspace", ws, "render", letter, "--to", to, "--date", date, "--format", fmt, "--out", out, *args)
        return code, stdout, stderr, out

    return _render


def refused(code: int, stdout: str, stderr: str, out: Path, expected_code: int = 4) -> None:
    assert code == expected_code, stderr
    assert not out.exists()
    assert not list(out.parent.glob(".*.tmp")) if out.parent.exists() else True
    assert "Traceback" not in stdout + stderr
    assert "wrote" not in stdout


def template_line(stderr: str, line: int, message: str, severity: str = "error") -> bool:
    return bool(re.search(rf"^{severity}: \S*letters/t/letter\.html\.j2:{line}: {re.escape(message)}", stderr, re.M))


def test_valid_letter_renders(render) -> None:  # type: ignore[no-untyped-def]
    code, stdout, stderr, out = render('<p>A.{{ cite("cat", "art 3(1)") }}</p>', "--var", "count=3")
    assert code == 0, stderr
    assert out.is_file()
    assert f"wrote {out} (1 footnotes)" in stdout or "(1 footnote" in stdout
    assert stderr == ""


def test_unknown_citation_key(render) -> None:  # type: ignore[no-untyped-def]
    code, stdout, stderr, out = render('<p>One.</p>\n<p>Two.{{ cite("cta") }}</p>', "--var", "count=1")
    refused(code, stdout, stderr, out)
    assert template_line(stderr, 5, "unknown citation key 'cta'"), stderr
    assert "hint: did you mean 'cat'?" in stderr


def test_unknown_citation_key_with_debug_raises(render, ws: Path, runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from generator.cli import main

    set_template(ws, '<p>Two.{{ cite("cta") }}</p>', letter="t")
    out = tmp_path / "debug.html"
    result = runner.invoke(main, ["--workspace", str(ws), "--debug", "render", "t", "--to", "cn-mfa", "--var", "count=1",
                                  "--date", DATE, "--format", "html", "--out", str(out)], catch_exceptions=True)
    assert isinstance(result.exception, CheckFailed)
    assert any("unknown citation key 'cta'" in p.message for p in result.exception.problems)
    assert not out.exists()


def test_unverified_document(render) -> None:  # type: ignore[no-untyped-def]
    code, stdout, stderr, out = render('<p>Ours.{{ cite("my-report") }}</p>', "--var", "count=1")
    refused(code, stdout, stderr, out)
    assert template_line(stderr, 4, "'my-report' is flagged unverified (U) in the library and cannot be cited"), stderr


def test_incident_after_letter_date(render) -> None:  # type: ignore[no-untyped-def]
    code, stdout, stderr, out = render('<p>{{ fact("return-2023-10-09") }}</p>', "--var", "count=1", date="2023-10-01")
    refused(code, stdout, stderr, out)
    assert template_line(stderr, 4, "incident 'return-2023-10-09' is dated 2023-10-09, after the letter date 2023-10-01"), stderr


def test_incident_on_its_date_is_fine_when_a_source_is_published(render) -> None:  # type: ignore[no-untyped-def]
    code, _stdout, stderr, out = render('<p>{{ fact("return-2023-10-09") }}</p>', "--var", "count=1", date="2023-10-11")
    assert code == 0, stderr
    html = out.read_text(encoding="utf-8")
    assert "Radio Free Asia" in html  # published 11 October 2023
    assert "Yonhap" not in html  # published 13 October 2023: not yet cited


def test_document_after_letter_date(render) -> None:  # type: ignore[no-untyped-def]
    code, stdout, stderr, out = render('<p>COI.{{ cite("coi-report-2014", "para 4") }}</p>', "--var", "count=1", date="2014-02-06")
    refused(code, stdout, stderr, out)
    assert template_line(stderr, 4, "document 'coi-report-2014' is dated 2014-02-07, after the letter date 2014-02-06"), stderr


def test_document_on_its_date(render) -> None:  # type: ignore[no-untyped-def]
    code, _stdout, stderr, out = render('<p>COI.{{ cite("coi-report-2014", "para 4") }}</p>', "--var", "count=1", date="2014-02-07")
    assert code == 0, stderr
    assert out.is_file()


def test_required_variable_missing(render) -> None:  # type: ignore[no-untyped-def]
    code, stdout, stderr, out = render(None)
    refused(code, stdout, stderr, out)
    assert "error: --var: count: required variable 'count' is missing" in stderr
    assert "--var count=VALUE" in stderr


def test_variable_of_wrong_type(render) -> None:  # type: ignore[no-untyped-def]
    code, stdout, stderr, out = render(None, "--var", "count=abc")
    refused(code, stdout, stderr, out)
    assert "variable 'count': expected an integer, got 'abc'" in stderr


def test_unknown_variable(render) -> None:  # type: ignore[no-untyped-def]
    code, stdout, stderr, out = render(None, "--var", "count=2", "--var", "colour=red")
    refused(code, stdout, stderr, out)
    assert "unknown variable 'colour' for letter 't'" in stderr
    assert "count, reference" in stderr  # the hint lists the known ones


def test_variable_errors_are_listed_together(render) -> None:  # type: ignore[no-untyped-def]
    code, stdout, stderr, out = render(None, "--var", "colour=red")
    refused(code, stdout, stderr, out)
    assert "unknown variable 'colour'" in stderr
    assert "required variable 'count' is missing" in stderr


def test_int_variable_is_an_int_in_the_template(render) -> None:  # type: ignore[no-untyped-def]
    code, _stdout, stderr, out = render("<p>{{ count + 1 }} {{ (count * 2) | string }}</p>", "--var", "count=20")
    assert code == 0, stderr
    assert "<p>21 40</p>" in out.read_text(encoding="utf-8")


OBLIGATION = '<p>The DPRK must not torture.{{ obligation("cat") }}</p>'


def test_obligation_against_state_not_bound_warns(render) -> None:  # type: ignore[no-untyped-def]
    code, stdout, stderr, out = render(OBLIGATION, "--var", "count=1", to="kp-mfa")
    assert code == 0, stderr
    assert template_line(stderr, 4, "The DPRK is not a party to CAT", "warning"), stderr
    assert out.is_file()
    assert "(1 footnotes)" in stdout or "1 footnote" in stdout


def test_obligation_against_state_not_bound_strict(render) -> None:  # type: ignore[no-untyped-def]
    code, stdout, stderr, out = render(OBLIGATION, "--var", "count=1", "--strict", to="kp-mfa")
    refused(code, stdout, stderr, out)
    assert template_line(stderr, 4, "The DPRK is not a party to CAT"), stderr


def test_obligation_against_bound_state_is_silent(render) -> None:  # type: ignore[no-untyped-def]
    code, _stdout, stderr, out = render(OBLIGATION, "--var", "count=1", "--strict", to="cn-mfa")
    assert code == 0, stderr
    assert stderr == ""
    assert out.is_file()


def test_obligation_against_state_with_unverified_status(render, ws: Path) -> None:  # type: ignore[no-untyped-def]
    write(ws / "citations" / "treaties" / "tt.yaml", """\
        key: tt
        short_title: TT
        title: {en: Test Treaty}
        adopted: {date: 2000-01-01, flag: V}
        articles:
          "1": {text: {en: "Be kind."}, flag: V}
          "2": {text: {en: "Be fair."}, flag: U}
        parties:
          KP: {status: ratified, flag: U}
        """)
    code, stdout, stderr, out = render('<p>{{ obligation("tt") }}</p>\n<p>{{ quote("tt", "1", obligation=True) }}</p>',
                                       "--var", "count=1", to="kp-mfa")
    refused(code, stdout, stderr, out)
    assert template_line(stderr, 4, "the status of the DPRK under TT is not verified in the library"), stderr
    assert template_line(stderr, 5, "the status of the DPRK under TT is not verified in the library"), stderr


def test_quote_of_unverified_article(render, ws: Path) -> None:  # type: ignore[no-untyped-def]
    write(ws / "citations" / "treaties" / "tt.yaml", """\
        key: tt
        short_title: TT
        title: {en: Test Treaty}
        adopted: {date: 2000-01-01, flag: V}
        articles:
          "2": {text: {en: "Be fair."}, flag: U}
        """)
    code, stdout, stderr, out = render('<p>{{ quote("tt", "2") }}</p>', "--var", "count=1")
    refused(code, stdout, stderr, out)
    assert template_line(stderr, 4, "the text of tt art 2 is unverified (U)"), stderr


def test_quote_of_article_not_in_library(render) -> None:  # type: ignore[no-untyped-def]
    code, stdout, stderr, out = render('<p>Article 99: {{ quote("cat", "99") }}</p>', "--var", "count=1")
    refused(code, stdout, stderr, out)
    assert template_line(stderr, 4, "'cat' has no article '99' in the library"), stderr
    assert "hint: articles held: 3(1), 3(2)" in stderr


def test_quote_obligation_true_to_bound_state(render) -> None:  # type: ignore[no-untyped-def]
    code, _stdout, stderr, out = render('<p>{{ quote("cat", "3(1)", obligation=True) }}</p>', "--var", "count=1", "--strict")
    assert code == 0, stderr
    html = out.read_text(encoding="utf-8")
    assert "“No State Party shall expel, return (‘refouler’) or extradite a person" in html
    assert 'class="call"' in html and "art\u00a03(1)." in html  # an endnote in HTML; a pinpoint never breaks


def test_quote_obligation_true_to_state_not_bound(render) -> None:  # type: ignore[no-untyped-def]
    body = '<p>{{ quote("cat", "3(1)", obligation=True) }}</p>'
    code, _stdout, stderr, out = render(body, "--var", "count=1", to="kp-mfa")
    assert code == 0, stderr
    assert template_line(stderr, 4, "The DPRK is not a party to CAT", "warning"), stderr
    out.unlink()
    code, stdout, stderr, out = render(body, "--var", "count=1", "--strict", to="kp-mfa")
    refused(code, stdout, stderr, out)


def test_quote_without_obligation_does_not_check_status(render) -> None:  # type: ignore[no-untyped-def]
    code, _stdout, stderr, out = render('<p>{{ quote("cat", "3(1)") }}</p>', "--var", "count=1", "--strict", to="kp-mfa")
    assert code == 0, stderr
    assert stderr == ""


def test_addressee_kind_not_accepted(render) -> None:  # type: ignore[no-untyped-def]
    code, stdout, stderr, out = render(None, "--var", "count=1", to="sr-dprk")
    refused(code, stdout, stderr, out)
    assert "error: --to: sr-dprk: letter 't' is not addressed to a un mandate" in stderr
    assert "it accepts: foreign_ministry, head_of_state" in stderr


def test_unknown_letter(render) -> None:  # type: ignore[no-untyped-def]
    code, stdout, stderr, out = render(None, "--var", "count=1", letter="exmaple")
    refused(code, stdout, stderr, out, expected_code=2)
    assert "error: unknown letter 'exmaple'" in stderr
    assert "hint: did you mean 'example'?" in stderr


def test_unknown_addressee(render) -> None:  # type: ignore[no-untyped-def]
    code, stdout, stderr, out = render(None, "--var", "count=1", to="cn-mfaa")
    refused(code, stdout, stderr, out, expected_code=2)
    assert "error: unknown addressee 'cn-mfaa'" in stderr
    assert "did you mean 'cn-mfa'" in stderr


def test_unknown_addressee_without_close_match(render) -> None:  # type: ignore[no-untyped-def]
    code, stdout, stderr, out = render(None, "--var", "count=1", to="zzzzzz")
    refused(code, stdout, stderr, out, expected_code=2)
    assert "advocate addressees list" in stderr


def test_all_template_problems_are_listed_at_once(render) -> None:  # type: ignore[no-untyped-def]
    body = '<p>{{ cite("cta") }}</p>\n<p>{{ cite("my-report") }}</p>\n<p>{{ quote("cat", "99") }}</p>'
    code, stdout, stderr, out = render(body, "--var", "count=1")
    refused(code, stdout, stderr, out)
    assert template_line(stderr, 4, "unknown citation key 'cta'")
    assert template_line(stderr, 5, "'my-report' is flagged unverified (U)")
    assert template_line(stderr, 6, "'cat' has no article '99'")
    assert "error: 3 error(s) stop this letter" in stderr


def test_undefined_template_value(render) -> None:  # type: ignore[no-untyped-def]
    code, stdout, stderr, out = render("<p>{{ nonsense }}</p>", "--var", "count=1")
    refused(code, stdout, stderr, out, expected_code=5)
    assert re.search(r"letters/t/letter\.html\.j2:4: template uses an undefined value", stderr), stderr


def test_template_syntax_error_is_a_failed_check_from_render_and_check(render, ws: Path, run) -> None:  # type: ignore[no-untyped-def]
    code, stdout, stderr, out = render("<p>{{ cite('cat' }}</p>", "--var", "count=1")
    refused(code, stdout, stderr, out, expected_code=4)  # README: 4 checks failed, as `advocate check` says
    assert re.search(r"letters/t/letter\.html\.j2:4: template syntax", stderr), stderr
    code, _stdout, stderr = run("-w", ws, "check")
    assert code == 4 and len(re.findall(r"letter\.html\.j2:4: template syntax", stderr)) == 1, stderr


TRANSLATORS_COMMENT = """\
<p>Opening.</p>
{#- Translators: a comment
    on two lines. -#}
<p>{% trans note1=obligation("cat", state="KP"), note2=cite("cat2") %}Obligations.{{ note1 }}{{ note2 }}{% endtrans %}</p>
"""


def test_a_call_inside_trans_after_a_translators_comment_is_at_its_own_line(render, ws: Path, run) -> None:  # type: ignore[no-untyped-def]
    code, stdout, stderr, out = render(TRANSLATORS_COMMENT, "--var", "count=1")
    refused(code, stdout, stderr, out)
    assert template_line(stderr, 7, "The DPRK is not a party to CAT", "warning"), stderr  # line 7, not 5
    assert template_line(stderr, 7, "unknown citation key 'cat2'"), stderr
    code, _stdout, stderr = run("-w", ws, "check")
    assert code == 4 and stderr.count("unknown citation key 'cat2'") == 1, stderr
    assert template_line(stderr, 7, "unknown citation key 'cat2'"), stderr


def test_a_problem_in_the_subject_is_reported_once(ws: Path, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The layout prints the subject three times (title, description, "Re:"): its calls run three times."""
    write(ws / "letters" / "t" / "letter.html.j2", template("<p>Body.</p>", subject='Subject {{ obligation("cat", state="KP") }}'))
    out = tmp_path / "x.html"
    code, _stdout, stderr = run("-w", ws, "render", "t", "--to", "cn-mfa", "--var", "count=1", "--format", "html", "--out", out)
    assert code == 0 and stderr.count("The DPRK is not a party to CAT") == 1, stderr


def test_failed_render_keeps_the_previous_output(render) -> None:  # type: ignore[no-untyped-def]
    code, _stdout, stderr, out = render("<p>First version.</p>", "--var", "count=1")
    assert code == 0, stderr
    before = out.read_bytes()
    code, _stdout, _stderr, out = render('<p>{{ cite("cta") }}</p>', "--var", "count=1")
    assert code == 4
    assert out.read_bytes() == before


def test_check_finds_unknown_key_in_template(ws: Path, run) -> None:  # type: ignore[no-untyped-def]
    set_template(ws, '<p>A.</p>\n<p>{{ cite_all("cat", ("coi-reprot-2014", "para 4")) }}</p>', letter="t")
    code, _out, err = run("--workspace", ws, "check")
    assert code == 4
    assert template_line(err, 5, "unknown citation key 'coi-reprot-2014'"), err


def test_reserved_names_cover_the_render_context() -> None:
    """Every name the render context defines is reserved, so no letter variable can shadow it."""
    import datetime as dt

    from generator.checks.checks import RESERVED
    from generator.compose.build import _context
    from generator.compose.compose import Runtime
    from generator.core.letter import LetterRequest
    from generator.core.workspace import open_workspace
    from generator.load.loaded import load
    from generator.translate.runtime import recorder

    loaded = load(open_workspace())
    spec, addressee = loaded.letters["china-nonrefoulement"], loaded.addressees["cn-mfa"]
    request = LetterRequest(letter=spec.name, addressee="cn-mfa")
    context = _context(loaded, spec, addressee, request, {}, dt.date(2026, 1, 1), recorder(loaded.ws, "en"))
    runtime = Runtime(loaded.library, "en", dt.date(2026, 1, 1), "CN")
    assert set(context) | set(runtime.functions()) | {"page_footer_css"} <= RESERVED


@pytest.mark.parametrize(
    ("day", "given", "session", "warned"),
    [("2023-10-17", None, 78, False), ("2026-08-31", None, 80, False), ("2026-11-23", None, 81, False),
     ("2026-09-10", None, 81, True), ("2026-09-10", 80, 80, False), ("2027-01-15", None, 81, False)],
)
def test_general_assembly_session_follows_the_letter_date(day: str, given: int | None, session: int, warned: bool) -> None:
    """Session N opens in September of 1945 + N; in September the opening day decides, so a warning."""
    import datetime as dt

    from generator.compose.compose import Runtime
    from generator.core.workspace import open_workspace
    from generator.load.loaded import load

    runtime = Runtime(load(open_workspace()).library, "en", dt.date.fromisoformat(day), "CN")
    assert runtime.ga_session(given) == session
    runtime.ga_session(given)  # asked again (the subject is rendered more than once): one warning at most
    assert [p.severity for p in runtime.problems] == (["warning"] if warned else [])


# -- render refuses what check refuses --------------------------------------------------------

INCIDENT_YAML = """\
    key: inc-x
    title: {en: An incident}
    date: 2023-10-09
    summary: {en: "Something happened."}
    sources:
      - {document: rfa-2023-10-11, reliability: likely_reliable, connection: secondary_report}
      - {document: %s, reliability: likely_reliable, connection: secondary_report}
    flag: V
    """
FUTURE_DOC_YAML = """\
    key: future-doc
    kind: ngo_report
    author: Someone
    title: {en: A report from the future}
    date: 2999-01-01
    flag: V
    source: a typo in the date
    """


def check_and_render(render, ws: Path, run, body: str, *args: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """(stderr of `advocate check`, stderr of the render): both refuse (exit 4), the render writes nothing."""
    set_template(ws, body, letter="t")
    code, _out, check_err = run("--workspace", ws, "check")
    assert code == 4, check_err
    code, stdout, stderr, out = render(None, "--var", "count=1", *args)
    refused(code, stdout, stderr, out)
    return check_err, stderr


def test_unknown_incident_source_stops_the_render_as_it_stops_check(render, ws: Path, run) -> None:  # type: ignore[no-untyped-def]
    write(ws / "citations" / "incidents" / "inc-x.yaml", INCIDENT_YAML % "no-such-doc")
    check_err, stderr = check_and_render(render, ws, run, '<p>{{ fact("inc-x") }}</p>')
    message = r"^error: \S*citations/incidents/inc-x\.yaml:7: incident 'inc-x' cites unknown document 'no-such-doc'$"
    assert re.search(message, check_err, re.M), check_err
    assert re.search(message, stderr, re.M), stderr


def test_incident_source_dated_in_the_future_stops_the_render_as_it_stops_check(  # type: ignore[no-untyped-def]
    render,
    ws: Path,
    run,
) -> None:
    write(ws / "citations" / "incidents" / "inc-x.yaml", INCIDENT_YAML % "future-doc")
    write(ws / "citations" / "documents" / "future-doc.yaml", FUTURE_DOC_YAML)
    check_err, stderr = check_and_render(render, ws, run, '<p>{{ fact("inc-x") }}</p>')
    message = r"^error: \S*citations/documents/future-doc\.yaml:5: document 'future-doc' is dated 2999-01-01, in the future$"
    assert re.search(message, check_err, re.M), check_err
    assert re.search(message, stderr, re.M), stderr


def test_incident_source_after_the_letter_date_is_left_out_with_a_warning(render) -> None:  # type: ignore[no-untyped-def]
    code, _stdout, stderr, out = render('<p>{{ fact("return-2023-10-09") }}</p>', "--var", "count=1", date="2023-10-11")
    assert code == 0, stderr
    assert template_line(stderr, 4, "source 'yonhap-2023-10-13' of incident 'return-2023-10-09' is dated 2023-10-13, "
                                    "after the letter date 2023-10-11: left out of the footnote", "warning"), stderr
    assert stderr.count("'yonhap-2023-10-13'") == 1
    assert "Yonhap" not in out.read_text(encoding="utf-8")


TREATY_WITH_DATES = """\
    key: tt
    short_title: TT
    title: {en: Test Treaty}
    adopted: {date: 2000-01-01, flag: V}
    parties:
      CN: {status: ratified, date: 1990-01-01, date_flag: U, flag: V}
      KP: {status: signed, flag: V}
      FR: {status: ratified, date: 1995-02-03, flag: V}
    """


@pytest.mark.parametrize(
    ("state", "message"),
    [("CN", "the date of the status of CN under tt (ratified) is unverified (U) in the library"),
     ("KP", "the date of the status of KP under tt (signed) is not in the library")],
)
def test_unverified_ratification_date_is_an_error_never_an_empty_phrase(  # type: ignore[no-untyped-def]
    render,
    ws: Path,
    run,
    state: str,
    message: str,
) -> None:
    write(ws / "citations" / "treaties" / "tt.yaml", TREATY_WITH_DATES)
    check_err, stderr = check_and_render(render, ws, run, f'<p>A party since {{{{ status("tt", "{state}").date }}}}.</p>')
    assert template_line(stderr, 4, message), stderr
    assert template_line(check_err, 4, message), check_err
    assert "since ." not in stderr


def test_status_without_reading_the_date_and_a_verified_date(render, ws: Path) -> None:  # type: ignore[no-untyped-def]
    write(ws / "citations" / "treaties" / "tt.yaml", TREATY_WITH_DATES)
    body = '<p>[{{ status("tt", "CN").status }} {{ status("tt", "KP").bound }} {{ status("tt", "FR").date }}]</p>'
    code, _stdout, stderr, out = render(body, "--var", "count=1")
    assert code == 0, stderr
    assert "[ratified False 3\u00a0February\u00a01995]" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ('status("tt", "FR").acceded_on', "the letter says FR acceded tt, but the library records its status as 'ratified'"),
        ('status("tt", "FR").in_force_since', "the date tt entered into force for FR is not verified in the library"),
        ('status_note("tt", state="FR")', "the UN Treaty Collection status page of 'tt' is not verified in the library"),
    ],
)
def test_a_status_sentence_says_only_what_the_library_records(  # type: ignore[no-untyped-def]
    render,
    ws: Path,
    run,
    expression: str,
    message: str,
) -> None:
    """"Acceded on" for a state that ratified, "in force since" without the date, a status footnote
    without the depositary's status page: errors in `check` and in the render."""
    write(ws / "citations" / "treaties" / "tt.yaml", TREATY_WITH_DATES)
    check_err, stderr = check_and_render(render, ws, run, f"<p>France: {{{{ {expression} }}}}.</p>")
    assert template_line(stderr, 4, message), stderr
    assert template_line(check_err, 4, message), check_err


def test_a_status_sentence_cites_the_treaty_collection_status_page(render, ws: Path) -> None:  # type: ignore[no-untyped-def]
    write(
        ws / "citations" / "treaties" / "tt.yaml",
        """\
        key: tt
        short_title: TT
        title: {en: Test Treaty}
        adopted: {date: 2000-01-01, flag: V}
        status_page: {chapter: IV-99, url: "https://treaties.un.org/tt", flag: V2, source: "test"}
        parties:
          CN: {status: acceded, date: 2001-02-03, in_force: 2001-03-05, flag: V}
        """,
    )
    body = '<p>China acceded on {{ status("tt").acceded_on }}, in force since {{ status("tt").in_force_since }}.{{ status_note("tt") }}</p>'
    code, _stdout, stderr, out = render(body, "--var", "count=1")
    assert code == 0, stderr
    html = out.read_text(encoding="utf-8").replace("\u00a0", " ")
    assert re.search(r'China acceded on 3 February 2001, in force since 5 March 2001\.\W*<a class="call" id="call-1"', html), html
    note = re.search(r'<li id="note-1">(.*?)</li>', html)
    assert note, html
    assert "United Nations Treaty Collection, Status of Treaties, chapter IV-99: <i>Test Treaty</i>" in note.group(1)
    assert "https://treaties.un.org/tt" in note.group(1) and "adopted" not in note.group(1)  # not the treaty text


# -- a letter says only what holds for its addressee ---------------------------------------------


def test_a_letter_about_china_is_refused_for_seoul(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "x.html"
    code, stdout, stderr = run("render", "china-nonrefoulement", "--to", "kr-mofa", "--date", DATE, "--format", "html", "--out", out)
    refused(code, stdout, stderr, out)
    assert "error: --to: kr-mofa: letter 'china-nonrefoulement' states the obligations of China" in stderr
    assert "its respondent would be the ROK (the addressee's State): rule respondent_states" in stderr
    assert "hint: its prose holds only for CN: choose an addressee of that State" in stderr
    code, _stdout, stderr = run("render", "china-nonrefoulement", "--to", "pm-cn-geneva", "--date", DATE, "--format", "html", "--out", out)
    assert code == 0, stderr


def test_a_variable_respondent_outside_the_declared_states_is_refused(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "x.html"
    args = ("render", "un-special-procedures", "--to", "sr-dprk", "--date", DATE, "--format", "html", "--out", out)
    code, stdout, stderr = run(*args, "--var", "respondent_state=JP")
    refused(code, stdout, stderr, out)
    assert "its respondent would be Japan (`var:respondent_state`): rule respondent_states" in stderr
    assert "hint: give --var respondent_state=CN or KP" in stderr


@pytest.mark.parametrize(
    ("letter", "to", "rule"),
    [
        ("dprk-whereabouts", "pm-cn-geneva", "respondent_states"),
        ("petition", "kr-mofa", "addressee_kinds"),
        ("signon-xi", "kr-mofa", "addressee_kinds"),
        ("third-committee-missions", "pm-cn-geneva", "excluded_states"),
        ("third-committee-missions", "pm-kp-geneva", "excluded_states"),
        ("third-government", "cn-mfa", "excluded_states"),
    ],
)
def test_bundled_letters_refuse_addressees_they_are_not_written_for(  # type: ignore[no-untyped-def]
    run,
    tmp_path: Path,
    letter: str,
    to: str,
    rule: str,
) -> None:
    out = tmp_path / "x.html"
    code, stdout, stderr = run("render", letter, "--to", to, "--date", DATE, "--format", "html", "--out", out, "--var", "session=81")
    refused(code, stdout, stderr, out)
    assert f"rule {rule}" in stderr


def test_every_bundled_letter_with_a_varying_respondent_declares_its_states() -> None:
    from generator.core.workspace import open_workspace
    from generator.load.loaded import load

    for spec in load(open_workspace(None)).letters.values():
        if spec.respondent == "addressee" or spec.respondent.startswith("var:"):
            assert spec.respondent_states or spec.addressee_states, spec.name


def test_check_asks_a_letter_that_names_a_state_to_say_which_states_it_is_for(workspace: Path, run) -> None:  # type: ignore[no-untyped-def]
    yaml_path = workspace / "letters" / "example" / "letter.yaml"
    yaml_path.write_text(re.sub(r"respondent_states: .*\n", "", yaml_path.read_text(encoding="utf-8")), encoding="utf-8")
    code, _out, err = run("-w", workspace, "check")
    assert code == 4
    assert re.search(r"letter\.html\.j2:5: the prose names 'China', but letter 'example' does not say which States", err), err
    assert "hint: add `respondent_states: [CN]`" in err
    text = yaml_path.read_text(encoding="utf-8")
    yaml_path.write_text(text.replace("respondent: addressee", "respondent: addressee\naddressee_states: [XX]"), encoding="utf-8")
    code, _out, err = run("-w", workspace, "check")
    assert code == 4 and "addressee_states: unknown state 'XX'" in err and "the prose names" not in err


def test_a_campaign_to_all_selects_only_the_addressees_a_letter_is_written_for(tmp_path: Path) -> None:
    from generator.campaign.campaign import load_campaign
    from generator.core.workspace import open_workspace
    from generator.load.loaded import load

    campaign = write(tmp_path / "c.yaml", f"letters: [china-nonrefoulement, third-committee-missions]\naddressees: all\ndate: {DATE}\n")
    plan = load_campaign(campaign, load(open_workspace(None)))
    chosen = {(j.request.letter, j.request.addressee) for j in plan.jobs}
    assert {a for letter, a in chosen if letter == "china-nonrefoulement"} == {"cn-president", "cn-mfa", "pm-cn-geneva", "pm-cn-ny"}
    # the Third Committee sits in New York: its letter goes to the missions there, never to Geneva
    expected = {"pm-jp-ny", "pm-kr-ny", "pm-us-ny", "pm-ru-ny", "pm-za-ny", "pm-in-ny", "pm-th-ny"}
    assert {a for letter, a in chosen if letter == "third-committee-missions"} == expected


# -- `advocate check` tries what a render would -------------------------------------------------


def test_check_lists_each_untranslated_message_at_its_catalogue_line(workspace: Path, run) -> None:  # type: ignore[no-untyped-def]
    set_languages(workspace, "[en, fr]")
    code, _out, err = run("-w", workspace, "check")
    assert code == 4 and "--lang: no translations for 'fr'" in err, err  # as `render --lang fr` would stop
    assert run("-w", workspace, "i18n", "extract")[0] == 0 and run("-w", workspace, "i18n", "init", "fr")[0] == 0
    po = (workspace / "locales" / "fr" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8").splitlines()
    line = po.index('msgid "Forced returns of North Korean escapees"') + 1
    code, out, err = run("-w", workspace, "check")
    assert code == 0, err
    expected = f"warning: locales/fr/LC_MESSAGES/messages.po:{line}: untranslated in 'fr' (example), English used: 'Forced returns"
    assert expected in err.replace(str(workspace) + "/", ""), err
    untranslated = err.count("untranslated in 'fr'")  # the letter's 4 and the shared layout's (no bundled French here)
    count = err.count("warning: ")  # and the example's own (its newest incident is over a year old)
    assert untranslated > 4 and f"0 error(s), {count} warning(s)" in out, err
    code, out, err = run("-w", workspace, "check", "--strict")
    assert code == 4 and err.count("error: ") == count and f"{count} error(s), 0 warning(s)" in out, err


def test_check_composes_every_declared_language(workspace: Path, run) -> None:  # type: ignore[no-untyped-def]
    """A fault only the French composition meets (a branch on the language) is found."""
    set_languages(workspace, "[en, fr]")
    assert run("-w", workspace, "i18n", "init", "fr")[0] == 0
    path = workspace / "letters" / "example" / "letter.html.j2"
    french_only = '{% block body %}{% if lang == "fr" %}{{ nonsense }}{% endif %}'
    path.write_text(path.read_text(encoding="utf-8").replace("{% block body %}", french_only), encoding="utf-8")
    code, _out, err = run("-w", workspace, "check")
    assert code == 4 and re.search(r"letter\.html\.j2:4: template uses an undefined value: 'nonsense' is undefined", err), err


def test_check_refuses_a_template_that_does_not_extend_the_shared_layout(workspace: Path, run) -> None:  # type: ignore[no-untyped-def]
    write(workspace / "letters" / "example" / "letter.html.j2", "<html><body><p>{{ fact('return-2023-10-09') }}</p></body></html>\n")
    code, _out, err = run("-w", workspace, "check")
    assert code == 4 and re.search(r"letter\.html\.j2:1: letter 'example' does not extend the shared layout _base/base\.html\.j2", err), err
    assert "standalone: true" in err
    spec = workspace / "letters" / "example" / "letter.yaml"
    spec.write_text(spec.read_text(encoding="utf-8") + "standalone: true\n", encoding="utf-8")
    code, _out, err = run("-w", workspace, "check")
    assert code == 0 and "shared layout" not in err, err


def test_a_template_that_extends_one_that_extends_the_layout_is_fine(workspace: Path, run) -> None:  # type: ignore[no-untyped-def]
    base = workspace / "letters" / "example" / "letter.html.j2"
    write(workspace / "letters" / "_mine" / "layout.html.j2", base.read_text(encoding="utf-8"))
    write(base, '{% extends "_mine/layout.html.j2" %}\n')
    code, _out, err = run("-w", workspace, "check")
    assert code == 0, err


# -- issue 15: the letter's date decides what is current ---------------------------------------------


def test_a_letter_whose_newest_incident_is_over_a_year_old_is_warned_about_and_refused_under_strict(  # type: ignore[no-untyped-def]
    render,
) -> None:
    body = '<p>{{ fact("return-2023-10-09") }}</p>'
    code, _stdout, stderr, out = render(body, "--var", "count=1", date="2026-11-23")
    assert code == 0, stderr
    expected = "the newest incident this letter cites, 'return-2023-10-09' (2023-10-09), is more than 12 months older than the letter date"
    assert f"letter.html.j2: {expected} 2026-11-23" in stderr
    out.unlink()  # the warning let it through; under --strict nothing is written
    refused(*render(body, "--var", "count=1", "--strict", date="2026-11-23"))
    code, _stdout, stderr, _out = render(body, "--var", "count=1", date="2024-10-01")  # within 12 months: current
    assert code == 0 and "12 months" not in stderr


def test_the_newest_of_the_incidents_cited_decides_and_a_partial_date_counts_to_its_end(render) -> None:  # type: ignore[no-untyped-def]
    body = '<p>{{ fact("return-2023-10-09") }} {{ fact("returns-2024-2025") }}</p>'  # dated 2025-10 (month only)
    code, _stdout, stderr, _out = render(body, "--var", "count=1", date="2026-10-31")
    assert code == 0 and "12 months" not in stderr, stderr
    code, _stdout, stderr, _out = render(body, "--var", "count=1", date="2026-11-01")
    assert "'returns-2024-2025' (2025-10), is more than 12 months older" in stderr


CALENDAR_YAML = LETTER_YAML.replace(
    "variables:\n",
    "deadline: {event: the vote, usual: '11-15', variable: vote_date, lead_days: 21}\nvariables:\n  vote_date:\n    type: date\n",
)


@pytest.mark.parametrize(
    ("date", "extra", "expected"),
    [
        ("2026-10-01", [], None),
        ("2026-10-25", [], None),  # exactly 21 days before 15 November
        ("2026-10-26", [], "only 20 day(s) before the vote (2026-11-15, from its usual date"),
        ("2026-11-20", [], "the letter date 2026-11-20 is after the vote (2026-11-15, from its usual date"),
        ("2026-11-01", ["--var", "vote_date=2026-11-30"], None),
        ("2026-11-20", ["--var", "vote_date=2026-11-25"], "only 5 day(s) before the vote (2026-11-25, from --var vote_date)"),
    ],
)
def test_a_letter_dated_after_or_too_close_to_its_deadline_is_warned_about(  # type: ignore[no-untyped-def]
    ws: Path,
    render,
    date: str,
    extra: list[str],
    expected: str | None,
) -> None:
    write(ws / "letters" / "t" / "letter.yaml", CALENDAR_YAML)
    code, _stdout, stderr, out = render(None, "--var", "count=1", *extra, date=date)
    assert code == 0, stderr
    out.unlink()
    if expected is None:
        assert "deadline" not in stderr
    else:
        assert "letters/t/letter.yaml:7: deadline: " in stderr and expected in stderr
        refused(*render(None, "--var", "count=1", *extra, "--strict", date=date))


def test_a_deadline_naming_no_date_variable_is_an_error(ws: Path, run) -> None:  # type: ignore[no-untyped-def]
    deadline = "deadline: {event: the vote, usual: '11-15', variable: count}\nvariables:\n"
    write(ws / "letters" / "t" / "letter.yaml", LETTER_YAML.replace("variables:\n", deadline))
    code, _stdout, stderr = run("--workspace", ws, "check")
    assert code != 0
    assert "deadline.variable 'count' is not a date variable of this letter" in stderr


def test_the_third_committee_letter_goes_only_to_missions_in_new_york(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "x.html"
    args = ("--date", "2026-10-01", "--format", "html", "--out", out)
    code, _stdout, stderr = run("render", "third-committee-missions", "--to", "pm-kr-geneva", *args)
    refused(code, "", stderr, out)
    assert "is written to addressees in New York, not Geneva (pm-kr-geneva): rule addressee_localities" in stderr
    code, _stdout, stderr = run("render", "third-committee-missions", "--to", "pm-kr-ny", *args)
    assert code == 0, stderr
    assert "deadline" not in stderr and "12 months" not in stderr  # on 1 October 2026 the letter is in time and current
    html = out.read_text(encoding="utf-8")
    assert "Permanent Mission of the Republic of Korea to the United Nations<" in html and "Office at Geneva" not in html


def test_the_letter_to_xi_copies_chinas_ministers_and_never_the_addressee(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "x.html"
    args = ("--date", "2026-06-01", "--format", "html", "--out", out)
    code, _stdout, stderr = run("render", "china-nonrefoulement", "--to", "cn-president", *args)
    assert code == 0, stderr
    cc = out.read_text(encoding="utf-8").split('class="cc"', 1)[1].split("</div>", 1)[0].replace("\xa0", " ")  # (no-break spaces)
    assert "Minister of Foreign Affairs of the People’s Republic of China, No. 2, Chaoyangmen Nandajie" in cc
    assert "Minister of Public Security of the People’s Republic of China, 14 Dong Chang An Street, Dongcheng District" in cc
    assert "Beijing 100741, People’s Republic of China" in cc
    assert "Unification" not in cc and "Special Rapporteur" not in cc
    code, _stdout, stderr = run("render", "china-nonrefoulement", "--to", "cn-mfa", *args)
    cc = out.read_text(encoding="utf-8").split('class="cc"', 1)[1].split("</div>", 1)[0]
    assert "Minister of Public Security" in cc and "Minister of Foreign Affairs" not in cc


@pytest.mark.parametrize(
    ("date", "present", "absent"),
    [
        ("2023-12-20", ["9 October 2023"], ["2024", "2025", "Developments since 2023"]),
        ("2024-06-01", ["26 April 2024", "resolution 55/21"], ["2025", "406", "Third Committee"]),
        ("2026-06-01", ["26 April 2024", "at least 406", "20 November 2024", "20 May 2025", "19 November 2025"], []),
    ],
)
def test_each_letter_describes_the_situation_as_of_its_date(  # type: ignore[no-untyped-def]
    run,
    tmp_path: Path,
    date: str,
    present: list[str],
    absent: list[str],
) -> None:
    out = tmp_path / "x.html"
    code, _stdout, stderr = run("render", "third-government", "--to", "jp-mofa", "--date", date, "--format", "html", "--out", out)
    assert code == 0, stderr
    body = out.read_text(encoding="utf-8").split("<body", 1)[1]
    assert "12 months" not in stderr
    for text in present:
        assert text in body, text
    for text in absent:
        assert text not in body, text
