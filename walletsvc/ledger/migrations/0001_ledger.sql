-- The ledger's tables. Amounts are integer minor units (bigint) in the row's currency; never
-- floats. Times are UTC.

-- Every change, one row per outbox entry, partitioned by month of the change's time. The
-- primary key is the entry's identity: its time, shard and outbox stream id, so an entry the
-- exporter inserts twice (after a crash between commit and acknowledgement) is kept once.
CREATE TABLE ledger_entries (
    at            timestamptz NOT NULL,  -- the change's time, exact to the millisecond
    shard         text        NOT NULL,  -- the wallet's shard (two hex digits)
    entry_ms      bigint      NOT NULL,  -- the outbox stream id: milliseconds part
    entry_seq     bigint      NOT NULL,  -- the outbox stream id: sequence part
    event         text        NOT NULL,  -- debit, credit, rollback, tombstone, deposit,
                                         -- withdrawal, opened, closed, created, blocked, unblocked
    wallet_id     text        NOT NULL,
    parent_system text,
    session_id    text,
    movement_id   text,
    reference     text,                  -- externalReference or adjustment reference; for a
                                         -- tombstone the reference it blocks
    reverses      text,                  -- rollback: the reversed reference
    reversed_kind text,                  -- rollback: debit or credit
    type_code     text,
    currency      text,
    amount        bigint,
    real_delta    bigint,                -- signed change of REAL
    bonus_delta   bigint,                -- signed change of BONUS
    real_after    bigint,
    bonus_after   bigint,
    game_id       text,
    provider_code text,
    description   text,
    tags          json,                  -- as GPAS sent them (json keeps the text exactly)
    player_id     text,
    fields        json        NOT NULL,  -- the outbox entry exactly as the script wrote it
    exported_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (at, shard, entry_ms, entry_seq)
) PARTITION BY RANGE (at);

CREATE INDEX ledger_entries_wallet ON ledger_entries (wallet_id, at);

-- Each wallet's state, kept by the exporter in the same transaction as the entries it inserts
-- (only those it did insert): balances stay exact when old partitions are dropped.
CREATE TABLE ledger_wallets (
    wallet_id   text PRIMARY KEY,
    shard       text        NOT NULL,
    player_id   text,
    currency    text,
    created_at  timestamptz,
    blocked     boolean     NOT NULL DEFAULT false,
    -- the outbox id of the block or unblock that set `blocked` (exporters may commit out of order)
    blocked_ms  bigint      NOT NULL DEFAULT -1,
    blocked_seq bigint      NOT NULL DEFAULT -1,
    real        bigint      NOT NULL DEFAULT 0,
    bonus       bigint      NOT NULL DEFAULT 0,
    entries     bigint      NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- The change of all balances per UTC day and currency: liabilities at the end of a day are
-- the sum of every day up to it.
CREATE TABLE ledger_daily (
    day         date   NOT NULL,
    currency    text   NOT NULL,
    real_delta  bigint NOT NULL,
    bonus_delta bigint NOT NULL,
    movements   bigint NOT NULL,
    PRIMARY KEY (day, currency)
);
