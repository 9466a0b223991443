"""Player protection as the operator and the GPAS calls meet it.

The operator (admin API, CLI) reads a wallet's limits and changes them under the rules of
``rules``; each change is written with its evidence in one script call, compare-and-set, so two
changes at once never lose one. The GPAS calls and deposits are judged by the scripts; a
refusal they raise is turned here into what is sent: the configured status, code and type, a
message for the player, and details in the wallet's currency.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from walletsvc.clock import DAY_MS, Clock, iso_utc
from walletsvc.config import Config, ConfigError
from walletsvc.domain.protection import rules
from walletsvc.domain.protection.answers import answers, check_answers
from walletsvc.domain.protection.limits import KINDS, PERIOD_CODES, PERIODS, PauseKind, Settings
from walletsvc.domain.protection.messages import CATALOGUE
from walletsvc.domain.protection.periods import Calendar
from walletsvc.domain.protection.report import Report, report
from walletsvc.errors import (
    InvalidAmount,
    InvalidRequest,
    ProtectionRefusal,
    ResourceNotFound,
    SystemFailure,
)
from walletsvc.models import Wallet
from walletsvc.money import AmountError, Currencies, from_minor, to_minor
from walletsvc.store import WalletStore

_ATTEMPTS = 5
Decision = Callable[[Settings, int], tuple[Settings, rules.Evidence]]


def check_settings(config: Config) -> None:
    """Refuse protection settings that name no limit, answer or language walletsvc knows."""
    unknown = sorted(set(config.required_limits) - set(KINDS))
    if unknown:
        raise ConfigError(f"WALLETSVC_REQUIRED_LIMITS lists some of {', '.join(KINDS)}, "
                          f"got {', '.join(unknown)}")
    problem = check_answers(config.protection_answers)
    if problem:
        raise ConfigError(f"WALLETSVC_PROTECTION_ANSWERS: {problem}")
    if config.player_language not in CATALOGUE:
        raise ConfigError(f"WALLETSVC_PLAYER_LANGUAGE is one of {', '.join(CATALOGUE)}")


class Protection:
    """Limits, pauses and self-exclusion of wallets."""

    def __init__(self, config: Config, store: WalletStore, clock: Clock,
                 currencies: Currencies) -> None:
        check_settings(config)
        self._store = store
        self._clock = clock
        self._currencies = currencies
        self.calendar = Calendar(config.protection_time_zone)
        self.rules = rules.Rules(config.limit_cooling_off_seconds * 1000,
                                 config.indefinite_pause_minimum_days * DAY_MS)
        self.required_names = config.required_limits
        # As the scripts name them (protection.lua).
        self.required = ",".join(KINDS[name].stored for name in config.required_limits)
        self._answers = answers(config.protection_answers)
        self._text = CATALOGUE[config.player_language]

    def periods(self, now_ms: int) -> dict[str, int]:
        """Return the periods running at ``now_ms`` as the scripts take them."""
        return self.calendar.arguments(now_ms)

    # What a refusal is sent as -----------------------------------------------------------

    def answer(self, refused: ProtectionRefusal, currency: str) -> ProtectionRefusal:
        """Fill in what ``refused`` is sent as: status, code, type, message and details."""
        name = refused.refusal()
        found = refused.found
        refused.sent = self._answers[name]
        details: dict[str, Any] = {"refusal": name}
        values: dict[str, str] = {}
        if "limit" in found:
            kind = _kind_of(name)
            details.update({
                "limit": kind.name.upper(), "period": _period(found["period"], upper=True),
                "value": self.amount(kind.money, found["limit"], currency),
                "used": self.amount(kind.money, found["used"], currency),
                "amount": self.amount(kind.money, found["tried"], currency),
                "resetsAt": iso_utc(found["resets"]) if found["resets"] else None})
            values = {"limit": self._shown(kind.money, found["limit"], currency),
                      "period": self._text.get(_period(found["period"]) or "", ""),
                      "resets": self._local(found["resets"])}
        elif "until" in found:
            until = found["until"]
            details["until"] = None if until is None else iso_utc(until)
            values = {"until": self._local(until)}
        elif "missing" in found:
            missing = [_kind_named(stored).name.upper() for stored in found["missing"]]
            details["missing"] = missing
            values = {"missing": ", ".join(missing)}
        refused.details = details
        refused.shown = self._text[name].format(**values)
        return refused

    def amount(self, money: bool, value: int, currency: str) -> Decimal:
        """Return a stored value as shown: a decimal amount, or seconds for milliseconds."""
        if money:
            return from_minor(value, self._currencies.scale(currency))
        return Decimal(value).scaleb(-3)

    def _shown(self, money: bool, value: int, currency: str) -> str:
        if money:
            return f"{self.amount(True, value, currency)} {currency}"
        return self._text["minutes"].format(n=value // 60_000)

    def _local(self, ms: int | None) -> str:
        if not ms:
            return self._text["indefinitely"]
        return self.calendar.local_time(ms).strftime(self._text["time"])

    # The operator's view and changes -----------------------------------------------------

    def report(self, wallet_id: str) -> Report:
        """Return the wallet's limits, pending changes, use per period and pause."""
        wallet = self._wallet(wallet_id)
        stored = self._store.protection.read(wallet_id)
        now = self._clock()
        return report(wallet, rules.settle(Settings.of_fields(stored.settings), now),
                      stored.usage, now, self)

    def set_limit(self, wallet_id: str, limit: str, period: str | None, value: Decimal | None,
                  by: str) -> Report:
        """Set, lower, raise or remove a limit (``limit`` lower case, ``period`` day...)."""
        wallet = self._wallet(wallet_id)
        name = _field(limit, period)
        minor = None if value is None else self._minor(KINDS[limit].money, value, wallet)
        self._change(wallet_id, lambda s, now: rules.set_limit(s, name, minor, now, by,
                                                                 self.rules))
        return self.report(wallet_id)

    def cancel(self, wallet_id: str, limit: str, period: str | None, by: str) -> Report:
        """Cancel a limit's pending change."""
        self._wallet(wallet_id)
        name = _field(limit, period)
        self._change(wallet_id, lambda s, now: rules.cancel(s, name, now, by))
        return self.report(wallet_id)

    def pause(self, wallet_id: str, kind: PauseKind, until_ms: int | None, origin: str,
              reason: str, by: str) -> Report:
        """Pause or exclude the player until ``until_ms`` (None: indefinitely)."""
        self._wallet(wallet_id)
        self._change(wallet_id, lambda s, now: rules.pause(s, kind, until_ms, origin, reason,
                                                             now, by))
        return self.report(wallet_id)

    def lift(self, wallet_id: str, by: str, reason: str) -> Report:
        """Lift an indefinite pause that has lasted its minimum."""
        self._wallet(wallet_id)
        self._change(wallet_id, lambda s, now: rules.lift(s, now, by, reason, self.rules))
        return self.report(wallet_id)

    def _change(self, wallet_id: str, decide: Decision) -> None:
        """Decide on the settings read and write them, again if they changed meanwhile."""
        for _ in range(_ATTEMPTS):
            read = Settings.of_fields(self._store.protection.read(wallet_id).settings)
            now = self._clock()
            new, evidence = decide(read, now)
            entry = ["event", "protection", "wallet", wallet_id]
            for name, text in evidence.items():
                entry += [name, text]
            entry += ["ts", str(now)]
            fields = replace(new, version=read.version + 1).fields()
            if self._store.protection.write(wallet_id, read.version, fields, entry):
                return
        raise SystemFailure("the protection settings kept changing; try again")

    def _wallet(self, wallet_id: str) -> Wallet:
        wallet = self._store.wallet(wallet_id)
        if wallet is None:
            raise ResourceNotFound("no such wallet")
        return wallet

    def _minor(self, money: bool, value: Decimal, wallet: Wallet) -> int:
        """Return a limit's value as stored: minor units, or milliseconds for seconds."""
        if not money:
            if value != value.to_integral_value() or value < 0:
                raise InvalidAmount("a time limit is a whole number of seconds")
            return int(value) * 1000
        try:
            return to_minor(value, self._currencies.scale(wallet.currency))
        except AmountError as exc:
            raise InvalidAmount(f"value {exc}") from None


def _field(limit: str, period: str | None) -> str:
    """Return the store's name of a limit, or refuse a period it has not (or lacks)."""
    kind = KINDS[limit]
    if kind.periodic != (period is not None):
        raise InvalidRequest(f"{limit.upper()} " + (
            "needs a period: DAY, WEEK or MONTH" if kind.periodic else "has no period"))
    return kind.stored + (f":{PERIOD_CODES[period]}" if period else "")


def _period(code: str, upper: bool = False) -> str | None:
    period = PERIODS.get(code)
    return period.upper() if period and upper else period


def _kind_of(refusal: str) -> Any:
    return KINDS[refusal.removesuffix("_LIMIT_REACHED").lower()]


def _kind_named(stored: str) -> Any:
    return next(kind for kind in KINDS.values() if kind.stored == stored)
