"""Surveys: questionnaires with one changeable response per citizen, and their results."""
