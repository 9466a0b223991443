"""Setup before the clock: wallets, funding and launch tokens; Redis memory readings."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

from bench import gpas
from walletsvc.config import Config
from walletsvc.domain.gpas import fingerprint
from walletsvc.domain.protection.periods import Calendar
from walletsvc.store import RedisClient, WalletStore

FUNDS = "1000000.00"  # plenty: no bet is ever refused for funds
FUNDS_MINOR = 100_000_000
RETENTION_MS = Config(parent_systems={}, reconciliation_api_key="").retention_ms
TOKEN_TTL_MS = 3_600_000


def wallets_via_admin_api(port: int, count: int, prefix: str) -> list[str]:
    """Create and fund ``count`` wallets through the HTTP admin API (8 clients at once)."""

    def create(n: int) -> str:
        wallet_id = f"{prefix}-{n:06d}"
        gpas.admin(port, "POST", "/wallets",
                   {"walletId": wallet_id, "playerId": f"player-{n}", "currency": "BRL"})
        gpas.admin(port, "POST", f"/wallets/{wallet_id}/deposits",
                   {"amount": FUNDS, "subWallet": "REAL", "reference": "bench-funding"})
        return wallet_id

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(create, range(count)))


def wallets_via_store(store: WalletStore, count: int, prefix: str, now_ms: int) -> list[str]:
    """Create and fund ``count`` wallets with the store calls the admin API makes, minus HTTP.

    ``WalletStore.create_wallet`` and ``WalletStore.adjust`` run the same Lua scripts with the
    same keys as ``POST /admin/wallets`` and ``.../deposits``; only the HTTP layer is skipped,
    so that 100,000 wallets take seconds rather than minutes.
    """

    calendar = Calendar(Config.protection_time_zone)

    calendar = Calendar(Config.protection_time_zone)

    def create(n: int) -> str:
        wallet_id = f"{prefix}-{n:06d}"
        store.create_wallet(wallet_id, f"player-{n}", "BRL", now_ms)
        store.adjust(wallet_id, "deposit", "real", FUNDS_MINOR, "bench-funding",
                     fingerprint("deposit", "real", str(FUNDS_MINOR)), f"fund-{wallet_id}",
                     now_ms, calendar.arguments(now_ms))
        return wallet_id

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(create, range(count)))


def launch_tokens(store: WalletStore, wallets: list[str], players: int, per_player: int,
                  rng: random.Random) -> list[list[list[str]]]:
    """Issue ``per_player`` launch tokens to each player, on wallets of its own share."""
    shares = [wallets[n::players] or wallets for n in range(players)]
    return [[[wallet, store.issue_launch_token(wallet, TOKEN_TTL_MS)]
             for wallet in rng.choices(shares[n], k=per_player)] for n in range(players)]


def used_memory(redis: RedisClient) -> int:
    """Return Redis ``used_memory`` in bytes."""
    return int(redis.info("memory")["used_memory"])


def memory_by_key_kind(redis: RedisClient) -> dict[str, dict[str, int]]:
    """Return MEMORY USAGE summed by key kind (the prefix before the first ':')."""
    names = list(redis.scan_iter(count=1000))
    pipe = redis.pipeline(transaction=False)
    for name in names:
        pipe.memory_usage(name, samples=0)
    kinds: dict[str, dict[str, int]] = {}
    for name, used in zip(names, pipe.execute(), strict=True):
        kind = kinds.setdefault(name.split(":", 1)[0], {"keys": 0, "bytes": 0})
        kind["keys"] += 1
        kind["bytes"] += int(used or 0)
    return dict(sorted(kinds.items(), key=lambda item: -item[1]["bytes"]))
