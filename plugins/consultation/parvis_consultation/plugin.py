"""Consultation plugin hooks (being written)."""
