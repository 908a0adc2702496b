"""`make bench`: what a student waits for, measured side by side in one run (see benchmarks/bench.py).

Importing this package pins every thread pool to one thread *before* numpy or torch is imported, so
that run with ``python -m benchmarks`` every measurement is single-threaded. The environment as it was
is kept in ``ORIGINAL_ENV`` for the subprocesses that time the book (``make test``, the site build),
which must run as a reader runs them. OPENBLAS_CORETYPE, when set, is left alone.
"""

import os

ORIGINAL_ENV = dict(os.environ)
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS")
for _name in THREAD_VARIABLES:
    os.environ[_name] = "1"
