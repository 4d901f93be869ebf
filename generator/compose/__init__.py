"""Compose: a `LetterRequest` to a render context, and the one function that chains the stages.

In: the loaded workspace and a request (letter, addressee, language, variables, signatories).
Out: the template functions and footnotes (`compose`, `citing`), and `build.build_letter`, which
runs compose, render and pdf and returns a `RenderedLetter`.
"""
