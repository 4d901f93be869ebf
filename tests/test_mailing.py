"""Building the messages: `advocate mail queue` (and --dry-run .eml files)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from _helpers import write
from smtp_server import add_mail_templates, mail_workspace, small_pdf

from generator.delivery.outbox import Outbox

SUBMISSION_YAML = """
title: Test submission
kind: un_submission
purpose: a test
languages: [en]
addressee_kinds: [un_mandate, un_office]
variables:
  urgency: {type: choice, choices: [urgent_appeal, allegation_letter], default: allegation_letter}
  mandates: {type: list, default: [Special Rapporteur on torture]}
"""
SUBMISSION_J2 = """{% extends "_base/base.html.j2" %}
{% block subject %}Forced returns in 2023{% endblock %}
{% block body %}<p>We submit.</p>{% endblock %}
"""


@pytest.fixture(autouse=True)
def _mail_templates(isolated_bundle: Path) -> None:
    add_mail_templates(isolated_bundle)


def parse(path: Path) -> email.message.EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)  # type: ignore[return-value]


def test_dry_run_ohchr_subject_names_urgency_and_mandates(workspace, run, tmp_path):
    write(workspace / "letters" / "submission" / "letter.yaml", SUBMISSION_YAML)
    write(workspace / "letters" / "submission" / "letter.html.j2", SUBMISSION_J2)
    out = tmp_path / "eml"
    code, stdout, err = run(
        "-w", workspace, "mail", "queue", "submission", "--to", "ohchr-urgent-action", "--to", "cn-mfa",
        "--var", "urgency=urgent_appeal", "--date", "2026-11-23", "--dry-run", "--out", out,
    )  # fmt: skip
    assert code == 0, err
    assert "skipped cn-mfa: no email channel (channels: post)" in err
    msg = parse(out / "submission-ohchr-urgent-action-en.eml")
    assert msg["Subject"] == "URGENT APPEAL – Special Rapporteur on torture – Forced returns in 2023"
    assert msg["To"].addresses[0].addr_spec == "urgent-action@ohchr.org"
    assert msg["From"] == "Your Organisation <office@your-organisation.example>"
    assert msg["Content-Language"] == "en"
    text = msg.get_body(("plain",)).get_content()
    assert 'Please find attached our letter "Forced returns in 2023" dated 23 November 2026.' in text
    assert "- Special Rapporteur on torture" in text
    (pdf,) = msg.iter_attachments()
    assert pdf.get_filename() == "submission-ohchr-urgent-action-en.pdf"
    assert pdf.get_content().startswith(b"%PDF-")
    assert not (workspace / "outbox.sqlite").exists()  # a dry run queues nothing


def test_only_unreachable_addressees_is_an_error(workspace, run):
    code, _, err = run("-w", workspace, "mail", "queue", "example", "--to", "cn-mfa", "--dry-run")
    assert code == 6
    assert err.splitlines() == [
        "skipped cn-mfa: no email channel (channels: post)",
        "error: --to: no message to queue: none of the addressees has an email channel",
        "  hint: `advocate addressees list`",
    ]


def test_invalid_email_reported_before_anything_is_queued(tmp_path, isolated_bundle, run):
    ws, keys, pdf = mail_workspace(tmp_path, 3)
    yaml = (ws / "letters" / "addressees.yaml").read_text().replace("office-0002@example.test", "office-0002@@example")
    (ws / "letters" / "addressees.yaml").write_text(yaml)
    code, _, err = run("-w", ws, "mail", "queue", "example", "--to", ",".join(keys), "--pdf", pdf)
    assert code == 6
    assert (
        err.startswith("error: ")
        and "letters/addressees.yaml:8: addressee 'fict-0002': invalid email address 'office-0002@@example'" in err
    )
    assert not (ws / "outbox.sqlite").exists()


def queue(run: Callable[..., tuple[int, str, str]], ws: Path, pdf: Path, *args: str) -> str:
    code, out, err = run("-w", ws, "mail", "queue", "example", "--pdf", pdf, *args)
    assert code == 0, err
    return out


def outbox_rows(ws: Path) -> list[tuple[str, str, str]]:
    """(addressee, state, message_id) in queuing order."""
    db = sqlite3.connect(ws / "outbox.sqlite")
    try:
        return db.execute("SELECT addressee, state, message_id FROM messages ORDER BY id").fetchall()
    finally:
        db.close()


def test_message_id_is_stable_per_content_version(tmp_path, isolated_bundle, run):
    ws, keys, pdf = mail_workspace(tmp_path, 2)
    assert "2 message(s) queued" in queue(run, ws, pdf, "--to", ",".join(keys))
    out = queue(run, ws, pdf, "--to", ",".join(keys))
    assert "0 message(s) queued" in out and out.count("(the same message)") == 2
    pdf.write_bytes(pdf.read_bytes() + b"\n% changed\n")  # a new content version is a new message...
    out = queue(run, ws, pdf, "--to", keys[0], "--force")  # ...queued when asked for
    assert "1 message(s) queued" in out
    ids = [mid for key, _, mid in outbox_rows(ws) if key == "fict-0001"]
    assert len(ids) == 2 and ids[0] != ids[1]
    assert all(i.startswith("example.fict-0001.en.") and i.endswith("@example.org") for i in ids)
    assert queue(run, ws, pdf, "--to", keys[0], "--force").count("(the same message)") == 1  # same content, same ID


def test_queue_again_on_another_day_is_a_no_op_unless_forced(tmp_path, isolated_bundle, run):
    """The red team's second letter for everyone: `mail queue` re-run the next day (the date is
    part of the message, not of the campaign)."""
    ws, keys, pdf = mail_workspace(tmp_path, 2)
    queue(run, ws, pdf, "--to", ",".join(keys), "--date", "2026-03-01")
    (first_sent, first_queued) = [mid for _, _, mid in outbox_rows(ws)]
    box = Outbox(ws / "outbox.sqlite")
    box.mark_sent(box.pending_ids()[0], "250 OK")
    box.close()
    today = dt.date.today().isoformat()
    out = queue(run, ws, pdf, "--to", ",".join(keys), "--date", "2026-03-02")
    assert "0 message(s) queued" in out
    assert f"already sent on {today} as <{first_sent}>: fict-0001 (en); use --force to queue a new version" in out
    assert f"already queued on {today} as <{first_queued}>: fict-0002 (en); use --force to queue a new version" in out
    out = queue(run, ws, pdf, "--to", ",".join(keys), "--date", "2026-03-02", "--force")
    assert "2 message(s) queued" in out and f"withdrew <{first_queued}> (queued on {today}): replaced by this version" in out
    rows = outbox_rows(ws)
    assert [(key, state) for key, state, _ in rows] == [
        ("fict-0001", "sent"), ("fict-0002", "withdrawn"), ("fict-0001", "queued"), ("fict-0002", "queued"),
    ]  # fmt: skip
    assert len({mid for _, _, mid in rows}) == 4
    code, status, _ = run("-w", ws, "mail", "status")
    assert "2 queued, 0 sending, 1 sent, 0 failed, 0 unknown, 1 withdrawn" in status


def test_other_variables_are_another_campaign(tmp_path, isolated_bundle, run):
    ws, keys, pdf = mail_workspace(tmp_path, 1)
    queue(run, ws, pdf, "--to", keys[0], "--var", "reference=A-1")
    assert "already queued on" in queue(run, ws, pdf, "--to", keys[0], "--var", "reference=A-1", "--date", "2026-03-02")
    other = small_pdf(tmp_path / "b-2.pdf", subject="Reference B-2")  # as rendered with the other reference
    out = queue(run, ws, other, "--to", keys[0], "--var", "reference=B-2")
    first = outbox_rows(ws)[0][2]
    assert "1 message(s) queued" in out
    assert f"note: fict-0001 (en) also has example queued on {dt.date.today().isoformat()} with other variables <{first}>" in out


V1_OUTBOX = """CREATE TABLE messages (
    id INTEGER PRIMARY KEY, message_id TEXT NOT NULL UNIQUE, letter TEXT NOT NULL, addressee TEXT NOT NULL,
    lang TEXT NOT NULL, version TEXT NOT NULL, sender TEXT NOT NULL, rcpt TEXT NOT NULL, subject TEXT NOT NULL,
    filename TEXT NOT NULL, raw BLOB NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0, last_reply TEXT NOT NULL DEFAULT '', queued_at TEXT NOT NULL,
    updated_at TEXT NOT NULL, sent_at TEXT);
CREATE INDEX messages_state ON messages (state, id);
INSERT INTO messages (message_id, letter, addressee, lang, version, sender, rcpt, subject, filename, raw, state,
    queued_at, updated_at, sent_at)
VALUES ('example.fict-0001.en.0123456789ab@example.org', 'example', 'fict-0001', 'en', '0123456789ab',
    'campaign@example.org', 'office-0001@example.org', 'S', 'f.pdf', x'00', 'sent', '2025-05-01T10:00:00.000+00:00',
    '2025-05-01T10:00:00.000+00:00', '2025-05-01T10:00:01.000+00:00');
"""


def test_outbox_of_the_previous_version_is_migrated_and_its_messages_count(tmp_path, isolated_bundle, run):
    """A message queued before campaigns were recorded stands for every campaign of its letter."""
    ws, keys, pdf = mail_workspace(tmp_path, 1)
    db = sqlite3.connect(ws / "outbox.sqlite")
    db.executescript(V1_OUTBOX)
    db.close()
    out = queue(run, ws, pdf, "--to", keys[0], "--var", "reference=anything")
    assert "already sent on 2025-05-01 as <example.fict-0001.en.0123456789ab@example.org>: fict-0001 (en)" in out
    box = Outbox(ws / "outbox.sqlite")
    box.mark_unknown(box.rows()[0].id, "no answer")  # the new state is allowed
    assert box.counts()["unknown"] == 1 and box.db.execute("PRAGMA user_version").fetchone()[0] == 2
    box.close()


def test_from_and_reply_to_come_from_the_mail_section(tmp_path, isolated_bundle, run):
    ws, keys, pdf = mail_workspace(tmp_path, 1)
    code, _, err = run("-w", ws, "mail", "queue", "example", "--to", keys[0], "--pdf", pdf, "--dry-run", "--out", tmp_path / "e")
    assert code == 0, err
    msg = parse(tmp_path / "e" / "example-fict-0001-en.eml")
    assert msg["From"] == "Test Campaign <campaign@example.org>" and msg["Reply-To"] == "replies@example.org"
    assert msg["Message-ID"].strip().startswith("<example.fict-0001.en.")


def test_bad_from_address_names_the_config(tmp_path, isolated_bundle, run):
    ws, keys, pdf = mail_workspace(tmp_path, 1)
    toml = (ws / "advocate.toml").read_text().replace("<campaign@example.org>", "<campaign at example.org>")
    (ws / "advocate.toml").write_text(toml)
    code, _, err = run("-w", ws, "mail", "queue", "example", "--to", keys[0], "--pdf", pdf)
    assert code == 6 and "advocate.toml: [mail] from is not one email address" in err


def test_ohchr_without_urgency_is_refused(workspace, run):
    write(
        workspace / "letters" / "plain" / "letter.yaml",
        SUBMISSION_YAML.replace("variables:", "x_unused: 1\nvariables:").split("x_unused")[0],
    )
    write(workspace / "letters" / "plain" / "letter.html.j2", SUBMISSION_J2)
    code, _, err = run("-w", workspace, "mail", "queue", "plain", "--to", "ohchr-urgent-action", "--dry-run")
    assert code == 6 and "needs the urgency and the intended mandate(s) in its subject line" in err


def test_translated_ohchr_message_names_urgency_once_and_greets_in_its_language(run, tmp_path):
    """The bundled UN submission in French: its own subject already names the urgency (in French)
    and the mandates, so the mail subject is not prefixed a second time; the greeting is French."""
    out = tmp_path / "eml"
    repo = Path(__file__).resolve().parent.parent  # the bundled letters and catalogues, as a workspace
    code, _stdout, err = run(
        "-w", repo, "mail", "queue", "un-special-procedures", "--to", "ohchr-urgent-action", "--lang", "fr",
        "--date", "2026-11-23", "--dry-run", "--out", out,
    )  # fmt: skip
    assert code == 0, err
    msg = parse(out / "un-special-procedures-ohchr-urgent-action-fr.eml")
    subject = msg["Subject"]
    assert subject.startswith("Lettre d’allégation")
    assert subject.casefold().count("allégation") == 1
    assert subject.count("Groupe de travail sur les disparitions forcées ou involontaires") == 1  # the mandate in French
    assert "Working Group" not in subject
    text = msg.get_body(("plain",)).get_content()
    assert text.startswith("Madame, Monsieur,")


# -- a confidential version goes only to its mandate -------------------------------------------------


@pytest.fixture
def confidential_pdf(tmp_path, isolated_bundle, run):  # type: ignore[no-untyped-def]
    """(workspace with a ministry fict-0001 by email, the submission rendered confidential for
    ohchr-urgent-action, under a name that does not say so)."""
    ws, _keys, _pdf = mail_workspace(tmp_path, 1)
    write(ws / "letters" / "submission" / "letter.yaml", SUBMISSION_YAML)
    write(ws / "letters" / "submission" / "letter.html.j2", SUBMISSION_J2)
    pdf = tmp_path / "submission.pdf"
    code, _, err = run("-w", ws, "render", "submission", "--to", "ohchr-urgent-action", "--confidential", "--date", "2026-11-23",
                       "--out", pdf)  # fmt: skip
    assert code == 0, err
    return ws, pdf


def test_a_confidential_pdf_is_refused_for_a_ministry(confidential_pdf, run, tmp_path):  # type: ignore[no-untyped-def]
    ws, pdf = confidential_pdf
    code, stdout, err = run("-w", ws, "mail", "queue", "example", "--to", "fict-0001", "--pdf", pdf)
    assert code == 6
    assert err.splitlines()[0] == (
        f"error: {pdf}: a confidential version written for 'ohchr-urgent-action' may not be sent to 'fict-0001' (foreign ministry)"
    )
    assert "Traceback" not in err and not (ws / "outbox.sqlite").exists()
    code, _, err = run("-w", ws, "mail", "queue", "example", "--to", "fict-0001", "--pdf", pdf, "--dry-run", "--out", tmp_path / "e")
    assert code == 6 and not (tmp_path / "e").exists()


def test_a_confidential_render_is_refused_for_a_ministry(confidential_pdf, run):  # type: ignore[no-untyped-def]
    ws, _pdf = confidential_pdf
    code, _, err = run("-w", ws, "mail", "queue", "example", "--to", "fict-0001", "--confidential", "--date", "2026-11-23")
    assert code == 6
    assert "error: --confidential: a confidential version may not be sent to 'fict-0001': a foreign ministry is not a UN mandate" in err
    assert not (ws / "outbox.sqlite").exists()


def test_a_confidential_pdf_goes_to_its_mandate_under_confidential_names(confidential_pdf, run, tmp_path):  # type: ignore[no-untyped-def]
    ws, pdf = confidential_pdf
    out = tmp_path / "eml"
    code, stdout, err = run("-w", ws, "mail", "queue", "submission", "--to", "ohchr-urgent-action", "--pdf", pdf, "--dry-run", "--out", out)
    assert code == 0, err
    msg = parse(out / "submission-ohchr-urgent-action-en-confidential.eml")
    (attachment,) = msg.iter_attachments()
    assert attachment.get_filename() == "submission-confidential.pdf" and attachment.get_content() == pdf.read_bytes()
    assert "names victims and is confidential" in msg.get_body(("plain",)).get_content()
    code, _, err = run("-w", ws, "mail", "queue", "submission", "--to", "ohchr-urgent-action", "--confidential", "--date", "2026-11-23",
                       "--dry-run", "--out", tmp_path / "rendered")  # fmt: skip
    assert code == 0, err
    (eml,) = (tmp_path / "rendered").iterdir()
    assert eml.name == "submission-ohchr-urgent-action-en-confidential.eml"
    (attachment,) = parse(eml).iter_attachments()
    assert attachment.get_filename() == "submission-ohchr-urgent-action-en-confidential.pdf"
