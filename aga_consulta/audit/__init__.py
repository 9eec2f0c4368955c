"""The audit log, on the ground floor: every domain writes its staff and system actions here."""
from aga_consulta.audit.log import record  # noqa: F401
