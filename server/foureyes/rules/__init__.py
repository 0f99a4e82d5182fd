"""The rules a team writes down: policy, identities, CODEOWNERS, signatures, the four-eyes rules.

Knows core, store, sources (agent markers) and risk; never the engine.
"""
