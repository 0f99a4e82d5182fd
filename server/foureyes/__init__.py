"""foureyes: four-eyes review for AI-written code (engine, language server and CLI)."""

__version__ = "0.1.0"
