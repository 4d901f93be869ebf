"""Check: models and requests to every `Problem` at once (`advocate check`).

In: the loaded workspace (and a request). Out: problems, each with its file and line.
"""
