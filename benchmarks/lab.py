"""JupyterLab started headless on a loopback port, and Chromium driven by playwright, as a student uses them.

Used by the end-to-end benchmark (benchmarks/e2e.py) and the live checks (benchmarks/live_check.py).
JupyterLab serves the working copy of ``make lab`` (``_build/lab``, copied from ``book/`` when missing),
never ``book/`` itself. Its user settings and workspaces go to a temporary folder, so that neither a
person's own ~/.jupyter nor a stored workspace changes what is measured, and ``window.jupyterapp`` is
exposed so that the script can run Lab's own commands ("run all cells").
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAB_DIR = ROOT / "_build" / "lab"
sys.path.insert(0, str(ROOT / "pdf"))
from browser import chromium  # noqa: E402  (pdf/browser.py: Debian's Chromium, or playwright's own)
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


def working_copy(lab_dir: Path = LAB_DIR, book: Path = ROOT / "book") -> Path:
    """``make lab``'s working copy: every file of ``book/`` that the copy does not have yet is copied.

    A file already in the copy is left as it is (a student's edits and outputs stay). Same rule as
    the Makefile's ``lab-copy`` target.
    """
    for src in book.rglob("*"):
        if src.is_file() and ".ipynb_checkpoints" not in src.parts:
            dst = lab_dir / src.relative_to(book)
            if not dst.exists():
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst)
    return lab_dir


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A JupyterLab server on 127.0.0.1 serving ``root``; use as a context manager."""

    def __init__(self, root: Path, port: int = 0, log: Path | None = None):
        self.root, self.port = Path(root), port or _free_port()
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.proc = None
        self._tmp = None

    def __enter__(self) -> "Lab":
        self._tmp = tempfile.TemporaryDirectory(prefix="optlib-lab-")
        tmp = Path(self._tmp.name)
        # announcements: Lab asks whether to fetch news from the internet; a popup in every screenshot
        config = tmp / "config" / "labconfig"
        config.mkdir(parents=True)
        (config / "page_config.json").write_text(json.dumps(
            {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
        from . import ORIGINAL_ENV     # the kernel runs with the reader's thread settings, not the pinned 1

        env = dict(ORIGINAL_ENV, JUPYTERLAB_SETTINGS_DIR=str(tmp / "settings"),
                   JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"),
                   JUPYTER_CONFIG_PATH=str(tmp / "config"))
        cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}",
               "--LabApp.expose_app_in_browser=True", "--LabApp.check_for_updates_class="
               "jupyterlab.NeverCheckForUpdate"]
        if hasattr(os, "getuid") and os.getuid() == 0:
            cmd.append("--allow-root")
        out = open(self.log, "w") if self.log else subprocess.DEVNULL
        self.proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + 90
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {self.proc.returncode} (log: {self.log})")
            try:
                urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=2)
                return self
            except OSError:
                time.sleep(0.5)
        self.__exit__(None, None, None)
        raise RuntimeError(f"JupyterLab did not answer on {self.url} within 90 s (log: {self.log})")

    def __exit__(self, *exc) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)   # the server and the kernels it started
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self._tmp is not None:
            self._tmp.cleanup()

    def notebook_url(self, relpath: str) -> str:
        return f"{self.url}/lab/tree/{relpath}?token={self.token}&reset"


def launch_chromium(playwright, headless: bool = True):
    """Debian's Chromium when present; otherwise playwright's own (``python -m playwright install chromium``)."""
    kw = dict(headless=headless, args=CHROMIUM_FLAGS)
    path = chromium()
    if path:
        kw["executable_path"] = path
    return playwright.chromium.launch(**kw)


# --------------------------------------------------------------------------- driving a notebook in the page

def wait_for_notebook(page, timeout: float = 120) -> None:
    """Until the notebook's cells are on the page and its kernel is idle."""
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=timeout * 1000)
    wait_idle(page, timeout)


def wait_idle(page, timeout: float = 600) -> None:
    """Until the kernel of the current notebook is idle and no cell is queued or running."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        state = page.evaluate(
            """() => {
                const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
                const ctx = w && w.sessionContext;
                const status = ctx ? ctx.kernelDisplayStatus : 'none';
                const busy = [...document.querySelectorAll('.jp-InputArea-prompt')]
                    .some(p => p.textContent.includes('*'));
                return {status, busy};
            }""")
        if state["status"] == "idle" and not state["busy"]:
            return
        time.sleep(0.25)
    raise TimeoutError(f"the kernel was not idle within {timeout} s")


def command(page, name: str, args: dict | None = None):
    """Run one of JupyterLab's commands (e.g. ``notebook:run-all-cells``) and wait for it to return."""
    return page.evaluate("([n, a]) => window.jupyterapp.commands.execute(n, a).then(() => true)",
                         [name, args or {}])


def run_all(page, timeout: float = 600) -> None:
    command(page, "notebook:run-all-cells")
    time.sleep(1.0)
    wait_idle(page, timeout)


def is_dirty(page) -> bool:
    """Whether Lab marks the current notebook as changed since it was last saved."""
    return page.evaluate("() => { const w = window.jupyterapp.shell.currentWidget;"
                         " return !!(w && w.context && w.context.model.dirty); }")
