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
from smtp_server import PASSWORD, USER, FaultServer, Handler, Server, add_mail_templates, mail_workspace, small_pdf

from generator.delivery.outbox import Outbox

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
    assert re.search(r"sent 3, failed 0, still queued 0, unknown 0 in [\d.]+ s \([\d.]+ messages/s\)", out)
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


# -- a server that misbehaves: at most one letter per addressee, whatever it does -------------------

FAST = ("--timeout", "2", "--data-timeout", "0.3", "--retry-delay", "0.01", "--max-attempts", "3")


@pytest.fixture
def faulty() -> Iterator[FaultServer]:
    srv = FaultServer(slow=0.6).start()
    yield srv
    srv.close()


def plain_send(run: Callable[..., tuple[int, str, str]], ws: Path, srv: FaultServer, *extra: str) -> tuple[int, str, str]:
    return run("-w", ws, "mail", "send", "--smtp", f"127.0.0.1:{srv.port}", *FAST, *extra)


def status_states(run: Callable[..., tuple[int, str, str]], ws: Path) -> dict[str, str]:
    """addressee -> state, as `advocate mail status` prints them."""
    code, out, err = run("-w", ws, "mail", "status")
    assert code == 0, err
    return {m.group(1): m.group(2) for m in re.finditer(r"^(fict-\d+)\s+en\s+(\w+)\s", out, re.M)}


def message_ids(ws: Path) -> dict[str, str]:
    box = Outbox(ws / "outbox.sqlite")
    try:
        return {row.addressee: row.message_id for row in box.rows()}
    finally:
        box.close()


def check_accurate(run: Callable[..., tuple[int, str, str]], ws: Path, srv: FaultServer, expected: dict[str, str]) -> None:
    """`mail status` says `expected`; the server has each 'sent' or 'unknown' message once, no
    other one, and never two Message-IDs for one addressee."""
    assert status_states(run, ws) == expected
    ids = message_ids(ws)
    for key, state in expected.items():
        assert srv.count(ids[key]) == (1 if state in ("sent", "unknown") else 0), (key, state)
    assert {r.message_id for r in srv.received} <= set(ids.values())


@pytest.mark.parametrize(
    ("fault", "state"),
    [
        ("slow-reply", "unknown"),  # the answer comes after --data-timeout: the server has it
        ("drop-before-reply", "unknown"),  # kept, then the connection closed before the answer
        ("drop-after-accept", "sent"),  # 250, then the connection closed
        ("drop-mid-data", "sent"),  # dropped before the end of the message: re-sent on the next try
        ("451", "sent"),  # refused for now: re-sent on the next try
        ("554", "failed"),  # refused for good
    ],
)
def test_fault_loses_nothing_and_never_sends_twice(tmp_path, isolated_bundle, run, faulty, fault, state):
    ws, keys, pdf = mail_workspace(tmp_path, 4)
    big = small_pdf(tmp_path / "big.pdf", padding=8 << 20) if fault == "drop-mid-data" else pdf
    run("-w", ws, "mail", "queue", "example", "--to", keys[1], "--pdf", big)
    queue_all(run, ws, [keys[0], *keys[2:]], pdf)
    faulty.faults["office-0002@example.test"] = [fault]
    expected = {"fict-0001": "sent", "fict-0002": state, "fict-0003": "sent", "fict-0004": "sent"}
    for attempt in range(2):  # the second run sends nothing again, whatever the first one left
        code, out, err = plain_send(run, ws, faulty, *(("--data-timeout", "10") if big != pdf else ()))  # 11 MB to read
        assert code == (6 if state == "unknown" or (state == "failed" and attempt == 0) else 0), out + err
        check_accurate(run, ws, faulty, expected)
    if state == "unknown":
        assert "1 message(s) in the outbox are 'unknown'" in out and "advocate mail resolve" in out
        code, out, err = run("-w", ws, "mail", "resolve", "fict-0002", "--sent")
        assert code == 0 and f"fict-0002 <office-0002@example.test> (en) <{message_ids(ws)['fict-0002']}>: sent" in out, err
        check_accurate(run, ws, faulty, {**expected, "fict-0002": "sent"})
        assert plain_send(run, ws, faulty)[0] == 0 and len(faulty.received) == 4


def test_every_answer_late_sends_each_message_once_over_runs(tmp_path, isolated_bundle, run, faulty):
    """The red team's 40 messages arriving 280 times: every answer after the reply timeout."""
    faulty.every = "slow-reply"
    ws, keys, pdf = mail_workspace(tmp_path, 3)
    queue_all(run, ws, keys, pdf)
    for attempt in range(3):
        code, out, _ = plain_send(run, ws, faulty)
        assert code == 6 and f"sent 0, failed 0, still queued 0, unknown {3 if attempt == 0 else 0} in" in out
        assert "3 message(s) in the outbox are 'unknown'" in out
        check_accurate(run, ws, faulty, dict.fromkeys(keys, "unknown"))
    assert len(faulty.received) == 3


def test_server_down_at_start_then_back(tmp_path, isolated_bundle, run, faulty):
    ws, keys, pdf = mail_workspace(tmp_path, 3)
    queue_all(run, ws, keys, pdf)
    faulty.stop()
    code, out, err = plain_send(run, ws, faulty)
    assert code == 6 and "cannot connect to 127.0.0.1:" in err and "(3 attempts)" in err
    check_accurate(run, ws, faulty, dict.fromkeys(keys, "queued"))
    faulty.start()
    assert plain_send(run, ws, faulty)[0] == 0
    check_accurate(run, ws, faulty, dict.fromkeys(keys, "sent"))


def test_server_down_mid_run_then_back(tmp_path, isolated_bundle, run, faulty):
    faulty.down_after = 2
    ws, keys, pdf = mail_workspace(tmp_path, 5)
    queue_all(run, ws, keys, pdf)
    code, out, err = plain_send(run, ws, faulty)
    assert code == 6 and "cannot connect to 127.0.0.1:" in err
    check_accurate(run, ws, faulty, {**dict.fromkeys(keys[:2], "sent"), **dict.fromkeys(keys[2:], "queued")})
    faulty.down_after = None
    faulty.start()
    assert plain_send(run, ws, faulty)[0] == 0
    check_accurate(run, ws, faulty, dict.fromkeys(keys, "sent"))


def test_every_connection_dropped_after_accept(tmp_path, isolated_bundle, run, faulty):
    """250 then a closed connection, for every message: each is recorded sent when its 250 is read,
    so none is sent twice (the next one reconnects)."""
    faulty.every = "drop-after-accept"
    ws, keys, pdf = mail_workspace(tmp_path, 10)
    queue_all(run, ws, keys, pdf)
    code, out, err = plain_send(run, ws, faulty)
    assert code == 0 and "sent 10, failed 0, still queued 0, unknown 0" in out, out + err
    check_accurate(run, ws, faulty, dict.fromkeys(keys, "sent"))


def test_resolve_resend_sends_the_very_same_message_again(tmp_path, isolated_bundle, run, faulty):
    ws, keys, pdf = mail_workspace(tmp_path, 2)
    queue_all(run, ws, keys, pdf)
    faulty.faults["office-0001@example.org"] = ["drop-before-reply"]
    assert plain_send(run, ws, faulty)[0] == 6
    mid = message_ids(ws)["fict-0001"]
    _, status, _ = run("-w", ws, "mail", "status", "--state", "unknown")
    assert re.search(rf"fict-0001\s+en\s+unknown\s+1\s+connection dropped .* \[example\] <{re.escape(mid)}>", status)
    code, out, err = run("-w", ws, "mail", "resolve", f"<{mid}>", "--resend")
    assert code == 0 and out == f"fict-0001 <office-0001@example.org> (en) <{mid}>: queued again\n", err
    assert plain_send(run, ws, faulty)[0] == 0
    assert faulty.count(mid) == 2 and len({r.raw for r in faulty.received if r.message_id == mid}) == 1
    assert status_states(run, ws) == {"fict-0001": "sent", "fict-0002": "sent"}


def test_resolve_changes_nothing_unless_every_target_is_unknown(tmp_path, isolated_bundle, run, faulty):
    ws, keys, pdf = mail_workspace(tmp_path, 3)
    queue_all(run, ws, keys, pdf)
    faulty.faults["office-0001@example.org"] = ["slow-reply"]
    plain_send(run, ws, faulty)
    code, _, err = run("-w", ws, "mail", "resolve", "fict-0001", "fict-0002", "--sent")
    assert code == 6
    assert err.splitlines()[0] == (
        f"error: {ws / 'outbox.sqlite'}: 'fict-0002': no message of unknown fate (<{message_ids(ws)['fict-0002']}> sent)"
    )
    code, _, err = run("-w", ws, "mail", "resolve", "fict-0009", "--sent")
    assert code == 6 and "'fict-0009': no message of unknown fate (no message)" in err
    code, _, err = run("-w", ws, "mail", "resolve", "fict-0001")
    assert code != 0 and "say what happened: --sent or --resend" in err
    assert status_states(run, ws)["fict-0001"] == "unknown"


def test_ctrl_c_while_waiting_for_the_answer_leaves_the_message_unknown(tmp_path, isolated_bundle, run, faulty):
    from generator.delivery.smtp import SmtpSettings, send

    ws, keys, pdf = mail_workspace(tmp_path, 1)
    queue_all(run, ws, keys, pdf)
    faulty.every, faulty.slow = "slow-reply", 5.0

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 0.5)  # the message is out long before: the answer is 5 s away
    box = Outbox(ws / "outbox.sqlite")
    try:
        with pytest.raises(KeyboardInterrupt):
            send(box, SmtpSettings(host="127.0.0.1", port=faulty.port, timeout=2, data_timeout=10))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        box.close()
    assert status_states(run, ws) == {"fict-0001": "unknown"} and len(faulty.received) == 1


@pytest.mark.parametrize("security", ["plain", "starttls", "ssl"])
def test_connection_sends_small_records_at_once(tmp_path, security):
    """Nagle's algorithm held the small last TLS record of each DATA back until the previous one
    was acknowledged (~45 ms a message, 20 messages/s over STARTTLS): every connection, plain,
    STARTTLS or implicit TLS, has TCP_NODELAY on the socket it ends up using."""
    import socket

    from generator.delivery.smtp import SmtpSettings, _connect

    srv = Server(tmp_path, mode="ssl" if security == "ssl" else "starttls").start()
    try:
        settings = SmtpSettings(
            host="127.0.0.1",
            port=srv.port,
            security=security,
            user=USER if security == "starttls" else None,
            password=PASSWORD,
            cafile=str(srv.cafile),
        )
        conn = _connect(settings)
        try:
            assert conn.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
            assert conn.noop()[0] == 250
        finally:
            conn.quit()
    finally:
        srv.stop()
