"""Where AI authorship comes from: manual marks, agent hooks, checkpoints, history."""
