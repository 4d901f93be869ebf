"""New files to fill in: `advocate init DIR` (a workspace with advocate.toml, an example letter,
an empty citations/ tree and an example document, ready to render against the bundled library) and
`advocate new letter|incident|document|addressee` (one letter folder or library file, every key
present and commented).

In: a folder path, or a workspace and a name. Out: the files created (never overwrites a file).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ..core.errors import InputError, UsageError, Where
from ..core.models import KEY_RE
from ..core.output import write_atomic
from ..load.loaded import load

CONFIG = """\
# Your organisation: printed in the letterhead, the signature block and the PDF metadata.
paper = "A4"            # "A4" or "letter" (US Letter)

[sender]
name = "Your Organisation"
address = ["Street and number", "Postcode City", "Country"]
email = "office@your-organisation.example"
website = "your-organisation.example"

[[sender.signers]]
name = "Your Name"
title = "Your Title"
"""

LETTER_YAML = """\
title: Example letter to China's foreign ministry
kind: government_letter
purpose: >-
  A short example: states the 9 October 2023 returns with their sources and China's obligation
  under the Convention against Torture. Copy it to start a letter of your own.
languages: [en]                # add a language once its catalogue translates the letter: advocate i18n init fr
addressee_kinds: [foreign_ministry, head_of_state]
respondent: addressee
respondent_states: [CN]        # the prose names China: refused for an addressee of another State
variables:
  reference:
    type: str
    help: your reference, printed under the date
examples:
  - to: cn-mfa
"""

LETTER_TEMPLATE = """\
{% extends "_base/base.html.j2" %}
{#- Prose goes in {% trans %} blocks so translators can translate it (docs/translating.md). -#}
{% block subject %}{% trans %}Forced returns of North Korean escapees{% endtrans %}{% endblock %}
{% block body %}
<p>{% trans %}We write to you about the forced return of North Korean escapees from China.{% endtrans %}</p>
<p>{{ fact("return-2023-10-09") }}</p>
<p>{% trans date=status("cat").date, quote1=quote("cat", "3(1)", obligation=True) %}China has been a party to the
Convention against Torture since {{ date }}. Article 3(1) provides: {{ quote1 }}{% endtrans %}</p>
<p>{% trans %}We urge your Government to halt all forced returns and to grant UNHCR access to those
detained.{% endtrans %}</p>
{% endblock %}
"""

DOCUMENT = """\
# An example document of your own. Every fact carries a flag: V (verified in the primary source),
# V2 (verified in a secondary source) or U (unverified: never cited). See docs/formats.md.
key: my-report
kind: ngo_report
author: Your Organisation
title: {en: Title of your report}
date: 2024-01
url: null
flag: U
source: not yet checked
"""


def init_workspace(folder: Path) -> list[Path]:
    files = {
        folder / "advocate.toml": CONFIG,
        folder / "letters" / "example" / "letter.yaml": LETTER_YAML,
        folder / "letters" / "example" / "letter.html.j2": LETTER_TEMPLATE,
        folder / "citations" / "documents" / "my-report.yaml": DOCUMENT,
    }
    existing = [p for p in files if p.exists()]
    if existing:
        raise InputError(
            "refusing to overwrite an existing file", Where(existing[0]), hint="choose a new or empty folder, or move that file away"
        )
    for path, text in files.items():
        write_atomic(path, text)
    for sub in ("treaties", "incidents"):
        (folder / "citations" / sub).mkdir(parents=True, exist_ok=True)
    (folder / "locales").mkdir(exist_ok=True)
    return list(files)


# -- `advocate new letter|incident|document|addressee`: one file (or letter folder) to fill in ----

NEW_LETTER_YAML = """\
# A letter: what it is, whom it goes to, its variables. Every key is listed; docs/writing-letters.md
# explains each. `advocate check` validates this file, `advocate show __KEY__` shows what it needs.
title: FILL IN a one-line title, shown by `advocate letters`
kind: government_letter          # government_letter | un_submission | mission_letter | signon | petition
purpose: >-
  FILL IN a paragraph saying what the letter asks and of whom (shown by `advocate show`).
languages: [en]                  # or all: English and every language with a catalogue
accepted_languages: []           # the only languages its recipients accept, e.g. [en, fr, es] for UN
                                 #   Special Procedures: any other --lang is refused (empty: any)
addressee_kinds: [foreign_ministry]   # head_of_state | foreign_ministry | ministry | un_mandate
                                      # | un_office | permanent_mission | organisation
respondent: addressee            # the State obligations are asserted against: addressee, an ISO code (CN),
                                 #   or var:NAME (a variable of type state)
respondent_states: []            # the States the prose is written for, e.g. [CN]: any other is refused
                                 #   (required once the prose names a State and the respondent is not fixed)
addressee_states: []             # only addressees of these States (empty: any)
excluded_states: []              # never addressees of these States, e.g. [KP]
addressee_localities: []         # only addressees seated here, e.g. [New York] (empty: any)
deadline: null                   # a yearly date the letter must arrive before, e.g.
                                 #   {event: the Third Committee's vote, usual: 11-15, variable: vote_date, lead_days: 21}
signatories: none                # none | optional | required (a CSV given with --signatories)
standalone: false                # true only for a template that lays out its own page on purpose
                                 #   (not extending _base/base.html.j2)
variables:                       # values given with --var KEY=VALUE; each printed as text, never markup
  reference:
    type: str                    # str | text | int | bool | date | choice | list | addressee | state
    required: false
    default: null
    choices: []                  # for type choice
    help: your reference, printed under the date
examples: []                     # what `make demo` renders and `advocate check` tries, e.g.
                                 #   - to: cn-mfa          (an addressee key: `advocate addressees list`)
                                 #     lang: en
                                 #     vars: {reference: "HR/2024/1"}
"""

NEW_LETTER_TEMPLATE = """\
{% extends "_base/base.html.j2" %}
{#- The text of the letter. Prose goes in {% trans %} blocks, one per paragraph (docs/translating.md);
    facts about incidents come from the library with fact("KEY"), footnotes with cite("KEY", "para 4"),
    obligations with obligation("TREATY", "art 3(1)") (docs/writing-letters.md, "Functions"). -#}
{% block subject %}{% trans %}FILL IN the subject{% endtrans %}{% endblock %}
{% block body %}
<p>{% trans %}FILL IN the first paragraph.{% endtrans %}</p>
{% endblock %}
"""

NEW_INCIDENT = """\
# An incident: what a letter states with fact("__KEY__"), footnoted to its sources. docs/formats.md
# explains every key. flag U (unverified) keeps it out of every letter until you check it and set V
# (verified in the primary source) or V2 (in a secondary source).
key: __KEY__
title: {en: FILL IN a short title}
date: __DATE__                   # YYYY-MM-DD, YYYY-MM or YYYY: the precision you know
date_estimated: false
time: null                       # optional, e.g. {en: about 7.30 pm local time}
places: []                       # place names in English, e.g. [Tumen, Dandong]
perpetrator: null                # ISO code of the State responsible (declared in citations/states.yaml)
receiving_state: null            # ISO code, for a return
kind: other                      # forced_return | detention | disappearance | other
counts: []                       # e.g. - {value: 500, qualifier: over, unit: people, estimate: true,
                                 #         attributed_to: [DOCUMENT], flag: V2}
summary:                         # the statement a letter makes: only what the sources say
  en: FILL IN the statement of fact.
sources: []                      # FILL IN at least one (`advocate check` requires it):
                                 #   - document: DOCUMENT-KEY   (citations/documents/DOCUMENT-KEY.yaml)
                                 #     pinpoint: null            (e.g. para 4)
                                 #     reliability: likely_reliable   # highly_reliable | likely_reliable | unsure
                                 #     connection: secondary_report   # victim | witness | relative
                                 #                                    # | secondary_report | official
victims: []                      # named victims only with consent recorded:
                                 #   - {name: ..., consent: unknown, confidential: true, details: {en: ...}}
related: []                      # e.g. [{treaty: cat, article: "3(1)"}]
flag: U                          # V | V2 | U (never stated in a letter)
note: ""
"""

NEW_DOCUMENT = """\
# A document a letter cites with cite("__KEY__"): a UN report, a resolution, a press release, an NGO
# report... docs/formats.md explains every key. flag U (unverified) keeps it out of every letter until
# you check the facts below against the document and set V (or V2, from a secondary source).
key: __KEY__
kind: ngo_report                 # un_report | resolution | press_release | ngo_report | ngo_letter
                                 # | news | petition | hearing | statement | judgment
author: FILL IN the issuing body, organisation or person(s)
title: {en: FILL IN the title}   # as published; add other languages where an official one exists
description: null                # optional, printed when there is no title, e.g. {en: letter to ...}
short: null                      # optional short form for later footnotes
date: __DATE__                   # YYYY-MM-DD, YYYY-MM or YYYY
symbol: null                     # UN document symbol, e.g. A/HRC/25/63
report: null                     # a judgment's law report, e.g. "[2012] ICJ Rep 422"
publisher: null                  # news outlet or journal
url: null
accessed: null                   # the date you read the URL (YYYY-MM-DD); never invented
flag: U                          # V | V2 | U (never cited)
source: not yet checked          # where you verified these facts
note: ""
"""

NEW_ADDRESSEE = """\
# An addressee of the directory (`advocate addressees show __KEY__`). docs/formats.md, "Addressees",
# explains every key. Give an address or email only from a public source, named in `source`.
__KEY__:
  kind: organisation             # head_of_state | foreign_ministry | ministry | un_mandate
                                 # | un_office | permanent_mission | organisation
  state: null                    # ISO code of the State it speaks for (omit for UN mandates)
  name: null                     # the person, if any, e.g. {en: Xi Jinping}
  title: {en: FILL IN the title or office}
  salutation: {en: Dear Sir or Madam}   # the form of address, e.g. Your Excellency
  address: null                  # e.g. {lines: [street], locality: Geneva, postal_code: null,
                                 #       country: CH, source: "where you found it"}
  email: null
  email_source: null             # required with an email: the public source that gives it
  languages: [en]                # languages it accepts, preferred first
  channels: []                   # email | post | form: how letters reach it
  note: ""
  gender: null                   # female | male: the office holder's form of address ("Dear Madam
                                 # Secretary:", feminine catalogue variants); null when not known
"""

NEW_KINDS = {
    "incident": ("citations", "incidents", NEW_INCIDENT),
    "document": ("citations", "documents", NEW_DOCUMENT),
    "addressee": ("letters", "addressees", NEW_ADDRESSEE),
}


def _key(kind: str, key: str) -> str:
    """`key` if it is a valid key for a new `kind`, else a UsageError."""
    if not KEY_RE.match(key):
        raise UsageError(f"{kind} name {key!r} must be lowercase letters, digits, '-' or '_'", kind.upper(), hint="e.g. return-2024-03-01")
    return key


def _create(files: dict[Path, str]) -> list[Path]:
    """Write `files` (path -> text), refusing to overwrite any existing file; all or none."""
    import os

    existing = [p for p in files if os.path.lexists(p)]
    if existing:
        raise InputError("refusing to overwrite an existing file", Where(existing[0]), hint="choose another name, or edit that file")
    for path, text in files.items():
        write_atomic(path, text)
    return list(files)


def new_letter(ws: Any, name: str) -> list[Path]:
    """A letter folder ``letters/NAME/`` in the writable workspace: letter.yaml with every key
    commented and a template to fill in. Out: the files created."""
    folder = ws.writable_root() / "letters" / _key("letter", name)
    yaml_text = NEW_LETTER_YAML.replace("__KEY__", name)
    return _create({folder / "letter.yaml": yaml_text, folder / "letter.html.j2": NEW_LETTER_TEMPLATE})


def new_entry(ws: Any, kind: str, key: str, today: dt.date) -> Path:
    """A new incident, document or addressee file (`kind`) for `key` in the writable workspace,
    with every key commented and flag U where there is a flag. Refuses a key the library or the
    addressee directory already holds. Out: the file created."""
    loaded = load(ws)
    taken = loaded.addressees if kind == "addressee" else loaded.library.keys()
    if _key(kind, key) in taken:
        where = loaded.addressee_origin[key] if kind == "addressee" else loaded.library.origin[key]
        raise InputError(
            f"key {key!r} is taken already: {where}", kind.upper(), hint="choose another key (keys are unique across the library)"
        )
    top, sub, template = NEW_KINDS[kind]
    path = ws.writable_root() / top / sub / f"{key}.yaml"
    return _create({path: template.replace("__KEY__", key).replace("__DATE__", today.isoformat())})[0]
