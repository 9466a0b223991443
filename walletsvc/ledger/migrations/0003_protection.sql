-- Player protection's evidence (docs/player-protection.md): every change of a limit or pause
-- (event 'protection') and every refusal by one (event 'refused') is a ledger entry like any
-- other, its fields in `fields`. This index finds a day's entries for the regulator's daily
-- report without reading the day's movements; the view names their fields.
CREATE INDEX ledger_entries_protection ON ledger_entries (at)
    WHERE event IN ('protection', 'refused');

CREATE VIEW ledger_protection AS
SELECT at, wallet_id, event,
       fields->>'action'    AS action,     -- set, lowered, kept, raise_pending, removal_pending,
                                            -- removed, cancelled, paused, lifted
       fields->>'name'      AS limit_name, -- changes: e.g. loss:d (the daily loss limit), bet
       fields->>'type'      AS refusal,    -- refusals: e.g. LOSS_LIMIT_REACHED, PLAYER_PAUSED
       fields->>'period'    AS period,     -- refusals: d, w, m ('' for a limit without one)
       fields->>'limit'     AS limit_value, -- refusals: the limit in force
       fields->>'old'       AS old_value,  -- minor units, ms, or a pause's end ('inf')
       fields->>'new'       AS new_value,
       fields->>'used'      AS used,
       fields->>'until'     AS pause_until, -- refusals by a pause: its end ('inf' or ms)
       amount               AS amount_tried,
       currency,
       fields->>'by'        AS asked_by,
       fields->>'origin'    AS origin,
       fields->>'reason'    AS reason,
       fields->>'asked'     AS asked_ms,
       fields->>'effective' AS effective_ms,
       reference,
       session_id
FROM ledger_entries
WHERE event IN ('protection', 'refused');
