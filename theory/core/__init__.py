"""The engine: verdicts, derivation chains, solutions, renderers, CLI, PDF build."""

from theory.core.context import Context
from theory.core.errors import BadInput, UncheckedStep
from theory.core.params import param
from theory.core.solution import Solution
from theory.core.verdict import Verdict

__all__ = ["BadInput", "Context", "Solution", "UncheckedStep", "Verdict", "param"]
