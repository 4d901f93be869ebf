"""An offline test PKI for the signing tests, built with `cryptography`.

`make_pki(folder)` writes a root CA, two signers (A as PKCS#12, B as PEM certificate plus a
PEM key encrypted with a passphrase), a signer whose certificate has expired, signers nobody
should trust (a self-signed one, and one issued by a rogue CA that copies the root CA's name), a
timestamp authority, and an NSS database trusting the root CA for poppler's `pdfsig`. `LocalTSA` serves
RFC 3161 timestamps over HTTP on 127.0.0.1 (pyHanko's `DummyTimeStamper` answers), so the
CLI's `--timestamp-url` path is tested against a real HTTP exchange without the network.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PASS_A = "alpha passphrase"
PASS_B = "beta-passphrase"
NOW = dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Pki:
    folder: Path
    ca_pem: Path  # root CA certificate
    a_p12: Path  # signer A: PKCS#12 with key, certificate and CA (passphrase PASS_A)
    b_cert: Path  # signer B: PEM certificate
    b_key: Path  # signer B: PEM key encrypted with PASS_B
    expired_p12: Path  # a signer whose certificate expired (passphrase PASS_A)
    other_ca_pem: Path  # a CA nobody trusts here
    tsa_cert: x509.Certificate
    tsa_key: rsa.RSAPrivateKey
    ca_cert: x509.Certificate
    nss_dir: Path | None  # NSS database trusting ca_pem (None when certutil is missing)
    self_signed_p12: Path  # a signer who issued their own certificate (passphrase PASS_A)
    rogue_p12: Path  # a signer issued by a rogue CA named like the root CA (passphrase PASS_A)


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(cn: str, org: str = "Advocate Test PKI") -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CH"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _cert(
    subject: x509.Name,
    key: rsa.RSAPrivateKey,
    issuer: x509.Name,
    issuer_key: rsa.RSAPrivateKey,
    *,
    ca: bool = False,
    tsa: bool = False,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
) -> x509.Certificate:
    not_before = not_before or NOW - dt.timedelta(days=30)
    not_after = not_after or NOW + dt.timedelta(days=365)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    )
    usage = dict(
        digital_signature=not ca,
        content_commitment=not ca and not tsa,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )
    builder = builder.add_extension(x509.KeyUsage(**usage), critical=True)
    if tsa:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _p12(path: Path, name: str, key: rsa.RSAPrivateKey, cert: x509.Certificate, ca: x509.Certificate, passphrase: str) -> Path:
    data = pkcs12.serialize_key_and_certificates(name.encode(), key, cert, [ca], serialization.BestAvailableEncryption(passphrase.encode()))
    path.write_bytes(data)
    return path


def make_pki(folder: Path) -> Pki:
    folder.mkdir(parents=True, exist_ok=True)
    ca_key = _key()
    ca_name = _name("Advocate Test Root CA")
    ca = _cert(ca_name, ca_key, ca_name, ca_key, ca=True, not_before=NOW - dt.timedelta(days=400), not_after=NOW + dt.timedelta(days=3650))
    (folder / "ca.pem").write_bytes(_pem(ca))

    a_key = _key()
    a_cert = _cert(_name("Alice Example", "Example Coalition for North Korean Refugees"), a_key, ca_name, ca_key)
    a_p12 = _p12(folder / "alice.p12", "alice", a_key, a_cert, ca, PASS_A)

    b_key = _key()
    b_cert = _cert(_name("Bora Kim", "Seoul Refugee Rights Centre"), b_key, ca_name, ca_key)
    (folder / "bora.pem").write_bytes(_pem(b_cert))
    key_pem = b_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.BestAvailableEncryption(PASS_B.encode())
    )
    (folder / "bora.key").write_bytes(key_pem)

    old_key = _key()
    old_cert = _cert(
        _name("Olga Expired"), old_key, ca_name, ca_key, not_before=NOW - dt.timedelta(days=300), not_after=NOW - dt.timedelta(days=2)
    )
    expired = _p12(folder / "expired.p12", "expired", old_key, old_cert, ca, PASS_A)

    other_key = _key()
    other_name = _name("Some Other CA")
    other = _cert(other_name, other_key, other_name, other_key, ca=True)
    (folder / "other-ca.pem").write_bytes(_pem(other))

    self_key = _key()
    self_name = _name("Mallory Selfsigned")
    self_cert = _cert(self_name, self_key, self_name, self_key)
    self_signed = _p12(folder / "self-signed.p12", "self", self_key, self_cert, self_cert, PASS_A)

    rogue_ca_key = _key()
    rogue_ca = _cert(ca_name, rogue_ca_key, ca_name, rogue_ca_key, ca=True)  # same name, other key
    rogue_key = _key()
    rogue_cert = _cert(_name("Alice Example", "Example Coalition for North Korean Refugees"), rogue_key, ca_name, rogue_ca_key)
    rogue = _p12(folder / "rogue.p12", "rogue", rogue_key, rogue_cert, rogue_ca, PASS_A)

    tsa_key = _key()
    tsa_cert = _cert(_name("Advocate Test TSA"), tsa_key, ca_name, ca_key, tsa=True)
    return Pki(
        folder,
        folder / "ca.pem",
        a_p12,
        folder / "bora.pem",
        folder / "bora.key",
        expired,
        folder / "other-ca.pem",
        tsa_cert,
        tsa_key,
        ca,
        _nss_db(folder / "nss", folder / "ca.pem"),
        self_signed,
        rogue,
    )


def _nss_db(folder: Path, ca_pem: Path) -> Path | None:
    if shutil.which("certutil") is None:
        return None
    folder.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{folder}", "--empty-password"], check=True, capture_output=True)
    subprocess.run(
        ["certutil", "-A", "-n", "advocate-test-ca", "-t", "CT,C,C", "-i", str(ca_pem), "-d", f"sql:{folder}"],
        check=True,
        capture_output=True,
    )
    return folder


class LocalTSA:
    """An RFC 3161 timestamp server on 127.0.0.1 (a thread), signing with the test TSA key."""

    def __init__(self, pki: Pki, fail: bool = False):
        from asn1crypto import keys, tsp
        from asn1crypto import x509 as asn1_x509
        from pyhanko.sign.timestamps import DummyTimeStamper

        der = serialization.Encoding.DER
        stamper = DummyTimeStamper(
            tsa_cert=asn1_x509.Certificate.load(pki.tsa_cert.public_bytes(der)),
            tsa_key=keys.PrivateKeyInfo.load(
                pki.tsa_key.private_bytes(der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
            ),
            certs_to_embed=[asn1_x509.Certificate.load(pki.ca_cert.public_bytes(der))],
        )
        self.requests = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                outer.requests += 1
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if fail:
                    self.send_response(503)
                    self.end_headers()
                    return
                response = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(response)))
                self.end_headers()
                self.wfile.write(response)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/tsa"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LocalTSA:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
