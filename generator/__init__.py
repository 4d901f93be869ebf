"""advocate: advocacy letters and petitions with legal footnotes, rendered as localised PDFs."""

__version__ = "0.1.0"
