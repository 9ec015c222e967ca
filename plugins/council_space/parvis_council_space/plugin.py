"""Council space plugin hooks (being written)."""
