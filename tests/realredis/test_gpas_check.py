"""The GPAS conformance checker, run as a command against walletsvc under gunicorn."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from devkit.redis import RedisServer
from devkit.settings import PARENT_ID, SECRET
from tests.support.service import Service

pytestmark = [pytest.mark.realredis, pytest.mark.slow]


@pytest.fixture
def service(redis_server: RedisServer, tmp_path: Path, operators_url: str) -> Iterator[Service]:
    running = Service(redis_server.url, tmp_path / "gunicorn.log", operators_url).start()
    yield running
    running.stop()


def gpas_check(service: Service, wallet_id: str, token: str, secret: str = SECRET,
               *more: str) -> subprocess.CompletedProcess[str]:
    """Run `walletsvc gpas-check` as an operator would, with no walletsvc settings at all."""
    return subprocess.run(
        [str(Path(sys.executable).parent / "walletsvc"), "gpas-check", "--base-url",
         f"http://127.0.0.1:{service.port}", "--parent-id", PARENT_ID, "--secret", secret,
         "--wallet-id", wallet_id, "--token", token, *more],
        capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin"}, check=False)


def wallet_with_token(service: Service, amount: str) -> tuple[str, str]:
    wallet_id = service.admin("POST", "/wallets", {"playerId": "p", "currency": "BRL"})["walletId"]
    if amount != "0":
        service.admin("POST", f"/wallets/{wallet_id}/deposits",
                      {"amount": amount, "subWallet": "REAL", "reference": "funding"})
    return wallet_id, service.admin("POST", "/launch-tokens", {"walletId": wallet_id})["authToken"]


def test_walletsvc_passes_every_check(service: Service) -> None:
    wallet_id, token = wallet_with_token(service, "10")
    result = gpas_check(service, wallet_id, token)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "19 of 19 checks passed"
    assert "FAIL" not in result.stdout
    for check in ("debit with a known reference is a duplicate", "rollback of the debit",
                  "debit after close is refused", "signature vector walletId=2sdflsd"):
        assert any(line.startswith(check) and line.endswith("PASS") for line in lines), check


def test_a_limits_refusal_is_checked_on_a_limited_wallet(service: Service) -> None:
    wallet_id, token = wallet_with_token(service, "10")
    limited, limited_token = wallet_with_token(service, "10")
    service.admin("POST", f"/wallets/{limited}/limits",
                  {"limit": "BET", "period": None, "value": "0.50", "by": "operator"})
    result = gpas_check(service, wallet_id, token, SECRET, "--limited-wallet-id", limited,
                        "--limited-token", limited_token)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "23 of 23 checks passed"
    assert "a bet over a limit is refused, naming it" in result.stdout
    unlimited, unlimited_token = wallet_with_token(service, "10")
    result = gpas_check(service, wallet_id, service.admin(
        "POST", "/launch-tokens", {"walletId": wallet_id})["authToken"], SECRET,
        "--limited-wallet-id", unlimited, "--limited-token", unlimited_token)
    assert result.returncode == 1
    assert "does not name a limit" in result.stdout or "expected HTTP 400" in result.stdout


def test_failures_are_listed_with_request_and_reason(service: Service) -> None:
    wallet_id, token = wallet_with_token(service, "10")
    result = gpas_check(service, wallet_id, token, secret="not-the-secret")
    assert result.returncode == 1
    assert "open a session with the launch token" in result.stdout
    assert "request: POST /sessions?walletId=" in result.stdout
    assert "code 1006" not in result.stdout.split("bad signature")[0]
    assert "expected HTTP 200, got HTTP 400" in result.stdout


def test_an_empty_wallet_fails_the_money_checks(service: Service) -> None:
    wallet_id, token = wallet_with_token(service, "0")
    result = gpas_check(service, wallet_id, token)
    assert result.returncode == 1
    failed = [line for line in result.stdout.splitlines() if line.endswith("FAIL")]
    assert failed and failed[0].startswith("debit 1.00")


def test_an_unreachable_wallet_is_reported(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "walletsvc.conformance", "--base-url", "http://127.0.0.1:9",
         "--parent-id", "X", "--secret", "s", "--wallet-id", "w", "--token", "t"],
        capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert "cannot reach http://127.0.0.1:9" in result.stderr
