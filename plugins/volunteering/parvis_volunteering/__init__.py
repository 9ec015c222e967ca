"""Matching volunteers with associations (plugin ``volunteering``)."""
