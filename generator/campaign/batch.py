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

import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..checks.checks import Untranslated, check_layout, compose_problems, unique, untranslated_problems
from ..core.errors import InputError, Problem, RenderError, Where, errors_in
from ..core.output import write_atomic
from ..load.loaded import Loaded
from .campaign import Campaign, Job
from .manifest import MANIFEST, Inputs, manifest_entry, read_manifest, sha256_hex, up_to_date, write_manifest
from .workers import Outcome, WorkspaceRef, keep_warm, render_task, warm_worker, workspace_ref

DASK_CONNECT_TIMEOUT = "15s"


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
        entry = manifest_entry(job, inputs.of(job))
        old = previous.get(job.output)
        if old and up_to_date(old, entry["inputs_sha256"], out_dir / job.output):
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
                entry.update(status="rendered", sha256=sha256_hex(outcome.data), bytes=len(outcome.data), footnotes=outcome.notes)
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
            keep_warm(workspace, loaded)
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
        keep_warm(workspace, loaded)
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
