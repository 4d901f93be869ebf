"""Nothing is fetched from outside the workspace's letters/ folders, and variables are text."""

from __future__ import annotations

import html as htmlmod
import re
from pathlib import Path

import pytest
from _helpers import DATE, set_template, write


@pytest.mark.parametrize(
    ("body", "url"),
    [
        ('<p><img src="file:///etc/passwd" alt="x"></p>', "file:///etc/passwd"),
        ('<link rel=stylesheet href="http://127.0.0.1/x.css">\n<p>Hello.</p>', "http://127.0.0.1/x.css"),
        ('<p><img src="../../advocate.toml" alt="x"></p>', "advocate.toml"),
    ],
    ids=["file-outside", "http-stylesheet", "relative-escape"],
)
def test_foreign_resources_stop_the_render(workspace: Path, run, tmp_path: Path, body: str, url: str) -> None:  # type: ignore[no-untyped-def]
    set_template(workspace, body)
    out = tmp_path / "x.pdf"
    code, stdout, stderr = run("--workspace", workspace, "render", "example", "--to", "cn-mfa", "--date", DATE, "--out", out)
    assert code == 5, stderr
    assert "refused to fetch" in stderr and url in stderr
    assert not out.exists()
    assert "Traceback" not in stdout + stderr


def test_image_inside_letters_is_allowed(workspace: Path, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
    (workspace / "letters" / "example" / "logo.svg").write_text(svg, encoding="utf-8")
    set_template(workspace, '<p><img src="logo.svg" alt="logo"> Hello.</p>')
    out = tmp_path / "ok.pdf"
    code, _stdout, stderr = run("--workspace", workspace, "render", "example", "--to", "cn-mfa", "--date", DATE, "--out", out)
    assert code == 0, stderr
    assert out.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("value", ["<b>bold</b>", "{{ 7*7 }}", "{% if true %}x{% endif %}", "\"quoted\" & 'single'"])
def test_variable_values_are_text(workspace: Path, run, tmp_path: Path, value: str) -> None:  # type: ignore[no-untyped-def]
    set_template(workspace, "<p>Ref {{ reference }}.</p>")
    out = tmp_path / "x.html"
    code, _stdout, stderr = run("--workspace", workspace, "render", "example", "--to", "cn-mfa", "--date", DATE,
                                "--format", "html", "--var", f"reference={value}", "--out", out)
    assert code == 0, stderr
    html = out.read_text(encoding="utf-8")
    body = html.split('<div class="body">', 1)[1]
    shown = re.search(r"<p>Ref (.*?)\.</p>", body, re.S)
    assert shown is not None
    assert "<" not in shown.group(1)  # no markup: escaped text only
    assert htmlmod.unescape(shown.group(1)).replace("’", "'") == value  # the text, with typographic apostrophes
    assert "<b>bold</b>" not in html
    assert "49" not in body
    # the reference line of the layout escapes it too
    assert "Ref: <b>" not in html


def test_vars_file_values_are_text(workspace: Path, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    set_template(workspace, "<p>Ref {{ reference }}.</p>")
    vars_file = tmp_path / "vars.yaml"
    vars_file.write_text('reference: "<script>alert(1)</script>"\n', encoding="utf-8")
    out = tmp_path / "x.html"
    code, _stdout, stderr = run("--workspace", workspace, "render", "example", "--to", "cn-mfa", "--date", DATE,
                                "--format", "html", "--vars", vars_file, "--out", out)
    assert code == 0, stderr
    html = out.read_text(encoding="utf-8")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# -- templates are data: the sandbox -----------------------------------------------------------

REFUSED = "template refused: "
UNDEFINED = "template uses an undefined value: "
SANDBOX_HINT = "hint: templates may only call the documented functions and read the documented values: see docs/writing-letters.md"
SECRET = "s3cret-passphrase-for-the-tests"


def refused_render(run, workspace: Path, tmp_path: Path, body: str, *args: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """Render `body` to a PDF, expecting one template error (exit 5; 4 for a syntax error, as from
    `advocate check`) and no output; (stdout, stderr)."""
    set_template(workspace, body)
    out = tmp_path / "out.pdf"
    code, stdout, stderr = run("--workspace", workspace, "render", "example", "--to", "cn-mfa", "--date", DATE, "--out", out, *args)
    assert code == (4 if "template syntax" in stderr else 5), stdout + stderr
    assert not out.exists() and not list(tmp_path.glob(".*.tmp"))
    assert "Traceback" not in stdout + stderr and "wrote" not in stdout
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, stderr  # one clear error
    assert re.match(r"error: \S*letters/example/letter\.html\.j2:4: ", errors[0]), stderr  # at the template's file and line
    return stdout, stderr


ESCAPES = {
    "cycler-os-system": ("{{ cycler.__init__.__globals__.os.system('touch PWNED') }}", REFUSED),
    "lipsum-environ": ("{{ lipsum.__globals__['os'].environ.get('ADVOCATE_KEY_PASSPHRASE') }}", UNDEFINED),
    "lipsum-open": ("{{ lipsum.__globals__['__builtins__']['open']('/etc/passwd').read() }}", UNDEFINED),
    "joiner": ("{{ joiner.__init__.__globals__ }}", REFUSED),
    "namespace": ("{% set ns = namespace(x=1) %}{{ ns.x }}", UNDEFINED),
    "mro-subclasses": ("{{ ''.__class__.__mro__[1].__subclasses__() }}", REFUSED),
    "self-globals": ("{{ self.__init__.__globals__ }}", REFUSED),
    "config": ("{{ config.items() }}", UNDEFINED),
    "request": ("{{ request.application.__globals__ }}", UNDEFINED),
    "format-self": ("{{ ''.format.__self__ }}", UNDEFINED),
    "format-globals": ("{{ ''.format.__globals__ }}", REFUSED),
    "attr-filter": ("{{ ''|attr('__class__') }}", REFUSED + "access to attribute '__class__' of 'str' object is unsafe."),
    "attr-filter-globals": ("{{ cite|attr('_func') }}", REFUSED),
    "map-attribute": ("{{ [letter]|map(attribute='__class__')|first }}", REFUSED),
    "str-format-field": ("{{ '{0.__class__.__mro__}'.format(addressee) }}", REFUSED + "'format' may not be called"),
    "markup-format": ("{{ page_footer_css.format(1) }}", REFUSED + "'format' may not be called"),
    "range-huge": ("{% for i in range(10**9) %}{{ i }}{% endfor %}", REFUSED + "range() of more than 10000 numbers"),
    "repeat-huge": ("{{ 'x' * 10**9 }}", REFUSED + "a repetition of more than 100000"),
    "power-huge": ("{{ 2 ** 100000 }}", REFUSED + "a power above 64"),
    "path-read": ("{{ letter.path.read_text() }}", REFUSED + "'read_text' may not be called"),
    "path-write": ("{{ letter.path.joinpath('PWNED').write_text('x') }}", REFUSED + "'joinpath' may not be called"),
    "model-fields": ("{{ incident('wgad-named-case-2023').__dataclass_fields__ }}", REFUSED),
    "model-class": ("{{ letter.__class__ }}", REFUSED),
    "function-internals": ("{{ cite._func.__self__.library }}", REFUSED),
    "gettext-globals": ("{{ gettext.__globals__ }}", REFUSED),
    "macro-internals": ("{{ signature_box._func }}", REFUSED),
    "loop-internals": ("{% for x in [1] %}{{ loop._iterator }}{% endfor %}", REFUSED),
    "dict-mutation": ("{% set _ = vars.update({'reference': 'x'}) %}", REFUSED + "access to attribute 'update'"),
    "list-append": ("{% set _ = signers.append(1) %}", REFUSED),
    "pprint": ("{{ addressee|pprint }}", "template syntax: No filter named 'pprint'."),
    "center-huge": ("{{ 'x'|center(10**9) }}", "template syntax: No filter named 'center'."),
    "tojson": ("{{ incident('wgad-named-case-2023')|tojson }}", "template syntax: No filter named 'tojson'."),
    "include-absolute": ("{% include '/etc/passwd' %}", REFUSED + "template name '/etc/passwd' leaves the letters folder"),
    "include-dotdot": ("{% include '../../x' %}", REFUSED + "template name '../../x' leaves the letters folder"),
    "import-dotdot": ("{% import 'example/../../../advocate.toml' as x %}",
                      REFUSED + "template name 'example/../../../advocate.toml' leaves the letters folder"),
    "from-import-absolute": ("{% from '/etc/passwd' import x %}", REFUSED + "template name '/etc/passwd' leaves the letters folder"),
}


@pytest.mark.parametrize(("body", "message"), list(ESCAPES.values()), ids=list(ESCAPES))
def test_template_escapes_end_in_one_clear_error(workspace: Path, run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
                                                 body: str, message: str) -> None:
    monkeypatch.setenv("ADVOCATE_KEY_PASSPHRASE", SECRET)
    monkeypatch.chdir(tmp_path)
    stdout, stderr = refused_render(run, workspace, tmp_path, body.replace("PWNED", str(tmp_path / "pwned")))
    assert message in stderr, stderr
    if message.startswith(REFUSED):
        assert SANDBOX_HINT in stderr
    assert not (tmp_path / "pwned").exists() and not (workspace / "letters" / "example" / "PWNED").exists()
    assert SECRET not in stdout + stderr and "root:" not in stdout + stderr


def test_include_through_a_symlink_that_leaves_the_letters_folder(workspace: Path, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    (workspace / "letters" / "example" / "notes.txt").symlink_to(secret)
    (workspace / "letters" / "example" / "passwd.txt").symlink_to("/etc/passwd")
    for name in ("notes.txt", "passwd.txt"):
        stdout, stderr = refused_render(run, workspace, tmp_path, f"{{% include 'example/{name}' %}}")
        assert f"{REFUSED}template 'example/{name}' is a link to" in stderr and "outside the letters folders" in stderr
        assert SECRET not in stdout + stderr and "root:" not in stdout + stderr


def test_a_symlinked_layout_outside_the_letters_folder_is_refused(workspace: Path, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "layout.html.j2").write_text(SECRET, encoding="utf-8")
    (workspace / "letters" / "shared").symlink_to(outside)
    _stdout, stderr = refused_render(run, workspace, tmp_path, "{% include 'shared/layout.html.j2' %}")
    assert "is a link to" in stderr and SECRET not in stderr


def test_includes_inside_the_letters_folders_still_work(workspace: Path, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (workspace / "letters" / "example" / "part.html.j2").write_text("<p>From the part: {{ state('CN', 'short') }}.</p>", encoding="utf-8")
    (workspace / "letters" / "example" / "same.html.j2").symlink_to(workspace / "letters" / "example" / "part.html.j2")
    set_template(workspace, "{% include 'example/part.html.j2' %}{% include 'example/same.html.j2' %}"
                 "{% for x in range(3) %}{{ loop.cycle('a', 'b') }}{% endfor %}{{ vars.get('nothing', 'none').upper() }}")
    out = tmp_path / "ok.html"
    code, _stdout, stderr = run("--workspace", workspace, "render", "example", "--to", "cn-mfa", "--date", DATE,
                                "--format", "html", "--out", out)
    assert code == 0, stderr
    html = out.read_text(encoding="utf-8")
    assert html.count("From the part: China.") == 2 and "abaNONE" in html


# -- confidential data stays out of a public render ----------------------------------------------

NAMED = "Kim Cheol-ok"  # the confidential victim of wgad-named-case-2023 in the bundled library
VICTIM_PATHS = [
    "{% for v in incident('wgad-named-case-2023').victims %}{{ v.name }} {{ v.consent }}{% endfor %}",
    "{{ incident('wgad-named-case-2023') }}",
    "{{ incident('wgad-named-case-2023')|string }}",
    "{{ incident('wgad-named-case-2023').victims|list }}",
    "{% for v in victims('wgad-named-case-2023') %}{{ v.name }}{% endfor %}",
]


@pytest.mark.parametrize("body", VICTIM_PATHS)
def test_no_victim_name_in_a_public_render(workspace: Path, run, tmp_path: Path, body: str) -> None:  # type: ignore[no-untyped-def]
    set_template(workspace, f"<p>[{body}]</p>")
    out = tmp_path / "public.html"
    code, stdout, stderr = run("--workspace", workspace, "render", "example", "--to", "cn-mfa", "--date", DATE,
                               "--format", "html", "--out", out)
    assert code == 0, stderr
    assert NAMED not in out.read_text(encoding="utf-8") + stdout + stderr
    assert "consent" not in out.read_text(encoding="utf-8").split('<div class="body">', 1)[1]


def test_a_confidential_render_still_names_the_victim(workspace: Path, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    set_template(workspace, "<p>[{% for v in victims('wgad-named-case-2023') %}{{ v.name }}{% endfor %}|"
                 "{{ incident('wgad-named-case-2023').victims | map(attribute='name') | join }}]</p>")
    out = tmp_path / "confidential.html"
    code, _stdout, stderr = run("--workspace", workspace, "render", "example", "--to", "cn-mfa", "--date", DATE,
                                "--format", "html", "--confidential", "--out", out)
    assert code == 0, stderr
    assert f"[{NAMED}|{NAMED}]" in out.read_text(encoding="utf-8")


def test_incident_of_a_public_runtime_carries_no_victims() -> None:
    import datetime as dt

    from generator.compose.compose import Runtime
    from generator.core.workspace import open_workspace
    from generator.load.loaded import load

    library = load(open_workspace(), confidential=True).library
    public = Runtime(library, "en", dt.date(2026, 11, 23), "CN").incident("wgad-named-case-2023")
    confidential = Runtime(library, "en", dt.date(2026, 11, 23), "CN", public=False).incident("wgad-named-case-2023")
    assert public is not None and confidential is not None
    assert public.victims == [] and NAMED not in repr(public)
    assert [v.name for v in confidential.victims] == [NAMED]


def test_no_victim_name_is_kept_in_the_cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The loaded workspace kept between commands holds no victim's name or details; loading
    without `confidential` gives the same blanks (consent and lines kept for the checks), and a
    confidential load reads the files again."""
    from generator.core.workspace import open_workspace
    from generator.load import loaded as loaded_module

    monkeypatch.setenv("ADVOCATE_CACHE_DIR", str(tmp_path / "cache"))
    loaded_module._load.cache_clear()
    ws = open_workspace()
    full = loaded_module.load(ws, confidential=True)
    (entry,) = (tmp_path / "cache" / "loaded").iterdir()
    assert NAMED.encode() not in entry.read_bytes()
    assert any(v.name == NAMED and v.details for v in full.library.incidents["wgad-named-case-2023"].victims)
    (named,) = full.library.incidents["wgad-named-case-2023"].victims
    for kept in (loaded_module.load(ws), (loaded_module._load.cache_clear(), loaded_module.load(ws))[1]):
        assert kept.redacted and not full.redacted
        (victim,) = kept.library.incidents["wgad-named-case-2023"].victims
        assert victim.name == "" and victim.details == {} and (victim.consent, victim.confidential) == (named.consent, named.confidential)
        assert NAMED not in repr(kept.library.raw["wgad-named-case-2023"])
        assert kept.library.where("wgad-named-case-2023", "victims", 0) == full.library.where("wgad-named-case-2023", "victims", 0)


# -- mail templates run in the same sandbox ----------------------------------------------------------


def test_mail_template_escape_is_refused(workspace: Path, run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from smtp_server import add_mail_templates
    from test_mailing import SUBMISSION_J2, SUBMISSION_YAML

    add_mail_templates(workspace)
    write(workspace / "letters" / "submission" / "letter.yaml", SUBMISSION_YAML)
    write(workspace / "letters" / "submission" / "letter.html.j2", SUBMISSION_J2)
    monkeypatch.setenv("ADVOCATE_KEY_PASSPHRASE", SECRET)
    subject = workspace / "letters" / "_mail" / "subject.txt.j2"
    subject.write_text("{{ letter.path.read_text() }}\n", encoding="utf-8")
    (workspace / "letters" / "_mail" / "message.txt.j2").write_text("{{ letter.__class__.__mro__ }}\n", encoding="utf-8")
    for broken in ("subject.txt.j2", "message.txt.j2"):
        if broken == "message.txt.j2":
            subject.write_text("Subject {{ letter_subject }}\n", encoding="utf-8")
        out = tmp_path / "eml"
        code, stdout, stderr = run("-w", workspace, "mail", "queue", "submission", "--to", "ohchr-urgent-action",
                                   "--var", "urgency=urgent_appeal", "--date", DATE, "--dry-run", "--out", out)
        assert code == 5, stderr
        assert "Traceback" not in stdout + stderr and SECRET not in stdout + stderr
        assert not list(out.glob("*.eml")) if out.exists() else True
        assert re.search(rf"error: \S*letters/_mail/{broken}:1: template refused: ", stderr), stderr


def test_annex_template_runs_in_the_sandbox(workspace: Path, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    from conftest import REPO

    shutil.copytree(REPO / "letters" / "petition", workspace / "letters" / "petition")
    annex = workspace / "letters" / "petition" / "annex.html.j2"
    lines = annex.read_text(encoding="utf-8").splitlines()
    refuse = [i for i, line in enumerate(lines) if line.startswith("<!DOCTYPE")][0]
    signatories = tmp_path / "s.csv"
    signatories.write_text("name,organisation,country,city,email,public\nAnna Example,,FR,Paris,,yes\n", encoding="utf-8")
    for body in ("{{ letter.path.read_text() }}", "{% include '/etc/passwd' %}"):
        annex.write_text("\n".join([*lines[:refuse], body, *lines[refuse:]]) + "\n", encoding="utf-8")
        out = tmp_path / "petition.pdf"
        code, stdout, stderr = run("--workspace", workspace, "render", "petition", "--to", "cn-president", "--signatories", signatories,
                                   "--date", DATE, "--out", out)
        assert code == 5, stdout + stderr
        assert re.search(rf"^error: \S*letters/petition/annex\.html\.j2:{refuse + 1}: template refused: ", stderr, re.M), stderr
        assert not out.exists() and "Traceback" not in stdout + stderr and "root:" not in stderr


def test_an_included_template_that_is_not_utf8_is_one_error_at_its_line(workspace: Path, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (workspace / "letters" / "example" / "part.html").write_bytes("<p>ok</p>\n<p>Caf\xe9</p>\n".encode("latin-1"))
    set_template(workspace, "{% include 'example/part.html' %}")
    out = tmp_path / "x.pdf"
    code, stdout, stderr = run("--workspace", workspace, "render", "example", "--to", "cn-mfa", "--date", DATE, "--out", out)
    assert code == 3, stderr
    assert re.search(r"^error: \S*part\.html:2: not UTF-8 text", stderr, re.M), stderr
    assert not out.exists() and "Traceback" not in stdout + stderr
