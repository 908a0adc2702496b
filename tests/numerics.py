"""The numeric back-ends the notebooks are checked under: which BLAS kernel and which SIMD loops run.

The stored outputs must not depend on the machine that made them. `make test-notebooks` re-runs every
notebook once per back-end named in NBVAL_BACKENDS; this script turns a back-end's name into the
environment that selects it, and says which kernel and loops were actually in use:

    python tests/numerics.py run NAME -- CMD  # say which kernel and loops NAME gives here, then run CMD with them
    python tests/numerics.py env NAME        # the variables NAME sets here (or nothing)
    python tests/numerics.py describe        # the OpenBLAS kernel and numpy SIMD loops of this process
    python tests/numerics.py list            # the back-ends and whether this machine can run them
    python tests/numerics.py distinct A B …  # those of A B … that differ here (a back-end this machine cannot
                                             # run is the machine's own: one pass of it is enough)

Back-ends (x86-64; OpenBLAS's OPENBLAS_CORETYPE picks a kernel, numpy's NPY_DISABLE_CPU_FEATURES turns off
its dispatched AVX2/AVX-512 loops):

    machine      nothing changed: the kernel OpenBLAS picks for this processor, numpy's best loops
    sandybridge  OpenBLAS's AVX kernel and numpy's baseline (SSE4.2) loops: an older laptop
    nehalem      OpenBLAS's SSE kernel, numpy's own loops as this machine has them
    skylakex     OpenBLAS's AVX-512 kernel (only where the processor has AVX-512: elsewhere it would stop
                 on an illegal instruction, so it is replaced by `machine` with a message)

On a processor that is not x86-64 (ARM, Apple silicon) these variables mean nothing: every back-end runs as
`machine`, the script says so, and the passes still vary the thread count and the order.
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path

NUMPY_LOOPS_OFF = "X86_V3 X86_V4 AVX512_ICL AVX512_SPR"
BACKENDS = {
    "machine": {},
    "sandybridge": {"OPENBLAS_CORETYPE": "Sandybridge", "NPY_DISABLE_CPU_FEATURES": NUMPY_LOOPS_OFF},
    "nehalem": {"OPENBLAS_CORETYPE": "Nehalem"},
    "skylakex": {"OPENBLAS_CORETYPE": "SkylakeX"},
}


def _x86_64() -> bool:
    return platform.machine().lower() in ("x86_64", "amd64")


def _has_avx512() -> bool:
    try:
        return "avx512f" in Path("/proc/cpuinfo").read_text()
    except OSError:
        return False


def env(name: str) -> dict:
    """The environment of back-end ``name`` on this machine (empty where it would mean nothing)."""
    if name not in BACKENDS:
        raise SystemExit(f"unknown numeric back-end {name!r}; known: {', '.join(BACKENDS)}")
    if not _x86_64():
        print(f"numerics: {platform.machine()} is not x86-64: back-end {name!r} runs as 'machine'", file=sys.stderr)
        return {}
    if name == "skylakex" and not _has_avx512():
        print("numerics: this processor has no AVX-512: back-end 'skylakex' runs as 'machine'", file=sys.stderr)
        return {}
    return dict(BACKENDS[name])


def describe() -> str:
    """The OpenBLAS kernel and the numpy SIMD loops this process runs with."""
    import numpy as np

    try:
        from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
        loops = [f for f in __cpu_dispatch__ if __cpu_features__.get(f)] or ["baseline only"]
    except ImportError:  # pragma: no cover - another numpy layout
        loops = ["unknown"]
    kernel = "unknown (threadpoolctl missing)"
    try:
        import threadpoolctl

        info = [d for d in threadpoolctl.threadpool_info() if d.get("internal_api") == "openblas"]
        if info:
            kernel = f"{info[0].get('architecture')}, {info[0].get('num_threads')} thread(s)"
    except ImportError:
        pass
    return f"numpy {np.__version__} on {platform.machine()}: OpenBLAS kernel {kernel}; numpy SIMD loops {' '.join(loops)}"


def run(name: str, command: list[str]) -> int:
    """Run ``command`` under back-end ``name``, after printing what that back-end is on this machine."""
    import os
    import subprocess

    environ = dict(os.environ, **env(name))
    what = subprocess.run([sys.executable, __file__, "describe"], env=environ, capture_output=True, text=True)
    print(f"numerics {name!r}: {what.stdout.strip() or what.stderr.strip()}", flush=True)
    return subprocess.call(command, env=environ)


def main(argv: list[str]) -> int:
    if len(argv) >= 4 and argv[0] == "run" and argv[2] == "--":
        return run(argv[1], argv[3:])
    if len(argv) >= 2 and argv[0] == "env":
        print(" ".join(f"{k}={v}" for k, v in env(argv[1]).items()))
        return 0
    if len(argv) >= 1 and argv[0] == "distinct":
        seen, keep = [], []
        for name in argv[1:]:
            e = env(name)
            if e not in seen:
                seen.append(e)
                keep.append(name)
        print(" ".join(keep))
        return 0
    if argv == ["describe"]:
        print(describe())
        return 0
    if argv == ["list"]:
        for name in BACKENDS:
            print(f"{name:<12} {' '.join(f'{k}={v}' for k, v in env(name).items()) or '(as found)'}")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
