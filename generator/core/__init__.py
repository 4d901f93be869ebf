"""The bottom layer: what every stage shares.

In: nothing above it (the standard library, PyYAML, Babel).
Out: the error types (`errors`), the typed models of workspace files (`models`, on `schema`), safe file access
inside a workspace (`files`, `yamlio`, `output`), the workspace itself (`workspace`: roots,
advocate.toml, the bundle) and per-language data (`i18n`: fonts, direction, quotes, formats).
"""
