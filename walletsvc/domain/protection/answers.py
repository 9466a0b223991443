"""What GPAS (or the operator's client) is sent for each protection refusal, as configured.

By default a limit answers HTTP 400, code 1010 and a type naming it (``LOSS_LIMIT_REACHED``);
a paused or excluded player 400, code 1008 ``USER_BLOCKED``, as GPAS knows a blocked player;
a wallet lacking a required limit 400, code 1010 ``LIMITS_REQUIRED``.
WALLETSVC_PROTECTION_ANSWERS changes any of them: ``{"PLAYER_PAUSED": {"code": 1010,
"type": "PLAYER_PAUSED"}}``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from walletsvc.domain.protection.limits import KINDS

Answer = tuple[int, int, str]
LIMIT_REFUSALS = tuple(f"{name.upper()}_LIMIT_REACHED" for name in KINDS)
DEFAULTS: dict[str, Answer] = {
    **{name: (400, 1010, name) for name in LIMIT_REFUSALS},
    "PLAYER_PAUSED": (400, 1008, "USER_BLOCKED"),
    "PLAYER_EXCLUDED": (400, 1008, "USER_BLOCKED"),
    "LIMITS_REQUIRED": (400, 1010, "LIMITS_REQUIRED"),
}
_TYPE = re.compile(r"[A-Z][A-Z_]*")


def check_answers(raw: Mapping[str, object]) -> str:
    """Return what is wrong with configured answers ('' if nothing)."""
    for name, answer in raw.items():
        if name not in DEFAULTS:
            return f"{name!r} is none of {', '.join(DEFAULTS)}"
        if not isinstance(answer, dict) or not set(answer) <= {"status", "code", "type"}:
            return f"{name} must map to an object of status, code and/or type"
        status, code = answer.get("status", 400), answer.get("code", 1010)
        if type(status) is not int or not 400 <= status <= 499:
            return f"{name}: status must be a 4xx number"
        if type(code) is not int or not 1001 <= code <= 1010:
            return f"{name}: code must be a GPAS code, 1001 to 1010"
        if not isinstance(answer.get("type", "X"), str) \
                or not _TYPE.fullmatch(str(answer.get("type", "X"))):
            return f"{name}: type must be upper-case letters and underscores"
    return ""


def answers(configured: Mapping[str, Mapping[str, object]]) -> dict[str, Answer]:
    """Return every refusal's answer: the defaults with the configured changes."""
    found = dict(DEFAULTS)
    for name, change in configured.items():
        status, code, error_type = found[name]
        found[name] = (int(str(change.get("status", status))),
                       int(str(change.get("code", code))), str(change.get("type", error_type)))
    return found
