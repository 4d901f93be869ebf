"""WeasyPrint 70.0's `weasyprint.layout.inline.get_next_linebox`, copied with one change.

This is WeasyPrint's code, not advocate's: BSD 3-Clause License, Copyright (c) 2011-2021, Simon
Sapin and contributors (the licence text is in WeasyPrint's distribution, and
docs/weasyprint.md). The one change is marked "advocate:" below: right-to-left lines were laid out
twice (upstream report: docs/weasyprint.md, "Every right-to-left line is laid out twice").
generator/render/weasy.py puts this function in place of WeasyPrint's only when the installed
function's source has the SHA-256 of 70.0's (`weasy.CHANGES`); otherwise WeasyPrint runs as
published. Kept as WeasyPrint wrote it (style, names): compare with `git diff --no-index` against
the installed file when WeasyPrint moves.
"""

# ruff: noqa
# mypy: ignore-errors
# fmt: off

from weasyprint.layout.float import avoid_collisions, float_layout
from weasyprint.layout.inline import (
    _adjust_line_height,
    first_letter_to_box,
    inline_min_content_width,
    is_phantom_linebox,
    line_box_verticality,
    remove_last_whitespace,
    skip_first_whitespace,
    split_inline_box,
    strut,
    text_align,
)


def get_next_linebox(context, linebox, position_y, bottom_space, skip_stack,
                     containing_block, absolute_boxes, fixed_boxes,
                     first_letter_style, first_line_style):
    """Return next line from given linebox.

    Return ``(line, resume_at)``, where ``line`` is a new linebox copied from the
    original one, with replaced children.

    This function takes care of excluded floating shapes to avoid collisions.

    """

    skip_stack = skip_first_whitespace(linebox, skip_stack)
    if skip_stack == 'continue':
        return None, None

    skip_stack = first_letter_to_box(linebox, skip_stack, first_letter_style)

    linebox.position_y = position_y

    if context.excluded_shapes:
        # Width and height must be calculated to avoid floats
        linebox.width = inline_min_content_width(
            context, linebox, skip_stack=skip_stack, first_line=True)
        linebox.height, _ = strut(linebox.style)
    else:
        # No float, width and height will be set by the lines
        linebox.width = linebox.height = 0
    position_x, position_y, available_width = avoid_collisions(
        context, linebox, containing_block, outer=False)

    candidate_height = linebox.height

    excluded_shapes = context.excluded_shapes.copy()

    while True:
        original_position_x = linebox.position_x = position_x
        original_position_y = linebox.position_y = position_y
        original_width = linebox.width
        max_x = position_x + available_width
        position_x += linebox.text_indent

        line_placeholders = []
        line_absolutes = []
        line_fixed = []
        waiting_floats = []
        line_children = []

        (line, resume_at, preserved_line_break, first_letter,
         last_letter, float_width) = split_inline_box(
             context, linebox, position_x, max_x, bottom_space, skip_stack,
             containing_block, line_absolutes, line_fixed, line_placeholders,
             waiting_floats, line_children, first_letter_style, first_line_style)
        linebox.width, linebox.height = line.width, line.height

        if is_phantom_linebox(line) and not preserved_line_break:
            line.height = 0
            break

        remove_last_whitespace(context, line)

        new_position_x, _, new_available_width = avoid_collisions(
            context, linebox, containing_block, outer=False)
        offset_x = text_align(
            context, line, new_available_width,
            last=(resume_at is None or preserved_line_break))
        if containing_block.style['direction'] == 'rtl':
            offset_x *= -1
            offset_x -= line.width

        bottom, top = line_box_verticality(line)
        assert top is not None
        assert bottom is not None
        line.baseline = -top
        line.position_y = top
        line.height = bottom - top
        offset_y = position_y - top
        line.margin_top = 0
        line.margin_bottom = 0

        line.translate(offset_x, offset_y)
        # Avoid floating point errors, as position_y - top + top != position_y
        # Removing this line breaks the position == linebox.position test below
        # See issue #583.
        line.position_y = position_y

        if line.height <= candidate_height:
            break
        candidate_height = line.height

        new_excluded_shapes = context.excluded_shapes
        context.excluded_shapes = excluded_shapes
        position_x, position_y, available_width = avoid_collisions(
            context, line, containing_block, outer=False)

        if first_line_style:
            first_line_box = line.copy_with_children(line.children)
            first_line_box.element_tag += '::first-line'
            first_line_box.style = first_line_box.style.copy()
            for key, value in first_line_style.items():
                first_line_box.style[key] = value
            line.children = [first_line_box]
            _adjust_line_height(first_line_box)

        # advocate: avoid_collisions gives the cursor in both directions, so the test is the
        # same for right-to-left lines; WeasyPrint compared the line's right edge with the
        # first cursor plus `original_width`, still 0 here, and laid every RTL line out twice.
        condition = (position_x, position_y) == (original_position_x, original_position_y)
        if condition:
            context.excluded_shapes = new_excluded_shapes
            break

    absolute_boxes.extend(line_absolutes)
    fixed_boxes.extend(line_fixed)

    for placeholder in line_placeholders:
        if 'inline' in placeholder.style.specified['display']:
            # Inline-level static position:
            placeholder.translate(0, position_y - placeholder.position_y)
        else:
            # Block-level static position: at the start of the next line
            placeholder.translate(
                line.position_x - placeholder.position_x,
                position_y + line.height - placeholder.position_y)

    float_children = []
    waiting_floats_y = line.position_y + line.height
    for waiting_float in waiting_floats:
        waiting_float.position_y = waiting_floats_y
        new_waiting_float, waiting_float_resume_at = float_layout(
            context, waiting_float, containing_block, absolute_boxes,
            fixed_boxes, bottom_space, skip_stack=None)
        float_children.append(new_waiting_float)
        if waiting_float_resume_at:
            context.add_broken_out_of_flow(
                new_waiting_float, waiting_float, containing_block,
                waiting_float_resume_at)
    if float_children:
        line.children += tuple(float_children)

    return line, resume_at
