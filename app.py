"""WSGI entry point: `flask --app app ...` and `gunicorn app:app`."""
from aga_consulta import create_app

app = create_app()
