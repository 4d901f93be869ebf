"""The `sign` and `verify` commands (registered on the main group by cli.py).

In: argv. Out: a signed PDF written atomically, or a verification report on stdout; the work is
done by generator.signing.signing, errors leave through cli.boundary as one line.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from ..core.errors import SigningError
from .root import App, root

PASSPHRASE_ENV = "ADVOCATE_KEY_PASSPHRASE"
TRUST_ENV = "ADVOCATE_TRUST"


def _passphrase_source(passphrase_file: str | None):  # type: ignore[no-untyped-def]
    """The passphrase, asked for only when the key is encrypted: from --passphrase-file, else
    ADVOCATE_KEY_PASSPHRASE, else a prompt (never from the command line)."""

    def source() -> str | None:
        if passphrase_file:
            try:
                return Path(passphrase_file).read_text(encoding="utf-8").rstrip("\r\n")
            except OSError as exc:
                raise SigningError(f"cannot read the passphrase file {passphrase_file}: {exc.strerror}", "--passphrase-file") from None
        if os.environ.get(PASSPHRASE_ENV) is not None:
            return os.environ[PASSPHRASE_ENV]
        try:
            return click.prompt("Key passphrase", hide_input=True, err=True, default="", show_default=False)  # type: ignore[no-any-return]
        except click.Abort:  # no terminal and no input
            return None

    return source


def _default_out(pdf: Path) -> Path:
    return pdf if pdf.stem.endswith("-signed") else pdf.with_name(f"{pdf.stem}-signed.pdf")


def _read_pdf(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise SigningError(f"cannot read {path}: {exc.strerror}") from None


@root.command("sign")
@click.argument("pdf", type=click.Path(dir_okay=False))
@click.option("--key", required=True, type=click.Path(dir_okay=False), help="PKCS#12 file (.p12/.pfx), or PEM private key.")
@click.option("--cert", type=click.Path(dir_okay=False), help="Signer's certificate (PEM/DER), with a PEM key.")
@click.option("--chain", multiple=True, type=click.Path(dir_okay=False), help="Intermediate/CA certificate to embed (repeatable).")
@click.option("--field", "field_name", help="Signature field to fill (default: the first empty one; `advocate verify` lists them).")
@click.option("--reason", help="Reason shown in the signature, e.g. 'Approved for the coalition'.")
@click.option("--location", help="Place of signing, e.g. 'Geneva'.")
@click.option("--timestamp-url", help="RFC 3161 timestamp server: PAdES B-T instead of B-B.")
@click.option(
    "--passphrase-file", type=click.Path(dir_okay=False), help=f"File holding the key passphrase (else {PASSPHRASE_ENV}, else a prompt)."
)
@click.option(
    "--out", "out", type=click.Path(dir_okay=False), help="Output file (default: PDF-signed.pdf; a *-signed.pdf is updated in place)."
)
@click.pass_obj
def sign_cmd(
    app: App,
    pdf: str,
    key: str,
    cert: str | None,
    chain: tuple[str, ...],
    field_name: str | None,
    reason: str | None,
    location: str | None,
    timestamp_url: str | None,
    passphrase_file: str | None,
    out: str | None,
) -> None:
    """Sign PDF (PAdES) into its next empty signature box; co-signers sign the result in turn.

    The passphrase is never taken from the command line.
    """
    from ..core.output import write_atomic
    from ..signing.credentials import load_credentials
    from ..signing.signing import SignRequest, sign_pdf

    data = _read_pdf(pdf)
    creds = load_credentials(Path(key), Path(cert) if cert else None, [Path(c) for c in chain], _passphrase_source(passphrase_file))
    signed = sign_pdf(data, creds, SignRequest(field_name, reason, location, timestamp_url), what=pdf)
    path = Path(out) if out else _default_out(Path(pdf))
    write_atomic(path, signed.pdf)
    where = f"field {signed.field!r}" if signed.visible else f"new invisible field {signed.field!r} (the PDF had no signature box)"
    click.echo(f"wrote {path}: signed by {signed.signer} in {where} ({signed.level})")


@root.command("verify")
@click.argument("pdf", type=click.Path(dir_okay=False))
@click.option(
    "--trust",
    multiple=True,
    type=click.Path(dir_okay=False),
    envvar=TRUST_ENV,
    help=f"Trusted CA certificate, PEM or DER (repeatable). Env: {TRUST_ENV} (paths separated by '{os.pathsep}').",
)
@click.option("--integrity-only", is_flag=True, help="Check integrity and changes only, not whether the signers can be trusted.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (with a reason code per signature).")
@click.pass_obj
def verify_cmd(app: App, pdf: str, trust: tuple[str, ...], integrity_only: bool, as_json: bool) -> None:
    """List every signature in PDF and check it: signer, time, timestamp, integrity, coverage,
    changes after it and the chain of trust to a CA given with --trust.

    Exits 0 only when every signature holds up, 7 when one does not (also when no trusted CA is
    given, unless --integrity-only).
    """
    from ..signing.verify import MalformedSignature, require_ok, verify_pdf

    source = click.get_current_context().get_parameter_source("trust")
    if integrity_only and trust and source == click.core.ParameterSource.COMMANDLINE:
        raise SigningError("--trust and --integrity-only exclude each other", "--integrity-only", hint="give one of them")
    try:
        with _quiet_pyhanko(app.debug):
            result = verify_pdf(_read_pdf(pdf), [Path(t) for t in trust], what=pdf, integrity_only=integrity_only)
    except MalformedSignature as exc:
        if as_json:
            click.echo(json.dumps({"file": pdf, "ok": False, "reason": exc.code, "error": exc.line()}, indent=2, ensure_ascii=False))
        raise
    click.echo(json.dumps(result.as_dict(), indent=2, ensure_ascii=False) if as_json else _report(result))
    require_ok(result)


@contextmanager
def _quiet_pyhanko(debug: bool) -> Iterator[None]:
    """pyHanko logs every failed check as a warning with a traceback; the report says it in one
    line, so its loggers are off while verifying (on with --debug)."""
    loggers = [logging.getLogger(name) for name in ("pyhanko", "pyhanko_certvalidator")]
    saved = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.NOTSET if debug else logging.CRITICAL + 1)  # their modules' loggers inherit it
    try:
        yield
    finally:
        for logger, level in zip(loggers, saved, strict=True):
            logger.setLevel(level)


def _report(result) -> str:  # type: ignore[no-untyped-def]
    lines = [f"{result.file}: {len(result.signatures)} signature(s)"]
    for n, s in enumerate(result.signatures, 1):
        ts = "none (PAdES B-B)" if s.timestamp is None else f"{s.timestamp} ({'valid' if s.timestamp_ok else 'NOT valid'})"
        lines += [
            f"{n}. field {s.field!r}: {'OK' if s.ok else 'PROBLEM'}",
            f"   signer:        {s.signer} (issued by {s.issuer})",
            f"   signed at:     {s.signed_at or 'not stated'} (the signer's clock)",
            f"   timestamp:     {ts}",
            f"   integrity:     {'intact' if s.intact else 'BROKEN: the signed content was modified'}",
            f"   covers:        {s.covers}",
            f"   changed after: {s.changes_after}",
            f"   trust:         {s.trust_detail}",
        ]
        lines += [f"   problem:       {p.message} [{p.code}]" for p in s.problems]
    verdict = "every signature holds up" if result.ok else "NOT every signature holds up"
    if result.integrity_only:
        verdict += " (integrity only: the signers were NOT checked against trusted CAs)"
    return "\n".join([*lines, f"result: {verdict}"])
