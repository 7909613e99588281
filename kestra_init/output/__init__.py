"""Rendering of results and errors: rich for people, JSON for machines."""
