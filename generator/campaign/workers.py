"""The worker side of a batch: one job rendered in a process that keeps its warm state.

In: how to find the workspace (`WorkspaceRef`) and a `Job`. Out: an `Outcome` (the bytes, or the
one-line reason it failed), never an exception. A worker keeps the loaded workspace, keyed on the
state of the files it was read from, so one that lives on (Dask) loads again after a change.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..compose.build import build_letter
from ..core.errors import AdvocateError, CheckFailed
from ..core.files import Stamp, stamp
from ..core.workspace import Workspace, load_config
from ..load.loaded import Loaded, load
from ..render.pdf import resources
from .campaign import Job


@dataclass(kw_only=True)
class Outcome:
    """What a worker sends back for one job."""

    output: str
    ok: bool
    data: bytes | None = None
    notes: int = 0
    warnings: list[str] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0


WorkspaceRef = tuple[tuple[str, ...], str, str | None]
"""How a worker finds the workspace: its roots in search order, advocate.toml, the user's folder."""

_WARM: dict[tuple[WorkspaceRef, Stamp], Loaded] = {}  # filled by the parent before forking, or by each worker


def _warm_key(workspace: WorkspaceRef) -> tuple[WorkspaceRef, Stamp]:
    """The workspace with the state of the files a load reads (advocate.toml, citations/, letters/):
    a worker that lives on (Dask) loads again once any of them changed."""
    roots, config, _user = workspace
    return workspace, stamp(Path(config), *(Path(r) / sub for r in roots for sub in ("citations", "letters")))


def keep_warm(workspace: WorkspaceRef, loaded: Loaded) -> None:
    """Give this process (and the processes it forks) `loaded` as the warm state of `workspace`."""
    _WARM.setdefault(_warm_key(workspace), loaded)


def workspace_ref(loaded: Loaded) -> WorkspaceRef:
    ws = loaded.ws
    return tuple(str(r) for r in ws.roots), str(ws.config_path), str(ws.user_root) if ws.user_root else None


def _state(workspace: WorkspaceRef) -> Loaded:
    key = _warm_key(workspace)
    loaded = _WARM.get(key)
    if loaded is None:
        roots, config, user_root = workspace
        ws = Workspace(tuple(Path(r) for r in roots), load_config(Path(config)), Path(config), Path(user_root) if user_root else None)
        for old in [k for k in _WARM if k[0] == workspace]:  # an earlier state of the same workspace
            del _WARM[old]
        loaded = _WARM[key] = load(ws)
    return loaded


def warm_worker(workspace: WorkspaceRef, paper: str | None = None) -> None:
    """Per-process set-up, once: the workspace loaded, the stylesheet parsed, fonts configured.
    A petition's annex renders inside this process (the batch is already parallel)."""
    os.environ["ADVOCATE_WORKERS"] = "1"
    loaded = _state(workspace)

    resources(loaded.ws.roots, paper or loaded.ws.config.paper)


def render_task(workspace: WorkspaceRef, job: Job) -> Outcome:
    """Render one job in this process; every failure comes back as an Outcome, never raised."""
    start = time.perf_counter()
    try:
        loaded = _state(workspace)
        result = build_letter(loaded, job.request, job.fmt)
        warnings = [p for p in result.warnings if p.severity == "warning"]
        data = result.pdf if job.fmt == "pdf" and result.pdf is not None else result.html.encode("utf-8")
        return Outcome(
            output=job.output,
            ok=True,
            data=data,
            notes=len(result.notes),
            warnings=[_one_line(p.line(), p.hint) for p in warnings],
            error="",
            seconds=time.perf_counter() - start,
        )
    except CheckFailed as exc:
        errors = [p for p in exc.problems if p.severity == "error"]
        reason = (
            _one_line(errors[0].line(), errors[0].hint) + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else "") if errors else ""
        )
        return Outcome(output=job.output, ok=False, error=reason or exc.msg, seconds=time.perf_counter() - start)
    except AdvocateError as exc:
        return Outcome(
            output=job.output, ok=False, error=_one_line(f"error: {exc.line()}", exc.hint or ""), seconds=time.perf_counter() - start
        )
    except Exception as exc:  # noqa: BLE001 - one letter's failure must not stop the campaign
        return Outcome(
            output=job.output, ok=False, error=f"internal error: {type(exc).__name__}: {exc}", seconds=time.perf_counter() - start
        )


def _one_line(line: str, hint: str) -> str:
    return f"{line} (hint: {hint})" if hint else line
