"""The base of every layer: value types, content anchoring, errors, wording, bounded caches.

Imports nothing else of foureyes.
"""
