"""Compiled letter templates are kept in the user's cache folder between runs, used only while
the template is unchanged, passed over when damaged, and never kept in a folder others can write."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import jinja2
import pytest
from _helpers import DATE, set_template

from generator.core.cache import private_folder
from generator.render import render as render_module
from generator.render.render import LetterSandbox


@pytest.fixture
def compiled(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the templates compiled (not taken from the cache) from now on."""
    names: list[str] = []
    original = LetterSandbox.compile

    def counting(self, source, name=None, filename=None, *args, **kwargs):  # type: ignore[no-untyped-def]
        names.append(name)
        return original(self, source, name, filename, *args, **kwargs)

    monkeypatch.setattr(LetterSandbox, "compile", counting)
    return names


@pytest.fixture
def render(workspace: Path, run, tmp_path: Path) -> Callable[[str], str]:  # type: ignore[no-untyped-def]
    def _render(name: str) -> str:
        render_module._environment.cache_clear()  # a new process's environment: nothing compiled in memory
        out = tmp_path / f"{name}.html"
        code, _stdout, stderr = run("-w", workspace, "render", "example", "--to", "cn-mfa", "--date", DATE,
                                    "--format", "html", "--out", out)
        assert code == 0, stderr
        return out.read_text(encoding="utf-8")

    return _render


def test_compiled_templates_are_kept_and_used_while_unchanged(workspace: Path, render, compiled: list[str],  # type: ignore[no-untyped-def]
                                                              tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADVOCATE_CACHE_DIR", str(tmp_path / "cache"))
    set_template(workspace, "<p>First words.</p>")
    first = render("first")
    assert "example/letter.html.j2" in compiled and "_base/base.html.j2" in compiled
    entries = sorted((tmp_path / "cache" / "templates").iterdir())
    assert len(entries) == len(compiled) and all(entry.suffix == ".jinja" for entry in entries)
    assert (tmp_path / "cache" / "templates").stat().st_mode & 0o777 == 0o700

    compiled.clear()
    assert render("second") == first and compiled == []  # every template from the cache

    set_template(workspace, "<p>Other words.</p>")
    third = render("third")
    assert compiled == ["example/letter.html.j2"]  # only the changed template is compiled again
    assert "Other words." in third and "First words." not in third


def test_a_damaged_entry_is_compiled_again(workspace: Path, render, compiled: list[str],  # type: ignore[no-untyped-def]
                                           tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADVOCATE_CACHE_DIR", str(tmp_path / "cache"))
    first = render("first")
    count = len(compiled)
    for entry in (tmp_path / "cache" / "templates").iterdir():
        entry.write_bytes(entry.read_bytes()[:40])  # cut short
    compiled.clear()
    assert render("second") == first and len(compiled) == count
    compiled.clear()
    assert render("third") == first and compiled == []  # and written whole again


def test_an_entry_that_cannot_be_written_does_not_stop_the_render(render, compiled: list[str],  # type: ignore[no-untyped-def]
                                                                   tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADVOCATE_CACHE_DIR", str(tmp_path / "cache"))

    def full_disk(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(jinja2.bccache.Bucket, "write_bytecode", full_disk)
    assert "<html" in render("first")
    assert list((tmp_path / "cache" / "templates").iterdir()) == []  # the temporary files are removed


@pytest.mark.parametrize("setting", ["off", "group-writable", "link", "open-parent"])
def test_no_cache_in_a_folder_others_could_change(setting: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
                                                  render, compiled: list[str]) -> None:
    root = tmp_path / "cache"
    root.mkdir()
    monkeypatch.setenv("ADVOCATE_CACHE_DIR", "off" if setting == "off" else str(root))
    if setting == "group-writable":
        (root / "templates").mkdir()
        (root / "templates").chmod(0o770)
    elif setting == "link":
        (tmp_path / "elsewhere").mkdir(mode=0o700)
        (root / "templates").symlink_to(tmp_path / "elsewhere")
    elif setting == "open-parent":
        root.chmod(0o777)  # anyone could swap the folder for another (no sticky bit)
    assert private_folder("templates") is None
    first = render("first")
    count = len(compiled)
    assert render("second") == first and len(compiled) == 2 * count  # compiled each time
    assert not any(path.is_file() for path in tmp_path.rglob("*.jinja"))


def test_the_default_cache_folder_follows_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ADVOCATE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert private_folder("templates") == tmp_path / "xdg" / "advocate" / "templates"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # not absolute: ignored, as the XDG spec says
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert private_folder("templates") == tmp_path / "home" / ".cache" / "advocate" / "templates"


def test_no_cache_folder_without_a_home_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ADVOCATE_CACHE_DIR")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr("os.path.expanduser", lambda path: path)  # no HOME, no password entry
    monkeypatch.chdir(tmp_path)
    assert private_folder("templates") is None
    assert list(tmp_path.iterdir()) == []  # nothing made in the current folder


def test_debug_says_why_the_cache_folder_is_not_used(workspace: Path, run, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "cache" / "templates").mkdir(parents=True)
    (tmp_path / "cache" / "templates").chmod(0o777)
    monkeypatch.setenv("ADVOCATE_CACHE_DIR", str(tmp_path / "cache"))
    code, _stdout, stderr = run("-w", workspace, "--debug", "render", "example", "--to", "cn-mfa", "--date", DATE,
                                "--format", "html", "--out", tmp_path / "x.html")
    assert code == 0, stderr
    assert f"debug: advocate.cache: no cache: {tmp_path / 'cache' / 'templates'} is writable by others (mode 777)" in stderr
    code, _stdout, stderr = run("-w", workspace, "render", "example", "--to", "cn-mfa", "--date", DATE,
                                "--format", "html", "--out", tmp_path / "y.html")
    assert code == 0 and "debug:" not in stderr  # only with --debug
