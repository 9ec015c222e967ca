"""Council space plugin: participatory budgeting for municipal councils."""
