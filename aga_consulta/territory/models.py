"""Department reference table: foreign keys on it keep codes valid in the database."""
from aga_consulta.extensions import db


class Department(db.Model):
    """A Colombian department, loaded by the initial migration."""

    __tablename__ = "departments"

    #: Two-digit DIVIPOLA code, e.g. "76" for Valle del Cauca.
    code = db.Column(db.String(2), primary_key=True)
    name = db.Column(db.String(80), nullable=False, unique=True)
