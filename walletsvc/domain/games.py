"""The optional games catalogue: game id -> name and provider code."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from walletsvc.errors import InvalidGameId

UNKNOWN_GAME = "UNKNOWN"
# Game ids become parts of counter fields: no control characters (C0, DEL, C1), bounded.
_GAME_ID = re.compile(r"[^\x00-\x1f\x7f-\x9f]{1,100}")


@dataclass(frozen=True)
class Game:
    """A game as reconciliation reports it."""

    game_id: str
    name: str
    provider_code: str


class GamesCatalogue:
    """Resolve ``tags.gameid``; with no catalogue configured every game id is accepted."""

    def __init__(self, games: dict[str, Game] | None) -> None:
        self._games = games

    @classmethod
    def load(cls, path: Path | None) -> GamesCatalogue:
        """Read a catalogue file ``{"<game id>": {"name": ..., "provider": ...}}``, if any."""
        if path is None:
            return cls(None)
        raw = json.loads(path.read_text())
        if not isinstance(raw, dict):
            raise ValueError(f"games catalogue {path} must be a JSON object")
        return cls({
            game_id: Game(game_id, str(entry.get("name", game_id)),
                          str(entry.get("provider") or derive_provider(game_id)))
            for game_id, entry in raw.items()
        })

    def resolve(self, game_id: str | None) -> Game:
        """Return the game for a movement; refuse ids the configured catalogue lacks."""
        if game_id is not None and not _GAME_ID.fullmatch(game_id):
            raise InvalidGameId()
        if self._games is None:
            gid = game_id or UNKNOWN_GAME
            return Game(gid, gid, derive_provider(gid))
        game = self._games.get(game_id or "")
        if game is None:
            raise InvalidGameId()
        return game

    def name(self, game_id: str) -> str:
        """Return the display name of a game id (the id itself when not catalogued)."""
        game = (self._games or {}).get(game_id)
        return game.name if game else game_id


def derive_provider(game_id: str) -> str:
    """Return the provider code GPAS encodes in a game id: ``agt-13`` -> ``AGT``."""
    return game_id.split("-", 1)[0].upper()
