"""The language server's handlers, one module per request group; each has `register(server)`.

Handlers route: they read the document, ask `lsp/answers.py` (whose work runs in the
scheduler's lanes), and turn the answer into LSP values with `lsp/present.py` and
`lsp/actions.py`. Must not decide where work runs: that is `lsp/scheduler.py`.
"""
