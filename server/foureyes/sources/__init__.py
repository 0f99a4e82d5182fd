"""Authorship inputs besides the ledger: git history, commit trailers, git-ai notes, Agent Trace.

Records in, line authorship out; knows core and store only.
"""
