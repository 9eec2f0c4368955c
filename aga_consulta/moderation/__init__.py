"""Moderation: the selection workflow, comment moderation, consultation management and the audit log."""
