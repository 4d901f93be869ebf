"""Loading the library, addressees and configuration: every fault named with FILE:LINE, and
`advocate check` listing every problem at once (exit 4)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from _helpers import write

from generator.core.errors import InputError
from generator.core.workspace import load_config

TREATY = """\
key: tt
short_title: TT
title: {en: Test Treaty}
adopted: {date: 2000-01-01, flag: V}
flag: V
"""

DOCUMENT = """\
key: doc-a
kind: news
author: A
date: 2023-01-01
flag: V
"""

INCIDENT = """\
key: inc-a
title: {en: An incident}
date: 2023-01-01
summary: {en: Something happened.}
sources:
  - document: doc-a
    reliability: unsure
    connection: witness
flag: V
"""

ADDRESSEE = """\
xx-mfa:
  kind: foreign_ministry
  state: {state}
  title: {{en: Minister}}
  salutation: {{en: Excellency}}
"""


def problem_lines(stderr: str, severity: str = "error") -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith(f"{severity}: ")]


def has_problem(stderr: str, file_suffix: str, line: int, message: str, severity: str = "error") -> bool:
    pattern = re.compile(rf"^{severity}: \S*{re.escape(file_suffix)}:{line}: {re.escape(message)}", re.M)
    return bool(pattern.search(stderr))


@pytest.fixture
def check(workspace: Path, run):  # type: ignore[no-untyped-def]
    def _check(*extra: str):  # type: ignore[no-untyped-def]
        return run("--workspace", workspace, "check", *extra)

    return _check


def cit(ws: Path, section: str, name: str, text: str) -> Path:
    return write(ws / "citations" / section / f"{name}.yaml", text)


def _stale(err: str) -> list[str]:
    """The warnings that the example's newest incident is over a year older than today (they
    depend on the day the suite runs, not on the workspace)."""
    return [line for line in problem_lines(err, "warning") if "more than 12 months older than the letter date" in line]


def test_fresh_workspace_checks_clean(check) -> None:  # type: ignore[no-untyped-def]
    code, out, err = check()
    assert code == 0, err
    assert f"0 error(s), {len(_stale(err))} warning(s)" in out
    assert problem_lines(err) == [] and problem_lines(err, "warning") == _stale(err)


def test_bundled_library_checks_clean(run) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("check")
    assert code == 0, err
    assert out.strip().startswith("0 error(s)")


def test_valid_files_load(workspace: Path, check) -> None:  # type: ignore[no-untyped-def]
    cit(workspace, "treaties", "tt", TREATY)
    cit(workspace, "documents", "doc-a", DOCUMENT)
    cit(workspace, "incidents", "inc-a", INCIDENT)
    code, out, err = check()
    assert code == 0, err
    from generator.core.workspace import open_workspace
    from generator.load.library import load_library

    lib, problems = load_library(open_workspace(workspace))
    assert problems == []
    assert {"tt", "doc-a", "inc-a", "cat", "my-report"} <= set(lib.keys())


@pytest.mark.parametrize(
    ("section", "name", "text", "line", "message"),
    [
        ("treaties", "tt", TREATY.replace("flag: V\n", "flag: V\ncolour: blue\n", 1), 6, "unknown key 'colour'"),
        ("documents", "doc-a", DOCUMENT.replace("author: A\n", "author: A\nauthr: B\n"), 4, "unknown key 'authr'"),
        ("incidents", "inc-a", INCIDENT.replace("    connection: witness\n", "    connection: witness\n    pinpiont: p 3\n"), 9,
         "unknown key 'pinpiont' in sources.0"),
        ("treaties", "tt", TREATY.replace("adopted: {date: 2000-01-01, flag: V}", "adopted:\n  date: 2000-01-01\n  flag: V\n  by_whom: x"), 7,  # noqa: E501
         "unknown key 'by_whom' in adopted"),
    ],
    ids=["treaty", "document", "incident-nested", "treaty-nested"],
)
def test_unknown_key_names_its_line(workspace: Path, check, section: str, name: str, text: str, line: int, message: str) -> None:  # type: ignore[no-untyped-def]
    if section == "incidents":
        cit(workspace, "documents", "doc-a", DOCUMENT)
    cit(workspace, section, name, text)
    code, _out, err = check()
    assert code == 4
    assert has_problem(err, f"{section}/{name}.yaml", line, message), err
    assert "Traceback" not in err


def test_missing_required_key(workspace: Path, check) -> None:  # type: ignore[no-untyped-def]
    cit(workspace, "documents", "doc-a", DOCUMENT.replace("author: A\n", ""))
    code, _out, err = check()
    assert code == 4
    assert has_problem(err, "documents/doc-a.yaml", 1, "missing required key 'author'"), err


def test_missing_nested_key_names_its_parent(workspace: Path, check) -> None:  # type: ignore[no-untyped-def]
    cit(workspace, "treaties", "tt", TREATY.replace("adopted: {date: 2000-01-01, flag: V}", "adopted: {flag: V}"))
    code, _out, err = check()
    assert code == 4
    assert has_problem(err, "treaties/tt.yaml", 4, "missing required key 'adopted.date'"), err


def test_wrong_flag(workspace: Path, check) -> None:  # type: ignore[no-untyped-def]
    cit(workspace, "documents", "doc-a", DOCUMENT.replace("flag: V", "flag: X"))
    code, _out, err = check()
    assert code == 4
    assert has_problem(err, "documents/doc-a.yaml", 5, "flag: "), err
    assert "'V', 'V2' or 'U'" in err


def test_quoted_impossible_date(workspace: Path, check) -> None:  # type: ignore[no-untyped-def]
    cit(workspace, "documents", "doc-a", DOCUMENT.replace("date: 2023-01-01", 'date: "2023-13-01"'))
    code, _out, err = check()
    assert code == 4
    assert has_problem(err, "documents/doc-a.yaml", 4, "date: not a real date"), err


def test_unquoted_impossible_date(workspace: Path, check) -> None:  # type: ignore[no-untyped-def]
    cit(workspace, "documents", "doc-a", DOCUMENT.replace("date: 2023-01-01", "date: 2023-13-01"))
    code, _out, err = check()
    assert "internal error" not in err
    assert code == 4
    assert re.search(r"documents/doc-a\.yaml:4: .*(date|month)", err), err


def test_partial_dates_accepted(workspace: Path, check) -> None:  # type: ignore[no-untyped-def]
    cit(workspace, "documents", "doc-a", DOCUMENT.replace("date: 2023-01-01", "date: 2023-10"))
    cit(workspace, "documents", "doc-b", DOCUMENT.replace("doc-a", "doc-b").replace("date: 2023-01-01", "date: 2023"))
    code, _out, err = check()
    assert code == 0, err


def test_duplicate_key(workspace: Path, check) -> None:  # type: ignore[no-untyped-def]
    cit(workspace, "documents", "doc-a", DOCUMENT + "author: B\n")
    code, _out, err = check()
    assert code == 4
    assert has_problem(err, "documents/doc-a.yaml", 6, "duplicate key 'author' (first on line 3)"), err


def test_malformed_yaml_in_library(workspace: Path, check) -> None:  # type: ignore[no-untyped-def]
    cit(workspace, "documents", "doc-a", DOCUMENT.replace("author: A", "author: A: B"))
    code, _out, err = check()
    assert code == 4
    assert has_problem(err, "documents/doc-a.yaml", 3, "malformed YAML"), err


def test_key_differs_from_file_name_is_a_warning(workspace: Path, check) -> None:  # type: ignore[no-untyped-def]
    cit(workspace, "documents", "other-name", DOCUMENT)
    code, out, err = check()
    assert code == 0, err
    assert has_problem(err, "documents/other-name.yaml", 1, "key 'doc-a' differs from the file name 'other-name.yaml'", "warning"), err
    assert f"0 error(s), {1 + len(_stale(err))} warning(s)" in out
    code, _out, _err = check("--strict")
    assert code == 4


def test_bad_key_syntax(workspace: Path, check) -> None:  # type: ignore[no-untyped-def]
    cit(workspace, "documents", "Doc-A", DOCUMENT.replace("key: doc-a", "key: Doc-A"))
    code, _out, err = check()
    assert code == 4
    assert has_problem(err, "documents/Doc-A.yaml", 1, "key 'Doc-A' must be lowercase"), err


def test_same_key_in_treaty_and_document(workspace: Path, check) -> None:  # type: ignore[no-untyped-def]
    cit(workspace, "treaties", "tt", TREATY)
    cit(workspace, "documents", "tt", DOCUMENT.replace("doc-a", "tt"))
    code, _out, err = check()
    assert code == 4
    assert "key 'tt' is already defined in" in err and "treaties/tt.yaml" in err


def test_user_document_colliding_with_bundled_treaty(workspace: Path, check) -> None:  # type: ignore[no-untyped-def]
    cit(workspace, "documents", "cat", DOCUMENT.replace("doc-a", "cat"))
    code, _out, err = check()
    assert code == 4
    assert "key 'cat' is used by both a treaties entry and a documents entry" in err


def test_same_key_in_two_documents(workspace: Path, check) -> None:  # type: ignore[no-untyped-def]
    cit(workspace, "documents", "doc-a", DOCUMENT)
    cit(workspace, "documents", "doc-a-copy", DOCUMENT.replace("author: A", "author: Somebody else"))
    code, _out, err = check()
    assert code == 4
    assert "doc-a" in "\n".join(problem_lines(err))


def test_user_file_overrides_bundled_one(workspace: Path) -> None:
    from generator.core.workspace import open_workspace
    from generator.load.library import load_library

    cit(workspace, "documents", "coi-report-2014", DOCUMENT.replace("doc-a", "coi-report-2014").replace("author: A", "author: Overridden"))
    lib, problems = load_library(open_workspace(workspace))
    assert problems == []
    assert lib.documents["coi-report-2014"].author == "Overridden"
    assert str(lib.origin["coi-report-2014"].path).startswith(str(workspace.resolve()))


def test_addressee_with_unknown_state(workspace: Path, check) -> None:  # type: ignore[no-untyped-def]
    write(workspace / "letters" / "addressees.yaml", "# mine\n" + ADDRESSEE.format(state="ZZ"))
    code, _out, err = check()
    assert code == 4
    assert has_problem(err, "letters/addressees.yaml", 2, "addressee 'xx-mfa': unknown state 'ZZ'"), err


def test_addressee_email_without_source(workspace: Path, check) -> None:  # type: ignore[no-untyped-def]
    write(workspace / "letters" / "addressees.yaml", ADDRESSEE.format(state="CN") + "  email: a@b.example\n")
    code, _out, err = check()
    assert code == 4
    assert has_problem(err, "letters/addressees.yaml", 1, "addressee 'xx-mfa': an email needs email_source"), err


def test_addressee_schema_error(workspace: Path, check) -> None:  # type: ignore[no-untyped-def]
    write(workspace / "letters" / "addressees.yaml", ADDRESSEE.format(state="CN").replace("foreign_ministry", "embassy"))
    code, _out, err = check()
    assert code == 4
    assert has_problem(err, "letters/addressees.yaml", 2, "kind: "), err


def test_incident_citing_unknown_document(workspace: Path, check) -> None:  # type: ignore[no-untyped-def]
    cit(workspace, "incidents", "inc-a", INCIDENT)  # doc-a does not exist
    code, _out, err = check()
    assert code == 4
    assert re.search(r"incidents/inc-a\.yaml:\d+: incident 'inc-a' cites unknown document 'doc-a'", err), err


def test_incident_without_sources(workspace: Path, check) -> None:  # type: ignore[no-untyped-def]
    text = INCIDENT.split("sources:")[0] + "flag: V\n"
    cit(workspace, "incidents", "inc-a", text)
    code, _out, err = check()
    assert code == 4
    assert re.search(r"incidents/inc-a\.yaml:\d+: incident 'inc-a' has no source", err), err


def test_check_lists_every_problem_at_once(workspace: Path, check) -> None:  # type: ignore[no-untyped-def]
    cit(workspace, "treaties", "tt", TREATY.replace("flag: V\n", "flag: V\ncolour: blue\n"))
    cit(workspace, "documents", "doc-a", DOCUMENT.replace("flag: V", "flag: X"))
    write(workspace / "letters" / "addressees.yaml", ADDRESSEE.format(state="ZZ"))
    code, out, err = check()
    assert code == 4
    assert has_problem(err, "treaties/tt.yaml", 6, "unknown key 'colour'"), err
    assert has_problem(err, "documents/doc-a.yaml", 5, "flag: "), err
    assert has_problem(err, "letters/addressees.yaml", 1, "addressee 'xx-mfa': unknown state 'ZZ'"), err
    assert "Traceback" not in err


def test_check_reports_each_problem_once(workspace: Path, check) -> None:  # type: ignore[no-untyped-def]
    cit(workspace, "documents", "doc-a", DOCUMENT.replace("author: A\n", "author: A\nauthr: B\n"))
    code, out, err = check()
    assert code == 4
    assert len([line for line in problem_lines(err) if "unknown key 'authr'" in line]) == 1
    assert "1 error(s)" in out


# -- advocate.toml -------------------------------------------------------------------------------


def test_malformed_toml(workspace: Path, run) -> None:  # type: ignore[no-untyped-def]
    config = workspace / "advocate.toml"
    config.write_text('paper = "A4"\n[sender]\nname "x"\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_config(config)
    assert info.value.where.line == 3
    assert info.value.msg.startswith("malformed TOML")
    code, _out, err = run("--workspace", workspace, "check")
    assert code == 3
    assert re.search(r"^error: \S*advocate\.toml:3: malformed TOML", err, re.M), err
    assert "Traceback" not in err


def test_unknown_key_in_toml(workspace: Path, run) -> None:  # type: ignore[no-untyped-def]
    config = workspace / "advocate.toml"
    text = config.read_text(encoding="utf-8").replace("[sender]\n", "[sender]\nfax = \"123\"\n")
    config.write_text(text, encoding="utf-8")
    line = text.splitlines().index('fax = "123"') + 1
    with pytest.raises(InputError) as info:
        load_config(config)
    assert info.value.where.line == line
    assert "unknown key: sender.fax" in info.value.msg
    code, _out, err = run("--workspace", workspace, "letters")
    assert code == 3
    assert f"advocate.toml:{line}: unknown key: sender.fax" in err


def test_bad_paper_in_toml(workspace: Path) -> None:
    config = workspace / "advocate.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('paper = "A4"', 'paper = "A5"'), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_config(config)
    assert info.value.where.line == 2
    assert "'A5'" in info.value.msg


def test_missing_sender_name(workspace: Path) -> None:
    config = workspace / "advocate.toml"
    config.write_text('paper = "A4"\n[sender]\nemail = "a@b.example"\n', encoding="utf-8")
    with pytest.raises(InputError, match="missing key: sender.name"):
        load_config(config)


def test_unknown_key_in_signer_names_its_line(workspace: Path) -> None:
    config = workspace / "advocate.toml"
    text = config.read_text(encoding="utf-8").rstrip("\n") + '\nemail = "me@example.org"\n'
    config.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_config(config)
    assert "unknown key: sender.signers.0.email" in info.value.msg
    assert info.value.where.line == len(text.splitlines())


def test_non_utf8_yaml_in_library(workspace: Path, check) -> None:  # type: ignore[no-untyped-def]
    (workspace / "citations" / "documents" / "doc-a.yaml").write_bytes(DOCUMENT.replace("author: A", "author: Caf\xe9").encode("latin-1"))
    code, _out, err = check()
    assert code == 4
    assert re.search(r"documents/doc-a\.yaml:3: not UTF-8", err), err  # the line of the first byte that is not UTF-8


# -- hostile or careless workspace files: one error each, naming the file, never a traceback ------


def _render(run, ws: Path, out: Path):  # type: ignore[no-untyped-def]
    return run("--workspace", ws, "render", "example", "--to", "cn-mfa", "--date", "2026-11-23", "--out", out)


def test_latin1_template_is_one_error_naming_its_line(workspace: Path, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    template = workspace / "letters" / "example" / "letter.html.j2"
    template.write_bytes(template.read_bytes() + "<p>Caf\xe9</p>\n".encode("latin-1"))
    line = len(template.read_bytes().splitlines())
    for args, code in ((("check",), 4), (("show", "example"), 3)):
        got, _out, err = run("--workspace", workspace, *args)
        assert got == code and has_problem(err, "letters/example/letter.html.j2", line, "not UTF-8 text"), err
        assert len(problem_lines(err)) == 1 and "Traceback" not in err
    code, _out, err = _render(run, workspace, tmp_path / "x.pdf")
    assert code == 4 and has_problem(err, "letters/example/letter.html.j2", line, "not UTF-8 text"), err
    assert not (tmp_path / "x.pdf").exists() and "Traceback" not in err


def test_latin1_advocate_toml(workspace: Path, run) -> None:  # type: ignore[no-untyped-def]
    (workspace / "advocate.toml").write_bytes('paper = "A4"\n[sender]\nname = "Caf\xe9"\n'.encode("latin-1"))
    code, _out, err = run("--workspace", workspace, "letters")
    assert code == 3
    assert has_problem(err, "advocate.toml", 3, "not UTF-8 text"), err
    assert len(problem_lines(err)) == 1 and "Traceback" not in err


def test_missing_advocate_toml_is_an_error_not_the_sample_sender(workspace: Path, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (workspace / "advocate.toml").unlink()
    code, out, err = _render(run, workspace, tmp_path / "x.pdf")
    assert code == 3
    assert re.search(r"^error: \S*ws/advocate\.toml: file not found", err, re.M), err
    assert "advocate init" in err and "Traceback" not in err
    assert not (tmp_path / "x.pdf").exists()
    code, out, err = run("letters")  # the bundled demo keeps its own
    assert code == 0, err


def test_symbolic_link_loops(workspace: Path, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    template = workspace / "letters" / "example" / "letter.html.j2"
    template.unlink()
    template.symlink_to(template)
    (workspace / "citations" / "documents" / "loop.yaml").symlink_to("loop.yaml")
    code, _out, err = run("--workspace", workspace, "check")
    assert code == 4, err
    assert re.search(r"^error: \S*letters/example/letter\.html\.j2: symbolic link loop", err, re.M), err
    assert re.search(r"^error: \S*documents/loop\.yaml: symbolic link loop", err, re.M), err
    assert "Traceback" not in err
    code, _out, err = _render(run, workspace, tmp_path / "x.pdf")
    assert code == 4 and "letter.html.j2: symbolic link loop" in err and "Traceback" not in err
    code, _out, err = run("--workspace", workspace, "i18n", "update")
    assert code == 3 and "letter.html.j2: symbolic link loop" in err and "Traceback" not in err


def test_a_folder_named_like_a_yaml_file(workspace: Path, check) -> None:  # type: ignore[no-untyped-def]
    (workspace / "citations" / "documents" / "x.yaml").mkdir()
    code, _out, err = check()
    assert code == 4
    assert re.search(r"^error: \S*citations/documents/x\.yaml: is a folder, not a file", err, re.M), err
    assert len(problem_lines(err)) == 1 and "Traceback" not in err


SECRET = "Kim Victim-Name"


@pytest.mark.parametrize(
    ("rel", "command"),
    [
        ("citations/documents/leak.yaml", ("check",)),
        ("citations/states.yaml", ("check",)),
        ("letters/addressees.yaml", ("check",)),
        ("letters/example/letter.yaml", ("check",)),
        ("letters/example/letter.html.j2", ("check",)),
        ("advocate.toml", ("letters",)),
    ],
)
def test_links_out_of_the_workspace_are_refused(workspace: Path, run, tmp_path: Path, rel: str, command: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    target = workspace / rel
    outside = tmp_path / "private" / Path(rel).name
    outside.parent.mkdir(exist_ok=True)
    outside.write_bytes(target.read_bytes() if target.exists() else f"key: leak\nsummary: {SECRET}\n".encode())
    if target.exists():
        target.unlink()
    target.symlink_to(outside)
    code, out, err = run("--workspace", workspace, *command)
    assert code in (3, 4), err
    assert re.search(rf"^error: \S*{re.escape(rel)}: a symbolic link leads outside the workspace", err, re.M), err
    assert SECRET not in out + err and "Traceback" not in err


def test_example_signatory_list_out_of_the_workspace(workspace: Path, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    outside = write(tmp_path / "private" / "people.csv", f"name,email\n{SECRET},kim@example.org\n")
    (workspace / "letters" / "example" / "people.csv").symlink_to(outside)
    spec = workspace / "letters" / "example" / "letter.yaml"
    text = spec.read_text(encoding="utf-8")
    assert "examples:" in text
    spec.write_text(text.replace("- to: cn-mfa", "- to: cn-mfa\n    signatories: people.csv", 1), encoding="utf-8")
    line = spec.read_text(encoding="utf-8").splitlines().index("examples:") + 1
    code, out, err = run("--workspace", workspace, "check")
    assert code == 4
    assert has_problem(err, "letters/example/letter.yaml", line, "people.csv: a symbolic link leads outside the workspace"), err
    assert SECRET not in out + err and "kim@example.org" not in out + err


@pytest.mark.parametrize("text", ["", "  \n\n\t\n"], ids=["zero-bytes", "whitespace"])
def test_empty_template_is_refused(workspace: Path, run, tmp_path: Path, text: str) -> None:  # type: ignore[no-untyped-def]
    (workspace / "letters" / "example" / "letter.html.j2").write_text(text, encoding="utf-8")
    code, _out, err = _render(run, workspace, tmp_path / "x.pdf")
    assert code == 4
    assert re.search(r"^error: \S*letters/example/letter\.html\.j2: letter template is empty", err, re.M), err
    assert not (tmp_path / "x.pdf").exists() and "Traceback" not in err


@pytest.mark.parametrize(
    "body",
    ["", "{% if false %}<p>Never.</p>{% endif %}\n<p> </p>"],
    ids=["empty-block", "renders-nothing"],
)
def test_body_block_that_renders_nothing_is_refused(workspace: Path, run, tmp_path: Path, body: str) -> None:  # type: ignore[no-untyped-def]
    from _helpers import set_template

    set_template(workspace, body)  # the body block starts on line 3
    code, _out, err = _render(run, workspace, tmp_path / "x.pdf")
    assert code == 5
    assert has_problem(err, "letters/example/letter.html.j2", 3, "the letter's body renders no text"), err
    assert len(problem_lines(err)) == 1 and "Traceback" not in err
    assert not (tmp_path / "x.pdf").exists()
    code, _out, err = run("--workspace", workspace, "check")
    assert code == 4 and has_problem(err, "letters/example/letter.html.j2", 3, "the letter's body renders no text"), err


def test_every_problem_of_advocate_toml_is_listed(workspace: Path, run) -> None:  # type: ignore[no-untyped-def]
    config = workspace / "advocate.toml"
    config.write_text('paper = "A5"\n[sender]\nfax = "1"\n\n[[sender.signers]]\nname = "X"\nphone = "2"\n', encoding="utf-8")
    code, _out, err = run("--workspace", workspace, "letters")
    assert code == 3
    assert re.search(r"advocate\.toml:1: paper must be 'A4' or 'letter', not 'A5'", err), err
    assert "advocate.toml:3: unknown key: sender.fax" in err
    assert "advocate.toml:7: unknown key: sender.signers.0.phone" in err
    assert "missing key: sender.name" in err
    assert "4 error(s) in advocate.toml" in err and "Traceback" not in err
