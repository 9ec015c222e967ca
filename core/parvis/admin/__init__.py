"""The town's administration: spaces, modules and phases, areas, roles, rules, plugins."""
