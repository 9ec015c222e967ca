"""Example third-party plugin: petitions."""
