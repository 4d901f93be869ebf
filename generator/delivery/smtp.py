"""The SMTP client that works through the outbox.

In: an `Outbox`, an SMTP server's address, security and credentials (`SmtpSettings`). Out: the
queued messages sent and their states recorded; a `SendReport`.

Each message is marked ``sending`` in its own committed transaction before the SMTP transaction
starts, and ``sent`` as soon as the server's 250 answer to the end of the message is read. Until
the end of the message has gone out the server cannot have kept it, so any failure before that
(4xx, dropped connection, timeout) puts it back to ``queued`` for a retry with exponential
back-off. After it (no answer within the data timeout, a dropped connection, an unreadable answer,
Ctrl-C) the server may have kept the message: it becomes ``unknown`` and is never re-sent without
the operator (`Outbox.resolve`). A 5xx is ``failed``. A refused login or sender stops the run and
leaves the message queued. The one residual case: a process killed (SIGKILL, power loss) between
the end of the message and recording the answer leaves the message ``sending``; the next run
re-sends it, with the same bytes and Message-ID. One ``send`` runs at a time (a lock file next to
the database).
"""

from __future__ import annotations

import heapq
import re
import select
import smtplib
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from ..core.errors import DeliveryError
from .outbox import Outbox, Row


@dataclass(kw_only=True, frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: Literal["plain", "starttls", "ssl"] = "plain"
    user: str | None = None
    password: str | None = None
    cafile: str | None = None
    timeout: float = 300.0  # connecting and each command (RFC 5321 4.5.3.2: 5 minutes)
    per_minute: float | None = None
    max_attempts: int = 5  # per message and per run, counting the first
    retry_delay: float = 2.0  # seconds before the first retry; doubles each time, at most 5 minutes
    data_timeout: float = 600.0  # the answer to the end of a message (RFC 5321: 10 minutes)

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass
class SendReport:
    sent: int = 0
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # (addressee, rcpt, reply)
    left: list[tuple[str, str, str]] = field(default_factory=list)  # still queued after max_attempts
    unknown: list[tuple[str, str, str]] = field(default_factory=list)  # the server may have them: the operator decides
    resumed: int = 0  # messages found 'sending' from an interrupted run
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.sent / self.seconds if self.seconds > 0 else 0.0


class _Temporary(Exception):
    def __init__(self, reply: str):
        super().__init__(reply)
        self.reply = reply


class _Permanent(Exception):
    def __init__(self, reply: str):
        super().__init__(reply)
        self.reply = reply


class _Unknown(Exception):
    """The end of the message went out and no usable answer came back."""

    def __init__(self, reply: str):
        super().__init__(reply)
        self.reply = reply


def _refusal(code: int, text: bytes | str) -> _Temporary | _Permanent:
    return (_Permanent if 500 <= code < 600 else _Temporary)(_answer(code, text))


def _answer(code: int, text: bytes | str) -> str:
    body = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {' '.join(body.split())}".strip()


def _connect(s: SmtpSettings) -> smtplib.SMTP:
    context = ssl.create_default_context(cafile=s.cafile) if s.security != "plain" else None
    try:
        if s.security == "ssl":
            conn: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        else:
            conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        # Nagle's algorithm would hold back the small last TLS record of each DATA until the
        # previous one is acknowledged (a delayed ACK: ~40 ms a message); STARTTLS keeps the socket
        if conn.sock is not None:  # always, once connected
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.ehlo()
        if s.security == "starttls":
            if not conn.has_extn("starttls"):
                conn.close()
                raise DeliveryError(
                    f"{s.where} does not offer STARTTLS", "--starttls", hint="use --ssl (port 465) or ask the server's admin"
                )
            conn.starttls(context=context)
            conn.ehlo()
    except ssl.SSLCertVerificationError as exc:
        raise DeliveryError(
            f"{s.where}: TLS certificate not trusted: {exc.verify_message}", "--smtp", hint="give the server's CA with --cafile PEM"
        ) from None
    except ssl.SSLError as exc:
        raise DeliveryError(
            f"{s.where}: TLS failed: {exc.reason or exc}", "--smtp", hint="--ssl for port 465, --starttls for 587"
        ) from None
    except smtplib.SMTPResponseException as exc:
        if 400 <= exc.smtp_code < 500:
            raise _Temporary(_answer(exc.smtp_code, exc.smtp_error)) from None
        raise DeliveryError(f"{s.where} refused the connection: {_answer(exc.smtp_code, exc.smtp_error)}", "--smtp") from None
    except (OSError, smtplib.SMTPException) as exc:
        raise _Temporary(f"cannot connect to {s.where}: {exc or type(exc).__name__}") from None
    if s.user:
        if s.security == "plain":
            conn.close()
            raise DeliveryError("refusing to send a password over an unencrypted connection", "--user", hint="add --starttls or --ssl")
        try:
            _login(conn, s.user, s.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            conn.close()
            raise DeliveryError(
                f"{s.where} refused the login for {s.user!r}: {_answer(exc.smtp_code, exc.smtp_error)}",
                "--user",
                hint="check the user name and ADVOCATE_SMTP_PASSWORD; nothing was sent",
            ) from None
        except smtplib.SMTPNotSupportedError:
            conn.close()
            raise DeliveryError(f"{s.where} does not offer AUTH here", "--user", hint="try --starttls, or drop --user") from None
        except (OSError, smtplib.SMTPException) as exc:
            conn.close()
            raise _Temporary(f"login interrupted: {exc or type(exc).__name__}") from None
    return conn


def _login(conn: smtplib.SMTP, user: str, password: str) -> None:
    """AUTH with one mechanism (PLAIN, else LOGIN, else what smtplib picks): trying the next
    mechanism after a refusal only delays the answer the user needs."""
    offered = conn.esmtp_features.get("auth", "").upper().split()
    if "PLAIN" in offered or "LOGIN" in offered:
        conn.user, conn.password = user, password
        mechanism = "PLAIN" if "PLAIN" in offered else "LOGIN"
        conn.auth(mechanism, conn.auth_plain if mechanism == "PLAIN" else conn.auth_login)
    else:
        conn.login(user, password)


def _envelope(conn: smtplib.SMTP, row: Row, where: str) -> None:
    """MAIL and RCPT for one message; raises DeliveryError (a refused sender stops the run),
    _Permanent or _Temporary."""
    try:
        code, text = conn.mail(row.sender)
        if code != 250:
            conn.rset()
            if 500 <= code < 600:
                raise DeliveryError(
                    f"{where} refused the sender {row.sender!r}: {_answer(code, text)}",
                    "advocate.toml [mail] from",
                    hint="use an address the server lets you send from; nothing more was sent",
                )
            raise _Temporary(_answer(code, text))
        code, text = conn.rcpt(row.rcpt)
        if code not in (250, 251):
            conn.rset()
            raise _refusal(code, text)
    except (smtplib.SMTPException, OSError) as exc:
        raise _Temporary(f"connection lost: {exc or type(exc).__name__}") from None


_LEADING_DOT = re.compile(rb"(?m)^\.")


def _send_message(conn: smtplib.SMTP, raw: bytes) -> None:
    """DATA, then the message and its end line in one write. Until that write is complete the
    server cannot have kept the message: a failure here is _Temporary (or DATA's refusal)."""
    try:
        code, text = conn.docmd("DATA")
    except (smtplib.SMTPException, OSError) as exc:
        raise _Temporary(f"connection lost: {exc or type(exc).__name__}") from None
    if code != 354:
        raise _refusal(code, text)
    payload = _LEADING_DOT.sub(b"..", raw)
    if not payload.endswith(b"\r\n"):
        payload += b"\r\n"
    try:
        if conn.sock is None:
            raise ConnectionError("not connected")
        conn.sock.sendall(payload + b".\r\n")
    except OSError as exc:
        conn.close()
        raise _Temporary(f"connection dropped before the end of the message: {exc or type(exc).__name__}") from None


def _final_answer(conn: smtplib.SMTP, data_timeout: float, timeout: float) -> str:
    """The answer to the end of the message, waited for up to `data_timeout` seconds: 2xx gives
    its text; 4xx/5xx raise _Temporary/_Permanent; silence, a dropped connection or an unreadable
    answer raise _Unknown (the server may have kept the message)."""
    if conn.sock is not None:
        conn.sock.settimeout(data_timeout)
    try:
        code, text = conn.getreply()
    except smtplib.SMTPException as exc:
        reason = f"no answer within {data_timeout:g} s" if isinstance(exc.__context__, TimeoutError) else f"connection dropped ({exc})"
        raise _Unknown(f"{reason} after the end of the message: the server may have kept it") from None
    if conn.sock is not None:
        conn.sock.settimeout(timeout)
    if 200 <= code < 300:
        return _answer(code, text)
    if 400 <= code < 600:
        raise _refusal(code, text)
    raise _Unknown(f"unreadable answer to the end of the message: {_answer(code, text)}")


def _usable(conn: smtplib.SMTP) -> bool:
    """False when the server closed the connection (or said something unasked) since its last answer."""
    if conn.sock is None:
        return False
    try:
        readable, _, _ = select.select([conn.sock], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable


def send(
    outbox: Outbox,
    settings: SmtpSettings,
    echo: Callable[[str], None] = lambda line: None,
    sleep: Callable[[float], None] = time.sleep,
) -> SendReport:
    """Send every queued message (and every one an interrupted run left 'sending')."""
    with outbox.exclusive():
        return _Sender(outbox, settings, echo, sleep).run()


class _Sender:
    def __init__(self, outbox: Outbox, settings: SmtpSettings, echo: Callable[[str], None], sleep: Callable[[float], None]):
        self.outbox, self.s, self.echo, self.sleep = outbox, settings, echo, sleep
        self.conn: smtplib.SMTP | None = None
        self.report = SendReport()
        self.tries: dict[int, int] = {}
        self.waiting: list[tuple[float, int]] = []  # (monotonic time when ready, row id)
        self.last_start = 0.0

    def run(self) -> SendReport:
        start = time.monotonic()
        ready = self.outbox.pending_ids()
        self.report.resumed = sum(1 for r in self.outbox.rows(("sending",)))
        try:
            while ready or self.waiting:
                if not ready:
                    when, row_id = heapq.heappop(self.waiting)
                    self.sleep(max(0.0, when - time.monotonic()))
                    ready.append(row_id)
                self._one(ready.pop(0))
        finally:
            self._hang_up()
            self.report.seconds = time.monotonic() - start
        return self.report

    def _pace(self) -> None:
        if self.s.per_minute:
            gap = 60.0 / self.s.per_minute - (time.monotonic() - self.last_start)
            if gap > 0:
                self.sleep(gap)
        self.last_start = time.monotonic()

    def _hang_up(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except (OSError, smtplib.SMTPException):
                self.conn.close()
            self.conn = None

    def _ensure_connection(self) -> None:
        if self.conn is not None and not _usable(self.conn):
            self._hang_up_quietly()  # e.g. closed right after its 250: reconnect, no retry counted
        failures = 0
        while self.conn is None:
            try:
                self.conn = _connect(self.s)
            except _Temporary as exc:
                failures += 1
                if failures >= self.s.max_attempts:
                    raise DeliveryError(
                        f"{exc.reply} ({failures} attempts)",
                        "--smtp",
                        hint="the messages stay queued; run `advocate mail send` again later",
                    ) from None
                self.echo(f"retrying the connection: {exc.reply}")
                self.sleep(self._delay(failures))

    def _delay(self, attempt: int) -> float:
        return float(min(self.s.retry_delay * 2 ** (attempt - 1), 300.0))

    def _one(self, row_id: int) -> None:
        self._pace()
        self._ensure_connection()  # before the claim: a refused login touches no message
        row = self.outbox.claim(row_id)
        if row is None:
            return
        try:
            reply = self._transaction(row)
        except DeliveryError as exc:
            self.outbox.release(row_id, exc.msg)
            raise
        except _Permanent as exc:
            self.outbox.mark_failed(row_id, exc.reply)
            self.report.failed.append((row.addressee, row.rcpt, exc.reply))
            self.echo(f"failed {row.addressee} <{row.rcpt}> ({row.lang}): {exc.reply}")
            return
        except _Temporary as exc:
            self._retry_later(row, exc.reply)
            return
        except _Unknown as exc:
            self.outbox.mark_unknown(row_id, exc.reply)
            self._hang_up_quietly()
            self.report.unknown.append((row.addressee, row.rcpt, exc.reply))
            self.echo(f"unknown {row.addressee} <{row.rcpt}> ({row.lang}) <{row.message_id}>: {exc.reply}")
            return
        self.outbox.mark_sent(row_id, reply)  # right after the 250, before anything else is said
        self.report.sent += 1
        self.echo(f"sent {row.addressee} <{row.rcpt}> ({row.lang}): {reply}")

    def _transaction(self, row: Row) -> str:
        """MAIL, RCPT, DATA for one message: the server's 2xx answer, or an exception. Killed
        before the end of the message went out, the message stays 'sending' and the next run
        sends it; interrupted (Ctrl-C) while waiting for the answer, it is 'unknown'."""
        assert self.conn is not None
        _envelope(self.conn, row, self.s.where)
        _send_message(self.conn, self.outbox.raw(row.id))
        try:
            return _final_answer(self.conn, self.s.data_timeout, self.s.timeout)
        except KeyboardInterrupt:
            self.outbox.mark_unknown(row.id, "interrupted while waiting for the answer to the end of the message")
            raise

    def _retry_later(self, row: Row, reply: str) -> None:
        self.outbox.release(row.id, reply)
        self._hang_up_quietly()
        tries = self.tries[row.id] = self.tries.get(row.id, 0) + 1
        if tries >= self.s.max_attempts:
            self.report.left.append((row.addressee, row.rcpt, reply))
            self.echo(f"still queued {row.addressee} <{row.rcpt}> after {tries} attempts: {reply}")
            return
        delay = self._delay(tries)
        self.echo(f"retry {row.addressee} <{row.rcpt}> in {delay:g} s: {reply}")
        heapq.heappush(self.waiting, (time.monotonic() + delay, row.id))

    def _hang_up_quietly(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            finally:
                self.conn = None
