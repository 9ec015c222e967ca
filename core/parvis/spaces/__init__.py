"""Spaces: the public containers of a town, holding modules that plugins provide."""
