"""Schemathesis against /openapi.json of the running service (gunicorn over a real redis-server):
the operator process serves the document, and each case goes to the process that serves it.

Every documented operation gets generated requests that fit the document and requests that do
not, each signed by a requests auth hook over the exact bytes sent. Half of them are aimed at a
live wallet, session and movement, so the fuzzing reaches the store and not only the checks.
Every answer must be documented, match its schema, and be the GPAS error shape when an error;
none may be a 5xx. Examples are derandomized and bounded, so a run is the same every time.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from requests.auth import AuthBase
from requests.structures import CaseInsensitiveDict
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, CheckFunction
from schemathesis.core.parameters import ParameterLocation

from devkit.gpas import signed_headers
from devkit.operators import PLATFORM_TOKEN
from devkit.postgres import LocalPostgres, fresh_database
from devkit.redis import RedisBinary, RedisServer
from devkit.responses import json_of
from devkit.settings import PARENT_ID, SECRET, base_config
from devkit.store import initialise
from tests.support.service import Routed, Service
from tests.support.store import FakeRedis
from walletsvc import create_app

pytestmark = [
    pytest.mark.slow, pytest.mark.realredis,
    # One process (one xdist group): `target`, gunicorn over a Redis and a ledger per Redis
    # version, starts once per version, not again on every worker.
    pytest.mark.xdist_group("schemathesis"),
]

# Per operation and mode; raise it (SCHEMATHESIS_EXAMPLES=500) to search further by hand.
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "25"))
CHECK_NAMES = ["not_a_server_error", "status_code_conformance", "content_type_conformance",
               "response_headers_conformance", "response_schema_conformance",
               "negative_data_rejection"]
# A sequence's later steps are built from earlier answers, not to violate the document.
CHECK_NAMES_STATEFUL = [name for name in CHECK_NAMES if name != "negative_data_rejection"]
ERROR_FIELDS = {"code", "type", "message", "details"}


def documented_operations() -> list[tuple[str, str]]:
    """Return (method, path) of every documented operation, from the app built in-process."""
    app = create_app(base_config(), redis=FakeRedis())
    document: dict[str, Any] = json_of(app.test_client().get("/openapi.json"))
    return [(method.upper(), path) for path, item in sorted(document["paths"].items())
            for method in item]


class GpasCredentials(AuthBase):
    """Make each generated credential a valid one, over the exact bytes sent.

    A credential the case left out stays out, and a negative case's headers stay as generated:
    such a case drops or breaks one on purpose and expects a refusal.
    """

    def __init__(self, case: schemathesis.Case[Any]) -> None:
        self.fix = positive(case, ParameterLocation.HEADER)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        url = urlsplit(request.url or "")
        headers = request.headers
        if not self.fix:
            return request
        key = {"/reconciliation": "reconciliation-key"}.get(
            url.path, PLATFORM_TOKEN if url.path.startswith("/admin") else None)
        if key is not None and "Authorization" in headers:
            headers["Authorization"] = f"Bearer {key}"
        body = request.body.encode() if isinstance(request.body, str) else request.body
        assert body is None or isinstance(body, bytes), body  # never a stream here
        for name, value in signed_headers(PARENT_ID, SECRET, body or b"", url.query).items():
            if name in headers:
                headers[name] = value
        return request


class Target:
    """The service under fuzzing, with a live wallet, session and movement to aim at."""

    def __init__(self, service: Service, redis_url: str) -> None:
        self.service = service
        self.redis_url = redis_url
        self.schema = schemathesis.openapi.from_url(
            f"http://127.0.0.1:{service.operator_port}/openapi.json")
        self.live()

    def base_url(self, case: schemathesis.Case[Any]) -> str:
        """Return the address of the process that serves the case's path, as nginx routes."""
        operator = case.path.startswith(Routed.OPERATOR_PATHS)
        return f"http://127.0.0.1:{self.service.operator_port if operator else self.service.port}"

    def reset(self) -> None:
        """Empty the store, mark it ready again, make the live wallet, session and movement."""
        client = redis.Redis.from_url(self.redis_url, decode_responses=True)
        client.flushall()
        initialise(client)
        client.close()
        self.live()

    def live(self) -> None:
        """Make the live wallet, session and movement to aim at."""
        service = self.service
        self.wallet_id, self.session_id = service.funded_session("1000")
        self.service.admin("POST", f"/wallets/{self.wallet_id}/deposits",
                           {"amount": "50", "subWallet": "BONUS", "reference": "bonus"})
        self.reference = "bet-to-aim-at"
        assert service.gpas.debit(self.session_id, "5", self.reference).status_code == 200

    def token(self) -> str:
        """Issue a fresh launch token for the live wallet."""
        issued = self.service.admin("POST", "/launch-tokens", {"walletId": self.wallet_id})
        return str(issued["authToken"])

    def give_launch_token(self, case: schemathesis.Case[Any]) -> None:
        """Put a fresh launch token on a valid open-session case, if its wallet exists."""
        if case.path != "/sessions" or not positive(case, ParameterLocation.HEADER):
            return
        wallet_id = (case.query or {}).get("walletId")
        issued = self.service.http.open(
            "/admin/launch-tokens", method="POST",
            data=json.dumps({"walletId": str(wallet_id)}).encode(),
            headers={"Authorization": f"Bearer {PLATFORM_TOKEN}",
                     "Content-Type": "application/json"})
        if issued.status_code == 201:
            token = issued.json["authToken"]
            with_token(case, token)

    def aim_at_live(self, case: schemathesis.Case[Any]) -> None:
        """Point the case's ids at the live wallet, session and movement (valid parts only)."""
        query = case.query if positive(case, ParameterLocation.QUERY) else {}
        live = {"walletSessionId": self.session_id, "walletId": self.wallet_id,
                "externalMovementId": self.reference}
        for name in live.keys() & query.keys():
            query[name] = live[name]
        if "id" in query:  # closing the live session would end the run's reach: close another
            query["id"] = self.service.funded_session("1")[1]
        if case.path == "/sessions" and positive(case, ParameterLocation.HEADER):
            with_token(case, self.token())
        path = case.path_parameters if positive(case, ParameterLocation.PATH) else {}
        path.update({name: value for name, value in (("wallet_id", self.wallet_id),
                                                     ("session_id", self.session_id))
                     if name in path})
        body_is_valid = positive(case, ParameterLocation.BODY)
        if body_is_valid and isinstance(case.body, dict) and "walletId" in case.body:
            case.body["walletId"] = self.wallet_id


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory, redis_binary: RedisBinary,
           postgres: LocalPostgres) -> Iterator[Target]:
    """gunicorn over its own redis-server and a ledger, with live ids to aim at."""
    directory = tmp_path_factory.mktemp("schemathesis")
    server = RedisServer(directory / "redis", binary=redis_binary).start()
    service = Service(server.url, directory / "gunicorn.log", fresh_database(postgres),
                      workers=2).start()
    try:
        yield Target(service, server.url)
    finally:
        service.stop()
        server.stop()


def with_token(case: schemathesis.Case[Any], token: str) -> None:
    """Give the case ``token`` as its launch token, in headers of its own."""
    headers = CaseInsensitiveDict(case.headers or {})
    headers["Authorization"] = f"Bearer {token}"
    case.headers = headers


def checks_named(names: list[str]) -> list[CheckFunction]:
    """Return schemathesis's checks of these names (each a check function)."""
    checks = [CHECKS.get_one(name) for name in names]
    functions = [check for check in checks if not isinstance(check, type)]
    assert len(functions) == len(names), checks
    return functions


def positive(case: schemathesis.Case[Any], location: ParameterLocation) -> bool:
    """Tell whether the case generated that part to fit the document."""
    return case.meta is None or not case.meta.is_negative_at(location)


def assert_gpas_error_shape(response: schemathesis.Response) -> None:
    """An error answer is exactly the GPAS body: code, type, message (details optional)."""
    if response.status_code < 400:
        return
    body = json.loads(response.content)
    assert {"code", "type", "message"} <= set(body) <= ERROR_FIELDS, body
    assert isinstance(body["code"], int) and body["type"] and body["message"], body


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                         ids=lambda mode: mode.value)
@pytest.mark.parametrize(("method", "path"), documented_operations())
def test_generated_requests_get_documented_answers_and_never_a_server_error(
        target: Target, method: str, path: str, mode: GenerationMode) -> None:
    operation = target.schema[path][method]
    checks = checks_named(CHECK_NAMES)

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate, Phase.shrink],
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode), aim=st.booleans())
    def fuzz(case: schemathesis.Case[Any], aim: bool) -> None:
        if aim:
            target.aim_at_live(case)
        credentials = GpasCredentials(case)
        response = case.call(base_url=target.base_url(case), auth=credentials, timeout=10)
        case.validate_response(response, checks=checks,
                               transport_kwargs={"base_url": target.base_url(case),
                                                 "auth": credentials})
        assert_gpas_error_shape(response)

    fuzz()


def test_linked_sequences_get_documented_answers_and_never_a_server_error(
        target: Target) -> None:
    # Stateful: chains that follow the document's links (create a wallet, fund it, issue a
    # token, open a session, bet, roll back, close), with ids taken from earlier answers.
    # Not the ledger's reports: what they find depends on the exporter, outside the sequence.
    checks = checks_named(CHECK_NAMES_STATEFUL)
    schema = target.schema.exclude(tag="Ledger")

    # The state machine class is made at run time from the document: mypy cannot know it.
    class Sequences(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            # Every sequence starts from the same store: an answer that differed because an
            # earlier sequence left a wallet behind (a 409 instead of a 201) would make the
            # next steps' choices differ from one run of the same sequence to the next.
            target.reset()

        def before_call(self, case: schemathesis.Case[Any]) -> None:
            target.give_launch_token(case)

        def get_call_kwargs(self, case: schemathesis.Case[Any]) -> dict[str, Any]:
            return {"base_url": target.base_url(case), "auth": GpasCredentials(case),
                    "timeout": 10}

        def validate_response(self, response: schemathesis.Response, case: schemathesis.Case[Any],
                              additional_checks: Any = None, **kwargs: Any) -> None:
            case.validate_response(response, checks=checks, transport_kwargs=kwargs)
            assert_gpas_error_shape(response)

    Sequences.run(settings=settings(
        max_examples=2 * EXAMPLES, stateful_step_count=15, derandomize=True, database=None,
        deadline=None, suppress_health_check=list(HealthCheck)))


def test_the_service_logged_no_traceback(target: Target) -> None:
    log = Path(target.service.log).read_text()
    assert "Traceback" not in log
