"""Sign: PDF bytes and a key to signed PDF bytes (pyHanko), and signatures verified back.

In: PDF bytes, credentials, signature boxes. Out: signed PDF bytes, validation reports.
Depends only on the bottom layer; imported lazily, so a render does not load pyHanko.
"""
