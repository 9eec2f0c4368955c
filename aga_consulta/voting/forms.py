"""Vote buttons: empty forms that carry the CSRF token."""
from flask_wtf import FlaskForm


class VoteForm(FlaskForm):
    """Cast or withdraw a vote."""
