"""Core tests use the ``parvis`` pytest plugin's fixtures (core/parvis/testing).

The example plugin has its own tests, run by test_example_plugin.py after installing it as a
separate distribution: they are not collected from here.
"""

collect_ignore = ["example_plugin"]
