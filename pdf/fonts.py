"""The PDF's fonts: chosen by the book, not by the machine it is printed on.

Chromium lays the book out with whatever fonts fontconfig offers it. On a machine with the Noto fonts
(the default of Ubuntu's and Fedora's desktops) the body came out in Noto Sans and the notes' Arabic
sentence in Noto Sans Arabic, whose glyphs the PDF's text layer gave back with the words of each line in
reverse order; with only DejaVu installed it was right. So the book brings its own fonts:

* the files are DejaVu Sans and DejaVu Sans Mono (regular, bold, oblique, bold oblique) as shipped by
  matplotlib, which requirements.txt pins (``matplotlib/mpl-data/fonts/ttf``): nothing is downloaded and
  no system font package is needed. DejaVu Sans covers Latin, Greek, the mathematical symbols of the
  text and Arabic (with its joining forms), so the sentence is shaped by the browser from this font;
* they are copied into the single-page build (``_static/book-fonts/``) and declared with ``@font-face``
  (:func:`font_face_css`) as the families "Book Sans" and "Book Mono", which the print style uses for
  all text (MathJax keeps its own fonts for the equations);
* Chromium is started with ``FONTCONFIG_FILE`` pointing at a fonts.conf of the book's own
  (:func:`fontconfig_env`) that lists only that folder, with its own cache: the system's fonts are not
  seen at all, so no fallback can pick one of them either.

tests/test_pdf.py checks that every font embedded in the PDF is one of these (or MathJax's, or the
theme's icon font, all files of the build) and that the Arabic sentence reads in its logical order.
"""

from __future__ import annotations

import shutil
from pathlib import Path

#: (family, CSS weight, CSS style, file in matplotlib's mpl-data/fonts/ttf)
FACES = [
    ("Book Sans", 400, "normal", "DejaVuSans.ttf"),
    ("Book Sans", 700, "normal", "DejaVuSans-Bold.ttf"),
    ("Book Sans", 400, "italic", "DejaVuSans-Oblique.ttf"),
    ("Book Sans", 700, "italic", "DejaVuSans-BoldOblique.ttf"),
    ("Book Mono", 400, "normal", "DejaVuSansMono.ttf"),
    ("Book Mono", 700, "normal", "DejaVuSansMono-Bold.ttf"),
    ("Book Mono", 400, "italic", "DejaVuSansMono-Oblique.ttf"),
    ("Book Mono", 700, "italic", "DejaVuSansMono-BoldOblique.ttf"),
]
#: the PostScript names of those files, as a PDF names the fonts it embeds (after a subset prefix)
POSTSCRIPT_NAMES = {"DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique", "DejaVuSans-BoldOblique",
                    "DejaVuSansMono", "DejaVuSansMono-Bold", "DejaVuSansMono-Oblique",
                    "DejaVuSansMono-BoldOblique"}
FOLDER = "_static/book-fonts"


def source_dir() -> Path:
    """matplotlib's own font folder (matplotlib is pinned in requirements.txt)."""
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def install(html_dir: Path) -> Path:
    """Copy the book's font files into ``html_dir``/_static/book-fonts; return that folder."""
    src, dest = source_dir(), html_dir / FOLDER
    dest.mkdir(parents=True, exist_ok=True)
    for *_, name in FACES:
        if not (src / name).is_file():
            raise FileNotFoundError(f"{src / name}: the book's font is missing (is matplotlib installed?)")
        shutil.copy2(src / name, dest / name)
    return dest


def font_face_css() -> str:
    """@font-face rules for the families, and the print style that sets every text in them."""
    faces = "\n".join(
        f'@font-face {{ font-family: "{family}"; font-weight: {weight}; font-style: {style}; '
        f'src: url("{FOLDER}/{name}") format("truetype"); }}'
        for family, weight, style, name in FACES)
    return faces + """
:root { --pst-font-family-base: "Book Sans"; --pst-font-family-heading: "Book Sans";
        --pst-font-family-monospace: "Book Mono"; --bs-font-sans-serif: "Book Sans";
        --bs-font-monospace: "Book Mono"; --bs-body-font-family: "Book Sans"; }
html, body, p, li, td, th, h1, h2, h3, h4, h5, h6, figcaption, blockquote, div, span, a, button, input {
  font-family: "Book Sans", sans-serif; }
pre, code, kbd, samp, tt, .highlight, .highlight *, .sig, .sig *, code.literal, code.literal * {
  font-family: "Book Mono", monospace !important; }
"""


def fontconfig_env(fonts: Path, build_dir: Path) -> dict:
    """The environment for Chromium: a fontconfig that sees only ``fonts`` (no system fonts).

    The generic names (sans-serif, serif, monospace, system-ui) all lead to the book's faces."""
    conf = build_dir / "fonts.conf"
    cache = build_dir / "fontconfig-cache"
    cache.mkdir(parents=True, exist_ok=True)
    aliases = "".join(
        f"<alias><family>{generic}</family><prefer><family>{face}</family></prefer></alias>"
        for generic, face in (("sans-serif", "DejaVu Sans"), ("serif", "DejaVu Sans"),
                              ("system-ui", "DejaVu Sans"), ("monospace", "DejaVu Sans Mono")))
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
        f"<fontconfig><dir>{fonts.resolve()}</dir><cachedir>{cache.resolve()}</cachedir>{aliases}"
        "</fontconfig>\n", encoding="utf-8")
    return {"FONTCONFIG_FILE": str(conf.resolve())}
