"""Accessible structure on top of WeasyPrint's tagged PDF (a finisher of the pdf stage).

In: the WeasyPrint document just laid out and the pydyf PDF being written (its structure tree
built by WeasyPrint's ``pdf_tags``, not yet serialised), the signature boxes' anchors in field
order. Out: the same PDF objects changed in place, so that the tree says what PDF/UA-1 and
PDF/A-2a/3a ask of it:

- footnotes: each note (the footnote's box in the footnote area; one per page a long note
  reaches) a ``Note`` with a unique /ID (``note-3``, ``note-3-2``), its marker a ``Lbl``; each
  call a ``Reference`` holding a ``Link``: the call's text and an OBJR to a link annotation
  over it that goes to the note, with the note's text as its /Contents;
- /Lang on every element whose language (the HTML ``lang`` attribute, which WeasyPrint keeps
  in the computed style) differs from its parent's or the document's;
- running headers and page numbers (margin boxes, which WeasyPrint tags but leaves out of the
  tree) marked as pagination artifacts in the page's content, their parent-tree entries null;
- the first heading an ``H1`` (the subject line, ``p.subject``, when the letter has no h1):
  headings start at level 1 and skip none;
- every empty signature field a ``Form`` element with an OBJR to its widget, in the element of
  its ``signature-box``; every annotation added here has a /StructParent in the parent tree;
- images without alt text listed (`figures_without_alt`) so that a PDF/UA render refuses them.

WeasyPrint's tree does not record which box each element was made for: `_created` walks the
boxes as ``weasyprint.pdf.tags`` does and pairs its elements with theirs, checking each role, so
that a WeasyPrint whose tree differs stops with an error instead of mislabelling the tree.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..core.errors import RenderError, Where

PX_TO_PT = 0.75
NOTE_ID = "note"


@dataclass
class Tagged:
    """One structure element WeasyPrint made, with the box it was made for and its page (from 0)."""

    element: Any  # pydyf.Dictionary
    box: Any  # weasyprint box (None for a list item WeasyPrint adds around a bullet-less item)
    page: int
    in_margin: bool


def tag_finisher(anchors: list[str], accessible: bool, where: Where | None = None):  # type: ignore[no-untyped-def]
    """A WeasyPrint finisher completing the structure tree (see the module docstring). `anchors`:
    the ids of the signature boxes, in the order their fields were added; `accessible`: the PDF
    will declare PDF/UA or PDF/A level A, so an image without alt text is an error (naming
    `where`, the template)."""

    def finish(document, pdf) -> None:  # type: ignore[no-untyped-def]
        tree = _Tree(pdf)
        tagged = _pair(document, tree)
        _mark_languages(tagged, getattr(pdf.catalog.get("Lang"), "string", ""))
        _margins_as_artifacts(tree, tagged)
        _footnotes(tree, tagged, document)
        _headings(tagged)
        _signature_fields(tree, tagged, anchors)
        missing = figures_without_alt(tagged)
        if accessible and missing:
            raise RenderError(
                f"the image {missing[0]!r} has no alt text: an accessible PDF needs a description of every image",
                where,
                hint='give the <img> an alt="..." describing it (the letterhead logo: the organisation\'s name)',
            )

    return finish


class _Tree:
    """The pydyf objects of the structure tree: resolve references, add elements and
    parent-tree entries."""

    def __init__(self, pdf: Any) -> None:
        self.pdf = pdf
        self.root = self.get(pdf.catalog["StructTreeRoot"])
        self.nums = self.get(self.root["ParentTree"])["Nums"]
        self.next_key = max(self.nums[0::2], default=-1) + 1

    def get(self, reference: Any) -> Any:
        return self.pdf.objects[int(bytes(reference).split()[0])]

    def page_mcids(self, page: int) -> Any:
        """The parent-tree array of `page` (index: MCID, value: the element's reference)."""
        return self.nums[self.nums[0::2].index(page) * 2 + 1]

    def element(self, role: str, parent: Any, page: int, kids: list[Any]) -> Any:
        import pydyf

        element = pydyf.Dictionary(
            {"Type": "/StructElem", "S": f"/{role}", "K": pydyf.Array(kids), "Pg": self.pdf.page_references[page], "P": parent.reference}
        )
        self.pdf.add_object(element)
        return element

    def attach(self, annotation: Any, element: Any, page: int, alone: bool = False) -> None:
        """Make `annotation` a kid of `element` (an OBJR; the only kid when `alone`) and give it a
        parent-tree key."""
        import pydyf

        objr = pydyf.Dictionary({"Type": "/OBJR", "Obj": annotation.reference, "Pg": self.pdf.page_references[page]})
        self.pdf.add_object(objr)
        if alone:
            element["K"] = objr.reference
        else:
            element["K"].append(objr.reference)
        annotation["StructParent"] = self.next_key
        self.nums.extend([self.next_key, element.reference])
        self.next_key += 1


# -- pairing WeasyPrint's elements with their boxes ----------------------------------------------


def _pair(document: Any, tree: _Tree) -> list[Tagged]:
    """WeasyPrint's structure elements (in the order it made them) with their boxes."""
    made = [o for o in tree.pdf.objects if isinstance(o, dict) and o.get("Type") == "/StructElem" and o.get("S") != "/Document"]
    expected = [
        (role, box, page, margin)
        for page, page_object in enumerate(document.pages)
        for role, box, margin in _created(page_object._page_box, "Document", False)
    ]
    if len(made) != len(expected) or any(e.get("S") != f"/{role}" for e, (role, *_rest) in zip(made, expected, strict=False)):
        raise RenderError(
            "WeasyPrint's structure tree is not the one this version of advocate completes",
            hint="install the WeasyPrint version uv.lock names (make setup)",
        )
    return [Tagged(element, box, page, margin) for element, (_role, box, page, margin) in zip(made, expected, strict=True)]


def _created(box: Any, parent: str, margin: bool) -> Iterator[tuple[str, Any, bool]]:
    """(role, box, in a margin box) of each element ``weasyprint.pdf.tags._build_box_tree`` makes
    for `box` under a parent of role `parent`, in the order it makes them."""
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout.absolute import AbsolutePlaceholder
    from weasyprint.pdf.tags import _get_pdf_tag

    if isinstance(box, AbsolutePlaceholder):
        box = box._box
    element_tag = None if box.element is None else box.element_tag
    role = _get_pdf_tag(element_tag)
    if element_tag in ("html", "body") or isinstance(box, boxes.PageBox):
        if isinstance(box, boxes.ParentBox) and not isinstance(box, boxes.LineBox):
            for child in box.children:
                yield from _created(child, parent, margin)
            return
    elif isinstance(box, boxes.MarginBox):
        for child in box.children:
            yield from _created(child, parent, True)
        return
    elif role in ("TD", "TH") and parent in ("TD", "TH"):
        role = "NonStruct"
    elif role == "LI":
        role, wrap = _list_role(box, parent)
        if wrap:
            yield "LI", None, margin
            yield from _created(box, "LI", margin)
            return
    yield role, box, margin
    if box.widget_annotation:
        yield "Form", box, margin
    yield from _children(box, role, parent, margin)


def _list_role(box: Any, parent: str) -> tuple[str, bool]:
    """The role WeasyPrint gives a list-item box, and whether it wraps it in an LI of its own."""
    if parent == "LI":
        return "LBody", False
    if parent == "LBody":
        return "NonStruct", False
    no_bullet = box.element_tag == "li" and ("list-item" not in box.style["display"] or box.style["list_style_type"] == "none")
    return "LI", box.element_tag in ("dt", "dd") or no_bullet


def _children(box: Any, role: str, parent: str, margin: bool) -> Iterator[tuple[str, Any, bool]]:
    """The elements made for the children of `box` (an element of `role`)."""
    from weasyprint.formatting_structure import boxes

    children = box.children
    if role == "Table" and box.is_table_wrapper and (table := box.get_wrapped_table()):  # captions go in the table
        children = [kid for child in box.children for kid in (child.children if child is table else [child])]
    for child in children:
        for kid in child.children if isinstance(child, boxes.LineBox) else [child]:
            if isinstance(kid, boxes.TextBox):
                if role != "Link":
                    yield "Span", kid, margin
            else:
                nested_list = kid.element_tag in ("ul", "ol") and role == "LI"
                yield from _created(kid, parent if nested_list else role, margin)


# -- what the finisher changes -------------------------------------------------------------------


def _mark_languages(tagged: list[Tagged], document_lang: str) -> None:
    """/Lang on every element whose language differs from its parent's (the document's at the top)."""
    import pydyf

    langs: dict[bytes, str] = {}
    for t in tagged:
        if t.in_margin:
            continue
        parent = langs.get(bytes(t.element["P"]), document_lang)
        own = (t.box.style["lang"] if t.box is not None else None) or parent
        if own.lower() != parent.lower():
            t.element["Lang"] = pydyf.String(own)
        langs[t.element.reference] = own


def _margins_as_artifacts(tree: _Tree, tagged: list[Tagged]) -> None:
    """Running headers and page numbers (the margin boxes' content) as pagination artifacts:
    their marked content becomes ``/Artifact <</Type /Pagination>> BDC``, their parent-tree
    entries null, and the elements WeasyPrint made for them (outside the tree) empty."""
    import pydyf

    by_page: dict[int, set[int]] = {}
    for t in tagged:
        if t.in_margin:
            by_page.setdefault(t.page, set()).update(k for k in t.element["K"] if isinstance(k, int))
            t.element.clear()  # referenced by nothing once the parent tree forgets it
    for page, mcids in by_page.items():
        entries = tree.page_mcids(page)
        for mcid in mcids:
            entries[mcid] = "null"
        ops = tree.get(tree.get(tree.pdf.page_references[page])["Contents"]).stream
        found = 0
        for i in range(1, len(ops) - 1):
            if isinstance(ops[i], dict) and ops[i].get("MCID") in mcids and ops[i + 1] == b"BDC":
                ops[i - 1], ops[i] = "/Artifact", pydyf.Dictionary({"Type": "/Pagination"})
                found += 1
        if found != len(mcids):
            raise RenderError(f"page {page + 1}: the running header's marked content was not found", hint="report this (--debug)")


def _footnotes(tree: _Tree, tagged: list[Tagged], document: Any) -> None:
    """Notes, their markers and their calls (see the module docstring)."""
    import pydyf
    from weasyprint.formatting_structure.boxes import FootnoteAreaBox, TextBox

    targets: dict[int, tuple[Any, str]] = {}  # id(footnote element) -> (destination, the note's text)
    numbers: dict[int, int] = {}  # id(footnote element) -> its number (notes come in call order)
    parts: dict[int, int] = {}  # how many pages a note has reached so far
    body = [t for t in tagged if t.box is not None and t.box.element is not None and not t.in_margin and not isinstance(t.box, TextBox)]
    areas = [area for page in document.pages for area in page._page_box.children if isinstance(area, FootnoteAreaBox)]
    in_area = {id(note) for area in areas for note in area.children}
    for t in body:
        if t.box.element_tag.endswith("::footnote-marker"):
            t.element["S"] = "/Lbl"
        elif id(t.box) in in_area:
            key = id(t.box.element)
            number, part = numbers.setdefault(key, len(numbers) + 1), parts.get(key, 0) + 1
            parts[key] = part
            t.element["S"] = "/Note"
            t.element["ID"] = pydyf.String(f"{NOTE_ID}-{number}" + (f"-{part}" if part > 1 else ""))
            if part == 1:
                height = document.pages[t.page].height
                point = (t.box.position_x * PX_TO_PT, (height - t.box.position_y) * PX_TO_PT)
                destination = pydyf.Array([tree.pdf.page_references[t.page], "/XYZ", *point, 0])
                targets[key] = (destination, " ".join("".join(t.box.element.itertext()).split()))
    calls = [t for t in body if t.box.element_tag.endswith("::footnote-call")]
    appearance = _empty_appearance(tree.pdf) if calls else None
    for t in calls:
        _call(tree, t, targets[id(t.box.element)], document.pages[t.page].height, appearance)


def _call(tree: _Tree, call: Tagged, target: tuple[Any, str], page_height: float, appearance: Any) -> None:
    """The footnote call `call` as a Reference holding a Link: its text (WeasyPrint's Span made a
    Link) and an OBJR to a new link annotation over it going to the note."""
    import pydyf

    call.element["S"] = "/Reference"
    (kid,) = (tree.get(k) for k in call.element["K"])
    kid["S"] = "/Link"
    box = call.box
    x1, x2 = box.position_x, box.position_x + box.margin_width()
    size = box.style["font_size"]
    y1, y2 = box.position_y + box.baseline - size, box.position_y + box.baseline + size * 0.25
    destination, text = target
    annotation = pydyf.Dictionary(
        {
            "Type": "/Annot",
            "Subtype": "/Link",
            "Rect": pydyf.Array([x1 * PX_TO_PT, (page_height - y2) * PX_TO_PT, x2 * PX_TO_PT, (page_height - y1) * PX_TO_PT]),
            "BS": pydyf.Dictionary({"W": 0}),
            "F": 4,  # printable (PDF/A)
            "Dest": destination,
            "Contents": pydyf.String(text),
            "AP": pydyf.Dictionary({"N": appearance.reference}),
        }
    )
    tree.pdf.add_object(annotation)
    page = tree.get(tree.pdf.page_references[call.page])
    page.setdefault("Annots", pydyf.Array()).append(annotation.reference)
    tree.attach(annotation, kid, call.page)


def _empty_appearance(pdf: Any) -> Any:
    """An empty appearance stream, shared by the links to notes (nothing is drawn over a call)."""
    import pydyf

    stream = pydyf.Stream([], extra={"Type": "/XObject", "Subtype": "/Form", "BBox": pydyf.Array([0, 0, 1, 1])})
    pdf.add_object(stream)
    return stream


HEADINGS = tuple(f"/H{n}" for n in range(1, 7))


def _headings(tagged: list[Tagged]) -> None:
    """Headings that start at H1: the subject line (``p.subject``) becomes the H1 when the letter
    has none; without a subject line every level moves up so that the first is H1."""
    heads = [t.element for t in tagged if not t.in_margin and t.element.get("S") in HEADINGS]
    if any(h["S"] == "/H1" for h in heads):
        return
    subject = next((t for t in tagged if t.element.get("S") == "/P" and "subject" in _attribute(t, "class").split()), None)
    if subject is not None:
        subject.element["S"] = "/H1"
    elif heads:
        shift = min(int(h["S"][2:]) for h in heads) - 1
        for h in heads:
            h["S"] = f"/H{int(h['S'][2:]) - shift}"


def _signature_fields(tree: _Tree, tagged: list[Tagged], anchors: list[str]) -> None:
    """Each empty signature field (in the AcroForm's order: `anchors`' order) a Form element with
    an OBJR to its widget, inside the element made for its signature box."""
    form = tree.pdf.catalog.get("AcroForm")
    widgets = [w for w in (tree.get(ref) for ref in form["Fields"]) if w.get("FT") == "/Sig" and "StructParent" not in w] if form else []
    for anchor, widget in zip(anchors, widgets, strict=True):
        holder = next((t for t in tagged if _attribute(t, "id") == anchor and not t.in_margin), None)
        page = tree.pdf.page_references.index(bytes(widget["P"]))
        parent = holder.element if holder is not None else tree.get(tree.root["K"][0])
        element = tree.element("Form", parent, page, [])
        parent["K"].append(element.reference)
        # The OBJR as the Form's only kid, not in an array: pyHanko then recognises the field's
        # place in the tree (Form.K.Obj) and a co-signer filling it does not break earlier signatures.
        tree.attach(widget, element, page, alone=True)


def _attribute(t: Tagged, name: str) -> str:
    """The HTML attribute `name` of the element `t` was made for ("" if none)."""
    return str(t.box.element.get(name) or "") if t.box is not None and t.box.element is not None else ""


def figures_without_alt(tagged: list[Tagged]) -> list[str]:
    """The sources of the images (Figure elements) that have no alt text."""
    return [str(t.box.element.get("src") or "(image)") for t in tagged if t.element.get("S") == "/Figure" and "Alt" not in t.element]
