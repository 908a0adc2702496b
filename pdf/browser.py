"""Which Chromium the PDF, the site tests and the live benchmark drive.

Debian's ``/usr/bin/chromium`` where it is installed (Linux; CI installs it). Elsewhere (macOS, Windows, a
Linux without Debian's package) playwright's own Chromium, if it was installed with
``python -m playwright install chromium``. None when there is neither: callers then skip with a message
(or fail when the environment variable CI is set).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Optional

DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
#: the flags every headless start uses: no sandbox (root in containers), nothing fetched in the background
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
MISSING = ("no Chromium: install Debian's (apt-get install chromium) or playwright's own "
           "(.venv/bin/python -m playwright install chromium)")


@functools.lru_cache(maxsize=None)
def chromium() -> Optional[str]:
    """The path of the Chromium to drive, or None (see the module's docstring)."""
    if DEBIAN_CHROMIUM.exists():
        return str(DEBIAN_CHROMIUM)
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            path = p.chromium.executable_path
    except Exception:  # playwright missing, or its driver cannot start: no browser to offer
        return None
    return path if path and Path(path).exists() else None
