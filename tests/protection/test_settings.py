"""Player-protection settings a typo would weaken stop the service at start, naming the
variable: an unknown required limit, refusal answer or player language."""

from __future__ import annotations

from typing import Any

import pytest

from devkit.settings import FakeClock, base_config
from tests.support.store import FakeRedis
from walletsvc import create_app
from walletsvc.config import ConfigError


@pytest.mark.parametrize(("setting", "value", "named"), [
    ("required_limits", ("loss", "play_tme"), "WALLETSVC_REQUIRED_LIMITS"),
    ("protection_answers", {"LOSS_LIMIT": {"status": 400}}, "WALLETSVC_PROTECTION_ANSWERS"),
    ("protection_answers", {"PLAYER_PAUSED": {"status": 200}}, "WALLETSVC_PROTECTION_ANSWERS"),
    ("player_language", "fr", "WALLETSVC_PLAYER_LANGUAGE"),
])
def test_an_unknown_protection_setting_stops_the_start(setting: str, value: Any,
                                                        named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        create_app(base_config(**{setting: value}), redis=FakeRedis(), clock=FakeClock())


def test_known_protection_settings_start() -> None:
    app = create_app(base_config(required_limits=("loss", "play_time"), player_language="pt-BR"),
                     redis=FakeRedis(), clock=FakeClock())
    assert app.name
