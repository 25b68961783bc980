"""The two error types the engine raises on purpose."""


class BadInput(ValueError):
    """Invalid user input: a parameter, a sheet file, a topic name.

    The CLI turns it into one line on stderr and exit status 2.
    """


class UncheckedStep(RuntimeError):
    """A derivation step or claim reached rendering without a verdict."""
