"""Co-creation processes: an action plan's ordered steps, their timeline and the results sheet."""
