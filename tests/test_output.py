"""Output files: written atomically, with the permissions the umask gives; dependency warnings
kept from the user."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from generator.cli.root import quiet_dependencies
from generator.core.output import write_atomic


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_written_files_get_the_umask_permissions(tmp_path: Path, umask: int, mode: int) -> None:
    old = os.umask(umask)
    try:
        write_atomic(tmp_path / "sub" / "letter.pdf", b"%PDF-1.7\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "sub" / "letter.pdf").stat().st_mode) == mode
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["letter.pdf"]  # no temporary file left


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "manifest.json"
    target.write_text("old")

    def fail(*_args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("generator.core.output.os.replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, b"new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]


def test_dependency_warnings_are_hidden_but_advocates_own_are_not() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.resetwarnings()
        quiet_dependencies()
        warnings.warn_explicit("deprecated inside a dependency", DeprecationWarning, "x.py", 1, module="pyhanko.sign.x")
        warnings.warn_explicit("advocate's own", UserWarning, "y.py", 2, module="generator.compose.build")
    assert [str(w.message) for w in caught] == ["advocate's own"]


def test_cli_prints_no_dependency_warning(tmp_path: Path) -> None:
    """`advocate verify` imports pyHanko, which triggers cryptography's DSA deprecation."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    pdf = tmp_path / "x.pdf"
    with pdf.open("wb") as handle:
        writer.write(handle)
    advocate = Path(sys.executable).parent / "advocate"
    result = subprocess.run([advocate, "verify", pdf], capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": ""})
    assert result.returncode == 7 and "no signature" in result.stderr.lower(), result.stderr
    assert "Warning" not in result.stderr and "deprecated" not in result.stderr, result.stderr
