-- The reconciliation report's totals per UTC day, provider, game and currency, kept by the
-- exporter in the same transaction as the entries it inserts (only those it did insert), as
-- ledger_daily is: the report reads a month's rows by the primary key instead of summing a
-- month of entries, and keeps them when old partitions are dropped.
--
-- A movement without a provider, game or currency (the service always names all three) is
-- counted under '' for the missing ones: a primary key holds no NULL.
CREATE TABLE ledger_reconciliation_daily (
    day            date   NOT NULL,
    provider_code  text   NOT NULL,
    game_id        text   NOT NULL,
    currency       text   NOT NULL,
    bet            bigint NOT NULL,
    count_bet      bigint NOT NULL,
    win            bigint NOT NULL,
    count_win      bigint NOT NULL,
    bet_rollback   bigint NOT NULL,
    win_rollback   bigint NOT NULL,
    count_rollback bigint NOT NULL,
    PRIMARY KEY (day, provider_code, game_id, currency)
);

-- The same totals summed from the entries of the UTC days first_day to last_day inclusive:
-- what the table is filled from here, rebuilt from (walletsvc/ledger/summary.py) and checked
-- against (ledger verify). A bet is a debit, a win a credit; a rollback counts on its own day,
-- its amount as a bet's or a win's rollback by what it reversed.
CREATE FUNCTION ledger_reconciliation_of(first_day date, last_day date)
RETURNS TABLE (day date, provider_code text, game_id text, currency text, bet bigint,
               count_bet bigint, win bigint, count_win bigint, bet_rollback bigint,
               win_rollback bigint, count_rollback bigint)
LANGUAGE sql STABLE AS $$
SELECT (e.at AT TIME ZONE 'UTC')::date, coalesce(e.provider_code, ''), coalesce(e.game_id, ''),
    coalesce(e.currency, ''),
    coalesce(sum(e.amount) FILTER (WHERE e.event = 'debit'), 0)::bigint,
    count(*) FILTER (WHERE e.event = 'debit'),
    coalesce(sum(e.amount) FILTER (WHERE e.event = 'credit'), 0)::bigint,
    count(*) FILTER (WHERE e.event = 'credit'),
    coalesce(sum(e.amount) FILTER (WHERE e.event = 'rollback' AND e.reversed_kind = 'debit'),
             0)::bigint,
    coalesce(sum(e.amount) FILTER (WHERE e.event = 'rollback' AND e.reversed_kind = 'credit'),
             0)::bigint,
    count(*) FILTER (WHERE e.event = 'rollback')
FROM ledger_entries e
WHERE e.at >= first_day::timestamp AT TIME ZONE 'UTC'
    AND e.at < (last_day + 1)::timestamp AT TIME ZONE 'UTC'
    AND e.event IN ('debit', 'credit', 'rollback')
GROUP BY 1, 2, 3, 4
$$;

-- The entries already there. On a large ledger this takes a while (a pass over every month
-- kept), and exporters starting meanwhile wait for it, their entries waiting in Redis.
INSERT INTO ledger_reconciliation_daily
SELECT * FROM ledger_reconciliation_of('-infinity', 'infinity');
