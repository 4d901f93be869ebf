"""Signatory lists for sign-on letters and petitions: reading, cleaning, checking, exporting.

In: a CSV file with a header (UTF-8, with or without a byte order mark) with the columns
``name, organisation, country, city, email, public`` (``name``, ``country`` and ``public``
required). Out: a `SignatoryFile`: the accepted `Signatory` records (cleaned, each person counted
once), the rejected rows and the duplicates as `Problem`s with their line numbers, and counts.

Cleaning, per cell: Unicode NFC; bidirectional controls and zero-width characters removed (so no
name can reorder or hide the text around it); whitespace trimmed and runs of whitespace collapsed
to one space; nothing else changed. A row is rejected for an empty name, a country that is neither
an ISO code nor a country name, a field over its length limit, a control character, or a
``public`` value that is not yes/no. Duplicates: the same email address, or the same name
(case, width and whitespace aside) in the same country; the first row counts. Emails are read for
de-duplication only and never printed. `write_clean_csv` neutralises spreadsheet formulas.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .countries import parse_country
from .errors import InputError, Problem, Where
from .library import Library

COLUMNS = ("name", "organisation", "country", "city", "email", "public")
REQUIRED = ("name", "country", "public")
HEADER_ALIASES = {
    "full name": "name",
    "organization": "organisation",
    "org": "organisation",
    "town": "city",
    "e mail": "email",
    "mail": "email",
    "listed": "public",
    "list publicly": "public",
    "agree public": "public",
}
MAX_LENGTH = {"name": 200, "organisation": 200, "country": 60, "city": 100, "email": 254, "public": 10}
YES = {"yes", "y", "true", "1", "x", "oui", "ja", "si", "sí", "예", "네", "是", "はい", "да", "نعم"}
NO = {"no", "n", "false", "0", "non", "nein", "아니오", "아니요", "否", "いいえ", "нет", "لا"}

# Bidirectional embeddings, overrides, isolates and marks; zero-width spaces, joiners, word
# joiner, invisible operators and the byte order mark.
INVISIBLE = dict.fromkeys(
    [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C, *range(0x200B, 0x200E), *range(0x2060, 0x2065), 0xFEFF]
)
_WHITESPACE = re.compile(r"\s+")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Signatory:
    name: str
    organisation: str
    country: str  # ISO 3166-1 alpha-2, or "" when not given
    city: str
    email: str
    public: bool
    line: int = 0

    @property
    def kind(self) -> str:
        return "organisation" if self.organisation else "individual"

    @property
    def display(self) -> str:
        """What a sign-on letter lists: the organisation, else the person."""
        return self.organisation or self.name


@dataclass
class SignatoryFile:
    path: Path
    signatories: list[Signatory] = field(default_factory=list)
    rejected: list[Problem] = field(default_factory=list)
    duplicates: list[Problem] = field(default_factory=list)
    rows: int = 0

    @property
    def problems(self) -> list[Problem]:
        return sorted([*self.rejected, *self.duplicates], key=lambda p: p.where.line if isinstance(p.where, Where) else 0)

    @property
    def public(self) -> list[Signatory]:
        return [s for s in self.signatories if s.public]


def clean_text(text: str) -> str:
    """NFC, invisible controls removed, whitespace trimmed and collapsed; nothing else changes."""
    text = unicodedata.normalize("NFC", text).translate(INVISIBLE)
    return _WHITESPACE.sub(" ", text).strip()


def _control(text: str) -> str | None:
    for ch in text:
        if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r":
            return f"U+{ord(ch):04X}"
    return None


def name_key(name: str) -> str:
    """Names that differ only in case, width or spacing are the same name."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def decode(path: Path) -> str:
    """The file's text. UTF-16 and Latin-1 files are named, never decoded as garbage."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError("signatory file not found", Where(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read the signatory file: {exc.strerror}", Where(path)) from None
    hint = "save the list as “CSV UTF-8” (Excel, LibreOffice: Save As, character set Unicode UTF-8)"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(raw) > 3 and raw[:200].count(b"\x00") > len(raw[:200]) // 4):
        raise InputError("the file is UTF-16 text, not UTF-8", Where(path), hint=hint)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        byte = raw[exc.start]
        guess = "Latin-1 / Windows-1252" if _latin1_like(raw) else "not UTF-8"
        shown = bytes([byte]).decode("cp1252", errors="replace")
        raise InputError(
            f"the file is {guess} text, not UTF-8 (byte 0x{byte:02X}, {shown!r} in Latin-1)", Where(path, line), hint=hint
        ) from None


def _latin1_like(raw: bytes) -> bool:
    high = [b for b in raw if b >= 0x80]
    return bool(high) and sum(1 for b in high if b >= 0xC0) >= len(high) // 2


def _header(path: Path, row: list[str]) -> list[str]:
    columns = []
    for cell in row:
        key = re.sub(r"[\s_\-]+", " ", clean_text(cell).casefold())
        columns.append(HEADER_ALIASES.get(key, key))
    expected = f"expected header: {','.join(COLUMNS)}"
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown:
        raise InputError(f"unknown column(s) {', '.join(repr(c) for c in unknown)}", Where(path, 1), hint=expected)
    twice = [c for c, n in Counter(columns).items() if n > 1]
    if twice:
        raise InputError(f"column(s) {', '.join(twice)} given twice", Where(path, 1), hint=expected)
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        hint = expected + ("; public is yes or no: whether the signatory agreed to be listed publicly" if "public" in missing else "")
        raise InputError(f"the header lacks column(s) {', '.join(missing)}", Where(path, 1), hint=hint)
    return columns


def _unquote_formula(text: str) -> str:
    """A cell we exported as ``'=...`` reads back as ``=...``."""
    return text[1:] if text.startswith("'") and text[1:2] in FORMULA_START else text


def _row(path: Path, line: int, columns: list[str], row: list[str], library: Library | None) -> Signatory | Problem:
    def bad(message: str, hint: str = "") -> Problem:
        return Problem("error", Where(path, line), message, hint)

    if len(row) != len(columns):
        return bad(f"expected {len(columns)} fields, found {len(row)}", "a field holding a comma must be in double quotes")
    cells: dict[str, str] = {}
    for column, raw in zip(columns, row, strict=True):
        raw = _unquote_formula(raw)
        control = _control(raw)
        if control:
            return bad(f"control character {control} in {column}")
        value = clean_text(raw)
        if len(value) > MAX_LENGTH[column]:
            return bad(f"{column} is {len(value)} characters long (at most {MAX_LENGTH[column]})")
        cells[column] = value
    if not cells["name"]:
        return bad("empty name")
    country = ""
    if cells["country"]:
        found = parse_country(cells["country"], library)
        if found is None:
            return bad(f"unknown country {cells['country']!r}", "write an ISO 3166 code (KR, JP, FR) or the country's name")
        country = found
    answer = cells["public"].casefold()
    if answer and answer not in YES | NO:
        return bad(f"public is {cells['public']!r}", "write yes or no: whether the signatory agreed to be listed publicly")
    email = cells.get("email", "")
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        return bad(f"malformed email {email!r}", "leave it empty or give the address")
    return Signatory(cells["name"], cells.get("organisation", ""), country, cells.get("city", ""), email, answer in YES, line)


def read_signatories(path: Path, library: Library | None = None) -> SignatoryFile:
    """Read, clean and check a signatory list; every problem is collected, none raised (except for
    an unreadable file or header)."""
    text = decode(path)
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    result = SignatoryFile(path)
    try:
        header = next(reader, None)
        if header is None:
            raise InputError("the signatory file is empty", Where(path), hint=f"the first line is the header: {','.join(COLUMNS)}")
        columns = _header(path, header)
        seen_email: dict[str, int] = {}
        seen_name: dict[tuple[str, str], int] = {}
        start = reader.line_num + 1
        for row in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            result.rows += 1
            found = _row(path, line, columns, row, library)
            if isinstance(found, Problem):
                result.rejected.append(found)
                continue
            first = seen_email.get(found.email.casefold()) if found.email else None
            if first is None:
                first = seen_name.get((name_key(found.name), found.country))
            if first is not None:
                result.duplicates.append(Problem("warning", Where(path, line), f"duplicate of line {first}: {found.name!r} counted once"))
                continue
            if found.email:
                seen_email[found.email.casefold()] = line
            seen_name[(name_key(found.name), found.country)] = line
            result.signatories.append(found)
    except csv.Error as exc:
        raise InputError(f"not a CSV file: {exc}", Where(path, reader.line_num)) from None
    return result


def load_signatories(path: Path, library: Library | None = None) -> tuple[list[Signatory], list[Problem]]:
    """The accepted signatories and every problem (rejected rows are errors, duplicates warnings)."""
    found = read_signatories(path, library)
    return found.signatories, found.problems


def signatories_for_render(path: Path, library: Library | None, skip_invalid: bool) -> tuple[list[Signatory], list[Problem]]:
    """The list a render uses. Rejected rows stop the render (every one listed), unless
    `skip_invalid`: then they are left out and reported as warnings with a count."""
    from .errors import CheckFailed

    found = read_signatories(path, library)
    if found.rejected and not skip_invalid:
        hint = "fix the rows (`advocate signatories check FILE`), or render with --skip-invalid to leave them out"
        raise CheckFailed([*found.problems, Problem("error", Where(path), f"{len(found.rejected)} signatory row(s) rejected", hint)])
    left_out = [Problem("warning", p.where, f"left out: {p.message}", p.hint) for p in found.rejected]
    if left_out:
        left_out.append(Problem("warning", Where(path), f"{len(left_out)} rejected row(s) left out of the letter (--skip-invalid)"))
    return found.signatories, sorted([*left_out[:-1], *found.duplicates], key=lambda p: p.where.line) + left_out[-1:]  # type: ignore[union-attr]


def neutralise(cell: str) -> str:
    """A cell a spreadsheet would run as a formula (``=HYPERLINK(...)``, ``+1``, ``@SUM``) gets a
    leading apostrophe, so it is shown as text; `read_signatories` removes it again."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def clean_csv(signatories: list[Signatory]) -> str:
    """The cleaned list as CSV text (country as ISO code, public as yes/no, formulas neutralised)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for s in signatories:
        cells = [s.name, s.organisation, s.country, s.city, s.email, "yes" if s.public else "no"]
        writer.writerow([neutralise(c) for c in cells])
    return out.getvalue()


@dataclass(frozen=True)
class Stats:
    rows: int
    accepted: int
    public: int
    hidden: int
    rejected: int
    duplicates: int
    by_country: list[tuple[str, int, int, int, int]]  # code, total, public, organisations, individuals


def stats(found: SignatoryFile) -> Stats:
    per: dict[str, list[int]] = {}
    for s in found.signatories:
        row = per.setdefault(s.country, [0, 0, 0, 0])
        row[0] += 1
        row[1] += s.public
        row[2 if s.organisation else 3] += 1
    ordered = sorted(per.items(), key=lambda item: (-item[1][0], item[0]))
    public = len(found.public)
    return Stats(
        found.rows,
        len(found.signatories),
        public,
        len(found.signatories) - public,
        len(found.rejected),
        len(found.duplicates),
        [(code, *counts) for code, counts in ordered],  # type: ignore[misc]
    )
