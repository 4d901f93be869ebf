"""Load: workspace files to frozen typed models.

In: a `Workspace` (YAML and template files). Out: the citation `Library` (`library`), the letter
specs and addressees (`letters`), state names (`countries`) and locale-aware sorting (`collation`).
"""
