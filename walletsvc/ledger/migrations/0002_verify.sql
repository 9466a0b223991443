-- What `walletsvc ledger verify` needs: the indexes that let it find a reference applied twice
-- by grouping in PostgreSQL instead of reading every row, the record of each of its runs that
-- /metrics reports to Prometheus, and the doubles an operator has dealt with.
--
-- On a large ledger the two indexes take a while to build, and the exporter's inserts wait for
-- them (its entries wait in Redis meanwhile, as during a PostgreSQL outage). To avoid the wait,
-- build the same index on each month partition first with CREATE INDEX CONCURRENTLY: an index
-- on the parent attaches a matching partition index instead of building it again.

-- A GPAS reference is unique per parent system across all wallets (docs/gpas-contract.md,
-- "Idempotency and replays"), and a rollback's own reference shares that space. A tombstone
-- blocks a reference without applying it, so it is not in the index.
CREATE INDEX ledger_entries_reference ON ledger_entries (parent_system, reference)
    WHERE event IN ('debit', 'credit', 'rollback');

-- An operator adjustment's reference is unique per wallet, deposits and withdrawals together
-- (one record key for both in Redis).
CREATE INDEX ledger_entries_adjustment ON ledger_entries (wallet_id, reference)
    WHERE event IN ('deposit', 'withdrawal');

-- One row per `ledger verify` run: whether it found nothing, and what it counted (or the error
-- that stopped it). Kept in the ledger, not in Redis, so that the last good run is still known
-- when Redis has lost its data, and any walletsvc instance reports the same.
CREATE TABLE ledger_verify_runs (
    id          bigserial   PRIMARY KEY,
    started_at  timestamptz NOT NULL,
    finished_at timestamptz NOT NULL DEFAULT now(),
    ok          boolean     NOT NULL,
    findings    jsonb       NOT NULL
);

CREATE INDEX ledger_verify_runs_success ON ledger_verify_runs (finished_at) WHERE ok;

-- A movement that applied a reference a second time, dealt with by an operator (corrected by an
-- adjustment of its own, GPAS told): verify no longer counts it, so that a double found once
-- does not fail every run after. The ledger itself is never changed.
CREATE TABLE ledger_verify_accepted (
    movement_id   text        PRIMARY KEY,
    parent_system text,                    -- NULL: an operator adjustment's reference
    wallet_id     text        NOT NULL,
    reference     text        NOT NULL,
    note          text        NOT NULL,
    accepted_at   timestamptz NOT NULL DEFAULT now()
);
