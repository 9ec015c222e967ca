"""Demo content (filled in below)."""


def load(session, town):
    return None
