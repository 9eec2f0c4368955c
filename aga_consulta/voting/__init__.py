"""Votes (apoyos) on proposals."""
