"""Risk: why an AI region deserves a reviewer's attention, as a score with reasons."""
