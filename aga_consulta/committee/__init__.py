"""The AGA committee: its member organisations, its meetings with their minutes, its document repository."""
