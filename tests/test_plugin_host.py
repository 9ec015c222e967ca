"""Plugin host: clear start-up failures, per-app plugin managers, the ``parvis plugins`` command."""

from __future__ import annotations

import types

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from parvis.app import check_table_prefixes, create_app
from parvis.cli import main
from parvis.config import Config
from parvis.contrib import Action
from parvis.hookspecs import hookimpl
from parvis.plugins import PluginError, PluginInfo


def _module(name: str, **attrs) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    return module


def test_enabled_but_missing_plugin_stops_start_up(parvis_config):
    config = Config(**{**parvis_config.__dict__, "plugins": ["no_such_plugin"]})
    with pytest.raises(PluginError, match=r"'no_such_plugin' is enabled .* but not installed"):
        create_app(config)


def test_misspelt_hook_stops_start_up(parvis_config):
    @hookimpl
    def parvis_action():  # should be parvis_actions
        return []

    config = Config(**{**parvis_config.__dict__, "plugins": ["typo"]})
    with pytest.raises(PluginError, match="typo"):
        create_app(
            config, extra_plugins={"typo": _module("typo_plugin", parvis_action=parvis_action)}
        )


def test_actions_must_be_named_after_their_plugin(parvis_config):
    @hookimpl
    def parvis_actions():
        return [Action("other.do", "Do")]

    config = Config(**{**parvis_config.__dict__, "plugins": ["mine"]})
    with pytest.raises(PluginError, match=r"must be named 'mine\.<verb>'"):
        create_app(
            config, extra_plugins={"mine": _module("mine_plugin", parvis_actions=parvis_actions)}
        )


def test_plugin_tables_must_carry_the_plugin_prefix():
    class OtherBase(DeclarativeBase):  # its own registry: core's models stay untouched
        pass

    type(
        "BadVote",
        (OtherBase,),
        {
            "__module__": "badprefix_pkg.models",
            "__tablename__": "votes",
            "__annotations__": {"id": Mapped[int]},
            "id": mapped_column(primary_key=True),
        },
    )
    infos = {"badprefix": PluginInfo("badprefix", _module("badprefix_pkg.plugin"), "1.0")}
    with pytest.raises(PluginError, match="table 'votes': its tables must start with 'badprefix_'"):
        check_table_prefixes(infos, OtherBase.registry)


def test_each_app_has_its_own_plugin_manager(parvis_config):
    first = create_app(Config(**{**parvis_config.__dict__, "plugins": []}))
    second = create_app(parvis_config)
    assert first.state.parvis.pm is not second.state.parvis.pm
    assert first.state.parvis.plugins == []
    assert (
        second.state.parvis.plugins == second.state.parvis.plugins and second.state.parvis.plugins
    )


def test_plugins_command_lists_version_state_and_hooks(parvis_config, tmp_path, monkeypatch):
    config_file = tmp_path / "parvis.toml"
    config_file.write_text(
        f'database_url = "{parvis_config.database_url}"\n'
        'secret_key = "x"\nplugins = ["consultation"]\n'
    )
    result = CliRunner().invoke(main, ["--config", str(config_file), "plugins"])
    assert result.exit_code == 0, result.output
    assert "consultation 0.1.0 [enabled]" in result.output
    assert "council_space 0.1.0 [installed, disabled]" in result.output
    assert "parvis_module_types" in result.output


def test_cli_reports_a_missing_plugin_clearly(tmp_path):
    config_file = tmp_path / "parvis.toml"
    config_file.write_text('database_url = "sqlite://"\nsecret_key = "x"\nplugins = ["ghost"]\n')
    result = CliRunner().invoke(main, ["--config", str(config_file), "plugins"])
    assert result.exit_code != 0 and "'ghost' is enabled" in result.output


def test_unknown_setting_in_config_is_refused(tmp_path):
    config_file = tmp_path / "parvis.toml"
    config_file.write_text('databse_url = "sqlite://"\n')
    with pytest.raises(ValueError, match="unknown setting"):
        Config.load(config_file)
