"""The petition annex drawn straight into the PDF, from the pages `annex.plan` decided.

In: the letter's PDF, the planned pages (`annex.Page`: columns of entries, each entry already
known to take so many lines), the page geometry and the annex's texts (title, introduction,
running header, language and direction). Out: the letter followed by the annex, one PDF.

No layout engine is asked to find again what the plan already knows. Each entry is broken into
lines by `annex.break_lines` (the same measure the plan counted with), each line is split into
bidirectional runs by ICU (the entry's direction from its first strong character, as CSS
``unicode-bidi: plaintext`` does) and into runs of one font (the letter's fonts through fontconfig;
a character the first font lacks goes to its script's Noto face, `i18n.SCRIPT_FONTS`), and every
word is shaped by HarfBuzz (cached: names share their words). The glyphs are written with pypdf
objects into the letter's own PDF: Type 0 fonts with HarfBuzz-subset font files (glyph ids kept),
widths, and ToUnicode maps from HarfBuzz's clusters (each glyph to the text of its cluster), in
reading order: header, introduction, then column after column, so that pdftotext gives the names
back as written. (An /ActualText span around right-to-left lines made poppler reverse them: not
used.) Lines are placed where the plan put them, so the planned page count is the page count.
The same input gives the same bytes (no dictionary or set order reaches the output unsorted).
"""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from pypdf.generic import PdfObject

from .layout import PT_PER_MM, Geometry, Page, break_lines

RTL = re.compile(r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc\U00010800-\U00010fff\U0001e800-\U0001efff]")
KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
TEXT_GRAY, HEADER_GRAY = "0.067", "0.267"  # style.css: color #111; the running header #444


class Unsupported(Exception):
    """A character no font found here can print: the annex goes through WeasyPrint instead."""


@dataclass(eq=False)  # compared and hashed by identity
class Face:
    """One font file (a face of a collection), loaded in HarfBuzz; records the glyphs used."""

    family: str
    bold: bool
    path: str
    index: int
    postscript: str
    hb_font: Any
    upem: int
    unicodes: frozenset[int]
    cff: bool
    ascender: float  # em
    descender: float  # em, positive
    advances: dict[int, int] = field(default_factory=dict)

    def advance(self, gid: int) -> int:
        """The glyph's own advance, in font units."""
        if gid not in self.advances:
            self.advances[gid] = int(self.hb_font.get_glyph_h_advance(gid))
        return self.advances[gid]


@lru_cache(maxsize=64)
def face(family: str, bold: bool) -> Face | None:
    """The face fontconfig gives for `family` (None when it gives another family)."""
    import uharfbuzz as hb

    query = f"{family}:bold" if bold else family
    done = subprocess.run(
        ["fc-match", "-f", "%{file}\n%{index}\n%{family}\n%{postscriptname}", query], capture_output=True, text=True, timeout=20
    )
    lines = done.stdout.split("\n")
    if done.returncode != 0 or len(lines) < 4 or family not in lines[2].split(","):
        return None
    blob = hb.Blob.from_file_path(lines[0])
    hb_face = hb.Face(blob, int(lines[1]))
    font = hb.Font(hb_face)
    extents = font.get_font_extents("ltr")
    upem = hb_face.upem
    cff = "CFF " in hb_face.table_tags
    return Face(
        family, bold, lines[0], int(lines[1]), lines[3], font, upem, frozenset(hb_face.unicodes), cff,
        extents.ascender / upem, -extents.descender / upem,
    )  # fmt: skip


# -- choosing fonts and shaping -----------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """Glyphs of one face, left to right: (glyph id, advance, x offset, y offset) in font units;
    `ops`: the glyphs as TJ array items when none is offset (marks are), else ""."""

    face: Face
    glyphs: tuple[tuple[int, int, int, int], ...]
    width: int
    ops: str


def make_run(chosen: Face, glyphs: tuple[tuple[int, int, int, int], ...]) -> Run:
    """A `Run`, its TJ items worked out once (names share their words)."""
    items: list[str] = []
    for gid, advance, dx, dy in glyphs:
        if dx or dy:
            return Run(chosen, glyphs, sum(g[1] for g in glyphs), "")
        items.append(f"<{gid:04x}>")
        nominal = chosen.advance(gid)
        if nominal != advance:
            items.append(num((nominal - advance) * 1000 / chosen.upem))
    return Run(chosen, glyphs, sum(g[1] for g in glyphs), " ".join(items))


class Shaper:
    """Lines of text to positioned runs of glyphs, with the letter's fonts and HarfBuzz."""

    def __init__(self, families: list[str], lang: str) -> None:
        self.families = families
        self.lang = lang
        self._cache: dict[tuple[str, int, bool], tuple[Run, ...]] = {}
        self._faces: dict[tuple[str, bool], tuple[Face, ...]] = {}
        self._fallback: dict[tuple[int, bool], Face] = {}
        self.used: dict[int, dict[int, str]] = {}  # id(face) -> {glyph id: the text it stands for}

    def faces(self, text: str, bold: bool) -> tuple[Face, ...]:
        """The faces to try first for an entry, in order: the letter's, then for Han characters
        the face of the entry's other CJK script (kana: Japanese, Hangul: Korean) or of the
        letter's language; any other script's face is found by `fallback`."""
        default = {"ja": "Jpan", "ko": "Kore", "zh_Hant": "Hant"}.get(self.lang, "Hans")
        cjk = "Jpan" if KANA.search(text) else "Kore" if HANGUL.search(text) else default
        if (cjk, bold) not in self._faces:
            from ..core.i18n import SCRIPT_FONTS

            found = [face(n, bold) for n in dict.fromkeys([*self.families, SCRIPT_FONTS[cjk][0]])]
            self._faces[cjk, bold] = tuple(f for f in found if f is not None)
        return self._faces[cjk, bold]

    def fallback(self, code: int, bold: bool) -> Face:
        """The first face of `i18n.SCRIPT_FONTS` that has the character; `Unsupported` if none."""
        if (code, bold) not in self._fallback:
            from ..core.i18n import SCRIPT_FONTS

            for name in dict.fromkeys(f for f, _package in SCRIPT_FONTS.values()):
                found = face(name, bold)
                if found is not None and code in found.unicodes:
                    self._fallback[code, bold] = found
                    break
            else:
                raise Unsupported(f"no font for U+{code:04X} {unicodedata.name(chr(code), '')}")
        return self._fallback[code, bold]

    def line(self, text: str, rtl: bool, faces: tuple[Face, ...]) -> list[Run]:
        """One line's runs in visual order (left to right); `rtl`: the entry's direction."""
        runs: list[Run] = []
        for part, right_to_left in visual_runs(text, rtl):
            shaped = [r for w in WORDS.findall(part) for r in self.word(w, right_to_left, faces)]
            runs.extend(reversed(shaped) if right_to_left else shaped)
        return runs

    def word(self, word: str, rtl: bool, faces: tuple[Face, ...]) -> tuple[Run, ...]:
        """A word (or a space) shaped, in visual order; cached."""
        key = (word, id(faces), rtl)
        if key not in self._cache:
            bold = faces[0].bold if faces else False
            pieces = [shape(p, f, self.used.setdefault(id(f), {}), rtl) for p, f in self.font_runs(word, faces, bold)]
            self._cache[key] = tuple(reversed(pieces) if rtl else pieces)
        return self._cache[key]

    def font_runs(self, word: str, faces: tuple[Face, ...], bold: bool) -> Iterable[tuple[str, Face]]:
        """`word` split where the face that prints it changes; marks and spaces stay with the
        character before them."""
        if faces and set(map(ord, word)) <= faces[0].unicodes:
            yield word, faces[0]
            return
        current: Face | None = None
        piece = ""
        for ch in word:
            code = ord(ch)
            if current is not None and (code in current.unicodes or unicodedata.combining(ch) or ch.isspace()):
                piece += ch
                continue
            chosen = next((f for f in faces if code in f.unicodes), None) or self.fallback(code, bold)
            if piece and current is not None:
                yield piece, current
            current, piece = chosen, ch
        if piece and current is not None:
            yield piece, current


@lru_cache(maxsize=16)
def digits_apart(chosen: Face) -> bool:
    """Whether HarfBuzz shapes every pair of ASCII digits in `chosen` as the two digits shaped
    alone, one after the other (no kerning, ligature or contextual form between digits)."""
    alone = {d: shape(d, chosen, {}).glyphs for d in "0123456789"}
    return all(shape(a + b, chosen, {}).glyphs == alone[a] + alone[b] for a in alone for b in alone)


WORDS = re.compile(r"\S+|\s+")


def shape(text: str, chosen: Face, used: dict[int, str], rtl: bool = False) -> Run:
    """HarfBuzz's glyphs for `text` in one face, left to right (`rtl`: a right-to-left run, its
    brackets mirrored); each glyph's text (its cluster, given to the first glyph of a cluster)
    recorded in `used`, for the ToUnicode map."""
    import uharfbuzz as hb

    buf = hb.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    if rtl:
        buf.direction = "rtl"
    hb.shape(chosen.hb_font, buf, {})
    infos, positions = buf.glyph_infos, buf.glyph_positions
    if any(i.codepoint not in used for i in infos):
        starts = sorted({i.cluster for i in infos}) + [len(text)]
        ends = dict(zip(starts, starts[1:], strict=False))
        for info in sorted(infos, key=lambda i: i.cluster):  # a cluster's text to its first glyph
            used.setdefault(info.codepoint, text[info.cluster : ends.pop(info.cluster)] if info.cluster in ends else "")
    return make_run(chosen, tuple((i.codepoint, p.x_advance, p.x_offset, p.y_offset) for i, p in zip(infos, positions, strict=True)))


def visual_runs(text: str, rtl: bool) -> list[tuple[str, bool]]:
    """`text` (one line, logical order) as (part, right to left) runs in visual order, by ICU's
    bidirectional algorithm at the paragraph level `rtl`."""
    if not rtl and not RTL.search(text):
        return [(text, False)]
    import icu

    bidi = icu.Bidi()
    units = icu.UnicodeString(text)
    bidi.setPara(units, 1 if rtl else 0)
    runs = []
    for i in range(bidi.countRuns()):
        start, length, direction = bidi.getVisualRun(i)
        runs.append((str(units[start : start + length]), direction == 1))
    return runs


def is_rtl(text: str) -> bool:
    """The direction of `text` as ``unicode-bidi: plaintext`` finds it: its first strong character."""
    if not RTL.search(text):
        return False
    import icu

    return bool(icu.Bidi.getBaseDirection(text) == 1)


# -- drawing ------------------------------------------------------------------------------------


def num(value: float) -> str:
    """A number for a content stream: 2 decimals (1/100 pt; 1/100,000 em in TJ)."""
    return f"{value:.2f}"


class Canvas:
    """The content streams of the annex's pages, with the fonts they use."""

    def __init__(self, shaper: Shaper) -> None:
        self.shaper = shaper
        self.fonts: dict[int, tuple[str, Face]] = {}  # id(face) -> (resource name, face)
        self.ops: list[str] = ["BT"]
        self.current = ""  # the font and size last set
        self.words: dict[tuple[str, int], tuple[Face, str, int] | None] = {}
        self.digit_tables: dict[int, dict[str, tuple[Face, str, int]] | None] = {}
        self.roles: list[str] = []  # the role of each marked-content sequence of the page, by MCID

    def begin(self, role: str) -> None:
        """Begin the next marked-content sequence of the page (its MCID: its index in `roles`);
        role "Artifact" marks a pagination artifact (running header, repeated heading) instead."""
        if role == "Artifact":
            self.ops.append("/Artifact <</Type /Pagination>> BDC")
        else:
            self.ops.append(f"/{role} <</MCID {len(self.roles)}>> BDC")
            self.roles.append(role)

    def font_name(self, chosen: Face) -> str:
        if id(chosen) not in self.fonts:
            self.fonts[id(chosen)] = (f"F{len(self.fonts)}", chosen)
        return self.fonts[id(chosen)][0]

    def text(self, text: str, x: float, width: float, baseline: float, size: float, rtl: bool, right: bool, bold: bool = False) -> float:
        """One line of text in the box from `x` (pt) `width` wide, its baseline at `baseline`,
        against the box's right edge when `right`; `rtl`: the paragraph's direction, for the
        bidirectional algorithm. Returns its width in pt."""
        faces = self.shaper.faces(text, bold)
        simple = None if rtl or RTL.search(text) else self.simple_line(text, faces)
        if simple is not None:
            total = sum(units * size / chosen.upem for chosen, _items, units in simple)
            pen = x + width - total if right else x
            for chosen, items, units in simple:
                self.draw_items(chosen, items, pen, baseline, size)
                pen += units * size / chosen.upem
            return total
        runs = self.shaper.line(text, rtl, faces)
        total = sum(r.width * size / r.face.upem for r in runs)
        pen = x + width - total if right else x
        for run in runs:  # in visual order: pdftotext reads a line left to right
            self.draw(run, pen, baseline, size)
            pen += run.width * size / run.face.upem
        return total

    def simple_line(self, text: str, faces: tuple[Face, ...]) -> list[tuple[Face, str, int]] | None:
        """A left-to-right line whose every word one face prints without marks placed by
        HarfBuzz (most names) as (face, TJ items, width in font units) groups; else None."""
        groups: list[tuple[Face, str, int]] = []
        for number, word in enumerate(text.split(" ")):
            for part in (" ", word) if number else (word,):
                key = (part, id(faces))
                found = self.words.get(key)
                if found is None:
                    found = self.words[key] = self.simple_word(part, faces)
                if not found:
                    return None
                if groups and groups[-1][0] is found[0]:
                    last = groups[-1]
                    groups[-1] = (last[0], f"{last[1]} {found[1]}", last[2] + found[2])
                elif found[1]:
                    groups.append(found)
        return groups

    def simple_word(self, word: str, faces: tuple[Face, ...]) -> tuple[Face, str, int] | None:
        """A word's face, TJ items and width when one face prints it without offsets; a number
        is put together from its digits when the face allows (`digits_apart`)."""
        if not word:
            return faces[0], "", 0
        if len(word) > 1 and word.isascii() and word.isdigit():
            table = self.digits(faces)
            if table:
                return table["0"][0], " ".join([table[d][1] for d in word]), sum([table[d][2] for d in word])
        runs = self.shaper.word(word, False, faces)
        if len(runs) == 1 and runs[0].ops:
            return runs[0].face, runs[0].ops, runs[0].width
        return None

    def digits(self, faces: tuple[Face, ...]) -> dict[str, tuple[Face, str, int]] | None:
        """Each ASCII digit's face, TJ items and width, when one face prints them all and shapes
        them apart (`digits_apart`); else None."""
        if id(faces) not in self.digit_tables:
            table = {d: self.simple_word(d, faces) for d in "0123456789"}
            chosen = table["0"][0] if table["0"] else None
            apart = chosen is not None and all(t and t[0] is chosen for t in table.values()) and digits_apart(chosen)
            self.digit_tables[id(faces)] = table if apart else None  # type: ignore[assignment]
        return self.digit_tables[id(faces)]

    def draw_items(self, chosen: Face, items: str, pen: float, baseline: float, size: float) -> None:
        """TJ `items` in `chosen` at `size` from (`pen`, `baseline`)."""
        name = f"/{self.font_name(chosen)} {num(size)} Tf"
        if name != self.current:
            self.ops.append(name)
            self.current = name
        self.ops.append(f"1 0 0 1 {pen:.2f} {baseline:.2f} Tm [{items}] TJ")

    def draw(self, run: Run, pen: float, baseline: float, size: float) -> None:
        """Draw `run` from `pen` (pt)."""
        scale = size / run.face.upem
        self.draw_items(run.face, run.ops, pen, baseline, size)
        if run.ops:
            return
        for gid, advance, dx, dy in run.glyphs:  # a run with marks placed by HarfBuzz: glyph by glyph
            self.ops.append(f"1 0 0 1 {num(pen + dx * scale)} {num(baseline + dy * scale)} Tm <{gid:04x}> Tj")
            pen += advance * scale

    def take(self) -> bytes:
        """The content stream drawn since the last call."""
        data = "\n".join([*self.ops, "ET"]).encode("latin-1")
        self.ops = ["BT"]
        self.current = ""
        return data

    def take_roles(self) -> list[str]:
        """The roles of the page drawn since the last call, by MCID."""
        roles, self.roles = self.roles, []
        return roles


@dataclass(frozen=True)
class Texts:
    """The annex's own texts, from its template, in the letter's language."""

    title: str
    intro: str
    header: str  # "... page %(page)s of %(pages)s"
    lang: str
    rtl: bool


def baseline(line: float, size: float, chosen: Face) -> float:
    """Distance from the top of a line box `line` pt high to its baseline (CSS half-leading)."""
    return (line - (chosen.ascender + chosen.descender) * size) / 2 + chosen.ascender * size


def draw_page(canvas: Canvas, page: Page, number: int, total: int, geo: Geometry, texts: Texts) -> bytes:
    """One annex page's content stream: running header, introduction (page 1), columns; each
    item marked as content of its structure role (`_role`, gathered in `canvas.roles`)."""
    mm = PT_PER_MM
    height, side = geo.height * mm, geo.margin_side * mm
    content_width = (geo.width - 2 * geo.margin_side) * mm
    primary = canvas.shaper.faces("", False)[0]
    canvas.ops.append(f"{HEADER_GRAY} g")
    header = texts.header.replace("%(page)s", str(number)).replace("%(pages)s", str(total))
    header_base = height - (geo.margin_top - 4) * mm + primary.descender * 8.5
    runs = canvas.shaper.line(header, False, canvas.shaper.faces(header, False))
    header_width = sum(r.width * 8.5 / r.face.upem for r in runs)
    canvas.begin("Artifact")
    canvas.text(header, side + (content_width - header_width) / 2, header_width, header_base, 8.5, False, False)
    canvas.ops.append("EMC")
    canvas.ops.append(f"{TEXT_GRAY} g")
    top = height - geo.margin_top * mm
    if number == 1:
        intro(canvas, texts, side, content_width, top, primary)
    width = geo.column_pt
    for index, column in enumerate(page):
        left = geo.column_left(index) * mm
        x = side + (content_width - left - width if texts.rtl else left)
        y = top - (geo.intro_lines * geo.line_pt if number == 1 else 0)
        for item in column:
            lines = [item.text.strip()] if item.lines == 1 else break_lines(item.text, width / geo.font_pt, item.heading)
            rtl = is_rtl(item.text)
            role = _role(item)
            if role:
                canvas.begin(role)
            for text in lines:  # every line on the 10 pt grid (the plan's taller CJK lines only reserve room)
                canvas.text(text, x, width, y - baseline(geo.line_pt, geo.font_pt, primary), geo.font_pt, rtl, texts.rtl, item.heading)
                y -= geo.line_pt
            if role:
                canvas.ops.append("EMC")
            y -= geo.line_pt * (item.lines - len(lines))
    return canvas.take()


def _role(item: Any) -> str:
    """The structure role of a column's item (an `annex.Entry`): a country's heading, a name, or
    an artifact for a heading repeated at the top of a column; "" for the blank line between groups."""
    if not item.text.strip():
        return ""
    if item.heading:
        return "Artifact" if item.continued else GROUP_HEADING
    return "LBody"


def intro(canvas: Canvas, texts: Texts, x: float, width: float, top: float, primary: Face) -> None:
    """The annex's title (12 pt bold on 16 pt) and introduction (9.5 pt on 13 pt, wrapped)."""
    canvas.begin("H2")
    canvas.text(texts.title, x, width, top - baseline(16, 12, primary), 12, texts.rtl, texts.rtl, bold=True)
    canvas.ops.append("EMC")
    y = top - 16 - 6
    canvas.begin("P")
    for line in break_lines(texts.intro, width / 9.5):
        canvas.text(line, x, width, y - baseline(13, 9.5, primary), 9.5, texts.rtl, texts.rtl)
        y -= 13
    canvas.ops.append("EMC")


# -- the PDF ------------------------------------------------------------------------------------


def subset(chosen: Face, used: dict[int, str]) -> bytes:
    """The face's font file with only the glyphs used (their ids kept), by HarfBuzz."""
    import uharfbuzz as hb

    spec = hb.SubsetInput()
    spec.glyph_set.update(sorted(used))
    flags = hb.SubsetFlags
    spec.flags = flags.RETAIN_GIDS | flags.PASSTHROUGH_UNRECOGNIZED | flags.DESUBROUTINIZE | flags.NO_HINTING
    for tag in ("BASE", "DSIG", "GPOS", "GSUB", "JSTF", "LTSH", "PCLT", "SVG "):
        spec.drop_table_tag_set.add(int.from_bytes(tag.encode("ascii"), "big"))
    return bytes(hb.subset(chosen.hb_font.face, spec).blob.data)


def to_unicode(used: dict[int, str]) -> bytes:
    """The ToUnicode CMap: each glyph used to the text it stands for."""
    pairs = [(gid, text) for gid, text in sorted(used.items()) if text]
    head = (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <ffff>\nendcodespacerange\n"
    )
    body = []
    for start in range(0, len(pairs), 100):
        batch = pairs[start : start + 100]
        pairs_text = "".join(f"<{g:04x}> <{t.encode('utf-16-be').hex()}>\n" for g, t in batch)
        body.append(f"{len(batch)} beginbfchar\n{pairs_text}endbfchar\n")
    tail = "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    return (head + "".join(body) + tail).encode("ascii")


def stream(writer: Any, data: bytes, extra: dict[str, Any] | None = None) -> Any:
    """A compressed stream object added to `writer`; its reference."""
    from pypdf.generic import DecodedStreamObject, NameObject

    obj = DecodedStreamObject()
    obj.set_data(data)
    encoded = obj.flate_encode()
    for key, value in (extra or {}).items():
        encoded[NameObject(key)] = value
    return writer._add_object(encoded)


def embed(writer: Any, chosen: Face, glyphs: dict[int, str]) -> Any:
    """A Type 0 font for `chosen` (subset, widths, ToUnicode) in `writer`; its reference."""
    from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, NumberObject, TextStringObject

    used = sorted(glyphs)
    tag = "".join(chr(65 + b % 26) for b in hashlib.sha256(f"{chosen.postscript}{used}".encode()).digest()[:6])
    base = NameObject(f"/{tag}+{chosen.postscript}")
    data = subset(chosen, glyphs)
    n = NumberObject
    file_key = "/FontFile3" if chosen.cff else "/FontFile2"
    extra = {"/Subtype": NameObject("/OpenType")} if chosen.cff else {"/Length1": n(len(data))}
    widths = ArrayObject()
    for gid in used:
        widths += [n(gid), ArrayObject([FloatObject(num(chosen.advance(gid) * 1000 / chosen.upem))])]
    ascent, descent = round(chosen.ascender * 1000), -round(chosen.descender * 1000)
    descriptor = DictionaryObject({
        NameObject("/Type"): NameObject("/FontDescriptor"), NameObject("/FontName"): base,
        NameObject("/FontFamily"): TextStringObject(chosen.family), NameObject("/Flags"): n(4),
        NameObject("/FontBBox"): ArrayObject([n(0), n(descent), n(1000), n(ascent)]),
        NameObject("/ItalicAngle"): n(0), NameObject("/Ascent"): n(ascent), NameObject("/Descent"): n(descent),
        NameObject("/CapHeight"): n(ascent), NameObject("/StemV"): n(80), NameObject(file_key): stream(writer, data, extra),
    })  # fmt: skip
    cid = DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject(f"/CIDFontType{0 if chosen.cff else 2}"),
        NameObject("/BaseFont"): base, NameObject("/W"): widths,
        NameObject("/CIDSystemInfo"): DictionaryObject({
            NameObject("/Registry"): TextStringObject("Adobe"), NameObject("/Ordering"): TextStringObject("Identity"),
            NameObject("/Supplement"): n(0),
        }),
        NameObject("/FontDescriptor"): writer._add_object(descriptor),
    })  # fmt: skip
    if not chosen.cff:
        cid[NameObject("/CIDToGIDMap")] = NameObject("/Identity")
    font = DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type0"), NameObject("/BaseFont"): base,
        NameObject("/Encoding"): NameObject("/Identity-H"), NameObject("/DescendantFonts"): ArrayObject([writer._add_object(cid)]),
        NameObject("/ToUnicode"): stream(writer, to_unicode(glyphs)),
    })  # fmt: skip
    return writer._add_object(font)


def letter_with_annex(letter_pdf: bytes, pages: list[Page], geo: Geometry, texts: Texts, families: list[str]) -> bytes:
    """The letter followed by the annex's `pages` drawn here (see the module's docstring).
    Raises `Unsupported` when a character has no font (before anything is written)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import DictionaryObject, NameObject

    from .layout import labelled

    canvas = Canvas(Shaper(families, texts.lang))
    contents = [(draw_page(canvas, page, n + 1, len(pages), geo, texts), canvas.take_roles()) for n, page in enumerate(pages)]
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(letter_pdf)))
    letter_pages = len(writer.pages)
    fonts = DictionaryObject()
    resources = writer._add_object(DictionaryObject({NameObject("/Font"): fonts}))
    tags = AnnexTags(writer)
    for data, roles in contents:
        page = writer.add_blank_page(geo.width * PT_PER_MM, geo.height * PT_PER_MM)
        page[NameObject("/Contents")] = stream(writer, data)
        page[NameObject("/Resources")] = resources
        tags.add_page(page, roles)
    for name, chosen in canvas.fonts.values():
        fonts[NameObject(f"/{name}")] = embed(writer, chosen, canvas.shaper.used[id(chosen)])
    return labelled(writer, letter_pages)


GROUP_HEADING = "H3"  # a country's heading in the annex (the annex title is an H2 under the letter's H1)


class StructLeaf(PdfObject):
    """A structure element the annex makes by the hundred thousand (an ``LI`` holding one
    ``LBody``, or an element holding one marked-content sequence), written as its bytes in one go:
    pypdf's dictionaries escape every name again on every write, which took a quarter of a
    100,000-name annex. In: the role (a plain name), the parent's reference, and the page and MCID
    of its content, or (``LI``) its one kid, set later. Out: the PDF dictionary
    ``<</Type/StructElem/S/role/P n 0 R/Pg n 0 R/K mcid>>``, as pypdf would write it."""

    def __init__(self, role: str, parent: Any, page: Any = None, mcid: int | None = None) -> None:
        self.role, self.parent, self.page, self.mcid, self.kid = role.encode("ascii"), parent, page, mcid, None

    def write_to_stream(self, stream: Any, encryption_key: Any = None) -> None:
        kid = b"%d 0 R" % self.kid.idnum if self.kid is not None else b"%d" % (self.mcid or 0)
        page = b"/Pg %d 0 R" % self.page.idnum if self.page is not None else b""
        stream.write(b"<</Type/StructElem/S/%s/P %d 0 R%s/K %s>>" % (self.role, self.parent.idnum, page, kid))


class AnnexTags:
    """The annex's part of the letter's structure tree (pypdf objects in `writer`, the cloned
    tagged letter): a ``Sect`` after the letter's content holding the title (H2), the
    introduction (P), and per country its heading (H3) and a list (``L``/``LI``/``LBody``) of its
    names, in reading order; each annex page's marked content in the parent tree under a new
    key. The running header is a pagination artifact. A letter with no structure tree (not
    tagged) gets none."""

    def __init__(self, writer: Any) -> None:
        root = writer._root_object.get("/StructTreeRoot")
        self.writer = writer
        self.sect: Any = None
        self.list: Any = None
        if root is None:
            return
        root = root.get_object()
        self.nums = root["/ParentTree"].get_object()["/Nums"]
        self.next_key = max((int(k) for k in self.nums[0::2]), default=-1) + 1
        document = root["/K"][0].get_object() if isinstance(root["/K"], list) else root["/K"].get_object()
        self.sect = self.element("/Sect", document.indirect_reference)
        document["/K"].append(self.sect)  # type: ignore[attr-defined]

    def element(self, role: str, parent: Any, page: Any = None, mcid: int | None = None) -> Any:
        """A new structure element (its reference) under `parent`, holding `mcid` of `page`."""
        from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject

        kids = ArrayObject()
        element = DictionaryObject({NameObject("/Type"): NameObject("/StructElem"), NameObject("/S"): NameObject(role),
                                    NameObject("/P"): parent, NameObject("/K"): kids})  # fmt: skip
        if mcid is not None:
            element[NameObject("/Pg")] = page.indirect_reference
            kids.append(NumberObject(mcid))
        return self.writer._add_object(element)

    def add_page(self, page: Any, roles: list[str]) -> None:
        """Tag the annex page `page` whose marked-content sequences have `roles` (by MCID)."""
        from pypdf.generic import ArrayObject, NameObject, NumberObject

        if self.sect is None:
            return
        by_mcid = ArrayObject()
        for mcid, role in enumerate(roles):
            by_mcid.append(self.name_item(page, mcid) if role == "LBody" else self.leaf(f"/{role}", page, mcid))
        page[NameObject("/StructParents")] = NumberObject(self.next_key)
        page[NameObject("/Tabs")] = NameObject("/S")
        self.nums.extend([NumberObject(self.next_key), by_mcid])
        self.next_key += 1

    def name_item(self, page: Any, mcid: int) -> Any:
        """A name: an ``LI`` of the current list (a new one after a heading) holding the ``LBody``
        of `mcid` on `page`; returns the LBody's reference."""
        if self.list is None:
            self.list = self.child("/L", self.sect)
        item = self.writer._add_object(StructLeaf("LI", self.list))
        self.list.get_object()["/K"].append(item)
        body = self.writer._add_object(StructLeaf("LBody", item, page.indirect_reference, mcid))
        item.get_object().kid = body
        return body

    def leaf(self, role: str, page: Any, mcid: int) -> Any:
        """A heading or paragraph of the annex (`role`), holding `mcid` on `page`; ends the list."""
        self.list = None
        return self.child(role, self.sect, page, mcid)

    def child(self, role: str, parent: Any, page: Any = None, mcid: int | None = None) -> Any:
        """`element` appended to `parent`'s kids."""
        made = self.element(role, parent, page, mcid)
        parent.get_object()["/K"].append(made)
        return made
