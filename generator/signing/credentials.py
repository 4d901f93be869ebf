"""Keys and certificates: a signing key and its certificate chain, read and checked.

In: a PKCS#12 file, or a PEM key with its certificate; a passphrase asked only when the key is
encrypted. Out: `Credentials` for `sign_pdf`; a `SigningError` naming the file for a key that
cannot be read, a wrong passphrase, a certificate that does not match or has expired.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import SigningError

PassphraseSource = Callable[[], str | None]
"""Asked only when a key turns out to be encrypted; returns the passphrase (None: none given)."""


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


def load_certs(path: Path, what: str) -> list[Any]:
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
            found = load_certs(key, "key file")
            certificate, extra = found[0], found[1:]
    else:
        private_key, certificate, extra = _load_pkcs12(key, data, passphrase)
    if cert is not None:
        given = load_certs(cert, "cert file")
        certificate, extra = given[0], given[1:] + extra
    if certificate is None:
        raise SigningError(f"no certificate for the key in {key}", "--cert", hint="give the signer's certificate with --cert CERT.pem")
    for path in chain:
        extra += load_certs(path, "chain file")
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
