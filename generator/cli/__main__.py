"""`python -m generator.cli`: the `advocate` command."""

from . import run

run()
