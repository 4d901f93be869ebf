"""OSCOLA footnotes.

In: sources (treaty, document or incident keys with pinpoints) in document order.
Out: numbered `Note`s whose text is the full citation the first time a source is cited, "Ibid"
when the note repeats the single source of the note just before it (with its own pinpoint), and
a short form with a cross-reference "(n N)" to the note of first citation after that.

Notes are numbered through the letter, which matches WeasyPrint's document-wide footnote
counter, so "(n N)" can be computed while the template is filled.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from markupsafe import Markup, escape

from ..core.i18n import cjk_kind, format_date, inner_quotes, language_name, list_separator, typography
from ..core.i18n import comma as language_comma
from ..core.i18n import quoted as quoted_text
from ..core.letter import Note
from ..core.models import Document, Incident, Treaty
from ..load.library import Library

MAX_NOTE_CHARS = 1500  # WeasyPrint drops the overflow of a footnote taller than the page
UN_DOC_KINDS = {"un_report", "resolution"}
# Scripts without italics mark titles in their own language with brackets (the CSS sets <i> upright).
TITLE_MARKS = {"zh": ("《", "》"), "ja": ("『", "』"), "ko": ("「", "」")}
ARTICLE_PARAGRAPH_RE = re.compile(r"^(\w+)\((\w+)\)$")
CLOSING_QUOTES = "”’»\"」』 \u202f"
PINPOINT_RE = re.compile(r"^(art|arts|para|paras|p|pp|annex|ch|n|s|sec|rec|recs)\s+(.+)$")
# A resolution's symbol gives its OSCOLA name: A/RES/78/218 -> "UNGA Res 78/218".
RESOLUTION_RE = re.compile(r"^(A|A/HRC|S)/RES/(\S+)$")


@dataclass(frozen=True)
class NoteStyle:
    """Punctuation of a footnote: final stop, between sources, before the pinpoint of a full
    citation (comma) and of "Ibid" or a short form (pin), between words (space)."""

    stop: str = "."
    between: str = "; "
    comma: str = ", "
    pin: str = " "
    space: str = " "


NOTE_STYLES = {
    "en": NoteStyle(),  # OSCOLA: "Ibid art 3(2)", "CAT (n 3) art 3(2)"
    "fr": NoteStyle(pin=", "),
    "es": NoteStyle(pin=", "),
    "ru": NoteStyle(pin=", "),
    "zh": NoteStyle(stop="。", between="；", comma=language_comma("zh"), pin="", space=""),
    "ja": NoteStyle(stop="。", between="；", comma=language_comma("ja"), pin="", space=""),
    "ar": NoteStyle(between="؛ ", comma=language_comma("ar"), pin="، "),
}


class Terms(Protocol):
    def pgettext(self, context: str, message: str) -> str: ...

    def known(self, context: str, message: str) -> str | None: ...

    def text(self, texts: dict[str, str] | None, context: str) -> str: ...


class English:
    """The source-language terms (no catalogue)."""

    def pgettext(self, context: str, message: str) -> str:
        return message

    def known(self, context: str, message: str) -> str | None:
        return message

    def text(self, texts: dict[str, str] | None, context: str) -> str:
        return texts["en"] if texts else ""


class Citer:
    """Numbers notes and formats each citation in OSCOLA style."""

    def __init__(self, library: Library, lang: str = "en", terms: Terms | None = None):
        self.library = library
        self.lang = lang
        self.terms = terms or English()
        self.style = NOTE_STYLES.get(lang) or NOTE_STYLES.get(cjk_kind(lang) or "", NOTE_STYLES["en"])
        self.title_marks = TITLE_MARKS.get(lang) or TITLE_MARKS.get(cjk_kind(lang) or "")
        self.notes: list[Note] = []
        self.first_note: dict[str, int] = {}

    def cite(self, refs: list[tuple[str, str | None]], label: str = "", after: Markup | None = None) -> Note:
        """A note citing `refs` (key, pinpoint) in order; keys must exist in the library. `label`
        follows the citation (what the quoted text is: "(official Korean translation)"); `after` is a
        sentence after it (the English text of a provision the letter paraphrased)."""
        number = len(self.notes) + 1
        previous = self.notes[-1].sources if self.notes else []
        parts = []
        if len(refs) == 1 and len(previous) == 1 and previous[0][0] == refs[0][0]:
            # Translators: "Ibid" (ibidem, "in the same place"): a footnote citing the same source as the
            # footnote just before it. Use your language's legal citation term (Ibid., 同上, 上掲, Там же).
            parts.append(Markup(escape(self._pt("footnote", "Ibid"))) + self._pin(refs[0][1], sep=self.style.pin))
        else:
            for key, pin in refs:
                if key in self.first_note:
                    parts.append(self._short(key, pin))
                else:
                    parts.append(self._full(key, pin))
                    self.first_note[key] = number
        html = Markup(self.style.between).join(parts)
        if label:
            html += Markup(self.style.space) + label
        if after is not None:
            html = self._end(html) + Markup(self.style.space or "") + after
        note = Note(number, self._end(html), list(refs))
        self.notes.append(note)
        return note

    def status_pages(self, treaties: list[Treaty]) -> Note:
        """A note citing where the depositary records each treaty's status (the UN Treaty Collection's
        status page), for a sentence that says a state signed, ratified or acceded to it: the status
        is cited to the depositary's record, never to the treaty text. Each treaty must hold a
        `status_page`. Like an explanation, the note breaks an ibid chain."""
        parts = []
        for t in treaties:
            page = t.status_page
            assert page is not None  # the caller checks it
            title = Markup("<i>%s</i>") % self.title_text(t.title, t.title_flags)
            # Translators: a footnote citing the United Nations Treaty Collection's page on the status of a treaty
            # (who signed, ratified or acceded); %(chapter)s is its number there ("IV-9"), %(title)s the treaty's title.
            text = escape(self._pt("footnote", "United Nations Treaty Collection, Status of Treaties, chapter %(chapter)s: %(title)s"))
            parts.append(text % {"chapter": page.chapter, "title": title} + Markup(" &lt;%s&gt;") % page.url)
        note = Note(len(self.notes) + 1, self._end(Markup(self.style.between).join(parts)), [])
        self.notes.append(note)
        return note

    def explain(self, text: str) -> Note:
        """A note of explanation that cites nothing (breaks an ibid chain)."""
        note = Note(len(self.notes) + 1, self._end(escape(text)), [])
        self.notes.append(note)
        return note

    # -- forms -----------------------------------------------------------------------------

    def _pt(self, context: str, message: str, **values: str) -> str:
        """A translated footnote term, with %(name)s placeholders filled."""
        text = self.terms.pgettext(context, message)
        return text % values if values else text

    def _labels(self, kind: str) -> str:
        labels = {
            "press_release": self._pt("document kind", "press release"),
            "ngo_report": self._pt("document kind", "report"),
            "ngo_letter": self._pt("document kind", "letter"),
            "news": self._pt("document kind", "news report"),
            "petition": self._pt("document kind", "petition"),
            "hearing": self._pt("document kind", "hearing"),
            "statement": self._pt("document kind", "statement"),
        }
        return labels.get(kind, "")

    def _end(self, html: Markup) -> Markup:
        """A note ends with a full stop (OSCOLA), in the language's punctuation; a quotation that
        ends a sentence of its own ends the note."""
        text = Markup(html).striptags().rstrip(CLOSING_QUOTES)
        return html if text.endswith((".", "?", "!", "。")) else html + Markup(self.style.stop)

    def text_label(self, kind: str | None) -> str:
        """What a quoted text in the letter's language is, as a footnote says it after the citation
        ("(official Korean translation)"); nothing for an authentic text or an unknown status."""
        language = language_name(self.lang)
        if kind == "official translation":
            # Translators: after the citation of a treaty article quoted in your language from your State's
            # official translation (Korean, Japanese texts); %(language)s is your language's name. Keep the brackets.
            return self._pt("footnote", "(official %(language)s translation)", language=language)
        if kind == "translation":
            # Translators: after the citation of a treaty article quoted in your language from a translation
            # (not one of the treaty's authentic texts); %(language)s is your language's name. Keep the brackets.
            return self._pt("footnote", "(%(language)s translation)", language=language)
        return ""

    def original_text(self, english: str, authentic: bool) -> Markup:
        """The sentence after the citation of a provision the letter paraphrased in its own language:
        the English text, quoted and marked as English."""
        quoted = Markup('<span lang="en" dir="ltr">%s</span>') % quoted_text(inner_quotes(english, "en"), "en")
        if authentic:
            # Translators: a footnote after a sentence of the letter that states a treaty rule in your language
            # (no official text in your language exists): say that the sentence is a paraphrase, then give the
            # treaty's authentic English text, %(text)s, quoted in English.
            message = self._pt("footnote", "Paraphrase; authentic English text: %(text)s")
        else:
            # Translators: as "Paraphrase; authentic English text", where the library does not record which
            # texts of the treaty are authentic: "the English text".
            message = self._pt("footnote", "Paraphrase; English text: %(text)s")
        return escape(message) % {"text": quoted}

    def _pin(self, pin: str | None, sep: str | None = None) -> Markup:
        """A pinpoint ("art 3(1)", "para 4") in the letter's language."""
        if not pin:
            return Markup("")
        m = PINPOINT_RE.match(pin)
        if m:
            pin = self._pinpoint(*m.groups())
        return Markup("%s%s") % (self.style.comma if sep is None else sep, pin)

    def _pinpoint(self, label: str, n: str) -> str:
        article = ARTICLE_PARAGRAPH_RE.match(n)
        if label == "art" and article:  # "art 3(1)": article and paragraph, as each language writes them
            # Translators: "article N, paragraph P" of a treaty (OSCOLA "art 3(1)"); %(n)s is the article, %(p)s the paragraph.
            return self._pt("pinpoint", "art %(n)s(%(p)s)", n=article.group(1), p=article.group(2))
        n = list_separator(self.lang).join(n.split(", "))  # "arts 6, 7, 9": the language's own list
        forms = {
            # Translators: article %(n)s of a treaty, abbreviated as lawyers cite it in your language (art 3, Art. 3, 第3条).
            "art": lambda: self._pt("pinpoint", "art %(n)s", n=n),
            # Translators: articles %(n)s (a list, already in your language's list form).
            "arts": lambda: self._pt("pinpoint", "arts %(n)s", n=n),
            # Translators: paragraph %(n)s of a document (para 4, Ziff. 4, 第4段), abbreviated as your language cites it.
            "para": lambda: self._pt("pinpoint", "para %(n)s", n=n),
            # Translators: paragraphs %(n)s of a document (a list or a range).
            "paras": lambda: self._pt("pinpoint", "paras %(n)s", n=n),
            # Translators: page %(n)s of a document (p 12, S. 12).
            "p": lambda: self._pt("pinpoint", "p %(n)s", n=n),
            # Translators: pages %(n)s of a document (pp 12-14, S. 12-14).
            "pp": lambda: self._pt("pinpoint", "pp %(n)s", n=n),
            "annex": lambda: self._pt("pinpoint", "annex %(n)s", n=n),
            # Translators: chapter %(n)s of a report or book (ch III, chap. III, 第三章), abbreviated as your language cites it.
            "ch": lambda: self._pt("pinpoint", "ch %(n)s", n=n),
        }
        return forms[label]() if label in forms else f"{label} {n}"

    def title_text(self, texts: dict[str, str] | None, flags: Mapping[str, str] | None = None) -> Markup:
        """An official title in the letter's language when the library holds a verified one, else
        the English title, marked as English (``lang="en"``: a screen reader and the tagged PDF's
        /Lang read it as English) in a letter in another language."""
        if not texts:
            return Markup("")
        if self.lang in texts and (flags or {}).get(self.lang, "V") != "U":
            start, end = self.title_marks or ("", "")
            return Markup("%s%s%s") % (start, typography(texts[self.lang], self.lang), end)
        english = typography(texts["en"], self.lang)
        return Markup('<span lang="en">%s</span>') % english if self.lang != "en" else Markup("%s") % english

    def _description(self, d: Document) -> str:
        return self.terms.text(d.description, "document description") if d.description else self._labels(d.kind)

    def _full(self, key: str, pin: str | None) -> Markup:
        source = self.library.get(key)
        if isinstance(source, Treaty):
            return self._full_treaty(source, pin)
        if isinstance(source, Document):
            return self._full_document(source, pin)
        raise KeyError(key)  # incidents are expanded to their sources before citing

    def _full_treaty(self, t: Treaty, pin: str | None) -> Markup:
        title = Markup("<i>%s</i>") % self.title_text(t.title, t.title_flags)
        adopted = format_date(t.adopted.date, self.lang)
        if t.kind == "declaration":
            by = f" {t.adopted.by}" if t.adopted.by else ""
            adopted_by = self._pt("footnote", "adopted %(date)s", date=adopted) + by
            return Markup("%s (%s) (%s)") % (title, adopted_by, self.short_name(t)) + self._pin(pin)
        dates = self._pt("footnote", "adopted %(date)s", date=adopted)
        if t.entry_into_force and t.entry_into_force.verified:
            eif = format_date(t.entry_into_force.date, self.lang)
            dates += self._pt("footnote", ", entered into force %(date)s", date=eif)
        # OSCOLA "1465 UNTS 85": volume and first page; without a verified first page, no reference
        series = f" {t.unts.volume} UNTS {t.unts.page}" if t.unts and t.unts.verified and t.unts.page else ""
        return Markup("%s (%s)%s (%s)") % (title, dates, series, self.short_name(t)) + self._pin(pin)

    def _full_document(self, d: Document, pin: str | None) -> Markup:
        date = format_date(d.date, self.lang)
        if d.kind == "judgment" and d.title and d.report:  # OSCOLA: *Case name* [2012] ICJ Rep 422, para 99
            return Markup("<i>%s</i> %s") % (self.title_text(d.title), d.report) + self._pin(pin)
        resolution = self._resolution(d)
        if resolution:  # OSCOLA: UNGA Res 78/218 'Title' (19 December 2023) UN Doc A/RES/78/218
            title = Markup(" %s") % self._quoted_title(d.title) if d.title else Markup("")
            text = Markup("%s%s (%s)") % (resolution, title, date)
            text += Markup(" %s") % self._pt("footnote", "UN Doc %(symbol)s", symbol=d.symbol or "")
            return text + self._defined(d) + self._pin(pin) + self._online(d)
        if d.kind in UN_DOC_KINDS and d.title:
            text = Markup("%s%s<i>%s</i> (%s)") % (self._author(d), self.style.comma, self.title_text(d.title), date)
            if d.symbol:
                text += Markup(" %s") % self._pt("footnote", "UN Doc %(symbol)s", symbol=d.symbol)
            return text + self._defined(d) + self._pin(pin) + self._online(d)
        return self._full_other(d, pin, date)

    def _resolution(self, d: Document) -> str:
        """A resolution's OSCOLA name from its symbol ("UNGA Res 78/218", "HRC Res 55/21"), or ""."""
        m = RESOLUTION_RE.match(d.symbol or "") if d.kind == "resolution" else None
        if not m:
            return ""
        body, number = m.groups()
        names = {
            # Translators: a General Assembly resolution as lawyers cite it (OSCOLA "UNGA Res 78/218"); %(number)s is its number.
            "A": lambda: self._pt("footnote", "UNGA Res %(number)s", number=number),
            # Translators: a Human Rights Council resolution as lawyers cite it (OSCOLA "HRC Res 55/21").
            "A/HRC": lambda: self._pt("footnote", "HRC Res %(number)s", number=number),
            # Translators: a Security Council resolution as lawyers cite it (OSCOLA "UNSC Res 1718").
            "S": lambda: self._pt("footnote", "UNSC Res %(number)s", number=number),
        }
        return names[body]()

    def _quoted_title(self, texts: dict[str, str] | None) -> Markup:
        """A title in quotation marks (OSCOLA's 'Title'), or in the language's title brackets. An
        English title in a Chinese, Japanese or Korean note keeps its quotation marks inside its
        English span: they are the English text's (set in the Latin face, not as wide CJK marks)."""
        if self.title_marks and texts and self.lang not in texts:
            return Markup('<span lang="en">‘%s’</span>') % typography(texts["en"], self.lang)
        title = self.title_text(texts)
        return Markup("%s") % title if self.title_marks and title[:1] in "《『「" else Markup("‘%s’") % title

    def _defined(self, d: Document) -> Markup:
        """The short form a later note uses, in brackets after the first citation ("(COI report)"),
        when a reader could not tell it from the full citation; else nothing."""
        short = self.short_name(d)
        full = " ".join((self._author(d), d.symbol or "", self._resolution(d)))
        return Markup(" (%s)") % short if short and short not in full else Markup("")

    def _online(self, d: Document) -> Markup:
        """OSCOLA's " <URL> accessed 6 December 2026" when the library has the URL (and the date)."""
        if not d.url:
            return Markup("")
        text = Markup(" &lt;%s&gt;") % d.url
        if d.accessed:
            # Translators: the date a web page was read, after its address (OSCOLA "accessed 6 December 2026").
            text += Markup(" %s") % self._pt("footnote", "accessed %(date)s", date=format_date(d.accessed, self.lang))
        return text

    def _full_other(self, d: Document, pin: str | None, date: str) -> Markup:
        """A press release, report, letter, news report or statement: author, 'title' (kind,
        publisher, date) pinpoint <URL> accessed date."""
        label = self._labels(d.kind)
        if d.title:
            text = Markup("%s%s%s") % (self._author(d), self.style.comma, self._quoted_title(d.title))
            inner = [label] if label and d.kind != "news" else []
        else:
            text = Markup("%s%s%s") % (self._author(d), self.style.comma, self._description(d))
            inner = []
        if d.publisher:
            inner.append(d.publisher)
        inner.append(date)
        text += Markup(" (%s)") % self.style.comma.join(inner)
        if d.symbol:
            text += Markup(" %s") % self._pt("footnote", "UN Doc %(symbol)s", symbol=d.symbol)
        text += self._defined(d)
        if pin:
            text += self._pin(pin, sep=self.style.space)
        return text + self._online(d)

    def _short(self, key: str, pin: str | None) -> Markup:
        source = self.library.get(key)
        n = self.first_note[key]
        # Translators: a cross-reference to footnote %(n)s, where the source was first cited in full
        # (OSCOLA "(n 3)"; e.g. "(Fn. 3)", "(前注3)"). Keep the brackets your language's citations use.
        cross_reference = self._pt("footnote", "(n %(n)s)", n=str(n))
        return Markup("%s%s%s") % (self._later_name(source), self.style.space, cross_reference) + self._pin(pin, sep=self.style.pin)

    def short_name(self, source: Treaty | Document | Incident | None) -> str:
        """The short form of later citations, in the letter's language (through the catalogue): a
        treaty's short title; a resolution's name ("UNGA Res 78/218"); a UN document's `short` (defined
        at its first citation) or symbol; for any other document its author (OSCOLA "King (n 4)"),
        `short` giving the author's short name (a surname) when the library has one."""
        if isinstance(source, Treaty):
            return self.terms.text({"en": source.short_title}, "treaty short title")
        if not isinstance(source, Document):
            return ""
        if self._resolution(source):
            return self._resolution(source)
        if source.short:
            return self.terms.text({"en": source.short}, "document short form")
        if source.kind in UN_DOC_KINDS:
            return source.symbol or self._author(source)
        return self._author(source)

    def _later_name(self, source: Treaty | Document | Incident | None) -> str:
        """The short form, with the work's title when another work of the same author was cited
        before (OSCOLA: several works by one author are told apart by a short title)."""
        short = self.short_name(source)
        if not isinstance(source, Document) or source.kind in UN_DOC_KINDS or self._resolution(source):
            return short
        same = [k for k in self.first_note if k != source.key and self.short_name(self.library.get(k)) == short]
        if not same:
            return short
        if source.title:
            return Markup("%s%s%s") % (short, self.style.comma, self._quoted_title(source.title))
        return Markup("%s%s%s") % (short, self.style.comma, format_date(source.date, self.lang))

    def _author(self, d: Document) -> str:
        return self.terms.text({"en": d.author}, "author")
