"""The package as a user installs it: the wheel built from this checkout, installed with the locked
versions into a fresh virtual environment outside the repository, run from an empty folder.

It needs uv (the tool `make setup` installs from the Makefile's pin; `make test` passes its path in
ADVOCATE_UV). Packages come from uv's cache, filled by `make setup`.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
UV = os.environ.get("ADVOCATE_UV") or shutil.which("uv")

pytestmark = pytest.mark.skipif(not UV, reason="needs uv: run through `make test`, which sets ADVOCATE_UV")


def _run(args: list[str | Path], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{args}: exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the wheel, the fresh environment's bin/ folder)."""
    tmp = tmp_path_factory.mktemp("install")
    assert UV
    _run([UV, "build", "--wheel", "--out-dir", tmp / "dist", REPO], cwd=tmp)
    (wheel,) = (tmp / "dist").glob("*.whl")
    _run([UV, "venv", "--quiet", "--python", sys.executable, tmp / "venv"], cwd=tmp)
    requirements = tmp / "requirements.txt"
    _run([UV, "export", "--quiet", "--frozen", "--no-emit-project", "--no-hashes", "--project", REPO, "-o", requirements], cwd=tmp)
    python = tmp / "venv" / "bin" / "python"
    _run([UV, "pip", "install", "--quiet", "--compile-bytecode", "--python", python, "-r", requirements, wheel], cwd=tmp)
    return wheel, tmp / "venv" / "bin"


def _user_env(bin_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ADVOCATE_", "PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    return env


def test_wheel_ships_the_bundled_library(installed: tuple[Path, Path]) -> None:
    wheel, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    for tracked in ("advocate.toml", "letters/_base/base.html.j2", "letters/addressees.yaml", "citations/states.yaml",
                    "locales/ko/LC_MESSAGES/messages.po", "letters/china-nonrefoulement/letter.html.j2"):
        assert f"generator/_bundle/{tracked}" in names, tracked
    assert not any(n.startswith(("tests/", "letters/", "generator/_bundle/tests")) for n in names)


def test_installed_package_renders_outside_the_repository(installed: tuple[Path, Path], tmp_path: Path) -> None:
    _, bin_dir = installed
    env = _user_env(bin_dir)
    where = _run([bin_dir / "python", "-c", "import generator; print(generator.__file__)"], cwd=tmp_path, env=env).stdout
    assert not Path(where.strip()).is_relative_to(REPO), where  # the wheel's code, not the checkout's

    version = _run([bin_dir / "advocate", "--version"], cwd=tmp_path, env=env).stdout
    assert version.split()[-1] == _metadata_version()
    assert "china-nonrefoulement" in _run([bin_dir / "advocate", "letters"], cwd=tmp_path, env=env).stdout
    _run([bin_dir / "advocate", "check"], cwd=tmp_path, env=env)

    old_umask = os.umask(0o022)
    try:
        _run([bin_dir / "advocate", "render", "china-nonrefoulement", "--to", "cn-president", "--lang", "ko",
              "--date", "2026-01-15", "--out", "ko.pdf"], cwd=tmp_path, env=env)
        _run([bin_dir / "advocate", "init", "ws"], cwd=tmp_path, env=env)
        _run([bin_dir / "advocate", "--workspace", "ws", "render", "example", "--to", "cn-mfa",
              "--date", "2026-01-15", "--out", "example.pdf"], cwd=tmp_path, env=env)
    finally:
        os.umask(old_umask)
    refused = subprocess.run([bin_dir / "advocate", "i18n", "extract"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert refused.returncode != 0 and "read-only" in refused.stderr and "Traceback" not in refused.stderr
    for name in ("ko.pdf", "example.pdf"):
        pdf = tmp_path / name
        assert pdf.read_bytes().startswith(b"%PDF-")
        assert stat.S_IMODE(pdf.stat().st_mode) == 0o644  # what the umask gives, readable by colleagues
    text = subprocess.run(["pdftotext", tmp_path / "ko.pdf", "-"], capture_output=True, text=True, check=True).stdout
    assert "고문방지협약" in text or "고문" in text  # the Korean letter, from the wheel's catalogue


def _metadata_version() -> str:
    import tomllib

    return str(tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"])
