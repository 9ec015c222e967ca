"""Core tests use the ``parvis`` pytest plugin's fixtures (core/parvis/testing)."""
