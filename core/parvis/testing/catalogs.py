"""Catalog completeness for a plugin's tests: the same check as ``parvis plugin i18n check``."""

from __future__ import annotations

from parvis.devkit import catalogs, plugin_domain, plugin_package_dir


def catalog_problems(plugin: str) -> list[str]:
    """What is wrong with the installed plugin's French and English catalogs (empty: nothing).

    Checked: every marked msgid is in both catalogs; the French msgstr is filled, not fuzzy, with
    the msgid's ``%(name)s`` placeholders and no lone ``%``; the French plural rule is
    ``nplurals=2; plural=(n > 1);``; no catalog keeps a msgid the source no longer uses.
    """
    return catalogs.plugin_problems(plugin_package_dir(plugin), plugin_domain(plugin))


def assert_catalogs_complete(plugin: str) -> None:
    """Fail with every problem ``catalog_problems`` finds, one per line."""
    problems = catalog_problems(plugin)
    assert not problems, (
        f"Catalogs of plugin '{plugin}' are out of date (fix with `parvis plugin i18n update "
        f"{plugin}`, translate, then `parvis plugin i18n check {plugin}`):\n" + "\n".join(problems)
    )
