"""The PDF of the whole book (pdf/make_pdf.py, `make pdf`), and its link on every page of the site.

The session fixture (conftest.py) runs pdf/make_pdf.py exactly as `make pdf` does (a single-page build,
printed by Debian's Chromium) into a temporary folder, copies the PDF into the HTML build and builds the
site, as `make book` does. Then:

* the PDF has more than MIN_PAGES pages, one outline entry (bookmark) per chapter, and as many images as
  the notebooks have figures (each animation printed as its first frame);
* its text holds typeset math (the update θ_{t+1} = θ_t − α g_t as MathJax lays it out) and no raw TeX;
* the notes' Arabic sentence (chapter 3, ``<div dir="rtl" lang="ar">``), laid out right to left by
  Chromium's bidi, is in the PDF's text in its logical order (as written in the notebook);
* every page of the site links the PDF, the link's target exists, and the link is visible.

Text is read with pypdf (pinned in requirements.txt). The page count and size go to artifacts/pdf.txt.
Skipped without /usr/bin/chromium (fails with CI).
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


@pytest.fixture(scope="module")
def pages_text(reader) -> list[str]:
    return [page.extract_text() or "" for page in reader.pages]


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

    outline = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                outline.append(_squash(item.title))

    walk(reader.outline)
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
    # chapter 1's update (1.1), as MathJax's CHTML output is read back from the PDF
    assert "θt+1=θt−αgt" in squashed, "the update θ_{t+1} = θ_t − α g_t is not in the PDF's text"
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


def test_every_page_links_the_pdf(site_page, site, open_page):
    html, _, _ = site
    assert (html / f"{site_page}.html").is_file(), f"{site_page}.html was not built"
    source = (html / f"{site_page}.html").read_text(encoding="utf-8")
    m = re.search(r'<p class="reader-pdf-link"><a href="([^"]+)"', source)
    assert m, f"{site_page}.html has no link to the PDF"
    target = urlparse(urljoin(f"http://x/{site_page}.html", m.group(1))).path.lstrip("/")
    assert target == PDF_NAME and (html / target).is_file(), f"{site_page}: the link points to {target}"
    context, pg, _ = open_page(site_page, viewport={"width": 1280, "height": 900})
    try:
        link = pg.locator(".reader-pdf-link a")
        link.scroll_into_view_if_needed()
        assert link.is_visible(), f"{site_page}: the PDF link is not visible"
    finally:
        context.close()
