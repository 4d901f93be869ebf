"""advocate: advocacy letters and petitions with legal footnotes, rendered as localised PDFs."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("advocate-letters")  # the one version number: pyproject.toml's
except PackageNotFoundError:  # pragma: no cover - running from a source tree that was never installed
    __version__ = "0+unknown"
