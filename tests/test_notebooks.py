"""Checks on the chapter notebooks themselves, before nbval re-runs them.

* every notebook in book/ is in _toc.yml, and every page _toc.yml lists exists;
* kernel name python3, no stored widget state (myst-nb would load a widget manager from a CDN for it);
* every code cell was executed, top to bottom, in one fresh run (execution counts 1, 2, 3, ...);
* no stored output is an error or holds a machine-specific path (nbval would fail in a fresh clone);
* every cell whose output nbval ignores says why in its metadata ("why_unchecked"), and no test word
  (nbval, pytest, tests/, a tag) reaches the reader;
* at least 90 % of the outputs that carry text are compared by nbval.

Run as a script (``python tests/test_notebooks.py`` or ``make report``) to print the counts per notebook.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"

#: tags that make nbval ignore a cell's outputs (nbval-skip does not even run the cell)
IGNORE_TAGS = {"nbval-ignore-output", "nbval-skip"}
#: tags under which a code cell may legitimately have no execution count
NOT_RUN_TAGS = {"nbval-skip", "skip-execution"}
#: the least share of text outputs nbval must compare (at least 90 % must be compared)
MIN_COMPARED = 0.90


def notebooks() -> list[Path]:
    return sorted(BOOK.glob("*.ipynb"))


def ids(paths) -> list[str]:
    return [p.stem for p in paths]


def read(path: Path):
    return nbformat.read(path, as_version=4)


def tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


# --------------------------------------------------------------------------- counting outputs


_FIGURE_REPR = re.compile(r"^<(Figure|matplotlib\.\S+) .*>$", re.S)


def classify(output) -> str:
    """'text' (nbval compares it), 'figure' (an image; nbval compares at most its repr)."""
    if output.get("output_type") in ("stream", "error"):
        return "text"
    data = output.get("data", {})
    others = {k: v for k, v in data.items() if not k.startswith("image/")}
    if len(others) < len(data):  # it holds an image
        plain = others.pop("text/plain", "")
        plain = "".join(plain) if isinstance(plain, list) else plain
        if not others and (not plain or _FIGURE_REPR.match(plain.strip())):
            return "figure"
    return "text"


def count_outputs(path: Path) -> dict:
    """Outputs of one notebook: compared by nbval, ignored by it, and figures (images, reported apart)."""
    counts = {"compared": 0, "ignored": 0, "figures": 0, "cells_without_output": 0}
    for cell in read(path).cells:
        if cell.cell_type != "code":
            continue
        if not cell.outputs:
            counts["cells_without_output"] += 1
        ignored = bool(tags(cell) & IGNORE_TAGS)
        for out in cell.outputs:
            kind = classify(out)
            if ignored:
                counts["ignored"] += 1
            elif kind == "figure":
                counts["figures"] += 1
            else:
                counts["compared"] += 1
    return counts


def report(paths=None) -> dict:
    """Print the counts per notebook and in total; return the totals."""
    paths = notebooks() if paths is None else paths
    total = {"compared": 0, "ignored": 0, "figures": 0, "cells_without_output": 0}
    print(f"{'notebook':<28} {'compared':>8} {'ignored':>8} {'figures':>8} {'% compared':>10} {'silent cells':>12}")
    for p in paths:
        c = count_outputs(p)
        for k in total:
            total[k] += c[k]
        share = c["compared"] / max(c["compared"] + c["ignored"], 1)
        print(f"{p.stem:<28} {c['compared']:>8} {c['ignored']:>8} {c['figures']:>8} {100 * share:>9.1f}% "
              f"{c['cells_without_output']:>12}")
    share = total["compared"] / max(total["compared"] + total["ignored"], 1)
    print(f"{'total':<28} {total['compared']:>8} {total['ignored']:>8} {total['figures']:>8} {100 * share:>9.1f}% "
          f"{total['cells_without_output']:>12}")
    print("compared: text, HTML and stream outputs nbval checks; ignored: outputs of cells tagged "
          "nbval-ignore-output or nbval-skip;\nfigures: image outputs, which nbval does not compare "
          "(only their sanitized repr), counted apart;\nsilent cells: executed code cells with no output "
          "(imports, definitions); allowed: what they compute reaches the page only through later, compared cells.")
    return total


# --------------------------------------------------------------------------- the tests


def test_every_notebook_is_in_the_toc_and_every_toc_page_exists(toc_pages):
    listed = toc_pages
    on_disk = {str(p.relative_to(ROOT).with_suffix("")) for p in notebooks()}
    missing_from_toc = sorted(on_disk - set(listed))
    assert not missing_from_toc, f"notebooks in book/ that _toc.yml does not list: {missing_from_toc}"
    missing_files = [f for f in listed
                     if not any((ROOT / f).with_suffix(s).exists() for s in (".md", ".ipynb"))]
    assert not missing_files, f"pages _toc.yml lists that do not exist: {missing_files}"


def test_there_are_notebooks():
    assert notebooks(), "no notebooks in book/"


@pytest.mark.parametrize("path", notebooks(), ids=ids(notebooks()))
def test_kernel_is_python3(path):
    spec = read(path).metadata.get("kernelspec", {})
    assert spec.get("name") == "python3", f"kernelspec name is {spec.get('name')!r}, must be 'python3'"
    # "Python 3 (ipykernel)" is what JupyterLab writes on opening (and `make refresh` writes); with the
    # older "Python 3" Lab marks the notebook changed as soon as it is opened, and autosave rewrites it.
    assert spec.get("display_name") == "Python 3 (ipykernel)", \
        f"kernelspec display_name is {spec.get('display_name')!r}: run `make refresh` on this notebook"


@pytest.mark.parametrize("path", notebooks(), ids=ids(notebooks()))
def test_no_stored_widget_state(path):
    # myst-nb loads the widget manager (require.js, @jupyter-widgets/html-manager) from a CDN for any
    # notebook that stores widget state: `make refresh` strips it.
    assert "widgets" not in read(path).metadata, \
        "metadata.widgets is stored: run `make refresh` (or strip it) so the site loads nothing from a CDN"


@pytest.mark.parametrize("path", notebooks(), ids=ids(notebooks()))
def test_executed_top_to_bottom_in_one_run(path):
    counts, problems = [], []
    for i, cell in enumerate(read(path).cells):
        if cell.cell_type != "code" or tags(cell) & NOT_RUN_TAGS:
            continue
        if cell.execution_count is None:
            problems.append(f"code cell {i} has no execution count (never executed)")
        else:
            counts.append(cell.execution_count)
    assert not problems, "; ".join(problems) + ": run `make refresh`"
    assert counts == list(range(1, len(counts) + 1)), (
        f"execution counts {counts} are not 1, 2, 3, ...: the stored outputs do not come from one "
        "fresh top-to-bottom run; run `make refresh`")


def output_text(out) -> str:
    """Everything an output shows as text: a stream's text and every text/* of its data."""
    return out.get("text", "") + "".join(
        v for k, v in out.get("data", {}).items() if k.startswith("text/") and isinstance(v, str))


@pytest.mark.parametrize("path", notebooks(), ids=ids(notebooks()))
def test_no_error_output_and_no_machine_paths(path):
    bad = []
    for i, cell in enumerate(read(path).cells):
        if cell.cell_type != "code":
            continue
        for out in cell.outputs:
            if out.output_type == "error" and "raises-exception" not in tags(cell):
                bad.append(f"cell {i}: stored error {out.get('ename')}: {out.get('evalue')}")
            text = output_text(out)
            for needle in (str(ROOT), "site-packages"):
                if needle in text:
                    bad.append(f"cell {i}: output contains the machine-specific path {needle!r} "
                               "(it would differ in a fresh clone)")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("path", notebooks(), ids=ids(notebooks()))
def test_ignored_outputs_say_why(path):
    # The reason lives in the cell's metadata ("why_unchecked"), not in the code a student reads.
    silent = []
    for i, cell in enumerate(read(path).cells):
        if cell.cell_type == "code" and tags(cell) & IGNORE_TAGS:
            if len(str(cell.metadata.get("why_unchecked", "")).split()) < 4:
                silent.append(i)
    assert not silent, (f"cells {silent} are tagged {sorted(IGNORE_TAGS)} without a sentence in their metadata "
                        "(\"why_unchecked\") saying why their output may be ignored")


#: words of the test machinery that a reader must not meet in a chapter (code, comments, Markdown, outputs)
TEST_WORDS = re.compile(r"nbval|pytest|tests/|test_\w+\.py|remove-output|remove-input|hide-input|remove-cell")


@pytest.mark.parametrize("path", notebooks(), ids=ids(notebooks()))
def test_no_test_machinery_in_what_a_reader_sees(path):
    bad = []
    for i, cell in enumerate(read(path).cells):
        texts = [cell.source] + [output_text(o) for o in cell.get("outputs", [])]
        for text in texts:
            m = TEST_WORDS.search(text)
            if m:
                bad.append(f"cell {i}: {m.group(0)!r}")
    assert not bad, "test machinery in the reader's text (move it to cell metadata or CONTRIBUTING.md): " + "; ".join(bad)


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.mark.parametrize("path", notebooks(), ids=ids(notebooks()))
def test_every_widget_has_a_static_stand_in(path):
    # A widget is dead on the website: its cell is removed there (remove-output), ignored by nbval
    # (random model ids), and within the next few cells the static reader gets a figure or an animation.
    cells, bad = read(path).cells, []
    for i, cell in enumerate(cells):
        if cell.cell_type != "code" or not any(WIDGET_VIEW in o.get("data", {}) for o in cell.outputs):
            continue
        missing = {"remove-output", "nbval-ignore-output"} - tags(cell)
        if missing:
            bad.append(f"cell {i} shows a widget but is not tagged {sorted(missing)}")
        stand_in = any(
            any(k.startswith("image/") for k in o.get("data", {})) or "<script" in str(o.get("data", {}).get("text/html", ""))
            for c in cells[i + 1:i + 6] if c.cell_type == "code" for o in c.outputs)
        if not stand_in:
            bad.append(f"cell {i} shows a widget with no figure or animation in the five cells after it")
    assert not bad, "\n".join(bad)


_REMOTE_REF = re.compile(r"""<(?:link|script|img|iframe|source)\b[^>]*\b(?:href|src)\s*=\s*["']?(?:https?:)?//""", re.I)


@pytest.mark.parametrize("path", notebooks(), ids=ids(notebooks()))
def test_no_output_loads_from_another_host(path):
    # e.g. matplotlib's to_jshtml links Font Awesome from a CDN: use optlib.plotting.jshtml(anim)
    bad = []
    for i, cell in enumerate(read(path).cells):
        for out in cell.get("outputs", []):
            html = out.get("data", {}).get("text/html", "")
            html = "".join(html) if isinstance(html, list) else html
            m = _REMOTE_REF.search(html)
            if m:
                bad.append(f"cell {i}: {html[m.start():m.start() + 120]!r}")
    assert not bad, ("outputs that would load from another host on the website "
                     "(for animations use HTML(optlib.plotting.jshtml(anim))):\n" + "\n".join(bad))


def test_jshtml_drops_the_cdn_stylesheet():
    import matplotlib
    from matplotlib.animation import FuncAnimation
    from matplotlib.figure import Figure

    from optlib.plotting import jshtml

    fig = Figure(figsize=(1, 1), dpi=20)
    (line,) = fig.subplots().plot([0, 1], [0, 1])
    anim = FuncAnimation(fig, lambda k: [line], frames=3)
    raw, clean = anim.to_jshtml(), jshtml(anim)
    assert _REMOTE_REF.search(raw), f"matplotlib {matplotlib.__version__} no longer links a CDN: drop jshtml"
    assert not _REMOTE_REF.search(clean)
    assert clean.count("<img") == raw.count("<img") and "fa-play" in clean   # the player is intact


def test_at_least_90_percent_of_outputs_are_compared():
    total = report()
    checked = total["compared"] + total["ignored"]
    assert checked > 0, "no outputs at all"
    share = total["compared"] / checked
    assert share >= MIN_COMPARED, (
        f"nbval compares {total['compared']} of {checked} text outputs ({100 * share:.1f} %), "
        f"fewer than {100 * MIN_COMPARED:.0f} %: print the numbers an ignored cell shows in a checked cell")


if __name__ == "__main__":
    totals = report()
    checked = totals["compared"] + totals["ignored"]
    sys.exit(0 if checked and totals["compared"] / checked >= MIN_COMPARED else 1)


#: the longest line a code block of the site shows whole at 1280 px (the reader view checks it in a browser)
MAX_LINE = 79
REMOVED_TAGS = {"remove-output", "remove-cell"}


@pytest.mark.parametrize("path", notebooks(), ids=ids(notebooks()))
def test_code_and_printed_lines_fit_the_page(path):
    # Fast, before any browser: what the site shows in a code block (the cell's code, its printed text)
    # fits MAX_LINE characters, so nothing is cut at the right of the page column.
    long = []
    for i, cell in enumerate(read(path).cells):
        if cell.cell_type != "code":
            continue
        texts = [] if "remove-input" in tags(cell) or "remove-cell" in tags(cell) else [("code", cell.source)]
        if not tags(cell) & REMOVED_TAGS:
            for out in cell.outputs:
                data = out.get("data", {})
                if out.output_type == "stream":
                    texts.append(("output", out.text))
                elif "text/plain" in data and not ({"text/html", WIDGET_VIEW} & set(data) or
                                                   any(k.startswith("image/") for k in data)):
                    texts.append(("output", data["text/plain"]))
        for kind, text in texts:
            for line in text.splitlines():
                if len(line) > MAX_LINE:
                    long.append(f"cell {i} {kind}: {len(line)} characters: {line[:40]}…")
    assert not long, f"lines longer than {MAX_LINE} characters are cut on the page:\n" + "\n".join(long)
