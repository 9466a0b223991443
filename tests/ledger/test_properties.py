"""Property: whatever sequence of movements runs, the ledger's sums equal Redis's balances."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devkit.admin import open_session
from tests.support.ledger import Bench

STEP = st.one_of(
    st.tuples(st.just("debit"), st.integers(1, 5_000)),
    st.tuples(st.just("credit"), st.integers(0, 5_000)),
    st.tuples(st.just("rollback"), st.integers(0, 30)),
    st.tuples(st.sampled_from(["deposit", "withdrawal"]), st.integers(1, 3_000)),
    st.tuples(st.sampled_from(["block", "unblock"]), st.just(0)),
)


def apply(bench: Bench, wallet_id: str, session_id: str, steps: list[tuple[str, int]]) -> None:
    done: list[str] = []
    for n, (kind, value) in enumerate(steps):
        ref = f"{wallet_id}-{n}"
        amount = f"{value // 100}.{value % 100:02d}"
        if kind in ("debit", "credit"):
            move = bench.gpas.debit if kind == "debit" else bench.gpas.credit
            if move(session_id, amount, reference=ref).status_code == 200:
                done.append(ref)
        elif kind == "rollback" and done:
            bench.gpas.rollback(session_id, done[value % len(done)], reference=ref)
        elif kind in ("deposit", "withdrawal"):
            bench.admin.post(f"/wallets/{wallet_id}/{kind}s", {
                "amount": amount, "subWallet": "BONUS" if value % 2 else "REAL",
                "reference": ref})
        elif kind in ("block", "unblock"):
            bench.admin.post(f"/wallets/{wallet_id}/{kind}", {"reason": "test"})


def test_ledger_sums_equal_redis_after_any_sequence_of_movements(bench: Bench) -> None:
    @settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(steps=st.lists(STEP, max_size=25))
    def check(steps: list[tuple[str, int]]) -> None:
        wallet_id, session_id = open_session(bench.gpas, bench.admin, real="20", bonus="5")
        apply(bench, wallet_id, session_id, steps)
        bench.export()
        wallet: Any = bench.admin.get(f"/wallets/{wallet_id}").json
        sums = bench.sql("SELECT sum(real_delta), sum(bonus_delta) FROM ledger_entries"
                         " WHERE wallet_id = %s", wallet_id)[0]
        kept = bench.sql("SELECT real, bonus, blocked FROM ledger_wallets WHERE wallet_id = %s",
                         wallet_id)[0]
        in_redis = (round(wallet["balance"]["real"] * 100),
                    round(wallet["balance"]["bonus"] * 100))
        assert (int(sums[0]), int(sums[1])) == in_redis
        assert kept == (*in_redis, wallet["blocked"])

    check()
