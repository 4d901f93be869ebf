"""`python -m generator.cli`: the `advocate` command."""

from .root import root

root()
