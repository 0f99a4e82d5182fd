"""Use cases every face calls: record, checkpoint, mark, review, gate, scan, import, export.

Asks the engine; knows no argv, terminal or LSP.
"""
