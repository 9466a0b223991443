"""Page objects of the console: one class per page, methods named for what a person does."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, expect

from devkit.oidc import StubProvider

AXE = Path(__file__).with_name("axe.min.js")
# axe-core's impacts a page may not have.
REFUSED_IMPACTS = ("serious", "critical")


@dataclass
class Console:
    """The console in one person's browser."""

    page: Page
    base: str
    screenshots: Path | None = None

    def __post_init__(self) -> None:
        self.policy_violations: list[str] = []
        self.page.on("console", self._watch)

    def _watch(self, message: Any) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.policy_violations.append(message.text)

    def open(self, path: str) -> None:
        """Go to a console page."""
        self.page.goto(self.base + path)

    def sign_in_with_company_account(self, provider: StubProvider, name: str) -> None:
        """Press the identity provider's button as ``name`` (the stub signs them in at once)."""
        provider.default_user = name
        self.open("/console/signin")
        self.page.get_by_role("link", name="Sign in with your company account").click()
        expect(self.page.get_by_role("heading", name=f"Hello, {name}")).to_be_visible()

    def nav(self) -> list[str]:
        """Return the navigation's places."""
        return self.page.get_by_role("navigation", name="Main").get_by_role(
            "link").all_inner_texts()

    def find(self, text: str) -> None:
        """Search for a wallet or session id from the home page."""
        self.open("/console/")
        self.page.get_by_label("Wallet, session or player id, or a movement's reference").fill(text)
        self.page.get_by_role("button", name="Find").click()

    def check_accessibility(self) -> None:
        """Run axe-core on the page (evaluated by the driver, outside the page's policy);
        refuse serious and critical violations."""
        self.page.evaluate(AXE.read_text() + "\n;0")
        found = self.page.evaluate(
            "axe.run(document).then(r => ({passes: r.passes.length,"
            " violations: r.violations.map(v => ({id: v.id, impact: v.impact,"
            " nodes: v.nodes.map(n => n.target.join(' '))}))}))")
        assert found["passes"] > 10  # axe ran its rules on this page
        serious = [v for v in found["violations"] if v["impact"] in REFUSED_IMPACTS]
        assert serious == [], serious
        assert self.policy_violations == []

    def picture(self, name: str) -> None:
        """Save the page's picture when pictures are asked for."""
        if self.screenshots is not None:
            self.page.screenshot(path=str(self.screenshots / f"{name}.png"))


@dataclass
class WalletPage:
    """A wallet's page."""

    console: Console

    def total(self) -> str:
        """Return the total balance as shown."""
        return self.console.page.get_by_test_id("balance-total").inner_text()

    def older_movements(self) -> None:
        """Press the link to the next page of movements."""
        self.console.page.get_by_role("link", name="Older movements").click()

    def open_session(self, session_id: str) -> None:
        """Follow the link to a session's story."""
        self.console.page.get_by_role("link", name=session_id).first.click()

    def set_limit(self, limit: str, period: str, value: str, why: str) -> None:
        """Fill in and send the limit form."""
        page = self.console.page
        page.get_by_text("Set a limit").click()
        form = page.locator("form").filter(
            has=page.get_by_role("button", name="Set the limit"))
        form.get_by_label("Limit", exact=True).select_option(limit)
        form.get_by_label("Period").select_option(period)
        form.get_by_label("Value (money in the wallet's currency, or seconds)").fill(value)
        form.get_by_label("Why").fill(why)
        form.get_by_role("button", name="Set the limit").click()


    def show_statement(self) -> None:
        """Send the statement form with its dates as they are (the month so far)."""
        self.console.page.get_by_role("button", name="Show the statement").click()

    def show_balance_at(self, moment: str) -> None:
        """Ask for the balance at ``moment`` (YYYY-MM-DDTHH:MM:SS, UTC)."""
        page = self.console.page
        page.get_by_label("Date and time (UTC)").fill(moment)
        page.get_by_role("button", name="Show the balance").click()


@dataclass
class HistoryPages:
    """A wallet's statement and its balance at a past moment."""

    console: Console

    def balances(self, row: str) -> list[str]:
        """Return the real, bonus and total of the statement's ``opening`` or ``closing``."""
        shown = self.console.page.get_by_test_id(row)
        shown.wait_for()
        return shown.get_by_role("cell").all_inner_texts()

    def line(self, reference: str) -> list[str]:
        """Return the cells of the statement's line of ``reference``."""
        row = self.console.page.get_by_test_id("statement-lines").get_by_role("row").filter(
            has=self.console.page.get_by_role("cell", name=reference, exact=True))
        return row.get_by_role("cell").all_inner_texts()

    def past_balance(self) -> list[str]:
        """Return the total, real and bonus of the balance at a past moment (once shown)."""
        shown = self.console.page.get_by_test_id("past-balance")
        shown.wait_for()
        return shown.get_by_role("cell").all_inner_texts()


@dataclass
class MoneyRequests:
    """The money requests' form and queue."""

    console: Console

    def ask_for_deposit(self, wallet_id: str, amount: str, note: str, ticket: str) -> None:
        """Fill in and send the ask form for a deposit to REAL."""
        page = self.console.page
        self.console.open(f"/console/money-requests/new?walletId={wallet_id}")
        page.get_by_label("Kind").select_option("DEPOSIT")
        page.get_by_label("Amount").fill(amount)
        page.get_by_label("Reason").select_option("GOODWILL")
        page.get_by_label("Note for the approver").fill(note)
        page.get_by_label("Ticket").fill(ticket)
        page.get_by_role("button", name="Ask for approval").click()
        expect(page.get_by_role("status")).to_contain_text("is recorded")

    def approve(self, note: str) -> None:
        """Approve the pending request whose note is ``note``."""
        row = self.console.page.get_by_role("row").filter(has_text=note)
        row.get_by_role("button", name="Approve").click()
        expect(self.console.page.get_by_role("status")).to_contain_text("is recorded")


@dataclass
class OperatorsPage:
    """The operators' page (admins) and an operator's tokens."""

    console: Console

    def add(self, name: str, kind: str, roles: list[str], why: str) -> None:
        """Fill in and send the form that adds an operator (kind: "A person" or "A service
        account ...")."""
        page = self.console.page
        self.console.open("/console/operators")
        form = page.locator("form").filter(
            has=page.get_by_role("button", name="Add the operator"))
        form.get_by_label("Name (how they sign in and are shown)").fill(name)
        form.get_by_label(kind).check()
        for role in roles:
            # "platform" reads "platform (service accounts only)"
            form.get_by_role("checkbox", name=re.compile(rf"^{role}( |$)")).check()
        form.get_by_label("Why").fill(why)
        form.get_by_role("button", name="Add the operator").click()
        expect(page.get_by_role("status")).to_contain_text(f"{name} is added.")


@dataclass
class TokensPage:
    """A page of API tokens: one's own, or an operator's for an admin."""

    console: Console

    def make(self, name: str, days: str) -> str:
        """Fill in and send the form that makes a token; return the secret shown once."""
        page = self.console.page
        page.get_by_label("Name (what it is for)").fill(name)
        page.get_by_label("Days it works (1 to 366)").fill(days)
        page.get_by_role("button", name="Make the token").click()
        expect(page.get_by_text("Copy it now: it will not be shown again.")).to_be_visible()
        return page.get_by_label("The token", exact=True).input_value()

    def names(self) -> list[str]:
        """Return the names of the tokens listed, newest first."""
        return self.console.page.locator("tbody tr td:first-child").all_inner_texts()

    def revoke(self, name: str, why: str) -> None:
        """Revoke the token named ``name``, saying why."""
        page = self.console.page
        page.get_by_label(f"Why revoke {name}").fill(why)
        page.get_by_role("row").filter(has_text=name).get_by_role(
            "button", name="Revoke").click()
        expect(page.get_by_role("status")).to_contain_text(f"The token {name} is revoked")


@dataclass
class ReconciliationPage:
    """The reconciliation page: GPAS's report beside the ledger's."""

    console: Console

    def show(self, day: str, provider: str) -> None:
        """Ask for one day's rows of one provider."""
        page = self.console.page
        self.console.open("/console/reconciliation")
        page.get_by_label("Day, or first day (UTC)").fill(day)
        page.get_by_label("Last day (UTC, included)").fill(day)
        page.get_by_label("Provider (empty: all)").fill(provider)
        page.get_by_role("button", name="Show").click()

    def row(self, game: str) -> Locator:
        """Return the rows (GPAS, ledger, difference) of a game."""
        page = self.console.page
        return page.get_by_test_id("row").filter(
            has=page.get_by_role("link", name=game, exact=True))

    def open_movements(self, game: str) -> None:
        """Follow a game's link down to its movements."""
        self.row(game).get_by_role("link", name=game, exact=True).click()
