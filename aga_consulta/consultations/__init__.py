"""Consultations: a time window in which citizens vote and comment on proposals."""
