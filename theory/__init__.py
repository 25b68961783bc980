"""Checked solutions to deep-learning theory problem sets.

Each topic module derives its answers with SymPy (`theory/`), has them
cross-checked by an independent NumPy simulation (`checks/`), and returns a
`Solution` that prints as text, JSON or LaTeX and builds into a PDF.
"""

import os as _os

# One BLAS thread per process: solving runs one process per core (sheets, `check --all`, the tests), and
# BLAS threads on top of that oversubscribe the cores; an SVD of a 1600 x 120 matrix took 0.98 s with the
# default threads on a busy 2-core machine and 0.02 s with one. Set the variables to override.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    _os.environ.setdefault(_name, "1")
# SymPy remembers its recent results (1,000 by default). A topic solved again (a test that changes one
# thing, a variant on the command line) repeats most of them; with 100,000 a second solve of every topic
# took 16 s instead of 22 s, for about 35 MB more. Set the variable to override.
_os.environ.setdefault("SYMPY_CACHE_SIZE", "100000")

from theory.core import deps as _deps  # noqa: E402  (after the BLAS settings: it imports NumPy)

_deps.remember_sources()
