"""The numeric witness: simulations that never import the formulas they check.

Each module here re-computes a topic's quantities from their definitions
(sampling, finite differences, enumeration), so a slip in the derivation has
to be made a second time, differently, to go unnoticed.
"""
