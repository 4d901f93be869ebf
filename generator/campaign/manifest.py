"""What a campaign's letters were made from, recorded next to them (``manifest.json``).

In: a job, the campaign, the loaded workspace. Out: the digests of every input of a letter (the
request, its letter folder, the shared layout, the addressees, the library, the catalogue, the
configuration, the signatory list, advocate's code and WeasyPrint's version); whether the file
on disk is still the one recorded; the manifest read and written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from ..core.output import write_atomic
from ..load.loaded import Loaded
from .campaign import Campaign, Job

MANIFEST = "manifest.json"
MANIFEST_VERSION = 1


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
        found = {"request": sha256_hex(json.dumps(request, sort_keys=True, default=str)), "letter": self.letter(req.letter)}
        found["locale"] = self.locale(req.lang)
        found.update(self.shared)
        return dict(sorted(found.items()))


def sha256_hex(text: str | bytes) -> str:
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


def up_to_date(entry: dict[str, Any] | None, digest: str, path: Path) -> bool:
    if not entry or entry.get("status") != "rendered" or entry.get("inputs_sha256") != digest or not path.is_file():
        return False
    return sha256_hex(path.read_bytes()) == entry.get("sha256")


def manifest_entry(job: Job, inputs: dict[str, str]) -> dict[str, Any]:
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
        "inputs_sha256": sha256_hex(json.dumps(inputs, sort_keys=True)),
    }


def write_manifest(out_dir: Path, campaign: Campaign, entries: dict[str, dict[str, Any]]) -> Path:
    path = out_dir / MANIFEST
    data = {
        "version": MANIFEST_VERSION,
        "campaign": campaign.name,
        "campaign_file": str(campaign.path),
        "campaign_sha256": sha256_hex(campaign.path.read_bytes()),
        "outputs": dict(sorted(entries.items())),
    }
    write_atomic(path, json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
    return path
