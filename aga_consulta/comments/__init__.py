"""Comments, replies and reports."""
