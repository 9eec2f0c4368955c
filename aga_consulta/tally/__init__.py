"""The tally: a consultation's published figures, computed from the stored records."""
