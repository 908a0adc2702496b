"""The PDF of the whole book (pdf/make_pdf.py, `make pdf`), and its link on every page of the site.

The session fixture (conftest.py) runs pdf/make_pdf.py exactly as `make pdf` does (a single-page build,
printed by Debian's Chromium) into a temporary folder, copies the PDF into the HTML build and builds the
site, as `make book` does. Then:

* the PDF has more than MIN_PAGES pages, one outline entry (bookmark) per chapter, and as many images as
  the notebooks have figures (each animation printed as its first frame);
* its text holds typeset math (the update θ_t = θ_{t−1} − α g_t as MathJax lays it out) and no raw TeX;
* the notes' Arabic sentence (chapter 3, ``<div dir="rtl" lang="ar">``), laid out right to left by
  Chromium's bidi, is in the PDF's text in its logical order (as written in the notebook);
* every page of the site links the PDF, the link's target exists, and the link is visible;
* it is a printed book: no web navigation ("Next: Chapter ..."), no carets or buttons, no page under
  15 % filled but a chapter's last, no page ending in a heading, a page number on every page but the
  title page and running heads, each chapter's solutions at its end, and only the book's own fonts
  (pdf/fonts.py: DejaVu from matplotlib's package, whatever the machine has installed), the body in
  DejaVu Sans.

Text is read with pypdf (pinned in requirements.txt). The page count and size go to artifacts/pdf.txt.
Skipped without a Chromium (pdf/browser.py: Debian's, or playwright's own; fails with CI).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from urllib.parse import urljoin, urlparse

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
PDF_NAME = "optimizers-book.pdf"
# The book has eight chapters, four appendices and a welcome page, most of them several A4 pages long;
# a print that lost its chapters (a known failure: printing only the first screen) is far below this.
MIN_PAGES = 40
ARABIC = re.compile(r"[\u0600-\u06FF\uFB50-\uFDFF\uFE70-\uFEFF]")


def _squash(text: str) -> str:
    """NFKC (Arabic presentation forms -> letters, ligatures -> letters) and no whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@pytest.fixture(scope="module")
def reader(book_pdf):
    pypdf = pytest.importorskip("pypdf", reason="pypdf (requirements.txt) reads the PDF's text")
    return pypdf.PdfReader(str(book_pdf))


# one process's share of the pages: the text of pages [first, stop) of the PDF, as JSON on stdout
_TEXTS = ("import json, sys, pypdf; pdf, first, stop = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]); "
          "json.dump([p.extract_text() or '' for p in pypdf.PdfReader(pdf).pages[first:stop]], sys.stdout)")


@pytest.fixture(scope="module")
def pages_text(book_pdf, reader) -> list[str]:
    """The text of every page, by pypdf, page by page (pypdf takes ~70 ms a page, 17 s for the book on one
    core): the first and the second half of the pages in two processes, one per core. (Fresh Python
    processes, not forks of this one: it has threads, the local web server's among them.)"""
    import json
    import subprocess
    import sys

    n = len(reader.pages)
    procs = [subprocess.Popen([sys.executable, "-c", _TEXTS, str(book_pdf), str(first), str(stop)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
             for first, stop in ((0, n // 2), (n // 2, n))]
    texts = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, f"pypdf failed on {book_pdf}:\n{err[-2000:]}"
        texts += json.loads(out)
    assert len(texts) == n
    return texts


def _notebooks():
    return sorted((ROOT / "book").glob("*.ipynb"))


def _titles() -> list[str]:
    """The title (first '# ' heading) of every chapter notebook and appendix page in book/."""
    titles = []
    for path in _notebooks() + sorted((ROOT / "book").glob("*.md")):
        if path.stem == "index":
            continue
        if path.suffix == ".ipynb":
            text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")
        else:
            text = path.read_text(encoding="utf-8")
        m = re.search(r"^# (.+)$", text, flags=re.M)
        if m:
            titles.append(m.group(1).strip())
    return titles


def test_pdf_has_every_chapter(book_pdf, reader):
    n = len(reader.pages)
    size = book_pdf.stat().st_size
    (ROOT / "artifacts").mkdir(exist_ok=True)
    (ROOT / "artifacts" / "pdf.txt").write_text(f"{book_pdf.name}: {n} pages, {size / 1e6:.1f} MB\n")
    assert n > MIN_PAGES, f"the PDF has only {n} pages (expected more than {MIN_PAGES})"

    outline = [title for title, _ in _outline(reader)]
    missing = [t for t in _titles() if not any(_squash(re.sub(r"[*`_]", "", t)) in o for o in outline)]
    assert not missing, f"chapters without a bookmark in the PDF's outline: {missing}"


def test_pdf_has_every_figure_and_a_still_of_every_animation(reader):
    figures = 0
    for path in _notebooks():
        for cell in nbformat.read(path, as_version=4).cells:
            for out in cell.get("outputs", []):
                data = out.get("data", {})
                figures += "image/png" in data or "_anim_img" in str(data.get("text/html", ""))
    images = set()
    for page in reader.pages:
        xobjects = (page.get("/Resources") or {}).get("/XObject") or {}
        for ref in xobjects.get_object().values() if xobjects else []:
            obj = ref.get_object()
            if obj.get("/Subtype") == "/Image":
                images.add(id(obj) if not hasattr(ref, "idnum") else ref.idnum)
    assert len(images) >= figures, f"{len(images)} images in the PDF for {figures} figures and animations"


def test_pdf_math_is_typeset(pages_text):
    text = "\n".join(pages_text)
    squashed = _squash(text)
    # chapter 1's update, as MathJax's CHTML output is read back from the PDF (in the book's numbering,
    # θ_t = θ_{t−1} − α g_t, or the notes', θ_{t+1} = θ_t − α g_t)
    assert "θt=θt−1−αgt" in squashed or "θt+1=θt−αgt" in squashed, (
        "the update θ_t = θ_{t−1} − α g_t is not in the PDF's text")
    leftovers = [d for d in ("\\(", "\\[", "$$", "\\begin{", "\\frac{") if d in text]
    assert not leftovers, f"raw TeX in the PDF: {leftovers}"


def _arabic_sentence() -> str:
    nb = nbformat.read(ROOT / "book" / "03-momentum.ipynb", as_version=4)
    for cell in nb.cells:
        m = re.search(r'<div dir="rtl" lang="ar">\s*(.*?)\s*</div>', cell.source, flags=re.S)
        if cell.cell_type == "markdown" and m:
            return re.sub(r"^\s*>\s*", "", m.group(1), flags=re.M).strip()
    pytest.skip("chapter 3 has no <div dir=\"rtl\" lang=\"ar\"> yet")


def test_pdf_arabic_sentence_in_logical_order(pages_text):
    """The sentence, as the PDF's text gives it (copy, search, a screen reader), is in logical order.

    Chromium lays the ``dir="rtl"`` block out right to left with its own bidi algorithm and shaping
    (the shaped glyphs map back to letters: NFKC turns presentation forms into letters); the PDF's text
    then reads in the order the sentence is written, wherever its lines break. A layout without bidi
    support, or glyphs stored in visual order, gives the letters or the words reversed.
    """
    sentence = _squash(_arabic_sentence())
    text = _squash("\n".join(pages_text))
    assert len(ARABIC.findall(sentence)) > 20
    words = unicodedata.normalize("NFKC", _arabic_sentence()).split()
    assert sentence in text, (
        "the Arabic sentence is not in the PDF's text in logical order; "
        + ("its words are in reverse order" if _squash(" ".join(reversed(words))) in text else
           "its letters are reversed" if sentence[::-1] in text else "it is missing or mangled"))


# ------------------------------------------------------------------------------- the PDF as a book
# pdf/make_pdf.py puts a title page and a contents with page numbers before the book's text; the
# contents' numbers come from a first print (see its docstring).

def _report(book_pdf) -> dict:
    """pdf/make_pdf.py's report beside the PDF (make_pdf.json)."""
    import json

    return json.loads(Path(book_pdf).with_name("make_pdf.json").read_text(encoding="utf-8"))


#: each page's running head and page number as pdf/make_pdf.py drew them (make_pdf.json), so that
#: _body can take them off the page's text
_HEADS: list = []


@pytest.fixture(scope="module", autouse=True)
def _known_heads(request):
    try:
        book_pdf = request.getfixturevalue("book_pdf")
    except Exception:  # noqa: BLE001 -- no PDF: the tests that need one skip or fail on their own
        return
    _HEADS[:] = [tuple(h) for h in _report(book_pdf).get("heads", [])]


def _body(text: str, index: int) -> str:
    """The text of page ``index`` (0-based) without its running head and page number (CSS page-margin
    boxes, pdf/make_pdf.py: Chromium writes them first, before the page's own text)."""
    lines = text.strip().splitlines()
    head, number = _HEADS[index] if index < len(_HEADS) else ("", "")
    for _ in range(2):
        if lines and head and _squash(lines[0]) == _squash(head):
            lines.pop(0)
        elif lines and number and lines[0].strip() == number:
            lines.pop(0)
    return "\n".join(lines).strip()


def _book_title() -> dict:
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return {"title": config["title"], "author": config["author"], "year": str(config["copyright"])}


def test_pdf_title_page_alone_on_page_1(pages_text):
    meta = _book_title()
    first = _squash(_body(pages_text[0], 0))
    expected = _squash(meta["title"].replace(":", "") + meta["author"] + meta["year"])
    assert first == expected, (
        f"page 1 should hold the title page alone ({meta}); it reads: {_body(pages_text[0], 0)[:300]!r}")
    assert _body(pages_text[1], 1).startswith("Contents"), f"page 2 does not start the contents: {pages_text[1][:200]!r}"


def _contents(pages_text) -> tuple[dict, int]:
    """{squashed entry title: page number} of the contents, and the index of its last page.

    An entry too long for one line wraps, its page number on its last line: the lines before that
    number are the start of its title ("9. After the notes: …, and real" / "data 195")."""
    entries, last = {}, 1
    for index in range(1, min(len(pages_text), 12)):
        lines = _body(pages_text[index], index).splitlines()
        numbered = [re.match(r"^(.*?)\s*(\d+)$", ln.strip()) for ln in lines if ln.strip()]
        if index > 1 and sum(bool(m) for m in numbered) < 0.8 * max(1, len(numbered)):
            break  # the book's text has begun
        last = index
        start = ""
        for ln, m in zip([ln for ln in lines if ln.strip()], numbered):
            if m:
                entries[_squash(start + m.group(1))] = int(m.group(2))
                start = ""
            else:
                start += ln
    return entries, last


def _outline(reader) -> list[tuple[str, int]]:
    """(squashed title, 1-based page) of every heading in the PDF's outline, in order."""
    found = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                found.append((_squash(item.title), reader.get_destination_page_number(item) + 1))

    walk(reader.outline)
    return found


def test_pdf_contents_page_numbers_are_where_the_chapters_start(reader, pages_text):
    """Each chapter's entry in the contents gives the page where the chapter's title is: the page of
    its heading in the PDF's outline, whose text holds the title."""
    entries, last = _contents(pages_text)
    outline = _outline(reader)
    assert len(entries) >= len(_titles()), f"the contents list {len(entries)} entries: {list(entries)[:20]}"
    wrong = []
    for title in _titles():
        key = _squash(re.sub(r"[*`_$\\]", "", title))
        found = [(e, n) for e, n in entries.items() if e.endswith(key)]
        if not found:
            wrong.append(f"{title!r}: not in the contents")
            continue
        entry, number = found[0]
        pages = [page for heading, page in outline if heading.endswith(key)]
        if not (last + 1 < number <= len(pages_text)):
            wrong.append(f"{title!r}: page {number} is out of the book")
        elif number not in pages or key not in _squash(pages_text[number - 1]):
            wrong.append(f"{title!r}: the contents say page {number}; the heading is on page(s) {pages}")
    assert not wrong, "contents entries that do not match the chapter's first page:\n  " + "\n  ".join(wrong)


def _undouble(title: str) -> str | None:
    """Chromium's outline gives some headings each text piece twice ("4.7.4.7.ExercisesExercises"):
    the title with each piece once ("4.7.Exercises"), or None if ``title`` is not of that form."""
    out, i = [], 0
    while i < len(title):
        for k in range(1, (len(title) - i) // 2 + 1):
            if title[i:i + k] == title[i + k:i + 2 * k]:
                out.append(title[i:i + k])
                i += 2 * k
                break
        else:
            return None
    return "".join(out)


def test_pdf_no_page_ends_with_a_heading(reader, pages_text):
    """No page's last text is a heading (the headings are the PDF's outline, each with its page)."""
    headings = _outline(reader)
    assert len(headings) > 50, f"only {len(headings)} headings in the PDF's outline"
    alone = []
    for title, page in headings:
        text = _squash(_body(pages_text[page - 1], page - 1))
        if any(t and text.endswith(t) for t in (title, _undouble(title))):
            alone.append(f"p. {page}: {title[:60]!r}")
    assert not alone, "pages whose last text is a heading (its text moved to the next page):\n  " + "\n  ".join(alone)


def test_pdf_nothing_wider_than_the_column(book_pdf):
    """pdf/make_pdf.py scales a display equation or table wider than the printed column down to fit
    (its report beside the PDF, make_pdf.json); none may remain wider (it would be cut at the margin)."""
    import json

    report = json.loads(book_pdf.with_name("make_pdf.json").read_text(encoding="utf-8"))
    assert report["still"] == [], f"equations or tables wider than the printed column: {report['still']}"


VISIT_STEPS = ("pdf_link",)  # of the shared page visit (tests/site_visit.py)


def test_every_page_links_the_pdf(site_page, site, visited, book_pdf):
    html, _, _ = site  # book_pdf: the PDF printed and copied beside the pages
    assert (html / f"{site_page}.html").is_file(), f"{site_page}.html was not built"
    source = (html / f"{site_page}.html").read_text(encoding="utf-8")
    m = re.search(r'<p class="reader-pdf-link"><a href="([^"]+)"', source)
    assert m, f"{site_page}.html has no link to the PDF"
    target = urlparse(urljoin(f"http://x/{site_page}.html", m.group(1))).path.lstrip("/")
    assert target == PDF_NAME and (html / target).is_file(), f"{site_page}: the link points to {target}"
    seen = visited(site_page, "pdf_link")  # at 1280 px, scrolled into view
    assert seen["visible"], f"{site_page}: the PDF link is not visible"


# ------------------------------------------------------------------------------- a printed book
# What a web page has and a printed book must not (pdf/make_pdf.py, PRINT_BOOK): the "Next: Chapter ..."
# line, carets and buttons of folded parts, pages left nearly empty by a block moved whole to the next
# page; and what a book has: running heads and page numbers (none on the title page), solutions at the
# end of each chapter, its own fonts.

def test_pdf_has_no_web_navigation(pages_text):
    found = [f"p. {i + 1}: {ln.strip()[:80]!r}" for i, text in enumerate(pages_text)
             for ln in text.splitlines() if re.match(r"\s*Next:", ln)]
    assert not found, "the web's \"Next:\" lines in the PDF:\n  " + "\n  ".join(found[:10])


def test_pdf_has_no_carets_or_buttons(book_pdf, pages_text):
    """Nothing is drawn as a control (a dropdown's caret, a toggle's button, a folded cell's summary):
    make_pdf.py lists what is still shown at print time; and no control's words are in the text."""
    report = _report(book_pdf)
    assert report["book"]["carets"] == [], f"controls drawn in the print: {report['book']['carets']}"
    words = [w for w in ("Show code cell", "Click to show", "Hide code cell") if w in "\n".join(pages_text)]
    assert not words, f"the words of folded parts' controls in the PDF: {words}"


def test_pdf_page_numbers_and_running_heads(book_pdf, pages_text):
    """Page 1 (the title page) has no number and no running head; every other page has its own number
    and a running head (the contents', the chapter's): make_pdf.json lists what was drawn, and the
    page's text holds it."""
    heads = _report(book_pdf)["heads"]
    assert len(heads) == len(pages_text)
    assert heads[0] == ["", ""] and _squash(_body(pages_text[0], 0)) == _squash(pages_text[0]), (
        "the title page carries a page number or a running head")
    wrong = [i + 1 for i, text in enumerate(pages_text[1:], start=1)
             if heads[i][1] != str(i + 1) or str(i + 1) not in [ln.strip() for ln in text.strip().splitlines()[:4]]]
    assert not wrong, f"pages without their number: {wrong[:10]}"
    headless = [i + 1 for i, (h, _) in enumerate(heads[1:], start=1)
                if not h or _squash(h) not in _squash(pages_text[i])[: len(_squash(h)) + 8]]
    assert not headless, f"pages without their running head: {headless[:10]}"


def test_pdf_links_inside_the_book_have_their_target(book_pdf):
    """Every link of the book to a place in it has its target in the PDF (make_pdf.py lists those whose
    target is not in the single page: the links to the welcome page were dead in the PDF)."""
    dead = _report(book_pdf)["book"]["dead"]
    assert dead == [], f"links in the PDF that go nowhere: {dead}"


def _marks(reader, index: int) -> tuple[list, float, float]:
    """The heights (PDF points) of the text and images of page ``index`` inside its text area (not the
    running head or page number in the margins), the page's height and its margin."""
    page = reader.pages[index]
    height = float(page.mediabox.height)
    margin = 16 / 25.4 * 72
    ys: list[float] = []

    def on_text(text, cm, tm, font, size):
        if text.strip():
            y = tm[5] * cm[3] + cm[5]
            if margin - 2 < y < height - margin + 2:
                ys.append(y)

    def before(op, args, cm, tm):
        if op == b"Do":
            ys.extend((cm[5], cm[5] + cm[3]))

    page.extract_text(visitor_text=on_text, visitor_operand_before=before)
    return [y for y in ys if margin - 20 < y < height - margin + 20], height, margin


@pytest.fixture(scope="module")
def page_marks(reader) -> list:
    """_marks of every page, once for the tests that measure how full the pages are (~20 s)."""
    return [_marks(reader, index) for index in range(len(reader.pages))]


#: a page filled less than this is a hole in the book, unless it ends a chapter
MIN_FILL = 0.15


def test_pdf_no_near_empty_pages(book_pdf, reader, page_marks):
    """No page but the last of a chapter (the page before a chapter's first, or the book's last) is
    filled under MIN_FILL: what leaves a page nearly empty is a web-only line moved to a page of its own,
    or a block too tall for the rest of the page. A chapter's last page holds some of its text: no
    page is blank (the chapters' markers of the single page once gave each chapter a blank last page)."""
    starts = set(_report(book_pdf)["chapter_pages"])
    ends = {p - 1 for p in starts} | {len(reader.pages)}
    first_text = min(starts) if starts else 2
    empty = []
    for index in range(first_text - 1, len(reader.pages)):
        if index + 1 in ends:
            if not page_marks[index][0]:
                empty.append(f"p. {index + 1}: blank")
            continue
        ys, height, margin = page_marks[index]
        fill = (max(ys) - min(ys)) / (height - 2 * margin) if ys else 0.0
        if fill < MIN_FILL:
            empty.append(f"p. {index + 1}: {fill:.0%}")
    assert not empty, f"pages blank, or filled under {MIN_FILL:.0%} (not a chapter's last): {empty[:12]}"


#: the most of a page's text area that may stay empty at its foot, but on a chapter's last page: more is
#: a block that cannot break moved whole to the next page (a tall figure leaves up to half a page)
MAX_FOOT_GAP = 0.6


def test_pdf_no_page_left_half_empty_by_a_block(book_pdf, reader, page_marks):
    """No page but a chapter's last ends with more than MAX_FOOT_GAP of its text area empty: a long
    table or box that the theme's print style keeps whole (break-inside: avoid) jumped to the next page
    and left most of this one blank (p. 42, 79 %, before tables and boxes could break)."""
    starts = set(_report(book_pdf)["chapter_pages"])
    ends = {p - 1 for p in starts} | {len(reader.pages)}
    gaps = []
    for index in range(min(starts or {2}) - 1, len(reader.pages)):
        ys, height, margin = page_marks[index]
        if index + 1 in ends or not ys:
            continue
        gap = (min(ys) - margin) / (height - 2 * margin)
        if gap > MAX_FOOT_GAP:
            gaps.append(f"p. {index + 1}: {gap:.0%}")
    assert not gaps, f"pages whose foot is more than {MAX_FOOT_GAP:.0%} empty (not a chapter's last): {gaps[:12]}"


def test_pdf_solutions_at_the_end_of_each_chapter(reader, pages_text):
    """Each chapter's solutions come after its last exercise, under a heading "Solutions" (in the
    outline): no "Solution to Exercise" is printed before that heading's page in its chapter."""
    outline = _outline(reader)
    solutions = [page for title, page in outline if title.endswith("Solutions")]
    texts = [_squash(t) for t in pages_text]
    with_solutions = [i + 1 for i, t in enumerate(texts) if "SolutiontoExercise" in t]
    assert with_solutions, "no solution in the PDF"
    assert solutions, "no \"Solutions\" heading in the PDF's outline"
    early = [p for p in with_solutions if not any(s <= p for s in solutions)
             or min(p - s for s in solutions if s <= p) > 12]
    assert not early, f"solutions printed away from their chapter's Solutions section: pages {early[:10]}"


def _fonts(reader) -> dict:
    """{font name without its subset prefix: number of pages it is used on}."""
    used: dict = {}
    for page in reader.pages:
        fonts = ((page.get("/Resources") or {}).get("/Font") or {})
        names = {str(f.get_object().get("/BaseFont", "")).lstrip("/") for f in fonts.get_object().values()} if fonts else set()
        for name in names:
            name = re.sub(r"^[A-Z]{6}\+", "", name)
            used[name] = used.get(name, 0) + 1
    return used


def test_pdf_fonts_are_the_books(reader):
    """Every font embedded is one the book brings (pdf/fonts.py: DejaVu Sans and Sans Mono from
    matplotlib's package), MathJax's (equations) or the theme's icon font, never one of the system's:
    on a machine with the Noto fonts the body was set in Noto Sans. The body text is DejaVu Sans."""
    import sys

    sys.path.insert(0, str(ROOT / "pdf"))
    from fonts import POSTSCRIPT_NAMES

    used = _fonts(reader)
    foreign = {n: k for n, k in used.items() if n and n not in POSTSCRIPT_NAMES
               and not re.match(r"^(MJX|MathJax)", n) and not n.startswith("FontAwesome")}
    assert not foreign, f"fonts in the PDF that the book does not bring (the system's?): {foreign}"
    body = used.get("DejaVuSans", 0)
    assert body >= 0.8 * len(reader.pages), (
        f"the body font DejaVu Sans is on only {body} of {len(reader.pages)} pages; fonts used: {used}")


# ------------------------------------------------------------------ the same book on every machine
NO_NOTO = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig><include ignore_missing="yes">/etc/fonts/fonts.conf</include>
<selectfont><rejectfont><glob>/usr/share/fonts/truetype/noto/*</glob><glob>/usr/share/fonts/opentype/noto/*</glob>
</rejectfont></selectfont></fontconfig>
"""


_PRINT_PAGE = ("import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]); import make_pdf; "
               "make_pdf.print_page(Path(sys.argv[2]), 'index.html', Path(sys.argv[3]))")


def _print_sample(html_dir: Path, environ: dict) -> Path:
    """The page index.html of ``html_dir`` printed by pdf/make_pdf.py's print_page (the book's browser
    environment and fonts) in a fresh process whose environment is ``environ`` (a process of its own:
    this one may already drive a browser through playwright's sync API, which allows one per thread)."""
    import subprocess
    import sys

    out = html_dir / f"sample-{len(list(html_dir.glob('sample-*.pdf')))}.pdf"
    proc = subprocess.run([sys.executable, "-c", _PRINT_PAGE, str(ROOT / "pdf"), str(html_dir), str(out)],
                          env=environ, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and out.is_file(), f"printing the sample failed:\n{proc.stderr[-2000:]}"
    return out


def test_pdf_fonts_do_not_depend_on_the_machine(tmp_path):
    """A page printed as the book is, once with the machine's fonts (the Noto fonts where they are
    installed, as on Ubuntu's and Fedora's desktops) and once with the Noto fonts hidden from fontconfig
    (a FONTCONFIG_FILE that rejects them): both embed the same fonts, the book's DejaVu only, and give
    the same text, the Arabic sentence in its logical order. On a machine with Noto, a print that lets
    the system's fonts in sets the body in Noto Sans and fails here; the whole book is checked by
    test_pdf_fonts_are_the_books."""
    import os
    import sys

    sys.path.insert(0, str(ROOT / "pdf"))
    from browser import MISSING, chromium
    from fonts import POSTSCRIPT_NAMES

    if not chromium():
        if os.environ.get("CI"):
            pytest.fail(MISSING)
        pytest.skip(MISSING)
    pypdf = pytest.importorskip("pypdf")

    html_dir = tmp_path / "html"
    html_dir.mkdir()
    arabic = _arabic_sentence()
    (html_dir / "index.html").write_text(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>sample</title></head><body>'
        "<h2>1. Gradient descent, the baseline</h2><p>Gradient descent takes a step against the gradient, "
        "θ<sub>t</sub> = θ<sub>t−1</sub> − α g<sub>t</sub>, with <b>bold</b> and <i>italic</i> words.</p>"
        "<pre><code>traj = optlib.run(optlib.GD(lr=0.1), problem)  # κ = 10</code></pre>"
        f'<div dir="rtl" lang="ar">{arabic}</div></body></html>', encoding="utf-8")
    conf = tmp_path / "no-noto.conf"
    conf.write_text(NO_NOTO, encoding="utf-8")
    machine = {k: v for k, v in os.environ.items() if k not in ("FONTCONFIG_FILE", "FONTCONFIG_PATH")}
    runs = {}
    for name, environ in (("machine's fonts", machine), ("Noto hidden", dict(machine, FONTCONFIG_FILE=str(conf)))):
        reader = pypdf.PdfReader(str(_print_sample(html_dir, environ)))
        runs[name] = (_fonts(reader), _squash("".join(p.extract_text() for p in reader.pages)))
    for name, (used, text) in runs.items():
        foreign = sorted(n for n in used if n not in POSTSCRIPT_NAMES)
        assert not foreign, f"with the {name}, the page embeds fonts the book does not bring: {foreign}"
        assert _squash(arabic) in text, f"with the {name}, the Arabic sentence is not in logical order"
        assert "DejaVuSans" in used and "DejaVuSansMono" in used, f"with the {name}: fonts {used}"
    (a, ta), (b, tb) = runs.values()
    assert set(a) == set(b) and ta == tb, f"the page differs with and without the Noto fonts: {runs}"
