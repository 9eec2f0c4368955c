"""The reference consultation: a deterministic reconstruction of Colombia's IV Plan consultation."""
