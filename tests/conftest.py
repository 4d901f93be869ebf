"""Shared fixtures for the advocate test suite.

`bundle` is a snapshot of the bundled library (citations/, letters/_base, letters/addressees.yaml,
advocate.toml) copied once per session; `workspace` points `generator.core.workspace.BUNDLED` at that
snapshot and creates a fresh user workspace with `init_workspace`, so that fixture workspaces do not
depend on the letter folders others are adding to the real bundle at the same time. Tests that
are about the real bundle (`advocate check` without a workspace, the PDF of china-nonrefoulement,
the citation forms) use it directly.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.core import workspace as workspace_module
from generator.tools.scaffold import init_workspace

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _no_env_workspace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ADVOCATE_WORKSPACE", raising=False)


@pytest.fixture(autouse=True, scope="session")
def _session_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The suite's own cache folder (compiled templates), never the user's: for commands run in
    this process and in the ones it starts."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ADVOCATE_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


RunResult = tuple[int, str, str]


@pytest.fixture
def run(runner: CliRunner) -> Callable[..., RunResult]:
    """run(*args, catch=False) -> (exit_code, stdout, stderr) of `advocate ARGS`."""

    def _run(*args: str, catch: bool = False) -> RunResult:
        result = runner.invoke(main, [str(a) for a in args], catch_exceptions=catch)
        return result.exit_code, result.stdout, result.stderr

    return _run


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bundle")
    shutil.copytree(REPO / "citations", root / "citations")
    shutil.copytree(REPO / "letters" / "_base", root / "letters" / "_base")
    shutil.copy2(REPO / "letters" / "addressees.yaml", root / "letters" / "addressees.yaml")
    shutil.copy2(REPO / "advocate.toml", root / "advocate.toml")
    return root


@pytest.fixture
def isolated_bundle(bundle: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(workspace_module, "BUNDLED", bundle)
    return bundle


@pytest.fixture
def workspace(tmp_path: Path, isolated_bundle: Path) -> Path:
    """A fresh `advocate init` workspace (letter `example`, document `my-report`)."""
    ws = tmp_path / "ws"
    init_workspace(ws)
    return ws
