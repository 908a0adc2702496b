"""The prose agrees with the numbers: every number a page's Markdown quotes is one that an output prints nearby.

For each chapter notebook, a number in the Markdown of a section (the text under a heading of level 1 or 2,
down to the next such heading: text, math, exercises and solutions) must be printed by an output of the same
section (stdout, text/plain, text/html; not an output nbval ignores, which nothing checks), to the digits it
is quoted with: "0.632" is satisfied by a printed 0.63212, "139" by a printed 139 (an integer only by an
integer), "2.2e-16" (or $2.2\\times10^{-16}$) by a printed 2.22e-16, a power of ten only exactly. Near, not
anywhere in the notebook: a chapter prints hundreds of numbers, and a wrong one quoted in one place would
often match a printed one elsewhere. The welcome page, the glossary and the other Markdown pages quote the
chapters: a paragraph's numbers must be printed by the chapters it links (by any chapter if it links none).

Arithmetic written in the math is computed ("$653/168 \\approx 3.887$", "$1/(1-0.9) = 10$"): "=" must hold
exactly, "≈" to the quoted digits; its result is proven by it, its operands must still pass like any quote.

A number written as a setting of a symbol, "κ = 100", "$\\gamma = 0.9$", "β₂ = 0.999", "T = 1000", is bound
to its symbol (:data:`SYMBOLS`): it is satisfied only by the same binding, printed by an output of the section
("α = 0.032") or allowed as an input, never by the bare value printed in some table.

Not every number of the prose is a result. What is not is allowed explicitly, with its reason:
- :data:`NOTES`: the notes' own constants (γ = 0.9, β2 = 0.999, ε = 1e-8, the β1 = 0.98 example, …);
- ``QUOTED_INPUTS`` in a chapter's claims register ``tests/test_claims_chNN.py``: the chapter's inputs
  (a problem's κ, a number of steps, a tolerance), each with the reason it is not a result; a key "κ = 100"
  allows that setting, a key "32 rows" binds every "N rows" of the chapter as a setting is bound (use it for
  an input counted in a unit that no result shares), a bare key "100" allows the bare number;
- :data:`PAGES`: the same for the Markdown pages.
Integers below 10 are not checked (chapter numbers, "two panels", t = 1, indices), nor section numbers,
labels, links, inline code and code blocks, a citation's year "(1964)" and Python's versions.

The second test is the guard's own test: it changes every digit of every quoted number, one at a time,
up and down, and requires the changed prose to fail the first test. A quoted number that would still pass
after a one-digit change is not guarded (a neighbouring value is printed in the same section, or allowed),
and the prose must quote it so that it is.
"""

from __future__ import annotations

import ast
import bisect
import json
import math
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"

#: the notes' own constants (the lecture notes), as settings: they are allowed in every chapter
#: only where the prose writes them as the setting of their symbol ("$\\gamma = 0.9$"); a chapter that quotes
#: one bare lists it in its own QUOTED_INPUTS
NOTES = {
    "γ = 0.9": "the notes' γ (\"Momentum in most cases γ = 0.9\")",
    "β = 0.9": "RMSProp's β in the notes' table",
    "β1 = 0.9": "Adam's β1 in the notes' table",
    "β2 = 0.999": "Adam's β2 in the notes' table",
    "ε = 1e-8": "ε of the notes' table, 10^{-8}",
    "β1 = 0.98": "β1 of the notes' worked example",
    "η = 0.001": "Adam's usual η (Kingma & Ba), quoted beside the notes' table",
}

#: allowed numbers of the Markdown pages (not notebooks), page stem -> {number: reason}
PAGES: dict[str, dict[str, str]] = {
    "index": {}, "glossary": {}, "api": {}, "references": {},
}

_SUP = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
_SUB = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
_NUM = r"\d+(?:,\d{3})*(?:\.\d+)?(?:[eE][-+]?\d+)?"
_GREEK = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "eta": "η",
          "theta": "θ", "kappa": "κ", "lambda": "λ", "rho": "ρ", "mu": "μ", "sigma": "σ"}

#: the symbols whose settings "S = v" are bound to the symbol (the book's hyperparameters and inputs)
SYMBOLS = ("α", "γ", "β", "β1", "β2", "ε", "η", "κ", "δ", "ρ", "T", "λmax")
_BOUND = re.compile(r"(?:^|(?<=[\s($,;:{\[*]))(" + "|".join(sorted(map(re.escape, SYMBOLS), key=len, reverse=True))
                    + r")\s*=\s*\$?$")
#: a number setting a symbol after an operator is arithmetic, not a setting: "1 − β1 = 0.02"
_OPERATOR = re.compile(r"[-+/·*×^−]\s*$")
#: the level of the headings that delimit a section (1 and 2: "#" and "##")
SECTION_LEVEL = 2


def pages() -> list[Path]:
    return sorted(BOOK.glob("*.ipynb")) + sorted(BOOK.glob("*.md"))


def _claims_register(nb: Path) -> Path | None:
    m = re.match(r"(\d\d)-", nb.name)
    key = f"ch{m.group(1)}" if m else nb.stem
    path = ROOT / "tests" / f"test_claims_{key}.py"
    return path if path.exists() else None


def allowed(page: Path) -> dict[str, str]:
    """The numbers a page may quote without an output printing them: NOTES and the page's own list."""
    out = dict(NOTES)
    if page.suffix == ".md":
        out.update(PAGES.get(page.stem, {}))
        return out
    reg = _claims_register(page)
    if reg is not None:
        for node in ast.parse(reg.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "QUOTED_INPUTS" for t in node.targets):
                out.update(ast.literal_eval(node.value))
    return out


# --------------------------------------------------------------------------- reading the prose

def _without_code_blocks(text: str) -> str:
    """The text without its code blocks (``` or ~~~ fences whose info string is not a MyST directive {…}),
    read line by line: a directive's closing fence followed by the next directive's opening one
    (an exercise, then its solution) is not taken for the start of a code block."""
    out, stack = [], []          # stack: (fence, is_code) of the open fences
    for line in text.splitlines():
        m = re.match(r"^\s*(`{3,}|~{3,})\s*(.*)$", line)
        if m and stack and m.group(1)[0] == stack[-1][0][0] and len(m.group(1)) >= len(stack[-1][0]) \
                and not m.group(2).strip():
            fence, is_code = stack.pop()
            out.append("" if is_code else line)
            continue
        if stack and stack[-1][1]:
            out.append("")           # inside a code block
            continue
        if m:
            stack.append((m.group(1), not m.group(2).strip().startswith("{")))
            out.append("" if stack[-1][1] else line)
            continue
        out.append(line)
    return "\n".join(out)


def _strip_markdown(text: str) -> str:
    """The reader's words and math of a Markdown source, without code, links' targets, labels and markup."""
    text = _without_code_blocks(text)
    lines = []
    for line in text.splitlines():
        s = line.strip()
        if re.match(r"^(`{3,}|~{3,})\s*\{", s) or re.match(r"^:[\w-]+:", s) or re.match(r"^\(.*\)=$", s):
            # a directive's opening line ({solution} ch3-ex1), its options (:label:, :class:), a target
            continue
        lines.append(line)
    text = "\n".join(lines)
    text = re.sub(r"`[^`\n]*`", " ", text)                                   # inline code, {ref}`…` roles
    text = re.sub(r"\]\([^)]*\)", "] ", text)                               # link targets
    text = re.sub(r"<[^>]+>", " ", text)                                   # HTML tags and their attributes
    text = re.sub(r"\[\^[^\]]*\]", " ", text)                              # footnote marks
    text = re.sub(r"(?m)^(\s*)[*+-](?=\s)", r"\1 ", text)                   # list bullets
    text = re.sub(r"\*\*|__", " ", text)                                    # bold
    text = re.sub(r"(?i)(§|chapters?|ch\.|sections?|parts?|exercises?|figures?|tables?|appendix)"
                  r"\s*\d+(\.\d+)*((\s*(,|and|or|–|-|to)\s*)\d+(\.\d+)*)*\b", " ", text)
    text = re.sub(r"\\label\{[^}]*\}|\\tag\{[^}]*\}", " ", text)
    text = re.sub(r"\((?:1[89]|20)\d\d[a-z]?\)", " ", text)               # a citation's year: Polyak (1964)
    text = re.sub(r"(?i)python\s+\d+\.\d+(?:\s*(?:,|or|and)\s*\d+\.\d+)*", " ", text)  # Python 3.11, 3.12 or 3.13
    return text


def _normalize_math(text: str) -> str:
    """10^{-8}, 10⁻⁸, 2.2\\times 10^{-16} and 2.2 × 10⁻¹⁶ as 1e-8 and 2.2e-16; Unicode minus as '-';
    \\gamma as γ, and a Greek letter's subscript folded into its name (β_1, β_{1}, β₁ as β1; λ_{\\max} as λmax);
    \\approx as ≈."""
    text = text.replace("−", "-").replace("\\,", "").replace("{,}", ",")
    text = re.sub(r"\\approx(?![a-zA-Z])", "≈", text)
    text = re.sub(r"\\(" + "|".join(_GREEK) + r")(?![a-zA-Z])", lambda m: _GREEK[m.group(1)], text)
    text = re.sub(r"([α-ω])(?:_\{([^{}]*)\}|_\\?([A-Za-z0-9]+)|([₀-₉]+))",
                  lambda m: m.group(1) + re.sub(r"\W", "", m.group(2) or m.group(3) or m.group(4).translate(_SUB)),
                  text)
    # 10^{-3.5} is read as its value to two digits (0.00032), 10^{-8} as 1e-8
    text = re.sub(r"10\^\{\s*(-?\s*\d+\.\d+)\s*\}", lambda m: f"{10 ** float(m.group(1).replace(' ', '')):.2g}", text)
    text = re.sub(r"10\^\{?\s*(-?\s*\d+)\s*\}?", lambda m: "1e" + m.group(1).replace(" ", ""), text)
    text = re.sub(r"10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)", lambda m: "1e" + m.group(1).translate(_SUP), text)
    text = re.sub(r"(\d(?:\.\d+)?)\s*(?:\\times|\\cdot|×|·)\s*1e(-?\d+)", r"\1e\2", text)
    return text


def _symbol_before(text: str, start: int) -> str | None:
    """The symbol S when the number at ``start`` is written as the setting "S = number", else None."""
    before = text[max(0, start - 16):start]
    m = _BOUND.search(before)
    if m is None or _OPERATOR.search(before[:m.start(1)]):
        return None
    return m.group(1)


#: a number of the prose: not inside a name, a sub- or superscript or another number (a number before a Greek
#: letter, 17α², is one)
_QUOTE = re.compile(rf"(?<![\w.^_]){_NUM}(?![A-Za-z0-9_])")
#: a side of an equation that is one number alone
_ALONE = re.compile(rf"-?\s*{_NUM}")


def quotes(text: str) -> list[tuple[str, str | None, int]]:
    """(number, symbol or None, position) for every number of a normalized text that the guard checks."""
    found = []
    for m in _QUOTE.finditer(text):
        s = m.group(0)
        if "." not in s and "e" not in s.lower() and int(s.replace(",", "")) < 10:
            continue
        if text[m.end():m.end() + 1] == "." and text[m.end() + 1:m.end() + 2].isdigit():
            continue   # a section number such as 3.8.1
        found.append((s, _symbol_before(text, m.start()), m.start()))
    return found


def quoted_numbers(markdown: str) -> list[str]:
    """The numbers a Markdown source quotes that the guard checks (see the module's docstring)."""
    return [q for q, _, _ in quotes(_normalize_math(_strip_markdown(markdown)))]


# --------------------------------------------------------------------------- reading the outputs

#: outputs nbval does not compare are not evidence: what they print is not checked
_UNCHECKED = {"nbval-ignore-output", "nbval-skip"}


def _output_text(nb: dict) -> str:
    parts = []
    for cell in nb["cells"]:
        if _UNCHECKED & set(cell.get("metadata", {}).get("tags", [])):
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                parts.append("".join(out.get("text", "")))
            for mime in ("text/plain", "text/html", "text/markdown", "text/latex"):
                if mime in out.get("data", {}):
                    html = re.sub(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+", " ", "".join(out["data"][mime]))
                    parts.append(re.sub(r"<[^>]+>", " ", html))
    return _normalize_math("\n".join(parts))


def printed_numbers(text: str) -> list[float]:
    vals = []
    for m in re.finditer(rf"(?<![\w.]){_NUM}", text):
        try:
            vals.append(abs(float(m.group(0).replace(",", ""))))
        except ValueError:
            pass
    return vals


def printed_settings(text: str) -> dict[str, list[float]]:
    """symbol -> the values an output prints as "S = value" (normalized text)."""
    out: dict[str, list[float]] = {}
    for m in re.finditer(rf"(?<![\w.]){_NUM}", text):
        sym = _symbol_before(text, m.start())
        if sym is not None:
            out.setdefault(sym, []).append(abs(float(m.group(0).replace(",", ""))))
    return out


class _Sorted(list):
    is_sorted = True


class Evidence:
    """What a section's outputs print: every number (sorted), the integers among them (a quoted integer,
    an iteration count, is one that is printed as an integer: not 11 for a loss printed 1.08e+01), and the
    settings "S = value"."""

    def __init__(self, output_text: str):
        self.printed = _Sorted(sorted(printed_numbers(output_text)))
        self.integers = _Sorted(sorted(abs(int(m.group(0).replace(",", ""))) for m in
                                       re.finditer(r"(?<![\w.])(?<![eE][-+])\d+(?:,\d{3})*(?![\w.]|\.\d)", output_text)))
        self.settings = printed_settings(output_text)
        self.text = output_text

    def with_unit(self, unit: str) -> list[float]:
        """The values printed as "value unit" ("33 rows")."""
        return [abs(float(m.group(1).replace(",", ""))) for m in
                re.finditer(rf"(?<![\w.])({_NUM})\s+{re.escape(unit)}\b", self.text)]


def _decimals_and_scale(q: str) -> tuple[float, float]:
    """(value, half a unit in the last quoted digit)."""
    s = q.replace(",", "").lower()
    mant, _, exp = s.partition("e")
    e = int(exp) if exp else 0
    d = len(mant.split(".")[1]) if "." in mant else 0
    return float(s), 0.5 * 10.0 ** (e - d)


def matches(q: str, printed) -> bool:
    """Is the quoted number q what some printed value shows, to q's digits? A power of ten (1e-4, written
    10^{-4}) is exact: it matches 0.0001, not 0.00012. (``printed``: any iterable of values; a sorted list,
    as :class:`Evidence` keeps them, is searched by bisection)"""
    value, half = _decimals_and_scale(q)
    if re.fullmatch(r"1[eE][-+]?\d+", q):
        half = abs(value) * 1e-9
    value, tol = abs(value), half * (1 + 1e-9)
    if getattr(printed, "is_sorted", False):
        i = bisect.bisect_left(printed, value - tol)
        return i < len(printed) and printed[i] <= value + tol
    return any(abs(x - value) <= tol for x in printed)


def _one_digit_changes(q: str) -> list[str]:
    """q with one of its digits moved by one, up or down, every digit in turn from the last (the mutations
    the guard must catch: 168 -> 169, 167, 178, 158, 268, 068 is not a number written so); for a power of
    ten (1e-4, written 10^{-4}) its exponent."""
    s = q.replace(",", "")
    mant, sep, exp = s.lower().partition("e")
    if sep and mant == "1":        # a power of ten, 10^{-4}: the digit a reader sees change is the exponent's
        return [f"1e{int(exp) + d}" for d in (1, -1) if int(exp) + d != 0]
    out = []
    for i in sorted((k for k, c in enumerate(mant) if c.isdigit()), reverse=True):
        for delta in (1, -1):
            d = int(mant[i]) + delta
            new = mant[:i] + str(d) + mant[i + 1:]
            if not 0 <= d <= 9 or float(new) == 0 or (d == 0 and i == 0 and new[1:2].isdigit()):
                continue           # not a digit, zero, or a leading zero (068)
            out.append(new + (sep + exp if sep else ""))
    return out


def _sections(nb: dict) -> list[tuple[str, str]]:
    """(Markdown, output text) of each section of a notebook: split at the headings of SECTION_LEVEL or
    above, also inside a Markdown cell."""
    heading = re.compile(rf"(?m)^(?=#{{1,{SECTION_LEVEL}}} )")
    secs: list[tuple[list, list]] = [([], [])]
    for cell in nb["cells"]:
        src = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            for part in heading.split(src):
                if heading.match(part):
                    secs.append(([], []))
                secs[-1][0].append(part)
        else:
            secs[-1][1].append(cell)
    return [("\n\n".join(md), _output_text({"cells": cells})) for md, cells in secs]


def _page_sections(page: Path) -> list[tuple[str, str]]:
    """(Markdown, the text of the outputs it may quote) for each section of the page.

    A Markdown page (welcome, glossary, …) quotes the chapters: each of its paragraphs may quote what the
    chapters it links to print (all chapters when it links none)."""
    if page.suffix == ".ipynb":
        return _sections(json.loads(page.read_text(encoding="utf-8")))
    outs = {p.stem: _output_text(json.loads(p.read_text(encoding="utf-8"))) for p in sorted(BOOK.glob("*.ipynb"))}
    found, text = [], _without_code_blocks(page.read_text(encoding="utf-8"))
    for para in re.split(r"\n\s*\n", text):
        linked = [stem for stem in outs if re.search(rf"(?<![\w-]){re.escape(stem)}(?![\w-])", para)]
        found.append((para, "\n".join(outs[s] for s in (linked or outs))))
    return found


def _same_number(a: str, q: str) -> bool:
    try:
        return math.isclose(abs(float(a.replace(",", ""))), abs(_decimals_and_scale(q)[0]), rel_tol=1e-12) and \
            len(a.replace(",", "")) == len(q.replace(",", ""))
    except ValueError:
        return False


def _key(key: str) -> tuple[str | None, str]:
    """(binding, value) of an allowed key: "κ = 100" -> ("κ", "100"); "32 rows" -> ("… rows", "32") (a unit:
    the key binds every "N rows" of the chapter); "100" -> (None, "100")."""
    unit = re.fullmatch(rf"({_NUM})\s+([A-Za-z][\w-]*)", key.strip())
    if unit:
        return f"… {unit.group(2)}", unit.group(1)
    sym, _, value = key.rpartition("=")
    return sym.strip() or None, value.strip()


def _units(allow: dict) -> set[str]:
    return {b[2:] for b, _ in map(_key, allow) if b and b.startswith("… ")}


def _is_allowed(q: str, allow: dict, symbol: str | None = None) -> bool:
    """Is q allowed: a bare key equal to q (for a bare q), or a key "S = q" or "q unit" (for q bound)?"""
    return any(b == symbol and _same_number(v, q) for b, v in map(_key, allow))


def passes(q: str, symbol: str | None, evidence: Evidence, allow: dict) -> bool:
    """The guard's rule for one quoted number of a section (see the module's docstring)."""
    if _is_allowed(q, allow, symbol):
        return True
    if symbol is not None and symbol.startswith("… "):
        return matches(q, evidence.with_unit(symbol[2:]))
    if symbol is not None:
        return matches(q, evidence.settings.get(symbol, ()))
    return matches(q, evidence.integers if re.fullmatch(r"\d+(?:,\d{3})*", q) else evidence.printed)


_MATH = re.compile(r"\$\$?(.+?)\$\$?", re.S)
_ARITH_OK = re.compile(r"[\d.\s+\-*/()e]*\d[\d.\s+\-*/()e]*")


def _as_python(part: str) -> str | None:
    """A part of a math equation as a Python expression when it is arithmetic on numbers only, else None."""
    e = part.replace("\\cdot", "*").replace("\\times", "*").replace("×", "*").replace("·", "*")
    e = re.sub(r"\\[tdc]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}", r"((\1)/(\2))", e)
    e = re.sub(r"\\sqrt\s*\{([^{}]*)\}", r"((\1)**0.5)", e)
    e = re.sub(r"\\(left|right|bigl|bigr|Bigl|Bigr|big|Big)\b", "", e)
    e = e.replace("{", "(").replace("}", ")").replace("^", "**").strip()
    if not _ARITH_OK.fullmatch(e.replace("**", "*")):
        return None
    try:
        ast.parse(e, mode="eval")
    except SyntaxError:
        return None
    return e


def _value(expr: str) -> float | None:
    def ev(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return float(node.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            return -ev(node.operand) if isinstance(node.op, ast.USub) else ev(node.operand)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)):
            a, b = ev(node.left), ev(node.right)
            if isinstance(node.op, ast.Pow):
                return math.pow(a, b)          # OverflowError or ValueError (a negative base's root): no value
            return {ast.Add: a + b, ast.Sub: a - b, ast.Mult: a * b, ast.Div: a / b}[type(node.op)]
        raise ValueError
    try:
        value = ev(ast.parse(expr, mode="eval").body)
    except (ValueError, OverflowError, ZeroDivisionError):
        return None
    return value if math.isfinite(value) else None


def _arithmetic(text: str) -> dict[int, tuple[bool, str]]:
    """Position -> (holds, role) for every number that stands in arithmetic written in the math of ``text``.

    "$1 - 0.3 \\cdot 10 = -2$" is checked by computing it: "=" must hold exactly (to 1e-9, relative),
    "≈" (\\approx) to the digits its result is quoted with ("$2/3 \\approx 0.67$"). The role is "result"
    for a number standing alone on its side (−2), which the arithmetic proves, and "operand" for the
    numbers it is computed from (0.3, 10), which must still be printed or allowed like any quote."""
    out = {}
    for seg in _MATH.finditer(text):           # (_normalize_math has written \\approx as ≈)
        body, offset = seg.group(1), seg.start(1)
        parts = []
        for part in re.finditer(r"[^=≈]+", body):
            expr = _as_python(part.group(0))
            relation = body[part.start() - 1] if part.start() else None
            alone = expr is not None and _ALONE.fullmatch(expr) is not None
            parts.append((part, expr, None if expr is None else _value(expr), relation, alone))
        for (a, ea, va, _, a_alone), (b, eb, vb, rel, b_alone) in zip(parts, parts[1:]):
            if va is None or vb is None or not re.search(r"[-+*/]", (ea + eb).replace("e-", "").lstrip("-")):
                continue
            if rel == "≈":
                literal = [x for x, alone in ((a, a_alone), (b, b_alone)) if alone]
                tol = min((_decimals_and_scale(x.group(0).strip().lstrip("-").strip())[1] for x in literal),
                          default=0.0) * (1 + 1e-9)
            else:
                tol = 1e-9 * max(abs(va), abs(vb), 1e-300)
            ok = abs(va - vb) <= tol
            for x, alone in ((a, a_alone), (b, b_alone)):
                for n in _QUOTE.finditer(x.group(0)):
                    pos = offset + x.start() + n.start()
                    out[pos] = (out.get(pos, (True,))[0] and ok, "result" if alone else "operand")
    return out


def _checked(page: Path):
    """(quoted number, its symbol, whether arithmetic proves it (None: no arithmetic), the section's
    Evidence, the section's text, its position) for every quote of a page."""
    units = _units(allowed(page))
    for md, outs in _page_sections(page):
        text = _normalize_math(_strip_markdown(md))
        evidence, arith = Evidence(outs), _arithmetic(text)
        for q, sym, at in quotes(text):
            word = re.match(r"\s+([A-Za-z][\w-]*)", text[at + len(q):])
            if sym is None and word and word.group(1) in units:
                sym = f"… {word.group(1)}"
            yield q, sym, arith.get(at), evidence, text, at


def _around(text: str, at: int, q: str) -> str:
    return " ".join(text[max(0, at - 40):at + len(q) + 15].split())


def _passes_at(q, sym, arith, evidence, allow) -> bool:
    if arith is None:
        return passes(q, sym, evidence, allow)
    holds, role = arith
    return holds and (role == "result" or passes(q, sym, evidence, allow))


def _mutant_passes(q: str, mutant: str, sym, arith, evidence, text: str, at: int, allow) -> bool:
    """Would the prose pass with ``mutant`` written in place of the quote ``q`` at ``at``?"""
    if arith is None:
        return passes(mutant, sym, evidence, allow)
    return _passes_at(mutant, sym, _arithmetic(text[:at] + mutant + text[at + len(q):]).get(at, (False, "")),
                      evidence, allow)


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.name)
def test_every_quoted_number_is_printed(page):
    allow = allowed(page)
    missing = sorted({f"{q}{f' (as {s} = {q})' if s else ''}{' (arithmetic wrong)' if a is not None and not a[0] else ''} "
                      f"in “…{_around(text, at, q)}…”" for q, s, a, ev, text, at in _checked(page)
                      if not _passes_at(q, s, a, ev, allow)})
    assert not missing, (
        f"{page.name} quotes numbers that no output of the same section prints:\n  " + "\n  ".join(missing)
        + "\nPrint them in a cell of that section, quote what is printed, or (inputs only) add them to "
          "QUOTED_INPUTS with a reason")


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.name)
def test_a_one_digit_change_to_a_quoted_number_is_caught(page):
    allow = allowed(page)
    loose = sorted({f"{q} -> {m}{f' (as {s} = …)' if s else ''} in “…{_around(text, at, q)}…”"
                    for q, s, a, ev, text, at in _checked(page) if _passes_at(q, s, a, ev, allow)
                    for m in _one_digit_changes(q) if _mutant_passes(q, m, s, a, ev, text, at, allow)})
    assert not loose, (
        f"{page.name}: after these one-digit changes the prose would still pass, because the changed value "
        f"is printed in the same section or allowed too:\n  " + "\n  ".join(loose)
        + "\nQuote the number so that it is guarded (more digits, bound to its symbol, or printed nearer)")


def test_the_guard_reads_prose_as_intended():
    md = ("The rate falls to 0.632 after 139 steps, $\\gamma = 0.9$, an error of $2.2\\times 10^{-16}$ and 10⁻⁶; "
          "see chapter 3 and §3.8, `run(steps=500)`, [link](https://x.org/1234), 3 panels, "
          "$1 - \\beta_1 = 0.02$, β₂ = 0.999, $\\theta_{30,2}$.\n"
          "```python\nx = 12345\n```\n```{solution} ch3-ex1\n:label: ch3-ex7\n:class: dropdown\nIt takes 4096 steps.\n```")
    assert quoted_numbers(md) == ["0.632", "139", "0.9", "2.2e-16", "1e-6", "0.02", "0.999", "4096"]
    text = _normalize_math(_strip_markdown(md))
    assert [s for _, s, _ in quotes(text)] == [None, None, "γ", None, None, None, "β2", None]
    printed = printed_numbers("rate 0.63212  steps: 139  eps 2.22e-16  4096")
    assert matches("0.632", printed) and matches("139", printed) and matches("2.2e-16", printed)
    assert not matches("0.633", printed) and not matches("138", printed) and not matches("1e-6", printed)
    assert _one_digit_changes("0.632") == ["0.633", "0.631", "0.642", "0.622", "0.732", "0.532", "1.632"]
    assert _one_digit_changes("2.2e-16") == ["2.3e-16", "2.1e-16", "3.2e-16", "1.2e-16"]
    assert _one_digit_changes("168") == ["169", "167", "178", "158", "268"]
    assert _one_digit_changes("1e-4") == ["1e-3", "1e-5"]
    assert passes("11", None, Evidence("loss 1.08e+01, 139 steps"), {}) is False
    assert passes("20", None, Evidence("g ⊙ g ≤ 1e-20: True"), {}) is False     # an exponent is no integer
    assert [ok for ok, _ in _arithmetic(_normalize_math("$\\sqrt{2} \\approx 1.4142$ and $\\sqrt{2} = 1.5$")).values()] == \
        [True, True, False, False]
    assert [s for _, s, _ in quotes(_normalize_math("ε = $10^{-8}$"))] == ["ε"]
    # a unit key binds its unit: "32 rows" is allowed, "33 rows" is not, even where 33 is printed
    ev, allow = Evidence("category 4: 33"), {"32 rows": "the batch size"}
    assert passes("32", "… rows", ev, allow) and not passes("33", "… rows", ev, allow) and passes("33", None, ev, allow)
    # a setting is satisfied by the same setting, printed or allowed, not by the bare value
    ev = Evidence(_normalize_math("α = 0.032   table: 0.8 0.9"))
    assert passes("0.032", "α", ev, {}) and not passes("0.9", "γ", ev, {}) and passes("0.9", None, ev, {})
    assert passes("0.9", "γ", ev, {"γ = 0.9": "the notes' γ"}) and not passes("0.9", "γ", ev, {"0.9": "bare"})
    # arithmetic in the math is computed: right to the quoted digits, or wrong
    text = _normalize_math("$1 - 0.3 \\cdot 10 = -2$, $\\tfrac{1}{1-0.9} = 10$, $2/3 \\approx 0.67$; $1 - 0.2 \\cdot 10 = -2$"
                           " and $2/3 = 0.67$")
    assert sorted(ok for ok, _ in _arithmetic(text).values()) == [False] * 7 + [True] * 11
    assert [role for _, role in _arithmetic(_normalize_math("$168 - 162 = 6$")).values()] == ["operand"] * 2 + ["result"]
    ev = Evidence("iterations: 168 162")
    assert _passes_at("168", None, (True, "operand"), ev, {}) and not _passes_at("170", None, (True, "operand"), ev, {})
    # exercises and their solutions are read; code blocks are not; a number before a Greek letter is one
    md = "```{exercise} Q\nAfter 123 steps?\n```\n```{solution} X\nIt returns 456.\n```\n```python\nx = 99999\n```\n17α"
    assert quoted_numbers(md) == ["123", "456", "17"]


def report(names=()) -> str:
    """What the two tests above find, page by page: ``python tests/test_prose_numbers.py [03-momentum …]``."""
    lines = []
    for page in pages():
        if names and not any(n in page.name for n in names):
            continue
        allow, found = allowed(page), []
        for q, s, a, ev, text, at in _checked(page):
            where = f"“…{_around(text, at, q)}…”"
            shown = f"{s} = {q}" if s else q
            if not _passes_at(q, s, a, ev, allow):
                why = "arithmetic wrong" if a is not None and not a[0] else "no output of the section prints it"
                found.append(f"  not printed: {shown} ({why}) in {where}")
                continue
            loose = [m for m in _one_digit_changes(q) if _mutant_passes(q, m, s, a, ev, text, at, allow)]
            if loose:
                found.append(f"  unguarded: {shown}, would still pass as {' or '.join(loose)}, in {where}")
        lines.append(f"{page.name}: {'all guarded' if not found else f'{len(found)} to fix'}")
        lines += found
    return "\n".join(lines)


if __name__ == "__main__":
    import sys
    print(report(sys.argv[1:]))
