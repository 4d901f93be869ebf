"""Signatory lists for sign-on letters and petitions.

In: a CSV file with a header ``name,organisation,country,city,email,public``. Out: `Signatory`
records (names kept exactly as written, whitespace trimmed) and a problem for each bad row.
Emails are read for de-duplication only and never printed.
"""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError, Problem, Where

COLUMNS = ("name", "organisation", "country", "city", "email", "public")
REQUIRED = ("name", "country")


@dataclass(frozen=True)
class Signatory:
    name: str
    organisation: str
    country: str
    city: str
    email: str
    public: bool


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf"))
    return " ".join(text.split())


def load_signatories(path: Path) -> tuple[list[Signatory], list[Problem]]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError("signatory file not found", Where(path)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", Where(path), hint="save the CSV as UTF-8") from None
    rows = csv.reader(text.splitlines())
    header = [h.strip().lower() for h in next(rows, [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(f"CSV header lacks column(s) {', '.join(missing)}", Where(path, 1), hint=f"expected header: {','.join(COLUMNS)}")
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise InputError(f"unknown column(s) {', '.join(unknown)}", Where(path, 1), hint=f"expected header: {','.join(COLUMNS)}")
    problems: list[Problem] = []
    result: list[Signatory] = []
    seen: set[tuple[str, str]] = set()
    for number, row in enumerate(rows, 2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problems.append(Problem("error", Where(path, number), f"expected {len(header)} fields, found {len(row)}"))
            continue
        cells = {h: _clean(v) for h, v in zip(header, row, strict=True)}
        if not cells.get("name"):
            problems.append(Problem("error", Where(path, number), "empty name"))
            continue
        public = cells.get("public", "yes").lower() in ("yes", "y", "true", "1", "")
        sig = Signatory(
            cells["name"],
            cells.get("organisation", ""),
            cells.get("country", "").upper(),
            cells.get("city", ""),
            cells.get("email", ""),
            public,
        )
        ident = (sig.email.lower() or sig.name.casefold(), "" if sig.email else sig.country)
        if ident in seen:
            problems.append(Problem("warning", Where(path, number), f"duplicate signatory {sig.name!r} counted once"))
            continue
        seen.add(ident)
        result.append(sig)
    return result, problems
