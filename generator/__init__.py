"""advocate: advocacy letters and petitions with legal footnotes, rendered as localised PDFs."""

from __future__ import annotations

DISTRIBUTION = "advocate-letters"


def __getattr__(name: str) -> str:
    """`__version__`, read from the installed distribution's metadata when first asked for
    (importing importlib.metadata costs a cold start ~50 ms that a render does not need)."""
    if name != "__version__":
        raise AttributeError(name)
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DISTRIBUTION)  # the one version number: pyproject.toml's
    except PackageNotFoundError:  # pragma: no cover - a source tree that was never installed
        return "0+unknown"
