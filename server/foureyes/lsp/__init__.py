"""The language server: engine answers as LSP diagnostics, actions, lenses and hovers.

Only this package knows LSP. It asks the engine, and calls the use cases in app/
to write claims; it never decides what a line is or what state a region is in.
"""
