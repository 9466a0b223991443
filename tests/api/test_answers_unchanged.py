"""Every answer of a scripted exchange is byte for byte what it was (a lean request path must
change nothing GPAS or an operator reads): status, content type and body, with the random ids
(sessions, movements, wallets, tokens, request ids) written as placeholders.

``WALLETSVC_RECORD_ANSWERS=1 pytest tests/api/test_answers_unchanged.py`` records the file
again, on purpose only.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from devkit.admin import AdminClient
from devkit.gpas import GpasClient
from devkit.responses import json_of
from devkit.settings import FakeClock, base_config
from tests.support.store import FakeRedis
from walletsvc import create_app
from walletsvc.api.contract import contract_of
from walletsvc.schemas import shared

GOLDEN = Path(__file__).with_name("golden") / "answers.json"
_RANDOM = [
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<uuid>"),
    (re.compile(r"\b[0-9a-f]{32}\b"), "<hex32>"),
    (re.compile(r'"authToken":"[^"]+"'), '"authToken":"<token>"'),
    (re.compile(r'"(id|nextCursor)":"\d+-\d+"'), r'"\1":"<entry>"'),
]


def placeheld(text: str) -> str:
    """Write the random ids of an answer as placeholders."""
    for pattern, placeholder in _RANDOM:
        text = pattern.sub(placeholder, text)
    return text


def seen(response: TestResponse) -> dict[str, object]:
    """Return what a caller reads of an answer."""
    return {"status": response.status_code, "type": response.headers.get("Content-Type"),
            "body": placeheld(response.get_data(as_text=True))}


def exchange(app: Flask) -> dict[str, dict[str, object]]:
    """Play one of every kind of call, refusals included; return what each answer showed."""
    return {name: seen(response) for name, response in answers_of(app).items()}


def answers_of(app: Flask) -> dict[str, TestResponse]:
    """Play one of every kind of call, refusals included; return each answer by name."""
    client = app.test_client()
    gpas, admin = GpasClient(client), AdminClient(client)
    answers: dict[str, TestResponse] = {}
    created = admin.post("/wallets", {"playerId": "p-1", "currency": "BRL", "walletId": "w-1"})
    answers["create wallet"] = created
    answers["deposit"] = admin.post("/wallets/w-1/deposits",
                                    {"amount": "100.50", "subWallet": "REAL", "reference": "d-1"})
    answers["bonus"] = admin.post("/wallets/w-1/deposits",
                                  {"amount": "5", "subWallet": "BONUS", "reference": "d-2"})
    answers["token"] = admin.post("/launch-tokens", {"walletId": "w-1"})
    opened = gpas.open_session("w-1", str(json_of(answers["token"])["authToken"]))
    answers["open"] = opened
    sid = str(json_of(opened)["id"])
    calls: dict[str, Callable[[], TestResponse]] = {
        "balance": lambda: gpas.balance(sid),
        "debit": lambda: gpas.debit(sid, "10.25", reference="bet-1"),
        "debit into bonus": lambda: gpas.debit(sid, "95", reference="bet-2"),
        "credit": lambda: gpas.credit(sid, "2.5", reference="win-1"),
        "zero credit": lambda: gpas.credit(sid, 0, reference="win-2"),
        "rollback": lambda: gpas.rollback(sid, "bet-2", reference="rb-1"),
        "duplicate": lambda: gpas.debit(sid, "1", reference="bet-1"),
        "insufficient": lambda: gpas.debit(sid, "100000", reference="bet-3"),
        "bad amount": lambda: gpas.debit(sid, "1.001", reference="bet-4"),
        "bad shape": lambda: gpas.call("POST", "/movements/debit", f"walletSessionId={sid}",
                                       b'{"value":"1"}'),
        "bad signature": lambda: gpas.call("GET", "/wallets/balance", f"walletSessionId={sid}",
                                           signature="0" * 40),
        "unknown rollback": lambda: gpas.rollback(sid, "nope", reference="rb-2"),
        "not found": lambda: client.get("/nope"),
        "wallet": lambda: admin.get("/wallets/w-1"),
        "movements": lambda: admin.get("/wallets/w-1/movements?limit=3"),
        "close": lambda: gpas.close(sid),
        "after close": lambda: gpas.balance(sid),
        "session story": lambda: admin.get(f"/sessions/{sid}"),
        "reconciliation": lambda: client.get(
            "/reconciliation?date_from=2026-09-21&date_to=2026-09-21",
            headers={"Authorization": "Bearer reconciliation-key"}),
    }
    for name, call in calls.items():
        answers[name] = call()
    return answers


@pytest.fixture
def app(operators_url: str) -> Flask:
    """The app on fakeredis with a fixed clock: the same exchange gives the same answers."""
    built = create_app(base_config(ledger_url=operators_url), redis=FakeRedis(),
                       clock=FakeClock())
    built.testing = True
    return built


def test_every_answer_is_byte_for_byte_what_it_was(app: Flask) -> None:
    answers = exchange(app)
    if os.environ.get("WALLETSVC_RECORD_ANSWERS") == "1":
        GOLDEN.write_text(json.dumps(answers, indent=1, sort_keys=True) + "\n")
    recorded = json.loads(GOLDEN.read_text())
    assert set(answers) == set(recorded)
    for name, answer in answers.items():
        assert answer == recorded[name], name


def test_every_answer_is_exactly_what_its_declared_schema_dumps(app: Flask) -> None:
    # The presenters build each answer in its schema's shape and it is written as it is: a
    # field the schema lacks, or one it would render otherwise, fails here.
    checked = []
    for name, response in answers_of(app).items():
        if response.status_code >= 300 or not response.is_json:
            continue
        request = response.request
        endpoint, _ = app.url_map.bind("localhost").match(request.path, request.method)
        declared = contract_of(app.view_functions[endpoint])
        assert declared is not None and declared.answer is not None, name
        answer = json.loads(response.get_data(), parse_float=Decimal, parse_int=Decimal)
        assert shared(declared.answer).dump(answer) == answer, name
        checked.append(name)
    assert len(checked) >= 12, checked
