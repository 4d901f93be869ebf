"""A real SMTP server on loopback for the delivery tests (aiosmtpd in a thread).

STARTTLS (a self-signed certificate made with openssl), or implicit TLS, and AUTH PLAIN/LOGIN
for one user. Every message the server accepts is recorded with its Message-ID; `delay` slows
each DATA down (after recording, before answering 250) so that a sender killed meanwhile leaves
a message the server has and the sender has not marked sent: the one possible duplicate.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = "campaign", "correct horse battery staple"


def make_certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    if not cert.exists():
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
             "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
            check=True, capture_output=True,
        )  # fmt: skip
    return cert, key


@dataclass
class Received:
    message_id: str
    rcpt: list[str]
    sender: str
    raw: bytes

    def parsed(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)  # type: ignore[return-value]


@dataclass
class Handler:
    delay: float = 0.0
    refuse_rcpt: dict[str, str] = field(default_factory=dict)  # rcpt -> "550 ..." / "451 ..."
    refuse_sender: str | None = None  # "553 ..."
    fail_data_once: set[str] = field(default_factory=set)  # rcpts whose first DATA gets 451
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if self.refuse_sender:
            return self.refuse_sender
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse_rcpt:
            return self.refuse_rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        rcpt = list(envelope.rcpt_tos)
        if any(r in self.fail_data_once for r in rcpt):
            self.fail_data_once.difference_update(rcpt)
            return "451 4.3.0 try again later"
        raw = bytes(envelope.original_content or envelope.content)
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        with self.lock:
            self.received.append(Received(str(msg["Message-ID"]).strip().strip("<>"), rcpt, envelope.mail_from, raw))
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 2.0.0 queued as test"

    def ids(self) -> list[str]:
        with self.lock:
            return [r.message_id for r in self.received]


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """start()/stop(); `port`, `handler`, `cafile`."""

    def __init__(self, folder: Path, handler: Handler | None = None, mode: str = "starttls"):
        cert, key = make_certificate(folder)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        self.cafile = cert
        self.handler = handler or Handler()
        self.port = free_port()
        options: dict[str, Any] = {"authenticator": _authenticate, "auth_require_tls": True}
        if mode == "ssl":
            options["ssl_context"] = context
        else:
            options.update(tls_context=context, require_starttls=True)
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, server_hostname="localhost", **options)

    def start(self) -> Server:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


# -- workspaces for delivery tests ------------------------------------------------------------

MAIL_CONFIG = """
[mail]
from = "Test Campaign <campaign@example.org>"
reply_to = "replies@example.org"
"""


def small_pdf(path: Path, subject: str = "Forced returns of North Korean escapees", keywords: str = "example, fict-0001") -> Path:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595.28, 841.89)
    writer.add_metadata({"/Subject": subject, "/Title": subject, "/Keywords": keywords})
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def fictional_addressees(count: int) -> tuple[str, list[str]]:
    """YAML for `count` fictional ministries at example.org / example.test, and their keys."""
    keys, chunks = [], []
    for n in range(1, count + 1):
        key = f"fict-{n:04d}"
        domain = "example.org" if n % 2 else "example.test"
        keys.append(key)
        chunks.append(
            f"{key}:\n  kind: foreign_ministry\n  title: {{en: Fictional Ministry {n}}}\n  salutation: {{en: Dear Sir or Madam}}\n"
            f"  email: office-{n:04d}@{domain}\n  languages: [en]\n  channels: [email]\n"
        )
    return "".join(chunks), keys


def mail_workspace(root: Path, count: int) -> tuple[Path, list[str], Path]:
    """An `advocate init` workspace with [mail], `count` fictional addressees and a small PDF."""
    from generator.scaffold import init_workspace

    ws = root / "ws"
    init_workspace(ws)
    with (ws / "advocate.toml").open("a", encoding="utf-8") as handle:
        handle.write(MAIL_CONFIG)
    text, keys = fictional_addressees(count)
    (ws / "letters" / "addressees.yaml").write_text(text, encoding="utf-8")
    return ws, keys, small_pdf(root / "letter.pdf")


def add_mail_templates(bundle: Path) -> None:
    """The conftest's bundle snapshot holds letters/_base only; the delivery tests need _mail too."""
    import shutil

    shutil.copytree(Path(__file__).resolve().parent.parent / "letters" / "_mail", bundle / "letters" / "_mail", dirs_exist_ok=True)
