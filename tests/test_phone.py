"""Phones: every page at a 390 px wide viewport, with no horizontal scrolling of the page body.

Each built page (conftest.py's shared build and page load, tests/site_visit.py) is shown in headless
Debian Chromium emulating a phone (390 × 844 CSS px, device scale factor 2, touch, a mobile user agent),
after MathJax has typeset it. The page passes when ``document.documentElement.scrollWidth <= 390``: whatever is wider (a display equation, a
table, a code cell or its output, an animation) must scroll inside its own box, as pdf/static/reader.css
arranges, and each box that scrolls sideways shows that it does (pdf/static/reader.js and reader.css:
a visible scrollbar and a faded edge where more is hidden); an inline formula too wide for the line
scrolls in its own box rather than being cut off; every figure is shown whole, at the column's width.
On failure the message names the elements.
With SCREENSHOTS=1 (`make screenshots`), a full-page screenshot of each page is saved to
artifacts/phone/<page>.jpg for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIDTH = 390
# The phone is the page's shared load (tests/site_visit.py, step "phone") switched, after the desktop
# checks, to 390 x 844 CSS px, device scale factor 2, a mobile viewport, touch and a mobile user agent
# through the DevTools protocol's device emulation (what playwright's is_mobile context does), and
# measured once the layout has settled (make screenshots: a full-page screenshot in artifacts/phone/).
VISIT_STEPS = ("phone",)


def test_no_horizontal_scroll_at_390px(site_page, site, visited):
    assert (site[0] / f"{site_page}.html").is_file(), f"{site_page}.html was not built"
    seen = visited(site_page, "phone")
    widths, culprits = seen["widths"], seen["culprits"]
    assert widths[2] == WIDTH and widths[3] == 2, f"{site_page}: the phone emulation did not take: {widths}"
    assert widths[0] <= WIDTH, (
        f"{site_page}: the page is {widths[0]} px wide at a {WIDTH} px viewport (body {widths[1]} px); "
        f"sticking out: {culprits}")


def test_what_scrolls_sideways_shows_it_at_390px(site_page, site, visited):
    """A box that scrolls sideways on a phone (a wide table, a long equation, a code line) shows it:
    pdf/static/reader.js marks it (class reader-scrolls) and reader.css fades its edge where more
    content is hidden, and gives it a visible scrollbar."""
    seen = visited(site_page, "phone")
    unmarked = [h["what"] for h in seen["hints"] if not (h["marked"] and h["faded"])]
    assert not unmarked, (
        f"{site_page}: boxes that scroll sideways at {WIDTH} px without showing it "
        f"(no reader-scrolls class or no edge fade): {unmarked[:10]}")


def test_no_inline_math_cut_off_at_390px(site_page, site, visited):
    """A formula in the text wider than the column ("(κ−1)/(κ+1) = (1.5−1)/(1.5+1) = 0.2") must not run
    past the column where the article cuts it: reader.js makes it a box that scrolls sideways."""
    seen = visited(site_page, "phone")
    assert not seen["clipped_math"], (
        f"{site_page}: inline formulas cut off at {WIDTH} px: {seen['clipped_math'][:10]}")


# A figure is shown whole on a phone, at the column's width (pdf/static/reader.js): the book's figures are
# 671 px wide, which 390 px shows at about 0.53, their 9-point text at 6.7 CSS px. None may be hidden in
# part (a sideways box kept figures at 0.72 and hid their right third: half of a three-panel figure),
# nor shown below MIN_FIGURE_SCALE, where a 9-point label falls under 6 px.
MAX_HIDDEN = 0.02
MIN_FIGURE_SCALE = 0.48


def test_figures_shown_whole_at_390px(site_page, site, visited):
    seen = visited(site_page, "phone")
    hidden = [f"{f['what']}: {f['hidden']:.0%} out of sight" for f in seen["figures"] if f["hidden"] > MAX_HIDDEN]
    small = [f"{f['what']}: shown at {f['scale']:.2f}" for f in seen["figures"] if f["scale"] < MIN_FIGURE_SCALE]
    assert not hidden and not small, (
        f"{site_page}: figures at {WIDTH} px hidden in part {hidden[:6]} or too small to read {small[:6]}")
