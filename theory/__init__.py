"""Checked solutions to deep-learning theory problem sets.

Each topic module derives its answers with SymPy (`theory/`), has them
cross-checked by an independent NumPy simulation (`checks/`), and returns a
`Solution` that prints as text, JSON or LaTeX and builds into a PDF.
"""
