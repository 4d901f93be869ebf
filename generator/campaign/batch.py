"""Rendering a campaign: many letters in parallel, only what changed, with a manifest.

In: a validated `Campaign`, the loaded workspace, an output folder, a worker count (or a Dask
scheduler address). Out: the files, written atomically into the output folder; ``manifest.json``
there, recording for every output its request, the digests of its inputs and the sha256 of the
file; and a `BatchReport` (rendered, up to date, failed with the reason).

A letter is up to date, and skipped, when the manifest holds it with the same input digest and
the file on disk still has the recorded sha256. The inputs of a letter are: the request (letter,
addressee, language, variables, date, options), its letter folder, the shared layout
(``letters/_*``), the addressee directory, the citation library, the language's catalogue, the
configuration, the signatory list and the renderer itself (advocate's code, WeasyPrint's version).

Workers are processes (WeasyPrint is not thread-safe). Each keeps its warm state for the whole
run: the workspace and library loaded once, the stylesheet parsed and the fonts configured once,
catalogues compiled once per language. A failing letter is recorded with its reason and the
others go on. With a Dask scheduler the same `render_task` runs on the cluster's workers, which
need advocate installed and the workspace at the same path; the files come back to this process,
which writes them.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ..core.errors import AdvocateError, CheckFailed, InputError, Problem, RenderError, Where, errors_in
from ..core.files import Stamp, stamp
from ..core.output import write_atomic
from ..load.loaded import Loaded
from .campaign import Campaign, Job

MANIFEST = "manifest.json"
MANIFEST_VERSION = 1
DASK_CONNECT_TIMEOUT = "15s"


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


@dataclass
class Failure:
    job: Job
    reason: str


@dataclass
class BatchReport:
    out_dir: Path
    manifest: Path
    total: int
    rendered: list[Job] = field(default_factory=list)
    skipped: list[Job] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
    warnings: int = 0
    seconds: float = 0.0
    workers: str = ""

    @property
    def ok(self) -> bool:
        return not self.failed


# -- inputs and the manifest --------------------------------------------------------------------


def _files_digest(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path] if path.is_file() else []
        for f in files:
            if "__pycache__" in f.parts or f.name.startswith("."):
                continue
            digest.update(str(f).encode() + b"\0" + hashlib.sha256(f.read_bytes()).digest())
    return digest.hexdigest()


def _code_digest() -> str:
    from importlib.metadata import PackageNotFoundError, version

    package = Path(__file__).resolve().parents[1]  # the generator package
    try:
        weasyprint = version("weasyprint")
    except PackageNotFoundError:  # pragma: no cover - weasyprint is a dependency
        weasyprint = "?"
    return hashlib.sha256(_files_digest(sorted(package.rglob("*.py"))).encode() + weasyprint.encode()).hexdigest()


class Inputs:
    """Digests of the files letters depend on, each computed once per run."""

    def __init__(self, loaded: Loaded, campaign: Campaign):
        self.loaded, self.campaign = loaded, campaign
        roots = loaded.ws.roots
        self.shared = {
            "layout": _files_digest(d for r in roots if (r / "letters").is_dir() for d in sorted((r / "letters").glob("_*"))),
            "addressees": _files_digest(p for r in roots for p in (r / "letters" / "addressees.yaml", r / "letters" / "addressees")),
            "library": _files_digest(r / "citations" for r in roots),
            "config": _files_digest([loaded.ws.config_path]),
            "code": _code_digest(),
        }
        if campaign.signatories_path is not None:
            self.shared["signatories"] = _files_digest([campaign.signatories_path])

    @cache  # noqa: B019 - one Inputs per run
    def letter(self, name: str) -> str:
        return _files_digest([self.loaded.letters[name].path])

    @cache  # noqa: B019 - one Inputs per run
    def locale(self, lang: str) -> str:
        return _files_digest(r / "locales" / lang for r in self.loaded.ws.roots)

    def of(self, job: Job) -> dict[str, str]:
        req = job.request
        request = {
            "letter": req.letter,
            "addressee": req.addressee,
            "lang": req.lang,
            "variables": req.variables,
            "date": req.date.isoformat() if req.date else None,
            "strict": req.strict,
            "paper": req.paper,
            "confidential": req.confidential,
            "wet_ink": req.wet_ink,
            "format": job.fmt,
            "signatories": len(req.signatories) if req.signatories is not None else None,
        }
        found = {"request": _sha(json.dumps(request, sort_keys=True, default=str)), "letter": self.letter(req.letter)}
        found["locale"] = self.locale(req.lang)
        found.update(self.shared)
        return dict(sorted(found.items()))


def _sha(text: str | bytes) -> str:
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()


def read_manifest(out_dir: Path) -> dict[str, Any]:
    path = out_dir / MANIFEST
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError):
        return {}  # unreadable: everything is rendered again and the manifest rewritten
    outputs = data.get("outputs") if isinstance(data, dict) else None
    return outputs if isinstance(outputs, dict) and data.get("version") == MANIFEST_VERSION else {}


def _up_to_date(entry: dict[str, Any] | None, digest: str, path: Path) -> bool:
    if not entry or entry.get("status") != "rendered" or entry.get("inputs_sha256") != digest or not path.is_file():
        return False
    return _sha(path.read_bytes()) == entry.get("sha256")


def _entry(job: Job, inputs: dict[str, str]) -> dict[str, Any]:
    req = job.request
    return {
        "letter": req.letter,
        "addressee": req.addressee,
        "lang": req.lang,
        "format": job.fmt,
        "variables": req.variables,
        "date": req.date.isoformat() if req.date else None,
        "confidential": req.confidential,
        "inputs": inputs,
        "inputs_sha256": _sha(json.dumps(inputs, sort_keys=True)),
    }


def write_manifest(out_dir: Path, campaign: Campaign, entries: dict[str, dict[str, Any]]) -> Path:
    path = out_dir / MANIFEST
    data = {
        "version": MANIFEST_VERSION,
        "campaign": campaign.name,
        "campaign_file": str(campaign.path),
        "campaign_sha256": _sha(campaign.path.read_bytes()),
        "outputs": dict(sorted(entries.items())),
    }
    write_atomic(path, json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
    return path


# -- the workers ---------------------------------------------------------------------------------

WorkspaceRef = tuple[tuple[str, ...], str, str | None]
"""How a worker finds the workspace: its roots in search order, advocate.toml, the user's folder."""

_WARM: dict[tuple[WorkspaceRef, Stamp], Loaded] = {}  # filled by the parent before forking, or by each worker


def _warm_key(workspace: WorkspaceRef) -> tuple[WorkspaceRef, Stamp]:
    """The workspace with the state of the files a load reads (advocate.toml, citations/, letters/):
    a worker that lives on (Dask) loads again once any of them changed."""
    roots, config, _user = workspace
    return workspace, stamp(Path(config), *(Path(r) / sub for r in roots for sub in ("citations", "letters")))


def workspace_ref(loaded: Loaded) -> WorkspaceRef:
    ws = loaded.ws
    return tuple(str(r) for r in ws.roots), str(ws.config_path), str(ws.user_root) if ws.user_root else None


def _state(workspace: WorkspaceRef) -> Loaded:
    key = _warm_key(workspace)
    loaded = _WARM.get(key)
    if loaded is None:
        from ..core.workspace import Workspace, load_config
        from ..load.loaded import load

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
    from ..render.pdf import resources

    resources(loaded.ws.roots, paper or loaded.ws.config.paper)


def render_task(workspace: WorkspaceRef, job: Job) -> Outcome:
    """Render one job in this process; every failure comes back as an Outcome, never raised."""
    start = time.perf_counter()
    try:
        from ..compose.build import build_letter

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


# -- running -------------------------------------------------------------------------------------

Runner = Callable[[list[Job]], Iterator[tuple[Job, Outcome]]]


def run_batch(
    campaign: Campaign,
    loaded: Loaded,
    out_dir: Path,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[str], None] | None = None,
    on_start: Callable[[int, int], None] | None = None,
) -> BatchReport:
    """Render every job of `campaign` that is not up to date; record everything in the manifest.
    `on_start(to_render, up_to_date)` is called once the plan is known, `progress(status)` after
    each letter ("rendered" or "failed")."""
    start = time.perf_counter()
    out_dir = out_dir.resolve()
    inputs = Inputs(loaded, campaign)
    previous = read_manifest(out_dir)
    entries: dict[str, dict[str, Any]] = {}
    report = BatchReport(out_dir, out_dir / MANIFEST, len(campaign.jobs))
    todo: list[Job] = []
    for job in campaign.jobs:
        entry = _entry(job, inputs.of(job))
        old = previous.get(job.output)
        if old and _up_to_date(old, entry["inputs_sha256"], out_dir / job.output):
            entries[job.output] = {**entry, **{k: old[k] for k in ("status", "sha256", "bytes", "footnotes", "warnings") if k in old}}
            report.skipped.append(job)
        else:
            entries[job.output] = entry
            todo.append(job)
    if on_start is not None:
        on_start(len(todo), len(report.skipped))
    workspace = workspace_ref(loaded)
    runner = _dask_runner(scheduler, workspace) if scheduler else _local_runner(workers or os.cpu_count() or 1, workspace, loaded, campaign)
    report.workers = f"Dask scheduler {scheduler}" if scheduler else f"{_worker_count(workers, len(todo))} worker process(es)"
    try:
        for job, outcome in runner(todo):
            entry = entries[job.output]
            if outcome.ok and outcome.data is not None:
                write_atomic(out_dir / job.output, outcome.data)
                entry.update(status="rendered", sha256=_sha(outcome.data), bytes=len(outcome.data), footnotes=outcome.notes)
                entry["warnings"] = outcome.warnings
                entry.pop("error", None)
                report.rendered.append(job)
                report.warnings += len(outcome.warnings)
            else:
                entry.update(status="failed", error=outcome.error)
                report.failed.append(Failure(job, outcome.error))
            if progress is not None:
                progress("rendered" if outcome.ok else "failed")
    finally:  # an interrupted run keeps what it finished; the rest is rendered next time
        unfinished = {j.output for j in todo} - {j.output for j in report.rendered} - {f.job.output for f in report.failed}
        for output in unfinished:
            entries[output].update(status="not rendered")
        write_manifest(out_dir, campaign, entries)
        report.seconds = time.perf_counter() - start
    return report


def _worker_count(workers: int | None, jobs: int) -> int:
    return max(1, min(workers or os.cpu_count() or 1, jobs or 1))


def _local_runner(workers: int, workspace: WorkspaceRef, loaded: Loaded, campaign: Campaign) -> Runner:
    def run(jobs: list[Job]) -> Iterator[tuple[Job, Outcome]]:
        if not jobs:
            return
        count = _worker_count(workers, len(jobs))
        if count == 1:  # in this process: no start-up cost
            _WARM.setdefault(_warm_key(workspace), loaded)
            for job in jobs:
                yield job, render_task(workspace, job)
            return
        yield from _pool(jobs, count, workspace, loaded, campaign)

    return run


def _pool(jobs: list[Job], count: int, workspace: WorkspaceRef, loaded: Loaded, campaign: Campaign) -> Iterator[tuple[Job, Outcome]]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    # fork shares the loaded library with the workers, but only before WeasyPrint (Pango,
    # fontconfig) is loaded in this process; after that, workers start fresh
    fork = "fork" in multiprocessing.get_all_start_methods() and "weasyprint" not in sys.modules
    if fork:
        _WARM[_warm_key(workspace)] = loaded
    context = multiprocessing.get_context("fork" if fork else "spawn")
    paper = next((j.request.paper for j in jobs if j.request.paper), None)
    with ProcessPoolExecutor(max_workers=count, mp_context=context, initializer=warm_worker, initargs=(workspace, paper)) as pool:
        futures = {pool.submit(render_task, workspace, job): job for job in jobs}
        try:
            for future in as_completed(futures):
                job = futures[future]
                try:
                    outcome = future.result()
                except BrokenProcessPool:
                    outcome = Outcome(
                        output=job.output, ok=False, error="the worker process died (out of memory or a crash); run the batch again"
                    )
                yield job, outcome
        except BaseException:
            for future in futures:
                future.cancel()
            raise


def _dask_runner(scheduler: str, workspace: WorkspaceRef) -> Runner:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise InputError(
            "--scheduler needs Dask's distributed package", "--scheduler", hint="install it with: pip install -e '.[dask]'"
        ) from None

    def run(jobs: list[Job]) -> Iterator[tuple[Job, Outcome]]:
        if not jobs:
            return
        try:
            client = Client(scheduler, timeout=DASK_CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise RenderError(
                f"cannot reach the Dask scheduler at {scheduler} ({type(exc).__name__}: {exc})",
                "--scheduler",
                hint="start one with `dask scheduler` (and workers with `dask worker ADDRESS`), or leave out --scheduler",
            ) from None
        try:
            futures = client.map(render_task, [workspace] * len(jobs), jobs, pure=False)
            by_key = {f.key: job for f, job in zip(futures, jobs, strict=True)}
            for future in as_completed(futures, loop=client.loop):
                job = by_key[future.key]
                try:
                    outcome = future.result()
                except Exception as exc:  # noqa: BLE001 - a lost worker fails its letters only
                    outcome = Outcome(output=job.output, ok=False, error=f"the Dask task failed: {type(exc).__name__}: {exc}")
                future.release()
                yield job, outcome
        finally:
            client.close()

    return run


def summary(report: BatchReport) -> str:
    """The table printed after a batch: rendered, up to date, failed (with each reason)."""
    rate = len(report.rendered) / report.seconds if report.seconds and report.rendered else 0.0
    rows = [
        ("rendered", len(report.rendered)),
        ("up to date (skipped)", len(report.skipped)),
        ("failed", len(report.failed)),
        ("total", report.total),
    ]
    lines = [f"{'':2}{'RESULT':<22}{'LETTERS':>8}"]
    lines += [f"{'':2}{name:<22}{count:>8}" for name, count in rows]
    if report.failed:
        lines.append("failed:")
        for failure in sorted(report.failed, key=lambda f: f.job.output):
            lines.append(f"  {failure.job.output}: {failure.job.label}")
            lines.append(f"    {failure.reason}")
    if report.warnings:
        lines.append(f"{report.warnings} warning(s) in rendered letters: see the manifest")
    lines.append(f"{len(report.rendered)} rendered in {report.seconds:.1f} s ({rate:.1f} letters/s) on {report.workers}")
    lines.append(f"manifest: {report.manifest}")
    return "\n".join(lines)


# -- checking (`batch --check`) -------------------------------------------------------------------


@dataclass
class JobCheck:
    """What composing one job found: its errors stop it in a real run, its warnings do not."""

    job: Job
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not errors_in(self.problems)


def check_campaign(campaign: Campaign, loaded: Loaded, out_dir: Path, option: str = "") -> tuple[list[JobCheck], list[Problem]]:
    """What a real run of `campaign` would stop at, found without writing anything: each letter's
    template extends the shared layout, every job (letter, addressee, language) is composed to
    HTML with its variables, date, signatories and options (unverified statuses, citations,
    untranslated messages under `strict`, ...), and the output folder can be written. Only the PDF
    stage is not run. Out: each job with its problems, and every problem once (`option` names
    the output folder's option in an error)."""
    from ..checks.checks import Untranslated, check_layout, compose_problems, unique, untranslated_problems

    problems: list[Problem] = []
    for name in dict.fromkeys(job.request.letter for job in campaign.jobs):
        problems += check_layout(loaded.ws, loaded.letters[name])
    untranslated: Untranslated = {}
    checked = [JobCheck(job, list(compose_problems(loaded, job.request, Where(campaign.path), untranslated))) for job in campaign.jobs]
    problems += [p for c in checked for p in c.problems]
    problems += untranslated_problems(loaded.ws, untranslated)
    problems += _unwritable(out_dir, option)
    return checked, unique(problems)


def _unwritable(out_dir: Path, option: str) -> list[Problem]:
    """An error when the output folder (or the nearest folder above it that exists) cannot be written."""
    existing = out_dir.absolute()
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing.is_dir() and os.access(existing, os.W_OK | os.X_OK):
        return []
    where = Where(option, 0, str(out_dir)) if option else Where(out_dir)
    return [Problem("error", where, f"cannot write into {existing}", "choose an output folder you can write to (--out)")]
