"""What the tests and the tools share: reading a connector's output, mocked TikTok answers, configs,
configured catalogs, the installed console script and the secret-leak assertion.

A development package, imported from the repository root (pytest's ``pythonpath``, or
``python -m tools.<program>`` run there); it never ships in the wheel or the image.
"""
