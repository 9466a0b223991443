"""What ``ledger verify`` prints: one line per finding, amounts in their currency, then a
summary line."""

from __future__ import annotations

from walletsvc.clock import iso_utc
from walletsvc.ledger.doubled import Application, Doubled
from walletsvc.ledger.recorded import Unrecorded
from walletsvc.ledger.records import millis
from walletsvc.ledger.summary import SummaryCheck, SummaryDifference
from walletsvc.ledger.verify import Verdict
from walletsvc.money import Currencies, from_minor


def report(verdict: Verdict, currencies: Currencies) -> list[str]:
    """Return every finding as a line, then the summary."""
    lines = [f"{d.wallet_id}: {d.what}: Redis {d.redis}, ledger {d.ledger}"
             for d in verdict.differences]
    lines += [doubled_line(doubled, currencies) for doubled in verdict.doubled]
    lines += [unrecorded_line(found) for found in verdict.recall.listed]
    lines += [summary_line(found) for found in verdict.summary.listed]
    return [*lines, summary(verdict)]


def _amount(application: Application, currencies: Currencies) -> str:
    if application.amount is None or application.currency not in currencies:
        return f"{application.amount} minor units"
    scale = currencies.scale(str(application.currency))
    return f"{from_minor(application.amount, scale)} {application.currency}"


def _reference(parent_system: str | None, reference: str) -> str:
    return f"adjustment {reference}" if parent_system is None else f"{parent_system} {reference}"


def doubled_line(doubled: Doubled, currencies: Currencies) -> str:
    """Name a doubled reference: each application's wallet, movement, amount and time."""
    applied = "; ".join(
        f"{a.wallet_id} {a.event} {_amount(a, currencies)} movement {a.movement_id} at "
        f"{iso_utc(millis(a.at))}" for a in doubled.applications)
    in_redis = ", ".join(f"{wallet_id} {mid or 'none'}"
                         for wallet_id, mid in zip(doubled.wallets, doubled.in_redis,
                                                   strict=True))
    return (f"doubled reference {_reference(doubled.parent_system, doubled.reference)}: applied"
            f" {len(doubled.applications)} times: {applied}; Redis records: {in_redis}")


def unrecorded_line(found: Unrecorded) -> str:
    """Name a reference Redis does not record as the ledger does."""
    named = (f"{found.wallet_id}: {_reference(found.parent_system, found.reference)} "
             f"({found.event}, movement {found.ledger_movement_id} in the ledger)")
    if found.redis_movement_id:
        return f"{named} is movement {found.redis_movement_id} in Redis"
    if found.redis_kind == "tombstone":
        return f"{named} is a rollback tombstone in Redis"
    return f"{named} is unknown to Redis: a resend would be applied again"


def summary_line(found: SummaryDifference) -> str:
    """Name a reconciliation summary row that differs from its entries, with both sides'
    counters as the table holds them (amounts in minor units)."""
    key = " ".join(part or "''" for part in (found.provider_code, found.game_id,
                                              found.currency))
    return (f"reconciliation summary {found.day:%Y-%m-%d} {key}: entries "
            f"{_counters(found.in_entries)}; summary {_counters(found.in_summary)}")


def _counters(counters: dict[str, int] | None) -> str:
    if counters is None:
        return "no row"
    return ", ".join(f"{name} {value}" for name, value in counters.items())


def _summary_check(check: SummaryCheck) -> str:
    unlisted = check.differing - len(check.listed)
    not_kept = ", ".join(f"{month:%Y-%m}" for month in check.not_kept)
    return (f"reconciliation summary of {check.first_day:%Y-%m-%d} to {check.last_day:%Y-%m-%d}:"
            f" {check.compared} rows compared, {check.differing} differing from the entries"
            + (f" ({unlisted} not listed)" if unlisted else "")
            + (f" ({not_kept} without a partition: not compared)" if not_kept else ""))


def summary(verdict: Verdict) -> str:
    """Return the counts of what was compared and found."""
    recall = verdict.recall
    unlisted = recall.missing + recall.other_id - len(recall.listed)
    return (f"{verdict.wallets} wallets compared, {len(verdict.differences)} differences, "
            f"{len(verdict.doubled)} doubled references, {recall.checked} references looked "
            f"up in Redis: {recall.missing} unknown to it, {recall.other_id} under another "
            f"movement id" + (f" ({unlisted} not listed)" if unlisted else "")
            + f", {verdict.backlog.pending} entries still waiting for the ledger; "
            + _summary_check(verdict.summary))
