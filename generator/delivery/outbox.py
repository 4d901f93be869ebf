"""The outbox: an SQLite ledger of messages to send.

In: `Outgoing` messages (`Outbox.queue`), the operator's decision on a message of unknown fate
(`Outbox.resolve`), the sender's progress (`Outbox` state changes). Out: one row per Message-ID
in ``<workspace>/outbox.sqlite`` with its campaign, state, attempts and the server's last answer.

At most one letter per addressee and campaign. A campaign is (letter, addressee, language, the
letter's variables with their defaults); the letter date and --confidential are not part of it.
Queuing a campaign that already has a message does nothing unless forced; a forced new version
withdraws the older one if it is still queued.

States: ``queued`` → ``sending`` → ``sent`` | ``failed`` | ``unknown``; ``withdrawn``. The database
runs in WAL mode with full synchronisation; `smtp.send` works through it (the states' meaning in
a run is described there).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import sqlite3
from collections.abc import Iterator
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
