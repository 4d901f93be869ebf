"""Signature fields: the boxes the layout reserved, made empty PDF signature fields.

In: the signature boxes (`signature_field_finisher`, called by the pdf stage while WeasyPrint
writes the PDF); PDF bytes (`signature_fields`). Out: PDF bytes with empty signature fields
(deterministic: the same input gives the same bytes); the fields a PDF has. pyHanko is imported
only inside the functions, so a render without signature boxes does not load it.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from ..core.errors import SigningError


@dataclass(frozen=True)
class SignatureBox:
    """A box the layout reserved for a signer: `label` from ``data-signer``, page index from 0,
    rectangle in PDF points (x1, y1, x2, y2), origin bottom-left."""

    label: str
    page: int
    rect: tuple[float, float, float, float]


def field_name(label: str) -> str:
    """The PDF field name for a signer: periods separate levels in PDF field names, so
    "A. N. Example" becomes "A N Example"."""
    return " ".join(label.replace(".", " ").split())


def signature_field_finisher(boxes: list[SignatureBox]):  # type: ignore[no-untyped-def]
    """A WeasyPrint ``finisher`` that adds one empty, visible signature field per box to the PDF
    being written (plain pydyf objects: no pyHanko import, no second pass over the file, and the
    output stays deterministic). pyHanko fills these fields when the letter is signed."""
    import pydyf

    def finish(document, pdf) -> None:  # type: ignore[no-untyped-def]
        kids = pdf.pages["Kids"][::3]
        form = pdf.catalog.get("AcroForm")
        if form is None:
            form = pydyf.Dictionary({"Fields": pydyf.Array(), "SigFlags": 1})
            pdf.catalog["AcroForm"] = form
        seen: dict[str, int] = {}
        for box in boxes:
            name = field_name(box.label) or "Signature"
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:
                name = f"{name} {seen[name]}"
            left, bottom, right, top = box.rect  # to whole points, inward: the box never reaches the text around it
            x1, y1, x2, y2 = math.ceil(left), math.ceil(bottom), math.floor(right), math.floor(top)
            appearance = pydyf.Stream(
                [],
                extra={
                    "Type": "/XObject",
                    "Subtype": "/Form",
                    "BBox": pydyf.Array([0, 0, x2 - x1, y2 - y1]),
                    "Resources": pydyf.Dictionary({}),
                },
            )
            pdf.add_object(appearance)
            page = pdf.objects[kids[box.page]]
            widget = pydyf.Dictionary(
                {
                    "FT": "/Sig",
                    "T": pydyf.String(name),
                    "TU": pydyf.String(box.label),  # the accessible name (tooltip): the signer
                    "Type": "/Annot",
                    "Subtype": "/Widget",
                    "F": 132,  # print, locked
                    "Rect": pydyf.Array([x1, y1, x2, y2]),
                    "P": page.reference,
                    "AP": pydyf.Dictionary({"N": appearance.reference}),
                }
            )
            pdf.add_object(widget)
            page.setdefault("Annots", pydyf.Array()).append(widget.reference)
            form["Fields"].append(widget.reference)

    return finish


@dataclass(frozen=True)
class FieldInfo:
    name: str
    signed: bool


def pdf_reader(pdf: bytes, what: str = "the file"):  # type: ignore[no-untyped-def]
    from pyhanko.pdf_utils.reader import PdfFileReader

    head = pdf[:1024].lstrip()
    if b"%PDF-" not in head:
        raise SigningError(f"{what} is not a PDF", hint="give the PDF that `advocate render` wrote")
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        reader.root  # noqa: B018 - parses the catalog, so damage shows here
    except Exception as exc:  # noqa: BLE001 - any parse failure means the same to the user
        raise SigningError(f"{what} is not a readable PDF ({type(exc).__name__}: {exc})") from None
    if reader.encrypted:
        raise SigningError(f"{what} is encrypted", hint="sign the unencrypted PDF")
    return reader


def signature_fields(pdf: bytes, what: str = "the file") -> list[FieldInfo]:
    """The signature fields of a PDF in document order, and whether each is signed."""
    from pyhanko.sign.fields import enumerate_sig_fields

    return [FieldInfo(str(name), value is not None) for name, value, _ref in enumerate_sig_fields(pdf_reader(pdf, what))]
