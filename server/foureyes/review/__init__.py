"""Review: the actions people take on AI regions, and the rules those actions follow."""
