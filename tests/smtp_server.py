"""SMTP servers on loopback for the delivery tests.

`Server`: a real one (aiosmtpd in a thread) with STARTTLS (a self-signed certificate made with
openssl) or implicit TLS, and AUTH PLAIN/LOGIN for one user. Every message the server accepts is
recorded with its Message-ID; `delay` slows each DATA down (after recording, before answering 250)
so that a sender killed meanwhile leaves a message the server has and the sender has not marked
sent: the one possible duplicate.

`FaultServer`: a small asyncio server (plain SMTP, no AUTH) that misbehaves on purpose at the
points aiosmtpd has no hook for: in the middle of DATA, between keeping a message and answering,
right after answering; and that goes down and comes back on the same port.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
import socket
import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesHeaderParser
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


# -- a server that fails on purpose ------------------------------------------------------------

FAULTS = ("slow-reply", "drop-before-reply", "drop-after-accept", "drop-mid-data", "451", "554")


class FaultServer:
    """start()/stop()/close(); `port`, `received` (the messages it kept, in order).

    `faults[rcpt]`: the faults of that recipient's successive DATA attempts (then it behaves);
    `every`: the fault of every other DATA. Faults (FAULTS):
    slow-reply        keeps the message, answers 250 after `slow` seconds;
    drop-before-reply keeps the message, closes the connection without answering;
    drop-after-accept keeps the message, answers 250, closes the connection;
    drop-mid-data     answers 354, stops reading, and resets the connection `hold` seconds later
                      (a message bigger than the socket buffers is then still being sent);
    451, 554          reads the message and refuses it (nothing kept).
    `down_after`: after keeping that many messages it answers 250 and goes down (listener and
    connections closed) until start() is called again."""

    def __init__(self, slow: float = 0.5, hold: float = 0.05):
        self.port, self.slow, self.hold = free_port(), slow, hold
        self.faults: dict[str, list[str]] = {}
        self.every: str | None = None
        self.down_after: int | None = None
        self.received: list[Received] = []
        self._listener: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

    def start(self) -> FaultServer:
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(5)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._down(), self._loop).result(5)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self._end(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    def count(self, message_id: str) -> int:
        return sum(1 for r in self.received if r.message_id == message_id)

    async def _listen(self) -> None:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 16)  # small: a held-up sender blocks soon
        sock.bind(("127.0.0.1", self.port))
        sock.listen(16)
        sock.setblocking(False)
        self._listener = await asyncio.start_server(self._session, sock=sock, limit=1 << 26)

    async def _down(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        for writer in list(self._writers):
            writer.transport.abort()

    async def _end(self) -> None:
        await self._down()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            await self._dialogue(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.CancelledError):
            pass  # the client went away, or the server is closing: nothing to answer
        finally:
            self._writers.discard(writer)
            writer.transport.abort()

    async def _dialogue(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 fault.test ESMTP\r\n")
        sender, rcpts = "", []
        while line := await reader.readline():
            verb, _, arg = line.decode("ascii", "replace").strip().partition(" ")
            verb = verb.upper()
            address = m.group(1) if (m := re.search(r"<([^>]*)>", arg)) else ""
            if verb == "DATA":
                if not await self._data(reader, writer, sender, rcpts):
                    return
                sender, rcpts = "", []
                continue
            if verb == "MAIL":
                sender, rcpts = address, []
            elif verb == "RCPT":
                rcpts.append(address)
            elif verb == "RSET":
                sender, rcpts = "", []
            elif verb == "QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                return
            known = verb in ("EHLO", "HELO", "MAIL", "RCPT", "RSET", "NOOP")
            writer.write(b"250-fault.test\r\n250 8BITMIME\r\n" if verb == "EHLO" else b"250 OK\r\n" if known else b"502 no\r\n")
            await writer.drain()

    async def _data(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, sender: str, rcpts: list[str]) -> bool:
        """One DATA with its fault; False when the connection is gone."""
        fault = next((self.faults[r].pop(0) for r in rcpts if self.faults.get(r)), self.every)
        if fault == "drop-mid-data":
            writer.transport.pause_reading()
        writer.write(b"354 end with <CRLF>.<CRLF>\r\n")
        await writer.drain()
        if fault == "drop-mid-data":
            await asyncio.sleep(self.hold)
            writer.transport.abort()
            return False
        raw = re.sub(rb"(?m)^\.\.", b".", (await reader.readuntil(b"\r\n.\r\n"))[:-3])
        if fault in ("451", "554"):
            writer.write(f"{fault} {fault[0]}.3.0 refused on purpose\r\n".encode())
            await writer.drain()
            return True
        message_id = str(BytesHeaderParser(policy=email.policy.default).parsebytes(raw)["Message-ID"]).strip().strip("<>")
        self.received.append(Received(message_id, list(rcpts), sender, raw))
        if fault == "drop-before-reply":
            return False
        if fault == "slow-reply":
            await asyncio.sleep(self.slow)
        writer.write(b"250 2.0.0 kept\r\n")
        await writer.drain()
        if self.down_after is not None and len(self.received) >= self.down_after:
            await self._down()
            return False
        return fault != "drop-after-accept"


# -- workspaces for delivery tests ------------------------------------------------------------

MAIL_CONFIG = """
[mail]
from = "Test Campaign <campaign@example.org>"
reply_to = "replies@example.org"
"""


def small_pdf(
    path: Path, subject: str = "Forced returns of North Korean escapees", keywords: str = "example, fict-0001", padding: int = 0
) -> Path:
    """A one-page PDF; `padding` bytes of random data attached make it as big as a test needs."""
    import os

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595.28, 841.89)
    if padding:
        writer.add_attachment("padding.bin", os.urandom(padding))
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
    from generator.tools.scaffold import init_workspace

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
