"""Digital signatures with pyHanko: signature fields, signing, co-signing and verifying.

In: the signature boxes the layout reserved (`signature_field_finisher`, called by the pdf stage
while WeasyPrint writes the PDF); PDF bytes and a signing key (`load_credentials` + `sign_pdf`); PDF bytes and trusted
CA certificates (`verify_pdf`). Out: PDF bytes with empty signature fields (deterministic: the
same input gives the same bytes); PDF bytes with one more PAdES signature (B-B, or B-T with a
timestamp server) added as an incremental update, so every earlier signature stays valid; a
`Verification` with one `SignatureReport` per signature, each problem a `Finding` with a reason
code. Every failure is a `SigningError` with one line of user-facing text (`MalformedSignature`
for a signature that cannot be read). Nothing is written here.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from dataclasses import field as dc_field
from pathlib import Path
from typing import Any

from .errors import SignatureInvalid, SigningError, Where

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
    "ANNOTATIONS": "annotations added or changed (NOT allowed)",
    "OTHER": "other changes to the document (NOT allowed: the signed content may have been altered)",
}
ALLOWED_CHANGES = frozenset({"NONE", "LTA_UPDATES", "FORM_FILLING"})
INFO_MAY_CHANGE = frozenset({"/ModDate", "/Producer"})
"""/Info entries that pyHanko rewrites in every incremental update (so a co-signature changes them)."""

DAMAGED = "the signature is damaged or was tampered with: ask the signer for the file as they signed it"
HINTS = {
    "trust-not-established": "give the CA that issued the signers' certificates with --trust CA.pem (or ADVOCATE_TRUST), "
    "or check the signed content only with --integrity-only",
    "untrusted": "if you know this signer's CA, trust it with --trust CA.pem; otherwise do not rely on this signature",
    "content-modified": "the file was altered after it was signed: ask the signer for the file as they signed it",
    "changed-after-signing": "the file was altered after it was signed: ask the signer for the file as they signed it",
    "metadata-changed": "the document information was altered after signing: ask the signer for the file as they signed it",
    "expired": "ask the signer to sign again with a valid certificate (and a timestamp, --timestamp-url)",
}


@dataclass(frozen=True)
class Finding:
    """Why a signature does not hold up: `code` for scripts (listed in the README, "Signing"),
    `message` for people."""

    code: str
    message: str


class MalformedSignature(SignatureInvalid):
    """A signature that cannot be read at all: /Contents not hexadecimal or not a CMS signature,
    /ByteRange not framing /Contents, a format pyHanko cannot check."""

    code = "malformed-signature"


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
    trusted: bool | None  # None: not checked (--integrity-only)
    trust_detail: str
    problems: list[Finding] = dc_field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def reason(self) -> str:
        """The code of the first problem (the most basic one), or "ok"."""
        return self.problems[0].code if self.problems else "ok"

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok, "reason": self.reason}


@dataclass
class Verification:
    file: str
    signatures: list[SignatureReport]
    trust_checked: bool  # False: no trusted CA given, or --integrity-only
    integrity_only: bool = False

    @property
    def ok(self) -> bool:
        return bool(self.signatures) and all(s.ok for s in self.signatures)

    @property
    def reason(self) -> str:
        """The reason: "ok", "no-signatures", or the reason of the first signature that does not hold up."""
        if not self.signatures:
            return "no-signatures"
        return next((s.reason for s in self.signatures if not s.ok), "ok")

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "ok": self.ok,
            "reason": self.reason,
            "trust_checked": self.trust_checked,
            "integrity_only": self.integrity_only,
            "signatures": [s.as_dict() for s in self.signatures],
        }


@dataclass(frozen=True)
class _Trust:
    """How signers are judged: `mode` "trust" (CAs given), "none" (no CA given: nobody is
    trusted) or "integrity" (--integrity-only: trust is not looked at)."""

    context: Any  # pyhanko_certvalidator ValidationContext
    mode: str
    root_names: frozenset[str]


def _trust_setup(trust: list[Path], integrity_only: bool) -> _Trust:
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.serialization import Encoding
    from pyhanko_certvalidator import ValidationContext

    roots = [asn1_x509.Certificate.load(c.public_bytes(Encoding.DER)) for path in trust for c in _load_certs(path, "trust file")]
    # an explicit (possibly empty) list: never the operating system's TLS roots
    context = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
    mode = "integrity" if integrity_only else "trust" if roots else "none"
    return _Trust(context, mode, frozenset(r.subject.human_friendly for r in roots))


def verify_pdf(pdf: bytes, trust: list[Path], what: str = "the file", integrity_only: bool = False) -> Verification:
    """Check every signature of `pdf`: integrity, coverage, changes after it (pyHanko's difference
    analysis plus the document information), timestamp and, unless `integrity_only`, the chain to
    a CA in `trust` (none given: no signer is trusted). Raises `MalformedSignature` for a
    signature that cannot be read."""
    reader = _reader(pdf, what)
    setup = _trust_setup(trust, integrity_only)
    reports = [_check_one(reader, sig, setup, what) for sig in _embedded_signatures(reader, pdf, what)]
    return Verification(what, reports, setup.mode == "trust", integrity_only)


def _embedded_signatures(reader: Any, pdf: bytes, what: str) -> list[Any]:
    """The signatures in signing order, each read and its /ByteRange checked."""
    from pyhanko.sign.fields import enumerate_sig_fields
    from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

    found = []
    try:
        fields = list(enumerate_sig_fields(reader, filled_status=True))
    except Exception as exc:  # noqa: BLE001 - a damaged form
        raise MalformedSignature(
            f"the signature fields cannot be read ({exc})", Where(what, field="/AcroForm /Fields"), hint=DAMAGED
        ) from None
    for name, _value, field in fields:
        where = Where(what, field=f"signature field {str(name)!r}")
        try:
            sig = EmbeddedPdfSignature(reader, field, str(name))
        except Exception as exc:  # noqa: BLE001 - any damage means the same to the user
            raise MalformedSignature(_malformed_text(exc), where, hint=DAMAGED) from None
        problem = _byte_range_problem(sig, pdf)
        if problem:
            raise MalformedSignature(problem, where, hint=DAMAGED)
        found.append(sig)
    return sorted(found, key=lambda s: s.signed_revision)


def _malformed_text(exc: Exception) -> str:
    """What is wrong with a signature pyHanko could not read, naming the PDF key."""
    from pyhanko.pdf_utils.misc import PdfError

    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, PdfError):
        if "hex string" in text:
            return "/Contents is not a hexadecimal string"
        key = next((k for k in ("/ByteRange", "/Contents") if k in text), None)
        return f"{key} is missing or not readable" if key else f"the signature dictionary is not valid PDF ({text})"
    return f"/Contents does not hold a complete CMS signature (truncated or damaged: {text})"


def _byte_range_problem(sig: Any, pdf: bytes) -> str | None:
    """None when /ByteRange is [0 a b c] and leaves out exactly the /Contents string; else why not."""
    numbers = sig.byte_range
    if not isinstance(numbers, list) or len(numbers) != 4 or not all(isinstance(v, int) and v >= 0 for v in numbers):
        return "/ByteRange is not four non-negative whole numbers"
    start, length1, start2, length2 = (int(v) for v in numbers)
    gap = len(sig.pkcs7_content) * 2 + 2  # the hexadecimal /Contents with its < >
    framed = pdf[length1 : length1 + 1] == b"<" and pdf[start2 - 1 : start2] == b">"
    if start != 0 or start2 != length1 + gap or start2 + length2 > len(pdf) or not framed:
        return f"/ByteRange [{start} {length1} {start2} {length2}] does not cover the file around /Contents"
    return None


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat(timespec="seconds") if value else None


def _validate(sig: Any, context: Any, where: Where) -> Any:
    """pyHanko's status for one signature (or document timestamp)."""
    from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp

    try:
        if sig.sig_object_type == "/DocTimeStamp":
            return validate_pdf_timestamp(sig, validation_context=context)
        return validate_pdf_signature(sig, signer_validation_context=context)
    except Exception as exc:  # noqa: BLE001 - a signature pyHanko cannot check is damaged for the user
        raise MalformedSignature(f"the signature cannot be checked: {type(exc).__name__}: {exc}", where, hint=DAMAGED) from None


def _check_one(reader: Any, sig: Any, setup: _Trust, what: str) -> SignatureReport:
    """The report on one signature: pyHanko's status, then the changes after it, its timestamp
    and its signer's trust, each problem as a `Finding`."""
    name = str(sig.field_name)
    status = _validate(sig, setup.context, Where(what, field=f"signature field {name!r}"))
    signer, _org = _asn1_names(status.signing_cert.subject)
    issuer, _ = _asn1_names(status.signing_cert.issuer)
    intact = bool(status.intact and status.valid)
    changes, change_problems = _changes(reader, sig, status)
    ts, ts_ok, ts_problem = _timestamp(sig, status, setup.mode)
    trusted, trust_detail, trust_problem = _trust(status, setup, intact)
    # a broken signature says nothing about what was signed: its one problem is that it is broken
    problems = [*change_problems, *(p for p in (trust_problem, ts_problem) if p)] if intact else [_integrity_finding(status)]
    return SignatureReport(
        field=name,
        signer=signer,
        issuer=issuer,
        signed_at=_iso(getattr(status, "signer_reported_dt", None)),
        timestamp=_iso(ts.timestamp) if ts is not None else None,
        timestamp_ok=ts_ok,
        intact=intact,
        covers=_coverage_text(status.coverage, sig.signed_revision + 1, reader.xrefs.total_revisions),
        changes_after=changes,
        changes_ok=not change_problems,
        trusted=trusted,
        trust_detail=trust_detail,
        problems=problems,
    )


def _integrity_finding(status: Any) -> Finding:
    if not status.intact:
        return Finding("content-modified", "the signed content was modified after signing (its digest does not match the signature)")
    return Finding("bad-signature", "the signature value does not match the signer's certificate (forged or damaged)")


def _coverage_text(coverage: Any, revision: int, revisions: int) -> str:
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    if coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return "the whole file"
    if coverage == SignatureCoverageLevel.ENTIRE_REVISION:
        return f"revision {revision} of {revisions} (the file as it was when signed)"
    return "part of the file only (not a standard signature)"


def _changes(reader: Any, sig: Any, status: Any) -> tuple[str, list[Finding]]:
    """What changed after the signature (words) and the changes that are not allowed."""
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    problems = []
    if status.coverage is None or status.coverage < SignatureCoverageLevel.ENTIRE_REVISION:
        problems.append(Finding("partial-coverage", "the signature covers only part of the file (not a standard PDF signature)"))
    level = status.modification_level.name if status.modification_level is not None else "UNKNOWN"
    texts = [CHANGES.get(level, "could not be analysed (NOT allowed)")]
    if level not in ALLOWED_CHANGES:
        detail = _diff_detail(reader, sig.diff_result)
        problems.append(Finding("changed-after-signing", f"the document was changed after signing: {texts[0]}{detail}"))
    elif status.docmdp_ok is False:
        texts[0] = texts[0].replace("(allowed)", "(NOT allowed by the certifying signature)")
        problems.append(Finding("changed-after-signing", f"the document was changed after signing: {texts[0]}"))
    metadata = _metadata_changes(reader, sig.signed_revision)
    if metadata:
        texts.append(f"document information: {', '.join(metadata)} (NOT allowed)")
        problems.append(Finding("metadata-changed", f"the document information was changed after signing: {', '.join(metadata)}"))
    return "; ".join(texts), problems


def _diff_detail(reader: Any, diff: Any) -> str:
    """pyHanko's finding on changes it cannot explain, first line, with its object references
    named as pages where they are pages and revisions counted from 1, as in the report:
    " (There are unexplained xrefs in revision 3: page 1, object 48)"."""
    import re

    if not isinstance(diff, Exception) or not str(diff).strip():
        return ""
    pages = {page.idnum: n for n, page in enumerate(_page_refs(reader), 1)}

    def name(match: re.Match[str]) -> str:
        number = int(match.group(1))
        return f"page {pages[number]}" if number in pages else f"object {number}"

    text = re.sub(r"Reference\(idnum=(\d+), generation=\d+\)", name, str(diff).strip().splitlines()[0])
    text = re.sub(r"revision (\d+)", lambda m: f"revision {int(m.group(1)) + 1}", text)  # pyHanko counts from 0
    return f" ({_short(text.rstrip('.'), 200)})"


def _page_refs(reader: Any) -> list[Any]:
    """The references of the pages of the file as it is now, in order."""
    from pyhanko.pdf_utils.generic import IndirectObject

    try:
        return [ref.reference for ref in reader.root["/Pages"]["/Kids"] if isinstance(ref, IndirectObject)]
    except (KeyError, TypeError):
        return []


def _metadata_changes(reader: Any, signed_revision: int) -> list[str]:
    """The document information (/Info entries, XMP title, author, ...) that differs between the
    signed revision and the file as it is now; pyHanko's difference analysis lets any /Info or
    well-formed XMP change pass. /ModDate and /Producer are left out: every later signature
    rewrites them."""
    last = reader.xrefs.total_revisions - 1
    if signed_revision >= last:
        return []
    before, after = (_document_info(reader.get_historical_resolver(r)) for r in (signed_revision, last))
    changed = []
    for key in sorted(before.keys() | after.keys()):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        changed.append(f"{key} removed" if new is None else f"{key} {'added' if old is None else 'now'} {_short(new)!r}")
    return changed


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _historical(resolver: Any, container: Any, key: str) -> Any:
    """`container[key]` as it was in the revision of `resolver` (None: missing)."""
    from pyhanko.pdf_utils import generic

    if not isinstance(container, generic.DictionaryObject) or key not in container:
        return None
    value = container.raw_get(key)
    return resolver.get_object(value.reference) if isinstance(value, generic.IndirectObject) else value


def _document_info(resolver: Any) -> dict[str, str]:
    """The document information of one revision: its /Info entries and XMP metadata fields."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.decode_limits import DecodePurpose

    out: dict[str, str] = {}
    info = _historical(resolver, resolver.trailer_view, "/Info")
    if isinstance(info, generic.DictionaryObject):
        out.update({f"/Info {key}": str(_historical(resolver, info, key)) for key in info if key not in INFO_MAY_CHANGE})
    xmp = _historical(resolver, _historical(resolver, resolver.trailer_view, "/Root"), "/Metadata")
    if isinstance(xmp, generic.StreamObject):
        try:
            out.update(_xmp_fields(xmp.read_data(DecodePurpose.XMP_METADATA)))
        except Exception:  # noqa: BLE001 - unreadable XMP is compared as such
            out["XMP"] = "unreadable"
    return out


def _xmp_fields(data: bytes) -> dict[str, str]:
    """Title, author, subject, keywords, creator tool and creation date from XMP metadata (the
    fields pyHanko leaves alone when it adds a signature)."""
    from pyhanko.pdf_utils.metadata.xmp_xml import meta_from_xmp, parse_xmp

    meta = meta_from_xmp(parse_xmp(io.BytesIO(data)))
    fields = {"title": meta.title, "author": meta.author, "subject": meta.subject, "keywords": meta.keywords}
    fields |= {"creator": meta.creator, "created": meta.created}
    return {f"XMP {key}": str(value) for key, value in fields.items() if value}


def _timestamp(sig: Any, status: Any, mode: str) -> tuple[Any, bool | None, Finding | None]:
    """(timestamp status or None, whether it holds up, the problem with it)."""
    ts = status if sig.sig_object_type == "/DocTimeStamp" else getattr(status, "timestamp_validity", None)
    if ts is None:
        return None, None, None
    if not (ts.intact and ts.valid):
        return ts, False, Finding("timestamp-invalid", "the timestamp does not match the signature (damaged or forged)")
    if not ts.trusted and mode == "trust":  # mode "none": the signer is already not trusted
        return ts, False, Finding("timestamp-untrusted", "the timestamp authority does not chain to a trusted CA")
    return ts, True, None


def _trust(status: Any, setup: _Trust, intact: bool) -> tuple[bool | None, str, Finding | None]:
    """(trusted, the trust line of the report, the problem) for one signer."""
    if setup.mode == "integrity":
        return None, "not checked (--integrity-only)", None
    if setup.mode == "none":
        finding = Finding("trust-not-established", "no trusted CA was given, so the signer cannot be trusted")
        return False, "NOT established: no trusted CA given (--trust CA.pem)", finding
    if status.trusted:
        return True, "trusted", None
    if not intact:  # pyHanko does not look at the chain of a broken signature
        return False, "not checked (the signature is broken)", None
    finding = _trust_finding(status, setup.root_names)
    return False, f"NOT trusted: {finding.message}", finding


def _trust_finding(status: Any, root_names: frozenset[str]) -> Finding:
    """pyHanko's reason for not trusting a signer (an AdES sub-indication) in plain words."""
    cert = status.signing_cert
    indication = status.trust_problem_indic.name if status.trust_problem_indic is not None else ""
    if indication in ("OUT_OF_BOUNDS_NO_POE", "OUT_OF_BOUNDS_NOT_REVOKED", "EXPIRED"):
        return Finding("expired", _expired_text(cert.not_valid_after, getattr(status, "signer_reported_dt", None)))
    if indication == "NOT_YET_VALID":
        return Finding("not-yet-valid", f"the signer's certificate is not valid before {cert.not_valid_before:%Y-%m-%d}")
    if indication.startswith("REVOKED"):
        whose = "the certificate of a CA in the signer's chain" if indication == "REVOKED_CA_NO_POE" else "the signer's certificate"
        details = status.revocation_details
        when = f" on {details.revocation_date:%Y-%m-%d}" if details is not None and details.revocation_date else ""
        return Finding("revoked", f"{whose} was revoked{when}")
    if indication in ("TRY_LATER", "REVOCATION_OUT_OF_BOUNDS_NO_POE"):
        return Finding("revocation-unknown", "whether the signer's certificate was revoked is unknown (no current revocation data)")
    if indication.startswith("CRYPTO_CONSTRAINTS"):
        return Finding("weak-algorithm", "the signature or a certificate in its chain uses an algorithm no longer accepted")
    issuer = _asn1_names(cert.issuer)[0]
    if cert.self_signed != "no":
        return Finding("untrusted", "the signer's certificate is self-signed (anyone can make one) and is not a trusted certificate")
    if indication in ("NO_CERTIFICATE_CHAIN_FOUND", ""):
        impostor = ", a name a trusted CA has, but not its key: an impostor" if cert.issuer.human_friendly in root_names else ""
        return Finding("untrusted", f"the signer's certificate does not chain to a trusted CA (issued by {issuer}{impostor})")
    return Finding(
        "chain-invalid", "the signer's certificate chain breaks a rule (a certificate not allowed to sign, or a CA not allowed to issue)"
    )


def _expired_text(not_after: dt.datetime, claimed: dt.datetime | None) -> str:
    if claimed is not None and claimed > not_after:
        return (
            f"the signer's certificate had already expired when the document was signed "
            f"(expired {not_after:%Y-%m-%d}, signed {claimed:%Y-%m-%d})"
        )
    return f"the signer's certificate expired on {not_after:%Y-%m-%d} and no trusted timestamp proves it was signed before"


def _asn1_names(name: Any) -> tuple[str, str]:
    native = name.native
    return str(native.get("common_name") or name.human_friendly), str(native.get("organization_name") or "")


def require_ok(result: Verification) -> None:
    """Raise `SignatureInvalid` unless every signature holds up (intact, no changes that are not
    allowed, and trusted unless trust was deliberately not checked)."""
    if not result.signatures:
        raise SignatureInvalid(f"{result.file} has no signatures")
    bad = [s for s in result.signatures if not s.ok]
    if bad:
        names = ", ".join(f"{s.field!r} ({s.reason})" for s in bad)
        raise SignatureInvalid(
            f"{len(bad)} of {len(result.signatures)} signature(s) in {result.file} do not hold up: {names}", hint=HINTS.get(bad[0].reason)
        )
