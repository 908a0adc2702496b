"""The page as a reader sees it at 1280 px: nothing cut at the right, figures at their size, no test words.

On every page of the site (the shared page load of tests/site_visit.py, step "reader", at a 1280 × 900
viewport, folded parts opened), the script READER looks for

* code blocks (``pre``: source and printed output) that scroll sideways (scrollWidth > clientWidth) or
  pass the page column: what gets cut is the end of the line, often the comment that explains it. Code
  lines of at most 79 characters fit (test_79_characters_fit_a_code_block);
* display equations (MathJax's ``mjx-container``) wider than their box or the column;
* tables wider than the box they sit in, and any other box of the article that scrolls sideways;
* figures (``img``) shown at less than 0.9 of their natural width: the figure policy (optlib.plotting)
  draws figures at most 680 px wide so that the page never shrinks their text;
* words of the test machinery in the text a reader sees (collapsed parts, alt texts and labels
  included): nbval, pytest, tests/, test_*.py, conftest, cell tags such as remove-output or
  raises-exception;
* in a chapter, before anything is opened: code cells at most a fifth of the page's height, and every
  figure (PNG output or animation) in a <figure> with a numbered caption ("Fig. 3.2").

The self-tests inject each defect into a real page of the built site (with the theme's CSS and MathJax)
and check that READER reports it, so the guard cannot pass by seeing nothing.
"""

from __future__ import annotations

import re

import pytest

import site_visit  # tests/ is on sys.path (tests/conftest.py)

VISIT_STEPS = ("reader",)
KINDS = ("code", "math", "table", "box", "figure", "words")
LABELS = {"code": "code blocks that scroll sideways", "math": "display equations wider than their box",
          "table": "tables wider than their box", "box": "other boxes that scroll sideways",
          "figure": f"figures shown below {site_visit.MIN_SCALE} of their natural width",
          "words": "test words in the text"}


def _report(page: str, seen: dict, kinds=KINDS) -> str:
    lines = [f"{page} at 1280 px (page column {seen['column']} px):"]
    for kind in kinds:
        if seen[kind]:
            lines.append(f"  {LABELS[kind]} ({len(seen[kind])}):")
            lines += [f"    {x}" for x in seen[kind][:30]]
    return "\n".join(lines)


def test_nothing_cut_at_1280px(site_page, site, visited):
    assert (site[0] / f"{site_page}.html").is_file(), f"{site_page}.html was not built"
    seen = visited(site_page, "reader")
    kinds = ("code", "math", "table", "box")
    assert seen["page"] <= 1280 and not any(seen[k] for k in kinds), _report(site_page, seen, kinds)


# A chapter reads as a book, not as notebook output: the code a reader sees (cell inputs not folded
# away) takes at most CODE_SHARE of the chapter's height at 1280 px; set-up cells and table or figure
# plumbing are hidden (cell tags remove-input, remove-cell), the algorithmic code stays.
CODE_SHARE = 0.20
CHAPTER = re.compile(r"^book/\d\d-")


#: chapters still over CODE_SHARE at 1280 px, with what was measured (open: each entry goes once it passes).
#: None open: ch. 5-9 (25, 22, 21, 22 and 27 % on 2026-12-04) are under the fifth since 2026-12-06.
CODE_SHARE_OPEN: dict[str, str] = {}


def test_code_is_at_most_a_fifth_of_a_chapter_at_1280px(site_page, visited, request):
    if not CHAPTER.match(site_page):
        return
    if site_page in CODE_SHARE_OPEN:
        # a known open defect (strict: the test fails as soon as the chapter meets the target)
        request.applymarker(pytest.mark.xfail(strict=True, reason=f"OPEN: code {CODE_SHARE_OPEN[site_page]}"))
    layout = visited(site_page, "reader")["layout"]
    assert layout["share"] <= CODE_SHARE, (
        f"{site_page}: code cells take {layout['share']:.0%} of the page's height at 1280 px "
        f"({layout['code']:.0f} of {layout['height']:.0f} px; at most {CODE_SHARE:.0%})")


def test_every_figure_of_a_chapter_has_a_numbered_caption(site_page, visited):
    """Each figure (a PNG output, or an animation) sits in a <figure> whose caption myst-nb numbers
    ("Fig. 3.2"): the code cell's metadata {"mystnb": {"figure": {"caption": ..., "name": ...}}}."""
    if not CHAPTER.match(site_page):
        return
    figures = visited(site_page, "reader")["layout"]["figures"]
    bare = [f"{f['where']} {f['kind']}" for f in figures if not f["number"].startswith("Fig.")]
    assert not bare, f"{site_page}: {len(bare)} of {len(figures)} figures without a numbered caption: {bare[:12]}"


def test_figures_at_their_natural_size_at_1280px(site_page, visited):
    seen = visited(site_page, "reader")
    assert not seen["figure"], _report(site_page, seen, ("figure",))


#: The appendix "How the numbers in this book are checked" (book/checks.md) is the one page that names the
#: tools, because explaining them is its subject: there nbval, pytest and the test files are allowed; cell tags
#: and the other words of the list stay forbidden.
TOOLS_PAGE = "book/checks"
_TOOL_WORD = re.compile(r'^"(?:nbval|pytest|tests?/|test_\w+\.py|conftest)"', re.IGNORECASE)


def test_no_test_words_in_the_text(site_page, visited):
    seen = visited(site_page, "reader")
    words = seen["words"]
    if site_page == TOOLS_PAGE:
        words = [w for w in words if not _TOOL_WORD.match(w)]
    assert not words, _report(site_page, dict(seen, words=words), ("words",))


# ------------------------------------------------------------------------------------ self-tests

# Defects put into a page, each in its own section (READER names the section of what it reports).
# The structure of a code cell is myst-nb's, so that the theme's CSS applies as on a chapter page.
_CODE_CELL = ('<div class="cell docutils container"><div class="cell_input docutils container">'
              '<div class="highlight-ipython3 notranslate"><div class="highlight"><pre>{}</pre></div></div>'
              '</div></div>')
_INJECT = r"""async ({code}) => {
  const article = document.querySelector('.bd-article');
  const add = (id, html) => {
    const s = document.createElement('section'); s.id = id; s.innerHTML = html; article.appendChild(s); return s;
  };
  const line = n => 'x = 1  # ' + 'm'.repeat(n - 9);
  add('defect-code', code.replace('{}', line(120)));
  add('fit-79', code.replace('{}', line(79) + '\n' + line(79)));
  add('defect-math', '<div class="math notranslate nohighlight">\\[' +
      Array.from({length: 40}, (_, i) => `a_{${i}} x^{${i}}`).join(' + ') + '\\]</div>');
  add('defect-table', '<div class="pst-scrollable-table-container"><table class="table"><tr>' +
      Array.from({length: 30}, (_, i) => `<td>column_number_${i}</td>`).join('') + '</tr></table></div>');
  const png = w => { const c = document.createElement('canvas'); c.width = w; c.height = 40;
                     const g = c.getContext('2d'); g.fillStyle = '#0072B2'; g.fillRect(0, 0, w, 40);
                     return c.toDataURL('image/png'); };
  add('defect-figure', `<div class="cell_output docutils container"><img alt="wide" src="${png(1400)}"></div>`);
  add('fit-680', `<div class="cell_output docutils container"><img alt="fits" src="${png(680)}"></div>`);
  add('defect-words', '<p>This output is ignored by nbval (see tests/test_widgets.py).</p>' +
      code.replace('{}', '# tagged raises-exception for pytest'));
  add('defect-box', '<div style="overflow-x: auto"><div style="width: 2000px">wide</div></div>');
  // a folded code cell of 40 lines, as myst-nb writes a hide-input cell (closed <details>)
  add('folded-code', '<div class="cell tag_hide-input docutils container"><details class="admonition hide above-input">' +
      '<summary aria-label="Toggle hidden content"><p class="collapsed admonition-title">Show code cell source</p></summary>' +
      code.replace('{}', Array.from({length: 40}, () => line(40)).join('\n'))
          .replace('<div class="cell docutils container">', '').replace(/<\/div>$/, '') + '</details></div>');
  await MathJax.typesetPromise([document.getElementById('defect-math')]);
  await Promise.all([...article.querySelectorAll('section[id^="defect-"] img, section[id^="fit-"] img')]
      .map(i => i.complete ? null : new Promise(r => i.addEventListener('load', r))));
}"""


def _flagged(seen: dict, kind: str, section: str) -> list[str]:
    return [x for x in seen[kind] if x.startswith(f"#{section} ")]


def _glossary_with_test_cells(open_page) -> dict:
    """What the reader-view guard sees on the glossary page once the test cells (_CODE_CELL) are put in."""
    context, pg, _ = open_page("book/glossary", viewport=site_visit.DESKTOP)
    try:
        pg.evaluate(_INJECT, {"code": _CODE_CELL})
        seen = pg.evaluate(site_visit.READER, {"words": site_visit.TEST_WORDS, "minScale": site_visit.MIN_SCALE})
        # the code share counts the folded cell only once it is opened
        closed = pg.evaluate(site_visit.BOOK_LAYOUT)["code"]
        pg.evaluate("() => { document.querySelector('#folded-code details').open = true; }")
        pg.evaluate(site_visit.SETTLE)
        seen["folded_code"] = {"closed": closed, "open": pg.evaluate(site_visit.BOOK_LAYOUT)["code"]}
        return seen
    finally:
        context.close()


def test_reader_guard_reports_each_defect_put_into_a_page(open_page):
    seen = _glossary_with_test_cells(open_page)
    report = _report("book/glossary with defects put in", seen)
    assert _flagged(seen, "code", "defect-code"), "a 120-character code line was not reported\n" + report
    assert _flagged(seen, "math", "defect-math"), "a too-wide display equation was not reported\n" + report
    assert _flagged(seen, "table", "defect-table"), "a too-wide table was not reported\n" + report
    assert _flagged(seen, "box", "defect-box"), "a box that scrolls sideways was not reported\n" + report
    assert _flagged(seen, "figure", "defect-figure"), "a shrunk 1400 px figure was not reported\n" + report
    words = " ".join(seen["words"])
    for word in ("nbval", "tests/", "test_widgets.py", "raises-exception", "pytest"):
        assert f'"{word}"' in words, f"the test word {word!r} was not reported\n" + report
    folded = seen["folded_code"]
    assert folded["open"] - folded["closed"] > 400, (
        f"a folded 40-line code cell counts as code seen before it is opened: {folded}")


def test_79_characters_fit_a_code_block_and_680px_a_figure(open_page):
    """The contract the chapters follow: code lines of at most 79 characters and figures at most 680 px
    wide are shown whole, at full size, in the page column at 1280 px with the theme's CSS."""
    seen = _glossary_with_test_cells(open_page)
    assert not _flagged(seen, "code", "fit-79"), (
        "79 monospace characters do not fit a code block at 1280 px (pdf/static/reader.css)\n" + _report("", seen))
    assert not _flagged(seen, "figure", "fit-680"), (
        "a 680 px figure is shrunk in the page column at 1280 px\n" + _report("", seen))


def test_phone_check_reports_a_box_that_scrolls_without_showing_it(open_page):
    """At 390 px the phone test asks every box that scrolls sideways to show it (tests/test_phone.py);
    a box that scrolls but is not one reader.js knows is reported, and a wide table is marked and faded."""
    context, pg, _ = open_page("book/glossary", viewport={"width": site_visit.PHONE_WIDTH, "height": 844},
                               device_scale_factor=2, is_mobile=True, has_touch=True)
    try:
        pg.evaluate(_INJECT, {"code": _CODE_CELL})
        pg.evaluate("() => window.readerMarkScrollers()")
        hints = pg.evaluate(site_visit.SCROLL_HINTS)
    finally:
        context.close()
    by_section = {h["what"].split(" ")[0]: h for h in hints}
    assert "#defect-box" in by_section and not by_section["#defect-box"]["marked"], hints
    for section in ("#defect-table", "#defect-math", "#defect-code"):
        assert section in by_section, f"{section} does not scroll at 390 px: {hints}"
        assert by_section[section]["marked"] and by_section[section]["faded"], by_section[section]
