"""Caches are keyed on the files they were made from: a long-lived process (a Dask worker, the
live preview) sees a changed advocate.toml, catalogue or stylesheet without being restarted, and a
new command reads a workspace loaded before from the cache folder until a file or the code changes."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.campaign import workers
from generator.core import cache as cache_module
from generator.core.locales import po_path
from generator.core.workspace import open_workspace
from generator.load import loaded as loaded_module
from generator.load.loaded import load
from generator.render.pdf import resources
from generator.translate import runtime as runtime_module
from generator.translate.catalog import read_catalog, write_catalog
from generator.translate.runtime import recorder


def _touch_later(path: Path) -> None:
    """Make sure the file's modification time moves on, even within one clock tick."""
    status = path.stat()
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns + 1_000_000_000))


def test_a_worker_sees_a_changed_sender(workspace: Path) -> None:
    """One process renders, advocate.toml changes, the same process renders again: the new sender."""
    ref = workers.workspace_ref(load(open_workspace(workspace)))
    assert workers._state(ref).ws.config.sender.name == "Your Organisation"
    config = workspace / "advocate.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("Your Organisation", "Another Coalition"), encoding="utf-8")
    _touch_later(config)
    assert workers._state(ref).ws.config.sender.name == "Another Coalition"
    assert workers._state(ref) is workers._state(ref)  # unchanged files: the same warm state
    assert sum(1 for key in workers._WARM if key[0] == ref) == 1  # the old state is dropped


def test_a_saved_catalogue_is_read_again(workspace: Path, run) -> None:  # type: ignore[no-untyped-def]
    assert run("-w", workspace, "i18n", "init", "fr")[0] == 0
    ws = open_workspace(workspace)
    msgid = "We write to you about the forced return of North Korean escapees from China."
    assert recorder(ws, "fr").gettext(msgid) == msgid  # untranslated: English
    path = po_path(workspace, "fr")
    catalog = read_catalog(path, "fr")
    catalog[msgid].string = "Nous vous écrivons au sujet du renvoi forcé de Nord-Coréens."
    write_catalog(path, catalog)
    _touch_later(path)
    assert recorder(ws, "fr").gettext(msgid).startswith("Nous vous écrivons")


def test_a_saved_stylesheet_is_parsed_again(workspace: Path) -> None:
    css = workspace / "letters" / "_base" / "style.css"
    css.parent.mkdir(parents=True, exist_ok=True)
    css.write_text("p { color: black; }\n", encoding="utf-8")
    roots = open_workspace(workspace).roots
    first = resources(roots, "A4")
    assert resources(roots, "A4") is first
    css.write_text("p { color: red; }\n", encoding="utf-8")
    _touch_later(css)
    assert resources(roots, "A4") is not first


def test_a_saved_letter_is_loaded_again(workspace: Path) -> None:
    """The loaded workspace is cached per state of citations/, letters/ and locales/: the preview
    (one process for hours) sees a letter added or changed since the last render."""
    import shutil

    ws = open_workspace(workspace)
    first = load(ws)
    assert load(ws) is first  # nothing changed: the same loaded workspace
    assert "second" not in first.letters
    shutil.copytree(workspace / "letters" / "example", workspace / "letters" / "second")
    assert "second" in load(ws).letters


@pytest.fixture
def fresh_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """A cache folder of the test's own; calling the result forgets what this process loaded (as a
    new command would start), and makes reading the workspace's files fail from then on."""
    monkeypatch.setenv("ADVOCATE_CACHE_DIR", str(tmp_path / "cache"))
    loaded_module._load.cache_clear()

    def forget() -> None:
        loaded_module._load.cache_clear()

        def unread(ws):  # type: ignore[no-untyped-def]
            raise AssertionError("the workspace was read again")

        monkeypatch.setattr(loaded_module, "load_library", unread)

    return forget


def test_a_workspace_loaded_before_is_read_from_the_cache_folder(workspace: Path, fresh_process: Callable[[], None]) -> None:
    ws = open_workspace(workspace)
    first = load(ws)
    fresh_process()
    other = open_workspace(workspace)
    again = load(other)  # (load_library would fail)
    assert again.ws is other and again.library == first.library and again.letters == first.letters
    assert again.addressees == first.addressees and again.problems == first.problems


def test_a_changed_file_is_read_again(workspace: Path, fresh_process: Callable[[], None]) -> None:
    load(open_workspace(workspace))
    fresh_process()
    _touch_later(workspace / "letters" / "example" / "letter.yaml")
    with pytest.raises(AssertionError, match="read again"):
        load(open_workspace(workspace))


def test_a_file_changed_with_its_time_and_size_kept_is_read_again(workspace: Path, fresh_process: Callable[[], None]) -> None:
    """A copy that keeps the modification time and size (cp -p, rsync -t) still changes the file's
    status-change time, which the key holds."""
    path = workspace / "letters" / "example" / "letter.yaml"
    load(open_workspace(workspace))
    fresh_process()
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    assert "title: " in text
    path.write_text(text.replace("title: ", "title:\t", 1), encoding="utf-8")  # another file of the same size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_mtime_ns == before.st_mtime_ns and path.stat().st_size == before.st_size
    with pytest.raises(AssertionError, match="read again"):
        load(open_workspace(workspace))


def test_a_workspace_loaded_by_other_code_is_read_again(workspace: Path, fresh_process: Callable[[], None],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    load(open_workspace(workspace))
    fresh_process()
    monkeypatch.setattr(cache_module, "_advocate_code", lambda: (("generator/core/models.py", 1, 2),))  # an upgraded advocate
    with pytest.raises(AssertionError, match="read again"):
        load(open_workspace(workspace))


def test_a_damaged_entry_is_read_again(workspace: Path, fresh_process: Callable[[], None], tmp_path: Path) -> None:
    ws = open_workspace(workspace)
    first = load(ws)
    (entry,) = (tmp_path / "cache" / "loaded").iterdir()
    entry.write_bytes(entry.read_bytes()[:100])  # cut short
    loaded_module._load.cache_clear()
    assert load(ws).library == first.library
    fresh_process()
    assert load(ws).library == first.library  # and kept whole again


def test_a_checked_catalogue_is_read_from_the_cache_folder_until_it_changes(
    workspace: Path, run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("ADVOCATE_CACHE_DIR", str(tmp_path / "cache"))
    assert run("-w", workspace, "i18n", "init", "fr")[0] == 0
    ws = open_workspace(workspace)
    msgid = "We write to you about the forced return of North Korean escapees from China."
    path = po_path(workspace, "fr")
    catalog = read_catalog(path, "fr")
    catalog[msgid].string = "Nous vous écrivons au sujet du renvoi forcé de Nord-Coréens."
    write_catalog(path, catalog)
    first = recorder(ws, "fr").gettext(msgid)
    assert first.startswith("Nous vous écrivons")

    def unread(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the catalogue was read again")

    runtime_module._translations.cache_clear()  # a new command
    monkeypatch.setattr(runtime_module, "read_catalog", unread)
    assert recorder(ws, "fr").gettext(msgid) == first
    plural = recorder(ws, "fr").translations.plural  # type: ignore[union-attr]
    assert [plural(n) for n in (0, 1, 2, 1_000_000)] == [0, 0, 2, 1]  # CLDR's French rule (one, many, other), made again
    runtime_module._translations.cache_clear()
    _touch_later(path)
    with pytest.raises(AssertionError, match="read again"):
        recorder(ws, "fr")
