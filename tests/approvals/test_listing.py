"""Reading money requests: newest first, by state and wallet, a page at a time."""

from __future__ import annotations

from typing import Any

import pytest

from devkit.admin import AdminClient
from devkit.operators import ADMIN, AUDITOR, FINANCE, FINANCE_2, FINANCE_LEAD, SUPPORT
from devkit.responses import json_of
from devkit.settings import FakeClock
from tests.approvals.conftest import Desk, error_of


def listed(desk: Desk, query: str, who: Any = FINANCE_LEAD) -> dict[str, Any]:
    answer = desk.by(who).get(f"/money-requests?{query}")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return dict(json_of(answer))


def ids(page: dict[str, Any]) -> list[str]:
    return [request["id"] for request in page["requests"]]


def test_requests_are_listed_newest_first_by_wallet_a_page_at_a_time(
        desk: Desk, admin: AdminClient, clock: FakeClock) -> None:
    wallet_id, other = admin.wallet(), admin.wallet()
    made = []
    for amount in ("1", "2", "3", "4", "5"):
        made.append(desk.asked(wallet_id, amount)["id"])
        clock.advance(1)
    desk.asked(other, "9")
    first = listed(desk, f"walletId={wallet_id}&limit=2")
    assert ids(first) == [made[4], made[3]] and first["nextCursor"]
    second = listed(desk, f"walletId={wallet_id}&limit=2&cursor={first['nextCursor']}")
    assert ids(second) == [made[2], made[1]]
    last = listed(desk, f"walletId={wallet_id}&limit=2&cursor={second['nextCursor']}")
    assert ids(last) == [made[0]] and last["nextCursor"] is None
    assert len(ids(listed(desk, "limit=200"))) == 6


def test_requests_are_filtered_by_their_state_as_of_now(
        desk: Desk, admin: AdminClient, clock: FakeClock) -> None:
    wallet_id = admin.wallet()
    approved, rejected, waiting = (desk.asked(wallet_id, n)["id"] for n in ("1", "2", "3"))
    assert desk.approve(FINANCE_2, approved).status_code == 200
    assert desk.reject(FINANCE_2, rejected).status_code == 200
    by_state = {state: ids(listed(desk, f"walletId={wallet_id}&state={state}"))
                for state in ("PENDING", "APPROVED", "REJECTED", "EXPIRED", "FAILED")}
    assert by_state == {"PENDING": [waiting], "APPROVED": [approved], "REJECTED": [rejected],
                        "EXPIRED": [], "FAILED": []}
    clock.advance(72 * 3600)
    assert ids(listed(desk, f"walletId={wallet_id}&state=PENDING")) == []
    expired = listed(desk, f"walletId={wallet_id}&state=EXPIRED")
    assert ids(expired) == [waiting] and expired["requests"][0]["state"] == "EXPIRED"


@pytest.mark.parametrize("who", [FINANCE, FINANCE_LEAD, ADMIN], ids=lambda o: o.name)
def test_operators_with_finance_read_requests(desk: Desk, admin: AdminClient, who: Any) -> None:
    request = desk.asked(admin.wallet(), "1")
    assert desk.get(who, request["id"])["id"] == request["id"]
    assert request["id"] in ids(listed(desk, "", who))


@pytest.mark.parametrize("who", [SUPPORT, AUDITOR], ids=lambda o: o.name)
def test_operators_without_finance_do_not_read_requests(desk: Desk, admin: AdminClient,
                                                        who: Any) -> None:
    request = desk.asked(admin.wallet(), "1")
    for answer in (desk.by(who).get(f"/money-requests/{request['id']}"),
                   desk.by(who).get("/money-requests")):
        assert error_of(answer) == (403, 1010, "ROLE_REQUIRED")


@pytest.mark.parametrize("query", ["state=OPEN", "limit=0", "limit=201", "cursor=abc",
                                   "walletId=", "color=red", "state=PENDING&state=FAILED"])
def test_a_malformed_listing_is_refused(desk: Desk, query: str) -> None:
    answer = desk.by(FINANCE).get(f"/money-requests?{query}")
    assert error_of(answer) == (400, 1010, "INVALID_REQUEST")
