"""Verifying: every signature of a PDF checked with pyHanko's validation API.

In: PDF bytes and trusted CA certificates (or integrity only). Out: a `Verification` with one
`SignatureReport` per signature, each problem a `Finding` with a reason code; `require_ok` raises
`SignatureInvalid` when one does not hold up (`MalformedSignature` for one that cannot be read).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import asdict, dataclass
from dataclasses import field as dc_field
from pathlib import Path
from typing import Any

from ..core.errors import SignatureInvalid, Where
from .credentials import load_certs
from .fields import pdf_reader

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

    roots = [asn1_x509.Certificate.load(c.public_bytes(Encoding.DER)) for path in trust for c in load_certs(path, "trust file")]
    # an explicit (possibly empty) list: never the operating system's TLS roots
    context = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
    mode = "integrity" if integrity_only else "trust" if roots else "none"
    return _Trust(context, mode, frozenset(r.subject.human_friendly for r in roots))


def verify_pdf(pdf: bytes, trust: list[Path], what: str = "the file", integrity_only: bool = False) -> Verification:
    """Check every signature of `pdf`: integrity, coverage, changes after it (pyHanko's difference
    analysis plus the document information), timestamp and, unless `integrity_only`, the chain to
    a CA in `trust` (none given: no signer is trusted). Raises `MalformedSignature` for a
    signature that cannot be read."""
    reader = pdf_reader(pdf, what)
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
