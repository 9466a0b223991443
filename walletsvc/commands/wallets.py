"""Commands on wallets and sessions: create, read, adjust, block, tokens, history, retention."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import click

from walletsvc.access import roles
from walletsvc.commands.acting import as_operator
from walletsvc.commands.output import exact_amount, json_command
from walletsvc.domain.operator import Operator
from walletsvc.models import SUB_WALLETS, AdjustmentKind
from walletsvc.presenters.operator import (
    adjustment_view,
    movement_page_view,
    session_view,
    token_view,
    wallet_view,
)
from walletsvc.services import services


def _operator() -> Operator:
    return services().operator


@click.command("create-wallet")
@click.option("--player", "player_id", required=True, help="The operator's player id.")
@click.option("--currency", required=True, help="ISO code, e.g. BRL.")
@click.option("--wallet-id", default=None, help="Defaults to a random id.")
@json_command
@as_operator(roles.CREATE_WALLET, "wallet.create")
def create_wallet(player_id: str, currency: str, wallet_id: str | None) -> Any:
    """Create a wallet with empty REAL and BONUS sub-wallets."""
    wallet = _operator().create_wallet(player_id, currency.upper(), wallet_id)
    return wallet_view(wallet, services().currencies)


@click.command("show-wallet")
@click.argument("wallet_id")
@json_command
@as_operator(roles.READ_PLAYER, "wallet.view", "wallet_id")
def show_wallet(wallet_id: str) -> Any:
    """Show a wallet's balances, currency and blocked flag."""
    return wallet_view(_operator().wallet(wallet_id), services().currencies)


def _adjustment_command(name: str, kind: AdjustmentKind, help_text: str) -> click.Command:
    # A negative amount ("-5") is an argument to refuse with a reason, not an unknown option.
    @click.command(name, help=help_text, context_settings={"ignore_unknown_options": True})
    @click.argument("wallet_id")
    @click.argument("amount", callback=exact_amount)
    @click.option("--sub-wallet", type=click.Choice(["REAL", "BONUS"]), default="REAL")
    @click.option("--reference", required=True, help="Unique per wallet; repeats are no-ops.")
    @json_command
    @as_operator(roles.CASHIER, f"money.{kind}", "wallet_id")
    def command(wallet_id: str, amount: Decimal, sub_wallet: str, reference: str) -> Any:
        applied, wallet = _operator().adjust(
            wallet_id, kind, amount, SUB_WALLETS[sub_wallet], reference)
        return adjustment_view(applied, wallet, services().currencies)

    return command


deposit = _adjustment_command("deposit", "deposit", "Add money to a sub-wallet.")
withdraw = _adjustment_command("withdraw", "withdrawal", "Take money from a sub-wallet.")


@click.command("block")
@click.argument("wallet_id")
@click.option("--reason", required=True, help="Why (the audit log keeps it).")
@json_command
@as_operator(roles.BLOCK_PLAYER, "player.block", "wallet_id")
def block(wallet_id: str, reason: str) -> Any:
    """Block a player: no new sessions, no debits."""
    return wallet_view(_operator().set_blocked(wallet_id, True), services().currencies)


@click.command("unblock")
@click.argument("wallet_id")
@click.option("--reason", required=True, help="Why (the audit log keeps it).")
@json_command
@as_operator(roles.BLOCK_PLAYER, "player.unblock", "wallet_id")
def unblock(wallet_id: str, reason: str) -> Any:
    """Unblock a player."""
    return wallet_view(_operator().set_blocked(wallet_id, False), services().currencies)


@click.command("issue-token")
@click.argument("wallet_id")
@click.option("--ttl", "ttl_seconds", type=click.IntRange(1, 86_400), default=None)
@json_command
@as_operator(roles.CREATE_WALLET, "launch-token.issue", "wallet_id")
def issue_token(wallet_id: str, ttl_seconds: int | None) -> Any:
    """Issue a single-use launch token for a wallet."""
    issued = _operator().issue_launch_token(wallet_id, ttl_seconds)
    return token_view(issued)


@click.command("sessions")
@click.argument("wallet_id")
@click.option("--limit", type=click.IntRange(1, 200), default=50)
@json_command
@as_operator(roles.READ_PLAYER, "session.list", "wallet_id")
def sessions(wallet_id: str, limit: int) -> Any:
    """List a wallet's sessions, newest first."""
    return [session_view(story, False, services().currencies)
            for story in _operator().sessions(wallet_id, limit)]


@click.command("show-session")
@click.argument("session_id")
@json_command
@as_operator(roles.READ_PLAYER, "session.view", "session_id")
def show_session(session_id: str) -> Any:
    """Show a session's whole story."""
    return session_view(_operator().session(session_id), True, services().currencies)


@click.command("movements")
@click.argument("wallet_id")
@click.option("--limit", type=click.IntRange(1, 200), default=50)
@click.option("--cursor", default=None, help="nextCursor of the previous page.")
@json_command
@as_operator(roles.READ_PLAYER, "movement.list", "wallet_id")
def movements(wallet_id: str, limit: int, cursor: str | None) -> Any:
    """List a wallet's movements, newest first."""
    page, currency = _operator().movements(wallet_id, cursor, limit)
    return movement_page_view(page, currency, services().currencies)


@click.command("trim-audit")
@json_command
def trim_audit() -> Any:
    """Drop audit entries older than the retention period (schedule it daily)."""
    wallets, removed = _operator().trim_audit()
    return {"walletsSwept": wallets, "entriesRemoved": removed}
