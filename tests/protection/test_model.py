"""The wallet against a plain-Python model of the protection rules, over random histories.

Random bets, wins, rollbacks, deposits, limit changes, cancellations, pauses, new sessions
and clock moves (across days, weeks and months in São Paulo), on fakeredis, one real node and
a real cluster of every Redis version: every answer and every reported use must be the model's.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from devkit.admin import AdminClient, deposit, open_session
from devkit.gpas import GpasClient
from devkit.responses import json_of
from devkit.settings import FakeClock
from tests.protection.conftest import Player
from tests.protection.model import CODES, MONEY, Model, Move
from tests.support.answers import error_of
from walletsvc.clock import iso_utc

COOLING_S = 6 * 3600
PERIOD_NAMES = {"d": "DAY", "w": "WEEK", "m": "MONTH"}
KIND_NAMES = {"deposit": "DEPOSIT", "wager": "WAGER", "loss": "LOSS", "bet": "BET",
              "session": "SESSION_TIME", "play": "PLAY_TIME"}
PERIODIC = ("deposit", "wager", "loss", "play")
LIMIT_NAMES = [f"{kind}:{code}" for kind in PERIODIC for code in CODES] + ["bet", "session"]


def _text(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


def _sent(name: str, value: int | None) -> Any:
    """A limit's value as the admin API takes it: money as text, time in whole seconds."""
    if value is None:
        return None
    return _text(value) if name.split(":")[0] in MONEY else value // 1000


def _expected(refusal: tuple[str, str]) -> tuple[int, int, str]:
    kind, _ = refusal
    if kind == "pause":
        return (400, 1008, "USER_BLOCKED")
    return (400, 1010, f"{KIND_NAMES[kind]}_LIMIT_REACHED")


def run(app: Flask, clock: FakeClock) -> None:
    client = app.test_client()
    gpas, admin = GpasClient(client), AdminClient(client)

    class Protection(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            wallet_id, session_id = open_session(gpas, admin, real="100000")
            self.player = Player(admin, gpas, wallet_id, session_id)
            self.model = Model(COOLING_S * 1000, session_opened=clock(), since=clock())
            self.model.deposits.append(Move(10_000_000, clock()))
            self.count = 0

        def ref(self) -> str:
            self.count += 1
            return f"{self.player.wallet_id}-{self.count}"

        @rule(amount=st.integers(1, 6_000))
        def bet(self, amount: int) -> None:
            now, ref = clock(), self.ref()
            refusal = self.model.judge_bet(amount, now)
            answer = gpas.debit(self.player.session_id, _text(amount), reference=ref)
            if refusal is None:
                assert answer.status_code == 200, answer.get_data(as_text=True)
                self.model.bets[ref] = Move(amount, now, self.model.since)
                self.model.since = now
                return
            assert error_of(answer) == _expected(refusal)
            if refusal[1]:
                assert json_of(answer)["details"]["period"] == PERIOD_NAMES[refusal[1]]

        @rule(amount=st.integers(0, 6_000))
        def win(self, amount: int) -> None:
            ref = self.ref()
            assert gpas.credit(self.player.session_id, _text(amount),
                               reference=ref).status_code == 200
            self.model.wins[ref] = Move(amount, clock())

        @rule(pick=st.integers(0, 1_000))
        def roll_back(self, pick: int) -> None:
            open_moves = [(ref, move) for ref, move in
                          [*self.model.bets.items(), *self.model.wins.items()]
                          if not move.rolled_back]
            if not open_moves:
                return
            ref, move = open_moves[pick % len(open_moves)]
            answer = gpas.rollback(self.player.session_id, ref)
            assert answer.status_code == 200, answer.get_data(as_text=True)
            move.rolled_back = True

        @rule(amount=st.integers(1, 20_000))
        def deposit(self, amount: int) -> None:
            now = clock()
            refusal = self.model.judge_deposit(amount, now)
            answer = deposit(admin, self.player.wallet_id, _text(amount), self.ref())
            if refusal is None:
                assert answer.status_code == 200, answer.get_data(as_text=True)
                self.model.deposits.append(Move(amount, now))
            else:
                assert error_of(answer) == (400, 1010, "DEPOSIT_LIMIT_REACHED")

        @rule(name=st.sampled_from(LIMIT_NAMES),
              value=st.one_of(st.none(), st.integers(0, 30_000)))
        def set_limit(self, name: str, value: int | None) -> None:
            if value is not None and name.split(":")[0] in ("play", "session"):
                value = value * 1000  # seconds, up to about 8 hours
            kind, _, code = name.partition(":")
            accepted = self.model.set_limit(name, value, clock())
            answer = self.player.limit(KIND_NAMES[kind], _sent(name, value),
                                       PERIOD_NAMES.get(code))
            assert answer.status_code == (200 if accepted else 400), answer.get_data(
                as_text=True)

        @rule(name=st.sampled_from(LIMIT_NAMES))
        def cancel(self, name: str) -> None:
            kind, _, code = name.partition(":")
            self.model.settle(clock())
            pending = self.model.pending.pop(name, None)
            answer = admin.post(f"/wallets/{self.player.wallet_id}/limits/cancel", {
                "limit": KIND_NAMES[kind], "period": PERIOD_NAMES.get(code), "by": "player"})
            assert answer.status_code == (404 if pending is None else 200)

        @rule(hours=st.integers(1, 72))
        def pause(self, hours: int) -> None:
            now = clock()
            until = now + hours * 3_600_000
            current = self.model.pause_until if self.model.pause_until and \
                self.model.pause_until > now else None
            answer = self.player.pause(until=iso_utc(until))
            if current is not None and until < current:
                assert error_of(answer)[2] == "PROTECTION_CHANGE_REFUSED"
            else:
                assert answer.status_code == 200, answer.get_data(as_text=True)
                self.model.pause_until = until

        @rule(seconds=st.sampled_from([30, 600, 3_600, 6 * 3_600, 86_400, 3 * 86_400]))
        def wait(self, seconds: int) -> None:
            clock.advance(seconds)

        @rule()
        def new_session(self) -> None:
            refusal = self.model.judge_bet(0, clock())
            answer = gpas.open_session(self.player.wallet_id, admin.token(self.player.wallet_id))
            if refusal is not None and refusal[0] == "pause":
                assert error_of(answer)[1] == 1008
                return
            assert answer.status_code == 200, answer.get_data(as_text=True)
            self.player.session_id = str(json_of(answer)["id"])
            self.model.session_opened = self.model.since = clock()

        @invariant()
        def reports_the_models_use(self) -> None:
            now = clock()
            self.model.settle(now)
            report = self.player.report()
            for period in report["periods"]:
                code = {v: k for k, v in PERIOD_NAMES.items()}[period["period"]]
                assert [Decimal(str(period[field])) for field in
                        ("deposit", "wager", "loss", "playSeconds")] == [
                    _decimal(kind, self.model.used(kind, code, now)) for kind in PERIODIC]
            for row in report["limits"]:
                kind = next(k for k, n in KIND_NAMES.items() if n == row["limit"])
                name = kind + (":" + {v: k for k, v in PERIOD_NAMES.items()}[row["period"]]
                               if row["period"] else "")
                assert Decimal(str(row["value"])) == _decimal(kind, self.model.limits[name])
                change = self.model.pending.get(name)
                assert (row["pending"] is None) == (change is None)
                if row["period"]:
                    used = self.model.used(kind, name[-1], now)
                    assert Decimal(str(row["used"])) == _decimal(kind, used), name

    run_state_machine_as_test(Protection, settings=settings(
        max_examples=12, stateful_step_count=25, deadline=None,
        suppress_health_check=list(HealthCheck)))


def _decimal(kind: str, value: int) -> Decimal:
    return Decimal(value).scaleb(-2 if kind in MONEY else -3)


def test_the_wallet_follows_the_model_of_the_rules(make_app: Callable[..., Flask],
                                                   clock: FakeClock) -> None:
    run(make_app(session_idle_seconds=400 * 86_400, session_max_seconds=400 * 86_400,
                 limit_cooling_off_seconds=COOLING_S), clock)
