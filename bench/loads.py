"""The loads against the running stack: wrk for the floor, the ceiling and debits, the Python
generator for the GPAS mix; CPU per process and Redis counters over each measured window."""

from __future__ import annotations

import argparse
import http.client
import json
import math
import random
import subprocess
import sys
import time
from typing import Any

import psutil
import redis

from bench import data, gpas, report, usage, wrk
from bench.stack import ROOT, Gunicorn, Stack
from walletsvc.store import RedisClient, WalletStore, connect

MAX_RPS = 3000  # enough launch tokens for a mix at this rate (more is reported, not fatal)
REQUESTS_PER_SESSION = 40  # the mix's average, a little low so tokens last
QUIET_CORES = 0.3  # the machine counts as quiet when other work uses less than this
WINDOW_MARGIN_S = 0.4  # CPU is measured inside the load, away from its start and end


class Bench:
    """The running stack, its store, and the loads against it."""

    def __init__(self, args: argparse.Namespace, stack: Stack) -> None:
        self.args, self.stack = args, stack
        self.workdir = stack.workdir
        self.redis: RedisClient = connect(stack.redis_url, socket_timeout=30.0)
        self.store = WalletStore(self.redis, data.RETENTION_MS)
        self.rng = random.Random(args.seed)
        self.wallets: list[str] = []

    def create_wallets(self) -> dict[str, Any]:
        """Create and fund the players' wallets through the admin API; return the setup note."""
        started = time.monotonic()
        self.wallets = data.wallets_via_admin_api(self.stack.operator.port, self.args.wallets,
                                                  "w")
        return {"wallets_via_admin_api": len(self.wallets),
                "seconds": round(time.monotonic() - started, 1)}

    def sessions(self, count: int) -> list[str]:
        """Open ``count`` sessions on walletsvc (directly, before any clock); return their ids."""
        found = []
        for wallet, token in (pair for player in data.launch_tokens(
                self.store, self.wallets, count, 1, self.rng) for pair in player):
            connection = http.client.HTTPConnection("127.0.0.1", self.stack.service.port,
                                                    timeout=30)
            query = f"walletId={wallet}"
            headers = {**gpas.signature_headers(b"", query), "Authorization": f"Bearer {token}"}
            connection.request("POST", f"/sessions?{query}", headers=headers)
            answer = connection.getresponse()
            body = answer.read()
            connection.close()
            if answer.status != 200:
                raise RuntimeError(f"could not open a session: {answer.status} {body!r}")
            found.append(json.loads(body)["id"])
        return found

    def wrk_load(self, scenario: str, app: Gunicorn, concurrency: int, seconds: float,
                 tag: str, port: int | None = None, answers: bool = False) -> wrk.Load:
        """Write the request files of one wrk run and return it, ready to start: to ``port``
        (default: the app's load port), recording every answer if asked."""
        threads = min(self.args.wrk_threads, concurrency)
        prefix = self.workdir / "requests" / f"{scenario}-{concurrency}-{tag}"
        if scenario == "floor":
            wrk.write_files(prefix, iter([wrk.ping()] * threads), threads)
        else:  # one session per connection, as GPAS's players each have their own
            count = math.ceil(self.args.max_rps * seconds)
            wrk.write_files(prefix, wrk.debits(self.sessions(concurrency), count, wrk.nonce()),
                            threads)
        return wrk.Load(f"http://127.0.0.1:{port or app.load_port}", prefix,
                        unique=scenario != "floor", threads=threads, connections=concurrency,
                        seconds=seconds,
                        answers=prefix.with_name(f"{prefix.name}.answers") if answers else None)

    def groups(self, app: Gunicorn, loadgen: int) -> dict[str, tuple[list[int], bool]]:
        """Return the processes whose CPU is reported, by name (pids, whether children count)."""
        found = {"load generator": ([loadgen], True), "gunicorn master": ([app.pid], False),
                 "gunicorn workers": (app.workers(), False),
                 "redis-server": ([s.process.pid for s in self.stack.redis_servers
                                   if s.process], False)}
        if app.nginx and app.nginx.process:
            found["nginx"] = ([app.nginx.process.pid], True)
        idle = [other for other in [*self.stack.apps.values(), self.stack.operator]
                if other is not app]
        found["rest of the stack"] = (
            [other.pid for other in idle]
            + [other.nginx.process.pid for other in idle if other.nginx and other.nginx.process],
            True)
        return found

    def measure(self, process: subprocess.Popen[Any], app: Gunicorn, seconds: float
                ) -> dict[str, float]:
        """Return the cores each process used over ``seconds`` of the running load."""
        return usage.window(lambda: self.groups(app, process.pid), seconds)

    def drive(self, scenario: str, concurrency: int, app: Gunicorn) -> dict[str, Any]:
        """Run one load and return wrk's or the Python generator's figures with the CPU."""
        args = self.args
        if scenario == "mix":
            return self.mix(concurrency, app)
        if args.warmup:
            warmup = self.wrk_load(scenario, app, concurrency, args.warmup, "warmup")
            wrk.result(warmup.start(), args.warmup + 60)
            warmup.remove_files()
        load = self.wrk_load(scenario, app, concurrency, args.duration, "measured")
        process = load.start()
        time.sleep(WINDOW_MARGIN_S)
        cpu = self.measure(process, app, args.duration - 2 * WINDOW_MARGIN_S)
        found = wrk.result(process, args.duration + 60)
        load.remove_files()
        endpoint = "ping" if scenario == "floor" else "debit"
        return {**found, "endpoints": {endpoint: found["total"]}, "cpu_cores": cpu}

    def mix(self, concurrency: int, app: Gunicorn) -> dict[str, Any]:
        """Run the GPAS mix from the Python generator (each request depends on the last)."""
        seconds = self.args.warmup + self.args.duration
        per_player = math.ceil(seconds * MAX_RPS / REQUESTS_PER_SESSION / concurrency) + 2
        plan = {"port": app.load_port, "concurrency": concurrency,
                "warmup": self.args.warmup, "duration": self.args.duration,
                "tokens": data.launch_tokens(self.store, self.wallets, concurrency, per_player,
                                             self.rng),
                "nonce": wrk.nonce(), "seed": self.rng.randrange(1 << 30)}
        plan_file = self.workdir / f"plan-mix-{concurrency}.json"
        out = plan_file.with_name(f"result-mix-{concurrency}.json")
        plan_file.write_text(json.dumps(plan))
        process = subprocess.Popen([sys.executable, "-m", "bench.loadgen", str(plan_file),
                                    str(out)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None
        line = process.stdout.readline()  # "window <seconds to its start>"
        time.sleep(float(line.split()[1]) + WINDOW_MARGIN_S)
        cpu = self.measure(process, app, self.args.duration - 2 * WINDOW_MARGIN_S)
        if process.wait(timeout=seconds + 300) != 0:
            raise RuntimeError(f"the mix's load generator failed at {concurrency} connections")
        return {**json.loads(out.read_text()), "cpu_cores": cpu}

    def load(self, scenario: str, concurrency: int, app: Gunicorn | None = None
             ) -> dict[str, Any]:
        """Run one scenario at one concurrency level; return its measurements."""
        app = app or self.stack.apps[report.app_of(scenario)]
        self.settle()
        waited = self.wait_for_quiet()
        before = self.redis_stats()
        result = self.drive(scenario, concurrency, app)
        after = self.redis_stats()
        calls = after["evalsha_calls"] - before["evalsha_calls"]
        rps = result["total"]["rps"]
        result.update(
            scenario=scenario, concurrency=concurrency, serving=app.label,
            waited_for_quiet_s=waited,
            cpu_us_per_request=usage.per_request_us(result["cpu_cores"], rps),
            redis={"evalsha_calls": calls,
                   "evalsha_usec_per_call": round(
                       (after["evalsha_usec"] - before["evalsha_usec"]) / calls, 1
                   ) if calls else None,
                   "forks": after["forks"] - before["forks"]})
        print(report.run_line(result), flush=True)
        return result

    def redis_stats(self) -> dict[str, int]:
        """Return the script counters and the fork count (AOF rewrites), summed over every
        master."""
        found = {"evalsha_calls": 0, "evalsha_usec": 0, "forks": 0}
        for server in self.stack.redis_servers:
            if server is self.stack.replica:
                continue
            node = redis.Redis(port=server.port, decode_responses=True, socket_timeout=30)
            evalsha = node.info("commandstats").get("cmdstat_evalsha", {})
            found["evalsha_calls"] += int(evalsha.get("calls", 0))
            found["evalsha_usec"] += int(evalsha.get("usec", 0))
            found["forks"] += int(node.info("stats")["total_forks"])
            node.close()
        return found

    def wait_for_quiet(self) -> float:
        """Wait up to ``--quiet-wait`` seconds for other work to leave the CPUs; return the wait.

        Between runs the stack is idle, so what keeps the machine busy then is other work.
        """
        started = time.monotonic()
        while time.monotonic() - started < self.args.quiet_wait:
            idle = psutil.cpu_times_percent(interval=1.0).idle
            if (100 - idle) / 100 * usage.machine_cores() < QUIET_CORES:
                break
        return round(time.monotonic() - started, 1)

    def settle(self) -> None:
        """Wait for an AOF rewrite that setup writes set off (100,000 wallets do) to finish."""
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            persistence = self.redis_info("persistence")
            if not (persistence.get("aof_rewrite_in_progress")
                    or persistence.get("aof_rewrite_scheduled")):
                return
            time.sleep(0.5)

    def redis_info(self, section: str) -> dict[str, Any]:
        """Return one INFO section of the (first) master."""
        node = redis.Redis(port=self.stack.redis_servers[0].port, decode_responses=True)
        try:
            return dict(node.info(section))
        finally:
            node.close()
