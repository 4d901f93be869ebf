"""Email messages that carry letters.

In: the loaded workspace and a `MailRequest` (letter, addressee keys, languages, variables, or an
already rendered PDF). Out: `Prepared` — one `Outgoing` per (addressee, language): RFC 5322 bytes
with a plain-text and an HTML body (from the translatable templates ``letters/_mail/``), the PDF
attached, From and Reply-To from ``advocate.toml`` ``[mail]``, a stable Message-ID derived from
(letter, addressee, language, content version) and the campaign key (the letter's variables, which
the outbox uses to queue at most one message per campaign); plus one line for each addressee
skipped because it cannot be reached by email. Nothing is sent or written here: `outbox.py` queues and sends, the
CLI writes ``.eml`` files for ``--dry-run``.

For OHCHR (``@ohchr.org`` addresses) the subject line carries the urgency and the intended
mandate(s), as OHCHR asks (docs: shared/reference/practice.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from email import policy
from email.charset import QP, Charset
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, getaddresses
from functools import lru_cache
from html import unescape
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SecurityError

from ..compose.addressee import addressee_context
from ..compose.build import build_letter
from ..compose.compose import mandate_names
from ..compose.variables import check_variables
from ..core import i18n
from ..core.errors import CheckFailed, DeliveryError, InputError, Problem, Where, errors_in
from ..core.letter import LetterRequest
from ..core.models import Addressee, LetterSpec
from ..core.workspace import Config, Workspace
from ..load.loaded import Loaded, get_addressee, get_letter
from ..render.pdf import confidential_for, confidential_name, refuse_confidential
from ..render.render import TemplateFunction, refused, sandboxed_environment
from ..translate.runtime import Recorder, recorder

MAIL_DIR = "_mail"
TEMPLATES = ("subject.txt.j2", "message.txt.j2", "message.html.j2")
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_RE = re.compile(rf"^{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})+$")
URGENCY = {"urgent_appeal": "URGENT APPEAL", "allegation_letter": "ALLEGATION LETTER"}


@dataclass(kw_only=True, frozen=True)
class MailRequest:
    letter: str
    addressees: tuple[str, ...]
    langs: tuple[str, ...] = ()  # empty: each addressee's first preferred language the letter has
    variables: dict[str, Any] = field(default_factory=dict)
    date: dt.date | None = None
    confidential: bool = False
    pdf: Path | None = None  # attach this rendered PDF instead of rendering the letter


@dataclass(kw_only=True, frozen=True)
class Outgoing:
    """One message, ready for the outbox. `raw` is the whole message with CRLF line ends."""

    message_id: str  # without the angle brackets
    letter: str
    addressee: str
    lang: str
    version: str
    sender: str  # envelope sender (MAIL FROM)
    rcpt: str  # envelope recipient (RCPT TO)
    subject: str
    filename: str
    raw: bytes
    campaign: str  # campaign_key of the letter's variables


@dataclass
class Prepared:
    messages: list[Outgoing] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def campaign_key(variables: dict[str, Any]) -> str:
    """The letter's checked variables (defaults merged) as canonical JSON. With the letter,
    addressee and language it identifies a campaign: the letter date, --confidential and the
    rendered bytes are not part of it, so the same letter queued on another day is the same one."""

    def plain(value: Any) -> Any:
        if isinstance(value, Addressee):
            return value.key
        if isinstance(value, dt.date):
            return value.isoformat()
        raise TypeError(f"variable value of type {type(value).__name__}")

    return json.dumps(variables, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=plain)


def valid_email(text: str) -> bool:
    local = text.rpartition("@")[0]
    return bool(EMAIL_RE.match(text)) and len(local) <= 64 and len(text) <= 254


def mail_identity(config: Config, config_path: Path) -> tuple[str, str, str]:
    """(From header, envelope sender, Reply-To header or '') from advocate.toml."""
    mail, sender = config.mail, config.sender
    from_header = mail.from_ or (formataddr((sender.name, sender.email)) if sender.email else "")
    if not from_header:
        raise DeliveryError(
            "no sender address for email",
            Where(config_path),
            hint='add [mail] from = "Name <address>" (or [sender] email) to advocate.toml',
        )
    pairs = getaddresses([from_header])
    if len(pairs) != 1 or not valid_email(pairs[0][1]):
        raise DeliveryError(
            f"[mail] from is not one email address: {from_header!r}", Where(config_path), hint='write it as "Name <a@b.org>"'
        )
    reply_to = mail.reply_to
    if reply_to and not all(valid_email(a) for _, a in getaddresses([reply_to])):
        raise DeliveryError(f"[mail] reply_to is not a list of email addresses: {reply_to!r}", Where(config_path))
    return from_header, pairs[0][1], reply_to


def prepare(loaded: Loaded, request: MailRequest, now: dt.datetime | None = None) -> Prepared:
    """Every message of `request`; raises before anything is built when an address is invalid or
    a confidential version (``--confidential``, or a ``--pdf`` marked so) would go to anyone but
    the UN mandate it was written for (see pdf.refuse_confidential)."""
    spec = get_letter(loaded, request.letter)
    from_header, envelope_from, reply_to = mail_identity(loaded.ws.config, loaded.ws.config_path)
    result = Prepared()
    reachable: list[Addressee] = []
    invalid: list[tuple[Addressee, str]] = []
    for key in dict.fromkeys(request.addressees):
        addressee = get_addressee(loaded, key)
        if "email" not in addressee.channels:
            result.skipped.append(f"skipped {key}: no email channel (channels: {', '.join(addressee.channels) or 'none'})")
        elif not addressee.email:
            result.skipped.append(f"skipped {key}: the email channel is listed but no email address is given")
        elif not valid_email(addressee.email):
            invalid.append((addressee, addressee.email))
        else:
            reachable.append(addressee)
    if invalid:
        first, address = invalid[0]
        more = f" (and {len(invalid) - 1} more: {', '.join(a.key for a, _ in invalid[1:4])})" if len(invalid) > 1 else ""
        raise DeliveryError(
            f"addressee {first.key!r}: invalid email address {address!r}{more}",
            loaded.addressee_origin.get(first.key),
            hint="fix the address in the addressee directory; nothing was queued",
        )
    stamp = now or dt.datetime.now(dt.UTC).astimezone()
    pdf_file = _read_pdf(request.pdf) if request.pdf else None
    for addressee in reachable:  # before anything is built: a confidential version goes to its mandate only
        if pdf_file is not None:
            refuse_confidential(Where(pdf_file.path), pdf_file.confidential_for, addressee)
        elif request.confidential:
            refuse_confidential("--confidential", addressee.key, addressee)
    for addressee in reachable:
        for lang in _languages(spec, addressee, request, pdf_file):
            result.messages.append(_one(loaded, spec, addressee, lang, request, pdf_file, (from_header, envelope_from, reply_to), stamp))
    return result


@dataclass(frozen=True)
class _PdfFile:
    path: Path
    data: bytes
    subject: str
    lang: str
    confidential_for: str | None  # see pdf.confidential_for


def _read_pdf(path: Path) -> _PdfFile:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        data = path.read_bytes()
        reader = PdfReader(path)
        info: dict[str, Any] = dict(reader.metadata or {})
        subject = str(info.get("/Subject") or info.get("/Title") or "").strip()
        root: Any = reader.trailer["/Root"].get_object()
        lang = str(root.get("/Lang") or "").split("-")[0].lower()
    except FileNotFoundError:
        raise InputError("PDF not found", Where(path), hint="render it first with `advocate render`") from None
    except (PdfReadError, OSError, KeyError) as exc:
        raise InputError(f"not a readable PDF: {exc}", Where(path)) from None
    return _PdfFile(path, data, subject, lang, confidential_for(info))


def _languages(spec: LetterSpec, addressee: Addressee, request: MailRequest, pdf: _PdfFile | None) -> list[str]:
    if request.langs:
        for lang in request.langs:
            if lang not in spec.languages:
                raise InputError(f"letter {spec.name!r} has no {lang!r} version", "--lang", hint=f"available: {', '.join(spec.languages)}")
        return list(request.langs)
    if pdf is not None and pdf.lang:
        return [pdf.lang]
    preferred = [lang for lang in addressee.languages if lang in spec.languages]
    return [preferred[0] if preferred else spec.languages[0]]


def _one(
    loaded: Loaded,
    spec: LetterSpec,
    addressee: Addressee,
    lang: str,
    request: MailRequest,
    pdf_file: _PdfFile | None,
    identity: tuple[str, str, str],
    stamp: dt.datetime,
) -> Outgoing:
    variables, problems = check_variables(spec, request.variables, loaded.addressees, loaded.library)
    if errors_in(problems):
        raise CheckFailed(problems)
    confidential = request.confidential if pdf_file is None else pdf_file.confidential_for is not None
    if pdf_file is not None:
        pdf, letter_subject, filename = pdf_file.data, pdf_file.subject or spec.title, confidential_name(pdf_file.path.name, confidential)
    else:
        pdf, letter_subject = _render(loaded, spec, addressee, lang, request)
        filename = confidential_name(f"{spec.name}-{addressee.key}-{lang}.pdf", confidential)
    from_header, envelope_from, reply_to = identity
    context = _mail_context(loaded, spec, addressee, lang, request, variables, letter_subject, filename, confidential)
    subject, text, html = render_mail(loaded.ws, lang, context)
    version = hashlib.sha256(
        b"\0".join([pdf, subject.encode(), text.encode(), html.encode(), from_header.encode(), reply_to.encode()])
    ).hexdigest()[:12]
    domain = envelope_from.rpartition("@")[2]
    message_id = f"{spec.name}.{addressee.key}.{lang}.{version}@{domain}"
    to_header = formataddr((_display(addressee, lang), str(addressee.email)), charset="utf-8")
    headers = {"From": from_header, "To": to_header, "Reply-To": reply_to, "Subject": subject, "Message-ID": f"<{message_id}>"}
    raw = build_message(headers, stamp, lang, text, html, pdf, filename)
    return Outgoing(
        message_id=message_id,
        letter=spec.name,
        addressee=addressee.key,
        lang=lang,
        version=version,
        sender=envelope_from,
        rcpt=str(addressee.email),
        subject=subject,
        filename=filename,
        raw=raw,
        campaign=campaign_key(variables),
    )


def _mail_context(
    loaded: Loaded,
    spec: LetterSpec,
    addressee: Addressee,
    lang: str,
    request: MailRequest,
    variables: dict[str, Any],
    letter_subject: str,
    filename: str,
    confidential: bool,
) -> dict[str, Any]:
    """What the mail templates (subject, text, HTML) get for one message."""
    messages = recorder(loaded.ws, lang)
    context = {
        "lang": lang,
        "letter": spec,
        "letter_subject": letter_subject,
        "addressee": addressee_context(addressee, loaded.library, lang, messages),
        "sender": loaded.ws.config.sender,
        "signers": loaded.ws.config.sender.signers,
        "letter_date": _letter_date(request.date, lang),
        "attachment": filename,
        "confidential": confidential,
        "ohchr": False,
        "subject_follows_practice": False,
        "urgency": "",
        "mandates": [],
    }
    if addressee.email and addressee.email.lower().endswith("@ohchr.org"):
        context.update(_ohchr(spec, addressee, variables, letter_subject, messages))
    return context


_QP = Charset("utf-8")
_QP.body_encoding = QP
_CRLF = policy.compat32.clone(linesep="\r\n", max_line_length=998)


def build_message(headers: dict[str, str], stamp: dt.datetime, lang: str, text: str, html: str, pdf: bytes, filename: str) -> bytes:
    """multipart/mixed (text + HTML alternatives, the PDF attached) as CRLF bytes.

    Built with the compat32 classes: the header registry of `EmailMessage` is ten times slower,
    which shows when a campaign queues a thousand messages."""
    outer = MIMEMultipart("mixed")
    for name, value in headers.items():
        if value:
            outer[name] = value if value.isascii() else Header(value, "utf-8")  # type: ignore[assignment]
    outer["Date"] = format_datetime(stamp)
    outer["Content-Language"] = lang
    alternative = MIMEMultipart("alternative")
    alternative.attach(MIMEText(text, "plain", _QP))  # type: ignore[arg-type]
    alternative.attach(MIMEText(html, "html", _QP))  # type: ignore[arg-type]
    outer.attach(alternative)
    attachment = MIMEApplication(pdf, "pdf")
    attachment.add_header("Content-Disposition", "attachment", filename=filename if filename.isascii() else ("utf-8", "", filename))
    outer.attach(attachment)
    return outer.as_bytes(policy=_CRLF)


def _display(addressee: Addressee, lang: str) -> str:
    texts = addressee.title
    return texts.get(lang) or texts["en"]


def _letter_date(date: dt.date | None, lang: str) -> str:
    return i18n.format_date(date or dt.date.today(), lang, nbsp=False)  # plain text: ordinary spaces


def _ohchr(spec: LetterSpec, addressee: Addressee, variables: dict[str, Any], letter_subject: str, messages: Recorder) -> dict[str, Any]:
    """The OHCHR subject rule: the urgency and the intended mandates (in the letter's language, as
    the letter names them) in the subject; `subject_follows_practice` when the letter's own has both."""
    urgency = variables.get("urgency")
    mandates = variables.get("mandates") or variables.get("mandate")
    if isinstance(mandates, str):
        mandates = [mandates]
    if not urgency or not mandates:
        raise DeliveryError(
            f"a message to OHCHR ({addressee.email}) needs the urgency and the intended mandate(s) in its subject line",
            "--to",
            hint=f"letter {spec.name!r} must declare the variables `urgency` and `mandates` (see letters/un-special-procedures)",
        )
    mandates = mandate_names(messages, [str(m) for m in mandates])
    norm = _fold(letter_subject)
    label = messages.gettext(_urgency_label(str(urgency)))  # as the letter's language writes it ("Lettre d'allégation")
    follows = _fold(label) in norm and all(_fold(m) in norm for m in mandates)
    return {"ohchr": True, "subject_follows_practice": follows, "urgency": str(urgency), "mandates": mandates}


def _fold(text: str) -> str:
    return " ".join(text.replace("\u2019", "'").casefold().split())


def _render(loaded: Loaded, spec: LetterSpec, addressee: Addressee, lang: str, request: MailRequest) -> tuple[bytes, str]:
    letter_request = LetterRequest(
        letter=spec.name,
        addressee=addressee.key,
        lang=lang,
        variables=dict(request.variables),
        date=request.date,
        confidential=request.confidential,
    )
    rendered = build_letter(loaded, letter_request)
    m = re.search(r'<meta name="description" content="([^"]*)"', rendered.html)
    subject = " ".join(unescape(m.group(1)).split()) if m else spec.title
    return rendered.pdf or b"", subject or spec.title


# -- templates ---------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _environment(roots: tuple[Path, ...]) -> jinja2.Environment:
    env = sandboxed_environment(
        [root / "letters" / MAIL_DIR for root in roots],
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["urgency_label"] = TemplateFunction(_urgency_label)
    return env


def _urgency_label(code: str) -> str:
    return URGENCY.get(code, code.replace("_", " ").upper())


def render_mail(ws: Workspace, lang: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """(subject, plain text, HTML) from ``letters/_mail/`` (user workspace first)."""
    env = _environment(ws.roots)
    recorder(ws, lang).install(env)  # a broken catalogue stops here with its file and line
    out = []
    for name in TEMPLATES:
        try:
            out.append(env.get_template(name).render(context))
        except SecurityError as exc:
            raise refused(exc, name) from None
        except jinja2.TemplateNotFound:
            searched = ", ".join(str(r / "letters" / MAIL_DIR / name) for r in ws.roots)
            raise DeliveryError(f"mail template {name!r} not found", hint=f"searched: {searched}") from None
        except jinja2.TemplateSyntaxError as exc:
            raise DeliveryError(f"mail template syntax: {exc.message}", Where(exc.filename or name, exc.lineno)) from None
        except jinja2.UndefinedError as exc:
            raise DeliveryError(f"mail template: {exc.message}", Where(name)) from None
    subject = " ".join(out[0].split())
    if not subject:
        raise DeliveryError("the mail subject came out empty", Where(TEMPLATES[0]))
    return subject, out[1].strip() + "\n", out[2]


def eml_name(message: Outgoing) -> str:
    """The --dry-run file of a message; one carrying a confidential version (its attachment is
    always named ``...-confidential.pdf``) ends in ``-confidential.eml``."""
    confidential = Path(message.filename).stem.endswith("-confidential")
    return confidential_name(f"{message.letter}-{message.addressee}-{message.lang}.eml", confidential)
