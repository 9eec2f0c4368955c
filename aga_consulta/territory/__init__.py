"""Colombia's territorial divisions (DIVIPOLA)."""
