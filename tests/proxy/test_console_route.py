"""nginx's internal listener passes the support console to the operator's process; the public
listener never serves it."""

from __future__ import annotations

import pytest

from devkit.nginx import HOST
from tests.proxy.stack import Stack

pytestmark = [pytest.mark.realredis, pytest.mark.xdist_group("proxy")]


def test_the_console_answers_on_the_internal_listener_from_the_operators_process(
        stack: Stack) -> None:
    page = stack.nginx.request("internal", "GET", "/console/signin", source=HOST)

    # GPAS's process mounts no /console route: a page here was answered by the operator's.
    assert page.status == 200
    assert b"<h1>Sign in</h1>" in page.raw
    assert page.headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_the_console_is_not_served_on_the_public_listener(stack: Stack) -> None:
    answer = stack.nginx.request("public", "GET", "/console/signin",
                                 cert=stack.pki.gpas_client)

    assert answer.status == 404
