"""Deterministic synthetic demo data generators, in the real formats (kept apart from real readers)."""
