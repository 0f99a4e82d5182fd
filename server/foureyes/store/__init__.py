"""What lives on disk and in git: the ledger file, git plumbing, file text, the disk cache.

Knows core only; never decides what a line is.
"""
