"""Parvis: an open-source, plugin-based civic participation platform."""

__version__ = "0.1.0"
