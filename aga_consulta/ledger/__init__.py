"""The transparency log of each consultation, stored: entries, tree nodes, checkpoints (issue 14)."""
