"""`make bench`: mail delivery through the documented commands to a loopback SMTP server.

A fresh workspace with BENCH_MAIL_COUNT fictional addressees (1,000 by default), the real
china-nonrefoulement letter in Arabic attached (about 40 KB: rendered first with `advocate
render`), queued with `advocate mail queue --pdf`, then sent with `advocate mail send --smtp
127.0.0.1:PORT --starttls --cafile CERT --user USER` (password from ADVOCATE_SMTP_PASSWORD) to
aiosmtpd in this process (tests/smtp_server.py: STARTTLS required, AUTH PLAIN/LOGIN), and once
more with implicit TLS (`--ssl`, no login) into a second workspace. Prints messages per second
measured around the whole `mail send` process (start-up included) and the rate the command
reports itself (sending only). Every message must arrive exactly once.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

from measure import measured

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from smtp_server import PASSWORD, USER, Handler, Received, Server, mail_workspace  # noqa: E402

COUNT = int(os.environ.get("BENCH_MAIL_COUNT", "1000"))
EXE = Path(sys.executable).with_name("advocate")
MESSAGE_ID = re.compile(rb"^Message-ID:\s*<([^>]+)>", re.IGNORECASE | re.MULTILINE)


class QuickHandler(Handler):
    """The tests' handler without parsing each message with the email package (~3 ms a message,
    half of this in-process server's time): the Message-ID is read from the header block."""

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        raw = bytes(envelope.original_content or envelope.content)  # type: ignore[attr-defined]
        found = MESSAGE_ID.search(raw.split(b"\r\n\r\n", 1)[0])
        with self.lock:
            self.received.append(Received(found.group(1).decode() if found else "", [], "", raw))
        return "250 2.0.0 queued as bench"


def attachment(folder: Path) -> Path:
    """The real letter as a PDF of about 40 KB (Arabic: its fonts make it that size)."""
    pdf = folder / "letter-ar.pdf"
    cmd = [str(EXE), "render", "china-nonrefoulement", "--to", "cn-president", "--lang", "ar", "--date", "2026-11-23", "--out", str(pdf)]
    measured(cmd, cwd=REPO)
    return pdf


def queued_workspace(folder: Path, pdf: Path) -> Path:
    """A workspace with COUNT messages queued, each with `pdf` attached."""
    folder.mkdir()
    ws, keys, _blank = mail_workspace(folder, COUNT)
    measured([str(EXE), "-w", str(ws), "mail", "queue", "example", "--to", ",".join(keys), "--pdf", str(pdf)])
    return ws


def send(ws: Path, security: str, folder: Path) -> tuple[float, str]:
    """`advocate mail send` of everything queued in `ws`: (messages/s around the process, its own report line)."""
    server = Server(folder, QuickHandler(), mode="ssl" if security == "ssl" else "starttls").start()
    try:
        login = ["--starttls", "--user", USER] if security == "starttls" else ["--ssl"]
        args = [*login, "--cafile", str(server.cafile)]
        env = {**os.environ, "ADVOCATE_SMTP_PASSWORD": PASSWORD}
        cmd = [str(EXE), "-w", str(ws), "mail", "send", "--smtp", f"127.0.0.1:{server.port}", *args, "--quiet"]
        run = measured(cmd, env=env)
    finally:
        server.stop()
    ids = server.handler.ids()
    if len(ids) != COUNT or len(set(ids)) != COUNT:
        raise SystemExit(f"{security}: {len(set(ids))} distinct of {len(ids)} received for {COUNT} queued")
    return COUNT / run.seconds, run.stdout.strip().splitlines()[-1]


def main() -> None:
    print(f"\nmail: {COUNT} messages, the letter in Arabic attached, `advocate mail send` to aiosmtpd on loopback:")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pdf = attachment(folder)
        print(f"  attachment {pdf.stat().st_size / 1024:.0f} KB")
        for security in ("starttls", "ssl"):
            ws = queued_workspace(folder / security, pdf)
            rate, line = send(ws, security, folder / security)
            label = "--starttls --user (login)" if security == "starttls" else "--ssl (implicit TLS)"
            print(f"  {label:26}  {rate:6.1f} messages/s with start-up; the command: {line}")


if __name__ == "__main__":
    main()
