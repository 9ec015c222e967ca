"""``python -m parvis``: the ``parvis`` command."""

from parvis.cli import main

main()
