"""Translation: gettext catalogues.

In: a workspace's locales/ and templates. Out: the translations a render uses (`catalog.recorder`),
the translator workflow (extract, update, compile, todo), catalogue checks, and glossaries.
"""
