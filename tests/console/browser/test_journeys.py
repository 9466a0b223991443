"""One journey per role through the console in chromium, against the service under gunicorn
and the stub identity provider: support reads a session's story, a statement and a past
balance, finance moves money with four eyes, compliance sets a limit GPAS's next bet obeys, an
auditor checks the chain, an admin adds a service account and makes its token, a person makes
and revokes their own, finance reconciles a day down to a movement and reads the ledger's
health. Each page passes axe-core with no serious violation and breaks no rule of the
Content-Security-Policy."""

from __future__ import annotations

import subprocess
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from devkit.oidc import StubProvider
from devkit.operators import PLATFORM_TOKEN
from tests.console.browser.conftest import VIEWPORT, console_url, operator_call
from tests.console.browser.pages import (
    Console,
    HistoryPages,
    MoneyRequests,
    OperatorsPage,
    ReconciliationPage,
    TokensPage,
    WalletPage,
)
from tests.support.ledger import WALLETSVC
from tests.support.service import ROOT, Service

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("console-browser")]


def _wallet(live: Service, real: str) -> str:
    created = operator_call(live, PLATFORM_TOKEN, "POST", "/admin/wallets",
                            {"playerId": "player-7", "currency": "BRL"})
    wallet_id = str(created["walletId"])
    if Decimal(real):
        operator_call(live, PLATFORM_TOKEN, "POST", f"/admin/wallets/{wallet_id}/deposits",
                      {"amount": real, "subWallet": "REAL", "reference": "funding"})
    return wallet_id


def _session(live: Service, wallet_id: str) -> str:
    token = operator_call(live, PLATFORM_TOKEN, "POST", "/admin/launch-tokens",
                          {"walletId": wallet_id})["authToken"]
    opened = live.gpas.open_session(wallet_id, token)
    assert opened.status_code == 200, opened.json
    return str(opened.json["id"])


def _export(live: Service) -> None:
    """Move what the store holds into the ledger, as walletsvc ledger export does."""
    subprocess.run([WALLETSVC, "ledger", "export"], cwd=ROOT, env=live.env, check=True,
                   capture_output=True, timeout=60)


def _verify(live: Service) -> None:
    """Run ``ledger verify`` as the nightly command does (it keeps its run); it finds nothing."""
    ran = subprocess.run([WALLETSVC, "ledger", "verify", "--quiet", "--wait", "10"], cwd=ROOT,
                         env=live.env, capture_output=True, text=True, timeout=120, check=False)
    assert ran.returncode == 0, ran.stdout + ran.stderr


def _console(context: BrowserContext, live: Service, screenshots: Path | None) -> Console:
    return Console(context.new_page(), console_url(live, ""), screenshots)


def test_support_finds_a_player_and_reads_a_sessions_story(
        live: Service, provider: StubProvider, context: BrowserContext,
        screenshots: Path | None) -> None:
    wallet_id = _wallet(live, "100.00")
    session_id = _session(live, wallet_id)
    assert live.gpas.debit(session_id, "12.50", "bet-42").status_code == 200
    console = _console(context, live, screenshots)

    console.open("/console/signin")
    console.check_accessibility()
    console.picture("signin")
    console.sign_in_with_company_account(provider, "sam-support")
    assert console.nav() == ["Home", "Find a player", "My tokens"]
    console.find(wallet_id)
    wallet = WalletPage(console)
    expect(console.page.get_by_role("heading", name=f"Wallet {wallet_id}")).to_be_visible()
    assert wallet.total() == "87.50 BRL"
    console.check_accessibility()
    console.picture("wallet")
    wallet.open_session(session_id)

    expect(console.page.get_by_role("heading", name=f"Session {session_id}")).to_be_visible()
    expect(console.page.get_by_role("row").filter(has_text="bet-42")).to_contain_text("12.50")
    console.check_accessibility()
    console.picture("session")


def test_older_movements_come_into_the_page_through_htmx_under_the_policy(
        live: Service, provider: StubProvider, context: BrowserContext,
        screenshots: Path | None) -> None:
    wallet_id = _wallet(live, "0")
    for n in range(22):
        operator_call(live, PLATFORM_TOKEN, "POST", f"/admin/wallets/{wallet_id}/deposits",
                      {"amount": "1.00", "subWallet": "REAL", "reference": f"dep-{n:02d}"})
    console = _console(context, live, screenshots)
    console.sign_in_with_company_account(provider, "sam-support")
    console.open(f"/console/wallets/{wallet_id}")
    wallet = WalletPage(console)
    expect(console.page.get_by_role("cell", name="dep-02", exact=True)).to_be_visible()
    expect(console.page.get_by_role("cell", name="dep-01", exact=True)).to_have_count(0)

    wallet.older_movements()

    # The table was replaced in place: the same page, now with the oldest movements.
    expect(console.page.get_by_role("cell", name="dep-00", exact=True)).to_be_visible()
    assert console.page.url.endswith(f"/console/wallets/{wallet_id}")
    expect(console.page.get_by_role("heading", name="Balances")).to_be_visible()
    console.check_accessibility()


def test_support_reads_a_statement_and_the_balance_before_a_bet(
        live: Service, provider: StubProvider, context: BrowserContext,
        screenshots: Path | None) -> None:
    wallet_id = _wallet(live, "100.00")
    session_id = _session(live, wallet_id)
    time.sleep(1.1)  # the form's moment is to the second: one after the funding, before the bet
    before_bet = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    time.sleep(1.1)
    assert live.gpas.debit(session_id, "12.50", "bet-7").status_code == 200
    assert live.gpas.credit(session_id, "20.00", "win-7").status_code == 200
    _export(live)
    console = _console(context, live, screenshots)
    console.sign_in_with_company_account(provider, "sam-support")
    console.open(f"/console/wallets/{wallet_id}")
    wallet, history = WalletPage(console), HistoryPages(console)

    wallet.show_statement()

    expect(console.page.get_by_role("heading", name=f"Statement of wallet {wallet_id}")
           ).to_be_visible()
    assert history.balances("opening") == ["0.00 BRL", "0.00 BRL", "0.00 BRL"]
    assert history.balances("closing") == ["107.50 BRL", "0.00 BRL", "107.50 BRL"]
    assert history.line("bet-7")[1:] == ["bet", "bet-7", session_id, "agt-13", "-12.50 BRL",
                                         "87.50 BRL"]
    assert history.line("win-7")[-2:] == ["20.00 BRL", "107.50 BRL"]
    console.check_accessibility()
    console.picture("statement")
    console.page.get_by_role("link", name="Back to the wallet").click()
    wallet.show_balance_at(before_bet)

    assert history.past_balance() == ["100.00 BRL", "100.00 BRL", "0.00 BRL"]
    expect(console.page.get_by_test_id("set-by")).to_contain_text("funding")
    console.check_accessibility()
    console.picture("balance-at")


def test_finance_asks_for_a_deposit_another_approves_and_the_balance_moves_once(
        live: Service, provider: StubProvider, chromium: Browser, context: BrowserContext,
        screenshots: Path | None) -> None:
    wallet_id = _wallet(live, "10.00")
    fiona = _console(context, live, screenshots)
    fiona.sign_in_with_company_account(provider, "fiona-finance")
    MoneyRequests(fiona).ask_for_deposit(wallet_id, "40.00", "refund of a lost deposit",
                                         "T-900")
    fiona.check_accessibility()

    other = chromium.new_context(locale="en-US", timezone_id="UTC", viewport=VIEWPORT)
    try:
        felix = _console(other, live, screenshots)
        felix.sign_in_with_company_account(provider, "felix-finance")
        felix.open("/console/money-requests")
        expect(felix.page.get_by_role("row").filter(has_text="refund of a lost deposit")
               ).to_contain_text("fiona-finance")
        felix.check_accessibility()
        felix.picture("money-requests")
        MoneyRequests(felix).approve("refund of a lost deposit")
        expect(felix.page.get_by_role("row").filter(has_text="refund of a lost deposit")
               ).to_have_count(0)  # no longer pending
    finally:
        other.close()

    balance = operator_call(live, PLATFORM_TOKEN, "GET", f"/admin/wallets/{wallet_id}")
    assert Decimal(str(balance["balance"]["real"])) == Decimal("50.00")
    fiona.open(f"/console/wallets/{wallet_id}")
    assert WalletPage(fiona).total() == "50.00 BRL"


def test_compliance_sets_a_loss_limit_and_the_next_bet_over_it_is_refused(
        live: Service, provider: StubProvider, context: BrowserContext,
        screenshots: Path | None) -> None:
    wallet_id = _wallet(live, "100.00")
    session_id = _session(live, wallet_id)
    console = _console(context, live, screenshots)
    console.sign_in_with_company_account(provider, "carla-compliance")
    console.open(f"/console/wallets/{wallet_id}")

    WalletPage(console).set_limit("LOSS", "DAY", "20.00", "asked by the player")

    expect(console.page.get_by_role("row").filter(has_text="loss")).to_contain_text("20.00 BRL")
    console.check_accessibility()
    refused = live.gpas.debit(session_id, "25.00")
    assert refused.status_code != 200 and refused.json["type"] == "LOSS_LIMIT_REACHED"
    assert live.gpas.debit(session_id, "5.00").status_code == 200


def test_an_auditor_checks_the_chain_of_the_audit_log(
        live: Service, provider: StubProvider, context: BrowserContext,
        screenshots: Path | None) -> None:
    console = _console(context, live, screenshots)
    console.sign_in_with_company_account(provider, "ana-auditor")
    assert console.nav() == ["Home", "Ledger health", "Audit log", "My tokens"]
    console.open("/console/audit")
    console.check_accessibility()
    console.picture("audit")

    console.page.get_by_role("button", name="Check the whole chain").click()

    expect(console.page.get_by_test_id("chain-ok")).to_be_visible()
    console.check_accessibility()


def test_the_console_speaks_brazilian_portuguese_to_a_brazilian_browser(
        live: Service, provider: StubProvider, chromium: Browser,
        screenshots: Path | None) -> None:
    wallet_id = _wallet(live, "1234.50")
    context = chromium.new_context(locale="pt-BR", timezone_id="UTC", viewport=VIEWPORT)
    try:
        console = _console(context, live, screenshots)
        console.open("/console/signin")
        expect(console.page.get_by_role("link", name="Entrar com a conta da empresa")
               ).to_be_visible()
        provider.default_user = "sam-support"
        console.page.get_by_role("link", name="Entrar com a conta da empresa").click()
        console.open(f"/console/wallets/{wallet_id}")
        assert WalletPage(console).total() == "1.234,50 BRL"
        console.check_accessibility()
        console.picture("wallet-pt-BR")
    finally:
        context.close()


def _me(live: Service, token: str) -> tuple[int, str]:
    answer = live.operator_http.open("/admin/me", headers={"Authorization": f"Bearer {token}"})
    return answer.status_code, str((answer.json or {}).get("name", ""))


def test_an_admin_adds_a_service_account_and_makes_its_token(
        live: Service, provider: StubProvider, context: BrowserContext,
        screenshots: Path | None) -> None:
    console = _console(context, live, screenshots)
    console.sign_in_with_company_account(provider, "adam-admin")
    assert console.nav()[-2:] == ["Operators", "My tokens"]

    OperatorsPage(console).add("cashier-eu", "A service account (a program, with API tokens only)",
                               ["platform", "support"], "the new cashier")

    expect(console.page.get_by_role("row").filter(has_text="cashier-eu")).to_contain_text(
        "platform, support")
    console.check_accessibility()
    console.picture("operators")
    console.page.get_by_role("link", name="Make its API token").click()
    expect(console.page.get_by_role("heading", name="API tokens of cashier-eu")).to_be_visible()
    console.check_accessibility()
    secret = TokensPage(console).make("cashier", "30")
    expect(console.page.get_by_role("heading", name="The new token of cashier-eu")
           ).to_be_visible()
    console.check_accessibility()
    assert secret.startswith("wso_") and secret not in console.page.url
    assert _me(live, secret) == (200, "cashier-eu")


def test_a_person_makes_their_own_token_and_revokes_it(
        live: Service, provider: StubProvider, context: BrowserContext,
        screenshots: Path | None) -> None:
    console = _console(context, live, screenshots)
    console.sign_in_with_company_account(provider, "carla-compliance")
    console.page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="My tokens").click()
    tokens = TokensPage(console)
    console.check_accessibility()

    secret = tokens.make("reports script", "30")

    console.check_accessibility()
    console.picture("tokens")
    assert _me(live, secret) == (200, "carla-compliance")
    console.page.get_by_role("link", name="I have copied it: back to the tokens").click()
    assert tokens.names()[0] == "reports script"
    assert secret not in console.page.content()
    tokens.revoke("reports script", "the script is retired")
    console.check_accessibility()
    assert _me(live, secret)[0] == 401


def test_finance_reconciles_a_day_down_to_a_movement_and_reads_the_ledgers_health(
        live: Service, provider: StubProvider, context: BrowserContext,
        screenshots: Path | None) -> None:
    wallet_id = _wallet(live, "100.00")
    session_id = _session(live, wallet_id)
    for kind, value, reference in (("debit", "10.00", "fin-bet-1"), ("debit", "2.50", "fin-bet-2"),
                                   ("credit", "6.00", "fin-win-1")):
        moved = live.gpas.move(kind, session_id, value, reference, tags={"gameid": "fin-7"})
        assert moved.status_code == 200, moved.json
    _export(live)
    _verify(live)
    # A bet the exporter has not taken yet: in GPAS's report, not yet in the ledger's.
    late = live.gpas.debit(session_id, "1.00", "fin-bet-late", tags={"gameid": "fin-9"})
    assert late.status_code == 200, late.json
    today = datetime.now(UTC).date().isoformat()
    console = _console(context, live, screenshots)
    console.sign_in_with_company_account(provider, "fiona-finance")
    assert "Reconciliation" in console.nav() and "Ledger health" in console.nav()
    reconciliation = ReconciliationPage(console)

    reconciliation.show(today, "FIN")

    expect(reconciliation.row("fin-7")).to_contain_text("matches")
    expect(reconciliation.row("fin-7")).to_contain_text("12.50")
    expect(reconciliation.row("fin-9")).to_contain_text("differs")
    expect(console.page.get_by_test_id("lag")).to_contain_text("waiting to be exported: 1")
    console.check_accessibility()
    console.picture("reconciliation")
    reconciliation.open_movements("fin-7")
    expect(console.page.get_by_role("heading", name=f"Movements of fin-7 on {today}")
           ).to_be_visible()
    movement = console.page.get_by_role("row").filter(has_text="fin-bet-2")
    expect(movement).to_contain_text("2.50 BRL")
    expect(console.page.get_by_test_id("movement")).to_have_count(3)
    console.check_accessibility()
    movement.get_by_role("link", name=session_id).click()
    expect(console.page.get_by_role("heading", name=f"Session {session_id}")).to_be_visible()
    expect(console.page.get_by_role("row").filter(has_text="fin-bet-2")).to_contain_text("2.50")

    console.open("/console/ledger")
    expect(console.page.get_by_test_id("lag-ok")).to_be_visible()
    expect(console.page.get_by_test_id("verify-ok")).to_be_visible()
    expect(console.page.get_by_test_id("run").first).to_contain_text("found nothing")
    console.check_accessibility()
    console.picture("ledger-health")
