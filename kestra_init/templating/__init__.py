"""The Copier template: where it is, its questions and answers, copy and update.

Nothing here imports copier at module level; only ``render`` does, inside its
functions, so the CLI can import this package without paying for it.
"""
