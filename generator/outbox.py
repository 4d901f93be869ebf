"""The outbox: an SQLite ledger of messages to send, and the sender that works through it.

In: `Outgoing` messages (`Outbox.queue`), an SMTP server's address, security and credentials
(`send`). Out: one row per Message-ID in ``<workspace>/outbox.sqlite`` with its state, attempts and
the server's last answer; a `SendReport`.

States: ``queued`` → ``sending`` → ``sent`` | ``failed``. The database runs in WAL mode with full
synchronisation. Each message is marked ``sending`` in its own committed transaction before the
SMTP transaction starts and ``sent`` (with the server's 250 answer) in another right after it: a
process killed at any point loses nothing, and the next ``send`` re-sends what it finds in
``sending`` with the same bytes and Message-ID. So the only possible duplicate is a message the
server accepted just before the process died, and the recipient can recognise it by its
Message-ID. Temporary failures (4xx, dropped connections, timeouts) go back to ``queued`` and are
retried with exponential back-off; permanent ones (5xx) are ``failed``. A refused login or a
refused sender stops the run and leaves the message queued. One ``send`` runs at a time (a lock
file next to the database).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import heapq
import os
import smtplib
import socket
import sqlite3
import ssl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .errors import DeliveryError, Where
from .mailing import Outgoing

OUTBOX_NAME = "outbox.sqlite"
SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL UNIQUE,
    letter TEXT NOT NULL,
    addressee TEXT NOT NULL,
    lang TEXT NOT NULL,
    version TEXT NOT NULL,
    sender TEXT NOT NULL,
    rcpt TEXT NOT NULL,
    subject TEXT NOT NULL,
    filename TEXT NOT NULL,
    raw BLOB NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_reply TEXT NOT NULL DEFAULT '',
    queued_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX IF NOT EXISTS messages_state ON messages (state, id);
"""
State = Literal["queued", "sending", "sent", "failed"]
STATES: tuple[State, ...] = ("queued", "sending", "sent", "failed")


def outbox_path(user_root: Path | None) -> Path:
    """``<workspace>/outbox.sqlite``: the --workspace folder, else the current folder."""
    return (user_root or Path.cwd()) / OUTBOX_NAME


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Row:
    id: int
    message_id: str
    letter: str
    addressee: str
    lang: str
    sender: str
    rcpt: str
    subject: str
    state: State
    attempts: int
    last_reply: str
    updated_at: str


class Outbox:
    def __init__(self, path: Path, create: bool = True):
        self.path = path
        if not create and not path.exists():
            raise DeliveryError("no outbox here", Where(path), hint="queue messages first with `advocate mail queue`")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise DeliveryError(f"cannot open the outbox: {exc}", Where(path)) from None

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- queueing ---------------------------------------------------------------------------

    def queue(self, messages: list[Outgoing]) -> tuple[list[Outgoing], list[tuple[Outgoing, State]]]:
        """Add messages in one transaction. Returns (added, [(already there, its state)])."""
        added: list[Outgoing] = []
        present: list[tuple[Outgoing, State]] = []
        now = _now()
        with self._tx() as db:
            for m in messages:
                found = db.execute("SELECT state FROM messages WHERE message_id = ?", (m.message_id,)).fetchone()
                if found:
                    present.append((m, found[0]))
                    continue
                db.execute(
                    "INSERT INTO messages (message_id, letter, addressee, lang, version, sender, rcpt, subject, filename, raw,"
                    " queued_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (m.message_id, m.letter, m.addressee, m.lang, m.version, m.sender, m.rcpt, m.subject, m.filename, m.raw, now, now),
                )
                added.append(m)
        return added, present

    # -- reading ----------------------------------------------------------------------------

    def rows(self, states: tuple[str, ...] = STATES) -> list[Row]:
        marks = ",".join("?" * len(states))
        cur = self.db.execute(
            "SELECT id, message_id, letter, addressee, lang, sender, rcpt, subject, state, attempts, last_reply, updated_at"
            f" FROM messages WHERE state IN ({marks}) ORDER BY addressee, letter, lang, id",
            states,
        )
        return [Row(*r) for r in cur.fetchall()]

    def counts(self) -> dict[str, int]:
        found = dict(self.db.execute("SELECT state, COUNT(*) FROM messages GROUP BY state").fetchall())
        return {s: found.get(s, 0) for s in STATES}

    def pending_ids(self) -> list[int]:
        """Messages to send: interrupted ones ('sending') first, then the queue in order."""
        cur = self.db.execute("SELECT id FROM messages WHERE state IN ('sending', 'queued') ORDER BY state = 'queued', id")
        return [r[0] for r in cur.fetchall()]

    def raw(self, row_id: int) -> bytes:
        return bytes(self.db.execute("SELECT raw FROM messages WHERE id = ?", (row_id,)).fetchone()[0])

    # -- state changes, each its own committed transaction ------------------------------------

    def claim(self, row_id: int) -> Row | None:
        """Mark a queued (or interrupted) message 'sending' before its SMTP transaction starts."""
        with self._tx() as db:
            cur = db.execute(
                "UPDATE messages SET state = 'sending', attempts = attempts + 1, updated_at = ?"
                " WHERE id = ? AND state IN ('queued', 'sending')",
                (_now(), row_id),
            )
            if cur.rowcount != 1:
                return None
            found = db.execute(
                "SELECT id, message_id, letter, addressee, lang, sender, rcpt, subject, state, attempts, last_reply, updated_at"
                " FROM messages WHERE id = ?",
                (row_id,),
            ).fetchone()
        return Row(*found)

    def _set(self, row_id: int, state: State, reply: str) -> None:
        now = _now()
        with self._tx() as db:
            db.execute(
                "UPDATE messages SET state = ?, last_reply = ?, updated_at = ?, sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END"
                " WHERE id = ?",
                (state, reply, now, state, now, row_id),
            )

    def mark_sent(self, row_id: int, reply: str) -> None:
        self._set(row_id, "sent", reply)

    def mark_failed(self, row_id: int, reply: str) -> None:
        self._set(row_id, "failed", reply)

    def release(self, row_id: int, reply: str) -> None:
        """Back to 'queued': the server did not take the message (or we cannot know it did)."""
        self._set(row_id, "queued", reply)

    def requeue_failed(self) -> int:
        with self._tx() as db:
            return db.execute("UPDATE messages SET state = 'queued', updated_at = ? WHERE state = 'failed'", (_now(),)).rowcount

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Only one `send` at a time on this outbox (released by the kernel if the process dies)."""
        lock_path = self.path.with_name(self.path.name + ".lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise DeliveryError(
                    "another `advocate mail send` is working on this outbox", Where(self.path), hint="wait for it to finish"
                ) from None
            yield
        finally:
            os.close(fd)


# -- sending ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: Literal["plain", "starttls", "ssl"] = "plain"
    user: str | None = None
    password: str | None = None
    cafile: str | None = None
    timeout: float = 30.0
    per_minute: float | None = None
    max_attempts: int = 5  # per message and per run, counting the first
    retry_delay: float = 2.0  # seconds before the first retry; doubles each time, at most 5 minutes

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass
class SendReport:
    sent: int = 0
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # (addressee, rcpt, reply)
    left: list[tuple[str, str, str]] = field(default_factory=list)  # still queued after max_attempts
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


def _transaction(conn: smtplib.SMTP, row: Row, raw: bytes, where: str) -> str:
    """MAIL, RCPT, DATA for one message; the server's final answer, or an exception."""
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
            raise (_Permanent if 500 <= code < 600 else _Temporary)(_answer(code, text))
        code, text = conn.data(raw)  # smtplib checks the 354, not the final answer
        if code != 250:
            raise (_Permanent if 500 <= code < 600 else _Temporary)(_answer(code, text))
        return _answer(code, text)
    except smtplib.SMTPDataError as exc:
        raise (_Permanent if 500 <= exc.smtp_code < 600 else _Temporary)(_answer(exc.smtp_code, exc.smtp_error)) from None
    except smtplib.SMTPServerDisconnected as exc:
        raise _Temporary(f"connection dropped: {exc}") from None
    except smtplib.SMTPResponseException as exc:
        raise (_Permanent if 500 <= exc.smtp_code < 600 else _Temporary)(_answer(exc.smtp_code, exc.smtp_error)) from None
    except (TimeoutError, OSError) as exc:
        raise _Temporary(f"connection lost: {exc or type(exc).__name__}") from None


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
        assert self.conn is not None
        try:
            reply = _transaction(self.conn, row, self.outbox.raw(row_id), self.s.where)
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
        except BaseException:
            raise  # KeyboardInterrupt: the message stays 'sending' and is re-sent by the next run
        self.outbox.mark_sent(row_id, reply)
        self.report.sent += 1
        self.echo(f"sent {row.addressee} <{row.rcpt}> ({row.lang}): {reply}")

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
