"""The one question: for a file's text, who wrote each line, its review units, state and risk.

Knows everything below it; never a use case (app) or a face (lsp, cli).
"""
