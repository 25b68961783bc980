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

from theory.core import deps as _deps  # noqa: E402  (after the BLAS settings: it imports NumPy)

_deps.remember_sources()
