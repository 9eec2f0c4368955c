"""The form of the legal pages."""
from flask_wtf import FlaskForm


class AcceptPolicyForm(FlaskForm):
    """Empty form: the button that accepts the current privacy policy (carries the CSRF token)."""
