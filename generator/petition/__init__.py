"""Petitions: signatory lists and the annex that prints them.

In: a signatories CSV and a rendered letter. Out: validated `Signatory` rows (`signatories`) and the
annex pages (`annex` plans them, `annex_draw` draws them with HarfBuzz).
"""
