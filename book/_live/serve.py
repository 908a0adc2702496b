"""Serve the built website on 127.0.0.1 (``make serve``): the live chapters need HTTP, not ``file://``.

    python book/_live/serve.py [--port 8000] [--dir _build/html]

Only the loopback address is bound: nothing on the network can reach it. WebAssembly is served as
``application/wasm`` (so that the browser compiles Pyodide while it downloads it). ``Server`` is the same
server in a thread, for the tests and the benchmark.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
TYPES = {".wasm": "application/wasm", ".mjs": "text/javascript", ".js": "text/javascript",
         ".json": "application/json", ".whl": "application/zip", ".ipynb": "application/json"}


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **TYPES}

    def log_message(self, fmt, *args):   # quiet: a page makes hundreds of requests
        if getattr(self.server, "verbose", False):
            super().log_message(fmt, *args)


def make_server(directory: Path, port: int = 0, verbose: bool = False) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(_Handler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    server.verbose = verbose
    return server


class Server:
    """``with Server(folder) as url:`` the folder on http://127.0.0.1:<free port>, from a thread."""

    def __init__(self, directory: Path, port: int = 0):
        self.directory, self.port = Path(directory), port

    def __enter__(self) -> str:
        self.httpd = make_server(self.directory, self.port)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, default=8000)
    ap.add_argument("--dir", type=Path, default=ROOT / "_build" / "html")
    ap.add_argument("--verbose", action="store_true", help="log every request")
    args = ap.parse_args(argv)
    if not (args.dir / "index.html").is_file():
        print(f"make serve: {args.dir}/index.html is missing: run `make book` first", file=sys.stderr)
        return 1
    try:
        server = make_server(args.dir, args.port, args.verbose)
    except OSError as exc:
        print(f"make serve: cannot listen on 127.0.0.1:{args.port} ({exc}); try make serve PORT=8001",
              file=sys.stderr)
        return 1
    url = f"http://127.0.0.1:{server.server_address[1]}"
    live = (args.dir / "lite" / "jupyter-lite.json").is_file()
    print(f"Serving {args.dir} on {url}/ (this machine only; Ctrl-C stops it)")
    print(f"Open:  {url}/index.html")
    print("Every chapter has a 'Run this chapter live' button" if live else
          "(the live part was not built: see _build/live/UNAVAILABLE; the static book is served)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
