"""Translation: gettext catalogues.

In: a workspace's locales/ and templates. Out: catalogues read and written (`catalog`), checked
(`lint`), the translations a render uses (`runtime.recorder`), the translator workflow (`workflow`:
extract, update, init, compile, stats) and glossaries (`glossary`).
"""
