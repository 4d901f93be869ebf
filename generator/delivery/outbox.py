"""The outbox: an SQLite ledger of messages to send, and the sender that works through it.

In: `Outgoing` messages (`Outbox.queue`), an SMTP server's address, security and credentials
(`send`), the operator's decision on a message of unknown fate (`Outbox.resolve`). Out: one row
per Message-ID in ``<workspace>/outbox.sqlite`` with its campaign, state, attempts and the server's
last answer; a `SendReport`.

At most one letter per addressee and campaign. A campaign is (letter, addressee, language, the
letter's variables with their defaults); the letter date and --confidential are not part of it.
Queuing a campaign that already has a message does nothing unless forced; a forced new version
withdraws the older one if it is still queued.

States: ``queued`` → ``sending`` → ``sent`` | ``failed`` | ``unknown``; ``withdrawn``. The database
runs in WAL mode with full synchronisation. Each message is marked ``sending`` in its own committed
transaction before the SMTP transaction starts, and ``sent`` as soon as the server's 250 answer to
the end of the message is read. Until the end of the message has gone out the server cannot have
kept it, so any failure before that (4xx, dropped connection, timeout) puts it back to ``queued``
for a retry with exponential back-off. After it (no answer within the data timeout, a dropped
connection, an unreadable answer, Ctrl-C) the server may have kept the message: it becomes
``unknown`` and is never re-sent without the operator (`resolve`). A 5xx is ``failed``. A refused
login or sender stops the run and leaves the message queued. The one residual case: a process
killed (SIGKILL, power loss) between the end of the message and recording the answer leaves the
message ``sending``; the next run re-sends it, with the same bytes and Message-ID. One ``send``
runs at a time (a lock file next to the database).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import heapq
import os
import re
import select
import smtplib
import socket
import sqlite3
import ssl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ..core.errors import DeliveryError, Where

if TYPE_CHECKING:  # annotations only: the mail commands import this module without the letter machinery
    from .mailing import Outgoing

OUTBOX_NAME = "outbox.sqlite"
SCHEMA_VERSION = 2  # 2: campaign column, states 'unknown' and 'withdrawn'
SCHEMA = (
    """CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL UNIQUE,
    letter TEXT NOT NULL,
    addressee TEXT NOT NULL,
    lang TEXT NOT NULL,
    campaign TEXT,
    version TEXT NOT NULL,
    sender TEXT NOT NULL,
    rcpt TEXT NOT NULL,
    subject TEXT NOT NULL,
    filename TEXT NOT NULL,
    raw BLOB NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'unknown', 'withdrawn')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_reply TEXT NOT NULL DEFAULT '',
    queued_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    sent_at TEXT
)""",
    "CREATE INDEX IF NOT EXISTS messages_state ON messages (state, id)",
    "CREATE INDEX IF NOT EXISTS messages_identity ON messages (letter, addressee, lang)",
)
# campaign: the letter's variables as canonical JSON; NULL for messages queued before version 2,
# which then stand for every campaign of their letter, addressee and language.
V1_COLUMNS = (
    "id, message_id, letter, addressee, lang, version, sender, rcpt, subject, filename, raw, state, attempts, last_reply,"
    " queued_at, updated_at, sent_at"
)
State = Literal["queued", "sending", "sent", "failed", "unknown", "withdrawn"]
STATES: tuple[State, ...] = ("queued", "sending", "sent", "failed", "unknown", "withdrawn")
ROW_COLUMNS = "id, message_id, letter, addressee, lang, sender, rcpt, subject, state, attempts, last_reply, updated_at"
EARLIER_COLUMNS = "id, message_id, state, COALESCE(sent_at, queued_at), campaign"


def outbox_path(user_root: Path | None) -> Path:
    """``<workspace>/outbox.sqlite``: the --workspace folder, else the current folder."""
    return (user_root or Path.cwd()) / OUTBOX_NAME


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def _update(db: sqlite3.Connection, row_id: int, state: State, reply: str) -> None:
    now = _now()
    db.execute(
        "UPDATE messages SET state = ?, last_reply = ?, updated_at = ?, sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END"
        " WHERE id = ?",
        (state, reply, now, state, now, row_id),
    )


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


@dataclass(frozen=True)
class Earlier:
    """A message already in the outbox for the same letter, addressee and language."""

    id: int
    message_id: str
    state: State
    at: str  # when it was sent, else when it was queued (ISO 8601, UTC)
    campaign: str | None

    @property
    def day(self) -> str:
        return self.at[:10]


@dataclass
class Queued:
    """What `Outbox.queue` did with one message."""

    message: Outgoing
    added: bool
    earlier: Earlier | None = None  # not added: the identical message, or the campaign's message
    withdrawn: list[Earlier] = field(default_factory=list)  # forced: the older versions it replaces
    others: list[Earlier] = field(default_factory=list)  # added: the same letter with other variables

    @property
    def identical(self) -> bool:
        return self.earlier is not None and self.earlier.message_id == self.message.message_id


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
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise DeliveryError(f"cannot open the outbox: {exc}", Where(path)) from None

    def _migrate(self) -> None:
        """Create the schema, or bring an outbox of an older version up to date (rows kept)."""
        with self._tx() as db:
            if db.execute("PRAGMA user_version").fetchone()[0] >= SCHEMA_VERSION:
                return
            old = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'messages'").fetchone()
            if old:
                db.execute("ALTER TABLE messages RENAME TO messages_v1")
                db.execute("DROP INDEX IF EXISTS messages_state")
            for statement in SCHEMA:
                db.execute(statement)
            if old:
                db.execute(f"INSERT INTO messages ({V1_COLUMNS}) SELECT {V1_COLUMNS} FROM messages_v1")
                db.execute("DROP TABLE messages_v1")
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

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

    def queue(self, messages: list[Outgoing], force: bool = False) -> list[Queued]:
        """Add messages in one transaction, at most one per campaign: a message whose Message-ID is
        there, or whose campaign already has a message (not withdrawn), is not added unless
        `force`; forced, it withdraws the campaign's messages still queued. Out: one `Queued` each."""
        results: list[Queued] = []
        now = _now()
        with self._tx() as db:
            for m in messages:
                same = self._earlier(db, "message_id = ?", (m.message_id,))
                versions = self._earlier(
                    db,
                    "letter = ? AND addressee = ? AND lang = ? AND (campaign = ? OR campaign IS NULL) AND state != 'withdrawn'",
                    (m.letter, m.addressee, m.lang, m.campaign),
                )
                if same or (versions and not force):
                    results.append(Queued(m, False, (same or versions)[0]))
                    continue
                withdrawn = [v for v in versions if v.state == "queued"]
                db.executemany(
                    "UPDATE messages SET state = 'withdrawn', last_reply = ?, updated_at = ? WHERE id = ?",
                    [(f"replaced by <{m.message_id}>", now, v.id) for v in withdrawn],
                )
                db.execute(
                    "INSERT INTO messages (message_id, letter, addressee, lang, campaign, version, sender, rcpt, subject, filename,"
                    " raw, queued_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (m.message_id, m.letter, m.addressee, m.lang, m.campaign, m.version, m.sender, m.rcpt, m.subject, m.filename,
                     m.raw, now, now),
                )  # fmt: skip
                others = self._earlier(
                    db,
                    "letter = ? AND addressee = ? AND lang = ? AND campaign != ? AND state != 'withdrawn'",
                    (m.letter, m.addressee, m.lang, m.campaign),
                )
                results.append(Queued(m, True, None, withdrawn, others))
        return results

    @staticmethod
    def _earlier(db: sqlite3.Connection, where: str, args: tuple[str, ...]) -> list[Earlier]:
        cur = db.execute(f"SELECT {EARLIER_COLUMNS} FROM messages WHERE {where} ORDER BY id DESC", args)
        return [Earlier(*r) for r in cur.fetchall()]

    # -- reading ----------------------------------------------------------------------------

    def rows(self, states: tuple[str, ...] = STATES) -> list[Row]:
        marks = ",".join("?" * len(states))
        cur = self.db.execute(
            f"SELECT {ROW_COLUMNS} FROM messages WHERE state IN ({marks}) ORDER BY addressee, letter, lang, id",
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
            found = db.execute(f"SELECT {ROW_COLUMNS} FROM messages WHERE id = ?", (row_id,)).fetchone()
        return Row(*found)

    def _set(self, row_id: int, state: State, reply: str) -> None:
        with self._tx() as db:
            _update(db, row_id, state, reply)

    def mark_sent(self, row_id: int, reply: str) -> None:
        self._set(row_id, "sent", reply)

    def mark_failed(self, row_id: int, reply: str) -> None:
        self._set(row_id, "failed", reply)

    def mark_unknown(self, row_id: int, reply: str) -> None:
        """The end of the message went out and no answer came: the server may have kept it."""
        self._set(row_id, "unknown", reply)

    def release(self, row_id: int, reply: str) -> None:
        """Back to 'queued': the server did not take the message (the end of it never went out)."""
        self._set(row_id, "queued", reply)

    def resolve(self, targets: tuple[str, ...], outcome: Literal["sent", "resend"]) -> list[Row]:
        """The operator's decision on the 'unknown' messages named by Message-ID (with or without
        <>) or addressee key: 'sent', or 'resend' (queued again, same Message-ID). All or nothing:
        a target with no unknown message raises DeliveryError and changes nothing."""
        state: State = "sent" if outcome == "sent" else "queued"
        note = "marked sent by the operator" if outcome == "sent" else "queued again by the operator"
        decided: list[Row] = []
        with self._tx() as db:
            for target in targets:
                key = target.strip().strip("<>")
                rows = [Row(*r) for r in db.execute(
                    f"SELECT {ROW_COLUMNS} FROM messages WHERE message_id = ? OR addressee = ? ORDER BY id", (key, key)
                )]  # fmt: skip
                unknown = [r for r in rows if r.state == "unknown" and r not in decided]
                if not unknown:
                    found = ", ".join(f"<{r.message_id}> {r.state}" for r in rows) or "no message"
                    raise DeliveryError(
                        f"{target!r}: no message of unknown fate ({found})", Where(self.path), hint="`advocate mail status --state unknown`"
                    )
                decided.extend(unknown)
            for row in decided:
                _update(db, row.id, state, f"{note} ({row.last_reply})")
        return decided

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
