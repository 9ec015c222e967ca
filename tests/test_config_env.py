"""Settings from the environment reach the app with the types of parvis.toml."""

from __future__ import annotations

import pytest

from parvis.config import Config


def test_rate_limits_from_the_environment_are_read_as_json(monkeypatch, tmp_path):
    monkeypatch.setenv("PARVIS_RATE_LIMITS", '{"login": [3, 60], "signup": [2, 3600]}')
    monkeypatch.setenv("PARVIS_PLUGIN_SETTINGS", '{"consultation": {"x": 1}}')
    config = Config.load(tmp_path / "none.toml", secret_key="k")
    assert config.rate_limits == {"login": [3, 60], "signup": [2, 3600]}
    assert config.plugin_settings == {"consultation": {"x": 1}}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("login=3/60", "PARVIS_RATE_LIMITS must be a JSON object"),
        ("[3, 60]", "PARVIS_RATE_LIMITS must be a JSON object"),
        ('{"login": [3]}', "'login' must be [attempts, seconds]"),
        ('{"login": [3, "60"]}', "'login' must be [attempts, seconds]"),
        ('{"login": [0, 60]}', "'login' must be [attempts, seconds]"),
    ],
)
def test_malformed_rate_limits_are_refused_at_start_with_a_clear_message(
    monkeypatch, tmp_path, value, message
):
    monkeypatch.setenv("PARVIS_RATE_LIMITS", value)
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        Config.load(tmp_path / "none.toml", secret_key="k")
