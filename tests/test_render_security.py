"""Nothing is fetched from outside the workspace's letters/ folders, and variables are text."""

from __future__ import annotations

import html as htmlmod
import re
from pathlib import Path

import pytest
from _helpers import DATE, set_template


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
