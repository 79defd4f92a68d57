"""Synthetic city: deterministic generation of persons, enterprises and department records."""
