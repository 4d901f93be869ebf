"""Signing: PDF bytes and credentials to PDF bytes with one more PAdES signature.

In: PDF bytes, `Credentials`, a `SignRequest` (field, reason, place, timestamp server). Out: a
`Signed` PDF: one PAdES signature (B-B, or B-T with a timestamp server) added as an incremental
update, so every earlier signature stays valid, drawn in its field's box. Nothing is written here.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import SigningError
from .credentials import Credentials
from .fields import FieldInfo, field_name, signature_fields

STAMP_FONTS = ("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
# Signer names, reasons and places in Korean, Japanese or Chinese: the face of Noto Sans CJK (which
# has Latin letters too) for the script, taken out of the collection (pyHanko reads single fonts).
CJK_STAMP_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
CJK_FACES = (
    (r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]", "Noto Sans CJK KR"),
    (r"[\u3040-\u30ff]", "Noto Sans CJK JP"),
    (r"[\u3400-\u9fff]", "Noto Sans CJK SC"),
)


@dataclass
class SignRequest:
    field: str | None = None  # a field name; None: the first empty one
    reason: str | None = None
    location: str | None = None
    timestamp_url: str | None = None
    timestamper: Any = None  # a pyHanko TimeStamper (tests, plug-ins); overrides timestamp_url
    timeout: float = 10.0


@dataclass(frozen=True)
class Signed:
    pdf: bytes
    field: str
    signer: str
    level: str  # "PAdES B-B" or "PAdES B-T"
    signed_at: dt.datetime
    visible: bool


def _pick_field(fields: list[FieldInfo], wanted: str | None, what: str) -> tuple[str, bool]:
    """(field name, exists) for the signature to add."""
    if wanted is not None:
        match = next((f for f in fields if f.name == wanted), None) or next((f for f in fields if f.name == field_name(wanted)), None)
        if match is None:
            names = ", ".join(repr(f.name) for f in fields) or "none"
            raise SigningError(f"{what} has no signature field {wanted!r}", "--field", hint=f"its signature fields: {names}")
        if match.signed:
            raise SigningError(f"signature field {match.name!r} in {what} is already signed", "--field", hint=_empty_hint(fields))
        return match.name, True
    empty = [f for f in fields if not f.signed]
    if empty:
        return empty[0].name, True
    if fields:
        raise SigningError(
            f"every signature field in {what} is already signed",
            hint="render the letter with one signature box per signer (advocate.toml [[sender.signers]])",
        )
    return "Signature 1", False


def _empty_hint(fields: list[FieldInfo]) -> str:
    empty = [f.name for f in fields if not f.signed]
    return f"empty fields: {', '.join(repr(n) for n in empty)}" if empty else "every field is signed"


def _stamp_style(reason: str | None, location: str | None, signer: str) -> Any:
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.stamp import TextStampStyle

    lines = ["Digitally signed by %(signer)s", "Date: %(date)s"]
    if reason:
        lines.append("Reason: %(reason)s")
    if location:
        lines.append("Location: %(location)s")

    @dataclass(frozen=True)
    class InMemoryFont(GlyphAccumulatorFactory):  # type: ignore[misc]
        """The font given as bytes (pyHanko's factory takes a path and leaves the file open)."""

        font_bytes: bytes = b""

        def create_font_engine(self, writer: Any, obj_stream: Any = None) -> Any:
            if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
                obj_stream = writer.prepare_object_stream()
            return GlyphAccumulator(writer=writer, font_handle=io.BytesIO(self.font_bytes), font_size=self.font_size, obj_stream=obj_stream)

    font = _stamp_font(" ".join(x for x in (signer, reason, location) if x))
    text_style = TextBoxStyle(font=InMemoryFont("", font_size=10, font_bytes=font), leading=13) if font else TextBoxStyle(leading=13)
    return TextStampStyle(
        stamp_text="\n".join(lines), text_box_style=text_style, border_width=1, border_color=(0.11, 0.21, 0.34), background=None
    )


def _stamp_font(text: str) -> bytes | None:
    """The font for the signature's visible text: the Noto Sans CJK face for Korean, Japanese or
    Chinese text in it, else Noto Sans (DejaVu Sans if missing); None: pyHanko's own font."""
    import re

    face = next((name for pattern, name in CJK_FACES if re.search(pattern, text)), None)
    if face and Path(CJK_STAMP_FONT).is_file():
        return _collection_face(CJK_STAMP_FONT, face)
    path = next((f for f in STAMP_FONTS if Path(f).is_file()), None)
    return Path(path).read_bytes() if path else None


def _collection_face(path: str, family: str) -> bytes | None:
    from fontTools.ttLib import TTCollection

    with open(path, "rb") as handle:  # read inside: fontTools reads the tables lazily
        for font in TTCollection(handle, lazy=True).fonts:
            if font["name"].getDebugName(1) == family:
                out = io.BytesIO()
                font.save(out)
                return out.getvalue()
    return None


def sign_pdf(pdf: bytes, creds: Credentials, request: SignRequest, what: str = "the file") -> Signed:
    """Add one PAdES signature to `pdf` as an incremental update (earlier signatures stay valid)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields as sig_fields
    from pyhanko.sign import signers
    from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError

    name, exists = _pick_field(signature_fields(pdf, what), request.field, what)
    timestamper = request.timestamper
    if timestamper is None and request.timestamp_url:
        timestamper = HTTPTimeStamper(request.timestamp_url, timeout=request.timeout)
    meta = signers.PdfSignatureMetadata(
        field_name=name,
        reason=request.reason,
        location=request.location,
        md_algorithm="sha256",
        subfilter=sig_fields.SigSeedSubFilter.PADES,
    )
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    params = {
        "signer": creds.subject,
        "date": f"{now:%Y-%m-%d %H:%M} UTC",
        "reason": request.reason or "",
        "location": request.location or "",
    }
    pdf_signer = signers.PdfSigner(
        meta,
        creds.signer,
        timestamper=timestamper,
        stamp_style=_stamp_style(request.reason, request.location, creds.subject),
        new_field_spec=None if exists else sig_fields.SigFieldSpec(name),
    )
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        out = pdf_signer.sign_pdf(writer, existing_fields_only=exists, appearance_text_params=params)
    except TimestampRequestError as exc:
        cause = exc.__cause__ or exc
        raise SigningError(
            f"the timestamp server {request.timestamp_url} did not answer: {cause}",
            "--timestamp-url",
            hint="check the URL, or sign without --timestamp-url (PAdES B-B)",
        ) from None
    except Exception as exc:  # noqa: BLE001 - pyHanko raises several kinds; the user needs one line
        raise SigningError(f"could not sign {what}: {type(exc).__name__}: {exc}") from None
    return Signed(out.getvalue(), name, creds.subject, "PAdES B-T" if timestamper else "PAdES B-B", now, exists)
