"""An automatic differentiation engine of our own, small enough to read.

Text such as ``f1 = cos(w1)*cos(w2) + sigmoid(w2)`` is parsed into a graph of
elementary operations (`graph`); forward mode pushes dual numbers through it
(`dual`), reverse mode records a tape and sweeps it backwards (`tape`); the
same graph draws itself as TikZ (`tikz`) and lists its traces as tables
(`tables`), so the drawing, the tables and the numbers cannot disagree.
"""

from theory.autodiff.dual import Dual, forward_jacobian, forward_pass
from theory.autodiff.graph import Graph, Node
from theory.autodiff.tape import Tape, reverse_jacobian

__all__ = ["Dual", "Graph", "Node", "Tape", "forward_jacobian", "forward_pass", "reverse_jacobian"]
