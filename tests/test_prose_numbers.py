"""The prose agrees with the numbers: every number a page's Markdown quotes is one that an output prints.

For each chapter notebook, every number in its Markdown cells (text, math, exercises and solutions) must
be printed by an output of the same notebook (stdout, text/plain, text/html), to the digits it is quoted
with: "0.632" is satisfied by a printed 0.63212, "139" by a printed 139, "2.2e-16" (or $2.2\\times10^{-16}$)
by a printed 2.22e-16. The welcome page, the glossary and the other Markdown pages quote the chapters, so
their numbers must be printed by some chapter.

Not every number of the prose is a result. What is not is allowed explicitly, with its reason:
- :data:`NOTES`: the notes' own constants (γ = 0.9, β2 = 0.999, ε = 1e-8, the β1 = 0.98 example, …);
- ``QUOTED_INPUTS`` in a chapter's claims register ``tests/test_claims_chNN.py``: the chapter's inputs
  (a problem's κ, a number of steps, a tolerance), each with the reason it is not a result;
- :data:`PAGES`: the same for the Markdown pages.
Integers below 10 are not checked (chapter numbers, "two panels", t = 1, indices), nor section numbers,
labels, links, inline code and code blocks.

The second test changes one digit of every checked number and requires the guard to notice: a quoted
number that would still match after a one-digit change is not guarded (it sits among so many printed
numbers that any neighbour matches), and the prose must quote it more precisely.
"""

from __future__ import annotations

import ast
import json
import math
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"

#: the notes' own constants and the values they quote (shared/notes/optimizers-notes.md)
NOTES = {
    "0.9": "γ of the notes (\"Momentum in most cases γ = 0.9\"), RMSProp's β and Adam's β1",
    "0.999": "Adam's β2 in the notes' table",
    "1e-8": "ε of the notes' table, 10^{-8}",
    "0.98": "β1 of the notes' worked example",
    "0.02": "1 − β1 = 0.02 in the notes' worked example",
    "0.0196": "the notes' m_2 coefficient 0.98 · 0.02",
    "0.019208": "the notes' m_3 coefficient 0.98² · 0.02",
    "99": "\"99% of the time the loss function is not convex\" (the notes)",
    "0.001": "Adam's usual η = 0.001 (Kingma & Ba), quoted beside the notes' table",
}

#: allowed numbers of the Markdown pages (not notebooks), page stem -> {number: reason}
PAGES: dict[str, dict[str, str]] = {
    "index": {
        "3.11": "a Python version the Makefile accepts", "3.12": "a Python version the Makefile accepts",
        "3.13": "a Python version the Makefile accepts",
    },
    "glossary": {},
    "api": {},
    "references": {
        "2014": "year of Kingma & Ba's Adam paper", "2015": "year of the Adam paper's ICLR publication",
        "1983": "year of Nesterov's paper", "1964": "year of Polyak's paper", "2011": "year of Duchi et al.",
        "2012": "year of Hinton's lecture on RMSProp", "2013": "year of Sutskever et al.",
        "2016": "year of Goodfellow et al. and Ruder", "2018": "year of Reddi et al.",
        "2019": "year of Loshchilov & Hutter", "2004": "year of Nesterov's book",
        "1986": "year of Rumelhart et al.", "1951": "year of Robbins & Monro", "2017": "year of Goh's article",
    },
}

_SUP = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
_NUM = r"\d+(?:,\d{3})*(?:\.\d+)?(?:[eE][-+]?\d+)?"


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

def _strip_markdown(text: str) -> str:
    """The reader's words and math of a Markdown source, without code, links' targets, labels and markup."""
    # code blocks (``` or ~~~ fences whose info string is not a MyST directive {…})
    text = re.sub(r"(?ms)^(`{3,}|~{3,})(?!\s*\{)[^\n]*\n.*?^\1\s*$", " ", text)
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
    text = re.sub(r"(?i)(§|chapters?|ch\.|sections?|parts?|exercises?|figures?|tables?|appendix)"
                  r"\s*\d+(\.\d+)*((\s*(,|and|or|–|-|to)\s*)\d+(\.\d+)*)*\b", " ", text)
    text = re.sub(r"\\label\{[^}]*\}|\\tag\{[^}]*\}", " ", text)
    return text


def _normalize_math(text: str) -> str:
    """10^{-8}, 10⁻⁸, 2.2\\times 10^{-16} and 2.2 × 10⁻¹⁶ as 1e-8 and 2.2e-16; Unicode minus as '-'."""
    text = text.replace("−", "-").replace("\\,", "").replace("{,}", ",")
    text = re.sub(r"10\^\{?\s*(-?\s*\d+)\s*\}?", lambda m: "1e" + m.group(1).replace(" ", ""), text)
    text = re.sub(r"10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)", lambda m: "1e" + m.group(1).translate(_SUP), text)
    text = re.sub(r"(\d(?:\.\d+)?)\s*(?:\\times|\\cdot|×|·)\s*1e(-?\d+)", r"\1e\2", text)
    return text


def quoted_numbers(markdown: str) -> list[str]:
    """The numbers a Markdown source quotes that the guard checks (see the module's docstring)."""
    text = _normalize_math(_strip_markdown(markdown))
    found = []
    for m in re.finditer(rf"(?<![\w.^_]){_NUM}(?![\w])", text):
        s = m.group(0)
        if "." not in s and "e" not in s.lower() and int(s.replace(",", "")) < 10:
            continue
        if text[m.end():m.end() + 1] == "." and text[m.end() + 1:m.end() + 2].isdigit():
            continue   # a section number such as 3.8.1
        found.append(s)
    return found


# --------------------------------------------------------------------------- reading the outputs

def _output_text(nb: dict) -> str:
    parts = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                parts.append("".join(out.get("text", "")))
            for mime in ("text/plain", "text/html", "text/markdown", "text/latex"):
                if mime in out.get("data", {}):
                    parts.append(re.sub(r"<[^>]+>", " ", "".join(out["data"][mime])))
    return _normalize_math("\n".join(parts))


def printed_numbers(text: str) -> list[float]:
    vals = []
    for m in re.finditer(rf"(?<![\w.]){_NUM}", text):
        try:
            vals.append(abs(float(m.group(0).replace(",", ""))))
        except ValueError:
            pass
    return vals


def _decimals_and_scale(q: str) -> tuple[float, float]:
    """(value, half a unit in the last quoted digit)."""
    s = q.replace(",", "").lower()
    mant, _, exp = s.partition("e")
    e = int(exp) if exp else 0
    d = len(mant.split(".")[1]) if "." in mant else 0
    return float(s), 0.5 * 10.0 ** (e - d)


def matches(q: str, printed) -> bool:
    """Is the quoted number q what some printed value shows, to q's digits?"""
    value, half = _decimals_and_scale(q)
    value, tol = abs(value), half * (1 + 1e-9)
    return any(abs(x - value) <= tol for x in printed)


def _one_digit_changes(q: str) -> list[str]:
    """q with its last significant digit moved by one up and down (the mutations the guard must catch)."""
    s = q.replace(",", "")
    mant, sep, exp = s.lower().partition("e")
    i = max(k for k, c in enumerate(mant) if c.isdigit())
    out = []
    for delta in (1, -1):
        d = int(mant[i]) + delta
        if 0 <= d <= 9:
            new = mant[:i] + str(d) + mant[i + 1:]
            if float(new) != 0:
                out.append(new + (sep + exp if sep else ""))
    return out


def _page_sources(page: Path) -> tuple[str, str]:
    """(the page's Markdown, the text of the outputs it may quote)."""
    if page.suffix == ".ipynb":
        nb = json.loads(page.read_text(encoding="utf-8"))
        md = "\n\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
        return md, _output_text(nb)
    outs = "\n".join(_output_text(json.loads(p.read_text(encoding="utf-8"))) for p in sorted(BOOK.glob("*.ipynb")))
    return page.read_text(encoding="utf-8"), outs


def _is_allowed(q: str, allow: dict) -> bool:
    v, _ = _decimals_and_scale(q)
    for a in allow:
        try:
            if math.isclose(abs(float(a.replace(",", ""))), abs(v), rel_tol=1e-12) and \
                    len(a.replace(",", "")) == len(q.replace(",", "")):
                return True
        except ValueError:
            continue
    return q in allow


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.name)
def test_every_quoted_number_is_printed(page):
    md, outs = _page_sources(page)
    printed = printed_numbers(outs)
    allow = allowed(page)
    missing = sorted({q for q in quoted_numbers(md) if not _is_allowed(q, allow) and not matches(q, printed)})
    assert not missing, (
        f"{page.name} quotes numbers that no output prints: {', '.join(missing)}. Print them in a cell, "
        f"quote what is printed, or (inputs only) add them to QUOTED_INPUTS with a reason")


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.name)
def test_a_one_digit_change_to_a_quoted_number_is_caught(page):
    md, outs = _page_sources(page)
    printed = printed_numbers(outs)
    allow = allowed(page)
    # (an allowed input is not a printed result: its one-digit change is caught unless the changed value
    # happens to be printed or allowed too; the closing mutation count in CONTRIBUTING says how often)
    loose = sorted({q for q in quoted_numbers(md) if not _is_allowed(q, allow) and matches(q, printed)
                    and all(matches(m, printed) for m in _one_digit_changes(q))})
    assert not loose, (
        f"{page.name}: these quoted numbers would still match a printed number after a one-digit change, "
        f"so the guard cannot tell them apart: {', '.join(loose)}. Quote them to more digits")


def test_the_guard_reads_prose_as_intended():
    md = ("The rate falls to 0.632 after 139 steps, $\\gamma = 0.9$, an error of $2.2\\times 10^{-16}$ and 10⁻⁶; "
          "see chapter 3 and §3.8, `run(steps=500)`, [link](https://x.org/1234), 3 panels.\n"
          "```python\nx = 12345\n```\n```{solution} ch3-ex1\n:label: ch3-ex7\n:class: dropdown\nIt takes 4096 steps.\n```")
    assert quoted_numbers(md) == ["0.632", "139", "0.9", "2.2e-16", "1e-6", "4096"]
    printed = printed_numbers("rate 0.63212  steps: 139  eps 2.22e-16  4096")
    assert matches("0.632", printed) and matches("139", printed) and matches("2.2e-16", printed)
    assert not matches("0.633", printed) and not matches("138", printed) and not matches("1e-6", printed)
    assert _one_digit_changes("0.632") == ["0.633", "0.631"] and _one_digit_changes("2.2e-16") == ["2.3e-16", "2.1e-16"]
