"""Online elections of neighbourhood councils (plugin ``election``)."""
