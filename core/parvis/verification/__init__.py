"""Resident verification: one verified account per person, and who may take part where."""
