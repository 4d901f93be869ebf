"""Digital signatures with pyHanko: signature fields, signing, co-signing and verifying.

In: the signature boxes the layout reserved (`signature_field_finisher`, called by the pdf stage
while WeasyPrint writes the PDF); PDF bytes and a signing key (`load_credentials` + `sign_pdf`); PDF bytes and trusted
CA certificates (`verify_pdf`). Out: PDF bytes with empty signature fields (deterministic: the
same input gives the same bytes); PDF bytes with one more PAdES signature (B-B, or B-T with a
timestamp server) added as an incremental update, so every earlier signature stays valid; a
`Verification` with one `SignatureReport` per signature. Every failure is a `SigningError` with
one line of user-facing text. Nothing is written here.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import asdict, dataclass
from dataclasses import field as dc_field
from pathlib import Path
from typing import Any

from .errors import SignatureInvalid, SigningError

PassphraseSource = Callable[[], str | None]
"""Asked only when a key turns out to be encrypted; returns the passphrase (None: none given)."""

STAMP_FONTS = ("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
# Signer names, reasons and places in Korean, Japanese or Chinese: the face of Noto Sans CJK (which
# has Latin letters too) for the script, taken out of the collection (pyHanko reads single fonts).
CJK_STAMP_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
CJK_FACES = (
    (r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]", "Noto Sans CJK KR"),
    (r"[\u3040-\u30ff]", "Noto Sans CJK JP"),
    (r"[\u3400-\u9fff]", "Noto Sans CJK SC"),
)


# -- signature fields (the pdf stage) ---------------------------------------------------------


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
            x1, y1, x2, y2 = (round(v) for v in box.rect)
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


def _reader(pdf: bytes, what: str = "the file"):  # type: ignore[no-untyped-def]
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

    return [FieldInfo(str(name), value is not None) for name, value, _ref in enumerate_sig_fields(_reader(pdf, what))]


# -- keys and certificates ----------------------------------------------------------------------


@dataclass
class Credentials:
    """A loaded signing key with its certificate and the chain to embed."""

    signer: Any  # pyhanko SimpleSigner
    subject: str  # the certificate's common name (or whole subject)
    organisation: str
    not_after: dt.datetime


def _subject_cn(cert: Any) -> tuple[str, str]:
    from cryptography.x509.oid import NameOID

    cn = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    org = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    return (str(cn[0].value) if cn else cert.subject.rfc4514_string()), (str(org[0].value) if org else "")


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise SigningError(f"{what} {path} does not exist") from None
    except OSError as exc:
        raise SigningError(f"cannot read {what} {path}: {exc.strerror}") from None


def _load_certs(path: Path, what: str) -> list[Any]:
    from cryptography import x509

    data = _read(path, what)
    try:
        if b"-----BEGIN" in data:
            return list(x509.load_pem_x509_certificates(data))
        return [x509.load_der_x509_certificate(data)]
    except ValueError:
        raise SigningError(f"{path} is not a certificate (PEM or DER)", f"--{what.split()[0]}") from None


def _load_pkcs12(path: Path, data: bytes, passphrase: PassphraseSource) -> tuple[Any, Any, list[Any]]:
    from cryptography.hazmat.primitives.serialization import pkcs12

    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, None)
    except ValueError:
        secret = passphrase()
        if secret is None:
            raise SigningError(
                f"{path} is protected by a passphrase and none was given",
                "--key",
                hint="use --passphrase-file FILE, ADVOCATE_KEY_PASSPHRASE or answer the prompt",
            ) from None
        try:
            key, cert, extra = pkcs12.load_key_and_certificates(data, secret.encode())
        except ValueError:
            raise SigningError(f"wrong passphrase for {path} (or the file is not a PKCS#12 key)", "--key") from None
    if key is None:
        raise SigningError(f"{path} holds no private key", "--key")
    return key, cert, list(extra)


def _load_pem_key(path: Path, data: bytes, passphrase: PassphraseSource) -> Any:
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        return load_pem_private_key(data, None)
    except TypeError:  # encrypted: ask for the passphrase
        pass
    except ValueError:
        raise SigningError(f"{path} is not a private key (PEM or PKCS#12)", "--key") from None
    secret = passphrase()
    if secret is None:
        raise SigningError(
            f"{path} is encrypted and no passphrase was given",
            "--key",
            hint="use --passphrase-file FILE, ADVOCATE_KEY_PASSPHRASE or answer the prompt",
        )
    try:
        return load_pem_private_key(data, secret.encode())
    except (ValueError, TypeError):
        raise SigningError(f"wrong passphrase for {path}", "--key") from None


def load_credentials(
    key: Path, cert: Path | None, chain: list[Path], passphrase: PassphraseSource, now: dt.datetime | None = None
) -> Credentials:
    """Load a PKCS#12 file, or a PEM key with its certificate (`cert`, or certificates in the key
    file), check that key and certificate match and that the certificate is valid now."""
    data = _read(key, "key file")
    extra: list[Any] = []
    certificate = None
    if b"-----BEGIN" in data:
        private_key = _load_pem_key(key, data, passphrase)
        if b"CERTIFICATE-----" in data:
            found = _load_certs(key, "key file")
            certificate, extra = found[0], found[1:]
    else:
        private_key, certificate, extra = _load_pkcs12(key, data, passphrase)
    if cert is not None:
        given = _load_certs(cert, "cert file")
        certificate, extra = given[0], given[1:] + extra
    if certificate is None:
        raise SigningError(f"no certificate for the key in {key}", "--cert", hint="give the signer's certificate with --cert CERT.pem")
    for path in chain:
        extra += _load_certs(path, "chain file")
    _check_pair(private_key, certificate, key, now or dt.datetime.now(dt.UTC))
    return _credentials(private_key, certificate, extra)


def _check_pair(private_key: Any, certificate: Any, key: Path, now: dt.datetime) -> None:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    def spki(public: Any) -> bytes:
        return public.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)  # type: ignore[no-any-return]

    name, _org = _subject_cn(certificate)
    if spki(private_key.public_key()) != spki(certificate.public_key()):
        raise SigningError(
            f"the key in {key} does not match the certificate of {name}",
            "--key",
            hint="give the certificate that belongs to this key (--cert)",
        )
    if now > certificate.not_valid_after_utc:
        raise SigningError(
            f"the certificate of {name} expired on {certificate.not_valid_after_utc:%Y-%m-%d}",
            hint="sign with a valid certificate; a signature made with an expired one does not hold up",
        )
    if now < certificate.not_valid_before_utc:
        raise SigningError(f"the certificate of {name} is not valid before {certificate.not_valid_before_utc:%Y-%m-%d %H:%M} UTC")


def _credentials(private_key: Any, certificate: Any, extra: list[Any]) -> Credentials:
    from asn1crypto import keys
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
    from pyhanko.sign.signers import SimpleSigner
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    def to_asn1(c: Any) -> Any:
        return asn1_x509.Certificate.load(c.public_bytes(Encoding.DER))

    key_info = keys.PrivateKeyInfo.load(private_key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption()))
    signing_cert = to_asn1(certificate)
    others = [to_asn1(c) for c in extra if c != certificate]
    signer = SimpleSigner(signing_cert=signing_cert, signing_key=key_info, cert_registry=SimpleCertificateStore.from_certs(others))
    name, org = _subject_cn(certificate)
    return Credentials(signer, name, org, certificate.not_valid_after_utc)


# -- signing ---------------------------------------------------------------------------------------


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


# -- verifying ---------------------------------------------------------------------------------------

CHANGES = {
    "NONE": "none",
    "LTA_UPDATES": "validation data only (allowed)",
    "FORM_FILLING": "later signatures or form filling (allowed)",
    "ANNOTATIONS": "annotations (allowed)",
    "OTHER": "other changes to the document (NOT allowed: the signed content may have been altered)",
}


@dataclass
class SignatureReport:
    field: str
    signer: str
    issuer: str
    signed_at: str | None  # claimed by the signer (/M or signing-time), ISO 8601
    timestamp: str | None  # from the timestamp authority, ISO 8601
    timestamp_ok: bool | None  # None: no timestamp
    intact: bool  # the signed bytes are unchanged and the cryptographic signature checks out
    covers: str
    changes_after: str
    changes_ok: bool
    trusted: bool | None  # None: not checked (no --trust)
    trust_detail: str
    ok: bool
    problems: list[str] = dc_field(default_factory=list)


@dataclass
class Verification:
    file: str
    signatures: list[SignatureReport]
    trust_checked: bool

    @property
    def ok(self) -> bool:
        return bool(self.signatures) and all(s.ok for s in self.signatures)

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "ok": self.ok, "trust_checked": self.trust_checked, "signatures": [asdict(s) for s in self.signatures]}


def _validation_context(trust: list[Path]) -> Any:
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.serialization import Encoding
    from pyhanko_certvalidator import ValidationContext

    roots = [asn1_x509.Certificate.load(c.public_bytes(Encoding.DER)) for path in trust for c in _load_certs(path, "trust file")]
    return ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")


def verify_pdf(pdf: bytes, trust: list[Path], what: str = "the file") -> Verification:
    """Check every signature: integrity, coverage, later changes, timestamp and (with `trust`) the
    chain to a trusted CA."""
    reader = _reader(pdf, what)
    revisions = reader.xrefs.total_revisions
    reports = [_check_one(sig, trust, revisions) for sig in reader.embedded_signatures]
    return Verification(what, reports, bool(trust))


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat(timespec="seconds") if value else None


def _check_one(sig: Any, trust: list[Path], revisions: int) -> SignatureReport:
    from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    name = str(sig.field_name)
    status: Any
    try:
        context = _validation_context(trust)
        if sig.sig_object_type == "/DocTimeStamp":
            status = validate_pdf_timestamp(sig, validation_context=context)
        else:
            status = validate_pdf_signature(sig, signer_validation_context=context)
    except SigningError:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged signature is a finding, not a crash
        return SignatureReport(
            name,
            "?",
            "?",
            None,
            None,
            None,
            False,
            "unknown",
            "unknown",
            False,
            None if not trust else False,
            "not checked",
            False,
            [f"the signature could not be checked: {type(exc).__name__}: {exc}"],
        )
    signer, _org = _asn1_names(status.signing_cert.subject)
    issuer, _ = _asn1_names(status.signing_cert.issuer)
    intact = bool(status.intact and status.valid)
    coverage = status.coverage
    revision = sig.signed_revision + 1
    if coverage == SignatureCoverageLevel.ENTIRE_FILE:
        covers = "the whole file"
    elif coverage == SignatureCoverageLevel.ENTIRE_REVISION:
        covers = f"revision {revision} of {revisions} (the file as it was when signed)"
    else:
        covers = "part of the file only (not a standard signature)"
    level = status.modification_level
    changes = CHANGES.get(level.name, level.name) if level is not None else "could not be analysed"
    changes_ok = (
        coverage is not None
        and coverage >= SignatureCoverageLevel.ENTIRE_REVISION
        and bool(status.docmdp_ok is not False)
        and level is not None
        and level.name != "OTHER"
    )
    ts = getattr(status, "timestamp_validity", None)
    if sig.sig_object_type == "/DocTimeStamp":
        ts = status
    ts_ok = None if ts is None else bool(ts.intact and ts.valid and (ts.trusted or not trust))
    trusted = bool(status.trusted) if trust else None
    trust_detail = ("trusted" if trusted else f"NOT trusted ({_trust_problem(status)})") if trust else "not checked (give --trust CA.pem)"
    problems = []
    if not intact:
        problems.append("the signed bytes were changed or the signature is broken")
    if not changes_ok:
        problems.append(f"changes after signing: {changes}")
    if ts_ok is False:
        problems.append("the timestamp is not valid" + ("" if not trust else " or not trusted"))
    if trusted is False:
        problems.append("the signer's certificate does not chain to a trusted CA")
    return SignatureReport(
        field=name,
        signer=signer,
        issuer=issuer,
        signed_at=_iso(getattr(status, "signer_reported_dt", None)),
        timestamp=_iso(ts.timestamp) if ts is not None else None,
        timestamp_ok=ts_ok,
        intact=intact,
        covers=covers,
        changes_after=changes,
        changes_ok=changes_ok,
        trusted=trusted,
        trust_detail=trust_detail,
        ok=not problems,
        problems=problems,
    )


def _trust_problem(status: Any) -> str:
    indic = getattr(status, "trust_problem_indic", None)
    return indic.name.lower().replace("_", " ") if indic is not None else "no path to a trusted CA"


def _asn1_names(name: Any) -> tuple[str, str]:
    native = name.native
    return str(native.get("common_name") or name.human_friendly), str(native.get("organization_name") or "")


def require_ok(result: Verification) -> None:
    """Raise `SignatureInvalid` unless every signature is intact (and trusted when checked)."""
    if not result.signatures:
        raise SignatureInvalid(f"{result.file} has no signatures")
    bad = [s for s in result.signatures if not s.ok]
    if bad:
        names = ", ".join(repr(s.field) for s in bad)
        raise SignatureInvalid(f"{len(bad)} of {len(result.signatures)} signature(s) in {result.file} do not hold up: {names}")
