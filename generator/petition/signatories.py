"""Signatory lists for sign-on letters and petitions: reading, cleaning, checking, exporting.

In: a CSV file with a header (UTF-8, with or without a byte order mark) with the columns
``name, organisation, country, city, email, public`` (``name``, ``country`` and ``public``
required). Out: a `SignatoryFile`: the accepted `Signatory` records (cleaned, each person counted
once), the rejected rows, the duplicates and the warnings as `Problem`s with their line numbers,
and counts: every non-blank row is accepted, rejected or a duplicate. A file that cannot be read
whole (a quote left open, a quoted cell that swallows rows, columns that shift from some row on)
is an `InputError` naming the line where the damage starts: no row of it is used.

Cleaning, per cell: Unicode NFC; bidirectional controls and zero-width characters removed (so no
name can reorder or hide the text around it); whitespace trimmed and runs of whitespace collapsed
to one space; nothing else changed. A row is rejected for an empty name, a name, organisation or
city with no visible character (only fillers such as U+3164, blanks such as U+2800, format
characters), a country that is neither an ISO code nor a country name (or an ambiguous name with
no safe choice, "Congo"), a field over its length limit, a control character, or a ``public``
value that is not yes/no; an ambiguous country read one way ("Korea" as KR) is a warning.
Duplicates: the same email address, or the same name (case, width and whitespace aside) in the
same country; the first row counts. Emails are read for de-duplication only and never printed.
`clean_csv` neutralises spreadsheet formulas; `clean_file` writes it, never over its input.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..core.errors import CheckFailed, InputError, Problem, Where
from ..core.letter import Signatory
from ..core.output import write_atomic
from ..load.countries import country_name, resolve_country
from ..load.library import Library

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
# Characters with no glyph of their own that Unicode does not mark default-ignorable.
BLANK_GLYPHS = frozenset("\u2800\ufffc\U0001d159")  # braille blank, object replacement, null notehead
_WHITESPACE = re.compile(r"\s+")
# A row spans more lines only through quoted cells holding line breaks (a spreadsheet's Alt+Enter);
# a row over more lines than this is a quote that swallowed rows.
MAX_ROW_LINES = 3
# This many rows in a row with the same wrong number of fields: the columns shift from there on.
SHIFT_RUN = 3
QUOTE_HINT = 'close the quote; a quote inside a cell is written twice, in a quoted cell: "Anna ""Kim"" Lee"'
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class SignatoryFile:
    path: Path
    signatories: list[Signatory] = field(default_factory=list)
    rejected: list[Problem] = field(default_factory=list)
    duplicates: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    rows: int = 0

    @property
    def problems(self) -> list[Problem]:
        return _by_line([*self.rejected, *self.duplicates, *self.warnings])

    @property
    def public(self) -> list[Signatory]:
        return [s for s in self.signatories if s.public]


def clean_text(text: str) -> str:
    """NFC, invisible controls removed, whitespace trimmed and collapsed; nothing else changes."""
    text = unicodedata.normalize("NFC", text).translate(INVISIBLE)
    return _WHITESPACE.sub(" ", text).strip()


def _by_line(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: p.where.line if isinstance(p.where, Where) else 0)


def visible(ch: str) -> bool:
    """Whether a character shows something by itself: a letter, digit, punctuation or symbol (ICU's
    current Unicode data) that is not default-ignorable (fillers such as U+3164, U+115F, variation
    selectors, tags) and not a known blank glyph (U+2800, U+FFFC)."""
    import icu

    if ch in BLANK_GLYPHS or icu.Char.hasBinaryProperty(ch, icu.UProperty.DEFAULT_IGNORABLE_CODE_POINT):
        return False
    return icu.Char.charType(ch) in _visible_types()


@lru_cache(maxsize=1)
def _visible_types() -> frozenset[int]:
    import icu

    c = icu.UCharCategory
    letters = (c.UPPERCASE_LETTER, c.LOWERCASE_LETTER, c.TITLECASE_LETTER, c.MODIFIER_LETTER, c.OTHER_LETTER)
    numbers = (c.DECIMAL_DIGIT_NUMBER, c.LETTER_NUMBER, c.OTHER_NUMBER)
    punctuation = (
        *(c.CONNECTOR_PUNCTUATION, c.DASH_PUNCTUATION, c.START_PUNCTUATION, c.END_PUNCTUATION),
        *(c.INITIAL_PUNCTUATION, c.FINAL_PUNCTUATION, c.OTHER_PUNCTUATION),
    )
    symbols = (c.MATH_SYMBOL, c.CURRENCY_SYMBOL, c.MODIFIER_SYMBOL, c.OTHER_SYMBOL)
    return frozenset((*letters, *numbers, *punctuation, *symbols))


def _invisible(column: str, text: str) -> str | None:
    """Why a non-empty cell shows nothing (its characters named), or None when it shows something."""
    if any(visible(ch) for ch in text):
        return None
    import icu

    named = ", ".join(f"U+{ord(ch):04X} {icu.Char.charName(ch) or 'unnamed'}" for ch in dict.fromkeys(text) if not ch.isspace())
    return f"{column} has no visible character ({named})"


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


def _row(path: Path, line: int, columns: list[str], row: list[str], library: Library | None, notes: list[Problem]) -> Signatory | Problem:
    """One data row as a `Signatory`, or the `Problem` that rejects it; warnings go to `notes`."""

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
        blank = _invisible(column, value) if value and column in ("name", "organisation", "city") else None
        if blank:
            return bad(blank, "write the name in letters" if column == "name" else f"write the {column} in letters, or leave it empty")
        cells[column] = value
    if not cells["name"]:
        return bad("empty name")
    country = _country(path, line, cells["country"], library, notes)
    if isinstance(country, Problem):
        return country
    answer = cells["public"].casefold()
    if answer and answer not in YES | NO:
        return bad(f"public is {cells['public']!r}", "write yes or no: whether the signatory agreed to be listed publicly")
    email = cells.get("email", "")
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        return bad(f"malformed email {email!r}", "leave it empty or give the address")
    return Signatory(
        name=cells["name"],
        organisation=cells.get("organisation", ""),
        country=country,
        city=cells.get("city", ""),
        email=email,
        public=answer in YES,
        line=line,
    )


def _country(path: Path, line: int, text: str, library: Library | None, notes: list[Problem]) -> str | Problem:
    """The ISO code of a country cell ("" when empty), or the `Problem` rejecting it. An ambiguous
    name read one way adds a warning naming the code chosen to `notes`."""
    if not text:
        return ""
    found = resolve_country(text, library)
    named = {code: f"{code} ({country_name(code, 'en', library)})" for code in found.candidates}
    if found.code is None and found.ambiguous:
        codes = ", ".join(found.candidates)
        return Problem(
            "error", Where(path, line), f"country {text!r} is ambiguous: {' or '.join(named.values())}", f"write the ISO code ({codes})"
        )
    if found.code is None:
        return Problem("error", Where(path, line), f"unknown country {text!r}", "write an ISO 3166 code (KR, JP, FR) or the country's name")
    if found.ambiguous:
        others = ", ".join(v for k, v in named.items() if k != found.code)
        message = f"country {text!r} is ambiguous: read as {named[found.code]}; it may also mean {others}"
        notes.append(Problem("warning", Where(path, line), message, "write the ISO code to be sure"))
    return found.code


def _records(path: Path, text: str) -> Iterator[tuple[int, int, list[str]]]:
    """(first line, last line, cells) of each CSV record, the header first. A quote the csv module
    cannot close is an `InputError` at the line where the record holding it starts."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _broken_quote(path, start, reader.line_num, str(exc)) from None
        yield start, reader.line_num, row
        start = reader.line_num + 1


def _broken_quote(path: Path, start: int, end: int, reason: str) -> InputError:
    """The error for a record from `start` the csv module gave up on at line `end`."""
    if reason.startswith("unexpected end of data"):
        swallowed = f", swallowing the {end - start} line(s) after it" if end > start else ""
        message = f"unterminated quote: the quoted field starting on this line runs to the end of the file{swallowed}"
    elif end > start:
        message = f"a quoted field starting on this line runs to line {end}, swallowing {end - start} line(s) ({reason})"
    else:
        message = f"misplaced quote ({reason})"
    return InputError(message, Where(path, start), hint=QUOTE_HINT)


def _swallowed(path: Path, start: int, end: int, row: list[str], width: int) -> None:
    """A row over several lines must be a cell holding a line break, not a quote that swallowed
    the rows after it: too many lines, the wrong number of fields, or a comma after a line break
    inside a cell are an `InputError` at `start`."""
    if end == start:
        return
    comma_after_break = any("," in part for cell in row for part in cell.splitlines()[1:])
    if end - start < MAX_ROW_LINES and len(row) == width and not comma_after_break:
        return
    message = f"a quoted field starting on this line runs over {end - start + 1} lines (to line {end}) and swallows the rows in them"
    raise InputError(message, Where(path, start), hint=f"{QUOTE_HINT}; no cell holds rows of its own")


def _shifted(path: Path, width: int, wrong: list[tuple[int, int, int]]) -> None:
    """`wrong` holds (row number, line, fields) of the rows whose field count is not the header's;
    SHIFT_RUN consecutive ones with the same count mean the columns shift there: an `InputError`."""
    run: list[tuple[int, int, int]] = []
    for item in wrong:
        if run and (item[0] != run[-1][0] + 1 or item[2] != run[-1][2]):
            if len(run) >= SHIFT_RUN:
                break
            run = []
        run.append(item)
    if len(run) >= SHIFT_RUN:
        message = f"the columns shift here: {len(run)} rows in a row (to line {run[-1][1]}) have {run[0][2]} fields, the header {width}"
        hint = "a comma outside double quotes, or a column added or removed: fix the rows from this line on"
        raise InputError(message, Where(path, run[0][1]), hint=hint)


def read_signatories(path: Path, library: Library | None = None) -> SignatoryFile:
    """Read, clean and check a signatory list: every row problem is collected, none raised. An
    unreadable file, header or CSV structure (see `_records`, `_swallowed`, `_shifted`) raises
    `InputError` before any row is used."""
    records = _records(path, decode(path))
    header = next(records, None)
    if header is None:
        raise InputError("the signatory file is empty", Where(path), hint=f"the first line is the header: {','.join(COLUMNS)}")
    columns = _header(path, header[2])
    result = SignatoryFile(path)
    seen: dict[tuple[str, ...], int] = {}
    wrong: list[tuple[int, int, int]] = []
    for line, end, row in records:
        if not any(cell.strip() for cell in row):
            continue
        _swallowed(path, line, end, row, len(columns))
        result.rows += 1
        if len(row) != len(columns):
            wrong.append((result.rows, line, len(row)))
        found = _row(path, line, columns, row, library, result.warnings)
        if isinstance(found, Problem):
            result.rejected.append(found)
            continue
        keys: list[tuple[str, ...]] = [("email", found.email.casefold())] if found.email else []
        keys.append(("name", name_key(found.name), found.country))
        first = next((seen[k] for k in keys if k in seen), None)
        if first is not None:
            result.duplicates.append(Problem("warning", Where(path, line), f"duplicate of line {first}: {found.name!r} counted once"))
            continue
        seen.update(dict.fromkeys(keys, line))
        result.signatories.append(found)
    _shifted(path, len(columns), wrong)
    return result


def load_signatories(path: Path, library: Library | None = None) -> tuple[list[Signatory], list[Problem]]:
    """The accepted signatories and every problem (rejected rows are errors, duplicates warnings)."""
    found = read_signatories(path, library)
    return found.signatories, found.problems


def _accepted(found: SignatoryFile, skip_invalid: bool) -> list[Problem]:
    """The problems to report for a list about to be used. Rejected rows raise `CheckFailed` (every
    one listed) unless `skip_invalid`: then they become warnings, closed by a count of every row."""
    if found.rejected and not skip_invalid:
        hint = "fix the rows (`advocate signatories check FILE`), or give --skip-invalid to leave them out"
        raise CheckFailed([*found.problems, Problem("error", Where(found.path), f"{len(found.rejected)} signatory row(s) rejected", hint)])
    left_out = [Problem("warning", p.where, f"left out: {p.message}", p.hint) for p in found.rejected]
    problems = _by_line([*left_out, *found.duplicates, *found.warnings])
    if left_out:
        counts = f"{found.rows} row(s): {len(found.signatories)} used, {len(found.duplicates)} duplicate(s) counted once"
        problems.append(Problem("warning", Where(found.path), f"{len(left_out)} rejected row(s) left out (--skip-invalid); {counts}"))
    return problems


def signatories_for_render(path: Path, library: Library | None, skip_invalid: bool) -> tuple[list[Signatory], list[Problem]]:
    """The list a render uses and the problems to print. Rejected rows stop the render (every one
    listed), unless `skip_invalid`: then they are left out and reported as warnings with a count."""
    found = read_signatories(path, library)
    return found.signatories, _accepted(found, skip_invalid)


def clean_file(path: Path, out: Path, library: Library | None, skip_invalid: bool) -> tuple[SignatoryFile, list[Problem]]:
    """Write `path`'s accepted signatories, cleaned, to `out` (atomically, once the whole list has
    been read) and return what was read with the problems to print. `out` may not be `path`
    itself; rejected rows stop it as in `signatories_for_render`."""
    if out.resolve() == path.resolve() or (out.exists() and path.exists() and out.samefile(path)):
        hint = "write the cleaned list to another file, check it, then replace the original yourself"
        raise InputError(f"names the input file {path}: a cleaned list never replaces the list it was read from", "--out", hint=hint)
    found = read_signatories(path, library)
    problems = _accepted(found, skip_invalid)
    write_atomic(out, "\ufeff" + clean_csv(found.signatories))
    return found, problems


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


@dataclass(kw_only=True, frozen=True)
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
        rows=found.rows,
        accepted=len(found.signatories),
        public=public,
        hidden=len(found.signatories) - public,
        rejected=len(found.rejected),
        duplicates=len(found.duplicates),
        by_country=[(code, *counts) for code, counts in ordered],  # type: ignore[misc]
    )
