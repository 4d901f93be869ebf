"""`advocate new letter|incident|document|addressee`: files with every key, that `advocate check`
accepts as they are (an incident only lacks its source: one clear error saying so)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from generator.core import workspace as workspace_module
from generator.core.models import Addressee, Document, Incident, LetterSpec
from generator.core.schema import file_keys


def _keys(model: type) -> set[str]:
    return set(file_keys(model))


def test_scaffolded_files_hold_every_key_and_pass_check(workspace: Path, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for kind, key in (("letter", "my-letter"), ("document", "my-doc"), ("addressee", "my-org")):
        code, out, err = run("-w", workspace, "new", kind, key)
        assert code == 0 and "created" in out, err
    letter = yaml.safe_load((workspace / "letters" / "my-letter" / "letter.yaml").read_text())
    assert set(letter) == _keys(LetterSpec) - {"name"}  # (the folder's name)
    assert set(yaml.safe_load((workspace / "citations" / "documents" / "my-doc.yaml").read_text())) == _keys(Document)
    addressee = yaml.safe_load((workspace / "letters" / "addressees" / "my-org.yaml").read_text())
    assert set(addressee["my-org"]) == _keys(Addressee) - {"key"}
    code, out, err = run("-w", workspace, "check")
    assert code == 0 and out.strip().startswith("0 error(s)"), err
    about_new = [line for line in err.splitlines() if line.startswith("warning:") and "my-letter" in line]
    assert len(about_new) == 1 and "my-letter/letter.yaml: no examples" in about_new[0], err  # the one thing check says of it
    code, _out, err = run(
        "-w", workspace, "render", "my-letter", "--to", "cn-mfa", "--format", "html", "--date", "2026-01-05", "--out", tmp_path / "l.html"
    )
    assert code == 0, err
    assert "FILL IN the first paragraph." in (tmp_path / "l.html").read_text()


def test_a_new_incident_fails_check_only_for_its_missing_source(workspace: Path, run) -> None:  # type: ignore[no-untyped-def]
    assert run("-w", workspace, "new", "incident", "my-incident")[0] == 0
    path = workspace / "citations" / "incidents" / "my-incident.yaml"
    data = yaml.safe_load(path.read_text())
    assert set(data) == _keys(Incident) and data["flag"] == "U"
    code, out, err = run("-w", workspace, "check")
    assert code == 4 and out.strip().startswith("1 error(s)"), err  # (the warnings are the example letter's: its news is old)
    assert "my-incident.yaml:4: incident 'my-incident' has no source" in err
    text = path.read_text().replace("sources: []", "sources: [{document: my-report, reliability: unsure, connection: secondary_report}]")
    path.write_text(text)
    assert run("-w", workspace, "check")[0] == 0


def test_new_refuses_to_overwrite_and_names_taken_or_bad_keys(workspace: Path, run) -> None:  # type: ignore[no-untyped-def]
    before = (workspace / "letters" / "example" / "letter.yaml").read_text()
    code, out, err = run("-w", workspace, "new", "letter", "example")
    assert code == 3 and out == "" and "letters/example/letter.yaml: refusing to overwrite an existing file" in err
    assert (workspace / "letters" / "example" / "letter.yaml").read_text() == before
    code, _out, err = run("-w", workspace, "new", "document", "cat")  # a bundled treaty's key
    assert code == 3 and "key 'cat' is taken already" in err and not (workspace / "citations" / "documents" / "cat.yaml").exists()
    code, _out, err = run("-w", workspace, "new", "addressee", "cn-mfa")
    assert code == 3 and "key 'cn-mfa' is taken already" in err
    code, _out, err = run("-w", workspace, "new", "incident", "Bad Key")
    assert code == 2 and "'Bad Key' must be lowercase" in err


def test_new_refuses_the_bundle_of_an_installed_package(bundle: Path, tmp_path: Path, run, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    installed = tmp_path / "site-packages" / "generator" / "_bundle"
    shutil.copytree(bundle, installed)
    monkeypatch.setattr(workspace_module, "BUNDLED", installed)
    code, out, err = run("new", "letter", "my-letter")
    assert code == 3 and out == "" and "bundled library of an installed package is read-only" in err
    assert "--workspace" in err and not (installed / "letters" / "my-letter").exists()
