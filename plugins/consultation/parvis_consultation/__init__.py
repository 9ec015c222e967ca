"""Consultation plugin: surveys and quick polls."""
