"""The pages that read a player's data: search, the wallet, its movements page by page, a
session's story; each shown only to the roles that may read players, and recorded."""

from __future__ import annotations

import re
from collections.abc import Callable

from werkzeug.test import TestResponse

from devkit.admin import AdminClient, open_session
from devkit.gpas import GpasClient
from tests.console.conftest import Person
from walletsvc.access.audit_log import Recorded


def test_the_wallet_page_shows_balances_and_limits_and_the_read_is_recorded(
        person: Person, platform: AdminClient,
        audited: Callable[[str], list[Recorded]]) -> None:
    wallet_id = platform.wallet(real="1234.50", bonus="0.25")
    limited = platform.post(f"/wallets/{wallet_id}/limits", {
        "limit": "LOSS", "period": "DAY", "value": "100.00", "by": "OPERATOR"})
    assert limited.status_code == 200, limited.get_data(as_text=True)
    person.sign_in("sam-support")

    page = person.text(f"/console/wallets/{wallet_id}")

    assert f"Wallet {wallet_id}" in page
    assert '<td class="amount" data-testid="balance-total">1,234.75 BRL</td>' in page
    assert "<td>loss</td><td>day</td>" in page
    assert "100.00 BRL" in page
    [*_, read] = audited("wallet.view")
    assert (read.entry.actor_name, read.entry.target, read.entry.outcome) == (
        "sam-support", f"wallet:{wallet_id}", 200)


def test_amounts_and_dates_follow_the_readers_language(
        person: Person, platform: AdminClient) -> None:
    wallet_id = platform.wallet(real="1234.50")
    person.sign_in("sam-support")

    english = person.text(f"/console/wallets/{wallet_id}",
                          headers={"Accept-Language": "en-US,en;q=0.9"})
    portuguese = person.text(f"/console/wallets/{wallet_id}",
                             headers={"Accept-Language": "pt-BR,pt;q=0.9"})

    assert "1,234.50 BRL" in english and "Balances" in english
    assert "1.234,50 BRL" in portuguese and "Saldos" in portuguese
    assert "<td>depósito</td>" in portuguese and "<td>deposit</td>" in english
    assert '<html lang="pt-BR">' in portuguese
    assert re.search(r"\d{1,2} de [a-zç]+\. de \d{4}", portuguese), portuguese


def test_a_language_chosen_on_a_page_is_kept_for_the_next(person: Person) -> None:
    chosen = person.open("/console/signin?lang=pt_BR",
                         headers={"Accept-Language": "en"})
    assert "console-lang=pt_BR" in chosen.headers["Set-Cookie"]
    assert "Secure" in chosen.headers["Set-Cookie"]  # as the session's cookie (https)
    assert "Entrar" in chosen.get_data(as_text=True)

    later = person.text("/console/signin", headers={"Accept-Language": "en"})

    assert "Entrar com a conta da empresa" in later


def test_search_opens_the_wallet_or_the_session_it_names(
        person: Person, platform: AdminClient, gpas: GpasClient[TestResponse]) -> None:
    wallet_id, session_id = open_session(gpas, platform)
    person.sign_in("sam-support")

    by_wallet = person.open(f"/console/search?q={wallet_id}")
    by_session = person.open(f"/console/search?q={session_id}")
    unknown = person.open("/console/search?q=nobody-has-this")

    assert by_wallet.headers["Location"] == f"/console/wallets/{wallet_id}"
    assert by_session.headers["Location"] == f"/console/sessions/{session_id}"
    assert unknown.status_code == 404
    assert ("Nothing has the id nobody-has-this: no wallet, session, player or movement "
            "reference.") in unknown.get_data(as_text=True)


def test_search_finds_a_player_and_a_movements_reference_in_the_ledger(
        person: Person, platform: AdminClient, gpas: GpasClient[TestResponse],
        export: Callable[[], None]) -> None:
    wallet_id, session_id = open_session(gpas, platform, real="50")
    other_wallet = platform.wallet(real="5")  # player-1 too: two wallets
    assert gpas.debit(session_id, "3.00", "bet-found").status_code == 200
    lonely = platform.post("/wallets", {"playerId": "player-lonely", "currency": "BRL"})
    export()
    person.sign_in("sam-support")

    by_reference = person.open("/console/search?q=bet-found")
    by_adjustment = person.open("/console/search?q=fund-REAL")
    by_lonely_player = person.open("/console/search?q=player-lonely")
    by_player = person.text("/console/search?q=player-1")

    assert by_reference.headers["Location"] == f"/console/sessions/{session_id}"
    assert by_lonely_player.headers["Location"] == (
        f"/console/wallets/{lonely.get_json()['walletId']}")
    assert by_adjustment.status_code == 200  # both wallets were funded with "fund-REAL"
    assert sorted(re.findall(r'href="/console/wallets/([^"]+)"', by_player)) == sorted(
        [wallet_id, other_wallet])


def test_a_sessions_story_lists_each_bet_and_win_in_order(
        person: Person, platform: AdminClient, gpas: GpasClient[TestResponse]) -> None:
    wallet_id, session_id = open_session(gpas, platform, real="50")
    assert gpas.debit(session_id, "7.50", "bet-1").status_code == 200
    assert gpas.credit(session_id, "12.00", "win-1").status_code == 200
    person.sign_in("sam-support")

    wallet_page = person.text(f"/console/wallets/{wallet_id}")
    story = person.text(f"/console/sessions/{session_id}")

    assert f'href="/console/sessions/{session_id}"' in wallet_page
    assert re.search(rf'<td>bet-1</td>\s*<td><a href="/console/sessions/{session_id}">',
                     wallet_page), wallet_page
    rows = re.findall(r"<td>(bet|win)</td>\s*<td class=\"amount\">([^<]+)</td>\s*"
                      r"<td>([^<]+)</td>", story)
    assert rows == [("bet", "7.50 BRL", "bet-1"), ("win", "12.00 BRL", "win-1")]


def test_movements_come_a_page_at_a_time_and_htmx_gets_the_table_alone(
        person: Person, platform: AdminClient) -> None:
    wallet_id = platform.wallet()
    for n in range(23):
        done = platform.post(f"/wallets/{wallet_id}/deposits", {
            "amount": f"{n + 1}.00", "subWallet": "REAL", "reference": f"dep-{n:02d}"})
        assert done.status_code == 200
    person.sign_in("sam-support")

    first = person.text(f"/console/wallets/{wallet_id}")
    older = re.search(r'href="(/console/wallets/[^"]+/movements\?cursor=[^"]+)"', first)
    assert older, first
    rest = person.text(older.group(1).replace("&amp;", "&"), headers={"HX-Request": "true"})

    assert re.findall(r"<td>(dep-\d\d)</td>", first) == [f"dep-{n:02d}" for n in
                                                           range(22, 2, -1)]
    assert re.findall(r"<td>(dep-\d\d)</td>", rest) == ["dep-02", "dep-01", "dep-00"]
    assert rest.lstrip().startswith('<div id="movements">') and "<html" not in rest
    assert "Older movements" not in rest
    whole = person.text(older.group(1).replace("&amp;", "&"))
    assert "<html" in whole and "dep-00" in whole


def test_a_role_that_reads_no_player_sees_no_search_and_is_refused_a_wallet(
        person: Person, platform: AdminClient,
        audited: Callable[[str], list[Recorded]]) -> None:
    wallet_id = platform.wallet(real="10")
    person.sign_in("ana-auditor")

    home = person.text("/console/")
    refused = person.open(f"/console/wallets/{wallet_id}")

    assert "Find a player" not in home and 'role="search"' not in home
    assert refused.status_code == 403
    assert "Your roles do not allow this" in refused.get_data(as_text=True)
    assert "10.00" not in refused.get_data(as_text=True)
    [*_, entry] = audited("wallet.view")
    assert (entry.entry.actor_name, entry.entry.outcome) == ("ana-auditor", 403)


def test_a_program_with_an_api_token_gets_the_apis_answers_not_pages(
        console_app: object, platform: AdminClient) -> None:
    refused = platform.client.get("/console/wallets/none",
                                  headers={"Authorization": "Bearer wso_unknown"})

    assert refused.status_code == 401
    assert refused.get_json()["type"] == "UNAUTHORIZED"
