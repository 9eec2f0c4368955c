"""Events: workshops and expert sessions, their attendance and their published notes."""
