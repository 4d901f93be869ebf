"""`advocate init DIR`: a new workspace with advocate.toml, an example letter, an empty
citations/ tree and an example document, ready to render against the bundled library.

In: a folder path. Out: the files created (refuses to overwrite existing ones).
"""

from __future__ import annotations

from pathlib import Path

from .errors import InputError, Where
from .output import write_atomic

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
