"""The listing commands, init, and the render command's options."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from _helpers import DATE, write


def test_letters_lists_the_bundled_letter(run) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("letters")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["LETTER", "KIND", "LANGUAGES", "TITLE"]
    row = next(line for line in lines if line.startswith("china-nonrefoulement "))
    assert row.split()[1] == "government_letter"
    assert row.split()[2].split(",") == ["en", "ko", "zh", "ja", "fr", "es", "ru", "ar"]
    assert row.endswith("Non-refoulement of North Korean escapees (to China)")


def test_letters_includes_user_letter(workspace: Path, run) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("--workspace", workspace, "letters")
    assert code == 0, err
    assert re.search(r"^example\s+government_letter\s+en\s+Example letter to China's foreign ministry$", out, re.M), out


def test_show_letter(run) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("show", "china-nonrefoulement")
    assert code == 0, err
    assert out.startswith("china-nonrefoulement: Non-refoulement of North Korean escapees (to China)")
    assert "addressee kinds: head_of_state, foreign_ministry, permanent_mission" in out
    variables = out.split("variables:")[1].split("citations used:")[0]
    assert re.search(r"^  reference \(str, optional\): your reference", variables, re.M)
    assert re.search(r"^  cc \(addressee, optional, default \['cn-mfa', 'cn-mps'\]\)", variables, re.M)
    used = out.split("citations used:")[1].split("examples:")[0].split()
    for key, kind in [("protocol_1967", "(treaty)"), ("refugee_1951", "(treaty)"), ("cat", "(treaty)"),
                      ("coi-report-2014", "(document)"), ("return-2023-10-09", "(incident)")]:
        assert key in used
        assert used[used.index(key) + 1] == kind
    assert "(MISSING)" not in out
    assert "advocate render china-nonrefoulement --to cn-president" in out


def test_show_unknown_letter(run) -> None:  # type: ignore[no-untyped-def]
    code, _out, err = run("show", "china-nonrefoulment")
    assert code == 2  # a usage error
    assert "unknown letter 'china-nonrefoulment'" in err
    assert "did you mean 'china-nonrefoulement'" in err


def test_citations_list(run) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("citations", "list")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["KEY", "TYPE", "FLAG", "DATE", "TITLE"]
    keys = [line.split()[0] for line in lines[1:]]
    assert keys == sorted(keys)
    assert {"cat", "coi-report-2014", "return-2023-10-09", "protocol_1967"} <= set(keys)
    cat = next(line for line in lines if line.startswith("cat "))
    assert cat.split()[1:4] == ["treaty", "V", "1984-12-10"]
    incident = next(line for line in lines if line.startswith("return-2023-10-09 "))
    assert incident.split()[1:4] == ["incident", "V2", "2023-10-09"]


def test_citations_show_treaty(run) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("citations", "show", "cat")
    assert code == 0, err
    lines = out.splitlines()
    assert re.match(r"^cat  \(\S*citations/treaties/cat\.yaml:1\)$", lines[0]), lines[0]
    first = lines[lines.index("first citation:") + 1].strip()
    later = lines[lines.index("later citation:") + 1].strip()
    assert first.startswith("Convention against Torture and Other Cruel, Inhuman or Degrading Treatment or Punishment "
                            "(adopted 10 December 1984, entered into force 26 June 1987) 1465 UNTS")
    assert first.endswith("(CAT).")
    assert later == "CAT (n 1)."
    assert re.search(r"^  CN .*: ratified 4 October 1988 \[V\]", out, re.M)
    assert re.search(r"^  art 3\(1\) \[V\]: No State Party shall expel", out, re.M)


def test_citations_show_incident(run) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("citations", "show", "return-2023-10-09")
    assert code == 0, err
    assert "incident: Mass forced return of 9 October 2023" in out
    assert "date: 2023-10-09 (day)" in out
    assert "perpetrator: CN  receiving state: KP" in out
    assert "over 500 people (estimate) per rfa-2023-10-11 [V2]" in out
    sources = out.split("sources:")[1].strip().splitlines()
    assert len(sources) == 5
    assert sources[0].strip() == "rfa-2023-10-11 (likely_reliable, secondary_report): Radio Free Asia, news report (11 October 2023)."
    # each source is shown in its full form, never as Ibid or a cross-reference
    assert not any("Ibid" in s or "(n " in s for s in sources)


def test_citations_show_unknown(run) -> None:  # type: ignore[no-untyped-def]
    code, _out, err = run("citations", "show", "cta")
    assert code == 3
    assert "unknown citation key 'cta'" in err and "did you mean 'cat'" in err


def test_addressees_list(run) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("addressees", "list")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["KEY", "KIND", "STATE", "LANGS", "CHANNELS", "TITLE"]
    row = next(line for line in lines if line.startswith("cn-president "))
    assert row.split()[1:5] == ["head_of_state", "CN", "zh,en", "post"]
    un = next(line for line in lines if line.startswith("sr-dprk "))
    assert un.split()[1:5] == ["un_mandate", "-", "en,fr,es", "form"]


def test_addressees_show(run) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("addressees", "show", "cn-president")
    assert code == 0, err
    assert re.match(r"^cn-president  \(\S*letters/addressees\.yaml:\d+\)", out)
    block = out.split("address block:")[1].split("email:")[0].strip().splitlines()
    assert [line.strip() for line in block[:4]] == ["Xi Jinping", "President of the People's Republic of China", "Beijing",
                                                    "People's Republic of China"]
    assert "salutation: Your Excellency" in out
    assert "email: -" in out
    letters = out.split("letters for this addressee:")[1].strip().split(", ")
    assert "china-nonrefoulement" in letters


def test_init_then_render_example(runner, run, tmp_path: Path, isolated_bundle: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    code, out, err = run("init", "mine")
    assert code == 0, err
    for rel in ("advocate.toml", "letters/example/letter.yaml", "letters/example/letter.html.j2", "citations/documents/my-report.yaml"):
        assert (tmp_path / "mine" / rel).is_file()
        assert f"created {Path('mine') / rel}" in out
    assert (tmp_path / "mine" / "citations" / "treaties").is_dir()
    assert "next: advocate --workspace mine render example --to cn-mfa" in out
    code, out, err = run("--workspace", "mine", "check")
    assert code == 0, err
    code, out, err = run("--workspace", "mine", "render", "example", "--to", "cn-mfa", "--date", DATE)
    assert code == 0, err
    pdf = tmp_path / "out" / "example-cn-mfa-en.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    assert f"wrote {Path('out') / 'example-cn-mfa-en.pdf'} (2 footnotes)" in out
    from pypdf import PdfReader

    assert PdfReader(pdf).metadata.author == "Your Organisation"


def test_init_refuses_to_overwrite(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "ws"
    write(target / "advocate.toml", "# mine\n")
    code, out, err = run("init", target)
    assert code == 3
    assert "refusing to overwrite an existing file" in err
    assert (target / "advocate.toml").read_text(encoding="utf-8") == "# mine\n"
    assert not (target / "letters").exists()


def test_init_twice_refuses(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert run("init", tmp_path / "ws")[0] == 0
    code, _out, err = run("init", tmp_path / "ws")
    assert code == 3
    assert "refusing to overwrite" in err


def _render(run, workspace: Path, *args: str):  # type: ignore[no-untyped-def]
    return run("--workspace", workspace, "render", "example", "--to", "cn-mfa", *args)


def test_var_without_equals(workspace: Path, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "x.html"
    code, _stdout, err = _render(run, workspace, "--var", "reference", "--date", DATE, "--format", "html", "--out", out)
    assert code == 3
    assert "error: --var: --var 'reference' is not KEY=VALUE" in err
    assert not out.exists()


def test_var_value_may_contain_equals(workspace: Path, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "x.html"
    code, _stdout, err = _render(run, workspace, "--var", "reference=a=b", "--date", DATE, "--format", "html", "--out", out)
    assert code == 0, err
    assert "Ref: a=b" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("bad", ["2026-13-01", "23/11/2026", "tomorrow", "2026-11"])
def test_malformed_date(workspace: Path, run, tmp_path: Path, bad: str) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "x.html"
    code, _stdout, err = _render(run, workspace, "--date", bad, "--format", "html", "--out", out)
    assert code == 3
    assert f"error: --date: --date '{bad}' is not a date" in err
    assert "YYYY-MM-DD" in err
    assert not out.exists()


def test_date_is_printed(workspace: Path, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "x.html"
    code, _stdout, err = _render(run, workspace, "--date", "2025-03-07", "--format", "html", "--out", out)
    assert code == 0, err
    html = out.read_text(encoding="utf-8")
    assert '<div class="date">7\u00a0March\u00a02025</div>' in html  # no-break spaces in dates
    assert "2025-03-07T00:00:00" in html


def test_default_date_is_stated_and_is_local(workspace: Path, run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """Without --date the letter is dated today in the machine's time zone, and render says so: at
    any moment, a machine on the Line Islands (UTC+14) dates a letter a day after one in Honolulu
    (UTC-10), their clocks showing the same hour."""
    import datetime as dt
    import time

    dates = []
    for zone in ("LINT-14", "HST10"):  # POSIX TZ strings (no time zone database needed)
        monkeypatch.setenv("TZ", zone)
        time.tzset()
        out = tmp_path / f"{zone}.html"
        code, stdout, err = _render(run, workspace, "--format", "html", "--out", out)
        assert code == 0, err
        line = next(x for x in stdout.splitlines() if x.startswith("date: "))
        assert re.fullmatch(r"date: (\d{4}-\d\d-\d\d) \(today, local time; use --date YYYY-MM-DD\)", line), line
        dates.append(dt.date.fromisoformat(line.split()[1]))
        assert dates[-1].isoformat() in out.read_text(encoding="utf-8")  # the date the letter carries
    monkeypatch.delenv("TZ")
    time.tzset()
    assert dates[0] - dates[1] == dt.timedelta(days=1)
    code, stdout, err = _render(run, workspace, "--date", DATE, "--format", "html", "--out", tmp_path / "x.html")
    assert code == 0 and "date:" not in stdout  # a date given is not repeated


def test_vars_file(workspace: Path, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    vars_file = write(tmp_path / "vars.yaml", "reference: HR/2023/17\n")
    out = tmp_path / "x.html"
    code, _stdout, err = _render(run, workspace, "--vars", vars_file, "--date", DATE, "--format", "html", "--out", out)
    assert code == 0, err
    assert "Ref: HR/2023/17" in out.read_text(encoding="utf-8").replace("\u2060", "")  # joiners: no break inside
    # --var wins over the file
    code, _stdout, err = _render(run, workspace, "--vars", vars_file, "--var", "reference=X-1", "--date", DATE, "--format", "html", "--out", out)  # noqa: E501
    assert code == 0, err
    html = out.read_text(encoding="utf-8").replace("\u2060", "")
    assert "Ref: X-1" in html and "HR/2023/17" not in html


def test_vars_file_not_a_mapping(workspace: Path, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    vars_file = write(tmp_path / "vars.yaml", "- reference\n- x\n")
    code, _stdout, err = _render(run, workspace, "--vars", vars_file, "--date", DATE, "--format", "html", "--out", tmp_path / "x.html")
    assert code == 3
    assert "expected a mapping of variable names to values" in err


def test_vars_file_unknown_variable(workspace: Path, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    vars_file = write(tmp_path / "vars.yaml", "reference: A\nurgency: high\n")
    code, _stdout, err = _render(run, workspace, "--vars", vars_file, "--date", DATE, "--format", "html", "--out", tmp_path / "x.html")
    assert code == 4
    assert "unknown variable 'urgency'" in err


def test_default_output_path_is_relative_to_cwd(workspace: Path, run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    code, out, err = _render(run, workspace, "--date", DATE)
    assert code == 0, err
    expected = cwd / "out" / "example-cn-mfa-en.pdf"
    assert expected.read_bytes().startswith(b"%PDF")
    assert not (workspace / "out").exists()
    assert [p.name for p in (cwd / "out").iterdir()] == ["example-cn-mfa-en.pdf"]  # no temporary file left


def test_format_html(workspace: Path, run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    code, out, err = _render(run, workspace, "--date", DATE, "--format", "html")
    assert code == 0, err
    path = tmp_path / "out" / "example-cn-mfa-en.html"
    html = path.read_text(encoding="utf-8")
    assert html.lstrip().startswith("<!DOCTYPE html>")
    assert html.count('<a class="call"') == 2  # footnotes as endnotes (generator/render/webpage.py)
    assert "Minister of Foreign Affairs of the People" in html
    assert "4\u00a0October\u00a01988" in html  # status("cat").date
    assert "wrote out/example-cn-mfa-en.html (2 footnotes)" in out


def test_workspace_from_environment(workspace: Path, run, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ADVOCATE_WORKSPACE", str(workspace))
    code, out, err = run("letters")
    assert code == 0, err
    assert re.search(r"^example\s", out, re.M)


def test_missing_workspace_folder(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, _out, err = run("--workspace", tmp_path / "nope", "letters")
    assert code != 0
    assert "Traceback" not in err


def test_version(run) -> None:  # type: ignore[no-untyped-def]
    code, out, _err = run("--version")
    assert code == 0
    assert out.startswith("advocate, version ")


# -- values typed differently, options that do not apply, outputs that cannot be written -------


@pytest.mark.parametrize(("lang", "paper"), [("EN", "a4"), ("zh-CN", "Letter"), ("fr_FR", "LETTER")])
def test_paper_and_language_are_read_as_people_type_them(run, tmp_path: Path, lang: str, paper: str) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "x.html"
    code, stdout, err = run(
        "render",
        "china-nonrefoulement",
        "--to",
        "cn-mfa",
        "--lang",
        lang,
        "--paper",
        paper,
        "--date",
        DATE,
        "--format",
        "html",
        "--out",
        out,
    )
    assert code == 0, err
    assert f'lang="{lang[:2].lower()}' in out.read_text(encoding="utf-8")


def test_signatories_on_a_letter_that_takes_none_is_a_usage_error(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "x.pdf"
    signers = Path(__file__).resolve().parent.parent / "letters" / "signon-xi" / "sample-signatories.csv"
    code, _out, err = run("render", "china-nonrefoulement", "--to", "cn-mfa", "--signatories", signers, "--out", out)
    assert code == 2 and not out.exists()
    assert "error: --signatories: letter 'china-nonrefoulement' takes no signatories" in err
    code, _out, err = run("render", "china-nonrefoulement", "--to", "cn-mfa", "--skip-invalid", "--out", out)
    assert code == 2 and "--skip-invalid applies only to a signatory list" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("render", "nope", "--to", "cn-mfa"), "unknown letter 'nope'"),
        (("render", "china-nonrefoulement", "--to", "nobody"), "unknown addressee 'nobody'"),
        (("render", "china-nonrefoulement", "--to", "cn-mfa", "--lang", "de"), "has no 'de' version"),
        (("show", "nope"), "unknown letter 'nope'"),
    ],
)
def test_unknown_letter_addressee_or_language_is_a_usage_error(run, args: tuple[str, ...], message: str) -> None:  # type: ignore[no-untyped-def]
    code, _out, err = run(*args)
    assert code == 2 and message in err and "Traceback" not in err


def test_an_output_that_cannot_be_written_is_one_line_naming_the_path(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    blocker = write(tmp_path / "file.txt", "not a folder")
    out = blocker / "letter.html"
    code, _out, err = run("render", "china-nonrefoulement", "--to", "cn-mfa", "--date", DATE, "--format", "html", "--out", out)
    assert code == 3, err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and f"--out: {out}: cannot write {out}" in errors[0], err
    assert "internal error" not in err and ".tmp" not in err


def test_a_typo_in_a_letter_yaml_key_gets_a_did_you_mean(workspace: Path, run) -> None:  # type: ignore[no-untyped-def]
    path = workspace / "letters" / "example" / "letter.yaml"
    text = (
        path.read_text(encoding="utf-8")
        .replace("addressee_kinds:", "adressee_kinds:")
        .replace("  - to: cn-mfa", "  - to: cn-mfa\n    lnag: fr")
    )
    path.write_text(text, encoding="utf-8")
    code, _out, err = run("-w", workspace, "check")
    assert code == 4
    assert re.search(r"letters/example/letter\.yaml:\d+: unknown key 'adressee_kinds'\n  hint: did you mean 'addressee_kinds'\?", err), err
    assert re.search(r"unknown key 'lnag' in examples\.0\n  hint: did you mean 'lang'\?", err), err


def test_a_value_inside_trans_gets_a_hint(workspace: Path, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = workspace / "letters" / "example" / "letter.html.j2"
    path.write_text(
        path.read_text(encoding="utf-8").replace("{% trans %}We write to you", "{% trans %}Dear {{ addressee.name }}, we write to you")
    )
    hint = "hint: inside {% trans %} only plain names are printed: bind the value first"
    code, _out, err = run("-w", workspace, "check")
    assert code == 4 and re.search(r"letter\.html\.j2:5: template syntax: expected token 'end of print statement'", err) and hint in err
    code, _out, err = run("-w", workspace, "render", "example", "--to", "cn-mfa", "--format", "html", "--out", tmp_path / "x.html")
    assert code != 0 and hint in err


def test_a_campaign_with_a_bad_date_still_lists_its_other_errors(workspace: Path, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    campaign = write(tmp_path / "c.yaml", "letters: [example]\naddressees: [cn-mfa, nobody]\ndate: 2026-13-45\nlanguages: [xx]\nfoo: 1\n")
    code, _out, err = run("-w", workspace, "batch", campaign, "--check")
    assert code == 3
    for line, message in [
        (2, "unknown addressee 'nobody'"),
        (3, "date: '2026-13-45' is not a date"),
        (4, "unknown language 'xx'"),
        (5, "unknown key 'foo'"),
    ]:
        assert f"c.yaml:{line}: {message}" in err, err


# -- --json -----------------------------------------------------------------------------------------


def test_check_json_lists_every_problem_with_its_place(workspace: Path, run) -> None:  # type: ignore[no-untyped-def]
    path = workspace / "letters" / "example" / "letter.html.j2"
    path.write_text(path.read_text(encoding="utf-8").replace('fact("return-2023-10-09")', 'cite("cat2")'), encoding="utf-8")
    code, out, err = run("-w", workspace, "check", "--json")
    assert code == 4 and err == "", err
    doc = json.loads(out)
    assert doc["version"] == 1 and doc["ok"] is False and doc["counts"] == {"errors": 1, "warnings": 0}
    assert doc["problems"] == [
        {
            "severity": "error",
            "file": str(path),
            "option": None,
            "line": 6,
            "field": None,
            "message": "unknown citation key 'cat2'",
            "hint": "did you mean 'cat'?",
        }
    ]
    path.write_text(path.read_text(encoding="utf-8").replace('cite("cat2")', 'cite("cat")'), encoding="utf-8")
    code, out, _err = run("-w", workspace, "check", "--json")
    assert code == 0 and json.loads(out) == {"version": 1, "ok": True, "counts": {"errors": 0, "warnings": 0}, "problems": []}


def test_json_of_a_command_that_stops_keeps_its_exit_code(tmp_path: Path, run) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path / "advocate.toml", "[sender\n")
    code, out, err = run("-w", tmp_path, "check", "--json")
    doc = json.loads(out)
    assert code == 3 and err == "" and doc["ok"] is False and doc["problems"][0]["file"].endswith("advocate.toml"), out


def test_letters_json(workspace: Path, run) -> None:  # type: ignore[no-untyped-def]
    code, out, _err = run("-w", workspace, "letters", "--json")
    letters = {letter["name"]: letter for letter in json.loads(out)["letters"]}
    assert code == 0 and letters["example"]["languages"] == ["en"] and letters["example"]["respondent_states"] == ["CN"]
    assert letters["example"]["variables"] == {"reference": {"type": "str", "required": False}}
    assert letters["example"]["standalone"] is False and letters["example"]["kind"] == "government_letter"


def test_citations_list_json(workspace: Path, run) -> None:  # type: ignore[no-untyped-def]
    code, out, _err = run("-w", workspace, "citations", "list", "--json")
    citations = {c["key"]: c for c in json.loads(out)["citations"]}
    assert code == 0 and citations["cat"]["source"] == "treaty" and citations["cat"]["date"] == "1984-12-10"
    assert citations["my-report"] == {
        "key": "my-report", "source": "document", "kind": "ngo_report", "flag": "U", "date": "2024-01", "title": "Title of your report"
    }
    assert citations["return-2023-10-09"]["source"] == "incident"


def test_i18n_stats_json(workspace: Path, run) -> None:  # type: ignore[no-untyped-def]
    assert run("-w", workspace, "i18n", "extract")[0] == 0 and run("-w", workspace, "i18n", "init", "fr")[0] == 0
    code, out, _err = run("-w", workspace, "i18n", "stats", "--json")
    (row,) = json.loads(out)["languages"]
    assert code == 0 and row["lang"] == "fr" and row["translated"] == 0 and row["untranslated"] == row["total"] > 0
    assert row["fuzzy"] == 0 and row["percent"] == 0.0


def test_the_console_script_exits_with_the_commands_code_and_output(tmp_path: Path) -> None:
    """`run` (the console script, and ``python -m generator.cli``) only skips the interpreter's last
    garbage collection: the exit code, the messages and the files are the command's."""
    import subprocess
    import sys
    import tomllib

    from generator.cli import run

    scripts = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts["advocate"] == f"{run.__module__}:{run.__name__}"
    cli = [sys.executable, "-m", "generator.cli", "render", "china-nonrefoulement", "--date", DATE]
    ok = subprocess.run([*cli, "--to", "cn-president", "--out", str(tmp_path / "x.pdf")], capture_output=True, text=True, check=False)
    assert ok.returncode == 0 and "wrote" in ok.stdout + ok.stderr, ok.stderr
    assert (tmp_path / "x.pdf").read_bytes().rstrip().endswith(b"%%EOF")
    bad = subprocess.run([*cli, "--to", "nobody", "--out", str(tmp_path / "y.pdf")], capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and bad.stderr.count("error:") == 1 and "Traceback" not in bad.stderr, bad.stderr
    assert not (tmp_path / "y.pdf").exists()
