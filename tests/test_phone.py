"""Phones: every page at a 390 px wide viewport, with no horizontal scrolling of the page body.

Each built page (conftest.py's shared build) is loaded in headless Debian Chromium emulating a phone
(390 × 844 CSS px, device scale factor 2, touch, a mobile user agent), after MathJax has typeset it. The
page passes when ``document.documentElement.scrollWidth <= 390``: whatever is wider (a display equation, a
table, a code cell or its output, an animation) must scroll inside its own box, as pdf/static/reader.css
arranges. On failure the message names the elements that stick out. A full-page screenshot of each page
is saved to artifacts/phone/<page>.png for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "artifacts" / "phone"
WIDTH = 390
PHONE = dict(
    viewport={"width": WIDTH, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True,
    user_agent=("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                "Chrome/156.0.0.0 Mobile Safari/537.36"),
)

# the elements whose right edge passes the viewport's and that are not inside a box that scrolls or clips
_STICKING_OUT = """(width) => {
  const clipped = el => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (['auto', 'scroll', 'hidden', 'clip'].includes(s.overflowX)) return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= width + 0.5 || clipped(el)) continue;
    if (getComputedStyle(el).visibility === 'hidden') continue;
    out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${[...el.classList].join('.')}`
             + ` right=${Math.round(r.right)}`);
    if (out.length >= 8) break;
  }
  return out;
}"""


def test_no_horizontal_scroll_at_390px(site_page, site, open_page):
    assert (site[0] / f"{site_page}.html").is_file(), f"{site_page}.html was not built"
    context, pg, outside = open_page(site_page, **PHONE)
    try:
        pg.wait_for_timeout(200)
        widths = pg.evaluate("() => [document.documentElement.scrollWidth, document.body.scrollWidth,"
                             " window.innerWidth]")
        culprits = pg.evaluate(_STICKING_OUT, WIDTH) if widths[0] > WIDTH else []
        SHOTS.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(SHOTS / f"{Path(site_page).name}.png"), full_page=True)
    finally:
        context.close()
    assert widths[0] <= WIDTH, (
        f"{site_page}: the page is {widths[0]} px wide at a {WIDTH} px viewport (body {widths[1]} px); "
        f"sticking out: {culprits}")
