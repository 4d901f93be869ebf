"""The delivery commands: ``advocate mail queue|send|status|resolve`` and ``advocate post``.

Registered on the main group by `register` (one line at the end of cli.py). Like cli.py, each
command parses options and calls one library function (mailing, outbox, post) inside `boundary`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..core.errors import DeliveryError, InputError
from ..delivery.outbox import STATES
from .options import parse_date, parse_vars, print_problems
from .root import App, root

if TYPE_CHECKING:
    from ..delivery.outbox import Queued

PASSWORD_ENV = "ADVOCATE_SMTP_PASSWORD"
UNKNOWN_HINT = (
    "no answer came after their end, so the server may have them, and `send` does not send them again;"
    " check, then `advocate mail resolve MESSAGE-ID|ADDRESSEE --sent` (it arrived) or `--resend`"
)


def _outbox_path(app: App) -> Path:
    from ..delivery.outbox import outbox_path

    return outbox_path(Path(app.workspace).resolve() if app.workspace else None)


@root.group("mail")
def mail_grp() -> None:
    """Email delivery through an outbox (<workspace>/outbox.sqlite).

    \b
    advocate mail queue LETTER --to ADDRESSEE...   build messages and queue them
    advocate mail send --smtp HOST:PORT --starttls --user USER
    advocate mail status
    advocate mail resolve MESSAGE-ID|ADDRESSEE --sent|--resend
    """


@mail_grp.command("queue")
@click.argument("letter")
@click.option("--to", "to", multiple=True, required=True, help="Addressee key (repeatable, or comma-separated).")
@click.option("--lang", "langs", multiple=True, help="Language (repeatable; default: each addressee's first preferred language).")
@click.option("--var", "pairs", multiple=True, metavar="KEY=VALUE", help="Set a letter variable (repeatable).")
@click.option("--vars", "vars_file", type=click.Path(dir_okay=False), help="YAML file of variables.")
@click.option("--date", "date", help="Letter date YYYY-MM-DD (default: today).")
@click.option("--confidential", is_flag=True, help="Attach the confidential version (named victims).")
@click.option("--pdf", "pdf", type=click.Path(dir_okay=False), help="Attach this rendered PDF instead of rendering the letter.")
@click.option("--force", is_flag=True, help="Queue a new version even if the campaign already has a message.")
@click.option("--dry-run", is_flag=True, help="Write .eml files for review instead of queuing.")
@click.option("--out", "out", type=click.Path(file_okay=False), default="out/mail", show_default=True, help="Folder for --dry-run.")
@click.pass_obj
def queue_cmd(
    app: App,
    letter: str,
    to: tuple[str, ...],
    langs: tuple[str, ...],
    pairs: tuple[str, ...],
    vars_file: str | None,
    date: str | None,
    confidential: bool,
    pdf: str | None,
    force: bool,
    dry_run: bool,
    out: str,
) -> None:
    """Build the messages of LETTER (PDF attached) and queue them, or write .eml files.

    At most one message per campaign (letter, addressee, language, variables): queuing it
    again does nothing unless --force, which withdraws a version still queued.
    """
    from ..core.output import write_atomic
    from ..delivery.mailing import MailRequest, eml_name, prepare
    from ..delivery.outbox import Outbox

    keys = tuple(k.strip() for item in to for k in item.split(",") if k.strip())
    request = MailRequest(
        letter=letter,
        addressees=keys,
        langs=langs,
        variables=parse_vars(pairs, vars_file),
        date=parse_date(date),
        confidential=confidential,
        pdf=Path(pdf) if pdf else None,
    )
    prepared = prepare(app.loaded(), request)
    print_problems(prepared.warnings)
    for line in prepared.skipped:
        click.echo(line, err=True)
    if not prepared.messages:
        raise DeliveryError("no message to queue: none of the addressees has an email channel", "--to", hint="`advocate addressees list`")
    if dry_run:
        for message in prepared.messages:
            path = Path(out) / eml_name(message)
            write_atomic(path, message.raw)
            click.echo(f"wrote {path}  <{message.message_id}>")
        return
    box = Outbox(_outbox_path(app))
    results = box.queue(prepared.messages, force)
    for result in results:
        for line in _queue_lines(result):
            click.echo(line)
    added = sum(1 for r in results if r.added)
    click.echo(f"{added} message(s) queued in {box.path}; send them with `advocate mail send --smtp HOST:PORT`")


def _queue_lines(result: Queued) -> list[str]:
    """What `queue` did with one message, in a line or a few."""
    m, earlier = result.message, result.earlier
    who = f"{m.addressee} ({m.lang})"
    if earlier is not None and result.identical:
        return [f"already {earlier.state} on {earlier.day}: {who} <{m.message_id}> (the same message)"]
    if earlier is not None:
        return [f"already {earlier.state} on {earlier.day} as <{earlier.message_id}>: {who}; use --force to queue a new version"]
    lines = [f"queued {m.addressee} <{m.rcpt}> ({m.lang}): {m.subject}"]
    lines += [f"  withdrew <{w.message_id}> (queued on {w.day}): replaced by this version" for w in result.withdrawn]
    lines += [f"  note: {who} also has {m.letter} {o.state} on {o.day} with other variables <{o.message_id}>" for o in result.others]
    return lines


def _smtp_address(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise InputError(f"--smtp {text!r} is not HOST:PORT", "--smtp", hint="for example --smtp smtp.example.org:587 --starttls")
    return host.strip("[]"), int(port)


@mail_grp.command("send")
@click.option("--smtp", "smtp", required=True, metavar="HOST:PORT", help="The SMTP server (587 with --starttls, 465 with --ssl).")
@click.option("--starttls", "security", flag_value="starttls", help="Upgrade the connection with STARTTLS.")
@click.option("--ssl", "security", flag_value="ssl", help="Connect with TLS from the start (SMTPS).")
@click.option("--user", help=f"Log in as USER; the password comes from {PASSWORD_ENV} or a prompt.")
@click.option("--per-minute", type=click.FloatRange(min=0, min_open=True), help="Send at most N messages per minute.")
@click.option("--cafile", type=click.Path(dir_okay=False, exists=True), help="Trust this CA certificate (PEM) for the server.")
@click.option("--max-attempts", type=click.IntRange(min=1), default=5, show_default=True, help="Tries per message and run.")
@click.option(
    "--retry-delay", type=click.FloatRange(min=0), default=2.0, show_default=True, help="Seconds before the first retry (doubles)."
)
@click.option(
    "--timeout", type=click.FloatRange(min=0, min_open=True), default=300.0, show_default=True,
    help="Seconds to wait for the connection and each command's answer (RFC 5321: 5 minutes).",
)  # fmt: skip
@click.option(
    "--data-timeout", type=click.FloatRange(min=0, min_open=True), default=600.0, show_default=True,
    help="Seconds to wait for the answer to the end of a message (RFC 5321: 10 minutes); then it is 'unknown'.",
)  # fmt: skip
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary and the failures.")
@click.pass_obj
def send_cmd(
    app: App,
    smtp: str,
    security: str | None,
    user: str | None,
    per_minute: float | None,
    cafile: str | None,
    max_attempts: int,
    retry_delay: float,
    timeout: float,
    data_timeout: float,
    quiet: bool,
) -> None:
    """Send the queued messages; re-running resumes where a crash or failure stopped.

    Temporary failures (4xx, dropped connections) before the end of a message are retried with
    back-off; permanent ones (5xx) are marked failed. A message whose end went out without an
    answer is 'unknown' and is not re-sent: see `advocate mail resolve`. The password is never
    taken from the command line.
    """
    from ..delivery.outbox import Outbox
    from ..delivery.smtp import SmtpSettings, send

    host, port = _smtp_address(smtp)
    password = None
    if user:
        password = os.environ.get(PASSWORD_ENV)
        if password is None:
            password = click.prompt(f"SMTP password for {user}", hide_input=True, err=True)
    settings = SmtpSettings(
        host=host, port=port, security=security or "plain", user=user, password=password, cafile=cafile,  # type: ignore[arg-type]
        timeout=timeout, per_minute=per_minute, max_attempts=max_attempts, retry_delay=retry_delay, data_timeout=data_timeout,
    )  # fmt: skip
    box = Outbox(_outbox_path(app), create=False)

    def echo(line: str) -> None:
        if not quiet or not line.startswith(("sent ", "retry ")):
            click.echo(line)

    report = send(box, settings, echo)
    if report.resumed:
        click.echo(f"resumed {report.resumed} message(s) an interrupted run left mid-send (same Message-ID)")
    click.echo(
        f"sent {report.sent}, failed {len(report.failed)}, still queued {len(report.left)}, unknown {len(report.unknown)}"
        f" in {report.seconds:.2f} s ({report.rate:.1f} messages/s)"
    )
    unknown = box.counts()["unknown"]
    if unknown:
        click.echo(f"{unknown} message(s) in the outbox are 'unknown': {UNKNOWN_HINT}")
    if report.failed or report.left or unknown:
        sys.exit(DeliveryError.exit_code)


@mail_grp.command("status")
@click.option("--state", "states", multiple=True, type=click.Choice(list(STATES)), help="Only these states.")
@click.pass_obj
def status_cmd(app: App, states: tuple[str, ...]) -> None:
    """Messages per addressee with their state and the server's last answer."""
    from ..delivery.outbox import Outbox

    box = Outbox(_outbox_path(app), create=False)
    rows = box.rows(states or STATES)
    width = max([len(r.addressee) for r in rows] + [9])
    click.echo(f"{'ADDRESSEE':<{width}}  LANG  {'STATE':<9}  TRIES  LAST ANSWER")
    for r in rows:
        click.echo(
            f"{r.addressee:<{width}}  {r.lang:<4}  {r.state:<9}  {r.attempts:>5}  {r.last_reply or '-'}  [{r.letter}] <{r.message_id}>"
        )
    counts = box.counts()
    click.echo(", ".join(f"{n} {state}" for state, n in counts.items()))
    if counts["sending"]:
        click.echo("messages in 'sending' were interrupted: `advocate mail send` re-sends them with the same Message-ID")
    if counts["unknown"]:
        click.echo(f"messages in 'unknown': {UNKNOWN_HINT}")


@mail_grp.command("resolve")
@click.argument("targets", nargs=-1, required=True, metavar="MESSAGE-ID|ADDRESSEE...")
@click.option("--sent", "outcome", flag_value="sent", help="The server has it (e.g. it arrived): record it as sent.")
@click.option("--resend", "outcome", flag_value="resend", help="Queue it again: the next `send` sends it, same Message-ID.")
@click.pass_obj
def resolve_cmd(app: App, targets: tuple[str, ...], outcome: str | None) -> None:
    """Decide the fate of messages in state 'unknown' (the server gave no answer to their end).

    An addressee key decides all of that addressee's unknown messages. Check first whether the
    message arrived (the recipient, the server's log, your Sent folder): --resend may deliver it
    twice (with the same Message-ID), --sent on a message that never arrived loses it.
    """
    from ..delivery.outbox import Outbox

    if outcome is None:
        raise InputError("say what happened: --sent or --resend", "mail resolve", hint="`advocate mail resolve --help`")
    box = Outbox(_outbox_path(app), create=False)
    for r in box.resolve(targets, outcome):  # type: ignore[arg-type]
        click.echo(f"{r.addressee} <{r.rcpt}> ({r.lang}) <{r.message_id}>: {'sent' if outcome == 'sent' else 'queued again'}")


@root.command("post")
@click.argument("pdfs", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--envelope", required=True, type=click.Choice(["c5-din", "dl", "us10"]), help="Window envelope (DIN 5008 form B, or US #10)."
)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="The print-ready batch PDF.")
@click.option("--duplex", is_flag=True, help="Add blank pages so that each letter starts on a new sheet.")
@click.option(
    "--address-page",
    type=click.Choice(["auto", "overlay", "sheet"]),
    default="auto",
    show_default=True,
    help="overlay: the address on the letter's first page; sheet: on an added sheet; auto: overlay when the window area is free.",
)
@click.pass_obj
def post_cmd(app: App, pdfs: tuple[str, ...], envelope: str, out: str, duplex: bool, address_page: str) -> None:
    """Merge rendered letters into one print-ready PDF for window envelopes."""
    from ..core.output import write_atomic
    from ..delivery.post import PostRequest, build_batch

    batch = build_batch(app.loaded(), PostRequest(tuple(Path(p) for p in pdfs), envelope, duplex, address_page))  # type: ignore[arg-type]
    for line in batch.skipped:
        click.echo(line, err=True)
    print_problems(batch.warnings)
    write_atomic(Path(out), batch.pdf)
    click.echo(
        f"wrote {out}: {len(batch.letters)} letter(s), {batch.pages} pages, {batch.sheets} sheets"
        f" ({envelope}{', duplex' if duplex else ''})"
    )
