"""Tables of results that the page shows as tables.

A chapter's results are a :class:`Table`: the book's page renders its HTML (a real ``<table>``, which
scrolls sideways on a phone instead of being cut), and a plain-text view shows the same cells aligned in
columns. Both are built from the same cells, so both say the same thing to the digit, and both are what a
notebook stores and compares.

The cells are formatted once, by the column's format (``formats``), so a chapter's code says which digits
a number is printed to, and no format string of a layout is in view.

>>> t = Table(["optimizer", "iterations", "α"], [["GD", 653, 0.01], ["Momentum", 168, 0.00316]],
...           formats=[None, "d", ".2g"], caption="Iterations to the tolerance")
>>> print(repr(t))
Iterations to the tolerance
optimizer  iterations       α
GD                653    0.01
Momentum          168  0.0032
>>> ">653</td>" in t._repr_html_()
True

On the page, a subscript or superscript written in the text (``θ_t``, ``V_(t−1)``, ``γ^40``) is set as one
(:func:`typeset`); the plain-text view keeps it as written, and code such as ``weight_decay=λ`` is left alone.

>>> typeset("J(θ_t) − J(θ*) and Σ_(i=1)^40 γ^(40−i), weight_decay=λ")
'J(θ<sub>t</sub>) − J(θ*) and Σ<sub>i=1</sub><sup>40</sup> γ<sup>40−i</sup>, weight_decay=λ'
"""

from __future__ import annotations

import html
import numbers
import re
from typing import Optional, Sequence

#: how a missing value (``None``) is shown
MISSING = "—"


# a sub- or superscript follows a letter (Latin or Greek), a star, a closing bracket or a norm bar; it is one
# group in parentheses, or a run of letters and digits (a subscript may be two indices, "t,j")
_AFTER = r"(?<=[A-Za-z\u0370-\u03ff*)\]‖|0-9])"
_SUB = re.compile(_AFTER + r"_(?:\(([^()]*)\)|([0-9A-Za-z\u0370-\u03ff]+(?:,[0-9A-Za-z\u0370-\u03ff]+)?))")
_SUP = re.compile(_AFTER + r"\^(?:\(([^()]*)\)|([0-9A-Za-z\u0370-\u03ff−-]+))")
# code, not math: an identifier of two words (lr_decay, weight_decay, initial_accumulator_value)
_IDENTIFIER = re.compile(r"[A-Za-z]{2,}(?:_[A-Za-z0-9]+)*_[A-Za-z]{2,}")


def typeset(text: str) -> str:
    """HTML-escaped ``text`` with its written sub- and superscripts (``θ_t``, ``V_(t−1)``, ``β^t``) as
    ``<sub>``/``<sup>``; identifiers such as ``weight_decay`` are kept as they are."""
    out, last = [], 0
    for m in _IDENTIFIER.finditer(text):
        out.append(_typeset_math(text[last:m.start()]))
        out.append(html.escape(m.group(0)))
        last = m.end()
    out.append(_typeset_math(text[last:]))
    return "".join(out)


def _typeset_math(text: str) -> str:
    s = html.escape(text)
    s = _SUP.sub(lambda m: f"<sup>{m.group(1) if m.group(1) is not None else m.group(2)}</sup>", s)
    return _SUB.sub(lambda m: f"<sub>{m.group(1) if m.group(1) is not None else m.group(2)}</sub>", s)


def _cell(value, fmt: Optional[str]) -> str:
    if value is None:
        return MISSING
    if isinstance(value, str):
        return value
    if fmt is not None:
        return format(value, fmt)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return str(value)
    return str(value)


class Table:
    """A table of ``rows`` under a ``header``, each cell formatted by its column's entry of ``formats``.

    ``formats`` holds one format spec per column (``"d"``, ``".4f"``, ``".1e"``, or None for ``str``);
    a cell that is already a string, or None (shown as "—"), is kept as it is. ``caption`` is
    one sentence above the table; ``notes`` one line under it (what a symbol in the cells means). Text
    columns are aligned left, the others right (``align``: a string of ``l``/``r``, one letter a column).
    """

    def __init__(self, header: Sequence[str], rows: Sequence[Sequence], *, formats: Optional[Sequence] = None,
                 caption: Optional[str] = None, notes: Optional[str] = None, align: Optional[str] = None):
        self.header = [str(h) for h in header]
        n = len(self.header)
        if n == 0:
            raise ValueError("header must name at least one column")
        formats = list(formats) if formats is not None else [None] * n
        if len(formats) != n:
            raise ValueError(f"formats must have one entry per column ({n}), got {len(formats)}")
        self.rows = []
        for i, row in enumerate(rows):
            row = list(row)
            if len(row) != n:
                raise ValueError(f"row {i} has {len(row)} cells, the header {n}")
            self.rows.append([_cell(v, f) for v, f in zip(row, formats)])
        if align is None:
            align = "".join("l" if all(_is_text(r[j]) for r in self.rows) and self.rows else "r"
                            for j in range(n))
        if len(align) != n or set(align) - {"l", "r"}:
            raise ValueError(f"align must be {n} letters l or r, got {align!r}")
        self.align = align
        self.caption = caption
        self.notes = notes

    def column(self, name: str) -> list:
        """The cells of the column called ``name``, as shown."""
        j = self.header.index(name)
        return [r[j] for r in self.rows]

    def text(self) -> str:
        """The table as aligned plain text (caption first, notes last)."""
        widths = [max(len(c) for c in col) for col in zip(self.header, *self.rows)]

        def line(cells):
            out = [c.ljust(w) if a == "l" else c.rjust(w) for c, w, a in zip(cells, widths, self.align)]
            return "  ".join(out).rstrip()

        lines = ([self.caption] if self.caption else []) + [line(self.header)] + [line(r) for r in self.rows]
        if self.notes:
            lines.append(self.notes)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        esc = html.escape
        style = {"l": "text-align: left", "r": "text-align: right"}
        parts = ['<div class="optlib-table"><table>']
        if self.caption:
            parts.append(f"<caption>{typeset(self.caption)}</caption>")
        parts.append("<thead><tr>" + "".join(f'<th style="{style[a]}">{typeset(h)}</th>'
                                             for h, a in zip(self.header, self.align)) + "</tr></thead>")
        parts.append("<tbody>")
        for r in self.rows:
            # text cells (row labels) are typeset; numbers are shown exactly as formatted
            parts.append("<tr>" + "".join(f"<td>{typeset(c)}</td>" if a == "l" else
                                          f'<td style="{style[a]}">{esc(c)}</td>'
                                          for c, a in zip(r, self.align)) + "</tr>")
        parts.append("</tbody></table>")
        if self.notes:
            parts.append(f'<p class="optlib-table-notes">{typeset(self.notes)}</p>')
        parts.append("</div>")
        return "".join(parts)


def _is_text(cell: str) -> bool:
    """A cell that is not a number (nor the missing mark): aligned left."""
    if cell == MISSING:
        return False
    try:
        float(cell.replace("−", "-").replace("×", "").replace("%", ""))
        return False
    except ValueError:
        return True
