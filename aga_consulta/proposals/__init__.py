"""Proposals (postulaciones de compromisos) and their themes."""
