"""The outbox and `advocate mail send|status` against a real SMTP server on loopback (aiosmtpd,
STARTTLS + AUTH), including a sender killed with SIGKILL mid-run and resumed."""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from smtp_server import PASSWORD, USER, Handler, Server, add_mail_templates, mail_workspace

from generator.outbox import Outbox

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _mail_templates(isolated_bundle: Path) -> None:
    add_mail_templates(isolated_bundle)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    srv = Server(tmp_path).start()
    yield srv
    srv.stop()


def queue_all(run: Callable[..., tuple[int, str, str]], ws: Path, keys: list[str], pdf: Path) -> None:
    code, out, err = run("-w", ws, "mail", "queue", "example", "--to", ",".join(keys), "--pdf", pdf)
    assert code == 0, err
    assert f"{len(keys)} message(s) queued" in out


def send_args(srv: Server, *extra: str) -> list[str]:
    return ["mail", "send", "--smtp", f"127.0.0.1:{srv.port}", "--starttls", "--cafile", str(srv.cafile), "--user", USER, *extra]


def states(ws: Path) -> dict[str, str]:
    db = sqlite3.connect(ws / "outbox.sqlite")
    try:
        return dict(db.execute("SELECT addressee, state FROM messages").fetchall())
    finally:
        db.close()


def test_send_over_starttls_with_auth_arrives_intact(tmp_path, isolated_bundle, run, server, monkeypatch):
    ws, keys, pdf = mail_workspace(tmp_path, 3)
    queue_all(run, ws, keys, pdf)
    monkeypatch.setenv("ADVOCATE_SMTP_PASSWORD", PASSWORD)
    code, out, err = run("-w", ws, *send_args(server))
    assert code == 0, err
    assert re.search(r"sent 3, failed 0, still queued 0 in [\d.]+ s \([\d.]+ messages/s\)", out)
    assert len(server.handler.received) == 3
    for got in server.handler.received:
        msg = got.parsed()
        assert got.sender == "campaign@example.org"
        assert msg["From"] == "Test Campaign <campaign@example.org>"
        assert msg["Reply-To"] == "replies@example.org"
        assert msg["Subject"] == "Forced returns of North Korean escapees"
        assert got.message_id.startswith("example.fict-000") and got.message_id.endswith("@example.org")
        assert "Dear Sir or Madam" in msg.get_body(("plain",)).get_content()
        assert "<p>Dear Sir or Madam,</p>" in msg.get_body(("html",)).get_content()
        (attachment,) = msg.iter_attachments()
        assert attachment.get_content_type() == "application/pdf"
        assert attachment.get_content() == pdf.read_bytes()
    assert {r[0] for r in (g.rcpt for g in server.handler.received)} == {
        "office-0001@example.org",
        "office-0002@example.test",
        "office-0003@example.org",
    }
    code, out, _ = run("-w", ws, "mail", "status")
    assert code == 0
    assert re.search(r"fict-0002\s+en\s+sent\s+1\s+250 2\.0\.0 queued as test", out)
    assert "0 queued, 0 sending, 3 sent, 0 failed" in out
    code, out, _ = run("-w", ws, *send_args(server))  # nothing left: sends nothing again
    assert code == 0 and "sent 0," in out and len(server.handler.received) == 3


def test_refused_login_stops_with_one_line_and_sends_nothing(tmp_path, isolated_bundle, run, server, monkeypatch):
    ws, keys, pdf = mail_workspace(tmp_path, 2)
    queue_all(run, ws, keys, pdf)
    monkeypatch.setenv("ADVOCATE_SMTP_PASSWORD", "wrong")
    code, out, err = run("-w", ws, *send_args(server))
    assert code == 6
    assert err.splitlines()[0].startswith(f"error: --user: 127.0.0.1:{server.port} refused the login for 'campaign': 535")
    assert server.handler.received == []
    assert set(states(ws).values()) == {"queued"}


def test_refused_sender_stops_and_marks_nothing_sent(tmp_path, isolated_bundle, run, server, monkeypatch):
    server.handler.refuse_sender = "553 5.7.1 sender not allowed"
    ws, keys, pdf = mail_workspace(tmp_path, 2)
    queue_all(run, ws, keys, pdf)
    monkeypatch.setenv("ADVOCATE_SMTP_PASSWORD", PASSWORD)
    code, out, err = run("-w", ws, *send_args(server))
    assert code == 6
    assert "refused the sender 'campaign@example.org': 553 5.7.1 sender not allowed" in err.splitlines()[0]
    assert set(states(ws).values()) == {"queued"}
    _, status, _ = run("-w", ws, "mail", "status")
    assert "553 5.7.1 sender not allowed" in status


def test_permanent_failure_recorded_temporary_retried(tmp_path, isolated_bundle, run, server, monkeypatch):
    server.handler.refuse_rcpt["office-0002@example.test"] = "550 5.1.1 no such mailbox"
    server.handler.fail_data_once.add("office-0003@example.org")
    ws, keys, pdf = mail_workspace(tmp_path, 3)
    queue_all(run, ws, keys, pdf)
    monkeypatch.setenv("ADVOCATE_SMTP_PASSWORD", PASSWORD)
    code, out, err = run("-w", ws, *send_args(server, "--retry-delay", "0.05"))
    assert code == 6  # a failure is reported in the exit code
    assert "failed fict-0002 <office-0002@example.test> (en): 550 5.1.1 no such mailbox" in out
    assert "retry fict-0003 <office-0003@example.org> in 0.05 s: 451 4.3.0 try again later" in out
    assert "sent 2, failed 1, still queued 0" in out
    assert states(ws) == {"fict-0001": "sent", "fict-0002": "failed", "fict-0003": "sent"}
    assert sorted(server.handler.ids()) == sorted(m for m in server.handler.ids())
    assert len(server.handler.received) == 2


def test_server_down_leaves_everything_queued(tmp_path, isolated_bundle, run):
    ws, keys, pdf = mail_workspace(tmp_path, 1)
    queue_all(run, ws, keys, pdf)
    from smtp_server import free_port

    code, out, err = run("-w", ws, "mail", "send", "--smtp", f"127.0.0.1:{free_port()}", "--max-attempts", "2", "--retry-delay", "0.01")
    assert code == 6
    assert "cannot connect to 127.0.0.1:" in err and "(2 attempts)" in err
    assert states(ws) == {"fict-0001": "queued"}


def test_password_is_never_an_option(tmp_path, isolated_bundle, run, server):
    ws, keys, pdf = mail_workspace(tmp_path, 1)
    queue_all(run, ws, keys, pdf)
    code, _, err = run("-w", ws, *send_args(server), "--password", "x", catch=True)
    assert code == 2 and "No such option '--password'" in err


def test_send_without_outbox_says_so(tmp_path, isolated_bundle, run):
    code, _, err = run("-w", tmp_path, "mail", "send", "--smtp", "127.0.0.1:25")
    assert code == 6 and "no outbox here" in err and "advocate mail queue" in err


def test_interrupted_message_is_resent_with_same_message_id(tmp_path, isolated_bundle, run, server, monkeypatch):
    ws, keys, pdf = mail_workspace(tmp_path, 2)
    queue_all(run, ws, keys, pdf)
    box = Outbox(ws / "outbox.sqlite")
    first = box.claim(box.pending_ids()[0])  # as if the process died during DATA
    assert first is not None
    box.close()
    _, status, _ = run("-w", ws, "mail", "status")
    assert "1 sending" in status and "interrupted" in status
    monkeypatch.setenv("ADVOCATE_SMTP_PASSWORD", PASSWORD)
    code, out, _ = run("-w", ws, *send_args(server))
    assert code == 0 and "resumed 1 message(s)" in out
    assert first.message_id in server.handler.ids()


def _sender(ws: Path, srv: Server, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "ADVOCATE_SMTP_PASSWORD": PASSWORD}
    env.pop("ADVOCATE_WORKSPACE", None)
    cmd = [sys.executable, "-c", "from generator.cli import main; main()", "-w", str(ws), *send_args(srv, "--quiet")]
    with log.open("ab") as out:  # the child keeps its own descriptor
        return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)


def test_sigkill_mid_run_loses_nothing_and_duplicates_only_with_same_message_id(tmp_path, isolated_bundle, run, monkeypatch):
    count, kills = 1000, 2
    ws, keys, pdf = mail_workspace(tmp_path, count)
    queue_all(run, ws, keys, pdf)
    queued = {row.message_id: row.addressee for row in Outbox(ws / "outbox.sqlite").rows()}
    assert len(queued) == count
    srv = Server(tmp_path, Handler(delay=0.004)).start()
    rng = random.Random(os.environ.get("ADVOCATE_CRASH_SEED"))
    log = tmp_path / "send.log"
    try:
        for kill in range(kills):
            already = len(srv.handler.received)
            target = already + rng.randint(20, (count - already) // (kills - kill + 1))
            proc = _sender(ws, srv, log)
            deadline = time.monotonic() + 30
            while len(srv.handler.received) < target and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.001)
            time.sleep(rng.random() * 0.004)  # anywhere in the next message's SMTP transaction
            assert proc.poll() is None, log.read_text()
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            assert len(srv.handler.received) < count
        proc = _sender(ws, srv, log)
        assert proc.wait(timeout=60) == 0, log.read_text()
    finally:
        srv.stop()
    received = srv.handler.received
    per_id = Counter(r.message_id for r in received)
    assert set(per_id) == set(queued), "a message was lost or an unknown one sent"
    duplicates = {mid: n for mid, n in per_id.items() if n > 1}
    assert sum(n - 1 for n in duplicates.values()) <= kills, duplicates
    per_addressee = Counter(queued[r.message_id] for r in received)
    assert all(1 <= n <= 2 for n in per_addressee.values()) and len(per_addressee) == count
    for mid in duplicates:  # a duplicate is the very same message
        assert len({r.raw for r in received if r.message_id == mid}) == 1
    assert set(states(ws).values()) == {"sent"}
    print(f"\ncrash test: {len(received)} received for {count} queued, {len(duplicates)} duplicate(s) after {kills} SIGKILLs")


def test_send_rate(tmp_path, isolated_bundle, run, server, monkeypatch, capsys):
    ws, keys, pdf = mail_workspace(tmp_path, 1000)
    queue_all(run, ws, keys, pdf)
    monkeypatch.setenv("ADVOCATE_SMTP_PASSWORD", PASSWORD)
    code, out, err = run("-w", ws, *send_args(server, "--quiet"))
    assert code == 0, err
    assert len(server.handler.received) == 1000
    rate = re.search(r"\(([\d.]+) messages/s\)", out)
    assert rate
    with capsys.disabled():
        print(f"\nsend rate: {out.strip().splitlines()[-1]}")


@pytest.mark.parametrize("security", ["plain", "starttls", "ssl"])
def test_connection_sends_small_records_at_once(tmp_path, security):
    """Nagle's algorithm held the small last TLS record of each DATA back until the previous one
    was acknowledged (~45 ms a message, 20 messages/s over STARTTLS): every connection, plain,
    STARTTLS or implicit TLS, has TCP_NODELAY on the socket it ends up using."""
    import socket

    from generator.outbox import SmtpSettings, _connect

    srv = Server(tmp_path, mode="ssl" if security == "ssl" else "starttls").start()
    try:
        settings = SmtpSettings("127.0.0.1", srv.port, security, USER if security == "starttls" else None, PASSWORD, str(srv.cafile))
        conn = _connect(settings)
        try:
            assert conn.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
            assert conn.noop()[0] == 250
        finally:
            conn.quit()
    finally:
        srv.stop()
